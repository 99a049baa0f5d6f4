/*
 * The program's life: guest_start (called by the entry code) sets up the
 * library, runs test_main and reports the verdict.
 */
#include "guest.h"

static int result = -1;
static const char *const result_names[] = FASTABI_RESULT_NAMES;

static void record(int r, const char *tag, const char *fmt, va_list ap)
{
	if (fmt) {
		printf("%s: ", tag);
		vprintf(fmt, ap);
		printf("\n");
	}
	if (r > result)
		result = r;
}

#define XTF_REPORT(fn, code, tag)                    \
	void fn(const char *fmt, ...)                \
	{                                            \
		va_list ap;                          \
		va_start(ap, fmt);                   \
		record(code, tag, fmt, ap);          \
		va_end(ap);                          \
	}

XTF_REPORT(xtf_success, FASTABI_RESULT_SUCCESS, "Success")
XTF_REPORT(xtf_skip, FASTABI_RESULT_SKIP, "Skip")
XTF_REPORT(xtf_error, FASTABI_RESULT_ERROR, "Error")
XTF_REPORT(xtf_failure, FASTABI_RESULT_FAILURE, "Failure")

int xtf_result(void)
{
	return result;
}

void test_exit(void)
{
	static bool exiting;

	if (result < 0) {
		printf("Error: test_main returned without a result\n");
		result = FASTABI_RESULT_ERROR;
	}
	if (!exiting) { /* not again from an exception in here */
		exiting = true;
		printf("Test result: %s\n", result_names[result]);
	}
	outl((uint32_t)result, FASTABI_RESULT_PORT);

	/* A VMM that does not know the port: shut down instead, then stop. */
	if (xen_info.hypercall_page_ready) {
		struct sched_shutdown s = {
			.reason = result == FASTABI_RESULT_SUCCESS ? SHUTDOWN_poweroff : SHUTDOWN_crash,
		};
		hypercall_sched_op(SCHEDOP_shutdown, &s);
	}
	for (;;) {
		cli();
		hlt();
	}
}

static uint64_t khz;

uint64_t tsc_khz(void)
{
	return khz;
}

uint64_t tsc_to_us(uint64_t cycles)
{
	uint32_t rem, rem2;

	if (!khz || khz > UINT32_MAX)
		return 0;
	/* cycles * 1000 / khz without overflow. */
	uint64_t q = div_u64_rem(cycles, (uint32_t)khz, &rem);
	return q * 1000 + div_u64_rem((uint64_t)rem * 1000, (uint32_t)khz, &rem2);
}

/* The TSC frequency: Xen's leaf base+3 (guest, then host kHz), else CPUID 0x16. */
static void tsc_init(void)
{
	if (xen_info.present && xen_info.max_leaf >= xen_info.base + 3) {
		struct cpuid_regs r = cpuid_count(xen_info.base + 3, 0);
		khz = r.ecx; /* guest TSC kHz */
		if (!khz)
			khz = cpuid_count(xen_info.base + 3, 2).eax; /* host TSC kHz */
	}
	if (!khz && cpuid(0).eax >= 0x16) {
		struct cpuid_regs r = cpuid(0x16);
		khz = (uint64_t)(r.eax & 0xffff) * 1000;
	}
}

__attribute__((weak)) void test_pre_start_info(void)
{
}

__attribute__((weak)) unsigned test_setup(void)
{
	return GUEST_SETUP_ALL;
}

void guest_start(const struct hvm_start_info *si);
void guest_start(const struct hvm_start_info *si)
{
	unsigned setup = test_setup();

	if (setup & GUEST_SETUP_IDT)
		traps_init();
	test_pre_start_info();
	start_info_init(si);
	xen_detect();
	tsc_init();
	if ((setup & GUEST_SETUP_HYPERCALL_PAGE) && xen_info.present &&
	    !cmdline_option(start_info_cmdline(), "no-hypercall-page"))
		hypercall_init();
	if ((setup & GUEST_SETUP_CONSOLE_IO) && xen_info.hypercall_page_ready &&
	    !cmdline_option(start_info_cmdline(), "console=e9"))
		console_try_hypercall();

	printf("--- fastabi guest %s (%s) ---\n", test_title,
#ifdef __x86_64__
	       "64-bit long mode"
#else
	       "32-bit protected mode, paging off"
#endif
	);
	test_main();
	test_exit();
}

bool xtf_both_abis_ready(void)
{
	if (!xen_info.hypercall_page_ready) {
		xtf_error("no hypercall page");
		return false;
	}
#ifdef __x86_64__
	if (fastabi_usable())
		return true;
	xtf_skip("FastABI not offered: nothing to compare");
#else
	xtf_skip("FastABI is for 64-bit guests only: nothing to compare");
#endif
	return false;
}
