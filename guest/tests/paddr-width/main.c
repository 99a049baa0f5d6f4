/*
 * Frames and grant host addresses beyond the guest's physical address
 * width, and the VMM's limit of grant mappings (docs/security.md,
 * "Physical address width and grant mappings"). The width is what CPUID
 * 0x80000008 EAX[7:0] says; at 2^width and above Xen's p2m refuses an
 * entry, so add_to_physmap answers -EINVAL (both ABIs) and a grant map
 * GNTST_general_error, leaving the grant unused. Then our own page,
 * granted to ourselves, is mapped at consecutive pages of a hole until the
 * VMM's per-domain limit (VMM_MAX_GRANT_MAPS, 64) answers
 * GNTST_no_device_space; an unmap makes room again.
 */
#include "guest.h"
#include "common/physmap.h"

const char test_title[] = "paddr-width";

#define REF 7
#define HOST_MAPS 64 /* docs/security.md: grant mappings the VMM backs per domain */
/* A hole of the default layout: above RAM, below the 3 GiB hole. */
#define HOLE 0x80000000ull

static uint8_t src[PAGE_SIZE] __page_noinit;
static grant_handle_t handles[HOST_MAPS + 1];

static int16_t map_at(uint64_t addr, grant_handle_t *h)
{
	struct gnttab_map_grant_ref m = {
		.host_addr = addr, .flags = GNTMAP_host_map | GNTMAP_readonly, .ref = REF,
		.dom = DOMID_SELF,
	};
	long rc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
	if (!CHECK_EQ(rc, 0))
		return GNTST_general_error;
	*h = m.handle;
	return m.status;
}

static int16_t unmap_at(uint64_t addr, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = addr, .handle = h };
	long rc = hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
	return rc ? GNTST_general_error : u.status;
}

void test_main(void)
{
	if (!physmap_hole_ready(HOLE))
		return;
	unsigned bits = cpuid(0x80000008).eax & 0xff;
	printf("physical address width (CPUID 0x80000008): %u bits\n", bits);
	if (!CHECK(bits >= 32 && bits <= 52))
		return;
	uint64_t limit = 1ull << (bits - 12);

	/* Frames at and beyond the width: -EINVAL, through both ABIs. */
	for (unsigned i = 0; i < 4; i++) {
		unsigned space = (i & 2) ? XENMAPSPACE_grant_table : XENMAPSPACE_shared_info;
		CHECK_EQ(physmap_place(i & 1, space, limit + i), -XEN_EINVAL);
	}

	grant_entry_v1_t *gt = grant_frame0_map();
	if (!CHECK(gt != NULL))
		return;
	for (unsigned i = 0; i < 64; i++)
		src[i] = (uint8_t)(i * 7 + 1);
	gt[REF].domid = (domid_t)xen_info.domid;
	gt[REF].frame = (uint32_t)((uintptr_t)src >> 12);
	barrier();
	ACCESS_ONCE(gt[REF].flags) = GTF_permit_access;

	/* A host address at the width: the p2m refuses it, the grant stays unused. */
	grant_handle_t h;
	CHECK_EQ(map_at(limit << 12, &h), GNTST_general_error);
	CHECK_EQ(map_at((limit + 1000) << 12, &h), GNTST_general_error);
	CHECK_EQ(ACCESS_ONCE(gt[REF].flags), GTF_permit_access);

	/* Up to the VMM's limit, then its own error. */
	unsigned n = 0;
	int16_t st = GNTST_okay;
	while (n <= HOST_MAPS && (st = map_at(HOLE + n * PAGE_SIZE, &handles[n])) == GNTST_okay)
		n++;
	printf("grant mappings: %u, then status %d\n", n, st);
	CHECK_EQ(n, HOST_MAPS);
	CHECK_EQ(st, GNTST_no_device_space);
	CHECK(!memcmp((void *)(uintptr_t)(HOLE + (n - 1) * PAGE_SIZE), src, 64));
	/* One unmapped: room for one again. */
	CHECK_EQ(unmap_at(HOLE, handles[0]), GNTST_okay);
	CHECK_EQ(map_at(HOLE + n * PAGE_SIZE, &handles[0]), GNTST_okay);
	CHECK(!memcmp((void *)(uintptr_t)(HOLE + n * PAGE_SIZE), src, 64));
	CHECK_EQ(unmap_at(HOLE + n * PAGE_SIZE, handles[0]), GNTST_okay);
	for (unsigned i = 1; i < n; i++)
		CHECK_EQ(unmap_at(HOLE + i * PAGE_SIZE, handles[i]), GNTST_okay);
	CHECK_EQ(ACCESS_ONCE(gt[REF].flags), GTF_permit_access);
	xtf_success(NULL);
}
