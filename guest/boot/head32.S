/*
 * PVH entry of a 32-bit guest. It stays in 32-bit protected mode with paging
 * off: on our KVM, paging outside long mode triple-faults (docs/guest.md),
 * and a 32-bit legacy guest needs no paging to call the hypervisor (the
 * hypervisor reads its pointers as physical addresses).
 */
#include "boot.h"

	.section .text.head, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov	%ebx, %esi		/* hvm_start_info */

	lgdt	gdt_ptr
	ljmp	$GDT_CS32, $1f
1:	mov	$GDT_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs

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

	.section .data.boot, "aw"
	.balign 8
	.globl gdt
gdt:
	.quad 0
	.quad GDT_ENTRY_CODE64		/* unused here: same selectors as 64-bit */
	.quad GDT_ENTRY_DATA		/* GDT_DS */
	.quad GDT_ENTRY_CODE32		/* GDT_CS32 */
gdt_end:

	.balign 8
	.word 0
	.globl gdt_ptr
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.section .noinit.stack, "aw", @nobits
	.balign 4096
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
