/*
 * Operations FastABI adds beyond the proposal, and the argument blocks of
 * those that need one. Sub-op numbers 64 and up are ours: Xen's own sub-op
 * numbers for these hypercalls stay below 32, so the ranges never meet.
 * Self-contained apart from <stdint.h>, like the Xen public headers.
 */
#ifndef FASTABI_OPS_H
#define FASTABI_OPS_H

#include <stdint.h>

/* grant_table (20): batches over a page the guest has shared. */
#define GNTTABOP_fastabi_map_batch 64
#define GNTTABOP_fastabi_unmap_batch 65
#define GNTTABOP_fastabi_copy_batch 66

/* memory (12): declare which frames the hypervisor may access. */
#define XENMEM_fastabi_share 64
#define XENMEM_fastabi_unshare 65

/*
 * A batch of grant operations. The page at page_gpa (4 KiB aligned, shared
 * with the hypervisor via XENMEM_fastabi_share) holds 'count' entries of
 * struct gnttab_map_grant_ref, gnttab_unmap_grant_ref or gnttab_copy, packed
 * from offset 0; per-entry status is written back into the page. 'done' is
 * the index of the first entry not yet processed: the guest passes 0 and the
 * hypervisor advances it when it continues a long batch.
 */
struct fastabi_gnttab_batch {
	uint64_t page_gpa;
	uint32_t count;
	uint32_t done;
};

/*
 * A range of guest frames to share with (or take back from) the hypervisor.
 * 'done' counts frames already processed, as for batches.
 */
struct fastabi_memory_share {
	uint64_t first_gfn;
	uint32_t nr_frames;
	uint32_t done;
};

#endif
