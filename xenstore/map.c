/*
 * The tree's index (map.c): absolute name -> node, a chained hash map that
 * doubles when it is as full as it has buckets. The tree structure itself
 * lives in the nodes' children lists, as in xenstored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static size_t map__hash(const char *name, size_t nbuckets)
{
	/* FNV-1a: cheap and good enough for path names. */
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ull;
	return h & (nbuckets - 1);
}

int map__init(struct node_map *m)
{
	m->nbuckets = 256;
	m->count = 0;
	m->bucket = calloc(m->nbuckets, sizeof(*m->bucket));
	return m->bucket ? 0 : ENOMEM;
}

void map__destroy(struct node_map *m)
{
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct node *n = m->bucket[i];

		while (n) {
			struct node *next = n->hnext;

			node__free(n);
			n = next;
		}
	}
	free(m->bucket);
	m->bucket = NULL;
	m->count = 0;
}

struct node *map__find(const struct node_map *m, const char *name)
{
	struct node *n = m->bucket[map__hash(name, m->nbuckets)];

	while (n && strcmp(n->name, name))
		n = n->hnext;
	return n;
}

/* Growing is best effort: a failed calloc only leaves chains longer. */
static void map__grow(struct node_map *m)
{
	size_t nb = m->nbuckets * 2;
	struct node **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct node *n = m->bucket[i];

		while (n) {
			struct node *next = n->hnext;
			size_t h = map__hash(n->name, nb);

			n->hnext = b[h];
			b[h] = n;
			n = next;
		}
	}
	free(m->bucket);
	m->bucket = b;
	m->nbuckets = nb;
}

void map__put(struct node_map *m, struct node *n)
{
	struct node *old = map__take(m, n->name);
	size_t h;

	node__free(old);
	if (m->count >= m->nbuckets)
		map__grow(m);
	h = map__hash(n->name, m->nbuckets);
	n->hnext = m->bucket[h];
	m->bucket[h] = n;
	m->count++;
}

struct node *map__take(struct node_map *m, const char *name)
{
	struct node **p = &m->bucket[map__hash(name, m->nbuckets)];

	for (; *p; p = &(*p)->hnext) {
		struct node *n = *p;

		if (!strcmp(n->name, name)) {
			*p = n->hnext;
			n->hnext = NULL;
			m->count--;
			return n;
		}
	}
	return NULL;
}
