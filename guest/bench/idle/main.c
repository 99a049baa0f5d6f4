/*
 * An idle domain for the scale benchmark (docs/benchmarks.md, "Memory and
 * scale"): says it is idle, then blocks in SCHEDOP_block for good (each
 * wake-up, if any, blocks again). bench/bench.py starts many at once with
 * `fastabi create` and reads the VMM's resident memory once all are idle.
 * Under its guest-bench-idle test (cmdline "once") it sleeps 1 ms and
 * succeeds instead.
 */
#include "guest.h"

const char test_title[] = "bench-idle: an idle domain";

void test_main(void)
{
	bool once = cmdline_option(start_info_cmdline(), "once") != NULL;

	printf("BENCH-IDLE blocking\n");
	if (once) {
		/*
		 * The test: sleep 1 ms in SCHEDOP_poll on the timer's port and
		 * stop. (SCHEDOP_block, as in Xen for an HVM vCPU, wakes only for
		 * an event it can deliver: with interrupts off and no callback
		 * vector, never: that is what the idle domains want.)
		 */
		struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
		struct xen_hvm_get_time g = { 0 };
		if (hypercall_event_channel_op(EVTCHNOP_bind_virq, &bv) ||
		    hypercall_hvm_op(HVMOP_get_time, &g)) {
			xtf_error("cannot bind the timer or read the time");
			return;
		}
		evtchn_port_t port = bv.port;
		struct sched_poll p = { .nr_ports = 1, .timeout = g.now + 1000000 };
		set_xen_guest_handle(p.ports, &port);
		long rc = hypercall_sched_op(SCHEDOP_poll, &p);
		if (rc)
			xtf_failure("SCHEDOP_poll: %ld", rc);
		else
			xtf_success(NULL);
		return;
	}
	for (;;)
		hypercall_sched_op(SCHEDOP_block, NULL);
}
