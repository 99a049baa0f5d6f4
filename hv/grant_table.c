/*
 * Grant tables: the per-domain state, the grant-entry protocol and one
 * implementation of every grant_table operation. The FastABI decoders
 * (generated) and grant_table_legacy.c only translate arguments into the
 * Xen structs these functions take. See docs/hv-grant-table.md.
 *
 * Two domains take part in every grant: the granter, whose table holds the
 * entry, and the grantee, which maps or copies. A grant is "pinned" while a
 * mapping or a copy holds it; while pinned, its busy bits (GTF_reading,
 * GTF_writing: in the entry's flags for v1, in the status frame for v2) are
 * set so that the granter cannot revoke it quietly, and its frame is fixed in
 * the granter's active record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "grant_table.h"
#include "hv.h"
#include "memory.h"
#include "sched_vcpu.h"

#define MAPTRACK_NONE UINT32_MAX
#define MAPTRACK_FIRST 64
/* Attempts at the compare-and-swap before a changing entry is given up on. */
#define PIN_RETRIES 4

/* The GNTMAP_* flags a map may carry; GNTMAP_contains_pte is PV-only. */
#define MAP_KNOWN_FLAGS (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly | \
			 GNTMAP_application_map | GNTMAP_guest_avail_mask)

static unsigned status_frames_for(unsigned nr_frames)
{
	return (unsigned)(((uint64_t)nr_frames * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) /
			  GNTTAB_STATUS_PER_FRAME);
}

unsigned gnttab__nr_entries(const struct gnttab_domain *gt)
{
	return gt->nr_frames * (unsigned)(gt->version == 2 ? GNTTAB_V2_PER_FRAME :
							     GNTTAB_V1_PER_FRAME);
}

/* ---- per-domain state ---- */

/*
 * Fresh anonymous pages: zero without being touched, so a table the guest
 * never fills costs no host memory (32 frames by default: 128 KiB per
 * domain that an idle domain would otherwise keep resident).
 */
static void *page_alloc(size_t pages)
{
	if (!pages)
		return NULL;
	void *p = mmap(NULL, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void page_free(void *p, size_t pages)
{
	if (p)
		munmap(p, pages * PAGE_SIZE);
}

static size_t active_pages(unsigned max_frames)
{
	size_t bytes = (size_t)max_frames * GNTTAB_V1_PER_FRAME * sizeof(struct gnttab_active);
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

static void gt_free(struct gnttab_domain *gt)
{
	page_free(gt->shared, gt->max_frames);
	page_free(gt->status, gt->max_status_frames);
	free(gt->frame_gfn);
	free(gt->status_gfn);
	free(gt->frame_placed);
	free(gt->status_placed);
	page_free(gt->active, active_pages(gt->max_frames));
	free(gt->maptrack);
	free(gt);
}

int gnttab__domain_init(struct domain *d)
{
	unsigned max_frames = d->config.max_grant_frames ? d->config.max_grant_frames :
							  GNTTAB_DEFAULT_MAX_FRAMES;
	unsigned max_maptrack = d->config.max_maptrack ? d->config.max_maptrack :
							 GNTTAB_DEFAULT_MAX_MAPTRACK;

	if (max_frames > GNTTAB_LIMIT_MAX_FRAMES || max_maptrack > GNTTAB_LIMIT_MAX_MAPTRACK)
		return -XEN_EINVAL;

	struct gnttab_domain *gt = calloc(1, sizeof(*gt));
	if (!gt)
		return -XEN_ENOMEM;
	gt->version = 1;
	gt->max_frames = max_frames;
	gt->max_status_frames = status_frames_for(max_frames);
	/*
	 * The fixed layout places every frame before the guest starts, so the
	 * whole table is in use from the start; otherwise it grows as the guest
	 * places frames (setup_table, add_to_physmap), as on Xen.
	 */
	gt->nr_frames = (d->flags & DOMAIN_FIXED_LAYOUT) ? max_frames : 1;
	gt->max_maptrack = max_maptrack;
	gt->maptrack_free = MAPTRACK_NONE;

	gt->shared = page_alloc(max_frames);
	gt->status = page_alloc(gt->max_status_frames);
	gt->frame_gfn = calloc(max_frames, sizeof(*gt->frame_gfn));
	gt->status_gfn = calloc(gt->max_status_frames, sizeof(*gt->status_gfn));
	gt->frame_placed = calloc(max_frames, sizeof(*gt->frame_placed));
	gt->status_placed = calloc(gt->max_status_frames, sizeof(*gt->status_placed));
	gt->active = page_alloc(active_pages(max_frames)); /* 384 KiB by default: see page_alloc */
	if (!gt->shared || !gt->status || !gt->frame_gfn || !gt->status_gfn ||
	    !gt->frame_placed || !gt->status_placed || !gt->active) {
		gt_free(gt);
		return -XEN_ENOMEM;
	}
	d->gnttab = gt;
	return 0;
}

static struct domain *domain_by_id(struct hv *hv, domid_t id)
{
	if (id >= HV_MAX_DOMAINS)
		return NULL;
	struct domain *o = domain__by_id(hv, id);
	return o && o->gnttab ? o : NULL;
}

static void grant_release(struct domain *granter, grant_ref_t ref, bool write);

static void maptrack_put(struct gnttab_domain *gt, uint32_t h)
{
	memset(&gt->maptrack[h], 0, sizeof(gt->maptrack[h]));
	gt->maptrack[h].next_free = gt->maptrack_free;
	gt->maptrack_free = h;
	gt->maptrack_used--;
}

void gnttab__domain_destroy(struct domain *d, bool memory_stays)
{
	struct gnttab_domain *gt = d->gnttab;
	struct hv *hv = d->hv;

	if (!gt)
		return;
	/*
	 * Mappings other domains hold of our grants. When our memory stays
	 * (domain__kill: the VMM keeps it until the process ends) they stay too,
	 * as on Xen, where a mapped page outlives its dying granter until the
	 * mapper unmaps it (do_unmap still finds us by id). When it goes, the
	 * VMM must take them out of the mappers now.
	 */
	for (unsigned i = 0; i < HV_MAX_DOMAINS && !memory_stays; i++) {
		struct domain *o = domain__by_id(hv, (domid_t)i);
		if (!o || o == d || !o->gnttab)
			continue;
		struct gnttab_domain *ot = o->gnttab;
		for (uint32_t h = 0; h < ot->maptrack_size; h++) {
			struct gnttab_maptrack *m = &ot->maptrack[h];
			if (!m->in_use || m->granter != d->id)
				continue;
			if (hv->ops.unmap_grant)
				hv->ops.unmap_grant(o, gpa(m->host_addr), d, gfn(m->frame), hv->ops.ctx);
			maptrack_put(ot, h);
		}
	}
	/* Our mappings of other domains' grants: release their pins (busy bits). */
	for (uint32_t h = 0; h < gt->maptrack_size; h++) {
		struct gnttab_maptrack *m = &gt->maptrack[h];
		if (!m->in_use)
			continue;
		struct domain *g = domain_by_id(hv, m->granter);
		if (g && g != d)
			grant_release(g, m->ref, !m->readonly);
	}
	d->gnttab = NULL;
	gt_free(gt);
}

unsigned gnttab__max_frames(struct domain *d)
{
	return d->gnttab ? d->gnttab->max_frames : 0;
}

void *gnttab__frame(struct domain *d, unsigned idx)
{
	struct gnttab_domain *gt = d->gnttab;
	if (!gt || idx >= gt->max_frames)
		return NULL;
	return gt->shared + (size_t)idx * PAGE_SIZE;
}

unsigned gnttab__nr_status_frames(struct domain *d)
{
	return d->gnttab ? d->gnttab->max_status_frames : 0;
}

void *gnttab__status_frame(struct domain *d, unsigned idx)
{
	struct gnttab_domain *gt = d->gnttab;
	if (!gt || idx >= gt->max_status_frames)
		return NULL;
	return gt->status + (size_t)idx * PAGE_SIZE;
}

int gnttab__set_frame_gfn(struct domain *d, bool status, unsigned idx, gfn_t f)
{
	struct gnttab_domain *gt = d->gnttab;

	if (!gt || gfn_val(f) >= memory__gfn_limit(d))
		return -XEN_EINVAL;
	if (status) {
		if (idx >= gt->max_status_frames)
			return -XEN_EINVAL;
		gt->status_gfn[idx] = gfn_val(f);
		gt->status_placed[idx] = true;
		return 0;
	}
	if (idx >= gt->max_frames)
		return -XEN_EINVAL;
	gt->frame_gfn[idx] = gfn_val(f);
	gt->frame_placed[idx] = true;
	if (gt->nr_frames < idx + 1)
		gt->nr_frames = idx + 1;
	return 0;
}

void gnttab__clear_frame_gfn(struct domain *d, bool status, unsigned idx)
{
	struct gnttab_domain *gt = d->gnttab;

	if (!gt)
		return;
	if (status && idx < gt->max_status_frames)
		gt->status_placed[idx] = false;
	else if (!status && idx < gt->max_frames)
		gt->frame_placed[idx] = false;
}

bool gnttab__mapped_at(struct domain *d, gpa_t a)
{
	struct gnttab_domain *gt = d->gnttab;

	for (uint32_t h = 0; gt && h < gt->maptrack_size; h++)
		if (gt->maptrack[h].in_use && gt->maptrack[h].host_addr == gpa_val(a))
			return true;
	return false;
}

bool gnttab__frame_gfn(struct domain *d, bool status, unsigned idx, gfn_t *out)
{
	struct gnttab_domain *gt = d->gnttab;
	bool placed;
	uint64_t g;

	if (!gt)
		return false;
	if (status) {
		if (idx >= gt->max_status_frames)
			return false;
		placed = gt->status_placed[idx];
		g = gt->status_gfn[idx];
	} else {
		if (idx >= gt->max_frames)
			return false;
		placed = gt->frame_placed[idx];
		g = gt->frame_gfn[idx];
	}
	if (!placed)
		return false;
	*out = gfn(g);
	return true;
}

bool gnttab__frame_at(struct domain *d, gfn_t f, bool *status, unsigned *idx)
{
	struct gnttab_domain *gt = d->gnttab;
	gfn_t g;

	if (!gt)
		return false;
	for (unsigned i = 0; i < gt->max_frames; i++) {
		if (gnttab__frame_gfn(d, false, i, &g) && gfn_val(g) == gfn_val(f)) {
			*status = false;
			*idx = i;
			return true;
		}
	}
	for (unsigned i = 0; i < gt->max_status_frames; i++) {
		if (gnttab__frame_gfn(d, true, i, &g) && gfn_val(g) == gfn_val(f)) {
			*status = true;
			*idx = i;
			return true;
		}
	}
	return false;
}

/* ---- the entries, as the guest writes them ---- */

/*
 * The first 32 bits of an entry (v1 and v2 alike): flags in the low half,
 * domid in the high half. Read and changed as one word, so that a change of
 * either by the guest is seen by the compare-and-swap.
 */
static uint32_t *entry_word(struct gnttab_domain *gt, grant_ref_t ref)
{
	size_t size = gt->version == 2 ? sizeof(grant_entry_v2_t) : sizeof(grant_entry_v1_t);
	return (uint32_t *)(void *)(gt->shared + (size_t)ref * size);
}

static uint16_t word_flags(uint32_t w)
{
	return (uint16_t)w;
}

static domid_t word_domid(uint32_t w)
{
	return (domid_t)(w >> 16);
}

static uint64_t entry_frame(struct gnttab_domain *gt, grant_ref_t ref)
{
	if (gt->version == 2) {
		grant_entry_v2_t *e = (grant_entry_v2_t *)(void *)gt->shared + ref;
		return __atomic_load_n(&e->full_page.frame, __ATOMIC_ACQUIRE);
	}
	grant_entry_v1_t *e = (grant_entry_v1_t *)(void *)gt->shared + ref;
	return __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
}

static uint16_t *status_word(struct gnttab_domain *gt, grant_ref_t ref)
{
	return (uint16_t *)(void *)gt->status + ref;
}

/* The granter's frame as a page of its RAM, or GNTST_bad_page. */
static int16_t check_frame(struct domain *granter, uint64_t frame)
{
	if (frame >= memory__gfn_limit(granter))
		return GNTST_bad_page;
	const struct guestmem_region *r = guestmem__lookup(&granter->mem, gfn_to_gpa(gfn(frame)));
	if (!r || r->kind != GUESTMEM_RAM)
		return GNTST_bad_page;
	return GNTST_okay;
}

/* The busy bits the current pins of ref need, put back in the entry or status. */
static void busy_update(struct gnttab_domain *gt, grant_ref_t ref)
{
	struct gnttab_active *act = &gt->active[ref];
	uint16_t clear = 0;

	if (!act->pin_rw)
		clear |= GTF_writing;
	if (!act->pin_rw && !act->pin_ro)
		clear |= GTF_reading;
	if (!clear)
		return;
	if (gt->version == 2)
		__atomic_fetch_and(status_word(gt, ref), (uint16_t)~clear, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and((uint16_t *)entry_word(gt, ref), (uint16_t)~clear,
				   __ATOMIC_SEQ_CST);
}

/* Is entry word w a grant of full or sub-page access for grantee, usable as asked? */
static int16_t entry_allows(struct gnttab_domain *gt, uint32_t w, domid_t grantee, bool write,
			    bool map)
{
	uint16_t flags = word_flags(w);

	if ((flags & GTF_type_mask) != GTF_permit_access || word_domid(w) != grantee)
		return GNTST_general_error;
	if (write && (flags & GTF_readonly))
		return GNTST_general_error;
	/* Sub-page grants (v2) can be copied from and to, never mapped. */
	if (gt->version == 2 && (flags & GTF_sub_page) && map)
		return GNTST_general_error;
	return GNTST_okay;
}

/*
 * Set the busy bits for one more hold of ref by grantee. v1: one
 * compare-and-swap of flags and domid together, so a grant the guest
 * changes at the same moment is either seen whole or not at all. v2: set the
 * bits in the status frame, then read the entry again; if it changed, undo.
 */
static int16_t busy_set(struct gnttab_domain *gt, grant_ref_t ref, domid_t grantee, bool write,
			bool map, uint32_t *seen)
{
	uint16_t bits = GTF_reading | (write ? GTF_writing : 0);
	uint32_t *wp = entry_word(gt, ref);

	if (gt->version == 2) {
		uint32_t w = __atomic_load_n(wp, __ATOMIC_ACQUIRE);
		int16_t st = entry_allows(gt, w, grantee, write, map);
		if (st != GNTST_okay)
			return st;
		uint16_t before = __atomic_fetch_or(status_word(gt, ref), bits, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(wp, __ATOMIC_SEQ_CST) != w) {
			/* Changed under us: take back only what we added. */
			uint16_t added = bits & (uint16_t)~before;
			__atomic_fetch_and(status_word(gt, ref), (uint16_t)~added, __ATOMIC_SEQ_CST);
			return GNTST_general_error;
		}
		*seen = w;
		return GNTST_okay;
	}

	for (unsigned tries = 0; tries < PIN_RETRIES; tries++) {
		uint32_t w = __atomic_load_n(wp, __ATOMIC_ACQUIRE);
		int16_t st = entry_allows(gt, w, grantee, write, map);
		if (st != GNTST_okay)
			return st;
		uint32_t nw = w | bits;
		if (nw == w || __atomic_compare_exchange_n(wp, &w, nw, false, __ATOMIC_SEQ_CST,
							   __ATOMIC_SEQ_CST)) {
			*seen = nw;
			return GNTST_okay;
		}
	}
	return GNTST_general_error;
}

/* What a hold of a grant gives: the frame and the bytes of it that may be touched. */
struct grant_hold {
	uint64_t frame;
	unsigned off, len;
};

/*
 * Take one hold of granter's ref for grantee: check the entry, set the busy
 * bits, fix the frame. Returns GNTST_okay or the status to report.
 */
static int16_t grant_acquire(struct domain *granter, domid_t grantee, grant_ref_t ref,
			     bool write, bool map, struct grant_hold *hold)
{
	struct gnttab_domain *gt = granter->gnttab;
	uint32_t seen;

	if (ref >= gnttab__nr_entries(gt))
		return GNTST_bad_gntref;
	struct gnttab_active *act = &gt->active[ref];
	bool pinned = act->pin_ro || act->pin_rw;
	if (pinned && act->domid != grantee)
		return GNTST_general_error;
	/*
	 * As Xen's map_grant_ref and acquire_grant_for_copy: a hold of a ref
	 * already pinned as strongly (any pin for reading, a writable pin for
	 * writing) does not look at the entry again. The frame and range
	 * are the active entry's, so a granter that changed or revoked the
	 * entry under a live mapping cannot take the page away from it.
	 */
	if (pinned && (!write || act->pin_rw)) {
		if (map && act->sub_page)
			return GNTST_general_error;
		if (write)
			act->pin_rw++;
		else
			act->pin_ro++;
		*hold = (struct grant_hold){ .frame = act->frame, .off = act->off, .len = act->len };
		return GNTST_okay;
	}

	int16_t st = busy_set(gt, ref, grantee, write, map, &seen);
	if (st != GNTST_okay)
		return st;

	hold->off = 0;
	hold->len = PAGE_SIZE;
	bool sub_page = gt->version == 2 && (word_flags(seen) & GTF_sub_page);
	if (sub_page) {
		grant_entry_v2_t *e = (grant_entry_v2_t *)(void *)gt->shared + ref;
		/* page_off and length as one word: one consistent pair. */
		uint32_t range = __atomic_load_n((uint32_t *)(void *)&e->sub_page.page_off,
						 __ATOMIC_ACQUIRE);
		hold->off = range & 0xffff;
		hold->len = range >> 16;
		if (hold->off + hold->len > PAGE_SIZE) {
			busy_update(gt, ref);
			return GNTST_general_error;
		}
	}

	if (pinned) { /* for writing, pinned for reading: the active range stays */
		hold->off = act->off;
		hold->len = act->len;
	}
	uint64_t frame = pinned ? act->frame : entry_frame(gt, ref);
	st = check_frame(granter, frame);
	if (st == GNTST_okay && map && granter->mem.confidential) {
		/*
		 * A confidential granter's private page is no use to anyone:
		 * only a page it shared may be granted (refusals are counted).
		 */
		uint8_t probe;
		if (guestmem__read(&granter->mem, gfn_to_gpa(gfn(frame)), &probe, 1))
			st = GNTST_permission_denied;
	}
	if (st != GNTST_okay) {
		busy_update(gt, ref);
		return st;
	}

	if (!pinned) {
		act->domid = grantee;
		act->frame = frame;
		act->off = (uint16_t)hold->off;
		act->len = (uint16_t)hold->len;
		act->sub_page = sub_page;
		gt->nr_pinned++;
	}
	if (write)
		act->pin_rw++;
	else
		act->pin_ro++;
	hold->frame = frame;
	return GNTST_okay;
}

static void grant_release(struct domain *granter, grant_ref_t ref, bool write)
{
	struct gnttab_domain *gt = granter->gnttab;
	struct gnttab_active *act = &gt->active[ref];
	uint32_t *pin = write ? &act->pin_rw : &act->pin_ro;

	if (!*pin)
		return; /* no such hold: nothing to give back */
	(*pin)--;
	if (!act->pin_rw && !act->pin_ro)
		gt->nr_pinned--;
	busy_update(gt, ref);
}

/* ---- the caller's own domain, or one it may name ---- */

/* domain__target, with the GNTST_* status the legacy structs also carry. */
static int target_domain(struct hv_vcpu *v, domid_t dom, struct domain **out, int16_t *status)
{
	int rc = domain__target(v, dom, out);

	if (rc == -XEN_ESRCH)
		*status = GNTST_bad_domain;
	else if (rc == -XEN_EPERM)
		*status = GNTST_permission_denied;
	return rc;
}

/* ---- map and unmap ---- */

static int maptrack_get(struct gnttab_domain *gt, uint32_t *out)
{
	if (gt->maptrack_used >= gt->max_maptrack)
		return -1;
	if (gt->maptrack_free == MAPTRACK_NONE) {
		uint32_t size = gt->maptrack_size ? gt->maptrack_size * 2 : MAPTRACK_FIRST;
		if (size > gt->max_maptrack)
			size = gt->max_maptrack;
		struct gnttab_maptrack *m = realloc(gt->maptrack, (size_t)size * sizeof(*m));
		if (!m)
			return -1;
		memset(m + gt->maptrack_size, 0, (size_t)(size - gt->maptrack_size) * sizeof(*m));
		for (uint32_t i = size; i-- > gt->maptrack_size;) {
			m[i].next_free = gt->maptrack_free;
			gt->maptrack_free = i;
		}
		gt->maptrack = m;
		gt->maptrack_size = size;
	}
	uint32_t h = gt->maptrack_free;
	gt->maptrack_free = gt->maptrack[h].next_free;
	gt->maptrack_used++;
	*out = h;
	return 0;
}

/* host_addr of a map: a page of the mapper that is neither special nor mapped already. */
static int16_t check_host_addr(struct domain *d, uint64_t host_addr)
{
	struct gnttab_domain *gt = d->gnttab;

	if (host_addr & (PAGE_SIZE - 1))
		return GNTST_bad_virt_addr;
	const struct guestmem_region *r = guestmem__lookup(&d->mem, gpa(host_addr));
	if (r && r->kind != GUESTMEM_RAM)
		return GNTST_bad_virt_addr;
	for (uint32_t h = 0; h < gt->maptrack_size; h++)
		if (gt->maptrack[h].in_use && gt->maptrack[h].host_addr == host_addr)
			return GNTST_bad_virt_addr;
	return GNTST_okay;
}

static int16_t vmm_status(int rc)
{
	if (rc == 0)
		return GNTST_okay;
	return rc < 0 && rc >= GNTST_no_space ? (int16_t)rc : GNTST_general_error;
}

static int16_t do_map(struct hv_vcpu *v, struct gnttab_map_grant_ref *arg)
{
	struct domain *d = v->d;
	struct hv *hv = d->hv;
	struct gnttab_domain *gt = d->gnttab;
	bool readonly = arg->flags & GNTMAP_readonly;
	uint32_t h;

	if (!(arg->flags & GNTMAP_host_map))
		return GNTST_bad_gntref; /* as Xen: a map must map something */
	if (arg->flags & ~(uint32_t)MAP_KNOWN_FLAGS)
		return GNTST_general_error;
	int16_t st = check_host_addr(d, arg->host_addr);
	if (st != GNTST_okay)
		return st;
	struct domain *granter = domain__lookup(d, arg->dom);
	if (!granter || !granter->gnttab)
		return GNTST_bad_domain;
	if (gt->maptrack_used >= gt->max_maptrack)
		return GNTST_no_space;
	/* The VMM's own limit (domain_config.max_host_maps): an error of its own. */
	if (d->config.max_host_maps && gt->maptrack_used >= d->config.max_host_maps)
		return GNTST_no_device_space;

	struct grant_hold hold;
	st = grant_acquire(granter, d->id, arg->ref, !readonly, true, &hold);
	if (st != GNTST_okay)
		return st;
	if (maptrack_get(gt, &h)) {
		grant_release(granter, arg->ref, !readonly);
		return GNTST_no_space;
	}
	/*
	 * host_addr beyond the mapper's physical address width: Xen's p2m
	 * refuses the entry (ept_set_entry -EINVAL), which map_grant_ref
	 * reports as GNTST_general_error once the grant was checked.
	 */
	if ((arg->host_addr >> PAGE_SHIFT) >= memory__gfn_limit(d)) {
		maptrack_put(gt, h);
		grant_release(granter, arg->ref, !readonly);
		return GNTST_general_error;
	}
	if (hv->ops.map_grant) {
		st = vmm_status(hv->ops.map_grant(d, gpa(arg->host_addr), granter, gfn(hold.frame),
						  readonly, hv->ops.ctx));
		if (st != GNTST_okay) {
			maptrack_put(gt, h);
			grant_release(granter, arg->ref, !readonly);
			return st;
		}
	}
	struct gnttab_maptrack *m = &gt->maptrack[h];
	m->in_use = true;
	m->readonly = readonly;
	m->granter = granter->id;
	m->ref = arg->ref;
	m->host_addr = arg->host_addr;
	/* The frame shows at host_addr, which is what this domain's devices see too. */
	m->dev_bus_addr = (arg->flags & GNTMAP_device_map) ? arg->host_addr : 0;
	m->frame = hold.frame;
	m->next_free = MAPTRACK_NONE;
	arg->handle = h;
	arg->dev_bus_addr = m->dev_bus_addr;
	return GNTST_okay;
}

int64_t grant_table__map_grant_ref(struct hv_vcpu *v, struct gnttab_map_grant_ref *arg)
{
	arg->handle = GNTTAB_INVALID_HANDLE;
	arg->dev_bus_addr = 0;
	arg->status = do_map(v, arg);
	return 0;
}

static int16_t do_unmap(struct hv_vcpu *v, struct gnttab_unmap_grant_ref *arg,
			struct gnttab_batch *b)
{
	struct domain *d = v->d;
	struct hv *hv = d->hv;
	struct gnttab_domain *gt = d->gnttab;
	uint32_t h = arg->handle;

	if (h >= gt->maptrack_size || !gt->maptrack[h].in_use)
		return GNTST_bad_handle;
	struct gnttab_maptrack *m = &gt->maptrack[h];
	if (arg->host_addr != m->host_addr)
		return GNTST_bad_virt_addr;
	if (arg->dev_bus_addr && arg->dev_bus_addr != m->dev_bus_addr)
		return GNTST_bad_dev_addr;

	/*
	 * The granter outlives the mapping: gnttab__domain_destroy drops the
	 * mappings of a domain whose memory goes. A killed granter (its grant
	 * table gone, its memory kept) still backs the mapping until now.
	 */
	struct domain *owner = domain__by_id(hv, m->granter);
	if (owner && hv->ops.unmap_grant) {
		int16_t st = vmm_status(hv->ops.unmap_grant(d, gpa(m->host_addr), owner,
							    gfn(m->frame), hv->ops.ctx));
		if (st != GNTST_okay)
			return st;
	}
	if (b && b->nr < GNTTAB_BATCH_MAX_MAPS) {
		/* Released when the batch closes, after the VMM took the mapping away. */
		b->release[b->nr].granter = m->granter;
		b->release[b->nr].ref = m->ref;
		b->release[b->nr].write = !m->readonly;
		b->nr++;
	} else {
		struct domain *granter = domain_by_id(hv, m->granter);
		if (granter)
			grant_release(granter, m->ref, !m->readonly);
	}
	maptrack_put(gt, h);
	return GNTST_okay;
}

int64_t grant_table__unmap_grant_ref(struct hv_vcpu *v, struct gnttab_unmap_grant_ref *arg)
{
	arg->status = do_unmap(v, arg, NULL);
	return 0;
}

void gnttab__unmap_in_batch(struct gnttab_batch *b, struct gnttab_unmap_grant_ref *arg)
{
	arg->status = do_unmap(b->v, arg, b);
}

void gnttab__batch_open(struct gnttab_batch *b, struct hv_vcpu *v)
{
	struct hv *hv = v->d->hv;

	b->v = v;
	b->nr = 0;
	if (hv->ops.grant_batch)
		hv->ops.grant_batch(v->d, true, hv->ops.ctx);
}

void gnttab__batch_close(struct gnttab_batch *b)
{
	struct hv *hv = b->v->d->hv;

	if (hv->ops.grant_batch)
		hv->ops.grant_batch(b->v->d, false, hv->ops.ctx);
	for (unsigned i = 0; i < b->nr; i++) {
		struct domain *granter = domain_by_id(hv, b->release[i].granter);
		if (granter)
			grant_release(granter, b->release[i].ref, b->release[i].write);
	}
	b->nr = 0;
}

/* ---- copy ---- */

/* One side of a copy, resolved: whose memory, where, and the hold to drop. */
struct copy_side {
	struct domain *d;
	gpa_t at;
	bool held;
	grant_ref_t ref;
};

static int16_t copy_side_get(struct hv_vcpu *v, const struct gnttab_copy_ptr *p, bool gref,
			     unsigned len, bool write, struct copy_side *side)
{
	struct domain *d = v->d;

	side->held = false;
	if (!gref) {
		/* A frame (not a grant) is only ever one of the caller's own. */
		if (p->domid != DOMID_SELF && p->domid != d->id)
			return GNTST_permission_denied;
		if (check_frame(d, p->u.gmfn) != GNTST_okay)
			return GNTST_bad_page;
		side->d = d;
		side->at = gpa(gpa_val(gfn_to_gpa(gfn(p->u.gmfn))) + p->offset);
		return GNTST_okay;
	}
	/* The register form carries the ref in all of u.gmfn: it must fit a grant_ref_t. */
	if (p->u.gmfn > UINT32_MAX)
		return GNTST_bad_gntref;
	struct domain *granter = domain__lookup(d, p->domid);
	if (!granter || !granter->gnttab)
		return GNTST_bad_domain;
	grant_ref_t ref = (grant_ref_t)p->u.gmfn;
	struct grant_hold hold;
	int16_t st = grant_acquire(granter, d->id, ref, write, false, &hold);
	if (st != GNTST_okay)
		return st;
	if (p->offset < hold.off || p->offset + len > hold.off + hold.len) {
		grant_release(granter, ref, write);
		return GNTST_general_error;
	}
	side->d = granter;
	side->at = gpa(gpa_val(gfn_to_gpa(gfn(hold.frame))) + p->offset);
	side->held = true;
	side->ref = ref;
	return GNTST_okay;
}

static void copy_side_put(struct copy_side *side, bool write)
{
	if (side->held)
		grant_release(side->d, side->ref, write);
}

static int16_t access_status(int rc)
{
	return rc == -XEN_EACCES ? GNTST_permission_denied : GNTST_bad_page;
}

static int16_t do_copy(struct hv_vcpu *v, struct gnttab_copy *arg)
{
	struct copy_side src, dst;

	if (arg->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref))
		return GNTST_bad_copy_arg;
	if ((unsigned)arg->source.offset + arg->len > PAGE_SIZE ||
	    (unsigned)arg->dest.offset + arg->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;

	int16_t st = copy_side_get(v, &arg->source, arg->flags & GNTCOPY_source_gref, arg->len,
				   false, &src);
	if (st != GNTST_okay)
		return st;
	st = copy_side_get(v, &arg->dest, arg->flags & GNTCOPY_dest_gref, arg->len, true, &dst);
	if (st != GNTST_okay) {
		copy_side_put(&src, false);
		return st;
	}
	/*
	 * Through each domain's guestmem (confidential domains' rules apply on
	 * both sides), host page to host page: each side lies in one page, so
	 * in one region, and needs no bounce buffer. memmove: a copy within one
	 * page of one domain may overlap itself.
	 */
	uint8_t *from, *to;
	int rc = arg->len ? guestmem__host_range(&src.d->mem, src.at, arg->len, &from) : 0;
	if (!rc && arg->len)
		rc = guestmem__host_range(&dst.d->mem, dst.at, arg->len, &to);
	if (rc)
		st = access_status(rc);
	else if (arg->len)
		memmove(to, from, arg->len);
	copy_side_put(&dst, true);
	copy_side_put(&src, false);
	return st;
}

int64_t grant_table__copy(struct hv_vcpu *v, struct gnttab_copy *arg)
{
	arg->status = do_copy(v, arg);
	return 0;
}

/* ---- size and version ---- */

int64_t grant_table__query_size(struct hv_vcpu *v, struct gnttab_query_size *arg)
{
	struct domain *t;

	/*
	 * FastABI carries no domain: the spec (c_lang.fixed) has its decoder set
	 * dom = DOMID_SELF. Domain 0 is domain 0, never "self".
	 */
	int rc = target_domain(v, arg->dom, &t, &arg->status);
	if (rc)
		return rc;
	arg->nr_frames = t->gnttab->nr_frames;
	arg->max_nr_frames = t->gnttab->max_frames;
	arg->status = GNTST_okay;
	return 0;
}

/* Rewrites the reserved entries (console, xenstore) in the new layout; clears the rest. */
static void convert_table(struct gnttab_domain *gt, unsigned to)
{
	struct { uint16_t flags; domid_t domid; uint64_t frame; } keep[GNTTAB_NR_RESERVED_ENTRIES];

	for (grant_ref_t r = 0; r < GNTTAB_NR_RESERVED_ENTRIES; r++) {
		uint32_t w = __atomic_load_n(entry_word(gt, r), __ATOMIC_ACQUIRE);
		keep[r].flags = word_flags(w) & (GTF_type_mask | GTF_readonly);
		keep[r].domid = word_domid(w);
		keep[r].frame = entry_frame(gt, r);
		if ((keep[r].flags & GTF_type_mask) != GTF_permit_access ||
		    (to == 1 && keep[r].frame > UINT32_MAX))
			keep[r].flags = 0;
	}
	memset(gt->shared, 0, (size_t)gt->max_frames * PAGE_SIZE);
	memset(gt->status, 0, (size_t)gt->max_status_frames * PAGE_SIZE);
	gt->version = to;
	for (grant_ref_t r = 0; r < GNTTAB_NR_RESERVED_ENTRIES; r++) {
		if (!keep[r].flags)
			continue;
		if (to == 2) {
			grant_entry_v2_t *e = (grant_entry_v2_t *)(void *)gt->shared + r;
			e->full_page.frame = keep[r].frame;
		} else {
			grant_entry_v1_t *e = (grant_entry_v1_t *)(void *)gt->shared + r;
			e->frame = (uint32_t)keep[r].frame;
		}
		__atomic_store_n(entry_word(gt, r), keep[r].flags | (uint32_t)keep[r].domid << 16,
				 __ATOMIC_RELEASE);
	}
}

int64_t grant_table__set_version(struct hv_vcpu *v, struct gnttab_set_version *arg)
{
	struct gnttab_domain *gt = v->d->gnttab;
	int64_t rc = 0;

	if (arg->version != 1 && arg->version != 2)
		rc = -XEN_EINVAL;
	else if (arg->version != gt->version) {
		/* Only while no grant of ours is held: held entries must keep their layout. */
		if (gt->nr_pinned)
			rc = -XEN_EBUSY;
		else
			convert_table(gt, arg->version);
	}
	/* IN/OUT, as on Xen: the version in force afterwards. */
	arg->version = gt->version;
	return rc;
}

int64_t grant_table__get_version(struct hv_vcpu *v, struct gnttab_get_version *arg)
{
	struct domain *t;
	int16_t status;

	/* dom as for query_size (DOMID_SELF from the FastABI decoder). */
	int rc = target_domain(v, arg->dom, &t, &status);
	if (rc)
		return rc;
	arg->version = t->gnttab->version;
	return 0;
}

/* ---- the legacy-only operations ---- */

int gnttab__setup_table(struct hv_vcpu *v, struct gnttab_setup_table *arg,
			struct domain **target)
{
	int rc = target_domain(v, arg->dom, target, &arg->status);
	if (rc)
		return rc;
	struct gnttab_domain *gt = (*target)->gnttab;
	if (arg->nr_frames > gt->max_frames) {
		arg->status = GNTST_general_error;
		return 0;
	}
	if (gt->nr_frames < arg->nr_frames)
		gt->nr_frames = arg->nr_frames;
	arg->status = GNTST_okay;
	return 0;
}

/* ---- batches over a shared page (FastABI) ---- */

enum batch_kind { BATCH_MAP, BATCH_UNMAP, BATCH_COPY };

union batch_entry {
	struct gnttab_map_grant_ref map;
	struct gnttab_unmap_grant_ref unmap;
	struct gnttab_copy copy;
};

static size_t batch_size(enum batch_kind k)
{
	switch (k) {
	case BATCH_MAP:
		return sizeof(struct gnttab_map_grant_ref);
	case BATCH_UNMAP:
		return sizeof(struct gnttab_unmap_grant_ref);
	default:
		return sizeof(struct gnttab_copy);
	}
}

/* Where the results start in an entry: everything from there on is output. */
static size_t batch_out_offset(enum batch_kind k)
{
	switch (k) {
	case BATCH_MAP:
		return offsetof(struct gnttab_map_grant_ref, status);
	case BATCH_UNMAP:
		return offsetof(struct gnttab_unmap_grant_ref, status);
	default:
		return offsetof(struct gnttab_copy, status);
	}
}

static size_t batch_out_len(enum batch_kind k)
{
	if (k == BATCH_COPY)
		return sizeof(int16_t); /* status only: the rest is padding */
	return batch_size(k) - batch_out_offset(k);
}

void gnttab__copy_normalise(struct gnttab_copy *c)
{
	if (c->flags & GNTCOPY_source_gref)
		c->source.u.gmfn = c->source.u.ref;
	if (c->flags & GNTCOPY_dest_gref)
		c->dest.u.gmfn = c->dest.u.ref;
}

bool gnttab__preempt(struct hv_vcpu *v, unsigned work)
{
	return work >= GNTTAB_BATCH_WORK || sched__events_need_delivery(v);
}

static int64_t batch(struct hv_vcpu *v, struct fastabi_gnttab_batch *arg, enum batch_kind k)
{
	size_t size = batch_size(k);

	if (arg->page_gpa & (PAGE_SIZE - 1) || arg->count > PAGE_SIZE / size ||
	    arg->done > arg->count)
		return -XEN_EINVAL;
	uint32_t n = arg->count - arg->done;
	if (!n)
		return 0;

	/*
	 * The entries left lie in one page: checked once (an unshared, i.e.
	 * confidential, or unmapped page is refused before any entry takes
	 * effect), then each entry is copied in before it is used (the guest
	 * may change the page meanwhile) and its results written back in place.
	 * The share set and the memory map change only under the domain's
	 * lock, which this call holds, so the page stays valid throughout.
	 */
	uint8_t *page;
	int rc = guestmem__host_range(&v->d->mem, gpa(arg->page_gpa + (uint64_t)arg->done * size),
				      (size_t)n * size, &page);
	if (rc)
		return rc;
	unsigned work = 0;
	uint32_t i;
	struct gnttab_batch b;
	if (k != BATCH_COPY)
		gnttab__batch_open(&b, v);
	for (i = 0; i < n; i++) {
		if (i && gnttab__preempt(v, work))
			break;
		union batch_entry e;
		uint8_t *at = page + (size_t)i * size;
		memcpy(&e, at, size);
		switch (k) {
		case BATCH_MAP:
			grant_table__map_grant_ref(v, &e.map);
			work += gnttab__work(true, 0);
			break;
		case BATCH_UNMAP:
			gnttab__unmap_in_batch(&b, &e.unmap);
			work += gnttab__work(true, 0);
			break;
		case BATCH_COPY:
			gnttab__copy_normalise(&e.copy);
			grant_table__copy(v, &e.copy);
			work += gnttab__work(false, e.copy.len);
			break;
		}
		memcpy(at + batch_out_offset(k), (uint8_t *)&e + batch_out_offset(k),
		       batch_out_len(k));
	}
	if (k != BATCH_COPY)
		gnttab__batch_close(&b);
	arg->done += i;
	return arg->done == arg->count ? 0 : -FASTABI_ERESTART;
}

int64_t grant_table__map_batch(struct hv_vcpu *v, struct fastabi_gnttab_batch *arg)
{
	return batch(v, arg, BATCH_MAP);
}

int64_t grant_table__unmap_batch(struct hv_vcpu *v, struct fastabi_gnttab_batch *arg)
{
	return batch(v, arg, BATCH_UNMAP);
}

int64_t grant_table__copy_batch(struct hv_vcpu *v, struct fastabi_gnttab_batch *arg)
{
	return batch(v, arg, BATCH_COPY);
}

/*
 * GNTTABOP_swap_grant_ref, as Xen's gnttab_swap_grant_ref: both refs in the
 * table in use (GNTST_bad_gntref), the same ref is nothing to do, neither may
 * be pinned by a mapping or a copy (GNTST_eagain); then the shared entries
 * (and, for v2, the status entries) trade places. The guest owns the
 * entries and may write them meanwhile, as on Xen.
 */
int16_t gnttab__swap_grant_ref(struct hv_vcpu *v, grant_ref_t a, grant_ref_t b)
{
	struct gnttab_domain *gt = v->d->gnttab;
	unsigned nr = gnttab__nr_entries(gt);

	if (a >= nr || b >= nr)
		return GNTST_bad_gntref;
	if (a == b)
		return GNTST_okay;
	const struct gnttab_active *aa = &gt->active[a], *ab = &gt->active[b];
	if (aa->pin_ro || aa->pin_rw || ab->pin_ro || ab->pin_rw)
		return GNTST_eagain;
	size_t size = gt->version == 2 ? sizeof(grant_entry_v2_t) : sizeof(grant_entry_v1_t);
	uint8_t tmp[sizeof(grant_entry_v2_t)];
	uint8_t *ea = gt->shared + (size_t)a * size, *eb = gt->shared + (size_t)b * size;
	memcpy(tmp, ea, size);
	memcpy(ea, eb, size);
	memcpy(eb, tmp, size);
	if (gt->version == 2) {
		uint16_t st = *status_word(gt, a);
		*status_word(gt, a) = *status_word(gt, b);
		*status_word(gt, b) = st;
	}
	return GNTST_okay;
}
