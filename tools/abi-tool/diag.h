/*
 * Diagnostics: every problem found in a spec, with its position, kept in
 * order so that `abi-tool check` reports all of them (not just the first)
 * and the unit tests can assert on message and position.
 */
#ifndef ABI_TOOL_DIAG_H
#define ABI_TOOL_DIAG_H

#include <stdio.h>

#include "spec.h"

struct abi_diag_entry {
	char *file;
	int line; /* 1-based; 0 when the problem has no position (I/O) */
	int col;
	char *message;
};

struct abi_diags {
	struct abi_diag_entry *v;
	size_t n;
	size_t cap;
};

/* Record a problem at pos. The message names what is wrong, not where. */
void abi_diag(struct abi_diags *d, struct abi_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a problem with a whole file (cannot open, empty, ...). */
void abi_diag_file(struct abi_diags *d, const char *file, int line, int col,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Put the problems from index 'from' on in the order of their positions
 * (stable), so that one file's problems read top to bottom whatever rule
 * found them. A merge sort: their number is bounded only by the input.
 */
void abi_diags_sort_from(struct abi_diags *d, size_t from);

/* "FILE:LINE:COLUMN: message" per problem, in the order found. */
void abi_diags_print(const struct abi_diags *d, FILE *out);

void abi_diags_free(struct abi_diags *d);

#endif
