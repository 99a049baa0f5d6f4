/*
 * The balloon: XENMEM_decrease_reservation takes frames out of the
 * domain's physmap and gives their memory back to the host,
 * populate_physmap brings fresh zeroed frames in, increase_reservation
 * only charges pages (what it does for a translated guest on Xen). The
 * domain's e820 (d->memmap) never changes, as on Xen.
 *
 * Answers follow xen/common/memory.c: the result is the number of extents
 * done; a frame that is not populated stops decrease there (so a frame
 * released once answers 1, then 0), an extent above max_pages or above the
 * order limit stops increase and populate, and a long call continues with
 * the extents done kept in cmd (MEMOP_EXTENT_SHIFT).
 */
#include <stdint.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/memory.h>
#include <xen/sched.h>

#include "hv.h"
#include "memory.h"
#include "reservation.h"

/* Xen's NUMA_NO_NODE and the x86 MAX_NUMNODES the node field is checked against. */
#define NO_NODE 0xffu
#define MAX_NUMNODES 64u

static unsigned max_order(const struct domain *caller)
{
	return (caller->flags & DOMAIN_PRIVILEGED) ? RESERVATION_PRIV_MAX_ORDER
						   : RESERVATION_DOMU_MAX_ORDER;
}

/* Xen's propagate_node: a node the caller may ask for. */
static bool node_ok(const struct domain *caller, unsigned flags)
{
	if (XENMEMF_get_node(flags) == NO_NODE)
		return true;
	if (caller->flags & DOMAIN_PRIVILEGED)
		return XENMEMF_get_node(flags) < MAX_NUMNODES;
	/* A domU may hint at a node but not insist on one. */
	return !(flags & XENMEMF_exact_node_request);
}

/* Xen's construct_memop_from_reservation + propagate_node: may the call start? */
static bool flags_ok(const struct domain *caller, unsigned flags)
{
	unsigned bits = XENMEMF_get_address_bits(flags);

	/* A limit at or below one page can be met by no allocation. */
	if (bits != 0 && bits <= PAGE_SHIFT)
		return false;
	/* XENMEMF_vnode names a virtual node; without vNUMA Xen ignores it. */
	if (flags & XENMEMF_vnode)
		return true;
	return node_ok(caller, flags);
}

/* ---- telling the VMM, one contiguous run at a time ---- */

struct run {
	gfn_t gfn;
	uint64_t nr;
	uint8_t *host;
};

static int ram_changed(struct domain *d, gfn_t f, uint64_t nr, uint8_t *host, bool populated)
{
	struct hv *hv = d->hv;

	if (hv->ops.ram_changed)
		return hv->ops.ram_changed(d, f, nr, host, populated, hv->ops.ctx);
	if (populated)
		memset(host, 0, nr << PAGE_SHIFT);
	return 0;
}

void reservation__release(struct domain *d, gfn_t f, uint64_t nr, void *host)
{
	/* The frames are gone from d->mem already: a VMM failure leaves them allocated. */
	(void)ram_changed(d, f, nr, host, false);
}

static void run_flush(struct domain *d, struct run *r)
{
	if (r->nr)
		reservation__release(d, r->gfn, r->nr, r->host);
	r->nr = 0;
}

/* Released frames [f, f + nr) at host: join the pending run or start a new one. */
static void run_add(struct domain *d, struct run *r, gfn_t f, uint64_t nr, uint8_t *host)
{
	if (r->nr && gfn_val(r->gfn) + r->nr == gfn_val(f) &&
	    r->host + (r->nr << PAGE_SHIFT) == host) {
		r->nr += nr;
		return;
	}
	run_flush(d, r);
	*r = (struct run){ f, nr, host };
}

/* ---- decrease ---- */

/*
 * Take frames [f, f + nr) out of d's physmap, in order, stopping at the
 * first that cannot go (as Xen's guest_remove_page: not populated is
 * -ENOENT). Frames before it stay removed.
 */
static int remove_frames(struct domain *d, uint64_t f, uint64_t nr, struct run *run)
{
	while (nr) {
		gpa_t a = gfn_to_gpa(gfn(f));
		const struct guestmem_region *r = guestmem__lookup(&d->mem, a);
		if (!r)
			return -XEN_ENOENT;
		if (r->kind != GUESTMEM_RAM) {
			/* A special page leaves the physmap as with remove_from_physmap. */
			int ret = memory__remove_special(d, gfn(f));
			if (ret)
				return ret;
			f++;
			nr--;
			continue;
		}
		uint64_t left = (r->start + r->size - gpa_val(a)) >> PAGE_SHIFT;
		uint64_t n = nr < left ? nr : left;
		uint8_t *host = r->host + (gpa_val(a) - r->start);
		int ret = guestmem__remove(&d->mem, a, n << PAGE_SHIFT);
		if (ret)
			return ret;
		d->tot_pages -= n;
		run_add(d, run, gfn(f), n, host);
		f += n;
		nr -= n;
	}
	return 0;
}

/*
 * The frame of extent i of n pages, or false to stop the loop: preempted
 * (the step's page budget is spent, but never before the first extent of
 * this call, so every call makes progress) or the extent is unreadable.
 */
static bool extent_frame(struct reservation_args *a, uint64_t i, uint64_t n, uint64_t budget,
			 uint64_t *f)
{
	if (i != a->nr_done && budget + n > RESERVATION_STEP_PAGES) {
		a->preempted = true;
		return false;
	}
	return a->get(a->ctx, i, f) == 0;
}

static void decrease(struct hv_vcpu *v, struct domain *d, struct reservation_args *a)
{
	struct run run = { .nr = 0 };
	uint64_t budget = 0, i;

	if (a->extent_order > max_order(v->d))
		return;
	uint64_t n = 1ull << a->extent_order; /* after the check: a guest's order may be any number */
	for (i = a->nr_done; i < a->nr_extents; i++) {
		uint64_t f;
		if (!extent_frame(a, i, n, budget, &f))
			break;
		if (!memory__gfns_fit(d, f, n))
			break;
		if (remove_frames(d, f, n, &run))
			break;
		budget += n;
	}
	run_flush(d, &run);
	a->nr_done = i;
}

/* ---- populate ---- */

/* The host memory frame f of d was built with, or NULL (never RAM here). */
static uint8_t *home_of(const struct domain *d, uint64_t f, uint64_t *left)
{
	uint64_t a = f << PAGE_SHIFT;

	for (unsigned i = 0; i < d->nr_ram_home; i++) {
		const struct hv_ram_home *h = &d->ram_home[i];
		if (a >= h->start && a - h->start < h->size) {
			*left = (h->start + h->size - a) >> PAGE_SHIFT;
			return h->host + (a - h->start);
		}
	}
	return NULL;
}

/*
 * Back frames [f, f + nr) with fresh zeroed RAM, replacing what is there.
 * Everything is checked before anything changes, except the VMM's answer.
 */
static int populate_frames(struct domain *d, uint64_t f, uint64_t nr)
{
	uint64_t left;

	/*
	 * Our memory for a frame is the one it was built with: a frame that
	 * never was RAM has none, which the guest sees as Xen out of memory.
	 */
	for (uint64_t g = f; g < f + nr; g += left)
		if (!home_of(d, g, &left))
			return -XEN_ENOMEM;
	/*
	 * A grant mapped there (the frame was given back, then a grant mapped
	 * in the hole): Xen's guest_physmap_add_entry crashes the domain
	 * ("really shouldn't be unmapping grant/foreign maps this way") and
	 * fails with -EINVAL.
	 */
	for (uint64_t g = f; g < f + nr; g++)
		if (gnttab__mapped_at(d, gfn_to_gpa(gfn(g)))) {
			domain__shutdown_locked(d, SHUTDOWN_crash);
			return -XEN_EINVAL;
		}
	/* A special page there leaves the physmap (Xen replaces any RAM-typed entry). */
	for (uint64_t g = f; g < f + nr; g++) {
		const struct guestmem_region *r = guestmem__lookup(&d->mem, gfn_to_gpa(gfn(g)));
		if (r && r->kind != GUESTMEM_RAM) {
			int ret = memory__remove_special(d, gfn(g));
			if (ret)
				return ret;
		}
	}
	for (uint64_t g = f; g < f + nr; g += left) {
		uint8_t *host = home_of(d, g, &left);
		if (left > f + nr - g)
			left = f + nr - g;
		gpa_t a = gfn_to_gpa(gfn(g));
		/*
		 * A frame still populated is replaced: on Xen the old page stays
		 * charged to the domain (and lost to it), so tot_pages still
		 * counts it; here the same memory comes back zeroed.
		 */
		int ret = guestmem__remove(&d->mem, a, left << PAGE_SHIFT);
		if (!ret)
			ret = guestmem__place(&d->mem, GUESTMEM_RAM, a, left << PAGE_SHIFT, host);
		if (!ret) {
			ret = ram_changed(d, gfn(g), left, host, true);
			if (ret)
				(void)guestmem__remove(&d->mem, a, left << PAGE_SHIFT);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static void populate(struct hv_vcpu *v, struct domain *d, struct reservation_args *a)
{
	uint64_t budget = 0, i;

	/* PoD extents may be as large as the allocator's MAX_ORDER (18 on x86). */
	unsigned limit = (a->mem_flags & XENMEMF_populate_on_demand) ? RESERVATION_PRIV_MAX_ORDER
								      : max_order(v->d);
	if (a->extent_order > limit)
		return;
	uint64_t n = 1ull << a->extent_order; /* after the check: a guest's order may be any number */
	for (i = a->nr_done; i < a->nr_extents; i++) {
		uint64_t f;
		if (!extent_frame(a, i, n, budget, &f))
			break;
		/* Populate-on-demand is for the toolstack, never on oneself; no PoD here at all. */
		if (a->mem_flags & XENMEMF_populate_on_demand)
			break;
		if (d->tot_pages + n > d->max_pages)
			break; /* Xen's assign_pages: over-allocation */
		if (!memory__gfns_fit(d, f, n))
			break;
		if (populate_frames(d, f, n))
			break;
		d->tot_pages += n;
		budget += n;
	}
	a->nr_done = i;
}

/* ---- increase ---- */

/*
 * For a translated (HVM/PVH) guest Xen allocates the pages to the domain
 * and tells it nothing: they are in no physmap, only charged. So is it here.
 */
static void increase(struct hv_vcpu *v, struct domain *d, struct reservation_args *a)
{
	uint64_t i;

	if (a->extent_order > max_order(v->d))
		return;
	uint64_t n = 1ull << a->extent_order; /* after the check: a guest's order may be any number */
	for (i = a->nr_done; i < a->nr_extents; i++) {
		if (d->tot_pages + n > d->max_pages)
			break;
		d->tot_pages += n;
	}
	a->nr_done = i;
}

void reservation__op(struct hv_vcpu *v, unsigned op, struct reservation_args *a)
{
	struct domain *d;

	a->preempted = false;
	if (a->nr_done >= a->nr_extents)
		return;
	if (domain__target(v, a->domid, &d))
		return;
	if (!flags_ok(v->d, a->mem_flags))
		return;
	switch (op) {
	case XENMEM_decrease_reservation:
		decrease(v, d, a);
		break;
	case XENMEM_populate_physmap:
		populate(v, d, a);
		break;
	case XENMEM_increase_reservation:
		increase(v, d, a);
		break;
	}
}

/*
 * XENMEM_exchange, as Xen's memory_exchange answers an HVM guest: the
 * checks in Xen's order, then the first input frame of the first chunk
 * left: one that holds no page is -EINVAL, and a page is -EOPNOTSUPP,
 * because Xen's steal_page refuses every page of a translated
 * (paging_mode_external) domain. So nothing is ever exchanged for an HVM
 * domain, and nr_exchanged tells the guest so.
 */
int64_t reservation__exchange(struct hv_vcpu *v, struct xen_memory_exchange *x,
			      int (*get_in)(void *ctx, uint64_t i, uint64_t *pfn), void *ctx,
			      bool *report)
{
	const struct xen_memory_reservation *in = &x->in, *out = &x->out;
	*report = true;

	if ((in->extent_order > out->extent_order ? in->extent_order : out->extent_order) >
	    max_order(v->d))
		return -XEN_EPERM;
	/* Both orders are at most 18 now: the shifts are defined. */
	if (x->nr_exchanged > in->nr_extents || in->domid != out->domid ||
	    (~0ul >> in->extent_order) < in->nr_extents ||
	    (~0ul >> out->extent_order) < out->nr_extents ||
	    (in->nr_extents << in->extent_order) != (out->nr_extents << out->extent_order))
		return -XEN_EINVAL;
	if (x->nr_exchanged == in->nr_extents) {
		*report = false;
		return 0;
	}
	unsigned in_chunk_order =
		in->extent_order <= out->extent_order ? out->extent_order - in->extent_order : 0;
	if (!node_ok(v->d, out->mem_flags))
		return -XEN_EINVAL;
	struct domain *d;
	int ret = domain__target(v, in->domid, &d);
	if (ret)
		return ret;

	uint64_t chunk = x->nr_exchanged >> in_chunk_order;
	x->nr_exchanged = chunk << in_chunk_order;
	uint64_t pfn;
	if (get_in(ctx, chunk << in_chunk_order, &pfn))
		return -XEN_EFAULT;
	const struct guestmem_region *r =
		pfn < memory__gfn_limit(d) ? guestmem__lookup(&d->mem, gfn_to_gpa(gfn(pfn))) : NULL;
	return r ? -XEN_EOPNOTSUPP : -XEN_EINVAL;
}
