/*
 * Two domains, a frontend and a backend, find each other through XenStore,
 * share a ring through a grant and signal each other through an
 * inter-domain event channel (docs/domains.md).
 *
 *   frontend: role=frontend gref=<ref> [abi=fast|legacy] [msgs=N] [share]
 *             [delay_ms=N] [fifo] [closer=frontend]
 *   backend:  role=backend [gref=<ref>] [abi=fast|legacy]
 *   ('fifo' on either side: that domain's events through the FIFO ABI)
 *
 * They find each other as Xen's split drivers do: the frontend's config
 * has vif = [ 'backend=<the backend's name>' ], from which the toolstack
 * wrote device/vif/0 in the frontend's home and backend/vif/<front>/0 in
 * the backend's (docs/domains.md), each pointing at the other, both in
 * XenbusStateInitialising. The ring is this test's own protocol, not
 * netif: the vif's directories are its rendezvous. The backend, watching
 * its backend/vif/, finds the frontend and goes InitWait; the frontend,
 * watching the backend's state, writes the ring header (magic, its
 * unbound port) into a page, grants it to the backend at 'gref' (its
 * choice), publishes ring-ref and event-channel in its device directory
 * and goes Initialised (one transaction, as Linux's talk_to_backend); the
 * backend, woken by its watch, reads them (a gref= of its own must agree),
 * maps the grant, binds the port and goes Connected; the frontend goes
 * Connected and times N round trips with the TSC, printing one "DEMO"
 * line (scripts/run.sh reads it). Then both close as Linux's drivers do:
 * the frontend goes Closing, the backend sees it, unmaps, closes its port
 * and goes Closing then Closed, and the frontend, seeing that, ends its
 * grant and goes Closed. Each side's ABI is its own choice: abi=fast
 * makes every call through FastABI's registers, abi=legacy through the
 * hypercall page. 'share' (a confidential frontend) shares the ring page
 * first: a confidential domain's grants work through its shared pages
 * only.
 *
 * What Xen does and this checks on the way: while the backend maps the
 * entry its GTF_reading/GTF_writing bits are set (the granter cannot end
 * access then); both sides see the same page (the granter's memory, no
 * copy); when the backend closes its port, the frontend's port becomes
 * unbound again (evtchn_close of an inter-domain port), and after the unmap
 * the busy bits are clear. With closer=frontend the frontend closes first
 * and the backend sees its own port become unbound.
 */
#include "guest.h"
#include "common/peer.h"
#include "common/xsdev.h"
#include "xenbus.h"

const char test_title[] = "interdom-ring";

#define RING_MAGIC 0x474e4952u /* "RING" */
#define RING_SLOTS 32
#define REQ_STOP UINT64_MAX
#define REQ_STOP_CLOSED (UINT64_MAX - 1) /* the frontend closes first */
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
/*
 * Sleep (on 'sleep_on') until port p is unbound and the grant no longer in
 * use: what the side that did not close sees of the other's close.
 */
static bool wait_closed(grant_entry_v1_t *gt, unsigned ref, evtchn_port_t sleep_on,
			struct evtchn_status *st)
{
	for (;;) {
		CHECK_EQ(peer_status(peer_port, st), 0);
		uint16_t f = gt ? ACCESS_ONCE(gt[ref].flags) : 0;
		if (st->status == EVTCHNSTAT_unbound && !(f & (GTF_reading | GTF_writing)))
			return true;
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("after the peer closed: port %u status %u, grant flags %#x",
				    peer_port, st->status, f);
			return false;
		}
		peer_poll(sleep_on, peer_now_ns() + 2 * MS);
		peer_clear_event(sleep_on);
	}
}

/*
 * closer=frontend: the frontend says so, closes its end first and sleeps
 * on a port of its own; the backend sees its port become unbound, unmaps
 * and closes; the frontend sees the grant's busy bits go.
 */
static void frontend_closes(struct ring *r, grant_entry_v1_t *gt, unsigned ref, unsigned backend)
{
	evtchn_port_t sleep_port;
	uint64_t prod = r->req_prod;

	if (!CHECK_EQ(peer_alloc_unbound(DOMID_SELF, &sleep_port), 0))
		return;
	r->req[prod % RING_SLOTS] = REQ_STOP_CLOSED;
	barrier();
	ACCESS_ONCE(r->req_prod) = prod + 1;
	peer_send(peer_port);
	CHECK_EQ(peer_close(peer_port), 0);
	printf("frontend: closed port %u first\n", peer_port);
	for (;;) {
		uint16_t f = ACCESS_ONCE(gt[ref].flags);
		if (!(f & (GTF_reading | GTF_writing)))
			break;
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("the backend never unmapped (grant flags %#x)", f);
			return;
		}
		peer_poll(sleep_port, peer_now_ns() + 2 * MS);
	}
	printf("frontend: the backend unmapped the ring\n");
	ACCESS_ONCE(gt[ref].flags) = 0;
	if (xtf_result() < 0)
		xtf_success("closed first; domain %u saw it and unmapped the ring", backend);
}

static bool xenstore_up(void)
{
	if (xenbus_init()) {
		xtf_error("no XenStore ring");
		return false;
	}
	xenbus_set_clear_event(peer_clear_event);
	/* A confidential domain shares the store's page, as its ring page. */
	if (cmdline_option(start_info_cmdline(), "share") && !CHECK_EQ(xenbus_share_ring(), 0))
		return false;
	return true;
}

/* ring-ref and event-channel in our device directory, and Initialised: one transaction. */
static bool publish(struct xsdev *dev, unsigned ref, evtchn_port_t port)
{
	char path[112], v[16];
	uint32_t tx;
	long r;

	do {
		if (!CHECK_EQ(xenbus_transaction_start(&tx), 0))
			return false;
		snprintf(path, sizeof(path), "%s/ring-ref", dev->dir);
		snprintf(v, sizeof(v), "%u", ref);
		r = xenbus_write(tx, path, v);
		snprintf(path, sizeof(path), "%s/event-channel", dev->dir);
		snprintf(v, sizeof(v), "%u", port);
		r = r ? r : xenbus_write(tx, path, v);
		snprintf(path, sizeof(path), "%s/state", dev->dir);
		snprintf(v, sizeof(v), "%u", XenbusStateInitialised);
		r = r ? r : xenbus_write(tx, path, v);
		if (r) {
			xenbus_transaction_end(tx, false);
			break;
		}
		r = xenbus_transaction_end(tx, true);
	} while (r == -XEN_EAGAIN);
	if (!CHECK_EQ(r, 0))
		return false;
	printf("frontend: ring-ref %u and event-channel %u published in %s\n", ref, port, dev->dir);
	printf("frontend: state %s -> %s\n", xsdev_state_name(dev->state),
	       xsdev_state_name(XenbusStateInitialised));
	dev->state = XenbusStateInitialised;
	return true;
}

static void frontend(void)
{
	unsigned ref = peer_opt_uint("gref", ~0u);
	unsigned msgs = peer_opt_uint("msgs", DEFAULT_MSGS);
	struct ring *r = (struct ring *)ring_page;
	grant_entry_v1_t *gt = grant_frame0_map();
	struct xsdev dev;

	if (ref == ~0u || ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= 512 || !msgs) {
		xtf_error("frontend needs gref=<%u..511> (msgs=N > 0) on its command line",
			  GNTTAB_NR_RESERVED_ENTRIES);
		return;
	}
	if (!gt) {
		xtf_error("grant frame 0 not available");
		return;
	}
	if (!xenstore_up() || !xsdev_frontend(&dev, "vif", 0))
		return;
	unsigned backend = dev.other_id;
	/* The backend has found its device (Linux's frontends wait for InitWait too). */
	if (!xsdev_wait(&dev, XenbusStateInitWait, false))
		return;
	if (cmdline_option(start_info_cmdline(), "share")) {
		struct fastabi_memory_share sh = { .first_gfn = (uintptr_t)ring_page >> 12,
						   .nr_frames = 1 };
		long rc = xen_hypercall_memory_share(&sh);
		printf("frontend: ring page shared with the hypervisor: %ld\n", rc);
		if (!CHECK_EQ(rc, 0))
			return;
	}

	if (!CHECK_EQ(peer_alloc_unbound((domid_t)backend, &peer_port), 0))
		return;

	r->port = peer_port;
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
	       xen_info.domid, peer_port, backend, ref, peer_fast ? "FastABI" : "legacy",
	       peer_fifo ? "FIFO" : "2-level");
	if (!publish(&dev, ref, peer_port))
		return;
	if (!xsdev_wait(&dev, XenbusStateConnected, false) || !xsdev_switch(&dev, XenbusStateConnected))
		return;

	peer_deadline = peer_now_ns() + 20000 * MS;
	if (!peer_wait_flag(&r->connected, "connection from the backend"))
		return;
	struct evtchn_status st;
	CHECK_EQ(peer_status(peer_port, &st), 0);
	printf("frontend: backend connected: port %u is interdomain to domain %u port %u; grant flags %#x\n",
	       peer_port, st.u.interdomain.dom, st.u.interdomain.port, ACCESS_ONCE(gt[ref].flags));
	CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ(st.u.interdomain.dom, backend);
	/* Mapped by the backend: Xen's busy bits, so gnttab_end_foreign_access would fail. */
	CHECK(ACCESS_ONCE(gt[ref].flags) & GTF_reading);

	/*
	 * delay_ms: the backend sits blocked in SCHEDOP_poll meanwhile; the
	 * first request must wake it at once (the integration test checks that
	 * the VMM used little CPU over the whole run).
	 */
	unsigned delay = peer_opt_uint("delay_ms", 0);
	if (delay) {
		uint64_t until = peer_now_ns() + delay * MS;
		/*
		 * The backend's "connected" event may land after we saw the flag:
		 * take it each time, or every poll would return at once.
		 */
		while (peer_now_ns() < until) {
			peer_poll(peer_port, until);
			peer_clear_event(peer_port);
		}
		uint64_t w0 = peer_now_ns(), prod = r->req_prod;
		r->req[prod % RING_SLOTS] = 7;
		barrier();
		ACCESS_ONCE(r->req_prod) = prod + 1;
		peer_send(peer_port);
		if (!peer_wait_change(&r->rsp_prod, prod))
			return;
		uint64_t w = peer_now_ns() - w0;
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
		peer_send(peer_port);
		if (!peer_wait_change(&r->rsp_prod, prod))
			return;
		CHECK_EQ(r->rsp[prod % RING_SLOTS], v * 3 + 1);
	}
	uint64_t cycles = rdtsc() - t0;
	uint64_t ns = peer_pvclock_ns(cycles);
	uint64_t ns_rt = ns / msgs;
	uint64_t rt_per_s = ns_rt ? 1000000000ull / ns_rt : 0;
	printf("frontend: %u round trips in %llu TSC cycles, %llu us\n", msgs,
	       (unsigned long long)cycles, (unsigned long long)ns / 1000);
	printf("DEMO abi=%s confidential=%d round_trips=%u ns_per_round_trip=%llu messages_per_s=%llu\n",
	       peer_fast ? "fastabi" : "legacy", cmdline_option(start_info_cmdline(), "share") ? 1 : 0,
	       msgs, (unsigned long long)ns_rt, (unsigned long long)(2 * rt_per_s));

	/* Closing first (Linux: the frontend's device going away), then the ring's stop. */
	if (!xsdev_switch(&dev, XenbusStateClosing))
		return;
	if (peer_opt_is("closer", "frontend")) {
		frontend_closes(r, gt, ref, backend);
		if (xsdev_wait(&dev, XenbusStateClosed, false))
			xsdev_switch(&dev, XenbusStateClosed);
		return;
	}
	/* Stop: the backend answers, unmaps, closes its port. */
	uint64_t prod = r->req_prod;
	r->req[prod % RING_SLOTS] = REQ_STOP;
	barrier();
	ACCESS_ONCE(r->req_prod) = prod + 1;
	peer_send(peer_port);
	if (!peer_wait_change(&r->rsp_prod, prod))
		return;
	/* Xen's evtchn_close: the remote end of an inter-domain channel becomes unbound. */
	if (!wait_closed(gt, ref, peer_port, &st))
		return;
	printf("frontend: backend closed: port %u unbound for domain %u, grant no longer in use\n",
	       peer_port, st.u.unbound.dom);
	CHECK_EQ(st.u.unbound.dom, backend);
	if (!xsdev_wait(&dev, XenbusStateClosed, false))
		return;
	ACCESS_ONCE(gt[ref].flags) = 0; /* end access: nobody maps it now */
	CHECK_EQ(peer_close(peer_port), 0);
	xsdev_switch(&dev, XenbusStateClosed);
	if (xtf_result() < 0)
		xtf_success("%u round trips with domain %u", msgs, backend);
}

static void backend(void)
{
	unsigned want_ref = peer_opt_uint("gref", ~0u);
	unsigned ref;
	evtchn_port_t store_port;
	uint64_t win = foreign_window();
	struct xsdev dev;

	if (!win) {
		xtf_error("no foreign window to map the grant at (the backend needs fixed_mem_layout=1)");
		return;
	}
	/* A port of our own to sleep on between tries (nobody sends on it). */
	evtchn_port_t sleep_port;
	long rc;
	if (!CHECK_EQ(peer_alloc_unbound(DOMID_SELF, &sleep_port), 0))
		return;
	if (!xenstore_up() || !xsdev_backend(&dev, "vif") || !xsdev_switch(&dev, XenbusStateInitWait))
		return;
	unsigned front = dev.other_id;
	uint64_t v_ref, v_port;
	if (!xsdev_wait(&dev, XenbusStateInitialised, false) ||
	    !xsdev_read_other(&dev, "ring-ref", &v_ref) ||
	    !xsdev_read_other(&dev, "event-channel", &v_port))
		return;
	ref = (unsigned)v_ref;
	store_port = (evtchn_port_t)v_port;
	printf("backend: found ring-ref %u and event-channel %u in %s\n", ref, store_port, dev.other);
	if (want_ref != ~0u && !CHECK_EQ(ref, want_ref))
		return;

	struct gnttab_map_grant_ref m;
	unsigned tries = 0;
	peer_deadline = peer_now_ns() + 20000 * MS;
	for (;;) {
		m = (struct gnttab_map_grant_ref){ .host_addr = win, .flags = GNTMAP_host_map,
						    .ref = ref, .dom = (domid_t)front };
		rc = peer_map(&m);
		tries++;
		if (!rc && m.status == GNTST_okay)
			break;
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("map ref %u of domain %u: rc %ld status %d after %u tries", ref,
				    front, rc, m.status, tries);
			return;
		}
		peer_poll(sleep_port, peer_now_ns() + 5 * MS);
	}
	struct ring *r = (struct ring *)(uintptr_t)m.host_addr;
	printf("backend: domain %u mapped ref %u of domain %u after %u tries; magic %#x port %u (%s ABI, %s events)\n",
	       xen_info.domid, ref, front, tries, r->magic, r->port, peer_fast ? "FastABI" : "legacy",
	       peer_fifo ? "FIFO" : "2-level");
	if (!CHECK_EQ(r->magic, RING_MAGIC))
		return;
	/* What XenStore said and what the ring's header says agree. */
	CHECK_EQ(r->port, store_port);

	if (!CHECK_EQ(peer_bind((domid_t)front, r->port, &peer_port), 0))
		return;
	ACCESS_ONCE(r->connected) = 1;
	peer_send(peer_port);
	if (!xsdev_switch(&dev, XenbusStateConnected))
		return;

	uint64_t served = 0;
	for (;;) {
		uint64_t cons = served;
		if (!peer_wait_change(&r->req_prod, cons))
			return;
		uint64_t v = r->req[cons % RING_SLOTS];
		if (v == REQ_STOP_CLOSED) {
			/* The frontend closed its end: ours is unbound now (Xen's evtchn_close). */
			struct evtchn_status st;
			if (!wait_closed(NULL, 0, sleep_port, &st))
				return;
			printf("backend: the frontend closed first: port %u unbound for domain %u\n",
			       peer_port, st.u.unbound.dom);
			CHECK_EQ(st.u.unbound.dom, front);
			served++;
			break;
		}
		r->rsp[cons % RING_SLOTS] = v == REQ_STOP ? REQ_STOP : v * 3 + 1;
		barrier();
		ACCESS_ONCE(r->rsp_prod) = cons + 1;
		served++;
		peer_send(peer_port);
		if (v == REQ_STOP)
			break;
		/* Each round trip waits at most 'peer_deadline' from now. */
		if ((served & 255) == 0)
			peer_deadline = peer_now_ns() + 20000 * MS;
	}
	/* The frontend said Closing before its stop: close our end too (xenbus backend). */
	if (!xsdev_wait(&dev, XenbusStateClosing, false) || !xsdev_switch(&dev, XenbusStateClosing))
		return;
	struct gnttab_unmap_grant_ref u = { .host_addr = m.host_addr, .handle = m.handle };
	CHECK_EQ(peer_unmap(&u), 0);
	CHECK_EQ(u.status, GNTST_okay);
	CHECK_EQ(peer_close(peer_port), 0);
	if (!xsdev_switch(&dev, XenbusStateClosed))
		return;
	/* Ours is gone once the frontend is Closed too (or its domain ended). */
	if (!xsdev_wait(&dev, XenbusStateClosed, true))
		return;
	if (xtf_result() < 0)
		xtf_success("served %llu requests of domain %u", (unsigned long long)(served - 1),
			    front);
}

void test_main(void)
{
	if (!peer_init())
		return;
	if (peer_opt_is("role", "frontend"))
		frontend();
	else if (peer_opt_is("role", "backend"))
		backend();
	else
		xtf_error("role=frontend or role=backend expected on the command line");
}
