/* memory_op: the memory map, reservations, physmap moves, share/unshare. */
#include "harness.h"

#include <xen/errno.h>

#include "grant_table.h"
#include "memory.h"

#define MEM __HYPERVISOR_memory_op

struct compat_memory_map {
	uint32_t nr_entries;
	uint32_t buffer;
};

/* XENMEM_memory_map through one ABI into a fresh buffer; *nr in and out. */
static int64_t memory_map(struct harness *h, struct hv_vcpu *v, enum abi abi, uint64_t buf_va,
			  uint32_t *nr)
{
	struct harness_result res;
	int64_t ret;

	if (abi == ABI_FAST) {
		ret = hfast_res(&res, v, MEM, XENMEM_memory_map, *nr, buf_va);
		*nr = (uint32_t)harness__reg(&res.regs, 2);
		assert_int_equal(harness__reg(&res.regs, 3), buf_va);
		return ret;
	}
	uint64_t va;
	if (abi == ABI_LEG64) {
		struct xen_memory_map *m = harness__alloc(h, v->d, sizeof(*m), &va);
		m->nr_entries = *nr;
		m->buffer.p = (void *)(uintptr_t)buf_va;
		ret = hleg64(v, MEM, XENMEM_memory_map, va);
		*nr = m->nr_entries;
		assert_ptr_equal(m->buffer.p, (void *)(uintptr_t)buf_va);
	} else {
		struct compat_memory_map *m = harness__alloc(h, v->d, sizeof(*m), &va);
		m->nr_entries = *nr;
		m->buffer = (uint32_t)buf_va;
		ret = hleg32(v, MEM, XENMEM_memory_map, va);
		*nr = m->nr_entries;
	}
	return ret;
}

static void test_memory_map(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "m", DOMAIN_FASTABI | DOMAIN_FIXED_LAYOUT, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	struct e820entry *got[NR_ABIS];

	assert_true(d->nr_memmap >= 4);
	HARNESS_ABIS(abi) {
		uint64_t va;
		got[abi] = harness__alloc(h, d, 32 * sizeof(struct e820entry), &va);
		memset(got[abi], 0xee, 32 * sizeof(struct e820entry));
		uint32_t nr = 32;
		assert_int_equal(memory_map(h, v, abi, va, &nr), 0);
		assert_int_equal(nr, d->nr_memmap);
		for (unsigned i = 0; i < nr; i++) {
			assert_int_equal(got[abi][i].addr, d->memmap[i].addr);
			assert_int_equal(got[abi][i].size, d->memmap[i].size);
			assert_int_equal(got[abi][i].type, d->memmap[i].type);
		}
		/* Not one record more. */
		assert_int_equal(((uint8_t *)&got[abi][nr])[0], 0xee);

		/* A short buffer gets the first records. */
		memset(got[abi], 0xee, 32 * sizeof(struct e820entry));
		nr = 2;
		assert_int_equal(memory_map(h, v, abi, va, &nr), 0);
		assert_int_equal(nr, 2);
		assert_int_equal(got[abi][1].type, d->memmap[1].type);
		assert_int_equal(((uint8_t *)&got[abi][2])[0], 0xee);
		nr = 0;
		assert_int_equal(memory_map(h, v, abi, va, &nr), 0);
		assert_int_equal(nr, 0);

		/* Bad buffers: nothing written, count left alone. */
		nr = 32;
		/* GVA 0 is unmapped under paging; elsewhere (GPA, paging off) it is RAM. */
		assert_int_equal(memory_map(h, v, abi, abi == ABI_LEG64 ? 0 : 0x80000000u, &nr), -XEN_EFAULT);
		assert_int_equal(nr, 32);
		assert_int_equal(memory_map(h, v, abi, (8u << 20) - 20, &nr), -XEN_EFAULT);
		assert_int_equal(nr, 32);
	}
	/* A page crossing, second page unmapped for legacy (FastABI: GPA, unaffected). */
	uint64_t va;
	uint8_t *buf = harness__alloc_cross(h, d, 4 * 20, 30, &va);
	uint64_t *pte = harness__pte(h, d, va + 30);
	uint64_t saved = *pte;
	*pte = 0;
	memset(buf, 0xee, 80);
	uint32_t nr = 4;
	assert_int_equal(memory_map(h, v, ABI_LEG64, va, &nr), -XEN_EFAULT);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(memory_map(h, v, ABI_FAST, va, &nr), 0);
	assert_int_equal(nr, 4);
	*pte = saved;
	/* The legacy struct itself unreadable. */
	assert_int_equal(hleg64(v, MEM, XENMEM_memory_map, 0), -XEN_EFAULT);
	/* With Xen's continuation bits in cmd, still memory_map. */
	assert_int_equal(hleg64(v, MEM, XENMEM_memory_map | (1u << 6), 0), -XEN_EFAULT);
	harness__free(h);
}

static void test_memory_map_confidential(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "c", DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL |
					   DOMAIN_FIXED_LAYOUT, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;
	struct e820entry *e = harness__alloc_page(h, d, &va);

	uint32_t nr = 16;
	assert_int_equal(memory_map(h, v, ABI_FAST, va, &nr), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 1);
	assert_int_equal(memory_map(h, v, ABI_LEG64, va, &nr), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 2);

	/* The guest shares the one page: FastABI works, legacy still cannot walk. */
	assert_int_equal(hfast(v, MEM, XENMEM_fastabi_share, va >> PAGE_SHIFT, 1, 0), 0);
	assert_int_equal(memory_map(h, v, ABI_FAST, va, &nr), 0);
	assert_int_equal(nr, d->nr_memmap);
	assert_int_equal(e[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
	assert_int_equal(guestmem__refused(&d->mem), 2);
	nr = 16;
	assert_int_equal(memory_map(h, v, ABI_LEG64, va, &nr), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 3);
	harness__free(h);
}

static int64_t reservation(struct harness *h, struct hv_vcpu *v, bool mode64, unsigned cmd,
			   domid_t domid)
{
	uint64_t va;
	domid_t *p = harness__alloc(h, v->d, sizeof(*p), &va);
	*p = domid;
	return harness__legacy(v, mode64, MEM, (const uint64_t[5]){ cmd, va }, NULL);
}

static void test_reservations(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *a = harness__domain(h, "a", 0, 1, 8);
	struct domain *b = harness__domain(h, "b", DOMAIN_PRIVILEGED, 1, 4);
	struct hv_vcpu *v = &a->vcpus[0];

	for (int m = 0; m < 2; m++) {
		assert_int_equal(reservation(h, v, m, XENMEM_current_reservation, DOMID_SELF), 2048);
		assert_int_equal(reservation(h, v, m, XENMEM_maximum_reservation, 0), 2048);
		assert_int_equal(reservation(h, v, m, XENMEM_maximum_gpfn, DOMID_SELF), 2047);
		assert_int_equal(reservation(h, v, m, XENMEM_current_reservation, 1), -XEN_EPERM);
		assert_int_equal(reservation(h, v, m, XENMEM_maximum_gpfn, 7), -XEN_ESRCH);
		/* The privileged domain may ask about others. */
		assert_int_equal(reservation(h, &b->vcpus[0], m, XENMEM_maximum_reservation, 0), 2048);
	}
	assert_int_equal(hleg64(v, MEM, XENMEM_current_reservation, 0), -XEN_EFAULT);
	/* Not in FastABI (reservation changes: test_reservation.c). */
	assert_int_equal(hfast(v, MEM, XENMEM_current_reservation), -XEN_ENOSYS);
	assert_int_equal(hfast(v, MEM, XENMEM_increase_reservation), -XEN_ENOSYS);
	assert_int_equal(hfast(v, MEM, XENMEM_populate_physmap), -XEN_ENOSYS);
	/*
	 * FastABI's sub-ops above 63 do not exist for legacy: cmd is 6 bits, so
	 * 64 is increase_reservation (0) continuing from extent 1, which
	 * answers the extents done so far when its struct cannot be read.
	 */
	assert_int_equal(hleg64(v, MEM, XENMEM_fastabi_share, 0), 1);
	assert_int_equal(hleg64(v, MEM, XENMEM_fastabi_share + 9, 0), -XEN_EFAULT); /* memory_map */
	harness__free(h);
}

struct compat_add_to_physmap {
	domid_t domid;
	uint16_t size;
	uint32_t space;
	uint32_t idx;
	uint32_t gpfn;
};

static int64_t add_to_physmap(struct harness *h, struct hv_vcpu *v, enum abi abi, domid_t domid,
			      unsigned space, uint64_t idx, uint64_t gpfn)
{
	if (abi == ABI_FAST)
		return hfast(v, MEM, XENMEM_add_to_physmap, domid, space, idx, gpfn);
	uint64_t va;
	if (abi == ABI_LEG64) {
		struct xen_add_to_physmap *a = harness__alloc(h, v->d, sizeof(*a), &va);
		*a = (struct xen_add_to_physmap){ .domid = domid, .space = space, .idx = idx,
						  .gpfn = gpfn };
		return hleg64(v, MEM, XENMEM_add_to_physmap, va);
	}
	struct compat_add_to_physmap *a = harness__alloc(h, v->d, sizeof(*a), &va);
	*a = (struct compat_add_to_physmap){ .domid = domid, .space = space, .idx = (uint32_t)idx,
					     .gpfn = (uint32_t)gpfn };
	return hleg32(v, MEM, XENMEM_add_to_physmap, va);
}

static int64_t remove_from_physmap(struct harness *h, struct hv_vcpu *v, enum abi abi, domid_t domid,
				   uint64_t gpfn)
{
	if (abi == ABI_FAST)
		return hfast(v, MEM, XENMEM_remove_from_physmap, domid, gpfn);
	uint64_t va;
	if (abi == ABI_LEG64) {
		struct xen_remove_from_physmap *r = harness__alloc(h, v->d, sizeof(*r), &va);
		*r = (struct xen_remove_from_physmap){ .domid = domid, .gpfn = gpfn };
		return hleg64(v, MEM, XENMEM_remove_from_physmap, va);
	}
	struct { domid_t domid; uint32_t gpfn; } *r = harness__alloc(h, v->d, 8, &va);
	r->domid = domid;
	r->gpfn = (uint32_t)gpfn;
	return hleg32(v, MEM, XENMEM_remove_from_physmap, va);
}

static const struct guestmem_region *region_at(struct domain *d, uint64_t gfn_)
{
	return guestmem__lookup(&d->mem, gfn_to_gpa(gfn(gfn_)));
}

static void test_shared_info_moves(void **state)
{
	(void)state;
	HARNESS_ABIS(abi) {
		struct harness *h = harness__new();
		struct domain *d = harness__domain(h, "p", DOMAIN_FASTABI, 1, 8);
		struct hv_vcpu *v = &d->vcpus[0];
		const uint64_t hole = 0xf0000, hole2 = 0xf0010, ram = 0x700;

		d->shared_info->wc_sec = 0x1234;
		assert_false(d->shared_info_mapped);
		/* Into a hole. */
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_shared_info, 0, hole), 0);
		assert_true(d->shared_info_mapped);
		assert_int_equal(gfn_val(d->shared_info_gfn), hole);
		assert_int_equal(region_at(d, hole)->kind, GUESTMEM_SHARED_INFO);
		uint32_t sec = 0;
		assert_int_equal(guestmem__read(&d->mem, gpa((hole << PAGE_SHIFT) +
			offsetof(struct shared_info, wc_sec)), &sec, 4), 0);
		assert_int_equal(sec, 0x1234);
		assert_int_equal(h->nr_maps, 1);
		assert_false(h->maps[0].had_old);
		assert_int_equal(gfn_val(h->maps[0].gfn), hole);
		assert_ptr_equal(h->maps[0].host, d->shared_info);

		/* Moved: the old place is a hole again. */
		assert_int_equal(add_to_physmap(h, v, abi, d->id, XENMAPSPACE_shared_info, 0, hole2), 0);
		assert_null(region_at(d, hole));
		assert_int_equal(region_at(d, hole2)->kind, GUESTMEM_SHARED_INFO);
		assert_true(h->maps[1].had_old);
		assert_int_equal(gfn_val(h->maps[1].old_gfn), hole);
		/* Again at the same place: nothing to do. */
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_shared_info, 0, hole2), 0);
		assert_int_equal(h->nr_maps, 2);

		/* Over RAM, as Linux does: that RAM page is gone. */
		assert_int_equal(hleg64(v, MEM, XENMEM_current_reservation, 0), -XEN_EFAULT);
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_shared_info, 0, ram), 0);
		assert_int_equal(region_at(d, ram)->kind, GUESTMEM_SHARED_INFO);
		assert_int_equal(region_at(d, ram - 1)->kind, GUESTMEM_RAM);
		assert_int_equal(region_at(d, ram + 1)->kind, GUESTMEM_RAM);
		assert_null(region_at(d, hole2));
		uint64_t dva;
		domid_t *dp = harness__alloc(h, d, 2, &dva);
		*dp = DOMID_SELF;
		assert_int_equal(hleg64(v, MEM, XENMEM_current_reservation, dva), 2047);
		/* Legacy pointers still work around the hole (page tables are below). */
		assert_int_equal(hleg64(v, MEM, XENMEM_maximum_gpfn, dva), 2047);

		/* Removed: a hole; removing again finds nothing. */
		assert_int_equal(remove_from_physmap(h, v, abi, DOMID_SELF, ram), 0);
		assert_false(d->shared_info_mapped);
		assert_null(region_at(d, ram));
		assert_int_equal(gfn_val(h->maps[h->nr_maps - 1].gfn), HV_GFN_NONE);
		assert_int_equal(remove_from_physmap(h, v, abi, DOMID_SELF, ram), -XEN_ENOENT);
		/*
		 * RAM goes too (as Xen: out of the physmap, still charged to the
		 * domain), its host memory released; huge frames are refused.
		 */
		uint64_t pages = d->tot_pages;
		uint64_t released = h->released_pages[d->id];
		assert_int_equal(remove_from_physmap(h, v, abi, DOMID_SELF, 0x10), 0);
		assert_null(region_at(d, 0x10));
		assert_int_equal(d->tot_pages, pages);
		assert_int_equal(h->released_pages[d->id], released + 1);
		assert_int_equal(remove_from_physmap(h, v, abi, DOMID_SELF, 0x10), -XEN_ENOENT);
		harness__free(h);
	}
}

static void test_physmap_refused(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "p", DOMAIN_FASTABI, 1, 8);
	struct domain *o = harness__domain(h, "o", DOMAIN_FASTABI, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];

	HARNESS_ABIS(abi) {
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_shared_info, 1, 0xf0000),
				 -XEN_EINVAL);
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_gmfn, 0, 0xf0000),
				 -XEN_EINVAL);
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, 77, 0, 0xf0000), -XEN_EINVAL);
		assert_int_equal(add_to_physmap(h, v, abi, o->id, XENMAPSPACE_shared_info, 0, 0xf0000),
				 -XEN_EPERM);
		assert_int_equal(add_to_physmap(h, v, abi, 9, XENMAPSPACE_shared_info, 0, 0xf0000),
				 -XEN_ESRCH);
		assert_int_equal(remove_from_physmap(h, v, abi, o->id, 0x10), -XEN_EPERM);
		assert_int_equal(remove_from_physmap(h, v, abi, 9, 0x10), -XEN_ESRCH);
		/* Grant frames: beyond the maximum, status frames under v1. */
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_grant_table,
						gnttab__max_frames(d), 0xf0000), -XEN_EINVAL);
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_grant_table,
						XENMAPIDX_grant_table_status, 0xf0000), -XEN_EINVAL);
	}
	/* Frames beyond what a GPA can address (FastABI and legacy64 carry 64 bits). */
	assert_int_equal(add_to_physmap(h, v, ABI_FAST, DOMID_SELF, XENMAPSPACE_shared_info, 0, 1ull << 40),
			 -XEN_EINVAL);
	assert_int_equal(add_to_physmap(h, v, ABI_LEG64, DOMID_SELF, XENMAPSPACE_shared_info, 0, ~0ull),
			 -XEN_EINVAL);
	assert_int_equal(remove_from_physmap(h, v, ABI_FAST, DOMID_SELF, 1ull << 40), -XEN_EINVAL);
	assert_int_equal(add_to_physmap(h, v, ABI_LEG64, DOMID_SELF, XENMAPSPACE_grant_table,
					1ull << 32, 0xf0000), -XEN_EINVAL);
	assert_int_equal(h->nr_maps, 0);
	assert_false(d->shared_info_mapped);

	/* The VMM fails the mapping: nothing changes. */
	assert_int_equal(add_to_physmap(h, v, ABI_FAST, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0xf0000), 0);
	h->map_special_ret = -XEN_ENOMEM;
	assert_int_equal(add_to_physmap(h, v, ABI_LEG64, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x700),
			 -XEN_ENOMEM);
	assert_int_equal(gfn_val(d->shared_info_gfn), 0xf0000);
	assert_int_equal(region_at(d, 0xf0000)->kind, GUESTMEM_SHARED_INFO);
	assert_null(region_at(d, 0x700)); /* the RAM page there is lost, as on Xen */
	assert_int_equal(remove_from_physmap(h, v, ABI_FAST, DOMID_SELF, 0xf0000), -XEN_ENOMEM);
	assert_int_equal(region_at(d, 0xf0000)->kind, GUESTMEM_SHARED_INFO);
	assert_true(d->shared_info_mapped);
	harness__free(h);
}

/*
 * A guest whose physical address width is 36 bits (CPUID 0x80000008, the
 * domain's paddr_bits): add_to_physmap to a gpfn at or beyond 2^36 is
 * refused as Xen's p2m refuses the entry (-EINVAL), through every ABI,
 * for shared_info and grant frames alike; the last frame below is fine.
 */
static void test_physmap_paddr_width(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	const struct domain_config cfg = { .name = "w", .nr_vcpus = 1, .flags = DOMAIN_FASTABI,
					   .paddr_bits = 36 };
	struct domain *d = harness__domain_cfg(h, &cfg, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	const uint64_t limit = 1ull << (36 - PAGE_SHIFT);

	HARNESS_ABIS(abi) {
		if (abi == ABI_LEG32)
			continue; /* 32-bit gpfns cannot reach 2^36 */
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_shared_info, 0,
						limit), -XEN_EINVAL);
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_grant_table, 0,
						limit + 5), -XEN_EINVAL);
	}
	assert_int_equal(h->nr_maps, 0);
	assert_false(d->shared_info_mapped);
	assert_int_equal(add_to_physmap(h, v, ABI_FAST, DOMID_SELF, XENMAPSPACE_shared_info, 0,
					limit - 1), 0);
	assert_int_equal(gfn_val(d->shared_info_gfn), limit - 1);
	harness__free(h);
}

static void test_grant_frames(void **state)
{
	(void)state;
	HARNESS_ABIS(abi) {
		struct harness *h = harness__new();
		struct domain *d = harness__domain(h, "g", DOMAIN_FASTABI, 1, 8);
		struct hv_vcpu *v = &d->vcpus[0];
		const uint64_t base = 0xf0000;

		assert_int_equal(d->gnttab->nr_frames, 1);
		/* Linux places the frames one by one at consecutive frames. */
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_grant_table, i,
							base + i), 0);
		assert_int_equal(d->gnttab->nr_frames, 4);
		const struct guestmem_region *r = region_at(d, base);
		assert_int_equal(r->kind, GUESTMEM_GRANT_TABLE);
		assert_int_equal(r->size, 4 * PAGE_SIZE); /* one region */
		gfn_t f;
		assert_true(gnttab__frame_gfn(d, false, 2, &f));
		assert_int_equal(gfn_val(f), base + 2);
		/* A frame far up grows the table, as on Xen. */
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_grant_table, 9,
						base + 9), 0);
		assert_int_equal(d->gnttab->nr_frames, 10);

		/* Moving frame 1 splits the run. */
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_grant_table, 1,
						base + 0x20), 0);
		assert_null(region_at(d, base + 1));
		assert_int_equal(region_at(d, base + 2)->kind, GUESTMEM_GRANT_TABLE);
		assert_true(gnttab__frame_gfn(d, false, 1, &f));
		assert_int_equal(gfn_val(f), base + 0x20);

		/* shared_info placed over frame 3 displaces it. */
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_shared_info, 0,
						base + 3), 0);
		assert_false(gnttab__frame_gfn(d, false, 3, &f));
		assert_int_equal(region_at(d, base + 3)->kind, GUESTMEM_SHARED_INFO);

		/* Removing a grant frame. */
		assert_int_equal(remove_from_physmap(h, v, abi, DOMID_SELF, base + 2), 0);
		assert_false(gnttab__frame_gfn(d, false, 2, &f));
		assert_null(region_at(d, base + 2));

		/* v2 status frames. */
		d->gnttab->version = 2;
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_grant_table,
						XENMAPIDX_grant_table_status | 0, base + 0x40), 0);
		assert_int_equal(region_at(d, base + 0x40)->kind, GUESTMEM_GNTTAB_STATUS);
		assert_true(gnttab__frame_gfn(d, true, 0, &f));
		assert_int_equal(gfn_val(f), base + 0x40);
		assert_int_equal(add_to_physmap(h, v, abi, DOMID_SELF, XENMAPSPACE_grant_table,
						XENMAPIDX_grant_table_status | gnttab__nr_status_frames(d),
						base + 0x41), -XEN_EINVAL);
		assert_int_equal(remove_from_physmap(h, v, abi, DOMID_SELF, base + 0x40), 0);
		assert_false(gnttab__frame_gfn(d, true, 0, &f));
		harness__free(h);
	}
}

static void test_fixed_layout_move(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "f", DOMAIN_FASTABI | DOMAIN_FIXED_LAYOUT, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t si = gfn_val(d->shared_info_gfn);
	gfn_t f;

	/* The fixed places are recorded. */
	assert_true(gnttab__frame_gfn(d, false, 0, &f));
	assert_int_equal(gfn_val(f), si + 1);
	/* A legacy guest that knows nothing of the layout may still move its pages. */
	assert_int_equal(add_to_physmap(h, v, ABI_LEG64, DOMID_SELF, XENMAPSPACE_grant_table, 5, 0x7ff), 0);
	assert_null(region_at(d, si + 1 + 5));
	assert_int_equal(region_at(d, si + 1 + 4)->kind, GUESTMEM_GRANT_TABLE);
	assert_int_equal(region_at(d, si + 1 + 6)->kind, GUESTMEM_GRANT_TABLE);
	assert_int_equal(region_at(d, 0x7ff)->kind, GUESTMEM_GRANT_TABLE);
	assert_int_equal(add_to_physmap(h, v, ABI_FAST, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x7fe), 0);
	assert_null(region_at(d, si));
	harness__free(h);
}

static void test_share_unshare(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "s", DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	struct harness_result res;
	unsigned restarts;
	uint8_t byte;

	/* 1000 frames: 4 steps of MEMORY_SHARE_STEP, 3 re-executions of the trap. */
	assert_int_equal(harness__fast_loop(v, MEM, XENMEM_fastabi_share,
					    (const uint64_t[6]){ 0x100, 1000, 0 }, &res, &restarts), 0);
	assert_int_equal(restarts, (1000 + MEMORY_SHARE_STEP - 1) / MEMORY_SHARE_STEP - 1);
	assert_int_equal(harness__reg(&res.regs, 4), 1000);
	assert_int_equal(guestmem__read(&d->mem, gpa(0x100ull << PAGE_SHIFT), &byte, 1), 0);
	assert_int_equal(guestmem__read(&d->mem, gpa((0x100ull + 999) << PAGE_SHIFT), &byte, 1), 0);
	assert_int_equal(guestmem__read(&d->mem, gpa((0x100ull + 1000) << PAGE_SHIFT), &byte, 1),
			 -XEN_EACCES);

	/* One step by hand: the registers say where to go on. */
	assert_int_equal(hfast_res(&res, v, MEM, XENMEM_fastabi_unshare, 0x100, 1000, 0),
			 (int64_t)(__HYPERVISOR_memory_op | __HYPERVISOR_FASTABI_MASK));
	assert_int_equal(res.result, HV_CALL_RESTART);
	assert_int_equal(harness__reg(&res.regs, 4), MEMORY_SHARE_STEP);
	assert_int_equal(guestmem__read(&d->mem, gpa(0x100ull << PAGE_SHIFT), &byte, 1), -XEN_EACCES);
	assert_int_equal(guestmem__read(&d->mem, gpa((0x100ull + MEMORY_SHARE_STEP) << PAGE_SHIFT),
					&byte, 1), 0);
	/* Resuming at done finishes the rest. */
	assert_int_equal(harness__fast_loop(v, MEM, XENMEM_fastabi_unshare,
					    (const uint64_t[6]){ 0x100, 1000, MEMORY_SHARE_STEP },
					    &res, &restarts), 0);
	assert_int_equal(restarts, 2);
	assert_int_equal(guestmem__read(&d->mem, gpa((0x100ull + 999) << PAGE_SHIFT), &byte, 1),
			 -XEN_EACCES);

	/* Hostile ranges: nothing changes, done is not written. */
	assert_int_equal(hfast_res(&res, v, MEM, XENMEM_fastabi_share, 0x100, 10, 11), -XEN_EINVAL);
	assert_int_equal(harness__reg(&res.regs, 4), 11);
	assert_int_equal(hfast(v, MEM, XENMEM_fastabi_share, 0x7ff, 2, 0), -XEN_EINVAL); /* past RAM */
	assert_int_equal(hfast(v, MEM, XENMEM_fastabi_share, ~0ull, 2, 0), -XEN_EINVAL);
	assert_int_equal(hfast(v, MEM, XENMEM_fastabi_share, 1ull << 40, 1, 0), -XEN_EINVAL);
	assert_int_equal(hfast(v, MEM, XENMEM_fastabi_share, 0x100, 1ull << 32, 0), -XEN_EINVAL);
	assert_int_equal(guestmem__read(&d->mem, gpa(0x7ffull << PAGE_SHIFT), &byte, 1), -XEN_EACCES);
	/* Zero frames: done. */
	assert_int_equal(hfast(v, MEM, XENMEM_fastabi_share, 0x100, 0, 0), 0);

	/* A frame the hypervisor writes on its own cannot be taken back. */
	assert_int_equal(hfast(v, MEM, XENMEM_fastabi_share, 0x300, 4, 0), 0);
	v->vcpu_info_registered = true;
	v->vcpu_info_gpa = gpa((0x302ull << PAGE_SHIFT) + 64);
	assert_int_equal(hfast(v, MEM, XENMEM_fastabi_unshare, 0x300, 4, 0), -XEN_EBUSY);
	assert_int_equal(hfast(v, MEM, XENMEM_fastabi_unshare, 0x300, 2, 0), 0);
	v->vcpu_info_registered = false;
	assert_int_equal(guestmem__read(&d->mem, gpa(0x302ull << PAGE_SHIFT), &byte, 1), 0);
	harness__free(h);
}

/* The two guestmem calls the physmap moves rely on. */
static void test_guestmem_remove_place(void **state)
{
	(void)state;
	static uint8_t ram[16 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	static uint8_t sp[4 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	struct guestmem gm;
	uint8_t b;

	guestmem__init(&gm);
	guestmem__set_confidential(&gm, true);
	assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(0), sizeof(ram), ram), 0);
	assert_int_equal(guestmem__share(&gm, gfn(5), 3), 0); /* frames 5, 6, 7 */

	/* Punch frame 6: RAM splits in two, the share bits stay with their frames. */
	assert_int_equal(guestmem__remove(&gm, gpa(6 * PAGE_SIZE), PAGE_SIZE), 0);
	assert_int_equal(gm.nr_regions, 2);
	assert_null(guestmem__lookup(&gm, gpa(6 * PAGE_SIZE)));
	assert_int_equal(guestmem__read(&gm, gpa(5 * PAGE_SIZE), &b, 1), 0);
	assert_int_equal(guestmem__read(&gm, gpa(7 * PAGE_SIZE), &b, 1), 0);
	assert_int_equal(guestmem__read(&gm, gpa(8 * PAGE_SIZE), &b, 1), -XEN_EACCES);
	assert_ptr_equal(guestmem__lookup(&gm, gpa(7 * PAGE_SIZE))->host, ram + 7 * PAGE_SIZE);
	/* A range over a hole and two regions; nothing at all; bad shapes. */
	assert_int_equal(guestmem__remove(&gm, gpa(5 * PAGE_SIZE), 3 * PAGE_SIZE), 0);
	assert_int_equal(gm.nr_regions, 2);
	assert_null(guestmem__lookup(&gm, gpa(5 * PAGE_SIZE)));
	assert_null(guestmem__lookup(&gm, gpa(7 * PAGE_SIZE)));
	assert_int_equal(guestmem__read(&gm, gpa(4 * PAGE_SIZE), &b, 1), -XEN_EACCES);
	assert_int_equal(guestmem__remove(&gm, gpa(1ull << 32), PAGE_SIZE), 0);
	assert_int_equal(guestmem__remove(&gm, gpa(0), 0), 0);
	assert_int_equal(guestmem__remove(&gm, gpa(100), PAGE_SIZE), -XEN_EINVAL);
	assert_int_equal(guestmem__remove(&gm, gpa(0), 100), -XEN_EINVAL);
	assert_int_equal(guestmem__remove(&gm, gpa(1ull << 52), PAGE_SIZE), -XEN_EINVAL);

	/* Special pages placed one by one merge when host memory is contiguous too. */
	assert_int_equal(guestmem__place(&gm, GUESTMEM_GRANT_TABLE, gpa(0x101000), PAGE_SIZE,
					 sp + PAGE_SIZE), 0);
	assert_int_equal(guestmem__place(&gm, GUESTMEM_GRANT_TABLE, gpa(0x103000), PAGE_SIZE,
					 sp + 3 * PAGE_SIZE), 0);
	assert_int_equal(gm.nr_regions, 4);
	assert_int_equal(guestmem__place(&gm, GUESTMEM_GRANT_TABLE, gpa(0x102000), PAGE_SIZE,
					 sp + 2 * PAGE_SIZE), 0); /* joins both neighbours */
	assert_int_equal(gm.nr_regions, 3);
	assert_int_equal(guestmem__lookup(&gm, gpa(0x101000))->size, 3 * PAGE_SIZE);
	/* Not contiguous on the host, or another kind: separate. */
	assert_int_equal(guestmem__place(&gm, GUESTMEM_GRANT_TABLE, gpa(0x100000), PAGE_SIZE,
					 sp + 3 * PAGE_SIZE), 0);
	assert_int_equal(gm.nr_regions, 4);
	assert_int_equal(guestmem__place(&gm, GUESTMEM_SHARED_INFO, gpa(0x104000), PAGE_SIZE, sp), 0);
	assert_int_equal(gm.nr_regions, 5);
	assert_int_equal(guestmem__place(&gm, GUESTMEM_SHARED_INFO, gpa(0x104000), PAGE_SIZE, sp),
			 -XEN_EEXIST);
	/* RAM is never merged (its share bitmaps are per region). */
	assert_int_equal(guestmem__place(&gm, GUESTMEM_RAM, gpa(0x200000), PAGE_SIZE, sp), 0);
	assert_int_equal(gm.nr_regions, 6);

	/* Splitting when the table is full: -ENOSPC, nothing changes. */
	for (uint64_t i = 0; gm.nr_regions < GUESTMEM_MAX_REGIONS; i++)
		assert_int_equal(guestmem__add(&gm, GUESTMEM_RAM, gpa(0x400000 + 2 * i * PAGE_SIZE),
					       PAGE_SIZE, sp), 0);
	assert_int_equal(guestmem__remove(&gm, gpa(2 * PAGE_SIZE), PAGE_SIZE), -XEN_ENOSPC);
	assert_int_equal(guestmem__read(&gm, gpa(2 * PAGE_SIZE), &b, 1), -XEN_EACCES);
	assert_int_equal(guestmem__remove(&gm, gpa(0), 5 * PAGE_SIZE), 0); /* no split: fine */
	guestmem__destroy(&gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_map),
		cmocka_unit_test(test_memory_map_confidential),
		cmocka_unit_test(test_reservations),
		cmocka_unit_test(test_shared_info_moves),
		cmocka_unit_test(test_physmap_refused),
		cmocka_unit_test(test_physmap_paddr_width),
		cmocka_unit_test(test_grant_frames),
		cmocka_unit_test(test_fixed_layout_move),
		cmocka_unit_test(test_share_unshare),
		cmocka_unit_test(test_guestmem_remove_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
