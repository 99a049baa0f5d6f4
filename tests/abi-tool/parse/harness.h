/*
 * Shared by the parser and validator tests: parse YAML text, and assert on
 * the diagnostics (message, line, column) with a readable dump on failure.
 */
#ifndef ABI_TOOL_TEST_HARNESS_H
#define ABI_TOOL_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "parse.h"
#include "spec.h"

/* A spec and everything said about it. */
struct run {
	struct abi_spec spec;
	struct abi_diags d;
	bool appended;
};

static inline void run_free(struct run *r)
{
	abi_spec_free(&r->spec);
	abi_diags_free(&r->d);
}

/* Parse one buffer as file 'name' (not validated). */
static inline void parse_as(struct run *r, const char *name, const char *yaml)
{
	r->appended = abi_parse_buffer(&r->spec, name, (const unsigned char *)yaml,
				       strlen(yaml), &r->d);
}

static inline void parse_text(struct run *r, const char *yaml)
{
	parse_as(r, "t.yml", yaml);
}

/* Parse, and validate when the parser found nothing (as abi-tool does). */
static inline void check_text(struct run *r, const char *yaml)
{
	parse_text(r, yaml);
	if (r->d.n == 0)
		abi_validate(&r->spec, &r->d);
}

static inline void dump_diags(const struct abi_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  [%zu] %s:%d:%d: %s\n", i, d->v[i].file, d->v[i].line, d->v[i].col,
			      d->v[i].message);
}

/* Diagnostic i is exactly (line, col, message). */
static inline void diag_is_at(const struct abi_diags *d, size_t i, int line, int col,
			      const char *message, const char *file, int lineno)
{
	if (i < d->n && d->v[i].line == line && d->v[i].col == col &&
	    strcmp(d->v[i].message, message) == 0)
		return;
	print_error("expected diagnostic [%zu] %d:%d: %s\ngot %zu:\n", i, line, col, message, d->n);
	dump_diags(d);
	_fail(file, lineno);
}

/* Diagnostic i is at (line, col) and its message contains 'part'. */
static inline void diag_has_at(const struct abi_diags *d, size_t i, int line, int col,
			       const char *part, const char *file, int lineno)
{
	if (i < d->n && d->v[i].line == line && d->v[i].col == col &&
	    strstr(d->v[i].message, part))
		return;
	print_error("expected diagnostic [%zu] %d:%d: ...%s...\ngot %zu:\n", i, line, col, part,
		    d->n);
	dump_diags(d);
	_fail(file, lineno);
}

static inline void count_is(const struct abi_diags *d, size_t n, const char *file, int lineno)
{
	if (d->n == n)
		return;
	print_error("expected %zu diagnostic(s), got %zu:\n", n, d->n);
	dump_diags(d);
	_fail(file, lineno);
}

#define assert_diag(d, i, line, col, msg) diag_is_at((d), (i), (line), (col), (msg), __FILE__, __LINE__)
#define assert_diag_has(d, i, line, col, part) \
	diag_has_at((d), (i), (line), (col), (part), __FILE__, __LINE__)
#define assert_ndiags(d, n) count_is((d), (n), __FILE__, __LINE__)

/*
 * A table of specs that each break one rule: exactly one diagnostic, with
 * this message at this position.
 */
struct bad_case {
	const char *name;
	const char *yaml;
	int line, col;
	const char *message;
};

static inline void run_bad_case(void **state)
{
	const struct bad_case *c = *state;
	struct run r = { 0 };
	check_text(&r, c->yaml);
	assert_ndiags(&r.d, 1);
	assert_diag(&r.d, 0, c->line, c->col, c->message);
	run_free(&r);
}

/* cmocka wants a static array; the tables are easier to read as data. */
static inline int run_bad_cases(const char *group, const struct bad_case *cases, size_t n)
{
	struct CMUnitTest *t = calloc(n, sizeof(*t));
	if (!t)
		return 1;
	for (size_t i = 0; i < n; i++) {
		t[i].name = cases[i].name;
		t[i].test_func = run_bad_case;
		t[i].initial_state = (void *)&cases[i];
	}
	int rc = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	free(t);
	return rc;
}

/* The top of most test specs: a family with one sub-op 'op' at index 1. */
#define FAMILY "name: fam\nhypercall_index: 5\nsubops:\n  op:\n    index: 1\n"

#endif
