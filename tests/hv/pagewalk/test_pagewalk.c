/*
 * The one x86 page walk (hv/pagewalk.c) on page tables in an array: every
 * paging mode, present and not present at each level, R/W with and without
 * CR0.WP, U/S, NX with EFER.NXE on and off, reserved bits at each level
 * (MAXPHYADDR, large-page alignment, PAE PDPTEs), 2 MiB, 1 GiB and 4 MiB
 * pages, and the CPU mode's SMAP, SMEP, protection keys and accessed/dirty
 * bits, each with the exact #PF error code the SDM gives (vol. 3, 4.7).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <fastabi/x86.h>

#include "pagewalk.h"

#define MEM_SIZE 0x10000u
#define READ_ERR (-14)

/* Long mode: PML5 0x6000 -> PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000. */
#define L5_CR3 0x6000u
#define L4_CR3 0x1000u
#define PML5E 0x6000u
#define PML4E 0x1000u
#define PDPTE 0x2000u
#define PDE 0x3000u
#define PTE 0x4008u       /* PT[1]: va 0x1000 -> 0x5000 */
#define PDPTE_1G 0x2008u  /* PDPT[1]: va 0x40000000 -> 1 GiB page at 0x80000000 */
#define PDE_2M 0x3008u    /* PD[1]: va 0x200000 -> 2 MiB page at 0x600000 */
#define VA 0x1123u
#define VA_1G 0x40001234u
#define VA_2M 0x201234u

/* PAE: PDPT 0x7020 (32-byte aligned) -> PD 0x8000 -> PT 0x9000. */
#define PAE_CR3 0x7020u
#define PAE_PDPTE 0x7020u
#define PAE_PDE 0x8000u
#define PAE_PTE 0x9008u
#define PAE_PDE_2M 0x8008u

/* 32-bit: PD 0xa000 -> PT 0xb000; PD[1] a 4 MiB page at 0xc00000, PD[2] one above 4 GiB. */
#define N_CR3 0xa000u
#define N_PDE 0xa000u
#define N_PTE 0xb004u
#define N_PDE_4M 0xa004u
#define N_PDE_PSE36 0xa008u
#define VA_4M 0x401234u
#define VA_PSE36 0x801234u

#define P X86_PTE_P
#define RW X86_PTE_RW
#define US X86_PTE_US
#define PS X86_PTE_PS
#define NX X86_PTE_NX
#define A X86_PTE_A
#define D X86_PTE_D
#define ALL (P | RW | US)

static uint8_t mem[MEM_SIZE];
static uint64_t ad_calls;

static void put64(uint64_t a, uint64_t v) { memcpy(mem + a, &v, 8); }
static void put32(uint64_t a, uint32_t v) { memcpy(mem + a, &v, 4); }

static uint64_t get(uint64_t a, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, mem + a, size);
	return v;
}

static int read_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *e)
{
	(void)ctx;
	if (gpa >= MEM_SIZE || MEM_SIZE - gpa < size)
		return READ_ERR;
	*e = get(gpa, size);
	return 0;
}

static void set_ad(void *ctx, uint64_t gpa, uint8_t bits)
{
	(void)ctx;
	assert_true(gpa < MEM_SIZE);
	mem[gpa] |= bits;
	ad_calls++;
}

/* Every mode's tables, all entries user, writable and executable. */
static void build(void)
{
	memset(mem, 0, sizeof(mem));
	ad_calls = 0;
	put64(PML5E, L4_CR3 | ALL);
	put64(PML4E, 0x2000 | ALL);
	put64(PDPTE, 0x3000 | ALL);
	put64(PDPTE_1G, 0x80000000 | PS | ALL);
	put64(PDE, 0x4000 | ALL);
	put64(PDE_2M, 0x600000 | PS | ALL);
	put64(PTE, 0x5000 | ALL);

	put64(PAE_PDPTE, 0x8000 | P);
	put64(PAE_PDE, 0x9000 | ALL);
	put64(PAE_PDE_2M, 0x600000 | PS | ALL);
	put64(PAE_PTE, 0x5000 | ALL);

	put32(N_PDE, 0xb000 | ALL);
	put32(N_PDE_4M, 0xc00000 | PS | ALL);
	put32(N_PDE_PSE36, 0x800000 | (0x12 << 13) | PS | ALL);
	put32(N_PTE, 0x5000 | ALL);
}

enum fmt { OFF, B32, PAE, L4, L5 };

struct row {
	const char *name;
	enum fmt fmt;
	uint64_t cr0_off, cr4_on, efer_off; /* changes to the mode's usual registers */
	uint64_t at, set, clear;             /* one entry changed (at 0: none) */
	uint64_t la;
	unsigned access;
	enum pagewalk_mode mode;
	uint64_t rflags;
	uint32_t pkru;
	unsigned maxphyaddr; /* 0: 52 */
	/* expected */
	enum pagewalk_fault fault;
	uint64_t out;  /* PAGEWALK_OK: the GPA; otherwise the pfec */
	unsigned level;
	uint64_t entry; /* the deciding entry's GPA (level > 0) */
};

#define W PAGEWALK_WRITE
#define U PAGEWALK_USER
#define F PAGEWALK_FETCH
#define IMPL PAGEWALK_IMPLICIT
#define CPU .mode = PAGEWALK_CPU
#define OK(gpa_, lvl, ent) .fault = PAGEWALK_OK, .out = (gpa_), .level = (lvl), .entry = (ent)
#define FAULT(f, pfec, lvl, ent) .fault = PAGEWALK_FAULT_##f, .out = (pfec), .level = (lvl), \
	.entry = (ent)
#define PF_P X86_PFEC_P
#define PF_W X86_PFEC_W
#define PF_U X86_PFEC_U
#define PF_R X86_PFEC_RSVD
#define PF_I X86_PFEC_I
#define PF_K X86_PFEC_PK

static const struct row rows[] = {
	/* Paging off: 32-bit linear addresses, no tables. */
	{ "off", OFF, .la = 0x123456789ull, .access = W | U | F, OK(0x23456789, 0, 0) },

	/* 4-level: the walk, each level not present, reads and writes. */
	{ "l4 4k", L4, .la = VA, OK(0x5123, 1, PTE) },
	{ "l4 upper bits ignored", L4, .at = PTE, .set = 0x7ffull << 52, .la = VA,
	  OK(0x5123, 1, PTE) },
	{ "l4 pml4e np", L4, .at = PML4E, .clear = P, .la = VA, FAULT(NOT_PRESENT, 0, 4, PML4E) },
	{ "l4 pdpte np write", L4, .at = PDPTE, .clear = P, .la = VA, .access = W,
	  FAULT(NOT_PRESENT, PF_W, 3, PDPTE) },
	{ "l4 pde np user", L4, .at = PDE, .clear = P, .la = VA, .access = U,
	  FAULT(NOT_PRESENT, PF_U, 2, PDE) },
	{ "l4 pte np user write", L4, .at = PTE, .clear = P, .la = VA, .access = U | W,
	  FAULT(NOT_PRESENT, PF_U | PF_W, 1, PTE) },
	{ "l4 pte np fetch nxe", L4, .at = PTE, .clear = P, .la = VA, .access = F,
	  FAULT(NOT_PRESENT, PF_I, 1, PTE) },
	{ "l4 pte np fetch no nxe", L4, .efer_off = X86_EFER_NXE, .at = PTE, .clear = P, .la = VA,
	  .access = F, FAULT(NOT_PRESENT, 0, 1, PTE) },
	{ "l4 non-canonical", L4, .la = 0x0000800000000000ull, FAULT(NON_CANONICAL, 0, 0, 0) },
	{ "l4 canonical upper half", L4, .la = 0xffff800000001000ull,
	  FAULT(NOT_PRESENT, 0, 4, PML4E + 256 * 8) },
	{ "l4 table not readable", L4, .at = PDE, .set = 0xf000000, .la = VA,
	  FAULT(READ, 0, 1, 0xf004008) },

	/* 5-level: one more table, 57-bit canonical form. */
	{ "l5 4k", L5, .la = VA, OK(0x5123, 1, PTE) },
	{ "l5 pml5e np", L5, .at = PML5E, .clear = P, .la = VA, FAULT(NOT_PRESENT, 0, 5, PML5E) },
	{ "l5 48-bit non-canonical is canonical", L5, .la = 0x0000800000000000ull,
	  FAULT(NOT_PRESENT, 0, 4, PML4E + 256 * 8) },
	{ "l5 pml5e ps", L5, .at = PML5E, .set = PS, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 5, PML5E) },

	/* Large pages. */
	{ "l4 1g", L4, .la = VA_1G, OK(0x80001234, 3, PDPTE_1G) },
	{ "l4 2m", L4, .la = VA_2M, OK(0x601234, 2, PDE_2M) },
	{ "l4 1g misaligned", L4, .at = PDPTE_1G, .set = 1u << 13, .la = VA_1G,
	  FAULT(RESERVED, PF_P | PF_R, 3, PDPTE_1G) },
	{ "l4 1g bit 29", L4, .at = PDPTE_1G, .set = 1u << 29, .la = VA_1G,
	  FAULT(RESERVED, PF_P | PF_R, 3, PDPTE_1G) },
	{ "l4 1g pat", L4, .at = PDPTE_1G, .set = 1u << 12, .la = VA_1G,
	  OK(0x80001234, 3, PDPTE_1G) },
	{ "l4 2m misaligned", L4, .at = PDE_2M, .set = 1u << 20, .la = VA_2M,
	  FAULT(RESERVED, PF_P | PF_R, 2, PDE_2M) },
	{ "l4 pml4e ps", L4, .at = PML4E, .set = PS, .la = VA, .access = W,
	  FAULT(RESERVED, PF_P | PF_W | PF_R, 4, PML4E) },

	/* Reserved address bits against MAXPHYADDR, at each level. */
	{ "l4 pml4e above maxphyaddr", L4, .at = PML4E, .set = 1ull << 46, .la = VA,
	  .maxphyaddr = 46, FAULT(RESERVED, PF_P | PF_R, 4, PML4E) },
	{ "l4 pdpte above maxphyaddr", L4, .at = PDPTE, .set = 1ull << 51, .la = VA,
	  .maxphyaddr = 46, FAULT(RESERVED, PF_P | PF_R, 3, PDPTE) },
	{ "l4 pde above maxphyaddr", L4, .at = PDE, .set = 1ull << 47, .la = VA, .maxphyaddr = 46,
	  FAULT(RESERVED, PF_P | PF_R, 2, PDE) },
	{ "l4 pte above maxphyaddr", L4, .at = PTE, .set = 1ull << 46, .la = VA, .access = U,
	  .maxphyaddr = 46, FAULT(RESERVED, PF_P | PF_U | PF_R, 1, PTE) },
	{ "l4 pte below maxphyaddr", L4, .at = PTE, .set = 1ull << 45, .la = VA, .maxphyaddr = 46,
	  OK(0x200000005123ull, 1, PTE) },

	/* R/W: user writes always, supervisor writes with CR0.WP. */
	{ "l4 ro pte user write", L4, .cr0_off = X86_CR0_WP, .at = PTE, .clear = RW, .la = VA,
	  .access = U | W, FAULT(WRITE, PF_P | PF_W | PF_U, 1, PTE) },
	{ "l4 ro pte sup write wp", L4, .at = PTE, .clear = RW, .la = VA, .access = W,
	  FAULT(WRITE, PF_P | PF_W, 1, PTE) },
	{ "l4 ro pte sup write no wp", L4, .cr0_off = X86_CR0_WP, .at = PTE, .clear = RW, .la = VA,
	  .access = W, OK(0x5123, 1, PTE) },
	{ "l4 ro pdpte sup write wp", L4, .at = PDPTE, .clear = RW, .la = VA, .access = W,
	  FAULT(WRITE, PF_P | PF_W, 1, PTE) },
	{ "l4 ro pte read", L4, .at = PTE, .clear = RW, .la = VA, .access = U, OK(0x5123, 1, PTE) },

	/* U/S at any level. */
	{ "l4 sup pte user read", L4, .at = PTE, .clear = US, .la = VA, .access = U,
	  FAULT(USER, PF_P | PF_U, 1, PTE) },
	{ "l4 sup pml4e user write", L4, .at = PML4E, .clear = US, .la = VA, .access = U | W,
	  FAULT(USER, PF_P | PF_U | PF_W, 1, PTE) },
	{ "l4 sup pte sup read", L4, .at = PTE, .clear = US, .la = VA, OK(0x5123, 1, PTE) },

	/* NX: a fault with EFER.NXE, a reserved bit without. */
	{ "l4 nx pte fetch", L4, .at = PTE, .set = NX, .la = VA, .access = F,
	  FAULT(NX, PF_P | PF_I, 1, PTE) },
	{ "l4 nx pde user fetch", L4, .at = PDE, .set = NX, .la = VA, .access = U | F,
	  FAULT(NX, PF_P | PF_U | PF_I, 1, PTE) },
	{ "l4 nx pte read", L4, .at = PTE, .set = NX, .la = VA, OK(0x5123, 1, PTE) },
	{ "l4 nx without nxe", L4, .efer_off = X86_EFER_NXE, .at = PDPTE, .set = NX, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 3, PDPTE) },
	{ "l4 nx without nxe fetch", L4, .efer_off = X86_EFER_NXE, .at = PTE, .set = NX, .la = VA,
	  .access = F, FAULT(RESERVED, PF_P | PF_R, 1, PTE) },

	/* PAE: PDPTEs without permissions, their own reserved bits; 62:MAXPHYADDR reserved. */
	{ "pae 4k", PAE, .la = 0xffffffff00001123ull, OK(0x5123, 1, PAE_PTE) },
	{ "pae 2m", PAE, .la = VA_2M, OK(0x601234, 2, PAE_PDE_2M) },
	{ "pae pdpte np", PAE, .at = PAE_PDPTE, .clear = P, .la = VA, .access = W,
	  FAULT(NOT_PRESENT, PF_W, 3, PAE_PDPTE) },
	{ "pae pde np", PAE, .at = PAE_PDE, .clear = P, .la = VA,
	  FAULT(NOT_PRESENT, 0, 2, PAE_PDE) },
	{ "pae pte np", PAE, .at = PAE_PTE, .clear = P, .la = VA,
	  FAULT(NOT_PRESENT, 0, 1, PAE_PTE) },
	{ "pae pdpte rw", PAE, .at = PAE_PDPTE, .set = RW, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 3, PAE_PDPTE) },
	{ "pae pdpte us", PAE, .at = PAE_PDPTE, .set = US, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 3, PAE_PDPTE) },
	{ "pae pdpte a", PAE, .at = PAE_PDPTE, .set = A, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 3, PAE_PDPTE) },
	{ "pae pdpte ps", PAE, .at = PAE_PDPTE, .set = PS, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 3, PAE_PDPTE) },
	{ "pae pdpte nx with nxe", PAE, .at = PAE_PDPTE, .set = NX, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 3, PAE_PDPTE) },
	{ "pae pdpte pwt pcd", PAE, .at = PAE_PDPTE, .set = X86_PTE_PWT | X86_PTE_PCD, .la = VA,
	  OK(0x5123, 1, PAE_PTE) },
	{ "pae pde bit 62", PAE, .at = PAE_PDE, .set = 1ull << 62, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 2, PAE_PDE) },
	{ "pae pte bit 52", PAE, .at = PAE_PTE, .set = 1ull << 52, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 1, PAE_PTE) },
	{ "pae 2m misaligned", PAE, .at = PAE_PDE_2M, .set = 1u << 13, .la = VA_2M,
	  FAULT(RESERVED, PF_P | PF_R, 2, PAE_PDE_2M) },
	{ "pae nx fetch", PAE, .at = PAE_PTE, .set = NX, .la = VA, .access = F,
	  FAULT(NX, PF_P | PF_I, 1, PAE_PTE) },
	{ "pae nx without nxe", PAE, .efer_off = X86_EFER_NXE, .at = PAE_PTE, .set = NX, .la = VA,
	  FAULT(RESERVED, PF_P | PF_R, 1, PAE_PTE) },
	{ "pae ro pde sup write", PAE, .at = PAE_PDE, .clear = RW, .la = VA, .access = W,
	  FAULT(WRITE, PF_P | PF_W, 1, PAE_PTE) },

	/* 32-bit paging: 4 MiB pages with CR4.PSE (PSE-36), no NX bit. */
	{ "32 4k", B32, .la = 0xffffffff00001123ull, OK(0x5123, 1, N_PTE) },
	{ "32 pde np", B32, .at = N_PDE, .clear = P, .la = VA, .access = F,
	  FAULT(NOT_PRESENT, 0, 2, N_PDE) },
	{ "32 pte np", B32, .at = N_PTE, .clear = P, .la = VA, .access = W,
	  FAULT(NOT_PRESENT, PF_W, 1, N_PTE) },
	{ "32 4m", B32, .la = VA_4M, OK(0xc01234, 2, N_PDE_4M) },
	{ "32 4m pse36", B32, .la = VA_PSE36, OK(0x1200801234ull, 2, N_PDE_PSE36) },
	{ "32 4m pse36 above maxphyaddr", B32, .la = VA_PSE36, .maxphyaddr = 36,
	  FAULT(RESERVED, PF_P | PF_R, 2, N_PDE_PSE36) },
	{ "32 4m bit 21", B32, .at = N_PDE_4M, .set = 1u << 21, .la = VA_4M,
	  FAULT(RESERVED, PF_P | PF_R, 2, N_PDE_4M) },
	{ "32 sup pde user", B32, .at = N_PDE, .clear = US, .la = VA, .access = U,
	  FAULT(USER, PF_P | PF_U, 1, N_PTE) },
	{ "32 ro pte user write", B32, .at = N_PTE, .clear = RW, .la = VA, .access = U | W,
	  FAULT(WRITE, PF_P | PF_U | PF_W, 1, N_PTE) },
	{ "32 bit 63 does not exist", B32, .la = VA, .access = F, OK(0x5123, 1, N_PTE) },

	/* SMAP, SMEP and protection keys: the CPU mode only. */
	{ "smap", L4, .cr4_on = X86_CR4_SMAP, .la = VA, CPU, FAULT(SMAP, PF_P, 1, PTE) },
	{ "smap write", L4, .cr4_on = X86_CR4_SMAP, .la = VA, .access = W, CPU,
	  FAULT(SMAP, PF_P | PF_W, 1, PTE) },
	{ "smap ac", L4, .cr4_on = X86_CR4_SMAP, .la = VA, CPU, .rflags = X86_RFLAGS_AC,
	  OK(0x5123, 1, PTE) },
	{ "smap implicit ignores ac", L4, .cr4_on = X86_CR4_SMAP, .la = VA, .access = IMPL, CPU,
	  .rflags = X86_RFLAGS_AC, FAULT(SMAP, PF_P, 1, PTE) },
	{ "smap supervisor page", L4, .cr4_on = X86_CR4_SMAP, .at = PTE, .clear = US, .la = VA, CPU,
	  OK(0x5123, 1, PTE) },
	{ "smap user access", L4, .cr4_on = X86_CR4_SMAP, .la = VA, .access = U, CPU,
	  OK(0x5123, 1, PTE) },
	{ "smap 32-bit", B32, .cr4_on = X86_CR4_SMAP, .la = VA, CPU, FAULT(SMAP, PF_P, 1, N_PTE) },
	{ "smap policy mode", L4, .cr4_on = X86_CR4_SMAP, .la = VA, OK(0x5123, 1, PTE) },
	{ "smep", L4, .cr4_on = X86_CR4_SMEP, .la = VA, .access = F, CPU,
	  FAULT(SMEP, PF_P | PF_I, 1, PTE) },
	{ "smep without nxe sets i", L4, .cr4_on = X86_CR4_SMEP, .efer_off = X86_EFER_NXE,
	  .la = VA, .access = F, CPU, FAULT(SMEP, PF_P | PF_I, 1, PTE) },
	{ "smep 32-bit np sets i", B32, .cr4_on = X86_CR4_SMEP, .at = N_PTE, .clear = P, .la = VA,
	  .access = F, CPU, FAULT(NOT_PRESENT, PF_I, 1, N_PTE) },
	{ "smep policy mode", L4, .cr4_on = X86_CR4_SMEP, .la = VA, .access = F,
	  OK(0x5123, 1, PTE) },
	{ "pkey access disabled", L4, .cr4_on = X86_CR4_PKE, .at = PTE, .set = 1ull << 59,
	  .la = VA, .access = U, CPU, .pkru = 1u << 2, FAULT(PKEY, PF_P | PF_U | PF_K, 1, PTE) },
	{ "pkey write disabled", L4, .cr4_on = X86_CR4_PKE, .at = PTE, .set = 1ull << 59,
	  .la = VA, .access = U | W, CPU, .pkru = 1u << 3,
	  FAULT(PKEY, PF_P | PF_U | PF_W | PF_K, 1, PTE) },
	{ "pkey write disabled, read", L4, .cr4_on = X86_CR4_PKE, .at = PTE, .set = 1ull << 59,
	  .la = VA, .access = U, CPU, .pkru = 1u << 3, OK(0x5123, 1, PTE) },
	{ "pkey write disabled, supervisor wp", L4, .cr4_on = X86_CR4_PKE, .at = PTE,
	  .set = 1ull << 59, .la = VA, .access = W, CPU, .pkru = 1u << 3,
	  FAULT(PKEY, PF_P | PF_W | PF_K, 1, PTE) },
	{ "pkey write disabled, supervisor no wp", L4, .cr0_off = X86_CR0_WP, .cr4_on = X86_CR4_PKE,
	  .at = PTE, .set = 1ull << 59, .la = VA, .access = W, CPU, .pkru = 1u << 3,
	  OK(0x5123, 1, PTE) },
	{ "pkey other key", L4, .cr4_on = X86_CR4_PKE, .at = PTE, .set = 2ull << 59, .la = VA,
	  .access = U, CPU, .pkru = 1u << 2, OK(0x5123, 1, PTE) },
	{ "pkey fetch", L4, .cr4_on = X86_CR4_PKE, .at = PTE, .set = 1ull << 59, .la = VA,
	  .access = U | F, CPU, .pkru = 1u << 2, OK(0x5123, 1, PTE) },
	{ "pkey supervisor page", L4, .cr4_on = X86_CR4_PKE, .at = PTE, .set = 1ull << 59,
	  .clear = US, .la = VA, CPU, .pkru = 1u << 2, OK(0x5123, 1, PTE) },
	{ "pkey policy mode", L4, .cr4_on = X86_CR4_PKE, .at = PTE, .set = 1ull << 59, .la = VA,
	  .access = U, .pkru = 1u << 2, OK(0x5123, 1, PTE) },
};

static struct pagewalk_env env_for(const struct row *r)
{
	static const struct x86_paging base[] = {
		[OFF] = { .cr0 = X86_CR0_PE },
		[B32] = { .cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = N_CR3,
			  .cr4 = X86_CR4_PSE },
		[PAE] = { .cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = PAE_CR3,
			  .cr4 = X86_CR4_PAE, .efer = X86_EFER_NXE },
		[L4] = { .cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = L4_CR3,
			 .cr4 = X86_CR4_PAE, .efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE },
		[L5] = { .cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = L5_CR3,
			 .cr4 = X86_CR4_PAE | X86_CR4_LA57,
			 .efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE },
	};
	struct pagewalk_env env = {
		.pg = base[r->fmt], .mode = r->mode, .rflags = r->rflags, .pkru = r->pkru,
		.maxphyaddr = r->maxphyaddr ? r->maxphyaddr : 52, .read = read_entry,
	};
	env.pg.cr0 &= ~r->cr0_off;
	env.pg.cr4 |= r->cr4_on;
	env.pg.efer &= ~r->efer_off;
	return env;
}

/* Fresh tables and the registers of a mode, for the tests outside the table. */
static struct pagewalk_env start(enum fmt fmt, enum pagewalk_mode mode)
{
	struct row r = { .fmt = fmt, .mode = mode };
	struct pagewalk_env env = env_for(&r);

	build();
	env.set_ad = set_ad;
	return env;
}

static void patch(const struct row *r)
{
	if (!r->at)
		return;
	unsigned size = r->fmt == B32 ? 4 : 8;
	uint64_t e = (get(r->at, size) | r->set) & ~r->clear;
	if (size == 4)
		put32(r->at, (uint32_t)e);
	else
		put64(r->at, e);
}

static void test_table(void **state)
{
	(void)state;
	unsigned failed = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct pagewalk_env env = env_for(r);
		struct pagewalk_result res;
		build();
		patch(r);
		int rc = pagewalk__translate(&env, r->la, r->access, &res);
		uint64_t got = res.fault == PAGEWALK_OK ? res.gpa : res.pfec;
		bool ok = rc == (r->fault == PAGEWALK_OK ? 0 : -1) && res.fault == r->fault &&
			  got == r->out && res.level == r->level && res.entry_gpa == r->entry &&
			  (r->fault != PAGEWALK_FAULT_READ || res.read_err == READ_ERR);
		if (!ok) {
			printf("FAIL %s: rc %d fault %s (want %s) %s %#llx (want %#llx) level %u "
			       "(want %u) entry %#llx (want %#llx)\n", r->name, rc,
			       pagewalk__fault_name(res.fault), pagewalk__fault_name(r->fault),
			       r->fault == PAGEWALK_OK ? "gpa" : "pfec", (unsigned long long)got,
			       (unsigned long long)r->out, res.level, r->level,
			       (unsigned long long)res.entry_gpa, (unsigned long long)r->entry);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* PS in a 32-bit PDE without CR4.PSE: the entry points to a page table. */
static void test_32_ps_without_pse(void **state)
{
	(void)state;
	struct pagewalk_env env = start(B32, PAGEWALK_POLICY);
	struct pagewalk_result res;

	env.pg.cr4 &= ~X86_CR4_PSE;
	put32(N_PDE_4M, 0xc000 | PS | ALL); /* a "table" at 0xc000 */
	put32(0xc000 + 1 * 4, 0x7000 | ALL);
	assert_int_equal(pagewalk__translate(&env, 0x401234, 0, &res), 0);
	assert_int_equal(res.gpa, 0x7234);
	assert_int_equal(res.level, 1);
	assert_int_equal(res.page_size, 4096);
}

/* The leaf's combined permissions and page size come back with a translation. */
static void test_permissions(void **state)
{
	(void)state;
	struct pagewalk_env env = start(L4, PAGEWALK_POLICY);
	struct pagewalk_result res;

	put64(PDE, get(PDE, 8) & ~RW);
	put64(PML4E, get(PML4E, 8) | NX);
	assert_int_equal(pagewalk__translate(&env, VA, 0, &res), 0);
	assert_false(res.writable);
	assert_true(res.user);
	assert_true(res.nx);
	assert_int_equal(res.page_size, 4096);
	build();
	assert_int_equal(pagewalk__translate(&env, VA_1G, 0, &res), 0);
	assert_true(res.writable);
	assert_false(res.nx);
	assert_int_equal(res.page_size, 1ull << 30);
}

/* Accessed bits on every entry used, dirty on the leaf of a write, only in CPU mode on success. */
static void test_accessed_dirty(void **state)
{
	(void)state;
	struct pagewalk_env env = start(L4, PAGEWALK_CPU);
	struct pagewalk_result res;

	assert_int_equal(pagewalk__translate(&env, VA, 0, &res), 0);
	assert_int_equal(get(PML4E, 8) & (A | D), A);
	assert_int_equal(get(PDPTE, 8) & (A | D), A);
	assert_int_equal(get(PDE, 8) & (A | D), A);
	assert_int_equal(get(PTE, 8) & (A | D), A);
	assert_int_equal(pagewalk__translate(&env, VA, PAGEWALK_WRITE, &res), 0);
	assert_int_equal(get(PDE, 8) & (A | D), A);
	assert_int_equal(get(PTE, 8) & (A | D), A | D);

	/* A large page's leaf is the directory entry. */
	build();
	assert_int_equal(pagewalk__translate(&env, VA_2M, PAGEWALK_WRITE, &res), 0);
	assert_int_equal(get(PDE_2M, 8) & (A | D), A | D);
	assert_int_equal(get(PDPTE, 8) & (A | D), A);

	/* A fault sets nothing. */
	build();
	put64(PTE, get(PTE, 8) & ~RW);
	assert_int_equal(pagewalk__translate(&env, VA, PAGEWALK_WRITE, &res), -1);
	assert_int_equal(ad_calls, 0);
	assert_int_equal(get(PML4E, 8) & A, 0);

	/* Policy mode writes nothing, even with the callback. */
	build();
	env.mode = PAGEWALK_POLICY;
	assert_int_equal(pagewalk__translate(&env, VA, PAGEWALK_WRITE, &res), 0);
	assert_int_equal(ad_calls, 0);

	/* PAE: the PDPTE has no accessed bit (a reserved bit there). */
	env = start(PAE, PAGEWALK_CPU);
	assert_int_equal(pagewalk__translate(&env, VA, PAGEWALK_WRITE, &res), 0);
	assert_int_equal(get(PAE_PDPTE, 8) & A, 0);
	assert_int_equal(get(PAE_PDE, 8) & (A | D), A);
	assert_int_equal(get(PAE_PTE, 8) & (A | D), A | D);
	assert_int_equal(ad_calls, 2);

	/* 32-bit: 4-byte entries, the bits in the same place. */
	env = start(B32, PAGEWALK_CPU);
	assert_int_equal(pagewalk__translate(&env, VA, PAGEWALK_WRITE, &res), 0);
	assert_int_equal(get(N_PDE, 4) & (A | D), A);
	assert_int_equal(get(N_PTE, 4) & (A | D), A | D);
}

static void test_helpers(void **state)
{
	(void)state;
	assert_true(pagewalk__canonical(0x00007fffffffffffull, 0));
	assert_false(pagewalk__canonical(0x0000800000000000ull, 0));
	assert_true(pagewalk__canonical(0xffff800000000000ull, 0));
	assert_true(pagewalk__canonical(0x0000800000000000ull, X86_CR4_LA57));
	assert_false(pagewalk__canonical(0x0100000000000000ull, X86_CR4_LA57));
	assert_true(pagewalk__long_mode(&(struct x86_paging){ .cr0 = X86_CR0_PG,
							       .efer = X86_EFER_LMA }));
	assert_false(pagewalk__long_mode(&(struct x86_paging){ .efer = X86_EFER_LMA }));
	assert_string_equal(pagewalk__fault_name(PAGEWALK_FAULT_SMAP),
			    "supervisor access to user page (SMAP)");
	assert_string_equal(pagewalk__fault_name((enum pagewalk_fault)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_32_ps_without_pse),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_accessed_dirty),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
