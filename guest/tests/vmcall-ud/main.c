/*
 * A stray vmcall or vmmcall must raise #UD on a hypervisor that does not
 * see it (our VMM disables KVM's rewriting quirk), never hang, and the
 * guest must survive it. A trap the hypervisor offers (CPUID HVM leaf EDX)
 * is not stray: it is skipped.
 */
#include "guest.h"

const char test_title[] = "vmcall-ud";

static void expect_ud(const char *name, bool offered, bool vmmcall)
{
	if (offered) {
		printf("%s: offered by the hypervisor, not expected to fault: skipped\n", name);
		return;
	}
	uint64_t canary = 0x1234567890abcdefull;
	exception_record_reset();
	if (vmmcall)
		__asm__ __volatile__("1: vmmcall\n2:\n" _ASM_EXTABLE(1b, 2b)
				     : "+b"(canary) : "a"(__HYPERVISOR_xen_version), "D"(0)
				     : "memory");
	else
		__asm__ __volatile__("1: vmcall\n2:\n" _ASM_EXTABLE(1b, 2b)
				     : "+b"(canary) : "a"(__HYPERVISOR_xen_version), "D"(0)
				     : "memory");
	printf("%s: %u exception(s), last %s at %#lx\n", name, exception_record.count,
	       exception_record.count ? exception_name(exception_record.vector) : "-",
	       exception_record.ip);
	if (exception_record.count != 1 || exception_record.vector != X86_EXC_UD)
		xtf_failure("%s: expected one #UD", name);
	CHECK_EQ(canary, 0x1234567890abcdefull);
}

void test_main(void)
{
	expect_ud("vmcall", xen_info.fastabi && (xen_info.traps & FASTABI_CPUID_TRAP_VMCALL), false);
	expect_ud("vmmcall", xen_info.fastabi && (xen_info.traps & FASTABI_CPUID_TRAP_VMMCALL), true);
	if (xtf_result() < 0)
		xtf_success("survived both");
}
