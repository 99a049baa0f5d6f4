/*
 * The control hypercalls a domU is refused (platform_op, sysctl, domctl,
 * dm_op, hypfs_op, paging_domctl_cont, xenpmu_op) and hvm altp2m: Xen 4.17's
 * errno for each check, in Xen's order, through 64- and 32-bit legacy.
 */
/* sysctl.h and domctl.h are for the toolstack: say so before any Xen header. */
#define __XEN_TOOLS__ 1
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/platform.h>
#include <xen/sysctl.h>
#include <xen/domctl.h>
#include <xen/hvm/hvm_op.h>

static void check_versioned(struct harness *h, struct domain *d, enum abi a, unsigned hc,
			    size_t size, uint32_t version, int64_t last)
{
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;
	/* The struct straddles into an unmapped page: -EFAULT. */
	uint8_t *p = harness__alloc_cross(h, d, size, 16, &va);
	memset(p, 0, size);
	memcpy(p + 4, &version, 4);
	memcpy(p + 8, &d->id, 2); /* domctl's domain: the caller */
	if (a == ABI_LEG64) { /* the harness pages 64-bit code only */
		uint64_t saved = *harness__pte(h, d, va + size - 1);
		*harness__pte(h, d, va + size - 1) = 0;
		assert_int_equal(hcall_leg(a, v, hc, va), -XEN_EFAULT);
		*harness__pte(h, d, va + size - 1) = saved;
	}
	assert_int_equal(hcall_leg(a, v, hc, a == ABI_LEG64 ? 0x10 : 0xfff00000), -XEN_EFAULT);
	/* Then the interface version. */
	uint32_t wrong = version + 1;
	memcpy(p + 4, &wrong, 4);
	assert_int_equal(hcall_leg(a, v, hc, va), -XEN_EACCES);
	memcpy(p + 4, &version, 4);
	assert_int_equal(hcall_leg(a, v, hc, va), last);
}

static void test_refused(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct harness *h = harness__new();
		struct domain *d = harness__domain(h, "u", DOMAIN_FASTABI, 1, 8);
		struct domain *d0 = harness__domain(h, "other", 0, 1, 4);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t va;

		check_versioned(h, d, a, __HYPERVISOR_platform_op, sizeof(struct xen_platform_op),
				XENPF_INTERFACE_VERSION, -XEN_EPERM);
		check_versioned(h, d, a, __HYPERVISOR_sysctl, sizeof(struct xen_sysctl),
				XEN_SYSCTL_INTERFACE_VERSION, -XEN_EPERM);
		check_versioned(h, d, a, __HYPERVISOR_domctl, sizeof(struct xen_domctl),
				XEN_DOMCTL_INTERFACE_VERSION, -XEN_EPERM);

		/* domctl: a domain that does not exist (DOMID_SELF is none) before XSM. */
		struct xen_domctl *dc = harness__alloc(h, d, sizeof(*dc), &va);
		*dc = (struct xen_domctl){ .cmd = XEN_DOMCTL_getdomaininfo,
					   .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
					   .domain = DOMID_SELF };
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_domctl, va), -XEN_ESRCH);
		dc->domain = d0->id;
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_domctl, va), -XEN_EPERM);
		dc->cmd = XEN_DOMCTL_createdomain; /* names no domain */
		dc->domain = 12;
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_domctl, va), -XEN_EPERM);
		/* paging_domctl_cont: no version check, the domain, XSM. */
		dc->interface_version = 0;
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_arch_1, va), -XEN_ESRCH);
		dc->domain = d->id;
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_arch_1, va), -XEN_EPERM);
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_arch_1, a == ABI_LEG64 ? 0x10 : 0xfff00000), -XEN_EFAULT);

		/* hypfs_op: XSM before anything; xenpmu_op: no vPMU with a local APIC. */
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_hypfs_op, 0, 0x10), -XEN_EPERM);
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_xenpmu_op, 0, 0x10), -XEN_EOPNOTSUPP);

		/* dm_op(domid, nr_bufs, bufs). */
		uint64_t bufs;
		(void)harness__alloc(h, d, 64, &bufs);
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_dm_op, d0->id, 3, bufs), -XEN_E2BIG);
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_dm_op, d0->id, 2, a == ABI_LEG64 ? 0x10 : 0xfff00000), -XEN_EFAULT);
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_dm_op, DOMID_SELF, 1, bufs), -XEN_ESRCH);
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_dm_op, 9, 1, bufs), -XEN_ESRCH);
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_dm_op, d->id, 1, bufs), -XEN_EPERM);
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_dm_op, d0->id, 2, bufs), -XEN_EPERM);

		/* hvm altp2m: off, refused before its struct is read. */
		assert_int_equal(hcall_leg(a, v, __HYPERVISOR_hvm_op, HVMOP_altp2m, 0x10),
				 -XEN_EOPNOTSUPP);
		harness__free(h);
	}
}

/* The control domain passes Xen's checks; nothing behind them is served here. */
static void test_privileged(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "dom0", DOMAIN_PRIVILEGED, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;
	struct xen_sysctl *s = harness__alloc(h, d, sizeof(*s), &va);
	s->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	assert_int_equal(hleg64(v, __HYPERVISOR_sysctl, va), -XEN_ENOSYS);
	assert_int_equal(hleg64(v, __HYPERVISOR_hypfs_op, 0, 0), -XEN_ENOSYS);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_privileged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
