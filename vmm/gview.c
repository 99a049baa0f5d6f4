/*
 * Guest memory as the guest's CPU sees it, for what the VMM does in the
 * CPU's place (emulate.c, dump.c): the x86 page walk for supervisor
 * accesses in every paging mode, and raw reads and writes of guest-physical
 * memory. Unlike the core's guestmem copies, which serve hypercalls, these
 * apply no confidential-mode policy: an emulated instruction touches
 * private memory just as the real instruction would. gview__access() is the
 * access of an instruction the VMM completes (vmm/insn/): it reports the
 * page fault the CPU would raise (error code, address) and sets accessed
 * and dirty bits as the CPU does.
 */
#include <stdint.h>
#include <string.h>

#include "vmm.h"

#define CR0_PG (1ull << 31)
#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1u << 5)
#define PTE_D (1u << 6)
#define PTE_PS (1ull << 7)
#define CR4_SMAP (1ull << 21)
#define EFER_NXE (1ull << 11)
#define RFLAGS_AC (1ull << 18)
#define ADDR_MASK 0x000ffffffffff000ull

/* [a, a + len) is guest memory of any kind. */
static bool phys_ok(struct vmm_domain *vd, uint64_t a, size_t len)
{
	for (uint64_t off = 0; off < len;) {
		const struct guestmem_region *r = guestmem__lookup(hv_domain__mem(vd->d), gpa(a + off));
		if (!r)
			return false;
		off += r->start + r->size - (a + off);
	}
	return true;
}

/* Copy between buf and guest-physical memory; the map must not change meanwhile. */
static int phys(struct vmm_domain *vd, uint64_t a, void *buf, size_t len, bool write)
{
	struct guestmem *gm = hv_domain__mem(vd->d);
	uint8_t *p = buf;

	/* Check the whole range first: a failed write writes nothing. */
	if (!phys_ok(vd, a, len))
		return -1;
	while (len) {
		const struct guestmem_region *r = guestmem__lookup(gm, gpa(a));
		size_t n = r->start + r->size - a;
		if (n > len)
			n = len;
		if (write)
			memcpy(r->host + (a - r->start), p, n);
		else
			memcpy(p, r->host + (a - r->start), n);
		a += n;
		p += n;
		len -= n;
	}
	return 0;
}

int gview__read_phys(struct vmm_domain *vd, uint64_t a, void *buf, size_t len)
{
	hv_domain__mem_lock(vd->d);
	int r = phys(vd, a, buf, len, false);
	hv_domain__mem_unlock(vd->d);
	return r;
}

int gview__write_phys(struct vmm_domain *vd, uint64_t a, const void *buf, size_t len)
{
	hv_domain__mem_lock(vd->d);
	int r = phys(vd, a, (void *)buf, len, true);
	hv_domain__mem_unlock(vd->d);
	return r;
}

static int entry(struct vmm_domain *vd, uint64_t a, size_t size, uint64_t *e)
{
	*e = 0;
	return phys(vd, a, e, size, false);
}

/* Host address of a page-table entry, for setting its accessed and dirty bits. */
static void *entry_host(struct vmm_domain *vd, uint64_t a)
{
	const struct guestmem_region *r = guestmem__lookup(hv_domain__mem(vd->d), gpa(a));
	return r ? r->host + (a - r->start) : NULL;
}

static unsigned max_phys_bits(void)
{
	static unsigned bits;
	if (!bits) {
		unsigned a, b, c, d;
		__asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
		bits = (a & 0xff) ? (a & 0xff) : 36;
	}
	return bits;
}

/*
 * The page walk of a supervisor data access, as the CPU makes it: returns
 * 0 with the physical address, or -1 with the #PF error code in *pfec (P
 * when a present entry forbade the access, W for a write, RSVD when an
 * entry has a reserved bit set). With set_ad, the accessed bits of every
 * entry and the dirty bit of the page are set, as the access completes.
 * An entry outside guest memory reads as all ones (an empty bus).
 */
static int walk_ex(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t rflags,
		   uint64_t la, unsigned flags, bool set_ad, uint64_t *out, uint32_t *pfec)
{
	bool write = flags & GVIEW_WRITE;
	bool wp = s->cr0 & CR0_WP;
	bool rw_ok = true, user = true;
	uint32_t ec = write ? GVIEW_PF_W : 0;
	uint64_t e, ea[5];
	unsigned n = 0, leaf_size = 8;
	int levels;
	uint64_t table, rsvd_hi = 0;

	if (!(s->cr0 & CR0_PG)) {
		*out = la & 0xffffffffull;
		return 0;
	}
	if (s->cr4 & CR4_PAE) {
		rsvd_hi = ~((1ull << max_phys_bits()) - 1) & ((1ull << 52) - 1);
		if (!(s->efer & EFER_NXE))
			rsvd_hi |= 1ull << 63;
	}
	if (!(s->cr4 & CR4_PAE)) {
		la &= 0xffffffffull;
		levels = 2;
		table = s->cr3 & 0xfffff000ull;
		leaf_size = 4;
	} else if (s->efer & EFER_LMA) {
		levels = (s->cr4 & CR4_LA57) ? 5 : 4;
		table = s->cr3 & ADDR_MASK;
	} else {
		la &= 0xffffffffull;
		uint64_t pa = (s->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8;
		if (entry(vd, pa, 8, &e))
			e = ~0ull;
		if (!(e & PTE_P))
			goto fault;
		if (e & (rsvd_hi | 0x1e6ull))
			goto rsvd;
		levels = 2;
		table = e & ADDR_MASK;
	}
	for (int level = levels; level >= 1; level--) {
		unsigned shift = leaf_size == 4 ? 12 + 10 * (level - 1) : 12 + 9 * (level - 1);
		uint64_t idx = (la >> shift) & (leaf_size == 4 ? 0x3ff : 0x1ff);
		uint64_t pa = table + idx * leaf_size;
		if (entry(vd, pa, leaf_size, &e))
			e = leaf_size == 4 ? 0xffffffffull : ~0ull;
		if (!(e & PTE_P))
			goto fault;
		bool ps = (e & PTE_PS) && level > 1;
		if (leaf_size == 8) {
			uint64_t rsvd = rsvd_hi;
			if (ps && level >= 4)
				goto rsvd; /* no large pages at PML4/PML5 */
			if (ps && level == 3)
				rsvd |= 0x3fffe000ull; /* 1 GiB page: bits 29:13 */
			if (ps && level == 2)
				rsvd |= 0x1fe000ull; /* 2 MiB page: bits 20:13 */
			if (e & rsvd)
				goto rsvd;
		} else if (ps && !(s->cr4 & CR4_PSE)) {
			ps = false;
		}
		ea[n++] = pa;
		rw_ok &= (e & PTE_W) != 0;
		user &= (e & PTE_US) != 0;
		if (level == 1 || ps) {
			uint64_t mask;
			if (leaf_size == 4 && ps) {
				*out = ((e & 0xffc00000ull) | ((e & 0x1fe000ull) << 19)) |
				       (la & 0x3fffff);
			} else {
				mask = (1ull << shift) - 1;
				*out = ((e & ADDR_MASK) & ~mask) | (la & mask);
			}
			/* SMAP: a supervisor data access to a user page, unless EFLAGS.AC. */
			if (user && (s->cr4 & CR4_SMAP) && !(rflags & RFLAGS_AC))
				goto prot;
			if (write && !rw_ok && wp)
				goto prot;
			if (set_ad) {
				for (unsigned i = 0; i < n; i++) {
					uint8_t *h = entry_host(vd, ea[i]);
					uint8_t bits = PTE_A | (i + 1 == n && write ? PTE_D : 0);
					if (h)
						__atomic_fetch_or(h, bits, __ATOMIC_SEQ_CST);
				}
			}
			return 0;
		}
		table = e & (leaf_size == 4 ? 0xfffff000ull : ADDR_MASK);
	}
fault:
	*pfec = ec;
	return -1;
rsvd:
	*pfec = ec | GVIEW_PF_P | GVIEW_PF_RSVD;
	return -1;
prot:
	*pfec = ec | GVIEW_PF_P;
	return -1;
}

static int walk(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t la, bool write,
		uint64_t *out)
{
	uint32_t pfec;
	/* The VMM's own reads (dumps, interrupt frames): no SMAP, no accessed bits. */
	return walk_ex(vd, s, RFLAGS_AC, la, write ? GVIEW_WRITE : 0, false, out, &pfec);
}

int gview__access(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t rflags, uint64_t la,
		  void *buf, size_t len, unsigned flags, struct gview_fault *f)
{
	uint8_t *p = buf;
	int ret = 0;

	hv_domain__mem_lock(vd->d);
	/* Translate every page first: a fault leaves memory and the page tables as they were. */
	for (int pass = 0; pass < 2 && !ret; pass++) {
		uint64_t a = la;
		size_t left = len, done = 0;
		while (left && !ret) {
			size_t n = PAGE_SIZE - (a & (PAGE_SIZE - 1));
			uint64_t pa;
			uint32_t pfec;
			if (n > left)
				n = left;
			if (walk_ex(vd, s, rflags, a, flags, pass == 1, &pa, &pfec)) {
				f->addr = a;
				f->pfec = pfec;
				ret = -1;
			} else if (pass == 0 && !phys_ok(vd, pa, n)) {
				f->addr = a;
				f->pfec = 0;
				ret = -2;
			} else if (pass == 1 && !(flags & GVIEW_PROBE)) {
				ret = phys(vd, pa, p + done, n, flags & GVIEW_WRITE);
			}
			a += n;
			done += n;
			left -= n;
		}
		if (flags & GVIEW_PROBE)
			break;
	}
	hv_domain__mem_unlock(vd->d);
	return ret;
}

static int linear(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t la, void *buf,
		  size_t len, bool write)
{
	uint8_t *p = buf;
	int ret = 0;

	hv_domain__mem_lock(vd->d);
	/* Translate every page before touching any. */
	for (int pass = write ? 0 : 1; pass < 2 && !ret; pass++) {
		uint64_t a = la;
		size_t left = len, done = 0;
		while (left && !ret) {
			size_t n = PAGE_SIZE - (a & (PAGE_SIZE - 1));
			if (n > left)
				n = left;
			uint64_t pa;
			ret = walk(vd, s, a, write, &pa);
			if (!ret && pass == 1)
				ret = phys(vd, pa, p + done, n, write);
			else if (!ret && !phys_ok(vd, pa, n))
				ret = -1;
			a += n;
			done += n;
			left -= n;
		}
	}
	hv_domain__mem_unlock(vd->d);
	return ret;
}

int gview__read(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t la, void *buf,
		size_t len)
{
	return linear(vd, s, la, buf, len, false);
}

int gview__write(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t la, const void *buf,
		 size_t len)
{
	return linear(vd, s, la, (void *)buf, len, true);
}
