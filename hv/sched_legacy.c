/*
 * The legacy decoders of sched_op (29): sched_op(cmd, arg) with arg the
 * guest-virtual address of the sub-op's Xen struct, and of set_timer_op
 * (15). They only copy structs in and call the core functions of sched.c.
 * (Xen 3.0.2's sched_op_compat, 6, is for PV guests only: not served.)
 */
#include <stdint.h>
#include <string.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "hv.h"
#include "legacy.h"
#include "sched_vcpu.h"

/* struct sched_poll as 32-bit code lays it out: a 32-bit handle, uint64_t aligned to 4. */
struct sched_poll_compat {
	uint32_t ports;
	uint32_t nr_ports;
	uint64_t timeout;
} __attribute__((packed));
_Static_assert(sizeof(struct sched_poll_compat) == 16, "i386 sched_poll is 16 bytes");

static int64_t legacy_poll(struct legacy_call *lc, uint64_t va)
{
	uint64_t ports_va, timeout;
	unsigned nr;
	int ret;

	if (lc->call->mode64) {
		struct sched_poll p;
		ret = legacy__copy_from(lc, va, &p, sizeof(p));
		if (ret)
			return ret;
		memcpy(&ports_va, &p.ports, sizeof(ports_va));
		nr = p.nr_ports;
		timeout = p.timeout;
	} else {
		struct sched_poll_compat p;
		ret = legacy__copy_from(lc, va, &p, sizeof(p));
		if (ret)
			return ret;
		ports_va = p.ports;
		nr = p.nr_ports;
		timeout = p.timeout;
	}
	if (nr > SCHED_POLL_MAX_PORTS)
		return -XEN_EINVAL;
	evtchn_port_t ports[SCHED_POLL_MAX_PORTS];
	ret = legacy__copy_from(lc, ports_va, ports, nr * sizeof(ports[0]));
	if (ret)
		return ret;
	return sched__poll_ports(lc->v, timeout, ports, nr);
}

int64_t legacy__sched_op(struct legacy_call *lc)
{
	struct hv_vcpu *v = lc->v;
	uint64_t va = lc->arg[1];
	int ret;

	/* The whole register is the sub-op (as the policy saw it): nothing is truncated. */
	switch (lc->arg[0]) {
	case SCHEDOP_yield:
		return sched__yield(v);
	case SCHEDOP_block:
		return sched__block(v);
	case SCHEDOP_shutdown:
	case SCHEDOP_shutdown_code: {
		struct sched_shutdown s;
		ret = legacy__copy_from(lc, va, &s, sizeof(s));
		if (ret)
			return ret;
		return lc->arg[0] == SCHEDOP_shutdown ? sched__shutdown(v, &s)
						      : sched__shutdown_code(v, &s);
	}
	case SCHEDOP_poll:
		return legacy_poll(lc, va);
	case SCHEDOP_remote_shutdown: {
		struct sched_remote_shutdown s;
		ret = legacy__copy_from(lc, va, &s, sizeof(s));
		if (ret)
			return ret;
		return sched__remote_shutdown(v, &s);
	}
	case SCHEDOP_watchdog: {
		struct sched_watchdog w;
		ret = legacy__copy_from(lc, va, &w, sizeof(w));
		if (ret)
			return ret;
		return sched__watchdog(v, &w);
	}
	case SCHEDOP_pin_override: {
		struct sched_pin_override p;
		ret = legacy__copy_from(lc, va, &p, sizeof(p));
		if (ret)
			return ret;
		return sched__pin_override(v, &p);
	}
	default:
		lc->call->why = "unknown sched_op";
		return -XEN_ENOSYS;
	}
}

/*
 * set_timer_op(timeout): the 64-bit form takes the s_time_t in one
 * register; 32-bit code passes it in two, low half first (Xen's
 * compat_set_timer_op(lo, hi)).
 */
int64_t legacy__set_timer_op(struct legacy_call *lc)
{
	uint64_t t = lc->call->mode64 ? lc->arg[0]
				      : ((uint64_t)(uint32_t)lc->arg[1] << 32) | (uint32_t)lc->arg[0];
	return sched__set_timer_op(lc->v, (int64_t)t);
}
