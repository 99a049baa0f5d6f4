/*
 * physdev_op (hv/physdev_legacy.c): what Xen's hvm_physdev_op answers an
 * HVM/PVH domain without physical IRQs, from 64-bit and 32-bit code.
 */
#include "harness.h"

#include <xen/errno.h>
#include <xen/physdev.h>

#define PHYSDEV __HYPERVISOR_physdev_op

struct compat_map_pirq {
	domid_t domid;
	uint16_t pad;
	int32_t type, index, pirq, bus, devfn, entry_nr;
	uint64_t table_base;
} __attribute__((packed));

static int64_t map_pirq(struct harness *h, struct hv_vcpu *v, bool mode64, domid_t domid, int type,
			uint64_t table_base)
{
	uint64_t va;
	if (mode64) {
		struct physdev_map_pirq *m = harness__alloc(h, v->d, sizeof(*m), &va);
		*m = (struct physdev_map_pirq){ .domid = domid, .type = type, .index = 1, .pirq = -1,
						.table_base = table_base };
		return hleg64(v, PHYSDEV, PHYSDEVOP_map_pirq, va);
	}
	struct compat_map_pirq *m = harness__alloc(h, v->d, sizeof(*m), &va);
	*m = (struct compat_map_pirq){ .domid = domid, .type = type, .index = 1, .pirq = -1,
				       .table_base = table_base };
	return hleg32(v, PHYSDEV, PHYSDEVOP_map_pirq, va);
}

static void test_physdev_domu(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "u", DOMAIN_FASTABI, 1, 4);
	struct hv_vcpu *v = &d->vcpus[0];

	for (int m = 0; m < 2; m++) {
		bool mode64 = m == 0;
		/* map/unmap reach do_physdev_op: read, checked, looked up, then refused by XSM. */
		assert_int_equal(map_pirq(h, v, mode64, DOMID_SELF, MAP_PIRQ_TYPE_GSI, 0), -XEN_EPERM);
		assert_int_equal(map_pirq(h, v, mode64, DOMID_SELF, MAP_PIRQ_TYPE_MSI, 0), -XEN_EPERM);
		assert_int_equal(map_pirq(h, v, mode64, 9, MAP_PIRQ_TYPE_GSI, 0), -XEN_ESRCH);
		assert_int_equal(map_pirq(h, v, mode64, DOMID_SELF, MAP_PIRQ_TYPE_MULTI_MSI, 0x1000),
				 -XEN_EINVAL);
		uint64_t va;
		struct physdev_unmap_pirq *u = harness__alloc(h, d, sizeof(*u), &va);
		*u = (struct physdev_unmap_pirq){ .domid = DOMID_SELF, .pirq = 5 };
		const uint64_t args[LEGACY_NR_ARGS] = { PHYSDEVOP_unmap_pirq, va };
		assert_int_equal(harness__legacy(v, mode64, PHYSDEV, args, NULL), -XEN_EPERM);
		u->domid = 9;
		assert_int_equal(harness__legacy(v, mode64, PHYSDEV, args, NULL), -XEN_ESRCH);
		const uint64_t bad[LEGACY_NR_ARGS] = { PHYSDEVOP_map_pirq, 64ull << 20 }; /* not RAM */
		assert_int_equal(harness__legacy(v, mode64, PHYSDEV, bad, NULL), -XEN_EFAULT);
		/* No pirqs: eoi and friends do not exist for this domain; hardware-domain ops neither. */
		static const unsigned enosys[] = {
			PHYSDEVOP_eoi, PHYSDEVOP_irq_status_query, PHYSDEVOP_get_free_pirq,
			PHYSDEVOP_setup_gsi, PHYSDEVOP_pci_mmcfg_reserved, PHYSDEVOP_pci_device_add,
			PHYSDEVOP_pci_device_remove, PHYSDEVOP_dbgp_op, PHYSDEVOP_set_iopl,
			PHYSDEVOP_pirq_eoi_gmfn_v2, PHYSDEVOP_alloc_irq_vector, 999,
		};
		for (unsigned i = 0; i < sizeof(enosys) / sizeof(enosys[0]); i++) {
			const uint64_t a[LEGACY_NR_ARGS] = { enosys[i], va };
			assert_int_equal(harness__legacy(v, mode64, PHYSDEV, a, NULL), -XEN_ENOSYS);
		}
	}
	/* Legacy only. */
	assert_int_equal(hfast(v, PHYSDEV, PHYSDEVOP_eoi, 0), -XEN_ENOSYS);
	harness__free(h);
}

static void test_physdev_privileged(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "hw", DOMAIN_PRIVILEGED, 1, 4);
	struct hv_vcpu *v = &d->vcpus[0];
	/* XSM lets it through; there are no physical interrupts here. */
	assert_int_equal(map_pirq(h, v, true, DOMID_SELF, MAP_PIRQ_TYPE_GSI, 0), -XEN_ENOSYS);
	assert_int_equal(hleg64(v, PHYSDEV, PHYSDEVOP_setup_gsi, 0), -XEN_ENOSYS);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_physdev_domu),
		cmocka_unit_test(test_physdev_privileged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
