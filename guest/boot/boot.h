/*
 * Constants shared by the entry code (head32.S, head64.S, gdt.S), the
 * linker scripts' users and the C library (descriptor selectors). Plain
 * #defines, included from assembly and C alike; one assembler macro.
 */
#ifndef GUEST_BOOT_H
#define GUEST_BOOT_H

/* GDT selectors (the same in 32- and 64-bit images). */
#define GDT_CS64 0x08
#define GDT_DS 0x10
#define GDT_CS32 0x18

/* Flat descriptors, accessed bit preset (the CPU need not write the GDT). */
#define GDT_ENTRY_CODE64 0x00af9b000000ffff
#define GDT_ENTRY_DATA 0x00cf93000000ffff
#define GDT_ENTRY_CODE32 0x00cf9b000000ffff

/* CR0, CR4, EFER and page-table bits: the tree's one list. */
#include <fastabi/x86.h>

/* The 64-bit identity map covers [0, BOOT_MAP_GIB GiB). */
#define BOOT_MAP_GIB 8
#define BOOT_STACK_SIZE 16384

#ifdef __ASSEMBLER__
/*
 * Both entries begin alike: the PVH entry point (the note names it),
 * interrupts off, string operations upwards, and the start info (%ebx)
 * kept in %esi.
 */
.macro PVH_START32
	.section .text.head, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov	%ebx, %esi
.endm

/* Both entries: the flat data segment in every data segment register. */
.macro LOAD_DATA_SEGMENTS
	mov	$GDT_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
.endm
#endif

#endif
