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

struct txn_entry *txn__entry(struct txn *t, const char *name)
{
	for (struct txn_entry *e = t->entries; e; e = e->next)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
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
