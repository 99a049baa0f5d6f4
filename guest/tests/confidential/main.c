/*
 * A confidential domain (`fastabi run --confidential`): the hypervisor may
 * touch only the pages the guest shared (FastABI memory share). FastABI
 * calls carry everything in registers and work; a legacy call whose struct
 * lies in a private page is refused (-EACCES), and stays refused until both
 * the struct's page and the page tables that map it (which the hypervisor
 * walks to translate the pointer) are shared. Legacy calls go through the
 * doorbell without the FastABI bit: a confidential guest has no hypercall
 * page. SKIP when the domain is not confidential (a legacy pointer into
 * private memory then simply works) or FastABI is absent.
 */
#include "guest.h"

const char test_title[] = "confidential";

static uint8_t private_page[PAGE_SIZE] __page_noinit;

/*
 * A legacy call issued by the guest itself: a confidential guest runs no
 * code the hypervisor wrote, so it has no hypercall page (the VMM refuses
 * the MSR write), but the doorbell without the FastABI bit is a legacy call.
 */
static long legacy_features(void)
{
	struct xen_feature_info *f = (void *)private_page;
	f->submap_idx = 0;
	f->submap = 0xdeadbeef;
	return hypercall_doorbell(__HYPERVISOR_xen_version, XENVER_get_features, (uintptr_t)f, 0, 0,
				  0);
}

extern const uint8_t pml4[], pdpt[], pd[];

static int64_t share(bool on, uint64_t gfn, uint32_t n)
{
	struct fastabi_memory_share sh = { .first_gfn = gfn, .nr_frames = n };

	return on ? xen_hypercall_memory_share(&sh)
		  : xen_hypercall_memory_unshare(&sh);
}

void test_main(void)
{
	if (!fastabi_usable()) {
		xtf_skip("FastABI not offered");
		return;
	}

	/* Register-only calls work whatever is shared. */
	int64_t v = xen_hypercall_version_version();
	struct xen_feature_info ff = { .submap_idx = 0 };
	int64_t frc = xen_hypercall_version_get_features(&ff);
	printf("FastABI version %#llx, get_features %lld submap %#x\n", (long long)v,
	       (long long)frc, ff.submap);
	CHECK(v > 0);
	CHECK_EQ(frc, 0);

	if (!(xen_info.traps & FASTABI_CPUID_TRAP_DOORBELL)) {
		xtf_skip("no doorbell: this program issues its legacy calls through it");
		return;
	}
	printf("hypercall page: %s\n", xen_info.hypercall_page_ready ? "set up" : "refused");
	long lrc = legacy_features();
	printf("legacy get_features, struct in a private page: %ld\n", lrc);
	if (lrc == 0) {
		xtf_skip("legacy pointers into private memory work: not a confidential domain "
			 "(run with --confidential)");
		return;
	}
	CHECK_EQ(lrc, -XEN_EACCES);

	/* Sharing the struct's page is not enough: the walk reads the page tables. */
	CHECK_EQ(share(true, (uintptr_t)private_page >> 12, 1), 0);
	lrc = legacy_features();
	printf("struct shared, page tables private: %ld\n", lrc);
	CHECK_EQ(lrc, -XEN_EACCES);

	/* The three tables that map the struct (boot/head64.S): now it works. */
	uint64_t tables[] = { (uintptr_t)pml4 >> 12, (uintptr_t)pdpt >> 12, (uintptr_t)pd >> 12 };
	for (unsigned i = 0; i < ARRAY_SIZE(tables); i++)
		CHECK_EQ(share(true, tables[i], 1), 0);
	lrc = legacy_features();
	printf("struct and page tables shared: %ld, submap %#x\n", lrc,
	       ((struct xen_feature_info *)private_page)->submap);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(((struct xen_feature_info *)private_page)->submap, ff.submap);

	/* Taken back: refused again. */
	CHECK_EQ(share(false, (uintptr_t)private_page >> 12, 1), 0);
	lrc = legacy_features();
	printf("struct unshared again: %ld\n", lrc);
	CHECK_EQ(lrc, -XEN_EACCES);
	for (unsigned i = 0; i < ARRAY_SIZE(tables); i++)
		CHECK_EQ(share(false, tables[i], 1), 0);

	if (xtf_result() < 0)
		xtf_success(NULL);
}
