/*
 * fastabi_raw_call(struct fastabi_regs *r, enum fastabi_trap trap): load
 * every general register but rsp from *r, trap, and store every register
 * back into *r. For tests that look at registers the generated stubs
 * hide: the no-clobber rule, unknown numbers, out-of-range fields.
 * struct fastabi_regs is in fastabi_raw.h; the offsets below follow it.
 */
	.code64
	.section .text, "ax"

	.macro RAW_CALL insn
	mov	8(%rdi), %rbx
	mov	16(%rdi), %rcx
	mov	24(%rdi), %rdx
	mov	32(%rdi), %rsi
	mov	48(%rdi), %rbp
	mov	56(%rdi), %r8
	mov	64(%rdi), %r9
	mov	72(%rdi), %r10
	mov	80(%rdi), %r11
	mov	88(%rdi), %r12
	mov	96(%rdi), %r13
	mov	104(%rdi), %r14
	mov	112(%rdi), %r15
	mov	0(%rdi), %rax
	mov	40(%rdi), %rdi
	\insn
	push	%rax
	mov	8(%rsp), %rax		/* r */
	mov	%rbx, 8(%rax)
	mov	%rcx, 16(%rax)
	mov	%rdx, 24(%rax)
	mov	%rsi, 32(%rax)
	mov	%rdi, 40(%rax)
	mov	%rbp, 48(%rax)
	mov	%r8, 56(%rax)
	mov	%r9, 64(%rax)
	mov	%r10, 72(%rax)
	mov	%r11, 80(%rax)
	mov	%r12, 88(%rax)
	mov	%r13, 96(%rax)
	mov	%r14, 104(%rax)
	mov	%r15, 112(%rax)
	pop	%rbx
	mov	%rbx, 0(%rax)
	jmp	9f
	.endm

	.globl fastabi_raw_call
fastabi_raw_call:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi
	cmp	$0, %esi		/* FASTABI_TRAP_VMCALL */
	je	1f
	cmp	$1, %esi		/* FASTABI_TRAP_VMMCALL */
	je	2f
	RAW_CALL "outb %al, $0x99"	/* FASTABI_TRAP_DOORBELL */
1:	RAW_CALL vmcall
2:	RAW_CALL vmmcall
9:	pop	%rdi
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.section .note.GNU-stack, "", @progbits
