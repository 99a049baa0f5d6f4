/*
 * The Xen CPUID leaves over KVM's supported ones (cpuid.c).
 */
#ifndef VMM_CPUID_H
#define VMM_CPUID_H

struct vmm_vcpu;

struct kvm_cpuid2;

int cpuid__setup(struct vmm_vcpu *vc);
/*
 * The guest's physical address width: EAX[7:0] of leaf 0x80000008 as
 * cpuid__setup passes it on from KVM's supported CPUID (36 without the
 * leaf, as the SDM says for PAE), for the core's domain_config.paddr_bits;
 * 0 (the core's default) without KVM's list.
 */
unsigned cpuid__paddr_bits(const struct kvm_cpuid2 *sup);

#endif
