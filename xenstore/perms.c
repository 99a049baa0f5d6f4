/*
 * Permissions (perms.c): who may do what on a node (xenstored's
 * perm_for_conn) and the string form "<n|r|w|b><domid>\0..." of
 * GET_PERMS / SET_PERMS (libxenstore's xs_perm_to_string and
 * xs_strings_to_perms).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/*
 * Domain 0 and the owner (perms[0].id) have every right; another domain
 * has its own ACL entry's rights (the first that names it), else the
 * default in perms[0].
 */
unsigned perms__for(const struct store_conn *c, const struct xs_permissions *p,
		    unsigned num)
{
	const unsigned mask = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;

	if (c->domid == STORE_DOM0 || p[0].id == c->domid)
		return mask;
	for (unsigned i = 1; i < num; i++)
		if (!(p[i].perms & XS_PERM_IGNORE) && p[i].id == c->domid)
			return p[i].perms & mask;
	return p[0].perms & mask;
}

static int perms__one(const char *s, struct xs_permissions *p)
{
	char *end;
	unsigned long id;

	switch (s[0]) {
	case 'n': p->perms = XS_PERM_NONE; break;
	case 'r': p->perms = XS_PERM_READ; break;
	case 'w': p->perms = XS_PERM_WRITE; break;
	case 'b': p->perms = XS_PERM_READ | XS_PERM_WRITE; break;
	default: return EINVAL;
	}
	if (s[1] < '0' || s[1] > '9')
		return EINVAL;
	errno = 0;
	id = strtoul(s + 1, &end, 10);
	/* Domain ids are 16 bits (domid_t). */
	if (*end || errno || id > 0xffff)
		return EINVAL;
	p->id = id;
	return 0;
}

int perms__parse(const char *strings, size_t len, struct xs_permissions **perms,
		 unsigned *num)
{
	unsigned n = 0;
	struct xs_permissions *p;
	size_t off;

	if (!len || strings[len - 1] != '\0')
		return EINVAL;
	for (off = 0; off < len; off += strlen(strings + off) + 1)
		n++;
	p = calloc(n, sizeof(*p));
	if (!p)
		return ENOMEM;
	n = 0;
	for (off = 0; off < len; off += strlen(strings + off) + 1) {
		int err = perms__one(strings + off, &p[n++]);

		if (err) {
			free(p);
			return err;
		}
	}
	*perms = p;
	*num = n;
	return 0;
}

int perms__format(const struct xs_permissions *perms, unsigned num, char **out,
		  size_t *len)
{
	/* Letter, up to 10 digits, NUL. */
	char *buf = malloc(num * 12 + 1), *p = buf;

	if (!buf)
		return ENOMEM;
	for (unsigned i = 0; i < num; i++) {
		char letter;

		switch (perms[i].perms & (XS_PERM_READ | XS_PERM_WRITE)) {
		case XS_PERM_READ: letter = 'r'; break;
		case XS_PERM_WRITE: letter = 'w'; break;
		case XS_PERM_READ | XS_PERM_WRITE: letter = 'b'; break;
		default: letter = 'n'; break;
		}
		p += sprintf(p, "%c%u", letter, perms[i].id) + 1;
	}
	*out = buf;
	*len = p - buf;
	return 0;
}
