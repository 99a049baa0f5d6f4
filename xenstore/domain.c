/*
 * Domains coming and going (domain.c): INTRODUCE / RELEASE as the store
 * sees them. The connection layer maps rings; this file keeps the
 * "introduced" mark, fires @introduceDomain / @releaseDomain and, on
 * release, cleans up after the domain as xenstored does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int store__introduce(struct store *s, unsigned domid)
{
	struct dom_acct *d = quota__domain(s, domid, true);

	if (!d)
		return ENOMEM;
	if (d->introduced)
		return EEXIST;
	d->introduced = true;
	watch__fire(s, "@introduceDomain", false, NULL, 0);
	return 0;
}

bool store__is_introduced(const struct store *s, unsigned domid)
{
	/* Domain 0 is there from the start, as xenstored's dom0_init. */
	if (domid == STORE_DOM0)
		return true;
	for (size_t i = 0; i < s->ndoms; i++)
		if (s->doms[i].domid == domid)
			return s->doms[i].introduced;
	return false;
}

static int domain__by_length(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? -1 : la > lb;
}

/*
 * Since XSA-419 xenstored removes every node the released domain owns
 * (its home, and what it created elsewhere), and its ACL entries stop
 * counting (XSA-322) so that a later domain with the same id gets nothing
 * of it: here they are dropped from every node.
 */
static void domain__clean_nodes(struct store *s, unsigned domid)
{
	struct op op = { .s = s };
	char **names = malloc(s->map.count * sizeof(*names));
	size_t n = 0;

	if (!names)
		return;
	for (size_t b = 0; b < s->map.nbuckets; b++) {
		for (struct node *x = s->map.bucket[b]; x; x = x->hnext) {
			unsigned keep = 1;

			for (unsigned i = 1; i < x->nperms; i++)
				if (x->perms[i].id != domid)
					x->perms[keep++] = x->perms[i];
			x->nperms = keep;
			if (strcmp(x->name, "/") && node__owner(x) == domid)
				names[n++] = strdup(x->name);
		}
	}
	/* Parents first: removing one takes its subtree along. */
	qsort(names, n, sizeof(*names), domain__by_length);
	for (size_t i = 0; i < n; i++) {
		if (names[i] && map__find(&s->map, names[i]))
			tree__rm(&op, names[i]);
		free(names[i]);
	}
	free(names);
}

int store__release(struct store *s, unsigned domid)
{
	struct dom_acct *d = quota__domain(s, domid, false);

	if (!d || !d->introduced)
		return ENOENT;
	d->introduced = false;
	for (struct store_conn *c = s->conns; c; c = c->next) {
		if (c->domid == domid) {
			watch__drop_all(c);
			txn__drop_all(c);
		}
	}
	domain__clean_nodes(s, domid);
	watch__fire(s, "@releaseDomain", false, NULL, 0);
	return 0;
}
