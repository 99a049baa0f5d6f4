/*
 * grant_table_op through both ABIs: query_size, versions, a grant of our
 * own page copied back to ourselves (legacy GNTTABOP_copy and FastABI copy),
 * and, with the fixed layout's foreign window, map and unmap of that grant.
 */
#include "guest.h"
#include "common/gnttab_both.h"

const char test_title[] = "gnttab";

#define REF 10

static uint8_t src[PAGE_SIZE] __page_noinit;
static uint8_t dst_l[PAGE_SIZE] __page_noinit;
static uint8_t dst_f[PAGE_SIZE] __page_noinit;

static void versions(void)
{
	struct gnttab_query_size ql = { .dom = DOMID_SELF }, qf = { .dom = DOMID_SELF };
	long lrc = hypercall_grant_table_op(GNTTABOP_query_size, &ql, 1);
	int64_t frc = xen_hypercall_grant_table_query_size(&qf);
	printf("query_size: legacy %ld status %d frames %u/%u; fast %lld frames %u/%u\n", lrc,
	       ql.status, ql.nr_frames, ql.max_nr_frames, (long long)frc, qf.nr_frames,
	       qf.max_nr_frames);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(ql.status, GNTST_okay);
	CHECK_EQ(frc, 0);
	CHECK_EQ(ql.nr_frames, qf.nr_frames);
	CHECK_EQ(ql.max_nr_frames, qf.max_nr_frames);

	struct gnttab_get_version gl = { .dom = DOMID_SELF }, gf = { .dom = DOMID_SELF };
	CHECK_EQ(hypercall_grant_table_op(GNTTABOP_get_version, &gl, 1), 0);
	CHECK_EQ(xen_hypercall_grant_table_get_version(&gf), 0);
	printf("get_version: legacy %u, fast %u\n", gl.version, gf.version);
	CHECK_EQ(gl.version, 1);
	CHECK_EQ(gf.version, 1);

	struct gnttab_set_version sv = { .version = 2 };
	CHECK_EQ(xen_hypercall_grant_table_set_version(&sv), 0);
	CHECK_EQ(hypercall_grant_table_op(GNTTABOP_get_version, &gl, 1), 0);
	sv.version = 1;
	CHECK_EQ(hypercall_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
	CHECK_EQ(xen_hypercall_grant_table_get_version(&gf), 0);
	printf("set 2 (fast) -> legacy sees %u; set 1 (legacy) -> fast sees %u\n", gl.version,
	       gf.version);
	CHECK_EQ(gl.version, 2);
	CHECK_EQ(gf.version, 1);
}

static void copies(void)
{
	struct gnttab_copy cl = {
		.source = { .u.ref = REF, .domid = DOMID_SELF, .offset = 16 },
		.dest = { .u.gmfn = (uintptr_t)dst_l >> 12, .domid = DOMID_SELF, .offset = 32 },
		.len = 200,
		.flags = GNTCOPY_source_gref,
	};
	struct gnttab_copy cf = cl;
	cf.dest.u.gmfn = (uintptr_t)dst_f >> 12;

	long lrc = hypercall_grant_table_op(GNTTABOP_copy, &cl, 1);
	int64_t frc = xen_hypercall_grant_table_copy(&cf);
	gnttab_both_ok("copy 200 bytes from the granted ref", lrc, cl.status, frc, cf.status);
	CHECK(!memcmp(dst_l + 32, src + 16, 200));
	CHECK(!memcmp(dst_f + 32, src + 16, 200));
	CHECK_EQ(dst_l[31], 0);
	CHECK_EQ(dst_l[232], 0);

	/* A reference that grants nothing: the same per-op status from both. */
	cl.source.u.ref = cf.source.u.ref = REF + 1;
	lrc = hypercall_grant_table_op(GNTTABOP_copy, &cl, 1);
	frc = xen_hypercall_grant_table_copy(&cf);
	gnttab_both_refused("copy from an empty ref", lrc, cl.status, frc, cf.status);
}

static void maps(void)
{
	uint64_t win = foreign_window();
	if (!win || win + 2 * PAGE_SIZE > (uint64_t)BOOT_MAP_GIB << 30) {
		printf("map: no foreign window in reach (run with --fixed-mem-layout): skipped\n");
		return;
	}
	struct gnttab_map_grant_ref ml = {
		.host_addr = win, .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = REF,
		.dom = DOMID_SELF,
	};
	struct gnttab_map_grant_ref mf = ml;
	mf.host_addr = win + PAGE_SIZE;
	long lrc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, &ml, 1);
	int64_t frc = xen_hypercall_grant_table_map_grant_ref(&mf);
	printf("map ref %u: legacy %ld status %d handle %u at %#llx, fast %lld status %d handle %u at %#llx\n",
	       REF, lrc, ml.status, ml.handle, (unsigned long long)ml.host_addr, (long long)frc,
	       mf.status, mf.handle, (unsigned long long)mf.host_addr);
	if (!CHECK_EQ(lrc, 0) || !CHECK_EQ(frc, 0) || !CHECK_EQ(ml.status, GNTST_okay) ||
	    !CHECK_EQ(mf.status, GNTST_okay))
		return;
	CHECK(!memcmp((void *)(uintptr_t)ml.host_addr, src, 64));
	CHECK(!memcmp((void *)(uintptr_t)mf.host_addr, src, 64));

	struct gnttab_unmap_grant_ref ul = { .host_addr = ml.host_addr, .handle = ml.handle };
	struct gnttab_unmap_grant_ref uf = { .host_addr = mf.host_addr, .handle = mf.handle };
	lrc = hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &uf, 1); /* crossed */
	frc = xen_hypercall_grant_table_unmap_grant_ref(&ul);
	gnttab_both_ok("unmap", lrc, uf.status, frc, ul.status);
}

void test_main(void)
{
	if (!xtf_both_abis_ready())
		return;
	versions();

	grant_entry_v1_t *gt = grant_frame0_map();
	if (!gt) {
		xtf_error("grant frame 0 not available");
		return;
	}
	for (unsigned i = 0; i < 256; i++) /* the bytes the checks read; each store is emulated */
		src[i] = (uint8_t)(i * 7 + 1);
	gt[REF].domid = (domid_t)xen_info.domid;
	gt[REF].frame = (uint32_t)((uintptr_t)src >> 12);
	barrier();
	ACCESS_ONCE(gt[REF].flags) = GTF_permit_access;
	gt[REF + 1].flags = 0;

	copies();
	maps();

	ACCESS_ONCE(gt[REF].flags) = 0;
	if (xtf_result() < 0)
		xtf_success(NULL);
}
