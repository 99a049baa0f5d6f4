/*
 * The legacy grant_table_op(cmd, uop, count): 'uop' is the guest-virtual
 * address of 'count' Xen structs. This file copies them in, calls the same
 * core functions as the FastABI decoders (grant_table.c) and copies the
 * results back; it decides nothing itself.
 *
 * map, unmap, copy and swap take arrays; when the preemption check fires
 * between entries (gnttab__preempt: an event to deliver, or the trap's
 * work budget spent) with more left, the call continues as on Xen: uop
 * advanced past the entries done, count reduced, and the trap executed
 * again.
 *
 * 32-bit guests use Xen's compat layouts: they differ from the native ones
 * only where a struct holds a xen_pfn_t or a guest handle (copy,
 * setup_table).
 */
#include <stddef.h>
#include <stdint.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "grant_table.h"
#include "hv.h"
#include "legacy.h"

/* What a 32-bit guest passes. */
struct compat_gnttab_copy {
	struct {
		uint32_t ref_or_gmfn;
		domid_t domid;
		uint16_t offset;
	} source, dest;
	uint16_t len;
	uint16_t flags;
	int16_t status;
};
_Static_assert(sizeof(struct compat_gnttab_copy) == 24, "compat gnttab_copy");

struct compat_gnttab_setup_table {
	domid_t dom;
	uint32_t nr_frames;
	int16_t status;
	uint32_t frame_list; /* of uint32_t frame numbers */
};
_Static_assert(sizeof(struct compat_gnttab_setup_table) == 16, "compat setup_table");

/* The layouts that are the same in both modes. */
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "map_grant_ref");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap_grant_ref");
_Static_assert(sizeof(struct gnttab_copy) == 40, "copy");

#define INVALID_FRAME (~(uint64_t)0)

/* uop + off as the guest's address arithmetic has it (32-bit code wraps). */
static uint64_t va_at(const struct legacy_call *lc, uint64_t va, uint64_t off)
{
	uint64_t a = va + off;
	return lc->call->mode64 ? a : (uint32_t)a;
}

/* ---- arrays: map, unmap, copy ---- */

enum array_kind { ARRAY_MAP, ARRAY_UNMAP, ARRAY_COPY, ARRAY_SWAP };

static size_t array_size(const struct legacy_call *lc, enum array_kind k)
{
	switch (k) {
	case ARRAY_MAP:
		return sizeof(struct gnttab_map_grant_ref);
	case ARRAY_UNMAP:
		return sizeof(struct gnttab_unmap_grant_ref);
	case ARRAY_SWAP: /* the same for 32-bit code: no handle or long inside */
		return sizeof(struct gnttab_swap_grant_ref);
	default:
		return lc->call->mode64 ? sizeof(struct gnttab_copy) :
					  sizeof(struct compat_gnttab_copy);
	}
}

static int map_one(struct legacy_call *lc, uint64_t va)
{
	struct gnttab_map_grant_ref op;
	int rc = legacy__copy_from(lc, va, &op, sizeof(op));
	if (rc)
		return rc;
	grant_table__map_grant_ref(lc->v, &op);
	/* status, handle, dev_bus_addr: the struct's tail */
	size_t off = offsetof(struct gnttab_map_grant_ref, status);
	return legacy__copy_to(lc, va_at(lc, va, off), (uint8_t *)&op + off, sizeof(op) - off);
}

static int unmap_one(struct legacy_call *lc, uint64_t va, struct gnttab_batch *b)
{
	struct gnttab_unmap_grant_ref op;
	int rc = legacy__copy_from(lc, va, &op, sizeof(op));
	if (rc)
		return rc;
	gnttab__unmap_in_batch(b, &op);
	return legacy__copy_to(lc, va_at(lc, va, offsetof(struct gnttab_unmap_grant_ref, status)),
			       &op.status, sizeof(op.status));
}

static int copy_one(struct legacy_call *lc, uint64_t va, unsigned *work)
{
	struct gnttab_copy op;
	int rc;

	if (lc->call->mode64) {
		rc = legacy__copy_from(lc, va, &op, sizeof(op));
		if (rc)
			return rc;
		gnttab__copy_normalise(&op);
	} else {
		struct compat_gnttab_copy c;
		rc = legacy__copy_from(lc, va, &c, sizeof(c));
		if (rc)
			return rc;
		op = (struct gnttab_copy){
			.source = { .u.gmfn = c.source.ref_or_gmfn, .domid = c.source.domid,
				    .offset = c.source.offset },
			.dest = { .u.gmfn = c.dest.ref_or_gmfn, .domid = c.dest.domid,
				  .offset = c.dest.offset },
			.len = c.len,
			.flags = c.flags,
		};
	}
	grant_table__copy(lc->v, &op);
	*work += gnttab__work(false, op.len);
	size_t off = lc->call->mode64 ? offsetof(struct gnttab_copy, status) :
					offsetof(struct compat_gnttab_copy, status);
	return legacy__copy_to(lc, va_at(lc, va, off), &op.status, sizeof(op.status));
}

static int swap_one(struct legacy_call *lc, uint64_t va)
{
	struct gnttab_swap_grant_ref op;
	int rc = legacy__copy_from(lc, va, &op, sizeof(op));
	if (rc)
		return rc;
	op.status = gnttab__swap_grant_ref(lc->v, op.ref_a, op.ref_b);
	return legacy__copy_to(lc, va_at(lc, va, offsetof(struct gnttab_swap_grant_ref, status)),
			       &op.status, sizeof(op.status));
}

static int64_t array_op(struct legacy_call *lc, enum array_kind k)
{
	uint64_t uop = lc->arg[1];
	uint64_t count = lc->arg[2];
	size_t size = array_size(lc, k);

	/* count is an unsigned int on Xen: nothing above it is meaningful. */
	if (count > UINT32_MAX)
		return -XEN_EINVAL;
	unsigned work = 0;
	int rc = 0;
	bool maps = k == ARRAY_MAP || k == ARRAY_UNMAP;
	struct gnttab_batch b;
	if (maps)
		gnttab__batch_open(&b, lc->v);
	for (uint64_t i = 0; i < count; i++) {
		if (i && gnttab__preempt(lc->v, work)) {
			lc->arg[1] = va_at(lc, uop, i * size);
			lc->arg[2] = count - i;
			lc->restart = true;
			break;
		}
		uint64_t va = va_at(lc, uop, i * size);
		switch (k) {
		case ARRAY_MAP:
			rc = map_one(lc, va);
			work += gnttab__work(true, 0);
			break;
		case ARRAY_UNMAP:
			rc = unmap_one(lc, va, &b);
			work += gnttab__work(true, 0);
			break;
		case ARRAY_SWAP:
			rc = swap_one(lc, va);
			work += gnttab__work(false, 0);
			break;
		default:
			rc = copy_one(lc, va, &work);
			break;
		}
		if (rc)
			break; /* entries before this one stay done, as on Xen */
	}
	if (maps)
		gnttab__batch_close(&b);
	return rc;
}

/* ---- single structs ---- */

static int64_t query_size(struct legacy_call *lc, uint64_t va)
{
	struct gnttab_query_size op;
	int rc = legacy__copy_from(lc, va, &op, sizeof(op));
	if (rc)
		return rc;
	int64_t ret = grant_table__query_size(lc->v, &op);
	rc = legacy__copy_to(lc, va, &op, sizeof(op));
	return rc ? rc : ret;
}

static int64_t set_version(struct legacy_call *lc, uint64_t va)
{
	struct gnttab_set_version op;
	int rc = legacy__copy_from(lc, va, &op, sizeof(op));
	if (rc)
		return rc;
	int64_t ret = grant_table__set_version(lc->v, &op);
	/* Written back on failure too: it tells the version in force. */
	rc = legacy__copy_to(lc, va, &op, sizeof(op));
	return rc ? rc : ret;
}

static int64_t get_version(struct legacy_call *lc, uint64_t va)
{
	struct gnttab_get_version op;
	int rc = legacy__copy_from(lc, va, &op, sizeof(op));
	if (rc)
		return rc;
	int64_t ret = grant_table__get_version(lc->v, &op);
	if (ret)
		return ret;
	return legacy__copy_to(lc, va, &op, sizeof(op));
}

/*
 * Write the guest frame numbers of t's first nr shared frames to
 * the guest's list at va, entry_size bytes each (a 32-bit guest's
 * setup_table list has 4-byte entries, which cannot name a frame above
 * 2^32). Returns the GNTST_* status for the struct.
 */
static int16_t write_frame_list(struct legacy_call *lc, struct domain *t, uint32_t nr,
				uint64_t va, unsigned entry_size)
{
	for (uint32_t i = 0; i < nr; i++) {
		gfn_t g;
		uint64_t f = gnttab__frame_gfn(t, false, i, &g) ? gfn_val(g) : INVALID_FRAME;
		uint32_t f32 = (uint32_t)f;
		if (entry_size == 4 && f != INVALID_FRAME && f > UINT32_MAX)
			return GNTST_general_error;
		const void *entry = entry_size == 4 ? (const void *)&f32 : (const void *)&f;
		if (legacy__copy_to(lc, va_at(lc, va, (uint64_t)i * entry_size), entry, entry_size))
			return GNTST_bad_virt_addr;
	}
	return GNTST_okay;
}

static int64_t setup_table(struct legacy_call *lc, uint64_t va)
{
	bool m64 = lc->call->mode64;
	struct gnttab_setup_table op = { 0 };
	struct compat_gnttab_setup_table c;
	uint64_t list;
	int rc;

	if (m64) {
		rc = legacy__copy_from(lc, va, &op, sizeof(op));
		list = (uint64_t)(uintptr_t)op.frame_list.p;
	} else {
		rc = legacy__copy_from(lc, va, &c, sizeof(c));
		op.dom = c.dom;
		op.nr_frames = c.nr_frames;
		list = c.frame_list;
	}
	if (rc)
		return rc;

	struct domain *t;
	int64_t ret = gnttab__setup_table(lc->v, &op, &t);
	if (ret == 0 && op.status == GNTST_okay)
		op.status = write_frame_list(lc, t, op.nr_frames, list, m64 ? 8 : 4);
	if (m64) {
		rc = legacy__copy_to(lc, va, &op, sizeof(op));
	} else {
		c.status = op.status;
		rc = legacy__copy_to(lc, va, &c, sizeof(c));
	}
	return rc ? rc : ret;
}

int64_t legacy__grant_table_op(struct legacy_call *lc)
{
	uint64_t cmd = lc->arg[0];
	uint64_t uop = lc->arg[1];
	uint64_t count = lc->arg[2];

	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return array_op(lc, ARRAY_MAP);
	case GNTTABOP_unmap_grant_ref:
		return array_op(lc, ARRAY_UNMAP);
	case GNTTABOP_copy:
		return array_op(lc, ARRAY_COPY);
	case GNTTABOP_swap_grant_ref:
		return array_op(lc, ARRAY_SWAP);
	case GNTTABOP_setup_table:
	case GNTTABOP_query_size:
	case GNTTABOP_set_version:
	case GNTTABOP_get_version:
		/* One struct each, as on Xen. */
		if (count != 1)
			return -XEN_EINVAL;
		break;
	default:
		/*
		 * What Xen's hvm_grant_table_op does not let an HVM guest call:
		 * dump_table, transfer, unmap_and_replace, get_status_frames (an
		 * HVM guest places its status frames with XENMEM_add_to_physmap,
		 * XENMAPIDX_grant_table_status), cache_flush; and our
		 * batch sub-ops (FastABI only).
		 */
		lc->call->why = "grant_table sub-op not served by the legacy ABI";
		return -XEN_ENOSYS;
	}
	switch (cmd) {
	case GNTTABOP_setup_table:
		return setup_table(lc, uop);
	case GNTTABOP_query_size:
		return query_size(lc, uop);
	case GNTTABOP_set_version:
		return set_version(lc, uop);
	default:
		return get_version(lc, uop);
	}
}
