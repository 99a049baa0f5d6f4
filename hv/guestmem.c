/* Guest memory: the region map, checked copies, the share set, the page walk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/errno.h>

#include "guestmem.h"

/* The entry masks below are written for 52 physical address bits. */
_Static_assert(GUESTMEM_MAXPHYADDR == 52, "page-walk masks assume MAXPHYADDR 52");
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

/* ---- the x86 page walk ---- */

#define CR0_WP   (1ULL << 16)
#define CR0_PG   (1ULL << 31)
#define CR4_PSE  (1ULL << 4)
#define CR4_PAE  (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

#define PTE_P  (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)

/* Bits hi..lo set. */
static inline uint64_t bits(unsigned hi, unsigned lo)
{
	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

enum walk_format { WALK_32, WALK_PAE, WALK_LONG };

struct walk {
	enum walk_format fmt;
	unsigned levels;
	bool nxe;
	bool pse; /* 32-bit paging: 4 MiB pages allowed */
};

static bool long_mode(const struct x86_paging *pg)
{
	return (pg->cr0 & CR0_PG) && (pg->efer & EFER_LMA);
}

static int walk_fail(struct guestmem_fault *fault, enum guestmem_fault_reason reason,
		     uint64_t va, unsigned level, uint64_t where)
{
	if (fault)
		*fault = (struct guestmem_fault){
			.reason = reason, .gva = gva(va), .level = level, .entry = gpa(where),
		};
	return reason == GUESTMEM_FAULT_REFUSED ? -XEN_EACCES : -XEN_EFAULT;
}

/* The lowest linear-address bit that selects an entry at 'level'. */
static unsigned level_shift(const struct walk *w, unsigned level)
{
	return PAGE_SHIFT + (w->fmt == WALK_32 ? 10 : 9) * (level - 1);
}

static bool large_page_allowed(const struct walk *w, unsigned level)
{
	switch (w->fmt) {
	case WALK_32:
		return level == 2 && w->pse;
	case WALK_PAE:
		return level == 2;
	case WALK_LONG:
		return level == 2 || level == 3;
	}
	return false;
}

/* The bits that must be zero in a present entry at 'level'. */
static uint64_t reserved_bits(const struct walk *w, unsigned level, bool leaf)
{
	uint64_t rsvd = 0;

	if (w->fmt == WALK_32)
		/* PSE-36 with 40 physical bits: PDE bits 20:13 are address bits 39:32. */
		return leaf && level == 2 ? 1ULL << 21 : 0;

	if (!w->nxe)
		rsvd |= PTE_NX;
	if (w->fmt == WALK_PAE) {
		/* PAE entries have no ignored high bits; long mode ignores 62:52. */
		rsvd |= bits(62, GUESTMEM_MAXPHYADDR);
		if (level == 3)
			rsvd |= PTE_NX | bits(8, 5) | bits(2, 1);
	} else if (level >= 4) {
		rsvd |= PTE_PS;
	}
	if (leaf && level > 1)
		rsvd |= bits(level_shift(w, level) - 1, 13); /* bit 12 is PAT */
	return rsvd;
}

/* Physical base of the table or page that e points to. */
static uint64_t entry_address(const struct walk *w, unsigned level, uint64_t e, bool leaf)
{
	if (w->fmt == WALK_32) {
		if (leaf && level == 2)
			return (e & bits(31, 22)) | ((e >> 13) & 0xff) << 32;
		return e & bits(31, 12);
	}
	return e & bits(GUESTMEM_MAXPHYADDR - 1, leaf ? level_shift(w, level) : PAGE_SHIFT);
}

static int read_entry(struct guestmem *gm, const struct walk *w, uint64_t ea, uint64_t *e)
{
	if (w->fmt == WALK_32) {
		uint32_t e32;
		int rc = guestmem__read(gm, gpa(ea), &e32, sizeof(e32));
		if (rc == 0)
			*e = e32;
		return rc;
	}
	return guestmem__read(gm, gpa(ea), e, sizeof(*e));
}

int guestmem__translate(struct guestmem *gm, const struct x86_paging *pg, gva_t va,
			unsigned access, gpa_t *out, struct guestmem_fault *fault)
{
	uint64_t v = gva_val(va);
	uint64_t table;
	struct walk w = { .nxe = pg->efer & EFER_NXE };

	if (!(pg->cr0 & CR0_PG)) {
		/* Paging off implies legacy mode: linear addresses are 32 bits. */
		*out = gpa((uint32_t)v);
		goto ok;
	}
	if (long_mode(pg)) {
		w.fmt = WALK_LONG;
		w.levels = pg->cr4 & CR4_LA57 ? 5 : 4;
		unsigned va_bits = w.levels == 5 ? 57 : 48;
		uint64_t top = v >> (va_bits - 1);
		if (top != 0 && top != UINT64_MAX >> (va_bits - 1))
			return walk_fail(fault, GUESTMEM_FAULT_NON_CANONICAL, v, 0, 0);
		table = pg->cr3 & bits(GUESTMEM_MAXPHYADDR - 1, PAGE_SHIFT);
	} else if (pg->cr4 & CR4_PAE) {
		w.fmt = WALK_PAE;
		w.levels = 3;
		v = (uint32_t)v;
		table = pg->cr3 & bits(31, 5);
	} else {
		w.fmt = WALK_32;
		w.levels = 2;
		w.pse = pg->cr4 & CR4_PSE;
		w.nxe = false; /* 32-bit entries have no NX bit */
		v = (uint32_t)v;
		table = pg->cr3 & bits(31, 12);
	}

	unsigned esize = w.fmt == WALK_32 ? 4 : 8;
	unsigned idx_mask = w.fmt == WALK_32 ? 0x3ff : 0x1ff;
	bool writable = true, user = true, nx = false;
	unsigned level = w.levels;
	for (;;) {
		unsigned shift = level_shift(&w, level);
		uint64_t ea = table + ((v >> shift) & idx_mask) * esize;
		uint64_t e;
		int rc = read_entry(gm, &w, ea, &e);
		if (rc)
			return walk_fail(fault, rc == -XEN_EACCES ? GUESTMEM_FAULT_REFUSED
						: GUESTMEM_FAULT_UNMAPPED, v, level, ea);
		if (!(e & PTE_P))
			return walk_fail(fault, GUESTMEM_FAULT_NOT_PRESENT, v, level, ea);
		bool leaf = level == 1 || ((e & PTE_PS) && large_page_allowed(&w, level));
		if (e & reserved_bits(&w, level, leaf))
			return walk_fail(fault, GUESTMEM_FAULT_RESERVED, v, level, ea);
		/* PAE's PDPTEs carry no permissions. */
		if (!(w.fmt == WALK_PAE && level == 3)) {
			writable = writable && (e & PTE_RW);
			user = user && (e & PTE_US);
			nx = nx || (w.nxe && (e & PTE_NX));
		}
		if (leaf) {
			uint64_t a = entry_address(&w, level, e, true) | (v & bits(shift - 1, 0));
			if ((access & GUESTMEM_ACCESS_USER) && !user)
				return walk_fail(fault, GUESTMEM_FAULT_USER, v, level, ea);
			/* Supervisor writes ignore R/W unless CR0.WP is set. */
			if ((access & GUESTMEM_ACCESS_WRITE) && !writable &&
			    ((access & GUESTMEM_ACCESS_USER) || (pg->cr0 & CR0_WP)))
				return walk_fail(fault, GUESTMEM_FAULT_WRITE, v, level, ea);
			if ((access & GUESTMEM_ACCESS_EXEC) && nx)
				return walk_fail(fault, GUESTMEM_FAULT_NX, v, level, ea);
			*out = gpa(a);
			goto ok;
		}
		table = entry_address(&w, level, e, false);
		level--;
	}
ok:
	if (fault)
		*fault = (struct guestmem_fault){ .reason = GUESTMEM_FAULT_NONE, .gva = va };
	return 0;
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
	uint64_t top = long_mode(pg) ? UINT64_MAX : UINT32_MAX;

	if (!long_mode(pg))
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
		[GUESTMEM_FAULT_NOT_PRESENT] = "not present",
		[GUESTMEM_FAULT_WRITE] = "write to read-only page",
		[GUESTMEM_FAULT_USER] = "user access to supervisor page",
		[GUESTMEM_FAULT_NX] = "fetch from no-execute page",
		[GUESTMEM_FAULT_RESERVED] = "reserved bit set",
		[GUESTMEM_FAULT_NON_CANONICAL] = "non-canonical address",
		[GUESTMEM_FAULT_RANGE] = "range wraps the address space",
		[GUESTMEM_FAULT_UNMAPPED] = "not guest memory",
		[GUESTMEM_FAULT_REFUSED] = "private page (confidential)",
	};
	if ((unsigned)reason >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[reason];
}
