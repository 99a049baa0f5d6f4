/*
 * Reading one abi/<family>.yml into struct abi_spec (see parse.h and
 * docs/abi-spec-format.md).
 *
 * libyaml builds the node tree (aliases resolved); this file walks it along
 * the schema. Every problem is recorded with its position and the walk goes
 * on, so that one run reports all of them. A value that failed to parse is
 * left as "absent" in the model (reg -1, index -1, NULL, ABI_BITS_INVALID) so
 * that the validator skips it rather than reporting it a second time.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "parse.h"

/*
 * Aliases let a few bytes of YAML stand for a huge tree (each alias is a
 * reference, but the schema walk visits it once per use). Bound the number
 * of mapping and list entries visited so that such input fails quickly.
 * The real spec visits a few thousand.
 */
#define MAX_ENTRIES 100000

/* The largest value that 'index' and 'hypercall_index' may be written with. */
#define MAX_INDEX 0x7fffffffUL

struct pctx {
	yaml_document_t *doc;
	struct abi_diags *d;
	const char *file; /* the family's own copy */
	size_t entries;
	bool too_big;
};

/* One mapping entry with a scalar key. */
struct entry {
	yaml_node_t *key;
	yaml_node_t *val;
	const char *text; /* the key, NUL-terminated by libyaml */
};

enum scalar_kind { K_STRING, K_INT, K_FLOAT, K_BOOL, K_NULL };

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *r = strdup(s);
	if (!r)
		abort();
	return r;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	char *s = xrealloc(NULL, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static int clamp_int(size_t v)
{
	return v >= INT_MAX ? INT_MAX : (int)v;
}

static struct abi_pos mark_pos(const struct pctx *c, yaml_mark_t m)
{
	return (struct abi_pos){ c->file, clamp_int(m.line) + 1, clamp_int(m.column) + 1 };
}

static struct abi_pos npos(const struct pctx *c, const yaml_node_t *n)
{
	return mark_pos(c, n->start_mark);
}

static yaml_node_t *node_at(struct pctx *c, yaml_node_item_t i)
{
	return yaml_document_get_node(c->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool text_is(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == len && memcmp(s, *words, len) == 0)
			return true;
	return false;
}

static bool is_digit(char ch, int base)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0' < base;
	if (base == 16)
		return (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
	return false;
}

static bool all_digits(const char *s, size_t len, int base)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i], base))
			return false;
	return true;
}

static bool looks_float(const char *s, size_t len)
{
	static const char *const special[] = { ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL };
	size_t i = 0, digits = 0;
	bool dot = false, exp = false;

	if (len && (s[0] == '-' || s[0] == '+'))
		i++;
	if (text_is(s + i, len - i, special))
		return true;
	for (; i < len && is_digit(s[i], 10); i++)
		digits++;
	if (i < len && s[i] == '.') {
		dot = true;
		for (i++; i < len && is_digit(s[i], 10); i++)
			digits++;
	}
	if (digits && i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t e = ++i;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			e = ++i;
		for (; i < len && is_digit(s[i], 10); i++)
			;
		exp = i > e;
		if (!exp)
			return false;
	}
	return digits && i == len && (dot || exp);
}

/*
 * What a scalar is, by the YAML 1.1 core rules that matter here. Only plain
 * (unquoted) scalars can be anything but a string.
 */
static enum scalar_kind kind_of(const yaml_node_t *n)
{
	static const char *const nulls[] = { "~", "null", "Null", "NULL", NULL };
	static const char *const bools[] = { "true", "True", "TRUE", "false", "False", "FALSE", NULL };

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
	    n->data.scalar.style != YAML_ANY_SCALAR_STYLE)
		return K_STRING;
	const char *s = scalar(n);
	size_t len = n->data.scalar.length;
	if (len == 0 || text_is(s, len, nulls))
		return K_NULL;
	if (text_is(s, len, bools))
		return K_BOOL;
	size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
	    all_digits(s + i + 2, len - i - 2, 16))
		return K_INT;
	if (len - i > 2 && s[i] == '0' && s[i + 1] == 'o' && all_digits(s + i + 2, len - i - 2, 8))
		return K_INT;
	if (all_digits(s + i, len - i, 10))
		return K_INT;
	if (looks_float(s, len))
		return K_FLOAT;
	return K_STRING;
}

/* "a string", "a list", ...: for "must be X, not Y" messages. */
static const char *type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		switch (kind_of(n)) {
		case K_STRING:
			return "a string";
		case K_INT:
			return "an integer";
		case K_FLOAT:
			return "a number with a fraction";
		case K_BOOL:
			return "a boolean";
		case K_NULL:
			return "null";
		}
		break;
	default:
		break;
	}
	return "nothing";
}

static bool is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && kind_of(n) == K_NULL;
}

/* Count entries towards MAX_ENTRIES; false once the budget is spent. */
static bool charge(struct pctx *c, const yaml_node_t *n, size_t count)
{
	if (c->too_big)
		return false;
	c->entries += count;
	if (c->entries <= MAX_ENTRIES)
		return true;
	c->too_big = true;
	abi_diag(c->d, npos(c, n),
		 "the document is too large: more than %d mapping and list entries "
		 "(an alias counts again at each use)",
		 MAX_ENTRIES);
	return false;
}

/* For finding duplicate keys by sorting: by text, then by order of writing. */
struct key_ref {
	const yaml_node_t *key;
	size_t at;
};

static int cmp_key_ref(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	size_t lx = x->key->data.scalar.length, ly = y->key->data.scalar.length;
	int c = memcmp(scalar(x->key), scalar(y->key), lx < ly ? lx : ly);
	if (c)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * Mark the entries whose key was written before in the same mapping:
 * first[i] is the index of the first entry with the same key, or i.
 * O(n log n), as a mapping may be large.
 */
static void find_duplicates(const struct entry *e, size_t n, size_t *first)
{
	struct key_ref *refs = xrealloc(NULL, n * sizeof(*refs));
	for (size_t i = 0; i < n; i++) {
		refs[i] = (struct key_ref){ e[i].key, i };
		first[i] = i;
	}
	qsort(refs, n, sizeof(*refs), cmp_key_ref);
	for (size_t i = 1; i < n; i++) {
		const yaml_node_t *a = refs[i - 1].key, *b = refs[i].key;
		if (a->data.scalar.length == b->data.scalar.length &&
		    memcmp(scalar(a), scalar(b), a->data.scalar.length) == 0)
			first[refs[i].at] = first[refs[i - 1].at];
	}
	free(refs);
}

/*
 * The entries of a mapping whose keys are scalars, each key once. Other
 * keys are reported: "KEYWORD name WHERE must be a string", "duplicate
 * KEYWORD 'x' WHERE (first defined at L:C)". WHERE is "" or " in ...".
 */
static size_t map_entries(struct pctx *c, yaml_node_t *map, const char *keyword,
			  const char *where, struct entry **out)
{
	*out = NULL;
	if (map->type != YAML_MAPPING_NODE)
		return 0;
	yaml_node_pair_t *start = map->data.mapping.pairs.start;
	yaml_node_pair_t *top = map->data.mapping.pairs.top;
	size_t total = (size_t)(top - start);
	if (!charge(c, map, total) || total == 0)
		return 0;

	struct entry *e = xrealloc(NULL, total * sizeof(*e));
	size_t n = 0;
	for (yaml_node_pair_t *p = start; p < top; p++) {
		yaml_node_t *k = node_at(c, p->key);
		yaml_node_t *v = node_at(c, p->value);
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			abi_diag(c->d, npos(c, k), "%s name%s must be a string, not %s", keyword,
				 where, type_name(k));
			continue;
		}
		size_t klen = k->data.scalar.length;
		if (strlen(scalar(k)) != klen) {
			abi_diag(c->d, npos(c, k), "%s name%s contains a NUL character", keyword, where);
			continue;
		}
		e[n++] = (struct entry){ k, v, scalar(k) };
	}

	size_t *first = xrealloc(NULL, (n ? n : 1) * sizeof(*first));
	if (n)
		find_duplicates(e, n, first);
	for (size_t i = 0; i < n; i++) {
		if (first[i] != i) {
			struct abi_pos at = npos(c, e[first[i]].key);
			abi_diag(c->d, npos(c, e[i].key), "duplicate %s '%s'%s (first defined at %d:%d)",
				 keyword, e[i].text, where, at.line, at.col);
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (first[i] == i)
			e[kept++] = e[i];
	free(first);
	*out = e;
	return kept;
}

/* The index of e's key in 'names' (NULL-terminated), or -1 after a report. */
static int known_key(struct pctx *c, const struct entry *e, const char *where,
		     const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(e->text, names[i]) == 0 &&
		    strlen(names[i]) == e->key->data.scalar.length)
			return i;

	size_t len = 1;
	for (int i = 0; names[i]; i++)
		len += strlen(names[i]) + 2;
	char list[len];
	list[0] = '\0';
	for (int i = 0; names[i]; i++) {
		if (i)
			strcat(list, ", ");
		strcat(list, names[i]);
	}
	abi_diag(c->d, npos(c, e->key), "unknown key '%s' in %s (expected one of: %s)", e->text,
		 where, list);
	return -1;
}

static void missing_key(struct pctx *c, struct abi_pos pos, const char *key, const char *where)
{
	if (c->too_big) /* the entries were not read */
		return;
	abi_diag(c->d, pos, "missing required key '%s' in %s", key, where);
}

/* ------------------------------------------------------------------ */
/* Typed values                                                        */

/*
 * A non-negative integer, decimal or 0x hexadecimal, at most 'max'. 'label'
 * begins the message: "'index' in sub-op 'send' must be ...".
 */
static bool get_uint(struct pctx *c, yaml_node_t *n, const char *label, unsigned long max,
		     unsigned long *out)
{
	if (n->type != YAML_SCALAR_NODE || kind_of(n) != K_INT) {
		abi_diag(c->d, npos(c, n), "%s must be an integer, not %s", label, type_name(n));
		return false;
	}
	const char *s = scalar(n);
	size_t len = n->data.scalar.length;
	if (s[0] == '-') {
		abi_diag(c->d, npos(c, n), "%s must not be negative: %s", label, s);
		return false;
	}
	int base = 10;
	const char *digits = s;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = s + 2;
	} else if (s[0] == '+' || s[1] == 'o' || (len > 1 && s[0] == '0')) {
		abi_diag(c->d, npos(c, n),
			 "%s must be written in decimal or as 0x hexadecimal, not as %s", label, s);
		return false;
	}
	unsigned long v = 0;
	bool overflow = false;
	for (const char *p = digits; p < s + len; p++) {
		unsigned dv = (unsigned)(*p >= '0' && *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
		if (v > (ULONG_MAX - dv) / (unsigned)base)
			overflow = true;
		else
			v = v * (unsigned)base + dv;
	}
	if (overflow || v > max) {
		abi_diag(c->d, npos(c, n), "%s is too large: %s (at most %lu)", label, s, max);
		return false;
	}
	*out = v;
	return true;
}

/* A string: quoted, or plain text that is not a number, boolean or null. */
static char *get_string(struct pctx *c, yaml_node_t *n, const char *label)
{
	if (n->type != YAML_SCALAR_NODE || kind_of(n) != K_STRING) {
		abi_diag(c->d, npos(c, n), "%s must be a string, not %s", label, type_name(n));
		return NULL;
	}
	if (strlen(scalar(n)) != n->data.scalar.length) {
		abi_diag(c->d, npos(c, n), "%s contains a NUL character", label);
		return NULL;
	}
	return xstrdup(scalar(n));
}

static bool get_bool(struct pctx *c, yaml_node_t *n, const char *label, bool *out)
{
	if (n->type != YAML_SCALAR_NODE || kind_of(n) != K_BOOL) {
		abi_diag(c->d, npos(c, n), "%s must be true or false, not %s", label, type_name(n));
		return false;
	}
	*out = scalar(n)[0] == 't' || scalar(n)[0] == 'T';
	return true;
}

/* Null stands for an empty mapping; anything else but a mapping is reported. */
static bool want_mapping(struct pctx *c, yaml_node_t *n, const char *label)
{
	if (n->type == YAML_MAPPING_NODE || is_null(n))
		return true;
	abi_diag(c->d, npos(c, n), "%s must be a mapping, not %s", label, type_name(n));
	return false;
}

/* A list of strings; null stands for an empty list. Bad items are skipped. */
static size_t get_string_list(struct pctx *c, yaml_node_t *n, const char *label,
			      char ***strs, struct abi_pos **positions)
{
	*strs = NULL;
	if (positions)
		*positions = NULL;
	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		abi_diag(c->d, npos(c, n), "%s must be a list, not %s", label, type_name(n));
		return 0;
	}
	yaml_node_item_t *start = n->data.sequence.items.start;
	yaml_node_item_t *top = n->data.sequence.items.top;
	size_t total = (size_t)(top - start);
	if (!charge(c, n, total) || total == 0)
		return 0;
	char **v = xrealloc(NULL, total * sizeof(*v));
	struct abi_pos *pv = positions ? xrealloc(NULL, total * sizeof(*pv)) : NULL;
	size_t count = 0;
	for (yaml_node_item_t *i = start; i < top; i++) {
		yaml_node_t *item = node_at(c, *i);
		if (!item)
			continue;
		if (item->type != YAML_SCALAR_NODE || kind_of(item) != K_STRING) {
			abi_diag(c->d, npos(c, item), "items of %s must be strings, not %s", label,
				 type_name(item));
			continue;
		}
		if (strlen(scalar(item)) != item->data.scalar.length) {
			abi_diag(c->d, npos(c, item), "an item of %s contains a NUL character", label);
			continue;
		}
		if (pv)
			pv[count] = npos(c, item);
		v[count++] = xstrdup(scalar(item));
	}
	if (count == 0) {
		free(v);
		free(pv);
		return 0;
	}
	*strs = v;
	if (positions)
		*positions = pv;
	return count;
}

/*
 * The identifier for a field name: every run of other characters than
 * [A-Za-z0-9_] becomes one '_', none at either end ("time[0]" -> "time_0",
 * "addr.p" -> "addr_p", "a[1].b" -> "a_1_b").
 */
static char *make_ident(const char *name)
{
	size_t len = strlen(name);
	char *out = xrealloc(NULL, len + 1);
	size_t n = 0;
	bool gap = false;
	for (const char *p = name; *p; p++) {
		char ch = *p;
		bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '_';
		if (!word) {
			gap = true;
			continue;
		}
		if (gap && n > 0 && out[n - 1] != '_')
			out[n++] = '_';
		gap = false;
		out[n++] = ch;
	}
	out[n] = '\0';
	return out;
}

/* ------------------------------------------------------------------ */
/* The schema                                                          */

static void parse_bits_range(struct pctx *c, struct abi_bits *b, struct entry *e,
			     const char *where)
{
	static const char *const keys[] = { "lsb", "width", "description", NULL };
	char *self = xasprintf("bits range '%s' of %s", e->text, where);
	bool seen[2] = { false, false };

	b->name = xstrdup(e->text);
	b->pos = npos(c, e->key);
	b->lsb = ABI_BITS_INVALID;
	b->width = ABI_BITS_INVALID;

	if (want_mapping(c, e->val, self)) {
		struct entry *kv;
		char *in = xasprintf(" in %s", self);
		size_t n = map_entries(c, e->val, "key", in, &kv);
		for (size_t i = 0; i < n; i++) {
			char *label = xasprintf("'%s' in %s", kv[i].text, self);
			unsigned long v;
			switch (known_key(c, &kv[i], self, keys)) {
			case 0:
			case 1: {
				int k = strcmp(kv[i].text, "lsb") == 0 ? 0 : 1;
				seen[k] = true;
				if (get_uint(c, kv[i].val, label, MAX_INDEX, &v))
					*(k == 0 ? &b->lsb : &b->width) = (unsigned)v;
				break;
			}
			case 2:
				b->description = get_string(c, kv[i].val, label);
				break;
			}
			free(label);
		}
		free(kv);
		free(in);
		if (!seen[0])
			missing_key(c, b->pos, "lsb", self);
		if (!seen[1])
			missing_key(c, b->pos, "width", self);
	}
	free(self);
}

/* The extended form of a field: {reg: N, description: ..., bits: {...}}. */
static void parse_field_map(struct pctx *c, struct abi_field *f, yaml_node_t *map,
			    const char *self)
{
	static const char *const keys[] = { "reg", "description", "bits", NULL };
	struct entry *kv;
	char *in = xasprintf(" in %s", self);
	size_t n = map_entries(c, map, "key", in, &kv);
	bool have_reg = false;

	for (size_t i = 0; i < n; i++) {
		char *label = xasprintf("'%s' in %s", kv[i].text, self);
		unsigned long v;
		switch (known_key(c, &kv[i], self, keys)) {
		case 0:
			have_reg = true;
			f->reg_pos = npos(c, kv[i].val);
			if (get_uint(c, kv[i].val, label, INT_MAX, &v))
				f->reg = (int)v;
			break;
		case 1:
			f->description = get_string(c, kv[i].val, label);
			break;
		case 2: {
			if (!want_mapping(c, kv[i].val, label))
				break;
			struct entry *be;
			size_t nb = map_entries(c, kv[i].val, "bits range", in, &be);
			if (nb) {
				f->bits = xrealloc(NULL, nb * sizeof(*f->bits));
				for (size_t j = 0; j < nb; j++) {
					f->bits[j] = (struct abi_bits){ 0 };
					parse_bits_range(c, &f->bits[j], &be[j], self);
				}
				f->nr_bits = nb;
			}
			free(be);
			break;
		}
		}
		free(label);
	}
	free(kv);
	free(in);
	if (!have_reg)
		missing_key(c, f->pos, "reg", self);
}

/* 'input' or 'output' of an op: name -> register or extended mapping. */
static void parse_fields(struct pctx *c, yaml_node_t *map, const char *dir, const char *where,
			 struct abi_field **fields, size_t *nr)
{
	char *label = xasprintf("'%s' in %s", dir, where);
	if (!want_mapping(c, map, label)) {
		free(label);
		return;
	}
	free(label);

	char *in = xasprintf(" in %s", where);
	struct entry *e;
	size_t n = map_entries(c, map, dir, in, &e);
	free(in);
	if (n == 0) {
		free(e);
		return;
	}
	struct abi_field *v = xrealloc(*fields, (*nr + n) * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		struct abi_field *f = &v[*nr + i];
		*f = (struct abi_field){
			.name = xstrdup(e[i].text),
			.ident = make_ident(e[i].text),
			.reg = -1,
			.pos = npos(c, e[i].key),
			.reg_pos = npos(c, e[i].val),
		};
		char *self = xasprintf("%s '%s' of %s", dir, e[i].text, where);
		yaml_node_t *val = e[i].val;
		if (val->type == YAML_SCALAR_NODE && kind_of(val) == K_INT) {
			char *reg_label = xasprintf("register of %s", self);
			unsigned long r;
			if (get_uint(c, val, reg_label, INT_MAX, &r))
				f->reg = (int)r;
			free(reg_label);
		} else if (val->type == YAML_MAPPING_NODE) {
			parse_field_map(c, f, val, self);
		} else {
			abi_diag(c->d, npos(c, val), "%s must be a register number or a mapping, not %s",
				 self, type_name(val));
		}
		free(self);
	}
	*fields = v;
	*nr += n;
	free(e);
}

/* c_lang.mapping, .params or .fixed: name -> string. Bad values are skipped. */
static void parse_c_entries(struct pctx *c, yaml_node_t *map, const char *what,
			    const char *where, struct abi_c_entry **out, size_t *nr)
{
	char *label = xasprintf("'%s' in c_lang of %s", what, where);
	if (!want_mapping(c, map, label)) {
		free(label);
		return;
	}
	free(label);

	char *in = xasprintf(" in %s", where);
	char *keyword = xasprintf("c_lang %s key", what);
	struct entry *e;
	size_t n = map_entries(c, map, keyword, in, &e);
	free(keyword);
	free(in);
	if (n) {
		struct abi_c_entry *v = xrealloc(NULL, n * sizeof(*v));
		size_t count = 0;
		for (size_t i = 0; i < n; i++) {
			char *vlabel = xasprintf("c_lang %s '%s' in %s", what, e[i].text, where);
			char *value = get_string(c, e[i].val, vlabel);
			free(vlabel);
			if (!value)
				continue;
			v[count++] = (struct abi_c_entry){
				.key = xstrdup(e[i].text),
				.value = value,
				.pos = npos(c, e[i].key),
			};
		}
		if (count) {
			*out = v;
			*nr = count;
		} else {
			free(v);
		}
	}
	free(e);
}

static void parse_c_lang(struct pctx *c, struct abi_c_lang *cl, struct entry *ce,
			 const char *where)
{
	static const char *const keys[] = { "struct", "mapping", "params", "fixed", NULL };
	cl->present = true;
	cl->pos = npos(c, ce->key);

	char *label = xasprintf("'c_lang' in %s", where);
	bool ok = want_mapping(c, ce->val, label);
	free(label);
	if (!ok) {
		/* Already reported: let the validator take the struct as given. */
		cl->struct_pos = cl->pos;
		return;
	}

	char *self = xasprintf("c_lang of %s", where);
	char *in = xasprintf(" in %s", self);
	struct entry *e;
	size_t n = map_entries(c, ce->val, "key", in, &e);
	for (size_t i = 0; i < n; i++) {
		switch (known_key(c, &e[i], self, keys)) {
		case 0:
			label = xasprintf("'struct' in %s", self);
			cl->struct_name = get_string(c, e[i].val, label);
			cl->struct_pos = npos(c, e[i].val);
			free(label);
			break;
		case 1:
			parse_c_entries(c, e[i].val, "mapping", where, &cl->mapping, &cl->nr_mapping);
			break;
		case 2:
			parse_c_entries(c, e[i].val, "params", where, &cl->params, &cl->nr_params);
			break;
		case 3:
			parse_c_entries(c, e[i].val, "fixed", where, &cl->fixed, &cl->nr_fixed);
			break;
		}
	}
	free(e);
	free(in);
	free(self);
}

/*
 * One op: a sub-op (key = its name) or the family's direct op (key =
 * 'direct'). Always yields an op, empty where its value was unusable.
 */
static void parse_op(struct pctx *c, struct abi_op *op, struct entry *oe, bool direct)
{
	static const char *const sub_keys[] = {
		"index", "description", "input", "output", "c_lang", "errors", "preemptible", NULL,
	};
	static const char *const *const direct_keys = sub_keys + 1;

	*op = (struct abi_op){
		.direct = direct,
		.index = -1,
		.pos = npos(c, oe->key),
	};
	char *where;
	if (direct) {
		where = xstrdup("direct op");
	} else {
		op->name = xstrdup(oe->text);
		where = xasprintf("sub-op '%s'", oe->text);
	}

	bool have_index = false;
	bool usable = want_mapping(c, oe->val, where);
	if (usable) {
		char *in = xasprintf(" in %s", where);
		struct entry *e;
		size_t n = map_entries(c, oe->val, "key", in, &e);
		free(in);
		for (size_t i = 0; i < n; i++) {
			char *label = xasprintf("'%s' in %s", e[i].text, where);
			unsigned long v;
			if (direct && strcmp(e[i].text, "index") == 0) {
				abi_diag(c->d, npos(c, e[i].key),
					 "'index' is not allowed in the direct op: it has no sub-op number");
				free(label);
				continue;
			}
			int k = known_key(c, &e[i], where, direct ? direct_keys : sub_keys);
			if (k >= 0 && direct)
				k++;
			switch (k) {
			case 0:
				have_index = true;
				op->index_pos = npos(c, e[i].val);
				if (get_uint(c, e[i].val, label, MAX_INDEX, &v))
					op->index = (long)v;
				break;
			case 1:
				op->description = get_string(c, e[i].val, label);
				break;
			case 2:
				parse_fields(c, e[i].val, "input", where, &op->in, &op->nr_in);
				break;
			case 3:
				parse_fields(c, e[i].val, "output", where, &op->out, &op->nr_out);
				break;
			case 4:
				parse_c_lang(c, &op->c, &e[i], where);
				break;
			case 5: {
				char **names;
				struct abi_pos *pos;
				size_t ne = get_string_list(c, e[i].val, label, &names, &pos);
				if (ne) {
					op->errors = xrealloc(NULL, ne * sizeof(*op->errors));
					for (size_t j = 0; j < ne; j++)
						op->errors[j] = (struct abi_error){ names[j], pos[j] };
					op->nr_errors = ne;
				}
				free(names);
				free(pos);
				break;
			}
			case 6:
				get_bool(c, e[i].val, label, &op->preemptible);
				break;
			}
			free(label);
		}
		free(e);
	}
	if (!direct && usable && !have_index)
		missing_key(c, op->pos, "index", where);
	free(where);
}

static void parse_family(struct pctx *c, struct abi_family *fam, yaml_node_t *root)
{
	static const char *const keys[] = {
		"name", "hypercall_index", "description", "c_headers", "direct", "subops", NULL,
	};
	struct abi_pos root_pos = npos(c, root);
	bool have_name = false, have_index = false, have_direct = false;
	yaml_node_t *subops = NULL;
	struct entry *e;
	size_t n = map_entries(c, root, "key", " in family", &e);

	for (size_t i = 0; i < n; i++) {
		char *label = xasprintf("'%s' in family", e[i].text);
		unsigned long v;
		switch (known_key(c, &e[i], "family", keys)) {
		case 0:
			have_name = true;
			fam->name_pos = npos(c, e[i].val);
			fam->name = get_string(c, e[i].val, label);
			break;
		case 1:
			have_index = true;
			fam->index_pos = npos(c, e[i].val);
			if (get_uint(c, e[i].val, label, MAX_INDEX, &v))
				fam->hypercall_index = (long)v;
			break;
		case 2:
			fam->description = get_string(c, e[i].val, label);
			break;
		case 3:
			fam->nr_c_headers = get_string_list(c, e[i].val, label, &fam->c_headers, NULL);
			break;
		case 4:
			have_direct = true;
			fam->direct = xrealloc(NULL, sizeof(*fam->direct));
			parse_op(c, fam->direct, &e[i], true);
			break;
		case 5: {
			subops = e[i].val;
			if (!want_mapping(c, subops, label))
				break;
			struct entry *se;
			size_t ns = map_entries(c, subops, "sub-op", "", &se);
			if (ns) {
				fam->subops = xrealloc(NULL, ns * sizeof(*fam->subops));
				for (size_t j = 0; j < ns; j++)
					parse_op(c, &fam->subops[j], &se[j], false);
				fam->nr_subops = ns;
			}
			free(se);
			break;
		}
		}
		free(label);
	}
	free(e);

	if (!have_name)
		missing_key(c, root_pos, "name", "family");
	if (!have_index)
		missing_key(c, root_pos, "hypercall_index", "family");
	if (!have_direct && !subops)
		abi_diag(c->d, root_pos,
			 "the family defines no operation: it needs 'direct', 'subops' or both");
	else if (!have_direct && (is_null(subops) ||
				  (subops->type == YAML_MAPPING_NODE &&
				   subops->data.mapping.pairs.top == subops->data.mapping.pairs.start)))
		abi_diag(c->d, npos(c, subops), "'subops' in family is empty");

	/* The direct op is named after its family (abi_op_symbol does the same). */
	if (fam->direct)
		fam->direct->name = xstrdup(fam->name ? fam->name : "direct");
}


/* ------------------------------------------------------------------ */
/* libyaml errors                                                      */

/* Line and column of a byte offset (reader errors carry only that). */
static void offset_pos(const unsigned char *buf, size_t len, size_t off, int *line, int *col)
{
	int l = 1, cl = 1;
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		unsigned char b = buf[i];
		if (b == '\n' || (b == '\r' && (i + 1 >= len || buf[i + 1] != '\n'))) {
			if (l < INT_MAX)
				l++;
			cl = 1;
		} else if ((b & 0xc0) != 0x80 && b != '\r' && cl < INT_MAX) {
			cl++;
		}
	}
	*line = l;
	*col = cl;
}

static void yaml_error(const yaml_parser_t *p, const char *file, const unsigned char *buf,
		       size_t len, struct abi_diags *d)
{
	const char *problem = p->problem ? p->problem : "unknown problem";
	int line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		abi_diag_file(d, file, 0, 0, "out of memory while reading YAML");
		break;
	case YAML_READER_ERROR:
		offset_pos(buf, len, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			abi_diag_file(d, file, line, col, "invalid input: %s (0x%x)", problem,
				      (unsigned)p->problem_value);
		else
			abi_diag_file(d, file, line, col, "invalid input: %s", problem);
		break;
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
	case YAML_COMPOSER_ERROR:
		line = clamp_int(p->problem_mark.line) + 1;
		col = clamp_int(p->problem_mark.column) + 1;
		if (p->context)
			abi_diag_file(d, file, line, col, "YAML syntax error: %s (%s at %d:%d)", problem,
				      p->context, clamp_int(p->context_mark.line) + 1,
				      clamp_int(p->context_mark.column) + 1);
		else
			abi_diag_file(d, file, line, col, "YAML syntax error: %s", problem);
		break;
	default:
		abi_diag_file(d, file, 1, 1, "YAML error: %s", problem);
		break;
	}
}

/* ------------------------------------------------------------------ */

bool abi_parse_buffer(struct abi_spec *spec, const char *file, const unsigned char *buf,
		      size_t len, struct abi_diags *d)
{
	static const unsigned char nothing[1];
	yaml_parser_t parser;
	yaml_document_t doc;
	bool appended = false;

	if (!file)
		file = "<input>";
	if (!buf)
		buf = nothing, len = 0;
	if (!yaml_parser_initialize(&parser)) {
		abi_diag_file(d, file, 0, 0, "out of memory while reading YAML");
		return false;
	}
	yaml_parser_set_input_string(&parser, buf, len);

	/* On failure libyaml has already freed the document. */
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_error(&parser, file, buf, len, d);
		yaml_parser_delete(&parser);
		return false;
	}

	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		abi_diag_file(d, file, 1, 1, "empty file");
	} else if (root->type != YAML_MAPPING_NODE) {
		abi_diag_file(d, file, clamp_int(root->start_mark.line) + 1,
			      clamp_int(root->start_mark.column) + 1,
			      "the top level must be a mapping (one family), not %s", type_name(root));
	} else {
		struct abi_family fam = {
			.file = xstrdup(file),
			.hypercall_index = -1,
		};
		struct pctx c = { .doc = &doc, .d = d, .file = fam.file };
		size_t first = d->n;
		parse_family(&c, &fam, root);
		abi_diags_sort_from(d, first);
		spec->families = xrealloc(spec->families,
					  (spec->nr_families + 1) * sizeof(*spec->families));
		spec->families[spec->nr_families++] = fam;
		appended = true;
	}

	/* One family per file: any further document is a mistake. */
	bool more = root != NULL;
	yaml_document_delete(&doc);
	bool reported = false;
	while (more) {
		if (!yaml_parser_load(&parser, &doc)) {
			yaml_error(&parser, file, buf, len, d);
			break;
		}
		more = yaml_document_get_root_node(&doc) != NULL;
		if (more && !reported) {
			abi_diag_file(d, file, clamp_int(doc.start_mark.line) + 1,
				      clamp_int(doc.start_mark.column) + 1,
				      "more than one YAML document: a file holds one family");
			reported = true;
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	return appended;
}

bool abi_parse_file(struct abi_spec *spec, const char *path, struct abi_diags *d)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		abi_diag_file(d, path, 0, 0, "cannot read: %s", strerror(errno));
		return false;
	}
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16384;
			buf = xrealloc(buf, cap);
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f))
				err = errno ? errno : EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		free(buf);
		abi_diag_file(d, path, 0, 0, "cannot read: %s", strerror(err));
		return false;
	}
	bool ok = abi_parse_buffer(spec, path, buf, len, d);
	free(buf);
	return ok;
}
