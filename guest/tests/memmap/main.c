/*
 * The fixed memory layout, seen from the PVH start info alone: the special
 * regions are in the memory map before the guest runs, so no physmap
 * hypercall is needed. Checks the placement rules of docs/fastabi.md:
 * the area starts at the first 1 GiB boundary at or above the end of RAM
 * and 4 GiB; shared_info (one page) first, the grant frames right after,
 * then the status frames (if any) and the foreign-mapping window. Also reads
 * both pages (the VMM must have mapped them) and compares XENMEM_memory_map,
 * legacy and FastABI, with the start info's map.
 */
#include "guest.h"

const char test_title[] = "memmap";

#define GiB (1ull << 30)
#define MiB (1ull << 20)

static struct e820entry mm_buf[32] __page_noinit;

static bool overlaps(const struct hvm_memmap_table_entry *a, const struct hvm_memmap_table_entry *b)
{
	return a->addr < b->addr + b->size && b->addr < a->addr + a->size;
}

static void compare_with_start_info(const char *how, const struct e820entry *m, unsigned n)
{
	unsigned nr;
	const struct hvm_memmap_table_entry *e = memmap_entries(&nr);

	if (n != nr) {
		xtf_failure("%s: %u entries, start info has %u", how, n, nr);
		return;
	}
	for (unsigned i = 0; i < nr; i++)
		if (m[i].addr != e[i].addr || m[i].size != e[i].size || m[i].type != e[i].type)
			xtf_failure("%s: entry %u is [%#llx +%#llx type %#x], start info has "
				    "[%#llx +%#llx type %#x]", how, i,
				    (unsigned long long)m[i].addr, (unsigned long long)m[i].size,
				    m[i].type, (unsigned long long)e[i].addr,
				    (unsigned long long)e[i].size, e[i].type);
	printf("%s: %u entries, same as the start info\n", how, n);
}

static void memory_map_hypercalls(void)
{
	if (xen_info.hypercall_page_ready) {
		struct xen_memory_map map = { .nr_entries = ARRAY_SIZE(mm_buf) };
		set_xen_guest_handle(map.buffer, mm_buf);
		long rc = hypercall_memory_op(XENMEM_memory_map, &map);
		if (rc)
			xtf_failure("legacy XENMEM_memory_map: %ld", rc);
		else
			compare_with_start_info("legacy XENMEM_memory_map", mm_buf, map.nr_entries);
	}
	if (fastabi_usable()) {
		memset(mm_buf, 0, sizeof(mm_buf));
		struct xen_memory_map map = { .nr_entries = ARRAY_SIZE(mm_buf) };
		int64_t rc = xen_hypercall_memory_memory_map((uintptr_t)mm_buf, &map);
		if (rc < 0)
			xtf_failure("FastABI memory_map: %lld", (long long)rc);
		else {
			/* The count comes back in nr_entries (rsi); rax is 0 or the count. */
			if (rc != 0 && (uint64_t)rc != map.nr_entries)
				xtf_failure("FastABI memory_map returned %lld but nr_entries %u",
					    (long long)rc, map.nr_entries);
			compare_with_start_info("FastABI memory_map", mm_buf, map.nr_entries);
		}
	}
}

void test_main(void)
{
	unsigned nr;
	const struct hvm_memmap_table_entry *e = memmap_entries(&nr);

	if (!start_info) {
		xtf_failure("no valid hvm_start_info");
		return;
	}
	printf("start info v%u at %p: %u memmap entries at %#llx\n", start_info->version,
	       (const void *)start_info, nr, (unsigned long long)start_info->memmap_paddr);
	if (!nr) {
		xtf_failure("the start info has no memory map");
		return;
	}
	memmap_print();

	/* RAM: where we are loaded is RAM. */
	uint64_t ram_end = memmap_ram_end();
	bool loaded_in_ram = false;
	for (unsigned i = 0; i < nr; i++)
		if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM && e[i].addr <= 0x100000 &&
		    e[i].addr + e[i].size >= 0x100000 + 0x10000)
			loaded_in_ram = true;
	CHECK(loaded_in_ram);
	for (unsigned i = 0; i < nr; i++)
		for (unsigned j = i + 1; j < nr; j++)
			if (overlaps(&e[i], &e[j]))
				xtf_failure("memmap entries %u and %u overlap", i, j);

	const struct hvm_memmap_table_entry *si = memmap_find(XEN_HVM_MEMMAP_TYPE_SHARED_INFO);
	const struct hvm_memmap_table_entry *gt = memmap_find(XEN_HVM_MEMMAP_TYPE_GRANT_TABLE);
	const struct hvm_memmap_table_entry *st = memmap_find(XEN_HVM_MEMMAP_TYPE_GNTTAB_STATUS);
	const struct hvm_memmap_table_entry *fr = memmap_find(XEN_HVM_MEMMAP_TYPE_FOREIGN_REG);

	memory_map_hypercalls();

	if (!si && !gt) {
		xtf_skip("no fixed memory layout (no SHARED_INFO entry): run with --fixed-mem-layout");
		return;
	}
	if (!si || !gt) {
		xtf_failure("fixed layout incomplete: SHARED_INFO %s, GRANT_TABLE %s",
			    si ? "present" : "missing", gt ? "present" : "missing");
		return;
	}

	uint64_t area = (ram_end + GiB - 1) & ~(GiB - 1);
	if (area < 4 * GiB)
		area = 4 * GiB;
	printf("RAM ends at %#llx: the special area belongs at %#llx\n",
	       (unsigned long long)ram_end, (unsigned long long)area);

	CHECK_EQ(si->addr, area);
	CHECK_EQ(si->size, PAGE_SIZE);
	CHECK_EQ(gt->addr, si->addr + si->size);
	CHECK(gt->size && !(gt->size & (PAGE_SIZE - 1)));
	printf("grant table: %llu frames\n", (unsigned long long)(gt->size / PAGE_SIZE));
	uint64_t next = gt->addr + gt->size;
	if (st) {
		CHECK_EQ(st->addr, next);
		CHECK(st->size && !(st->size & (PAGE_SIZE - 1)));
		next = st->addr + st->size;
	}
	if (fr) {
		CHECK(fr->addr >= next);
		CHECK(!(fr->addr & (2 * MiB - 1)));
		CHECK_EQ(fr->size, 512 * MiB);
	} else {
		xtf_failure("no FOREIGN_REG entry");
	}
	for (unsigned i = 0; i < nr; i++)
		if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM && e[i].addr + e[i].size > si->addr)
			xtf_failure("RAM entry %u reaches into the special area", i);

	/* The pages are really there: read them (an unmapped GPA would end the domain). */
	if (si->addr + si->size + gt->size <= (uint64_t)BOOT_MAP_GIB * GiB) {
		const volatile struct shared_info *s = (const void *)(uintptr_t)si->addr;
		const volatile uint32_t *g = (const void *)(uintptr_t)gt->addr;
		printf("shared_info: vcpu 0 upcall mask %u, wc_version %u; grant entry 0 flags %#x\n",
		       s->vcpu_info[0].evtchn_upcall_mask, s->wc_version, g[0] & 0xffff);
	} else {
		printf("special area above the guest's %u GiB map: not read\n", BOOT_MAP_GIB);
	}

	if (xtf_result() < 0)
		xtf_success(NULL);
}
