/*
 * Guest memory as the guest's CPU sees it, for what the VMM does in the
 * CPU's place (emulate.c, dump.c): the x86 page walk for supervisor
 * accesses in every paging mode, and raw reads and writes of guest-physical
 * memory. Unlike the core's guestmem copies, which serve hypercalls, these
 * apply no confidential-mode policy: an emulated instruction touches
 * private memory just as the real instruction would.
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
#define PTE_PS (1ull << 7)
#define ADDR_MASK 0x000ffffffffff000ull

/* [a, a + len) is guest memory of any kind. */
static bool phys_ok(struct vmm_domain *vd, uint64_t a, size_t len)
{
	for (uint64_t off = 0; off < len;) {
		const struct guestmem_region *r = guestmem__lookup(&vd->d->mem, gpa(a + off));
		if (!r)
			return false;
		off += r->start + r->size - (a + off);
	}
	return true;
}

/* Copy between buf and guest-physical memory; the map must not change meanwhile. */
static int phys(struct vmm_domain *vd, uint64_t a, void *buf, size_t len, bool write)
{
	struct guestmem *gm = &vd->d->mem;
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
	pthread_mutex_lock(&vd->vmm->hv.lock);
	int r = phys(vd, a, buf, len, false);
	pthread_mutex_unlock(&vd->vmm->hv.lock);
	return r;
}

int gview__write_phys(struct vmm_domain *vd, uint64_t a, const void *buf, size_t len)
{
	pthread_mutex_lock(&vd->vmm->hv.lock);
	int r = phys(vd, a, (void *)buf, len, true);
	pthread_mutex_unlock(&vd->vmm->hv.lock);
	return r;
}

static int entry(struct vmm_domain *vd, uint64_t a, size_t size, uint64_t *e)
{
	*e = 0;
	return phys(vd, a, e, size, false);
}

static int walk(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t la, bool write,
		uint64_t *out)
{
	bool wp = s->cr0 & CR0_WP;
	uint64_t e;

	if (!(s->cr0 & CR0_PG)) {
		*out = la & 0xffffffffull;
		return 0;
	}
	if (!(s->cr4 & CR4_PAE)) {
		/* 32-bit paging: two levels of 4-byte entries, 4 MiB pages with PSE. */
		la &= 0xffffffffull;
		if (entry(vd, (s->cr3 & 0xfffff000ull) + ((la >> 22) & 0x3ff) * 4, 4, &e) ||
		    !(e & PTE_P) || (write && wp && !(e & PTE_W)))
			return -1;
		if ((e & PTE_PS) && (s->cr4 & CR4_PSE)) {
			*out = ((e & 0xffc00000ull) | ((e & 0x1fe000ull) << 19)) | (la & 0x3fffff);
			return 0;
		}
		uint64_t pde = e;
		if (entry(vd, (pde & 0xfffff000ull) + ((la >> 12) & 0x3ff) * 4, 4, &e) ||
		    !(e & PTE_P) || (write && wp && !(e & PTE_W)))
			return -1;
		*out = (e & 0xfffff000ull) | (la & 0xfff);
		return 0;
	}
	int levels;
	uint64_t table;
	if (s->efer & EFER_LMA) {
		levels = (s->cr4 & CR4_LA57) ? 5 : 4;
		table = s->cr3 & ADDR_MASK;
	} else {
		/* PAE: the PDPTE first, without R/W meaning at that level. */
		la &= 0xffffffffull;
		if (entry(vd, (s->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8, 8, &e) || !(e & PTE_P))
			return -1;
		levels = 2;
		table = e & ADDR_MASK;
	}
	for (int level = levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		if (entry(vd, table + ((la >> shift) & 0x1ff) * 8, 8, &e) || !(e & PTE_P) ||
		    (write && wp && !(e & PTE_W)))
			return -1;
		if (level == 1 || ((e & PTE_PS) && level <= 3)) {
			uint64_t mask = (1ull << shift) - 1;
			*out = ((e & ADDR_MASK) & ~mask) | (la & mask);
			return 0;
		}
		table = e & ADDR_MASK;
	}
	return -1;
}

static int linear(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t la, void *buf,
		  size_t len, bool write)
{
	uint8_t *p = buf;
	int ret = 0;

	pthread_mutex_lock(&vd->vmm->hv.lock);
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
	pthread_mutex_unlock(&vd->vmm->hv.lock);
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
