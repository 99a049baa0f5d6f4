/*
 * The one hypercall entry: picks the ABI and hands the call to its
 * dispatcher. FastABI needs three things at once: the FastABI bit in rax,
 * a vCPU in 64-bit mode and a domain created with DOMAIN_FASTABI. Anything
 * else is a legacy call, so a number with the FastABI bit from a domain
 * without FastABI is simply an unknown legacy hypercall (-ENOSYS).
 *
 * It also takes the call's locks (lock.h): the caller's domain lock for the
 * calls that can only touch the caller's own domain, every domain lock (in
 * domid order) for the others, which may name another domain or follow an
 * inter-domain event channel or grant to it. The deferred callbacks to the
 * VMM (kicks, timer changes, shutdown, sends on VMM-bound ports) are made
 * after the locks are dropped.
 */
#include <stdint.h>

#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/sched.h>

#include <fastabi/xen-ext.h>

#include "abi_fast.h"
#include "hv.h"
#include "legacy.h"
#include "lock.h"

/*
 * Whether (hypercall, sub-op) can only touch the caller's domain. Both
 * ABIs use Xen's numbers. Anything not listed takes every domain lock:
 * a call missing here is only slower, one listed wrongly stops the process
 * (domain__by_id), so the list is the calls whose code reaches no other domain.
 */
static bool single_domain(uint64_t hypercall, uint64_t subop)
{
	switch (hypercall) {
	case __HYPERVISOR_set_timer_op:
	case __HYPERVISOR_xen_version:
	case __HYPERVISOR_console_io:
	case __HYPERVISOR_vcpu_op:
		return true;
	case __HYPERVISOR_sched_op:
		return subop != SCHEDOP_remote_shutdown;
	case __HYPERVISOR_event_channel_op:
		/*
		 * Not close, reset, status, alloc_unbound, bind_interdomain: a
		 * peer or a target. send, the hot one, takes its peer's lock
		 * itself when the port is inter-domain (lock__peer).
		 */
		switch (subop) {
		case EVTCHNOP_send:
		case EVTCHNOP_bind_virq:
		case EVTCHNOP_bind_ipi:
		case EVTCHNOP_bind_vcpu:
		case EVTCHNOP_unmask:
		case EVTCHNOP_init_control:
		case EVTCHNOP_expand_array:
		case EVTCHNOP_set_priority:
			return true;
		default:
			return false;
		}
	default:
		return false;
	}
}

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

	/* DOMAIN_* is fixed at creation: read without the lock. */
	bool fast = call->mode64 && (call->regs.rax & __HYPERVISOR_FASTABI_MASK) &&
		    (v->d->flags & DOMAIN_FASTABI);
	report(call, fast);
	/* arg[0] is the sub-op in both ABIs (FastABI reg1, the first legacy argument). */
	if (single_domain(call->hypercall, call->arg[0]))
		lock__domain(v->d);
	else
		lock__all(hv);
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
	lock__release(hv);
}
