/* Diagnostics collector: see diag.h. */
#define _GNU_SOURCE /* vasprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

static void add(struct abi_diags *d, const char *file, int line, int col, char *msg)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
		if (!d->v)
			abort();
	}
	d->v[d->n++] = (struct abi_diag_entry){
		.file = strdup(file ? file : "<unknown>"),
		.line = line,
		.col = col,
		.message = msg,
	};
	if (!d->v[d->n - 1].file)
		abort();
}

void abi_diag(struct abi_diags *d, struct abi_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(d, pos.file, pos.line, pos.col, xvasprintf(fmt, ap));
	va_end(ap);
}

void abi_diag_file(struct abi_diags *d, const char *file, int line, int col,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(d, file, line, col, xvasprintf(fmt, ap));
	va_end(ap);
}

static bool diag_before(const struct abi_diag_entry *a, const struct abi_diag_entry *b)
{
	return a->line < b->line || (a->line == b->line && a->col < b->col);
}

void abi_diags_sort_from(struct abi_diags *d, size_t from)
{
	size_t n = d->n - from;
	if (n < 2)
		return;
	struct abi_diag_entry *v = d->v + from;
	struct abi_diag_entry *tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		abort();
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = diag_before(&v[j], &v[i]) ? v[j++] : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof(*v));
	}
	free(tmp);
}

void abi_diags_print(const struct abi_diags *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct abi_diag_entry *e = &d->v[i];
		if (e->line > 0)
			fprintf(out, "%s:%d:%d: %s\n", e->file, e->line, e->col, e->message);
		else
			fprintf(out, "%s: %s\n", e->file, e->message);
	}
}

void abi_diags_free(struct abi_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].message);
	}
	free(d->v);
	*d = (struct abi_diags){ 0 };
}
