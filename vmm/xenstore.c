/*
 * The xenstore connection layer: each domain's store ring (struct
 * xenstore_domain_interface, <xen/io/xs_wire.h>, at HVM_PARAM_STORE_PFN with
 * HVM_PARAM_STORE_EVTCHN) served as xenstored serves it, on the one store of
 * the process (xenstore/store.h), shared by every domain of `fastabi create`.
 * The VMM is domain 0, the toolstack: it writes each domain's tree when the
 * domain is built (as libxl does, docs/xenstore.md lists it), introduces
 * the domain (@introduceDomain), and at its end releases it
 * (@releaseDomain) and removes its tree, as xl destroy does.
 *
 * A registered async backend (backend.h): the guest's EVTCHNOP_send only
 * wakes the domain's backend thread and returns, so a slow or hostile
 * client never holds up a vCPU; the thread (holding the domain's memory
 * map, then the store's lock) gathers requests from req[] (a request may be
 * longer than the ring and arrive in pieces), answers each through
 * store__request, queues the reply and the watch events of every
 * connection the request touched (another domain's thread is woken to
 * deliver its own), copies what fits into rsp[] and notifies the guest's
 * port, as xenstored does.
 *
 * Robustness, as xenstored: indices that make no sense and a length above
 * XENSTORE_PAYLOAD_MAX break the connection (reported once on stderr and
 * in the page's error field, XENSTORE_ERROR_RINGIDX / _PROTO); a malformed
 * request gets "EINVAL". xenstored's outstanding-request quota: while 20
 * requests of a domain wait for their reply or for the delivery of the
 * watch events they fired, nothing more is read from its req[]
 * (xenstore_out.c counts); watch events for a domain beyond 64 KiB are
 * dropped and counted, a guest's undelivered ones after 20 s, and one
 * identical to an event still queued is not queued twice, as xenstored
 * does. A guest that never reads costs a bounded amount, and the other
 * domains are served on their own threads.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <xen/hvm/params.h>

#include "vmm.h"
#include "store.h"
#include "wire.h"

#define RING XENSTORE_RING_SIZE
#define OFF(f) offsetof(struct xenstore_domain_interface, f)
#define HDR ((unsigned)sizeof(struct xsd_sockmsg))

static void broken(struct vmm_domain *vd, uint8_t *page, uint32_t error, const char *fmt,
		   uint32_t a, uint32_t b)
{
	/* XENSTORE_SERVER_FEATURE_ERROR: the guest can read why. */
	ring__store_idx(page, OFF(error), error);
	ring__broken(vd, &vd->xs.ring, "xenstore", fmt, a, b);
}

/* ---- watch events (the store's lock held) ---- */

/*
 * Hand the store's watch events to their connections, each counted
 * against req (the request that fired them; NULL for the toolstack's
 * changes): queued in each domain's out queue, its backend thread woken
 * unless it is this one (self), which flushes its own after the request.
 * Events for the toolstack's connection have no reader and are dropped.
 */
static void deliver_events(struct vmm *vmm, struct vmm_domain *self, struct xs_pending *req)
{
	struct xenstore_world *w = &vmm->xsw;
	struct store_event *list = store__events_take(w->store);
	uint64_t now = list ? w->now_ms() : 0;

	for (struct store_event *e = list; e; e = e->next) {
		struct vmm_domain *vd = store__conn_opaque(e->conn);
		if (!vd || vd->xs.ring.broken)
			continue;
		struct xenstore_backend *xs = &vd->xs;
		/* xenstored times out the events of unprivileged domains only. */
		uint64_t deadline = 0;
		if (w->event_timeout_ms && !store__conn_privileged(e->conn))
			deadline = now + w->event_timeout_ms;
		uint64_t dropped = xs->nr_events_dropped;
		if (xenstore_out__event(xs, req, e->path, e->token, deadline)) {
			if (vd != self)
				backend__kick(vd, &xenstore__backend);
		} else if (!dropped && xs->nr_events_dropped) {
			util__err("[%s] xenstore: the guest does not read its ring: watch events "
				  "dropped (%u bytes of events wait)", vd->name, xs->event_bytes);
		}
	}
	store__events_free(list);
}

void xenstore__unblocked(struct xenstore_backend *xs)
{
	struct vmm_domain *vd = (struct vmm_domain *)((char *)xs - offsetof(struct vmm_domain, xs));

	backend__kick(vd, &xenstore__backend);
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- requests ---- */

/* One whole request from req[]: its reply queued, the events it fired delivered. */
static void handle(struct vmm_domain *vd, const struct xsd_sockmsg *h, const char *body)
{
	struct xenstore_backend *xs = &vd->xs;
	struct wire_request req;
	struct store_reply rep;

	xs->nr_requests++;
	struct xs_pending *p = xenstore_out__request(xs);
	if (!p) {
		util__err("[%s] xenstore: out of memory: a request is not answered", vd->name);
		return;
	}
	if (!xs->conn) {
		(void)xenstore_out__error(xs, p, h, EINVAL); /* released: nothing to answer with */
		return;
	}
	int e = wire__parse(h, body, &req);
	if (e) {
		(void)xenstore_out__error(xs, p, h, e);
		return;
	}
	if (store__request(xs->conn, &req, &rep)) {
		/* Held while its events are handed out (a failed reply releases one). */
		p->refs++;
		/* The events after the reply (Linux's xenbus takes either order). */
		(void)xenstore_out__reply(xs, p, rep.type, h->req_id, h->tx_id, rep.payload, rep.len);
		free(rep.payload);
		deliver_events(vd->vmm, vd, p);
		xenstore_out__release(p);
		return;
	}
	/*
	 * What the store leaves to the connection layer: INTRODUCE, RELEASE,
	 * RESUME, SET_TARGET and CONTROL are domain 0's (xenstored checks
	 * domain_is_unprivileged first); a guest is never privileged here.
	 */
	(void)xenstore_out__error(xs, p, h, EACCES);
}

/* ---- the ring (the domain's memory map and the store's lock held) ---- */

/* Copy queued messages into rsp[]; true if any went. */
static bool flush(struct vmm_domain *vd, uint8_t *page)
{
	struct xenstore_backend *xs = &vd->xs;

	if (!xs->out)
		return false;
	uint32_t cons = ring__load_idx(page, OFF(rsp_cons));
	uint32_t prod = ring__load_idx(page, OFF(rsp_prod));
	if (prod - cons > RING) {
		broken(vd, page, XENSTORE_ERROR_RINGIDX,
		       "rsp_prod %#x is beyond rsp_cons %#x by more than the ring", prod, cons);
		return false;
	}
	uint32_t n = xenstore_out__flush(xs, page + OFF(rsp), prod, cons);
	if (n)
		ring__store_idx(page, OFF(rsp_prod), prod + n);
	return n > 0;
}

/* Take requests from req[]; true if any byte was consumed. */
static bool consume(struct vmm_domain *vd, uint8_t *page)
{
	struct xenstore_backend *xs = &vd->xs;

	uint32_t prod = ring__load_idx(page, OFF(req_prod));
	uint32_t cons = ring__load_idx(page, OFF(req_cons));
	uint32_t avail = prod - cons;
	if (avail > RING) {
		broken(vd, page, XENSTORE_ERROR_RINGIDX,
		       "req_prod %#x is beyond req_cons %#x by more than the ring", prod, cons);
		return false;
	}
	const uint8_t *req = page + OFF(req);
	uint32_t start = cons;
	/* xenstored's domain_can_read: nothing more while XS_REQ_OUTSTANDING count. */
	while (avail && xs->outstanding < XS_REQ_OUTSTANDING) {
		struct xsd_sockmsg h;
		unsigned want = HDR;
		if (xs->in_len >= HDR) {
			memcpy(&h, xs->in, HDR);
			want = HDR + h.len;
		}
		uint32_t n = want - xs->in_len;
		if (n > avail)
			n = avail;
		for (uint32_t i = 0; i < n; i++)
			xs->in[xs->in_len + i] = req[(cons + i) & (RING - 1)];
		xs->in_len += n;
		cons += n;
		avail -= n;
		if (xs->in_len < HDR)
			break;
		memcpy(&h, xs->in, HDR);
		if (wire__check_header(&h)) {
			ring__store_idx(page, OFF(req_cons), cons);
			broken(vd, page, XENSTORE_ERROR_PROTO,
			       "a request (type %u) of %u bytes, more than XENSTORE_PAYLOAD_MAX", h.type,
			       h.len);
			return true;
		}
		if (xs->in_len == HDR + h.len) {
			handle(vd, &h, (const char *)xs->in + HDR);
			xs->in_len = 0;
		}
	}
	if (cons != start)
		ring__store_idx(page, OFF(req_cons), cons);
	return cons != start;
}

static struct vmm_ring *xenstore_ring(struct vmm_domain *vd)
{
	return &vd->xs.ring;
}

/* A send on the store port, or events from elsewhere (the backend thread, the memory map held). */
static bool xenstore_serve(struct vmm_domain *vd)
{
	struct xenstore_world *w = &vd->vmm->xsw;
	bool moved = false;
	uint8_t *page = ring__page(vd, &vd->xs.ring);

	pthread_mutex_lock(&w->lock);
	/* Even with no page to serve: a timed round must not find the same deadline again. */
	(void)xenstore_out__expire(&vd->xs, w->now_ms());
	if (page) {
		/* Replies first: the guest may have made room for the ones that waited. */
		moved = flush(vd, page);
		if (!vd->xs.ring.broken)
			moved |= consume(vd, page);
		if (!vd->xs.ring.broken)
			moved |= flush(vd, page);
	}
	if (vd->xs.ring.broken && vd->xs.conn) {
		/*
		 * xenstored's ignore_connection: its watches, transactions and
		 * queued messages go (nothing will read them; requests of others
		 * held by its events are let go).
		 */
		(void)store__reset_watches(vd->xs.conn);
		xenstore_out__clear(&vd->xs);
	}
	pthread_mutex_unlock(&w->lock);
	if (!page)
		return false;
	/* Just broken: tell the guest, which waits for an event to read the error field. */
	return moved || vd->xs.ring.broken;
}

static void xenstore_report(struct vmm_domain *vd, char *buf, size_t len)
{
	snprintf(buf, len,
		 "xenstore: %llu notifications, %llu requests, %llu watch events (%llu dropped)",
		 (unsigned long long)vd->xs.ring.nr_notify, (unsigned long long)vd->xs.nr_requests,
		 (unsigned long long)vd->xs.nr_events,
		 (unsigned long long)(vd->xs.nr_events_dropped + vd->xs.nr_events_expired));
}

/* When the oldest waiting event of a guest times out (CLOCK_MONOTONIC ms; 0: none). */
static uint64_t xenstore_deadline(struct vmm_domain *vd)
{
	struct xenstore_world *w = &vd->vmm->xsw;

	pthread_mutex_lock(&w->lock);
	uint64_t t = xenstore_out__deadline(&vd->xs);
	pthread_mutex_unlock(&w->lock);
	return t;
}

static int xenstore_setup(struct vmm_domain *vd, uint64_t gpa_, uint8_t *host)
{
	memset(host, 0, PAGE_SIZE);
	ring__store_idx(host, OFF(server_features), XENSTORE_SERVER_FEATURE_ERROR);
	ring__store_idx(host, OFF(connection), XENSTORE_CONNECTED);
	vd->xs.ring = (struct vmm_ring){ .gpa = gpa_, .host = host };
	vd->xs.out = NULL;
	vd->xs.out_tail = &vd->xs.out;
	return 0;
}

/* Every ring and port exists: the domain's tree and connection, then its introduction. */
static int xenstore_connect(struct vmm_domain *vd)
{
	struct xenstore_world *w = &vd->vmm->xsw;
	unsigned id = hv_domain__id(vd->d);

	pthread_mutex_lock(&w->lock);
	int err = xenstore_tree__domain(vd);
	if (!err) {
		vd->xs.conn = store__conn_new(w->store, id, vd);
		err = vd->xs.conn ? store__introduce(w->store, id) : ENOMEM;
	}
	deliver_events(vd->vmm, NULL, NULL);
	pthread_mutex_unlock(&w->lock);
	if (err)
		util__err("[%s] xenstore: cannot write the domain's tree (%s)", vd->name,
			 store__errstring(err));
	return err ? -1 : 0;
}

/* The domain stopped (its vCPUs joined, its thread stopped): released, its tree removed, as xl destroy. */
static void xenstore_drain(struct vmm_domain *vd)
{
	struct xenstore_world *w = &vd->vmm->xsw;
	char path[32];

	/* Never connected (a build that failed early: maybe no core domain) or done already. */
	if (!vd->xs.conn) {
		pthread_mutex_lock(&w->lock);
		xenstore_out__clear(&vd->xs);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	unsigned id = hv_domain__id(vd->d);
	pthread_mutex_lock(&w->lock);
	if (getenv("FASTABI_XENSTORE_DUMP")) {
		snprintf(path, sizeof(path), "/local/domain/%u", id);
		fprintf(stderr, "[%s] xenstore at the domain's end:\n", vd->name);
		store__dump(w->store, path, stderr);
		store__dump(w->store, vd->xs.vm_path, stderr);
	}
	(void)store__release(w->store, id);
	store__conn_free(vd->xs.conn);
	vd->xs.conn = NULL;
	xenstore_out__clear(&vd->xs);
	xenstore_tree__remove(vd);
	deliver_events(vd->vmm, NULL, NULL);
	pthread_mutex_unlock(&w->lock);
}

const struct backend_ops xenstore__backend = {
	.name = "xenstore",
	.async = true,
	.gpa = VMM_STORE_GPA,
	.pfn_param = HVM_PARAM_STORE_PFN,
	.evtchn_param = HVM_PARAM_STORE_EVTCHN,
	.ring = xenstore_ring,
	.setup = xenstore_setup,
	.connect = xenstore_connect,
	.serve = xenstore_serve,
	.deadline = xenstore_deadline,
	.drain = xenstore_drain,
	.destroy = xenstore_drain, /* nothing left if it was drained */
	.report = xenstore_report,
};

/* ---- the world ---- */

int xenstore__init(struct vmm *vmm)
{
	struct xenstore_world *w = &vmm->xsw;

	pthread_mutex_init(&w->lock, NULL);
	w->event_timeout_ms = XS_EVENT_TIMEOUT_MS;
	w->now_ms = monotonic_ms;
	w->store = store__new(NULL);
	w->tool = w->store ? store__conn_new(w->store, STORE_DOM0, NULL) : NULL;
	if (!w->tool) {
		util__err("xenstore: out of memory");
		return -1;
	}
	int err = xenstore_tree__dom0(w);
	if (err)
		util__err("xenstore: cannot write /local/domain/0 (%s)", store__errstring(err));
	return err ? -1 : 0;
}

void xenstore__destroy(struct vmm *vmm)
{
	struct xenstore_world *w = &vmm->xsw;

	if (w->tool)
		store__conn_free(w->tool);
	if (w->store)
		store__free(w->store);
	w->tool = NULL;
	w->store = NULL;
	pthread_mutex_destroy(&w->lock);
}

int xenstore__request_shutdown(struct vmm_domain *vd, const char *what)
{
	char path[64];

	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", hv_domain__id(vd->d));
	return xenstore__tool_write(vd->vmm, path, what, strlen(what));
}

int xenstore__tool_read(struct vmm *vmm, const char *path, char **val, size_t *len)
{
	pthread_mutex_lock(&vmm->xsw.lock);
	int e = store__read(vmm->xsw.tool, 0, path, val, len);
	pthread_mutex_unlock(&vmm->xsw.lock);
	return e;
}

int xenstore__tool_write(struct vmm *vmm, const char *path, const char *val, size_t len)
{
	pthread_mutex_lock(&vmm->xsw.lock);
	int e = store__write(vmm->xsw.tool, 0, path, val, len);
	deliver_events(vmm, NULL, NULL);
	pthread_mutex_unlock(&vmm->xsw.lock);
	return e;
}

int xenstore__tool_rm(struct vmm *vmm, const char *path)
{
	pthread_mutex_lock(&vmm->xsw.lock);
	int e = store__rm(vmm->xsw.tool, 0, path);
	deliver_events(vmm, NULL, NULL);
	pthread_mutex_unlock(&vmm->xsw.lock);
	return e;
}

void xenstore__tool_dump(struct vmm *vmm, const char *path, FILE *out)
{
	pthread_mutex_lock(&vmm->xsw.lock);
	store__dump(vmm->xsw.store, path, out);
	pthread_mutex_unlock(&vmm->xsw.lock);
}
