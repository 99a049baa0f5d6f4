/*
 * The hypercall-page MSR and Xen's synthetic MSR range (msr.c).
 */
#ifndef VMM_MSR_H
#define VMM_MSR_H

struct vmm_vcpu;

/*
 * The hypercall-page MSR: Xen's index for a domain without viridian (every
 * PVH domain), announced in CPUID base+2. KVM's Hyper-V emulation also
 * claims 0x40000000, so the VMM installs an MSR filter (kvm.c) that sends
 * Xen's whole synthetic range [0x40000000, 0x40000300) to userspace: Xen
 * serves only the hypercall page there and answers #GP for the rest.
 */
#define VMM_HYPERCALL_MSR 0x40000000u
#define VMM_HYPERCALL_PAGES 1u
#define VMM_XEN_MSR_FIRST 0x40000000u
#define VMM_XEN_MSR_COUNT 0x300u


void msr__rdmsr(struct vmm_vcpu *vc);
void msr__wrmsr(struct vmm_vcpu *vc);

#endif
