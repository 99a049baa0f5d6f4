/*
 * set_timer_op (hypercall 15), the way a unikernel sleeps: arm the vCPU's
 * single-shot timer at an absolute system time, then wait for VIRQ_TIMER
 * (here with SCHEDOP_poll on the timer's port, no callback registered). It
 * must fire at the deadline, not before and not never; 0 cancels it; it is
 * the same timer as VCPUOP_set_singleshot_timer, so one replaces the other.
 */
#include "guest.h"

const char test_title[] = "set-timer-op";

#define MS 1000000ull

static struct shared_info *si;
static evtchn_port_t port;

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };
	hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

static long set_timer_op(uint64_t t)
{
	return hypercall_nr(__HYPERVISOR_set_timer_op, t, 0, 0, 0, 0);
}

/* Wait for the timer port (or 'timeout'); the time it returned. */
static uint64_t wait_port(uint64_t timeout)
{
	struct sched_poll p = { .nr_ports = 1, .timeout = timeout };
	set_xen_guest_handle(p.ports, &port);
	long rc = hypercall_sched_op(SCHEDOP_poll, &p);
	CHECK_EQ(rc, 0);
	return now_ns();
}

void test_main(void)
{
	si = shared_info_need();
	if (!si)
		return;
	struct evtchn_bind_virq b = { .virq = VIRQ_TIMER, .vcpu = 0 };
	if (!CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_bind_virq, &b), 0))
		return;
	port = b.port;

	/* Sleep 20 ms. */
	uint64_t t0 = now_ns(), deadline = t0 + 20 * MS;
	long rc = set_timer_op(deadline);
	uint64_t t1 = wait_port(t0 + 2000 * MS);
	bool fired = evtchn_test_pending(si, port);
	printf("set_timer_op(now + 20 ms): %ld; woke after %llu us, timer port %s\n", rc,
	       (unsigned long long)(t1 - t0) / 1000, fired ? "pending" : "not pending");
	CHECK_EQ(rc, 0);
	CHECK(fired);
	CHECK(t1 >= deadline);
	CHECK(t1 < t0 + 2000 * MS);
	evtchn_clear_pending(si, port);

	/* 0 cancels: nothing comes within 60 ms. */
	t0 = now_ns();
	CHECK_EQ(set_timer_op(t0 + 10 * MS), 0);
	CHECK_EQ(set_timer_op(0), 0);
	t1 = wait_port(t0 + 60 * MS);
	fired = evtchn_test_pending(si, port);
	printf("armed for 10 ms, cancelled: woke after %llu us, timer port %s\n",
	       (unsigned long long)(t1 - t0) / 1000, fired ? "pending" : "not pending");
	CHECK(!fired);
	CHECK(t1 >= t0 + 60 * MS);

	/* One timer: set_timer_op replaces a single-shot set through vcpu_op (1 s). */
	t0 = now_ns();
	struct vcpu_set_singleshot_timer s = { .timeout_abs_ns = t0 + 1000 * MS };
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0);
	CHECK_EQ(set_timer_op(t0 + 15 * MS), 0);
	t1 = wait_port(t0 + 2000 * MS);
	fired = evtchn_test_pending(si, port);
	printf("vcpu_op single-shot 1 s, then set_timer_op 15 ms: woke after %llu us\n",
	       (unsigned long long)(t1 - t0) / 1000);
	CHECK(fired);
	CHECK(t1 >= t0 + 15 * MS && t1 < t0 + 1000 * MS);
	evtchn_clear_pending(si, port);
	/* ... and vcpu_op's stop cancels a set_timer_op deadline. */
	t0 = now_ns();
	CHECK_EQ(set_timer_op(t0 + 10 * MS), 0);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
	t1 = wait_port(t0 + 50 * MS);
	CHECK(!evtchn_test_pending(si, port));

	/* In the past: the event at once. */
	CHECK_EQ(set_timer_op(now_ns() - 1), 0);
	CHECK(evtchn_test_pending(si, port));
	evtchn_clear_pending(si, port);

	if (xtf_result() < 0)
		xtf_success(NULL);
}
