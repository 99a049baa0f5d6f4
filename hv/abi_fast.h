/* The FastABI path of hv_hypercall (abi_fast.c); see docs/hv-core.md. */
#ifndef HV_ABI_FAST_H
#define HV_ABI_FAST_H

#include "hv.h"

/*
 * Serve call->regs as a FastABI call of v (the caller checked the FastABI
 * bit, 64-bit mode and the domain's DOMAIN_FASTABI, and holds the domain locks).
 */
void fastabi__dispatch(struct hv_vcpu *v, struct hv_call *call);

#endif
