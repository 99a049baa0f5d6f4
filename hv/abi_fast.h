/* The FastABI path of hv_hypercall (abi_fast.c); see docs/hv-core.md. */
#ifndef HV_ABI_FAST_H
#define HV_ABI_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "fastabi_hv.h"

#include "hv.h"

/*
 * ABI register n (0..FASTABI_NR_REGS - 1) of a register file, in the order
 * abi-tool generates from the spec (FASTABI_REGS): the one place the core,
 * its test harness and its fuzzer take the register order from.
 */
static inline uint64_t *fastabi__reg(struct hv_regs *r, unsigned n)
{
#define FASTABI_REG_OFFSET(n, reg) [n] = offsetof(struct hv_regs, reg),
	static const size_t off[FASTABI_NR_REGS] = { FASTABI_REGS(FASTABI_REG_OFFSET) };
#undef FASTABI_REG_OFFSET
	return (uint64_t *)(void *)((char *)r + off[n]);
}

/*
 * Serve the call as a FastABI call of v (the caller checked the FastABI
 * bit, 64-bit mode and the domain's DOMAIN_FASTABI, reported the call's
 * registers in call->nr and call->arg, and holds the call's domain locks).
 */
void fastabi__dispatch(struct hv_vcpu *v, struct hv_call *call);

#endif
