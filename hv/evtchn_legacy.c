/*
 * The legacy HYPERVISOR_event_channel_op(cmd, arg): arg is the guest-virtual
 * address of the sub-op's Xen struct. Copy it in, call the same core
 * function as FastABI, copy it back when the sub-op has results. The
 * structs have one layout for 64-bit and 32-bit guests (fixed-size members;
 * the one uint64_t is at offset 0), so both modes share this code.
 */
#include <stdint.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include <fastabi/xen-ext.h>

#include "evtchn.h"
#include "hv.h"
#include "legacy.h"

/* Big enough for every struct of the table. */
union evtchn_legacy_arg {
	struct evtchn_bind_interdomain bind_interdomain;
	struct evtchn_bind_virq bind_virq;
	struct evtchn_bind_pirq bind_pirq;
	struct evtchn_close close;
	struct evtchn_send send;
	struct evtchn_status status;
	struct evtchn_alloc_unbound alloc_unbound;
	struct evtchn_bind_ipi bind_ipi;
	struct evtchn_bind_vcpu bind_vcpu;
	struct evtchn_unmask unmask;
	struct evtchn_reset reset;
	struct evtchn_init_control init_control;
	struct evtchn_expand_array expand_array;
	struct evtchn_set_priority set_priority;
};

typedef int64_t evtchn_legacy_fn(struct hv_vcpu *v, union evtchn_legacy_arg *arg);

struct evtchn_legacy_op {
	evtchn_legacy_fn *fn;
	size_t size;
	bool copy_back; /* the sub-op has outputs */
};

/* One typed call per sub-op: the core function sees its own struct. */
#define OP(name) \
	static int64_t legacy_##name(struct hv_vcpu *v, union evtchn_legacy_arg *arg) \
	{ \
		return event_channel__##name(v, &arg->name); \
	}
OP(bind_interdomain)
OP(bind_virq)
OP(bind_pirq)
OP(close)
OP(send)
OP(status)
OP(alloc_unbound)
OP(bind_ipi)
OP(bind_vcpu)
OP(unmask)
OP(init_control)
OP(expand_array)
OP(set_priority)
#undef OP

/*
 * Xen's reset and reset_cont (common/event_channel.c): a reset in progress
 * refuses a new one, reset_cont continues one (-EBUSY otherwise), and a
 * reset that stops part-way continues as reset_cont.
 */
static int64_t legacy_reset(struct hv_vcpu *v, union evtchn_legacy_arg *arg)
{
	return evtchn__reset(v, &arg->reset, EVTCHN_RESET_START);
}

static int64_t legacy_reset_cont(struct hv_vcpu *v, union evtchn_legacy_arg *arg)
{
	return evtchn__reset(v, &arg->reset, EVTCHN_RESET_RESUME);
}

#define OP(name, out) [EVTCHNOP_##name] = { legacy_##name, sizeof(((union evtchn_legacy_arg *)0)->name), out }
static const struct evtchn_legacy_op evtchn_legacy_ops[] = {
	OP(bind_interdomain, true),
	OP(bind_virq, true),
	OP(bind_pirq, true),
	OP(close, false),
	OP(send, false),
	OP(status, true),
	OP(alloc_unbound, true),
	OP(bind_ipi, true),
	OP(bind_vcpu, false),
	OP(unmask, false),
	OP(reset, false),
	OP(init_control, true),
	OP(expand_array, false),
	OP(set_priority, false),
	[EVTCHNOP_reset_cont] = { legacy_reset_cont, sizeof(struct evtchn_reset), false },
};
#undef OP
#define NR_OPS (sizeof(evtchn_legacy_ops) / sizeof(evtchn_legacy_ops[0]))

int64_t legacy__event_channel_op(struct legacy_call *lc)
{
	uint64_t cmd = lc->arg[0];
	uint64_t va = lc->arg[1];
	union evtchn_legacy_arg arg = { 0 };

	if (cmd >= NR_OPS || !evtchn_legacy_ops[cmd].fn) {
		lc->call->why = "unknown event_channel_op";
		return -XEN_ENOSYS;
	}
	const struct evtchn_legacy_op *op = &evtchn_legacy_ops[cmd];
	int64_t ret = legacy__copy_from(lc, va, &arg, op->size);
	if (ret)
		return ret;
	ret = op->fn(lc->v, &arg);
	if (ret == -FASTABI_ERESTART) {
		/* reset keeps its progress in the domain and continues as reset_cont (Xen's "ih"). */
		lc->arg[0] = EVTCHNOP_reset_cont;
		lc->restart = true;
		return ret;
	}
	if (ret == 0 && op->copy_back)
		ret = legacy__copy_to(lc, va, &arg, op->size);
	return ret;
}
