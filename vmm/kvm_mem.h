/*
 * Guest RAM (a memfd) and the KVM memslots mirrored from the core's
 * guestmem and the grant mappings (kvm_mem.c).
 */
#ifndef VMM_KVM_MEM_H
#define VMM_KVM_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv.h"

struct vmm_domain;

/*
 * One KVM memslot as the VMM set it: a guestmem region, or a run of grant
 * mappings at consecutive guest-physical pages whose host pages are
 * consecutive too (a batch of maps into the foreign window is one slot).
 */
struct memslot {
	bool used;
	bool grant;
	uint64_t gpa, size;
	void *host;
	bool readonly;
};
/* Every guestmem region (ballooning cuts RAM into up to that many) and every grant mapping. */
#define VMM_MAX_MEMSLOTS (GUESTMEM_MAX_REGIONS + VMM_MAX_GRANT_MAPS)

/* A granted frame of another (or the same) domain mapped into this one (map_grant). */
struct grant_map {
	bool used;
	uint64_t gpa;
	void *host;
	bool readonly;
};
#define VMM_MAX_GRANT_MAPS 64


int kvm_mem__init(struct vmm_domain *vd);
/* Mirror the core's guestmem regions (and grant mappings) into KVM memslots. */
int kvm_mem__sync(struct vmm_domain *vd);
void kvm_mem__destroy(struct vmm_domain *vd);
/* Host address of [gpa, gpa + len) if it lies in one RAM region, for the builder. */
void *kvm_mem__ram(struct vmm_domain *vd, uint64_t gpa, uint64_t len);
int kvm_mem__map_special(struct domain *d, enum guestmem_kind kind, void *host, gfn_t old_gfn,
			bool had_old, gfn_t gfn, void *ctx);
/*
 * hv_ops.ram_changed: a released range leaves the memslots and its memfd
 * pages are punched out (given back to the host); a populated one is
 * punched (so it reads as zeros, allocated again on first touch) and
 * mapped again.
 */
int kvm_mem__ram_changed(struct domain *d, gfn_t gfn, uint64_t nr, void *host, bool populated,
			 void *ctx);
int kvm_mem__map_grant(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
		      bool readonly, void *ctx);
/* hv_ops.grant_batch: the memslots follow the maps and unmaps of a batch once, at its end. */
void kvm_mem__grant_batch(struct domain *mapper, bool open, void *ctx);
int kvm_mem__unmap_grant(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
			void *ctx);

#endif
