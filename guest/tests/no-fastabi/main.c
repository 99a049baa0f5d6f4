/*
 * A domain without FastABI (`fastabi run --no-fastabi`): the HVM leaf does
 * not announce it, and a call with the FastABI bit is an unknown legacy
 * hypercall (-ENOSYS) that changes no register but rax. Legacy calls work
 * as usual. SKIP when FastABI is offered (run without the option).
 */
#include "guest.h"

const char test_title[] = "no-fastabi";

void test_main(void)
{
	if (xen_info.fastabi) {
		xtf_skip("FastABI is offered: run with --no-fastabi");
		return;
	}
	printf("HVM leaf: eax %#x (FastABI bit clear), edx %#x\n", xen_info.hvm_features,
	       xen_info.traps);
	if (!xen_info.hypercall_page_ready) {
		xtf_error("no hypercall page");
		return;
	}
	long ver = hypercall_xen_version(XENVER_version, NULL);
	printf("legacy XENVER_version: %#lx\n", ver);
	CHECK_EQ(ver, (long)xen_info.major << 16 | xen_info.minor);

	if (!(xen_info.traps & FASTABI_CPUID_TRAP_DOORBELL)) {
		printf("no doorbell announced: the FastABI-bit call is not tried\n");
	} else {
		struct fastabi_regs r;
		for (unsigned i = 0; i < NR_FASTABI_REGS; i++)
			r.r[i] = 0x7e57000000000000ull | i;
		r.r[REG_RAX] = __HYPERVISOR_xen_version | __HYPERVISOR_FASTABI_MASK;
		r.r[REG_RDI] = 0; /* would be XENVER_version */
		struct fastabi_regs before = r;
		fastabi_raw_call(&r, FASTABI_TRAP_DOORBELL);
		printf("xen_version | FastABI bit: %lld\n", (long long)r.r[REG_RAX]);
		CHECK_EQ(r.r[REG_RAX], -XEN_ENOSYS);
		/*
		 * A legacy call may clobber its argument registers (rdi, rsi,
		 * rdx, r10, r8); nothing else may change.
		 */
		static const unsigned kept[] = { REG_RBX, REG_RCX, REG_RBP, REG_R9, REG_R11,
						 REG_R12, REG_R13, REG_R14, REG_R15 };
		for (unsigned i = 0; i < ARRAY_SIZE(kept); i++)
			if (r.r[kept[i]] != before.r[kept[i]])
				xtf_failure("%s changed", fastabi_reg_names[kept[i]]);
	}
	if (xtf_result() < 0)
		xtf_success(NULL);
}
