/*
 * CPUID: what KVM supports on this host, with KVM's own paravirtual leaves
 * replaced by Xen's at 0x40000000 (docs/vmm.md lists them), the
 * hypervisor bit set, and the local APIC announced with the APIC ID Xen
 * gives (twice the vCPU id, VMM_APIC_ID) in leaves 1, 0xB and 0x1F. The
 * LAPIC is KVM's in-kernel one (kvm.c), so x2APIC and the TSC-deadline timer
 * are offered exactly when KVM offers them, as Xen offers its vlapic's.
 */
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <xen/arch-x86/cpuid.h>

#include <fastabi/trap.h>
#include <fastabi/xen-ext.h>

#include "vmm.h"

#define XEN_BASE XEN_CPUID_FIRST_LEAF
#define XEN_VERSION_MAJOR 4
#define XEN_VERSION_MINOR 17

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_APIC (1u << 9)

static void add(struct kvm_cpuid2 *c, uint32_t fn, uint32_t a, uint32_t b, uint32_t cx, uint32_t d)
{
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){ .function = fn, .eax = a, .ebx = b,
							   .ecx = cx, .edx = d };
}

unsigned cpuid__paddr_bits(const struct kvm_cpuid2 *sup)
{
	unsigned bits = 36;

	if (!sup)
		return 0; /* no KVM (the fuzz targets' domains): the core's default */
	for (unsigned i = 0; i < sup->nent; i++)
		if (sup->entries[i].function == 0x80000008 && (sup->entries[i].eax & 0xff))
			bits = sup->entries[i].eax & 0xff;
	if (bits < 32)
		bits = 32;
	return bits > GUESTMEM_MAXPHYADDR ? GUESTMEM_MAXPHYADDR : bits;
}

int cpuid__setup(struct vmm_vcpu *vc)
{
	const struct kvm_cpuid2 *sup = vc->dom->vmm->cpuid;
	struct domain *d = vc->dom->d;
	size_t sz = sizeof(*sup) + (sup->nent + 8) * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = calloc(1, sz);

	if (!c) {
		util__err("out of memory");
		return -1;
	}
	for (unsigned i = 0; i < sup->nent; i++) {
		struct kvm_cpuid_entry2 e = sup->entries[i];
		if (e.function >= 0x40000000 && e.function < 0x50000000)
			continue; /* KVM's leaves: the guest must find Xen first */
		switch (e.function) {
		case 1:
			e.ecx |= CPUID1_ECX_HYPERVISOR;
			/* No nested VMX: the VMM answers VMX instructions with #UD (insn/insn.c). */
			e.ecx &= ~CPUID1_ECX_VMX;
			e.edx |= CPUID1_EDX_APIC;
			e.ebx = (e.ebx & 0x00ffffff) | (VMM_APIC_ID(vc->id) << 24);
			break;
		case 0xb:
		case 0x1f:
			e.edx = VMM_APIC_ID(vc->id); /* x2APIC id */
			break;
		}
		c->entries[c->nent++] = e;
	}

	uint32_t hvm = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
		       XEN_HVM_CPUID_UPCALL_VECTOR;
	if (hv_domain__flags(d) & DOMAIN_FASTABI)
		hvm |= XEN_HVM_CPUID_FASTABI;
	add(c, XEN_BASE, XEN_BASE + XEN_CPUID_MAX_NUM_LEAVES, XEN_CPUID_SIGNATURE_EBX,
	    XEN_CPUID_SIGNATURE_ECX, XEN_CPUID_SIGNATURE_EDX);
	add(c, XEN_BASE + 1, XEN_VERSION_MAJOR << 16 | XEN_VERSION_MINOR, 0, 0, 0);
	add(c, XEN_BASE + 2, VMM_HYPERCALL_PAGES, VMM_HYPERCALL_MSR, 0, 0);
	add(c, XEN_BASE + 3, 0, 0, 0, 0);
	add(c, XEN_BASE + 4, hvm, vc->id, hv_domain__id(d),
	    FASTABI_CPUID_TRAP_DOORBELL |
		    (FASTABI_DOORBELL_PORT << FASTABI_CPUID_DOORBELL_PORT_SHIFT));
	add(c, XEN_BASE + 5, 0, 0, 0, 0);

	int ret = ioctl(vc->fd, KVM_SET_CPUID2, c);
	if (ret < 0)
		util__err("KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
	return ret < 0 ? -1 : 0;
}
