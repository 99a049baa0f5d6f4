/*
 * XENMEM_increase_reservation, decrease_reservation and populate_physmap
 * (hv/reservation.c): Xen's answers (extents done, never an errno), the
 * frames leaving and coming back to the physmap, the host memory handed
 * to the VMM (harness: released memory poisoned, populated memory zeroed),
 * tot_pages against max_pages, the order limits, continuations, and the
 * 32-bit layout.
 */
#include "harness.h"

#include <xen/errno.h>
#include <xen/memory.h>

#include "reservation.h"

#define MEM __HYPERVISOR_memory_op
#define RAM_MIB 16
#define RAM_PAGES (RAM_MIB * 256ull)
/* Frames the tests balloon: well above the page tables and the scratch area. */
#define GFN_A 0x900ull
#define GFN_2M 0xa00ull /* 2 MiB aligned */

struct compat_memory_reservation {
	uint32_t extent_start;
	uint32_t nr_extents;
	uint32_t extent_order;
	uint32_t mem_flags;
	domid_t domid;
};

struct call {
	bool mode64;
	unsigned op;
	unsigned order;
	unsigned flags;
	domid_t domid;
	uint64_t start; /* extents already done, in cmd */
	bool no_list;
};

/* One reservation call (no continuation loop) with the extent list 'gfns'. */
static int64_t resv_res(struct harness *h, struct hv_vcpu *v, const struct call *c,
			const uint64_t *gfns, uint64_t n, struct harness_result *res)
{
	uint64_t list_va = 0, va;

	if (!c->no_list) {
		size_t w = c->mode64 ? 8 : 4;
		uint8_t *list = harness__alloc(h, v->d, n ? n * w : 1, &list_va);
		for (uint64_t i = 0; i < n; i++) {
			if (c->mode64)
				memcpy(list + i * 8, &gfns[i], 8);
			else
				*(uint32_t *)(list + i * 4) = (uint32_t)gfns[i];
		}
	}
	if (c->mode64) {
		struct xen_memory_reservation *r = harness__alloc(h, v->d, sizeof(*r), &va);
		r->extent_start.p = (xen_pfn_t *)(uintptr_t)list_va;
		r->nr_extents = n;
		r->extent_order = c->order;
		r->mem_flags = c->flags;
		r->domid = c->domid;
	} else {
		struct compat_memory_reservation *r = harness__alloc(h, v->d, sizeof(*r), &va);
		r->extent_start = (uint32_t)list_va;
		r->nr_extents = (uint32_t)n;
		r->extent_order = c->order;
		r->mem_flags = c->flags;
		r->domid = c->domid;
	}
	return harness__legacy(v, c->mode64, MEM,
			       (const uint64_t[LEGACY_NR_ARGS]){
				       c->op | (c->start << MEMOP_EXTENT_SHIFT), va },
			       res);
}

static int64_t resv(struct harness *h, struct hv_vcpu *v, const struct call *c,
		    const uint64_t *gfns, uint64_t n)
{
	struct harness_result res;
	int64_t ret = resv_res(h, v, c, gfns, n, &res);
	assert_int_equal(res.result, HV_CALL_DONE);
	return ret;
}

static int64_t current_reservation(struct harness *h, struct hv_vcpu *v)
{
	uint64_t va;
	domid_t *p = harness__alloc(h, v->d, sizeof(*p), &va);
	*p = DOMID_SELF;
	return hleg64(v, MEM, XENMEM_current_reservation, va);
}

static bool mapped(struct domain *d, uint64_t f)
{
	uint8_t b;
	return guestmem__read(&d->mem, gpa(f << PAGE_SHIFT), &b, 1) == 0;
}

static void test_decrease_once_then_zero(void **state)
{
	(void)state;
	for (int m = 0; m < 2; m++) {
		bool mode64 = m == 0;
		struct harness *h = harness__new();
		struct domain *d = harness__domain(h, "b", 0, 1, RAM_MIB);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t f = GFN_A;
		uint8_t *host = harness__host(h, d, f << PAGE_SHIFT);
		memset(host, 0x11, PAGE_SIZE);
		struct call c = { .mode64 = mode64, .op = XENMEM_decrease_reservation,
				  .domid = DOMID_SELF };

		assert_int_equal(current_reservation(h, v), RAM_PAGES);
		assert_int_equal(resv(h, v, &c, &f, 1), 1);
		/* Gone from the physmap: the core cannot reach it, the VMM released it. */
		assert_false(mapped(d, f));
		assert_true(mapped(d, f - 1));
		assert_true(mapped(d, f + 1));
		assert_int_equal(h->released_pages[d->id], 1);
		assert_int_equal(host[0], HARNESS_RELEASED_BYTE);
		assert_int_equal(d->tot_pages, RAM_PAGES - 1);
		assert_int_equal(current_reservation(h, v), RAM_PAGES - 1);
		/* The e820 stays as built (Xen keeps it). */
		assert_int_equal(d->memmap[0].size, RAM_PAGES * PAGE_SIZE);
		/* Again: not populated any more, nothing done. */
		assert_int_equal(resv(h, v, &c, &f, 1), 0);
		assert_int_equal(d->tot_pages, RAM_PAGES - 1);
		assert_int_equal(h->released_pages[d->id], 1);
		/* A legacy pointer into it now faults. */
		assert_int_equal(hleg64(v, MEM, XENMEM_current_reservation, f << PAGE_SHIFT),
				 -XEN_EFAULT);
		harness__free(h);
	}
}

static void test_decrease_stops_at_hole(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "b", 0, 1, RAM_MIB);
	struct hv_vcpu *v = &d->vcpus[0];
	struct call c = { .mode64 = true, .op = XENMEM_decrease_reservation, .domid = DOMID_SELF };
	uint64_t hole = GFN_A + 1;

	assert_int_equal(resv(h, v, &c, &hole, 1), 1);
	/* A, the hole, C: A goes, the hole stops the call, C stays. */
	uint64_t list[3] = { GFN_A, hole, GFN_A + 2 };
	assert_int_equal(resv(h, v, &c, list, 3), 1);
	assert_false(mapped(d, GFN_A));
	assert_true(mapped(d, GFN_A + 2));
	/* An order-1 extent over a hole: its first frame goes, the call stops (as Xen). */
	c.order = 1;
	uint64_t e = GFN_A + 2; /* A+2 present, A+3 present */
	uint64_t e2 = GFN_A + 3;  /* A+3 gone then, A+4 present */
	assert_int_equal(resv(h, v, &c, &e, 1), 1);
	assert_int_equal(resv(h, v, &c, &e2, 1), 0);
	assert_true(mapped(d, GFN_A + 4));
	/* Beyond RAM and beyond any frame: nothing. */
	uint64_t far[2] = { RAM_PAGES + 5, ~0ull };
	c.order = 0;
	assert_int_equal(resv(h, v, &c, &far[0], 1), 0);
	assert_int_equal(resv(h, v, &c, &far[1], 1), 0);
	assert_int_equal(d->tot_pages, RAM_PAGES - 4);
	harness__free(h);
}

static void test_orders(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "b", 0, 1, RAM_MIB);
	struct domain *p = harness__domain(h, "p", DOMAIN_PRIVILEGED, 1, RAM_MIB);
	struct hv_vcpu *v = &d->vcpus[0];
	struct call c = { .mode64 = true, .op = XENMEM_decrease_reservation, .domid = DOMID_SELF,
			  .order = 9 };
	uint64_t f = GFN_2M;
	unsigned calls = h->ram_changed_calls[d->id];

	/* 2 MiB: one extent, one run for the VMM. */
	assert_int_equal(resv(h, v, &c, &f, 1), 1);
	assert_int_equal(d->tot_pages, RAM_PAGES - 512);
	assert_int_equal(h->ram_changed_calls[d->id], calls + 1);
	for (uint64_t i = 0; i < 512; i++)
		assert_false(mapped(d, f + i));
	/* Order 10 is above a domU's limit (Xen's CONFIG_DOMU_MAX_ORDER 9): nothing. */
	c.order = 10;
	f = 0x800;
	assert_int_equal(resv(h, v, &c, &f, 1), 0);
	assert_true(mapped(d, f));
	c.op = XENMEM_populate_physmap;
	assert_int_equal(resv(h, v, &c, &f, 1), 0);
	c.op = XENMEM_increase_reservation;
	assert_int_equal(resv(h, v, &c, &f, 1), 0);
	/* The control domain may use up to order 18. */
	c.op = XENMEM_decrease_reservation;
	assert_int_equal(resv(h, &p->vcpus[0], &c, &f, 1), 1);
	assert_int_equal(p->tot_pages, RAM_PAGES - 1024);
	c.order = 19;
	assert_int_equal(resv(h, &p->vcpus[0], &c, &f, 1), 0);
	/* Populate the 2 MiB back in one extent. */
	c.op = XENMEM_populate_physmap;
	c.order = 9;
	f = GFN_2M;
	assert_int_equal(resv(h, v, &c, &f, 1), 1);
	assert_int_equal(d->tot_pages, RAM_PAGES);
	harness__free(h);
}

static void test_populate(void **state)
{
	(void)state;
	for (int m = 0; m < 2; m++) {
		struct harness *h = harness__new();
		struct domain *d = harness__domain(h, "b", 0, 1, RAM_MIB);
		struct hv_vcpu *v = &d->vcpus[0];
		unsigned regions = d->mem.nr_regions;
		struct call c = { .mode64 = m == 0, .op = XENMEM_decrease_reservation,
				  .domid = DOMID_SELF };
		uint64_t two[2] = { GFN_A, GFN_A + 1 };

		assert_int_equal(resv(h, v, &c, two, 2), 2);
		assert_int_equal(d->mem.nr_regions, regions + 1);
		c.op = XENMEM_populate_physmap;
		assert_int_equal(resv(h, v, &c, two, 1), 1);
		assert_true(mapped(d, GFN_A));
		assert_false(mapped(d, GFN_A + 1));
		/* Fresh and zeroed, reachable again through the core. */
		uint8_t page[PAGE_SIZE], zero[PAGE_SIZE] = { 0 };
		assert_int_equal(guestmem__read(&d->mem, gpa(GFN_A << PAGE_SHIFT), page, PAGE_SIZE), 0);
		assert_memory_equal(page, zero, PAGE_SIZE);
		assert_int_equal(h->populated_pages[d->id], 1);
		assert_int_equal(d->tot_pages, RAM_PAGES - 1);
		/*
		 * Over a populated frame: replaced by a zeroed one; the old page
		 * stays charged (Xen leaks it to the domain), so tot_pages grows.
		 */
		memset(harness__host(h, d, GFN_A << PAGE_SHIFT), 0x33, PAGE_SIZE);
		assert_int_equal(resv(h, v, &c, two, 1), 1);
		assert_int_equal(guestmem__read(&d->mem, gpa(GFN_A << PAGE_SHIFT), page, PAGE_SIZE), 0);
		assert_memory_equal(page, zero, PAGE_SIZE);
		assert_int_equal(d->tot_pages, RAM_PAGES);
		/* Now at max_pages: nothing more is populated. */
		assert_int_equal(resv(h, v, &c, &two[1], 1), 0);
		assert_false(mapped(d, GFN_A + 1));
		/* Room again after one more page goes: it comes back, and the holes are gone. */
		c.op = XENMEM_decrease_reservation;
		uint64_t other = GFN_A + 7;
		assert_int_equal(resv(h, v, &c, &other, 1), 1);
		c.op = XENMEM_populate_physmap;
		assert_int_equal(resv(h, v, &c, &two[1], 1), 1);
		assert_true(mapped(d, GFN_A + 1));
		c.op = XENMEM_decrease_reservation;
		assert_int_equal(resv(h, v, &c, &two[1], 1), 1);
		c.op = XENMEM_populate_physmap;
		uint64_t back[2] = { GFN_A + 1, GFN_A + 7 };
		assert_int_equal(resv(h, v, &c, back, 2), 1); /* room for one */
		assert_int_equal(d->mem.nr_regions, regions + 1);
		/* The toolstack raises max_pages: the last hole closes, one region again. */
		d->max_pages++;
		assert_int_equal(resv(h, v, &c, &back[1], 1), 1);
		assert_int_equal(d->mem.nr_regions, regions);
		/* A frame that never was RAM has no memory behind it here: nothing. */
		c.op = XENMEM_decrease_reservation;
		assert_int_equal(resv(h, v, &c, &other, 1), 1);
		c.op = XENMEM_populate_physmap;
		uint64_t out = RAM_PAGES + 3;
		assert_int_equal(resv(h, v, &c, &out, 1), 0);
		assert_false(mapped(d, out));
		/* Populate-on-demand is never for oneself. */
		c.flags = XENMEMF_populate_on_demand;
		assert_int_equal(resv(h, v, &c, &other, 1), 0);
		assert_false(mapped(d, other));
		harness__free(h);
	}
}

static void test_increase(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "b", 0, 1, RAM_MIB);
	struct hv_vcpu *v = &d->vcpus[0];
	struct call c = { .mode64 = true, .op = XENMEM_increase_reservation, .domid = DOMID_SELF };
	uint64_t f[4] = { GFN_A, GFN_A + 1, GFN_A + 2, GFN_A + 3 };

	/* At max_pages already: nothing. */
	assert_int_equal(resv(h, v, &c, f, 1), 0);
	c.op = XENMEM_decrease_reservation;
	assert_int_equal(resv(h, v, &c, f, 3), 3);
	/* Charged, not mapped (what Xen does for a translated guest); the list is not read. */
	c.op = XENMEM_increase_reservation;
	c.no_list = true;
	assert_int_equal(resv(h, v, &c, f, 4), 3);
	assert_int_equal(d->tot_pages, RAM_PAGES);
	assert_false(mapped(d, GFN_A));
	harness__free(h);
}

static void test_refusals(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "b", DOMAIN_FASTABI, 1, RAM_MIB);
	struct domain *o = harness__domain(h, "o", 0, 1, RAM_MIB);
	struct hv_vcpu *v = &d->vcpus[0];
	struct call c = { .mode64 = true, .op = XENMEM_decrease_reservation, .domid = DOMID_SELF };
	uint64_t f = GFN_A;

	/* Never an errno: every refusal answers the extents already done (cmd's start). */
	c.domid = o->id;
	assert_int_equal(resv(h, v, &c, &f, 1), 0); /* another domain: not privileged */
	c.domid = 77;
	assert_int_equal(resv(h, v, &c, &f, 1), 0); /* no such domain */
	c.domid = DOMID_SELF;
	c.flags = XENMEMF_address_bits(12);
	assert_int_equal(resv(h, v, &c, &f, 1), 0);
	c.flags = XENMEMF_exact_node(0);
	assert_int_equal(resv(h, v, &c, &f, 1), 0);
	c.flags = XENMEMF_node(0) | XENMEMF_address_bits(32); /* a hint is fine */
	assert_int_equal(resv(h, v, &c, &f, 1), 1);
	c.flags = 0;
	/* start >= nr_extents: start. */
	c.start = 3;
	assert_int_equal(resv(h, v, &c, &f, 1), 3);
	c.start = 0;
	assert_true(mapped(d, GFN_A + 1));
	/* An unreadable struct or extent list. */
	assert_int_equal(hleg64(v, MEM, XENMEM_decrease_reservation | (2 << MEMOP_EXTENT_SHIFT), 0),
			 2);
	uint64_t va;
	struct xen_memory_reservation *r = harness__alloc(h, d, sizeof(*r), &va);
	r->extent_start.p = (xen_pfn_t *)(uintptr_t)(RAM_PAGES << PAGE_SHIFT);
	r->nr_extents = 1;
	r->domid = DOMID_SELF;
	assert_int_equal(hleg64(v, MEM, XENMEM_decrease_reservation, va), 0);
	/* A count too large for cmd's continuation bits. */
	r->extent_start.p = (xen_pfn_t *)0;
	r->nr_extents = (UINT32_MAX >> MEMOP_EXTENT_SHIFT) + 1ull;
	assert_int_equal(hleg64(v, MEM, XENMEM_decrease_reservation, va), 0);
	/* Not FastABI operations. */
	assert_int_equal(hfast(v, MEM, XENMEM_decrease_reservation, va), -XEN_ENOSYS);
	assert_int_equal(d->tot_pages, RAM_PAGES - 1);
	harness__free(h);
}

static void test_continuation(void **state)
{
	(void)state;
	for (int m = 0; m < 2; m++) {
		struct harness *h = harness__new();
		struct domain *d = harness__domain(h, "b", 0, 1, 2 * RAM_MIB);
		struct hv_vcpu *v = &d->vcpus[0];
		struct call c = { .mode64 = m == 0, .op = XENMEM_decrease_reservation,
				  .domid = DOMID_SELF };
		uint64_t n = RESERVATION_STEP_PAGES + 100;
		const uint64_t ram_pages = 2 * RAM_PAGES;
		uint64_t *list = calloc(n, sizeof(*list));
		for (uint64_t i = 0; i < n; i++)
			list[i] = 0x400 + i; /* 4 MiB up */
		struct harness_result res;
		(void)resv_res(h, v, &c, list, n, &res);
		/* Stopped part-way: cmd now says how far, the trap is executed again. */
		assert_int_equal(res.result, HV_CALL_RESTART);
		uint64_t cmd = harness__reg(&res.regs, 1);
		if (!c.mode64)
			cmd = (uint32_t)res.regs.rbx;
		assert_int_equal(cmd, XENMEM_decrease_reservation |
					      ((uint64_t)RESERVATION_STEP_PAGES << MEMOP_EXTENT_SHIFT));
		assert_int_equal(d->tot_pages, ram_pages - RESERVATION_STEP_PAGES);
		/* Continue as the guest would, re-executing with the registers as left. */
		unsigned restarts = 0;
		uint64_t args[LEGACY_NR_ARGS] = { cmd, c.mode64 ? res.regs.rsi : res.regs.rcx };
		int64_t ret = harness__legacy_loop(v, c.mode64, MEM, args, &res, &restarts);
		assert_int_equal(ret, n);
		assert_int_equal(restarts, 0);
		assert_int_equal(d->tot_pages, ram_pages - n);
		/* The VMM heard of one contiguous run per call. */
		assert_int_equal(h->ram_changed_calls[d->id], 2);
		free(list);
		harness__free(h);
	}
}

/* A special page in the range leaves the physmap as with remove_from_physmap. */
static void test_decrease_special_page(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "b", 0, 1, RAM_MIB);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;
	struct xen_add_to_physmap *x = harness__alloc(h, d, sizeof(*x), &va);
	*x = (struct xen_add_to_physmap){ .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					  .gpfn = GFN_A };
	assert_int_equal(hleg64(v, MEM, XENMEM_add_to_physmap, va), 0);
	/* The RAM page under it was freed, as on Xen. */
	assert_int_equal(d->tot_pages, RAM_PAGES - 1);
	assert_true(d->shared_info_mapped);
	struct call c = { .mode64 = true, .op = XENMEM_decrease_reservation, .domid = DOMID_SELF };
	uint64_t f = GFN_A;
	assert_int_equal(resv(h, v, &c, &f, 1), 1);
	assert_false(d->shared_info_mapped);
	assert_false(mapped(d, GFN_A));
	assert_int_equal(d->tot_pages, RAM_PAGES - 1);
	/* Populated again: RAM there. */
	c.op = XENMEM_populate_physmap;
	assert_int_equal(resv(h, v, &c, &f, 1), 1);
	assert_int_equal(guestmem__lookup(&d->mem, gpa(GFN_A << PAGE_SHIFT))->kind, GUESTMEM_RAM);
	assert_int_equal(d->tot_pages, RAM_PAGES);
	harness__free(h);
}

/* A VMM that cannot back a frame stops populate there and leaves the frame unmapped. */
static void test_vmm_refuses(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "b", 0, 1, RAM_MIB);
	struct hv_vcpu *v = &d->vcpus[0];
	struct call c = { .mode64 = true, .op = XENMEM_decrease_reservation, .domid = DOMID_SELF };
	uint64_t f = GFN_A;
	assert_int_equal(resv(h, v, &c, &f, 1), 1);
	h->ram_changed_ret = -XEN_ENOMEM;
	c.op = XENMEM_populate_physmap;
	assert_int_equal(resv(h, v, &c, &f, 1), 0);
	assert_false(mapped(d, GFN_A));
	assert_int_equal(d->tot_pages, RAM_PAGES - 1);
	h->ram_changed_ret = 0;
	assert_int_equal(resv(h, v, &c, &f, 1), 1);
	harness__free(h);
}

/* get/set_pod_target: the control domain's; no PoD pool here, tot_pages follows the balloon. */
static void test_pod_target(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *p = harness__domain(h, "ctl", DOMAIN_PRIVILEGED, 1, RAM_MIB);
	struct domain *d = harness__domain(h, "b", 0, 1, RAM_MIB);
	struct hv_vcpu *v = &d->vcpus[0], *pv = &p->vcpus[0];
	struct call c = { .mode64 = true, .op = XENMEM_decrease_reservation, .domid = DOMID_SELF };
	uint64_t f = GFN_A, va;
	assert_int_equal(resv(h, v, &c, &f, 1), 1);

	for (int m = 0; m < 2; m++) {
		bool mode64 = m == 0;
		struct xen_pod_target *t = harness__alloc(h, d, sizeof(*t), &va);
		t->domid = DOMID_SELF;
		const uint64_t get[LEGACY_NR_ARGS] = { XENMEM_get_pod_target, va };
		assert_int_equal(harness__legacy(v, mode64, MEM, get, NULL), -XEN_EPERM);
		t->domid = 9;
		assert_int_equal(harness__legacy(v, mode64, MEM, get, NULL), -XEN_ESRCH);
		t = harness__alloc(h, p, sizeof(*t), &va);
		t->domid = d->id;
		t->pod_entries = 77;
		const uint64_t pget[LEGACY_NR_ARGS] = { XENMEM_get_pod_target, va };
		assert_int_equal(harness__legacy(pv, mode64, MEM, pget, NULL), 0);
		assert_int_equal(t->tot_pages, RAM_PAGES - 1);
		assert_int_equal(t->pod_entries, 0);
		assert_int_equal(t->pod_cache_pages, 0);
		const uint64_t pset[LEGACY_NR_ARGS] = { XENMEM_set_pod_target, va };
		t->target_pages = RAM_PAGES + 1;
		assert_int_equal(harness__legacy(pv, mode64, MEM, pset, NULL), -XEN_EINVAL);
		t->target_pages = RAM_PAGES / 2;
		assert_int_equal(harness__legacy(pv, mode64, MEM, pset, NULL), 0);
		assert_int_equal(t->tot_pages, RAM_PAGES - 1);
	}
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decrease_once_then_zero),
		cmocka_unit_test(test_decrease_stops_at_hole),
		cmocka_unit_test(test_orders),
		cmocka_unit_test(test_populate),
		cmocka_unit_test(test_increase),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_decrease_special_page),
		cmocka_unit_test(test_vmm_refuses),
		cmocka_unit_test(test_pod_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
