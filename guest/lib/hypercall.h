/*
 * Legacy Xen hypercalls through the hypercall page. The hypervisor
 * announces an MSR in CPUID base + 2; the guest writes the guest-physical
 * address of a page to it and the hypervisor fills the page with one
 * 32-byte entry per hypercall number. A call is `call page + nr * 32` with
 * the arguments in Xen's registers:
 *
 *	64-bit: rdi, rsi, rdx, r10, r8 (result in rax)
 *	32-bit: ebx, ecx, edx, esi, edi (result in eax)
 *
 * The hypervisor may change every argument register (a debug Xen does), so
 * the wrappers declare them all as changed.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <fastabi/trap.h>

#include "compiler.h"

extern uint8_t hypercall_page[PAGE_SIZE];

/*
 * Register the hypercall page (wrmsr of its address to the announced MSR)
 * and check that the hypervisor filled it. 0, or -1 (xen_info says why:
 * no Xen, the wrmsr faulted, or the page stayed empty).
 */
int hypercall_init(void);

/* Xen's argument registers, in order, and the number's and result's. */
#ifdef __x86_64__
#define HC_A1 "rdi"
#define HC_A2 "rsi"
#define HC_A3 "rdx"
#define HC_A4 "r10"
#define HC_A5 "r8"
#define HC_RET "rax"
#else
#define HC_A1 "ebx"
#define HC_A2 "ecx"
#define HC_A3 "edx"
#define HC_A4 "esi"
#define HC_A5 "edi"
#define HC_RET "eax"
#endif

/*
 * One legacy call: the number in eax/rax, the arguments in Xen's registers,
 * 'insn' the trap (with its own operands after the arguments: '...').
 */
#define _hypercall_insn(insn, nr, a1, a2, a3, a4, a5, ...)                          \
	({                                                                          \
		register unsigned long hc_a1 __asm__(HC_A1) = (unsigned long)(a1); \
		register unsigned long hc_a2 __asm__(HC_A2) = (unsigned long)(a2); \
		register unsigned long hc_a3 __asm__(HC_A3) = (unsigned long)(a3); \
		register unsigned long hc_a4 __asm__(HC_A4) = (unsigned long)(a4); \
		register unsigned long hc_a5 __asm__(HC_A5) = (unsigned long)(a5); \
		register long hc_ret __asm__(HC_RET) = (long)(nr);               \
		__asm__ __volatile__(insn                                           \
				     : "+r"(hc_ret), "+r"(hc_a1), "+r"(hc_a2),      \
				       "+r"(hc_a3), "+r"(hc_a4), "+r"(hc_a5)         \
				     : __VA_ARGS__                                  \
				     : "memory");                                   \
		hc_ret;                                                             \
	})

/* Through the hypercall page: `call hypercall_page + nr * 32`. */
#define _hypercall(nr, a1, a2, a3, a4, a5)                                         \
	_hypercall_insn("call hypercall_page + %c[off]", nr, a1, a2, a3, a4, a5,    \
			[off] "i"((nr) * 32))

/*
 * Through the doorbell (FASTABI_DOORBELL_PORT, include/fastabi/trap.h)
 * without the FastABI bit: a legacy call the guest issues itself, without
 * any hypercall page (a confidential guest has none, and the VMM's test
 * guest calls before it sets one up). 'nr' may be any value, the FastABI
 * bit included (the hypervisor then decides).
 */
static inline long hypercall_doorbell(unsigned long nr, unsigned long a1, unsigned long a2,
				      unsigned long a3, unsigned long a4, unsigned long a5)
{
	return _hypercall_insn("outb %%al, %[port]", nr, a1, a2, a3, a4, a5,
			       [port] "N"(FASTABI_DOORBELL_PORT));
}

/* A hypercall whose number is not a compile-time constant. */
long hypercall_nr(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3,
		  unsigned long a4, unsigned long a5);

static inline long hypercall_xen_version(int cmd, void *arg)
{
	return _hypercall(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0);
}

static inline long hypercall_console_io(int cmd, unsigned count, const char *buf)
{
	return _hypercall(__HYPERVISOR_console_io, cmd, count, buf, 0, 0);
}

static inline long hypercall_sched_op(int cmd, void *arg)
{
	return _hypercall(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0);
}

static inline long hypercall_memory_op(unsigned cmd, void *arg)
{
	return _hypercall(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0);
}

static inline long hypercall_event_channel_op(int cmd, void *arg)
{
	return _hypercall(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0);
}

static inline long hypercall_grant_table_op(unsigned cmd, void *uop, unsigned count)
{
	return _hypercall(__HYPERVISOR_grant_table_op, cmd, uop, count, 0, 0);
}

static inline long hypercall_vcpu_op(int cmd, unsigned vcpu, void *arg)
{
	return _hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0);
}

static inline long hypercall_hvm_op(unsigned op, void *arg)
{
	return _hypercall(__HYPERVISOR_hvm_op, op, arg, 0, 0, 0);
}

/* Shut the domain down (SHUTDOWN_*); returns only if the call failed. */
long hypercall_shutdown(unsigned reason);

#endif
