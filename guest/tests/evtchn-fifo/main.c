/*
 * The FIFO event-channel ABI through both ABIs. The same sequence runs
 * twice, once with every call through the hypercall page and once through
 * FastABI, each time from a 2-level domain (EVTCHNOP_reset in between):
 * init_control (its refusals first, then a control block at an offset in a
 * page of ours), expand_array (and a page too many), set_priority,
 * loopback and IPI ports, sends, a guest-set MASKED bit and unmask
 * re-raising the event, close. Along the
 * way the guest records what a FIFO consumer sees (return codes, event
 * words with their LINK field, READY and HEAD of each queue, the order in
 * which it consumes) with ports named by role, so the two runs must give
 * the same record; the first is also checked against what the FIFO ABI
 * says must happen.
 */
#include "guest.h"

const char test_title[] = "evtchn-fifo";

#define CB_OFFSET 64
#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED (1u << EVTCHN_FIFO_LINKED)
#define NOBS 96

static uint8_t cb_page[2][PAGE_SIZE] __page_noinit;
static event_word_t array_page[2][PAGE_SIZE / sizeof(event_word_t)] __page_noinit;

static uint32_t obs[2][NOBS];
static unsigned nobs[2];

/* The run in progress: its ABI, pages and ports (by role). */
static bool fast;
static unsigned run;
static volatile struct evtchn_fifo_control_block *cb;
static volatile event_word_t *words;
static evtchn_port_t port_a, port_b, port_i; /* unbound end, bound end, IPI */

static long evop(int cmd, void *arg)
{
	if (!fast)
		return hypercall_event_channel_op(cmd, arg);
	switch (cmd) {
	case EVTCHNOP_alloc_unbound: return xen_hypercall_event_channel_alloc_unbound(arg);
	case EVTCHNOP_bind_interdomain: return xen_hypercall_event_channel_bind_interdomain(arg);
	case EVTCHNOP_bind_ipi: return xen_hypercall_event_channel_bind_ipi(arg);
	case EVTCHNOP_send: return xen_hypercall_event_channel_send(arg);
	case EVTCHNOP_close: return xen_hypercall_event_channel_close(arg);
	case EVTCHNOP_unmask: return xen_hypercall_event_channel_unmask(arg);
	case EVTCHNOP_reset: return xen_hypercall_event_channel_reset(arg);
	case EVTCHNOP_init_control: return xen_hypercall_event_channel_init_control(arg);
	case EVTCHNOP_expand_array: return xen_hypercall_event_channel_expand_array(arg);
	case EVTCHNOP_set_priority: return xen_hypercall_event_channel_set_priority(arg);
	}
	return -XEN_ENOSYS;
}

static void rec(uint32_t v)
{
	if (nobs[run] < NOBS)
		obs[run][nobs[run]++] = v;
}

/* A port as its role, so that the two runs compare whatever numbers they got. */
static uint32_t role(evtchn_port_t p)
{
	if (!p)
		return 0;
	if (p == port_a)
		return 1;
	if (p == port_b)
		return 2;
	if (p == port_i)
		return 3;
	return 0x100 | p;
}

/* An event word with its LINK field as a role. */
static uint32_t word_obs(evtchn_port_t p)
{
	uint32_t w = words[p];
	return (w & ~(uint32_t)EVTCHN_FIFO_LINK_MASK) | role(w & EVTCHN_FIFO_LINK_MASK);
}

static long call(const char *what, int cmd, void *arg, long want)
{
	long rc = evop(cmd, arg);
	rec((uint32_t)rc);
	if (rc != want)
		xtf_failure("%s %s: %ld, expected %ld", fast ? "fast" : "legacy", what, rc, want);
	return rc;
}

static void priority(evtchn_port_t p, uint32_t prio, long want)
{
	struct evtchn_set_priority sp = { .port = p, .priority = prio };
	call("set_priority", EVTCHNOP_set_priority, &sp, want);
}

static void send(evtchn_port_t p)
{
	struct evtchn_send s = { .port = p };
	call("send", EVTCHNOP_send, &s, 0);
}

/*
 * Consume every ready queue as a guest would, highest priority first:
 * take HEAD, follow LINK, clear LINKED and PENDING of each word. Records
 * READY and the ports in the order consumed; returns how many.
 */
static unsigned consume(void)
{
	unsigned n = 0;
	rec(0xc0000000u | cb->ready);
	for (unsigned q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++) {
		if (!(cb->ready & (1u << q)))
			continue;
		evtchn_port_t p = cb->head[q];
		while (p && n < 16) {
			uint32_t w = words[p];
			rec((q << 24) | role(p));
			words[p] = w & ~(W_LINKED | W_PENDING | EVTCHN_FIFO_LINK_MASK);
			p = w & EVTCHN_FIFO_LINK_MASK;
			n++;
		}
		cb->head[q] = 0;
		__atomic_and_fetch(&cb->ready, ~(1u << q), __ATOMIC_SEQ_CST);
	}
	return n;
}

static void expect_word(const char *what, evtchn_port_t p, uint32_t want)
{
	uint32_t w = word_obs(p);
	rec(w);
	if (w != want)
		xtf_failure("%s %s: word of role %u is %#x, expected %#x", fast ? "fast" : "legacy",
			    what, role(p), w, want);
}

static void expect_queue(const char *what, uint32_t ready, unsigned q, evtchn_port_t head)
{
	uint32_t r = cb->ready, h = role(cb->head[q]);
	rec(r);
	rec(h);
	if (r != ready || h != role(head))
		xtf_failure("%s %s: ready %#x head[%u] role %u, expected %#x and %u",
			    fast ? "fast" : "legacy", what, r, q, h, ready, role(head));
}

static void one_run(void)
{
	cb = (void *)(cb_page[run] + CB_OFFSET);
	words = array_page[run];
	port_a = port_b = port_i = 0;
	uint64_t cb_gfn = (uintptr_t)cb_page[run] >> 12;

	/* Not FIFO yet. */
	struct evtchn_expand_array ea = { .array_gfn = (uintptr_t)array_page[run] >> 12 };
	call("expand_array before init_control", EVTCHNOP_expand_array, &ea, -XEN_ENOSYS);
	priority(1, 0, -XEN_ENOSYS);

	/* init_control: refusals, then the real one, then once too often. */
	struct evtchn_init_control ic = { .control_gfn = cb_gfn, .offset = 4, .vcpu = 0 };
	call("init_control unaligned", EVTCHNOP_init_control, &ic, -XEN_EINVAL);
	ic.offset = PAGE_SIZE - 8;
	call("init_control past the page", EVTCHNOP_init_control, &ic, -XEN_EINVAL);
	ic.offset = CB_OFFSET;
	ic.vcpu = 77;
	call("init_control vcpu 77", EVTCHNOP_init_control, &ic, -XEN_ENOENT);
	ic.vcpu = 0;
	ic.link_bits = 0;
	call("init_control", EVTCHNOP_init_control, &ic, 0);
	rec(ic.link_bits);
	CHECK_EQ(ic.link_bits, EVTCHN_FIFO_LINK_BITS);
	call("init_control again", EVTCHNOP_init_control, &ic, -XEN_EEXIST);

	call("expand_array", EVTCHNOP_expand_array, &ea, 0);
	/* One page covers the domain's 1024 ports: a second is refused. */
	struct evtchn_expand_array ea2 = { .array_gfn = (uintptr_t)array_page[!run] >> 12 };
	call("expand_array twice", EVTCHNOP_expand_array, &ea2, -XEN_ENOSPC);
	/* Events carried from 2-level (the VMM's ports, first run): not ours. */
	unsigned kept = nobs[run];
	unsigned carried = consume();
	nobs[run] = kept;
	if (carried)
		printf("%s: %u carried event(s) consumed\n", fast ? "fast" : "legacy", carried);

	/* Ports: a loopback pair and an IPI. The bound end starts pending. */
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	if (call("alloc_unbound", EVTCHNOP_alloc_unbound, &au, 0))
		return;
	port_a = au.port;
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = port_a };
	if (call("bind_interdomain", EVTCHNOP_bind_interdomain, &bi, 0))
		return;
	port_b = bi.local_port;
	struct evtchn_bind_ipi ip = { .vcpu = 0 };
	if (call("bind_ipi", EVTCHNOP_bind_ipi, &ip, 0))
		return;
	port_i = ip.port;
	printf("%s: ports unbound %u, bound %u, ipi %u\n", fast ? "fast" : "legacy", port_a,
	       port_b, port_i);
	expect_word("bound end after bind", port_b, W_PENDING | W_LINKED);
	expect_word("unbound end after bind", port_a, 0);
	expect_queue("after bind", 1u << EVTCHN_FIFO_PRIORITY_DEFAULT,
		     EVTCHN_FIFO_PRIORITY_DEFAULT, port_b);
	CHECK_EQ(consume(), 1);

	/* Priorities: a and i on queue 3, b on queue 12; refusals. */
	priority(port_a, 3, 0);
	priority(port_i, 3, 0);
	priority(port_b, 12, 0);
	priority(port_a, EVTCHN_FIFO_PRIORITY_MIN + 1, -XEN_EINVAL);
	priority(0x7ffffff, 0, -XEN_EINVAL);

	/* b -> a, i -> i (linked after a), a -> b, i again (no change). */
	send(port_b);
	send(port_i);
	send(port_a);
	send(port_i);
	expect_word("a after sends", port_a, W_PENDING | W_LINKED | role(port_i));
	expect_word("i after sends", port_i, W_PENDING | W_LINKED);
	expect_word("b after sends", port_b, W_PENDING | W_LINKED);
	expect_queue("queue 3", (1u << 3) | (1u << 12), 3, port_a);
	expect_queue("queue 12", (1u << 3) | (1u << 12), 12, port_b);
	expect_queue("queue 7", (1u << 3) | (1u << 12), 7, 0);
	CHECK_EQ(consume(), 3); /* order a, i, b: recorded */

	/* A word the guest masks gets PENDING only; unmask links it. */
	__atomic_or_fetch(&words[port_i], W_MASKED, __ATOMIC_SEQ_CST);
	send(port_i);
	expect_word("masked i after send", port_i, W_PENDING | W_MASKED);
	expect_queue("masked", 0, 3, 0);
	struct evtchn_unmask um = { .port = port_i };
	call("unmask", EVTCHNOP_unmask, &um, 0);
	expect_word("i after unmask", port_i, W_PENDING | W_LINKED);
	expect_queue("after unmask", 1u << 3, 3, port_i);
	CHECK_EQ(consume(), 1);
	/* Unmask of a port with nothing pending raises nothing. */
	call("unmask idle", EVTCHNOP_unmask, &um, 0);
	expect_queue("after idle unmask", 0, 3, 0);

	/* The queue was consumed: the next event of queue 3 starts it again. */
	send(port_b);
	expect_queue("queue 3 again", 1u << 3, 3, port_a);
	/* close drops PENDING, leaves LINKED for the consumer to drop. */
	struct evtchn_close cl = { .port = port_a };
	call("close a", EVTCHNOP_close, &cl, 0);
	expect_word("a after close", port_a, W_LINKED);
	consume();
	cl.port = port_b;
	call("close b", EVTCHNOP_close, &cl, 0);
	cl.port = port_i;
	call("close i", EVTCHNOP_close, &cl, 0);
}

void test_main(void)
{
	if (!xtf_both_abis_ready())
		return;

	for (run = 0; run < 2; run++) {
		fast = run;
		one_run();
		/* Back to 2-level for the next run, by the same ABI. */
		struct evtchn_reset r = { .dom = DOMID_SELF };
		long rc = evop(EVTCHNOP_reset, &r);
		if (rc)
			xtf_failure("%s reset: %ld", fast ? "fast" : "legacy", rc);
		/* 2-level again: FIFO-only ops refused. */
		struct evtchn_expand_array ea = { .array_gfn = (uintptr_t)array_page[run] >> 12 };
		rc = evop(EVTCHNOP_expand_array, &ea);
		if (rc != -XEN_ENOSYS)
			xtf_failure("%s expand_array after reset: %ld", fast ? "fast" : "legacy", rc);
	}

	printf("records: legacy %u, fast %u\n", nobs[0], nobs[1]);
	CHECK_EQ(nobs[0], nobs[1]);
	for (unsigned i = 0; i < nobs[0] && i < nobs[1]; i++)
		if (obs[0][i] != obs[1][i]) {
			xtf_failure("record %u: legacy %#x, fast %#x", i, obs[0][i], obs[1][i]);
			break;
		}
	if (xtf_result() < 0)
		xtf_success(NULL);
}
