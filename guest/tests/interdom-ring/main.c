/*
 * Two domains, a frontend and a backend, find each other with numbers they
 * agreed on beforehand (their configs' `extra`), share a ring through a
 * grant and signal each other through an inter-domain event channel: the
 * rendezvous docs/domains.md describes until XenStore is writable.
 *
 *   frontend: role=frontend backend=<domid> gref=<ref> [abi=fast|legacy] [msgs=N] [share]
 *             [delay_ms=N] [fifo]
 *   ('fifo' on either side: that domain's events through the FIFO ABI)
 *   backend:  role=backend frontend=<domid> gref=<ref> [abi=fast|legacy]
 *
 * The frontend writes the ring header (magic, its unbound port) into a page,
 * grants it to the backend at 'gref' and waits; the backend retries
 * map_grant_ref until the grant exists (sleeping in SCHEDOP_poll between
 * tries), binds the port, and answers every request. The frontend times N
 * round trips with the TSC and prints one "DEMO" line (scripts/run.sh reads
 * it). Each side's ABI is its own choice: abi=fast makes every call through
 * FastABI's registers, abi=legacy through the hypercall page. 'share' (a
 * confidential frontend) shares the ring page first: a confidential
 * domain's grants work through its shared pages only.
 *
 * What Xen does and this checks on the way: while the backend maps the
 * entry its GTF_reading/GTF_writing bits are set (the granter cannot end
 * access then); both sides see the same page (the granter's memory, no
 * copy); when the backend closes its port, the frontend's port becomes
 * unbound again (evtchn_close of an inter-domain port), and after the unmap
 * the busy bits are clear.
 */
#include "guest.h"

const char test_title[] = "interdom-ring";

#define MS 1000000ull
#define RING_MAGIC 0x474e4952u /* "RING" */
#define RING_SLOTS 32
#define REQ_STOP UINT64_MAX
#define DEFAULT_MSGS 1000u

struct ring {
	uint32_t magic;
	uint32_t port;      /* the frontend's unbound port, for the backend's bind */
	uint32_t connected; /* set by the backend once bound */
	uint32_t slots;
	uint64_t req_prod, rsp_prod;
	uint64_t req[RING_SLOTS];
	uint64_t rsp[RING_SLOTS];
};

static uint8_t ring_page[PAGE_SIZE] __page_noinit;
static uint8_t fifo_cb_page[PAGE_SIZE] __page_noinit;
static event_word_t fifo_words[PAGE_SIZE / sizeof(event_word_t)] __page_noinit;
static struct shared_info *si;
static bool fast, fifo;
static evtchn_port_t port;
static uint64_t deadline;

static unsigned opt_uint(const char *key, unsigned dflt)
{
	const char *v = cmdline_option(start_info_cmdline(), key);
	unsigned n = 0;

	if (!v || *v < '0' || *v > '9')
		return dflt;
	while (*v >= '0' && *v <= '9')
		n = n * 10 + (unsigned)(*v++ - '0');
	return n;
}

static bool opt_is(const char *key, const char *want)
{
	const char *v = cmdline_option(start_info_cmdline(), key);
	size_t n = strlen(want);

	return v && !strncmp(v, want, n) && (v[n] == '\0' || v[n] == ' ');
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };

	if (fast)
		xen_hypercall_hvm_get_time(fastabi_trap(), &g);
	else
		hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

/* TSC cycles to ns with the hypervisor's scale (pvclock, vcpu_time_info). */
static uint64_t pvclock_ns(uint64_t cycles)
{
	const struct vcpu_time_info *t = &si->vcpu_info[0].time;
	int8_t shift = ACCESS_ONCE(t->tsc_shift);
	uint32_t mul = ACCESS_ONCE(t->tsc_to_system_mul);

	cycles = shift < 0 ? cycles >> -shift : cycles << shift;
	return (uint64_t)(((unsigned __int128)cycles * mul) >> 32);
}

static long poll_until(evtchn_port_t p, uint64_t until)
{
	if (fast)
		return xen_hypercall_sched_poll(fastabi_trap(), until, p);
	struct sched_poll sp = { .nr_ports = 1, .timeout = until };
	set_xen_guest_handle(sp.ports, &p);
	return hypercall_sched_op(SCHEDOP_poll, &sp);
}

static long send(evtchn_port_t p)
{
	struct evtchn_send s = { .port = p };

	return fast ? xen_hypercall_event_channel_send(fastabi_trap(), &s)
		    : hypercall_event_channel_op(EVTCHNOP_send, &s);
}

static long status_of(evtchn_port_t p, struct evtchn_status *st)
{
	*st = (struct evtchn_status){ .dom = DOMID_SELF, .port = p };
	return fast ? xen_hypercall_event_channel_status(fastabi_trap(), st)
		    : hypercall_event_channel_op(EVTCHNOP_status, st);
}

static long close_port(evtchn_port_t p)
{
	struct evtchn_close c = { .port = p };

	return fast ? xen_hypercall_event_channel_close(fastabi_trap(), &c)
		    : hypercall_event_channel_op(EVTCHNOP_close, &c);
}

/*
 * 'fifo' on the command line: this domain takes its events through the FIFO
 * ABI (control block and one event-array page of its own), whatever its
 * peer uses. Before any port exists, so every port is a FIFO port.
 */
static bool fifo_init(void)
{
	struct evtchn_init_control ic = { .control_gfn = (uintptr_t)fifo_cb_page >> 12 };
	struct evtchn_expand_array ea = { .array_gfn = (uintptr_t)fifo_words >> 12 };
	long rc = fast ? xen_hypercall_event_channel_init_control(fastabi_trap(), &ic)
		       : hypercall_event_channel_op(EVTCHNOP_init_control, &ic);
	if (!CHECK_EQ(rc, 0))
		return false;
	rc = fast ? xen_hypercall_event_channel_expand_array(fastabi_trap(), &ea)
		  : hypercall_event_channel_op(EVTCHNOP_expand_array, &ea);
	return CHECK_EQ(rc, 0);
}

/*
 * Take the port's event: the 2-level pending bit, or with FIFO every ready
 * queue consumed as a guest does (HEAD, then LINK; LINKED and PENDING
 * cleared in each word).
 */
static void clear_event(evtchn_port_t p)
{
	if (!fifo) {
		evtchn_clear_pending(si, p);
		return;
	}
	volatile struct evtchn_fifo_control_block *cb = (void *)fifo_cb_page;
	volatile event_word_t *w = fifo_words;
	uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
	for (unsigned q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++) {
		if (!(ready & (1u << q)))
			continue;
		evtchn_port_t head = cb->head[q];
		for (unsigned n = 0; head && n < 64; n++) {
			uint32_t word = __atomic_fetch_and(
				&w[head], ~((1u << EVTCHN_FIFO_LINKED) | (1u << EVTCHN_FIFO_PENDING) |
					    EVTCHN_FIFO_LINK_MASK), __ATOMIC_SEQ_CST);
			head = word & EVTCHN_FIFO_LINK_MASK;
		}
		cb->head[q] = 0;
	}
}

/*
 * Sleep on 'port' until *word != old. The sender writes the ring before it
 * sends, and the pending bit is cleared before the ring is read again, so
 * no event is lost and the vCPU never spins: poll returns at once only if
 * the port is already pending.
 */
static bool wait_change(volatile uint64_t *word, uint64_t old)
{
	while (ACCESS_ONCE(*word) == old) {
		long rc = poll_until(port, deadline);
		if (rc) {
			xtf_error("SCHEDOP_poll on port %u: %ld", port, rc);
			return false;
		}
		clear_event(port);
		if (ACCESS_ONCE(*word) == old && now_ns() >= deadline) {
			xtf_failure("no answer from the peer on port %u within the deadline", port);
			return false;
		}
	}
	return true;
}

static void frontend(void)
{
	unsigned backend = opt_uint("backend", ~0u), ref = opt_uint("gref", ~0u);
	unsigned msgs = opt_uint("msgs", DEFAULT_MSGS);
	struct ring *r = (struct ring *)ring_page;
	grant_entry_v1_t *gt = grant_frame0_map();

	if (backend == ~0u || ref == ~0u || ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= 512 ||
	    !msgs) {
		xtf_error("frontend needs backend=<domid> gref=<%u..511> (msgs=N > 0) on its command line",
			  GNTTAB_NR_RESERVED_ENTRIES);
		return;
	}
	if (!gt) {
		xtf_error("grant frame 0 not available");
		return;
	}
	if (cmdline_option(start_info_cmdline(), "share")) {
		struct fastabi_memory_share sh = { .first_gfn = (uintptr_t)ring_page >> 12,
						   .nr_frames = 1 };
		long rc = xen_hypercall_memory_share(fastabi_trap(), &sh);
		printf("frontend: ring page shared with the hypervisor: %ld\n", rc);
		if (!CHECK_EQ(rc, 0))
			return;
	}

	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = (domid_t)backend };
	long rc = fast ? xen_hypercall_event_channel_alloc_unbound(fastabi_trap(), &a)
		       : hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &a);
	if (!CHECK_EQ(rc, 0))
		return;
	port = a.port;

	r->port = port;
	r->slots = RING_SLOTS;
	r->connected = 0;
	r->req_prod = r->rsp_prod = 0;
	barrier();
	r->magic = RING_MAGIC;
	gt[ref].domid = (domid_t)backend;
	gt[ref].frame = (uint32_t)((uintptr_t)ring_page >> 12);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ACCESS_ONCE(gt[ref].flags) = GTF_permit_access;
	printf("frontend: domain %u, port %u for domain %u, ring page granted at ref %u (%s ABI, %s events)\n",
	       xen_info.domid, port, backend, ref, fast ? "FastABI" : "legacy",
	       fifo ? "FIFO" : "2-level");

	deadline = now_ns() + 20000 * MS;
	while (!ACCESS_ONCE(r->connected)) {
		if (poll_until(port, deadline)) {
			xtf_error("poll for the backend failed");
			return;
		}
		clear_event(port);
		if (!ACCESS_ONCE(r->connected) && now_ns() >= deadline) {
			xtf_failure("the backend (domain %u) never connected", backend);
			return;
		}
	}
	struct evtchn_status st;
	CHECK_EQ(status_of(port, &st), 0);
	printf("frontend: backend connected: port %u is interdomain to domain %u port %u; grant flags %#x\n",
	       port, st.u.interdomain.dom, st.u.interdomain.port, ACCESS_ONCE(gt[ref].flags));
	CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ(st.u.interdomain.dom, backend);
	/* Mapped by the backend: Xen's busy bits, so gnttab_end_foreign_access would fail. */
	CHECK(ACCESS_ONCE(gt[ref].flags) & GTF_reading);

	/*
	 * delay_ms: the backend sits blocked in SCHEDOP_poll meanwhile; the
	 * first request must wake it at once (the integration test checks that
	 * the VMM used little CPU over the whole run).
	 */
	unsigned delay = opt_uint("delay_ms", 0);
	if (delay) {
		uint64_t until = now_ns() + delay * MS;
		while (now_ns() < until)
			poll_until(port, until);
		clear_event(port);
		uint64_t w0 = now_ns(), prod = r->req_prod;
		r->req[prod % RING_SLOTS] = 7;
		barrier();
		ACCESS_ONCE(r->req_prod) = prod + 1;
		send(port);
		if (!wait_change(&r->rsp_prod, prod))
			return;
		uint64_t w = now_ns() - w0;
		printf("frontend: after %u ms idle, the blocked backend answered in %llu us\n", delay,
		       (unsigned long long)w / 1000);
		CHECK_EQ(r->rsp[prod % RING_SLOTS], 22);
		CHECK(w < 100 * MS);
	}

	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < msgs && xtf_result() < 0; i++) {
		uint64_t prod = r->req_prod, v = 0x1000000ull * xen_info.domid + i;
		r->req[prod % RING_SLOTS] = v;
		barrier();
		ACCESS_ONCE(r->req_prod) = prod + 1;
		send(port);
		if (!wait_change(&r->rsp_prod, prod))
			return;
		CHECK_EQ(r->rsp[prod % RING_SLOTS], v * 3 + 1);
	}
	uint64_t cycles = rdtsc() - t0;
	uint64_t ns = pvclock_ns(cycles);
	uint64_t ns_rt = ns / msgs;
	uint64_t rt_per_s = ns_rt ? 1000000000ull / ns_rt : 0;
	printf("frontend: %u round trips in %llu TSC cycles, %llu us\n", msgs,
	       (unsigned long long)cycles, (unsigned long long)ns / 1000);
	printf("DEMO abi=%s confidential=%d round_trips=%u ns_per_round_trip=%llu messages_per_s=%llu\n",
	       fast ? "fastabi" : "legacy", cmdline_option(start_info_cmdline(), "share") ? 1 : 0,
	       msgs, (unsigned long long)ns_rt, (unsigned long long)(2 * rt_per_s));

	/* Stop: the backend answers, unmaps, closes its port. */
	uint64_t prod = r->req_prod;
	r->req[prod % RING_SLOTS] = REQ_STOP;
	barrier();
	ACCESS_ONCE(r->req_prod) = prod + 1;
	send(port);
	if (!wait_change(&r->rsp_prod, prod))
		return;
	/* Xen's evtchn_close: the remote end of an inter-domain channel becomes unbound. */
	for (;;) {
		CHECK_EQ(status_of(port, &st), 0);
		uint16_t f = ACCESS_ONCE(gt[ref].flags);
		if (st.status == EVTCHNSTAT_unbound && !(f & (GTF_reading | GTF_writing)))
			break;
		if (now_ns() >= deadline) {
			xtf_failure("after the backend closed: port %u status %u, grant flags %#x",
				    port, st.status, f);
			return;
		}
		poll_until(port, now_ns() + 2 * MS);
	}
	printf("frontend: backend closed: port %u unbound for domain %u, grant no longer in use\n",
	       port, st.u.unbound.dom);
	CHECK_EQ(st.u.unbound.dom, backend);
	ACCESS_ONCE(gt[ref].flags) = 0; /* end access: nobody maps it now */
	CHECK_EQ(close_port(port), 0);
	if (xtf_result() < 0)
		xtf_success("%u round trips with domain %u", msgs, backend);
}

static void backend(void)
{
	unsigned front = opt_uint("frontend", ~0u), ref = opt_uint("gref", ~0u);
	uint64_t win = foreign_window();

	if (front == ~0u || ref == ~0u) {
		xtf_error("backend needs frontend=<domid> gref=<ref> on its command line");
		return;
	}
	if (!win) {
		xtf_error("no foreign window to map the grant at (the backend needs fixed_mem_layout=1)");
		return;
	}
	/* A port of our own to sleep on between tries (nobody sends on it). */
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	long rc = fast ? xen_hypercall_event_channel_alloc_unbound(fastabi_trap(), &a)
		       : hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &a);
	if (!CHECK_EQ(rc, 0))
		return;

	struct gnttab_map_grant_ref m;
	unsigned tries = 0;
	deadline = now_ns() + 20000 * MS;
	for (;;) {
		m = (struct gnttab_map_grant_ref){ .host_addr = win, .flags = GNTMAP_host_map,
						    .ref = ref, .dom = (domid_t)front };
		rc = fast ? xen_hypercall_grant_table_map_grant_ref(fastabi_trap(), &m)
			  : hypercall_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
		tries++;
		if (!rc && m.status == GNTST_okay)
			break;
		if (now_ns() >= deadline) {
			xtf_failure("map ref %u of domain %u: rc %ld status %d after %u tries", ref,
				    front, rc, m.status, tries);
			return;
		}
		poll_until(a.port, now_ns() + 5 * MS);
	}
	struct ring *r = (struct ring *)(uintptr_t)m.host_addr;
	printf("backend: domain %u mapped ref %u of domain %u after %u tries; magic %#x port %u (%s ABI, %s events)\n",
	       xen_info.domid, ref, front, tries, r->magic, r->port, fast ? "FastABI" : "legacy",
	       fifo ? "FIFO" : "2-level");
	if (!CHECK_EQ(r->magic, RING_MAGIC))
		return;

	struct evtchn_bind_interdomain b = { .remote_dom = (domid_t)front, .remote_port = r->port };
	rc = fast ? xen_hypercall_event_channel_bind_interdomain(fastabi_trap(), &b)
		  : hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &b);
	if (!CHECK_EQ(rc, 0))
		return;
	port = b.local_port;
	ACCESS_ONCE(r->connected) = 1;
	send(port);

	uint64_t served = 0;
	for (;;) {
		uint64_t cons = served;
		if (!wait_change(&r->req_prod, cons))
			return;
		uint64_t v = r->req[cons % RING_SLOTS];
		r->rsp[cons % RING_SLOTS] = v == REQ_STOP ? REQ_STOP : v * 3 + 1;
		barrier();
		ACCESS_ONCE(r->rsp_prod) = cons + 1;
		served++;
		send(port);
		if (v == REQ_STOP)
			break;
		/* Each round trip waits at most 'deadline' from now. */
		if ((served & 255) == 0)
			deadline = now_ns() + 20000 * MS;
	}
	struct gnttab_unmap_grant_ref u = { .host_addr = m.host_addr, .handle = m.handle };
	rc = fast ? xen_hypercall_grant_table_unmap_grant_ref(fastabi_trap(), &u)
		  : hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
	CHECK_EQ(rc, 0);
	CHECK_EQ(u.status, GNTST_okay);
	CHECK_EQ(close_port(port), 0);
	if (xtf_result() < 0)
		xtf_success("served %llu requests of domain %u", (unsigned long long)(served - 1),
			    front);
}

void test_main(void)
{
	fast = opt_is("abi", "fast");
	if (fast ? !fastabi_usable() : !xen_info.hypercall_page_ready) {
		xtf_error("abi=%s is not usable in this domain", fast ? "fast" : "legacy");
		return;
	}
	if (!(si = shared_info_need()))
		return;
	fifo = cmdline_option(start_info_cmdline(), "fifo") != NULL;
	if (fifo && !fifo_init())
		return;
	if (opt_is("role", "frontend"))
		frontend();
	else if (opt_is("role", "backend"))
		backend();
	else
		xtf_error("role=frontend or role=backend expected on the command line");
}
