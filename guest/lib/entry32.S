/*
 * 32-bit exception and interrupt entry: the same stubs (entry_stubs.h) and
 * frame as the 64-bit one. A 32-bit `iret` cannot be emulated by KVM here
 * (docs/guest.md), so by default a handler resumes through exc_resume
 * below (popf and ret); a program that set traps_resume_iret(true) resumes
 * with iret, which the VMM completes. An unexpected exception ends the test.
 */
	.code32
	.section .text, "ax"

#include "entry_stubs.h"

	/* Reload what exc_common saved (struct cpu_regs up to the vector). */
	.macro POP_REGS
	pop	%ebp
	pop	%edi
	pop	%esi
	pop	%edx
	pop	%ecx
	pop	%ebx
	pop	%eax
	.endm

exc_common:
	push	%eax
	push	%ebx
	push	%ecx
	push	%edx
	push	%esi
	push	%edi
	push	%ebp
	cld
	push	%esp			/* do_exception(regs) */
	call	do_exception
	/* Returns only with traps_resume_iret(true): resume with iret. */
	add	$4, %esp
	POP_REGS
	add	$8, %esp		/* vector, error code */
	iret

/*
 * exc_resume(regs): reload the registers from a frame that do_exception
 * rearranged (traps.c): the cs slot holds eflags and the eflags slot the
 * resume address, so popf and ret leave %esp where it was before the fault.
 */
	.globl exc_resume
exc_resume:
	mov	4(%esp), %esp
	POP_REGS
	add	$12, %esp		/* vector, error code, eip slot */
	popf
	ret

	.section .note.GNU-stack, "", @progbits
