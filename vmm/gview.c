/*
 * Guest memory as the guest's CPU sees it, for what the VMM does in the
 * CPU's place (emulate.c, dump.c): the core's x86 page walk
 * (hv/pagewalk.c) in its CPU mode for supervisor accesses in every paging
 * mode, and raw reads and writes of guest-physical memory. Unlike the
 * core's guestmem copies, which serve hypercalls, these apply no
 * confidential-mode policy: an emulated instruction touches
 * private memory just as the real instruction would. gview__access() is the
 * access of an instruction the VMM completes (vmm/insn/): it reports the
 * page fault the CPU would raise (error code, address) and sets accessed
 * and dirty bits as the CPU does.
 */
#include <stdint.h>
#include <string.h>

#include <fastabi/x86.h>

#include "pagewalk.h"
#include "vmm.h"

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

/* An entry outside guest memory reads as all ones (an empty bus), as the CPU would find it. */
static int read_entry(void *ctx, uint64_t a, unsigned size, uint64_t *e)
{
	*e = 0;
	if (phys(ctx, a, e, size, false))
		*e = size == 4 ? 0xffffffffull : ~0ull;
	return 0;
}

/* Sets accessed and dirty bits in an entry, as the CPU does (a locked OR). */
static void set_ad(void *ctx, uint64_t a, uint8_t bits)
{
	struct vmm_domain *vd = ctx;
	const struct guestmem_region *r = guestmem__lookup(hv_domain__mem(vd->d), gpa(a));

	if (r)
		__atomic_fetch_or(r->host + (a - r->start), bits, __ATOMIC_SEQ_CST);
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
 * The page walk (hv/pagewalk.c) as the CPU makes it for a supervisor data
 * access: SMAP with EFLAGS.AC, CR0.WP, reserved bits against the host's
 * MAXPHYADDR (the guest's CPUID reports the host's), the #PF error code
 * in *pfec. With set_ad, the accessed bits of every entry and the dirty
 * bit of the page are set, as the access completes. A non-canonical
 * address (which the callers check first, raising #GP) is -2.
 */
static int walk_ex(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t rflags,
		   uint64_t la, unsigned flags, bool set, uint64_t *out, uint32_t *pfec)
{
	const struct pagewalk_env env = {
		.pg = { .cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer },
		.mode = PAGEWALK_CPU, .rflags = rflags, .maxphyaddr = max_phys_bits(),
		.ctx = vd, .read = read_entry, .set_ad = set ? set_ad : NULL,
	};
	struct pagewalk_result r;

	if (pagewalk__translate(&env, la, flags & GVIEW_WRITE ? PAGEWALK_WRITE : 0, &r) == 0) {
		*out = r.gpa;
		return 0;
	}
	*pfec = r.pfec;
	return r.fault == PAGEWALK_FAULT_NON_CANONICAL ? -2 : -1;
}

static int walk(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t la, bool write,
		uint64_t *out)
{
	uint32_t pfec;
	/* The VMM's own reads (dumps, interrupt frames): no SMAP, no accessed bits. */
	int r = walk_ex(vd, s, X86_RFLAGS_AC, la, write ? GVIEW_WRITE : 0, false, out, &pfec);
	return r ? -1 : 0;
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
			int w = walk_ex(vd, s, rflags, a, flags, pass == 1, &pa, &pfec);
			if (w) {
				f->addr = a;
				f->pfec = w == -1 ? pfec : 0;
				ret = w;
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
