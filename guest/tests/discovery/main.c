/*
 * Discovery: the Xen CPUID leaves, the hypercall-page MSR and page, the
 * FastABI bit and the trap it offers (include/fastabi/trap.h).
 */
#include "guest.h"

const char test_title[] = "discovery";

void test_main(void)
{
	if (!xen_info.present) {
		xtf_failure("no \"XenVMMXenVMM\" signature in CPUID 0x40000000-0x4000ff00");
		return;
	}
	uint32_t base = xen_info.base;
	printf("Xen leaves at %#x, max leaf %#x\n", base, xen_info.max_leaf);
	printf("version (base+1): %u.%u\n", xen_info.major, xen_info.minor);
	printf("hypercall page (base+2): %u page(s), MSR %#x\n", xen_info.hypercall_pages,
	       xen_info.hypercall_msr);
	printf("HVM leaf (base+4): eax %#x vcpu %u domid %u edx %#x\n", xen_info.hvm_features,
	       xen_info.vcpu_id, xen_info.domid, xen_info.traps);

	CHECK(xen_info.max_leaf >= base + 4);
	CHECK(xen_info.major >= 3);
	CHECK_EQ(xen_info.hypercall_pages, 1);
	/*
	 * Xen's rule: the MSR is 0x40000000 while its leaves are at 0x40000000,
	 * and 0x40000200 when viridian moved them to 0x40000100.
	 */
	CHECK_EQ(xen_info.hypercall_msr, base == 0x40000000 ? 0x40000000 : 0x40000200);
	CHECK(xen_info.hvm_features & XEN_HVM_CPUID_VCPU_ID_PRESENT);
	CHECK(xen_info.hvm_features & XEN_HVM_CPUID_DOMID_PRESENT);
	CHECK_EQ(xen_info.vcpu_id, 0); /* we run on the boot vCPU */

	/* The hypercall page: entry nr begins with `mov $nr, %eax`. */
	if (!xen_info.hypercall_page_ready) {
		xtf_failure("the hypercall page was not set up (MSR %#x)", xen_info.hypercall_msr);
	} else {
		const uint8_t *e = hypercall_page + 32 * __HYPERVISOR_xen_version;
		printf("hypercall page at %p, xen_version entry:", (const void *)hypercall_page);
		for (unsigned i = 0; i < 8; i++)
			printf(" %02x", e[i]);
		printf("\n");
		static const unsigned nrs[] = { 0, __HYPERVISOR_memory_op, __HYPERVISOR_xen_version,
						__HYPERVISOR_sched_op, __HYPERVISOR_hvm_op, 63 };
		for (unsigned i = 0; i < ARRAY_SIZE(nrs); i++) {
			const uint8_t *p = hypercall_page + 32 * nrs[i];
			uint32_t imm = p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 |
				       (uint32_t)p[4] << 24;
			if (p[0] != 0xb8 || imm != nrs[i])
				xtf_failure("hypercall page entry %u does not load %u into eax", nrs[i],
					    nrs[i]);
		}
	}
	printf("console: %s\n", console_backend() == CONSOLE_HYPERCALL ? "console_io hypercall"
									 : "port 0xe9");

	if (!xen_info.fastabi) {
		printf("FastABI: not offered (HVM leaf EAX bit 7 clear)\n");
		xtf_success(NULL);
		return;
	}
	uint32_t port = (xen_info.traps >> FASTABI_CPUID_DOORBELL_PORT_SHIFT) &
			FASTABI_CPUID_DOORBELL_PORT_MASK;
	printf("FastABI: offered; traps%s%s%s, doorbell port %#x\n",
	       xen_info.traps & FASTABI_CPUID_TRAP_VMCALL ? " vmcall" : "",
	       xen_info.traps & FASTABI_CPUID_TRAP_VMMCALL ? " vmmcall" : "",
	       xen_info.traps & FASTABI_CPUID_TRAP_DOORBELL ? " doorbell" : "", port);
	if (!xen_info.fastabi_trap_ok) {
		xtf_failure("FastABI is offered without a trap this guest can use (edx %#x)",
			    xen_info.traps);
		return;
	}
	printf("FastABI trap chosen: %s\n", fastabi_trap_name(xen_info.trap));
	if (xen_info.traps & FASTABI_CPUID_TRAP_DOORBELL)
		CHECK_EQ(port, FASTABI_DOORBELL_PORT);
	xtf_success(NULL);
}
