/*
 * Legacy memory_op(cmd, arg). cmd's low six bits are the command (Xen's
 * upper bits carry a continuation for the reservation commands, which are
 * not served here). 32-bit guests pass the compat layouts, whose xen_pfn_t,
 * xen_ulong_t and handles are 32 bits wide.
 */
#include <stdint.h>
#include <string.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "legacy.h"
#include "memory.h"

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

int64_t legacy__memory_op(struct legacy_call *lc)
{
	uint64_t va = lc->arg[1];

	switch (lc->arg[0] & MEMOP_CMD_MASK) {
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
	default:
		lc->call->why = "unknown memory_op command";
		return -XEN_ENOSYS;
	}
}
