/*
 * What an operation sees (view.c): outside a transaction the tree itself;
 * inside, the transaction's copy of each node, taken when the node is
 * first touched with its generation count (txn.c checks them at commit).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

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
