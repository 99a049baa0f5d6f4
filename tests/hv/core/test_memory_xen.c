/*
 * memory_op commands served as Xen 4.17 answers an HVM domU (legacy only,
 * 64- and 32-bit layouts): maximum_ram_page, reserved_device_memory_map
 * (empty without passthrough), add_to_physmap_batch (per-entry errors,
 * continuation), exchange (Xen's steal_page refuses an HVM domain's pages:
 * nothing is exchanged), machine_memory_map (-ENOSYS to HVM).
 */
#define __XEN_TOOLS__ 1 /* struct xen_reserved_device_memory_map */
#include <string.h>

#include "harness.h"
#include "legacy.h"

#include <xen/errno.h>

#include "grant_table.h"
#include "memory.h"

#define MEM __HYPERVISOR_memory_op
/* An address no 32-bit or 64-bit call can read here. */
#define BAD(abi) ((abi) == ABI_LEG64 ? 0x10ull : 0xfff00000ull)

static struct harness *world(struct domain **d)
{
	struct harness *h = harness__new();
	*d = harness__domain(h, "m", DOMAIN_FASTABI, 1, 8);
	return h;
}

static void test_maximum_ram_page(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d);
		struct hv_vcpu *v = &d->vcpus[0];
		/* 8 MiB of RAM: frames 0..0x7ff. A second, larger domain raises the top. */
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_maximum_ram_page, 0), 0x800);
		(void)harness__domain(h, "big", 0, 1, 16);
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_maximum_ram_page, 0), 0x1000);
		/* No continuation: a start extent is -EINVAL. */
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_maximum_ram_page | (1 << 6), 0),
				 -XEN_EINVAL);
		/* machine_memory_map: -ENOSYS to HVM (hvm_memory_op). */
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_machine_memory_map, 0), -XEN_ENOSYS);
		harness__free(h);
	}
	struct domain *d;
	struct harness *h = world(&d);
	assert_int_equal(hfast(&d->vcpus[0], MEM, XENMEM_maximum_ram_page), -XEN_ENOSYS);
	harness__free(h);
}

struct rdm32 {
	uint32_t flags, nr_entries, buffer, dev;
};

static void test_reserved_device_memory(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t va, buf;
		(void)harness__alloc(h, d, 64, &buf);
		uint32_t *nr;
		uint32_t *flags;
		if (a == ABI_LEG64) {
			struct xen_reserved_device_memory_map *m = harness__alloc(h, d, sizeof(*m), &va);
			*m = (struct xen_reserved_device_memory_map){ .nr_entries = 4 };
			set_xen_guest_handle(m->buffer, (void *)(uintptr_t)buf);
			nr = &m->nr_entries;
			flags = &m->flags;
		} else {
			struct rdm32 *m = harness__alloc(h, d, sizeof(*m), &va);
			*m = (struct rdm32){ .nr_entries = 4, .buffer = (uint32_t)buf };
			nr = &m->nr_entries;
			flags = &m->flags;
		}
		/* No passthrough, no IOMMU: no region, for one device or all. */
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_reserved_device_memory_map, va), 0);
		assert_int_equal(*nr, 0);
		*nr = 4;
		*flags = XENMEM_RDM_ALL;
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_reserved_device_memory_map, va), 0);
		assert_int_equal(*nr, 0);
		*flags = 2;
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_reserved_device_memory_map, va),
				 -XEN_EINVAL);
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_reserved_device_memory_map, BAD(a)),
				 -XEN_EFAULT);
		harness__free(h);
	}
}

struct batch32 {
	domid_t domid;
	uint16_t space, size, foreign_domid;
	uint32_t idxs, gpfns, errs;
};

/* add_to_physmap_batch of n entries through abi; errs out. */
static int64_t batch(struct harness *h, struct domain *d, enum abi a, domid_t domid,
		     unsigned space, unsigned n, const uint64_t *idx, const uint64_t *gpfn,
		     int32_t *errs, unsigned *restarts)
{
	bool m64 = a == ABI_LEG64;
	size_t w = m64 ? 8 : 4;
	uint64_t iva, gva_, eva, va;
	uint8_t *ip = harness__alloc(h, d, n * w + 1, &iva);
	uint8_t *gp = harness__alloc(h, d, n * w + 1, &gva_);
	int32_t *ep = harness__alloc(h, d, n * 4 + 1, &eva);
	for (unsigned i = 0; i < n; i++) {
		memcpy(ip + i * w, &idx[i], w);
		memcpy(gp + i * w, &gpfn[i], w);
		ep[i] = 0x55;
	}
	if (m64) {
		struct xen_add_to_physmap_batch *b = harness__alloc(h, d, sizeof(*b), &va);
		*b = (struct xen_add_to_physmap_batch){ .domid = domid, .space = (uint16_t)space,
							.size = (uint16_t)n };
		set_xen_guest_handle(b->idxs, (xen_ulong_t *)(uintptr_t)iva);
		set_xen_guest_handle(b->gpfns, (xen_pfn_t *)(uintptr_t)gva_);
		set_xen_guest_handle(b->errs, (int *)(uintptr_t)eva);
	} else {
		struct batch32 *b = harness__alloc(h, d, sizeof(*b), &va);
		*b = (struct batch32){ .domid = domid, .space = (uint16_t)space, .size = (uint16_t)n,
				       .idxs = (uint32_t)iva, .gpfns = (uint32_t)gva_,
				       .errs = (uint32_t)eva };
	}
	int64_t ret = harness__legacy_loop(&d->vcpus[0], m64, MEM,
					   (const uint64_t[LEGACY_NR_ARGS]){
						   XENMEM_add_to_physmap_batch, va },
					   NULL, restarts);
	memcpy(errs, ep, n * 4);
	return ret;
}

static void test_add_to_physmap_batch(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d);
		unsigned restarts;
		int32_t errs[80];
		gfn_t g;

		/* Grant frames 0 and 1 and shared_info's bad index: each its own result. */
		const uint64_t idx[3] = { 0, 1, 5 }, gpfn[3] = { 0x700, 0x701, 0x702 };
		assert_int_equal(batch(h, d, a, DOMID_SELF, XENMAPSPACE_grant_table, 2, idx, gpfn,
				       errs, &restarts),
				 0);
		assert_int_equal(errs[0], 0);
		assert_int_equal(errs[1], 0);
		assert_true(gnttab__frame_gfn(d, false, 1, &g));
		assert_int_equal(gfn_val(g), 0x701);
		assert_int_equal(batch(h, d, a, DOMID_SELF, XENMAPSPACE_shared_info, 3, idx, gpfn,
				       errs, &restarts),
				 0);
		assert_int_equal(errs[0], 0);
		assert_int_equal(errs[1], -XEN_EINVAL);
		assert_int_equal(errs[2], -XEN_EINVAL);

		/* More than a step: continued through cmd's extent bits, every entry once. */
		uint64_t many_i[80], many_g[80];
		for (unsigned i = 0; i < 80; i++) {
			many_i[i] = i % 4;
			many_g[i] = 0x600 + i % 4;
		}
		assert_int_equal(batch(h, d, a, DOMID_SELF, XENMAPSPACE_grant_table, 80, many_i,
				       many_g, errs, &restarts),
				 0);
		assert_int_equal(restarts, 1);
		for (unsigned i = 0; i < 80; i++)
			assert_int_equal(errs[i], 0);

		/* The call's own checks, in Xen's order. */
		assert_int_equal(batch(h, d, a, DOMID_SELF, XENMAPSPACE_gmfn_range, 1, idx, gpfn,
				       errs, &restarts),
				 -XEN_EOPNOTSUPP);
		assert_int_equal(batch(h, d, a, 9, XENMAPSPACE_grant_table, 1, idx, gpfn, errs,
				       &restarts),
				 -XEN_ESRCH);
		assert_int_equal(batch(h, d, a, DOMID_SELF, XENMAPSPACE_dev_mmio, 1, idx, gpfn,
				       errs, &restarts),
				 -XEN_EACCES);
		struct domain *other = harness__domain(h, "o", 0, 1, 4);
		assert_int_equal(batch(h, d, a, other->id, XENMAPSPACE_grant_table, 1, idx, gpfn,
				       errs, &restarts),
				 -XEN_EPERM);
		assert_int_equal(batch(h, d, a, DOMID_SELF, XENMAPSPACE_grant_table, 0, idx, gpfn,
				       errs, &restarts),
				 0);
		struct hv_vcpu *v = &d->vcpus[0];
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_add_to_physmap_batch, BAD(a)),
				 -XEN_EFAULT);
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_add_to_physmap_batch | (1ull << 22), 0),
				 -XEN_EDOM);
		harness__free(h);
	}
}

struct res32 {
	uint32_t extent_start, nr_extents, extent_order, mem_flags;
	domid_t domid;
};
struct exch32 {
	struct res32 in, out;
	uint32_t nr_exchanged;
};

/* XENMEM_exchange of one list of nr frames (order in/out), the result and nr_exchanged after. */
static int64_t exchange(struct harness *h, struct domain *d, enum abi a, uint64_t in_frame,
			uint64_t nr, unsigned in_order, unsigned out_order, uint64_t done,
			domid_t in_dom, domid_t out_dom, uint64_t *nr_exchanged)
{
	uint64_t lva, va;
	uint64_t *list = harness__alloc(h, d, 16, &lva);
	list[0] = in_frame;
	list[1] = in_frame + 1;
	if (a == ABI_LEG64) {
		struct xen_memory_exchange *x = harness__alloc(h, d, sizeof(*x), &va);
		*x = (struct xen_memory_exchange){
			.in = { .nr_extents = nr, .extent_order = in_order, .domid = in_dom },
			.out = { .nr_extents = nr, .extent_order = out_order, .domid = out_dom },
			.nr_exchanged = done,
		};
		set_xen_guest_handle(x->in.extent_start, (xen_pfn_t *)(uintptr_t)lva);
		int64_t ret = hleg64(&d->vcpus[0], MEM, XENMEM_exchange, va);
		*nr_exchanged = x->nr_exchanged;
		return ret;
	}
	uint32_t *l32 = (uint32_t *)list;
	l32[0] = (uint32_t)in_frame;
	l32[1] = (uint32_t)in_frame + 1;
	struct exch32 *x = harness__alloc(h, d, sizeof(*x), &va);
	*x = (struct exch32){
		.in = { .extent_start = (uint32_t)lva, .nr_extents = (uint32_t)nr,
			.extent_order = in_order, .domid = in_dom },
		.out = { .nr_extents = (uint32_t)nr, .extent_order = out_order, .domid = out_dom },
		.nr_exchanged = (uint32_t)done,
	};
	int64_t ret = hleg32(&d->vcpus[0], MEM, XENMEM_exchange, va);
	*nr_exchanged = x->nr_exchanged;
	return ret;
}

static void test_exchange(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d);
		struct domain *other = harness__domain(h, "o", 0, 1, 4);
		const domid_t me = DOMID_SELF;
		uint64_t done;
		uint64_t tot = d->tot_pages;

		/* A RAM frame: Xen's steal_page refuses an HVM domain's pages. Nothing moves. */
		assert_int_equal(exchange(h, d, a, 0x100, 2, 0, 0, 0, me, me, &done),
				 -XEN_EOPNOTSUPP);
		assert_int_equal(done, 0);
		assert_int_equal(d->tot_pages, tot);
		/* Resumed at 1, it looks at entry 1: a frame with no page is -EINVAL. */
		assert_int_equal(exchange(h, d, a, 0x90000, 2, 0, 0, 1, me, me, &done), -XEN_EINVAL);
		assert_int_equal(done, 1);
		/* Nothing left: 0, and nr_exchanged is not written. */
		assert_int_equal(exchange(h, d, a, 0x100, 2, 0, 0, 2, me, me, &done), 0);
		assert_int_equal(done, 2);
		/* The checks, in Xen's order. */
		assert_int_equal(exchange(h, d, a, 0x100, 2, 10, 10, 0, me, me, &done), -XEN_EPERM);
		assert_int_equal(exchange(h, d, a, 0x100, 2, 0, 0, 3, me, me, &done), -XEN_EINVAL);
		assert_int_equal(done, 3);
		assert_int_equal(exchange(h, d, a, 0x100, 2, 1, 0, 0, me, me, &done), -XEN_EINVAL);
		assert_int_equal(exchange(h, d, a, 0x100, 2, 0, 0, 0, me, d->id, &done), -XEN_EINVAL);
		assert_int_equal(exchange(h, d, a, 0x100, 2, 0, 0, 0, 9, 9, &done), -XEN_ESRCH);
		assert_int_equal(exchange(h, d, a, 0x100, 2, 0, 0, 0, other->id, other->id, &done),
				 -XEN_EPERM);
		struct hv_vcpu *v = &d->vcpus[0];
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_exchange, BAD(a)), -XEN_EFAULT);
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_exchange | (1 << 6), 0), -XEN_EINVAL);
		harness__free(h);
	}
}

static void test_claim_pages(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t va;
		void *p = harness__alloc(h, d, 64, &va);
		/* Both layouts: zeros but the domid (offset 24, or 16 in the i386 layout). */
		domid_t *dom = (domid_t *)((uint8_t *)p + (a == ABI_LEG64 ? 24 : 16));
		*dom = d->id;
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_claim_pages, va), -XEN_EPERM);
		*dom = DOMID_SELF; /* not a domain id here */
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_claim_pages, va), -XEN_EINVAL);
		*dom = d->id;
		*(uint32_t *)((uint8_t *)p + (a == ABI_LEG64 ? 16 : 8)) = 1; /* extent_order */
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_claim_pages, va), -XEN_EINVAL);
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_claim_pages, BAD(a)), -XEN_EFAULT);
		assert_int_equal(hcall_leg(a, v, MEM, XENMEM_claim_pages | (1 << 6), va), -XEN_EINVAL);
		harness__free(h);
	}
	struct harness *h = harness__new();
	struct domain *d0 = harness__domain(h, "dom0", DOMAIN_PRIVILEGED, 1, 4);
	uint64_t va;
	struct xen_memory_reservation *r = harness__alloc(h, d0, sizeof(*r), &va);
	r->nr_extents = 100;
	assert_int_equal(hleg64(&d0->vcpus[0], MEM, XENMEM_claim_pages, va), 0);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maximum_ram_page),
		cmocka_unit_test(test_reserved_device_memory),
		cmocka_unit_test(test_add_to_physmap_batch),
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_claim_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
