/*
 * The GDT and the boot stack of both entries (head32.S, head64.S): flat
 * descriptors with the same selectors in 32- and 64-bit images (boot.h).
 */
#include "boot.h"

	.section .data.boot, "aw"
	.balign 8
	.globl gdt
gdt:
	.quad 0
	.quad GDT_ENTRY_CODE64		/* GDT_CS64 (unused by 32-bit images) */
	.quad GDT_ENTRY_DATA		/* GDT_DS */
	.quad GDT_ENTRY_CODE32		/* GDT_CS32 */
gdt_end:

	.balign 8
	.word 0, 0, 0
	.globl gdt_ptr
gdt_ptr:				/* lgdt reads 6 bytes in 32-bit mode, 10 in 64 */
	.word gdt_end - gdt - 1
	.long gdt, 0			/* the image lies below 4 GiB */

	.section .noinit.stack, "aw", @nobits
	.balign 4096
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
