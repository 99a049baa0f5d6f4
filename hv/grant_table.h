/*
 * Grant tables: one domain (the granter) writes entries into its shared
 * grant frames that let another domain (the grantee) map or copy one of its
 * frames. The core keeps, per domain, the frames themselves (host memory the
 * guest sees at the GPAs it placed them at, or at the fixed layout's), the
 * version (1 or 2), the v2 status frames, an "active" record per granted ref
 * that counts who has it pinned, and the maptrack: the mappings this domain
 * holds of other domains' grants, found again by handle.
 *
 * The guest writes its entries while other vCPUs run, so every read of an
 * entry is atomic and the busy bits (GTF_reading / GTF_writing) are set with
 * compare-and-swap: a concurrent change of the entry is seen, never missed.
 * Everything else is [d->lock] of the domain it belongs to; a map, copy or
 * unmap, which touches the granter and the grantee, runs holding both
 * (hypercall.c). See docs/hv-grant-table.md.
 */
#ifndef HV_GRANT_TABLE_H
#define HV_GRANT_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

#include "hv.h"

#define GNTTAB_DEFAULT_MAX_FRAMES 32
#define GNTTAB_LIMIT_MAX_FRAMES 1024 /* a configuration above this is refused */
#define GNTTAB_DEFAULT_MAX_MAPTRACK 1024
#define GNTTAB_LIMIT_MAX_MAPTRACK (1u << 20)

#define GNTTAB_V1_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))     /* 512 */
#define GNTTAB_V2_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v2_t))     /* 256 */
#define GNTTAB_STATUS_PER_FRAME (PAGE_SIZE / sizeof(grant_status_t))   /* 2048 */

/*
 * Preemption of a batch (FastABI page or legacy array), as Xen's
 * do_grant_table_op: before each entry but the first of a trap, the call
 * continues (the trap re-executed for the entries left) when an event
 * waits for the vCPU (Xen's hypercall_preempt_check: local events) or when
 * this trap has done GNTTAB_BATCH_WORK units of work, which bounds how long
 * one trap holds the domain locks (Xen's other reason, its timer softirq,
 * has no deterministic equivalent here). A map or unmap costs
 * GNTTAB_WORK_MAP units (the VMM changes a KVM memslot for it), a copy one
 * unit plus one per KiB, anything else one: a whole FastABI page of 4 KiB
 * copies (102 entries, 510 units) or 64 maps is one trap.
 */
#define GNTTAB_BATCH_WORK 512u
#define GNTTAB_WORK_MAP 8u

/* The work units of one entry: a map or unmap, or a copy of 'copy_len' bytes (0: neither). */
static inline unsigned gnttab__work(bool map, unsigned copy_len)
{
	return map ? GNTTAB_WORK_MAP : 1 + copy_len / 1024;
}

/* Whether a batch continues before its next entry, with 'work' done in this trap already. */
bool gnttab__preempt(struct hv_vcpu *v, unsigned work);

/* Maps or unmaps one trap does at most (the budget stops it before the next). */
#define GNTTAB_BATCH_MAX_MAPS (GNTTAB_BATCH_WORK / GNTTAB_WORK_MAP)

/*
 * The maps and unmaps of one trap of a batch, between hv_ops.grant_batch's
 * open and close: the grants unmapped wait here until the close, then are
 * released (Xen's unmap_common, flush, unmap_common_complete).
 */
struct gnttab_batch {
	struct hv_vcpu *v;
	unsigned nr;
	struct {
		domid_t granter;
		grant_ref_t ref;
		bool write;
	} release[GNTTAB_BATCH_MAX_MAPS];
};
void gnttab__batch_open(struct gnttab_batch *b, struct hv_vcpu *v);
void gnttab__batch_close(struct gnttab_batch *b);
/* GNTTABOP_unmap_grant_ref of one entry inside an open batch (status in arg). */
void gnttab__unmap_in_batch(struct gnttab_batch *b, struct gnttab_unmap_grant_ref *arg);

/* No handle: what a failed map reports, so both ABIs show the same value. */
#define GNTTAB_INVALID_HANDLE ((grant_handle_t)~0u)

/* Per granted ref: who holds it and how. [d->lock] of the granter. */
struct gnttab_active {
	uint32_t pin_ro;  /* read-only holds (mappings and copies in progress) */
	uint32_t pin_rw;  /* writable holds */
	domid_t domid;    /* the grantee holding it (valid while pinned) */
	uint64_t frame;   /* the granter's frame, fixed while pinned */
	uint16_t off, len; /* the bytes the first hold was given (v2 sub-page), fixed while pinned */
	bool sub_page;     /* a v2 sub-page grant: copied, never mapped */
};

/* One mapping this domain holds of another domain's grant. [d->lock] of the mapper. */
struct gnttab_maptrack {
	bool in_use;
	bool readonly;
	domid_t granter;
	grant_ref_t ref;
	uint64_t host_addr;    /* GPA in this domain */
	uint64_t dev_bus_addr; /* reported with GNTMAP_device_map, else 0 */
	uint64_t frame;        /* the granter's frame */
	uint32_t next_free;
};

/* [d->lock] of the domain it belongs to, every field. */
struct gnttab_domain {
	unsigned version;        /* 1 or 2 */
	unsigned max_frames;     /* shared frames allocated */
	unsigned nr_frames;      /* frames in use (query_size); grows up to max_frames */
	unsigned max_status_frames;
	uint8_t *shared;         /* max_frames pages, page aligned */
	uint8_t *status;         /* max_status_frames pages, page aligned */
	/* Where the guest sees each frame: recorded by the fixed layout
	 * (domain.c) and add/remove_from_physmap (memory.c). */
	uint64_t *frame_gfn;     /* [max_frames] */
	uint64_t *status_gfn;    /* [max_status_frames] */
	bool *frame_placed;       /* [max_frames]: placed */
	bool *status_placed;      /* [max_status_frames]: placed */

	struct gnttab_active *active; /* [max_frames * GNTTAB_V1_PER_FRAME] */
	unsigned nr_pinned;           /* refs with any pin */

	struct gnttab_maptrack *maptrack; /* grows up to max_maptrack */
	uint32_t maptrack_size;           /* entries allocated */
	uint32_t maptrack_used;           /* entries in use */
	uint32_t max_maptrack;
	uint32_t maptrack_free;           /* head of the free list, or ~0 */
};

/* Grant refs the table holds now (depends on version and nr_frames). */
unsigned gnttab__nr_entries(const struct gnttab_domain *gt);

/*
 * The legacy-only operations, implemented here so that grant_table_legacy.c
 * only translates. The target domain of 'dom' is the caller's own when dom is
 * DOMID_SELF or its id; another domain only for a privileged caller (else
 * -XEN_EPERM, status GNTST_permission_denied; -XEN_ESRCH and GNTST_bad_domain
 * when it does not exist). On success *target is the domain whose frames the
 * decoder lists (gnttab__frame_gfn).
 */
/* GNTTABOP_setup_table: grow the table to arg->nr_frames frames (status
 * GNTST_general_error above max_frames). The decoder lists where the guest
 * sees each frame, INVALID_GFN for one not placed yet. */
int gnttab__setup_table(struct hv_vcpu *v, struct gnttab_setup_table *arg,
			struct domain **target);

/*
 * A copy entry read from guest memory (legacy array, FastABI batch) names a
 * grant in u.ref, as Xen's struct says; the upper half of u.gmfn is not the
 * guest's to mean anything then (legacy guests leave it as it was), so it is
 * cleared before grant_table__copy, which refuses refs above 32 bits (the
 * register form carries the ref in all of u.gmfn).
 */
void gnttab__copy_normalise(struct gnttab_copy *c);

/* GNTTABOP_swap_grant_ref of refs a and b of v's own table: a GNTST_* status. */
int16_t gnttab__swap_grant_ref(struct hv_vcpu *v, grant_ref_t a, grant_ref_t b);

#endif
