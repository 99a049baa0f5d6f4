/*
 * vCPU threads, the run loop, kicks and injection (kvm_cpu.c).
 */
#ifndef VMM_KVM_CPU_H
#define VMM_KVM_CPU_H

#include <stdint.h>

struct vmm_vcpu;
struct vmm_domain;

int kvm_cpu__start(struct vmm_vcpu *vc);
void kvm_cpu__kick(struct vmm_vcpu *vc);
void kvm_cpu__join(struct vmm_vcpu *vc);
void kvm_cpu__signal_setup(void);
/* The vCPU's sync-regs events were changed (an injection): hand them back at the next entry. */
void kvm_cpu__events_changed(struct vmm_vcpu *vc);
/*
 * The timer thread's look at a vCPU (now: vmm__now): re-kick it if an
 * injection has waited long enough, kick it if it stayed in KVM_RUN without
 * an exit for a whole probe period (so a cli; hlt inside KVM is seen). The
 * next time it wants to look (0: none).
 */
uint64_t kvm_cpu__watch(struct vmm_vcpu *vc, uint64_t now);
/*
 * Hold vd's vCPUs (all but the caller's own) out of KVM_RUN while memslots
 * are replaced, until kvm_cpu__resume_others; with vd's memory map held.
 */
void kvm_cpu__pause_others(struct vmm_domain *vd);
void kvm_cpu__resume_others(struct vmm_domain *vd);

#endif
