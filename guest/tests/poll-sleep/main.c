/*
 * A guest that registers no callback and polls its ports itself, as Xen's
 * own test kernels do. After its first event evtchn_upcall_pending is 1 and
 * stays 1 (no upcall handler ever clears it). On Xen a poll still sleeps
 * then: it ends early only for an upcall that can be delivered
 * (hvm_local_events_need_delivery), and there is no vector to deliver it
 * on. Five polls of another port with a 300 ms timeout must each really
 * wait 300 ms. The integration test also checks that the VMM burns no CPU
 * meanwhile (tests/integration/guest/check-cpu.sh).
 */
#include "guest.h"

const char test_title[] = "poll-sleep";

#define MS 1000000ull
#define POLLS 5
#define TIMEOUT (300 * MS)

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };
	hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

static evtchn_port_t bind_ipi_self(void)
{
	struct evtchn_bind_ipi b = { .vcpu = 0 };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_bind_ipi, &b), 0);
	return b.port;
}

void test_main(void)
{
	struct shared_info *si = shared_info_need();
	if (!si)
		return;
	evtchn_port_t p1 = bind_ipi_self(), p2 = bind_ipi_self();
	/* An event to ourselves: the upcall flag goes up, and nobody takes it down. */
	struct evtchn_send s = { .port = p1 };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_send, &s), 0);
	printf("sent on port %u: upcall pending %u, mask %u\n", p1,
	       si->vcpu_info[0].evtchn_upcall_pending, si->vcpu_info[0].evtchn_upcall_mask);
	CHECK_EQ(si->vcpu_info[0].evtchn_upcall_pending, 1);

	uint64_t total = 0;
	for (int i = 0; i < POLLS; i++) {
		bool fast = (i & 1) && fastabi_usable();
		uint64_t t0 = now_ns();
		long rc;
		if (fast) {
			rc = xen_hypercall_sched_poll(t0 + TIMEOUT, p2);
		} else {
			struct sched_poll p = { .nr_ports = 1, .timeout = t0 + TIMEOUT };
			set_xen_guest_handle(p.ports, &p2);
			rc = hypercall_sched_op(SCHEDOP_poll, &p);
		}
		uint64_t t1 = now_ns();
		total += t1 - t0;
		printf("poll %d (%s) of port %u, 300 ms timeout: rc %ld after %llu us; upcall pending %u\n",
		       i, fast ? "fast" : "legacy", p2, rc, (unsigned long long)(t1 - t0) / 1000,
		       si->vcpu_info[0].evtchn_upcall_pending);
		CHECK_EQ(rc, 0);
		CHECK(t1 - t0 >= TIMEOUT);
		CHECK(!evtchn_test_pending(si, p2));
	}
	CHECK_EQ(si->vcpu_info[0].evtchn_upcall_pending, 1);
	printf("polled %llu ms in all\n", (unsigned long long)total / MS);
	/* Its own port still ends a poll at once. */
	s.port = p2;
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_send, &s), 0);
	uint64_t t0 = now_ns();
	struct sched_poll p = { .nr_ports = 1, .timeout = t0 + 5000 * MS };
	set_xen_guest_handle(p.ports, &p2);
	CHECK_EQ(hypercall_sched_op(SCHEDOP_poll, &p), 0);
	CHECK(now_ns() - t0 < 1000 * MS);

	if (xtf_result() < 0)
		xtf_success(NULL);
}
