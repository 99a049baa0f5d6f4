/*
 * Secondary vCPUs through both ABIs (run with --vcpus 3): is_up before
 * anything, up refused before initialise, vCPU 1 initialised by the legacy
 * call (the context by address) and vCPU 2 by FastABI (the context's
 * frame), a second initialise refused alike, then rounds of up, work and
 * down, each vCPU brought up once by each ABI. In a round the woken vCPU
 * checks its own id in CPUID, prints, and signals vCPU 0 by sending on an
 * IPI port bound to vCPU 0 (through the ABI of the round); vCPU 0 waits in
 * SCHEDOP_poll on that port (same ABI) with a deadline. is_up is asked
 * through both ABIs after every change.
 */
#include "guest.h"
#include "common/poll.h"
#include <xen/hvm/hvm_vcpu.h>

const char test_title[] = "smp";

#define NAP 2

static struct shared_info *si;
static evtchn_port_t ipi;
/* FastABI names the context by its frame: one page each. */
static union {
	struct vcpu_hvm_context c;
	uint8_t page[PAGE_SIZE];
} ctx[NAP] __page_noinit;
static uint8_t ap_stack[NAP][2 * PAGE_SIZE] __page_noinit;
static struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;

static volatile unsigned go[NAP + 1];      /* the round vCPU i is to do */
static volatile unsigned done[NAP + 1];    /* the round it did */
static volatile unsigned seen_id[NAP + 1]; /* its id from CPUID */
static volatile long sent_rc[NAP + 1];

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };

	xen_hypercall_hvm_get_time(&g);
	return g.now;
}

static __noreturn void ap_main(void)
{
	__asm__ __volatile__("lidt %0" : : "m"(idtr));
	unsigned id = cpuid(xen_info.base + 4).ebx;
	unsigned me = id <= NAP ? id : 0;
	unsigned last = 0;

	for (;;) {
		unsigned round = go[me];
		if (round == last || !me) {
			__asm__ __volatile__("pause" ::: "memory");
			continue;
		}
		last = round;
		seen_id[me] = id;
		printf("vCPU %u: round %u\n", id, round);
		struct evtchn_send s = { .port = ipi };
		sent_rc[me] = round & 1 ? hypercall_event_channel_op(EVTCHNOP_send, &s)
					: xen_hypercall_event_channel_send(&s);
		done[me] = round;
	}
}

static void is_up(unsigned vcpu, long want)
{
	long l = hypercall_vcpu_op(VCPUOP_is_up, vcpu, NULL);
	long f = xen_hypercall_vcpu_is_up(vcpu);
	if (l != want || f != want)
		xtf_failure("is_up(%u): legacy %ld, fast %ld, expected %ld", vcpu, l, f, want);
}

static void initialise(unsigned vcpu, bool fast)
{
	struct vcpu_hvm_context *c = &ctx[vcpu - 1].c;
	vcpu_context_here(c, ap_main, ap_stack[vcpu - 1] + sizeof(ap_stack[0]));
	long rc = fast ? xen_hypercall_vcpu_initialise(vcpu, (uintptr_t)c >> 12)
		       : hypercall_vcpu_op(VCPUOP_initialise, vcpu, c);
	long again = fast ? hypercall_vcpu_op(VCPUOP_initialise, vcpu, c)
			  : xen_hypercall_vcpu_initialise(vcpu, (uintptr_t)c >> 12);
	printf("initialise vCPU %u (%s): %ld; again (other ABI): %ld\n", vcpu,
	       fast ? "fast" : "legacy", rc, again);
	CHECK_EQ(rc, 0);
	CHECK_EQ(again, -XEN_EEXIST);
}

/* Bring vcpu up with one ABI, have it signal, take it down with the same. */
static void round(unsigned vcpu, unsigned r, bool fast)
{
	evtchn_clear_pending(si, ipi);
	go[vcpu] = r;
	long rc = fast ? xen_hypercall_vcpu_up(vcpu) : hypercall_vcpu_op(VCPUOP_up, vcpu, NULL);
	CHECK_EQ(rc, 0);
	is_up(vcpu, 1);

	uint64_t deadline = now_ns() + 5000000000ull;
	long prc = 0;
	for (unsigned tries = 0; tries < 1000 && done[vcpu] != r && now_ns() < deadline; tries++) {
		prc = poll_one(fast, ipi, deadline);
		if (evtchn_test_pending(si, ipi))
			break;
	}
	/* The send may have been seen before done was written. */
	for (unsigned i = 0; i < 100000 && done[vcpu] != r; i++)
		__asm__ __volatile__("pause" ::: "memory");
	bool pending = evtchn_test_pending(si, ipi);
	printf("round %u: vCPU %u up (%s), done %u, id %u, send %ld, poll %ld, pending %d\n", r,
	       vcpu, fast ? "fast" : "legacy", done[vcpu], seen_id[vcpu], sent_rc[vcpu], prc, pending);
	CHECK_EQ(done[vcpu], r);
	CHECK_EQ(seen_id[vcpu], vcpu);
	CHECK_EQ(sent_rc[vcpu], 0);
	CHECK_EQ(prc, 0);
	CHECK(pending);
	evtchn_clear_pending(si, ipi);

	rc = fast ? xen_hypercall_vcpu_down(vcpu) : hypercall_vcpu_op(VCPUOP_down, vcpu, NULL);
	CHECK_EQ(rc, 0);
	is_up(vcpu, 0);
}

void test_main(void)
{
	if (!xtf_both_abis_ready() || !(si = shared_info_need()))
		return;
	is_up(0, 1);
	long l = hypercall_vcpu_op(VCPUOP_is_up, NAP, NULL);
	if (l == -XEN_ENOENT) {
		xtf_skip("run with --vcpus %u", NAP + 1);
		return;
	}
	__asm__ __volatile__("sidt %0" : "=m"(idtr));

	struct evtchn_bind_ipi b = { .vcpu = 0 };
	if (!CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_bind_ipi, &b), 0))
		return;
	ipi = b.port;
	evtchn_set_mask(si, ipi); /* no upcall wanted: poll sees masked ports */

	for (unsigned v = 1; v <= NAP; v++) {
		is_up(v, 0);
		long lu = hypercall_vcpu_op(VCPUOP_up, v, NULL);
		long fu = xen_hypercall_vcpu_up(v);
		if (lu != -XEN_EINVAL || fu != -XEN_EINVAL)
			xtf_failure("up(%u) before initialise: legacy %ld, fast %ld", v, lu, fu);
	}
	is_up(NAP + 1, -XEN_ENOENT);

	initialise(1, false);
	initialise(2, true);
	is_up(1, 0);
	is_up(2, 0);
	round(1, 1, false);
	round(2, 2, true);
	round(1, 4, true);
	round(2, 5, false);

	if (xtf_result() < 0)
		xtf_success(NULL);
}
