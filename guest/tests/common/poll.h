/*
 * Shared by the programs that wait on an event channel through both ABIs
 * (sched-vcpu, smp): linked in with 'common' : ['poll.c'].
 */
#ifndef GUEST_TESTS_COMMON_POLL_H
#define GUEST_TESTS_COMMON_POLL_H

#include "guest.h"

/*
 * SCHEDOP_poll on one port until 'deadline' (absolute system time, ns):
 * through FastABI (the trap fastabi_trap() chose) or through the hypercall
 * page. The call's result.
 */
long poll_one(bool fast, evtchn_port_t port, uint64_t deadline);

#endif
