/*
 * Guest memory: the map from guest-physical addresses to host memory that the
 * VMM has mapped, checked copies in and out of it, the confidential-mode
 * share set, and the copies through a legacy hypercall's guest-virtual
 * pointers (the x86 page walk of pagewalk.h in its policy mode, with the
 * table reads subject to confidential mode).
 *
 * The core knows nothing about KVM: the VMM maps each domain's memory (memfd)
 * and registers it here. See docs/hv-guestmem.md.
 *
 * Threads: regions are added before any vCPU runs. After that, reads,
 * writes, walks and share/unshare may run concurrently from vCPU threads; the
 * share bits and the refused counter are updated atomically. Nothing on the
 * access path allocates.
 */
#ifndef HV_GUESTMEM_H
#define HV_GUESTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pagewalk.h"
#include "types.h"

/* Page-table entries may address this many physical bits; higher ones are reserved. */
#define GUESTMEM_MAXPHYADDR 52
/*
 * Regions per domain: RAM below and above 4 GiB plus the special pages fit
 * easily; the rest is room for the holes that ballooning cuts into RAM
 * (each hole splits a region; populating it back joins them again).
 */
#define GUESTMEM_MAX_REGIONS 256

/* What a region holds. Everything but RAM is a special page of the fixed layout. */
enum guestmem_kind {
	GUESTMEM_RAM,
	GUESTMEM_SHARED_INFO,
	GUESTMEM_GRANT_TABLE,
	GUESTMEM_GNTTAB_STATUS,
};

struct guestmem_region {
	uint64_t start;          /* GPA, page aligned */
	uint64_t size;           /* bytes, a non-zero multiple of PAGE_SIZE */
	uint8_t *host;           /* where the VMM mapped it */
	enum guestmem_kind kind;
	uint64_t *shared;        /* RAM only: one bit per frame, set = shared */
};

/* Embed in the domain ([d->lock]); the members are private to guestmem.c. */
struct guestmem {
	struct guestmem_region regions[GUESTMEM_MAX_REGIONS]; /* sorted by start */
	unsigned nr_regions;
	bool confidential;
	uint64_t refused; /* accessed atomically */
	/*
	 * Benchmarks only (the VMM's --legacy-translate, docs/benchmarks.md):
	 * translate a legacy pointer's pages with this instead of the page walk,
	 * as QEMU's Xen emulation does (one KVM_TRANSLATE per page). NULL, the
	 * default: the walk. 0 and *gpa, or -1 when the address does not
	 * translate (or is not writable for GUESTMEM_ACCESS_WRITE).
	 */
	int (*translate_hook)(uint64_t va, unsigned access, uint64_t *gpa);
};

void guestmem__init(struct guestmem *gm);
/* Forgets every region (the host memory stays the VMM's). */
void guestmem__destroy(struct guestmem *gm);

/*
 * Registers [start, start + size) as backed by host memory at 'host'.
 * Returns 0, or -XEN_EINVAL (zero or unaligned size/start, NULL host, unknown
 * kind, end beyond 2^GUESTMEM_MAXPHYADDR), -XEN_EEXIST (overlaps a region),
 * -XEN_ENOSPC (table full), -XEN_ENOMEM.
 */
int guestmem__add(struct guestmem *gm, enum guestmem_kind kind, gpa_t start,
		  uint64_t size, void *host);
/*
 * Changing the map of a running domain (XENMEM_add_to_physmap and
 * remove_from_physmap), under the domain's lock while no other thread uses this
 * guestmem; other code must not keep region pointers across a change.
 *
 * guestmem__remove forgets every mapped page of [start, start + size)
 * (holes in the range are fine), splitting regions that reach outside it;
 * RAM keeps the share bits of the pages that stay. Returns 0, -XEN_EINVAL
 * (unaligned, beyond 2^GUESTMEM_MAXPHYADDR), -XEN_ENOSPC (a split would
 * overflow the table), -XEN_ENOMEM; on error nothing changed.
 *
 * guestmem__place is guestmem__add that joins the region to a neighbour
 * of the same kind that is adjacent in guest-physical and in host memory,
 * so that frames placed one by one take one region (RAM keeps the share
 * bits of both; newly placed RAM is private).
 */
int guestmem__remove(struct guestmem *gm, gpa_t start, uint64_t size);
int guestmem__place(struct guestmem *gm, enum guestmem_kind kind, gpa_t start,
		    uint64_t size, void *host);

/* The region holding 'a', or NULL. */
const struct guestmem_region *guestmem__lookup(const struct guestmem *gm, gpa_t a);
/* The lowest region of that kind, or NULL (e.g. to find shared_info). */
const struct guestmem_region *guestmem__find_kind(const struct guestmem *gm,
						  enum guestmem_kind kind);

/*
 * Copies between 'buf' and guest-physical memory. The whole range is checked
 * before a byte moves: 0; -XEN_EFAULT if any byte is unmapped (or the range
 * wraps); -XEN_EACCES if any byte is a private page in confidential mode. The
 * range may cross pages and adjacent regions. len 0 succeeds and touches
 * nothing.
 */
int guestmem__read(struct guestmem *gm, gpa_t a, void *buf, size_t len);
int guestmem__write(struct guestmem *gm, gpa_t a, const void *buf, size_t len);
/*
 * The host address of [a, a + len) when it lies in one region, with the
 * same checks as guestmem__read/write (the confidential refusal counted):
 * 0 and *host set, -XEN_EFAULT (also for a range that crosses into another
 * region), or -XEN_EACCES. For callers that move a page between two
 * domains without a bounce buffer (grant copy); len 0 is -XEN_EFAULT.
 */
int guestmem__host_range(struct guestmem *gm, gpa_t a, size_t len, uint8_t **host);

/*
 * Confidential mode: every access to a RAM frame the guest has not shared is
 * refused (-XEN_EACCES) and counted, one count per refused call. Special pages
 * are always accessible. Turning the mode on keeps the current share set
 * (initially empty). Set it while the domain is built.
 */
void guestmem__set_confidential(struct guestmem *gm, bool on);
uint64_t guestmem__refused(const struct guestmem *gm);
/*
 * Marks frames [f, f + nr) shared / private. Every frame must be RAM,
 * otherwise -XEN_EINVAL and nothing changes. nr 0 succeeds.
 */
int guestmem__share(struct guestmem *gm, gfn_t f, uint64_t nr);
int guestmem__unshare(struct guestmem *gm, gfn_t f, uint64_t nr);

/* ---- the x86 page walk ---- */

/* What a walk checks for (flags; 0 = supervisor read). */
#define GUESTMEM_ACCESS_WRITE PAGEWALK_WRITE
#define GUESTMEM_ACCESS_USER  PAGEWALK_USER /* CPL 3; hypercalls come from CPL 0 */
#define GUESTMEM_ACCESS_EXEC  PAGEWALK_FETCH

enum guestmem_fault_reason {
	GUESTMEM_FAULT_NONE,
	GUESTMEM_FAULT_NOT_PRESENT,   /* an entry has P = 0 */
	GUESTMEM_FAULT_WRITE,         /* write to a read-only page */
	GUESTMEM_FAULT_USER,          /* user access to a supervisor page */
	GUESTMEM_FAULT_NX,            /* instruction fetch from a no-execute page */
	GUESTMEM_FAULT_RESERVED,      /* an entry has a reserved bit set */
	GUESTMEM_FAULT_NON_CANONICAL, /* long mode address not sign-extended */
	GUESTMEM_FAULT_RANGE,         /* a copy runs past the top of the address space */
	GUESTMEM_FAULT_UNMAPPED,      /* a table or data GPA is not guest memory */
	GUESTMEM_FAULT_REFUSED,       /* a table or data page is private (confidential mode) */
};

/* Where and why a walk or a GVA copy stopped. */
struct guestmem_fault {
	enum guestmem_fault_reason reason;
	gva_t gva;      /* the address being translated */
	unsigned level; /* entry level (1 = PTE .. 5 = PML5E); 0 = not about an entry */
	gpa_t entry;    /* GPA of that entry when level > 0; of the data otherwise */
};

/*
 * Translates 'va' for an access of kind 'access' (GUESTMEM_ACCESS_*) under
 * 'pg': paging off, 32-bit (with PSE), PAE, 4- or 5-level, by the one page
 * walk (pagewalk.h) in its policy mode: the page-level rules, no SMAP,
 * SMEP or protection keys (a hypercall's pointers are the guest kernel's),
 * MAXPHYADDR GUESTMEM_MAXPHYADDR. Table entries are read with
 * guestmem__read, so confidential mode applies to them. Returns 0
 * and sets *out; -XEN_EFAULT for any paging fault or unmapped table;
 * -XEN_EACCES when a table page is private. 'fault' (may be NULL) says why.
 * Accessed and dirty bits are not set.
 */
int guestmem__translate(struct guestmem *gm, const struct x86_paging *pg, gva_t va,
			unsigned access, gpa_t *out, struct guestmem_fault *fault);

/*
 * Legacy pointer copies, supervisor access, translating each page on its
 * own. copy_to_gva translates and checks every page before writing any, so a
 * failure writes nothing. copy_from_gva may leave 'buf' partly filled on
 * failure. Results as guestmem__translate; 'fault' may be NULL.
 */
int guestmem__copy_from_gva(struct guestmem *gm, const struct x86_paging *pg, gva_t va,
			    void *buf, size_t len, struct guestmem_fault *fault);
int guestmem__copy_to_gva(struct guestmem *gm, const struct x86_paging *pg, gva_t va,
			  const void *buf, size_t len, struct guestmem_fault *fault);

/* A short lower-case name of a fault reason, for logs. */
const char *guestmem__fault_name(enum guestmem_fault_reason reason);

#endif
