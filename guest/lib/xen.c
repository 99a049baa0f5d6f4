/* Hypervisor discovery through CPUID (xen.h). */
#include "guest.h"

#include <xen/arch-x86/cpuid.h>

struct xen_info xen_info;

enum cpu_vendor cpu_vendor(void)
{
	struct cpuid_regs r = cpuid(0);

	/* "GenuineIntel", "AuthenticAMD" / "HygonGenuine" in ebx, edx, ecx. */
	if (r.ebx == 0x756e6547 && r.edx == 0x49656e69 && r.ecx == 0x6c65746e)
		return CPU_VENDOR_INTEL;
	if ((r.ebx == 0x68747541 && r.edx == 0x69746e65 && r.ecx == 0x444d4163) ||
	    (r.ebx == 0x6f677948 && r.edx == 0x6e65476e && r.ecx == 0x656e6975))
		return CPU_VENDOR_AMD;
	return CPU_VENDOR_OTHER;
}

const char *fastabi_trap_name(enum fastabi_trap t)
{
	switch (t) {
	case FASTABI_TRAP_VMCALL: return "vmcall";
	case FASTABI_TRAP_VMMCALL: return "vmmcall";
	case FASTABI_TRAP_DOORBELL: return "doorbell";
	}
	return "?";
}

/*
 * The trap to use: the CPU's own virtualization instruction when the
 * hypervisor sees it, else the other one, else the I/O-port doorbell, and
 * that only on the port the stubs encode.
 */
static void pick_trap(void)
{
	uint32_t t = xen_info.traps;
	uint32_t port = (t >> FASTABI_CPUID_DOORBELL_PORT_SHIFT) & FASTABI_CPUID_DOORBELL_PORT_MASK;
	bool vmcall = t & FASTABI_CPUID_TRAP_VMCALL, vmmcall = t & FASTABI_CPUID_TRAP_VMMCALL;
	enum cpu_vendor v = cpu_vendor();

	enum fastabi_trap trap;

	if (vmcall && (v != CPU_VENDOR_AMD || !vmmcall))
		trap = FASTABI_TRAP_VMCALL;
	else if (vmmcall)
		trap = FASTABI_TRAP_VMMCALL;
	else if ((t & FASTABI_CPUID_TRAP_DOORBELL) && port == FASTABI_DOORBELL_PORT)
		trap = FASTABI_TRAP_DOORBELL;
	else
		return;
	xen_info.fastabi_trap_ok = true;
#ifdef __x86_64__
	/* Once, at boot: every stub's trap site becomes this trap. */
	fastabi_use_trap(trap);
#else
	xen_info.trap = trap; /* no FastABI stubs in 32-bit code */
#endif
}

#ifdef __x86_64__
int fastabi_use_trap(enum fastabi_trap t)
{
	/* The text is writable: the boot page tables map everything RW (head64.S). */
	long n = fastabi_patch_traps(t);
	if (n < 0)
		return (int)n;
	xen_info.trap = t;
	return 0;
}
#endif

void xen_detect(void)
{
	for (uint32_t base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000;
	     base += 0x100) {
		struct cpuid_regs r = cpuid(base);

		if (r.ebx != XEN_CPUID_SIGNATURE_EBX || r.ecx != XEN_CPUID_SIGNATURE_ECX ||
		    r.edx != XEN_CPUID_SIGNATURE_EDX || r.eax < base + 2)
			continue;
		xen_info.present = true;
		xen_info.base = base;
		xen_info.max_leaf = r.eax;
		break;
	}
	if (!xen_info.present)
		return;

	uint32_t base = xen_info.base;
	struct cpuid_regs r = cpuid(base + 1);
	xen_info.major = (uint16_t)(r.eax >> 16);
	xen_info.minor = (uint16_t)r.eax;

	r = cpuid(base + 2);
	xen_info.hypercall_pages = r.eax;
	xen_info.hypercall_msr = r.ebx;

	if (xen_info.max_leaf >= base + 4) {
		r = cpuid_count(base + 4, 0);
		xen_info.hvm_features = r.eax;
		xen_info.vcpu_id = r.ebx;
		xen_info.domid = r.ecx;
		xen_info.traps = r.edx;
		xen_info.fastabi = r.eax & XEN_HVM_CPUID_FASTABI;
		if (xen_info.fastabi)
			pick_trap();
	}
}

#ifdef __x86_64__
#include "fastabi_raw.h"

const char *const fastabi_reg_names[NR_FASTABI_REGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
#endif
