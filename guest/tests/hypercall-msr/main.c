/*
 * The hypercall page through Xen's own MSR index, 0x40000000, written the
 * way guests in the wild write it: without reading CPUID base+2 (booted
 * with "no-hypercall-page", so the library leaves the MSR alone). Xen's
 * semantics (guest_wrmsr_xen / guest_rdmsr_xen, no viridian):
 *
 *   - a read returns 0;
 *   - a page index other than 0 (low 12 bits) raises #GP, nothing written;
 *   - a frame that is not the guest's RAM raises #GP;
 *   - a good write fills the page, and legacy hypercalls work through it;
 *   - the rest of Xen's synthetic range (0x40000001, the 0x40000200 that
 *     a viridian domain would use) raises #GP.
 *
 * Built 64-bit and 32-bit (paging off).
 */
#include "guest.h"

const char test_title[] = "hypercall-msr";

#define XEN_MSR 0x40000000u

static const char *fault(int v)
{
	return v < 0 ? "no fault" : exception_name((unsigned)v);
}

static bool page_empty(void)
{
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		if (ACCESS_ONCE(hypercall_page[i]))
			return false;
	return true;
}

static void expect_gp(const char *what, uint32_t msr, uint64_t v)
{
	int f = wrmsr_safe(msr, v);
	printf("wrmsr %#x <- %#llx (%s): %s\n", msr, (unsigned long long)v, what, fault(f));
	if (f != X86_EXC_GP)
		xtf_failure("%s: expected #GP, got %s", what, fault(f));
}

void test_main(void)
{
	uint64_t page = (uintptr_t)hypercall_page, v;

	if (xen_info.hypercall_page_ready || !page_empty()) {
		xtf_error("the library set up the hypercall page: boot with no-hypercall-page");
		return;
	}

	int f = rdmsr_safe(XEN_MSR, &v);
	printf("rdmsr %#x: %s, %#llx\n", XEN_MSR, fault(f), (unsigned long long)v);
	if (f >= 0 || v != 0)
		xtf_failure("rdmsr %#x: expected 0 without a fault", XEN_MSR);

	/* Refused writes leave the page as it was. */
	expect_gp("page index 1", XEN_MSR, page | 1);
	expect_gp("frame beyond RAM", XEN_MSR, 0x3f000000ull);
	expect_gp("frame at 2^51", XEN_MSR, 1ull << 51);
	CHECK(page_empty());

	/* The rest of Xen's range: no viridian here, so #GP. */
	expect_gp("Hyper-V's guest OS id MSR", 0x40000001u, page);
	expect_gp("the viridian domain's hypercall MSR", 0x40000200u, page);
	f = rdmsr_safe(0x40000200u, &v);
	printf("rdmsr 0x40000200: %s\n", fault(f));
	if (f != X86_EXC_GP)
		xtf_failure("rdmsr 0x40000200: expected #GP, got %s", fault(f));
	CHECK(page_empty());

	f = wrmsr_safe(XEN_MSR, page);
	printf("wrmsr %#x <- %#llx (the page): %s, first bytes %02x %02x %02x\n", XEN_MSR,
	       (unsigned long long)page, fault(f), hypercall_page[0], hypercall_page[1],
	       hypercall_page[2]);
	if (f >= 0 || page_empty()) {
		xtf_failure("the hypercall page was not written through MSR %#x", XEN_MSR);
		return;
	}
	xen_info.hypercall_page_ready = true;

	f = rdmsr_safe(XEN_MSR, &v);
	CHECK(f < 0 && v == 0);

	/* Legacy hypercalls through the page. */
	long ver = hypercall_xen_version(XENVER_version, NULL);
	uint32_t want = (uint32_t)xen_info.major << 16 | xen_info.minor;
	printf("xen_version through the page: %#lx (CPUID base+1 says %#x)\n", ver, want);
	CHECK_EQ(ver, want);
	static const char msg[] = "console_io through the hypercall page\n";
	CHECK_EQ(hypercall_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0);
	CHECK_EQ(hypercall_sched_op(SCHEDOP_yield, NULL), 0);

	/* Writing it again (Xen rewrites the page) keeps it working. */
	CHECK_EQ(wrmsr_safe(XEN_MSR, page), -1);
	CHECK_EQ(hypercall_xen_version(XENVER_version, NULL), want);

	if (xtf_result() < 0)
		xtf_success("hypercall page through MSR %#x", XEN_MSR);
}
