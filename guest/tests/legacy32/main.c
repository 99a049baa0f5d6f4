/*
 * A 32-bit guest (protected mode, paging off): the legacy ABI only. The
 * hypercall page with 32-bit registers (ebx, ecx, edx, esi, edi), console_io
 * (this output comes through it), xen_version, the FastABI bit refused
 * outside long mode, an exception fixup without iret, and at the end
 * SCHEDOP_shutdown(poweroff) instead of the result port: `fastabi run`
 * exits 0 for a powered-off domain.
 */
#include "guest.h"

const char test_title[] = "legacy32";

static void fastabi_bit_is_legacy(void)
{
	/*
	 * The doorbell with the FastABI bit in eax from 32-bit code: the
	 * hypervisor must treat it as a legacy call to an unknown number.
	 */
	long ret = hypercall_doorbell(__HYPERVISOR_xen_version | __HYPERVISOR_FASTABI_MASK,
				      XENVER_version, 0, 0, 0, 0);
	printf("xen_version | FastABI bit from 32-bit code: %ld\n", ret);
	CHECK_EQ(ret, -XEN_ENOSYS);
}

/* An expected exception in 32-bit code resumes without iret (entry32.S). */
static void fixup_32(void)
{
	unsigned long keep = 0x12345678;

	exception_record_reset();
	__asm__ __volatile__("1: ud2\n2:\n" _ASM_EXTABLE(1b, 2b) : "+S"(keep) : : "memory");
	printf("ud2 with a fixup: %u exception(s), %s, esi %#lx\n", exception_record.count,
	       exception_name(exception_record.vector), keep);
	CHECK_EQ(exception_record.count, 1);
	CHECK_EQ(exception_record.vector, X86_EXC_UD);
	CHECK_EQ(keep, 0x12345678);
}

void test_main(void)
{
	if (!xen_info.hypercall_page_ready) {
		xtf_error("no hypercall page");
		test_exit();
	}
	printf("console through %s\n",
	       console_backend() == CONSOLE_HYPERCALL ? "console_io" : "port 0xe9");
	if (console_backend() != CONSOLE_HYPERCALL)
		xtf_failure("console_io does not work");

	long ver = hypercall_xen_version(XENVER_version, NULL);
	printf("XENVER_version: %ld.%ld\n", ver >> 16, ver & 0xffff);
	CHECK_EQ((unsigned long)ver, (unsigned long)xen_info.major << 16 | xen_info.minor);

	struct xen_feature_info f = { .submap_idx = 0 };
	long rc = hypercall_xen_version(XENVER_get_features, &f);
	printf("XENVER_get_features(0): %ld submap %#x\n", rc, f.submap);
	CHECK_EQ(rc, 0);

	if (xen_info.traps & FASTABI_CPUID_TRAP_DOORBELL)
		fastabi_bit_is_legacy();
	fixup_32();

	if (xtf_result() >= 0) /* something failed: report it through the port */
		test_exit();

	printf("Test result: SUCCESS\n");
	rc = hypercall_shutdown(SHUTDOWN_poweroff);
	xtf_failure("SCHEDOP_shutdown(poweroff) returned %ld", rc);
	test_exit();
}
