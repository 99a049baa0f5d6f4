/*
 * 32-bit exception entry: the same frame as the 64-bit one, but never
 * resumed. A 32-bit `iret` cannot be emulated on our KVM (docs/guest.md), so
 * a fixup resumes through exc_resume below (popf and ret), and an
 * unexpected exception ends the test.
 */
	.code32
	.section .text, "ax"

	.set ERRCODE_MASK, (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30)

	.balign 16
	.globl exception_stubs
exception_stubs:
	.set vec, 0
	.rept 32
	.balign 16
	.if ((ERRCODE_MASK >> vec) & 1) == 0
	pushl	$0
	.endif
	pushl	$vec
	jmp	exc_common
	.set vec, vec + 1
	.endr

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
	/* do_exception does not return in 32-bit images. */
1:	cli
	hlt
	jmp	1b

/*
 * exc_resume(regs): reload the registers from a frame that do_exception
 * rearranged (traps.c): the cs slot holds eflags and the eflags slot the
 * resume address, so popf and ret leave %esp where it was before the fault.
 */
	.globl exc_resume
exc_resume:
	mov	4(%esp), %esp
	pop	%ebp
	pop	%edi
	pop	%esi
	pop	%edx
	pop	%ecx
	pop	%ebx
	pop	%eax
	add	$12, %esp		/* vector, error code, eip slot */
	popf
	ret

	.section .note.GNU-stack, "", @progbits
