/*
 * Watches (watch.c): per connection (path, token) pairs, matched against
 * every change as xenstored does: a change of N fires the watches on N and
 * on its ancestors ("/" included); a removal also fires, exactly, the
 * watches on each removed descendant. Events are queued in the store for
 * the connection layer; nothing here does I/O.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int watch__event(struct store *s, struct store_conn *c, const char *path,
		 const char *token)
{
	struct store_event *ev;

	/* xenstored drops an event that would not fit in a message. */
	if (strlen(path) + 1 + strlen(token) + 1 > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	ev = calloc(1, sizeof(*ev));
	if (!ev || !(ev->path = strdup(path)) || !(ev->token = strdup(token))) {
		if (ev)
			free(ev->path);
		free(ev);
		return ENOMEM;
	}
	ev->conn = c;
	*s->events_tail = ev;
	s->events_tail = &ev->next;
	return 0;
}

/* The path as the watcher knows it: relative watches drop "<home>/". */
static const char *watch__path(const struct store_conn *c,
			       const struct watch *w, const char *name)
{
	size_t hl = strlen(c->home);

	if (w->relative && !strncmp(name, c->home, hl)) {
		name += hl;
		if (*name == '/')
			name++;
	}
	return name;
}

static bool watch__readable(const struct store_conn *c, const struct node *n)
{
	return n && (perms__for(c, n->perms, n->nperms) & XS_PERM_READ);
}

/*
 * xenstored's watch_permitted: the watcher must be able to read the node
 * (with its old permissions if they just changed, or the permissions it
 * had if removed) or its parent. Special events: the special node.
 */
static bool watch__permitted(const struct store *s, const struct store_conn *c,
			     const char *name, const struct xs_permissions *perms,
			     unsigned nperms)
{
	char *parent;
	bool ok;

	if (name[0] == '@')
		return watch__readable(c, store__special(s, name));
	if (perms && (perms__for(c, perms, nperms) & XS_PERM_READ))
		return true;
	if (watch__readable(c, map__find(&s->map, name)))
		return true;
	parent = path__parent(name);
	ok = parent && watch__readable(c, map__find(&s->map, parent));
	free(parent);
	return ok;
}

void watch__fire(struct store *s, const char *name, bool exact,
		 const struct xs_permissions *perms, unsigned nperms)
{
	for (struct store_conn *c = s->conns; c; c = c->next) {
		if (!c->watches || !watch__permitted(s, c, name, perms, nperms))
			continue;
		for (struct watch *w = c->watches; w; w = w->next) {
			bool match = exact ? !strcmp(name, w->path)
					   : path__is_child(name, w->path);

			/* An event lost to ENOMEM is lost as in xenstored. */
			if (match)
				watch__event(s, c, watch__path(c, w, name), w->token);
		}
	}
}

void watch__change(struct op *op, const char *name, bool exact,
		   const struct xs_permissions *perms, unsigned nperms)
{
	struct txn_fire *f;

	if (!op->t) {
		watch__fire(op->s, name, exact, perms, nperms);
		return;
	}
	/* In a transaction: fired at commit, dropped on abort. */
	f = calloc(1, sizeof(*f));
	if (!f || !(f->name = strdup(name))) {
		free(f);
		return;
	}
	f->exact = exact;
	if (perms) {
		f->perms = malloc(nperms * sizeof(*perms));
		if (f->perms) {
			memcpy(f->perms, perms, nperms * sizeof(*perms));
			f->nperms = nperms;
		}
	}
	*op->t->fires_tail = f;
	op->t->fires_tail = &f->next;
}

/* The canonical name of a watch path, as do_watch/do_unwatch make it. */
static char *watch__canonical(struct store_conn *c, const char *path, int *err)
{
	return path__canonical(c->domid, path, c->s->quota.max_path_len, true, err);
}

int store__watch(struct store_conn *c, const char *path, const char *token)
{
	struct dom_acct *d = quota__domain(c->s, c->domid, true);
	struct watch *w, **tail;
	int err;
	char *name = watch__canonical(c, path, &err);

	if (!name)
		return err;
	for (tail = &c->watches; *tail; tail = &(*tail)->next) {
		if (!strcmp((*tail)->path, name) && !strcmp((*tail)->token, token)) {
			free(name);
			return EEXIST;
		}
	}
	/* xenstored compares the count before adding: quota + 1 fit. */
	if (c->domid != STORE_DOM0 && d && d->nbwatch > c->s->quota.nb_watch_per_domain) {
		free(name);
		return E2BIG;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->token = strdup(token))) {
		free(w);
		free(name);
		return ENOMEM;
	}
	w->path = name;
	w->relative = path[0] != '/' && path[0] != '@';
	*tail = w;
	if (d)
		d->nbwatch++;
	/* The initial event, fired at once whatever the node's state. */
	watch__event(c->s, c, watch__path(c, w, w->path), w->token);
	return 0;
}

static void watch__free(struct store_conn *c, struct watch *w)
{
	struct dom_acct *d = quota__domain(c->s, c->domid, false);

	if (d && d->nbwatch)
		d->nbwatch--;
	free(w->path);
	free(w->token);
	free(w);
}

int store__unwatch(struct store_conn *c, const char *path, const char *token)
{
	char *name;

	/* xenstored only canonicalises here: an invalid path just matches
	 * nothing. */
	if (path[0] == '/' || path[0] == '@')
		name = strdup(path);
	else if (asprintf(&name, "%s/%s", c->home, path) < 0)
		name = NULL;
	if (!name)
		return ENOMEM;
	for (struct watch **pp = &c->watches; *pp; pp = &(*pp)->next) {
		struct watch *w = *pp;

		if (!strcmp(w->path, name) && !strcmp(w->token, token)) {
			*pp = w->next;
			watch__free(c, w);
			free(name);
			return 0;
		}
	}
	free(name);
	return ENOENT;
}

void watch__drop_all(struct store_conn *c)
{
	while (c->watches) {
		struct watch *w = c->watches;

		c->watches = w->next;
		watch__free(c, w);
	}
}

/* XS_RESET_WATCHES: xenstored drops the watches and the transactions. */
int store__reset_watches(struct store_conn *c)
{
	watch__drop_all(c);
	txn__drop_all(c);
	return 0;
}

struct store_event *store__events_take(struct store *s)
{
	struct store_event *list = s->events;

	s->events = NULL;
	s->events_tail = &s->events;
	return list;
}

void store__events_free(struct store_event *list)
{
	while (list) {
		struct store_event *next = list->next;

		free(list->path);
		free(list->token);
		free(list);
		list = next;
	}
}
