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

void hv_hypercall(struct hv_vcpu *v, struct hv_call *call)
{
	struct hv *hv = v->d->hv;

	call->result = HV_CALL_DONE;
	call->why = NULL;
	call->bad_reg = -1;

	pthread_mutex_lock(&hv->lock);
	bool fast = call->mode64 && (call->regs.rax & __HYPERVISOR_FASTABI_MASK) &&
		    (v->d->flags & DOMAIN_FASTABI);
	call->fast = fast;
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
