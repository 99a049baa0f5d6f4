/*
 * 64-bit exception and interrupt entry: the stubs (entry_stubs.h) join
 * exc_common, which saves every general register into a struct cpu_regs
 * (traps.h) and calls do_exception(). If that returns (a handler, hook or
 * fixup took it), the registers are reloaded, possibly with a new rip, and
 * iretq resumes the test.
 */
	.code64
	.section .text, "ax"

#include "entry_stubs.h"

exc_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	cld
	mov	%rsp, %rdi
	call	do_exception
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector, error code */
	iretq

	.section .note.GNU-stack, "", @progbits
