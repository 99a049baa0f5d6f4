/*
 * Event-channel upcalls reach the guest as interrupts: with a per-vCPU
 * upcall vector (hvm set_evtchn_upcall_vector), an event sent to ourselves
 * (an IPI port) arrives at the IDT handler for that vector, through both
 * ABIs; a masked port raises nothing until unmask, which delivers it; with
 * interrupts disabled the upcall waits for sti.
 */
#include "guest.h"

const char test_title[] = "upcall";

#define VECTOR 0xf3

static struct shared_info *si;
static volatile unsigned upcalls;
static volatile uint64_t seen[2]; /* ports seen pending in the handler */

static void see(unsigned port)
{
	if (port < 128)
		seen[port / 64] |= 1ull << (port % 64);
}

/* The 2-level upcall: acknowledge, then take every pending unmasked port. */
static void upcall(struct cpu_regs *regs)
{
	(void)regs;
	upcalls++;
	evtchn_take_pending(si, 0, see);
}

static bool seen_port(unsigned port)
{
	return seen[port / 64] & (1ull << (port % 64));
}

/* Let a pending interrupt in: sti; hlt wakes on it (or on nothing: bounded). */
static void wait_for_upcall(unsigned before)
{
	for (unsigned i = 0; i < 3 && upcalls == before; i++)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

static void send(evtchn_port_t port, bool fast)
{
	struct evtchn_send s = { .port = port };
	long rc = fast ? xen_hypercall_event_channel_send(&s)
		       : hypercall_event_channel_op(EVTCHNOP_send, &s);
	CHECK_EQ(rc, 0);
}

void test_main(void)
{
	if (!xen_info.hypercall_page_ready || !fastabi_usable()) {
		xtf_skip("needs the hypercall page and FastABI");
		return;
	}
	si = shared_info_need();
	if (!si)
		return;
	irq_register(VECTOR, upcall);
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = VECTOR };
	if (!CHECK_EQ(xen_hypercall_hvm_set_evtchn_upcall_vector(&uv), 0))
		return;
	si->vcpu_info[0].evtchn_upcall_mask = 0;

	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	if (!CHECK_EQ(xen_hypercall_event_channel_bind_ipi(&ipi), 0))
		return;
	evtchn_port_t p = ipi.port;

	for (int fast = 0; fast < 2; fast++) {
		unsigned before = upcalls;
		seen[0] = seen[1] = 0;
		send(p, fast);
		wait_for_upcall(before);
		printf("send (%s) port %u: %u upcall(s), port seen %d\n", fast ? "fast" : "legacy", p,
		       upcalls - before, seen_port(p));
		CHECK(upcalls > before);
		CHECK(seen_port(p));
	}

	/* Masked: pending, no upcall; unmask delivers it. */
	unsigned before = upcalls;
	seen[0] = seen[1] = 0;
	evtchn_set_mask(si, p);
	send(p, true);
	__asm__ __volatile__("sti; nop; nop; cli" ::: "memory");
	printf("masked send: %u upcall(s), pending %d\n", upcalls - before, evtchn_test_pending(si, p));
	CHECK_EQ(upcalls, before);
	CHECK(evtchn_test_pending(si, p));
	struct evtchn_unmask um = { .port = p };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_unmask, &um), 0);
	wait_for_upcall(before);
	printf("after unmask: %u upcall(s), port seen %d\n", upcalls - before, seen_port(p));
	CHECK(upcalls > before);
	CHECK(seen_port(p));

	struct evtchn_close c = { .port = p };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_close, &c), 0);
	if (xtf_result() < 0)
		xtf_success(NULL);
}
