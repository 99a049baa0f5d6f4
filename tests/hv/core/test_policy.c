/* The per-domain policy: the table itself, then as both ABIs meet it. */
#include "harness.h"

#include <xen/errno.h>
#include <xen/version.h>

static void test_table(void **state)
{
	(void)state;
	struct hv_policy p;

	policy__init(&p, false);
	assert_true(policy__allows(&p, HV_ABI_LEGACY, 17, 0));
	assert_true(policy__allows(&p, HV_ABI_LEGACY, 63, 1ull << 40));
	assert_false(policy__allows(&p, HV_ABI_FAST, 17, 0));
	assert_false(policy__allows(&p, HV_ABI_LEGACY, POLICY_NR_HYPERCALLS, 0));
	assert_false(policy__allows(&p, (enum hv_abi)2, 17, 0));
	assert_false(policy__allows(NULL, HV_ABI_LEGACY, 17, 0));

	policy__init(&p, true);
	assert_true(policy__allows(&p, HV_ABI_FAST, 32, 13));
	/* One sub-op. */
	policy__set(&p, HV_ABI_FAST, 32, 4, false);
	assert_false(policy__allows(&p, HV_ABI_FAST, 32, 4));
	assert_true(policy__allows(&p, HV_ABI_FAST, 32, 3));
	assert_true(policy__allows(&p, HV_ABI_FAST, 32, 68));
	assert_true(policy__allows(&p, HV_ABI_LEGACY, 32, 4));
	policy__set(&p, HV_ABI_FAST, 32, 4, true);
	assert_true(policy__allows(&p, HV_ABI_FAST, 32, 4));
	/* A sub-op in the second word, and the shared bit of everything above. */
	policy__set(&p, HV_ABI_LEGACY, 12, 65, false);
	assert_false(policy__allows(&p, HV_ABI_LEGACY, 12, 65));
	assert_true(policy__allows(&p, HV_ABI_LEGACY, 12, 64));
	policy__set(&p, HV_ABI_LEGACY, 12, POLICY_NR_SUBOPS + 5, false);
	assert_false(policy__allows(&p, HV_ABI_LEGACY, 12, POLICY_NR_SUBOPS));
	assert_false(policy__allows(&p, HV_ABI_LEGACY, 12, UINT64_MAX));
	assert_true(policy__allows(&p, HV_ABI_LEGACY, 12, POLICY_NR_SUBOPS - 1));
	/* Whole hypercalls. */
	policy__set(&p, HV_ABI_LEGACY, 20, POLICY_ALL_SUBOPS, false);
	for (uint64_t s = 0; s < 200; s++)
		assert_false(policy__allows(&p, HV_ABI_LEGACY, 20, s));
	policy__set(&p, HV_ABI_LEGACY, 20, POLICY_ALL_SUBOPS, true);
	assert_true(policy__allows(&p, HV_ABI_LEGACY, 20, 199));
	/* Ignored: bad ABI, hypercall out of range, negative sub-op. */
	struct hv_policy q = p;
	policy__set(&p, (enum hv_abi)5, 20, 1, false);
	policy__set(&p, HV_ABI_LEGACY, POLICY_NR_HYPERCALLS, 1, false);
	policy__set(&p, HV_ABI_LEGACY, 20, -7, false);
	assert_memory_equal(&p, &q, sizeof(p));
}

static void test_both_abis_meet_it(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "p", DOMAIN_FASTABI, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	struct harness_result res;
	uint64_t va;
	struct xen_feature_info *fi = harness__alloc(h, d, sizeof(*fi), &va);

	/* FastABI get_features refused: -EPERM, no output; legacy unaffected. */
	policy__set(d->policy, HV_ABI_FAST, __HYPERVISOR_xen_version, XENVER_get_features, false);
	assert_int_equal(hfast_res(&res, v, __HYPERVISOR_xen_version, XENVER_get_features, 0, 9),
			 -XEN_EPERM);
	assert_int_equal(harness__reg(&res.regs, 3), 9);
	assert_non_null(res.why);
	assert_int_equal(hfast(v, __HYPERVISOR_xen_version, XENVER_version), (4 << 16) | 17);
	assert_int_equal(hleg64(v, __HYPERVISOR_xen_version, XENVER_get_features, va), 0);

	/* Unknown stays -ENOSYS even where the policy refuses everything. */
	policy__set(d->policy, HV_ABI_FAST, __HYPERVISOR_xen_version, POLICY_ALL_SUBOPS, false);
	assert_int_equal(hfast(v, __HYPERVISOR_xen_version, 99), -XEN_ENOSYS);
	assert_int_equal(hfast(v, __HYPERVISOR_xen_version, XENVER_version), -XEN_EPERM);

	/* Legacy: per sub-op, in both modes. */
	policy__set(d->policy, HV_ABI_LEGACY, __HYPERVISOR_xen_version, XENVER_get_features, false);
	fi->submap = 0x55;
	assert_int_equal(hleg64(v, __HYPERVISOR_xen_version, XENVER_get_features, va), -XEN_EPERM);
	assert_int_equal(hleg32(v, __HYPERVISOR_xen_version, XENVER_get_features, va), -XEN_EPERM);
	assert_int_equal(fi->submap, 0x55);
	assert_int_equal(hleg64(v, __HYPERVISOR_xen_version, XENVER_pagesize), 4096);
	/* memory_op: the policy sees the command without Xen's continuation bits. */
	policy__set(d->policy, HV_ABI_LEGACY, __HYPERVISOR_memory_op, XENMEM_memory_map, false);
	assert_int_equal(hleg64(v, __HYPERVISOR_memory_op, XENMEM_memory_map, 0), -XEN_EPERM);
	assert_int_equal(hleg64(v, __HYPERVISOR_memory_op, XENMEM_memory_map | (3u << 6), 0),
			 -XEN_EPERM);
	assert_int_equal(hleg64(v, __HYPERVISOR_memory_op, XENMEM_maximum_gpfn, 0), -XEN_EFAULT);
	/* A whole hypercall; unknown hypercalls stay -ENOSYS. */
	policy__set(d->policy, HV_ABI_LEGACY, __HYPERVISOR_console_io, POLICY_ALL_SUBOPS, false);
	assert_int_equal(hleg64(v, __HYPERVISOR_console_io, CONSOLEIO_write, 0, 0), -XEN_EPERM);
	assert_int_equal(hleg64(v, __HYPERVISOR_mmu_update), -XEN_ENOSYS);

	/* A domain without FastABI: the FastABI bit is just an unknown number. */
	struct domain *e = harness__domain(h, "nofast", 0, 1, 8);
	policy__set(e->policy, HV_ABI_FAST, __HYPERVISOR_xen_version, POLICY_ALL_SUBOPS, true);
	assert_int_equal(hfast(&e->vcpus[0], __HYPERVISOR_xen_version, XENVER_version), -XEN_ENOSYS);
	assert_int_equal(hleg64(&e->vcpus[0], __HYPERVISOR_xen_version, XENVER_version), (4 << 16) | 17);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_both_abis_meet_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
