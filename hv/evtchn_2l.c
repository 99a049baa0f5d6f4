/*
 * The 2-level delivery ABI: one pending and one mask bit per port in
 * shared_info, one selector bit per pending word and the upcall flag in the
 * notified vCPU's vcpu_info. shared_info is the core's own page, so this
 * works for confidential guests too; a registered vcpu_info must be in a
 * page the guest shared. See docs/hv-evtchn.md.
 */
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>

#include "evtchn.h"
#include "hv.h"

#define BITS_PER_WORD (sizeof(xen_ulong_t) * 8)

static void *pending_bits(struct domain *d)
{
	return d->shared_info->evtchn_pending;
}

static void *mask_bits(struct domain *d)
{
	return d->shared_info->evtchn_mask;
}

/* The port's word is pending and unmasked: flag it in v's selector and raise the upcall. */
static void notify_word(struct hv_vcpu *v, evtchn_port_t port)
{
	uint8_t *vi = evtchn__vcpu_info(v);

	if (!vi)
		return;
	if (!evtchn_bit_test_and_set(vi + offsetof(struct vcpu_info, evtchn_pending_sel),
				     port / BITS_PER_WORD))
		evtchn__mark_upcall(v, port);
}

static void l2_set_pending(struct domain *d, struct hv_vcpu *v, evtchn_port_t port)
{
	if (evtchn_bit_test_and_set(pending_bits(d), port))
		return; /* already pending: the guest has not seen the last one yet */
	if (!evtchn_bit_test(mask_bits(d), port))
		notify_word(v, port);
	evtchn__check_pollers(d, port);
}

static void l2_clear_pending(struct domain *d, evtchn_port_t port)
{
	evtchn_bit_test_and_clear(pending_bits(d), port);
}

static void l2_unmask(struct domain *d, evtchn_port_t port)
{
	/* Unmask first, then look at pending: an event racing in is not lost. */
	if (evtchn_bit_test_and_clear(mask_bits(d), port) &&
	    evtchn_bit_test(pending_bits(d), port))
		notify_word(evtchn__notify_vcpu(d, port), port);
}

static bool l2_is_pending(struct domain *d, evtchn_port_t port)
{
	return evtchn_bit_test(pending_bits(d), port);
}

const struct evtchn_port_ops evtchn_2l_ops = {
	.name = "2-level",
	.nr_ports = EVTCHN_2L_NR_CHANNELS,
	.set_pending = l2_set_pending,
	.clear_pending = l2_clear_pending,
	.unmask = l2_unmask,
	.is_pending = l2_is_pending,
	.bound = NULL,
};
