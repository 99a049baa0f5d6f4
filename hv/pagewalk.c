/*
 * The x86 page walk (pagewalk.h). Intel SDM vol. 3 chapter 4: 4.3 (32-bit
 * paging), 4.4 (PAE), 4.5 (4- and 5-level), 4.6 (access rights), 4.7 (the
 * #PF error code), 4.8 (accessed and dirty flags).
 */
#include <stddef.h>

#include "pagewalk.h"

#define PAGE_SHIFT_4K 12

enum walk_format { WALK_32, WALK_PAE, WALK_LONG };

struct walk {
	const struct pagewalk_env *env;
	enum walk_format fmt;
	unsigned levels;
	bool nxe;    /* entries have an NX bit (PAE or long mode, EFER.NXE) */
	bool pse;    /* 32-bit paging: 4 MiB pages allowed */
	unsigned m;  /* MAXPHYADDR */
};

/* Bits hi..lo set (an empty mask when hi < lo). */
static inline uint64_t bits(unsigned hi, unsigned lo)
{
	if (hi < lo)
		return 0;
	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

bool pagewalk__long_mode(const struct x86_paging *pg)
{
	return (pg->cr0 & X86_CR0_PG) && (pg->efer & X86_EFER_LMA);
}

/* The lowest linear-address bit that selects an entry at 'level'. */
static unsigned level_shift(const struct walk *w, unsigned level)
{
	return PAGE_SHIFT_4K + (w->fmt == WALK_32 ? 10 : 9) * (level - 1);
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

	if (w->fmt == WALK_32) {
		/*
		 * A 4 MiB page: PDE bits 20:13 are address bits 39:32 (PSE-36),
		 * as far as MAXPHYADDR (at most 40 here) reaches; bit 21 is reserved.
		 */
		unsigned m = w->m < 40 ? w->m : 40;
		return leaf && level == 2 ? bits(21, 13 + m - 32) : 0;
	}
	if (!w->nxe)
		rsvd |= X86_PTE_NX;
	if (w->fmt == WALK_PAE) {
		/* PAE entries have no ignored high bits; long mode ignores 62:52. */
		rsvd |= bits(62, w->m);
		if (level == 3) /* the PDPTE: no permissions, no large page */
			rsvd |= X86_PTE_NX | bits(8, 5) | bits(2, 1);
	} else {
		rsvd |= bits(51, w->m);
		if (level >= 4)
			rsvd |= X86_PTE_PS;
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
		return e & bits(31, PAGE_SHIFT_4K);
	}
	return e & bits(51, leaf ? level_shift(w, level) : PAGE_SHIFT_4K);
}

/* The error code's access bits, which every #PF of this access carries. */
static uint32_t access_pfec(const struct walk *w, unsigned access)
{
	uint32_t ec = 0;

	if (access & PAGEWALK_WRITE)
		ec |= X86_PFEC_W;
	if (access & PAGEWALK_USER)
		ec |= X86_PFEC_U;
	/* I/D is reported only where fetches can fault on their own (4.7). */
	if ((access & PAGEWALK_FETCH) && (w->nxe || (w->env->pg.cr4 & X86_CR4_SMEP)))
		ec |= X86_PFEC_I;
	return ec;
}

static int fail(struct pagewalk_result *r, enum pagewalk_fault fault, uint32_t pfec,
		unsigned level, uint64_t entry_gpa)
{
	r->fault = fault;
	r->pfec = pfec;
	r->level = level;
	r->entry_gpa = level ? entry_gpa : 0;
	return -1;
}

/*
 * The access rights of a translation (4.6) against the leaf's combined
 * permissions: the fault, or PAGEWALK_OK. The checks' order only picks
 * the name: the error code is the same for all of them.
 */
static enum pagewalk_fault rights(const struct walk *w, unsigned access, uint64_t leaf_entry,
				  const struct pagewalk_result *r, uint32_t *pk)
{
	const struct pagewalk_env *env = w->env;
	bool cpu = env->mode == PAGEWALK_CPU;
	bool user_access = access & PAGEWALK_USER;
	bool write = access & PAGEWALK_WRITE;
	bool fetch = access & PAGEWALK_FETCH;
	bool wp = env->pg.cr0 & X86_CR0_WP;

	if (user_access && !r->user)
		return PAGEWALK_FAULT_USER;
	if (fetch) {
		if (r->nx)
			return PAGEWALK_FAULT_NX;
		if (cpu && !user_access && r->user && (env->pg.cr4 & X86_CR4_SMEP))
			return PAGEWALK_FAULT_SMEP;
		return PAGEWALK_OK;
	}
	if (cpu && !user_access && r->user && (env->pg.cr4 & X86_CR4_SMAP) &&
	    ((access & PAGEWALK_IMPLICIT) || !(env->rflags & X86_RFLAGS_AC)))
		return PAGEWALK_FAULT_SMAP;
	/* Supervisor writes ignore R/W unless CR0.WP is set. */
	if (write && !r->writable && (user_access || wp))
		return PAGEWALK_FAULT_WRITE;
	/* Protection keys: data accesses to user pages in long mode (4.6.2). */
	if (cpu && r->user && w->fmt == WALK_LONG && (env->pg.cr4 & X86_CR4_PKE)) {
		unsigned key = (unsigned)(leaf_entry >> X86_PTE_PKEY_SHIFT) & 0xf;
		bool ad = (env->pkru >> (2 * key)) & 1, wd = (env->pkru >> (2 * key + 1)) & 1;
		if (ad || (write && wd && (user_access || wp))) {
			*pk = X86_PFEC_PK;
			return PAGEWALK_FAULT_PKEY;
		}
	}
	return PAGEWALK_OK;
}

int pagewalk__translate(const struct pagewalk_env *env, uint64_t la, unsigned access,
			struct pagewalk_result *r)
{
	const struct x86_paging *pg = &env->pg;
	struct walk w = { .env = env, .nxe = pg->efer & X86_EFER_NXE, .m = env->maxphyaddr };
	uint64_t table;

	*r = (struct pagewalk_result){ .fault = PAGEWALK_OK };
	if (w.m < 32 || w.m > 52)
		w.m = 52;
	if (!(pg->cr0 & X86_CR0_PG)) {
		/* Paging off implies legacy mode: linear addresses are 32 bits. */
		r->gpa = (uint32_t)la;
		r->page_size = 1ULL << PAGE_SHIFT_4K;
		r->writable = r->user = true;
		return 0;
	}
	if (pagewalk__long_mode(pg)) {
		w.fmt = WALK_LONG;
		w.levels = pg->cr4 & X86_CR4_LA57 ? 5 : 4;
		if (!pagewalk__canonical(la, pg->cr4))
			return fail(r, PAGEWALK_FAULT_NON_CANONICAL, 0, 0, 0);
		table = pg->cr3 & bits(51, PAGE_SHIFT_4K);
	} else if (pg->cr4 & X86_CR4_PAE) {
		w.fmt = WALK_PAE;
		w.levels = 3;
		la = (uint32_t)la;
		table = pg->cr3 & X86_CR3_PAE_MASK;
	} else {
		w.fmt = WALK_32;
		w.levels = 2;
		w.pse = pg->cr4 & X86_CR4_PSE;
		w.nxe = false; /* 32-bit entries have no NX bit */
		la = (uint32_t)la;
		table = pg->cr3 & bits(31, PAGE_SHIFT_4K);
	}

	uint32_t ec = access_pfec(&w, access);
	unsigned esize = w.fmt == WALK_32 ? 4 : 8;
	unsigned idx_mask = w.fmt == WALK_32 ? 0x3ff : 0x1ff;
	uint64_t used[5]; /* the entries that carry accessed bits, top down */
	unsigned nr_used = 0;
	r->writable = r->user = true;
	for (unsigned level = w.levels;; level--) {
		unsigned shift = level_shift(&w, level);
		uint64_t ea = table + ((la >> shift) & idx_mask) * esize;
		uint64_t e = 0;
		int rc = env->read(env->ctx, ea, esize, &e);
		if (rc) {
			r->read_err = rc;
			return fail(r, PAGEWALK_FAULT_READ, 0, level, ea);
		}
		if (!(e & X86_PTE_P))
			return fail(r, PAGEWALK_FAULT_NOT_PRESENT, ec, level, ea);
		bool leaf = level == 1 || ((e & X86_PTE_PS) && large_page_allowed(&w, level));
		if (e & reserved_bits(&w, level, leaf))
			return fail(r, PAGEWALK_FAULT_RESERVED, ec | X86_PFEC_P | X86_PFEC_RSVD,
				    level, ea);
		/* PAE's PDPTEs carry no permissions and no accessed bit. */
		if (!(w.fmt == WALK_PAE && level == 3)) {
			r->writable = r->writable && (e & X86_PTE_RW);
			r->user = r->user && (e & X86_PTE_US);
			r->nx = r->nx || (w.nxe && (e & X86_PTE_NX));
			used[nr_used++] = ea;
		}
		if (!leaf) {
			table = entry_address(&w, level, e, false);
			continue;
		}
		uint32_t pk = 0;
		enum pagewalk_fault f = rights(&w, access, e, r, &pk);
		if (f != PAGEWALK_OK)
			return fail(r, f, ec | X86_PFEC_P | pk, level, ea);
		r->gpa = entry_address(&w, level, e, true) | (la & bits(shift - 1, 0));
		r->page_size = 1ULL << shift;
		r->level = level;
		r->entry_gpa = ea;
		/* Accessed bits on every entry used, dirty on the leaf of a write (4.8). */
		if (env->mode == PAGEWALK_CPU && env->set_ad) {
			for (unsigned i = 0; i < nr_used; i++) {
				bool dirty = i + 1 == nr_used && (access & PAGEWALK_WRITE);
				env->set_ad(env->ctx, used[i],
					    (uint8_t)(X86_PTE_A | (dirty ? X86_PTE_D : 0)));
			}
		}
		return 0;
	}
}

const char *pagewalk__fault_name(enum pagewalk_fault fault)
{
	static const char *const names[] = {
		[PAGEWALK_OK] = "none",
		[PAGEWALK_FAULT_NOT_PRESENT] = "not present",
		[PAGEWALK_FAULT_RESERVED] = "reserved bit set",
		[PAGEWALK_FAULT_USER] = "user access to supervisor page",
		[PAGEWALK_FAULT_WRITE] = "write to read-only page",
		[PAGEWALK_FAULT_NX] = "fetch from no-execute page",
		[PAGEWALK_FAULT_SMEP] = "supervisor fetch from user page (SMEP)",
		[PAGEWALK_FAULT_SMAP] = "supervisor access to user page (SMAP)",
		[PAGEWALK_FAULT_PKEY] = "protection key",
		[PAGEWALK_FAULT_NON_CANONICAL] = "non-canonical address",
		[PAGEWALK_FAULT_READ] = "page table not readable",
	};
	if ((unsigned)fault >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[fault];
}
