/*
 * XENMEM_increase_reservation, decrease_reservation and populate_physmap
 * (reservation.c): the balloon. Legacy only (FastABI defines no such ops);
 * memory_legacy.c copies struct xen_memory_reservation in and hands the
 * extent array over as a reader. See docs/hv-core.md, "memory (12)".
 */
#ifndef HV_RESERVATION_H
#define HV_RESERVATION_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/memory.h>

#include "hv.h"

/* memory_op's cmd keeps the extents already done above these bits (Xen's value). */
#define MEMOP_EXTENT_SHIFT 6
/* Largest extent order a domain may ask for (Xen's x86 defaults). */
#define RESERVATION_DOMU_MAX_ORDER 9  /* CONFIG_DOMU_MAX_ORDER: 2 MiB */
#define RESERVATION_PRIV_MAX_ORDER 18 /* control domain: CONFIG_PAGEALLOC_MAX_ORDER */
/* Pages one call handles (at least one extent) before it continues. */
#define RESERVATION_STEP_PAGES 4096u

/* One reservation call, as the decoder found it. */
struct reservation_args {
	uint64_t nr_extents;
	unsigned extent_order;
	unsigned mem_flags; /* XENMEMF_* */
	domid_t domid;
	bool list_null;     /* extent_start is NULL (increase may do without it) */
	/* Read extent i of the guest's array: 0 or a negative Xen errno. */
	int (*get)(void *ctx, uint64_t i, uint64_t *pfn);
	void *ctx;
	/* in: the extents already done (Xen's start_extent); out: done now */
	uint64_t nr_done;
	/* out: stopped with work left, to be continued by re-executing the call */
	bool preempted;
};

/*
 * Serve op (XENMEM_increase_reservation, XENMEM_decrease_reservation or
 * XENMEM_populate_physmap) from a->nr_done on. As Xen, nothing is ever an
 * error code: a call that cannot start (bad domain, flags, order) or an
 * extent that cannot be done stops there, and the guest learns how far it
 * got from a->nr_done (the hypercall's result).
 */
void reservation__op(struct hv_vcpu *v, unsigned op, struct reservation_args *a);

/*
 * RAM frames [f, f + nr) backed by 'host' have just left d->mem: tell the
 * VMM, which gives the memory back to the host (hv_ops.ram_changed).
 */
/*
 * XENMEM_exchange of x (native layout; the in-list read by get_in, frame
 * numbers of in->extent_start): 0 or a negative Xen errno, with
 * x->nr_exchanged as the guest must see it, which the decoder writes back
 * when *report (Xen does on every path but an unreadable struct and a
 * call with nothing left to exchange).
 */
int64_t reservation__exchange(struct hv_vcpu *v, struct xen_memory_exchange *x,
			      int (*get_in)(void *ctx, uint64_t i, uint64_t *pfn), void *ctx,
			      bool *report);

void reservation__release(struct domain *d, gfn_t f, uint64_t nr, void *host);

#endif
