/*
 * memory_op beyond fastabi_hv.h: the legacy-only queries, and the size of a
 * step of the preemptible share/unshare.
 */
#ifndef HV_MEMORY_H
#define HV_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/memory.h>

#include <fastabi/xen-ext.h>

#include "hv.h"

/*
 * Frames domain d may name: below 2^paddr_bits, its physical address width
 * (CPUID 0x80000008). Xen's p2m refuses a gfn beyond the guest's width
 * (ept_set_entry: -EINVAL), so every call that puts a frame into the
 * physical map or names one to map answers as that refusal does.
 */
static inline uint64_t memory__gfn_limit(const struct domain *d)
{
	return 1ull << (d->paddr_bits - PAGE_SHIFT);
}

/* Whether the n frames from first are all below that limit (no wrap). */
static inline bool memory__gfns_fit(const struct domain *d, uint64_t first, uint64_t n)
{
	return first < memory__gfn_limit(d) && n <= memory__gfn_limit(d) - first;
}

/* Frames share/unshare handle per call before they continue. */
#define MEMORY_SHARE_STEP 256u

/* One XENMEM_memory_map record is Xen's packed E820 entry: struct e820entry (xen-ext.h). */

/*
 * XENMEM_current_reservation, maximum_reservation, maximum_gpfn of 'domid'
 * (DOMID_SELF or the caller's own; any domain for a privileged caller):
 * the RAM frames the domain has, may have, and its highest mapped frame.
 * -XEN_ESRCH, -XEN_EPERM.
 */
int64_t memory__current_reservation(struct hv_vcpu *v, domid_t domid);
int64_t memory__maximum_reservation(struct hv_vcpu *v, domid_t domid);
int64_t memory__maximum_gpfn(struct hv_vcpu *v, domid_t domid);

/*
 * XENMEM_set_pod_target / get_pod_target (legacy only): the control
 * domain's view of a domain's populate-on-demand pool, which is always
 * empty here: tot_pages and zeros. -XEN_ESRCH, -XEN_EPERM (not the control
 * domain), -XEN_EINVAL (set: target above max_pages).
 */
int64_t memory__pod_target(struct hv_vcpu *v, bool set, struct xen_pod_target *arg);

/*
 * XENMEM_maximum_ram_page: Xen's max_page, one past the highest machine
 * frame. The machine of this hypervisor is the RAM it gives its domains: one
 * past the highest RAM frame any domain was built with.
 */
int64_t memory__maximum_ram_page(struct hv_vcpu *v);

/*
 * XENMEM_reserved_device_memory_map (flags XENMEM_RDM_*): the regions of
 * passed-through devices the guest must keep clear. There is no
 * passthrough and no IOMMU here: 0 regions. -XEN_EINVAL for unknown flags.
 */
int64_t memory__reserved_device_memory(struct hv_vcpu *v, uint32_t flags, uint32_t *nr_entries);

/*
 * XENMEM_claim_pages (a toolstack call; Xen's memory.c): the reservation
 * must name no list, order 0 and no flags (-EINVAL), and a real domain id
 * (DOMID_SELF is none: -EINVAL, as Xen's rcu_lock_domain_by_id there);
 * then XSM_PRIV: -EPERM for a domU, and for the control domain the claim
 * has nothing to hold back here (no other allocator): 0.
 */
int64_t memory__claim_pages(struct hv_vcpu *v, const struct xen_memory_reservation *r,
			    bool list_null);

/* Entries of add_to_physmap_batch served per call before it continues. */
#define MEMORY_BATCH_STEP 64u

/*
 * XENMEM_add_to_physmap_batch (Xen's memory.c): each entry i from 'done'
 * on is one add_to_physmap (memory__add_to_physmap) of (space, idx[i],
 * gpfn[i]), its result stored with put_err; a failed entry does not stop
 * the batch. get/put_err return 0 or -XEN_EFAULT (which ends the call).
 * Returns 0, a negative Xen errno, or the next entry to continue with.
 */
struct memory_batch {
	domid_t domid;
	uint16_t space;
	uint16_t size;
	int (*get)(void *ctx, uint64_t i, uint64_t *idx, uint64_t *gpfn);
	int (*put_err)(void *ctx, uint64_t i, int32_t err);
	void *ctx;
	uint64_t done; /* Xen's start extent */
};
int64_t memory__add_to_physmap_batch(struct hv_vcpu *v, struct memory_batch *b);

/*
 * Take the special page (shared_info, a grant frame) at f out of d's
 * physmap, as XENMEM_remove_from_physmap does: 0, -XEN_EINVAL if f holds
 * no special page, or the VMM's error (nothing changed then).
 */
int memory__remove_special(struct domain *d, gfn_t f);

#endif
