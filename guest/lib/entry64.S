/*
 * 64-bit exception and interrupt entry: one stub per vector 0-255 pushes a
 * zero error code where the CPU pushes none, then the vector, and joins
 * exc_common, which
 * saves every general register into a struct cpu_regs (traps.h) and calls
 * do_exception(). If that returns (a fixup was found), the registers are
 * reloaded, possibly with a new rip, and iretq resumes the test.
 */
	.code64
	.section .text, "ax"

	/* Vectors whose exceptions push an error code. */
	.set ERRCODE_MASK, (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30)

	.balign 16
	.globl exception_stubs
exception_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if vec >= 32 || ((ERRCODE_MASK >> vec) & 1) == 0
	pushq	$0
	.endif
	pushq	$vec		/* sign-extended for vectors >= 128: traps.c masks it */
	jmp	exc_common
	.set vec, vec + 1
	.endr

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
