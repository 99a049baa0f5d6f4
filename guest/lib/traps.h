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

/*
 * Run one instruction that may fault, with a fixup: the vector it raised, or
 * ~0u. TRY for faults (the frame's ip is the instruction), TRY_TRAP for
 * traps (the ip is after it: a nop there takes the fixup). The operands
 * are the asm inputs, e.g. TRY("mulps %0, %%xmm0", "m"(x)).
 */
#define TRY(insn, ...)                                                            \
	({                                                                        \
		exception_record_reset();                                         \
		__asm__ __volatile__("1: " insn "\n2:\n" _ASM_EXTABLE(1b, 2b)    \
				     : : __VA_ARGS__ : "memory", "cc");           \
		exception_record.count ? exception_record.vector : ~0u;           \
	})
#define TRY_TRAP(insn, ...)                                                       \
	({                                                                        \
		exception_record_reset();                                         \
		__asm__ __volatile__(insn "\n1: nop\n2:\n" _ASM_EXTABLE(1b, 2b) \
				     : : __VA_ARGS__ : "memory", "cc");           \
		exception_record.count ? exception_record.vector : ~0u;           \
	})

/*
 * wrmsr and rdmsr that survive a #GP (or any fault): the vector, or -1. A
 * failed rdmsr leaves *v as the registers were (0xdeadbeefdeadbeef).
 */
int wrmsr_safe(uint32_t msr, uint64_t v);
int rdmsr_safe(uint32_t msr, uint64_t *v);

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
 * A handler of one vector: runs on the interrupted stack and returns to
 * resume the interrupted code (with *regs). For an interrupt or a software
 * `int N`, and for an exception vector (a handler there goes before the
 * hook and the exception table: int3 counted by the VMM's test guest). A
 * vector the LAPIC delivered (its timer, an IPI, the per-vCPU upcall
 * vector once the guest enabled its LAPIC) is acknowledged with apic_eoi()
 * (apic.h); the callback vector and upcalls to a disabled LAPIC are not.
 * irq_register installs an interrupt gate (IF cleared on entry),
 * irq_register_trap a trap gate (IF kept: Linux's int $0x80 gate).
 */
typedef void (*irq_handler_fn)(struct cpu_regs *regs);
void irq_register(unsigned vector, irq_handler_fn fn);
void irq_register_trap(unsigned vector, irq_handler_fn fn);

/*
 * Install the IDT (every exception vector handled). guest_start does,
 * unless the program's test_setup() leaves GUEST_SETUP_IDT out (test.h):
 * then the guest runs with the IDT the loader gave (limit 0) until it
 * calls traps_init itself.
 */
void traps_init(void);
/*
 * 32-bit images: how a handler that returns resumes. By default with
 * popf; ret on the interrupted stack (entry32.S), because KVM here cannot
 * emulate a 32-bit iret; with traps_resume_iret(true), with iret, which
 * the VMM then completes (vmm/emulate.c): the VMM's test guest tests that.
 * 64-bit images always resume with iretq, which KVM runs.
 */
void traps_resume_iret(bool on);
/* Point IDT vector 'vec' at 'handler' (an assembly stub), interrupt gate. */
void idt_set_gate(unsigned vec, void (*handler)(void));
const char *exception_name(unsigned vector);
void dump_regs(const struct cpu_regs *regs);

#endif
