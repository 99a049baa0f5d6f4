/*
 * Grant tables, mapping: map and unmap of v1 and v2 grants through every ABI, the busy
 * bits, readonly holds, refused maps, the maptrack limit, confidential granters and
 * domains going away; and one script through every ABI with identical results.
 */

#include <string.h>

#include "gt_test.h"

static void test_map_unmap_v1(enum abi abi, void *ctx)
{
	(void)ctx;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);

	gt_grant1(a, 10, GTF_permit_access, b->id, FRAME(1));
	struct map_res m = gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 10);
	assert_int_equal(m.ret, 0);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_not_equal(m.handle, GNTTAB_INVALID_HANDLE);
	/* Busy while mapped: the granter cannot quietly revoke it. */
	assert_int_equal(gt_flags1(a, 10), GTF_permit_access | GTF_reading | GTF_writing);
	/* The VMM was told what to map where. */
	assert_int_equal(gt_rec.maps, 1);
	assert_int_equal(gt_rec.last_map.mapper, b->id);
	assert_int_equal(gt_rec.last_map.granter, a->id);
	assert_int_equal(gt_rec.last_map.at, MAP_AT(0));
	assert_int_equal(gt_rec.last_map.frame, FRAME(1));
	assert_false(gt_rec.last_map.readonly);
	assert_int_equal(b->gnttab->maptrack_used, 1);

	/* Unmap needs the handle and the address it was mapped at. */
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(1), m.handle).status, GNTST_bad_virt_addr);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), m.handle + 1).status, GNTST_bad_handle);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), 0xffffffffu).status, GNTST_bad_handle);
	/* The granter cannot unmap the grantee's handle. */
	assert_int_equal(gt_unmap(h, a, abi, MAP_AT(0), m.handle).status, GNTST_bad_handle);
	assert_int_equal(gt_rec.unmaps, 0);
	struct map_res u = gt_unmap(h, b, abi, MAP_AT(0), m.handle);
	assert_int_equal(u.ret, 0);
	assert_int_equal(u.status, GNTST_okay);
	assert_int_equal(gt_flags1(a, 10), GTF_permit_access);
	assert_int_equal(gt_rec.unmaps, 1);
	assert_int_equal(gt_rec.last_unmap.mapper, b->id);
	assert_int_equal(gt_rec.last_unmap.at, MAP_AT(0));
	assert_int_equal(gt_rec.last_unmap.frame, FRAME(1));
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_bad_handle);
	assert_int_equal(b->gnttab->maptrack_used, 0);
	assert_int_equal(a->gnttab->nr_pinned, 0);
	harness__free(h);
}

/*
 * A granter that revokes an entry (flags to 0, or another frame) while it
 * is mapped: as Xen's map_grant_ref and acquire_grant_for_copy, holds of a
 * ref pinned as strongly use the active entry and never look at the entry
 * again, so copies and further maps succeed with the pinned frame until
 * the last pin goes; then the revocation holds. Found by the hostile
 * inter-domain test (guest/tests/interdom-race): the core refused them.
 */
static void test_revoked_while_mapped(enum abi abi, void *ctx)
{
	(void)ctx;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	struct side src = { 10, a->id, 0 }, dst = { FRAME(5), DOMID_SELF, 0 };

	gt_fill(gt_page(h, a, FRAME(1)), 7);
	gt_grant1(a, 10, GTF_permit_access, b->id, FRAME(1));
	struct map_res m = gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 10);
	assert_int_equal(m.status, GNTST_okay);
	/* Revoked, and pointed elsewhere, under the mapping. */
	gt_grant1(a, 10, 0, b->id, FRAME(2));
	assert_int_equal(gt_copy_ok(h, b, abi, src, dst, 64, GNTCOPY_source_gref), GNTST_okay);
	assert_memory_equal(gt_page(h, b, FRAME(5)), gt_page(h, a, FRAME(1)), 64);
	struct map_res m2 = gt_map(h, b, abi, a->id, MAP_AT(1), GNTMAP_host_map, 10);
	assert_int_equal(m2.status, GNTST_okay);
	assert_int_equal(gt_rec.last_map.frame, FRAME(1));
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(1), m2.handle).status, GNTST_okay);
	/* No pin left: the entry counts again. */
	assert_int_equal(gt_copy_ok(h, b, abi, src, dst, 64, GNTCOPY_source_gref),
			 GNTST_general_error);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 10).status,
			 GNTST_general_error);
	/* A read-only pin does not carry a writable map (the entry is asked). */
	gt_grant1(a, 10, GTF_permit_access, b->id, FRAME(1));
	m = gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map | GNTMAP_readonly, 10);
	assert_int_equal(m.status, GNTST_okay);
	gt_grant1(a, 10, 0, b->id, FRAME(1));
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(1), GNTMAP_host_map, 10).status,
			 GNTST_general_error);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
	assert_int_equal(a->gnttab->nr_pinned, 0);
	harness__free(h);
}

static void test_map_readonly(enum abi abi, void *ctx)
{
	(void)ctx;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);

	gt_grant1(a, 3, GTF_permit_access | GTF_readonly, b->id, FRAME(2));
	struct map_res m = gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 3);
	assert_int_equal(m.status, GNTST_general_error);
	assert_int_equal(m.handle, GNTTAB_INVALID_HANDLE);
	assert_int_equal(gt_flags1(a, 3), GTF_permit_access | GTF_readonly);
	assert_int_equal(gt_rec.maps, 0);

	m = gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map | GNTMAP_readonly, 3);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(gt_flags1(a, 3), GTF_permit_access | GTF_readonly | GTF_reading);
	assert_true(gt_rec.last_map.readonly);

	/* Two holds of one grant: the busy bits follow the holds. */
	gt_grant1(a, 4, GTF_permit_access, b->id, FRAME(3));
	struct map_res ro = gt_map(h, b, abi, a->id, MAP_AT(1), GNTMAP_host_map | GNTMAP_readonly, 4);
	assert_int_equal(ro.status, GNTST_okay);
	assert_int_equal(gt_flags1(a, 4), GTF_permit_access | GTF_reading);
	struct map_res rw = gt_map(h, b, abi, a->id, MAP_AT(2), GNTMAP_host_map, 4);
	assert_int_equal(rw.status, GNTST_okay);
	assert_int_equal(gt_flags1(a, 4), GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(2), rw.handle).status, GNTST_okay);
	assert_int_equal(gt_flags1(a, 4), GTF_permit_access | GTF_reading);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(1), ro.handle).status, GNTST_okay);
	assert_int_equal(gt_flags1(a, 4), GTF_permit_access);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
	assert_int_equal(gt_flags1(a, 3), GTF_permit_access | GTF_readonly);
	harness__free(h);
}

static void test_map_refused(enum abi abi, void *ctx)
{
	(void)ctx;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	struct domain *f = gt_dom(h, "f", DOMAIN_FIXED_LAYOUT, 0, 0);
	const uint32_t hm = GNTMAP_host_map;

	gt_grant1(a, 1, GTF_permit_access, 5, FRAME(1));           /* granted to another domain */
	gt_grant1(a, 2, 0, b->id, FRAME(1));                       /* revoked */
	gt_grant1(a, 3, GTF_accept_transfer, b->id, FRAME(1));     /* not access */
	gt_grant1(a, 4, GTF_transitive, b->id, FRAME(1));          /* transitive: never mapped */
	gt_grant1(a, 5, GTF_permit_access, b->id, 0x7fffffff);     /* not the granter's RAM */
	gt_grant1(a, 6, GTF_permit_access, b->id, FRAME(1));       /* good */
	gt_grant1(f, 7, GTF_permit_access, b->id, FRAME(1));

	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm, 1).status, GNTST_general_error);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm, 2).status, GNTST_general_error);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm, 3).status, GNTST_general_error);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm, 4).status, GNTST_general_error);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm, 5).status, GNTST_bad_page);
	assert_int_equal(gt_flags1(a, 5), GTF_permit_access); /* nothing left behind */
	/* Refs beyond the table in use (1 frame of 512 entries). */
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm, 512).status, GNTST_bad_gntref);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm, 0xffffffffu).status,
			 GNTST_bad_gntref);
	/* Domains that do not exist. */
	assert_int_equal(gt_map(h, b, abi, 9, MAP_AT(0), hm, 6).status, GNTST_bad_domain);
	assert_int_equal(gt_map(h, b, abi, DOMID_IO, MAP_AT(0), hm, 6).status, GNTST_bad_domain);
	/* Flags: a map maps something; no PV PTE updates; no unknown bits. */
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), 0, 6).status, GNTST_bad_gntref);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm | GNTMAP_contains_pte, 6).status,
			 GNTST_general_error);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm | (1u << 9), 6).status,
			 GNTST_general_error);
	/*
	 * Addresses: page aligned, not over a special page, below the mapper's
	 * physical address width (beyond it Xen's p2m refuses the entry:
	 * GNTST_general_error, test_paddr_width).
	 */
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0) + 8, hm, 6).status,
			 GNTST_bad_virt_addr);
	assert_int_equal(gt_map(h, b, abi, a->id, 1ull << 52, hm, 6).status, GNTST_general_error);
	uint64_t si = gpa_val(gfn_to_gpa(f->shared_info_gfn));
	assert_int_equal(gt_map(h, f, abi, f->id, si, hm, 7).status, GNTST_bad_virt_addr);
	gfn_t g0;
	assert_true(gnttab__frame_gfn(f, false, 0, &g0));
	assert_int_equal(gt_map(h, f, abi, f->id, gpa_val(gfn_to_gpa(g0)), hm, 7).status,
			 GNTST_bad_virt_addr);
	assert_int_equal(gt_rec.maps, 0);

	/* One address holds one mapping. */
	struct map_res m = gt_map(h, b, abi, a->id, MAP_AT(0), hm, 6);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), hm, 6).status, GNTST_bad_virt_addr);
	/* A grant held by b cannot be taken by someone else meanwhile. */
	gt_grant1(a, 6, GTF_permit_access | GTF_reading | GTF_writing, f->id, FRAME(1));
	assert_int_equal(gt_map(h, f, abi, a->id, FAR_AT(5), hm, 6).status, GNTST_general_error);
	gt_grant1(a, 6, GTF_permit_access | GTF_reading | GTF_writing, b->id, FRAME(1));

	/* The VMM may refuse a mapping: the guest sees its status, nothing is kept. */
	gt_rec.map_ret = GNTST_no_device_space;
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(1), hm, 6).status,
			 GNTST_no_device_space);
	gt_rec.map_ret = 12345;
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(1), hm, 6).status, GNTST_general_error);
	gt_rec.map_ret = 0;
	assert_int_equal(b->gnttab->maptrack_used, 1);
	/* ... and an unmap: the mapping stays until it works. */
	gt_rec.unmap_ret = GNTST_general_error;
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_general_error);
	gt_rec.unmap_ret = 0;
	assert_int_equal(gt_flags1(a, 6), GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
	assert_int_equal(gt_flags1(a, 6), GTF_permit_access);
	harness__free(h);
}

static void test_map_self_and_device(void **state)
{
	(void)state;
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", 0, 0, 0);

	/* A domain may map its own grant (to itself), by DOMID_SELF or its id. */
	gt_grant1(a, 8, GTF_permit_access, a->id, FRAME(4));
	struct map_res m = gt_map(h, a, ABI_LEG64, DOMID_SELF, MAP_AT(0), GNTMAP_host_map, 8);
	assert_int_equal(m.status, GNTST_okay);
	struct map_res m2 = gt_map(h, a, ABI_FAST, a->id, MAP_AT(1), GNTMAP_host_map, 8);
	assert_int_equal(m2.status, GNTST_okay);

	/* GNTMAP_device_map reports the bus address (the GPA it shows at). */
	uint64_t va;
	struct gnttab_map_grant_ref *op = harness__alloc(h, a, sizeof(*op), &va);
	*op = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(2), .ref = 8, .dom = DOMID_SELF,
					     .flags = GNTMAP_host_map | GNTMAP_device_map };
	assert_int_equal(hleg64(&a->vcpus[0], GT, GNTTABOP_map_grant_ref, va, 1), 0);
	assert_int_equal(op->status, GNTST_okay);
	assert_int_equal(op->dev_bus_addr, MAP_AT(2));
	struct gnttab_unmap_grant_ref *u = harness__alloc(h, a, sizeof(*u), &va);
	*u = (struct gnttab_unmap_grant_ref){ .host_addr = MAP_AT(2), .handle = op->handle,
					      .dev_bus_addr = MAP_AT(3) };
	assert_int_equal(hleg64(&a->vcpus[0], GT, GNTTABOP_unmap_grant_ref, va, 1), 0);
	assert_int_equal(u->status, GNTST_bad_dev_addr);
	u->dev_bus_addr = MAP_AT(2);
	assert_int_equal(hleg64(&a->vcpus[0], GT, GNTTABOP_unmap_grant_ref, va, 1), 0);
	assert_int_equal(u->status, GNTST_okay);

	assert_int_equal(gt_unmap(h, a, ABI_FAST, MAP_AT(0), m.handle).status, GNTST_okay);
	assert_int_equal(gt_unmap(h, a, ABI_LEG32, MAP_AT(1), m2.handle).status, GNTST_okay);
	assert_int_equal(gt_flags1(a, 8), GTF_permit_access);
	harness__free(h);
}

static void test_map_v2(enum abi abi, void *ctx)
{
	(void)ctx;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);

	assert_int_equal(gt_set_version(h, a, abi, 2), 0);
	gt_grant2(a, 300, GTF_permit_access, b->id, FRAME(7));
	/* v2 has 256 entries a frame: 300 is beyond the one frame in use. */
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 300).status,
			 GNTST_bad_gntref);
	gt_grant2(a, 200, GTF_permit_access, b->id, FRAME(7));
	struct map_res m = gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 200);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(gt_rec.last_map.frame, FRAME(7));
	/* Busy bits in the status frame; the entry itself is the guest's. */
	assert_int_equal(gt_status2(a, 200), GTF_reading | GTF_writing);
	assert_int_equal(gt_e2(a, 200)->hdr.flags, GTF_permit_access);
	/* No version change while a grant is held. */
	assert_int_equal(gt_set_version(h, a, abi, 1), -XEN_EBUSY);
	assert_int_equal(a->gnttab->version, 2);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
	assert_int_equal(gt_status2(a, 200), 0);

	/* Readonly, in the v2 header. */
	gt_grant2(a, 201, GTF_permit_access | GTF_readonly, b->id, FRAME(7));
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 201).status,
			 GNTST_general_error);
	assert_int_equal(gt_status2(a, 201), 0);
	m = gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map | GNTMAP_readonly, 201);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(gt_status2(a, 201), GTF_reading);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
	/* A 64-bit frame beyond any address, and a sub-page grant: not mappable. */
	gt_grant2(a, 202, GTF_permit_access, b->id, 1ull << 45);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 202).status,
			 GNTST_bad_page);
	assert_int_equal(gt_status2(a, 202), 0);
	gt_grant2_sub(a, 203, GTF_permit_access, b->id, FRAME(7), 0, 4096);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 203).status,
			 GNTST_general_error);
	assert_int_equal(gt_status2(a, 203), 0);
	/* Wrong grantee. */
	gt_grant2(a, 204, GTF_permit_access, a->id, FRAME(7));
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 204).status,
			 GNTST_general_error);

	assert_int_equal(gt_set_version(h, a, abi, 1), 0);
	harness__free(h);
}

/* Three maps fill a maptrack of 3; a freed slot is used again. */
static void maptrack_limit_per_abi(enum abi abi, void *ctx)
{
	(void)ctx;
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", 0, 0, 0);
	struct domain *b = gt_dom(h, "b", 0, 0, 3);
	grant_handle_t hd[3];

	for (grant_ref_t r = 0; r < 4; r++)
		gt_grant1(a, 10 + r, GTF_permit_access, b->id, FRAME(r));
	for (unsigned n = 0; n < 3; n++) {
		struct map_res m = gt_map(h, b, abi, a->id, MAP_AT(n), GNTMAP_host_map, 10 + n);
		assert_int_equal(m.status, GNTST_okay);
		hd[n] = m.handle;
	}
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(3), GNTMAP_host_map, 13).status,
			 GNTST_no_space);
	assert_int_equal(gt_flags1(a, 13), GTF_permit_access);
	assert_int_equal(gt_unmap(h, b, abi, MAP_AT(1), hd[1]).status, GNTST_okay);
	struct map_res m = gt_map(h, b, abi, a->id, MAP_AT(3), GNTMAP_host_map, 13);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(m.handle, hd[1]); /* the freed slot again */
	harness__free(h);
}

static void test_maptrack_limit(void **state)
{
	(void)state;
	harness__each_abi(maptrack_limit_per_abi, NULL);

	/* The limit is the domain's own: a larger one grows the maptrack. */
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", 0, 0, 0);
	struct domain *b = gt_dom(h, "b", 0, 0, 200);
	for (grant_ref_t r = 0; r < 201; r++)
		gt_grant1(a, r, GTF_permit_access | GTF_readonly, b->id, FRAME(0));
	for (unsigned n = 0; n < 200; n++)
		assert_int_equal(gt_map(h, b, ABI_FAST, a->id, MAP_AT(n), GNTMAP_host_map | GNTMAP_readonly,
				     n).status, GNTST_okay);
	assert_int_equal(gt_map(h, b, ABI_FAST, a->id, MAP_AT(200), GNTMAP_host_map | GNTMAP_readonly,
			     200).status, GNTST_no_space);
	assert_int_equal(a->gnttab->active[0].pin_ro, 1);
	harness__free(h);

	/* Configurations beyond the limits are refused at creation. */
	h = gt_world();
	struct domain *d = NULL;
	const struct domain_config big = { .nr_vcpus = 1, .max_grant_frames = 5000 };
	assert_int_equal(domain__create(&h->hv, &big, &d), -XEN_EINVAL);
	const struct domain_config big2 = { .nr_vcpus = 1, .max_maptrack = 1u << 30 };
	assert_int_equal(domain__create(&h->hv, &big2, &d), -XEN_EINVAL);
	harness__free(h);
}

/*
 * A mapper whose physical address width (CPUID 0x80000008, domain_config
 * paddr_bits) is 36: a host_addr at or beyond 2^36 is refused as Xen's p2m
 * refuses it (GNTST_general_error), the grant left as it was and the VMM
 * never asked. And the VMM's own limit of grant mappings it can back
 * (max_host_maps): one more is GNTST_no_device_space, distinct from a full
 * maptrack (GNTST_no_space); an unmap makes room again.
 */
static void paddr_width_per_abi(enum abi abi, void *ctx)
{
	(void)ctx;
	const uint32_t hm = GNTMAP_host_map;
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", 0, 0, 0);
	const struct domain_config cfg = { .name = "b", .nr_vcpus = 1, .flags = DOMAIN_FASTABI,
					   .paddr_bits = 36, .max_host_maps = 2 };
	struct domain *b = harness__domain_cfg(h, &cfg, RAM_MIB);

	for (grant_ref_t r = 0; r < 4; r++)
		gt_grant1(a, r, GTF_permit_access, b->id, FRAME(r));
	assert_int_equal(gt_map(h, b, abi, a->id, 1ull << 36, hm, 0).status, GNTST_general_error);
	assert_int_equal(gt_map(h, b, abi, a->id, (1ull << 40) + PAGE_SIZE, hm, 0).status,
			 GNTST_general_error);
	assert_int_equal(gt_flags1(a, 0), GTF_permit_access);
	assert_int_equal(a->gnttab->nr_pinned, 0);
	assert_int_equal(b->gnttab->maptrack_used, 0);
	assert_int_equal(gt_rec.maps, 0);
	/* The last page below the width is fine. */
	struct map_res m0 = gt_map(h, b, abi, a->id, (1ull << 36) - PAGE_SIZE, hm, 0);
	assert_int_equal(m0.status, GNTST_okay);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(1), hm, 1).status, GNTST_okay);
	/* Two mappings backed: the third is the VMM's limit, not the maptrack's. */
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(2), hm, 2).status, GNTST_no_device_space);
	assert_int_equal(gt_flags1(a, 2), GTF_permit_access);
	assert_int_equal(gt_rec.maps, 2);
	assert_int_equal(gt_unmap(h, b, abi, (1ull << 36) - PAGE_SIZE, m0.handle).status, GNTST_okay);
	assert_int_equal(gt_map(h, b, abi, a->id, MAP_AT(2), hm, 2).status, GNTST_okay);
	harness__free(h);

	/* A width the CPU cannot have is refused at creation. */
	h = gt_world();
	struct domain *d = NULL;
	const struct domain_config narrow = { .nr_vcpus = 1, .paddr_bits = 31 };
	assert_int_equal(domain__create(&h->hv, &narrow, &d), -XEN_EINVAL);
	const struct domain_config wide = { .nr_vcpus = 1, .paddr_bits = 53 };
	assert_int_equal(domain__create(&h->hv, &wide, &d), -XEN_EINVAL);
	harness__free(h);
}

static void test_paddr_width(void **state)
{
	(void)state;
	harness__each_abi(paddr_width_per_abi, NULL);
}

static void test_confidential(void **state)
{
	(void)state;
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", DOMAIN_CONFIDENTIAL, 0, 0);
	struct domain *b = gt_dom(h, "b", DOMAIN_CONFIDENTIAL, 0, 0);
	const uint16_t S = GNTCOPY_source_gref;
	const struct side src = { 1, 0, 0 }, dst = { FRAME(20), DOMID_SELF, 0 };
	int16_t st;

	gt_grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
	gt_grant1(a, 2, GTF_permit_access, b->id, FRAME(2));
	gt_fill(gt_page(h, a, FRAME(1)), 3);
	uint64_t a0 = guestmem__refused(&a->mem), b0 = guestmem__refused(&b->mem);

	/* Granted page private: the copy is refused, counted at the granter. */
	assert_int_equal(gt_copy(h, b, ABI_FAST, src, dst, 8, S, &st), 0);
	assert_int_equal(st, GNTST_permission_denied);
	assert_int_equal(guestmem__refused(&a->mem), a0 + 1);
	/* Shared, but our own page is private: refused at our side. */
	assert_int_equal(guestmem__share(&a->mem, gfn(FRAME(1)), 1), 0);
	assert_int_equal(gt_copy(h, b, ABI_FAST, src, dst, 8, S, &st), 0);
	assert_int_equal(st, GNTST_permission_denied);
	assert_int_equal(guestmem__refused(&b->mem), b0 + 1);
	assert_int_equal(guestmem__share(&b->mem, gfn(FRAME(20)), 1), 0);
	assert_int_equal(gt_copy(h, b, ABI_FAST, src, dst, 8, S, &st), 0);
	assert_int_equal(st, GNTST_okay);
	assert_memory_equal(gt_page(h, b, FRAME(20)), gt_page(h, a, FRAME(1)), 8);
	assert_int_equal(gt_flags1(a, 1), GTF_permit_access);

	/* A private page of a confidential granter is not mapped either. */
	a0 = guestmem__refused(&a->mem);
	assert_int_equal(gt_map(h, b, ABI_FAST, a->id, MAP_AT(0), GNTMAP_host_map, 2).status,
			 GNTST_permission_denied);
	assert_int_equal(guestmem__refused(&a->mem), a0 + 1);
	assert_int_equal(gt_flags1(a, 2), GTF_permit_access);
	struct map_res m = gt_map(h, b, ABI_FAST, a->id, MAP_AT(0), GNTMAP_host_map, 1);
	assert_int_equal(m.status, GNTST_okay);

	/* Legacy needs the guest's memory (page tables, structs): it fails cleanly. */
	b0 = guestmem__refused(&b->mem);
	uint64_t va;
	harness__alloc(h, b, sizeof(struct gnttab_unmap_grant_ref), &va);
	assert_int_equal(hleg64(&b->vcpus[0], GT, GNTTABOP_unmap_grant_ref, va, 1), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&b->mem), b0 + 1);
	assert_int_equal(b->gnttab->maptrack_used, 1);
	assert_int_equal(gt_unmap(h, b, ABI_FAST, MAP_AT(0), m.handle).status, GNTST_okay);
	harness__free(h);
}

static void test_destroy(void **state)
{
	(void)state;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	struct domain *c = gt_dom(h, "c", 0, 0, 0);

	gt_grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
	gt_grant1(c, 2, GTF_permit_access, b->id, FRAME(2));
	struct map_res m = gt_map(h, b, ABI_FAST, a->id, MAP_AT(0), GNTMAP_host_map, 1);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(gt_map(h, b, ABI_FAST, c->id, MAP_AT(1), GNTMAP_host_map, 2).status, GNTST_okay);
	assert_int_equal(gt_flags1(c, 2), GTF_permit_access | GTF_reading | GTF_writing);

	/* The granter goes: the VMM takes its page out of the mapper. */
	domain__destroy(a);
	assert_int_equal(gt_rec.unmaps, 1);
	assert_int_equal(gt_rec.last_unmap.mapper, b->id);
	assert_int_equal(gt_rec.last_unmap.at, MAP_AT(0));
	assert_int_equal(b->gnttab->maptrack_used, 1);
	assert_int_equal(gt_unmap(h, b, ABI_FAST, MAP_AT(0), m.handle).status, GNTST_bad_handle);
	/* The mapper goes: the granter's busy bits are released. */
	domain__destroy(b);
	assert_int_equal(gt_flags1(c, 2), GTF_permit_access);
	assert_int_equal(c->gnttab->nr_pinned, 0);
	harness__free(h);
}

/*
 * domain__kill (a domain stopped for good while others run): as destroy for
 * the others, while the domain stays in the world with its id.
 */
static void test_kill(void **state)
{
	(void)state;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	struct domain *c = gt_dom(h, "c", 0, 0, 0);

	gt_grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
	gt_grant1(c, 2, GTF_permit_access | GTF_readonly, b->id, FRAME(2));
	struct map_res m = gt_map(h, b, ABI_FAST, a->id, MAP_AT(0), GNTMAP_host_map, 1);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(gt_map(h, b, ABI_LEG64, c->id, MAP_AT(1),
				GNTMAP_host_map | GNTMAP_readonly, 2).status, GNTST_okay);
	assert_int_equal(gt_flags1(c, 2), GTF_permit_access | GTF_readonly | GTF_reading);

	/* The mapper is killed: the granters' busy bits go, access can end. */
	unsigned unmaps = gt_rec.unmaps;
	domain__kill(b);
	assert_ptr_equal(domain__by_id(b->hv, b->id), b);
	assert_null(b->gnttab);
	assert_int_equal(gt_flags1(a, 1), GTF_permit_access);
	assert_int_equal(gt_flags1(c, 2), GTF_permit_access | GTF_readonly);
	assert_int_equal(a->gnttab->nr_pinned, 0);
	assert_int_equal(gt_rec.unmaps, unmaps); /* its own mappings go with it */

	/*
	 * The granter is killed: as on Xen, the mapper keeps the page until it
	 * unmaps it (the granter's memory stays), and then the unmap succeeds
	 * and takes the mapping out (once).
	 */
	gt_grant1(a, 3, GTF_permit_access, c->id, FRAME(3));
	m = gt_map(h, c, ABI_FAST, a->id, MAP_AT(2), GNTMAP_host_map, 3);
	assert_int_equal(m.status, GNTST_okay);
	domain__kill(a);
	assert_int_equal(gt_rec.unmaps, unmaps);
	assert_int_equal(gt_unmap(h, c, ABI_FAST, MAP_AT(2), m.handle).status, GNTST_okay);
	assert_int_equal(gt_rec.unmaps, unmaps + 1);
	assert_int_equal(gt_rec.last_unmap.mapper, c->id);
	assert_int_equal(gt_rec.last_unmap.at, MAP_AT(2));
	assert_int_equal(gt_unmap(h, c, ABI_FAST, MAP_AT(2), m.handle).status, GNTST_bad_handle);
	/* Nothing to map from a killed granter. */
	assert_int_not_equal(gt_map(h, c, ABI_FAST, a->id, MAP_AT(2), GNTMAP_host_map, 3).status,
			     GNTST_okay);
	harness__free(h);
}

static void script(enum abi abi, int64_t *log, unsigned *n, uint8_t *mem)
{
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", 0, 0, 0);
	struct domain *b = gt_dom(h, "b", 0, 0, 2);
	const uint16_t S = GNTCOPY_source_gref, D = GNTCOPY_dest_gref;
	const struct side self = { FRAME(20), DOMID_SELF, 0 };
	uint32_t nr = 0, max = 0, ver = 0;
	int16_t st;
	struct map_res m;

#define LOG(x) (log[(*n)++] = (int64_t)(x))
	gt_fill(gt_page(h, a, FRAME(1)), 1);
	gt_fill(gt_page(h, b, FRAME(20)), 2);
	gt_grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
	gt_grant1(a, 2, GTF_permit_access | GTF_readonly, b->id, FRAME(2));
	gt_grant1(a, 3, GTF_permit_access, 7, FRAME(3));

	LOG(gt_query_size(h, a, abi, DOMID_SELF, &nr, &max));
	LOG(nr);
	LOG(max);
	LOG(gt_get_version(h, a, abi, DOMID_SELF, &ver));
	LOG(ver);
	m = gt_map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 1);
	LOG(m.ret), LOG(m.status), LOG(m.handle), LOG(gt_flags1(a, 1));
	grant_handle_t h1 = m.handle;
	m = gt_map(h, b, abi, a->id, MAP_AT(1), GNTMAP_host_map, 2);
	LOG(m.ret), LOG(m.status), LOG(m.handle);
	m = gt_map(h, b, abi, a->id, MAP_AT(1), GNTMAP_host_map | GNTMAP_readonly, 2);
	LOG(m.ret), LOG(m.status), LOG(m.handle), LOG(gt_flags1(a, 2));
	grant_handle_t h2 = m.handle;
	m = gt_map(h, b, abi, a->id, MAP_AT(2), GNTMAP_host_map, 3);
	LOG(m.ret), LOG(m.status), LOG(m.handle);
	gt_grant1(a, 4, GTF_permit_access, b->id, FRAME(4));
	m = gt_map(h, b, abi, a->id, MAP_AT(3), GNTMAP_host_map, 4); /* maptrack full */
	LOG(m.ret), LOG(m.status), LOG(m.handle);
	m = gt_map(h, b, abi, 12, MAP_AT(3), GNTMAP_host_map, 4);
	LOG(m.status);
	LOG(gt_set_version(h, a, abi, 2)); /* busy */
	LOG(gt_copy(h, b, abi, (struct side){ 1, a->id, 10 }, self, 100, S, &st)), LOG(st);
	LOG(gt_copy(h, b, abi, self, (struct side){ 2, a->id, 10 }, 100, D, &st)), LOG(st);
	LOG(gt_copy(h, b, abi, self, (struct side){ 1, a->id, 4000 }, 100, D, &st)), LOG(st);
	LOG(gt_copy(h, b, abi, self, (struct side){ 1, a->id, 4000 }, 96, D, &st)), LOG(st);
	LOG(gt_copy(h, b, abi, (struct side){ FRAME(1), a->id, 0 }, self, 1, 0, &st)), LOG(st);
	m = gt_unmap(h, b, abi, MAP_AT(0), h1);
	LOG(m.ret), LOG(m.status), LOG(gt_flags1(a, 1));
	m = gt_unmap(h, b, abi, MAP_AT(0), h1);
	LOG(m.ret), LOG(m.status);
	m = gt_unmap(h, b, abi, MAP_AT(1), h2);
	LOG(m.ret), LOG(m.status), LOG(gt_flags1(a, 2));
	LOG(gt_set_version(h, a, abi, 2));
	LOG(gt_get_version(h, a, abi, DOMID_SELF, &ver));
	LOG(ver);
	gt_grant2(a, 9, GTF_permit_access, b->id, FRAME(9));
	m = gt_map(h, b, abi, a->id, MAP_AT(4), GNTMAP_host_map, 9);
	LOG(m.ret), LOG(m.status), LOG(m.handle), LOG(gt_status2(a, 9));
	LOG(gt_rec.maps), LOG(gt_rec.unmaps);
#undef LOG
	memcpy(mem, gt_page(h, a, FRAME(1)), PAGE_SIZE);
	memcpy(mem + PAGE_SIZE, gt_page(h, b, FRAME(20)), PAGE_SIZE);
	harness__free(h);
}

static void test_identical(void **state)
{
	(void)state;
	int64_t log[NR_ABIS][128];
	unsigned n[NR_ABIS] = { 0 };
	static uint8_t mem[NR_ABIS][2 * PAGE_SIZE];

	for (unsigned i = 0; i < NR_ABIS; i++)
		script(i, log[i], &n[i], mem[i]);
	for (unsigned i = 1; i < NR_ABIS; i++) {
		assert_int_equal(n[i], n[0]);
		for (unsigned k = 0; k < n[0]; k++)
			if (log[i][k] != log[0][k])
				fail_msg("%s differs from %s at step %u: %lld vs %lld", harness__abi_name(i),
					 harness__abi_name(0), k, (long long)log[i][k], (long long)log[0][k]);
		assert_memory_equal(mem[i], mem[0], sizeof(mem[0]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		harness_abi_test(test_map_unmap_v1),
		harness_abi_test(test_revoked_while_mapped),
		harness_abi_test(test_map_readonly),
		harness_abi_test(test_map_refused),
		cmocka_unit_test(test_map_self_and_device),
		harness_abi_test(test_map_v2),
		cmocka_unit_test(test_maptrack_limit),
		cmocka_unit_test(test_paddr_width),
		cmocka_unit_test(test_confidential),
		cmocka_unit_test(test_destroy),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_identical),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
