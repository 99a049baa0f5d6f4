/*
 * hv/guestmem: the region map, GPA copies, confidential mode and the x86 page
 * walk. Every test starts from the same hand-built guest (setup()): page
 * tables for each paging mode written entry by entry at fixed addresses, so
 * each expectation below can be checked against the table it names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <xen/errno.h>

#include <fastabi/x86.h>

#include "guestmem.h"

/* x86 architectural bits, restated here so that the tests do not trust the code. */
#define P  0x1ULL
#define RW 0x2ULL
#define US 0x4ULL
#define PS 0x80ULL
#define NX (1ULL << 63)

/*
 * Guest physical map: RAM A [0, 2 MiB), RAM B [2 MiB, 2 MiB + 64 KiB) right
 * after it (another host buffer), a hole, shared_info at 3 MiB.
 */
#define RAM_A_SIZE 0x200000ULL
#define RAM_B      0x200000ULL
#define RAM_B_SIZE 0x10000ULL
#define INFO       0x300000ULL
#define UNMAPPED   0x7ff000ULL

/* Data frames in RAM A; D1 and D2 are deliberately not adjacent. */
#define D1      0x10000ULL
#define D2      0x20000ULL
#define D_RO    0x30000ULL
#define D_SUP   0x31000ULL
#define D_NX    0x32000ULL

/*
 * Long mode: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000 (PML5 0x5000 for
 * the 5-level test). L_PT is the VA of PT[0]: PML4[1] PDPT[2] PD[3].
 */
#define L_PML4 0x1000ULL
#define L_PDPT 0x2000ULL
#define L_PD   0x3000ULL
#define L_PT   0x4000ULL
#define L_PML5 0x5000ULL
#define L_VA_PT 0x0000008080600000ULL
#define L_VA(i) (L_VA_PT + (uint64_t)(i) * 0x1000)
#define L_VA_2M 0x0000008080800000ULL /* PD[4]: 2 MiB page at 0x200000 */
#define L_VA_1G 0x00000080c0000000ULL /* PDPT[3]: 1 GiB page at 0x40000000 */

/* 32-bit paging: PD 0x6000, PT 0x7000. */
#define N_PD 0x6000ULL
#define N_PT 0x7000ULL
#define N_VA_4K   0x00402000ULL /* PD[1] PT[2] -> D1 */
#define N_VA_4M   0x00800000ULL /* PD[2]: 4 MiB page at 0xc00000 */
#define N_VA_PSE36 0x00c00000ULL /* PD[3]: 4 MiB page at 0x12_0040_0000 */

/* PAE: PDPT at 0x8020 (CR3 keeps bits 31:5), PD 0x9000, PT 0xa000. */
#define A_PDPT 0x8020ULL
#define A_PD   0x9000ULL
#define A_PT   0xa000ULL
#define A_VA_4K 0x40403000ULL /* PDPT[1] PD[2] PT[3] -> D1 */
#define A_VA_NX 0x40404000ULL /* PT[4] -> D2, NX */
#define A_VA_2M 0x40800000ULL /* PD[4]: 2 MiB page at 0x600000 */

static struct guestmem gm;
static uint8_t *ram_a, *ram_b, *info;

static const struct x86_paging pg_long = {
	.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = L_PML4, .cr4 = X86_CR4_PAE,
	.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
};
static const struct x86_paging pg_32 = {
	.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = N_PD, .cr4 = X86_CR4_PSE,
};
static const struct x86_paging pg_pae = {
	.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = A_PDPT, .cr4 = X86_CR4_PAE,
	.efer = X86_EFER_NXE,
};
static const struct x86_paging pg_off = { .cr0 = X86_CR0_PE };

static void set64(uint64_t a, uint64_t v) { memcpy(ram_a + a, &v, 8); }
static void set32(uint64_t a, uint32_t v) { memcpy(ram_a + a, &v, 4); }

static int setup(void **state)
{
	(void)state;
	ram_a = aligned_alloc(PAGE_SIZE, RAM_A_SIZE);
	ram_b = aligned_alloc(PAGE_SIZE, RAM_B_SIZE);
	info = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_non_null(ram_a);
	assert_non_null(ram_b);
	assert_non_null(info);
	memset(ram_a, 0, RAM_A_SIZE);
	memset(ram_b, 0, RAM_B_SIZE);
	memset(info, 0, PAGE_SIZE);

	guestmem__init(&gm);
	/* Out of order on purpose: the map keeps itself sorted. */
	assert_int_equal(guestmem__add(&gm, GUESTMEM_SHARED_INFO, gpa(INFO), PAGE_SIZE, info), 0);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(RAM_B), RAM_B_SIZE, ram_b), 0);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(0), RAM_A_SIZE, ram_a), 0);

	/* Long mode. */
	set64(L_PML4 + 1 * 8, L_PDPT | P | RW | US);
	set64(L_PDPT + 2 * 8, L_PD | P | RW | US);
	set64(L_PDPT + 3 * 8, 0x40000000 | PS | P | RW | US);
	set64(L_PD + 3 * 8, L_PT | P | RW | US);
	set64(L_PD + 4 * 8, 0x200000 | PS | P | RW | US);
	set64(L_PT + 4 * 8, D1 | P | RW | US);
	set64(L_PT + 5 * 8, D2 | P | RW | US);
	/* PT[6] not present */
	set64(L_PT + 7 * 8, D_RO | P | US);
	set64(L_PT + 8 * 8, D_SUP | P | RW);
	set64(L_PT + 9 * 8, D_NX | P | RW | US | NX);
	set64(L_PT + 10 * 8, UNMAPPED | P | RW | US);
	set64(L_PML5 + 0 * 8, L_PML4 | P | RW | US);

	/* 32-bit. */
	set32(N_PD + 1 * 4, N_PT | P | RW | US);
	set32(N_PD + 2 * 4, 0xc00000 | PS | P | RW | US);
	set32(N_PD + 3 * 4, 0x400000 | (0x12 << 13) | PS | P | RW | US);
	set32(N_PT + 2 * 4, D1 | P | RW | US);

	/* PAE: PDPTEs have only P and the address. */
	set64(A_PDPT + 1 * 8, A_PD | P);
	set64(A_PD + 2 * 8, A_PT | P | RW | US);
	set64(A_PD + 4 * 8, 0x600000 | PS | P | RW | US);
	set64(A_PT + 3 * 8, D1 | P | RW | US);
	set64(A_PT + 4 * 8, D2 | P | RW | US | NX);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	guestmem__destroy(&gm);
	free(ram_a);
	free(ram_b);
	free(info);
	return 0;
}

/* The GPA that va translates to; fails the test if the walk faults. */
static uint64_t xlate(const struct x86_paging *pg, uint64_t va, unsigned access)
{
	gpa_t out;
	struct guestmem_fault f;

	assert_int_equal(guestmem__translate(&gm, pg, gva(va), access, &out, &f), 0);
	assert_int_equal(f.reason, GUESTMEM_FAULT_NONE);
	return gpa_val(out);
}

/* A walk that must fail: returns the fault, checks *out is left alone. */
static struct guestmem_fault xlate_fault(const struct x86_paging *pg, uint64_t va,
					 unsigned access, int want_rc)
{
	gpa_t out = gpa(0xdead);
	struct guestmem_fault f;

	assert_int_equal(guestmem__translate(&gm, pg, gva(va), access, &out, &f), want_rc);
	assert_int_equal(gpa_val(out), 0xdead);
	return f;
}

#define EXPECT_FAULT(pg, va, access, why, lvl, entry_gpa) do {                   \
		struct guestmem_fault f_ = xlate_fault(pg, va, access, -XEN_EFAULT); \
		assert_int_equal(f_.reason, why);                                    \
		assert_int_equal(f_.level, lvl);                                     \
		assert_int_equal(gpa_val(f_.entry), entry_gpa);                      \
	} while (0)

/* ---- the region map ---- */

static void test_add_rejects(void **state)
{
	(void)state;
	static uint8_t host[2 * 4096] __attribute__((aligned(4096)));

	/* Overlaps: same start, inside, straddling either edge of RAM B. */
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(RAM_B), PAGE_SIZE, host), -XEN_EEXIST);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(RAM_B + 0x3000), PAGE_SIZE, host),
			 -XEN_EEXIST);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(RAM_B - PAGE_SIZE), 2 * PAGE_SIZE, host),
			 -XEN_EEXIST);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(RAM_B + RAM_B_SIZE - PAGE_SIZE),
				       2 * PAGE_SIZE, host), -XEN_EEXIST);
	/* Covering shared_info entirely. */
	assert_int_equal(guestmem__add(&gm, GUESTMEM_GRANT_TABLE, gpa(INFO - PAGE_SIZE),
				       3 * PAGE_SIZE, host), -XEN_EEXIST);
	/* Shape. */
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(0x400800), PAGE_SIZE, host), -XEN_EINVAL);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(0x400000), 100, host), -XEN_EINVAL);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(0x400000), 0, host), -XEN_EINVAL);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(0x400000), PAGE_SIZE, NULL), -XEN_EINVAL);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa((1ULL << 52) - PAGE_SIZE),
				       2 * PAGE_SIZE, host), -XEN_EINVAL);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(0xfffffffffffff000ULL), PAGE_SIZE, host),
			 -XEN_EINVAL);

	/* The hole between RAM B and shared_info is still free, up to the edges. */
	assert_int_equal(guestmem__add(&gm, GUESTMEM_GRANT_TABLE, gpa(RAM_B + RAM_B_SIZE),
				       INFO - RAM_B - RAM_B_SIZE, ram_a), 0);
	/* The table fills up. */
	int rc = 0;
	for (uint64_t a = 0x1000000; rc == 0; a += PAGE_SIZE)
		rc = guestmem__add(&gm, GUESTMEM_GRANT_TABLE, gpa(a), PAGE_SIZE, host);
	assert_int_equal(rc, -XEN_ENOSPC);
	assert_int_equal(gm.nr_regions, GUESTMEM_MAX_REGIONS);
}

static void test_lookup(void **state)
{
	(void)state;
	const struct guestmem_region *r;

	r = guestmem__lookup(&gm, gpa(RAM_B + RAM_B_SIZE - 1));
	assert_non_null(r);
	assert_ptr_equal(r->host, ram_b);
	r = guestmem__lookup(&gm, gpa(RAM_A_SIZE - 1));
	assert_non_null(r);
	assert_ptr_equal(r->host, ram_a);
	assert_null(guestmem__lookup(&gm, gpa(RAM_B + RAM_B_SIZE)));
	assert_null(guestmem__lookup(&gm, gpa(INFO + PAGE_SIZE)));
	r = guestmem__find_kind(&gm, GUESTMEM_SHARED_INFO);
	assert_non_null(r);
	assert_int_equal(r->start, INFO);
	assert_null(guestmem__find_kind(&gm, GUESTMEM_GNTTAB_STATUS));
}

/* ---- GPA access ---- */

static void test_gpa_edges_and_adjacent_regions(void **state)
{
	(void)state;
	uint8_t in[16], out[16];

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0xa0 + i);
	/* The last bytes of RAM B, then the whole of a span across A and B. */
	assert_int_equal(guestmem__write(&gm, gpa(RAM_B + RAM_B_SIZE - 16), in, 16), 0);
	assert_memory_equal(ram_b + RAM_B_SIZE - 16, in, 16);
	assert_int_equal(guestmem__write(&gm, gpa(RAM_A_SIZE - 8), in, 16), 0);
	assert_memory_equal(ram_a + RAM_A_SIZE - 8, in, 8);
	assert_memory_equal(ram_b, in + 8, 8);
	memset(out, 0, sizeof(out));
	assert_int_equal(guestmem__read(&gm, gpa(RAM_A_SIZE - 8), out, 16), 0);
	assert_memory_equal(out, in, 16);
	/* shared_info is reachable like RAM. */
	assert_int_equal(guestmem__write(&gm, gpa(INFO + PAGE_SIZE - 4), in, 4), 0);
	assert_memory_equal(info + PAGE_SIZE - 4, in, 4);
}

static void test_gpa_unmapped_all_or_nothing(void **state)
{
	(void)state;
	uint8_t in[16], out[16];

	memset(in, 0x5a, sizeof(in));
	memset(out, 0x11, sizeof(out));
	/* Runs off the end of RAM B into the hole: nothing moves either way. */
	assert_int_equal(guestmem__write(&gm, gpa(RAM_B + RAM_B_SIZE - 8), in, 16), -XEN_EFAULT);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(ram_b[RAM_B_SIZE - 8 + i], 0);
	assert_int_equal(guestmem__read(&gm, gpa(RAM_B + RAM_B_SIZE - 8), out, 16), -XEN_EFAULT);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(out[i], 0x11);
	/* Starts in the hole and runs into shared_info. */
	assert_int_equal(guestmem__read(&gm, gpa(INFO - 8), out, 16), -XEN_EFAULT);
	/* Wholly unmapped, below any region's end and above every region. */
	assert_int_equal(guestmem__read(&gm, gpa(UNMAPPED), out, 1), -XEN_EFAULT);
	assert_int_equal(guestmem__read(&gm, gpa(1ULL << 52), out, 1), -XEN_EFAULT);
}

static void test_gpa_wrap_and_zero_length(void **state)
{
	(void)state;
	uint8_t buf[32] = { 0 };

	assert_int_equal(guestmem__read(&gm, gpa(UINT64_MAX - 15), buf, 32), -XEN_EFAULT);
	assert_int_equal(guestmem__write(&gm, gpa(UINT64_MAX), buf, 2), -XEN_EFAULT);
	/* A length that wraps from inside RAM back to 0 must not look like a small range. */
	assert_int_equal(guestmem__read(&gm, gpa(0x1000), buf, SIZE_MAX), -XEN_EFAULT);
	/* Zero length touches nothing, wherever it points. */
	assert_int_equal(guestmem__read(&gm, gpa(UNMAPPED), buf, 0), 0);
	assert_int_equal(guestmem__write(&gm, gpa(UINT64_MAX), buf, 0), 0);
}

/* ---- confidential mode ---- */

static void test_confidential_refuses_and_counts(void **state)
{
	(void)state;
	uint8_t in[16], out[16];

	memset(in, 0x3c, sizeof(in));
	ram_a[D1] = 0x42;
	/* Off: everything mapped is reachable, nothing counted. */
	assert_int_equal(guestmem__read(&gm, gpa(D1), out, 1), 0);
	guestmem__set_confidential(&gm, true);
	assert_int_equal(guestmem__read(&gm, gpa(D1), out, 1), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&gm), 1);
	/* One refused call counts once, however many private pages it covers. */
	assert_int_equal(guestmem__write(&gm, gpa(D1), ram_a, 3 * PAGE_SIZE), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&gm), 2);

	assert_int_equal(guestmem__share(&gm, gfn_of(gpa(D1)), 1), 0);
	assert_int_equal(guestmem__read(&gm, gpa(D1), out, 1), 0);
	assert_int_equal(out[0], 0x42);
	/* Shared page then a private one: refused, and the shared half is not written. */
	assert_int_equal(guestmem__write(&gm, gpa(D1 + PAGE_SIZE - 8), in, 16), -XEN_EACCES);
	assert_int_equal(ram_a[D1 + PAGE_SIZE - 8], 0);
	assert_int_equal(guestmem__refused(&gm), 3);
	/* A hole is a fault, not a refusal, and is not counted. */
	assert_int_equal(guestmem__share(&gm, gfn_of(gpa(RAM_B + RAM_B_SIZE - PAGE_SIZE)), 1), 0);
	assert_int_equal(guestmem__read(&gm, gpa(RAM_B + RAM_B_SIZE - 8), out, 16), -XEN_EFAULT);
	assert_int_equal(guestmem__refused(&gm), 3);
	/* Special pages belong to the hypervisor: always reachable. */
	assert_int_equal(guestmem__write(&gm, gpa(INFO), in, 16), 0);
	assert_int_equal(guestmem__refused(&gm), 3);

	assert_int_equal(guestmem__unshare(&gm, gfn_of(gpa(D1)), 1), 0);
	assert_int_equal(guestmem__read(&gm, gpa(D1), out, 1), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&gm), 4);
	/* Off again: the share set no longer matters. */
	guestmem__set_confidential(&gm, false);
	assert_int_equal(guestmem__read(&gm, gpa(D1), out, 1), 0);
	assert_int_equal(guestmem__refused(&gm), 4);
}

static void test_share_ranges(void **state)
{
	(void)state;
	uint8_t out[16];
	const uint64_t last_a = (RAM_A_SIZE >> PAGE_SHIFT) - 1;

	guestmem__set_confidential(&gm, true);
	/* One range across the two adjacent RAM regions. */
	assert_int_equal(guestmem__share(&gm, gfn(last_a), 2), 0);
	assert_int_equal(guestmem__read(&gm, gpa(RAM_A_SIZE - 8), out, 16), 0);
	/* Not RAM (shared_info), running into a hole, wrapping: refused, nothing changes. */
	assert_int_equal(guestmem__share(&gm, gfn_of(gpa(INFO)), 1), -XEN_EINVAL);
	assert_int_equal(guestmem__unshare(&gm, gfn_of(gpa(INFO)), 1), -XEN_EINVAL);
	assert_int_equal(guestmem__share(&gm, gfn(1), last_a + 1 + 16 + 1), -XEN_EINVAL);
	assert_int_equal(guestmem__read(&gm, gpa(PAGE_SIZE), out, 1), -XEN_EACCES);
	assert_int_equal(guestmem__share(&gm, gfn(UINT64_MAX), 2), -XEN_EINVAL);
	assert_int_equal(guestmem__share(&gm, gfn(1), 0), 0);
	/* Unsharing part of a shared range. */
	assert_int_equal(guestmem__unshare(&gm, gfn(last_a + 1), 1), 0);
	assert_int_equal(guestmem__read(&gm, gpa(RAM_A_SIZE - 8), out, 8), 0);
	assert_int_equal(guestmem__read(&gm, gpa(RAM_A_SIZE - 8), out, 16), -XEN_EACCES);
}

static void test_confidential_walk(void **state)
{
	(void)state;
	uint8_t out[8];
	struct guestmem_fault f;

	guestmem__set_confidential(&gm, true);
	assert_int_equal(guestmem__share(&gm, gfn_of(gpa(D1)), 1), 0);
	/* The data page is shared, the PML4 is not: the walk stops at once. */
	f = xlate_fault(&pg_long, L_VA(4), 0, -XEN_EACCES);
	assert_int_equal(f.reason, GUESTMEM_FAULT_REFUSED);
	assert_int_equal(f.level, 4);
	assert_int_equal(gpa_val(f.entry), L_PML4 + 8);
	assert_int_equal(guestmem__refused(&gm), 1);
	/* Share the upper tables only: refused at the PT, still one count per call. */
	assert_int_equal(guestmem__share(&gm, gfn_of(gpa(L_PML4)), 3), 0);
	assert_int_equal(guestmem__copy_from_gva(&gm, &pg_long, gva(L_VA(4)), out, 8, &f), -XEN_EACCES);
	assert_int_equal(f.level, 1);
	assert_int_equal(guestmem__refused(&gm), 2);
	assert_int_equal(guestmem__share(&gm, gfn_of(gpa(L_PT)), 1), 0);
	assert_int_equal(xlate(&pg_long, L_VA(4), 0), D1);
	/* Tables shared, data page D2 private: refused at the data, level 0. */
	assert_int_equal(guestmem__copy_from_gva(&gm, &pg_long, gva(L_VA(5)), out, 8, &f), -XEN_EACCES);
	assert_int_equal(f.reason, GUESTMEM_FAULT_REFUSED);
	assert_int_equal(f.level, 0);
	assert_int_equal(gpa_val(f.entry), D2);
	assert_int_equal(guestmem__refused(&gm), 3);
}

/* ---- the page walk: long mode ---- */

static void test_long_translate_sizes(void **state)
{
	(void)state;
	assert_int_equal(xlate(&pg_long, L_VA(4) + 0x123, 0), D1 + 0x123);
	assert_int_equal(xlate(&pg_long, L_VA(5), GUESTMEM_ACCESS_WRITE), D2);
	assert_int_equal(xlate(&pg_long, L_VA_2M + 0x12345, 0), 0x212345);
	assert_int_equal(xlate(&pg_long, L_VA_1G + 0x1234567, 0), 0x41234567);
	/* PAT (bit 12) in a large-page entry is not an address bit. */
	set64(L_PD + 4 * 8, 0x200000 | (1 << 12) | PS | P | RW | US);
	assert_int_equal(xlate(&pg_long, L_VA_2M + 0x12345, 0), 0x212345);
}

static void test_long_not_present_each_level(void **state)
{
	(void)state;
	EXPECT_FAULT(&pg_long, 0x0000010000000000ULL, 0, GUESTMEM_FAULT_NOT_PRESENT, 4,
		     L_PML4 + 2 * 8);                                      /* PML4[2] */
	EXPECT_FAULT(&pg_long, 0x0000008000000000ULL, 0, GUESTMEM_FAULT_NOT_PRESENT, 3,
		     L_PDPT);                                              /* PDPT[0] */
	EXPECT_FAULT(&pg_long, 0x0000008080000000ULL, 0, GUESTMEM_FAULT_NOT_PRESENT, 2,
		     L_PD);                                                /* PD[0] */
	EXPECT_FAULT(&pg_long, L_VA(6), 0, GUESTMEM_FAULT_NOT_PRESENT, 1, L_PT + 6 * 8);
	/* A table the map does not hold. */
	set64(L_PD + 5 * 8, UNMAPPED | P | RW | US);
	EXPECT_FAULT(&pg_long, 0x0000008080a00000ULL, 0, GUESTMEM_FAULT_UNMAPPED, 1, UNMAPPED);
}

static void test_long_write_protect(void **state)
{
	(void)state;
	struct x86_paging no_wp = pg_long;

	no_wp.cr0 &= ~X86_CR0_WP;
	assert_int_equal(xlate(&pg_long, L_VA(7), 0), D_RO);
	EXPECT_FAULT(&pg_long, L_VA(7), GUESTMEM_ACCESS_WRITE, GUESTMEM_FAULT_WRITE, 1, L_PT + 7 * 8);
	/* WP = 0: the supervisor may write, the user still may not. */
	assert_int_equal(xlate(&no_wp, L_VA(7), GUESTMEM_ACCESS_WRITE), D_RO);
	EXPECT_FAULT(&no_wp, L_VA(7), GUESTMEM_ACCESS_WRITE | GUESTMEM_ACCESS_USER,
		     GUESTMEM_FAULT_WRITE, 1, L_PT + 7 * 8);
	/* R/W = 0 at an upper level protects everything under it. */
	set64(L_PDPT + 2 * 8, L_PD | P | US);
	EXPECT_FAULT(&pg_long, L_VA(4), GUESTMEM_ACCESS_WRITE, GUESTMEM_FAULT_WRITE, 1, L_PT + 4 * 8);
}

static void test_long_user_supervisor(void **state)
{
	(void)state;
	assert_int_equal(xlate(&pg_long, L_VA(8), GUESTMEM_ACCESS_WRITE), D_SUP);
	EXPECT_FAULT(&pg_long, L_VA(8), GUESTMEM_ACCESS_USER, GUESTMEM_FAULT_USER, 1, L_PT + 8 * 8);
	assert_int_equal(xlate(&pg_long, L_VA(4), GUESTMEM_ACCESS_USER), D1);
	/* U/S = 0 at the PML4 makes every page under it supervisor-only. */
	set64(L_PML4 + 1 * 8, L_PDPT | P | RW);
	EXPECT_FAULT(&pg_long, L_VA(4), GUESTMEM_ACCESS_USER, GUESTMEM_FAULT_USER, 1, L_PT + 4 * 8);
}

static void test_long_nx(void **state)
{
	(void)state;
	struct x86_paging no_nxe = pg_long;

	no_nxe.efer &= ~X86_EFER_NXE;
	assert_int_equal(xlate(&pg_long, L_VA(9), GUESTMEM_ACCESS_WRITE), D_NX);
	EXPECT_FAULT(&pg_long, L_VA(9), GUESTMEM_ACCESS_EXEC, GUESTMEM_FAULT_NX, 1, L_PT + 9 * 8);
	assert_int_equal(xlate(&pg_long, L_VA(4), GUESTMEM_ACCESS_EXEC), D1);
	/* Without EFER.NXE bit 63 is reserved: any access faults, even a read. */
	EXPECT_FAULT(&no_nxe, L_VA(9), 0, GUESTMEM_FAULT_RESERVED, 1, L_PT + 9 * 8);
	assert_int_equal(xlate(&no_nxe, L_VA(4), GUESTMEM_ACCESS_EXEC), D1);
}

static void test_long_reserved_bits(void **state)
{
	(void)state;
	/* Low bits of a 2 MiB and a 1 GiB page address. */
	set64(L_PD + 4 * 8, 0x200000 | (1 << 13) | PS | P | RW | US);
	EXPECT_FAULT(&pg_long, L_VA_2M, 0, GUESTMEM_FAULT_RESERVED, 2, L_PD + 4 * 8);
	set64(L_PDPT + 3 * 8, 0x40000000 | (1 << 20) | PS | P | RW | US);
	EXPECT_FAULT(&pg_long, L_VA_1G, 0, GUESTMEM_FAULT_RESERVED, 3, L_PDPT + 3 * 8);
	/* PS in a PML4E. */
	set64(L_PML4 + 1 * 8, L_PDPT | PS | P | RW | US);
	EXPECT_FAULT(&pg_long, L_VA(4), 0, GUESTMEM_FAULT_RESERVED, 4, L_PML4 + 8);
	/* Long mode ignores bits 62:52 of a PTE (PAE would not). */
	set64(L_PML4 + 1 * 8, L_PDPT | P | RW | US);
	set64(L_PT + 4 * 8, D1 | (1ULL << 52) | P | RW | US);
	assert_int_equal(xlate(&pg_long, L_VA(4), 0), D1);
}

static void test_long_canonical(void **state)
{
	(void)state;
	struct x86_paging la57 = pg_long;

	EXPECT_FAULT(&pg_long, 0x0000800000000000ULL, 0, GUESTMEM_FAULT_NON_CANONICAL, 0, 0);
	EXPECT_FAULT(&pg_long, 0xffff7ffffffff000ULL, 0, GUESTMEM_FAULT_NON_CANONICAL, 0, 0);
	/* The upper half is canonical: the walk runs and finds PML4[256] empty. */
	EXPECT_FAULT(&pg_long, 0xffff800000000000ULL, 0, GUESTMEM_FAULT_NOT_PRESENT, 4,
		     L_PML4 + 256 * 8);
	/* 5-level paging: one more table on top, 57-bit canonical form. */
	la57.cr3 = L_PML5;
	la57.cr4 |= X86_CR4_LA57;
	assert_int_equal(xlate(&la57, L_VA(4) + 8, 0), D1 + 8);
	EXPECT_FAULT(&la57, 0x0001000000000000ULL, 0, GUESTMEM_FAULT_NOT_PRESENT, 5, L_PML5 + 8);
	EXPECT_FAULT(&la57, 0x0100000000000000ULL, 0, GUESTMEM_FAULT_NON_CANONICAL, 0, 0);
}

/* ---- the page walk: 32-bit, PAE, paging off ---- */

static void test_32bit(void **state)
{
	(void)state;
	struct x86_paging no_pse = pg_32;

	no_pse.cr4 &= ~X86_CR4_PSE;
	assert_int_equal(xlate(&pg_32, N_VA_4K + 0x10, 0), D1 + 0x10);
	/* Linear addresses are 32 bits: the upper half of the register is ignored. */
	assert_int_equal(xlate(&pg_32, 0xffffffff00000000ULL | N_VA_4K, 0), D1);
	assert_int_equal(xlate(&pg_32, N_VA_4M + 0x123456, 0), 0xd23456);
	assert_int_equal(xlate(&pg_32, N_VA_PSE36 + 0x10, 0), 0x1200400010ULL);
	/* No NX bit in 32-bit entries. */
	assert_int_equal(xlate(&pg_32, N_VA_4K, GUESTMEM_ACCESS_EXEC), D1);
	/* Without CR4.PSE, PS is ignored and the PDE points to a table (here, not memory). */
	EXPECT_FAULT(&no_pse, N_VA_4M, 0, GUESTMEM_FAULT_UNMAPPED, 1, 0xc00000);
	EXPECT_FAULT(&pg_32, 0x00001000, 0, GUESTMEM_FAULT_NOT_PRESENT, 2, N_PD);
	EXPECT_FAULT(&pg_32, N_VA_4K + PAGE_SIZE, 0, GUESTMEM_FAULT_NOT_PRESENT, 1, N_PT + 3 * 4);
	/* Bit 21 of a 4 MiB PDE is reserved. */
	set32(N_PD + 2 * 4, 0xc00000 | (1 << 21) | PS | P | RW | US);
	EXPECT_FAULT(&pg_32, N_VA_4M, 0, GUESTMEM_FAULT_RESERVED, 2, N_PD + 2 * 4);
	/* Permissions as in the other modes. */
	set32(N_PT + 2 * 4, D1 | P);
	EXPECT_FAULT(&pg_32, N_VA_4K, GUESTMEM_ACCESS_WRITE, GUESTMEM_FAULT_WRITE, 1, N_PT + 2 * 4);
	EXPECT_FAULT(&pg_32, N_VA_4K, GUESTMEM_ACCESS_USER, GUESTMEM_FAULT_USER, 1, N_PT + 2 * 4);
}

static void test_pae(void **state)
{
	(void)state;
	struct x86_paging no_nxe = pg_pae;

	no_nxe.efer &= ~X86_EFER_NXE;
	assert_int_equal(xlate(&pg_pae, A_VA_4K + 0x7, GUESTMEM_ACCESS_WRITE), D1 + 0x7);
	assert_int_equal(xlate(&pg_pae, A_VA_2M + 0x1abcde, 0), 0x7abcde);
	/* Outside long mode the upper half of the register is not part of the address. */
	assert_int_equal(xlate(&pg_pae, 0xffffffff00000000ULL | A_VA_4K, 0), D1);
	EXPECT_FAULT(&pg_pae, 0x00000000, 0, GUESTMEM_FAULT_NOT_PRESENT, 3, A_PDPT);
	EXPECT_FAULT(&pg_pae, 0x40000000, 0, GUESTMEM_FAULT_NOT_PRESENT, 2, A_PD);
	EXPECT_FAULT(&pg_pae, A_VA_4K + 2 * PAGE_SIZE, 0, GUESTMEM_FAULT_NOT_PRESENT, 1, A_PT + 5 * 8);
	/* NX honoured with NXE, reserved without. */
	assert_int_equal(xlate(&pg_pae, A_VA_NX, 0), D2);
	EXPECT_FAULT(&pg_pae, A_VA_NX, GUESTMEM_ACCESS_EXEC, GUESTMEM_FAULT_NX, 1, A_PT + 4 * 8);
	EXPECT_FAULT(&no_nxe, A_VA_NX, 0, GUESTMEM_FAULT_RESERVED, 1, A_PT + 4 * 8);
	/* PAE has no ignored high bits: bit 52 is beyond MAXPHYADDR. */
	set64(A_PT + 3 * 8, D1 | (1ULL << 52) | P | RW | US);
	EXPECT_FAULT(&pg_pae, A_VA_4K, 0, GUESTMEM_FAULT_RESERVED, 1, A_PT + 3 * 8);
	/* Low bits of a 2 MiB page address. */
	set64(A_PD + 4 * 8, 0x600000 | (1 << 13) | PS | P | RW | US);
	EXPECT_FAULT(&pg_pae, A_VA_2M, 0, GUESTMEM_FAULT_RESERVED, 2, A_PD + 4 * 8);
	/* A PDPTE has no R/W bit: setting it is a reserved-bit fault. */
	set64(A_PDPT + 1 * 8, A_PD | RW | P);
	EXPECT_FAULT(&pg_pae, A_VA_4K, 0, GUESTMEM_FAULT_RESERVED, 3, A_PDPT + 8);
}

static void test_paging_off(void **state)
{
	(void)state;
	uint8_t out[4];

	assert_int_equal(xlate(&pg_off, 0x123456789abcULL, GUESTMEM_ACCESS_WRITE), 0x56789abc);
	ram_a[D1 + 5] = 0x99;
	assert_int_equal(guestmem__copy_from_gva(&gm, &pg_off, gva(D1 + 4), out, 4, NULL), 0);
	assert_int_equal(out[1], 0x99);
	/* A copy may not run past 4 GiB. */
	struct guestmem_fault f;
	assert_int_equal(guestmem__copy_from_gva(&gm, &pg_off, gva(0xfffffffeULL), out, 4, &f),
			 -XEN_EFAULT);
	assert_int_equal(f.reason, GUESTMEM_FAULT_RANGE);
}

/* ---- GVA copies ---- */

static void test_copy_crosses_pages(void **state)
{
	(void)state;
	uint8_t in[32], out[32];
	struct guestmem_fault f;

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	/* VA pages 4 and 5 are contiguous; their frames D1 and D2 are not. */
	assert_int_equal(guestmem__copy_to_gva(&gm, &pg_long, gva(L_VA(5) - 16), in, 32, &f), 0);
	assert_int_equal(f.reason, GUESTMEM_FAULT_NONE);
	assert_memory_equal(ram_a + D1 + PAGE_SIZE - 16, in, 16);
	assert_memory_equal(ram_a + D2, in + 16, 16);
	memset(out, 0, sizeof(out));
	assert_int_equal(guestmem__copy_from_gva(&gm, &pg_long, gva(L_VA(5) - 16), out, 32, &f), 0);
	assert_memory_equal(out, in, 32);
	/* A copy longer than two pages. */
	static uint8_t big[3 * 4096];
	assert_int_equal(guestmem__copy_from_gva(&gm, &pg_long, gva(L_VA(7)), big, sizeof(big), &f),
			 0);
}

static void test_copy_to_all_or_nothing(void **state)
{
	(void)state;
	uint8_t in[32];
	struct guestmem_fault f;

	memset(in, 0xee, sizeof(in));
	/* Second page not present. */
	assert_int_equal(guestmem__copy_to_gva(&gm, &pg_long, gva(L_VA(6) - 16), in, 32, &f),
			 -XEN_EFAULT);
	assert_int_equal(f.reason, GUESTMEM_FAULT_NOT_PRESENT);
	assert_int_equal(gva_val(f.gva), L_VA(6));
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(ram_a[D2 + PAGE_SIZE - 16 + i], 0);
	/* Second page read-only (WP = 1); the first (PT[6], made present here) is writable. */
	set64(L_PT + 6 * 8, 0x33000 | P | RW | US);
	assert_int_equal(guestmem__copy_to_gva(&gm, &pg_long, gva(L_VA(7) - 16), in, 32, &f),
			 -XEN_EFAULT);
	assert_int_equal(f.reason, GUESTMEM_FAULT_WRITE);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(ram_a[0x33000 + PAGE_SIZE - 16 + i], 0);
	/* Second page translates to a GPA the map does not hold. */
	assert_int_equal(guestmem__copy_to_gva(&gm, &pg_long, gva(L_VA(10) - 16), in, 32, &f),
			 -XEN_EFAULT);
	assert_int_equal(f.reason, GUESTMEM_FAULT_UNMAPPED);
	assert_int_equal(f.level, 0);
	assert_int_equal(gpa_val(f.entry), UNMAPPED);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(ram_a[D_NX + PAGE_SIZE - 16 + i], 0);
	/* Wrapping past the top of the 64-bit space. */
	assert_int_equal(guestmem__copy_to_gva(&gm, &pg_long, gva(UINT64_MAX - 7), in, 16, &f),
			 -XEN_EFAULT);
	assert_int_equal(f.reason, GUESTMEM_FAULT_RANGE);
	/* Nothing to copy: nothing checked. */
	assert_int_equal(guestmem__copy_to_gva(&gm, &pg_long, gva(L_VA(6)), in, 0, &f), 0);
}

/* ---- the translate hook (the VMM's --legacy-translate) ---- */

static unsigned hook_calls;
static uint64_t hook_last_va;
static unsigned hook_last_access;

/* Maps L_VA(0..15) to HOOK_BASE + i pages; page 6 does not translate; page 7 is read-only. */
#define HOOK_BASE 0x40000ULL
static int hook(uint64_t va, unsigned access, uint64_t *gpa)
{
	uint64_t i = (va - L_VA(0)) / PAGE_SIZE;

	hook_calls++;
	hook_last_va = va, hook_last_access = access;
	if (va < L_VA(0) || i >= 16 || i == 6 || (i == 7 && (access & GUESTMEM_ACCESS_WRITE)))
		return -1;
	*gpa = HOOK_BASE + i * PAGE_SIZE + (va & (PAGE_SIZE - 1));
	return 0;
}

static void test_translate_hook(void **state)
{
	(void)state;
	uint8_t in[32], out[32];
	struct guestmem_fault f;

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0x40 + i);
	gm.translate_hook = hook;
	/* Once per page touched, in and out, in place of the walk (the tables say otherwise). */
	hook_calls = 0;
	assert_int_equal(guestmem__copy_to_gva(&gm, &pg_long, gva(L_VA(2) - 16), in, 32, &f), 0);
	assert_int_equal(hook_calls, 4); /* two pages, checked then written */
	assert_int_equal(hook_last_access, GUESTMEM_ACCESS_WRITE);
	assert_memory_equal(ram_a + HOOK_BASE + 2 * PAGE_SIZE - 16, in, 32);
	hook_calls = 0;
	assert_int_equal(guestmem__copy_from_gva(&gm, &pg_long, gva(L_VA(2) - 16), out, 32, &f), 0);
	assert_int_equal(hook_calls, 2);
	assert_int_equal(hook_last_access, 0);
	assert_memory_equal(out, in, 32);
	/* A page that does not translate: EFAULT, nothing written. */
	assert_int_equal(guestmem__copy_to_gva(&gm, &pg_long, gva(L_VA(6) - 16), in, 32, &f),
			 -XEN_EFAULT);
	assert_int_equal(f.reason, GUESTMEM_FAULT_NOT_PRESENT);
	assert_int_equal(hook_last_va, L_VA(6));
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(ram_a[HOOK_BASE + 6 * PAGE_SIZE - 16 + i], 0);
	/* Not writable: refused for a write, fine for a read. */
	assert_int_equal(guestmem__copy_to_gva(&gm, &pg_long, gva(L_VA(7)), in, 8, &f), -XEN_EFAULT);
	assert_int_equal(guestmem__copy_from_gva(&gm, &pg_long, gva(L_VA(7)), out, 8, &f), 0);
	/* Off again: the walk answers (L_VA(6) is not present in the tables). */
	gm.translate_hook = NULL;
	hook_calls = 0;
	assert_int_equal(guestmem__copy_from_gva(&gm, &pg_long, gva(L_VA(6)), out, 8, &f),
			 -XEN_EFAULT);
	assert_int_equal(hook_calls, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_rejects),
		T(test_lookup),
		T(test_gpa_edges_and_adjacent_regions),
		T(test_gpa_unmapped_all_or_nothing),
		T(test_gpa_wrap_and_zero_length),
		T(test_confidential_refuses_and_counts),
		T(test_share_ranges),
		T(test_confidential_walk),
		T(test_long_translate_sizes),
		T(test_long_not_present_each_level),
		T(test_long_write_protect),
		T(test_long_user_supervisor),
		T(test_long_nx),
		T(test_long_reserved_bits),
		T(test_long_canonical),
		T(test_32bit),
		T(test_pae),
		T(test_paging_off),
		T(test_copy_crosses_pages),
		T(test_copy_to_all_or_nothing),
		T(test_translate_hook),
	};
	return cmocka_run_group_tests_name("hv-guestmem", tests, NULL, NULL);
}
