/*
 * Legacy memory_op(cmd, arg). cmd's low six bits are the command; above
 * them (MEMOP_EXTENT_SHIFT) the reservation commands keep the extents done
 * when they continue. 32-bit guests pass the compat layouts, whose
 * xen_pfn_t, xen_ulong_t and handles are 32 bits wide.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "legacy.h"
#include "memory.h"
#include "reservation.h"

#define MEMOP_CMD_MASK 0x3f

struct compat_memory_map {
	uint32_t nr_entries;
	uint32_t buffer;
};

struct compat_add_to_physmap {
	domid_t domid;
	uint16_t size;
	uint32_t space;
	uint32_t idx;
	uint32_t gpfn;
};

struct compat_remove_from_physmap {
	domid_t domid;
	uint32_t gpfn;
};

struct compat_memory_reservation {
	uint32_t extent_start; /* handle of compat_pfn_t (32-bit frames) */
	uint32_t nr_extents;
	uint32_t extent_order;
	uint32_t mem_flags;
	domid_t domid;
};

_Static_assert(sizeof(struct compat_memory_reservation) == 20, "i386 layout");
_Static_assert(sizeof(struct compat_memory_map) == 8, "i386 layout");
_Static_assert(sizeof(struct compat_add_to_physmap) == 16, "i386 layout");
_Static_assert(sizeof(struct compat_remove_from_physmap) == 8, "i386 layout");

static int64_t memory_map(struct legacy_call *lc, uint64_t va)
{
	struct xen_memory_map m;
	int64_t ret;

	memset(&m, 0, sizeof(m));
	if (lc->call->mode64) {
		ret = legacy__copy_from(lc, va, &m, sizeof(m));
		if (ret)
			return ret;
		uint64_t buffer = (uint64_t)(uintptr_t)m.buffer.p;
		ret = memory__memory_map(lc->v, buffer, &m);
		if (ret)
			return ret;
		return legacy__copy_to(lc, va, &m, sizeof(m));
	}
	struct compat_memory_map c;
	ret = legacy__copy_from(lc, va, &c, sizeof(c));
	if (ret)
		return ret;
	m.nr_entries = c.nr_entries;
	ret = memory__memory_map(lc->v, c.buffer, &m);
	if (ret)
		return ret;
	c.nr_entries = m.nr_entries;
	return legacy__copy_to(lc, va, &c, sizeof(c));
}

static int64_t add_to_physmap(struct legacy_call *lc, uint64_t va)
{
	struct xen_add_to_physmap a;
	int64_t ret;

	if (lc->call->mode64) {
		ret = legacy__copy_from(lc, va, &a, sizeof(a));
	} else {
		struct compat_add_to_physmap c;
		ret = legacy__copy_from(lc, va, &c, sizeof(c));
		memset(&a, 0, sizeof(a));
		a.domid = c.domid;
		a.size = c.size;
		a.space = c.space;
		a.idx = c.idx;
		a.gpfn = c.gpfn;
	}
	if (ret)
		return ret;
	return memory__add_to_physmap(lc->v, &a);
}

static int64_t remove_from_physmap(struct legacy_call *lc, uint64_t va)
{
	struct xen_remove_from_physmap r;
	int64_t ret;

	if (lc->call->mode64) {
		ret = legacy__copy_from(lc, va, &r, sizeof(r));
	} else {
		struct compat_remove_from_physmap c;
		ret = legacy__copy_from(lc, va, &c, sizeof(c));
		memset(&r, 0, sizeof(r));
		r.domid = c.domid;
		r.gpfn = c.gpfn;
	}
	if (ret)
		return ret;
	return memory__remove_from_physmap(lc->v, &r);
}

/* The reservation queries take a pointer to a domid_t. */
static int64_t reservation(struct legacy_call *lc, uint64_t va,
			   int64_t (*fn)(struct hv_vcpu *, domid_t))
{
	domid_t domid;
	int64_t ret = legacy__copy_from(lc, va, &domid, sizeof(domid));
	if (ret)
		return ret;
	return fn(lc->v, domid);
}

struct extent_list {
	struct legacy_call *lc;
	uint64_t va;
};

/* Extent i of the guest's array: xen_pfn_t, 32 bits wide for 32-bit guests. */
static int extent_get(void *ctx, uint64_t i, uint64_t *pfn)
{
	struct extent_list *l = ctx;

	if (l->lc->call->mode64)
		return legacy__copy_from(l->lc, l->va + i * 8, pfn, 8);
	uint32_t p;
	int ret = legacy__copy_from(l->lc, (uint32_t)(l->va + i * 4), &p, 4);
	*pfn = p;
	return ret;
}

/*
 * increase_reservation, decrease_reservation, populate_physmap: as Xen,
 * the result is always the number of extents done (a struct that cannot
 * be read, or a call that cannot start, answers the extents done so far).
 */
static int64_t reservation_op(struct legacy_call *lc, unsigned op, uint64_t va)
{
	uint64_t cmd = lc->call->mode64 ? lc->arg[0] : (uint32_t)lc->arg[0];
	uint64_t start = cmd >> MEMOP_EXTENT_SHIFT;
	struct reservation_args a = { .nr_done = start, .get = extent_get };
	struct extent_list list = { .lc = lc };

	if (lc->call->mode64) {
		struct xen_memory_reservation r;
		if (legacy__copy_from(lc, va, &r, sizeof(r)))
			return (int64_t)start;
		list.va = (uint64_t)(uintptr_t)r.extent_start.p;
		a.nr_extents = r.nr_extents;
		a.extent_order = r.extent_order;
		a.mem_flags = r.mem_flags;
		a.domid = r.domid;
	} else {
		struct compat_memory_reservation r;
		if (legacy__copy_from(lc, va, &r, sizeof(r)))
			return (int64_t)start;
		list.va = r.extent_start;
		a.nr_extents = r.nr_extents;
		a.extent_order = r.extent_order;
		a.mem_flags = r.mem_flags;
		a.domid = r.domid;
	}
	/* The count must fit in cmd's continuation bits. */
	if (a.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT))
		return (int64_t)start;
	a.list_null = list.va == 0;
	a.ctx = &list;
	reservation__op(lc->v, op, &a);
	if (a.preempted) {
		lc->arg[0] = op | (a.nr_done << MEMOP_EXTENT_SHIFT);
		lc->restart = true;
	}
	return (int64_t)a.nr_done;
}

/* struct xen_pod_target: four uint64_t then the domid, at the same offsets in both layouts. */
#define POD_TARGET_SIZE (offsetof(struct xen_pod_target, domid) + sizeof(domid_t))

static int64_t pod_target(struct legacy_call *lc, bool set, uint64_t va)
{
	struct xen_pod_target t;

	memset(&t, 0, sizeof(t));
	int64_t ret = legacy__copy_from(lc, va, &t, POD_TARGET_SIZE);
	if (ret)
		return ret;
	ret = memory__pod_target(lc->v, set, &t);
	if (ret)
		return ret;
	return legacy__copy_to(lc, va, &t, POD_TARGET_SIZE);
}

int64_t legacy__memory_op(struct legacy_call *lc)
{
	uint64_t va = lc->arg[1];

	switch (lc->arg[0] & MEMOP_CMD_MASK) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation_op(lc, (unsigned)(lc->arg[0] & MEMOP_CMD_MASK), va);
	case XENMEM_memory_map:
		return memory_map(lc, va);
	case XENMEM_add_to_physmap:
		return add_to_physmap(lc, va);
	case XENMEM_remove_from_physmap:
		return remove_from_physmap(lc, va);
	case XENMEM_current_reservation:
		return reservation(lc, va, memory__current_reservation);
	case XENMEM_maximum_reservation:
		return reservation(lc, va, memory__maximum_reservation);
	case XENMEM_maximum_gpfn:
		return reservation(lc, va, memory__maximum_gpfn);
	case XENMEM_set_pod_target:
	case XENMEM_get_pod_target:
		return pod_target(lc, (lc->arg[0] & MEMOP_CMD_MASK) == XENMEM_set_pod_target, va);
	default:
		lc->call->why = "unknown memory_op command";
		return -XEN_ENOSYS;
	}
}
