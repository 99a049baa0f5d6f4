/*
 * FastABI: find the op, apply the domain's policy, run the generated
 * decoder and copy back rax plus exactly the op's declared outputs.
 */
#include <stdint.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "abi_fast.h"
#include "hv.h"
#include "policy.h"

void fastabi__dispatch(struct hv_vcpu *v, struct hv_call *call)
{
	struct fastabi_frame f = { .bad_reg = -1 };
	const struct fastabi_op *op = NULL;
	int64_t ret;

	/* The registers as hv_hypercall read them for its report. */
	f.reg[0] = call->nr;
	for (unsigned n = 1; n < FASTABI_NR_REGS; n++)
		f.reg[n] = call->arg[n - 1];

	/* Bits above the hypercall number (bit 32 and up) name no op. */
	if ((f.reg[0] >> 32) == 0)
		op = fastabi_op_find((uint32_t)f.reg[0] & ~__HYPERVISOR_FASTABI_MASK, f.reg[1]);

	if (!op) {
		call->why = "unknown FastABI operation";
		ret = -XEN_ENOSYS;
	} else if (!policy__allows(v->d->policy, HV_ABI_FAST, op->hypercall,
				   op->subop < 0 ? 0 : (uint64_t)op->subop)) {
		call->why = "refused by the domain's FastABI policy";
		ret = -XEN_EPERM;
	} else {
		ret = op->decode(v, &f);
		if (f.bad_reg >= 0) {
			call->why = f.bad_field ? f.bad_field : "bad register";
			call->bad_reg = f.bad_reg;
		}
	}

	uint8_t out = op ? op->out_mask : 1;
	if (op && op->preemptible && ret == -FASTABI_ERESTART) {
		/* rax keeps the hypercall number: the re-executed trap continues. */
		call->result = HV_CALL_RESTART;
		out &= (uint8_t)~1u;
	} else {
		f.reg[0] = (uint64_t)ret;
		out |= 1;
	}
	/* Only the registers written: rax and the op's few outputs. */
	for (unsigned m = out; m; m &= m - 1) {
		unsigned n = (unsigned)__builtin_ctz(m);
		*fastabi__reg(&call->regs, n) = f.reg[n];
	}
}
