/*
 * SCHEDOP_*: yielding, blocking and polling, shutting the domain down, the
 * domain's watchdogs and the hardware domain's pin override, plus the
 * wake-up that event channels call when an event arrives.
 *
 * The core cannot sleep. SCHEDOP_block and SCHEDOP_poll return at once;
 * what they leave behind is a vCPU marked blocked (hv_vcpu__runnable()
 * false) that the VMM does not resume until an event (hv_vcpu__wake, which
 * kicks it) or a deadline (hv_vcpu__timer_expired) ends the block. The
 * guest then finds 0 in rax, as after Xen's blocking call.
 * See docs/hv-sched-vcpu.md.
 */
#include <stdint.h>
#include <unistd.h>

#include <fastabi/x86.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "hv.h"
#include "lock.h"
#include "sched_vcpu.h"

#define NS_PER_S 1000000000ull


#define NS_PER_MS 1000000ull
/* evtchn_upcall_pending in v's vcpu_info. */
static bool upcall_pending(struct hv_vcpu *v)
{
	struct vcpu_info *vi = vcpu__vcpu_info(v);
	return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE);
}

/*
 * Xen: hvm_local_events_need_delivery() is hvm_vcpu_has_pending_irq() not
 * blocked by hvm_interrupt_blocked(). What can be pending here is an NMI,
 * or the event-channel upcall on the vector the VMM injects it with (the
 * domain's callback vector, or the vCPU's own upcall vector, which on Xen
 * sits in the LAPIC's IRR from the moment the upcall was raised). Anything
 * but an NMI is blocked while RFLAGS.IF is clear. With no vector
 * registered the flag alone delivers nothing: a guest that polls its ports
 * without a callback never clears evtchn_upcall_pending, and its polls must
 * still sleep.
 */
bool sched__events_need_delivery(struct hv_vcpu *v)
{
	if (v->nmi_pending)
		return true;
	if (!upcall_pending(v) || !hvm__upcall_vector(v))
		return false;
	/* A call not made by the guest (a test calling in directly) counts as IF set. */
	return !v->call || (v->call->rflags & X86_RFLAGS_IF);
}

void sched__end_block(struct hv_vcpu *v)
{
	if (!v->blocked && !v->polling)
		return;
	bool had_deadline = v->polling && v->poll_deadline;
	__atomic_store_n(&v->blocked, false, __ATOMIC_SEQ_CST); /* hv_vcpu__runnable */
	v->polling = false;
	v->poll_port = HV_POLL_ANY;
	v->poll_deadline = 0;
	/*
	 * Running rather than runnable: nothing here queues vCPUs, the VMM
	 * resumes the thread as soon as the kick reaches it.
	 */
	if (v->online && v->runstate.state == RUNSTATE_blocked)
		vcpu__set_runstate(v, RUNSTATE_running);
	if (had_deadline)
		vcpu__timer_changed(v);
}

void sched__wake(struct hv_vcpu *v, evtchn_port_t port)
{
	/* Xen's evtchn_check_pollers: only a poll that waits for this port (or any port). */
	if (v->blocked && v->polling && (v->poll_port == HV_POLL_ANY || v->poll_port == port)) {
		sched__end_block(v);
		vcpu__kick(v);
	}
}

void hv_vcpu__wake(struct hv_vcpu *v, evtchn_port_t port)
{
	lock__domain(v->d);
	sched__wake(v, port);
	lock__release(v->d->hv);
}

void hv_vcpu__upcall_raised(struct hv_vcpu *v)
{
	lock__domain(v->d);
	sched__upcall_raised(v);
	lock__release(v->d->hv);
}

void sched__upcall_raised(struct hv_vcpu *v)
{
	/*
	 * Xen's hvm_assert_evtchn_irq: with a vector to deliver on, the vCPU
	 * is kicked, which ends any block or poll (vcpu_kick unblocks); with
	 * none (no callback, or a GSI/INTx callback this VMM does not route),
	 * nothing happens.
	 */
	if (hvm__upcall_vector(v)) {
		if (v->blocked)
			sched__end_block(v);
		vcpu__kick(v);
	}
}

int64_t sched__yield(struct hv_vcpu *hv_vcpu)
{
	/* Back in the queue and picked again at once: the host scheduler does the rest. */
	vcpu__set_runstate(hv_vcpu, RUNSTATE_runnable);
	vcpu__set_runstate(hv_vcpu, RUNSTATE_running);
	return 0;
}

int64_t sched__block(struct hv_vcpu *hv_vcpu)
{
	struct vcpu_info *vi = vcpu__vcpu_info(hv_vcpu);

	/*
	 * As the header promises: event delivery is enabled again and pending
	 * events checked before blocking, so no wake-up is lost in between.
	 */
	if (vi)
		__atomic_store_n(&vi->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
	/* Xen's do_block: block unless local_events_need_delivery(). */
	if (sched__events_need_delivery(hv_vcpu))
		return 0;
	__atomic_store_n(&hv_vcpu->blocked, true, __ATOMIC_SEQ_CST); /* hv_vcpu__runnable */
	vcpu__set_runstate(hv_vcpu, RUNSTATE_blocked);
	return 0;
}

int64_t sched__poll_ports(struct hv_vcpu *v, uint64_t timeout, const evtchn_port_t *ports,
			  unsigned nr)
{
	struct domain *d = v->d;

	if (nr > SCHED_POLL_MAX_PORTS)
		return -XEN_EINVAL;
	/* As Xen's do_poll: an upcall it can deliver ends the poll before the ports are looked at. */
	if (sched__events_need_delivery(v))
		return 0;
	/* Then in list order, a bad port refuses, a pending one returns at once. */
	unsigned nr_ports = evtchn__nr_ports(d);
	for (unsigned i = 0; i < nr; i++) {
		if (ports[i] >= nr_ports)
			return -XEN_EINVAL;
		if (evtchn__port_pending_locked(d, ports[i]))
			return 0;
	}
	if (timeout && timeout <= hv__now(d->hv))
		return 0;

	__atomic_store_n(&v->blocked, true, __ATOMIC_SEQ_CST); /* hv_vcpu__runnable */
	v->polling = true;
	v->poll_port = nr == 1 ? ports[0] : HV_POLL_ANY;
	v->poll_deadline = timeout;
	vcpu__set_runstate(v, RUNSTATE_blocked);
	if (timeout)
		vcpu__timer_changed(v);
	return 0;
}

int64_t sched__set_timer_op(struct hv_vcpu *v, int64_t timeout)
{
	uint64_t now = hv__now(v->d->hv);

	if (timeout == 0) {
		vcpu__singleshot_stop(v);
		return 0;
	}
	int64_t offset = (int64_t)((uint64_t)timeout - now);
	if (timeout < 0 || (offset > 0 && (offset >> 50) != 0))
		vcpu__singleshot_arm(v, now + 100 * NS_PER_MS);
	else
		vcpu__singleshot_arm(v, (uint64_t)timeout);
	return 0;
}

int64_t sched__poll(struct hv_vcpu *hv_vcpu, uint64_t timeout, evtchn_port_t port)
{
	return sched__poll_ports(hv_vcpu, timeout, &port, 1);
}

void sched__shutdown_domain(struct domain *d, unsigned reason)
{
	if (d->shutdown)
		return;
	if (d->shutdown_code_set)
		reason = d->shutdown_code;
	domain__shutdown_locked(d, reason);
	/* Every vCPU is paused for good: Xen counts that time as offline. */
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i].runstate.state != RUNSTATE_offline)
			vcpu__set_runstate(&d->vcpus[i], RUNSTATE_offline);
}

int64_t sched__shutdown(struct hv_vcpu *hv_vcpu, struct sched_shutdown *arg)
{
	if (arg->reason > SHUTDOWN_MAX)
		return -XEN_EINVAL;
	sched__shutdown_domain(hv_vcpu->d, arg->reason);
	/* SHUTDOWN_suspend: 0 means "resumed in a new domain"; there is no resume here. */
	return 0;
}

int64_t sched__remote_shutdown(struct hv_vcpu *v, struct sched_remote_shutdown *arg)
{
	if (!(v->d->flags & DOMAIN_PRIVILEGED))
		return -XEN_EPERM;
	struct domain *t = domain__lookup(v->d, arg->domain_id);
	if (!t)
		return -XEN_ESRCH;
	if (arg->reason > SHUTDOWN_MAX)
		return -XEN_EINVAL;
	sched__shutdown_domain(t, arg->reason);
	return 0;
}

int64_t sched__shutdown_code(struct hv_vcpu *hv_vcpu, struct sched_shutdown *arg)
{
	struct domain *d = hv_vcpu->d;

	if (arg->reason > SHUTDOWN_MAX)
		return -XEN_EINVAL;
	/* As Xen: the first code latched is the one reported. */
	if (!d->shutdown_code_set) {
		d->shutdown_code_set = true;
		d->shutdown_code = arg->reason;
	}
	return 0;
}

/* Every vCPU's deadline carries the domain's watchdogs. */
static void watchdogs_changed(struct domain *d)
{
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		vcpu__timer_changed(&d->vcpus[i]);
}

static uint64_t watchdog_deadline(struct domain *d, uint32_t timeout_s)
{
	uint64_t now = hv__now(d->hv);
	uint64_t ns = (uint64_t)timeout_s * NS_PER_S; /* < 2^63: no overflow */
	uint64_t t = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
	return t ? t : 1; /* 0 marks a free slot */
}

int64_t sched__watchdog(struct hv_vcpu *hv_vcpu, struct sched_watchdog *arg)
{
	struct domain *d = hv_vcpu->d;

	if (arg->id > HV_NR_WATCHDOGS)
		return -XEN_EINVAL;
	if (arg->id == 0) {
		/* Allocate; as Xen, a timeout of 0 means it expires at once. */
		for (unsigned i = 0; i < HV_NR_WATCHDOGS; i++) {
			if (d->watchdog_deadline[i])
				continue;
			d->watchdog_deadline[i] = watchdog_deadline(d, arg->timeout);
			d->watchdog_timeout_s[i] = arg->timeout;
			watchdogs_changed(d);
			return i + 1;
		}
		return -XEN_ENOSPC;
	}
	unsigned i = arg->id - 1;
	if (!d->watchdog_deadline[i])
		return -XEN_EINVAL;
	if (arg->timeout == 0) {
		d->watchdog_deadline[i] = 0;
		d->watchdog_timeout_s[i] = 0;
	} else {
		d->watchdog_deadline[i] = watchdog_deadline(d, arg->timeout);
		d->watchdog_timeout_s[i] = arg->timeout;
	}
	watchdogs_changed(d);
	return 0;
}

int64_t sched__pin_override(struct hv_vcpu *hv_vcpu, struct sched_pin_override *arg)
{
	if (!(hv_vcpu->d->flags & DOMAIN_PRIVILEGED))
		return -XEN_EPERM;
	if (arg->pcpu < 0) {
		/* Undo: only what was done. */
		if (!hv_vcpu->pinned)
			return -XEN_EINVAL;
		hv_vcpu->pinned = false;
		hv_vcpu->pinned_pcpu = 0;
		return 0;
	}
	long cpus = hv_vcpu->d->hv->nr_host_cpus;
	if (cpus < 1 || arg->pcpu >= cpus)
		return -XEN_EINVAL;
	if (hv_vcpu->pinned)
		return -XEN_EBUSY;
	hv_vcpu->pinned = true;
	hv_vcpu->pinned_pcpu = (uint32_t)arg->pcpu;
	return 0;
}
