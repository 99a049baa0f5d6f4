/*
 * Shared fixture of the store's unit tests: a store with the toolstack
 * (dom0) and two guests (dom1, dom2), each guest's home made as xl does
 * (/local/domain/<id>, owned by the guest, no access for others), and
 * helpers to send wire requests and to check the queued watch events.
 */
#ifndef XS_TEST_H
#define XS_TEST_H

#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
#include "wire.h"

struct fx {
	struct store *s;
	struct store_conn *d0, *d1, *d2;
};

static inline void fx_home(struct fx *f, unsigned domid)
{
	char path[32];
	struct xs_permissions p = { .id = domid, .perms = XS_PERM_NONE };

	store__domain_path(domid, path, sizeof(path));
	assert_int_equal(store__mkdir(f->d0, 0, path), 0);
	assert_int_equal(store__set_perms(f->d0, 0, path, &p, 1), 0);
	assert_int_equal(store__introduce(f->s, domid), 0);
}

static inline int fx_setup_quota(void **state, const struct store_quota *q)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->s = store__new(q);
	f->d0 = store__conn_new(f->s, 0, "d0");
	f->d1 = store__conn_new(f->s, 1, "d1");
	f->d2 = store__conn_new(f->s, 2, "d2");
	assert_int_equal(store__mkdir(f->d0, 0, "/local/domain"), 0);
	fx_home(f, 1);
	fx_home(f, 2);
	store__events_free(store__events_take(f->s));
	*state = f;
	return 0;
}

static inline int fx_setup(void **state)
{
	return fx_setup_quota(state, NULL);
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;

	store__free(f->s);
	free(f);
	return 0;
}

/* The value of path as c reads it (tx 0), or NULL with the error in *err. */
static inline char *fx_read(struct store_conn *c, const char *path, int *err)
{
	char *v = NULL;
	size_t len;

	*err = store__read(c, 0, path, &v, &len);
	return *err ? NULL : v;
}

static inline void fx_expect_value(struct store_conn *c, uint32_t tx,
				   const char *path, const char *want)
{
	char *v = NULL;
	size_t len;

	assert_int_equal(store__read(c, tx, path, &v, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_string_equal(v, want);
	free(v);
}

static inline int fx_write(struct store_conn *c, uint32_t tx, const char *path,
			   const char *val)
{
	return store__write(c, tx, path, val, strlen(val));
}

/*
 * The queued events must be exactly these (conn, path, token) triples, in
 * order; the queue is emptied. Pass a NULL conn to end the list.
 */
static inline void fx_expect_events(struct fx *f, ...)
{
	struct store_event *list = store__events_take(f->s), *ev = list;
	va_list ap;
	int i = 0;

	va_start(ap, f);
	for (;;) {
		struct store_conn *c = va_arg(ap, struct store_conn *);
		const char *path, *token;

		if (!c)
			break;
		path = va_arg(ap, const char *);
		token = va_arg(ap, const char *);
		if (!ev)
			fail_msg("event %d (%s %s) missing", i, path, token);
		if (ev->conn != c || strcmp(ev->path, path) || strcmp(ev->token, token))
			fail_msg("event %d: got (%s, %s, %s), want (%s, %s, %s)", i,
				 (char *)store__conn_opaque(ev->conn), ev->path,
				 ev->token, (char *)store__conn_opaque(c), path, token);
		ev = ev->next;
		i++;
	}
	va_end(ap);
	if (ev)
		fail_msg("unexpected event %d: (%s, %s, %s)", i,
			 (char *)store__conn_opaque(ev->conn), ev->path, ev->token);
	store__events_free(list);
}

/*
 * A wire request through wire__parse and store__request; the reply's type
 * and payload land in *r (free r->payload). Returns the parse error.
 */
static inline int fx_request(struct store_conn *c, uint32_t type, uint32_t tx,
			     const void *payload, size_t len, struct store_reply *r)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = 7, .tx_id = tx, .len = len };
	struct wire_request req;
	int err = wire__parse(&hdr, payload, &req);

	if (err)
		return err;
	assert_true(store__request(c, &req, r));
	return 0;
}

/* The reply must be an XS_ERROR with this string. */
static inline void fx_expect_error(struct store_conn *c, uint32_t type,
				   uint32_t tx, const void *payload, size_t len,
				   const char *errstr)
{
	struct store_reply r;

	assert_int_equal(fx_request(c, type, tx, payload, len, &r), 0);
	assert_int_equal(r.type, XS_ERROR);
	assert_int_equal(r.len, strlen(errstr) + 1);
	assert_memory_equal(r.payload, errstr, r.len);
	free(r.payload);
}

#endif
