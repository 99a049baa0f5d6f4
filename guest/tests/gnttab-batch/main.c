/*
 * Grant batches: the FastABI map_batch, unmap_batch and copy_batch (a page
 * of packed Xen structs) against the legacy array forms of map_grant_ref,
 * unmap_grant_ref and copy with the same entries, all on grants of our own
 * frames to ourselves. Every batch holds entries that fail, and is checked
 * entry by entry (a batch continues only past a trap's work budget, 64
 * maps, or with an event to deliver: tests/hv/grant_table covers that):
 * status, handle, what a mapping shows (and a write through a writable
 * one), the busy bits left in the grant entries, and copies arranged so
 * that an entry done twice or skipped changes the result. Then a single
 * copy to a granted destination ref, in registers against one legacy copy.
 * Needs the fixed layout's foreign window.
 */
#include "guest.h"
#include "common/gnttab_both.h"

const char test_title[] = "gnttab-batch";

#define NMAP 20
#define NPAIR 20
#define NCOPY (2 * NPAIR + 2)
#define SLOT 8
#define REF_MAP 16           /* NMAP refs from here, one empty among them */
#define BAD_MAP 7            /* index whose ref grants nothing */
#define RW_MAP 5             /* index mapped writable */
#define SPLIT_MAP 2          /* unmapped alone out of the middle of a run, then mapped again */
#define REF_SRC_L 48         /* the copy sources, one per ABI */
#define REF_SRC_F 49
#define REF_DST 50           /* a writable destination ref (single copy) */
#define REF_EMPTY 51
#define INVALID_HANDLE ((grant_handle_t)~0u)

static uint8_t frames[4][PAGE_SIZE] __page_noinit;      /* what the map refs grant */
static uint8_t src_l[PAGE_SIZE] __page_noinit, src_f[PAGE_SIZE] __page_noinit;
static uint8_t dst_l[PAGE_SIZE] __page_noinit, dst_f[PAGE_SIZE] __page_noinit;
static uint8_t over[PAGE_SIZE] __page_noinit;           /* pattern B */
static uint8_t batch[PAGE_SIZE] __page_noinit;          /* the FastABI batch page */
static uint8_t one_l[PAGE_SIZE] __page_noinit, one_f[PAGE_SIZE] __page_noinit;

static struct gnttab_map_grant_ref map_l[NMAP] __page_noinit;
static struct gnttab_unmap_grant_ref unmap_l[NMAP] __page_noinit;
static struct gnttab_copy copy_l[NCOPY] __page_noinit;

static grant_entry_v1_t *gt;
static uint64_t win;

static void grant(unsigned ref, void *page, bool readonly)
{
	gt[ref].domid = (domid_t)xen_info.domid;
	gt[ref].frame = (uint32_t)((uintptr_t)page >> 12);
	barrier();
	ACCESS_ONCE(gt[ref].flags) = GTF_permit_access | (readonly ? GTF_readonly : 0);
}

static long run_batch(unsigned op, unsigned count)
{
	struct fastabi_gnttab_batch b = { .page_gpa = (uintptr_t)batch, .count = count };
	long rc;
	if (op == GNTTABOP_fastabi_map_batch)
		rc = xen_hypercall_grant_table_map_batch(&b);
	else if (op == GNTTABOP_fastabi_unmap_batch)
		rc = xen_hypercall_grant_table_unmap_batch(&b);
	else
		rc = xen_hypercall_grant_table_copy_batch(&b);
	if (rc == 0 && b.done != count)
		xtf_failure("batch %u: done %u of %u", op, b.done, count);
	return rc;
}

static void maps(void)
{
	struct gnttab_map_grant_ref *mf = (void *)batch;

	for (unsigned j = 0; j < NMAP; j++) {
		map_l[j] = (struct gnttab_map_grant_ref){
			.host_addr = win + (uint64_t)j * PAGE_SIZE,
			.flags = GNTMAP_host_map | (j == RW_MAP ? 0 : GNTMAP_readonly),
			.ref = REF_MAP + j,
			.dom = DOMID_SELF,
		};
		mf[j] = map_l[j];
		mf[j].host_addr += NMAP * PAGE_SIZE;
	}
	long lrc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, map_l, NMAP);
	long frc = run_batch(GNTTABOP_fastabi_map_batch, NMAP);
	printf("map %u: legacy array %ld, fast batch %ld\n", NMAP, lrc, frc);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, 0);

	for (unsigned j = 0; j < NMAP; j++) {
		int16_t want = j == BAD_MAP ? map_l[j].status : GNTST_okay;
		if (map_l[j].status != want || mf[j].status != map_l[j].status) {
			xtf_failure("map %u: status legacy %d, fast %d", j, map_l[j].status,
				    mf[j].status);
			continue;
		}
		if (j == BAD_MAP) {
			CHECK(map_l[j].status < 0);
			CHECK_EQ(map_l[j].handle, INVALID_HANDLE);
			CHECK_EQ(mf[j].handle, INVALID_HANDLE);
			continue;
		}
		for (unsigned k = 0; k < j; k++)
			if (k != BAD_MAP && (map_l[k].handle == map_l[j].handle ||
					     mf[k].handle == mf[j].handle ||
					     mf[k].handle == map_l[j].handle))
				xtf_failure("map %u: handle shared with %u", j, k);
		CHECK(mf[j].handle != map_l[j].handle);
		uint8_t want_b = (uint8_t)(0xa0 + j % 4);
		uint8_t bl = *(volatile uint8_t *)(uintptr_t)map_l[j].host_addr;
		uint8_t bf = *(volatile uint8_t *)(uintptr_t)mf[j].host_addr;
		if (bl != want_b || bf != want_b)
			xtf_failure("map %u: reads %#x / %#x through the mappings, expected %#x", j,
				    bl, bf, want_b);
		uint16_t busy = ACCESS_ONCE(gt[REF_MAP + j].flags) & (GTF_reading | GTF_writing);
		CHECK_EQ(busy, j == RW_MAP ? GTF_reading | GTF_writing : GTF_reading);
	}
	/* A write through the writable mapping lands in the granted frame. */
	*(volatile uint8_t *)(uintptr_t)(map_l[RW_MAP].host_addr + 100) = 0x5a;
	CHECK_EQ(ACCESS_ONCE(frames[RW_MAP % 4][100]), 0x5a);

	/*
	 * One page out of the middle of a batch's mappings, singly: the VMM
	 * maps a batch's adjacent pages as one run (one memslot), which must
	 * split; the neighbours keep showing their frames, the page itself
	 * shows nothing (reads all-ones), and mapping it again singly works.
	 */
	struct gnttab_unmap_grant_ref u1 = { .host_addr = map_l[SPLIT_MAP].host_addr,
					     .handle = map_l[SPLIT_MAP].handle };
	CHECK_EQ(xen_hypercall_grant_table_unmap_grant_ref(&u1), 0);
	CHECK_EQ(u1.status, GNTST_okay);
	for (unsigned j = SPLIT_MAP - 1; j <= SPLIT_MAP + 1; j++) {
		uint8_t got = *(volatile uint8_t *)(uintptr_t)map_l[j].host_addr;
		uint8_t want_b = j == SPLIT_MAP ? 0xff : (uint8_t)(0xa0 + j % 4);
		if (got != want_b)
			xtf_failure("after unmapping %u alone: page %u reads %#x, expected %#x",
				    SPLIT_MAP, j, got, want_b);
	}
	struct gnttab_map_grant_ref m1 = map_l[SPLIT_MAP];
	CHECK_EQ(xen_hypercall_grant_table_map_grant_ref(&m1), 0);
	CHECK_EQ(m1.status, GNTST_okay);
	map_l[SPLIT_MAP].handle = m1.handle;
	CHECK_EQ(*(volatile uint8_t *)(uintptr_t)map_l[SPLIT_MAP].host_addr,
		 (uint8_t)(0xa0 + SPLIT_MAP % 4));

	/* Unmap crossed: the legacy array the fast mappings and the other way round. */
	struct gnttab_unmap_grant_ref *uf = (void *)batch;
	struct gnttab_map_grant_ref saved[NMAP];
	memcpy(saved, mf, sizeof(saved));
	for (unsigned j = 0; j < NMAP; j++) {
		unmap_l[j] = (struct gnttab_unmap_grant_ref){
			.host_addr = saved[j].host_addr, .handle = saved[j].handle,
		};
		uf[j] = (struct gnttab_unmap_grant_ref){
			.host_addr = map_l[j].host_addr, .handle = map_l[j].handle,
		};
	}
	lrc = hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, unmap_l, NMAP);
	frc = run_batch(GNTTABOP_fastabi_unmap_batch, NMAP);
	printf("unmap %u: legacy array %ld, fast batch %ld\n", NMAP, lrc, frc);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, 0);
	for (unsigned j = 0; j < NMAP; j++) {
		int16_t want = j == BAD_MAP ? GNTST_bad_handle : GNTST_okay;
		if (unmap_l[j].status != want || uf[j].status != want)
			xtf_failure("unmap %u: status legacy %d, fast %d, expected %d", j,
				    unmap_l[j].status, uf[j].status, want);
		if (ACCESS_ONCE(gt[REF_MAP + j].flags) & (GTF_reading | GTF_writing))
			xtf_failure("ref %u still busy after unmap: %#x", REF_MAP + j,
				    gt[REF_MAP + j].flags);
	}
}

/*
 * Pair m: entry 2m copies slot m of the granted source (pattern A) to slot
 * m of dst; entry 2m+1 then overwrites source slot m with pattern B from
 * our own page. Done once each and in order, dst has A and the source B;
 * an entry repeated after its pair would bring B into dst, one skipped
 * leaves a slot empty or A in the source. Two failing entries end it.
 */
static void fill_copies(struct gnttab_copy *c, unsigned src_ref, uint8_t *src, uint8_t *dst)
{
	for (unsigned m = 0; m < NPAIR; m++) {
		c[2 * m] = (struct gnttab_copy){
			.source = { .u.ref = src_ref, .domid = DOMID_SELF, .offset = m * SLOT },
			.dest = { .u.gmfn = (uintptr_t)dst >> 12, .domid = DOMID_SELF,
				  .offset = m * SLOT },
			.len = SLOT, .flags = GNTCOPY_source_gref,
		};
		c[2 * m + 1] = (struct gnttab_copy){
			.source = { .u.gmfn = (uintptr_t)over >> 12, .domid = DOMID_SELF,
				    .offset = m * SLOT },
			.dest = { .u.gmfn = (uintptr_t)src >> 12, .domid = DOMID_SELF,
				  .offset = m * SLOT },
			.len = SLOT,
		};
	}
	c[2 * NPAIR] = c[0];
	c[2 * NPAIR].source.u.ref = REF_EMPTY;
	c[2 * NPAIR + 1] = c[0];
	c[2 * NPAIR + 1].source.offset = PAGE_SIZE - 4; /* crosses the page */
}

static void check_copied(const char *abi, uint8_t *src, uint8_t *dst)
{
	for (unsigned i = 0; i < NPAIR * SLOT; i++) {
		uint8_t a = (uint8_t)(i * 7 + 1), b = (uint8_t)(0x80 | (i * 3));
		if (dst[i] != a || src[i] != b) {
			xtf_failure("%s copy byte %u: dst %#x (want %#x), src %#x (want %#x)", abi, i,
				    dst[i], a, src[i], b);
			return;
		}
	}
	CHECK_EQ(dst[NPAIR * SLOT], 0);
}

static void copies(void)
{
	struct gnttab_copy *cf = (void *)batch;

	fill_copies(copy_l, REF_SRC_L, src_l, dst_l);
	fill_copies(cf, REF_SRC_F, src_f, dst_f);
	long lrc = hypercall_grant_table_op(GNTTABOP_copy, copy_l, NCOPY);
	long frc = run_batch(GNTTABOP_fastabi_copy_batch, NCOPY);
	printf("copy %u: legacy array %ld, fast batch %ld; failing entries %d %d / %d %d\n", NCOPY,
	       lrc, frc, copy_l[NCOPY - 2].status, copy_l[NCOPY - 1].status, cf[NCOPY - 2].status,
	       cf[NCOPY - 1].status);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, 0);
	for (unsigned j = 0; j < NCOPY; j++) {
		int16_t want = j < 2 * NPAIR ? GNTST_okay
			     : j == 2 * NPAIR ? copy_l[j].status : GNTST_bad_copy_arg;
		if (copy_l[j].status != want || cf[j].status != copy_l[j].status)
			xtf_failure("copy %u: status legacy %d, fast %d", j, copy_l[j].status,
				    cf[j].status);
	}
	CHECK(copy_l[2 * NPAIR].status < 0);
	check_copied("legacy", src_l, dst_l);
	check_copied("fast", src_f, dst_f);
	CHECK_EQ(gt[REF_SRC_L].flags, GTF_permit_access | GTF_readonly);
	CHECK_EQ(gt[REF_SRC_F].flags, GTF_permit_access | GTF_readonly);
}

/* One copy into a writable granted ref, in registers and through the page. */
static void single_copy(void)
{
	struct gnttab_copy cl = {
		.source = { .u.gmfn = (uintptr_t)over >> 12, .domid = DOMID_SELF, .offset = 24 },
		.dest = { .u.ref = REF_DST, .domid = DOMID_SELF, .offset = 300 },
		.len = 100, .flags = GNTCOPY_dest_gref,
	};
	struct gnttab_copy cf = cl;

	grant(REF_DST, one_l, false);
	long lrc = hypercall_grant_table_op(GNTTABOP_copy, &cl, 1);
	grant(REF_DST, one_f, false);
	long frc = xen_hypercall_grant_table_copy(&cf);
	gnttab_both_ok("copy to a dest ref", lrc, cl.status, frc, cf.status);
	CHECK(!memcmp(one_l + 300, over + 24, 100));
	CHECK(!memcmp(one_f + 300, over + 24, 100));
	CHECK_EQ(one_l[299], 0);
	CHECK_EQ(one_f[400], 0);

	/* A read-only grant refused as a destination alike. */
	grant(REF_DST, one_l, true);
	cl.status = cf.status = 0;
	lrc = hypercall_grant_table_op(GNTTABOP_copy, &cl, 1);
	frc = xen_hypercall_grant_table_copy(&cf);
	gnttab_both_refused("copy to a read-only ref", lrc, cl.status, frc, cf.status);
	ACCESS_ONCE(gt[REF_DST].flags) = 0;
}

void test_main(void)
{
	if (!xtf_both_abis_ready())
		return;
	win = foreign_window();
	if (!win || win + 2 * NMAP * PAGE_SIZE > (uint64_t)BOOT_MAP_GIB << 30) {
		xtf_skip("no foreign window in reach (run with --fixed-mem-layout)");
		return;
	}
	gt = grant_frame0_map();
	if (!gt) {
		xtf_error("grant frame 0 not available");
		return;
	}

	for (unsigned k = 0; k < 4; k++)
		frames[k][0] = (uint8_t)(0xa0 + k);
	for (unsigned j = 0; j < NMAP; j++)
		if (j == BAD_MAP)
			gt[REF_MAP + j].flags = 0;
		else
			grant(REF_MAP + j, frames[j % 4], false);
	for (unsigned i = 0; i < NPAIR * SLOT; i++) {
		src_l[i] = src_f[i] = (uint8_t)(i * 7 + 1);
		over[i] = (uint8_t)(0x80 | (i * 3));
	}
	grant(REF_SRC_L, src_l, true);
	grant(REF_SRC_F, src_f, true);
	gt[REF_EMPTY].flags = 0;

	maps();
	copies();
	single_copy();

	for (unsigned j = 0; j < NMAP; j++)
		ACCESS_ONCE(gt[REF_MAP + j].flags) = 0;
	ACCESS_ONCE(gt[REF_SRC_L].flags) = 0;
	ACCESS_ONCE(gt[REF_SRC_F].flags) = 0;
	if (xtf_result() < 0)
		xtf_success(NULL);
}
