/*
 * The one hypercall entry: picks the ABI and hands the call to its
 * dispatcher. FastABI needs three things at once: the FastABI bit in rax,
 * a vCPU in 64-bit mode and a domain created with DOMAIN_FASTABI. Anything
 * else is a legacy call, so a number with the FastABI bit from a domain
 * without FastABI is simply an unknown legacy hypercall (-ENOSYS).
 */
#include <stdint.h>

#include <xen/errno.h>

#include <fastabi/xen-ext.h>

#include "abi_fast.h"
#include "hv.h"
#include "legacy.h"

_Static_assert(FASTABI_NR_REGS - 1 <= HV_CALL_MAX_ARGS && LEGACY_NR_ARGS <= HV_CALL_MAX_ARGS,
	       "struct hv_call's arg[] holds every ABI's arguments");

/* What the call is in the terms of its ABI (struct hv_call's report). */
static void report(struct hv_call *call, bool fast)
{
	call->fast = fast;
	if (fast) {
		call->nr = call->regs.rax;
		call->hypercall = (uint32_t)call->regs.rax & ~__HYPERVISOR_FASTABI_MASK;
		call->nr_args = FASTABI_NR_REGS - 1;
		for (unsigned n = 1; n < FASTABI_NR_REGS; n++)
			call->arg[n - 1] = *fastabi__reg(&call->regs, n);
		return;
	}
	call->nr = call->hypercall = call->mode64 ? call->regs.rax : (uint32_t)call->regs.rax;
	call->nr_args = LEGACY_NR_ARGS;
	for (unsigned i = 0; i < LEGACY_NR_ARGS; i++) {
		uint64_t a = *legacy__arg_reg(&call->regs, call->mode64, i);
		call->arg[i] = call->mode64 ? a : (uint32_t)a;
	}
}

void hv_hypercall(struct hv_vcpu *v, struct hv_call *call)
{
	struct hv *hv = v->d->hv;

	call->result = HV_CALL_DONE;
	call->why = NULL;
	call->bad_reg = -1;

	pthread_mutex_lock(&hv->lock);
	bool fast = call->mode64 && (call->regs.rax & __HYPERVISOR_FASTABI_MASK) &&
		    (v->d->flags & DOMAIN_FASTABI);
	report(call, fast);
	struct hv_call *outer = v->call;
	bool outer_fast = v->call_fast;
	v->call = call;
	v->call_fast = fast;
	if (fast)
		fastabi__dispatch(v, call);
	else
		legacy__dispatch(v, call);
	v->call = outer;
	v->call_fast = outer_fast;
	pthread_mutex_unlock(&hv->lock);
}
