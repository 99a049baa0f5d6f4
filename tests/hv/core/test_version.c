/* xen_version through FastABI, 64-bit legacy and 32-bit legacy. */
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/features.h>
#include <xen/version.h>

#define VER __HYPERVISOR_xen_version

struct world {
	struct harness *h;
	struct domain *d;
	struct hv_vcpu *v;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	w->h = harness__new();
	w->d = harness__domain(w->h, "ver", DOMAIN_FASTABI, 1, 8);
	w->v = &w->d->vcpus[0];
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	harness__free(w->h);
	free(w);
	return 0;
}

static void test_version_all_abis(void **state)
{
	struct world *w = *state;
	int64_t want = (4 << 16) | 17;

	assert_int_equal(hfast(w->v, VER, XENVER_version), want);
	assert_int_equal(hleg64(w->v, VER, XENVER_version, 0), want);
	assert_int_equal(hleg32(w->v, VER, XENVER_version, 0), want);
	/* Legacy ignores the argument of version, even a bad one. */
	assert_int_equal(hleg64(w->v, VER, XENVER_version, 0xdead0000beefull), want);
}

/* get_features through one ABI: returns rax, sets *submap. */
static int64_t features(struct world *w, int abi, uint64_t idx, uint32_t *submap)
{
	struct harness_result res;
	uint64_t va;
	int64_t ret;

	if (abi == 0) {
		ret = hfast_res(&res, w->v, VER, XENVER_get_features, idx, 0x1234);
		*submap = (uint32_t)harness__reg(&res.regs, 3);
		return ret;
	}
	struct xen_feature_info *fi = harness__alloc(w->h, w->d, sizeof(*fi), &va);
	fi->submap_idx = (unsigned)idx;
	fi->submap = 0x1234;
	ret = abi == 1 ? hleg64(w->v, VER, XENVER_get_features, va)
		       : hleg32(w->v, VER, XENVER_get_features, va);
	assert_int_equal(fi->submap_idx, (unsigned)idx);
	*submap = fi->submap;
	return ret;
}

static void test_get_features_same_everywhere(void **state)
{
	struct world *w = *state;
	uint32_t s[3];

	for (int abi = 0; abi < 3; abi++)
		assert_int_equal(features(w, abi, 0, &s[abi]), 0);
	assert_int_equal(s[0], s[1]);
	assert_int_equal(s[0], s[2]);
	/* What is implemented, and nothing PV-only or unimplemented. */
	assert_true(s[0] & (1u << XENFEAT_auto_translated_physmap));
	assert_true(s[0] & (1u << XENFEAT_hvm_callback_vector));
	assert_false(s[0] & (1u << XENFEAT_dom0));
	assert_false(s[0] & (1u << XENFEAT_mmu_pt_update_preserve_ad));
	assert_false(s[0] & (1u << XENFEAT_hvm_pirqs));
	assert_false(s[0] & (1u << XENFEAT_memory_op_vnode_supported));

	/* Beyond the last submap: -EINVAL and no output, in every ABI. */
	for (int abi = 0; abi < 3; abi++) {
		uint32_t out;
		assert_int_equal(features(w, abi, XENFEAT_NR_SUBMAPS, &out), -XEN_EINVAL);
		assert_int_equal(out, 0x1234);
		assert_int_equal(features(w, abi, 0xffffffffu, &out), -XEN_EINVAL);
	}
}

static void test_get_features_refuses_wide_index(void **state)
{
	struct world *w = *state;
	struct harness_result res;

	/* submap_idx is 32 bits: a wider register is refused before the core runs. */
	assert_int_equal(hfast_res(&res, w->v, VER, XENVER_get_features, 1ull << 32, 7),
			 -XEN_EINVAL);
	assert_int_equal(res.bad_reg, 2);
	assert_non_null(res.why);
	assert_int_equal(harness__reg(&res.regs, 3), 7);
}

static void test_strings(void **state)
{
	struct world *w = *state;
	uint64_t va;

	char *s = harness__alloc(w->h, w->d, XEN_EXTRAVERSION_LEN + 1, &va);
	memset(s, 'x', XEN_EXTRAVERSION_LEN + 1);
	assert_int_equal(hleg64(w->v, VER, XENVER_extraversion, va), 0);
	assert_string_equal(s, ".0-fastabi");
	assert_int_equal(s[XEN_EXTRAVERSION_LEN], 'x'); /* not one byte more */

	char *c = harness__alloc(w->h, w->d, XEN_CAPABILITIES_INFO_LEN, &va);
	assert_int_equal(hleg32(w->v, VER, XENVER_capabilities, va), 0);
	assert_non_null(strstr(c, "hvm-3.0-x86_64"));

	char *cs = harness__alloc(w->h, w->d, XEN_CHANGESET_INFO_LEN, &va);
	assert_int_equal(hleg64(w->v, VER, XENVER_changeset, va), 0);
	assert_true(strlen(cs) > 0 && strlen(cs) < XEN_CHANGESET_INFO_LEN);

	struct xen_compile_info *ci = harness__alloc(w->h, w->d, sizeof(*ci), &va);
	assert_int_equal(hleg64(w->v, VER, XENVER_compile_info, va), 0);
	assert_true(strlen(ci->compiler) < sizeof(ci->compiler));
	assert_true(strlen(ci->compile_date) > 0);
}

static void test_platform_parameters_layouts(void **state)
{
	struct world *w = *state;
	uint64_t va;

	uint8_t *p = harness__alloc(w->h, w->d, 16, &va);
	memset(p, 0xaa, 16);
	assert_int_equal(hleg64(w->v, VER, XENVER_platform_parameters, va), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[8], 0xaa);

	/* The compat struct of a 32-bit guest is 4 bytes. */
	memset(p, 0xaa, 16);
	assert_int_equal(hleg32(w->v, VER, XENVER_platform_parameters, va), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[4], 0xaa);
}

static void test_pagesize_handle_unknown(void **state)
{
	struct world *w = *state;
	uint64_t va;

	assert_int_equal(hleg64(w->v, VER, XENVER_pagesize, 0), 4096);
	assert_int_equal(hleg32(w->v, VER, XENVER_pagesize, 0), 4096);

	for (int i = 0; i < 16; i++)
		w->d->handle[i] = (uint8_t)(0xc0 + i);
	uint8_t *hd = harness__alloc(w->h, w->d, 16, &va);
	assert_int_equal(hleg64(w->v, VER, XENVER_guest_handle, va), 0);
	assert_memory_equal(hd, w->d->handle, 16);

	/* pagesize takes no argument (Xen: -EINVAL for one). */
	assert_int_equal(hleg64(w->v, VER, XENVER_pagesize, va), -XEN_EINVAL);

	/*
	 * commandline and build_id are XSM_PRIV (Xen's dummy xsm_xen_version):
	 * a domU gets "<denied>" and success for the one, -EPERM for the other.
	 */
	char *line = harness__alloc(w->h, w->d, 1024, &va);
	memset(line, 0x55, 1024);
	assert_int_equal(hleg64(w->v, VER, XENVER_commandline, va), 0);
	assert_string_equal(line, "<denied>");
	assert_int_equal((uint8_t)line[9], 0x55); /* strlen + 1 bytes, no more */
	memset(line, 0x55, 1024);
	assert_int_equal(hleg32(w->v, VER, XENVER_commandline, va), 0);
	assert_string_equal(line, "<denied>");
	assert_int_equal(hleg64(w->v, VER, XENVER_commandline, 0x10), -XEN_EFAULT);
	assert_int_equal(hleg64(w->v, VER, XENVER_build_id, va), -XEN_EPERM);
	assert_int_equal(hleg32(w->v, VER, XENVER_build_id, 0), -XEN_EPERM);
	assert_int_equal(hfast(w->v, VER, XENVER_commandline, va), -XEN_ENOSYS);

	/* The control domain: an empty command line, and no build id in this build. */
	struct domain *d0 = harness__domain(w->h, "dom0", DOMAIN_PRIVILEGED, 1, 4);
	char *line0 = harness__alloc(w->h, d0, 1024, &va);
	memset(line0, 0x55, 1024);
	assert_int_equal(hleg64(&d0->vcpus[0], VER, XENVER_commandline, va), 0);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(line0[i], 0);
	uint32_t *bid = harness__alloc(w->h, d0, 64, &va);
	*bid = 0;
	assert_int_equal(hleg64(&d0->vcpus[0], VER, XENVER_build_id, va), -XEN_EINVAL);
	*bid = 32;
	assert_int_equal(hleg64(&d0->vcpus[0], VER, XENVER_build_id, va), -XEN_ENODATA);
	assert_int_equal(hleg64(w->v, VER, 1ull << 40), -XEN_ENOSYS);
	/* The string commands are legacy-only. */
	assert_int_equal(hfast(w->v, VER, XENVER_extraversion, va), -XEN_ENOSYS);
	assert_int_equal(hfast(w->v, VER, XENVER_pagesize), -XEN_ENOSYS);
}

static void test_hostile_pointers(void **state)
{
	struct world *w = *state;
	struct harness_result res;
	uint64_t va;

	/* NULL (page 0 is not mapped), non-canonical, beyond RAM. */
	assert_int_equal(hleg_res(&res, true, w->v, VER, XENVER_get_features, 0), -XEN_EFAULT);
	assert_non_null(res.why);
	assert_int_equal(hleg64(w->v, VER, XENVER_extraversion, 0x0000800000000000ull), -XEN_EFAULT);
	assert_int_equal(hleg64(w->v, VER, XENVER_extraversion, 1ull << 30), -XEN_EFAULT);
	assert_int_equal(hleg32(w->v, VER, XENVER_extraversion, 0xfffffff8u), -XEN_EFAULT);

	/* A string crossing into an unmapped page: -EFAULT and nothing written. */
	char *s = harness__alloc_cross(w->h, w->d, XEN_EXTRAVERSION_LEN, 8, &va);
	memset(s, 'x', XEN_EXTRAVERSION_LEN);
	uint64_t *pte = harness__pte(w->h, w->d, va + 8);
	uint64_t saved = *pte;
	*pte = 0;
	assert_int_equal(hleg64(w->v, VER, XENVER_extraversion, va), -XEN_EFAULT);
	for (int i = 0; i < 8; i++)
		assert_int_equal(s[i], 'x');
	/* Read-only: also refused. */
	*pte = saved & ~2ull;
	assert_int_equal(hleg64(w->v, VER, XENVER_extraversion, va), -XEN_EFAULT);
	*pte = saved;
	assert_int_equal(hleg64(w->v, VER, XENVER_extraversion, va), 0);
	assert_string_equal(s, ".0-fastabi");
}

static void test_confidential(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "conf", DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	struct harness_result res;
	uint64_t va;

	/* FastABI touches no guest memory. */
	assert_int_equal(hfast(v, VER, XENVER_version), (4 << 16) | 17);
	assert_int_equal(hfast_res(&res, v, VER, XENVER_get_features, 0), 0);
	assert_true(harness__reg(&res.regs, 3) != 0);
	assert_int_equal(guestmem__refused(&d->mem), 0);

	/* Legacy needs the page tables and the struct: refused, counted once per call. */
	struct xen_feature_info *fi = harness__alloc(h, d, sizeof(*fi), &va);
	fi->submap = 0x77;
	assert_int_equal(hleg64(v, VER, XENVER_get_features, va), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 1);
	assert_int_equal(hleg32(v, VER, XENVER_get_features, va), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 2);
	assert_int_equal(fi->submap, 0x77);
	/* A legacy call without pointers still works and is not counted. */
	assert_int_equal(hleg64(v, VER, XENVER_version), (4 << 16) | 17);
	assert_int_equal(guestmem__refused(&d->mem), 2);

	/* Once the guest shares its memory, legacy works too. */
	harness__share_all(h, d);
	assert_int_equal(hleg64(v, VER, XENVER_get_features, va), 0);
	assert_int_equal(fi->submap, (uint32_t)harness__reg(&res.regs, 3));
	assert_int_equal(guestmem__refused(&d->mem), 2);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version_all_abis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_features_same_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_features_refuses_wide_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_parameters_layouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagesize_handle_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_pointers, setup, teardown),
		cmocka_unit_test(test_confidential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
