/* Spec helpers shared by the validator and the generators: see spec.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

const char *abi_reg_name(int reg)
{
	static const char *const names[ABI_NR_REGS] = {
		"rax", "rdi", "rsi", "r8", "r9", "r10", "r11", "r12",
	};
	if (reg < 0 || reg >= ABI_NR_REGS)
		return "?";
	return names[reg];
}

static void free_fields(struct abi_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].ident);
		free(f[i].description);
		for (size_t b = 0; b < f[i].nr_bits; b++) {
			free(f[i].bits[b].name);
			free(f[i].bits[b].description);
		}
		free(f[i].bits);
	}
	free(f);
}

static void free_entries(struct abi_c_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].key);
		free(e[i].value);
	}
	free(e);
}

static void free_op(struct abi_op *op)
{
	free(op->name);
	free(op->description);
	free_fields(op->in, op->nr_in);
	free_fields(op->out, op->nr_out);
	free(op->c.struct_name);
	free_entries(op->c.mapping, op->c.nr_mapping);
	free_entries(op->c.params, op->c.nr_params);
	free_entries(op->c.fixed, op->c.nr_fixed);
	for (size_t i = 0; i < op->nr_errors; i++)
		free(op->errors[i].name);
	free(op->errors);
}

void abi_spec_free(struct abi_spec *spec)
{
	for (size_t i = 0; i < spec->nr_families; i++) {
		struct abi_family *fam = &spec->families[i];
		free(fam->name);
		free(fam->description);
		for (size_t h = 0; h < fam->nr_c_headers; h++)
			free(fam->c_headers[h]);
		free(fam->c_headers);
		if (fam->direct) {
			free_op(fam->direct);
			free(fam->direct);
		}
		for (size_t s = 0; s < fam->nr_subops; s++)
			free_op(&fam->subops[s]);
		free(fam->subops);
		free(fam->file);
	}
	free(spec->families);
	*spec = (struct abi_spec){ 0 };
}

static int cmp_family(const void *a, const void *b)
{
	const struct abi_family *x = a, *y = b;
	if (x->hypercall_index != y->hypercall_index)
		return x->hypercall_index < y->hypercall_index ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int cmp_op(const void *a, const void *b)
{
	const struct abi_op *x = a, *y = b;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int cmp_field(const void *a, const void *b)
{
	const struct abi_field *x = a, *y = b;
	if (x->reg != y->reg)
		return x->reg < y->reg ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* qsort() must not be given a NULL array, even an empty one. */
static void sort_array(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void sort_op(struct abi_op *op)
{
	sort_array(op->in, op->nr_in, sizeof(*op->in), cmp_field);
	sort_array(op->out, op->nr_out, sizeof(*op->out), cmp_field);
}

void abi_spec_sort(struct abi_spec *spec)
{
	sort_array(spec->families, spec->nr_families, sizeof(*spec->families), cmp_family);
	for (size_t i = 0; i < spec->nr_families; i++) {
		struct abi_family *fam = &spec->families[i];
		sort_array(fam->subops, fam->nr_subops, sizeof(*fam->subops), cmp_op);
		if (fam->direct)
			sort_op(fam->direct);
		for (size_t s = 0; s < fam->nr_subops; s++)
			sort_op(&fam->subops[s]);
	}
}

static const struct abi_c_entry *find_entry(const struct abi_c_entry *e, size_t n,
					    const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].key, key) == 0)
			return &e[i];
	return NULL;
}

const struct abi_c_entry *abi_c_mapping(const struct abi_op *op, const char *key)
{
	return find_entry(op->c.mapping, op->c.nr_mapping, key);
}

const struct abi_c_entry *abi_c_param(const struct abi_op *op, const char *key)
{
	return find_entry(op->c.params, op->c.nr_params, key);
}

static const struct abi_field *find_reg(const struct abi_field *f, size_t n, int reg)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].reg == reg)
			return &f[i];
	return NULL;
}

const struct abi_field *abi_op_input(const struct abi_op *op, int reg)
{
	return find_reg(op->in, op->nr_in, reg);
}

const struct abi_field *abi_op_output(const struct abi_op *op, int reg)
{
	return find_reg(op->out, op->nr_out, reg);
}

const char *abi_c_member(const struct abi_op *op, const struct abi_field *f,
			 const struct abi_bits *bits)
{
	if (!op->c.struct_name || abi_c_param(op, f->name))
		return NULL;
	if (!bits) {
		const struct abi_c_entry *m = abi_c_mapping(op, f->name);
		return m ? m->value : f->name;
	}
	size_t n = strlen(f->name) + 1 + strlen(bits->name) + 1;
	char key[n];
	snprintf(key, n, "%s.%s", f->name, bits->name);
	const struct abi_c_entry *m = abi_c_mapping(op, key);
	return m ? m->value : bits->name;
}

const struct abi_bits *abi_field_nth_bits(const struct abi_field *f, size_t b)
{
	for (size_t i = 0; i < f->nr_bits; i++) {
		size_t rank = 0;
		for (size_t j = 0; j < f->nr_bits; j++)
			if (f->bits[j].lsb < f->bits[i].lsb ||
			    (f->bits[j].lsb == f->bits[i].lsb && j < i))
				rank++;
		if (rank == b)
			return &f->bits[i];
	}
	return NULL;
}

unsigned abi_op_in_mask(const struct abi_family *fam, const struct abi_op *op)
{
	(void)fam;
	unsigned mask = 1u << ABI_REG_RESULT;
	if (!op->direct)
		mask |= 1u << ABI_REG_SUBOP;
	for (size_t i = 0; i < op->nr_in; i++)
		if (op->in[i].reg >= 0 && op->in[i].reg < ABI_NR_REGS)
			mask |= 1u << op->in[i].reg;
	return mask;
}

unsigned abi_op_out_mask(const struct abi_op *op)
{
	unsigned mask = 1u << ABI_REG_RESULT;
	for (size_t i = 0; i < op->nr_out; i++)
		if (op->out[i].reg >= 0 && op->out[i].reg < ABI_NR_REGS)
			mask |= 1u << op->out[i].reg;
	return mask;
}

char *abi_op_symbol(const struct abi_family *fam, const struct abi_op *op)
{
	size_t n = strlen(fam->name) + 1 + (op->direct ? 0 : strlen(op->name)) + 1;
	char *s = malloc(n);
	if (!s)
		abort();
	if (op->direct)
		snprintf(s, n, "%s", fam->name);
	else
		snprintf(s, n, "%s_%s", fam->name, op->name);
	return s;
}
