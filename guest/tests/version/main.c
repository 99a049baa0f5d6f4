/*
 * xen_version through both ABIs: the legacy hypercall page and FastABI
 * must agree with each other and with CPUID base+1. FastABI parts are
 * skipped when the HVM leaf does not offer it.
 */
#include "guest.h"

const char test_title[] = "version";

void test_main(void)
{
	if (!xen_info.hypercall_page_ready) {
		xtf_error("no hypercall page");
		return;
	}
	uint32_t cpuid_version = (uint32_t)xen_info.major << 16 | xen_info.minor;

	/* Legacy. */
	long ver = hypercall_xen_version(XENVER_version, NULL);
	printf("legacy XENVER_version: %ld (%lu.%lu)\n", ver, (unsigned long)ver >> 16,
	       (unsigned long)ver & 0xffff);
	CHECK_EQ(ver, cpuid_version);

	xen_extraversion_t extra;
	memset(extra, 0, sizeof(extra));
	long rc = hypercall_xen_version(XENVER_extraversion, extra);
	extra[sizeof(extra) - 1] = '\0';
	printf("legacy XENVER_extraversion: %ld \"%s\"\n", rc, extra);
	CHECK_EQ(rc, 0);

	struct xen_feature_info feat0 = { .submap_idx = 0 };
	rc = hypercall_xen_version(XENVER_get_features, &feat0);
	printf("legacy XENVER_get_features(0): %ld submap %#x\n", rc, feat0.submap);
	CHECK_EQ(rc, 0);

	rc = hypercall_xen_version(0x7ff, NULL);
	printf("legacy xen_version(0x7ff): %ld\n", rc);
	CHECK_EQ(rc, -XEN_ENOSYS);

	/* FastABI. */
	if (!fastabi_usable()) {
		xtf_skip("FastABI not offered: legacy parts only");
		return;
	}
	enum fastabi_trap t = fastabi_trap();
	int64_t fver = xen_hypercall_version_version();
	printf("FastABI version: %lld\n", (long long)fver);
	CHECK_EQ(fver, ver);

	struct xen_feature_info ffeat = { .submap_idx = 0, .submap = 0xdeadbeef };
	int64_t frc = xen_hypercall_version_get_features(&ffeat);
	printf("FastABI get_features(0): %lld submap %#x\n", (long long)frc, ffeat.submap);
	CHECK_EQ(frc, 0);
	CHECK_EQ(ffeat.submap, feat0.submap);

	/* Past the last submap: an error, and the output left alone. */
	struct xen_feature_info fbad = { .submap_idx = 1000, .submap = 0xdeadbeef };
	struct xen_feature_info lbad = { .submap_idx = 1000, .submap = 0xdeadbeef };
	frc = xen_hypercall_version_get_features(&fbad);
	rc = hypercall_xen_version(XENVER_get_features, &lbad);
	printf("get_features(1000): FastABI %lld, legacy %ld\n", (long long)frc, rc);
	CHECK_EQ(frc, rc);
	CHECK_EQ(fbad.submap, 0xdeadbeef);

	/* An unknown sub-op and an unknown hypercall number with the FastABI bit. */
	struct fastabi_regs r = { 0 };
	r.r[REG_RAX] = __HYPERVISOR_xen_version | __HYPERVISOR_FASTABI_MASK;
	r.r[REG_RDI] = 0x3f;
	fastabi_raw_call(&r, t);
	printf("FastABI xen_version sub-op 0x3f: %lld\n", (long long)r.r[REG_RAX]);
	CHECK_EQ(r.r[REG_RAX], -XEN_ENOSYS);

	memset(&r, 0, sizeof(r));
	r.r[REG_RAX] = __HYPERVISOR_console_io | __HYPERVISOR_FASTABI_MASK;
	fastabi_raw_call(&r, t);
	printf("FastABI console_io (not a FastABI family): %lld\n", (long long)r.r[REG_RAX]);
	CHECK_EQ(r.r[REG_RAX], -XEN_ENOSYS);

	if (xtf_result() < 0)
		xtf_success(NULL);
}
