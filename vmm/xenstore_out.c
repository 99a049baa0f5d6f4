/*
 * The messages waiting for a domain's xenstore rsp[] (xenstore.h), and the
 * outstanding-request accounting of xenstored (quota_req_outstanding,
 * XSA-326): a domain's request counts from the moment it is read until its
 * reply has been copied into its ring and every watch event it fired (in
 * any domain's queue) has been delivered, dropped as a duplicate, dropped
 * for its age, or its watcher has gone. While XS_REQ_OUTSTANDING of a
 * domain's requests count, xenstore.c reads nothing more from its req[].
 *
 * Every function runs with the store's lock held (struct xenstore_world):
 * an event queued for one domain may hold a request of another.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"
#include "store.h"
#include "wire.h"

struct xs_pending *xenstore_out__request(struct xenstore_backend *xs)
{
	struct xs_pending *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->owner = xs;
	p->refs = 1; /* its reply */
	p->next = xs->pending;
	if (p->next)
		p->next->prev = p;
	xs->pending = p;
	xs->outstanding++;
	return p;
}

void xenstore_out__release(struct xs_pending *p)
{
	if (!p || --p->refs)
		return;
	struct xenstore_backend *xs = p->owner;
	if (xs) {
		if (p->prev)
			p->prev->next = p->next;
		else
			xs->pending = p->next;
		if (p->next)
			p->next->prev = p->prev;
		if (xs->outstanding-- == XS_REQ_OUTSTANDING)
			xenstore__unblocked(xs);
	}
	free(p);
}

static void append(struct xenstore_backend *xs, struct xs_msg *m)
{
	if (!xs->out)
		xs->out_tail = &xs->out;
	*xs->out_tail = m;
	xs->out_tail = &m->next;
}

bool xenstore_out__reply(struct xenstore_backend *xs, struct xs_pending *req, uint32_t type,
			 uint32_t req_id, uint32_t tx_id, const void *body, size_t len)
{
	struct xs_msg *m = malloc(sizeof(*m) + XS_MSG_MAX);

	if (!m) {
		xenstore_out__release(req);
		return false;
	}
	/* The fields first: the struct's tail padding overlaps data[]. */
	*m = (struct xs_msg){ .req = req };
	m->len = (uint32_t)wire__encode(type, req_id, tx_id, body, len, m->data, XS_MSG_MAX);
	append(xs, m);
	return true;
}

bool xenstore_out__error(struct xenstore_backend *xs, struct xs_pending *req,
			 const struct xsd_sockmsg *h, int err)
{
	const char *s = store__errstring(err);

	return xenstore_out__reply(xs, req, XS_ERROR, h->req_id, h->tx_id, s, strlen(s) + 1);
}

bool xenstore_out__event(struct xenstore_backend *xs, struct xs_pending *req, const char *path,
			 const char *token, uint64_t deadline_ms)
{
	uint8_t buf[XS_MSG_MAX];
	size_t n = wire__watch_event(path, token, buf, sizeof(buf));

	if (!n)
		return false; /* too long for one message: xenstored does not send it either */
	/* xenstored's send_event: an identical event still queued says it all. */
	if (path[0] != '@')
		for (struct xs_msg *m = xs->out; m; m = m->next)
			if (m->event && m->len == n &&
			    !memcmp(m->data + sizeof(struct xsd_sockmsg), buf + sizeof(struct xsd_sockmsg),
				    n - sizeof(struct xsd_sockmsg))) {
				xs->nr_events_merged++;
				return false;
			}
	struct xs_msg *m = NULL;
	if (xs->event_bytes + n <= XS_EVENT_BYTES)
		m = malloc(sizeof(*m) + n);
	if (!m) {
		xs->nr_events_dropped++;
		return false;
	}
	*m = (struct xs_msg){ .req = req, .deadline_ms = deadline_ms, .len = (uint32_t)n, .event = true };
	memcpy(m->data, buf, n);
	if (req)
		req->refs++;
	xs->event_bytes += (unsigned)n;
	xs->nr_events++;
	append(xs, m);
	return true;
}

/* Unlink m (after prev, or the head) and free it: its request's reference goes. */
static void drop(struct xenstore_backend *xs, struct xs_msg **link, struct xs_msg *m)
{
	*link = m->next;
	if (xs->out_tail == &m->next)
		xs->out_tail = link;
	if (m->event)
		xs->event_bytes -= m->len;
	struct xs_pending *req = m->req;
	free(m);
	xenstore_out__release(req);
}

uint32_t xenstore_out__flush(struct xenstore_backend *xs, uint8_t *rsp, uint32_t prod,
			     uint32_t cons)
{
	uint32_t room = XENSTORE_RING_SIZE - (prod - cons), done = 0;

	while (xs->out && room) {
		struct xs_msg *m = xs->out;
		uint32_t n = m->len - m->used;
		if (n > room)
			n = room;
		for (uint32_t i = 0; i < n; i++)
			rsp[(prod + done + i) & (XENSTORE_RING_SIZE - 1)] = m->data[m->used + i];
		m->used += n;
		done += n;
		room -= n;
		if (m->used == m->len)
			drop(xs, &xs->out, m);
	}
	return done;
}

unsigned xenstore_out__expire(struct xenstore_backend *xs, uint64_t now_ms)
{
	unsigned n = 0;

	for (struct xs_msg **link = &xs->out; *link;) {
		struct xs_msg *m = *link;
		if (m->event && m->deadline_ms && !m->used && m->deadline_ms <= now_ms) {
			drop(xs, link, m);
			n++;
		} else {
			link = &m->next;
		}
	}
	xs->nr_events_expired += n;
	return n;
}

uint64_t xenstore_out__deadline(const struct xenstore_backend *xs)
{
	uint64_t first = 0;

	for (const struct xs_msg *m = xs->out; m; m = m->next)
		if (m->event && m->deadline_ms && !m->used && (!first || m->deadline_ms < first))
			first = m->deadline_ms;
	return first;
}

void xenstore_out__clear(struct xenstore_backend *xs)
{
	while (xs->out)
		drop(xs, &xs->out, xs->out);
	/* Events of ours still queued elsewhere no longer count for anybody. */
	for (struct xs_pending *p = xs->pending, *next; p; p = next) {
		next = p->next;
		p->owner = NULL;
		p->prev = p->next = NULL;
	}
	xs->pending = NULL;
	xs->outstanding = 0;
}
