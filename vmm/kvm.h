/*
 * /dev/kvm, the VM and its capabilities, vCPU creation (kvm.c).
 */
#ifndef VMM_KVM_H
#define VMM_KVM_H

struct vmm;
struct vmm_domain;
struct vmm_vcpu;

int kvm__open(struct vmm *vmm);
int kvm__create_vm(struct vmm *vmm, struct vmm_domain *vd);
int kvm__create_vcpu(struct vmm *vmm, struct vmm_vcpu *vc);

#endif
