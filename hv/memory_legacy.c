/*
 * Legacy memory_op(cmd, arg). cmd's low six bits are the command; above
 * them (MEMOP_EXTENT_SHIFT) the reservation commands keep the extents done
 * when they continue. 32-bit guests pass the compat layouts, whose
 * xen_pfn_t, xen_ulong_t and handles are 32 bits wide.
 */
/* struct xen_reserved_device_memory_map is under __XEN_TOOLS__ in the 4.17 headers. */
#define __XEN_TOOLS__ 1
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

struct compat_memory_exchange {
	struct compat_memory_reservation in, out;
	uint32_t nr_exchanged;
};

struct compat_add_to_physmap_batch {
	domid_t domid;
	uint16_t space;
	uint16_t size;
	uint16_t foreign_domid;
	uint32_t idxs;  /* handle of 32-bit indexes */
	uint32_t gpfns; /* handle of 32-bit frames */
	uint32_t errs;  /* handle of int */
};

struct compat_reserved_device_memory_map {
	uint32_t flags;
	uint32_t nr_entries;
	uint32_t buffer;
	uint32_t dev;
};

_Static_assert(sizeof(struct compat_memory_reservation) == 20, "i386 layout");
_Static_assert(sizeof(struct compat_memory_exchange) == 44, "i386 layout");
_Static_assert(sizeof(struct compat_add_to_physmap_batch) == 20, "i386 layout");
_Static_assert(sizeof(struct compat_reserved_device_memory_map) == 16, "i386 layout");
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

/* XENMEM_exchange: the in-list is read through the reservation's extent reader. */
static int64_t exchange(struct legacy_call *lc, uint64_t va)
{
	struct xen_memory_exchange x;
	struct extent_list list = { .lc = lc };
	size_t off_done;

	memset(&x, 0, sizeof(x));
	if (lc->call->mode64) {
		if (legacy__copy_from(lc, va, &x, sizeof(x)))
			return -XEN_EFAULT;
		list.va = (uint64_t)(uintptr_t)x.in.extent_start.p;
		off_done = offsetof(struct xen_memory_exchange, nr_exchanged);
	} else {
		struct compat_memory_exchange c;
		if (legacy__copy_from(lc, va, &c, sizeof(c)))
			return -XEN_EFAULT;
		const struct compat_memory_reservation *cr[2] = { &c.in, &c.out };
		struct xen_memory_reservation *r[2] = { &x.in, &x.out };
		for (unsigned i = 0; i < 2; i++) {
			r[i]->nr_extents = cr[i]->nr_extents;
			r[i]->extent_order = cr[i]->extent_order;
			r[i]->mem_flags = cr[i]->mem_flags;
			r[i]->domid = cr[i]->domid;
		}
		list.va = c.in.extent_start;
		x.nr_exchanged = c.nr_exchanged;
		off_done = offsetof(struct compat_memory_exchange, nr_exchanged);
	}
	bool report;
	int64_t ret = reservation__exchange(lc->v, &x, extent_get, &list, &report);
	if (report) {
		uint64_t done = x.nr_exchanged;
		uint64_t at = lc->call->mode64 ? va + off_done : (uint32_t)(va + off_done);
		if (legacy__copy_to(lc, at, &done, lc->call->mode64 ? 8 : 4))
			return -XEN_EFAULT;
	}
	return ret;
}

/* add_to_physmap_batch's arrays: xen_ulong_t indexes, xen_pfn_t frames (32-bit in compat), int errors. */
struct batch_arrays {
	struct legacy_call *lc;
	uint64_t idxs, gpfns, errs;
};

static int batch_get(void *ctx, uint64_t i, uint64_t *idx, uint64_t *gpfn)
{
	struct batch_arrays *b = ctx;
	if (b->lc->call->mode64)
		return legacy__copy_from(b->lc, b->idxs + i * 8, idx, 8) ||
		       legacy__copy_from(b->lc, b->gpfns + i * 8, gpfn, 8) ? -XEN_EFAULT : 0;
	uint32_t i32, g32;
	if (legacy__copy_from(b->lc, (uint32_t)(b->idxs + i * 4), &i32, 4) ||
	    legacy__copy_from(b->lc, (uint32_t)(b->gpfns + i * 4), &g32, 4))
		return -XEN_EFAULT;
	*idx = i32;
	*gpfn = g32;
	return 0;
}

static int batch_put_err(void *ctx, uint64_t i, int32_t err)
{
	struct batch_arrays *b = ctx;
	uint64_t va = b->errs + i * 4;
	return legacy__copy_to(b->lc, b->lc->call->mode64 ? va : (uint32_t)va, &err, 4);
}

static int64_t add_to_physmap_batch(struct legacy_call *lc, uint64_t cmd, uint64_t va)
{
	uint64_t start = cmd >> MEMOP_EXTENT_SHIFT;
	struct batch_arrays arrays = { .lc = lc };
	struct memory_batch b = { .get = batch_get, .put_err = batch_put_err, .ctx = &arrays };

	/* Xen: a start extent the struct's 16-bit size cannot reach is malicious or buggy. */
	if (start > UINT16_MAX)
		return -XEN_EDOM;
	if (lc->call->mode64) {
		struct xen_add_to_physmap_batch x;
		if (legacy__copy_from(lc, va, &x, sizeof(x)))
			return -XEN_EFAULT;
		b.domid = x.domid;
		b.space = x.space;
		b.size = x.size;
		arrays.idxs = (uint64_t)(uintptr_t)x.idxs.p;
		arrays.gpfns = (uint64_t)(uintptr_t)x.gpfns.p;
		arrays.errs = (uint64_t)(uintptr_t)x.errs.p;
	} else {
		struct compat_add_to_physmap_batch c;
		if (legacy__copy_from(lc, va, &c, sizeof(c)))
			return -XEN_EFAULT;
		b.domid = c.domid;
		b.space = c.space;
		b.size = c.size;
		arrays.idxs = c.idxs;
		arrays.gpfns = c.gpfns;
		arrays.errs = c.errs;
	}
	b.done = start;
	int64_t ret = memory__add_to_physmap_batch(lc->v, &b);
	if (ret > 0) {
		lc->arg[0] = XENMEM_add_to_physmap_batch | ((uint64_t)ret << MEMOP_EXTENT_SHIFT);
		lc->restart = true;
		return 0;
	}
	return ret;
}

static int64_t reserved_device_memory_map(struct legacy_call *lc, uint64_t va)
{
	if (lc->call->mode64) {
		struct xen_reserved_device_memory_map m;
		if (legacy__copy_from(lc, va, &m, sizeof(m)))
			return -XEN_EFAULT;
		int64_t ret = memory__reserved_device_memory(lc->v, m.flags, &m.nr_entries);
		if (ret)
			return ret;
		return legacy__copy_to(lc, va, &m, sizeof(m));
	}
	struct compat_reserved_device_memory_map c;
	if (legacy__copy_from(lc, va, &c, sizeof(c)))
		return -XEN_EFAULT;
	int64_t ret = memory__reserved_device_memory(lc->v, c.flags, &c.nr_entries);
	if (ret)
		return ret;
	return legacy__copy_to(lc, va, &c, sizeof(c));
}

static int64_t claim_pages(struct legacy_call *lc, uint64_t cmd, uint64_t va)
{
	struct xen_memory_reservation r;
	bool list_null;

	if (cmd >> MEMOP_EXTENT_SHIFT)
		return -XEN_EINVAL;
	memset(&r, 0, sizeof(r));
	if (lc->call->mode64) {
		if (legacy__copy_from(lc, va, &r, sizeof(r)))
			return -XEN_EFAULT;
		list_null = !r.extent_start.p;
	} else {
		struct compat_memory_reservation c;
		if (legacy__copy_from(lc, va, &c, sizeof(c)))
			return -XEN_EFAULT;
		list_null = !c.extent_start;
		r.nr_extents = c.nr_extents;
		r.extent_order = c.extent_order;
		r.mem_flags = c.mem_flags;
		r.domid = c.domid;
	}
	return memory__claim_pages(lc->v, &r, list_null);
}

int64_t legacy__memory_op(struct legacy_call *lc)
{
	uint64_t va = lc->arg[1];
	/* cmd is an unsigned long: 32 bits in 32-bit code. */
	uint64_t cmd = lc->call->mode64 ? lc->arg[0] : (uint32_t)lc->arg[0];

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
	case XENMEM_exchange:
	case XENMEM_maximum_ram_page:
	case XENMEM_reserved_device_memory_map:
		/* No continuation for these: a start extent is -EINVAL (Xen). */
		if (cmd >> MEMOP_EXTENT_SHIFT)
			return -XEN_EINVAL;
		if ((cmd & MEMOP_CMD_MASK) == XENMEM_exchange)
			return exchange(lc, va);
		if ((cmd & MEMOP_CMD_MASK) == XENMEM_maximum_ram_page)
			return memory__maximum_ram_page(lc->v);
		return reserved_device_memory_map(lc, va);
	case XENMEM_add_to_physmap_batch:
		return add_to_physmap_batch(lc, cmd, va);
	case XENMEM_claim_pages:
		return claim_pages(lc, cmd, va);
	case XENMEM_set_pod_target:
	case XENMEM_get_pod_target:
		return pod_target(lc, (lc->arg[0] & MEMOP_CMD_MASK) == XENMEM_set_pod_target, va);
	default:
		lc->call->why = "unknown memory_op command";
		return -XEN_ENOSYS;
	}
}
