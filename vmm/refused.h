/*
 * Refused hypercalls, counted per vCPU and summed up at exit (refused.c).
 */
#ifndef VMM_REFUSED_H
#define VMM_REFUSED_H

#include <stdint.h>

struct vmm_domain;
struct vmm_vcpu;

/*
 * Hypercalls a vCPU made that were refused (-ENOSYS, -EPERM, -EOPNOTSUPP),
 * counted by kind on the vCPU's own thread (no lock, no allocation) and
 * merged per domain at exit (refused.c).
 */
enum vmm_abi { VMM_ABI_LEGACY32, VMM_ABI_LEGACY64, VMM_ABI_FASTABI };
struct refused_call {
	uint64_t nr, subop;
	uint8_t abi;  /* enum vmm_abi */
	uint8_t err;  /* the Xen errno, positive */
	uint64_t count;
};
#define VMM_REFUSED_KINDS 32
struct refused_calls {
	struct refused_call kind[VMM_REFUSED_KINDS];
	unsigned nr_kinds;
	uint64_t others; /* refusals of kinds beyond VMM_REFUSED_KINDS */
};


/* Count one refused call (err: the positive Xen errno) of vc; on vc's thread. */
void refused__count(struct vmm_vcpu *vc, enum vmm_abi abi, uint64_t nr, uint64_t subop,
		    unsigned err);
/* "fastabi: [name] refused hypercalls: ..." on stderr, if the domain's vCPUs had any. */
void refused__report(struct vmm_domain *vd);

#endif
