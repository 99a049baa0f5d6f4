/*
 * What sched.c, vcpu.c and their legacy decoders share beyond hv.h: the
 * forms of an operation that only the legacy ABI has (a poll of several
 * ports, a context or an area given by guest-virtual address), and the
 * vCPU state helpers both families use. Everything here runs under the
 * domain's lock (lock.h), held by the caller. See docs/hv-sched-vcpu.md.
 */
#ifndef HV_SCHED_VCPU_H
#define HV_SCHED_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/hvm/hvm_vcpu.h>

#include "hv.h"

/* hv_vcpu.poll_port of a poll that any event of the domain ends (Xen's poll_evtchn <= 0). */
#define HV_POLL_ANY 0u
/* SCHEDOP_poll: Xen's "fairly arbitrary limit" on the list of ports. */
#define SCHED_POLL_MAX_PORTS 128u
/*
 * VCPUOP_set_periodic_timer: Xen refuses periods below 1 ms (vcpu.h: "periods
 * smaller than one millisecond may not be supported") and above STIME_DELTA_MAX,
 * so that now + period cannot overflow.
 */
#define VCPU_PERIODIC_MIN_NS 1000000ull
#define VCPU_PERIODIC_MAX_NS ((uint64_t)INT64_MAX >> 1)
/* The i386 (32-bit guest) layout of struct vcpu_runstate_info: uint64_t aligned to 4. */
#define VCPU_RUNSTATE_COMPAT_SIZE 44u

/* ---- sched.c ---- */

/*
 * SCHEDOP_poll over a list of nr ports (nr <= SCHED_POLL_MAX_PORTS, already
 * copied in by the decoder); sched__poll is the list of one.
 */
int64_t sched__poll_ports(struct hv_vcpu *v, uint64_t timeout, const evtchn_port_t *ports,
			  unsigned nr);
/* SCHEDOP_remote_shutdown (legacy only): the hardware domain stops another domain. */
int64_t sched__remote_shutdown(struct hv_vcpu *v, struct sched_remote_shutdown *arg);
/*
 * Stop d with 'reason', unless a reason stuck already: a code latched by
 * SCHEDOP_shutdown_code replaces it (as in Xen), the VMM hears of it through
 * domain__shutdown, and every vCPU's runstate becomes offline.
 */
void sched__shutdown_domain(struct domain *d, unsigned reason);
/* v leaves SCHEDOP_block / SCHEDOP_poll: runnable again (running, see the doc). */
void sched__end_block(struct hv_vcpu *v);
/*
 * set_timer_op (15, legacy only): v's single-shot timer, the one
 * VCPUOP_set_singleshot_timer sets, at absolute system time 'timeout'
 * (ns); 0 stops it; a negative timeout or one more than 2^50 ns (about 13
 * days) ahead fires in 100 ms instead, Xen's guard against wrapped Linux
 * jiffies. Always 0.
 */
int64_t sched__set_timer_op(struct hv_vcpu *v, int64_t timeout);
/*
 * Xen's local_events_need_delivery() for an HVM vCPU at this call: an NMI
 * is pending, or evtchn_upcall_pending is set, the VMM has a vector to
 * deliver it on (hv_vcpu__upcall_vector) and the guest takes interrupts
 * (RFLAGS.IF at the trap). SCHEDOP_block and SCHEDOP_poll end early only
 * then.
 */
bool sched__events_need_delivery(struct hv_vcpu *v);

/* ---- vcpu.c ---- */

/* vCPU vcpuid of d, or NULL (VCPUOP_* answer -ENOENT). */
struct hv_vcpu *vcpu__lookup(struct domain *d, uint64_t vcpuid);
/*
 * v's single-shot timer (VCPUOP_set_singleshot_timer and set_timer_op
 * share it, as in Xen): armed for 'deadline', or fired at once (VIRQ_TIMER)
 * when that is now or past; stopped.
 */
void vcpu__singleshot_arm(struct hv_vcpu *v, uint64_t deadline);
void vcpu__singleshot_stop(struct hv_vcpu *v);
/* The hv_ops callbacks, when the VMM gave them: made once the domain lock is dropped (lock.h). */
void vcpu__kick(struct hv_vcpu *v);
void vcpu__timer_changed(struct hv_vcpu *v);
/*
 * Host address of v's vcpu_info: the registered one (checked accessible at
 * each use, so a page the guest unshared is never touched), or v's slot in
 * shared_info; NULL when neither is there.
 */
struct vcpu_info *vcpu__vcpu_info(struct hv_vcpu *v);
/* evtchn_upcall_pending in v's vcpu_info (hv_vcpu__upcall_pending without the lock). */
bool vcpu__upcall_pending(struct hv_vcpu *v);
/* The runstate as VCPUOP_get_runstate_info reports it (time spent in the current state included). */
void vcpu__runstate_get(struct hv_vcpu *v, struct vcpu_runstate_info *out);
/* Write v's vcpu_time_info (vcpu_info and the registered copy) for the current time. */
void vcpu__update_time(struct hv_vcpu *v);
/*
 * VCPUOP_initialise with the context already copied in (FastABI: from
 * context_gfn, by vcpu__initialise; legacy: from the GVA, by the decoder).
 */
int64_t vcpu__initialise_context(struct hv_vcpu *v, uint32_t vcpuid,
				 const struct vcpu_hvm_context *ctx, uint64_t context_gfn);
/*
 * The legacy GVA forms (VCPUOP_register_runstate_memory_area 5,
 * VCPUOP_register_vcpu_time_memory_area 13): the address is kept with the
 * paging of the registering call (v->call). 0 unregisters.
 */
int64_t vcpu__register_runstate_memory_area(struct hv_vcpu *v, uint32_t vcpuid,
					    struct vcpu_register_runstate_memory_area *arg);
int64_t vcpu__register_vcpu_time_memory_area(struct hv_vcpu *v, uint32_t vcpuid,
					     struct vcpu_register_time_memory_area *arg);

#endif
