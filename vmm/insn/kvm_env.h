/* The VMM's entry points into the instruction engine (kvm_env.c). */
#ifndef VMM_INSN_KVM_ENV_H
#define VMM_INSN_KVM_ENV_H

#include "insn.h"

struct vmm_vcpu;
struct vmm_domain;

/* Complete a decoded instruction for vc: true if done (or an exception injected). */
bool insn_kvm__execute(struct vmm_vcpu *vc, const struct insn_decoded *d, char *why,
		       size_t whylen);
/* Hand an exception to KVM for delivery at the next entry (sync-regs events). */
void insn_kvm__inject(struct vmm_vcpu *vc, const struct insn_event *ev);
void insn_kvm__count(struct vmm_vcpu *vc, enum insn_class cls);
/* "sse 12, avx 3, ..." over every vCPU of the domain. */
void insn_kvm__report(const struct vmm_domain *vd, char *out, size_t len);

#endif
