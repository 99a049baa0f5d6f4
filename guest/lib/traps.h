/*
 * Exceptions: an IDT whose handlers print the vector, error code, ip and
 * registers and end the test with ERROR, unless the faulting instruction
 * has a fixup (an exception-table entry) or a test installed a hook.
 *
 * Expecting an exception (e.g. #UD from a stray vmcall):
 *
 *	exception_record_reset();
 *	asm volatile("1: vmcall; 2:" _ASM_EXTABLE(1b, 2b) ::: "memory");
 *	if (exception_record.count != 1 || exception_record.vector != X86_EXC_UD)
 *		xtf_failure(...);
 *
 * The handler finds the faulting address in the table, records the
 * exception in exception_record and resumes at the fixup address with every
 * register as it was at the fault.
 */
#ifndef GUEST_TRAPS_H
#define GUEST_TRAPS_H

#include <fastabi/x86.h> /* X86_EXC_*: the exception vectors */

#include "compiler.h"

/* The registers at the fault, as entry64.S / entry32.S save them. */
struct cpu_regs {
#ifdef __x86_64__
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
#else
	uint32_t ebp, edi, esi, edx, ecx, ebx, eax;
	uint32_t vector, error_code;
	uint32_t eip, cs, eflags; /* pushed by the CPU (same privilege: no esp/ss) */
#endif
};

#ifdef __x86_64__
#define REGS_IP(r) ((r)->rip)
#else
#define REGS_IP(r) ((r)->eip)
#endif

/* An exception-table entry: a fault at 'fault' resumes at 'fixup'. */
#define _ASM_EXTABLE(fault, fixup)                  \
	".pushsection .extable, \"a\"\n\t"          \
	".balign 4\n\t"                             \
	ASM_PTR " " #fault ", " #fixup "\n\t"       \
	".popsection\n\t"

/* What the last fixed-up exceptions were (reset by the test). */
struct exception_record {
	unsigned count;      /* exceptions fixed up since the reset */
	unsigned vector;     /* the last one's */
	unsigned long error_code;
	unsigned long ip;    /* where it happened */
};
extern volatile struct exception_record exception_record;
void exception_record_reset(void);

/*
 * A test's own handler, tried before the exception table: return true to
 * resume (with *regs, possibly changed: a new ip, other registers), false
 * to let the library handle it. One hook at a time; NULL removes it.
 */
typedef bool (*exception_hook_fn)(struct cpu_regs *regs);
void set_exception_hook(exception_hook_fn fn);

/*
 * An interrupt handler (64-bit only): runs with interrupts disabled on the
 * interrupted stack and returns to resume the interrupted code. A vector
 * the LAPIC delivered (its timer, an IPI, the per-vCPU upcall vector once
 * the guest enabled its LAPIC) is acknowledged with apic_eoi() (apic.h);
 * the callback vector and upcalls to a disabled LAPIC are not.
 */
typedef void (*irq_handler_fn)(struct cpu_regs *regs);
void irq_register(unsigned vector, irq_handler_fn fn);

void traps_init(void);
/* Point IDT vector 'vec' at 'handler' (an assembly stub), interrupt gate. */
void idt_set_gate(unsigned vec, void (*handler)(void));
const char *exception_name(unsigned vector);
void dump_regs(const struct cpu_regs *regs);

#endif
