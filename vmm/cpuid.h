/*
 * The Xen CPUID leaves over KVM's supported ones (cpuid.c).
 */
#ifndef VMM_CPUID_H
#define VMM_CPUID_H

struct vmm_vcpu;

int cpuid__setup(struct vmm_vcpu *vc);

#endif
