/*
 * memory_op: the memory map, the reservation queries, the physmap moves of
 * the special pages that legacy guests make, and the share set of a
 * confidential domain.
 */
/* XENMEM_RDM_ALL is under __XEN_TOOLS__ in the 4.17 headers; the call is any guest's. */
#define __XEN_TOOLS__ 1
#include <stdint.h>
#include <string.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "grant_table.h"
#include "hv.h"
#include "memory.h"
#include "reservation.h"



/* ---- the memory map ---- */

/*
 * 'buffer' is where the guest wants the records: a GPA for FastABI (in a
 * confidential domain, a shared page), a GVA translated with the call's
 * paging for legacy. Either all records are written or none.
 */
int64_t memory__memory_map(struct hv_vcpu *hv_vcpu, uint64_t buffer, struct xen_memory_map *arg)
{
	struct domain *d = hv_vcpu->d;
	struct e820entry e[HV_MEMMAP_MAX];
	unsigned n = d->nr_memmap;
	int ret;

	if (n == 0)
		return -XEN_ENOSYS; /* as Xen, for a domain without a map */
	if (arg->nr_entries < n)
		n = arg->nr_entries;
	for (unsigned i = 0; i < n; i++)
		e[i] = (struct e820entry){ d->memmap[i].addr, d->memmap[i].size, d->memmap[i].type };

	size_t len = n * sizeof(e[0]);
	if (hv_vcpu->call && !hv_vcpu->call_fast) {
		struct guestmem_fault fault = { .reason = GUESTMEM_FAULT_NONE };
		ret = guestmem__copy_to_gva(&d->mem, &hv_vcpu->call->paging, gva(buffer), e, len,
					    &fault);
		if (ret)
			hv_vcpu->call->why = guestmem__fault_name(fault.reason);
	} else {
		ret = guestmem__write(&d->mem, gpa(buffer), e, len);
	}
	if (ret)
		return ret;
	arg->nr_entries = n;
	return 0;
}

/* ---- reservations ---- */

int64_t memory__current_reservation(struct hv_vcpu *v, domid_t domid)
{
	struct domain *d;
	int ret = domain__target(v, domid, &d);
	if (ret)
		return ret;
	return (int64_t)d->tot_pages;
}

int64_t memory__maximum_reservation(struct hv_vcpu *v, domid_t domid)
{
	struct domain *d;
	int ret = domain__target(v, domid, &d);
	if (ret)
		return ret;
	return (int64_t)d->max_pages;
}

int64_t memory__maximum_gpfn(struct hv_vcpu *v, domid_t domid)
{
	struct domain *d;
	int ret = domain__target(v, domid, &d);
	if (ret)
		return ret;
	if (d->mem.nr_regions == 0)
		return 0;
	const struct guestmem_region *r = &d->mem.regions[d->mem.nr_regions - 1];
	return (int64_t)((r->start + r->size) >> PAGE_SHIFT) - 1;
}

int64_t memory__pod_target(struct hv_vcpu *v, bool set, struct xen_pod_target *arg)
{
	struct domain *d = domain__lookup(v->d, arg->domid);

	if (!d)
		return -XEN_ESRCH;
	/* Xen's xsm_{set,get}_pod_target(XSM_PRIV): the control domain's. */
	if (!(v->d->flags & DOMAIN_PRIVILEGED))
		return -XEN_EPERM;
	if (set && arg->target_pages > d->max_pages)
		return -XEN_EINVAL;
	/*
	 * No populate-on-demand here: with no PoD entries Xen's
	 * p2m_pod_set_mem_target has nothing to do. The pool and entries are 0.
	 */
	arg->tot_pages = d->tot_pages;
	arg->pod_cache_pages = 0;
	arg->pod_entries = 0;
	return 0;
}

/* ---- the special pages in the physmap ---- */

struct special {
	enum guestmem_kind kind;
	unsigned frame; /* grant frame index (shared or status) */
	uint8_t *host;
};

/* Where the guest sees the special page now, if anywhere. */
static bool special_gfn(struct domain *d, const struct special *sp, gfn_t *out)
{
	for (unsigned i = 0; i < d->mem.nr_regions; i++) {
		const struct guestmem_region *r = &d->mem.regions[i];
		if (r->kind == sp->kind && sp->host >= r->host && sp->host < r->host + r->size) {
			*out = gfn_of(gpa(r->start + (uint64_t)(sp->host - r->host)));
			return true;
		}
	}
	return false;
}

/* Which special page is at frame f of d (false: RAM or nothing). */
static bool special_at(struct domain *d, gfn_t f, struct special *sp)
{
	const struct guestmem_region *r = guestmem__lookup(&d->mem, gfn_to_gpa(f));

	if (!r || r->kind == GUESTMEM_RAM)
		return false;
	sp->kind = r->kind;
	sp->host = r->host + (gpa_val(gfn_to_gpa(f)) - r->start);
	sp->frame = 0;
	if (r->kind == GUESTMEM_GRANT_TABLE || r->kind == GUESTMEM_GNTTAB_STATUS) {
		bool status = r->kind == GUESTMEM_GNTTAB_STATUS;
		unsigned n = status ? gnttab__nr_status_frames(d) : gnttab__max_frames(d);
		for (unsigned i = 0; i < n; i++)
			if ((status ? gnttab__status_frame(d, i) : gnttab__frame(d, i)) == sp->host)
				sp->frame = i;
	}
	return true;
}

/* Tell the owner of a special page where the guest sees it now. */
static void special_moved(struct domain *d, const struct special *sp, bool placed, gfn_t f)
{
	bool status = sp->kind == GUESTMEM_GNTTAB_STATUS;

	if (sp->kind == GUESTMEM_SHARED_INFO) {
		d->shared_info_mapped = placed;
		d->shared_info_gfn = placed ? f : gfn(0);
	} else if (placed) {
		/* Cannot fail: the frame was checked; placing a shared frame grows the table. */
		gnttab__set_frame_gfn(d, status, sp->frame, f);
	} else {
		gnttab__clear_frame_gfn(d, status, sp->frame);
	}
}

static int vmm_map(struct domain *d, const struct special *sp, bool had_old, gfn_t old, gfn_t f)
{
	struct hv *hv = d->hv;

	if (!hv->ops.map_special)
		return 0;
	return hv->ops.map_special(d, sp->kind, sp->host, old, had_old, f, hv->ops.ctx);
}

/*
 * The grant frame XENMAPSPACE_grant_table's idx names, as Xen's
 * gnttab_map_frame reads it: with XENMAPIDX_grant_table_status a status
 * frame, which exists only under grant table v2.
 */
static int grant_frame(struct domain *d, uint64_t idx, struct special *sp)
{
	if (idx & XENMAPIDX_grant_table_status) {
		idx &= ~(uint64_t)XENMAPIDX_grant_table_status;
		if (!d->gnttab || d->gnttab->version != 2 || idx >= gnttab__nr_status_frames(d))
			return -XEN_EINVAL;
		sp->kind = GUESTMEM_GNTTAB_STATUS;
		sp->host = gnttab__status_frame(d, (unsigned)idx);
	} else {
		if (idx >= gnttab__max_frames(d))
			return -XEN_EINVAL;
		sp->kind = GUESTMEM_GRANT_TABLE;
		sp->host = gnttab__frame(d, (unsigned)idx);
	}
	sp->frame = (unsigned)idx;
	return sp->host ? 0 : -XEN_EINVAL;
}

int64_t memory__add_to_physmap(struct hv_vcpu *hv_vcpu, struct xen_add_to_physmap *arg)
{
	struct domain *d;
	struct special sp = { 0 };
	int ret = domain__target(hv_vcpu, arg->domid, &d);

	if (ret)
		return ret;
	switch (arg->space) {
	case XENMAPSPACE_shared_info:
		if (arg->idx != 0)
			return -XEN_EINVAL;
		sp = (struct special){ .kind = GUESTMEM_SHARED_INFO, .host = (uint8_t *)d->shared_info };
		break;
	case XENMAPSPACE_grant_table:
		ret = grant_frame(d, arg->idx, &sp);
		if (ret)
			return ret;
		break;
	default:
		return -XEN_EINVAL;
	}
	if (arg->gpfn >= memory__gfn_limit(d))
		return -XEN_EINVAL;

	gfn_t to = gfn(arg->gpfn), old = gfn(0);
	bool had_old = special_gfn(d, &sp, &old);
	if (had_old && gfn_val(old) == gfn_val(to)) {
		special_moved(d, &sp, true, to);
		return 0;
	}
	/*
	 * A grant mapping at the target: Xen's xenmem_add_to_physmap_one takes
	 * the page there for the domain's own memory and frees it
	 * (guest_remove_page), which fails with -EINVAL for a page of another
	 * domain, before anything moved. The same here, and nothing moves.
	 */
	if (gnttab__mapped_at(d, gfn_to_gpa(to)))
		return -XEN_EINVAL;

	/* A special page at the target is displaced; RAM there is dropped. */
	struct special victim;
	bool displaced = special_at(d, to, &victim);
	const struct guestmem_region *at = guestmem__lookup(&d->mem, gfn_to_gpa(to));
	bool ram_dropped = at && at->kind == GUESTMEM_RAM;

	if (had_old) {
		ret = guestmem__remove(&d->mem, gfn_to_gpa(old), PAGE_SIZE);
		if (ret)
			return ret;
	}
	ret = guestmem__remove(&d->mem, gfn_to_gpa(to), PAGE_SIZE);
	if (!ret)
		ret = guestmem__place(&d->mem, sp.kind, gfn_to_gpa(to), PAGE_SIZE, sp.host);
	if (ret)
		goto undo;
	ret = vmm_map(d, &sp, had_old, old, to);
	if (ret) {
		guestmem__remove(&d->mem, gfn_to_gpa(to), PAGE_SIZE);
		goto undo;
	}
	if (displaced)
		special_moved(d, &victim, false, gfn(0));
	special_moved(d, &sp, true, to);
	/* As Xen, the RAM page that was there is freed: the domain holds one page less. */
	if (ram_dropped)
		d->tot_pages--;
	return 0;

undo:
	/* Put the pages back where they were (a RAM page at the target stays lost). */
	if (had_old)
		guestmem__place(&d->mem, sp.kind, gfn_to_gpa(old), PAGE_SIZE, sp.host);
	if (displaced && !guestmem__lookup(&d->mem, gfn_to_gpa(to)))
		guestmem__place(&d->mem, victim.kind, gfn_to_gpa(to), PAGE_SIZE, victim.host);
	/*
	 * The VMM's mirror (KVM memslots) may have half followed the failed
	 * move: it is told the map as it is again, whatever the first try left.
	 */
	(void)vmm_map(d, &sp, true, to, had_old ? old : gfn(HV_GFN_NONE));
	return ret;
}

int memory__remove_special(struct domain *d, gfn_t f)
{
	struct special sp;

	if (!special_at(d, f, &sp))
		return -XEN_EINVAL;
	int ret = guestmem__remove(&d->mem, gfn_to_gpa(f), PAGE_SIZE);
	if (ret)
		return ret;
	ret = vmm_map(d, &sp, true, f, gfn(HV_GFN_NONE));
	if (ret) {
		guestmem__place(&d->mem, sp.kind, gfn_to_gpa(f), PAGE_SIZE, sp.host);
		(void)vmm_map(d, &sp, false, gfn(0), f); /* the mirror follows the map put back */
		return ret;
	}
	special_moved(d, &sp, false, gfn(0));
	return 0;
}

int64_t memory__remove_from_physmap(struct hv_vcpu *hv_vcpu, struct xen_remove_from_physmap *arg)
{
	struct domain *d;
	int ret = domain__target(hv_vcpu, arg->domid, &d);

	if (ret)
		return ret;
	if (arg->gpfn >= memory__gfn_limit(d))
		return -XEN_EINVAL;
	gfn_t f = gfn(arg->gpfn);
	const struct guestmem_region *r = guestmem__lookup(&d->mem, gfn_to_gpa(f));
	if (!r)
		return -XEN_ENOENT;
	if (r->kind != GUESTMEM_RAM)
		return memory__remove_special(d, f);
	/*
	 * RAM: Xen takes the page out of the physmap but leaves it allocated to
	 * the domain (tot_pages keeps counting it). The host memory behind it
	 * is given back here all the same: nothing can reach it any more.
	 */
	uint8_t *host = r->host + (gpa_val(gfn_to_gpa(f)) - r->start);
	ret = guestmem__remove(&d->mem, gfn_to_gpa(f), PAGE_SIZE);
	if (ret)
		return ret;
	reservation__release(d, f, 1, host);
	return 0;
}

/* ---- the share set ---- */

/* Whether frames [first, first + nr) are all RAM. */
static bool all_ram(struct domain *d, uint64_t first, uint64_t nr)
{
	uint64_t a = first << PAGE_SHIFT, end = (first + nr) << PAGE_SHIFT;

	while (a < end) {
		const struct guestmem_region *r = guestmem__lookup(&d->mem, gpa(a));
		if (!r || r->kind != GUESTMEM_RAM)
			return false;
		a = r->start + r->size;
	}
	return true;
}

static bool gpa_in(uint64_t a, uint64_t first, uint64_t nr)
{
	return (a >> PAGE_SHIFT) >= first && (a >> PAGE_SHIFT) - first < nr;
}

/*
 * Whether the hypervisor keeps something it writes on its own in one of
 * the frames: a registered vcpu_info, runstate or time area of a vCPU.
 */
static bool frames_in_use(struct domain *d, uint64_t first, uint64_t nr)
{
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		const struct hv_vcpu *v = &d->vcpus[i];
		if ((v->vcpu_info_registered && gpa_in(gpa_val(v->vcpu_info_gpa), first, nr)) ||
		    (v->runstate_area_phys && gpa_in(gpa_val(v->runstate_area), first, nr)) ||
		    (v->time_area_phys && gpa_in(gpa_val(v->time_area), first, nr)))
			return true;
	}
	return false;
}

/*
 * Share or unshare nr_frames frames from first_gfn, at most
 * MEMORY_SHARE_STEP per call: 'done' says how many are behind us, and
 * -FASTABI_ERESTART asks for the trap to be executed again. The whole range
 * is checked on every call, so a bad range fails before any frame changes.
 */
static int64_t share_step(struct hv_vcpu *v, struct fastabi_memory_share *arg, bool share)
{
	struct domain *d = v->d;
	uint64_t first = arg->first_gfn, nr = arg->nr_frames;

	if (arg->done > nr || !memory__gfns_fit(d, first, nr))
		return -XEN_EINVAL;
	if (!all_ram(d, first, nr))
		return -XEN_EINVAL;
	if (!share && frames_in_use(d, first + arg->done, nr - arg->done))
		return -XEN_EBUSY;

	uint64_t step = nr - arg->done;
	if (step > MEMORY_SHARE_STEP)
		step = MEMORY_SHARE_STEP;
	gfn_t from = gfn(first + arg->done);
	int ret = share ? guestmem__share(&d->mem, from, step) : guestmem__unshare(&d->mem, from, step);
	if (ret)
		return ret;
	arg->done += (uint32_t)step;
	return arg->done < nr ? -FASTABI_ERESTART : 0;
}

int64_t memory__share(struct hv_vcpu *hv_vcpu, struct fastabi_memory_share *arg)
{
	return share_step(hv_vcpu, arg, true);
}

int64_t memory__unshare(struct hv_vcpu *hv_vcpu, struct fastabi_memory_share *arg)
{
	return share_step(hv_vcpu, arg, false);
}

int64_t memory__maximum_ram_page(struct hv_vcpu *v)
{
	uint64_t top = 0;

	/* memory_op holds every domain's lock: each domain of the world is seen. */
	for (domid_t id = 0; id < HV_MAX_DOMAINS; id++) {
		struct domain *d = domain__lookup(v->d, id);
		for (unsigned i = 0; d && i < d->nr_ram_home; i++) {
			uint64_t end = d->ram_home[i].start + d->ram_home[i].size;
			if (end > top)
				top = end;
		}
	}
	return (int64_t)(top >> PAGE_SHIFT);
}

int64_t memory__reserved_device_memory(struct hv_vcpu *v, uint32_t flags, uint32_t *nr_entries)
{
	(void)v;
	if (flags & ~(uint32_t)XENMEM_RDM_ALL)
		return -XEN_EINVAL;
	/* Xen's iommu_get_reserved_device_memory reports nothing without an IOMMU. */
	*nr_entries = 0;
	return 0;
}

int64_t memory__add_to_physmap_batch(struct hv_vcpu *v, struct memory_batch *b)
{
	if (b->space == XENMAPSPACE_gmfn_range)
		return -XEN_EOPNOTSUPP;
	/* Xen's rcu_lock_domain_by_any_id, then xatp_permission_check. */
	struct domain *d = domain__lookup(v->d, b->domid);
	if (!d)
		return -XEN_ESRCH;
	if (b->space == XENMAPSPACE_dev_mmio && (!(d->flags & DOMAIN_PRIVILEGED) || d != v->d))
		return -XEN_EACCES;
	if (d != v->d && !(v->d->flags & DOMAIN_PRIVILEGED))
		return -XEN_EPERM;
	if (b->size < b->done)
		return -XEN_EILSEQ;
	if (b->size == b->done)
		return b->done ? -XEN_EILSEQ : 0;

	for (uint64_t n = 0; b->done < b->size; n++) {
		uint64_t idx, gpfn;
		if (b->get(b->ctx, b->done, &idx, &gpfn))
			return -XEN_EFAULT;
		struct xen_add_to_physmap a = {
			.domid = b->domid, .space = b->space, .idx = idx, .gpfn = gpfn,
		};
		int32_t rc = (int32_t)memory__add_to_physmap(v, &a);
		if (b->put_err(b->ctx, b->done, rc))
			return -XEN_EFAULT;
		/* Xen's preemption check, if it is not the last entry. */
		if (++b->done < b->size && n + 1 == MEMORY_BATCH_STEP)
			return (int64_t)b->done;
	}
	return 0;
}

int64_t memory__claim_pages(struct hv_vcpu *v, const struct xen_memory_reservation *r,
			    bool list_null)
{
	if (!list_null || r->extent_order != 0 || r->mem_flags != 0)
		return -XEN_EINVAL;
	if (r->domid >= HV_MAX_DOMAINS || !domain__lookup(v->d, r->domid))
		return -XEN_EINVAL;
	if (!(v->d->flags & DOMAIN_PRIVILEGED))
		return -XEN_EPERM;
	return 0;
}
