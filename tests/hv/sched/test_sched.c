/*
 * hv/sched.c and hv/sched_legacy.c: every SCHEDOP through FastABI, 64-bit
 * legacy and 32-bit legacy with the same expectations (each test runs its
 * steps once per ABI on a fresh world), against the harness's fake clock;
 * wake-ups by real events (event channels), deadlines and their expiry,
 * shutdown reasons as the VMM sees them, watchdogs, and hostile inputs.
 */
#include <stdio.h>

#include "calls.h"

#include <xen/hvm/hvm_vcpu.h>

#include <fastabi/x86.h>


/* vCPU id of d up, through the real ops (initialise with a 64-bit context, up). */
static uint64_t runstate_sum(const struct vcpu_runstate_info *rs)
{
	return rs->time[0] + rs->time[1] + rs->time[2] + rs->time[3];
}

static void clear_pending(struct domain *d, evtchn_port_t port)
{
	uint8_t *b = (uint8_t *)d->shared_info->evtchn_pending + port / 8;
	*b &= (uint8_t)~(1u << (port % 8));
}

/* ---- yield ---- */

static void test_yield(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t t0 = h->now;

	harness__advance(h, 5 * MS);
	EQ(a, sched_noarg(v, a, SCHEDOP_yield), 0);
	EQ(a, v->runstate.state, RUNSTATE_running);
	EQ(a, v->runstate.state_entry_time, t0 + 5 * MS);
	harness__advance(h, 3 * MS);

	struct vcpu_runstate_info rs;
	EQ(a, vcpu_runstate(v, a, 0, &rs), 0);
	EQ(a, rs.state, RUNSTATE_running);
	EQ(a, rs.time[RUNSTATE_running], 8 * MS);
	EQ(a, rs.time[RUNSTATE_runnable], 0);
	EQ(a, runstate_sum(&rs), h->now - t0);
	EQ(a, hv_vcpu__runnable(v), true);
}

/* ---- block ---- */

static void test_block_woken_by_event(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
	bring_up(d, 1);
	evtchn_port_t port = bind_ipi(v0, 0);
	slot(v0)->evtchn_upcall_mask = 1;
	uint64_t t0 = h->now;

	EQ(a, sched_noarg(v0, a, SCHEDOP_block), 0);
	EQ(a, v0->blocked, true);
	EQ(a, hv_vcpu__runnable(v0), false);
	EQ(a, slot(v0)->evtchn_upcall_mask, 0); /* delivery enabled again */
	EQ(a, v0->runstate.state, RUNSTATE_blocked);

	unsigned kicks = h->kicks[d->id][0];
	harness__advance(h, 2 * MS);
	send(v1, port);
	EQ(a, v0->blocked, false);
	EQ(a, hv_vcpu__runnable(v0), true);
	EQ(a, hv_vcpu__upcall_pending(v0), true);
	EQ(a, h->kicks[d->id][0] > kicks, true);
	EQ(a, v0->runstate.state, RUNSTATE_running);

	struct vcpu_runstate_info rs;
	EQ(a, vcpu_runstate(v0, a, 0, &rs), 0);
	EQ(a, rs.time[RUNSTATE_blocked], 2 * MS);
	EQ(a, runstate_sum(&rs), h->now - t0);

	/* An upcall still pending: block returns at once. */
	EQ(a, sched_noarg(v0, a, SCHEDOP_block), 0);
	EQ(a, v0->blocked, false);
	EQ(a, hv_vcpu__runnable(v0), true);
}

/* A masked event neither raises an upcall nor ends a block. */
static void test_block_not_woken_by_masked_event(enum abi a, struct harness *h, struct domain *d)
{
	(void)h;
	struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
	bring_up(d, 1);
	evtchn_port_t port = bind_ipi(v0, 0);
	mask_port(d, port, true);

	EQ(a, sched_noarg(v0, a, SCHEDOP_block), 0);
	send(v1, port);
	EQ(a, hv_vcpu__runnable(v0), false);
	/* The guest's unmask delivers it, and the vCPU wakes. */
	EQ(a, hfast(v1, __HYPERVISOR_event_channel_op, EVTCHNOP_unmask, port), 0);
	EQ(a, hv_vcpu__runnable(v0), true);
}

/* ---- poll ---- */

static void test_poll_one_port(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
	bring_up(d, 1);
	evtchn_port_t p1 = bind_ipi(v0, 0), p2 = bind_ipi(v0, 0);
	mask_port(d, p1, true);
	mask_port(d, p2, true);

	/* No timeout: blocked until p1. */
	EQ(a, sched_poll(v0, a, 0, p1), 0);
	EQ(a, v0->polling, true);
	EQ(a, v0->poll_port, p1);
	EQ(a, hv_vcpu__runnable(v0), false);
	EQ(a, hv_vcpu__next_deadline(v0), 0);
	send(v1, p2); /* another port, masked: no upcall */
	EQ(a, hv_vcpu__runnable(v0), false);
	unsigned kicks = h->kicks[d->id][0];
	send(v1, p1);
	EQ(a, hv_vcpu__runnable(v0), true);
	EQ(a, v0->polling, false);
	EQ(a, h->kicks[d->id][0], kicks + 1);

	/* Already pending: at once. */
	EQ(a, sched_poll(v0, a, 0, p1), 0);
	EQ(a, hv_vcpu__runnable(v0), true);

	/* A deadline: reported, then its expiry ends the poll. */
	clear_pending(d, p1);
	uint64_t deadline = h->now + 10 * MS;
	unsigned changes = h->timer_changes[d->id][0];
	EQ(a, sched_poll(v0, a, deadline, p1), 0);
	EQ(a, hv_vcpu__runnable(v0), false);
	EQ(a, hv_vcpu__next_deadline(v0), deadline);
	EQ(a, h->timer_changes[d->id][0] > changes, true);
	harness__advance(h, 9 * MS);
	hv_vcpu__timer_expired(v0); /* early: nothing */
	EQ(a, hv_vcpu__runnable(v0), false);
	harness__advance(h, 1 * MS);
	hv_vcpu__timer_expired(v0);
	EQ(a, hv_vcpu__runnable(v0), true);
	EQ(a, hv_vcpu__next_deadline(v0), 0);

	/* A deadline in the past (or now): at once. */
	EQ(a, sched_poll(v0, a, h->now - 1, p1), 0);
	EQ(a, hv_vcpu__runnable(v0), true);
	EQ(a, sched_poll(v0, a, h->now, p1), 0);
	EQ(a, hv_vcpu__runnable(v0), true);
}

static void test_poll_upcall_pending_returns(enum abi a, struct harness *h, struct domain *d)
{
	(void)h;
	struct hv_vcpu *v = &d->vcpus[0];
	evtchn_port_t p = bind_ipi(v, 0);
	slot(v)->evtchn_upcall_pending = 1;
	EQ(a, sched_poll(v, a, 0, p), 0);
	EQ(a, hv_vcpu__runnable(v), true);
}

/* An event that raises an upcall for the polling vCPU ends its poll of another port. */
static void test_poll_ended_by_upcall(enum abi a, struct harness *h, struct domain *d)
{
	(void)h;
	struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
	bring_up(d, 1);
	evtchn_port_t p1 = bind_ipi(v0, 0), p2 = bind_ipi(v0, 0);
	mask_port(d, p1, true);
	EQ(a, sched_poll(v0, a, 0, p1), 0);
	send(v1, p2); /* unmasked: an upcall for vCPU 0 */
	EQ(a, hv_vcpu__runnable(v0), true);
}

static void test_poll_bad_port(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		unsigned n = evtchn__nr_ports(d);
		EQ(a, sched_poll(v, a, 0, n), -XEN_EINVAL);
		EQ(a, sched_poll(v, a, 0, 0xffffffffu), -XEN_EINVAL);
		EQ(a, sched_poll(v, a, h->now + MS, n), -XEN_EINVAL);
		EQ(a, v->blocked, false);
		EQ(a, hv_vcpu__next_deadline(v), 0);
		/* A valid but unbound port is never pending: the poll waits. */
		EQ(a, sched_poll(v, a, 0, n - 1), 0);
		EQ(a, v->blocked, true);
		harness__free(h);
	}
	/* FastABI: a port that does not fit 32 bits never reaches the core. */
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 1);
	assert_int_equal(hfast(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_poll, 0, 1ull << 32),
			 -XEN_EINVAL);
	assert_false(d->vcpus[0].blocked);
	harness__free(h);
}

/* The legacy poll of a list of ports, both layouts. */
static void test_poll_legacy_list(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 2);
		struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
		bring_up(d, 1);
		evtchn_port_t p[3] = { bind_ipi(v0, 0), bind_ipi(v0, 0), bind_ipi(v0, 0) };
		for (unsigned i = 0; i < 3; i++)
			mask_port(d, p[i], true);

		/* None pending: blocked, and any event of the domain ends it (as Xen). */
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll, put_poll(v0, a, 0, p, 3, 0), 0),
		   0);
		EQ(a, v0->poll_port, 0);
		EQ(a, hv_vcpu__runnable(v0), false);
		send(v1, p[2]);
		EQ(a, hv_vcpu__runnable(v0), true);

		/* One pending: at once. */
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll, put_poll(v0, a, 0, p, 3, 0), 0),
		   0);
		EQ(a, hv_vcpu__runnable(v0), true);

		/* An invalid port anywhere in the list before a pending one. */
		evtchn_port_t bad[2] = { 5000, p[2] };
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll, put_poll(v0, a, 0, bad, 2, 0), 0),
		   -XEN_EINVAL);
		/* ...and after one: the pending one answers first, as Xen walks the list. */
		evtchn_port_t late[2] = { p[2], 5000 };
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll, put_poll(v0, a, 0, late, 2, 0), 0),
		   0);

		/* Too many ports. */
		evtchn_port_t many[SCHED_POLL_MAX_PORTS + 1];
		for (unsigned i = 0; i <= SCHED_POLL_MAX_PORTS; i++)
			many[i] = p[0];
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll,
			     put_poll(v0, a, 0, many, SCHED_POLL_MAX_PORTS + 1, 0), 0),
		   -XEN_EINVAL);
		/* The most: fine (p[2] is still pending). */
		many[SCHED_POLL_MAX_PORTS - 1] = p[2];
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll,
			     put_poll(v0, a, 0, many, SCHED_POLL_MAX_PORTS, 0), 0),
		   0);

		/* Unreadable list, unreadable struct: -EFAULT and no block. */
		uint64_t outside = 0xf0000000ull; /* beyond RAM in both modes */
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll,
			     put_poll(v0, a, 0, NULL, 2, outside), 0),
		   -XEN_EFAULT);
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll, outside, 0), -XEN_EFAULT);
		EQ(a, v0->blocked, false);

		/* A list that straddles a page boundary is read whole. */
		clear_pending(d, p[2]);
		uint64_t va;
		evtchn_port_t *cross = harness__alloc_cross(h, d, 3 * sizeof(evtchn_port_t), 4, &va);
		memcpy(cross, p, sizeof(p));
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll, put_poll(v0, a, 0, NULL, 3, va), 0),
		   0);
		EQ(a, hv_vcpu__runnable(v0), false);
		send(v1, p[1]);
		EQ(a, hv_vcpu__runnable(v0), true);

		/* No ports, a deadline: waits for any event or the deadline. */
		EQ(a, legacy(v0, a, __HYPERVISOR_sched_op, SCHEDOP_poll,
			     put_poll(v0, a, h->now + MS, p, 0, 0), 0),
		   0);
		EQ(a, hv_vcpu__next_deadline(v0), h->now + MS);
		harness__advance(h, MS);
		hv_vcpu__timer_expired(v0);
		EQ(a, hv_vcpu__runnable(v0), true);
		harness__free(h);
	}
	/* 64-bit: an unmapped page of the 64-bit tables (page 0). */
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 1);
	assert_int_equal(hleg64(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_poll, 0x10), -XEN_EFAULT);
	harness__free(h);
}

/* ---- shutdown ---- */

static void test_shutdown_reasons(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		for (unsigned reason = SHUTDOWN_poweroff; reason <= SHUTDOWN_MAX; reason++) {
			struct domain *d;
			struct harness *h = world(&d, TEST_FLAGS, 2);
			bring_up(d, 1);
			struct hv_vcpu *v = &d->vcpus[0];
			v->singleshot_deadline = h->now + SEC;

			EQ(a, sched_reason(v, a, SCHEDOP_shutdown, reason), 0);
			EQ(a, h->shutdowns[d->id], 1);
			EQ(a, h->last_shutdown == d, true);
			EQ(a, d->shutdown, true);
			EQ(a, d->shutdown_reason, reason);
			for (unsigned i = 0; i < 2; i++) {
				EQ(a, d->vcpus[i].runstate.state, RUNSTATE_offline);
				EQ(a, hv_vcpu__runnable(&d->vcpus[i]), false);
			}
			/* Nothing fires for a dead domain. */
			EQ(a, hv_vcpu__next_deadline(v), 0);
			harness__advance(h, 2 * SEC);
			hv_vcpu__timer_expired(v);
			EQ(a, v->singleshot_deadline, h->now - SEC);
			harness__free(h);
		}
	}
}

static void test_shutdown_first_reason_sticks(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		EQ(a, sched_reason(v, a, SCHEDOP_shutdown, SHUTDOWN_reboot), 0);
		EQ(a, sched_reason(v, a, SCHEDOP_shutdown, SHUTDOWN_crash), 0);
		EQ(a, h->shutdowns[d->id], 1);
		EQ(a, d->shutdown_reason, SHUTDOWN_reboot);
		harness__free(h);
	}
}

static void test_shutdown_bad_reason(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		EQ(a, sched_reason(v, a, SCHEDOP_shutdown, SHUTDOWN_MAX + 1), -XEN_EINVAL);
		EQ(a, sched_reason(v, a, SCHEDOP_shutdown, 0xffffffffu), -XEN_EINVAL);
		EQ(a, sched_reason(v, a, SCHEDOP_shutdown_code, SHUTDOWN_MAX + 1), -XEN_EINVAL);
		EQ(a, h->nr_shutdowns, 0);
		EQ(a, d->shutdown, false);
		EQ(a, d->shutdown_code_set, false);
		harness__free(h);
	}
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 1);
	assert_int_equal(hfast(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_shutdown, 1ull << 32),
			 -XEN_EINVAL);
	/* Legacy: a struct the guest cannot give. */
	assert_int_equal(hleg64(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x20),
			 -XEN_EFAULT);
	assert_int_equal(hleg32(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_shutdown, 0xf0000000),
			 -XEN_EFAULT);
	assert_int_equal(hleg64(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_shutdown_code, 0x20),
			 -XEN_EFAULT);
	assert_int_equal(hleg64(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_watchdog, 0x20),
			 -XEN_EFAULT);
	assert_int_equal(hleg64(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_pin_override, 0x20),
			 -XEN_EFAULT);
	assert_int_equal(hleg64(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, 0x20),
			 -XEN_EFAULT);
	assert_false(d->shutdown_code_set);
	assert_int_equal(hv_vcpu__next_deadline(&d->vcpus[0]), 0);
	assert_int_equal(h->nr_shutdowns, 0);
	harness__free(h);
}

static void test_shutdown_code(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		EQ(a, sched_reason(v, a, SCHEDOP_shutdown_code, SHUTDOWN_crash), 0);
		EQ(a, d->shutdown, false);
		EQ(a, sched_reason(v, a, SCHEDOP_shutdown_code, SHUTDOWN_reboot), 0); /* ignored */
		EQ(a, sched_reason(v, a, SCHEDOP_shutdown, SHUTDOWN_poweroff), 0);
		EQ(a, h->shutdowns[d->id], 1);
		EQ(a, d->shutdown_reason, SHUTDOWN_crash);
		harness__free(h);
	}
}

/* ---- watchdog ---- */

static void test_watchdog(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t t0 = h->now;
	unsigned changes1 = h->timer_changes[d->id][1];

	EQ(a, sched_watchdog(v, a, 0, 5), 1);
	/* Every vCPU's deadline carries it. */
	EQ(a, hv_vcpu__next_deadline(v), t0 + 5 * SEC);
	EQ(a, hv_vcpu__next_deadline(&d->vcpus[1]), t0 + 5 * SEC);
	EQ(a, h->timer_changes[d->id][1] > changes1, true);
	EQ(a, sched_watchdog(v, a, 0, 10), 2);
	EQ(a, sched_watchdog(v, a, 0, 1), -XEN_ENOSPC);
	EQ(a, sched_watchdog(v, a, 1, 20), 0); /* re-armed */
	EQ(a, hv_vcpu__next_deadline(v), t0 + 10 * SEC);
	EQ(a, sched_watchdog(v, a, 2, 0), 0); /* destroyed */
	EQ(a, hv_vcpu__next_deadline(v), t0 + 20 * SEC);
	EQ(a, sched_watchdog(v, a, 2, 5), -XEN_EINVAL); /* not in use */
	EQ(a, sched_watchdog(v, a, HV_NR_WATCHDOGS + 1, 5), -XEN_EINVAL);
	EQ(a, sched_watchdog(v, a, 0xffffffffu, 5), -XEN_EINVAL);

	harness__advance(h, 20 * SEC - 1);
	hv_vcpu__timer_expired(v);
	EQ(a, d->shutdown, false);
	harness__advance(h, 1);
	hv_vcpu__timer_expired(&d->vcpus[1]); /* any vCPU's timer will do */
	EQ(a, d->shutdown, true);
	EQ(a, d->shutdown_reason, SHUTDOWN_watchdog);
	EQ(a, h->shutdowns[d->id], 1);
}

static void test_watchdog_poke_and_code(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		EQ(a, sched_watchdog(v, a, 0, 2), 1);
		for (unsigned i = 0; i < 5; i++) { /* poked in time: never fires */
			harness__advance(h, SEC);
			hv_vcpu__timer_expired(v);
			EQ(a, sched_watchdog(v, a, 1, 2), 0);
		}
		EQ(a, d->shutdown, false);
		/* A latched code wins over the watchdog's reason, as in Xen. */
		EQ(a, sched_reason(v, a, SCHEDOP_shutdown_code, SHUTDOWN_reboot), 0);
		harness__advance(h, 2 * SEC);
		hv_vcpu__timer_expired(v);
		EQ(a, d->shutdown_reason, SHUTDOWN_reboot);
		harness__free(h);
	}
	/* Freed slots are reused; a destroyed watchdog never fires. */
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 1);
	struct hv_vcpu *v = &d->vcpus[0];
	assert_int_equal(sched_watchdog(v, ABI_FAST, 0, 1), 1);
	assert_int_equal(sched_watchdog(v, ABI_FAST, 1, 0), 0);
	assert_int_equal(hv_vcpu__next_deadline(v), 0);
	harness__advance(h, 5 * SEC);
	hv_vcpu__timer_expired(v);
	assert_false(d->shutdown);
	assert_int_equal(sched_watchdog(v, ABI_FAST, 0, 1), 1);
	harness__free(h);
}

/* ---- pin_override ---- */

static void test_pin_override(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		EQ(a, sched_pin(&d->vcpus[0], a, 0), -XEN_EPERM);
		EQ(a, sched_pin(&d->vcpus[0], a, -1), -XEN_EPERM);
		harness__free(h);

		h = world(&d, TEST_FLAGS | DOMAIN_PRIVILEGED, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		EQ(a, sched_pin(v, a, 0), 0);
		EQ(a, v->pinned, true);
		EQ(a, v->pinned_pcpu, 0);
		EQ(a, sched_pin(v, a, 0), -XEN_EBUSY);
		EQ(a, sched_pin(v, a, -1), 0);
		EQ(a, v->pinned, false);
		EQ(a, sched_pin(v, a, -1), -XEN_EINVAL);
		EQ(a, sched_pin(v, a, 1 << 30), -XEN_EINVAL);
		EQ(a, v->pinned, false);
		harness__free(h);
	}
}

/* ---- legacy-only forms ---- */

static void test_remote_shutdown(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct harness *h = harness__new();
		struct domain *d0 = harness__domain(h, "hw", TEST_FLAGS | DOMAIN_PRIVILEGED, 1, 4);
		struct domain *d1 = harness__domain(h, "guest", TEST_FLAGS, 1, 4);
		struct sched_remote_shutdown r = { .domain_id = d0->id, .reason = SHUTDOWN_crash };

		/* Only the hardware domain. */
		EQ(a, legacy(&d1->vcpus[0], a, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown,
			     put(&d1->vcpus[0], &r, sizeof(r)), 0),
		   -XEN_EPERM);
		EQ(a, d0->shutdown, false);
		r.domain_id = 9;
		EQ(a, legacy(&d0->vcpus[0], a, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown,
			     put(&d0->vcpus[0], &r, sizeof(r)), 0),
		   -XEN_ESRCH);
		r.domain_id = d1->id;
		r.reason = SHUTDOWN_MAX + 1;
		EQ(a, legacy(&d0->vcpus[0], a, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown,
			     put(&d0->vcpus[0], &r, sizeof(r)), 0),
		   -XEN_EINVAL);
		r.reason = SHUTDOWN_reboot;
		EQ(a, legacy(&d0->vcpus[0], a, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown,
			     put(&d0->vcpus[0], &r, sizeof(r)), 0),
		   0);
		EQ(a, d1->shutdown, true);
		EQ(a, d1->shutdown_reason, SHUTDOWN_reboot);
		EQ(a, d0->shutdown, false);
		harness__free(h);
	}
	/* Not a FastABI operation. */
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS | DOMAIN_PRIVILEGED, 1);
	assert_int_equal(hfast(&d->vcpus[0], __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, 0, 0),
			 -XEN_ENOSYS);
	harness__free(h);
}

/*
 * Xen's HVM hypercall table has neither sched_op_compat (6) nor
 * event_channel_op_compat (16): HVM and PVH guests get -ENOSYS, whatever
 * the arguments, from 64-bit and 32-bit code alike.
 */
static void test_compat_hypercalls_refused(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 1);
	struct hv_vcpu *v = &d->vcpus[0];
	static const unsigned nrs[] = { __HYPERVISOR_sched_op_compat,
					__HYPERVISOR_event_channel_op_compat,
					__HYPERVISOR_physdev_op_compat };
	for (unsigned i = 0; i < 3; i++) {
		assert_null(legacy__handler(nrs[i]));
		assert_int_equal(hleg64(v, nrs[i], SCHEDOP_shutdown, SHUTDOWN_poweroff), -XEN_ENOSYS);
		assert_int_equal(hleg32(v, nrs[i], SCHEDOP_block, 0), -XEN_ENOSYS);
		assert_int_equal(hleg64(v, nrs[i], SCHEDOP_block, 0), -XEN_ENOSYS);
	}
	assert_false(d->shutdown);
	assert_false(v->blocked);
	harness__free(h);
}

/*
 * Item: blocking that blocks. A guest that registered no callback polls its
 * ports itself and never clears evtchn_upcall_pending: Xen's
 * hvm_local_events_need_delivery() is false for it (nothing to deliver on),
 * so its polls and blocks sleep until their port, deadline or a kick.
 */
static void test_poll_sleeps_without_callback(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0], *v1 = &d->vcpus[1];
	bring_up(d, 1);
	evtchn_port_t p1 = bind_ipi(v, 0), p2 = bind_ipi(v, 0);
	/* An event: the flag goes up and stays (nobody takes the upcall). */
	send(v1, p1);
	EQ(a, slot(v)->evtchn_upcall_pending, 1);
	EQ(a, h->kicks[d->id][0], 0);
	/* Polling the other port waits, each time, until its deadline. */
	for (int i = 0; i < 3; i++) {
		uint64_t deadline = h->now + 300 * MS;
		EQ(a, sched_poll(v, a, deadline, p2), 0);
		EQ(a, hv_vcpu__runnable(v), false);
		EQ(a, hv_vcpu__next_deadline(v), deadline);
		/* More events on the first port neither end the poll nor kick. */
		send(v1, p1);
		EQ(a, hv_vcpu__runnable(v), false);
		harness__set_time(h, deadline);
		hv_vcpu__timer_expired(v);
		EQ(a, hv_vcpu__runnable(v), true);
	}
	EQ(a, h->kicks[d->id][0], 3); /* one per deadline */
	/* Its own port ends it at once. */
	EQ(a, sched_poll(v, a, 0, p2), 0);
	send(v1, p2);
	EQ(a, hv_vcpu__runnable(v), true);
	/* SCHEDOP_block sleeps too (Xen: block unless local_events_need_delivery). */
	EQ(a, sched_noarg(v, a, SCHEDOP_block), 0);
	EQ(a, hv_vcpu__runnable(v), false);
}

/* With a callback vector the same flag is deliverable: only while the guest takes interrupts. */
static void test_poll_upcall_needs_vector_and_if(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	evtchn_port_t p = bind_ipi(v, 0);
	slot(v)->evtchn_upcall_pending = 1;
	/* Interrupts off: not deliverable, the poll waits even with a vector. */
	harness__callback_vector(d, TEST_CALLBACK_VECTOR);
	h->rflags = 0x2;
	EQ(a, sched_poll(v, a, 0, p), 0);
	EQ(a, hv_vcpu__runnable(v), false);
	sched__end_block(v);
	EQ(a, sched_noarg(v, a, SCHEDOP_block), 0);
	EQ(a, hv_vcpu__runnable(v), false);
	sched__end_block(v);
	/* On: returns at once, before the ports are even looked at (as Xen's do_poll). */
	h->rflags = HARNESS_RFLAGS;
	EQ(a, sched_poll(v, a, 0, p), 0);
	EQ(a, hv_vcpu__runnable(v), true);
	EQ(a, sched_poll(v, a, 0, evtchn__nr_ports(d)), 0);
	EQ(a, sched_noarg(v, a, SCHEDOP_block), 0);
	EQ(a, hv_vcpu__runnable(v), true);
	/* The per-vCPU upcall vector counts as well. */
	d->hvm_params[HVM_PARAM_CALLBACK_IRQ] = 0;
	EQ(a, sched_poll(v, a, 0, p), 0);
	EQ(a, hv_vcpu__runnable(v), false);
	sched__end_block(v);
	v->upcall_vector = 0xe0;
	EQ(a, sched_poll(v, a, 0, p), 0);
	EQ(a, hv_vcpu__runnable(v), true);
	/* An NMI is deliverable whatever IF says. */
	v->upcall_vector = 0;
	h->rflags = 0x2;
	v->nmi_pending = true;
	EQ(a, sched_noarg(v, a, SCHEDOP_block), 0);
	EQ(a, hv_vcpu__runnable(v), true);
}

/* An upcall raised while blocked wakes the vCPU only when there is a vector to deliver it on. */
static void test_block_woken_only_by_deliverable_upcall(void **state)
{
	(void)state;
	for (int cb = 0; cb < 2; cb++) {
		struct domain *d;
		struct harness *h = world_bare(&d, TEST_FLAGS, 2);
		struct hv_vcpu *v = &d->vcpus[0], *v1 = &d->vcpus[1];
		bring_up(d, 1);
		if (cb)
			harness__callback_vector(d, TEST_CALLBACK_VECTOR);
		evtchn_port_t p = bind_ipi(v, 0);
		assert_int_equal(sched_noarg(v, ABI_FAST, SCHEDOP_block), 0);
		send(v1, p);
		assert_int_equal(slot(v)->evtchn_upcall_pending, 1);
		assert_int_equal(hv_vcpu__runnable(v), cb);
		assert_int_equal(h->kicks[d->id][0], cb);
		harness__free(h);
	}
}

/*
 * The VMM saw the guest take an interrupt of its LAPIC while blocked or
 * polling (hv_vcpu__interrupted): the block ends as Xen's vcpu_unblock ends
 * it, the poll's deadline with it; hv_vcpu__blocked says which vCPUs wait.
 */
static void test_block_ended_by_interrupt(void **state)
{
	(void)state;
	for (int poll = 0; poll < 2; poll++) {
		struct domain *d;
		struct harness *h = world_bare(&d, TEST_FLAGS, 2);
		struct hv_vcpu *v = &d->vcpus[0];
		assert_false(hv_vcpu__blocked(v));
		assert_false(hv_vcpu__blocked(&d->vcpus[1])); /* down, not blocked */
		evtchn_port_t p = bind_ipi(v, 0);
		if (poll)
			assert_int_equal(sched_poll(v, ABI_FAST, h->now + 5 * MS, p), 0);
		else
			assert_int_equal(sched_noarg(v, ABI_FAST, SCHEDOP_block), 0);
		assert_true(hv_vcpu__blocked(v));
		assert_false(hv_vcpu__runnable(v));
		assert_int_equal(hv_vcpu__next_deadline(v) != 0, poll);
		hv_vcpu__interrupted(v);
		assert_false(hv_vcpu__blocked(v));
		assert_true(hv_vcpu__runnable(v));
		assert_int_equal(v->runstate.state, RUNSTATE_running);
		assert_int_equal(hv_vcpu__next_deadline(v), 0);
		hv_vcpu__interrupted(v); /* nothing to end: no change */
		assert_true(hv_vcpu__runnable(v));
		harness__free(h);
	}
}

/* set_timer_op (15): v's single-shot timer, the one VCPUOP_set_singleshot_timer sets. */
static int64_t set_timer_op(struct hv_vcpu *v, bool mode64, int64_t t)
{
	uint64_t u = (uint64_t)t;
	if (mode64)
		return hleg64(v, __HYPERVISOR_set_timer_op, u);
	/* 32-bit: low half, then high half. */
	return hleg32(v, __HYPERVISOR_set_timer_op, (uint32_t)u, u >> 32);
}

static void test_set_timer_op(void **state)
{
	(void)state;
	for (int m = 0; m < 2; m++) {
		bool mode64 = m == 0;
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		evtchn_port_t p = bind_virq(v, VIRQ_TIMER, 0);
		uint64_t now = h->now;

		/* Above 2^32 ns, so the 32-bit high half matters. */
		harness__set_time(h, 5 * SEC);
		now = h->now;
		assert_int_equal(set_timer_op(v, mode64, (int64_t)(now + 7 * MS)), 0);
		assert_int_equal(v->singleshot_deadline, now + 7 * MS);
		assert_int_equal(hv_vcpu__next_deadline(v), now + 7 * MS);
		/* It wakes a poll of the timer port on time. */
		assert_int_equal(sched_poll(v, ABI_FAST, 0, p), 0);
		assert_false(hv_vcpu__runnable(v));
		harness__set_time(h, now + 7 * MS);
		hv_vcpu__timer_expired(v);
		assert_true(hv_vcpu__runnable(v));
		assert_true(evtchn__port_pending(d, p));
		assert_int_equal(v->singleshot_deadline, 0);
		*(uint8_t *)((uint8_t *)d->shared_info->evtchn_pending + p / 8) &= (uint8_t)~(1u << (p % 8));
		now = h->now;
		/* 0 cancels, whichever call set it. */
		assert_int_equal(vcpu_singleshot(v, ABI_LEG64, 0, now + SEC, 0), 0);
		assert_int_equal(v->singleshot_deadline, now + SEC);
		assert_int_equal(set_timer_op(v, mode64, 0), 0);
		assert_int_equal(v->singleshot_deadline, 0);
		assert_int_equal(set_timer_op(v, mode64, (int64_t)(now + SEC)), 0);
		assert_int_equal(hleg64(v, __HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0), 0);
		assert_int_equal(v->singleshot_deadline, 0);
		/* In the past: the event at once. */
		assert_int_equal(set_timer_op(v, mode64, (int64_t)(now - 1)), 0);
		assert_true(evtchn__port_pending(d, p));
		assert_int_equal(v->singleshot_deadline, 0);
		*(uint8_t *)((uint8_t *)d->shared_info->evtchn_pending + p / 8) &= (uint8_t)~(1u << (p % 8));
		/* Negative, or 2^50 ns and more ahead: Xen's guard fires in 100 ms instead. */
		assert_int_equal(set_timer_op(v, mode64, -5), 0);
		assert_int_equal(v->singleshot_deadline, now + 100 * MS);
		assert_int_equal(set_timer_op(v, mode64, (int64_t)(now + (1ull << 50))), 0);
		assert_int_equal(v->singleshot_deadline, now + 100 * MS);
		assert_int_equal(set_timer_op(v, mode64, (int64_t)(now + (1ull << 50) - 1)), 0);
		assert_int_equal(v->singleshot_deadline, now + (1ull << 50) - 1);
		/* Not a FastABI hypercall. */
		assert_int_equal(hfast(v, __HYPERVISOR_set_timer_op, now + SEC), -XEN_ENOSYS);
		assert_int_equal(v->singleshot_deadline, now + (1ull << 50) - 1);
		harness__free(h);
	}
}

static void test_unknown_subops(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 1);
	struct hv_vcpu *v = &d->vcpus[0];
	HARNESS_LEGACY_ABIS(a) {
		EQ(a, legacy(v, a, __HYPERVISOR_sched_op, 8, 0, 0), -XEN_ENOSYS);
		EQ(a, legacy(v, a, __HYPERVISOR_sched_op, 0xffffffffu, 0, 0), -XEN_ENOSYS);
	}
	/* 64-bit: the whole register is the sub-op; yield in the low half is not yield. */
	assert_int_equal(hleg64(v, __HYPERVISOR_sched_op, (1ull << 32) | SCHEDOP_shutdown, 0),
			 -XEN_ENOSYS);
	assert_int_equal(hfast(v, __HYPERVISOR_sched_op, 8), -XEN_ENOSYS);
	assert_int_equal(hfast(v, __HYPERVISOR_sched_op, (1ull << 32) | SCHEDOP_yield), -XEN_ENOSYS);
	assert_false(d->shutdown);
	harness__free(h);
}

/* ---- two domains, confidential mode ---- */

static void test_two_domains(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct harness *h = harness__new();
		struct domain *da = harness__domain(h, "a", TEST_FLAGS, 2, 4);
		struct domain *db = harness__domain(h, "b", TEST_FLAGS, 2, 4);
		bring_up(da, 1);
		bring_up(db, 1);
		evtchn_port_t pa = bind_ipi(&da->vcpus[0], 0);
		evtchn_port_t pb = bind_ipi(&db->vcpus[0], 0);
		EQ(a, pa, pb); /* the same number in each domain */
		mask_port(da, pa, true);
		mask_port(db, pb, true);

		EQ(a, sched_poll(&da->vcpus[0], a, 0, pa), 0);
		EQ(a, sched_poll(&db->vcpus[0], a, 0, pb), 0);
		send(&db->vcpus[1], pb);
		EQ(a, hv_vcpu__runnable(&db->vcpus[0]), true);
		EQ(a, hv_vcpu__runnable(&da->vcpus[0]), false);

		EQ(a, sched_watchdog(&db->vcpus[0], a, 0, 1), 1);
		EQ(a, hv_vcpu__next_deadline(&da->vcpus[0]), 0);
		EQ(a, sched_reason(&db->vcpus[0], a, SCHEDOP_shutdown, SHUTDOWN_crash), 0);
		EQ(a, db->shutdown, true);
		EQ(a, da->shutdown, false);
		EQ(a, h->shutdowns[da->id], 0);
		send(&da->vcpus[1], pa);
		EQ(a, hv_vcpu__runnable(&da->vcpus[0]), true);
		harness__free(h);
	}
}

static void test_confidential(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL, 1);
	struct hv_vcpu *v = &d->vcpus[0];

	/* FastABI needs no guest memory for any of these. */
	assert_int_equal(sched_noarg(v, ABI_FAST, SCHEDOP_yield), 0);
	assert_int_equal(sched_watchdog(v, ABI_FAST, 0, 30), 1);
	evtchn_port_t p = bind_ipi(v, 0);
	assert_int_equal(sched_poll(v, ABI_FAST, h->now + MS, p), 0);
	assert_false(hv_vcpu__runnable(v));
	harness__advance(h, MS);
	hv_vcpu__timer_expired(v);
	assert_true(hv_vcpu__runnable(v));
	assert_int_equal(guestmem__refused(&d->mem), 0);

	/* Legacy: the struct is in private memory; refused, counted, nothing done. */
	assert_int_equal(sched_reason(v, ABI_LEG64, SCHEDOP_shutdown, SHUTDOWN_crash), -XEN_EACCES);
	assert_true(guestmem__refused(&d->mem) >= 1);
	assert_false(d->shutdown);
	uint64_t refused = guestmem__refused(&d->mem);
	assert_int_equal(sched_watchdog(v, ABI_LEG32, 1, 0), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), refused + 1);
	assert_int_equal(hv_vcpu__next_deadline(v) != 0, true); /* still armed */
	/* A legacy call without a pointer still works. */
	assert_int_equal(sched_noarg(v, ABI_LEG64, SCHEDOP_yield), 0);

	assert_int_equal(sched_reason(v, ABI_FAST, SCHEDOP_shutdown, SHUTDOWN_poweroff), 0);
	assert_int_equal(d->shutdown_reason, SHUTDOWN_poweroff);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		world_test(test_yield, 1),
		world_test(test_block_woken_by_event, 2),
		world_test(test_block_not_woken_by_masked_event, 2),
		world_test(test_poll_one_port, 2),
		world_test(test_poll_upcall_pending_returns, 1),
		world_test(test_poll_ended_by_upcall, 2),
		cmocka_unit_test(test_poll_bad_port),
		cmocka_unit_test(test_poll_legacy_list),
		cmocka_unit_test(test_shutdown_reasons),
		cmocka_unit_test(test_shutdown_first_reason_sticks),
		cmocka_unit_test(test_shutdown_bad_reason),
		cmocka_unit_test(test_shutdown_code),
		world_test(test_watchdog, 2),
		cmocka_unit_test(test_watchdog_poke_and_code),
		cmocka_unit_test(test_pin_override),
		cmocka_unit_test(test_remote_shutdown),
		cmocka_unit_test(test_compat_hypercalls_refused),
		world_bare_test(test_poll_sleeps_without_callback, 2),
		world_bare_test(test_poll_upcall_needs_vector_and_if, 1),
		cmocka_unit_test(test_block_woken_only_by_deliverable_upcall),
		cmocka_unit_test(test_block_ended_by_interrupt),
		cmocka_unit_test(test_set_timer_op),
		cmocka_unit_test(test_unknown_subops),
		cmocka_unit_test(test_two_domains),
		cmocka_unit_test(test_confidential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
