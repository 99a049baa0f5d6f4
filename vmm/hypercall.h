/*
 * The doorbell: a guest's hypercall into the core (hypercall.c).
 */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

struct vmm_vcpu;
struct ioport_ops;

void hypercall__doorbell(struct vmm_vcpu *vc);
/* FASTABI_DOORBELL_PORT (ioport.h): a one-byte out is a hypercall. */
extern const struct ioport_ops hypercall__port;

#endif
