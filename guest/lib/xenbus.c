/*
 * The xenbus client (xenbus.h says what it offers and how it waits).
 */
#include "guest.h"
#include "string.h"
#include "xenbus.h"
#include "xenmem.h"

#define RING XENSTORE_RING_SIZE
#define HDR ((unsigned)sizeof(struct xsd_sockmsg))
#define EVENTS 8 /* queued watch events */

static volatile struct xenstore_domain_interface *xs;
static evtchn_port_t port;
static struct shared_info *si; /* to clear the port's pending bit (64-bit) */
static void (*clear_event)(evtchn_port_t); /* the program's own (FIFO events) */
static uint32_t next_req = 0x1000;
static uint64_t timeout = 2000000000ull;
static char last_error[16];
static bool broken;

/* A message as it came: header and body (NUL added after it). */
struct msg {
	struct xsd_sockmsg h;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};
static struct msg in;
static struct {
	unsigned len;
	char body[XENSTORE_PAYLOAD_MAX + 1];
} events[EVENTS];
static unsigned ev_head, ev_count, ev_dropped;

/*
 * The few hypercalls the client makes: through FastABI where it is usable
 * (a guest without a hypercall page has only that), else the page.
 */
#ifdef __x86_64__
static bool fast(void)
{
	return fastabi_usable();
}
#endif

uint64_t xenbus_now(void)
{
	struct xen_hvm_get_time g = { 0 };

#ifdef __x86_64__
	if (fast()) {
		xen_hypercall_hvm_get_time(&g);
		return g.now;
	}
#endif
	hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

static long notify(void)
{
	struct evtchn_send s = { .port = port };

#ifdef __x86_64__
	if (fast())
		return xen_hypercall_event_channel_send(&s);
#endif
	return hypercall_event_channel_op(EVTCHNOP_send, &s);
}

static long poll_port(uint64_t deadline)
{
#ifdef __x86_64__
	if (fast())
		return xen_hypercall_sched_poll(deadline, port);
#endif
	struct sched_poll p = { .nr_ports = 1, .timeout = deadline };
	set_xen_guest_handle(p.ports, &port);
	return hypercall_sched_op(SCHEDOP_poll, &p);
}

static long get_param(unsigned index, uint64_t *v)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long r;

#ifdef __x86_64__
	if (fast())
		r = xen_hypercall_hvm_get_param(&p);
	else
#endif
		r = hypercall_hvm_op(HVMOP_get_param, &p);
	*v = p.value;
	return r;
}

/*
 * Sleep until the port is pending or the deadline passes; false after the
 * deadline. The pending bit is cleared first and the caller checks the ring
 * again after it, so no event between the check and the poll is lost.
 */
static bool wait_port(uint64_t deadline)
{
	uint64_t now = xenbus_now();

	if (now >= deadline)
		return false;
	(void)poll_port(deadline);
	if (clear_event)
		clear_event(port);
	else if (si)
		evtchn_clear_pending(si, port);
	return true;
}

static bool ring_error(void)
{
	if (xs->error != XENSTORE_ERROR_NONE && !broken) {
		broken = true;
		printf("xenbus: the server broke the connection (error %u)\n", xs->error);
	}
	return broken;
}

/* Write len bytes into req[], waiting for room; 0 or -errno. */
static long put(const void *buf, unsigned len, uint64_t deadline)
{
	const uint8_t *b = buf;

	while (len) {
		if (ring_error())
			return -XEN_EIO;
		XENSTORE_RING_IDX cons = xs->req_cons, prod = xs->req_prod;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (prod - cons > RING)
			return -XEN_EIO;
		unsigned room = RING - (prod - cons);
		if (!room) {
			notify();
			if (!wait_port(deadline))
				return -XEN_ETIMEDOUT;
			continue;
		}
		if (room > len)
			room = len;
		for (unsigned i = 0; i < room; i++)
			xs->req[MASK_XENSTORE_IDX(prod + i)] = (char)b[i];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		xs->req_prod = prod + room;
		b += room;
		len -= room;
	}
	return 0;
}

/* Read len bytes from rsp[], waiting for them; 0 or -errno. */
static long get(void *buf, unsigned len, uint64_t deadline)
{
	uint8_t *b = buf;

	while (len) {
		if (ring_error())
			return -XEN_EIO;
		XENSTORE_RING_IDX cons = xs->rsp_cons, prod = xs->rsp_prod;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (prod - cons > RING)
			return -XEN_EIO;
		unsigned avail = prod - cons;
		if (!avail) {
			if (!wait_port(deadline))
				return -XEN_ETIMEDOUT;
			continue;
		}
		bool was_full = avail == RING;
		if (avail > len)
			avail = len;
		for (unsigned i = 0; i < avail; i++)
			b[i] = (uint8_t)xs->rsp[MASK_XENSTORE_IDX(cons + i)];
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		xs->rsp_cons = cons + avail;
		/* A full ring: the server may wait for room to write more (as Linux's xb_read). */
		if (was_full)
			notify();
		b += avail;
		len -= avail;
	}
	return 0;
}

/* One message from rsp[] into in; watch events are queued. 0 or -errno. */
static long receive(uint64_t deadline)
{
	long r = get(&in.h, HDR, deadline);

	if (r)
		return r;
	if (in.h.len > XENSTORE_PAYLOAD_MAX) {
		printf("xenbus: a reply of %u bytes, more than XENSTORE_PAYLOAD_MAX\n", in.h.len);
		broken = true;
		return -XEN_EIO;
	}
	/* Once the header is in, the body follows without waiting for anything else. */
	r = get(in.body, in.h.len, deadline > xenbus_now() ? deadline : xenbus_now() + timeout);
	if (r)
		return r;
	in.body[in.h.len] = '\0';
	if (in.h.type == XS_WATCH_EVENT) {
		if (ev_count == EVENTS) {
			ev_head = (ev_head + 1) % EVENTS;
			ev_count--;
			ev_dropped++;
		}
		unsigned i = (ev_head + ev_count++) % EVENTS;
		events[i].len = in.h.len;
		memcpy(events[i].body, in.body, in.h.len + 1);
	}
	return 0;
}

static const struct {
	const char *s;
	int e;
} errors[] = {
	/* xsd_errors[] of <xen/io/xs_wire.h>, in Xen's numbers. */
	{ "EINVAL", XEN_EINVAL },   { "EACCES", XEN_EACCES }, { "EEXIST", XEN_EEXIST },
	{ "EISDIR", XEN_EISDIR },   { "ENOENT", XEN_ENOENT }, { "ENOMEM", XEN_ENOMEM },
	{ "ENOSPC", XEN_ENOSPC },   { "EIO", XEN_EIO },       { "ENOTEMPTY", XEN_ENOTEMPTY },
	{ "ENOSYS", XEN_ENOSYS },   { "EROFS", XEN_EROFS },   { "EBUSY", XEN_EBUSY },
	{ "EAGAIN", XEN_EAGAIN },   { "EISCONN", XEN_EISCONN }, { "E2BIG", XEN_E2BIG },
	{ "EPERM", XEN_EPERM },
};

static long error_of(const char *s)
{
	size_t n = strnlen(s, sizeof(last_error) - 1);

	memcpy(last_error, s, n);
	last_error[n] = '\0';
	for (unsigned i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (!strcmp(s, errors[i].s))
			return -errors[i].e;
	return -XEN_EINVAL; /* as Linux's xenbus: an unknown string is EINVAL */
}

long xenbus_request(uint32_t type, uint32_t tx, const void *payload, unsigned len, char *reply,
		    unsigned size, unsigned *rlen)
{
	if (!xs)
		return -XEN_ENODEV;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	uint64_t deadline = xenbus_now() + timeout;
	struct xsd_sockmsg h = { .type = type, .req_id = ++next_req, .tx_id = tx, .len = len };
	long r = put(&h, HDR, deadline);
	if (!r)
		r = put(payload, len, deadline);
	if (r)
		return r;
	notify();
	for (;;) {
		r = receive(deadline);
		if (r)
			return r;
		if (in.h.type == XS_WATCH_EVENT)
			continue;
		if (in.h.req_id != h.req_id) {
			printf("xenbus: reply %u (type %u) while waiting for %u\n", in.h.req_id,
			       in.h.type, h.req_id);
			continue;
		}
		break;
	}
	if (rlen)
		*rlen = in.h.len;
	if (in.h.type == XS_ERROR)
		return error_of(in.body);
	if (reply) {
		if (in.h.len + 1 > size)
			return -XEN_E2BIG;
		memcpy(reply, in.body, in.h.len + 1);
	}
	return in.h.type;
}

static long request_str(uint32_t type, uint32_t tx, const char *s, char *reply, unsigned size,
			unsigned *rlen)
{
	return xenbus_request(type, tx, s, (unsigned)strlen(s) + 1, reply, size, rlen);
}

/* "a\0b\0" from two strings; its length, or 0 if it does not fit. */
static unsigned two(char *buf, unsigned size, const char *a, const char *b)
{
	unsigned la = (unsigned)strlen(a) + 1, lb = (unsigned)strlen(b) + 1;

	if (la + lb > size)
		return 0;
	memcpy(buf, a, la);
	memcpy(buf + la, b, lb);
	return la + lb;
}

static char scratch[XENSTORE_PAYLOAD_MAX + 1];

long xenbus_read(uint32_t tx, const char *path, char *buf, unsigned size)
{
	unsigned n;
	long r = request_str(XS_READ, tx, path, buf, size, &n);

	return r < 0 ? r : (long)n;
}

long xenbus_write(uint32_t tx, const char *path, const char *value)
{
	unsigned lp = (unsigned)strlen(path) + 1, lv = (unsigned)strlen(value);

	if (lp + lv > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	/* The value without its NUL, as xenstored takes it. */
	memcpy(scratch, path, lp);
	memcpy(scratch + lp, value, lv);
	long r = xenbus_request(XS_WRITE, tx, scratch, lp + lv, NULL, 0, NULL);
	return r < 0 ? r : 0;
}

long xenbus_mkdir(uint32_t tx, const char *path)
{
	long r = request_str(XS_MKDIR, tx, path, NULL, 0, NULL);
	return r < 0 ? r : 0;
}

long xenbus_rm(uint32_t tx, const char *path)
{
	long r = request_str(XS_RM, tx, path, NULL, 0, NULL);
	return r < 0 ? r : 0;
}

long xenbus_directory(uint32_t tx, const char *path, char *buf, unsigned size)
{
	unsigned n;
	long r = request_str(XS_DIRECTORY, tx, path, buf, size, &n);
	return r < 0 ? r : (long)n;
}

long xenbus_get_perms(uint32_t tx, const char *path, char *buf, unsigned size)
{
	unsigned n;
	long r = request_str(XS_GET_PERMS, tx, path, buf, size, &n);
	return r < 0 ? r : (long)n;
}

long xenbus_set_perms(uint32_t tx, const char *path, const char *perms, unsigned len)
{
	unsigned lp = (unsigned)strlen(path) + 1;

	if (lp + len > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	memcpy(scratch, path, lp);
	memcpy(scratch + lp, perms, len);
	long r = xenbus_request(XS_SET_PERMS, tx, scratch, lp + len, NULL, 0, NULL);
	return r < 0 ? r : 0;
}

long xenbus_read_uint(uint32_t tx, const char *path, uint64_t *v)
{
	char buf[32];
	long r = xenbus_read(tx, path, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (r == 0)
		return -XEN_EINVAL;
	uint64_t x = 0;
	for (const char *c = buf; *c; c++) {
		if (*c < '0' || *c > '9')
			return -XEN_EINVAL;
		x = x * 10 + (uint64_t)(*c - '0');
	}
	*v = x;
	return 0;
}

long xenbus_watch(const char *path, const char *token)
{
	unsigned n = two(scratch, sizeof(scratch), path, token);
	long r = n ? xenbus_request(XS_WATCH, 0, scratch, n, NULL, 0, NULL) : -XEN_E2BIG;
	return r < 0 ? r : 0;
}

long xenbus_unwatch(const char *path, const char *token)
{
	unsigned n = two(scratch, sizeof(scratch), path, token);
	long r = n ? xenbus_request(XS_UNWATCH, 0, scratch, n, NULL, 0, NULL) : -XEN_E2BIG;
	return r < 0 ? r : 0;
}

static void copy_str(char *dst, unsigned size, const char *src)
{
	unsigned n = (unsigned)strnlen(src, size ? size - 1 : 0);

	if (!size)
		return;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

long xenbus_wait_watch(char *path, unsigned psize, char *token, unsigned tsize,
		       uint64_t timeout_ns)
{
	uint64_t deadline = xenbus_now() + timeout_ns;

	while (!ev_count) {
		long r = receive(deadline);
		if (r)
			return r;
		if (in.h.type != XS_WATCH_EVENT)
			printf("xenbus: an unexpected reply %u (type %u) dropped\n", in.h.req_id,
			       in.h.type);
	}
	const char *p = events[ev_head].body;
	unsigned len = events[ev_head].len;
	const char *t = memchr(p, '\0', len);
	copy_str(path, psize, p);
	copy_str(token, tsize, t && t + 1 < p + len ? t + 1 : "");
	ev_head = (ev_head + 1) % EVENTS;
	ev_count--;
	return 0;
}

unsigned xenbus_watch_dropped(void)
{
	return ev_dropped;
}

long xenbus_transaction_start(uint32_t *tx)
{
	char buf[16];
	long r = xenbus_request(XS_TRANSACTION_START, 0, "", 1, buf, sizeof(buf), NULL);

	if (r < 0)
		return r;
	uint32_t t = 0;
	for (const char *c = buf; *c >= '0' && *c <= '9'; c++)
		t = t * 10 + (uint32_t)(*c - '0');
	*tx = t;
	return t ? 0 : -XEN_EINVAL;
}

long xenbus_transaction_end(uint32_t tx, bool commit)
{
	long r = request_str(XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL, 0, NULL);
	return r < 0 ? r : 0;
}

const char *xenbus_error(void)
{
	return last_error;
}

unsigned xenbus_port(void)
{
	return port;
}

volatile struct xenstore_domain_interface *xenbus_ring(void)
{
	return xs;
}

long xenbus_share_ring(void)
{
#ifdef __x86_64__
	if (xs && fast()) {
		struct fastabi_memory_share sh = { .first_gfn = (uintptr_t)xs >> 12, .nr_frames = 1 };
		return xen_hypercall_memory_share(&sh);
	}
#endif
	return -XEN_EOPNOTSUPP;
}

void xenbus_set_clear_event(void (*fn)(evtchn_port_t port))
{
	clear_event = fn;
}

void xenbus_set_timeout(uint64_t ns)
{
	timeout = ns;
}

long xenbus_init(void)
{
	uint64_t pfn = 0, evt = 0;
	long r = get_param(HVM_PARAM_STORE_PFN, &pfn);

	if (!r)
		r = get_param(HVM_PARAM_STORE_EVTCHN, &evt);
	if (r || !pfn || !evt) {
		printf("xenbus: no store ring (rc %ld, pfn %#llx, port %llu)\n", r,
		       (unsigned long long)pfn, (unsigned long long)evt);
		return r ? r : -XEN_ENODEV;
	}
	xs = (volatile struct xenstore_domain_interface *)(uintptr_t)(pfn << 12);
	port = (evtchn_port_t)evt;
#ifdef __x86_64__
	si = shared_info_map();
#endif
	return 0;
}
