/*
 * One node (node.c): value, permissions and children list, copied whole
 * when a transaction or a write changes it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct node *node__new(const char *name)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strdup(name);
	/* Every node has at least the owner entry: "n0" until told. */
	n->perms = calloc(1, sizeof(*n->perms));
	n->value = malloc(1);
	if (!n->name || !n->perms || !n->value) {
		node__free(n);
		return NULL;
	}
	n->value[0] = '\0';
	n->nperms = 1;
	return n;
}

static void *node__memdup(const void *p, size_t len, size_t extra)
{
	char *q = malloc(len + extra ? len + extra : 1);

	if (q && len)
		memcpy(q, p, len);
	return q;
}

struct node *node__dup(const struct node *n)
{
	struct node *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->name = strdup(n->name);
	d->value = node__memdup(n->value, n->len, 1);
	d->perms = node__memdup(n->perms, n->nperms * sizeof(*n->perms), 0);
	d->children = node__memdup(n->children, n->childlen, 0);
	if (!d->name || !d->value || !d->perms || !d->children) {
		node__free(d);
		return NULL;
	}
	d->value[n->len] = '\0';
	d->len = n->len;
	d->nperms = n->nperms;
	d->childlen = n->childlen;
	d->generation = n->generation;
	return d;
}

void node__free(struct node *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->value);
	free(n->perms);
	free(n->children);
	free(n);
}

/* The value is kept NUL-terminated beyond len so that readers can print it. */
int node__set_value(struct node *n, const void *val, size_t len)
{
	char *v = node__memdup(val, len, 1);

	if (!v)
		return ENOMEM;
	v[len] = '\0';
	free(n->value);
	n->value = v;
	n->len = len;
	return 0;
}

int node__set_perms(struct node *n, const struct xs_permissions *p, unsigned num)
{
	struct xs_permissions *q = node__memdup(p, num * sizeof(*p), 0);

	if (!q)
		return ENOMEM;
	free(n->perms);
	n->perms = q;
	n->nperms = num;
	return 0;
}

/* Appended: xenstored lists children in the order they were created. */
int node__add_child(struct node *n, const char *base)
{
	size_t bl = strlen(base) + 1;
	char *c = realloc(n->children, n->childlen + bl);

	if (!c)
		return ENOMEM;
	memcpy(c + n->childlen, base, bl);
	n->children = c;
	n->childlen += bl;
	return 0;
}

void node__remove_child(struct node *n, const char *base)
{
	size_t off = 0;

	while (off < n->childlen) {
		size_t l = strlen(n->children + off) + 1;

		if (!strcmp(n->children + off, base)) {
			memmove(n->children + off, n->children + off + l,
				n->childlen - off - l);
			n->childlen -= l;
			return;
		}
		off += l;
	}
}

/*
 * The size xenstored's quota_max_entry_size is compared with: its database
 * record (a 24-byte header, the permissions, the value and the children).
 */
size_t node__record_size(const struct node *n)
{
	return NODE_RECORD_HDR + n->nperms * sizeof(struct xs_permissions) +
	       n->len + n->childlen;
}
