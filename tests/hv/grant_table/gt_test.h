/*
 * The grant-table tests' shared layer on the hv harness: two-domain worlds
 * whose VMM callbacks for grant maps are recorded (gt_rec), the granter's
 * side (entries as a guest writes them) and every GNTTABOP issued through
 * any ABI (enum abi) with the guest's view of its results, so that a test
 * file states scenarios only.
 */
#ifndef TESTS_HV_GT_TEST_H
#define TESTS_HV_GT_TEST_H

#include "harness.h"

#include <xen/errno.h>
#include <xen/grant_table.h>
#include <xen/memory.h>

#include "grant_table.h"

#define GT __HYPERVISOR_grant_table_op
#define RAM_MIB 16
/* Frames the tests grant or copy through: well above the harness's scratch area. */
#define FRAME(n) (0x800ull + (n))
/* Where mappers put grants: beyond RAM (a non-fixed domain has nothing there). */
#define MAP_AT(n) (0x100000000ull + (uint64_t)(n) * PAGE_SIZE)
/* The same for a fixed-layout domain, whose special pages start at 4 GiB. */
#define FAR_AT(n) (0x300000000ull + (uint64_t)(n) * PAGE_SIZE)

/* ---- what the VMM callbacks saw ---- */

struct cb_call {
	domid_t mapper, granter;
	uint64_t at, frame;
	bool readonly;
};

struct gt_rec {
	unsigned maps, unmaps;
	struct cb_call last_map, last_unmap;
	int map_ret, unmap_ret; /* what map_grant and unmap_grant answer (0) */
};
extern struct gt_rec gt_rec;

/* A world whose map_grant/unmap_grant callbacks record into gt_rec (cleared). */
struct harness *gt_world(void);
/* A domain with 1 vCPU, RAM_MIB of RAM, FastABI and the grant limits given (0: defaults). */
struct domain *gt_dom(struct harness *h, const char *name, unsigned flags, unsigned max_frames,
		      unsigned max_maptrack);
/* gt_world with two plain domains: *a (the granter) and *b (the grantee). */
struct harness *gt_pair(struct domain **a, struct domain **b);

/* ---- the granter's side: entries as a guest writes them ---- */

grant_entry_v1_t *gt_e1(struct domain *d, grant_ref_t ref);
grant_entry_v2_t *gt_e2(struct domain *d, grant_ref_t ref);
void gt_grant1(struct domain *d, grant_ref_t ref, uint16_t flags, domid_t to, uint32_t frame);
uint16_t gt_flags1(struct domain *d, grant_ref_t ref);
void gt_grant2(struct domain *d, grant_ref_t ref, uint16_t flags, domid_t to, uint64_t frame);
void gt_grant2_sub(struct domain *d, grant_ref_t ref, uint16_t flags, domid_t to, uint64_t frame,
		   uint16_t off, uint16_t len);
uint16_t gt_status2(struct domain *d, grant_ref_t ref);
uint8_t *gt_page(struct harness *h, struct domain *d, uint64_t frame);
/* A page of a recognisable pattern that depends on seed. */
void gt_fill(uint8_t *p, uint8_t seed);

/* ---- the operations, through any ABI ---- */

struct map_res {
	int64_t ret;
	int16_t status;
	grant_handle_t handle;
};

/* i386 layouts of the structs that differ from the 64-bit ones. */
struct compat_copy {
	struct {
		uint32_t ref_or_gmfn;
		domid_t domid;
		uint16_t offset;
	} source, dest;
	uint16_t len, flags;
	int16_t status;
};

struct compat_setup_table {
	domid_t dom;
	uint32_t nr_frames;
	int16_t status;
	uint32_t frame_list;
};

struct side {
	uint64_t ref_or_frame;
	domid_t domid;
	uint16_t offset;
};

/* map_grant_ref from d's vCPU 0: the hypercall's result, the op's status and handle. */
struct map_res gt_map(struct harness *h, struct domain *d, enum abi abi, domid_t from, uint64_t at,
		      uint32_t flags, grant_ref_t ref);
struct map_res gt_unmap(struct harness *h, struct domain *d, enum abi abi, uint64_t at,
			grant_handle_t handle);
/* One copy; returns the hypercall's result, *status the op's. */
int64_t gt_copy(struct harness *h, struct domain *d, enum abi abi, struct side src,
		struct side dst, uint16_t len, uint16_t flags, int16_t *status);
/* The same, asserting the hypercall succeeded; returns the op's status. */
int16_t gt_copy_ok(struct harness *h, struct domain *d, enum abi abi, struct side src,
		   struct side dst, uint16_t len, uint16_t flags);
int64_t gt_query_size(struct harness *h, struct domain *d, enum abi abi, domid_t of, uint32_t *nr,
		      uint32_t *max);
int64_t gt_set_version(struct harness *h, struct domain *d, enum abi abi, uint32_t version);
int64_t gt_get_version(struct harness *h, struct domain *d, enum abi abi, domid_t of,
		       uint32_t *version);

/*
 * setup_table and get_status_frames structs (64-bit and i386 layouts) in d's
 * scratch memory, for domain dom, nr frames listed into the guest array at
 * list; *va is the struct's address.
 */
struct gnttab_setup_table *gt_setup_table(struct harness *h, struct domain *d, domid_t dom,
					  uint32_t nr, uint64_t list, uint64_t *va);
struct compat_setup_table *gt_setup_table32(struct harness *h, struct domain *d, domid_t dom,
					    uint32_t nr, uint64_t list, uint64_t *va);

#endif
