/*
 * The PV console ring and the xenstore ring that every guest gets, read
 * from the HVM params as a Xen guest finds them at boot: the pages are
 * reserved in the memory map, the ports are bound to the hypervisor (an
 * inter-domain port whose peer is DOMID_XEN). A line written into the
 * console ring and announced with EVTCHNOP_send reaches the console, and
 * the space comes back before the send returns. xenstore is served after
 * the send returned (as xenstored serves its rings): the program waits for
 * the server's event on the port, as a Xen guest's xenbus does (SCHEDOP_poll
 * with a timeout). It answers reads,
 * directories, watches, transactions and refusals with req_id and tx_id
 * echoed; requests and replies larger than a ring travel in pieces; replies
 * the guest does not read stop the server from taking more requests
 * instead of being lost; the guest's port becomes pending with each answer.
 *
 * With `hostile=WHAT` on the command line the program instead breaks a
 * ring on purpose (indices out of range, a request longer than
 * XENSTORE_PAYLOAD_MAX, a ring page replaced by shared_info, the console
 * port closed) and checks that the hypervisor neither crashes nor loops,
 * answers nothing more on a broken ring, says why in the page's error
 * field, and keeps everything else working (`hostile=console-unsent`
 * leaves a line in the console ring without a send: it comes out when the
 * domain stops).
 */
#include "guest.h"
#include "string.h"
#include "xenmem.h"

#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#ifdef __x86_64__
const char test_title[] = "pv-rings (64-bit)";
#else
const char test_title[] = "pv-rings (32-bit)";
#endif

#define XS_RING XENSTORE_RING_SIZE
#define CONS_OUT sizeof(((struct xencons_interface *)0)->out)

static volatile struct xencons_interface *cons;
static volatile struct xenstore_domain_interface *xs;
static evtchn_port_t cons_port, xs_port;
static struct shared_info *si; /* 64-bit only: the 2-level bits are laid out for it */
static unsigned sends;

static uint64_t get_param(unsigned index)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long rc = hypercall_hvm_op(HVMOP_get_param, &p);

	CHECK_EQ(rc, 0);
#ifdef __x86_64__
	if (fastabi_usable()) {
		struct xen_hvm_param f = { .domid = DOMID_SELF, .index = index };
		CHECK_EQ(xen_hypercall_hvm_get_param(&f), 0);
		CHECK_EQ(f.value, p.value);
	}
#endif
	return p.value;
}

/* A send on one of our ports, alternating the ABIs where there are two. */
static long send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	sends++;
#ifdef __x86_64__
	if (fastabi_usable() && sends % 2)
		return xen_hypercall_event_channel_send(&s);
#endif
	return hypercall_event_channel_op(EVTCHNOP_send, &s);
}

static bool pending(evtchn_port_t port)
{
	return si && evtchn_test_pending(si, port);
}

static void clear_pending(evtchn_port_t port)
{
	if (si)
		evtchn_clear_pending(si, port);
}

/* ---- the console ring ---- */

/* Put s into out[] and notify; true if the hypervisor took it all before the send returned. */
static bool cons_write(const char *s, size_t len)
{
	XENCONS_RING_IDX prod = cons->out_prod;

	if (len > CONS_OUT - (prod - cons->out_cons))
		return false;
	for (size_t i = 0; i < len; i++)
		cons->out[MASK_XENCONS_IDX(prod + i, cons->out)] = s[i];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	cons->out_prod = prod + (XENCONS_RING_IDX)len;
	if (!CHECK_EQ(send(cons_port), 0))
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return cons->out_cons == cons->out_prod;
}

static void console_ring(void)
{
	static const char line[] = "pv console: hello through the ring\n";

	clear_pending(cons_port);
	CHECK(cons_write(line, sizeof(line) - 1));
	if (si)
		CHECK(pending(cons_port)); /* the space came back: the backend says so */
	/* Forty numbered lines, one send each: the indices wrap around out[]. */
	for (unsigned i = 0; i < 40; i++) {
		char buf[80];
		int n = snprintf(buf, sizeof(buf), "pv console line %02u %s\n", i,
				 "abcdefghijklmnopqrstuvwxyz0123456789");
		if (!CHECK(cons_write(buf, (size_t)n)))
			break;
	}
	printf("console ring: out_prod %u out_cons %u after %u bytes\n", cons->out_prod,
	       cons->out_cons, cons->out_prod);
	CHECK(cons->out_prod > CONS_OUT);
	/* A line in pieces, one send per piece, comes out whole. */
	CHECK(cons_write("pv console: one line ", 21));
	CHECK(cons_write("in three ", 9));
	CHECK(cons_write("pieces\n", 7));
	/* Nothing to do: the send is still fine. */
	CHECK_EQ(send(cons_port), 0);
}

/* ---- the xenstore ring ---- */

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };

	hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

/*
 * The store is served after EVTCHNOP_send returns, as xenstored serves its
 * rings: wait for the server's event on the port (SCHEDOP_poll, at most ms
 * milliseconds), as a Xen guest's xenbus does. True if the port became
 * pending (counted in xs_events), false after the timeout.
 */
static unsigned xs_events;

static bool xs_wait(unsigned ms)
{
	struct sched_poll p = { .nr_ports = 1, .timeout = now_ns() + ms * 1000000ull };

	set_xen_guest_handle(p.ports, &xs_port);
	(void)hypercall_sched_op(SCHEDOP_poll, &p);
	if (!si)
		return now_ns() < p.timeout;
	bool ev = pending(xs_port);
	clear_pending(xs_port);
	xs_events += ev;
	return ev;
}

/* Wait (at most about a second) until cond holds; its value at the end. */
#define XS_SETTLE(cond)                                     \
	({                                                  \
		for (unsigned i_ = 0; i_ < 100 && !(cond); i_++) \
			xs_wait(10);                        \
		(cond);                                     \
	})

/* Write len bytes of requests, notifying as the ring fills; false if the server stopped taking. */
static bool xs_put(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	unsigned stuck = 0;

	while (len) {
		XENSTORE_RING_IDX prod = xs->req_prod, cons = xs->req_cons;
		size_t room = XS_RING - (prod - cons);
		if (!room) {
			send(xs_port);
			if (!xs_wait(200) && ++stuck > 3)
				return false;
			continue;
		}
		stuck = 0;
		if (room > len)
			room = len;
		for (size_t i = 0; i < room; i++)
			xs->req[MASK_XENSTORE_IDX(prod + i)] = (char)b[i];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		xs->req_prod = prod + (XENSTORE_RING_IDX)room;
		b += room;
		len -= room;
	}
	return true;
}

/* Read len bytes of replies, waiting for the server's event when the ring is empty; false if none come. */
static bool xs_get(void *buf, size_t len)
{
	uint8_t *b = buf;
	unsigned empty = 0;

	while (len) {
		XENSTORE_RING_IDX prod = xs->rsp_prod, cons = xs->rsp_cons;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		size_t avail = prod - cons;
		if (!avail) {
			if (!xs_wait(200) && ++empty > 3)
				return false;
			continue;
		}
		empty = 0;
		if (avail > len)
			avail = len;
		for (size_t i = 0; i < avail; i++)
			b[i] = (uint8_t)xs->rsp[MASK_XENSTORE_IDX(cons + i)];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		xs->rsp_cons = cons + (XENSTORE_RING_IDX)avail;
		/* Room given back: the server may have replies waiting for it. */
		send(xs_port);
		b += avail;
		len -= avail;
	}
	return true;
}

struct reply {
	struct xsd_sockmsg h;
	char body[XENSTORE_PAYLOAD_MAX + 1]; /* NUL added */
};
static struct reply r;
static uint32_t next_req = 100;

static bool xs_recv(struct reply *out)
{
	if (!xs_get(&out->h, sizeof(out->h)) || out->h.len > XENSTORE_PAYLOAD_MAX ||
	    !xs_get(out->body, out->h.len))
		return false;
	out->body[out->h.len] = '\0';
	return true;
}

static void xs_send(uint32_t type, uint32_t tx, const void *payload, unsigned len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = ++next_req, .tx_id = tx, .len = len };

	CHECK(xs_put(&h, sizeof(h)) && xs_put(payload, len));
	send(xs_port);
}

/* One request and its reply in r: true if the reply came with our req_id and tx_id. */
static bool xs_call(uint32_t type, uint32_t tx, const void *payload, unsigned len)
{
	xs_send(type, tx, payload, len);
	if (!CHECK(xs_recv(&r)))
		return false;
	CHECK_EQ(r.h.req_id, next_req);
	CHECK_EQ(r.h.tx_id, tx);
	return true;
}

static bool xs_call_str(uint32_t type, uint32_t tx, const char *s)
{
	return xs_call(type, tx, s, (unsigned)strlen(s) + 1);
}

/* The reply is type 'type' with exactly 'len' bytes 'body'. */
static void expect(const char *what, uint32_t type, const char *body, unsigned len)
{
	bool ok = r.h.type == type && r.h.len == len && !memcmp(r.body, body, len);
	printf("xenstore %-28s -> type %u len %u \"%s\"%s\n", what, r.h.type, r.h.len, r.body,
	       ok ? "" : "  (unexpected)");
	if (!ok)
		xtf_failure("xenstore %s: type %u len %u, expected type %u len %u", what, r.h.type,
			    r.h.len, type, len);
}

static void expect_error(const char *what, const char *err)
{
	expect(what, XS_ERROR, err, (unsigned)strlen(err) + 1);
}

static char big[2100];

static void xenstore(void)
{
	char want[64];
	int n;

	/* The reads a guest does at boot. */
	n = snprintf(want, sizeof(want), "%u", xen_info.domid);
	clear_pending(xs_port);
	unsigned events = xs_events;
	if (xs_call_str(XS_READ, 0, "domid"))
		expect("read domid", XS_READ, want, (unsigned)n);
	if (si)
		CHECK(xs_events > events || pending(xs_port)); /* the reply came with an event */
	char abs[64];
	snprintf(abs, sizeof(abs), "/local/domain/%u/domid", xen_info.domid);
	if (xs_call_str(XS_READ, 0, abs))
		expect("read /local/domain/N/domid", XS_READ, want, (unsigned)n);
	/* The domain's name: the kernel's file name, pv-rings or pv-rings32. */
	if (xs_call_str(XS_READ, 0, "name"))
		expect("read name", XS_READ, r.body, r.h.len);
	CHECK(r.h.len >= 8 && !memcmp(r.body, "pv-rings", 8));
	/* The toolstack's tree (docs/xenstore.md). */
	if (xs_call_str(XS_DIRECTORY, 0, "device"))
		expect("directory device", XS_DIRECTORY, "suspend", 8);
	snprintf(abs, sizeof(abs), "/local/domain/%u", xen_info.domid);
	if (xs_call_str(XS_DIRECTORY, 0, abs)) {
		expect("directory /local/domain/N", XS_DIRECTORY, r.body, r.h.len);
		CHECK(r.h.len > 2 && !memcmp(r.body, "vm\0name\0", 8));
	}
	if (xs_call_str(XS_DIRECTORY, 0, "/"))
		expect("directory /", XS_DIRECTORY, "tool\0local\0vm\0libxl", 20);
	if (xs_call_str(XS_READ, 0, "control/shutdown"))
		expect("read control/shutdown", XS_READ, "", 0);
	if (xs_call_str(XS_DIRECTORY, 0, "device/vbd"))
		expect_error("directory device/vbd", "ENOENT");
	snprintf(want, sizeof(want), "%u", xen_info.domid);
	if (xs_call_str(XS_GET_DOMAIN_PATH, 0, want))
		expect("get_domain_path", XS_GET_DOMAIN_PATH, abs, (unsigned)strlen(abs) + 1);

	/* Refusals. */
	if (xs_call(XS_INTRODUCE, 0, "7\0" "1\0" "2", 6))
		expect_error("introduce", "EACCES"); /* the VMM's alone */
	if (xs_call_str(XS_READ, 0, "a//b"))
		expect_error("read a//b", "EINVAL");
	if (xs_call(XS_READ, 0, "domid", 5)) /* no NUL */
		expect_error("read without NUL", "EINVAL");
	if (xs_call(999, 0, "", 0))
		expect_error("type 999", "ENOSYS"); /* xenstored: an unknown operation */
	if (xs_call_str(XS_GET_PERMS, 0, "domid")) /* libxl's roperm for domain 0 */
		expect("get_perms", XS_GET_PERMS, "n0\0r0", 6);

	/* Transactions: every one commits. */
	if (xs_call(XS_TRANSACTION_START, 0, "", 1)) {
		expect("transaction_start", XS_TRANSACTION_START, r.body, r.h.len);
		uint32_t tx = 0;
		for (const char *c = r.body; *c >= '0' && *c <= '9'; c++)
			tx = tx * 10 + (uint32_t)(*c - '0');
		CHECK(tx != 0);
		if (xs_call_str(XS_READ, tx, "domid"))
			expect("read in the transaction", XS_READ, want, (unsigned)strlen(want));
		if (xs_call_str(XS_TRANSACTION_END, tx, "T"))
			expect("transaction_end", XS_TRANSACTION_END, "OK", 3);
	}

	/* A watch fires once at once; unwatch; a second unwatch finds nothing. */
	if (xs_call(XS_WATCH, 0, "control/shutdown\0tok", 21)) {
		expect("watch", XS_WATCH, "OK", 3);
		if (CHECK(xs_recv(&r)))
			expect("watch event", XS_WATCH_EVENT, "control/shutdown\0tok", 21);
	}
	if (xs_call(XS_UNWATCH, 0, "control/shutdown\0tok", 21))
		expect("unwatch", XS_UNWATCH, "OK", 3);
	if (xs_call(XS_UNWATCH, 0, "control/shutdown\0tok", 21))
		expect_error("unwatch again", "ENOENT");

	/* A request in two sends: the header alone gets no answer yet. */
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 7, .len = 6 };
	CHECK(xs_put(&h, sizeof(h)));
	send(xs_port);
	CHECK(XS_SETTLE(xs->req_cons == xs->req_prod));
	xs_wait(20);
	CHECK_EQ(xs->rsp_prod, xs->rsp_cons);
	CHECK(xs_put("domid", 6));
	send(xs_port);
	if (CHECK(xs_recv(&r))) {
		CHECK_EQ(r.h.req_id, 7);
		expect("read in two pieces", XS_READ, want, (unsigned)strlen(want));
	}

	/* Larger than both rings: a watch with a 2 KiB token, and its event. */
	memcpy(big, "device", 7);
	for (unsigned i = 7; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = '\0';
	if (xs_call(XS_WATCH, 0, big, sizeof(big))) {
		expect("watch with a 2 KiB token", XS_WATCH, "OK", 3);
		if (CHECK(xs_recv(&r)))
			CHECK(r.h.type == XS_WATCH_EVENT && r.h.len == sizeof(big) &&
			      !memcmp(r.body, big, sizeof(big)));
	}
	if (xs_call(XS_UNWATCH, 0, big, sizeof(big)))
		expect("unwatch it", XS_UNWATCH, "OK", 3);

	/*
	 * Reads without reading a reply: the server answers while it has room,
	 * then leaves the requests in req[] (it drops none); once we read,
	 * every answer comes, in order.
	 */
	struct xsd_sockmsg q = { .type = XS_READ, .len = 6 };
	uint32_t first = next_req + 1, sent = 0;
	bool stalled = false;
	while (!stalled && sent < 2000) {
		if ((uint32_t)(XS_RING - (xs->req_prod - xs->req_cons)) < sizeof(q) + 6) {
			/*
			 * The server is served on its own thread: stalled once sends
			 * over 150 ms moved nothing (32-bit cannot clear the port's
			 * pending bit, so its waits return at once: time decides).
			 */
			XENSTORE_RING_IDX before = xs->req_cons;
			uint64_t t0 = now_ns();
			while (xs->req_cons == before && now_ns() - t0 < 150 * 1000000ull) {
				send(xs_port);
				xs_wait(50); /* the server's event if it took any, else a timeout */
			}
			stalled = (uint32_t)(XS_RING - (xs->req_prod - xs->req_cons)) < sizeof(q) + 6;
			continue;
		}
		q.req_id = ++next_req;
		CHECK(xs_put(&q, sizeof(q)) && xs_put("domid", 6));
		sent++;
	}
	printf("flood: %u requests written before the server stopped taking them (%s)\n", sent,
	       stalled ? "stalled" : "not stalled");
	CHECK(stalled);
	unsigned got = 0;
	for (uint32_t id = first; id < first + sent; id++) {
		if (!xs_recv(&r) || r.h.req_id != id || r.h.type != XS_READ)
			break;
		got++;
	}
	printf("flood: %u of %u replies, in order\n", got, sent);
	CHECK_EQ(got, sent);
	CHECK_EQ(xs->req_cons, xs->req_prod);
	CHECK_EQ(xs->rsp_cons, xs->rsp_prod);
	CHECK_EQ(xs->error, XENSTORE_ERROR_NONE);
}

/* ---- hostile guests ---- */

static void hostile(const char *what)
{
	printf("hostile: %s\n", what);
	if (!strcmp(what, "console-index")) {
		XENCONS_RING_IDX c = cons->out_cons;
		cons->out_prod = c + 5000;
		CHECK_EQ(send(cons_port), 0);
		CHECK_EQ(cons->out_cons, c);
		/* Broken for good: a sane line later is not taken either. */
		cons->out_prod = c;
		CHECK(!cons_write("not served\n", 11));
		CHECK_EQ(cons->out_cons, c);
	} else if (!strcmp(what, "store-index")) {
		XENSTORE_RING_IDX c = xs->req_cons;
		xs->req_prod = c + 0x10000;
		CHECK_EQ(send(xs_port), 0);
		CHECK(XS_SETTLE(xs->error == XENSTORE_ERROR_RINGIDX));
		CHECK_EQ(xs->req_cons, c);
	} else if (!strcmp(what, "store-rsp-index")) {
		xs->rsp_cons = xs->rsp_prod + 3000;
		xs_send(XS_READ, 0, "domid", 6);
		CHECK(XS_SETTLE(xs->error == XENSTORE_ERROR_RINGIDX));
	} else if (!strcmp(what, "store-length")) {
		struct xsd_sockmsg h = { .type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1 };
		CHECK(xs_put(&h, sizeof(h)));
		CHECK_EQ(send(xs_port), 0);
		CHECK(XS_SETTLE(xs->error == XENSTORE_ERROR_PROTO));
		CHECK_EQ(xs->rsp_prod, xs->rsp_cons);
		/* Nothing more is answered. */
		xs_send(XS_READ, 0, "domid", 6);
		xs_wait(50);
		CHECK_EQ(xs->rsp_prod, xs->rsp_cons);
	} else if (!strcmp(what, "store-garbage")) {
		/*
		 * Random requests (types, transactions, payload bytes, lengths
		 * below 64), as many as fit, a notification per ring, replies
		 * thrown away unread now and then: every send returns, nothing
		 * breaks the ring, and the server keeps answering.
		 */
		uint32_t x = 12345, nr = 0;
		for (unsigned round = 0; round < 60 && !xs->error; round++) {
			for (;;) {
				uint8_t msg[sizeof(struct xsd_sockmsg) + 64];
				struct xsd_sockmsg g;
				x = x * 1103515245 + 12345;
				g.type = (x >> 8) % 32;
				g.req_id = nr;
				g.tx_id = (x >> 13) % 3;
				g.len = (x >> 16) % 64;
				if (XS_RING - (xs->req_prod - xs->req_cons) < sizeof(g) + g.len)
					break;
				memcpy(msg, &g, sizeof(g));
				for (unsigned i = 0; i < g.len; i++) {
					x = x * 1103515245 + 12345;
					msg[sizeof(g) + i] = (x >> 20) % 4 ? (uint8_t)('a' + (x >> 24) % 26)
									    : (uint8_t)((x >> 24) % 3 ? '/' : 0);
				}
				CHECK(xs_put(msg, sizeof(g) + g.len));
				nr++;
			}
			send(xs_port);
			xs_wait(5);
			if (round % 3 == 0)
				xs->rsp_cons = xs->rsp_prod; /* drop whatever came back */
		}
		printf("garbage: %u requests written, error %u\n", nr, xs->error);
		CHECK_EQ(xs->error, XENSTORE_ERROR_NONE);
		/* Drain, then the server still answers. */
		for (unsigned i = 0; i < 50 && xs->req_cons != xs->req_prod; i++) {
			xs->rsp_cons = xs->rsp_prod;
			send(xs_port);
			xs_wait(20);
		}
		CHECK_EQ(xs->req_cons, xs->req_prod);
		xs->rsp_cons = xs->rsp_prod;
		send(xs_port); /* replies that waited for room */
		xs_wait(20);
		xs->rsp_cons = xs->rsp_prod;
	} else if (!strcmp(what, "page-replaced")) {
		/* shared_info over the console page: the backend must not write into it. */
		static uint8_t before[PAGE_SIZE];
		struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
						.gpfn = (uintptr_t)cons >> 12 };
		CHECK_EQ(hypercall_memory_op(XENMEM_add_to_physmap, &x), 0);
		si = NULL; /* it moved */
		cons->out_prod = cons->out_cons + 8;
		memcpy(before, (const void *)cons, PAGE_SIZE);
		CHECK_EQ(send(cons_port), 0);
		CHECK(!memcmp(before, (const void *)cons, PAGE_SIZE));
	} else if (!strcmp(what, "console-unsent")) {
		/*
		 * Not hostile: once the guest has used the ring, a line left in
		 * out[] without a send comes out when the domain stops.
		 */
		static const char line[] = "pv console: written, never sent\n";
		CHECK(cons_write("pv console: sent\n", 17));
		XENCONS_RING_IDX prod = cons->out_prod;
		for (size_t i = 0; i < sizeof(line) - 1; i++)
			cons->out[MASK_XENCONS_IDX(prod + i, cons->out)] = line[i];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		cons->out_prod = prod + (XENCONS_RING_IDX)(sizeof(line) - 1);
	} else if (!strcmp(what, "reset")) {
		/* EVTCHNOP_reset closes both: no backend is reached any more. */
		struct evtchn_reset rs = { .dom = DOMID_SELF };
		CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_reset, &rs), 0);
		CHECK_EQ(send(cons_port), -XEN_EINVAL);
		CHECK_EQ(send(xs_port), -XEN_EINVAL);
		/* The ports are free again, and an ordinary port there is just that. */
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
		CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0);
		CHECK_EQ(au.port, 1);
		CHECK_EQ(send(au.port), 0);
		struct evtchn_status st = { .dom = DOMID_SELF, .port = au.port };
		CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_status, &st), 0);
		CHECK_EQ(st.status, EVTCHNSTAT_unbound);
		XENCONS_RING_IDX c = cons->out_cons;
		cons->out_prod = c + 4;
		CHECK_EQ(send(au.port), 0);
		CHECK_EQ(cons->out_cons, c);
		cons->out_prod = c;
	} else if (!strcmp(what, "console-closed")) {
		struct evtchn_close c = { .port = cons_port };
		CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_close, &c), 0);
		CHECK_EQ(send(cons_port), -XEN_EINVAL);
		struct evtchn_status st = { .dom = DOMID_SELF, .port = cons_port };
		CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_status, &st), 0);
		CHECK_EQ(st.status, EVTCHNSTAT_closed);
	} else {
		xtf_error("unknown hostile=%s", what);
	}
	/* Whatever happened to the rings, the rest of the hypervisor works. */
	CHECK_EQ(hypercall_xen_version(XENVER_version, NULL), (4 << 16) | 17);
}

static bool reserved(uint64_t gpa)
{
	unsigned nr;
	const struct hvm_memmap_table_entry *e = memmap_entries(&nr);

	for (unsigned i = 0; i < nr; i++)
		if (gpa >= e[i].addr && gpa + PAGE_SIZE <= e[i].addr + e[i].size)
			return e[i].type == XEN_HVM_MEMMAP_TYPE_RESERVED;
	return false;
}

static void check_port(const char *what, evtchn_port_t port)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };

	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_status, &st), 0);
	printf("%s port %u: status %u, peer domain %#x port %u\n", what, port, st.status,
	       st.u.interdomain.dom, st.u.interdomain.port);
	CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ(st.u.interdomain.dom, DOMID_XEN);
	/* It can be moved between vCPUs like any inter-domain port. */
	struct evtchn_bind_vcpu bv = { .port = port, .vcpu = 0 };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &bv), 0);
	bv.vcpu = 7;
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &bv), -XEN_ENOENT);
}

void test_main(void)
{
	if (!xen_info.hypercall_page_ready) {
		xtf_error("no hypercall page");
		return;
	}
	uint64_t store_pfn = get_param(HVM_PARAM_STORE_PFN);
	uint64_t cons_pfn = get_param(HVM_PARAM_CONSOLE_PFN);
	xs_port = (evtchn_port_t)get_param(HVM_PARAM_STORE_EVTCHN);
	cons_port = (evtchn_port_t)get_param(HVM_PARAM_CONSOLE_EVTCHN);
	printf("store pfn %#llx port %u, console pfn %#llx port %u\n",
	       (unsigned long long)store_pfn, xs_port, (unsigned long long)cons_pfn, cons_port);
	if (!CHECK(store_pfn && cons_pfn && store_pfn != cons_pfn && xs_port && cons_port &&
		   xs_port != cons_port && store_pfn < (1ull << 20) && cons_pfn < (1ull << 20)))
		return;
	CHECK(reserved(store_pfn << 12));
	CHECK(reserved(cons_pfn << 12));
	check_port("console", cons_port);
	check_port("store", xs_port);
	cons = (volatile struct xencons_interface *)(uintptr_t)(cons_pfn << 12);
	xs = (volatile struct xenstore_domain_interface *)(uintptr_t)(store_pfn << 12);
	CHECK(xs->server_features & XENSTORE_SERVER_FEATURE_ERROR);
	CHECK_EQ(xs->connection, XENSTORE_CONNECTED);
#ifdef __x86_64__
	si = shared_info_map();
#endif

	const char *h = cmdline_option(start_info_cmdline(), "hostile");
	if (h) {
		char what[32];
		size_t n = 0;
		while (h[n] && h[n] != ' ' && n + 1 < sizeof(what)) {
			what[n] = h[n];
			n++;
		}
		what[n] = '\0';
		hostile(what);
		/* The other ring still works. */
		if (!strcmp(what, "reset")) {
			/* both are gone */
		} else if (!strncmp(what, "store", 5)) {
			console_ring();
		} else if (xs_call_str(XS_READ, 0, "domid")) {
			char want[16];
			snprintf(want, sizeof(want), "%u", xen_info.domid);
			expect("read domid", XS_READ, want, (unsigned)strlen(want));
		}
	} else {
		console_ring();
		xenstore();
	}
	if (xtf_result() < 0)
		xtf_success(NULL);
}
