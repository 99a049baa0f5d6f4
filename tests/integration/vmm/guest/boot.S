/*
 * The VMM test guest's entry (tests/integration/vmm/): the PVH note, a GDT,
 * for the 64-bit build identity page tables (0-1 GiB and 4-5 GiB, 2 MiB
 * pages, built by the assembler) and the switch to long mode, the stacks,
 * and the exception and interrupt handlers the tests count.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long _start
	.balign 4

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	lgdt gdt_desc
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $stack_top, %esp
#ifdef __x86_64__
	mov %ebx, %edi /* hvm_start_info, guest_main's argument */
	mov %cr4, %eax
	or $0x20, %eax /* PAE */
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx /* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax /* PG */
	mov %eax, %cr0
	push $0x18
	push $1f
	lret
	.code64
1:	mov $stack_top, %rsp
	call guest_main
2:	cli
	hlt
	jmp 2b

	/* vCPU 1 starts here in long mode (VCPUOP_initialise, 64-bit context). */
	.globl ap_entry
ap_entry:
	call ap_main
3:	cli
	hlt
	jmp 3b

	.globl ud_handler, gp_handler, int80_handler, int3_handler, upcall_handler
ud_handler: /* #UD: count it, step over the 3-byte vmcall/vmmcall */
	incl ud_count(%rip)
	addq $3, (%rsp)
	iretq
gp_handler: /* #GP: count it, drop the error code, step over the 2-byte wrmsr/rdmsr */
	incl gp_count(%rip)
	addq $8, %rsp
	addq $2, (%rsp)
	iretq
int80_handler:
	incl int80_count(%rip)
	iretq
int3_handler:
	incl int3_count(%rip)
	iretq
upcall_handler: /* vcpu_info[0].evtchn_upcall_pending is shared_info's first byte */
	incl upcall_count(%rip)
	movb $0, shared_page(%rip)
	iretq
#else
	push %ebx
	call guest_main
2:	cli
	hlt
	jmp 2b

	.globl ap_entry
ap_entry:
	call ap_main
3:	cli
	hlt
	jmp 3b

	.globl ud_handler, gp_handler, int80_handler, int3_handler, upcall_handler
ud_handler:
	incl ud_count
	addl $3, (%esp)
	iret
gp_handler:
	incl gp_count
	addl $4, %esp
	addl $2, (%esp)
	iret
int80_handler:
	incl int80_count
	iret
int3_handler:
	incl int3_count
	iret
upcall_handler:
	incl upcall_count
	movb $0, shared_page
	iret
#endif

	.data
	.balign 8
	.globl gdt
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
	.quad 0x00af9a000000ffff /* 0x18: 64-bit code */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

#ifdef __x86_64__
	.balign 4096
pml4:
	.quad pdpt + 3
	.fill 511, 8, 0
pdpt:
	.quad pd_low + 3
	.quad 0, 0, 0
	.quad pd_high + 3
	.fill 507, 8, 0
pd_low: /* 0 - 1 GiB */
	.set i, 0
	.rept 512
	.quad (i << 21) | 0x83
	.set i, i + 1
	.endr
pd_high: /* 4 - 5 GiB: the fixed layout's special pages */
	.set i, 0
	.rept 512
	.quad ((4 << 30) + (i << 21)) | 0x83
	.set i, i + 1
	.endr
	.globl pml4
#endif

	.bss
	.balign 16
	.space 16384
	.globl stack_top
stack_top:
	.space 8192
	.globl ap_stack_top
ap_stack_top:
