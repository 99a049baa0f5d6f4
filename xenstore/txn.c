/*
 * Transactions (txn.c), as xenstored does them since 4.9: a transaction
 * keeps its own copy of every node it touches, with the node's generation
 * count when first touched (NO_GENERATION if it did not exist). Commit
 * fails with EAGAIN if any of those nodes now has another generation
 * (changed, created or removed meanwhile); otherwise the copies replace
 * the tree's nodes and the queued watch events fire.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static struct txn_entry *txn__entry(struct txn *t, const char *name)
{
	for (struct txn_entry *e = t->entries; e; e = e->next)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

const struct node *view__get(struct op *op, const char *name, int *err)
{
	struct node *g = map__find(&op->s->map, name);
	struct txn_entry *e;

	*err = 0;
	if (!op->t)
		return g;
	e = txn__entry(op->t, name);
	if (e)
		return e->node;
	/* xenstored's quota_trans_nodes: nodes one transaction may touch. */
	if (op->c && op->c->domid != STORE_DOM0 &&
	    op->t->nentries >= op->s->quota.trans_nodes) {
		*err = ENOSPC;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->name = strdup(name)) || (g && !(e->node = node__dup(g)))) {
		if (e)
			free(e->name);
		free(e);
		*err = ENOMEM;
		return NULL;
	}
	e->generation = g ? g->generation : NO_GENERATION;
	*op->t->entries_tail = e;
	op->t->entries_tail = &e->next;
	op->t->nentries++;
	return e->node;
}

int view__put(struct op *op, struct node *n)
{
	struct txn_entry *e;
	int err;

	if (!op->t) {
		tree__put(op->s, n);
		return 0;
	}
	view__get(op, n->name, &err);
	e = err ? NULL : txn__entry(op->t, n->name);
	if (!e) {
		node__free(n);
		return err ? err : ENOMEM;
	}
	node__free(e->node);
	n->generation = ++op->s->generation;
	e->node = n;
	e->modified = true;
	return 0;
}

int view__del(struct op *op, const char *name)
{
	struct txn_entry *e;
	int err;

	if (!op->t) {
		tree__del(op->s, name);
		return 0;
	}
	view__get(op, name, &err);
	if (err)
		return err;
	e = txn__entry(op->t, name);
	node__free(e->node);
	e->node = NULL;
	e->modified = true;
	return 0;
}

unsigned view__nbentry(struct op *op, unsigned domid)
{
	long n = store__domain_nodes(op->s, domid);

	if (!op->t)
		return n;
	for (struct txn_entry *e = op->t->entries; e; e = e->next) {
		const struct node *g = map__find(&op->s->map, e->name);

		if (!e->modified)
			continue;
		n += (e->node && node__owner(e->node) == domid);
		n -= (g && node__owner(g) == domid);
	}
	return n < 0 ? 0 : n;
}

struct txn *txn__find(struct store_conn *c, uint32_t id)
{
	for (struct txn *t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

void txn__free(struct txn *t)
{
	while (t->entries) {
		struct txn_entry *e = t->entries;

		t->entries = e->next;
		node__free(e->node);
		free(e->name);
		free(e);
	}
	while (t->fires) {
		struct txn_fire *f = t->fires;

		t->fires = f->next;
		free(f->name);
		free(f->perms);
		free(f);
	}
	free(t);
}

void txn__drop_all(struct store_conn *c)
{
	while (c->txns) {
		struct txn *t = c->txns;

		c->txns = t->next;
		txn__free(t);
	}
	c->ntxns = 0;
}

int store__transaction_start(struct store_conn *c, uint32_t *tx)
{
	struct txn *t;

	/* xenstored compares before counting the new one: max + 1 fit. */
	if (c->domid != STORE_DOM0 && c->ntxns > c->s->quota.max_transaction)
		return ENOSPC;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	t->entries_tail = &t->entries;
	t->fires_tail = &t->fires;
	/* A per-connection id, never 0 (0 means "no transaction"). */
	do {
		t->id = c->next_txid++;
	} while (t->id == 0 || txn__find(c, t->id));
	t->next = c->txns;
	c->txns = t;
	c->ntxns++;
	*tx = t->id;
	return 0;
}

static int txn__commit(struct store_conn *c, struct txn *t)
{
	struct store *s = c->s;
	struct op op = { .s = s, .c = c, .t = t };

	for (struct txn_entry *e = t->entries; e; e = e->next) {
		const struct node *g = map__find(&s->map, e->name);

		if ((g ? g->generation : NO_GENERATION) != e->generation)
			return EAGAIN;
	}
	/* The node quota is checked again on the whole: other domains'
	 * nodes may have come and gone since the writes. */
	if (c->domid != STORE_DOM0 &&
	    view__nbentry(&op, c->domid) > store__domain_nodes(s, c->domid) &&
	    view__nbentry(&op, c->domid) > s->quota.nb_entry_per_domain)
		return ENOSPC;
	for (struct txn_entry *e = t->entries; e; e = e->next) {
		if (!e->modified)
			continue;
		if (e->node) {
			tree__put(s, e->node);
			e->node = NULL;
		} else {
			tree__del(s, e->name);
		}
	}
	for (struct txn_fire *f = t->fires; f; f = f->next)
		watch__fire(s, f->name, f->exact, f->perms, f->nperms);
	return 0;
}

int store__transaction_end(struct store_conn *c, uint32_t tx, bool commit)
{
	struct txn **pp, *t = NULL;
	int err = 0;

	for (pp = &c->txns; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == tx && tx) {
			t = *pp;
			*pp = t->next;
			break;
		}
	}
	if (!t)
		return ENOENT;
	c->ntxns--;
	if (commit)
		err = txn__commit(c, t);
	txn__free(t);
	return err;
}
