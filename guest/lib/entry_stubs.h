/*
 * The exception and interrupt stubs, one per vector 0-255, 16 bytes apart,
 * for entry64.S and entry32.S alike (`push` is pushq in .code64 and pushl
 * in .code32): push a zero error code where the CPU pushes none, then the
 * vector, and join exc_common, which saves the registers as struct
 * cpu_regs (traps.h) and calls do_exception(). Assembly only.
 */
#ifndef GUEST_ENTRY_STUBS_H
#define GUEST_ENTRY_STUBS_H

	/* Vectors whose exceptions push an error code. */
	.set ERRCODE_MASK, (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30)

	.balign 16
	.globl exception_stubs
exception_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if vec >= 32 || ((ERRCODE_MASK >> vec) & 1) == 0
	push	$0
	.endif
	push	$vec		/* traps.c masks it to 8 bits */
	jmp	exc_common
	.set vec, vec + 1
	.endr

#endif
