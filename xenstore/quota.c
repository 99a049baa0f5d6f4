/*
 * Quotas and per-domain accounting (quota.c): xenstored's defaults, and
 * the counts they are checked against (nodes owned, watches, introduced).
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void quota__defaults(struct store_quota *q)
{
	q->nb_entry_per_domain = 1000;
	q->max_entry_size = 2048;
	q->nb_watch_per_domain = 128;
	q->max_transaction = 10;
	q->req_outstanding = 20;
	q->max_path_len = XENSTORE_REL_PATH_MAX;
	q->nb_perms_per_node = 5;
	q->trans_nodes = 1024;
}

/* A linear table: a handful of domains, looked up per node change. */
struct dom_acct *quota__domain(struct store *s, unsigned domid, bool create)
{
	for (size_t i = 0; i < s->ndoms; i++)
		if (s->doms[i].domid == domid)
			return &s->doms[i];
	if (!create)
		return NULL;
	if (s->ndoms == s->domcap) {
		size_t cap = s->domcap ? 2 * s->domcap : 8;
		struct dom_acct *d = realloc(s->doms, cap * sizeof(*d));

		if (!d)
			return NULL;
		s->doms = d;
		s->domcap = cap;
	}
	memset(&s->doms[s->ndoms], 0, sizeof(s->doms[0]));
	s->doms[s->ndoms].domid = domid;
	return &s->doms[s->ndoms++];
}

unsigned store__domain_nodes(const struct store *s, unsigned domid)
{
	for (size_t i = 0; i < s->ndoms; i++)
		if (s->doms[i].domid == domid)
			return s->doms[i].nbentry;
	return 0;
}
