/* Guest memory: the region map, checked copies, the share set, the page walk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/errno.h>

#include "guestmem.h"

#define PHYS_LIMIT (1ULL << GUESTMEM_MAXPHYADDR)

/* ---- the region map ---- */

void guestmem__init(struct guestmem *gm)
{
	memset(gm, 0, sizeof(*gm));
}

void guestmem__destroy(struct guestmem *gm)
{
	for (unsigned i = 0; i < gm->nr_regions; i++)
		free(gm->regions[i].shared);
	guestmem__init(gm);
}

/* Index of the last region starting at or below a, or -1. */
static int region_floor(const struct guestmem *gm, uint64_t a)
{
	unsigned lo = 0, hi = gm->nr_regions;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (gm->regions[mid].start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int)lo - 1;
}

int guestmem__add(struct guestmem *gm, enum guestmem_kind kind, gpa_t start,
		  uint64_t size, void *host)
{
	uint64_t s = gpa_val(start);

	if (!host || !size || ((s | size) & (PAGE_SIZE - 1)) || (unsigned)kind > GUESTMEM_GNTTAB_STATUS)
		return -XEN_EINVAL;
	if (s >= PHYS_LIMIT || size > PHYS_LIMIT - s || size - 1 > UINTPTR_MAX - (uintptr_t)host)
		return -XEN_EINVAL;
	if (gm->nr_regions == GUESTMEM_MAX_REGIONS)
		return -XEN_ENOSPC;

	int i = region_floor(gm, s);
	if (i >= 0 && s - gm->regions[i].start < gm->regions[i].size)
		return -XEN_EEXIST;
	if ((unsigned)(i + 1) < gm->nr_regions && gm->regions[i + 1].start < s + size)
		return -XEN_EEXIST;

	uint64_t *shared = NULL;
	if (kind == GUESTMEM_RAM) {
		uint64_t frames = size >> PAGE_SHIFT;
		shared = calloc((frames + 63) / 64, sizeof(*shared));
		if (!shared)
			return -XEN_ENOMEM;
	}

	struct guestmem_region *r = &gm->regions[i + 1];
	memmove(r + 1, r, (gm->nr_regions - (unsigned)(i + 1)) * sizeof(*r));
	*r = (struct guestmem_region){
		.start = s, .size = size, .host = host, .kind = kind, .shared = shared,
	};
	gm->nr_regions++;
	return 0;
}

const struct guestmem_region *guestmem__lookup(const struct guestmem *gm, gpa_t a)
{
	int i = region_floor(gm, gpa_val(a));

	if (i < 0 || gpa_val(a) - gm->regions[i].start >= gm->regions[i].size)
		return NULL;
	return &gm->regions[i];
}

const struct guestmem_region *guestmem__find_kind(const struct guestmem *gm,
						  enum guestmem_kind kind)
{
	for (unsigned i = 0; i < gm->nr_regions; i++)
		if (gm->regions[i].kind == kind)
			return &gm->regions[i];
	return NULL;
}

/* ---- changing the map while the domain runs (memory.c, under the domain's lock) ---- */

/* A new share bitmap for frames [first, first + nr) of RAM region r. */
static uint64_t *bitmap_slice(const struct guestmem_region *r, uint64_t first, uint64_t nr)
{
	uint64_t *map = calloc((nr + 63) / 64, sizeof(*map));

	if (!map)
		return NULL;
	for (uint64_t f = 0; f < nr; f++) {
		uint64_t src = first + f;
		uint64_t word = __atomic_load_n(&r->shared[src / 64], __ATOMIC_RELAXED);
		if ((word >> (src % 64)) & 1)
			map[f / 64] |= 1ULL << (f % 64);
	}
	return map;
}

int guestmem__remove(struct guestmem *gm, gpa_t start, uint64_t size)
{
	uint64_t s = gpa_val(start);

	if ((s | size) & (PAGE_SIZE - 1))
		return -XEN_EINVAL;
	if (size == 0)
		return 0;
	if (s >= PHYS_LIMIT || size > PHYS_LIMIT - s)
		return -XEN_EINVAL;
	uint64_t e = s + size;

	/* One range removed splits at most one region in two. */
	struct guestmem_region out[GUESTMEM_MAX_REGIONS + 1];
	uint64_t *fresh[GUESTMEM_MAX_REGIONS + 1];
	unsigned n = 0, nr_fresh = 0;
	int ret = 0;

	for (unsigned i = 0; i < gm->nr_regions; i++) {
		const struct guestmem_region *r = &gm->regions[i];
		uint64_t rs = r->start, re = r->start + r->size;
		if (re <= s || rs >= e) {
			out[n++] = *r;
			continue;
		}
		uint64_t keep[2][2] = { { rs, rs < s ? s : rs }, { re > e ? e : re, re } };
		for (unsigned k = 0; k < 2; k++) {
			uint64_t ps = keep[k][0], pe = keep[k][1];
			if (ps >= pe)
				continue;
			struct guestmem_region piece = {
				.start = ps, .size = pe - ps, .host = r->host + (ps - rs), .kind = r->kind,
			};
			if (r->kind == GUESTMEM_RAM) {
				piece.shared = bitmap_slice(r, (ps - rs) >> PAGE_SHIFT,
							    (pe - ps) >> PAGE_SHIFT);
				if (!piece.shared) {
					ret = -XEN_ENOMEM;
					goto fail;
				}
				fresh[nr_fresh++] = piece.shared;
			}
			out[n++] = piece;
		}
	}
	if (n > GUESTMEM_MAX_REGIONS) {
		ret = -XEN_ENOSPC;
		goto fail;
	}
	/* Commit: the bitmaps of every region that was cut are replaced. */
	for (unsigned i = 0; i < gm->nr_regions; i++) {
		const struct guestmem_region *r = &gm->regions[i];
		if (!(r->start + r->size <= s || r->start >= e))
			free(r->shared);
	}
	memcpy(gm->regions, out, n * sizeof(out[0]));
	gm->nr_regions = n;
	return 0;
fail:
	while (nr_fresh)
		free(fresh[--nr_fresh]);
	return ret;
}

/* Region i and i + 1 are one run: adjacent, same kind, host contiguous. */
static bool mergeable(const struct guestmem *gm, unsigned i)
{
	const struct guestmem_region *a = &gm->regions[i], *b = &gm->regions[i + 1];

	return a->kind == b->kind && a->start + a->size == b->start &&
	       a->host + a->size == b->host;
}

/* Join regions i and i + 1 (mergeable); RAM gets one share bitmap for both. */
static int merge(struct guestmem *gm, unsigned i)
{
	struct guestmem_region *a = &gm->regions[i], *b = &gm->regions[i + 1];

	if (a->kind == GUESTMEM_RAM) {
		uint64_t na = a->size >> PAGE_SHIFT, nb = b->size >> PAGE_SHIFT;
		uint64_t *map = calloc((na + nb + 63) / 64, sizeof(*map));
		if (!map)
			return -XEN_ENOMEM;
		for (uint64_t f = 0; f < na + nb; f++) {
			const uint64_t *src = f < na ? a->shared : b->shared;
			uint64_t sf = f < na ? f : f - na;
			if ((src[sf / 64] >> (sf % 64)) & 1)
				map[f / 64] |= 1ULL << (f % 64);
		}
		free(a->shared);
		free(b->shared);
		a->shared = map;
	}
	a->size += b->size;
	memmove(b, b + 1, (gm->nr_regions - i - 2) * sizeof(*b));
	gm->nr_regions--;
	return 0;
}

int guestmem__place(struct guestmem *gm, enum guestmem_kind kind, gpa_t start,
		    uint64_t size, void *host)
{
	int ret = guestmem__add(gm, kind, start, size, host);

	if (ret)
		return ret;
	int i = region_floor(gm, gpa_val(start));
	for (int j = i; j >= i - 1; j--) {
		if (j < 0 || (unsigned)j + 1 >= gm->nr_regions || !mergeable(gm, (unsigned)j))
			continue;
		/* Out of memory for a joined bitmap: two regions, still correct. */
		(void)merge(gm, (unsigned)j);
	}
	return 0;
}

/*
 * Calls fn for each piece of [a, a + len) that lies in one region, in address
 * order, stopping at the first non-zero result. A hole anywhere, or a range
 * that wraps, is -XEN_EFAULT: the caller learns that before fn has seen a
 * piece past the hole, but fn may already have seen earlier pieces.
 */
typedef int span_fn(const struct guestmem_region *r, uint64_t off, uint64_t n, void *ctx);

static int for_each_span(const struct guestmem *gm, uint64_t a, uint64_t len,
			 span_fn *fn, void *ctx)
{
	if (len == 0)
		return 0;
	if (len - 1 > UINT64_MAX - a)
		return -XEN_EFAULT;

	int first = region_floor(gm, a);
	if (first < 0)
		return -XEN_EFAULT;
	for (unsigned i = (unsigned)first; i < gm->nr_regions; i++) {
		const struct guestmem_region *r = &gm->regions[i];
		/* A following region that starts above a leaves a hole: off wraps. */
		uint64_t off = a - r->start;
		if (off >= r->size)
			return -XEN_EFAULT;
		uint64_t n = r->size - off < len ? r->size - off : len;
		int rc = fn(r, off, n, ctx);
		if (rc)
			return rc;
		a += n;
		len -= n;
		if (len == 0)
			return 0;
	}
	return -XEN_EFAULT;
}

/* ---- the share set ---- */

static bool frame_shared(const struct guestmem_region *r, uint64_t frame)
{
	uint64_t word = __atomic_load_n(&r->shared[frame / 64], __ATOMIC_RELAXED);
	return (word >> (frame % 64)) & 1;
}

/* In confidential mode, a piece of RAM is accessible only if all its frames are shared. */
static int span_accessible(const struct guestmem_region *r, uint64_t off, uint64_t n, void *ctx)
{
	const struct guestmem *gm = ctx;

	if (!gm->confidential || r->kind != GUESTMEM_RAM)
		return 0;
	for (uint64_t f = off >> PAGE_SHIFT; f <= (off + n - 1) >> PAGE_SHIFT; f++)
		if (!frame_shared(r, f))
			return -XEN_EACCES;
	return 0;
}

/* The whole-range check every access makes first; one refused access counts once. */
static int access_check(struct guestmem *gm, uint64_t a, uint64_t len)
{
	int rc = for_each_span(gm, a, len, span_accessible, gm);

	if (rc == -XEN_EACCES)
		__atomic_fetch_add(&gm->refused, 1, __ATOMIC_RELAXED);
	return rc;
}

static int span_is_ram(const struct guestmem_region *r, uint64_t off, uint64_t n, void *ctx)
{
	(void)off, (void)n, (void)ctx;
	return r->kind == GUESTMEM_RAM ? 0 : -XEN_EINVAL;
}

static int span_set_shared(const struct guestmem_region *r, uint64_t off, uint64_t n, void *ctx)
{
	bool on = *(const bool *)ctx;

	for (uint64_t f = off >> PAGE_SHIFT; f < (off + n) >> PAGE_SHIFT; f++) {
		uint64_t bit = 1ULL << (f % 64);
		if (on)
			__atomic_fetch_or(&r->shared[f / 64], bit, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&r->shared[f / 64], ~bit, __ATOMIC_RELAXED);
	}
	return 0;
}

static int set_shared(struct guestmem *gm, gfn_t f, uint64_t nr, bool on)
{
	const uint64_t max_frames = PHYS_LIMIT >> PAGE_SHIFT;
	uint64_t first = gfn_val(f);

	if (nr == 0)
		return 0;
	if (first >= max_frames || nr > max_frames - first)
		return -XEN_EINVAL;
	uint64_t a = first << PAGE_SHIFT, len = nr << PAGE_SHIFT;
	if (for_each_span(gm, a, len, span_is_ram, NULL))
		return -XEN_EINVAL;
	return for_each_span(gm, a, len, span_set_shared, &on);
}

int guestmem__share(struct guestmem *gm, gfn_t f, uint64_t nr)
{
	return set_shared(gm, f, nr, true);
}

int guestmem__unshare(struct guestmem *gm, gfn_t f, uint64_t nr)
{
	return set_shared(gm, f, nr, false);
}

void guestmem__set_confidential(struct guestmem *gm, bool on)
{
	gm->confidential = on;
}

uint64_t guestmem__refused(const struct guestmem *gm)
{
	return __atomic_load_n(&gm->refused, __ATOMIC_RELAXED);
}

/* ---- GPA access ---- */

/* One side is set: to_host for a read, from_host for a write. */
struct copy {
	uint8_t *to_host;
	const uint8_t *from_host;
};

static int span_copy(const struct guestmem_region *r, uint64_t off, uint64_t n, void *ctx)
{
	struct copy *c = ctx;

	if (c->from_host) {
		memcpy(r->host + off, c->from_host, n);
		c->from_host += n;
	} else {
		memcpy(c->to_host, r->host + off, n);
		c->to_host += n;
	}
	return 0;
}

int guestmem__read(struct guestmem *gm, gpa_t a, void *buf, size_t len)
{
	int rc = access_check(gm, gpa_val(a), len);

	if (rc)
		return rc;
	return for_each_span(gm, gpa_val(a), len, span_copy, &(struct copy){ .to_host = buf });
}

int guestmem__write(struct guestmem *gm, gpa_t a, const void *buf, size_t len)
{
	int rc = access_check(gm, gpa_val(a), len);

	if (rc)
		return rc;
	return for_each_span(gm, gpa_val(a), len, span_copy, &(struct copy){ .from_host = buf });
}

int guestmem__host_range(struct guestmem *gm, gpa_t a, size_t len, uint8_t **host)
{
	const struct guestmem_region *r = guestmem__lookup(gm, a);

	if (!r || !len || len > r->size - (gpa_val(a) - r->start))
		return -XEN_EFAULT;
	int rc = access_check(gm, gpa_val(a), len);
	if (rc)
		return rc;
	*host = r->host + (gpa_val(a) - r->start);
	return 0;
}

/* ---- the x86 page walk (pagewalk.c), with the core's policy ---- */

static int walk_fail(struct guestmem_fault *fault, enum guestmem_fault_reason reason,
		     uint64_t va, unsigned level, uint64_t where)
{
	if (fault)
		*fault = (struct guestmem_fault){
			.reason = reason, .gva = gva(va), .level = level, .entry = gpa(where),
		};
	return reason == GUESTMEM_FAULT_REFUSED ? -XEN_EACCES : -XEN_EFAULT;
}

/* The walk's faults that policy mode raises, as guestmem reports them. */
static const enum guestmem_fault_reason walk_reasons[] = {
	[PAGEWALK_FAULT_NOT_PRESENT] = GUESTMEM_FAULT_NOT_PRESENT,
	[PAGEWALK_FAULT_RESERVED] = GUESTMEM_FAULT_RESERVED,
	[PAGEWALK_FAULT_USER] = GUESTMEM_FAULT_USER,
	[PAGEWALK_FAULT_WRITE] = GUESTMEM_FAULT_WRITE,
	[PAGEWALK_FAULT_NX] = GUESTMEM_FAULT_NX,
	[PAGEWALK_FAULT_NON_CANONICAL] = GUESTMEM_FAULT_NON_CANONICAL,
};

/* Table entries are read like any other guest memory: confidential mode applies. */
static int read_entry(void *ctx, uint64_t a, unsigned size, uint64_t *e)
{
	*e = 0;
	return guestmem__read(ctx, gpa(a), e, size); /* x86 is little-endian */
}

int guestmem__translate(struct guestmem *gm, const struct x86_paging *pg, gva_t va,
			unsigned access, gpa_t *out, struct guestmem_fault *fault)
{
	const struct pagewalk_env env = {
		.pg = *pg, .mode = PAGEWALK_POLICY, .maxphyaddr = GUESTMEM_MAXPHYADDR,
		.ctx = gm, .read = read_entry,
	};
	struct pagewalk_result r;

	if (__builtin_expect(gm->translate_hook != NULL, 0)) {
		uint64_t a;
		if (gm->translate_hook(gva_val(va), access, &a))
			return walk_fail(fault, GUESTMEM_FAULT_NOT_PRESENT, gva_val(va), 0, 0);
		*out = gpa(a);
		if (fault)
			*fault = (struct guestmem_fault){ .reason = GUESTMEM_FAULT_NONE, .gva = va };
		return 0;
	}
	if (pagewalk__translate(&env, gva_val(va), access, &r) == 0) {
		*out = gpa(r.gpa);
		if (fault)
			*fault = (struct guestmem_fault){ .reason = GUESTMEM_FAULT_NONE,
							  .gva = va };
		return 0;
	}
	uint64_t v = pagewalk__long_mode(pg) ? gva_val(va) : (uint32_t)gva_val(va);
	if (r.fault == PAGEWALK_FAULT_READ)
		return walk_fail(fault, r.read_err == -XEN_EACCES ? GUESTMEM_FAULT_REFUSED
				 : GUESTMEM_FAULT_UNMAPPED, v, r.level, r.entry_gpa);
	/* Policy mode raises none of the CPU mode's faults (SMEP, SMAP, keys). */
	return walk_fail(fault, walk_reasons[r.fault], v, r.level, r.entry_gpa);
}

/* ---- GVA copies ---- */

/* What a GVA copy does with one page: GPA a, bytes [off, off + n) of its buffer. */
typedef int page_fn(struct guestmem *gm, gpa_t a, const struct copy *io, size_t off, size_t n);

static int page_read(struct guestmem *gm, gpa_t a, const struct copy *io, size_t off, size_t n)
{
	return guestmem__read(gm, a, io->to_host + off, n);
}

static int page_check(struct guestmem *gm, gpa_t a, const struct copy *io, size_t off, size_t n)
{
	(void)io, (void)off;
	return access_check(gm, gpa_val(a), n);
}

static int page_write(struct guestmem *gm, gpa_t a, const struct copy *io, size_t off, size_t n)
{
	return guestmem__write(gm, a, io->from_host + off, n);
}

/* Translates each page of [va, va + len) and hands its piece to fn. */
static int for_each_gva_page(struct guestmem *gm, const struct x86_paging *pg, gva_t va,
			     size_t len, unsigned access, page_fn *fn, const struct copy *io,
			     struct guestmem_fault *fault)
{
	uint64_t v = gva_val(va);
	uint64_t top = pagewalk__long_mode(pg) ? UINT64_MAX : UINT32_MAX;

	if (!pagewalk__long_mode(pg))
		v = (uint32_t)v;
	if (len && len - 1 > top - v)
		return walk_fail(fault, GUESTMEM_FAULT_RANGE, v, 0, 0);
	for (size_t done = 0; done < len;) {
		size_t n = PAGE_SIZE - ((v + done) & (PAGE_SIZE - 1));
		if (n > len - done)
			n = len - done;
		gpa_t a;
		int rc = guestmem__translate(gm, pg, gva(v + done), access, &a, fault);
		if (rc)
			return rc;
		rc = fn(gm, a, io, done, n);
		if (rc)
			return walk_fail(fault, rc == -XEN_EACCES ? GUESTMEM_FAULT_REFUSED
						: GUESTMEM_FAULT_UNMAPPED, v + done, 0, gpa_val(a));
		done += n;
	}
	if (fault)
		*fault = (struct guestmem_fault){ .reason = GUESTMEM_FAULT_NONE, .gva = va };
	return 0;
}

int guestmem__copy_from_gva(struct guestmem *gm, const struct x86_paging *pg, gva_t va,
			    void *buf, size_t len, struct guestmem_fault *fault)
{
	const struct copy io = { .to_host = buf };

	return for_each_gva_page(gm, pg, va, len, 0, page_read, &io, fault);
}

int guestmem__copy_to_gva(struct guestmem *gm, const struct x86_paging *pg, gva_t va,
			  const void *buf, size_t len, struct guestmem_fault *fault)
{
	const struct copy io = { .from_host = buf };
	int rc = for_each_gva_page(gm, pg, va, len, GUESTMEM_ACCESS_WRITE, page_check, &io, fault);

	if (rc)
		return rc;
	/*
	 * Walks again rather than remembering every page (no allocation here).
	 * Only another vCPU changing the tables in between can make this fail.
	 */
	return for_each_gva_page(gm, pg, va, len, GUESTMEM_ACCESS_WRITE, page_write, &io, fault);
}

const char *guestmem__fault_name(enum guestmem_fault_reason reason)
{
	static const char *const names[] = {
		[GUESTMEM_FAULT_NONE] = "none",
		[GUESTMEM_FAULT_RANGE] = "range wraps the address space",
		[GUESTMEM_FAULT_UNMAPPED] = "not guest memory",
		[GUESTMEM_FAULT_REFUSED] = "private page (confidential)",
	};

	/* The page walk's own faults have the walk's names. */
	for (unsigned f = 0; f < sizeof(walk_reasons) / sizeof(walk_reasons[0]); f++)
		if (walk_reasons[f] == reason && reason != GUESTMEM_FAULT_NONE)
			return pagewalk__fault_name((enum pagewalk_fault)f);
	if ((unsigned)reason >= sizeof(names) / sizeof(names[0]) || !names[reason])
		return "?";
	return names[reason];
}
