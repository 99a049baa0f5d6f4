/*
 * memory_op through both ABIs, in the legacy layout (no fixed layout):
 * shared_info placed by one ABI and moved by the other (a marker written
 * through the first place shows up at the second), a grant frame placed and
 * both removed again, refused spaces refused alike, FastABI's share and
 * unshare, and the reservation queries.
 */
#include "guest.h"

const char test_title[] = "memory";

static uint8_t page_a[PAGE_SIZE] __page_noinit;
static uint8_t page_b[PAGE_SIZE] __page_noinit;
static uint8_t page_c[PAGE_SIZE] __page_noinit;
static uint8_t shared[2 * PAGE_SIZE] __page_noinit;

#define MARKER 0x5a5aa5a5c3c33c3cull

static long place(bool fast, unsigned space, void *where)
{
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF, .space = space, .idx = 0, .gpfn = (uintptr_t)where >> 12,
	};
	return fast ? xen_hypercall_memory_add_to_physmap(&x)
		    : hypercall_memory_op(XENMEM_add_to_physmap, &x);
}

static long unplace(bool fast, void *where)
{
	struct xen_remove_from_physmap x = { .domid = DOMID_SELF, .gpfn = (uintptr_t)where >> 12 };
	return fast ? xen_hypercall_memory_remove_from_physmap(&x)
		    : hypercall_memory_op(XENMEM_remove_from_physmap, &x);
}

void test_main(void)
{
	if (memmap_find(XEN_HVM_MEMMAP_TYPE_SHARED_INFO)) {
		xtf_skip("fixed memory layout: the special pages must stay where they are");
		return;
	}
	if (!xtf_both_abis_ready())
		return;

	/* Reservations (legacy only: FastABI has no such ops). */
	domid_t self = DOMID_SELF;
	long cur = hypercall_memory_op(XENMEM_current_reservation, &self);
	long max = hypercall_memory_op(XENMEM_maximum_reservation, &self);
	printf("reservation: current %ld pages, maximum %ld pages; RAM in the map %llu pages\n",
	       cur, max, (unsigned long long)(memmap_ram_end() >> 12));
	CHECK(cur > 0 && max >= cur);

	/* shared_info: legacy puts it at A, FastABI moves it to B. */
	long rc = place(false, XENMAPSPACE_shared_info, page_a);
	printf("add_to_physmap(shared_info) legacy at %p: %ld\n", (void *)page_a, rc);
	if (!CHECK_EQ(rc, 0))
		return;
	struct shared_info *s = (struct shared_info *)page_a;
	unsigned last = ARRAY_SIZE(s->evtchn_mask) - 1;
	ACCESS_ONCE(s->evtchn_mask[last]) = MARKER;
	rc = place(true, XENMAPSPACE_shared_info, page_b);
	s = (struct shared_info *)page_b;
	printf("add_to_physmap(shared_info) fast at %p: %lld, marker %s\n", (void *)page_b,
	       (long long)rc, ACCESS_ONCE(s->evtchn_mask[last]) == MARKER ? "moved along" : "missing");
	if (CHECK_EQ(rc, 0))
		CHECK_EQ(ACCESS_ONCE(s->evtchn_mask[last]), MARKER);
	ACCESS_ONCE(s->evtchn_mask[last]) = 0;

	/* Grant frame 0 at C through FastABI: the table is there (entry 0 reads). */
	rc = place(true, XENMAPSPACE_grant_table, page_c);
	printf("add_to_physmap(grant_table 0) fast at %p: %ld, entry 0 flags %#x\n", (void *)page_c,
	       rc, ((volatile grant_entry_v1_t *)page_c)[0].flags);
	CHECK_EQ(rc, 0);

	/* A space neither ABI knows. */
	long lrc = place(false, 99, page_a);
	long frc = place(true, 99, page_a);
	printf("add_to_physmap(space 99): legacy %ld, fast %ld\n", lrc, frc);
	CHECK(lrc < 0);
	CHECK_EQ(lrc, frc);

	/* Take both away, crossed; removing what is not there fails alike. */
	lrc = unplace(false, page_b);
	frc = unplace(true, page_c);
	printf("remove_from_physmap: shared_info legacy %ld, grant frame fast %ld\n", lrc, frc);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, 0);

	/* share / unshare (FastABI only), and unsharing what is not shared. */
	struct fastabi_memory_share sh = {
		.first_gfn = (uintptr_t)shared >> 12, .nr_frames = 2, .done = 0,
	};
	rc = xen_hypercall_memory_share(&sh);
	printf("share 2 frames: %ld (done %u)\n", rc, sh.done);
	CHECK_EQ(rc, 0);
	sh.done = 0;
	rc = xen_hypercall_memory_unshare(&sh);
	printf("unshare 2 frames: %ld (done %u)\n", rc, sh.done);
	CHECK_EQ(rc, 0);

	if (xtf_result() < 0)
		xtf_success(NULL);
}
