/*
 * hv/vcpu.c and hv/vcpu_legacy.c: every VCPUOP through FastABI, 64-bit
 * legacy and 32-bit legacy with the same expectations (each test runs its
 * steps once per ABI on a fresh world), with the harness's fake clock:
 * runstate accounting, timers as deadlines and VIRQ_TIMER on expiry, the
 * registered vcpu_info, runstate and time areas (what the guest finds in
 * them), and hostile inputs (ids, frames, unmapped, page-crossing and
 * private memory).
 */
#include <stdio.h>

#include "../sched/calls.h"

#include <xen/hvm/hvm_vcpu.h>

#include <fastabi/x86.h>

static bool port_pending(struct domain *d, evtchn_port_t port)
{
	return evtchn__port_pending(d, port);
}

static void clear_pending(struct domain *d, evtchn_port_t port)
{
	uint8_t *b = (uint8_t *)d->shared_info->evtchn_pending + port / 8;
	*b &= (uint8_t)~(1u << (port % 8));
}

/* The runstate the guest finds at host address p (64-bit or i386 layout). */
static struct vcpu_runstate_info read_runstate(const uint8_t *p, bool compat)
{
	struct vcpu_runstate_info rs;
	memset(&rs, 0, sizeof(rs));
	if (!compat) {
		memcpy(&rs, p, sizeof(rs));
	} else {
		memcpy(&rs.state, p, 4);
		memcpy(&rs.state_entry_time, p + 4, 8);
		memcpy(rs.time, p + 12, 32);
	}
	return rs;
}

static uint64_t sum4(const uint64_t t[4])
{
	return t[0] + t[1] + t[2] + t[3];
}

/* ---- vCPU ids ---- */

static void test_bad_vcpuid(void **state)
{
	(void)state;
	static const unsigned noarg_ops[] = {
		VCPUOP_up, VCPUOP_down, VCPUOP_is_up, VCPUOP_stop_periodic_timer,
		VCPUOP_stop_singleshot_timer, VCPUOP_send_nmi,
	};
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 2);
		struct hv_vcpu *v = &d->vcpus[0];
		static const uint64_t ids[] = { 2, HV_MAX_VCPUS, 0xffffffffu };
		for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			uint64_t id = ids[i];
			for (unsigned k = 0; k < sizeof(noarg_ops) / sizeof(noarg_ops[0]); k++)
				EQ(a, vcpu_noarg(v, a, noarg_ops[k], id), -XEN_ENOENT);
			struct vcpu_hvm_context c = ctx64(0x1000);
			EQ(a, vcpu_initialise(v, a, id, &c), -XEN_ENOENT);
			struct vcpu_runstate_info rs;
			EQ(a, vcpu_runstate(v, a, id, &rs), -XEN_ENOENT);
			EQ(a, vcpu_periodic(v, a, id, 10 * MS), -XEN_ENOENT);
			EQ(a, vcpu_singleshot(v, a, id, h->now + MS, 0), -XEN_ENOENT);
			EQ(a, vcpu_register_info(v, a, id, 0x100, 0), -XEN_ENOENT);
			uint64_t physid;
			EQ(a, vcpu_physid(v, a, id, &physid), -XEN_ENOENT);
			EQ(a, vcpu_phys_area(v, a, VCPUOP_register_runstate_phys_area, id, 0x100000),
			   -XEN_ENOENT);
			EQ(a, vcpu_phys_area(v, a, VCPUOP_register_vcpu_time_phys_area, id, 0x100000),
			   -XEN_ENOENT);
		}
		/* As Xen: the id is looked at before the argument pointer. */
		if (a != ABI_FAST)
			EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 5, 0xf0000000),
			   -XEN_ENOENT);
		EQ(a, v->online && !d->shutdown, true);
		EQ(a, h->nr_shutdowns, 0);
		harness__free(h);
	}
	/* An id that does not fit 32 bits: refused the same way by both decoders. */
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 2);
	assert_int_equal(vcpu_noarg(&d->vcpus[0], ABI_FAST, VCPUOP_is_up, 1ull << 32), -XEN_EINVAL);
	assert_int_equal(vcpu_noarg(&d->vcpus[0], ABI_LEG64, VCPUOP_is_up, 1ull << 32), -XEN_EINVAL);
	harness__free(h);
}

/* ---- initialise, up, down, is_up ---- */

static void test_initialise_up_down(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0], *v1 = &d->vcpus[1];

	EQ(a, vcpu_noarg(v, a, VCPUOP_is_up, 0), 1);
	EQ(a, vcpu_noarg(v, a, VCPUOP_is_up, 1), 0);
	/* Not initialised: up refuses. */
	EQ(a, vcpu_noarg(v, a, VCPUOP_up, 1), -XEN_EINVAL);

	struct vcpu_hvm_context c = ctx64(0x123000);
	EQ(a, vcpu_initialise(v, a, 1, &c), 0);
	EQ(a, v1->initialised, true);
	EQ(a, v1->context_pending, true);
	EQ(a, memcmp(&v1->context, &c, sizeof(c)), 0);
	EQ(a, v1->online, false);
	/* Once only; vCPU 0 booted initialised. */
	EQ(a, vcpu_initialise(v, a, 1, &c), -XEN_EEXIST);
	EQ(a, vcpu_initialise(v, a, 0, &c), -XEN_EEXIST);

	unsigned kicks = h->kicks[d->id][1];
	harness__advance(h, 4 * MS);
	EQ(a, vcpu_noarg(v, a, VCPUOP_up, 1), 0);
	EQ(a, vcpu_noarg(v, a, VCPUOP_is_up, 1), 1);
	EQ(a, h->kicks[d->id][1], kicks + 1);
	EQ(a, hv_vcpu__runnable(v1), true);
	EQ(a, vcpu_noarg(v, a, VCPUOP_up, 1), 0); /* already up: nothing */
	EQ(a, h->kicks[d->id][1], kicks + 1);

	struct vcpu_runstate_info rs;
	EQ(a, vcpu_runstate(v, a, 1, &rs), 0);
	EQ(a, rs.state, RUNSTATE_running);
	EQ(a, rs.time[RUNSTATE_offline], 4 * MS);

	harness__advance(h, MS);
	EQ(a, vcpu_noarg(v, a, VCPUOP_down, 1), 0);
	EQ(a, vcpu_noarg(v, a, VCPUOP_is_up, 1), 0);
	EQ(a, hv_vcpu__runnable(v1), false);
	EQ(a, vcpu_runstate(v, a, 1, &rs), 0);
	EQ(a, rs.state, RUNSTATE_offline);
	EQ(a, rs.time[RUNSTATE_running], MS);
	/* Down twice is fine; down keeps the context: up again works. */
	EQ(a, vcpu_noarg(v, a, VCPUOP_down, 1), 0);
	EQ(a, vcpu_noarg(v, a, VCPUOP_up, 1), 0);
	EQ(a, vcpu_noarg(v, a, VCPUOP_is_up, 1), 1);
	EQ(a, d->shutdown, false);
}

static void test_down_last_vcpu_powers_off(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	/* vCPU 1 is down already: downing 1 again is not the last going down. */
	EQ(a, vcpu_noarg(v, a, VCPUOP_down, 1), 0);
	EQ(a, d->shutdown, false);
	EQ(a, vcpu_noarg(v, a, VCPUOP_down, 0), 0);
	EQ(a, d->shutdown, true);
	EQ(a, d->shutdown_reason, SHUTDOWN_poweroff);
	EQ(a, h->shutdowns[d->id], 1);
}

static void test_initialise_bad_context(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 2);
		struct hv_vcpu *v = &d->vcpus[0];
		struct vcpu_hvm_context c = ctx64(0x1000);

		c.mode = 2;
		EQ(a, vcpu_initialise(v, a, 1, &c), -XEN_EINVAL);
		c = ctx64(0x1000);
		c.pad = 1;
		EQ(a, vcpu_initialise(v, a, 1, &c), -XEN_EINVAL);
		c = ctx64(0x0000800000000000ull); /* not canonical */
		EQ(a, vcpu_initialise(v, a, 1, &c), -XEN_EINVAL);
		c = ctx64(0x1000);
		c.cpu_regs.x86_64.cr0 = 1; /* no paging */
		EQ(a, vcpu_initialise(v, a, 1, &c), -XEN_EINVAL);
		c = ctx64(0x1000);
		c.cpu_regs.x86_64.efer = 0; /* no long mode */
		EQ(a, vcpu_initialise(v, a, 1, &c), -XEN_EINVAL);
		c = ctx64(0x1000);
		c.cpu_regs.x86_64.cr4 = 0; /* no PAE */
		EQ(a, vcpu_initialise(v, a, 1, &c), -XEN_EINVAL);
		memset(&c, 0, sizeof(c));
		c.mode = VCPU_HVM_MODE_32B;
		c.cpu_regs.x86_32.pad2[1] = 1;
		EQ(a, vcpu_initialise(v, a, 1, &c), -XEN_EINVAL);
		EQ(a, d->vcpus[1].initialised, false);
		/* A 32-bit context is fine. */
		c.cpu_regs.x86_32.pad2[1] = 0;
		c.cpu_regs.x86_32.eip = 0x7c00;
		EQ(a, vcpu_initialise(v, a, 1, &c), 0);
		EQ(a, d->vcpus[1].context.cpu_regs.x86_32.eip, 0x7c00);
		harness__free(h);
	}
	/* The context where the guest has no memory. */
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 2);
	struct hv_vcpu *v = &d->vcpus[0];
	assert_int_equal(hfast(v, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, 0xf0000), -XEN_EFAULT);
	assert_int_equal(hfast(v, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, UINT64_MAX >> 12),
			 -XEN_EFAULT);
	assert_int_equal(hfast(v, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, UINT64_MAX),
			 -XEN_EFAULT);
	assert_int_equal(hleg64(v, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, 0), -XEN_EFAULT);
	assert_int_equal(hleg32(v, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, 0xf0000000),
			 -XEN_EFAULT);
	/* ...or where it straddles two pages (legacy: read whole). */
	uint64_t va;
	struct vcpu_hvm_context c = ctx64(0x4000);
	void *p = harness__alloc_cross(h, d, sizeof(c), 40, &va);
	memcpy(p, &c, sizeof(c));
	assert_int_equal(hleg64(v, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, va), 0);
	assert_int_equal(d->vcpus[1].context.cpu_regs.x86_64.rip, 0x4000);
	harness__free(h);
}

/* ---- runstate ---- */

static void test_runstate_accounting(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 2);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t t0 = h->now;
		struct vcpu_runstate_info rs;

		EQ(a, vcpu_runstate(v, a, 0, &rs), 0);
		EQ(a, rs.state, RUNSTATE_running);
		EQ(a, rs.state_entry_time, t0);
		EQ(a, sum4(rs.time), 0);

		/* running 3 ms, blocked 5 ms, runnable 1 ms (the VMM says), running 2 ms. */
		harness__advance(h, 3 * MS);
		EQ(a, sched_noarg(v, a, SCHEDOP_block), 0);
		harness__advance(h, 5 * MS);
		slot(v)->evtchn_upcall_pending = 1;
		hv_vcpu__upcall_raised(v);
		hv_vcpu__set_runstate(v, RUNSTATE_runnable);
		harness__advance(h, 1 * MS);
		hv_vcpu__set_runstate(v, RUNSTATE_running);
		harness__advance(h, 2 * MS);

		EQ(a, vcpu_runstate(v, a, 0, &rs), 0);
		EQ(a, rs.state, RUNSTATE_running);
		EQ(a, rs.state_entry_time, t0 + 9 * MS);
		EQ(a, rs.time[RUNSTATE_running], 5 * MS);
		EQ(a, rs.time[RUNSTATE_blocked], 5 * MS);
		EQ(a, rs.time[RUNSTATE_runnable], 1 * MS);
		EQ(a, rs.time[RUNSTATE_offline], 0);
		EQ(a, sum4(rs.time), h->now - t0);

		/* An offline vCPU accumulates offline time from creation. */
		EQ(a, vcpu_runstate(v, a, 1, &rs), 0);
		EQ(a, rs.state, RUNSTATE_offline);
		EQ(a, rs.time[RUNSTATE_offline], h->now - t0);
		EQ(a, sum4(rs.time), h->now - t0);

		/* The VMM's out-of-range states are ignored; a clock standing still adds nothing. */
		hv_vcpu__set_runstate(v, 7);
		hv_vcpu__set_runstate(v, -1);
		EQ(a, v->runstate.state, RUNSTATE_running);
		hv_vcpu__set_runstate(v, RUNSTATE_running);
		EQ(a, vcpu_runstate(v, a, 0, &rs), 0);
		EQ(a, sum4(rs.time), h->now - t0);
		harness__free(h);
	}
}

/* ---- periodic timer ---- */

static void test_periodic_timer(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	evtchn_port_t port = bind_virq(v, VIRQ_TIMER, 0);

	EQ(a, vcpu_periodic(v, a, 0, MS - 1), -XEN_EINVAL);
	EQ(a, vcpu_periodic(v, a, 0, 0), -XEN_EINVAL);
	EQ(a, vcpu_periodic(v, a, 0, VCPU_PERIODIC_MAX_NS + 1), -XEN_EINVAL);
	EQ(a, vcpu_periodic(v, a, 0, UINT64_MAX), -XEN_EINVAL);
	EQ(a, hv_vcpu__next_deadline(v), 0);

	unsigned changes = h->timer_changes[d->id][0];
	uint64_t t0 = h->now;
	EQ(a, vcpu_periodic(v, a, 0, 10 * MS), 0);
	EQ(a, hv_vcpu__next_deadline(v), t0 + 10 * MS);
	EQ(a, h->timer_changes[d->id][0], changes + 1);

	harness__advance(h, 10 * MS);
	hv_vcpu__timer_expired(v);
	EQ(a, port_pending(d, port), true);
	EQ(a, hv_vcpu__upcall_pending(v), true);
	EQ(a, hv_vcpu__next_deadline(v), t0 + 20 * MS);

	/* Late by 25 ms: one event, the next period counts from now (as Xen). */
	clear_pending(d, port);
	harness__advance(h, 25 * MS);
	hv_vcpu__timer_expired(v);
	EQ(a, port_pending(d, port), true);
	EQ(a, hv_vcpu__next_deadline(v), h->now + 10 * MS);

	/* Early: nothing. */
	clear_pending(d, port);
	harness__advance(h, 5 * MS);
	hv_vcpu__timer_expired(v);
	EQ(a, port_pending(d, port), false);

	/* Another vCPU's periodic timer may be set (Xen allows it). */
	EQ(a, vcpu_periodic(v, a, 1, MS), 0);
	EQ(a, hv_vcpu__next_deadline(&d->vcpus[1]), h->now + MS);

	EQ(a, vcpu_noarg(v, a, VCPUOP_stop_periodic_timer, 0), 0);
	EQ(a, hv_vcpu__next_deadline(v), 0);
	harness__advance(h, 100 * MS);
	hv_vcpu__timer_expired(v);
	EQ(a, port_pending(d, port), false);
	EQ(a, vcpu_noarg(v, a, VCPUOP_stop_periodic_timer, 0), 0); /* stopped twice */
}

/* ---- single-shot timer ---- */

static void test_singleshot_timer(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	evtchn_port_t port = bind_virq(v, VIRQ_TIMER, 0);
	uint64_t t0 = h->now;

	/* Only for oneself (Xen: -EINVAL). */
	EQ(a, vcpu_singleshot(v, a, 1, t0 + MS, 0), -XEN_EINVAL);
	EQ(a, vcpu_noarg(v, a, VCPUOP_stop_singleshot_timer, 1), -XEN_EINVAL);

	/* In the future: a deadline, then VIRQ_TIMER once at it. */
	unsigned changes = h->timer_changes[d->id][0];
	EQ(a, vcpu_singleshot(v, a, 0, t0 + 3 * MS, VCPU_SSHOTTMR_future), 0);
	EQ(a, hv_vcpu__next_deadline(v), t0 + 3 * MS);
	EQ(a, h->timer_changes[d->id][0], changes + 1);
	harness__advance(h, 3 * MS - 1);
	hv_vcpu__timer_expired(v);
	EQ(a, port_pending(d, port), false);
	harness__advance(h, 1);
	hv_vcpu__timer_expired(v);
	EQ(a, port_pending(d, port), true);
	EQ(a, hv_vcpu__next_deadline(v), 0);
	clear_pending(d, port);
	hv_vcpu__timer_expired(v);
	EQ(a, port_pending(d, port), false);

	/* In the past with the future flag: -ETIME, nothing fires. */
	EQ(a, vcpu_singleshot(v, a, 0, h->now - 1, VCPU_SSHOTTMR_future), -XEN_ETIME);
	EQ(a, port_pending(d, port), false);
	EQ(a, hv_vcpu__next_deadline(v), 0);
	/* Now, with the flag: not in the past, so it fires at once. */
	EQ(a, vcpu_singleshot(v, a, 0, h->now, VCPU_SSHOTTMR_future), 0);
	EQ(a, port_pending(d, port), true);
	clear_pending(d, port);
	/* In the past without the flag: fires at once, and an armed one is gone. */
	EQ(a, vcpu_singleshot(v, a, 0, h->now + SEC, 0), 0);
	changes = h->timer_changes[d->id][0];
	EQ(a, vcpu_singleshot(v, a, 0, 1, 0), 0);
	EQ(a, h->timer_changes[d->id][0], changes + 1);
	EQ(a, port_pending(d, port), true);
	EQ(a, hv_vcpu__next_deadline(v), 0);
	clear_pending(d, port);

	/* Stopped before it fires. */
	EQ(a, vcpu_singleshot(v, a, 0, h->now + MS, 0), 0);
	EQ(a, vcpu_noarg(v, a, VCPUOP_stop_singleshot_timer, 0), 0);
	EQ(a, hv_vcpu__next_deadline(v), 0);
	harness__advance(h, 2 * MS);
	hv_vcpu__timer_expired(v);
	EQ(a, port_pending(d, port), false);

	/* Unknown flags are ignored, as Xen ignores them. */
	EQ(a, vcpu_singleshot(v, a, 0, h->now + MS, 0x80000000u), 0);
	EQ(a, hv_vcpu__next_deadline(v), h->now + MS);
}

/* The timer event wakes a blocked vCPU; the earliest of several deadlines is reported. */
static void test_timer_wakes_block(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	(void)bind_virq(v, VIRQ_TIMER, 0);
	EQ(a, vcpu_periodic(v, a, 0, 50 * MS), 0);
	EQ(a, vcpu_singleshot(v, a, 0, h->now + 7 * MS, 0), 0);
	EQ(a, sched_watchdog(v, a, 0, 1), 1);
	EQ(a, hv_vcpu__next_deadline(v), h->now + 7 * MS);
	EQ(a, sched_noarg(v, a, SCHEDOP_block), 0);
	EQ(a, hv_vcpu__runnable(v), false);
	harness__advance(h, 7 * MS);
	hv_vcpu__timer_expired(v);
	EQ(a, hv_vcpu__runnable(v), true);
	EQ(a, hv_vcpu__next_deadline(v), h->now + 43 * MS);
}

/* ---- vcpu_info ---- */

static void test_register_vcpu_info(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	bring_up(d, 1);
	uint64_t va;
	uint8_t *page = harness__alloc_page(h, d, &va);
	uint64_t mfn = va >> PAGE_SHIFT;

	/* The structure must fit the page. */
	EQ(a, vcpu_register_info(v, a, 0, mfn, PAGE_SIZE - sizeof(struct vcpu_info) + 1),
	   -XEN_EINVAL);
	EQ(a, vcpu_register_info(v, a, 0, mfn, 0xffffffffu), -XEN_EINVAL);
	/* RAM only. */
	EQ(a, vcpu_register_info(v, a, 0, 0xf0000, 0), -XEN_EINVAL);
	EQ(a, vcpu_register_info(v, a, 0, UINT64_MAX >> 11, 0), -XEN_EINVAL);
	/* Someone else's vCPU that is up. */
	EQ(a, vcpu_register_info(v, a, 1, mfn, 0), -XEN_EINVAL);
	EQ(a, v->vcpu_info_registered, false);

	/* Ours: the new place starts as a copy, with everything flagged pending. */
	slot(v)->evtchn_upcall_mask = 1;
	slot(v)->arch.cr2 = 0xabcdef;
	unsigned kicks = h->kicks[d->id][0];
	size_t off = PAGE_SIZE - sizeof(struct vcpu_info);
	EQ(a, vcpu_register_info(v, a, 0, mfn, off), 0);
	struct vcpu_info *vi = (struct vcpu_info *)(page + off);
	EQ(a, v->vcpu_info_registered, true);
	EQ(a, vi->evtchn_upcall_mask, 1);
	EQ(a, vi->arch.cr2, 0xabcdef);
	EQ(a, vi->evtchn_upcall_pending, 1);
	EQ(a, vi->evtchn_pending_sel, ~(xen_ulong_t)0);
	EQ(a, vi->time.version % 2, 0);
	EQ(a, vi->time.system_time, h->now);
	EQ(a, h->kicks[d->id][0] > kicks, true);
	EQ(a, hv_vcpu__upcall_pending(v), true);
	/* Only once. */
	EQ(a, vcpu_register_info(v, a, 0, mfn, 0), -XEN_EEXIST);

	/* Events now arrive in the new place, and block looks there. */
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	EQ(a, hv_vcpu__upcall_pending(v), false);
	EQ(a, sched_noarg(v, a, SCHEDOP_block), 0);
	EQ(a, vi->evtchn_upcall_mask, 0);
	EQ(a, hv_vcpu__runnable(v), false);
	evtchn_port_t port = bind_ipi(&d->vcpus[1], 0);
	send(&d->vcpus[1], port);
	EQ(a, vi->evtchn_upcall_pending, 1);
	EQ(a, hv_vcpu__runnable(v), true);

	/* A vCPU that is down may be given one by another, anywhere in the
	 * page as long as it is naturally aligned. */
	EQ(a, vcpu_register_info(v, a, 2, mfn, 100), -XEN_EINVAL);
	EQ(a, vcpu_register_info(v, a, 2, mfn, 104), 0);
	EQ(a, d->vcpus[2].vcpu_info_gpa.v, va + 104);
}

static void test_register_vcpu_info_confidential(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL, 1);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;
	uint8_t *page = harness__alloc_page(h, d, &va);

	/* A private page: refused and counted, nothing written, nothing changed. */
	assert_int_equal(vcpu_register_info(v, ABI_FAST, 0, va >> 12, 0), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 1);
	assert_false(v->vcpu_info_registered);
	assert_int_equal(page[offsetof(struct vcpu_info, evtchn_upcall_pending)], 0);

	/* Shared: fine. */
	assert_int_equal(guestmem__share(&d->mem, gfn(va >> 12), 1), 0);
	assert_int_equal(vcpu_register_info(v, ABI_FAST, 0, va >> 12, 0), 0);
	assert_true(hv_vcpu__upcall_pending(v));
	/* Made private again: the core no longer touches it (and counts each refusal). */
	assert_int_equal(guestmem__unshare(&d->mem, gfn(va >> 12), 1), 0);
	page[offsetof(struct vcpu_info, evtchn_upcall_pending)] = 0;
	uint64_t refused = guestmem__refused(&d->mem);
	assert_false(hv_vcpu__upcall_pending(v));
	assert_int_equal(guestmem__refused(&d->mem), refused + 1);
	assert_int_equal(sched_noarg(v, ABI_FAST, SCHEDOP_block), 0);
	assert_true(v->blocked);
	harness__free(h);

	/* The context of VCPUOP_initialise: read only from a shared page. */
	h = world(&d, DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL, 2);
	v = &d->vcpus[0];
	struct vcpu_hvm_context c = ctx64(0x2000);
	assert_int_equal(vcpu_initialise(v, ABI_FAST, 1, &c), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 1);
	assert_false(d->vcpus[1].initialised);
	page = harness__alloc_page(h, d, &va);
	memcpy(page, &c, sizeof(c));
	assert_int_equal(guestmem__share(&d->mem, gfn(va >> 12), 1), 0);
	assert_int_equal(hfast(v, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, va >> 12), 0);
	assert_int_equal(d->vcpus[1].context_gfn, va >> 12);
	assert_int_equal(vcpu_noarg(v, ABI_FAST, VCPUOP_up, 1), 0);
	assert_int_equal(guestmem__refused(&d->mem), 1);
	harness__free(h);

	/* Legacy: the struct itself is private. */
	h = world(&d, DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL, 1);
	v = &d->vcpus[0];
	page = harness__alloc_page(h, d, &va);
	assert_int_equal(guestmem__share(&d->mem, gfn(va >> 12), 1), 0);
	assert_int_equal(vcpu_register_info(v, ABI_LEG64, 0, va >> 12, 0), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 1);
	assert_false(v->vcpu_info_registered);
	harness__free(h);
}

/* ---- send_nmi, get_physid ---- */

static void test_send_nmi(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 2);
		struct hv_vcpu *v = &d->vcpus[0];
		unsigned kicks = h->kicks[d->id][1];
		EQ(a, vcpu_noarg(v, a, VCPUOP_send_nmi, 1), 0);
		EQ(a, d->vcpus[1].nmi_pending, true);
		EQ(a, h->kicks[d->id][1], kicks + 1);
		EQ(a, vcpu_noarg(v, a, VCPUOP_send_nmi, 1), 0); /* one pending NMI at most */
		EQ(a, h->kicks[d->id][1], kicks + 1);
		EQ(a, d->vcpus[0].nmi_pending, false);
		harness__free(h);
	}
	/* Legacy: Xen wants no argument. */
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 2);
	assert_int_equal(hleg64(&d->vcpus[0], __HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 1, 0x1000),
			 -XEN_EINVAL);
	assert_false(d->vcpus[1].nmi_pending);
	harness__free(h);
}

static void test_get_physid(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 2);
		uint64_t id = 0x5555;
		/* Not the hardware domain: Xen's -EINVAL, and nothing written. */
		EQ(a, vcpu_physid(&d->vcpus[0], a, 1, &id), -XEN_EINVAL);
		EQ(a, id, 0x5555);
		harness__free(h);

		h = world(&d, TEST_FLAGS | DOMAIN_PRIVILEGED, 2);
		d->vcpus[1].phys_id = 0x0000000700000003ull; /* acpi 7, apic 3 */
		EQ(a, vcpu_physid(&d->vcpus[0], a, 1, &id), 0);
		EQ(a, id, 0x0000000700000003ull);
		harness__free(h);
	}
}

/* ---- runstate and time areas, phys forms ---- */

static void test_runstate_phys_area(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	bool compat = a == ABI_LEG32;
	size_t size = compat ? 44 : 48;
	uint64_t va;
	uint8_t *page = harness__alloc_page(h, d, &va);
	unsigned cmd = VCPUOP_register_runstate_phys_area;

	/* Crossing a page, misaligned: -ENXIO; outside RAM: -EINVAL. */
	EQ(a, vcpu_phys_area(v, a, cmd, 0, va + PAGE_SIZE - size + 8), -XEN_ENXIO);
	EQ(a, vcpu_phys_area(v, a, cmd, 0, va + 2), -XEN_ENXIO);
	EQ(a, vcpu_phys_area(v, a, cmd, 0, 0xf0000000), -XEN_EINVAL);
	EQ(a, v->runstate_area_phys, false);

	/* The last bytes of a page: fine; written at once. */
	uint64_t t0 = h->now;
	harness__advance(h, MS);
	uint64_t at = va + PAGE_SIZE - size;
	EQ(a, vcpu_phys_area(v, a, cmd, 0, at), 0);
	struct vcpu_runstate_info g = read_runstate(page + PAGE_SIZE - size, compat);
	EQ(a, g.state, RUNSTATE_running);
	EQ(a, g.state_entry_time, t0);

	/* Kept up to date on every change, with the update flag cleared after. */
	EQ(a, sched_noarg(v, a, SCHEDOP_block), 0);
	g = read_runstate(page + PAGE_SIZE - size, compat);
	EQ(a, g.state, RUNSTATE_blocked);
	EQ(a, g.state_entry_time, t0 + MS);
	EQ(a, g.time[RUNSTATE_running], MS);
	EQ(a, sum4(g.time), g.state_entry_time - t0);

	/* Another vCPU's area may be registered too (vCPU 1 is offline). */
	EQ(a, vcpu_phys_area(v, a, cmd, 1, va), 0);
	g = read_runstate(page, compat);
	EQ(a, g.state, RUNSTATE_offline);

	/* ~0 unregisters: no more writes. */
	EQ(a, vcpu_phys_area(v, a, cmd, 0, UINT64_MAX), 0);
	EQ(a, v->runstate_area_phys, false);
	memset(page + PAGE_SIZE - size, 0x77, size);
	slot(v)->evtchn_upcall_pending = 1;
	hv_vcpu__upcall_raised(v);
	EQ(a, v->runstate.state, RUNSTATE_running);
	EQ(a, page[PAGE_SIZE - size], 0x77);
}

static void test_time_phys_area(enum abi a, struct harness *h, struct domain *d)
{
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;
	uint8_t *page = harness__alloc_page(h, d, &va);
	unsigned cmd = VCPUOP_register_vcpu_time_phys_area;
	(void)bind_virq(v, VIRQ_TIMER, 0);

	EQ(a, vcpu_phys_area(v, a, cmd, 0, va + PAGE_SIZE - 16), -XEN_ENXIO);
	EQ(a, vcpu_phys_area(v, a, cmd, 0, va + 2), -XEN_ENXIO);
	/* Aligned as an unsigned long of the caller: 8 bytes, 4 for 32-bit code. */
	if (a != ABI_LEG32)
		EQ(a, vcpu_phys_area(v, a, cmd, 0, va + 4), -XEN_ENXIO);
	EQ(a, vcpu_phys_area(v, a, cmd, 0, 0xf0000000), -XEN_EINVAL);

	struct vcpu_time_info *t = (struct vcpu_time_info *)(page + 64);
	t->version = 6; /* the guest's counter is continued */
	EQ(a, vcpu_phys_area(v, a, cmd, 0, va + 64), 0);
	EQ(a, t->version, 8);
	EQ(a, t->system_time, h->now);
	EQ(a, t->tsc_timestamp, h->now);
	EQ(a, t->tsc_to_system_mul, 0x80000000u);
	EQ(a, t->tsc_shift, 1);
	/* The 1 GHz counter these describe: 1000 ticks are 1000 ns. */
	uint64_t ticks = 1000;
	EQ(a, ((ticks << t->tsc_shift) * t->tsc_to_system_mul) >> 32, 1000);

	/* Updated when the timer fires. */
	EQ(a, vcpu_singleshot(v, a, 0, h->now + MS, 0), 0);
	harness__advance(h, MS);
	hv_vcpu__timer_expired(v);
	EQ(a, t->version, 10);
	EQ(a, t->system_time, h->now);
	/* The primary copy in vcpu_info too. */
	EQ(a, slot(v)->time.system_time, h->now);
	EQ(a, slot(v)->time.version % 2, 0);

	EQ(a, vcpu_phys_area(v, a, cmd, 0, UINT64_MAX), 0);
	EQ(a, vcpu_singleshot(v, a, 0, 0, 0), 0); /* fires at once, area not written */
	EQ(a, t->version, 10);
}

/* Special pages (shared_info, grant frames) are not RAM: no area goes there. */
static void test_areas_not_in_special_pages(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS | DOMAIN_FIXED_LAYOUT, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		assert_true(d->shared_info_mapped);
		uint64_t si = gfn_val(d->shared_info_gfn);
		EQ(a, vcpu_phys_area(v, a, VCPUOP_register_runstate_phys_area, 0, si << 12),
		   -XEN_EINVAL);
		EQ(a, vcpu_phys_area(v, a, VCPUOP_register_vcpu_time_phys_area, 0, si << 12),
		   -XEN_EINVAL);
		EQ(a, vcpu_register_info(v, a, 0, si, 0), -XEN_EINVAL);
		harness__free(h);
	}
}

static void test_phys_areas_confidential(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL, 1);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;
	uint8_t *page = harness__alloc_page(h, d, &va);

	assert_int_equal(vcpu_phys_area(v, ABI_FAST, VCPUOP_register_runstate_phys_area, 0, va),
			 -XEN_EACCES);
	assert_int_equal(vcpu_phys_area(v, ABI_FAST, VCPUOP_register_vcpu_time_phys_area, 0, va + 64),
			 -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 2);
	assert_false(v->runstate_area_phys || v->time_area_phys);
	assert_int_equal(page[8], 0);

	assert_int_equal(guestmem__share(&d->mem, gfn(va >> 12), 1), 0);
	assert_int_equal(vcpu_phys_area(v, ABI_FAST, VCPUOP_register_runstate_phys_area, 0, va), 0);
	assert_int_equal(vcpu_phys_area(v, ABI_FAST, VCPUOP_register_vcpu_time_phys_area, 0, va + 64),
			 0);
	assert_int_equal(guestmem__refused(&d->mem), 2);
	/* FastABI get_runstate_info needs no memory at all. */
	struct vcpu_runstate_info rs;
	assert_int_equal(vcpu_runstate(v, ABI_FAST, 0, &rs), 0);
	/* Legacy get_runstate_info into private memory: refused, counted. */
	uint64_t priv;
	(void)harness__alloc_page(h, d, &priv);
	assert_int_equal(hleg64(v, __HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, priv),
			 -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), 3);
	harness__free(h);
}

/* ---- the legacy GVA forms ---- */

static void test_runstate_memory_area_gva(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		bool compat = a == ABI_LEG32;
		size_t size = compat ? 44 : 48;
		uint64_t t0 = h->now;

		/* Straddling two pages is fine for a virtual address. */
		uint64_t va;
		uint8_t *p = harness__alloc_cross(h, d, size, 20, &va);
		struct vcpu_register_runstate_memory_area r = { .addr.p = va };
		harness__advance(h, MS);
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0,
			     put(v, &r, sizeof(r))),
		   0);
		struct vcpu_runstate_info g = read_runstate(p, compat);
		EQ(a, g.state, RUNSTATE_running);
		EQ(a, g.state_entry_time, t0);

		harness__advance(h, MS);
		EQ(a, legacy(v, a, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
		g = read_runstate(p, compat);
		EQ(a, g.state, RUNSTATE_blocked);
		EQ(a, g.state_entry_time, t0 + 2 * MS);
		EQ(a, g.time[RUNSTATE_running], 2 * MS);

		/* Unreachable: -EFAULT, the old area stays. */
		r.addr.p = 0xf0000000;
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0,
			     put(v, &r, sizeof(r))),
		   -XEN_EFAULT);
		EQ(a, v->runstate_area_virt, true);
		EQ(a, v->runstate_area_va.v, va);

		/* A null handle unregisters. */
		r.addr.p = 0;
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0,
			     put(v, &r, sizeof(r))),
		   0);
		EQ(a, v->runstate_area_virt, false);
		harness__free(h);
	}
	/* 64-bit: the address is translated with the registering call's paging, at each update. */
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 1);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;
	uint8_t *p = harness__alloc_page(h, d, &va);
	struct vcpu_register_runstate_memory_area r = { .addr.p = va };
	assert_int_equal(hleg64(v, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0,
				put(v, &r, sizeof(r))),
			 0);
	/* The guest remaps the page to another frame: the next update goes there. */
	uint64_t other;
	uint8_t *q = harness__alloc_page(h, d, &other);
	*harness__pte(h, d, va) = other | 3;
	assert_int_equal(sched_noarg(v, ABI_FAST, SCHEDOP_block), 0);
	assert_int_equal(read_runstate(q, false).state, RUNSTATE_blocked);
	assert_int_equal(read_runstate(p, false).state, RUNSTATE_running);
	/* Unmapped: updates are dropped, nothing breaks. */
	*harness__pte(h, d, va) = 0;
	slot(v)->evtchn_upcall_pending = 1;
	hv_vcpu__upcall_raised(v);
	assert_int_equal(v->runstate.state, RUNSTATE_running);
	/* Registering at page 0 (unmapped in the harness tables). */
	r.addr.p = 0x10;
	assert_int_equal(hleg64(v, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0,
				put(v, &r, sizeof(r))),
			 -XEN_EFAULT);
	/* Not a FastABI operation (the phys form is). */
	assert_int_equal(hfast(v, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, va),
			 -XEN_ENOSYS);
	harness__free(h);
}

static void test_time_memory_area_gva(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		(void)bind_virq(v, VIRQ_TIMER, 0);
		uint64_t va;
		struct vcpu_time_info *t = harness__alloc_cross(h, d, sizeof(*t), 12, &va);
		struct vcpu_register_time_memory_area r = { .addr.p = va };
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0,
			     put(v, &r, sizeof(r))),
		   0);
		EQ(a, t->version, 2);
		EQ(a, t->system_time, h->now);
		EQ(a, vcpu_periodic(v, a, 0, MS), 0);
		harness__advance(h, MS);
		hv_vcpu__timer_expired(v);
		EQ(a, t->version, 4);
		EQ(a, t->system_time, h->now);

		r.addr.p = 0xf0000000;
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0,
			     put(v, &r, sizeof(r))),
		   -XEN_EFAULT);
		r.addr.p = 0;
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0,
			     put(v, &r, sizeof(r))),
		   0);
		harness__advance(h, MS);
		hv_vcpu__timer_expired(v);
		EQ(a, t->version, 4);
		harness__free(h);
	}
}

/* ---- the rest of the decoders ---- */

static void test_unknown_and_faults(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 2);
	struct hv_vcpu *v = &d->vcpus[0];
	HARNESS_LEGACY_ABIS(a) {
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, 16, 0, 0), -XEN_ENOSYS);
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, 0xffffffffu, 0, 0), -XEN_ENOSYS);
		/* Unknown sub-op with a bad id: -ENOSYS first (HVM's filter comes before the lookup). */
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, 16, 9, 0), -XEN_ENOSYS);
		/* Unreadable or unwritable argument structs. */
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, 0xf0000000),
		   -XEN_EFAULT);
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, 0xf0000000),
		   -XEN_EFAULT);
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, 0xf0000000),
		   -XEN_EFAULT);
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, 0xf0000000),
		   -XEN_EFAULT);
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_phys_area, 0,
			     0xf0000000),
		   -XEN_EFAULT);
		EQ(a, legacy(v, a, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_time_phys_area, 0,
			     0xf0000000),
		   -XEN_EFAULT);
	}
	assert_int_equal(hleg64(v, __HYPERVISOR_vcpu_op, (1ull << 32) | VCPUOP_is_up, 0), -XEN_ENOSYS);
	assert_int_equal(hfast(v, __HYPERVISOR_vcpu_op, 13, 0, 0x1000), -XEN_ENOSYS);
	assert_int_equal(hfast(v, __HYPERVISOR_vcpu_op, 16, 0), -XEN_ENOSYS);
	/* A 32-bit singleshot struct is 12 bytes: the one at the end of RAM is read whole. */
	(void)bind_virq(v, VIRQ_TIMER, 0);
	assert_int_equal(vcpu_singleshot(v, ABI_LEG32, 0, h->now + MS, 0), 0);
	assert_int_equal(hv_vcpu__next_deadline(v), h->now + MS);
	harness__free(h);
}

/* FastABI outputs land in the declared registers; legacy copies match them. */
static void test_runstate_same_everywhere(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 2);
	struct hv_vcpu *v = &d->vcpus[0];
	harness__advance(h, 3 * MS);
	EQ(ABI_FAST, sched_noarg(v, ABI_FAST, SCHEDOP_yield), 0);
	harness__advance(h, 2 * MS);
	struct vcpu_runstate_info r[NR_ABIS];
	HARNESS_ABIS(a)
		EQ(a, vcpu_runstate(v, a, 1, &r[a]), 0);
	HARNESS_LEGACY_ABIS(a) {
		EQ(a, r[a].state, r[0].state);
		EQ(a, r[a].state_entry_time, r[0].state_entry_time);
		for (unsigned i = 0; i < 4; i++)
			EQ(a, r[a].time[i], r[0].time[i]);
	}
	harness__free(h);
}

static void test_two_domains(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *da = harness__domain(h, "a", TEST_FLAGS, 2, 4);
	struct domain *db = harness__domain(h, "b", TEST_FLAGS, 2, 4);
	evtchn_port_t pa = bind_virq(&da->vcpus[0], VIRQ_TIMER, 0);
	evtchn_port_t pb = bind_virq(&db->vcpus[0], VIRQ_TIMER, 0);
	assert_int_equal(vcpu_singleshot(&da->vcpus[0], ABI_FAST, 0, h->now + MS, 0), 0);
	assert_int_equal(hv_vcpu__next_deadline(&db->vcpus[0]), 0);
	harness__advance(h, MS);
	hv_vcpu__timer_expired(&db->vcpus[0]);
	assert_false(port_pending(da, pa));
	hv_vcpu__timer_expired(&da->vcpus[0]);
	assert_true(port_pending(da, pa));
	assert_false(port_pending(db, pb));
	/* Ids are per domain: bringing down b's last vCPUs stops b only. */
	assert_int_equal(vcpu_noarg(&db->vcpus[0], ABI_FAST, VCPUOP_down, 0), 0);
	assert_true(db->shutdown);
	assert_false(da->shutdown);
	assert_int_equal(vcpu_noarg(&da->vcpus[0], ABI_FAST, VCPUOP_is_up, 0), 1);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_vcpuid),
		world_test(test_initialise_up_down, 3),
		world_test(test_down_last_vcpu_powers_off, 2),
		cmocka_unit_test(test_initialise_bad_context),
		cmocka_unit_test(test_runstate_accounting),
		world_test(test_periodic_timer, 2),
		world_test(test_singleshot_timer, 2),
		world_test(test_timer_wakes_block, 1),
		world_test(test_register_vcpu_info, 3),
		cmocka_unit_test(test_register_vcpu_info_confidential),
		cmocka_unit_test(test_send_nmi),
		cmocka_unit_test(test_get_physid),
		world_test(test_runstate_phys_area, 2),
		world_test(test_time_phys_area, 1),
		cmocka_unit_test(test_areas_not_in_special_pages),
		cmocka_unit_test(test_phys_areas_confidential),
		cmocka_unit_test(test_runstate_memory_area_gva),
		cmocka_unit_test(test_time_memory_area_gva),
		cmocka_unit_test(test_unknown_and_faults),
		cmocka_unit_test(test_runstate_same_everywhere),
		cmocka_unit_test(test_two_domains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
