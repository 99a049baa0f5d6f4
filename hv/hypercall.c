/*
 * The one hypercall entry: picks the ABI and hands the call to its
 * dispatcher. FastABI needs three things at once: the FastABI bit in rax,
 * a vCPU in 64-bit mode and a domain created with DOMAIN_FASTABI. Anything
 * else is a legacy call, so a number with the FastABI bit from a domain
 * without FastABI is simply an unknown legacy hypercall (-ENOSYS).
 *
 * It also takes the call's locks (lock.h, call_locks() below): the caller's
 * domain lock for the calls that touch only the caller's own domain or one
 * domain they name, every domain lock (in domid order) for the others, which
 * may follow an inter-domain event channel or grant to other domains. The
 * deferred callbacks to the VMM (kicks, timer changes, shutdown, sends on
 * VMM-bound ports) are made after the locks are dropped.
 */
#include <stdint.h>

#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/sched.h>

#include <fastabi/xen-ext.h>

#include "abi_fast.h"
#include "hv.h"
#include "legacy.h"
#include "lock.h"

/*
 * Which locks a call takes, by (hypercall, sub-op), the same numbers for
 * both ABIs:
 *
 * CALL_SELF    the caller's domain lock: the call touches only its own domain
 *              (event-channel send, the only exception, takes its peer's
 *              lock itself with lock__peer when the port is inter-domain).
 * CALL_TARGET  the caller's domain lock, and the lock of at most one other
 *              domain, taken when the call reaches it (domain__by_id calls
 *              lock__peer): for calls that name one domain (a domid field,
 *              DOMID_SELF in the common case) and look it up before they
 *              touch any state of the caller's domain, because lock__peer may
 *              drop the caller's lock and take it again to keep domid order.
 *              A legacy call's domid is in guest memory, read under the
 *              caller's lock, so the call cannot know its target beforehand;
 *              FastABI's is in a register, but taking the target's lock on
 *              demand costs DOMID_SELF nothing either, so both ABIs do the same.
 * CALL_ALL     every domain lock (lock__all): the call may reach several
 *              domains, or reach one after touching its own state (close,
 *              status, grant map/unmap/copy, memory ops on another domain...).
 *
 * A call classed too wide is only slower; one classed too narrow reaches a
 * domain whose lock it does not hold, which stops the process
 * (domain__by_id). docs/hv-core.md "Locking" states the rule.
 */
enum call_locks { CALL_SELF, CALL_TARGET, CALL_ALL };

static enum call_locks call_locks(uint64_t hypercall, uint64_t subop)
{
	switch (hypercall) {
	case __HYPERVISOR_set_timer_op:
	case __HYPERVISOR_xen_version:
	case __HYPERVISOR_console_io:
	case __HYPERVISOR_vcpu_op:
		return CALL_SELF;
	case __HYPERVISOR_sched_op:
		return subop == SCHEDOP_remote_shutdown ? CALL_ALL : CALL_SELF;
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
			return CALL_SELF;
		default:
			return CALL_ALL;
		}
	case __HYPERVISOR_hvm_op:
		/*
		 * The params and the memory type name their domain first
		 * (domain__target) and touch nothing else before; the other
		 * hvm ops (get_time, flush_tlbs, the upcall vector, the refused
		 * ones) reach no other domain.
		 */
		switch (subop) {
		case HVMOP_set_param:
		case HVMOP_get_param:
		case HVMOP_get_mem_type:
			return CALL_TARGET;
		default:
			return CALL_SELF;
		}
	case __HYPERVISOR_grant_table_op:
		/*
		 * One struct each (legacy refuses count != 1), its domain looked
		 * up first (FastABI's query_size and get_version carry none:
		 * DOMID_SELF). map, unmap, copy, swap and the batches follow
		 * grants to other domains.
		 */
		switch (subop) {
		case GNTTABOP_setup_table:
		case GNTTABOP_query_size:
		case GNTTABOP_set_version:
		case GNTTABOP_get_version:
			return CALL_TARGET;
		default:
			return CALL_ALL;
		}
	default:
		return CALL_ALL;
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
		/* Register by register, unrolled: no offset table and no loop on the hot path. */
#define FASTABI_ARG(n, reg)                            \
	if ((n) > 0)                                   \
		call->arg[(n) > 0 ? (n) - 1 : 0] = call->regs.reg;
		FASTABI_REGS(FASTABI_ARG)
#undef FASTABI_ARG
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
	switch (call_locks(call->hypercall, call->arg[0])) {
	case CALL_SELF:
		lock__domain(v->d);
		break;
	case CALL_TARGET:
		lock__target(v->d);
		break;
	case CALL_ALL:
		lock__all(hv);
		break;
	}
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
