/*
 * PVH entry of a 32-bit guest. It stays in 32-bit protected mode with paging
 * off: on our KVM, paging outside long mode triple-faults (docs/guest.md),
 * and a 32-bit legacy guest needs no paging to call the hypervisor (the
 * hypervisor reads its pointers as physical addresses).
 */
#include "boot.h"

	PVH_START32			/* %esi = hvm_start_info */

	lgdt	gdt_ptr
	ljmp	$GDT_CS32, $1f
1:	LOAD_DATA_SEGMENTS

	mov	$boot_stack_top, %esp

	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	push	%esi			/* guest_start(start_info) */
	call	guest_start
2:	cli
	hlt
	jmp	2b

	.section .note.GNU-stack, "", @progbits
