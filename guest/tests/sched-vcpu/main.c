/*
 * sched_op and vcpu_op through both ABIs: is_up, runstate, physid, yield,
 * timers, the watchdog and poll (with a timeout, and on a pending port).
 */
#include "guest.h"
#include "common/poll.h"

const char test_title[] = "sched-vcpu";


static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };

	xen_hypercall_hvm_get_time(&g);
	return g.now;
}

static void runstate(void)
{
	struct vcpu_runstate_info l, f;

	memset(&l, 0, sizeof(l));
	memset(&f, 0, sizeof(f));
	long lrc = hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &l);
	int64_t frc = xen_hypercall_vcpu_get_runstate_info(0, &f);
	printf("runstate: legacy %ld state %d entry %llu running %llu; fast %lld state %d entry %llu running %llu\n",
	       lrc, l.state, (unsigned long long)l.state_entry_time,
	       (unsigned long long)l.time[RUNSTATE_running], (long long)frc, f.state,
	       (unsigned long long)f.state_entry_time, (unsigned long long)f.time[RUNSTATE_running]);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, 0);
	CHECK_EQ(l.state, RUNSTATE_running);
	CHECK_EQ(f.state, RUNSTATE_running);
	CHECK(f.state_entry_time >= l.state_entry_time);
	for (unsigned i = 0; i < 4; i++)
		CHECK(f.time[i] >= l.time[i]);
}

static void poll_tests(void)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	if (!CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &a), 0))
		return;
	struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF, .remote_port = a.port };
	if (!CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &b), 0))
		return;
	struct shared_info *si = shared_info_need();
	evtchn_port_t port = a.port;
	if (!si)
		return;
	/*
	 * bind_interdomain marks the new local port pending (Xen does, for
	 * notifications lost while the remote end was unbound), and a pending
	 * upcall ends a poll at once: consume both, as an upcall handler would.
	 */
	evtchn_clear_pending(si, b.local_port);
	evtchn_clear_pending(si, port);
	si->vcpu_info[0].evtchn_upcall_pending = 0;

	/* Nothing pending: both return at the timeout (absolute system time). */
	for (int fast = 0; fast < 2; fast++) {
		uint64_t t0 = now_ns(), deadline = t0 + 2000000;
		long rc = poll_one(fast, port, deadline);
		uint64_t t1 = now_ns();
		printf("poll %s, nothing pending, 2 ms timeout: rc %ld after %llu us\n",
		       fast ? "fast  " : "legacy", rc, (unsigned long long)(t1 - t0) / 1000);
		if (t1 < deadline)
			printf("  vcpu_info: upcall pending %u mask %u; port %u pending %d\n",
			       si->vcpu_info[0].evtchn_upcall_pending,
			       si->vcpu_info[0].evtchn_upcall_mask, port, evtchn_test_pending(si, port));
		CHECK_EQ(rc, 0);
		CHECK(t1 >= deadline);
	}

	/* Pending: both return at once. */
	for (int fast = 0; fast < 2; fast++) {
		struct evtchn_send s = { .port = b.local_port };
		CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_send, &s), 0);
		uint64_t t0 = now_ns(), deadline = t0 + 5000000000ull;
		long rc = poll_one(fast, port, deadline);
		uint64_t t1 = now_ns();
		printf("poll %s, port pending: rc %ld after %llu us\n", fast ? "fast  " : "legacy", rc,
		       (unsigned long long)(t1 - t0) / 1000);
		CHECK_EQ(rc, 0);
		CHECK(t1 < deadline);
		evtchn_clear_pending(si, port);
		si->vcpu_info[0].evtchn_upcall_pending = 0;
	}

	struct evtchn_close c = { .port = b.local_port };
	hypercall_event_channel_op(EVTCHNOP_close, &c);
	c.port = a.port;
	hypercall_event_channel_op(EVTCHNOP_close, &c);
}

void test_main(void)
{
	if (!xtf_both_abis_ready())
		return;

	long lrc = hypercall_vcpu_op(VCPUOP_is_up, 0, NULL);
	int64_t frc = xen_hypercall_vcpu_is_up(0);
	printf("is_up(0): legacy %ld, fast %lld\n", lrc, (long long)frc);
	CHECK_EQ(lrc, 1);
	CHECK_EQ(frc, 1);
	lrc = hypercall_vcpu_op(VCPUOP_is_up, 100, NULL);
	frc = xen_hypercall_vcpu_is_up(100);
	printf("is_up(100): legacy %ld, fast %lld\n", lrc, (long long)frc);
	CHECK(lrc < 0);
	CHECK_EQ(lrc, frc);

	runstate();

	struct vcpu_get_physid pl = { 0 }, pf = { 0 };
	lrc = hypercall_vcpu_op(VCPUOP_get_physid, 0, &pl);
	frc = xen_hypercall_vcpu_get_physid(0, &pf);
	printf("get_physid(0): legacy %ld %#llx, fast %lld %#llx\n", lrc,
	       (unsigned long long)pl.phys_id, (long long)frc, (unsigned long long)pf.phys_id);
	CHECK_EQ(lrc, frc);
	CHECK_EQ(pl.phys_id, pf.phys_id);

	lrc = hypercall_sched_op(SCHEDOP_yield, NULL);
	frc = xen_hypercall_sched_yield();
	printf("yield: legacy %ld, fast %lld\n", lrc, (long long)frc);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, 0);

	/* Timers: set by one ABI, stopped by the other. */
	struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = now_ns() + 1000000000ull };
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), 0);
	CHECK_EQ(xen_hypercall_vcpu_stop_singleshot_timer(0), 0);
	ss.timeout_abs_ns = now_ns() + 1000000000ull;
	CHECK_EQ(xen_hypercall_vcpu_set_singleshot_timer(0, &ss), 0);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
	struct vcpu_set_periodic_timer pt = { .period_ns = 10000000 };
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt), 0);
	CHECK_EQ(xen_hypercall_vcpu_stop_periodic_timer(0), 0);
	CHECK_EQ(xen_hypercall_vcpu_set_periodic_timer(0, &pt), 0);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
	printf("timers: set and stopped through both ABIs\n");

	/* The watchdog: arm through each ABI, disarm through the other. */
	struct sched_watchdog wl = { .id = 0, .timeout = 60 }, wf = wl;
	lrc = hypercall_sched_op(SCHEDOP_watchdog, &wl);
	frc = xen_hypercall_sched_watchdog(&wf);
	printf("watchdog arm: legacy id %ld, fast id %lld\n", lrc, (long long)frc);
	if (CHECK(lrc > 0) && CHECK(frc > 0) && CHECK(lrc != frc)) {
		struct sched_watchdog dl = { .id = (uint32_t)frc, .timeout = 0 };
		struct sched_watchdog df = { .id = (uint32_t)lrc, .timeout = 0 };
		CHECK_EQ(hypercall_sched_op(SCHEDOP_watchdog, &dl), 0);
		CHECK_EQ(xen_hypercall_sched_watchdog(&df), 0);
	}

	poll_tests();

	if (xtf_result() < 0)
		xtf_success(NULL);
}
