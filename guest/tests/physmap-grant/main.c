/*
 * XENMEM_add_to_physmap onto a gfn where a grant is mapped (legacy layout):
 * Xen's xenmem_add_to_physmap_one frees the page at the target as the
 * domain's own memory (guest_remove_page), which fails with -EINVAL for a
 * page of another domain, and nothing moves. So: our own page granted to
 * ourselves and mapped in a hole; shared_info and grant frame 0 asked onto
 * that gfn many times through both ABIs, each refused with -EINVAL; the
 * mapping still shows the granted page and shared_info still works where
 * it was (the VMM's memslots in step with the core's map); once unmapped,
 * the same gfn takes shared_info. The VMM must print nothing for the
 * refusals (run-guest-check.sh quiet).
 *
 * With "populate" on the command line: a RAM page of ours given back
 * (decrease_reservation), the grant mapped in the hole it left, then
 * populate_physmap of that frame. Xen's guest_physmap_add_entry crashes
 * the domain for it ("really shouldn't be unmapping grant/foreign maps this
 * way"): the VMM must stop it with "shutdown: crash" (exit status 3;
 * tests/integration/sandbox), never answer anything else.
 */
#include "guest.h"
#include "common/physmap.h"

const char test_title[] = "physmap-grant";

#define REF 10
#define TRIES 64
/* A hole of the legacy layout: above RAM (64 MiB), below the 3 GiB hole, in the boot map. */
#define HOLE 0x80000000ull
#define MARKER 0x5a5aa5a5c3c33c3cull

static uint8_t src[PAGE_SIZE] __page_noinit;
static uint8_t page_a[PAGE_SIZE] __page_noinit;
static uint8_t victim[PAGE_SIZE] __page_noinit;

static long reservation(unsigned cmd, xen_pfn_t *extents, unsigned long nr)
{
	struct xen_memory_reservation r = { .nr_extents = nr, .domid = DOMID_SELF };
	set_xen_guest_handle(r.extent_start, extents);
	return hypercall_memory_op(cmd, &r);
}

/* The populate mode: only a crash of the domain ends it as Xen would. */
static void populate_over_grant(void)
{
	xen_pfn_t f = (uintptr_t)victim >> 12;
	long rc = reservation(XENMEM_decrease_reservation, &f, 1);
	printf("decrease_reservation of %#lx: %ld\n", (unsigned long)f, rc);
	if (!CHECK_EQ(rc, 1))
		return;
	struct gnttab_map_grant_ref m = {
		.host_addr = (uintptr_t)victim, .flags = GNTMAP_host_map | GNTMAP_readonly,
		.ref = REF, .dom = DOMID_SELF,
	};
	rc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
	printf("map ref %u in the freed frame: %ld status %d\n", REF, rc, m.status);
	if (!CHECK_EQ(rc, 0) || !CHECK_EQ(m.status, GNTST_okay))
		return;
	CHECK(!memcmp(victim, src, 64));
	printf("populate_physmap over the mapping: the domain must crash now\n");
	rc = reservation(XENMEM_populate_physmap, &f, 1);
	xtf_failure("populate_physmap over a grant mapping returned %ld: the domain lives on", rc);
}

/* XENMEM_add_to_physmap of our own space at a guest-physical address. */
static long place(bool fast, unsigned space, uint64_t gpa)
{
	return physmap_place(fast, space, gpa >> 12);
}

void test_main(void)
{
	if (!physmap_hole_ready(HOLE))
		return;
	grant_entry_v1_t *gt = grant_frame0_map();
	if (!gt) {
		xtf_error("grant frame 0 not available");
		return;
	}
	/* shared_info in RAM first, with a marker that must move along later. */
	long rc = place(false, XENMAPSPACE_shared_info, (uintptr_t)page_a);
	if (!CHECK_EQ(rc, 0))
		return;
	struct shared_info *s = (struct shared_info *)page_a;
	unsigned last = ARRAY_SIZE(s->evtchn_mask) - 1;
	ACCESS_ONCE(s->evtchn_mask[last]) = MARKER;

	for (unsigned i = 0; i < 64; i++)
		src[i] = (uint8_t)(i * 5 + 3);
	gt[REF].domid = (domid_t)xen_info.domid;
	gt[REF].frame = (uint32_t)((uintptr_t)src >> 12);
	barrier();
	ACCESS_ONCE(gt[REF].flags) = GTF_permit_access;
	if (cmdline_option(start_info_cmdline(), "populate")) {
		populate_over_grant();
		return;
	}

	struct gnttab_map_grant_ref m = {
		.host_addr = HOLE, .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = REF,
		.dom = DOMID_SELF,
	};
	rc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
	printf("map ref %u at %#llx: %ld status %d handle %u\n", REF, HOLE, rc, m.status, m.handle);
	if (!CHECK_EQ(rc, 0) || !CHECK_EQ(m.status, GNTST_okay))
		return;
	CHECK(!memcmp((void *)(uintptr_t)HOLE, src, 64));

	/* Onto the mapped gfn: refused alike, every time, through both ABIs. */
	unsigned refused = 0;
	long first = 0;
	for (unsigned i = 0; i < TRIES; i++) {
		long r = place(i & 1, (i & 2) ? XENMAPSPACE_grant_table : XENMAPSPACE_shared_info,
			       HOLE);
		if (!i)
			first = r;
		refused += r == -XEN_EINVAL;
	}
	printf("add_to_physmap onto the grant mapping: %u of %u refused with -EINVAL (first %ld)\n",
	       refused, TRIES, first);
	CHECK_EQ(refused, TRIES);

	/* Nothing moved: the mapping shows the granted page, shared_info is where it was. */
	CHECK(!memcmp((void *)(uintptr_t)HOLE, src, 64));
	CHECK_EQ(ACCESS_ONCE(s->evtchn_mask[last]), MARKER);

	struct gnttab_unmap_grant_ref u = { .host_addr = HOLE, .handle = m.handle };
	rc = hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
	printf("unmap: %ld status %d\n", rc, u.status);
	CHECK(rc == 0 && u.status == GNTST_okay);
	ACCESS_ONCE(gt[REF].flags) = 0;

	/* The gfn is free now: shared_info moves there, marker and all. */
	rc = place(true, XENMAPSPACE_shared_info, HOLE);
	s = (struct shared_info *)(uintptr_t)HOLE;
	printf("add_to_physmap(shared_info) at the freed gfn: %ld, marker %s\n", rc,
	       rc == 0 && ACCESS_ONCE(s->evtchn_mask[last]) == MARKER ? "moved along" : "missing");
	if (CHECK_EQ(rc, 0))
		CHECK_EQ(ACCESS_ONCE(s->evtchn_mask[last]), MARKER);
	ACCESS_ONCE(s->evtchn_mask[last]) = 0;
	if (xtf_result() < 0)
		xtf_success(NULL);
}
