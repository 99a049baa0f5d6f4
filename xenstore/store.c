/*
 * The store (store.c): its life, its clients, and the node requests READ,
 * WRITE, MKDIR, RM, DIRECTORY, DIRECTORY_PART, GET_PERMS and SET_PERMS
 * with xenstored's rules (who may, what is created, what fires).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static const char *const special_names[2] = { "@introduceDomain",
					       "@releaseDomain" };

const char *store__errstring(int err)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	/* xenstored sends the table's first entry for an untranslatable one. */
	return xsd_errors[0].errstring;
}

struct node *store__special(const struct store *s, const char *name)
{
	for (int i = 0; i < 2; i++)
		if (!strcmp(name, special_names[i]))
			return s->special[i];
	return NULL;
}

/* xenstored's initial tree (setup_structure): "/", "/tool",
 * "/tool/xenstored", owned by dom0 with no access for others. */
static int store__init_tree(struct store *s)
{
	static const char *const names[] = { "/", "/tool", "/tool/xenstored" };

	for (int i = 0; i < 3; i++) {
		struct node *n = node__new(names[i]);

		if (!n || (i < 2 && node__add_child(n, path__base(names[i + 1])))) {
			node__free(n);
			return ENOMEM;
		}
		tree__put(s, n);
	}
	for (int i = 0; i < 2; i++) {
		s->special[i] = node__new(special_names[i]);
		if (!s->special[i])
			return ENOMEM;
	}
	return 0;
}

struct store *store__new(const struct store_quota *quota)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (quota)
		s->quota = *quota;
	else
		quota__defaults(&s->quota);
	s->events_tail = &s->events;
	if (map__init(&s->map) || store__init_tree(s)) {
		store__free(s);
		return NULL;
	}
	return s;
}

void store__free(struct store *s)
{
	if (!s)
		return;
	while (s->conns)
		store__conn_free(s->conns);
	store__events_free(store__events_take(s));
	if (s->map.bucket)
		map__destroy(&s->map);
	node__free(s->special[0]);
	node__free(s->special[1]);
	free(s->doms);
	free(s);
}

struct store_conn *store__conn_new(struct store *s, unsigned domid, void *opaque)
{
	struct store_conn *c = calloc(1, sizeof(*c)), **tail;

	if (!c)
		return NULL;
	/* The domain's accounting exists before its first node. */
	if (!quota__domain(s, domid, true)) {
		free(c);
		return NULL;
	}
	c->s = s;
	c->domid = domid;
	c->opaque = opaque;
	c->next_txid = 1;
	store__domain_path(domid, c->home, sizeof(c->home));
	/* Appended: events go out in the order clients came. */
	for (tail = &s->conns; *tail; tail = &(*tail)->next)
		;
	*tail = c;
	return c;
}

void store__conn_free(struct store_conn *c)
{
	struct store *s = c->s;
	struct store_event **pp = &s->events;

	watch__drop_all(c);
	txn__drop_all(c);
	for (struct store_conn **cp = &s->conns; *cp; cp = &(*cp)->next) {
		if (*cp == c) {
			*cp = c->next;
			break;
		}
	}
	/* Its undelivered events go with it. */
	while (*pp) {
		struct store_event *ev = *pp;

		if (ev->conn == c) {
			*pp = ev->next;
			ev->next = NULL;
			store__events_free(ev);
		} else {
			pp = &ev->next;
		}
	}
	s->events_tail = pp;
	free(c);
}

void *store__conn_opaque(const struct store_conn *c) { return c->opaque; }
unsigned store__conn_domid(const struct store_conn *c) { return c->domid; }
bool store__conn_privileged(const struct store_conn *c) { return c->domid == STORE_DOM0; }

/* ---- node requests ---- */

static bool op__unpriv(const struct op *op)
{
	return op->c && op->c->domid != STORE_DOM0;
}

static int op__begin(struct op *op, struct store_conn *c, uint32_t tx)
{
	op->s = c->s;
	op->c = c;
	op->t = NULL;
	if (tx && !(op->t = txn__find(c, tx)))
		return ENOENT;
	return 0;
}

static char *op__name(struct op *op, const char *path, int *err)
{
	return path__canonical(op->c->domid, path, op->s->quota.max_path_len,
			       false, err);
}

/*
 * xenstored's errno_from_parents: a missing node is ENOENT to whom the
 * nearest existing ancestor grants any of perm, EACCES to others, so that
 * nobody learns what exists where they may not look.
 */
static int op__errno_from_parents(struct op *op, const char *name, unsigned perm)
{
	char *p = strdup(name);
	int err = 0;
	const struct node *n = NULL;

	while (p && !n && !err) {
		char *parent = path__parent(p);

		free(p);
		p = parent;
		if (!p)
			break;
		n = view__get(op, p, &err);
	}
	free(p);
	if (err)
		return err;
	if (!n)
		return ENOMEM;
	return (perms__for(op->c, n->perms, n->nperms) & perm) ? ENOENT : EACCES;
}

/* The node name with rights perm, or NULL with *err. */
static const struct node *op__get(struct op *op, const char *name,
				  unsigned perm, int *err)
{
	const struct node *n = view__get(op, name, err);

	if (*err)
		return NULL;
	if (!n) {
		*err = op__errno_from_parents(op, name, perm);
		return NULL;
	}
	if ((perms__for(op->c, n->perms, n->nperms) & perm) != perm) {
		*err = EACCES;
		return NULL;
	}
	return n;
}

/* quota_max_entry_size on the record xenstored would write. */
static bool op__too_big(const struct op *op, const struct node *n)
{
	return op__unpriv(op) && node__record_size(n) >= op->s->quota.max_entry_size;
}

/*
 * Creates name and its missing parents (xenstored's create_node): each new
 * node inherits its parent's permissions, an unprivileged creator becomes
 * the owner; all checks come before any change.
 */
static int op__create(struct op *op, const char *name, const void *val,
		      size_t len)
{
	struct node *chain[64 + XENSTORE_ABS_PATH_MAX / 2];
	unsigned nnew = 0, count = 0;
	const struct node *anc = NULL;
	struct node *top = NULL;
	char *p = strdup(name);
	int err = 0;

	/* Up to the nearest existing ancestor, recording what is missing. */
	while (p && !anc) {
		char *parent;

		/* Cannot happen with a valid path (at most 1536 components). */
		if (nnew == sizeof(chain) / sizeof(chain[0])) {
			err = EINVAL;
			break;
		}
		chain[nnew] = node__new(p);
		if (!chain[nnew]) {
			err = ENOMEM;
			break;
		}
		nnew++;
		parent = path__parent(p);
		free(p);
		p = parent;
		if (!p) /* "/" always exists */
			break;
		anc = view__get(op, p, &err);
		if (err)
			break;
	}
	free(p);
	if (!err && !anc)
		err = ENOMEM;
	if (!err && !(top = node__dup(anc)))
		err = ENOMEM;
	if (op__unpriv(op))
		count = view__nbentry(op, op->c->domid);
	/* chain[nnew - 1] is the topmost new node, chain[0] is name. */
	for (unsigned i = nnew; !err && i-- > 0;) {
		const struct node *parent = i + 1 < nnew ? chain[i + 1] : top;
		struct node *n = chain[i];

		if (op__unpriv(op) && count++ >= op->s->quota.nb_entry_per_domain) {
			err = ENOSPC;
			break;
		}
		err = node__set_perms(n, parent->perms, parent->nperms);
		if (!err && op__unpriv(op))
			n->perms[0].id = op->c->domid;
		if (!err)
			err = node__add_child(i + 1 < nnew ? chain[i + 1] : top,
					      path__base(n->name));
	}
	if (!err)
		err = node__set_value(chain[0], val, len);
	for (unsigned i = 0; !err && i < nnew; i++)
		if (op__too_big(op, chain[i]))
			err = ENOSPC;
	if (!err && op__too_big(op, top))
		err = ENOSPC;
	if (err) {
		for (unsigned i = 0; i < nnew; i++)
			node__free(chain[i]);
		node__free(top);
		return err;
	}
	err = view__put(op, top);
	for (unsigned i = nnew; i-- > 0;) {
		int e = view__put(op, chain[i]);

		if (!err)
			err = e;
	}
	return err;
}

/*
 * The node a read-type request names, with READ permission, in the view of
 * the connection's transaction tx (0: none); NULL and *err otherwise.
 */
static const struct node *read_node(struct op *op, struct store_conn *c, uint32_t tx,
				    const char *path, int *err)
{
	char *name;

	*err = op__begin(op, c, tx);
	if (*err || !(name = op__name(op, path, err)))
		return NULL;
	const struct node *n = op__get(op, name, XS_PERM_READ, err);
	free(name);
	return n;
}

int store__read(struct store_conn *c, uint32_t tx, const char *path,
		char **val, size_t *len)
{
	struct op op;
	const struct node *n;
	int err;

	n = read_node(&op, c, tx, path, &err);
	if (!n)
		return err;
	*val = malloc(n->len + 1);
	if (!*val)
		return ENOMEM;
	memcpy(*val, n->value, n->len + 1);
	*len = n->len;
	return 0;
}

static int store__set(struct store_conn *c, uint32_t tx, const char *path,
		      const void *val, size_t len, bool mkdir)
{
	struct op op;
	const struct node *n;
	char *name;
	int err = op__begin(&op, c, tx);

	if (err || !(name = op__name(&op, path, &err)))
		return err;
	n = op__get(&op, name, XS_PERM_WRITE, &err);
	if (n && mkdir) {
		/* MKDIR of an existing node: fine, nothing changes. */
		free(name);
		return 0;
	}
	if (n) {
		struct node *d = node__dup(n);

		err = d ? node__set_value(d, val, len) : ENOMEM;
		if (!err && op__too_big(&op, d))
			err = ENOSPC;
		if (err)
			node__free(d);
		else
			err = view__put(&op, d);
	} else if (err == ENOENT) {
		err = op__create(&op, name, val, len);
	}
	if (!err)
		watch__change(&op, name, false, NULL, 0);
	free(name);
	return err;
}

int store__write(struct store_conn *c, uint32_t tx, const char *path,
		 const void *val, size_t len)
{
	return store__set(c, tx, path, val, len, false);
}

int store__mkdir(struct store_conn *c, uint32_t tx, const char *path)
{
	return store__set(c, tx, path, "", 0, true);
}

int store__rm(struct store_conn *c, uint32_t tx, const char *path)
{
	struct op op;
	char *name, *pname;
	int err = op__begin(&op, c, tx);

	if (err || !(name = op__name(&op, path, &err)))
		return err;
	if (!op__get(&op, name, XS_PERM_WRITE, &err)) {
		/* Already gone is fine if the parent exists. */
		if (err == ENOENT && (pname = path__parent(name))) {
			if (view__get(&op, pname, &err))
				err = 0;
			else if (!err)
				err = ENOENT;
			free(pname);
		}
	} else if (!strcmp(name, "/")) {
		err = EINVAL;
	} else {
		err = tree__rm(&op, name);
	}
	free(name);
	return err;
}

int store__directory(struct store_conn *c, uint32_t tx, const char *path,
		     char **list, size_t *len)
{
	struct op op;
	const struct node *n;
	int err;

	n = read_node(&op, c, tx, path, &err);
	if (!n)
		return err;
	if (n->childlen > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	*list = malloc(n->childlen + 1);
	if (!*list)
		return ENOMEM;
	if (n->childlen)
		memcpy(*list, n->children, n->childlen);
	*len = n->childlen;
	return 0;
}

int store__directory_part(struct store_conn *c, uint32_t tx, const char *path,
			  size_t offset, char **reply, size_t *len)
{
	struct op op;
	const struct node *n;
	char gen[24], *out;
	size_t genlen, take = 0, maxlen;
	int err;

	n = read_node(&op, c, tx, path, &err);
	if (!n)
		return err;
	genlen = snprintf(gen, sizeof(gen), "%" PRIu64, n->generation) + 1;
	out = malloc(XENSTORE_PAYLOAD_MAX + 1);
	if (!out)
		return ENOMEM;
	memcpy(out, gen, genlen);
	if (offset >= n->childlen) {
		/* Beyond the list: the generation and an empty string. */
		out[genlen] = '\0';
		*reply = out;
		*len = genlen + 1;
		return 0;
	}
	/* Whole names that fit, keeping a byte for the end marker. */
	maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
	while (offset + take < n->childlen) {
		size_t l = strlen(n->children + offset + take) + 1;

		if (take + l > maxlen)
			break;
		take += l;
	}
	if (take)
		memcpy(out + genlen, n->children + offset, take);
	*len = genlen + take;
	if (offset + take == n->childlen)
		out[(*len)++] = '\0';
	*reply = out;
	return 0;
}

/*
 * An unknown "@name": xenstored looks it up as a node, misses, and asks
 * its parent, "/" (EINVAL if the name is not even valid).
 */
static int op__special_missing(struct op *op, const char *path, unsigned perm)
{
	int err;
	char *name = path__canonical(op->c->domid, path, op->s->quota.max_path_len,
				     true, &err);
	const struct node *root;

	if (!name)
		return err;
	free(name);
	root = map__find(&op->s->map, "/");
	return perms__for(op->c, root->perms, root->nperms) & perm ? ENOENT : EACCES;
}

int store__get_perms(struct store_conn *c, uint32_t tx, const char *path,
		     struct xs_permissions **perms, unsigned *num)
{
	struct op op;
	const struct node *n;
	char *name = NULL;
	int err = op__begin(&op, c, tx);

	if (err)
		return err;
	if (path[0] == '@') {
		n = store__special(c->s, path);
		if (!n)
			return op__special_missing(&op, path, XS_PERM_READ);
		if (!(perms__for(c, n->perms, n->nperms) & XS_PERM_READ))
			return EACCES;
	} else {
		if (!(name = op__name(&op, path, &err)))
			return err;
		n = op__get(&op, name, XS_PERM_READ, &err);
		free(name);
		if (!n)
			return err;
	}
	*perms = malloc(n->nperms * sizeof(**perms));
	if (!*perms)
		return ENOMEM;
	memcpy(*perms, n->perms, n->nperms * sizeof(**perms));
	*num = n->nperms;
	return 0;
}

int store__set_perms(struct store_conn *c, uint32_t tx, const char *path,
		     const struct xs_permissions *perms, unsigned num)
{
	struct op op;
	const struct node *n;
	struct node *d;
	char *name;
	int err = op__begin(&op, c, tx);

	if (err)
		return err;
	if (num < 1)
		return EINVAL;
	if (op__unpriv(&op) && num > c->s->quota.nb_perms_per_node)
		return ENOSPC;
	if (path[0] == '@') {
		const unsigned need = XS_PERM_WRITE | XS_PERM_OWNER;

		d = store__special(c->s, path);
		if (!d)
			return op__special_missing(&op, path, need);
		if ((perms__for(c, d->perms, d->nperms) & need) != need)
			return EACCES;
		return node__set_perms(d, perms, num);
	}
	if (!(name = op__name(&op, path, &err)))
		return err;
	n = op__get(&op, name, XS_PERM_WRITE | XS_PERM_OWNER, &err);
	if (n && op__unpriv(&op) && perms[0].id != node__owner(n))
		err = EPERM;
	if (n && !err) {
		struct xs_permissions *old = malloc(n->nperms * sizeof(*old));
		unsigned nold = n->nperms;

		d = node__dup(n);
		if (!old || !d) {
			err = ENOMEM;
		} else {
			memcpy(old, n->perms, nold * sizeof(*old));
			err = node__set_perms(d, perms, num);
			if (!err && op__too_big(&op, d))
				err = ENOSPC;
		}
		if (err) {
			node__free(d);
		} else {
			err = view__put(&op, d);
			/* Watchers who could read before hear of it too. */
			if (!err)
				watch__change(&op, name, false, old, nold);
		}
		free(old);
	}
	free(name);
	return err;
}

void store__stats(const struct store *s, struct store_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->nodes = s->map.count;
	st->generation = s->generation;
	for (const struct store_conn *c = s->conns; c; c = c->next) {
		for (const struct watch *w = c->watches; w; w = w->next)
			st->watches++;
		st->transactions += c->ntxns;
	}
}
