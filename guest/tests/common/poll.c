/* SCHEDOP_poll on one port through either ABI (poll.h). */
#include "common/poll.h"

long poll_one(bool fast, evtchn_port_t port, uint64_t deadline)
{
	if (fast)
		return xen_hypercall_sched_poll(deadline, port);

	struct sched_poll p = { .nr_ports = 1, .timeout = deadline };
	set_xen_guest_handle(p.ports, &port);
	return hypercall_sched_op(SCHEDOP_poll, &p);
}
