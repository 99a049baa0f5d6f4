/*
 * x86 architectural constants, written once for the whole tree: the core
 * (hv/), the VMM (vmm/, vmm/insn/), the host tests and the guest programs
 * (guest/, which build it freestanding, also from assembly). Names follow
 * the manuals: X86_<register>_<bit> as in Intel SDM vol. 3 chapter 2 (CR0,
 * CR4, EFER, RFLAGS, XCR0), X86_PTE_* (chapter 4, the same bit in every
 * paging mode), X86_PFEC_* (the #PF error code, 4.7), X86_EXC_* (the
 * exception vectors, 6.3.1), X86_MSR_* (vol. 4) and X86_DESC_* (the system
 * descriptor types, 3.5).
 *
 * Only constants here, no code: what the page walk does with them is in
 * hv/pagewalk.h. C sees 64-bit unsigned values; assembly sees plain
 * numbers (no ULL suffix), so bit 63 and the NX bit are C-only in use.
 */
#ifndef FASTABI_X86_H
#define FASTABI_X86_H

#ifdef __ASSEMBLER__
#define X86_BIT(n) (1 << (n))
#else
#define X86_BIT(n) (1ULL << (n))
#endif

/* CR0 */
#define X86_CR0_PE X86_BIT(0)  /* protected mode */
#define X86_CR0_MP X86_BIT(1)  /* fwait honours TS */
#define X86_CR0_EM X86_BIT(2)  /* no x87: x87 #NM, MMX/SSE #UD */
#define X86_CR0_TS X86_BIT(3)  /* task switched: FPU/SSE use is #NM */
#define X86_CR0_ET X86_BIT(4)  /* set on every CPU since the 486 */
#define X86_CR0_NE X86_BIT(5)  /* x87 errors as #MF */
#define X86_CR0_WP X86_BIT(16) /* supervisor writes honour read-only pages */
#define X86_CR0_AM X86_BIT(18)
#define X86_CR0_NW X86_BIT(29)
#define X86_CR0_CD X86_BIT(30)
#define X86_CR0_PG X86_BIT(31)

/* CR3: the PAE page-directory-pointer table is 32-byte aligned. */
#define X86_CR3_PAE_MASK 0xffffffe0

/* CR4 */
#define X86_CR4_VME X86_BIT(0)
#define X86_CR4_PVI X86_BIT(1)
#define X86_CR4_TSD X86_BIT(2)
#define X86_CR4_DE X86_BIT(3)
#define X86_CR4_PSE X86_BIT(4)  /* 4 MiB pages in 32-bit paging */
#define X86_CR4_PAE X86_BIT(5)
#define X86_CR4_MCE X86_BIT(6)
#define X86_CR4_PGE X86_BIT(7)
#define X86_CR4_PCE X86_BIT(8)
#define X86_CR4_OSFXSR X86_BIT(9)      /* SSE enabled */
#define X86_CR4_OSXMMEXCPT X86_BIT(10) /* SIMD errors as #XM, not #UD */
#define X86_CR4_UMIP X86_BIT(11)
#define X86_CR4_LA57 X86_BIT(12) /* 5-level paging, 57-bit linear addresses */
#define X86_CR4_VMXE X86_BIT(13)
#define X86_CR4_FSGSBASE X86_BIT(16)
#define X86_CR4_PCIDE X86_BIT(17)
#define X86_CR4_OSXSAVE X86_BIT(18)
#define X86_CR4_SMEP X86_BIT(20) /* supervisor fetches from user pages fault */
#define X86_CR4_SMAP X86_BIT(21) /* supervisor data accesses to user pages fault */
#define X86_CR4_PKE X86_BIT(22)  /* protection keys for user pages */
#define X86_CR4_CET X86_BIT(23)
#define X86_CR4_PKS X86_BIT(24)  /* protection keys for supervisor pages */

/* EFER (MSR 0xc0000080) */
#define X86_EFER_SCE X86_BIT(0)
#define X86_EFER_LME X86_BIT(8)  /* long mode enabled (asked for) */
#define X86_EFER_LMA X86_BIT(10) /* long mode active (LME and CR0.PG) */
#define X86_EFER_NXE X86_BIT(11) /* the NX bit of page-table entries exists */
#define X86_EFER_SVME X86_BIT(12)

/* RFLAGS */
#define X86_RFLAGS_CF X86_BIT(0)
#define X86_RFLAGS_FIXED X86_BIT(1) /* always 1 */
#define X86_RFLAGS_PF X86_BIT(2)
#define X86_RFLAGS_AF X86_BIT(4)
#define X86_RFLAGS_ZF X86_BIT(6)
#define X86_RFLAGS_SF X86_BIT(7)
#define X86_RFLAGS_TF X86_BIT(8)
#define X86_RFLAGS_IF X86_BIT(9)
#define X86_RFLAGS_DF X86_BIT(10)
#define X86_RFLAGS_OF X86_BIT(11)
#define X86_RFLAGS_IOPL (3 * X86_BIT(12))
#define X86_RFLAGS_NT X86_BIT(14)
#define X86_RFLAGS_RF X86_BIT(16)
#define X86_RFLAGS_VM X86_BIT(17)
#define X86_RFLAGS_AC X86_BIT(18) /* also: SMAP lets explicit supervisor accesses through */
#define X86_RFLAGS_VIF X86_BIT(19)
#define X86_RFLAGS_VIP X86_BIT(20)
#define X86_RFLAGS_ID X86_BIT(21)
/* The arithmetic status flags (what SSE compares and x87 fcomi write). */
#define X86_RFLAGS_STATUS (X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | \
			   X86_RFLAGS_SF | X86_RFLAGS_OF)

/* XCR0: the state components xsetbv enables. */
#define X86_XCR0_X87 X86_BIT(0)
#define X86_XCR0_SSE X86_BIT(1)
#define X86_XCR0_AVX X86_BIT(2)
#define X86_XCR0_BNDREGS X86_BIT(3)
#define X86_XCR0_BNDCSR X86_BIT(4)
#define X86_XCR0_OPMASK X86_BIT(5)
#define X86_XCR0_ZMM_HI256 X86_BIT(6)
#define X86_XCR0_HI16_ZMM X86_BIT(7)
#define X86_XCR0_PKRU X86_BIT(9)
#define X86_XCR0_TILECFG X86_BIT(17)
#define X86_XCR0_TILEDATA X86_BIT(18)

/*
 * Page-table entries. The low bits mean the same at every level and in
 * every paging mode; PS is "large page" in a directory entry and PAT in a
 * 4 KiB PTE; NX (bit 63) exists with PAE or long mode and EFER.NXE.
 */
#define X86_PTE_P X86_BIT(0)
#define X86_PTE_RW X86_BIT(1)
#define X86_PTE_US X86_BIT(2)
#define X86_PTE_PWT X86_BIT(3)
#define X86_PTE_PCD X86_BIT(4)
#define X86_PTE_A X86_BIT(5)
#define X86_PTE_D X86_BIT(6)
#define X86_PTE_PS X86_BIT(7)
#define X86_PTE_G X86_BIT(8)
#define X86_PTE_PAT_LARGE X86_BIT(12) /* PAT in a 2 MiB, 4 MiB or 1 GiB page */
#define X86_PTE_PKEY_SHIFT 59          /* protection key: bits 62:59 of a leaf */
#define X86_PTE_NX X86_BIT(63)

/* The #PF error code. */
#define X86_PFEC_P X86_BIT(0)    /* a present entry forbade the access (clear: not present) */
#define X86_PFEC_W X86_BIT(1)    /* the access was a write */
#define X86_PFEC_U X86_BIT(2)    /* the access was a user-mode access */
#define X86_PFEC_RSVD X86_BIT(3) /* an entry has a reserved bit set */
#define X86_PFEC_I X86_BIT(4)    /* instruction fetch (with NX or SMEP only) */
#define X86_PFEC_PK X86_BIT(5)   /* protection-key violation */
#define X86_PFEC_SS X86_BIT(6)   /* shadow-stack access */
#define X86_PFEC_SGX X86_BIT(15)

/* Exception vectors. */
#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_NMI 2
#define X86_EXC_BP 3
#define X86_EXC_OF 4
#define X86_EXC_BR 5
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_DF 8
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_MF 16
#define X86_EXC_AC 17
#define X86_EXC_MC 18
#define X86_EXC_XM 19
#define X86_EXC_VE 20
#define X86_EXC_CP 21

/* Error code of an exception about a descriptor (#GP, #NP, #TS, #SS). */
#define X86_ERR_EXT 1 /* raised while delivering an external event */
#define X86_ERR_IDT 2 /* the index is an IDT vector (index * 8 | IDT) */
#define X86_ERR_TI 4  /* the index is in the LDT */

/* MSRs */
#define X86_MSR_TSC 0x10
#define X86_MSR_APIC_BASE 0x1b
#define X86_MSR_TSC_DEADLINE 0x6e0
#define X86_MSR_EFER 0xc0000080

/* IA32_APIC_BASE */
#define X86_APIC_BASE_BSP X86_BIT(8)
#define X86_APIC_BASE_X2APIC X86_BIT(10)
#define X86_APIC_BASE_ENABLE X86_BIT(11)

/*
 * Segment descriptors: the type field (bits 43:40, struct kvm_segment's
 * 'type'). With S = 1, a code or data segment: bit 3 says code; for data
 * bit 1 is writable and bit 2 expand-down, for code bit 1 is readable and
 * bit 2 conforming; bit 0 is accessed. With S = 0, a system descriptor.
 */
#define X86_SEG_ACCESSED 0x1
#define X86_SEG_WRITABLE 0x2  /* data */
#define X86_SEG_READABLE 0x2  /* code */
#define X86_SEG_EXPAND_DOWN 0x4 /* data */
#define X86_SEG_CONFORMING 0x4  /* code */
#define X86_SEG_CODE 0x8
/* The flat segments a boot state uses: execute/read code, read/write data, accessed. */
#define X86_SEG_TYPE_CODE (X86_SEG_CODE | X86_SEG_READABLE | X86_SEG_ACCESSED)
#define X86_SEG_TYPE_DATA (X86_SEG_WRITABLE | X86_SEG_ACCESSED)
#define X86_DESC_LDT 0x2
#define X86_DESC_TSS_AVAIL 0x9 /* 32-bit or 64-bit TSS */
#define X86_DESC_TSS_BUSY 0xb
#define X86_DESC_TASK_GATE 0x5
#define X86_DESC_INTR_GATE16 0x6
#define X86_DESC_TRAP_GATE16 0x7
#define X86_DESC_INTR_GATE 0xe /* 32-bit, and the 64-bit interrupt gate */
#define X86_DESC_TRAP_GATE 0xf
/* Byte 5 of a descriptor: type, S (bit 4), DPL (6:5), P (7). */
#define X86_DESC_S 0x10
#define X86_DESC_DPL_SHIFT 5
#define X86_DESC_P 0x80

#endif
