/*
 * Grant tables, many ops in one call: FastABI batches (map, unmap, copy pages of
 * entries that continue by re-executing the trap) and legacy arrays with Xen's
 * continuation, and the calls neither ABI serves.
 */

#include <string.h>

#include "gt_test.h"

/* Maps or unmaps one trap does before it continues (nothing pending to deliver). */
#define MAPS_PER_TRAP (GNTTAB_BATCH_WORK / GNTTAB_WORK_MAP)

static void test_batch_map_unmap(void **state)
{
	(void)state;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	struct hv_vcpu *v = &b->vcpus[0];
	struct harness_result res;
	unsigned restarts;
	uint64_t pg;
	enum { N = MAPS_PER_TRAP + 36 }; /* a page holds 128 */

	struct gnttab_map_grant_ref *e = harness__alloc_page(h, b, &pg);
	for (unsigned i = 0; i < N; i++) {
		gt_grant1(a, 16 + i, GTF_permit_access, b->id, FRAME(i));
		e[i] = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(i), .flags = GNTMAP_host_map,
						      .ref = 16 + i, .dom = a->id };
	}
	e[7].ref = 100000; /* one bad entry: its own status, the batch goes on */

	/* One trap's work budget of entries, then the trap is re-executed. */
	int64_t ret = harness__fast(v, GT, GNTTABOP_fastabi_map_batch,
				    (const uint64_t[6]){ pg, N, 0, 0x5555, 0x6666, 0x7777 }, &res);
	assert_int_equal(res.result, HV_CALL_RESTART);
	assert_int_equal(ret, (int64_t)(GT | __HYPERVISOR_FASTABI_MASK)); /* rax kept */
	assert_int_equal(harness__reg(&res.regs, 4), MAPS_PER_TRAP);
	assert_int_equal(gt_rec.maps, MAPS_PER_TRAP - 1);
	assert_int_equal(e[MAPS_PER_TRAP].status, 0); /* not reached yet */
	/* The rest, continuing from the registers the call left. */
	ret = harness__fast_loop(v, GT, GNTTABOP_fastabi_map_batch,
				 (const uint64_t[6]){ pg, N, harness__reg(&res.regs, 4) }, &res,
				 &restarts);
	assert_int_equal(ret, 0);
	assert_int_equal(restarts, 0);
	assert_int_equal(harness__reg(&res.regs, 4), N);
	/* Each entry exactly once. */
	assert_int_equal(gt_rec.maps, N - 1);
	assert_int_equal(b->gnttab->maptrack_used, N - 1);
	for (unsigned i = 0; i < N; i++) {
		if (i == 7) {
			assert_int_equal(e[i].status, GNTST_bad_gntref);
			assert_int_equal(e[i].handle, GNTTAB_INVALID_HANDLE);
			continue;
		}
		assert_int_equal(e[i].status, GNTST_okay);
		assert_int_equal(gt_flags1(a, 16 + i), GTF_permit_access | GTF_reading | GTF_writing);
		for (unsigned j = 0; j < i; j++)
			if (j != 7)
				assert_int_not_equal(e[i].handle, e[j].handle);
	}

	/* Unmap them all in one batch (the bad one reports a bad handle). */
	uint64_t upg;
	struct gnttab_unmap_grant_ref *u = harness__alloc_page(h, b, &upg);
	for (unsigned i = 0; i < N; i++)
		u[i] = (struct gnttab_unmap_grant_ref){ .host_addr = MAP_AT(i), .handle = e[i].handle };
	ret = harness__fast_loop(v, GT, GNTTABOP_fastabi_unmap_batch,
				 (const uint64_t[6]){ upg, N, 0 }, &res, &restarts);
	assert_int_equal(ret, 0);
	assert_int_equal(restarts, 1);
	assert_int_equal(gt_rec.unmaps, N - 1);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(u[i].status, i == 7 ? GNTST_bad_handle : GNTST_okay);
		assert_int_equal(gt_flags1(a, 16 + i), GTF_permit_access);
	}
	assert_int_equal(b->gnttab->maptrack_used, 0);
	harness__free(h);
}

/* Entry i moves the page up by one byte: a skipped or repeated entry shows. */
static void shift_entries(struct gnttab_copy *e, unsigned n, uint64_t frame)
{
	for (unsigned i = 0; i < n; i++)
		e[i] = (struct gnttab_copy){
			.source = { .u.gmfn = frame, .domid = DOMID_SELF, .offset = 0 },
			.dest = { .u.gmfn = frame, .domid = DOMID_SELF, .offset = 1 },
			.len = PAGE_SIZE - 1,
		};
}

static void check_shifted(const uint8_t *now, const uint8_t *orig, unsigned n)
{
	for (unsigned k = 0; k < PAGE_SIZE; k++)
		assert_int_equal(now[k], orig[k < n ? 0 : k - n]);
}

static void test_batch_copy(void **state)
{
	(void)state;
	enum { N = 37 };
	uint8_t orig[PAGE_SIZE], result[NR_ABIS][PAGE_SIZE];

	gt_fill(orig, 77);
	HARNESS_ABIS(abi) {
		struct domain *a, *b;
		struct harness *h = gt_pair(&a, &b);
		struct hv_vcpu *v = &b->vcpus[0];
		unsigned restarts;
		uint64_t pg;
		int64_t ret;

		memcpy(gt_page(h, b, FRAME(30)), orig, PAGE_SIZE);
		if (abi == ABI_FAST) {
			struct gnttab_copy *e = harness__alloc_page(h, b, &pg);
			shift_entries(e, N, FRAME(30));
			ret = harness__fast_loop(v, GT, GNTTABOP_fastabi_copy_batch,
						 (const uint64_t[6]){ pg, N, 0 }, NULL, &restarts);
			for (unsigned k = 0; k < N; k++)
				assert_int_equal(e[k].status, GNTST_okay);
		} else if (abi == ABI_LEG64) {
			struct gnttab_copy *e = harness__alloc_page(h, b, &pg);
			shift_entries(e, N, FRAME(30));
			ret = harness__legacy_loop(v, true, GT,
						   (const uint64_t[5]){ GNTTABOP_copy, pg, N }, NULL,
						   &restarts);
			for (unsigned k = 0; k < N; k++)
				assert_int_equal(e[k].status, GNTST_okay);
		} else {
			struct compat_copy *e = harness__alloc_page(h, b, &pg);
			for (unsigned k = 0; k < N; k++)
				e[k] = (struct compat_copy){
					.source = { FRAME(30), DOMID_SELF, 0 },
					.dest = { FRAME(30), DOMID_SELF, 1 },
					.len = PAGE_SIZE - 1, .status = 99,
				};
			ret = harness__legacy_loop(v, false, GT,
						   (const uint64_t[5]){ GNTTABOP_copy, pg, N }, NULL,
						   &restarts);
			for (unsigned k = 0; k < N; k++)
				assert_int_equal(e[k].status, GNTST_okay);
		}
		assert_int_equal(ret, 0);
		/* 37 copies of 4095 bytes: 148 work units, one trap. */
		assert_int_equal(restarts, 0);
		check_shifted(gt_page(h, b, FRAME(30)), orig, N);
		memcpy(result[abi], gt_page(h, b, FRAME(30)), PAGE_SIZE);

		/* Through grants as well: a's page copied into b's in a batch of 20 chunks. */
		gt_fill(gt_page(h, a, FRAME(3)), 5);
		gt_grant1(a, 9, GTF_permit_access | GTF_readonly, b->id, FRAME(3));
		if (abi == ABI_FAST) {
			struct gnttab_copy *e = harness__alloc_page(h, b, &pg);
			for (unsigned k = 0; k < 20; k++)
				e[k] = (struct gnttab_copy){
					.source = { .u.ref = 9, .domid = a->id, .offset = k * 200 },
					.dest = { .u.gmfn = FRAME(31), .domid = DOMID_SELF,
						  .offset = k * 200 },
					.len = 200, .flags = GNTCOPY_source_gref,
				};
			ret = harness__fast_loop(v, GT, GNTTABOP_fastabi_copy_batch,
						 (const uint64_t[6]){ pg, 20, 0 }, NULL, &restarts);
			assert_int_equal(ret, 0);
			assert_int_equal(restarts, 0);
			assert_memory_equal(gt_page(h, b, FRAME(31)), gt_page(h, a, FRAME(3)), 4000);
		}
		assert_int_equal(gt_flags1(a, 9), GTF_permit_access | GTF_readonly);
		harness__free(h);
	}
	/* Identical results through every ABI. */
	assert_memory_equal(result[0], result[1], PAGE_SIZE);
	assert_memory_equal(result[0], result[2], PAGE_SIZE);
}

static void test_batch_bad(void **state)
{
	(void)state;
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", 0, 0, 0);
	struct domain *b = gt_dom(h, "b", DOMAIN_CONFIDENTIAL, 0, 0);
	struct hv_vcpu *va_ = &a->vcpus[0], *vb = &b->vcpus[0];
	struct harness_result res;
	uint64_t pg;
	const unsigned map_per_page = PAGE_SIZE / sizeof(struct gnttab_map_grant_ref);
	const unsigned copy_per_page = PAGE_SIZE / sizeof(struct gnttab_copy);

	harness__alloc_page(h, a, &pg);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_map_batch, pg + 8, 1, 0), -XEN_EINVAL);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_map_batch, pg, map_per_page + 1, 0),
			 -XEN_EINVAL);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_copy_batch, pg, copy_per_page + 1, 0),
			 -XEN_EINVAL);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_unmap_batch, pg, 3, 4), -XEN_EINVAL);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_map_batch, 0x40000000, 1, 0), -XEN_EFAULT);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_map_batch, pg, 1ull << 32, 0),
			 -XEN_EINVAL); /* refused by the decoder */
	/* Nothing to do, or all done: success without work. */
	assert_int_equal(hfast_res(&res, va_, GT, GNTTABOP_fastabi_map_batch, pg, 0, 0), 0);
	assert_int_equal(harness__reg(&res.regs, 4), 0);
	assert_int_equal(hfast_res(&res, va_, GT, GNTTABOP_fastabi_map_batch, pg, 5, 5), 0);
	assert_int_equal(harness__reg(&res.regs, 4), 5);
	/* A full page of entries is allowed (all bad refs here: statuses only). */
	unsigned restarts;
	assert_int_equal(harness__fast_loop(va_, GT, GNTTABOP_fastabi_unmap_batch,
					    (const uint64_t[6]){ pg, PAGE_SIZE / 24, 0 }, &res,
					    &restarts), 0);
	assert_int_equal(harness__reg(&res.regs, 4), PAGE_SIZE / 24);

	/* Confidential: a batch page not shared is refused and counted; nothing is done. */
	gt_grant1(a, 5, GTF_permit_access, b->id, FRAME(1));
	struct gnttab_map_grant_ref *e = harness__alloc_page(h, b, &pg);
	e[0] = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(0), .flags = GNTMAP_host_map,
					      .ref = 5, .dom = a->id };
	uint64_t r0 = guestmem__refused(&b->mem);
	assert_int_equal(hfast_res(&res, vb, GT, GNTTABOP_fastabi_map_batch, pg, 1, 0), -XEN_EACCES);
	assert_int_equal(harness__reg(&res.regs, 4), 0); /* not written on failure */
	assert_int_equal(guestmem__refused(&b->mem), r0 + 1);
	assert_int_equal(gt_rec.maps, 0);
	assert_int_equal(gt_flags1(a, 5), GTF_permit_access);
	/* Shared (XENMEM_fastabi_share's effect): it works. */
	assert_int_equal(guestmem__share(&b->mem, gfn_of(gpa(pg)), 1), 0);
	assert_int_equal(hfast(vb, GT, GNTTABOP_fastabi_map_batch, pg, 1, 0), 0);
	assert_int_equal(e[0].status, GNTST_okay);
	assert_int_equal(gt_rec.maps, 1);
	assert_int_equal(guestmem__refused(&b->mem), r0 + 1);
	harness__free(h);
}

static void test_legacy_arrays(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(abi) {
		bool m64 = abi == ABI_LEG64;
		struct domain *a, *b;
		struct harness *h = gt_pair(&a, &b);
		struct hv_vcpu *v = &b->vcpus[0];
		struct harness_result res;
		unsigned restarts;
		uint64_t va;
		enum { N = MAPS_PER_TRAP + 35 };

		struct gnttab_map_grant_ref *e = harness__alloc(h, b, N * sizeof(*e), &va);
		for (unsigned k = 0; k < N; k++) {
			gt_grant1(a, k, GTF_permit_access, b->id, FRAME(k));
			e[k] = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(k),
							      .flags = GNTMAP_host_map, .ref = k,
							      .dom = a->id };
		}
		/* One step, then the arguments describe the rest (as on Xen). */
		int64_t ret = harness__legacy(v, m64, GT,
					      (const uint64_t[5]){ GNTTABOP_map_grant_ref, va, N },
					      &res);
		assert_int_equal(res.result, HV_CALL_RESTART);
		assert_int_equal(ret, m64 ? GT : (int64_t)(int32_t)GT);
		uint64_t uop = m64 ? res.regs.rsi : (uint32_t)res.regs.rcx;
		uint64_t cnt = m64 ? res.regs.rdx : (uint32_t)res.regs.rdx;
		assert_int_equal(uop, va + MAPS_PER_TRAP * sizeof(*e));
		assert_int_equal(cnt, N - MAPS_PER_TRAP);
		assert_int_equal(gt_rec.maps, MAPS_PER_TRAP);
		ret = harness__legacy_loop(v, m64, GT,
					   (const uint64_t[5]){ GNTTABOP_map_grant_ref, uop, cnt },
					   &res, &restarts);
		assert_int_equal(ret, 0);
		assert_int_equal(restarts, 0);
		assert_int_equal(gt_rec.maps, N);
		for (unsigned k = 0; k < N; k++) {
			assert_int_equal(e[k].status, GNTST_okay);
			assert_int_equal(gt_flags1(a, k), GTF_permit_access | GTF_reading | GTF_writing);
		}
		/* Unmap all with one call (looping over the continuations). */
		struct gnttab_unmap_grant_ref *u = harness__alloc(h, b, N * sizeof(*u), &va);
		for (unsigned k = 0; k < N; k++)
			u[k] = (struct gnttab_unmap_grant_ref){ .host_addr = MAP_AT(k),
								.handle = e[k].handle };
		ret = harness__legacy_loop(v, m64, GT,
					   (const uint64_t[5]){ GNTTABOP_unmap_grant_ref, va, N },
					   NULL, &restarts);
		assert_int_equal(ret, 0);
		assert_int_equal(restarts, 1);
		assert_int_equal(gt_rec.unmaps, N);
		for (unsigned k = 0; k < N; k++) {
			assert_int_equal(u[k].status, GNTST_okay);
			assert_int_equal(gt_flags1(a, k), GTF_permit_access);
		}

		/* count 0: nothing. An array that runs into an unmapped page: the entries
		 * before it are done, then -EFAULT. */
		assert_int_equal(harness__legacy(v, m64, GT,
						 (const uint64_t[5]){ GNTTABOP_map_grant_ref, va, 0 },
						 NULL), 0);
		uint64_t at;
		e = harness__alloc_cross(h, b, 2 * sizeof(*e), sizeof(*e), &at);
		e[0] = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(0), .flags = GNTMAP_host_map,
						      .ref = 0, .dom = a->id };
		if (m64) {
			*harness__pte(h, b, at + sizeof(*e)) = 0;
			ret = harness__legacy(v, m64, GT,
					      (const uint64_t[5]){ GNTTABOP_map_grant_ref, at, 2 }, NULL);
			assert_int_equal(ret, -XEN_EFAULT);
			assert_int_equal(e[0].status, GNTST_okay);
			assert_int_equal(gt_rec.maps, N + 1);
		}
		harness__free(h);
	}
}

static void test_legacy_misc(void **state)
{
	(void)state;
	struct harness *h = gt_world();
	struct domain *a = gt_dom(h, "a", 0, 0, 0);
	struct hv_vcpu *v = &a->vcpus[0];
	uint64_t va;

	harness__alloc(h, a, 64, &va);
	static const uint64_t unserved[] = {
		GNTTABOP_dump_table, GNTTABOP_transfer, GNTTABOP_unmap_and_replace,
		GNTTABOP_get_status_frames, GNTTABOP_cache_flush, GNTTABOP_fastabi_map_batch,
		GNTTABOP_fastabi_copy_batch, 13, 1ull << 32,
	};
	for (unsigned i = 0; i < sizeof(unserved) / sizeof(unserved[0]); i++) {
		assert_int_equal(hleg64(v, GT, unserved[i], va, 1), -XEN_ENOSYS);
		if (unserved[i] <= UINT32_MAX) /* 32-bit code has no upper half to pass */
			assert_int_equal(hleg32(v, GT, unserved[i], va, 1), -XEN_ENOSYS);
	}
	/* FastABI: the ops without a FastABI form are unknown. */
	assert_int_equal(hfast(v, GT, GNTTABOP_setup_table, 0), -XEN_ENOSYS);
	assert_int_equal(hfast(v, GT, GNTTABOP_get_status_frames, 0), -XEN_ENOSYS);
	/* Counts: Xen's unsigned int; single-struct ops take exactly one. */
	assert_int_equal(hleg64(v, GT, GNTTABOP_map_grant_ref, va, 1ull << 32), -XEN_EINVAL);
	assert_int_equal(hleg64(v, GT, GNTTABOP_query_size, va, 0), -XEN_EINVAL);
	assert_int_equal(hleg64(v, GT, GNTTABOP_set_version, va, 2), -XEN_EINVAL);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_version, va, 0), -XEN_EINVAL);
	assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 5), -XEN_EINVAL);
	/* Pointers nowhere. */
	assert_int_equal(hleg64(v, GT, GNTTABOP_query_size, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_set_version, 0x40000000, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_version, 0xffff800000000000ull, 1),
			 -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_swap_grant_ref, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_map_grant_ref, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_unmap_grant_ref, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_copy, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg32(v, GT, GNTTABOP_copy, 0x40000000, 1), -XEN_EFAULT);
	/* A struct straddling a page whose second half is unmapped. */
	uint64_t at;
	harness__alloc_cross(h, a, sizeof(struct gnttab_query_size), 4, &at);
	*harness__pte(h, a, at + 4) = 0;
	assert_int_equal(hleg64(v, GT, GNTTABOP_query_size, at, 1), -XEN_EFAULT);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_map_unmap),
		cmocka_unit_test(test_batch_copy),
		cmocka_unit_test(test_batch_bad),
		cmocka_unit_test(test_legacy_arrays),
		cmocka_unit_test(test_legacy_misc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
