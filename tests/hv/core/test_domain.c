/* The world and its domains: creation, lookup, layout, shutdown. */
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/arch-x86/hvm/start_info.h>

static void test_create_and_lookup(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *a = harness__domain(h, "alpha", 0, 2, 4);
	struct domain *b = harness__domain(h, NULL, DOMAIN_FASTABI, 1, 4);

	assert_int_equal(a->id, 0);
	assert_int_equal(b->id, 1);
	assert_string_equal(a->name, "alpha");
	assert_string_equal(b->name, "dom1");
	assert_ptr_equal(domain__lookup(a, DOMID_SELF), a);
	assert_ptr_equal(domain__lookup(a, 1), b);
	assert_ptr_equal(domain__lookup(b, 0), a);
	assert_null(domain__lookup(a, 2));
	assert_null(domain__lookup(a, HV_MAX_DOMAINS));
	assert_null(domain__lookup(a, DOMID_IO));
	assert_non_null(a->shared_info);
	assert_int_equal((uintptr_t)a->shared_info % PAGE_SIZE, 0);
	assert_non_null(a->policy);
	assert_int_equal(a->max_pages, 4u << (20 - PAGE_SHIFT));

	/* vCPU 0 boots running, the others offline. */
	assert_true(a->vcpus[0].online);
	assert_int_equal(a->vcpus[0].runstate.state, RUNSTATE_running);
	assert_false(a->vcpus[1].online);
	assert_int_equal(a->vcpus[1].runstate.state, RUNSTATE_offline);
	assert_ptr_equal(a->vcpus[1].d, a);
	assert_int_equal(a->vcpus[1].id, 1);

	/* A freed id is reused. */
	domain__destroy(a);
	assert_null(domain__lookup(b, 0));
	struct domain *c = harness__domain(h, "gamma", 0, 1, 4);
	assert_int_equal(c->id, 0);
	harness__free(h);
}

static void test_create_refuses_bad_configs(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = NULL;
	struct domain_config cfg = { .name = "x", .nr_vcpus = 0 };

	assert_int_equal(domain__create(&h->hv, &cfg, &d), -XEN_EINVAL);
	cfg.nr_vcpus = HV_MAX_VCPUS + 1;
	assert_int_equal(domain__create(&h->hv, &cfg, &d), -XEN_EINVAL);
	cfg.nr_vcpus = 1;
	cfg.flags = 1u << 31;
	assert_int_equal(domain__create(&h->hv, &cfg, &d), -XEN_EINVAL);
	cfg.flags = 0;
	cfg.name = "a-name-that-is-far-too-long-for-a-domain";
	assert_int_equal(domain__create(&h->hv, &cfg, &d), -XEN_EINVAL);
	assert_int_equal(domain__create(&h->hv, NULL, &d), -XEN_EINVAL);
	assert_null(d);

	cfg.name = NULL;
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
		assert_int_equal(domain__create(&h->hv, &cfg, &d), 0);
	assert_int_equal(domain__create(&h->hv, &cfg, &d), -XEN_ENOSPC);
	harness__free(h);
}

static void test_fixed_layout(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "fixed", DOMAIN_FASTABI | DOMAIN_FIXED_LAYOUT, 1, 8);

	assert_true(d->shared_info_mapped);
	assert_int_equal(gfn_val(d->shared_info_gfn), (4ull << 30) >> PAGE_SHIFT);
	assert_int_equal(d->memmap[0].addr, 0);
	assert_int_equal(d->memmap[0].size, 8u << 20);
	assert_int_equal(d->memmap[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
	assert_int_equal(d->memmap[1].addr, 4ull << 30);
	assert_int_equal(d->memmap[1].size, PAGE_SIZE);
	assert_int_equal(d->memmap[1].type, XEN_HVM_MEMMAP_TYPE_SHARED_INFO);

	/* Special entries follow each other, the foreign window comes last. */
	unsigned last = d->nr_memmap - 1;
	assert_int_equal(d->memmap[last].type, XEN_HVM_MEMMAP_TYPE_FOREIGN_REG);
	assert_int_equal(d->memmap[last].size, 512ull << 20);
	assert_int_equal(d->memmap[last].addr % (2u << 20), 0);
	for (unsigned i = 2; i < last; i++) {
		assert_int_equal(d->memmap[i].addr, d->memmap[i - 1].addr + d->memmap[i - 1].size);
		assert_true(d->memmap[i].type == XEN_HVM_MEMMAP_TYPE_GRANT_TABLE ||
			    d->memmap[i].type == XEN_HVM_MEMMAP_TYPE_GNTTAB_STATUS);
	}

	/* shared_info is guest memory now, backed by the core's page. */
	const struct guestmem_region *r = guestmem__lookup(&d->mem, gpa(4ull << 30));
	assert_non_null(r);
	assert_int_equal(r->kind, GUESTMEM_SHARED_INFO);
	assert_ptr_equal(r->host, d->shared_info);

	/* Laying out twice is refused. */
	assert_int_equal(domain__finish_layout(d), -XEN_EEXIST);

	/* Without the flag: RAM only. */
	struct domain *e = harness__domain(h, "plain", 0, 1, 8);
	assert_int_equal(e->nr_memmap, 1);
	assert_false(e->shared_info_mapped);
	harness__free(h);
}

static void test_fixed_layout_above_ram(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain_config cfg = { .name = "big", .nr_vcpus = 1, .flags = DOMAIN_FIXED_LAYOUT };
	struct domain *d = NULL;
	static uint8_t page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

	assert_int_equal(domain__create(&h->hv, &cfg, &d), 0);
	/* Two RAM pieces (the second ends above 5 GiB), merged where adjacent. */
	assert_int_equal(guestmem__add(&d->mem, GUESTMEM_RAM, gpa(0), PAGE_SIZE, page), 0);
	assert_int_equal(guestmem__add(&d->mem, GUESTMEM_RAM, gpa((5ull << 30) + PAGE_SIZE),
				       PAGE_SIZE, page), 0);
	assert_int_equal(domain__finish_layout(d), 0);
	assert_int_equal(d->nr_memmap >= 4, true);
	assert_int_equal(d->memmap[2].addr, 6ull << 30);
	assert_int_equal(d->memmap[2].type, XEN_HVM_MEMMAP_TYPE_SHARED_INFO);
	assert_int_equal(d->max_pages, 2);
	harness__free(h);
}

/* Reserved RAM (the VMM's console and xenstore ring pages): guest memory,
 * marked reserved in the memory map, kept in address order. */
static void test_reserved_ram(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "rings", 0, 1, 8);
	static uint8_t pages[2][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	uint64_t max = d->max_pages;

	assert_int_equal(d->nr_memmap, 1);
	assert_int_equal(domain__add_reserved_ram(d, gpa(0xfefff000), PAGE_SIZE, pages[1]), 0);
	assert_int_equal(domain__add_reserved_ram(d, gpa(0xfeffe000), PAGE_SIZE, pages[0]), 0);
	assert_int_equal(d->nr_memmap, 3);
	assert_int_equal(d->memmap[1].addr, 0xfeffe000);
	assert_int_equal(d->memmap[1].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
	assert_int_equal(d->memmap[2].addr, 0xfefff000);
	assert_int_equal(d->memmap[2].size, PAGE_SIZE);
	assert_int_equal(d->max_pages, max + 2);

	/* The core reaches them like RAM. */
	uint32_t v = 0x5a5a5a5a;
	assert_int_equal(guestmem__write(&d->mem, gpa(0xfefff010), &v, sizeof(v)), 0);
	assert_int_equal(*(uint32_t *)(void *)&pages[1][0x10], v);

	/* Overlap with RAM or another reserved page is refused, the map unchanged. */
	assert_int_equal(domain__add_reserved_ram(d, gpa(0x1000), PAGE_SIZE, pages[0]), -XEN_EEXIST);
	assert_int_equal(domain__add_reserved_ram(d, gpa(0xfefff000), PAGE_SIZE, pages[0]),
			 -XEN_EEXIST);
	assert_int_equal(d->nr_memmap, 3);
	harness__free(h);
}

static void test_shutdown_first_reason_sticks(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "s", 0, 1, 4);

	domain__shutdown(d, SHUTDOWN_crash);
	domain__shutdown(d, SHUTDOWN_poweroff);
	assert_true(d->shutdown);
	assert_int_equal(d->shutdown_reason, SHUTDOWN_crash);
	assert_int_equal(h->nr_shutdowns, 1);
	assert_ptr_equal(h->last_shutdown, d);
	harness__free(h);
}

static void test_clock(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	harness__set_time(h, 42);
	assert_int_equal(hv__now(&h->hv), 42);
	harness__advance(h, 8);
	assert_int_equal(hv__now(&h->hv), 50);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_lookup),
		cmocka_unit_test(test_create_refuses_bad_configs),
		cmocka_unit_test(test_fixed_layout),
		cmocka_unit_test(test_fixed_layout_above_ram),
		cmocka_unit_test(test_reserved_ram),
		cmocka_unit_test(test_shutdown_first_reason_sticks),
		cmocka_unit_test(test_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
