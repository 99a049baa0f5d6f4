/*
 * The hypervisor side of FastABI: `abi-tool gen c-hv-header` and `gen c-hv`.
 *
 * The header declares the register frame, the op-table type and one core
 * function per operation; the source holds one decoder per operation and the
 * (hypercall, sub-op) table. A decoder is the only place where a register
 * becomes a typed value, so it refuses every value that would not survive the
 * conversion: the core functions never see a truncated argument, and the
 * legacy decoder (which copies the same structs from guest memory) can call
 * them unchanged. docs/hv-decoders.md is the reader's description.
 *
 * Which value lives in a struct member and which is a scalar parameter, and
 * the parameters' names and types, come from the C view that the guest stubs
 * use too (abi_c_op_init in emit.c), so a core function's parameters read
 * like the guest stub's.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "gen.h"

/* One operation with its C view; the table is sorted by (hypercall, sub-op). */
struct hv_op {
	const struct abi_family *fam;
	const struct abi_op *op;
	struct abi_c_op c;
};

static const char *op_name(const struct abi_op *op)
{
	return op->direct ? "direct" : op->name;
}

static void emit_c_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/*
 * The registers are checked here as well as by the validator, so that no
 * spec can make a decoder index outside f->reg[] or write reg0 (the caller's)
 * or, for a sub-op, read reg1 as an argument. A parameter may not take the
 * name of the core function's first one (hv_vcpu).
 */
static int check_op(const struct hv_op *h)
{
	const struct abi_op *op = h->op;
	const char *bad = NULL;
	int reg = 0;

	for (size_t i = 0; !bad && i < op->nr_in; i++) {
		reg = op->in[i].reg;
		if (reg <= ABI_REG_RESULT || reg >= ABI_NR_REGS ||
		    (reg == ABI_REG_SUBOP && !op->direct))
			bad = op->in[i].name;
	}
	for (size_t i = 0; !bad && i < op->nr_out; i++) {
		reg = op->out[i].reg;
		if (reg <= ABI_REG_RESULT || reg >= ABI_NR_REGS)
			bad = op->out[i].name;
	}
	if (bad) {
		fprintf(stderr, "abi-tool: %s %s: field '%s' uses register %d, which a decoder may not use\n",
			h->fam->name, op_name(op), bad, reg);
		return -1;
	}
	for (size_t i = 0; i < h->c.nr_params; i++) {
		if (strcmp(h->c.params[i].name, "hv_vcpu") == 0) {
			fprintf(stderr, "abi-tool: %s %s: parameter name 'hv_vcpu' is the core function's own\n",
				h->fam->name, op_name(op));
			return -1;
		}
	}
	return 0;
}

/*
 * The direct table's sub-op arrays are indexed by sub-op number, so a spec
 * whose sub-op numbers are far apart would make them large: the generator
 * takes sub-ops up to this one (Xen's go up to a few dozen).
 */
#define HV_MAX_TABLE_SUBOP 1023

static int check_table_subop(const struct hv_op *h)
{
	if (h->op->direct || h->op->index <= HV_MAX_TABLE_SUBOP)
		return 0;
	fprintf(stderr,
		"abi-tool: %s %s: sub-op index %ld is above %d, the largest the hypervisor's direct dispatch table takes\n",
		h->fam->name, op_name(h->op), h->op->index, HV_MAX_TABLE_SUBOP);
	return -1;
}

static int cmp_hv_op(const void *a, const void *b)
{
	const struct hv_op *x = a, *y = b;
	if (x->fam->hypercall_index != y->fam->hypercall_index)
		return x->fam->hypercall_index < y->fam->hypercall_index ? -1 : 1;
	long xi = x->op->direct ? -1 : x->op->index;
	long yi = y->op->direct ? -1 : y->op->index;
	if (xi != yi)
		return xi < yi ? -1 : 1;
	int c = strcmp(x->fam->name, y->fam->name);
	return c ? c : strcmp(op_name(x->op), op_name(y->op));
}

static void free_ops(struct hv_op *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		abi_c_op_free(&v[i].c);
	free(v);
}

/*
 * Every op of the spec with its C view, sorted by (hypercall, sub-op), a
 * direct op counting as sub-op -1. The spec is sorted already; sorting here
 * as well keeps the table's order a property of this file alone.
 */
static struct hv_op *collect_ops(const struct abi_spec *spec, size_t *n)
{
	size_t max = 0;
	for (size_t i = 0; i < spec->nr_families; i++)
		max += spec->families[i].nr_subops + (spec->families[i].direct ? 1 : 0);
	struct hv_op *v = calloc(max ? max : 1, sizeof(*v));
	if (!v)
		abort();
	*n = 0;
	for (size_t i = 0; i < spec->nr_families; i++) {
		const struct abi_family *fam = &spec->families[i];
		if (fam->direct)
			v[(*n)++] = (struct hv_op){ .fam = fam, .op = fam->direct };
		for (size_t s = 0; s < fam->nr_subops; s++)
			v[(*n)++] = (struct hv_op){ .fam = fam, .op = &fam->subops[s] };
	}
	qsort(v, *n, sizeof(*v), cmp_hv_op);
	for (size_t i = 0; i < *n; i++) {
		if (abi_c_op_init(&v[i].c, v[i].fam, v[i].op) != 0 || check_op(&v[i]) != 0 ||
		    check_table_subop(&v[i]) != 0) {
			free_ops(v, i + 1);
			return NULL;
		}
	}
	return v;
}

static void emit_core_name(FILE *out, const struct hv_op *h)
{
	fprintf(out, "%s__%s", h->fam->name, op_name(h->op));
}

static void emit_reg_list(FILE *out, const struct abi_field *f, size_t n)
{
	if (n == 0) {
		fprintf(out, " -");
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %s=reg%d", f[i].name, f[i].reg);
}

static void emit_prototype(FILE *out, const struct hv_op *h)
{
	const struct abi_op *op = h->op;

	fprintf(out, "/* %s %s (hypercall %ld", h->fam->name, op_name(op),
		h->fam->hypercall_index);
	if (!op->direct)
		fprintf(out, ", sub-op %ld", op->index);
	fprintf(out, "%s): in", op->preemptible ? ", preemptible" : "");
	emit_reg_list(out, op->in, op->nr_in);
	fprintf(out, "; out");
	emit_reg_list(out, op->out, op->nr_out);
	fprintf(out, " */\n");

	fprintf(out, "int64_t ");
	emit_core_name(out, h);
	fprintf(out, "(struct hv_vcpu *hv_vcpu");
	for (size_t i = 0; i < h->c.nr_params; i++)
		fprintf(out, ", %s %s%s", h->c.params[i].type, h->c.params[i].out ? "*" : "",
			h->c.params[i].name);
	if (h->c.struct_name)
		fprintf(out, ", struct %s *arg", h->c.struct_name);
	fprintf(out, ");\n");
}

/*
 * The register order, once: X(N, reg) for every ABI register, from the same
 * table the guest stubs pin their registers with (abi_reg_name). The core's
 * dispatcher, the test harness and the fuzzer all reach register N through
 * it, so nobody writes the order again.
 */
static void emit_reg_table(FILE *out)
{
	fprintf(out,
		"#define FASTABI_NR_REGS %d\n"
		"\n"
		"/*\n"
		" * The FastABI registers in order: X(N, reg) for ABI register N and the\n"
		" * x86-64 register that carries it. reg0 carries the hypercall number in\n"
		" * and the result out, reg1 the sub-op. Expand it over a struct with\n"
		" * members named after the registers, e.g. offsetof(struct hv_regs, reg).\n"
		" */\n"
		"#define FASTABI_REGS(X) \\\n",
		ABI_NR_REGS);
	for (int r = 0; r < ABI_NR_REGS; r++)
		fprintf(out, "\tX(%d, %s)%s\n", r, abi_reg_name(r), r + 1 < ABI_NR_REGS ? " \\" : "");
	fprintf(out, "\n");
}

/* One more than the highest hypercall number of the spec: the table's size. */
static long nr_hypercalls(const struct hv_op *ops, size_t n)
{
	return n ? ops[n - 1].fam->hypercall_index + 1 : 1;
}

int abi_gen_c_hv_header(const struct abi_spec *spec, FILE *out)
{
	size_t n;
	struct hv_op *ops = collect_ops(spec, &n);
	if (!ops)
		return -1;

	fprintf(out, "/*\n");
	abi_emit_banner(out, spec, " *");
	fprintf(out,
		" *\n"
		" * Hypervisor side of FastABI: the register frame, the op table and one\n"
		" * core function per operation. The core functions are written by hand\n"
		" * (hv/) and shared by the FastABI decoders (fastabi_hv.c) and the legacy\n"
		" * decoders. See docs/hv-decoders.md.\n"
		" */\n"
		"#ifndef FASTABI_HV_H\n"
		"#define FASTABI_HV_H\n"
		"\n"
		);
	abi_emit_c_includes(out, spec);
	fprintf(out,
		"\n"
		"#if __XEN_INTERFACE_VERSION__ != __XEN_LATEST_INTERFACE_VERSION__\n"
		"#error \"fastabi_hv.h needs the newest Xen interface: include it before other Xen headers\"\n"
		"#endif\n"
		"\n"
		"#include <stdbool.h>\n"
		"#include <stddef.h>\n"
		"\n"
		"struct hv_vcpu;\n"
		"\n");
	emit_reg_table(out);
	fprintf(out,
		"/*\n"
		" * reg[N] is ABI register N (FASTABI_REGS) as the guest left it. A decoder\n"
		" * that refuses an input names it in bad_reg and bad_field; on success it\n"
		" * writes exactly the op's declared outputs.\n"
		" */\n"
		"struct fastabi_frame {\n"
		"\tuint64_t reg[FASTABI_NR_REGS];\n"
		"\tint bad_reg;\n"
		"\tconst char *bad_field;\n"
		"};\n"
		"\n"
		"/*\n"
		" * Xen's internal ERESTART. A preemptible core function returns\n"
		" * -FASTABI_ERESTART after recording its progress in its struct; the\n"
		" * decoder then writes the outputs as well, so that executing the same\n"
		" * trap again continues the work.\n"
		" */\n"
		"#define FASTABI_ERESTART 85\n"
		"\n"
		"/* Returns what goes into reg0: 0, a negative Xen errno, or a value. */\n"
		"typedef int64_t fastabi_decode_fn(struct hv_vcpu *hv_vcpu, struct fastabi_frame *f);\n"
		"\n"
		"/*\n"
		" * One operation. Masks: bit N is regN. in_mask has reg0 and, for a sub-op,\n"
		" * reg1; out_mask has reg0. in_field/out_field name the field of each\n"
		" * register (NULL where none).\n"
		" */\n"
		"struct fastabi_op {\n"
		"\tconst char *family;\n"
		"\tconst char *name;\n"
		"\tuint32_t hypercall;\n"
		"\tint64_t subop; /* -1: direct */\n"
		"\tuint8_t in_mask;\n"
		"\tuint8_t out_mask;\n"
		"\tbool preemptible;\n"
		"\tfastabi_decode_fn *decode;\n"
		"\tconst char *in_field[FASTABI_NR_REGS];\n"
		"\tconst char *out_field[FASTABI_NR_REGS];\n"
		"};\n"
		"\n"
		"/* Sorted by (hypercall, subop). */\n"
		"extern const struct fastabi_op fastabi_ops[];\n"
		"extern const size_t fastabi_nr_ops;\n"
		"\n"
		"/*\n"
		" * The dispatch table: fastabi_by_hypercall[hypercall] is the hypercall's\n"
		" * direct op, or its sub-ops indexed by sub-op number (NULL where the spec\n"
		" * has none), so that finding an op is one indexed load per level.\n"
		" */\n"
		"struct fastabi_hypercall {\n"
		"\tconst struct fastabi_op *direct;\n"
		"\tconst struct fastabi_op *const *subop;\n"
		"\tuint32_t nr_subops;\n"
		"};\n"
		"\n"
		"#define FASTABI_NR_HYPERCALLS %ld\n"
		"extern const struct fastabi_hypercall fastabi_by_hypercall[FASTABI_NR_HYPERCALLS];\n"
		"\n"
		"/*\n"
		" * The op for a hypercall number (without the FastABI bit) and the value of\n"
		" * reg1; NULL when unknown. For a family with a direct op, reg1 is ignored;\n"
		" * otherwise it is compared as the full 64-bit value.\n"
		" */\n"
		"static inline const struct fastabi_op *fastabi_op_find(uint32_t hypercall, uint64_t subop)\n"
		"{\n"
		"\tif (hypercall >= FASTABI_NR_HYPERCALLS)\n"
		"\t\treturn NULL;\n"
		"\tconst struct fastabi_hypercall *h = &fastabi_by_hypercall[hypercall];\n"
		"\tif (h->direct)\n"
		"\t\treturn h->direct;\n"
		"\treturn subop < h->nr_subops ? h->subop[subop] : NULL;\n"
		"}\n"
		"\n"
		"/*\n"
		" * Core functions, <family>__<op>: scalar parameters in register order\n"
		" * (outputs by pointer), then the op's struct. They return 0, a negative\n"
		" * Xen errno or a value.\n"
		" */\n", nr_hypercalls(ops, n));
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "\n");
		emit_prototype(out, &ops[i]);
	}
	fprintf(out, "\n#endif /* FASTABI_HV_H */\n");
	free_ops(ops, n);
	return 0;
}

/* The union of a packed field's declared ranges. */
static uint64_t used_bits(const struct abi_field *f)
{
	uint64_t used = 0;
	for (size_t b = 0; b < f->nr_bits; b++)
		used |= (uint64_t)abi_bits_mask(f->bits[b].width) << f->bits[b].lsb;
	return used;
}

/* Where a value lives in the decoder: "arg.<member>" or "p_<param>". */
static void value_lvalue(char *buf, size_t size, const struct abi_c_value *v)
{
	if (v->member)
		snprintf(buf, size, "arg.%s", v->member);
	else
		snprintf(buf, size, "p_%s", v->param);
}

/*
 * Convert 'src' (a uint64_t expression) into the value's member or parameter
 * and refuse it unless it survives the round trip back to 64 bits: then the
 * destination holds exactly what the guest passed (signed destinations take
 * sign-extended values).
 */
static void emit_input_value(FILE *out, const struct abi_c_value *v)
{
	const struct abi_field *f = v->field;
	char lv[512], src[96];

	value_lvalue(lv, sizeof(lv), v);
	if (!v->bits)
		snprintf(src, sizeof(src), "f->reg[%d]", f->reg);
	else if (v->bits->lsb)
		snprintf(src, sizeof(src), "((f->reg[%d] >> %u) & UINT64_C(0x%llx))", f->reg,
			 v->bits->lsb, abi_bits_mask(v->bits->width));
	else
		snprintf(src, sizeof(src), "(f->reg[%d] & UINT64_C(0x%llx))", f->reg,
			 abi_bits_mask(v->bits->width));

	if (v->member)
		fprintf(out, "\t%s = (__typeof__(%s))%s;\n", lv, lv, src);
	else
		fprintf(out, "\t%s = (%s)%s;\n", lv, v->type, src);
	fprintf(out, "\tif ((uint64_t)%s != %s)\n\t\treturn fastabi_reject(f, %d, ", lv, src,
		f->reg);
	if (v->bits) {
		size_t n = strlen(f->name) + 1 + strlen(v->bits->name) + 1;
		char what[n];
		snprintf(what, n, "%s.%s", f->name, v->bits->name);
		emit_c_string(out, what);
	} else {
		emit_c_string(out, f->name);
	}
	fprintf(out, ");\n");
}

/* Reserved bits of a packed input: set bits outside every declared range. */
static void emit_reserved_check(FILE *out, const struct abi_field *f)
{
	uint64_t used = used_bits(f);
	if (!f->nr_bits || used == UINT64_MAX)
		return;
	fprintf(out, "\tif (f->reg[%d] & UINT64_C(0x%016llx))\n\t\treturn fastabi_reject(f, %d, ",
		f->reg, (unsigned long long)~used, f->reg);
	emit_c_string(out, f->name);
	fprintf(out, ");\n");
}

/*
 * Write one output field: a plain value converted to 64 bits (so signed
 * members are sign-extended), or a packed field OR-ed from its ranges, each
 * masked to its width so that no value spills into a neighbour or into the
 * reserved bits.
 */
static void emit_output_field(FILE *out, const struct hv_op *h, const struct abi_field *f)
{
	char lv[512];
	int first = 1;

	fprintf(out, "\t\tf->reg[%d] =", f->reg);
	for (size_t i = 0; i < h->c.nr_out; i++) {
		const struct abi_c_value *v = &h->c.out[i];
		if (v->field != f)
			continue;
		value_lvalue(lv, sizeof(lv), v);
		fprintf(out, "%s", first ? "" : " |");
		if (f->nr_bits)
			fprintf(out, "\n\t\t\t");
		else
			fprintf(out, " ");
		first = 0;
		if (!v->bits && !f->nr_bits)
			fprintf(out, "(uint64_t)%s", lv);
		else if (!v->bits) /* c_lang.params names the whole packed field */
			fprintf(out, "((uint64_t)%s & UINT64_C(0x%llx))", lv,
				(unsigned long long)used_bits(f));
		else if (v->bits->lsb)
			fprintf(out, "(((uint64_t)%s & UINT64_C(0x%llx)) << %u)", lv,
				abi_bits_mask(v->bits->width), v->bits->lsb);
		else
			fprintf(out, "((uint64_t)%s & UINT64_C(0x%llx))", lv,
				abi_bits_mask(v->bits->width));
	}
	fprintf(out, ";\n");
}

static void emit_decoder_name(FILE *out, const struct hv_op *h)
{
	fprintf(out, "fastabi_decode_%s__%s", h->fam->name, op_name(h->op));
}

static void emit_decoder(FILE *out, const struct hv_op *h)
{
	const struct abi_op *op = h->op;
	const struct abi_c_op *c = &h->c;

	fprintf(out, "static int64_t ");
	emit_decoder_name(out, h);
	fprintf(out, "(struct hv_vcpu *hv_vcpu, struct fastabi_frame *f)\n{\n");
	if (c->struct_name)
		fprintf(out, "\tstruct %s arg;\n", c->struct_name);
	for (size_t i = 0; i < c->nr_params; i++)
		fprintf(out, "\t%s p_%s;\n", c->params[i].type, c->params[i].name);
	fprintf(out, "\tint64_t ret;\n\n");
	/* memset, not '= { 0 }': no initializer warning for any struct or type. */
	if (c->struct_name)
		fprintf(out, "\tmemset(&arg, 0, sizeof(arg));\n");
	for (size_t i = 0; i < c->nr_params; i++)
		fprintf(out, "\tmemset(&p_%s, 0, sizeof(p_%s));\n", c->params[i].name,
			c->params[i].name);
	/* Members FastABI does not carry: the spec fixes their value (c_lang.fixed). */
	for (size_t i = 0; c->struct_name && i < op->c.nr_fixed; i++)
		fprintf(out, "\targ.%s = %s;\n", op->c.fixed[i].key, op->c.fixed[i].value);
	if (op->nr_in == 0 && op->nr_out == 0)
		fprintf(out, "\t(void)f;\n");

	for (size_t i = 0; i < op->nr_in; i++) {
		emit_reserved_check(out, &op->in[i]);
		for (size_t v = 0; v < c->nr_in; v++)
			if (c->in[v].field == &op->in[i])
				emit_input_value(out, &c->in[v]);
	}

	fprintf(out, "\n\tret = ");
	emit_core_name(out, h);
	fprintf(out, "(hv_vcpu");
	for (size_t i = 0; i < c->nr_params; i++)
		fprintf(out, ", %sp_%s", c->params[i].out ? "&" : "", c->params[i].name);
	if (c->struct_name)
		fprintf(out, ", &arg");
	fprintf(out, ");\n");

	if (op->nr_out) {
		if (op->preemptible)
			fprintf(out, "\tif (ret >= 0 || ret == -FASTABI_ERESTART) {\n");
		else
			fprintf(out, "\tif (ret >= 0) {\n");
		for (size_t i = 0; i < op->nr_out; i++)
			emit_output_field(out, h, &op->out[i]);
		fprintf(out, "\t}\n");
	}
	fprintf(out, "\treturn ret;\n}\n");
}

static void emit_field_names(FILE *out, const struct abi_field *f, size_t n)
{
	fprintf(out, "{");
	for (int reg = 0; reg < ABI_NR_REGS; reg++) {
		const struct abi_field *hit = NULL;
		for (size_t i = 0; i < n; i++)
			if (f[i].reg == reg)
				hit = &f[i];
		fprintf(out, "%s", reg ? ", " : " ");
		if (hit)
			emit_c_string(out, hit->name);
		else
			fprintf(out, "NULL");
	}
	fprintf(out, " }");
}

static void emit_table_entry(FILE *out, const struct hv_op *h)
{
	const struct abi_op *op = h->op;

	fprintf(out, "\t{\n\t\t.family = ");
	emit_c_string(out, h->fam->name);
	fprintf(out, ",\n\t\t.name = ");
	emit_c_string(out, op_name(op));
	fprintf(out, ",\n\t\t.hypercall = %ld,\n", h->fam->hypercall_index);
	fprintf(out, "\t\t.subop = %ld,\n", op->direct ? -1L : op->index);
	fprintf(out, "\t\t.in_mask = 0x%02x,\n", abi_op_in_mask(h->fam, op));
	fprintf(out, "\t\t.out_mask = 0x%02x,\n", abi_op_out_mask(op));
	fprintf(out, "\t\t.preemptible = %s,\n", op->preemptible ? "true" : "false");
	fprintf(out, "\t\t.decode = ");
	emit_decoder_name(out, h);
	fprintf(out, ",\n\t\t.in_field = ");
	emit_field_names(out, op->in, op->nr_in);
	fprintf(out, ",\n\t\t.out_field = ");
	emit_field_names(out, op->out, op->nr_out);
	fprintf(out, ",\n\t},\n");
}

/*
 * fastabi_by_hypercall[]: per hypercall with sub-ops an array indexed by
 * sub-op (fastabi_subops_<hypercall>), pointing into fastabi_ops[]. ops is
 * sorted by (hypercall, sub-op), so each hypercall's ops are one run.
 */
static void emit_dispatch_table(FILE *out, const struct hv_op *ops, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && ops[j].fam->hypercall_index == ops[i].fam->hypercall_index)
			j++;
		if (!ops[i].op->direct) {
			long max = ops[j - 1].op->index;
			fprintf(out, "\nstatic const struct fastabi_op *const fastabi_subops_%ld[%ld] = {\n",
				ops[i].fam->hypercall_index, max + 1);
			for (size_t k = i; k < j; k++)
				fprintf(out, "\t[%ld] = &fastabi_ops[%zu], /* %s %s */\n", ops[k].op->index,
					k, ops[k].fam->name, op_name(ops[k].op));
			fprintf(out, "};\n");
		}
		i = j;
	}
	fprintf(out, "\nconst struct fastabi_hypercall fastabi_by_hypercall[FASTABI_NR_HYPERCALLS] = {\n");
	for (size_t i = 0; i < n;) {
		size_t j = i;
		long hc = ops[i].fam->hypercall_index;
		while (j < n && ops[j].fam->hypercall_index == hc)
			j++;
		if (ops[i].op->direct)
			fprintf(out, "\t[%ld] = { .direct = &fastabi_ops[%zu] }, /* %s */\n", hc, i,
				ops[i].fam->name);
		else
			fprintf(out, "\t[%ld] = { .subop = fastabi_subops_%ld, .nr_subops = %ld }, /* %s */\n",
				hc, hc, ops[j - 1].op->index + 1, ops[i].fam->name);
		i = j;
	}
	if (n == 0)
		fprintf(out, "\t{ .direct = NULL },\n");
	fprintf(out, "};\n");
}

int abi_gen_c_hv(const struct abi_spec *spec, FILE *out)
{
	size_t n;
	struct hv_op *ops = collect_ops(spec, &n);
	if (!ops)
		return -1;

	fprintf(out, "/*\n");
	abi_emit_banner(out, spec, " *");
	fprintf(out,
		" *\n"
		" * FastABI decoders: registers in, typed arguments to the core function,\n"
		" * declared outputs back. See docs/hv-decoders.md.\n"
		" */\n"
		"#include <string.h>\n"
		"\n"
		"#include <xen/errno.h>\n"
		"\n"
		"#include \"fastabi_hv.h\"\n"
		"\n"
		"__attribute__((unused))\n"
		"static int64_t fastabi_reject(struct fastabi_frame *f, int reg, const char *field)\n"
		"{\n"
		"\tf->bad_reg = reg;\n"
		"\tf->bad_field = field;\n"
		"\treturn -XEN_EINVAL;\n"
		"}\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "\n");
		emit_decoder(out, &ops[i]);
	}

	fprintf(out, "\nconst struct fastabi_op fastabi_ops[] = {\n");
	for (size_t i = 0; i < n; i++)
		emit_table_entry(out, &ops[i]);
	if (n == 0)
		fprintf(out, "\t{ .family = NULL },\n");
	fprintf(out, "};\n\nconst size_t fastabi_nr_ops = %zu;\n", n);

	emit_dispatch_table(out, ops, n);
	free_ops(ops, n);
	return 0;
}
