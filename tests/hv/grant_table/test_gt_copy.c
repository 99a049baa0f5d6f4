/*
 * Grant tables, copy: GNTTABOP_copy between grants and own frames through every ABI,
 * its argument checks, and v2 sub-page grants.
 */

#include <string.h>

#include "gt_test.h"

static void test_copy(enum abi abi, void *ctx)
{
	(void)ctx;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	const uint16_t S = GNTCOPY_source_gref, D = GNTCOPY_dest_gref;
	const struct side self = { FRAME(20), DOMID_SELF, 0 };

	gt_fill(gt_page(h, a, FRAME(1)), 1);
	memset(gt_page(h, a, FRAME(2)), 0, PAGE_SIZE);
	gt_fill(gt_page(h, b, FRAME(20)), 50);
	gt_grant1(a, 1, GTF_permit_access | GTF_readonly, b->id, FRAME(1));
	gt_grant1(a, 2, GTF_permit_access, b->id, FRAME(2));

	/* From a grant to our own frame. */
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 1, a->id, 100 },
				 (struct side){ FRAME(20), DOMID_SELF, 8 }, 64, S), GNTST_okay);
	assert_memory_equal(gt_page(h, b, FRAME(20)) + 8, gt_page(h, a, FRAME(1)) + 100, 64);
	assert_int_equal(gt_flags1(a, 1), GTF_permit_access | GTF_readonly); /* busy only during */
	/* From our frame (named by our id) into a writable grant. */
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ FRAME(20), b->id, 0 },
				 (struct side){ 2, a->id, 4000 }, 96, D), GNTST_okay);
	assert_memory_equal(gt_page(h, a, FRAME(2)) + 4000, gt_page(h, b, FRAME(20)), 96);
	assert_int_equal(gt_flags1(a, 2), GTF_permit_access);
	/* Grant to grant, whole page. */
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 1, a->id, 0 },
				 (struct side){ 2, a->id, 0 }, PAGE_SIZE, S | D), GNTST_okay);
	assert_memory_equal(gt_page(h, a, FRAME(2)), gt_page(h, a, FRAME(1)), PAGE_SIZE);
	/* len 0 does nothing and works. */
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 1, a->id, 4096 }, self, 0, S),
			 GNTST_okay);

	/* A readonly grant is a source only. */
	assert_int_equal(gt_copy_ok(h, b, abi, self, (struct side){ 1, a->id, 0 }, 8, D),
			 GNTST_general_error);
	assert_int_equal(gt_flags1(a, 1), GTF_permit_access | GTF_readonly);
	/* Within one page on each side. */
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 1, a->id, 4090 }, self, 7, S),
			 GNTST_bad_copy_arg);
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 1, a->id, 0 },
				 (struct side){ FRAME(20), DOMID_SELF, 4095 }, 2, S),
			 GNTST_bad_copy_arg);
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 1, a->id, 0xffff }, self, 1, S),
			 GNTST_bad_copy_arg);
	/* Unknown flags. */
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 1, a->id, 0 }, self, 1, S | 4),
			 GNTST_bad_copy_arg);
	/* Bad refs, domains, frames. */
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 512, a->id, 0 }, self, 1, S),
			 GNTST_bad_gntref);
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 1, 9, 0 }, self, 1, S),
			 GNTST_bad_domain);
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 0x7fffff, DOMID_SELF, 0 },
				 (struct side){ 2, a->id, 0 }, 1, D), GNTST_bad_page);
	assert_int_equal(gt_flags1(a, 2), GTF_permit_access); /* the dest's hold was dropped */
	/* Another domain's frame without a grant: never. */
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ FRAME(1), a->id, 0 }, self, 1, 0),
			 GNTST_permission_denied);
	assert_int_equal(gt_copy_ok(h, b, abi, self, (struct side){ FRAME(1), a->id, 0 }, 1, 0),
			 GNTST_permission_denied);
	/* A grant to someone else. */
	gt_grant1(a, 3, GTF_permit_access, a->id, FRAME(1));
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 3, a->id, 0 }, self, 1, S),
			 GNTST_general_error);
	/* A special page is not a frame to copy to. */
	struct domain *f = gt_dom(h, "f", DOMAIN_FIXED_LAYOUT, 0, 0);
	gt_grant1(a, 4, GTF_permit_access, f->id, FRAME(1));
	assert_int_equal(gt_copy_ok(h, f, abi, (struct side){ 4, a->id, 0 },
				 (struct side){ gfn_val(f->shared_info_gfn), DOMID_SELF, 0 },
				 8, S), GNTST_bad_page);
	if (abi == ABI_FAST) {
		/* The register form carries a ref in all of u.gmfn: above 32 bits is no ref. */
		assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ (1ull << 32) | 1, a->id, 0 },
					 self, 1, S), GNTST_bad_gntref);
		/* Packed registers with reserved bits never reach the core. */
		assert_int_equal(hfast(&b->vcpus[0], GT, GNTTABOP_copy, 1, 1ull << 40, 0, 0, 1),
				 -XEN_EINVAL);
	}
	if (abi == ABI_LEG64) {
		/* A legacy guest names the ref in u.ref: the upper half is not its to mean. */
		uint64_t va;
		struct gnttab_copy *op = harness__alloc(h, b, sizeof(*op), &va);
		memset(op, 0xee, sizeof(*op));
		op->source.u.ref = 1;
		op->source.domid = a->id;
		op->source.offset = 0;
		op->dest.u.gmfn = FRAME(20);
		op->dest.domid = DOMID_SELF;
		op->dest.offset = 0;
		op->len = 16;
		op->flags = S;
		assert_int_equal(hleg64(&b->vcpus[0], GT, GNTTABOP_copy, va, 1), 0);
		assert_int_equal(op->status, GNTST_okay);
		assert_int_equal(op->source.u.gmfn >> 32, 0xeeeeeeee); /* not written */
	}
	assert_int_equal(a->gnttab->nr_pinned, 0);
	harness__free(h);
}

static void test_copy_v2_sub_page(enum abi abi, void *ctx)
{
	(void)ctx;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	const struct side self = { FRAME(20), DOMID_SELF, 0 };

	assert_int_equal(gt_set_version(h, a, abi, 2), 0);
	gt_fill(gt_page(h, a, FRAME(5)), 9);
	gt_grant2_sub(a, 7, GTF_permit_access, b->id, FRAME(5), 1024, 512);
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 7, a->id, 1024 }, self, 512,
				 GNTCOPY_source_gref), GNTST_okay);
	assert_memory_equal(gt_page(h, b, FRAME(20)), gt_page(h, a, FRAME(5)) + 1024, 512);
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 7, a->id, 1023 }, self, 10,
				 GNTCOPY_source_gref), GNTST_general_error);
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 7, a->id, 1500 }, self, 37,
				 GNTCOPY_source_gref), GNTST_general_error);
	assert_int_equal(gt_copy_ok(h, b, abi, self, (struct side){ 7, a->id, 1100 }, 100,
				 GNTCOPY_dest_gref), GNTST_okay);
	assert_memory_equal(gt_page(h, a, FRAME(5)) + 1100, gt_page(h, b, FRAME(20)), 100);
	/* A range that does not fit the page. */
	gt_grant2_sub(a, 8, GTF_permit_access, b->id, FRAME(5), 4000, 200);
	assert_int_equal(gt_copy_ok(h, b, abi, (struct side){ 8, a->id, 4000 }, self, 10,
				 GNTCOPY_source_gref), GNTST_general_error);
	assert_int_equal(gt_status2(a, 7), 0);
	assert_int_equal(gt_status2(a, 8), 0);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		harness_abi_test(test_copy),
		harness_abi_test(test_copy_v2_sub_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
