/*
 * The tree for people (dump.c): `xenstore-ls -f -p`'s layout, one line per
 * node: full path, value, permissions.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static void dump__value(const struct node *n, FILE *out)
{
	for (size_t i = 0; i < n->len; i++) {
		unsigned char ch = n->value[i];

		if (ch == '\\' || ch == '"')
			fprintf(out, "\\%c", ch);
		else if (ch >= 0x20 && ch < 0x7f)
			fputc(ch, out);
		else
			fprintf(out, "\\x%02x", ch);
	}
}

static void dump__node(const struct store *s, const struct node *n, FILE *out)
{
	char *perms;
	size_t len;

	fprintf(out, "%s = \"", n->name);
	dump__value(n, out);
	fputs("\"  (", out);
	if (!perms__format(n->perms, n->nperms, &perms, &len)) {
		/* "n0\0r1\0" printed as "n0,r1". */
		for (size_t i = 0; i + 1 < len; i++)
			fputc(perms[i] ? perms[i] : ',', out);
		free(perms);
	}
	fputs(")\n", out);
	for (size_t off = 0; off < n->childlen;
	     off += strlen(n->children + off) + 1) {
		char *child;
		const struct node *c;

		if (asprintf(&child, "%s/%s", strcmp(n->name, "/") ? n->name : "",
			     n->children + off) < 0)
			return;
		c = map__find(&s->map, child);
		free(child);
		if (c)
			dump__node(s, c, out);
	}
}

void store__dump(const struct store *s, const char *path, FILE *out)
{
	const struct node *n = map__find(&s->map, path);

	if (n)
		dump__node(s, n, out);
	else
		fprintf(out, "%s: no such node\n", path);
}
