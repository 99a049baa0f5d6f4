/*
 * Ballooning as a Xen balloon driver does it, through the legacy ABI (FastABI
 * has no reservation ops): 16 MiB of RAM, written first so that the host
 * really holds it, goes back with XENMEM_decrease_reservation, half in 4 KiB
 * extents and half in 2 MiB ones (order 9). Each call answers the extents
 * done; giving the same frame twice answers 1, then 0. The frames leave the
 * physmap (a read of one returns all-ones, as an empty gfn does on Xen),
 * current_reservation drops by 4096 pages, the memory map stays as it was.
 * populate_physmap brings all of them back, zeroed.
 *
 * The host side (the memory really given back) is checked by the
 * integration test: the VMM reports how much the memfd's allocated blocks
 * dropped, which must be at least the 16 MiB released here.
 */
#include "guest.h"

const char test_title[] = "balloon";

#define MIB (1ull << 20)
#define SMALL_PAGES 2048 /* 8 MiB in 4 KiB extents */
#define LARGE_EXTENTS 4  /* 8 MiB in 2 MiB extents */
#define TOTAL_PAGES (SMALL_PAGES + LARGE_EXTENTS * 512)

static xen_pfn_t list[SMALL_PAGES];

static long reservation(unsigned cmd, xen_pfn_t *extents, unsigned long nr, unsigned order)
{
	struct xen_memory_reservation r = {
		.nr_extents = nr, .extent_order = order, .domid = DOMID_SELF,
	};
	set_xen_guest_handle(r.extent_start, extents);
	return hypercall_memory_op(cmd, &r);
}

static long current_pages(void)
{
	domid_t self = DOMID_SELF;
	return hypercall_memory_op(XENMEM_current_reservation, &self);
}

static volatile uint64_t *page_at(uint64_t gfn)
{
	return (volatile uint64_t *)(uintptr_t)(gfn << 12);
}

void test_main(void)
{
	uint64_t end = memmap_ram_end();
	unsigned nr_map0;
	memmap_entries(&nr_map0);
	if (end < 64 * MIB) {
		xtf_skip("needs 64 MiB of RAM (run with --memory 64 or more)");
		return;
	}
	/* 16 MiB ending 8 MiB below the end of RAM, 2 MiB aligned: far from this program. */
	uint64_t base = ((end - 24 * MIB) & ~(2 * MIB - 1)) >> 12;
	uint64_t small = base, large = base + SMALL_PAGES; /* large: 2 MiB aligned too */

	/* Make every page resident in the host: a release must then be visible there. */
	for (uint64_t f = base; f < base + TOTAL_PAGES; f++)
		*page_at(f) = 0x5a5a5a5a00000000ull | f;
	long before = current_pages();
	printf("balloon: 16 MiB at %#llx, written; current_reservation %ld pages\n",
	       (unsigned long long)(base << 12), before);

	/* Out: 2048 frames of 4 KiB in one call. */
	for (unsigned i = 0; i < SMALL_PAGES; i++)
		list[i] = small + i;
	long rc = reservation(XENMEM_decrease_reservation, list, SMALL_PAGES, 0);
	printf("decrease 2048 x 4 KiB: %ld\n", rc);
	CHECK_EQ(rc, SMALL_PAGES);
	rc = reservation(XENMEM_decrease_reservation, list, 1, 0);
	printf("decrease the first frame again: %ld\n", rc);
	CHECK_EQ(rc, 0);

	/* Out: four 2 MiB extents, the first given alone (1) and again (0). */
	xen_pfn_t big[LARGE_EXTENTS];
	for (unsigned i = 0; i < LARGE_EXTENTS; i++)
		big[i] = large + i * 512ull;
	rc = reservation(XENMEM_decrease_reservation, big, 1, 9);
	long again = reservation(XENMEM_decrease_reservation, big, 1, 9);
	long rest = reservation(XENMEM_decrease_reservation, big + 1, LARGE_EXTENTS - 1, 9);
	printf("decrease one 2 MiB extent: %ld, again: %ld, the other three: %ld\n", rc, again, rest);
	CHECK_EQ(rc, 1);
	CHECK_EQ(again, 0);
	CHECK_EQ(rest, LARGE_EXTENTS - 1);

	long after = current_pages();
	printf("current_reservation %ld pages (-%ld)\n", after, before - after);
	CHECK_EQ(before - after, TOTAL_PAGES);

	/* Gone from the physmap: reads are all-ones, writes vanish. */
	uint64_t r0 = *page_at(small + 5), r1 = *page_at(large + 700);
	*page_at(small + 5) = 0;
	uint64_t r2 = *page_at(small + 5);
	printf("ballooned frames read %#llx, %#llx; after a write %#llx\n", (unsigned long long)r0,
	       (unsigned long long)r1, (unsigned long long)r2);
	CHECK_EQ(r0, ~0ull);
	CHECK_EQ(r1, ~0ull);
	CHECK_EQ(r2, ~0ull);
	/* The memory map is the one the domain was built with (Xen keeps the e820). */
	unsigned nr_map1;
	const struct hvm_memmap_table_entry *m = memmap_entries(&nr_map1);
	struct xen_memory_map mm = { .nr_entries = 16 };
	struct e820entry e820[16];
	set_xen_guest_handle(mm.buffer, (void *)e820);
	rc = hypercall_memory_op(XENMEM_memory_map, &mm);
	CHECK_EQ(rc, 0);
	CHECK_EQ(mm.nr_entries, nr_map0);
	for (unsigned i = 0; i < mm.nr_entries && i < nr_map1; i++)
		CHECK(e820[i].addr == m[i].addr && e820[i].size == m[i].size);
	printf("memory map: %u entries, unchanged\n", mm.nr_entries);

	/* In again: the 4 KiB frames, then the 2 MiB extents. */
	rc = reservation(XENMEM_populate_physmap, list, SMALL_PAGES, 0);
	long rc2 = reservation(XENMEM_populate_physmap, big, LARGE_EXTENTS, 9);
	printf("populate 2048 x 4 KiB: %ld, 4 x 2 MiB: %ld; current_reservation %ld\n", rc, rc2,
	       current_pages());
	CHECK_EQ(rc, SMALL_PAGES);
	CHECK_EQ(rc2, LARGE_EXTENTS);
	CHECK_EQ(current_pages(), before);

	/* Fresh pages: zero where they held data (three words of each, ring 0 is slow). */
	unsigned dirty = 0;
	for (uint64_t f = base; f < base + TOTAL_PAGES; f++) {
		volatile uint64_t *p = page_at(f);
		if (p[0] | p[256] | p[511])
			dirty++;
	}
	printf("populated frames not zero: %u of %u\n", dirty, TOTAL_PAGES);
	CHECK_EQ(dirty, 0);
	/* And usable again. */
	*page_at(small + 5) = 42;
	CHECK_EQ(*page_at(small + 5), 42);
	if (xtf_result() < 0)
		xtf_success(NULL);
}
