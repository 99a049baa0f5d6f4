/*
 * PVH entry of a 64-bit guest. The loader starts us in 32-bit flat protected
 * mode, paging off, with %ebx = the hvm_start_info address; we go to long
 * mode ourselves.
 *
 * Everything that can be computed at link time is: the page tables (an
 * identity map of the first 8 GiB with 2 MiB pages, which covers RAM, the
 * APIC window below 4 GiB, and the fixed-layout special area that starts
 * at 4 GiB for any RAM size below 4 GiB) and the GDT are static data, so
 * the entry path runs a few dozen instructions. Ring-0 guest code is
 * emulated one instruction at a time on our KVM (docs/guest.md); a loop
 * filling 4096 page-table entries would cost milliseconds.
 */
#include "boot.h"

	PVH_START32			/* %esi = hvm_start_info; cpuid clobbers %ebx */

	lgdt	gdt_ptr

	mov	%cr4, %eax
	or	$X86_CR4_PAE, %eax
	mov	%eax, %cr4

	mov	$pml4, %eax
	mov	%eax, %cr3

	/* EFER: long mode, and no-execute if the CPU has it. */
	xor	%edi, %edi
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	1f
	mov	$0x80000001, %eax
	cpuid
	bt	$20, %edx		/* CPUID.80000001:EDX.NX */
	jnc	1f
	mov	$X86_EFER_NXE, %edi
1:	mov	$X86_MSR_EFER, %ecx
	rdmsr
	or	$X86_EFER_LME, %eax
	or	%edi, %eax
	wrmsr

	mov	%cr0, %eax
	or	$(X86_CR0_PG | X86_CR0_WP | X86_CR0_PE), %eax
	mov	%eax, %cr0

	ljmp	$GDT_CS64, $start64

	.code64
start64:
	LOAD_DATA_SEGMENTS

	mov	$boot_stack_top, %rsp

	/* .bss only: stacks and page-sized buffers live in .noinit. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$3, %ecx
	xor	%eax, %eax
	rep stosq

	mov	%esi, %edi		/* guest_start(start_info) */
	call	guest_start
2:	cli
	hlt
	jmp	2b

/* ---- static data (the GDT and the stack: gdt.S) ---- */

/*
 * Identity map of [0, 8 GiB): PML4[0] -> PDPT, PDPT[i] -> PD i (i < 8),
 * 2 MiB pages. The 1 GiB below 4 GiB holds the APIC and other MMIO: it is
 * mapped uncacheable.
 */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl pml4
pml4:
	.quad pdpt + X86_PTE_P + X86_PTE_RW
	.fill 511, 8, 0

	.balign 4096
	.globl pdpt
pdpt:
	.set gib, 0
	.rept BOOT_MAP_GIB
	.quad pd + gib * 4096 + X86_PTE_P + X86_PTE_RW
	.set gib, gib + 1
	.endr
	.fill 512 - BOOT_MAP_GIB, 8, 0

	.balign 4096
	.globl pd
pd:
	.set pg, 0
	.rept BOOT_MAP_GIB * 512
	.if (pg >> 9) == 3
	.quad (pg << 21) + X86_PTE_P + X86_PTE_RW + X86_PTE_PS + X86_PTE_PWT + X86_PTE_PCD
	.else
	.quad (pg << 21) + X86_PTE_P + X86_PTE_RW + X86_PTE_PS
	.endif
	.set pg, pg + 1
	.endr

	.section .note.GNU-stack, "", @progbits
