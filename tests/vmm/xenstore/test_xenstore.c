/*
 * The xenstore connection layer (vmm/xenstore.c, xenstore_out.c) on
 * made-up rings, as Firecracker tests its device emulation: two domains of
 * the core with RAM and their ring pages but no KVM VM, the test playing
 * each guest (writing req[] and the indices it owns, reading rsp[]) and
 * the backend thread (calling the backend's serve, whose result is the
 * notification the guest would get). The store's clock is the test's, so
 * the 20 s watch-event timeout passes without sleeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <xen/io/xs_wire.h>

#include "vmm.h"
#include "store.h"

#define RING XENSTORE_RING_SIZE
#define HDR sizeof(struct xsd_sockmsg)

static struct vmm vmm;
static uint64_t fake_ms;

static uint64_t fake_now(void)
{
	return fake_ms;
}

struct world {
	struct vmm_domain *a, *b; /* domains 1 and 2 */
};

static struct vmm_domain *domain(const char *name)
{
	struct vmm_domain_config cfg = vmm_domain_config__default("xenstore-test.elf");
	cfg.name = name;
	cfg.memory_mib = 4;
	cfg.min_domid = 1;
	struct vmm_domain *vd = vmm_domain__new(&vmm, &cfg);
	assert_non_null(vd);
	assert_int_equal(domain__finish_layout(vd->d), 0);
	/* The ring pages, their ports, the tree, the introduction: what the builder does. */
	assert_int_equal(backend__setup(vd), 0);
	vmm.doms[hv_domain__id(vd->d)] = vd;
	return vd;
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	assert_int_equal(vmm__init(&vmm), 0);
	vmm.xsw.now_ms = fake_now;
	fake_ms = 1000;
	w->a = domain("xs-a");
	w->b = domain("xs-b");
	assert_int_equal(hv_domain__id(w->a->d), 1);
	assert_int_equal(hv_domain__id(w->b->d), 2);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	vmm__destroy(&vmm); /* frees the domains in vmm.doms */
	free(w);
	return 0;
}

/* ---- the guest's side of the ring ---- */

static struct xenstore_domain_interface *intf(struct vmm_domain *vd)
{
	return (struct xenstore_domain_interface *)vd->xs.ring.host;
}

/* Bytes into req[] at req_prod (wrapping), req_prod advanced; room is the test's to ensure. */
static void put(struct vmm_domain *vd, const void *data, size_t len)
{
	struct xenstore_domain_interface *r = intf(vd);
	const uint8_t *p = data;

	assert_true(r->req_prod - r->req_cons + len <= RING);
	for (size_t i = 0; i < len; i++)
		r->req[(r->req_prod + i) & (RING - 1)] = (char)p[i];
	r->req_prod += (uint32_t)len;
}

/* A whole request: header then payload (payload of plen bytes, NULs included). */
static void request(struct vmm_domain *vd, uint32_t type, uint32_t req_id, const void *payload,
		    uint32_t plen)
{
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = 0, .len = plen };

	put(vd, &h, HDR);
	put(vd, payload, plen);
}

/* Request with the payload given as a string (its NUL included). */
static void req_str(struct vmm_domain *vd, uint32_t type, uint32_t req_id, const char *s)
{
	request(vd, type, req_id, s, (uint32_t)strlen(s) + 1);
}

/* The backend thread's round; true if the guest would be notified. */
static bool serve(struct vmm_domain *vd)
{
	hv_domain__mem_lock(vd->d);
	bool tell = xenstore__backend.serve(vd);
	hv_domain__mem_unlock(vd->d);
	return tell;
}

/* Bytes waiting in rsp[]. */
static uint32_t rsp_avail(struct vmm_domain *vd)
{
	return intf(vd)->rsp_prod - intf(vd)->rsp_cons;
}

/* Copy n bytes out of rsp[] (they must be there), rsp_cons advanced. */
static void get(struct vmm_domain *vd, void *out, size_t n)
{
	struct xenstore_domain_interface *r = intf(vd);
	uint8_t *p = out;

	assert_true(rsp_avail(vd) >= n);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)r->rsp[(r->rsp_cons + i) & (RING - 1)];
	r->rsp_cons += (uint32_t)n;
}

/*
 * One whole message from rsp[], serving while it is longer than what is
 * there (the guest reading a reply larger than the ring); body NUL-ended.
 */
static void reply(struct vmm_domain *vd, struct xsd_sockmsg *h, char *body, size_t cap)
{
	unsigned got = 0;

	while (rsp_avail(vd) < HDR)
		assert_true(serve(vd));
	get(vd, h, HDR);
	assert_true(h->len < cap);
	while (got < h->len) {
		uint32_t n = rsp_avail(vd);
		if (!n) {
			assert_true(serve(vd));
			continue;
		}
		if (n > h->len - got)
			n = h->len - got;
		get(vd, body + got, n);
		got += n;
	}
	body[h->len] = '\0';
}

static void expect(struct vmm_domain *vd, uint32_t type, uint32_t req_id, const char *body)
{
	static char buf[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;

	reply(vd, &h, buf, sizeof(buf));
	assert_int_equal(h.type, type);
	assert_int_equal(h.req_id, req_id);
	assert_string_equal(buf, body);
}

/* The guest stops reading: rsp[] made full as far as the server can tell. */
static void fill_rsp(struct vmm_domain *vd)
{
	intf(vd)->rsp_cons = intf(vd)->rsp_prod - RING;
}

/* The toolstack makes a directory of domain 1's that domain 2 may read. */
static void shared_dir(const char *path)
{
	const struct xs_permissions p[2] = { { .id = 1, .perms = XS_PERM_NONE },
					     { .id = 2, .perms = XS_PERM_READ } };

	pthread_mutex_lock(&vmm.xsw.lock);
	assert_int_equal(store__write(vmm.xsw.tool, 0, path, "", 0), 0);
	assert_int_equal(store__set_perms(vmm.xsw.tool, 0, path, p, 2), 0);
	pthread_mutex_unlock(&vmm.xsw.lock);
}

/*
 * Domain 2 watches domain 1's data/pub (readable by it), takes the watch's
 * OK and first event, then stops reading (its rsp[] full).
 */
static void stalled_watcher(struct world *w)
{
	struct xsd_sockmsg h;
	char buf[128];

	shared_dir("/local/domain/1/data/pub");
	request(w->b, XS_WATCH, 1, "/local/domain/1/data/pub\0t", 27);
	assert_true(serve(w->b));
	expect(w->b, XS_WATCH, 1, "OK");
	reply(w->b, &h, buf, sizeof(buf));
	assert_int_equal(h.type, XS_WATCH_EVENT);
	fill_rsp(w->b);
}

/* Domain 1 writes under data/pub for the stalled watcher: answered, but held by its event. */
static void held_write(struct world *w)
{
	stalled_watcher(w);
	request(w->a, XS_WRITE, 1, "data/pub/x\0v", 13);
	assert_true(serve(w->a));
	expect(w->a, XS_WRITE, 1, "OK");
	assert_int_equal(w->a->xs.outstanding, 1);
}

/* ---- the tests ---- */

static void reads_its_tree(void **state)
{
	struct world *w = *state;

	req_str(w->a, XS_READ, 7, "name");
	assert_true(serve(w->a));
	expect(w->a, XS_READ, 7, "xs-a");
	req_str(w->b, XS_GET_DOMAIN_PATH, 8, "2");
	assert_true(serve(w->b));
	expect(w->b, XS_GET_DOMAIN_PATH, 8, "/local/domain/2");
	assert_int_equal(w->a->xs.outstanding, 0);
	/* Nothing new: nothing to tell. */
	assert_false(serve(w->a));
}

/* A request and its reply across the end of both rings, and a header split there. */
static void split_across_the_wrap(void **state)
{
	struct world *w = *state;
	struct xenstore_domain_interface *r = intf(w->a);

	r->req_cons = r->req_prod = RING - 5; /* the guest's choice before its first request */
	r->rsp_cons = r->rsp_prod = RING - 3;
	request(w->a, XS_WRITE, 1, "data/x\0hello", 13); /* a path and a value */
	request(w->a, XS_WRITE, 2, "data/y\0wrapped", 14);
	assert_true(serve(w->a));
	assert_int_equal(r->req_cons, r->req_prod);
	expect(w->a, XS_WRITE, 1, "OK");
	expect(w->a, XS_WRITE, 2, "OK");
	req_str(w->a, XS_READ, 3, "data/y");
	assert_true(serve(w->a));
	expect(w->a, XS_READ, 3, "wrapped");
}

/* A request longer than the ring, in pieces, and a reply longer than the ring. */
static void longer_than_the_ring(void **state)
{
	struct world *w = *state;
	static char msg[HDR + 3000];
	char value[1900]; /* longer than the ring, within max_entry_size (2048) */

	memset(value, 'v', sizeof(value));
	struct xsd_sockmsg h = { .type = XS_WRITE, .req_id = 9, .len = 7 + sizeof(value) };
	memcpy(msg, &h, HDR);
	memcpy(msg + HDR, "data/l", 7);
	memcpy(msg + HDR + 7, value, sizeof(value));
	size_t total = HDR + h.len, sent = 0;
	while (sent < total) {
		size_t n = RING - (intf(w->a)->req_prod - intf(w->a)->req_cons);
		if (n > total - sent)
			n = total - sent;
		put(w->a, msg + sent, n);
		sent += n;
		assert_true(serve(w->a)); /* space given back: the guest is told */
	}
	expect(w->a, XS_WRITE, 9, "OK");
	req_str(w->a, XS_READ, 10, "data/l");
	assert_true(serve(w->a));
	char buf[3000];
	struct xsd_sockmsg rh;
	reply(w->a, &rh, buf, sizeof(buf));
	assert_int_equal(rh.len, sizeof(value));
	assert_memory_equal(buf, value, sizeof(value));
}

/* len above XENSTORE_PAYLOAD_MAX: the connection is cut off, the guest told why. */
static void over_long_request(void **state)
{
	struct world *w = *state;
	struct xsd_sockmsg h = { .type = XS_WRITE, .req_id = 1, .len = XENSTORE_PAYLOAD_MAX + 1 };

	put(w->a, &h, HDR);
	assert_true(serve(w->a));
	assert_true(w->a->xs.ring.broken);
	assert_int_equal(intf(w->a)->error, XENSTORE_ERROR_PROTO);
	assert_int_equal(rsp_avail(w->a), 0);
	/* Nothing more is answered. */
	req_str(w->a, XS_READ, 2, "name");
	assert_false(serve(w->a));
	assert_int_equal(rsp_avail(w->a), 0);
	/* The other domain is served. */
	req_str(w->b, XS_READ, 3, "name");
	assert_true(serve(w->b));
	expect(w->b, XS_READ, 3, "xs-b");
}

static void req_index_jumps(void **state)
{
	struct world *w = *state;

	intf(w->a)->req_prod = intf(w->a)->req_cons + RING + 1;
	assert_true(serve(w->a));
	assert_true(w->a->xs.ring.broken);
	assert_int_equal(intf(w->a)->error, XENSTORE_ERROR_RINGIDX);
}

static void rsp_index_jumps(void **state)
{
	struct world *w = *state;

	intf(w->a)->rsp_cons = intf(w->a)->rsp_prod - RING - 100; /* prod "ahead" by more than a ring */
	req_str(w->a, XS_READ, 1, "name");
	assert_true(serve(w->a));
	assert_true(w->a->xs.ring.broken);
	assert_int_equal(intf(w->a)->error, XENSTORE_ERROR_RINGIDX);
}

/* Garbage headers and arguments: an error each, in order, the ring still served. */
static void malformed_requests(void **state)
{
	struct world *w = *state;

	request(w->a, 999, 1, "x", 2);                 /* no such type */
	request(w->a, XS_WATCH_EVENT, 2, "a\0b", 4);    /* the server's own type */
	request(w->a, XS_READ, 3, "name", 4);           /* no NUL */
	request(w->a, XS_WATCH, 4, "onlyone", 8);       /* one string of two */
	request(w->a, XS_INTRODUCE, 5, "3\0" "1\0" "2", 6); /* privileged */
	request(w->a, XS_READ, 6, "", 0);               /* empty */
	req_str(w->a, XS_READ, 7, "name");
	assert_true(serve(w->a));
	struct xsd_sockmsg h;
	char buf[64];
	for (uint32_t id = 1; id <= 6; id++) {
		reply(w->a, &h, buf, sizeof(buf));
		assert_int_equal(h.type, XS_ERROR);
		assert_int_equal(h.req_id, id);
	}
	expect(w->a, XS_READ, 7, "xs-a");
	assert_false(w->a->xs.ring.broken);
}

/*
 * A guest that never reads: 20 requests (xenstored's quota_req_outstanding)
 * are taken, the rest wait in req[], none refused; once it reads, all are
 * answered in order.
 */
static void never_reads_replies(void **state)
{
	struct world *w = *state;
	static char big[1500];

	memset(big, 'b', sizeof(big) - 1);
	assert_int_equal(xenstore__tool_write(&vmm, "/local/domain/1/data/big", big, sizeof(big) - 1), 0);
	for (uint32_t i = 0; i < 25; i++)
		req_str(w->a, XS_READ, 100 + i, "data/big");
	uint32_t one = (uint32_t)(HDR + strlen("data/big") + 1);
	assert_true(serve(w->a));
	assert_int_equal(w->a->xs.outstanding, XS_REQ_OUTSTANDING);
	assert_int_equal(intf(w->a)->req_prod - intf(w->a)->req_cons, 5 * one);
	assert_int_equal(rsp_avail(w->a), RING);
	/* Served again without reading: nothing moves, nothing grows. */
	assert_false(serve(w->a));
	assert_int_equal(w->a->xs.outstanding, XS_REQ_OUTSTANDING);
	for (uint32_t i = 0; i < 25; i++)
		expect(w->a, XS_READ, 100 + i, big);
	assert_int_equal(intf(w->a)->req_prod, intf(w->a)->req_cons);
	assert_int_equal(w->a->xs.outstanding, 0);
}

/*
 * Domain 2 watches a directory of domain 1's and stops reading. Each
 * write of domain 1 there fires an event for domain 2 that stays queued,
 * and the write stays counted against domain 1 (xenstored's pending
 * reference, XSA-326): after 20, domain 1 is not read any more. 20 s later
 * the events are dropped (timeout_watch_event_msec), and domain 1 goes on.
 */
static void events_to_a_stalled_watcher_hold_the_writer(void **state)
{
	struct world *w = *state;
	char path[64];
	struct xsd_sockmsg h;
	char buf[128];

	stalled_watcher(w);

	for (unsigned i = 0; i < 25; i++) {
		snprintf(path, sizeof(path), "data/pub/k%u", i);
		size_t n = strlen(path) + 1;
		memcpy(buf, path, n);
		memcpy(buf + n, "v", 1);
		request(w->a, XS_WRITE, 200 + i, buf, (uint32_t)n + 1);
	}
	assert_true(serve(w->a));
	for (unsigned i = 0; i < 20; i++)
		expect(w->a, XS_WRITE, 200 + i, "OK");
	assert_int_equal(w->a->xs.outstanding, XS_REQ_OUTSTANDING);
	assert_true(intf(w->a)->req_prod != intf(w->a)->req_cons);
	assert_false(serve(w->a)); /* still held */
	assert_int_equal(w->b->xs.nr_events, 1 + 20);

	/* Not yet: 19.999 s. */
	fake_ms += XS_EVENT_TIMEOUT_MS - 1;
	(void)serve(w->b);
	assert_int_equal(w->b->xs.nr_events_expired, 0);
	assert_int_equal(w->a->xs.outstanding, XS_REQ_OUTSTANDING);
	fake_ms += 1;
	/* The backend thread's timed round for domain 2. */
	assert_int_equal(xenstore__backend.deadline(w->b), fake_ms);
	(void)serve(w->b);
	assert_int_equal(w->b->xs.nr_events_expired, 20);
	assert_int_equal(xenstore__backend.deadline(w->b), 0);
	assert_int_equal(w->a->xs.outstanding, 0);
	assert_true(serve(w->a));
	for (unsigned i = 20; i < 25; i++)
		expect(w->a, XS_WRITE, 200 + i, "OK");
	assert_int_equal(intf(w->a)->req_prod, intf(w->a)->req_cons);
	/* Delivered at last: domain 1 is free again. */
	intf(w->b)->rsp_cons = intf(w->b)->rsp_prod;
	(void)serve(w->b);
	for (unsigned i = 20; i < 25; i++) {
		reply(w->b, &h, buf, sizeof(buf));
		assert_int_equal(h.type, XS_WATCH_EVENT);
	}
	assert_int_equal(w->a->xs.outstanding, 0);
}

/* An event identical to one still queued is not queued again (xenstored's send_event). */
static void identical_events_merged(void **state)
{
	struct world *w = *state;
	struct xsd_sockmsg h;
	char buf[128];

	stalled_watcher(w);
	for (uint32_t i = 0; i < 3; i++)
		request(w->a, XS_WRITE, 10 + i, "data/pub/same\0v", 16);
	request(w->a, XS_WRITE, 13, "data/pub/other\0v", 17);
	assert_true(serve(w->a));
	for (uint32_t i = 0; i < 4; i++)
		expect(w->a, XS_WRITE, 10 + i, "OK");
	assert_int_equal(w->b->xs.nr_events, 1 + 2);
	assert_int_equal(w->b->xs.nr_events_merged, 2);
	/* The merged writes are not held; the two queued ones are. */
	assert_int_equal(w->a->xs.outstanding, 2);
	intf(w->b)->rsp_cons = intf(w->b)->rsp_prod;
	(void)serve(w->b);
	reply(w->b, &h, buf, sizeof(buf));
	assert_string_equal(buf, "/local/domain/1/data/pub/same");
	reply(w->b, &h, buf, sizeof(buf));
	assert_string_equal(buf, "/local/domain/1/data/pub/other");
	assert_int_equal(w->a->xs.outstanding, 0);
}

/* The toolstack's changes for a watcher that never reads: its queue stays bounded. */
static void events_bounded(void **state)
{
	struct world *w = *state;
	char path[64];

	stalled_watcher(w);
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(path, sizeof(path), "/local/domain/1/data/pub/n%u", i);
		assert_int_equal(xenstore__tool_write(&vmm, path, "v", 1), 0);
	}
	assert_true(w->b->xs.event_bytes <= XS_EVENT_BYTES);
	assert_true(w->b->xs.nr_events_dropped > 0);
	assert_int_equal(w->b->xs.nr_events + w->b->xs.nr_events_dropped, 1 + 2000);
}

/* A domain that goes away with events of another's queued: the other is not held. */
static void release_lets_go(void **state)
{
	struct world *w = *state;

	held_write(w);
	xenstore__backend.drain(w->b); /* domain 2 stops: released */
	assert_int_equal(w->a->xs.outstanding, 0);
}

/*
 * A watcher that breaks its ring is ignored as xenstored ignores it: its
 * queue and watches go, the writer it held goes on, no event is queued
 * for it any more, and no timed round is asked for.
 */
static void broken_watcher_lets_go(void **state)
{
	struct world *w = *state;

	held_write(w);
	assert_true(xenstore__backend.deadline(w->b) != 0);
	intf(w->b)->req_prod = intf(w->b)->req_cons + RING + 1;
	assert_true(serve(w->b));
	assert_true(w->b->xs.ring.broken);
	assert_int_equal(w->a->xs.outstanding, 0);
	assert_int_equal(xenstore__backend.deadline(w->b), 0);
	uint64_t events = w->b->xs.nr_events;
	request(w->a, XS_WRITE, 2, "data/pub/y\0v", 13);
	assert_true(serve(w->a));
	expect(w->a, XS_WRITE, 2, "OK");
	assert_int_equal(w->b->xs.nr_events, events);
	assert_int_equal(w->a->xs.outstanding, 0);
	assert_false(serve(w->b));
}

/* The writer goes first: the watcher still gets the event, nothing is counted for anybody. */
static void writer_goes_first(void **state)
{
	struct world *w = *state;
	struct xsd_sockmsg h;
	char buf[128];

	held_write(w);
	xenstore__backend.drain(w->a); /* domain 1 stops: released, its tree removed */
	intf(w->b)->rsp_cons = intf(w->b)->rsp_prod;
	assert_true(serve(w->b));
	reply(w->b, &h, buf, sizeof(buf));
	assert_int_equal(h.type, XS_WATCH_EVENT);
	assert_string_equal(buf, "/local/domain/1/data/pub/x");
	/* Then the removal of domain 1's tree. */
	reply(w->b, &h, buf, sizeof(buf));
	assert_int_equal(h.type, XS_WATCH_EVENT);
	assert_string_equal(buf, "/local/domain/1/data/pub");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reads_its_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(split_across_the_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(longer_than_the_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(over_long_request, setup, teardown),
		cmocka_unit_test_setup_teardown(req_index_jumps, setup, teardown),
		cmocka_unit_test_setup_teardown(rsp_index_jumps, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(never_reads_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(events_to_a_stalled_watcher_hold_the_writer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(identical_events_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(events_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(release_lets_go, setup, teardown),
		cmocka_unit_test_setup_teardown(writer_goes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(broken_watcher_lets_go, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
