/*
 * The rules of the spec that the YAML schema alone cannot express (see
 * parse.h and docs/abi-spec-format.md). Works on any model the parser
 * produced, even one with problems: values the parser could not read are
 * absent (reg -1, index -1, NULL, ABI_BITS_INVALID) and skipped here, so
 * nothing is reported twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* The errno names a guest can see, straight from the Xen public header. */
static const struct {
	const char *name;
	int value;
} xen_errnos[] = {
#define XEN_ERRNO(name, value) { #name, value },
#include <xen/errno.h>
};

#define MAX_SUBOP_INDEX 0x7fffffffL

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

/*
 * Finding duplicates in O(n log n), as a spec may be large: the caller
 * fills one dup_ref per element (a string, NULL when absent, or a number,
 * negative when absent), and find_firsts() gives for each element the index
 * of the first element equal to it, or its own index.
 */
struct dup_ref {
	const char *s;
	long v;
	size_t at;
};

static int cmp_dup_ref(const void *a, const void *b)
{
	const struct dup_ref *x = a, *y = b;
	if (x->s && y->s) {
		int c = strcmp(x->s, y->s);
		if (c)
			return c;
	} else if (x->v != y->v) {
		return x->v < y->v ? -1 : 1;
	}
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Consumes refs (reorders it); the result is for the caller to free. */
static size_t *find_firsts(struct dup_ref *refs, size_t n, bool strings)
{
	size_t *first = xmalloc(n * sizeof(*first));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		first[i] = i;
		refs[i].at = i;
		if (strings ? refs[i].s != NULL : refs[i].v >= 0)
			refs[m++] = refs[i];
	}
	if (m > 1)
		qsort(refs, m, sizeof(*refs), cmp_dup_ref);
	for (size_t k = 1; k < m; k++) {
		const struct dup_ref *a = &refs[k - 1], *b = &refs[k];
		if (strings ? strcmp(a->s, b->s) == 0 : a->v == b->v)
			first[b->at] = first[a->at];
	}
	return first;
}

static bool is_xen_errno(const char *name)
{
	for (size_t i = 0; i < sizeof(xen_errnos) / sizeof(xen_errnos[0]); i++)
		if (strcmp(xen_errnos[i].name, name) == 0)
			return true;
	return false;
}

static bool ident_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool ident_char(char ch)
{
	return ident_start(ch) || (ch >= '0' && ch <= '9');
}

/* Length of the identifier at s, 0 if there is none. */
static size_t ident_len(const char *s)
{
	if (!ident_start(*s))
		return 0;
	size_t n = 1;
	while (ident_char(s[n]))
		n++;
	return n;
}

static bool is_ident(const char *s)
{
	size_t n = s ? ident_len(s) : 0;
	return n && s[n] == '\0';
}

/* identifier, then any of ".identifier" and "[digits]": "u.pirq", "time[0]". */
static bool is_member_path(const char *s)
{
	size_t n = s ? ident_len(s) : 0;
	if (!n)
		return false;
	for (s += n; *s;) {
		if (*s == '.') {
			n = ident_len(s + 1);
			if (!n)
				return false;
			s += 1 + n;
		} else if (*s == '[') {
			size_t d = 1;
			while (s[d] >= '0' && s[d] <= '9')
				d++;
			if (d == 1 || s[d] != ']')
				return false;
			s += d + 1;
		} else {
			return false;
		}
	}
	return true;
}

/* A C constant for c_lang.fixed: an identifier (a macro such as DOMID_SELF)
 * or an unsigned decimal or 0x hex literal with optional u/l suffixes. */
static bool is_c_constant(const char *s)
{
	if (is_ident(s))
		return true;
	if (!s || !(*s >= '0' && *s <= '9'))
		return false;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	size_t i = hex ? 2 : 0, digits = 0;
	for (; s[i]; i++, digits++) {
		char ch = s[i];
		bool ok = (ch >= '0' && ch <= '9') ||
			  (hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')));
		if (!ok)
			break;
	}
	if (!digits)
		return false;
	for (; s[i]; i++)
		if (s[i] != 'u' && s[i] != 'U' && s[i] != 'l' && s[i] != 'L')
			return false;
	return true;
}

/* Whether some field (or bit range) of op is carried in struct member 'member'. */
static bool member_carried(const struct abi_op *op, const char *member)
{
	const struct abi_field *lists[2] = { op->in, op->out };
	size_t counts[2] = { op->nr_in, op->nr_out };
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			const struct abi_field *f = &lists[l][i];
			if (!f->name)
				continue;
			const char *m = abi_c_member(op, f, NULL);
			if (m && strcmp(m, member) == 0)
				return true;
			for (size_t b = 0; b < f->nr_bits; b++) {
				if (!f->bits[b].name)
					continue;
				m = abi_c_member(op, f, &f->bits[b]);
				if (m && strcmp(m, member) == 0)
					return true;
			}
		}
	}
	return false;
}

/* Identifiers, spaces and '*', starting with an identifier: "unsigned long", "char *". */
static bool is_c_type(const char *s)
{
	if (!s)
		return false;
	while (*s == ' ')
		s++;
	if (!ident_start(*s))
		return false;
	while (*s) {
		if (*s == ' ' || *s == '*') {
			s++;
		} else {
			size_t n = ident_len(s);
			if (!n)
				return false;
			s += n;
		}
	}
	return true;
}

static const char *str(const char *s)
{
	return s ? s : "?";
}

/* "sub-op 'send'" or "direct op". */
static void op_label(const struct abi_op *op, char *buf, size_t len)
{
	if (op->direct)
		snprintf(buf, len, "direct op");
	else
		snprintf(buf, len, "sub-op '%s'", str(op->name));
}

static bool bits_valid(const struct abi_bits *b)
{
	return b->lsb != ABI_BITS_INVALID && b->width != ABI_BITS_INVALID;
}

static void check_bits(const char *op, const char *dir, const struct abi_field *f,
		       struct abi_diags *d)
{
	size_t n = f->nr_bits;
	if (n == 0)
		return;
	struct dup_ref *refs = xmalloc(n * sizeof(*refs));
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dup_ref){ .s = f->bits[i].name };
	size_t *first = find_firsts(refs, n, true);
	free(refs);

	/* owner[b]: the first valid range that covers bit b, or n. */
	size_t owner[64];
	for (int b = 0; b < 64; b++)
		owner[b] = n;

	for (size_t i = 0; i < n; i++) {
		const struct abi_bits *b = &f->bits[i];
		char where[512];
		snprintf(where, sizeof(where), "%s, %s '%s', bits '%s'", op, dir, str(f->name),
			 str(b->name));

		if (!is_ident(b->name))
			abi_diag(d, b->pos, "%s: the name is not an identifier", where);
		if (first[i] != i)
			abi_diag(d, b->pos, "%s: duplicate bits range (first defined at %d:%d)", where,
				 f->bits[first[i]].pos.line, f->bits[first[i]].pos.col);
		if (!bits_valid(b))
			continue;
		if (b->width == 0) {
			abi_diag(d, b->pos, "%s: width must be at least 1", where);
			continue;
		}
		if ((unsigned long long)b->lsb + b->width > 64) {
			abi_diag(d, b->pos,
				 "%s: lsb %u + width %u is beyond the 64 bits of the register", where,
				 b->lsb, b->width);
			continue;
		}
		unsigned lo = b->lsb, hi = b->lsb + b->width - 1;
		size_t other = n;
		for (unsigned bit = lo; bit <= hi; bit++) {
			if (owner[bit] == n)
				owner[bit] = i;
			else if (other == n)
				other = owner[bit];
		}
		if (other != n) {
			const struct abi_bits *o = &f->bits[other];
			abi_diag(d, b->pos, "%s: bits %u-%u overlap bits '%s' (%u-%u, at %d:%d)", where,
				 lo, hi, str(o->name), o->lsb, o->lsb + o->width - 1, o->pos.line,
				 o->pos.col);
		}
	}
	free(first);
}

/* The inputs or the outputs of one op. */
static void check_fields(const struct abi_op *op, const char *oplabel, bool output,
			 struct abi_diags *d)
{
	const struct abi_field *fields = output ? op->out : op->in;
	size_t n = output ? op->nr_out : op->nr_in;
	const char *dir = output ? "output" : "input";
	if (n == 0)
		return;

	struct dup_ref *refs = xmalloc(n * sizeof(*refs));
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dup_ref){ .s = fields[i].name };
	size_t *same_name = find_firsts(refs, n, true);
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dup_ref){ .s = fields[i].ident };
	size_t *same_ident = find_firsts(refs, n, true);
	free(refs);

	/* reg_user[r]: the first field on register r, or n. */
	size_t reg_user[ABI_NR_REGS];
	for (int r = 0; r < ABI_NR_REGS; r++)
		reg_user[r] = n;

	for (size_t i = 0; i < n; i++) {
		const struct abi_field *f = &fields[i];
		char where[512];
		snprintf(where, sizeof(where), "%s, %s '%s'", oplabel, dir, str(f->name));

		if (!is_member_path(f->name))
			abi_diag(d, f->pos,
				 "%s: the name is not an identifier or a C member path (like time[0] or addr.p)",
				 where);

		bool dup_name = same_name[i] != i;
		if (dup_name) {
			const struct abi_field *o = &fields[same_name[i]];
			abi_diag(d, f->pos, "duplicate %s '%s' in %s (first defined at %d:%d)", dir,
				 f->name, oplabel, o->pos.line, o->pos.col);
		} else if (same_ident[i] != i) {
			const struct abi_field *o = &fields[same_ident[i]];
			abi_diag(d, f->pos, "%s: its identifier '%s' is also that of %s '%s' (at %d:%d)",
				 where, f->ident, dir, str(o->name), o->pos.line, o->pos.col);
		}

		if (f->reg >= ABI_NR_REGS) {
			abi_diag(d, f->reg_pos, "%s: register %d is outside 0-%d", where, f->reg,
				 ABI_NR_REGS - 1);
		} else if (f->reg == ABI_REG_RESULT) {
			if (output)
				abi_diag(d, f->reg_pos, "%s: reg0 (rax) carries the return value", where);
			else
				abi_diag(d, f->reg_pos,
					 "%s: reg0 (rax) is implicit: it carries the hypercall number", where);
		} else if (f->reg == ABI_REG_SUBOP && !output) {
			if (op->direct)
				abi_diag(d, f->reg_pos,
					 "%s: reg1 (rdi) is reserved for the sub-op number, even in a direct op",
					 where);
			else
				abi_diag(d, f->reg_pos,
					 "%s: reg1 (rdi) is implicit: it carries the sub-op number", where);
		} else if (f->reg >= 0 && !dup_name) {
			size_t j = reg_user[f->reg];
			if (j == n) {
				reg_user[f->reg] = i;
			} else {
				const struct abi_field *o = &fields[j];
				abi_diag(d, f->reg_pos,
					 "%s: register %d (%s) is already used by %s '%s' (at %d:%d)", where,
					 f->reg, abi_reg_name(f->reg), dir, str(o->name), o->reg_pos.line,
					 o->reg_pos.col);
			}
		}
		check_bits(oplabel, dir, f, d);
	}
	free(same_name);
	free(same_ident);
}

/* An op's fields by name, for the c_lang lookups (sorted, for bsearch). */
struct field_index {
	const struct abi_field **v;
	size_t n;
};

static int cmp_field_name(const void *a, const void *b)
{
	const struct abi_field *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static void index_fields(struct field_index *ix, const struct abi_op *op)
{
	ix->v = xmalloc((op->nr_in + op->nr_out) * sizeof(*ix->v));
	ix->n = 0;
	for (size_t i = 0; i < op->nr_in; i++)
		if (op->in[i].name)
			ix->v[ix->n++] = &op->in[i];
	for (size_t i = 0; i < op->nr_out; i++)
		if (op->out[i].name)
			ix->v[ix->n++] = &op->out[i];
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_field_name);
}

static const struct abi_field *field_named(const struct field_index *ix, const char *name)
{
	struct abi_field key = { .name = (char *)name };
	const struct abi_field *k = &key;
	const struct abi_field **hit =
		ix->n ? bsearch(&k, ix->v, ix->n, sizeof(*ix->v), cmp_field_name) : NULL;
	return hit ? *hit : NULL;
}

/* A c_lang.mapping key: a field, or "field.range" for a bit range. */
static void check_mapping_key(const struct field_index *ix, const char *oplabel,
			      const struct abi_c_entry *e, struct abi_diags *d)
{
	if (field_named(ix, e->key))
		return;
	const char *dot = strrchr(e->key, '.');
	if (dot) {
		size_t n = (size_t)(dot - e->key);
		char *field = xmalloc(n + 1);
		memcpy(field, e->key, n);
		field[n] = '\0';
		const struct abi_field *f = field_named(ix, field);
		if (f) {
			size_t i;
			for (i = 0; i < f->nr_bits; i++)
				if (f->bits[i].name && strcmp(f->bits[i].name, dot + 1) == 0)
					break;
			if (i == f->nr_bits)
				abi_diag(d, e->pos,
					 "%s: c_lang mapping '%s': field '%s' has no bits range '%s'",
					 oplabel, e->key, field, dot + 1);
			free(field);
			return;
		}
		free(field);
	}
	abi_diag(d, e->pos, "%s: c_lang mapping '%s' names no input or output", oplabel, e->key);
}

static void check_c_lang(const struct abi_op *op, const char *oplabel, struct abi_diags *d)
{
	const struct abi_c_lang *c = &op->c;
	/* A 'struct' key whose value the parser refused still counts as given. */
	bool has_struct = c->struct_name || c->struct_pos.line > 0;

	if (c->struct_name && !is_ident(c->struct_name))
		abi_diag(d, c->struct_pos, "%s: c_lang struct '%s' is not an identifier", oplabel,
			 c->struct_name);
	if (c->nr_mapping && !has_struct && c->present)
		abi_diag(d, c->pos, "%s: c_lang has a mapping but no struct to map into", oplabel);

	struct field_index ix;
	index_fields(&ix, op);
	for (size_t i = 0; i < c->nr_mapping; i++) {
		const struct abi_c_entry *e = &c->mapping[i];
		if (!e->key)
			continue;
		check_mapping_key(&ix, oplabel, e, d);
		if (!is_member_path(e->value))
			abi_diag(d, e->pos, "%s: c_lang mapping '%s': '%s' is not a C member path",
				 oplabel, e->key, str(e->value));
	}
	for (size_t i = 0; i < c->nr_params; i++) {
		const struct abi_c_entry *e = &c->params[i];
		if (!e->key)
			continue;
		if (!field_named(&ix, e->key))
			abi_diag(d, e->pos, "%s: c_lang params '%s' names no input or output", oplabel,
				 e->key);
		if (!is_c_type(e->value))
			abi_diag(d, e->pos, "%s: c_lang params '%s': '%s' is not a C type", oplabel,
				 e->key, str(e->value));
	}
	free(ix.v);
	if (c->nr_fixed && !has_struct)
		abi_diag(d, c->pos, "%s: c_lang has fixed members but no struct to set them in",
			 oplabel);
	for (size_t i = 0; i < c->nr_fixed; i++) {
		const struct abi_c_entry *e = &c->fixed[i];
		if (!e->key)
			continue;
		if (!is_member_path(e->key))
			abi_diag(d, e->pos, "%s: c_lang fixed '%s' is not a C member path", oplabel,
				 e->key);
		else if (member_carried(op, e->key))
			abi_diag(d, e->pos,
				 "%s: c_lang fixed '%s' is a member that a register already carries",
				 oplabel, e->key);
		if (!is_c_constant(e->value))
			abi_diag(d, e->pos,
				 "%s: c_lang fixed '%s': '%s' is not a C constant (a name or a number)",
				 oplabel, e->key, str(e->value));
	}

	if (op->nr_out && !has_struct && !c->present)
		abi_diag(d, op->pos, "%s has outputs but no c_lang struct to return them in", oplabel);
	else if (op->nr_out && !has_struct)
		abi_diag(d, c->pos, "%s has outputs but no c_lang struct to return them in", oplabel);
	else if (op->nr_in && !c->present)
		abi_diag(d, op->pos,
			 "%s has inputs but no c_lang (give a struct or params for the C stubs)",
			 oplabel);
}

static void check_op(const struct abi_op *op, struct abi_diags *d)
{
	char label[256];
	op_label(op, label, sizeof(label));

	if (!op->direct && op->name && !is_ident(op->name))
		abi_diag(d, op->pos, "sub-op name '%s' is not an identifier", op->name);
	if (!op->direct && op->index > MAX_SUBOP_INDEX)
		abi_diag(d, op->index_pos, "%s: index %ld is outside 0-0x7fffffff", label, op->index);

	check_fields(op, label, false, d);
	check_fields(op, label, true, d);
	check_c_lang(op, label, d);

	size_t n = op->nr_errors;
	if (n == 0)
		return;
	struct dup_ref *refs = xmalloc(n * sizeof(*refs));
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dup_ref){ .s = op->errors[i].name };
	size_t *first = find_firsts(refs, n, true);
	free(refs);
	for (size_t i = 0; i < n; i++) {
		const struct abi_error *e = &op->errors[i];
		if (!e->name)
			continue;
		if (!is_xen_errno(e->name)) {
			abi_diag(d, e->pos, "%s: '%s' is not a Xen errno name (see xen/errno.h)", label,
				 e->name);
		} else if (first[i] != i) {
			const struct abi_error *o = &op->errors[first[i]];
			abi_diag(d, e->pos, "%s: error '%s' is listed twice (first at %d:%d)", label,
				 e->name, o->pos.line, o->pos.col);
		}
	}
	free(first);
}

/* same_name[] and same_index[] are find_firsts() over all families. */
static void check_family(const struct abi_spec *spec, size_t fi, const size_t *same_name,
			 const size_t *same_index, struct abi_diags *d)
{
	const struct abi_family *fam = &spec->families[fi];

	if (fam->name && !is_ident(fam->name))
		abi_diag(d, fam->name_pos, "family name '%s' is not an identifier", fam->name);
	if (fam->hypercall_index > ABI_MAX_HYPERCALL)
		abi_diag(d, fam->index_pos, "hypercall_index %ld is outside the legacy range 0-%d",
			 fam->hypercall_index, ABI_MAX_HYPERCALL);

	/* Across files: each family and each hypercall number once. */
	if (same_name[fi] != fi) {
		const struct abi_family *o = &spec->families[same_name[fi]];
		abi_diag(d, fam->name_pos, "family '%s' is already defined at %s:%d:%d", fam->name,
			 str(o->file), o->name_pos.line, o->name_pos.col);
	}
	if (same_index[fi] != fi) {
		const struct abi_family *o = &spec->families[same_index[fi]];
		abi_diag(d, fam->index_pos,
			 "hypercall_index %ld is already used by family '%s' (%s:%d:%d)",
			 fam->hypercall_index, str(o->name), str(o->file), o->index_pos.line,
			 o->index_pos.col);
	}

	if (fam->direct)
		check_op(fam->direct, d);

	size_t n = fam->nr_subops;
	if (n == 0)
		return;
	struct dup_ref *refs = xmalloc(n * sizeof(*refs));
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dup_ref){ .s = fam->subops[i].name };
	size_t *op_name = find_firsts(refs, n, true);
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dup_ref){ .v = fam->subops[i].index };
	size_t *op_index = find_firsts(refs, n, false);
	free(refs);

	for (size_t i = 0; i < n; i++) {
		const struct abi_op *op = &fam->subops[i];
		check_op(op, d);
		if (op_name[i] != i) {
			const struct abi_op *o = &fam->subops[op_name[i]];
			abi_diag(d, op->pos, "duplicate sub-op '%s' (first defined at %d:%d)", op->name,
				 o->pos.line, o->pos.col);
		} else if (op_index[i] != i) {
			const struct abi_op *o = &fam->subops[op_index[i]];
			abi_diag(d, op->index_pos,
				 "sub-op '%s': index %ld is already used by sub-op '%s' (at %d:%d)",
				 str(op->name), op->index, str(o->name), o->index_pos.line,
				 o->index_pos.col);
		}
	}
	free(op_name);
	free(op_index);
}


void abi_validate(const struct abi_spec *spec, struct abi_diags *d)
{
	size_t n = spec->nr_families;
	if (n == 0)
		return;
	struct dup_ref *refs = xmalloc(n * sizeof(*refs));
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dup_ref){ .s = spec->families[i].name };
	size_t *same_name = find_firsts(refs, n, true);
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dup_ref){ .v = spec->families[i].hypercall_index };
	size_t *same_index = find_firsts(refs, n, false);
	free(refs);

	for (size_t i = 0; i < n; i++) {
		size_t first = d->n;
		check_family(spec, i, same_name, same_index, d);
		abi_diags_sort_from(d, first);
	}
	free(same_name);
	free(same_index);
}
