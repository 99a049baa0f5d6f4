/*
 * The tree's upkeep (tree.c): nodes put into and taken out of the global
 * tree, keeping each owner's node count (the nb_entry_per_domain quota)
 * and the generation counts, and removal of a subtree in an operation's
 * view with its watch events.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static void tree__count(struct store *s, const struct node *n, int delta)
{
	struct dom_acct *d;

	/* The root is nobody's quota. */
	if (!strcmp(n->name, "/"))
		return;
	d = quota__domain(s, node__owner(n), delta > 0);
	if (!d)
		return;
	if (delta > 0)
		d->nbentry++;
	else if (d->nbentry)
		d->nbentry--;
}

void tree__put(struct store *s, struct node *n)
{
	struct node *old = map__find(&s->map, n->name);

	if (old)
		tree__count(s, old, -1);
	tree__count(s, n, +1);
	n->generation = ++s->generation;
	map__put(&s->map, n);
}

void tree__del(struct store *s, const char *name)
{
	struct node *old = map__take(&s->map, name);

	if (old) {
		tree__count(s, old, -1);
		node__free(old);
	}
}

/* Removes name and what is below it, children first, firing each. */
static int tree__rm_sub(struct op *op, const char *name, const char *root)
{
	int err;
	const struct node *n = view__get(op, name, &err);
	struct xs_permissions *perms;
	unsigned nperms;
	char *children;
	size_t childlen;

	if (err || !n)
		return err;
	children = malloc(n->childlen + 1);
	perms = malloc(n->nperms * sizeof(*perms));
	if (!children || !perms) {
		free(children);
		free(perms);
		return ENOMEM;
	}
	if (n->childlen)
		memcpy(children, n->children, n->childlen);
	childlen = n->childlen;
	memcpy(perms, n->perms, n->nperms * sizeof(*perms));
	nperms = n->nperms;
	for (size_t off = 0; !err && off < childlen;
	     off += strlen(children + off) + 1) {
		char *child;

		if (asprintf(&child, "%s/%s", strcmp(name, "/") ? name : "",
			     children + off) < 0)
			err = ENOMEM;
		else
			err = tree__rm_sub(op, child, root);
		free(child);
	}
	if (!err)
		err = view__del(op, name);
	/* Removed descendants fire only their own watches (exact). */
	if (!err)
		watch__change(op, name, strcmp(name, root) != 0, perms, nperms);
	free(children);
	free(perms);
	return err;
}

int tree__rm(struct op *op, const char *name)
{
	char *pname = path__parent(name);
	const struct node *parent;
	struct node *d;
	int err;

	if (!pname)
		return ENOMEM;
	parent = view__get(op, pname, &err);
	free(pname);
	if (err)
		return err;
	if (!parent)
		return ENOENT;
	d = node__dup(parent);
	if (!d)
		return ENOMEM;
	node__remove_child(d, path__base(name));
	err = view__put(op, d);
	return err ? err : tree__rm_sub(op, name, name);
}
