/*
 * libFuzzer target: the xenstore store (xenstore/) driven by sequences of
 * well-formed requests from several domains, where xenstore_wire_fuzz
 * mostly exercises the parser. The input chooses the clients (up to four
 * connections, each speaking for dom0 or a guest domain, several for the
 * same domain), then a stream of requests: the type, who sends it, the
 * transaction it runs in (an open one of the sender, or a stale id), paths
 * from a small vocabulary around each domain's home (or raw bytes),
 * values, permissions and watch tokens; interleaved with what the
 * connection layer does (introduce, release, a connection closed and
 * opened again). Every request goes through wire__parse and
 * store__request, as the VMM's connection layer sends it.
 *
 * After every step the store's bookkeeping must agree with its contents:
 *   - every node has an owner and its parent lists it, every listed child
 *     exists;
 *   - each domain's node count (the nb_entry_per_domain quota) is the
 *     number of nodes it owns, its watch count the number of watches of
 *     its connections, each connection's transaction count the length of
 *     its list; an unprivileged domain holds at most its quotas of watches
 *     and transactions;
 *   - a released domain owns no node and appears in no permission;
 *   - every reply fits a message and encodes; every queued event is for a
 *     live connection and fits a message.
 * Freeing the store at the end leaves nothing behind (LeakSanitizer).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "store_int.h"
#include "wire.h"
#include "xenstore_fuzz.h"

#define NCONN 4

/* The input's next byte (fuzz_input.h). */
static unsigned take(struct fuzz_in *in)
{
	return (unsigned)fuzz__take(in, 1);
}

/* A request payload under construction. */
struct msg {
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t len;
};

static void put(struct msg *m, const void *p, size_t n)
{
	if (n > sizeof(m->buf) - m->len)
		n = sizeof(m->buf) - m->len;
	memcpy(m->buf + m->len, p, n);
	m->len += n;
}

static void put_str(struct msg *m, const char *s)
{
	put(m, s, strlen(s) + 1);
}

static void put_fmt(struct msg *m, const char *fmt, unsigned v)
{
	char tmp[32];
	snprintf(tmp, sizeof(tmp), fmt, v);
	put_str(m, tmp);
}

static const unsigned domids[] = { 0, 1, 2, 3, 0, 1, 2, 7 };

/* A path: a base around the homes, the specials or raw bytes, then components. */
static void put_path(struct msg *m, struct fuzz_in *in)
{
	static const char *const comp[] = { "a", "b", "data", "device", "x" };
	char path[256];
	int n;
	unsigned sel = take(in);

	switch (sel % 10) {
	case 0: n = snprintf(path, sizeof(path), "/"); break;
	case 1: n = snprintf(path, sizeof(path), "/local/domain/%u", domids[take(in) % 8]); break;
	case 2: n = snprintf(path, sizeof(path), "%s", comp[take(in) % 5]); break; /* relative */
	case 3: n = snprintf(path, sizeof(path), "@introduceDomain"); break;
	case 4: n = snprintf(path, sizeof(path), "@releaseDomain"); break;
	case 5: n = snprintf(path, sizeof(path), "/tool/xenstored"); break;
	case 6: n = snprintf(path, sizeof(path), "/local/domain"); break;
	case 7: { /* raw: anything but NUL */
		unsigned len = take(in) % 48;
		n = 0;
		for (unsigned i = 0; i < len; i++) {
			char ch = (char)take(in);
			path[n++] = ch ? ch : '/';
		}
		path[n] = '\0';
		break;
	}
	case 8: n = snprintf(path, sizeof(path), "/local/domain/%u/data", domids[take(in) % 8]); break;
	default: n = snprintf(path, sizeof(path), "/vm"); break;
	}
	for (unsigned i = 0, nc = (sel >> 4) % 4; i < nc && n < 200; i++)
		n += snprintf(path + n, sizeof(path) - (size_t)n, "%s%s",
			      n && path[n - 1] == '/' ? "" : "/", comp[take(in) % 5]);
	put_str(m, path);
}

/* The request of type on conn c in tx: its payload from the input. */
static void build(struct msg *m, struct fuzz_in *in, uint32_t type)
{
	static const char *const tokens[] = { "t0", "t1", "token" };

	switch (type) {
	case XS_READ:
	case XS_MKDIR:
	case XS_RM:
	case XS_DIRECTORY:
	case XS_GET_PERMS:
		put_path(m, in);
		break;
	case XS_WRITE: {
		put_path(m, in);
		unsigned len = take(in);
		len = len == 255 ? 2000 + take(in) * 8 : len % 64; /* sometimes over max_entry_size */
		for (unsigned i = 0; i < len; i++)
			put(m, &(char){ (char)('a' + i % 26) }, 1);
		break;
	}
	case XS_DIRECTORY_PART:
		put_path(m, in);
		put_fmt(m, "%u", take(in) % 16);
		break;
	case XS_SET_PERMS: {
		put_path(m, in);
		static const char letters[] = "nrwbx";
		for (unsigned i = 0, np = 1 + take(in) % 7; i < np; i++) {
			char e[16];
			snprintf(e, sizeof(e), "%c%u", letters[take(in) % 5], domids[take(in) % 8]);
			put_str(m, e);
		}
		break;
	}
	case XS_WATCH:
	case XS_UNWATCH:
		put_path(m, in);
		put_str(m, tokens[take(in) % 3]);
		break;
	case XS_TRANSACTION_START:
		put_str(m, "");
		break;
	case XS_TRANSACTION_END:
		put_str(m, take(in) & 1 ? "T" : "F");
		break;
	case XS_GET_DOMAIN_PATH:
	case XS_IS_DOMAIN_INTRODUCED:
	case XS_RELEASE:
		put_fmt(m, "%u", domids[take(in) % 8]);
		break;
	case XS_INTRODUCE:
		put_fmt(m, "%u", domids[take(in) % 8]);
		put_str(m, "4096");
		put_str(m, "1");
		break;
	default: /* RESET_WATCHES and the rest: no arguments */
		break;
	}
}

static bool conn_alive(const struct store *s, const struct store_conn *c)
{
	for (const struct store_conn *x = s->conns; x; x = x->next)
		if (x == c)
			return true;
	return false;
}

static bool lists(const char *list, size_t len, const char *name)
{
	for (size_t off = 0; off < len; off += strlen(list + off) + 1)
		if (!strcmp(list + off, name))
			return true;
	return false;
}

/* The invariants above, on the tree, the accounts and the connections. */
static void check_store(struct store *s)
{
	const struct node_map *m = &s->map;
	size_t count = 0;

	for (size_t b = 0; b < m->nbuckets; b++) {
		for (const struct node *n = m->bucket[b]; n; n = n->hnext) {
			count++;
			if (!n->nperms || !n->perms)
				abort();
			if (strcmp(n->name, "/")) {
				char *parent = path__parent(n->name);
				const struct node *p = parent ? map__find(m, parent) : NULL;
				if (!p || !lists(p->children, p->childlen, path__base(n->name)))
					abort(); /* an orphan, or a parent that does not list it */
				free(parent);
				if (!quota__domain(s, node__owner(n), false))
					abort(); /* an owner nobody counts */
			}
			for (size_t off = 0; off < n->childlen; off += strlen(n->children + off) + 1) {
				char *child;
				if (asprintf(&child, "%s/%s", strcmp(n->name, "/") ? n->name : "",
					     n->children + off) < 0)
					abort();
				if (!map__find(m, child))
					abort(); /* a listed child that is not there */
				free(child);
			}
		}
	}
	if (count != m->count)
		abort();

	unsigned *owned = calloc(s->ndoms + 1, sizeof(*owned));
	if (!owned)
		abort();
	for (size_t b = 0; b < m->nbuckets; b++)
		for (const struct node *n = m->bucket[b]; n; n = n->hnext)
			for (size_t i = 0; i < s->ndoms && strcmp(n->name, "/"); i++)
				if (s->doms[i].domid == node__owner(n))
					owned[i]++;
	for (size_t i = 0; i < s->ndoms; i++) {
		const struct dom_acct *d = &s->doms[i];
		unsigned nodes = owned[i], watches = 0;
		for (const struct store_conn *c = s->conns; c; c = c->next)
			if (c->domid == d->domid)
				for (const struct watch *w = c->watches; w; w = w->next)
					watches++;
		if (d->nbentry != nodes || d->nbwatch != watches)
			abort();
		/* xenstored compares before adding: quota + 1 fit. */
		if (d->domid != STORE_DOM0 && d->nbwatch > s->quota.nb_watch_per_domain + 1)
			abort();
	}
	free(owned);
	for (const struct store_conn *c = s->conns; c; c = c->next) {
		unsigned n = 0;
		for (const struct txn *t = c->txns; t; t = t->next) {
			unsigned e = 0;
			for (const struct txn_entry *x = t->entries; x; x = x->next)
				e++;
			if (e != t->nentries)
				abort();
			n++;
		}
		if (n != c->ntxns)
			abort();
		/* Likewise (txn.c): max + 1 open transactions fit. */
		if (c->domid != STORE_DOM0 && c->ntxns > s->quota.max_transaction + 1)
			abort();
	}
}

/* A released domain is gone from the tree: no node, no permission entry. */
static void check_released(const struct store *s, unsigned domid)
{
	const struct node_map *m = &s->map;
	if (domid == STORE_DOM0)
		return;
	for (size_t b = 0; b < m->nbuckets; b++)
		for (const struct node *n = m->bucket[b]; n; n = n->hnext)
			for (unsigned i = 0; i < n->nperms; i++)
				if (n->perms[i].id == domid && strcmp(n->name, "/"))
					abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t types[] = {
		XS_READ, XS_WRITE, XS_MKDIR, XS_RM, XS_DIRECTORY, XS_DIRECTORY_PART,
		XS_GET_PERMS, XS_SET_PERMS, XS_WATCH, XS_UNWATCH, XS_RESET_WATCHES,
		XS_TRANSACTION_START, XS_TRANSACTION_END, XS_GET_DOMAIN_PATH,
		XS_IS_DOMAIN_INTRODUCED, XS_INTRODUCE, XS_RELEASE, XS_RESUME, XS_SET_TARGET,
		XS_WRITE, XS_TRANSACTION_START, XS_TRANSACTION_END, /* the usual ones more often */
	};
	const unsigned ntypes = sizeof(types) / sizeof(types[0]);
	struct fuzz_in in = { data, size };
	struct store_quota q;
	struct store_conn *c[NCONN];
	unsigned cdom[NCONN];

	/* Small quotas, so that the fuzzer reaches them. */
	quota__defaults(&q);
	q.nb_entry_per_domain = 8 + take(&in) % 16;
	q.nb_watch_per_domain = 2 + take(&in) % 4;
	q.max_transaction = 1 + take(&in) % 3;
	q.trans_nodes = 4 + take(&in) % 16;
	q.nb_perms_per_node = 2 + take(&in) % 4;
	q.max_entry_size = 256 + take(&in) * 16;
	struct store *s = store__new(&q);
	if (!s)
		abort();
	unsigned who = take(&in);
	for (unsigned i = 0; i < NCONN; i++) {
		cdom[i] = i == 0 ? 0 : domids[(who >> (2 * i)) % 8];
		c[i] = store__conn_new(s, cdom[i], NULL);
		if (!c[i])
			abort();
	}
	/* What the toolstack does when it builds a guest: its home, introduced. */
	for (unsigned d = 1; d <= 3; d++) {
		char home[32];
		struct xs_permissions p[2] = { { .id = 0, .perms = XS_PERM_NONE },
					       { .id = d, .perms = XS_PERM_READ } };
		snprintf(home, sizeof(home), "/local/domain/%u", d);
		if (store__mkdir(c[0], 0, home) || store__set_perms(c[0], 0, home, p, 2))
			abort();
		p[0].id = d;
		if (store__set_perms(c[0], 0, home, p, 1) || store__introduce(s, d))
			abort();
	}
	check_store(s);

	for (uint32_t req_id = 0; in.left; req_id++) {
		unsigned op = take(&in), ci = take(&in) % NCONN;
		struct store_conn *conn = c[ci];

		if (op >= 0xf0) { /* the connection layer */
			unsigned d = domids[take(&in) % 8];
			switch (op & 3) {
			case 0: /* the connection closes and opens again */
				store__conn_free(conn);
				c[ci] = store__conn_new(s, cdom[ci], NULL);
				if (!c[ci])
					abort();
				break;
			case 1:
				(void)store__introduce(s, d);
				break;
			default:
				if (!store__release(s, d))
					check_released(s, d);
				break;
			}
		} else {
			struct msg m = { .len = 0 };
			uint32_t type = types[op % ntypes];
			build(&m, &in, type);
			/* The transaction: none, an open one of the sender's, or any id. */
			uint32_t tx = 0;
			unsigned tsel = take(&in) % 4;
			if (tsel == 1 || tsel == 2) {
				unsigned k = 0;
				for (const struct txn *t = conn->txns; t; t = t->next)
					if (k++ == 0 || tsel == 2)
						tx = t->id;
			} else if (tsel == 3) {
				tx = take(&in);
			}
			struct xsd_sockmsg hdr = { .type = type, .req_id = req_id, .tx_id = tx,
						   .len = (uint32_t)m.len };
			struct wire_request req;
			struct store_reply r;
			if (wire__check_header(&hdr) || wire__parse(&hdr, m.buf, &req))
				continue;
			if (store__request(conn, &req, &r)) {
				xenstore_fuzz__check_reply(&r);
				free(r.payload);
			} else if (type == XS_INTRODUCE) {
				/* What the connection layer does for dom0 (vmm/xenstore.c). */
				(void)store__introduce(s, (unsigned)strtoul(req.arg[0], NULL, 10));
			} else if (type == XS_RELEASE) {
				unsigned d = (unsigned)strtoul(req.arg[0], NULL, 10);
				if (!store__release(s, d))
					check_released(s, d);
			}
		}
		struct store_event *ev = store__events_take(s);
		for (struct store_event *e = ev; e; e = e->next) {
			unsigned char out[WIRE_MSG_MAX];
			if (!conn_alive(s, e->conn) ||
			    !wire__watch_event(e->path, e->token, out, sizeof(out)))
				abort();
		}
		store__events_free(ev);
		check_store(s);
	}
	store__free(s);
	return 0;
}
