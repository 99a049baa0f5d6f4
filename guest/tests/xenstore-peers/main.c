/*
 * Two domains and one XenStore (tests/integration/domains/, `fastabi
 * create`), each told its role and its peer's id on the command line
 * (`role=... peer=N`):
 *
 *  - front / back: the xenbus handshake of a split driver (vif 0, from
 *    the frontend's config: vif = [ 'backend=back' ]), as Linux's xenbus
 *    drivers do it. The toolstack wrote both directories as libxl does
 *    (device/vif/0 in the frontend's home, owned by it and readable by the
 *    backend, its mtu the backend's; backend/vif/<front>/0 in the
 *    backend's, owned by it and readable by the frontend), each pointing at
 *    the other (backend / frontend, *-id) in XenbusStateInitialising, with
 *    libxl_nic.c's keys; each side checks what it finds. The
 *    frontend allocates an event channel for the backend, publishes
 *    event-channel and ring-ref and goes Initialised; the backend, woken
 *    by its watch on the frontend's state, reads them, binds the port and
 *    goes Connected; the frontend, woken by its watch, sends an event the
 *    backend receives and goes Connected; once the backend has read the
 *    frontend's Connected (4) it goes Closed (6), and the frontend, which
 *    stayed until then, ends too. A domain may read its peer's
 *    directory, not write it (EACCES), nor read the peer's home.
 *  - hog / other: quota is per domain. The hog writes nodes until the
 *    store says ENOSPC, then tells the other through a node the other
 *    owns and lets it write (an ACL entry; rewriting a node costs the hog
 *    no quota); the other, woken by its watch, writes a hundred nodes of its
 *    own: none is refused.
 *  - hostile-length / hostile-index / hostile-stall, with victim: one
 *    domain breaks its store ring (a length above XENSTORE_PAYLOAD_MAX,
 *    a req_prod far beyond req_cons) or never reads its replies while it
 *    floods requests; the VMM cuts that connection off (or stops taking
 *    its requests) with a message, and the victim's store requests and
 *    watches keep working meanwhile.
 */
#include "guest.h"
#include "string.h"
#include "xenbus.h"
#include "xenmem.h"

const char test_title[] = "xenstore-peers";

#define MS 1000000ull
#define RING_ROOM(xs) (XENSTORE_RING_SIZE - ((xs)->req_prod - (xs)->req_cons))

enum { Initialising = 1, InitWait = 2, Initialised = 3, Connected = 4, Closed = 6 };

static char buf[XENSTORE_PAYLOAD_MAX + 1];
static unsigned me, peer;

static unsigned opt_uint(const char *key)
{
	const char *v = cmdline_option(start_info_cmdline(), key);
	unsigned n = 0;

	while (v && *v >= '0' && *v <= '9')
		n = n * 10 + (unsigned)(*v++ - '0');
	return n;
}

static bool role_is(const char *want)
{
	const char *v = cmdline_option(start_info_cmdline(), "role");
	size_t n = strlen(want);

	return v && !strncmp(v, want, n) && (v[n] == '\0' || v[n] == ' ');
}

static void writef(const char *path, const char *fmt, unsigned v)
{
	char val[24];

	snprintf(val, sizeof(val), fmt, v);
	CHECK_EQ(xenbus_write(0, path, val), 0);
}

/* An ordinary watch event within ms milliseconds (any path): false if none came. */
static bool some_event(unsigned ms)
{
	char p[160], t[32];

	return xenbus_wait_watch(p, sizeof(p), t, sizeof(t), ms * MS) == 0;
}

/* Wait (at most 10 s) until the number at path is want; false after saying so. */
static bool wait_value(const char *path, unsigned want)
{
	for (unsigned i = 0; i < 100; i++) {
		uint64_t v;
		if (xenbus_read_uint(0, path, &v) == 0 && v == want)
			return true;
		some_event(100);
	}
	xtf_failure("%s never became %u", path, want);
	return false;
}

/* Wait (at most 10 s) until the number at path is want, or the peer is gone. */
static bool wait_value_or_gone(const char *path, unsigned want)
{
	for (unsigned i = 0; i < 100; i++) {
		uint64_t v;
		long r = xenbus_read_uint(0, path, &v);
		/*
		 * Gone: the peer's home removed, whose parent /local/domain we
		 * may not read, so EACCES as from xenstored (ENOENT if only the
		 * node went).
		 */
		if ((r == 0 && v == want) || r == -XEN_ENOENT || r == -XEN_EACCES)
			return true;
		some_event(100);
	}
	xtf_failure("%s never became %u", path, want);
	return false;
}

/* ---- the handshake ---- */

/* path's value is want. */
static void check_str(const char *path, const char *want)
{
	long n = xenbus_read(0, path, buf, sizeof(buf));

	if (n < 0 || strcmp(buf, want))
		xtf_failure("%s = \"%s\" (%ld), \"%s\" expected", path, n < 0 ? "" : buf, n, want);
}

/* path's permissions are "n<owner>\0r<reader>\0" (libxl's device permissions). */
static void check_perms(const char *path, unsigned owner, unsigned reader)
{
	char want[24];
	int n = snprintf(want, sizeof(want), "n%u%cr%u", owner, 0, reader);
	long got = xenbus_get_perms(0, path, buf, sizeof(buf));

	if (got != n + 1 || memcmp(buf, want, (size_t)n + 1))
		xtf_failure("%s: permissions \"%s,%s\" (%ld), n%u,r%u expected", path, buf,
			    got > 0 ? buf + strlen(buf) + 1 : "", got, owner, reader);
}

/* Under dir, each key's value (NULL: the number n). */
struct expect_kv {
	const char *key, *value;
};

static void check_keys(const char *dir, const struct expect_kv *kv, unsigned nr, unsigned n)
{
	char path[128], v[16];

	for (unsigned i = 0; i < nr; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, kv[i].key);
		snprintf(v, sizeof(v), "%u", n);
		check_str(path, kv[i].value ? kv[i].value : v);
	}
}

/* The keys libxl writes for a vif (common ones, then libxl_nic.c's), as the toolstack wrote them. */
static void check_vif_dirs(const char *front, const char *back, unsigned fe, unsigned be)
{
	char path[128];
	const struct expect_kv fkeys[] = { { "backend", back }, { "backend-id", NULL },
					   { "handle", "0" },    { "trusted", "1" },
					   { "mtu", "1500" } };
	const struct expect_kv bkeys[] = {
		{ "frontend", front },	{ "frontend-id", NULL },
		{ "online", "1" },	{ "script", "/etc/xen/scripts/vif-bridge" },
		{ "bridge", "xenbr0" }, { "type", "vif" },
		{ "hotplug-status", "" },
	};

	check_perms(front, fe, be);
	check_keys(front, fkeys, sizeof(fkeys) / sizeof(fkeys[0]), be);
	snprintf(path, sizeof(path), "%s/mtu", front);
	check_perms(path, be, fe); /* libxl's ro_fents: the frontend may not change it */
	snprintf(path, sizeof(path), "%s/mac", front);
	CHECK(xenbus_read(0, path, buf, sizeof(buf)) == 17 && !strncmp(buf, "00:16:3e:", 9));
	check_perms(back, be, fe);
	check_keys(back, bkeys, sizeof(bkeys) / sizeof(bkeys[0]), fe);
}

static void frontend(void)
{
	char dir[64], other[80], path[128];

	snprintf(dir, sizeof(dir), "/local/domain/%u/device/vif/0", me);
	snprintf(other, sizeof(other), "/local/domain/%u/backend/vif/%u/0", peer, me);
	/* Both ends Initialising, as the toolstack left them. */
	snprintf(path, sizeof(path), "%s/state", dir);
	check_str(path, "1");
	snprintf(path, sizeof(path), "%s/state", other);
	check_str(path, "1");
	check_vif_dirs(dir, other, me, peer);
	/* The toolstack's keys are not ours to change. */
	snprintf(path, sizeof(path), "%s/mtu", dir);
	CHECK_EQ(xenbus_write(0, path, "9000"), -XEN_EACCES);

	/* The backend's state, watched. */
	char bstate[128];
	snprintf(bstate, sizeof(bstate), "%s/state", other);
	CHECK_EQ(xenbus_watch(bstate, "back-state"), 0);

	/* Our resources: an event channel for the backend, a ring reference. */
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = (domid_t)peer };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &a), 0);
	uint32_t tx;
	long r;
	do { /* published in one transaction, as Linux's talk_to_backend does */
		CHECK_EQ(xenbus_transaction_start(&tx), 0);
		snprintf(path, sizeof(path), "%s/event-channel", dir);
		char v[16];
		snprintf(v, sizeof(v), "%u", a.port);
		CHECK_EQ(xenbus_write(tx, path, v), 0);
		snprintf(path, sizeof(path), "%s/ring-ref", dir);
		CHECK_EQ(xenbus_write(tx, path, "8"), 0);
		snprintf(path, sizeof(path), "%s/state", dir);
		snprintf(v, sizeof(v), "%u", Initialised);
		CHECK_EQ(xenbus_write(tx, path, v), 0);
		r = xenbus_transaction_end(tx, true);
	} while (r == -XEN_EAGAIN);
	CHECK_EQ(r, 0);
	printf("frontend: event-channel %u, ring-ref 8, Initialised\n", a.port);

	if (!wait_value(bstate, Connected))
		return;
	/* The peer's directory: readable, not writable; its home: not readable. */
	snprintf(path, sizeof(path), "%s/frontend-id", other);
	uint64_t v;
	CHECK_EQ(xenbus_read_uint(0, path, &v), 0);
	CHECK_EQ(v, me);
	CHECK_EQ(xenbus_write(0, path, "9"), -XEN_EACCES);
	snprintf(path, sizeof(path), "/local/domain/%u/name", peer);
	CHECK_EQ(xenbus_read(0, path, buf, sizeof(buf)), -XEN_EACCES);
	/* The backend bound our port: an event reaches it. */
	struct evtchn_send s = { .port = a.port };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_send, &s), 0);
	snprintf(path, sizeof(path), "%s/state", dir);
	writef(path, "%u", Connected);
	printf("frontend: backend Connected, Connected\n");
	/*
	 * Stay until the backend has seen it: it closes (or its domain ended
	 * and the toolstack removed its directory, as a frontend sees a dead
	 * backend on Xen). Leaving first would remove ours under its feet.
	 */
	wait_value_or_gone(bstate, Closed);
}

static void backend(void)
{
	char dir[64], other[64], path[128];

	snprintf(dir, sizeof(dir), "/local/domain/%u/backend/vif/%u/0", me, peer);
	snprintf(other, sizeof(other), "/local/domain/%u/device/vif/0", peer);
	check_vif_dirs(other, dir, peer, me);

	char fstate[96];
	snprintf(fstate, sizeof(fstate), "%s/state", other);
	CHECK_EQ(xenbus_watch(fstate, "front-state"), 0);
	if (!wait_value(fstate, Initialised))
		return;
	uint64_t port, gref;
	snprintf(path, sizeof(path), "%s/event-channel", other);
	CHECK_EQ(xenbus_read_uint(0, path, &port), 0);
	snprintf(path, sizeof(path), "%s/ring-ref", other);
	CHECK_EQ(xenbus_read_uint(0, path, &gref), 0);
	CHECK_EQ(gref, 8);
	struct evtchn_bind_interdomain b = { .remote_dom = (domid_t)peer,
					     .remote_port = (evtchn_port_t)port };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &b), 0);
	printf("backend: frontend Initialised, ring-ref %llu, port %llu bound as %u\n",
	       (unsigned long long)gref, (unsigned long long)port, b.local_port);
	snprintf(path, sizeof(path), "%s/state", dir);
	writef(path, "%u", Connected);

	/* The frontend's event on the bound port. */
	struct sched_poll p = { .nr_ports = 1, .timeout = xenbus_now() + 10000 * MS };
	set_xen_guest_handle(p.ports, &b.local_port);
	CHECK_EQ(hypercall_sched_op(SCHEDOP_poll, &p), 0);
	CHECK(xenbus_now() < p.timeout);
	if (wait_value(fstate, Connected))
		printf("backend: the frontend's event came, both Connected\n");
	snprintf(path, sizeof(path), "%s/state", dir);
	writef(path, "%u", Closed);
}

/* ---- quota ---- */

static void hog(void)
{
	char path[64];
	unsigned n = 0;
	long r = 0;

	while (n < 3000) {
		snprintf(path, sizeof(path), "data/hog/%u/%u", n / 100, n % 100);
		if ((r = xenbus_write(0, path, "x")))
			break;
		n++;
	}
	printf("hog: %u nodes, then %ld %s\n", n, r, xenbus_error());
	CHECK(r == -XEN_ENOSPC && !strcmp(xenbus_error(), "ENOSPC"));
	/* Over quota, we may still change a node of the other's that lets us. */
	snprintf(path, sizeof(path), "/local/domain/%u/data/signal", peer);
	/* Not made yet: EACCES (we may not create it in the other's data/). */
	for (unsigned i = 0; i < 100 && (r = xenbus_write(0, path, "full")) == -XEN_EACCES; i++)
		some_event(100);
	CHECK_EQ(r, 0);
	/* Still full for us. */
	CHECK_EQ(xenbus_write(0, "data/one-more", "x"), -XEN_ENOSPC);
	snprintf(path, sizeof(path), "/local/domain/%u/data/done", peer);
	CHECK_EQ(xenbus_watch(path, "done"), 0);
	wait_value_or_gone(path, 1); /* the other may have ended already */
	CHECK_EQ(xenbus_rm(0, "data/hog"), 0);
	CHECK_EQ(xenbus_write(0, "data/one-more", "x"), 0);
}

static void other(void)
{
	char perms[24];

	CHECK_EQ(xenbus_write(0, "data/signal", ""), 0);
	int n = snprintf(perms, sizeof(perms), "n%u%cw%u", me, 0, peer);
	CHECK_EQ(xenbus_set_perms(0, "data/signal", perms, (unsigned)n + 1), 0);
	CHECK_EQ(xenbus_write(0, "data/done", "0"), 0);
	n = snprintf(perms, sizeof(perms), "n%u%cr%u", me, 0, peer);
	CHECK_EQ(xenbus_set_perms(0, "data/done", perms, (unsigned)n + 1), 0);
	CHECK_EQ(xenbus_watch("data/signal", "signal"), 0);
	for (unsigned i = 0; i < 300; i++) {
		if (xenbus_read(0, "data/signal", buf, sizeof(buf)) == 4 && !strcmp(buf, "full"))
			break;
		some_event(100);
	}
	if (!CHECK(!strcmp(buf, "full")))
		return;
	unsigned ok = 0;
	for (unsigned i = 0; i < 100; i++) {
		char path[32];
		snprintf(path, sizeof(path), "data/mine/%u", i);
		ok += xenbus_write(0, path, "y") == 0;
	}
	printf("other: the hog is at its quota; %u of 100 writes of ours succeeded\n", ok);
	CHECK_EQ(ok, 100);
	CHECK_EQ(xenbus_write(0, "data/done", "1"), 0);
}

/* ---- hostile rings ---- */

static void hostile(void)
{
	volatile struct xenstore_domain_interface *xs = xenbus_ring();
	struct evtchn_send s = { .port = xenbus_port() };

	if (role_is("hostile-length")) {
		struct xsd_sockmsg h = { .type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1 };
		XENSTORE_RING_IDX p = xs->req_prod;
		for (unsigned i = 0; i < sizeof(h); i++)
			xs->req[MASK_XENSTORE_IDX(p + i)] = ((const char *)&h)[i];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		xs->req_prod = p + sizeof(h);
		CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_send, &s), 0);
	} else if (role_is("hostile-index")) {
		xs->req_prod = xs->req_cons + 0x12345;
		CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_send, &s), 0);
	} else {
		/* hostile-stall: requests, never a reply read. */
		struct xsd_sockmsg h = { .type = XS_READ, .len = 6 };
		unsigned sent = 0;
		/* Until the server has taken nothing for 200 ms (at most 10 s). */
		uint64_t end = xenbus_now() + 10000 * MS, quiet_since = xenbus_now();
		XENSTORE_RING_IDX last = xs->req_cons;
		while (xenbus_now() < end && xenbus_now() - quiet_since < 200 * MS) {
			while (RING_ROOM(xs) >= sizeof(h) + 6) {
				XENSTORE_RING_IDX p = xs->req_prod;
				h.req_id = sent++;
				for (unsigned i = 0; i < sizeof(h); i++)
					xs->req[MASK_XENSTORE_IDX(p + i)] = ((const char *)&h)[i];
				for (unsigned i = 0; i < 6; i++)
					xs->req[MASK_XENSTORE_IDX(p + sizeof(h) + i)] = "domid"[i];
				__atomic_thread_fence(__ATOMIC_RELEASE);
				xs->req_prod = p + sizeof(h) + 6;
			}
			CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_send, &s), 0);
			struct sched_poll p = { .nr_ports = 1, .timeout = xenbus_now() + 20 * MS };
			evtchn_port_t port = xenbus_port();
			set_xen_guest_handle(p.ports, &port);
			hypercall_sched_op(SCHEDOP_poll, &p);
			if (xs->req_cons != last) {
				last = xs->req_cons;
				quiet_since = xenbus_now();
			}
		}
		printf("hostile-stall: %u requests written, %u bytes of replies unread, "
		       "req_cons %u req_prod %u\n", sent, xs->rsp_prod - xs->rsp_cons, xs->req_cons,
		       xs->req_prod);
		CHECK(xs->req_prod != xs->req_cons); /* the server stopped taking them */
		CHECK_EQ(xs->error, XENSTORE_ERROR_NONE);
		return;
	}
	for (unsigned i = 0; i < 100 && !xs->error; i++)
		some_event(10);
	printf("%s: the ring's error field is %u\n", role_is("hostile-index") ? "hostile-index"
									      : "hostile-length",
	       xs->error);
	CHECK(xs->error == XENSTORE_ERROR_PROTO || xs->error == XENSTORE_ERROR_RINGIDX);
	/* Cut off: nothing more is answered. */
	xenbus_set_timeout(200 * MS);
	CHECK(xenbus_read(0, "domid", buf, sizeof(buf)) < 0);
}

static void victim(void)
{
	char p[64], t[32];
	unsigned ok = 0;

	CHECK_EQ(xenbus_watch("data/v", "v"), 0);
	CHECK_EQ(xenbus_wait_watch(p, sizeof(p), t, sizeof(t), 2000 * MS), 0);
	for (unsigned i = 0; i < 150; i++) {
		char v[16];
		snprintf(v, sizeof(v), "%u", i);
		if (xenbus_write(0, "data/v", v) == 0 &&
		    xenbus_wait_watch(p, sizeof(p), t, sizeof(t), 2000 * MS) == 0 &&
		    xenbus_read(0, "data/v", buf, sizeof(buf)) > 0 && !strcmp(buf, v))
			ok++;
	}
	printf("victim: %u of 150 write/watch/read rounds served\n", ok);
	CHECK_EQ(ok, 150);
}

void test_main(void)
{
	if (xenbus_init()) {
		xtf_error("no xenstore ring");
		return;
	}
	me = xen_info.domid;
	peer = opt_uint("peer");
	if (role_is("front"))
		frontend();
	else if (role_is("back"))
		backend();
	else if (role_is("hog"))
		hog();
	else if (role_is("other"))
		other();
	else if (role_is("victim"))
		victim();
	else if (role_is("hostile-length") || role_is("hostile-index") || role_is("hostile-stall"))
		hostile();
	else
		xtf_error("no role= (front, back, hog, other, victim, hostile-*)");
	if (xtf_result() < 0)
		xtf_success(NULL);
}
