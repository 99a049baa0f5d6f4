/*
 * Grant tables, the table itself: query_size, set_version and get_version through
 * every ABI, setup_table and the frames' placement, the fixed layout's frames,
 * get_status_frames refused to HVM as on Xen, and swap_grant_ref.
 */

#include <string.h>

#include "gt_test.h"

static void test_size_and_version(enum abi abi, void *ctx)
{
	(void)ctx;
	struct harness *h = gt_world();
	/* domain 0: its FastABI call (dom 0) is its own table either way. */
	struct domain *a = gt_dom(h, "a", 0, 0, 0);
	struct domain *f = gt_dom(h, "f", DOMAIN_FIXED_LAYOUT, 8, 0);
	uint32_t nr = 0, max = 0, ver = 0;

	assert_int_equal(gt_query_size(h, a, abi, DOMID_SELF, &nr, &max), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(max, GNTTAB_DEFAULT_MAX_FRAMES);
	/* The fixed layout places every frame: the whole table is in use. */
	if (abi != ABI_FAST) {
		assert_int_equal(gt_query_size(h, f, abi, DOMID_SELF, &nr, &max), 0);
		assert_int_equal(nr, 8);
		assert_int_equal(max, 8);
	}

	assert_int_equal(gt_get_version(h, a, abi, DOMID_SELF, &ver), 0);
	assert_int_equal(ver, 1);
	assert_int_equal(gt_set_version(h, a, abi, 2), 0);
	assert_int_equal(gt_get_version(h, a, abi, DOMID_SELF, &ver), 0);
	assert_int_equal(ver, 2);
	assert_int_equal(gt_set_version(h, a, abi, 2), 0); /* same version: nothing to do */
	assert_int_equal(gt_set_version(h, a, abi, 0), -XEN_EINVAL);
	assert_int_equal(gt_set_version(h, a, abi, 3), -XEN_EINVAL);
	assert_int_equal(a->gnttab->version, 2);
	assert_int_equal(gt_set_version(h, a, abi, 1), 0);
	assert_int_equal(gt_get_version(h, a, abi, DOMID_SELF, &ver), 0);
	assert_int_equal(ver, 1);
	if (abi == ABI_FAST) /* a version above 32 bits never reaches the core */
		assert_int_equal(hfast(&a->vcpus[0], GT, GNTTABOP_set_version, 1ull << 32),
				 -XEN_EINVAL);
	harness__free(h);
}

static void test_size_other_domain(void **state)
{
	(void)state;
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", DOMAIN_PRIVILEGED, 4, 0);
	struct domain *b = gt_dom(h, "b", 0, 0, 0);
	uint32_t nr, max, ver;

	HARNESS_LEGACY_ABIS(abi) {
		/* An unprivileged domain names only itself; domain 0 is not "self". */
		assert_int_equal(gt_query_size(h, b, abi, 0, &nr, &max), -XEN_EPERM);
		assert_int_equal(gt_get_version(h, b, abi, 0, &ver), -XEN_EPERM);
		assert_int_equal(gt_query_size(h, b, abi, 1, &nr, &max), 0);
		assert_int_equal(max, GNTTAB_DEFAULT_MAX_FRAMES);
		assert_int_equal(gt_query_size(h, b, abi, DOMID_SELF, &nr, &max), 0);
		/* A privileged one may look at others; a missing one is ESRCH. */
		assert_int_equal(gt_query_size(h, a, abi, 1, &nr, &max), 0);
		assert_int_equal(max, GNTTAB_DEFAULT_MAX_FRAMES);
		assert_int_equal(gt_query_size(h, a, abi, 9, &nr, &max), -XEN_ESRCH);
		assert_int_equal(gt_get_version(h, a, abi, 1, &ver), 0);
		assert_int_equal(gt_get_version(h, a, abi, 9, &ver), -XEN_ESRCH);
	}
	/* The legacy struct tells why, too. */
	uint64_t va;
	struct gnttab_query_size *op = harness__alloc(h, b, sizeof(*op), &va);
	op->dom = 0;
	assert_int_equal(hleg64(&b->vcpus[0], GT, GNTTABOP_query_size, va, 1), -XEN_EPERM);
	assert_int_equal(op->status, GNTST_permission_denied);

	/*
	 * FastABI passes no domain: the spec (c_lang.fixed) has the decoder set
	 * DOMID_SELF, so a domU always gets its own table, whatever it leaves
	 * in the registers, and never domain 0's.
	 */
	assert_int_equal(gt_query_size(h, b, ABI_FAST, 0, &nr, &max), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(max, GNTTAB_DEFAULT_MAX_FRAMES);
	assert_int_equal(gt_get_version(h, b, ABI_FAST, 0, &ver), 0);
	assert_int_equal(ver, 1);
	/* And the privileged domain gets its own (max 4 frames), not domain 1's. */
	assert_int_equal(gt_query_size(h, a, ABI_FAST, 0, &nr, &max), 0);
	assert_int_equal(max, 4);
	harness__free(h);
}

static void test_version_switch_keeps_reserved(void **state)
{
	(void)state;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);

	gt_grant1(a, GNTTAB_RESERVED_CONSOLE, GTF_permit_access, b->id, FRAME(1));
	gt_grant1(a, GNTTAB_RESERVED_XENSTORE, GTF_permit_access | GTF_readonly, b->id, FRAME(2));
	gt_grant1(a, 20, GTF_permit_access, b->id, FRAME(3));
	assert_int_equal(gt_set_version(h, a, ABI_LEG64, 2), 0);
	/* The console and xenstore grants survive (as Xen keeps them); the rest is cleared. */
	assert_int_equal(gt_e2(a, 0)->hdr.flags, GTF_permit_access);
	assert_int_equal(gt_e2(a, 0)->hdr.domid, b->id);
	assert_int_equal(gt_e2(a, 0)->full_page.frame, FRAME(1));
	assert_int_equal(gt_e2(a, 1)->hdr.flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(gt_e2(a, 1)->full_page.frame, FRAME(2));
	assert_int_equal(gt_e2(a, 20)->hdr.flags, 0);
	struct map_res m = gt_map(h, b, ABI_FAST, a->id, MAP_AT(0), GNTMAP_host_map, 0);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(gt_unmap(h, b, ABI_FAST, MAP_AT(0), m.handle).status, GNTST_okay);

	gt_grant2(a, 2, GTF_permit_access, b->id, 1ull << 33); /* does not fit v1 */
	assert_int_equal(gt_set_version(h, a, ABI_FAST, 1), 0);
	assert_int_equal(gt_e1(a, 0)->flags, GTF_permit_access);
	assert_int_equal(gt_e1(a, 0)->frame, FRAME(1));
	assert_int_equal(gt_e1(a, 1)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(gt_e1(a, 2)->flags, 0);
	harness__free(h);
}

static void test_frames(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(abi) {
		bool m64 = abi == ABI_LEG64;
		struct harness *h = gt_world();
		struct domain *a = gt_dom(h, "a", 0, 2, 0);
		struct domain *b = gt_dom(h, "b", 0, 0, 0);
		struct hv_vcpu *v = &a->vcpus[0];
		uint64_t va, list;

		gt_grant1(a, 600, GTF_permit_access, b->id, FRAME(0)); /* in frame 1 */
		assert_int_equal(gt_map(h, b, ABI_FAST, a->id, MAP_AT(0), GNTMAP_host_map, 600).status,
				 GNTST_bad_gntref);

		/* setup_table grows the table; frames not placed yet read INVALID. */
		uint64_t *frames = harness__alloc(h, a, 3 * 8, &list);
		memset(frames, 0x11, 3 * 8);
		int16_t status;
		if (m64) {
			struct gnttab_setup_table *op = gt_setup_table(h, a, DOMID_SELF, 2, list, &va);
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
			status = op->status;
			assert_int_equal(frames[0], ~0ull);
			assert_int_equal(frames[1], ~0ull);
			assert_int_equal(frames[2], 0x1111111111111111ull);
		} else {
			struct compat_setup_table *op = gt_setup_table32(h, a, DOMID_SELF, 2, list, &va);
			assert_int_equal(hleg32(v, GT, GNTTABOP_setup_table, va, 1), 0);
			status = op->status;
			uint32_t *f32 = (uint32_t *)frames;
			assert_int_equal(f32[0], 0xffffffffu);
			assert_int_equal(f32[1], 0xffffffffu);
			assert_int_equal(f32[2], 0x11111111u);
		}
		assert_int_equal(status, GNTST_okay);
		assert_int_equal(a->gnttab->nr_frames, 2);
		struct map_res m = gt_map(h, b, ABI_FAST, a->id, MAP_AT(0), GNTMAP_host_map, 600);
		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(gt_map(h, b, ABI_FAST, a->id, MAP_AT(1), GNTMAP_host_map, 1024).status,
				 GNTST_bad_gntref);

		/* memory.c places frames (add_to_physmap): setup_table then lists them. */
		assert_int_equal(gnttab__set_frame_gfn(a, false, 1, gfn(0x4321)), 0);
		assert_int_equal(gnttab__set_frame_gfn(a, false, 0, gfn(0x4320)), 0);
		assert_int_equal(gnttab__set_frame_gfn(a, false, 2, gfn(0x4322)), -XEN_EINVAL);
		assert_int_equal(gnttab__set_frame_gfn(a, false, 0, gfn(1ull << 40)), -XEN_EINVAL);
		if (m64) {
			struct gnttab_setup_table *op = gt_setup_table(h, a, a->id, 2, list, &va);
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_okay);
			assert_int_equal(frames[0], 0x4320);
			assert_int_equal(frames[1], 0x4321);
			/* More than the maximum. */
			op->nr_frames = 3;
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_general_error);
			/* A frame list the guest cannot write. */
			op->nr_frames = 1;
			set_xen_guest_handle(op->frame_list, (xen_pfn_t *)(uintptr_t)0x40000000ull);
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_bad_virt_addr);
			/* Another domain's table: only for the privileged. */
			op->dom = b->id;
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), -XEN_EPERM);
			assert_int_equal(op->status, GNTST_permission_denied);
		} else {
			struct compat_setup_table *op = gt_setup_table32(h, a, a->id, 2, list, &va);
			assert_int_equal(hleg32(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_okay);
			uint32_t *f32 = (uint32_t *)frames;
			assert_int_equal(f32[0], 0x4320);
			assert_int_equal(f32[1], 0x4321);
			op->nr_frames = 3;
			assert_int_equal(hleg32(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_general_error);
		}
		/* Placement lookups for memory.c. */
		bool st;
		unsigned idx;
		assert_true(gnttab__frame_at(a, gfn(0x4321), &st, &idx));
		assert_false(st);
		assert_int_equal(idx, 1);
		assert_false(gnttab__frame_at(a, gfn(0x4323), &st, &idx));
		gnttab__clear_frame_gfn(a, false, 1);
		assert_false(gnttab__frame_at(a, gfn(0x4321), &st, &idx));
		gfn_t g;
		assert_false(gnttab__frame_gfn(a, false, 1, &g));
		/* count must be 1 for the single-struct ops. */
		assert_int_equal(m64 ? hleg64(v, GT, GNTTABOP_setup_table, va, 2) :
				       hleg32(v, GT, GNTTABOP_setup_table, va, 0), -XEN_EINVAL);
		assert_int_equal(gt_unmap(h, b, ABI_FAST, MAP_AT(0), m.handle).status, GNTST_okay);
		harness__free(h);
	}
}

static void test_fixed_layout_frames(void **state)
{
	(void)state;
	struct harness *h = gt_world();
	struct domain *f = gt_dom(h, "f", DOMAIN_FIXED_LAYOUT, 16, 0);
	struct hv_vcpu *v = &f->vcpus[0];
	uint64_t va, list, gt_base = 0, st_base = 0;

	for (unsigned i = 0; i < f->nr_memmap; i++) {
		if (f->memmap[i].type == XEN_HVM_MEMMAP_TYPE_GRANT_TABLE) {
			gt_base = f->memmap[i].addr;
			assert_int_equal(f->memmap[i].size, 16 * PAGE_SIZE);
		}
		if (f->memmap[i].type == XEN_HVM_MEMMAP_TYPE_GNTTAB_STATUS) {
			st_base = f->memmap[i].addr;
			assert_int_equal(f->memmap[i].size, gnttab__nr_status_frames(f) * PAGE_SIZE);
		}
	}
	assert_int_not_equal(gt_base, 0);
	assert_int_not_equal(st_base, 0);
	assert_int_equal(gnttab__nr_status_frames(f), 2); /* 16 * 256 entries / 2048 */

	/* setup_table lists the fixed places. */
	uint64_t *frames = harness__alloc(h, f, 16 * 8, &list);
	struct gnttab_setup_table *op = gt_setup_table(h, f, DOMID_SELF, 16, list, &va);
	assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
	assert_int_equal(op->status, GNTST_okay);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(frames[i], (gt_base >> PAGE_SHIFT) + i);
	/* The guest writes entries at those GPAs: the core sees them. */
	grant_entry_v1_t e = { .flags = GTF_permit_access, .domid = f->id, .frame = FRAME(1) };
	assert_int_equal(guestmem__write(&f->mem, gpa(gt_base + 5 * sizeof(e)), &e, sizeof(e)), 0);
	struct map_res m = gt_map(h, f, ABI_FAST, DOMID_SELF, FAR_AT(0), GNTMAP_host_map, 5);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(guestmem__read(&f->mem, gpa(gt_base + 5 * sizeof(e)), &e, sizeof(e)), 0);
	assert_int_equal(e.flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(gt_unmap(h, f, ABI_FAST, FAR_AT(0), m.handle).status, GNTST_okay);

	/*
	 * get_status_frames is not an HVM call on Xen 4.17 (hvm_grant_table_op):
	 * -ENOSYS in both widths, whatever the version. An HVM guest finds its
	 * status frames where the layout put them (the memory map) or where it
	 * placed them (XENMEM_add_to_physmap, XENMAPIDX_grant_table_status:
	 * tests/hv/core/test_memory.c).
	 */
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 1), -XEN_ENOSYS);
	assert_int_equal(gt_set_version(h, f, ABI_FAST, 2), 0);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 1), -XEN_ENOSYS);
	assert_int_equal(hleg32(v, GT, GNTTABOP_get_status_frames, va, 1), -XEN_ENOSYS);
	for (unsigned i = 0; i < 2; i++) {
		gfn_t g;
		assert_true(gnttab__frame_gfn(f, true, i, &g));
		assert_int_equal(gfn_val(g), (st_base >> PAGE_SHIFT) + i);
	}
	/* v2 entries through the fixed status frames. */
	grant_entry_v2_t e2v = { .full_page = { .hdr = { GTF_permit_access, 0 }, .frame = FRAME(3) } };
	assert_int_equal(guestmem__write(&f->mem, gpa(gt_base + 9 * sizeof(e2v)), &e2v,
					 sizeof(e2v)), 0);
	m = gt_map(h, f, ABI_LEG64, f->id, FAR_AT(0), GNTMAP_host_map | GNTMAP_readonly, 9);
	assert_int_equal(m.status, GNTST_okay);
	grant_status_t s = 0;
	assert_int_equal(guestmem__read(&f->mem, gpa(st_base + 9 * sizeof(s)), &s, sizeof(s)), 0);
	assert_int_equal(s, GTF_reading);
	harness__free(h);
}

static void test_placement(void **state)
{
	(void)state;
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", 0, 2, 0);
	struct hv_vcpu *v = &a->vcpus[0];
	bool st;
	unsigned idx;
	gfn_t g;
	uint64_t va, list;

	/* Placing a shared frame grows the table to it. */
	assert_int_equal(a->gnttab->nr_frames, 1);
	assert_int_equal(gnttab__set_frame_gfn(a, false, 1, gfn(0x6001)), 0);
	assert_int_equal(a->gnttab->nr_frames, 2);

	/* Status frames: placed, found, forgotten (memory.c's add/remove_from_physmap). */
	assert_int_equal(gnttab__nr_status_frames(a), 1);
	assert_false(gnttab__frame_gfn(a, true, 0, &g));
	assert_int_equal(gnttab__set_frame_gfn(a, true, 0, gfn(0x5000)), 0);
	assert_int_equal(gnttab__set_frame_gfn(a, true, 1, gfn(0x5001)), -XEN_EINVAL);
	assert_true(gnttab__frame_at(a, gfn(0x5000), &st, &idx));
	assert_true(st);
	assert_int_equal(idx, 0);
	assert_false(gnttab__frame_gfn(a, true, 1, &g));
	assert_false(gnttab__frame_gfn(a, false, 2, &g));
	assert_null(gnttab__frame(a, 2));
	assert_null(gnttab__status_frame(a, 1));
	assert_int_equal(gnttab__max_frames(a), 2);

	/* Placed status frames are found by the core (there is no get_status_frames for HVM). */
	assert_int_equal(gt_set_version(h, a, ABI_FAST, 2), 0);
	assert_true(gnttab__frame_gfn(a, true, 0, &g));
	assert_int_equal(gfn_val(g), 0x5000);
	gnttab__clear_frame_gfn(a, true, 0);
	assert_false(gnttab__frame_gfn(a, true, 0, &g));
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, 0, 1), -XEN_ENOSYS);
	(void)harness__alloc(h, a, 8, &list);

	/* A 32-bit frame list cannot carry a frame above 2^32. */
	assert_int_equal(gnttab__set_frame_gfn(a, false, 0, gfn(1ull << 33)), 0);
	struct compat_setup_table *op = gt_setup_table32(h, a, DOMID_SELF, 1, list, &va);
	assert_int_equal(hleg32(v, GT, GNTTABOP_setup_table, va, 1), 0);
	assert_int_equal(op->status, GNTST_general_error);
	/* Out of range requests change nothing. */
	gnttab__clear_frame_gfn(a, false, 7);
	gnttab__clear_frame_gfn(a, true, 7);
	harness__free(h);
}

/* swap_grant_ref (legacy only): an array of {ref_a, ref_b, status}, as Xen's gnttab_swap_grant_ref. */
static int64_t swap(struct harness *h, struct domain *d, enum abi abi, const grant_ref_t *refs,
		    unsigned n, int16_t *status)
{
	uint64_t va;
	struct gnttab_swap_grant_ref *ops = harness__alloc(h, d, n * sizeof(*ops), &va);
	for (unsigned i = 0; i < n; i++)
		ops[i] = (struct gnttab_swap_grant_ref){ refs[2 * i], refs[2 * i + 1], 0x55 };
	int64_t ret = hcall_leg(abi, &d->vcpus[0], GT, GNTTABOP_swap_grant_ref, va, n);
	for (unsigned i = 0; i < n; i++)
		status[i] = ops[i].status;
	return ret;
}

static void test_swap_grant_ref(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(abi) {
		struct domain *a, *b;
		struct harness *h = gt_pair(&a, &b);
		int16_t st[3];

		/* v1: the entries trade places; the same ref twice is nothing to do. */
		gt_grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
		gt_grant1(a, 2, GTF_permit_access | GTF_readonly, b->id, FRAME(2));
		assert_int_equal(swap(h, a, abi, (const grant_ref_t[]){ 1, 2, 3, 3 }, 2, st), 0);
		assert_int_equal(st[0], GNTST_okay);
		assert_int_equal(st[1], GNTST_okay);
		assert_int_equal(gt_e1(a, 1)->frame, FRAME(2));
		assert_int_equal(gt_e1(a, 1)->flags, GTF_permit_access | GTF_readonly);
		assert_int_equal(gt_e1(a, 2)->frame, FRAME(1));
		assert_int_equal(gt_e1(a, 2)->flags, GTF_permit_access);

		/* A ref beyond the table in use; a ref pinned by a mapping (GNTST_eagain). */
		unsigned nr = gnttab__nr_entries(a->gnttab);
		struct map_res m = gt_map(h, b, ABI_LEG64, a->id, FAR_AT(0),
					  GNTMAP_host_map | GNTMAP_readonly, 1); /* ref 1 is read-only now */
		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(swap(h, a, abi, (const grant_ref_t[]){ 0, nr, 1, 4, 4, 1 }, 3, st), 0);
		assert_int_equal(st[0], GNTST_bad_gntref);
		assert_int_equal(st[1], GNTST_eagain);
		assert_int_equal(st[2], GNTST_eagain);
		assert_int_equal(gt_e1(a, 1)->frame, FRAME(2)); /* unchanged */
		assert_int_equal(gt_unmap(h, b, ABI_LEG64, FAR_AT(0), m.handle).status, GNTST_okay);

		/* v2: the status entries move with the shared ones. */
		assert_int_equal(gt_set_version(h, a, ABI_LEG64, 2), 0);
		gt_grant2(a, 5, GTF_permit_access, b->id, FRAME(5));
		m = gt_map(h, b, ABI_LEG64, a->id, FAR_AT(0), GNTMAP_host_map | GNTMAP_readonly, 5);
		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(gt_unmap(h, b, ABI_LEG64, FAR_AT(0), m.handle).status, GNTST_okay);
		*(uint16_t *)gnttab__status_frame(a, 0) = 0;
		((uint16_t *)gnttab__status_frame(a, 0))[5] = GTF_reading; /* as a guest might see it */
		assert_int_equal(swap(h, a, abi, (const grant_ref_t[]){ 5, 6 }, 1, st), 0);
		assert_int_equal(st[0], GNTST_okay);
		assert_int_equal(gt_e2(a, 6)->full_page.frame, FRAME(5));
		assert_int_equal(gt_status2(a, 6), GTF_reading);
		assert_int_equal(gt_status2(a, 5), 0);

		/* More than a trap's work budget (one unit a swap): it continues once
		 * and ends with every swap done. */
		enum { SWAPS = GNTTAB_BATCH_WORK + 3 };
		gt_grant2(a, 10, GTF_permit_access, b->id, FRAME(10));
		uint64_t va;
		struct gnttab_swap_grant_ref *ops = harness__alloc(h, a, SWAPS * sizeof(*ops), &va);
		for (unsigned i = 0; i < SWAPS; i++)
			ops[i] = (struct gnttab_swap_grant_ref){ 10, 11, 0x55 };
		unsigned restarts = 0;
		assert_int_equal(harness__legacy_loop(&a->vcpus[0], abi == ABI_LEG64, GT,
						      (const uint64_t[LEGACY_NR_ARGS]){
							      GNTTABOP_swap_grant_ref, va, SWAPS },
						      NULL, &restarts),
				 0);
		assert_int_equal(restarts, 1);
		/* An odd number of swaps of the same pair: swapped. */
		assert_int_equal(gt_e2(a, 11)->full_page.frame, FRAME(10));
		for (unsigned i = 0; i < SWAPS; i++)
			assert_int_equal(ops[i].status, GNTST_okay);
		/* An unreadable array: -EFAULT. */
		assert_int_equal(hcall_leg(abi, &a->vcpus[0], GT, GNTTABOP_swap_grant_ref,
					   abi == ABI_LEG64 ? 0x10 : 0xfff00000, 1),
				 -XEN_EFAULT);
		harness__free(h);
	}
	/* Not a FastABI operation. */
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	assert_int_equal(hfast(&a->vcpus[0], GT, GNTTABOP_swap_grant_ref, 0, 0), -XEN_ENOSYS);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		harness_abi_test(test_size_and_version),
		cmocka_unit_test(test_size_other_domain),
		cmocka_unit_test(test_version_switch_keeps_reserved),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_fixed_layout_frames),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_swap_grant_ref),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
