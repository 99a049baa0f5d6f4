/*
 * `abi-tool gen doc`: the Markdown reference of the whole spec.
 *
 * Layout: a title and an intro, the register table, the calling rules, one
 * section per family and one subsection per operation (register table, bit
 * ranges of packed registers, C struct, errors, preemption), then an index
 * of every operation. Free text from the spec is escaped so that it cannot
 * break a table or turn into HTML.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/fastabi/trap.h"
#include "../../include/fastabi/xen-ext.h"
#include "emit.h"
#include "gen.h"

static bool has_text(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return true;
	return false;
}

/*
 * One character of free text, escaped for Markdown (tables included): '|'
 * would end a cell, '*' could start emphasis, '<' before a letter (or '/',
 * '!', '?') could open an HTML tag. Inside a code span (*code, toggled by
 * '`') only '|' is escaped, as tables need. 'next' is the character after.
 */
static void md_char(FILE *out, char c, char next, bool *code)
{
	bool tag = (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '/' ||
		   next == '!' || next == '?';
	if (c == '`')
		*code = !*code;
	if (c == '|')
		fputs("\\|", out);
	else if (!*code && c == '*')
		fputs("\\*", out);
	else if (!*code && c == '<' && tag)
		fputs("&lt;", out);
	else
		fputc(c, out);
}

/*
 * The start of a line of free text, [b, e): escaped so that it cannot begin
 * a heading, quote, list, code fence or setext underline. Returns how many
 * characters it wrote itself.
 */
static size_t md_line_start(FILE *out, const char *b, const char *e)
{
	size_t d = 0;
	while (b + d < e && b[d] >= '0' && b[d] <= '9')
		d++;
	if (d > 0 && b + d < e && (b[d] == '.' || b[d] == ')')) {
		fwrite(b, 1, d, out);
		fputc('\\', out);
		return d;
	}
	if (strchr("#>-+=~", *b) || (e - b >= 3 && strncmp(b, "```", 3) == 0))
		fputc('\\', out);
	return 0;
}

/* Free text on one line (for a table cell): blank runs become one space. */
static void md_inline(FILE *out, const char *text)
{
	bool space = false, started = false, code = false;
	if (!text)
		return;
	for (const char *p = text; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = started;
			continue;
		}
		if (space)
			fputc(' ', out);
		md_char(out, *p, p[1], &code);
		space = false;
		started = true;
	}
}

/* The last cell of a table row: " text |", or " |" when there is no text. */
static void md_cell(FILE *out, const char *text)
{
	if (has_text(text)) {
		fputc(' ', out);
		md_inline(out, text);
		fputs(" |", out);
	} else {
		fputs(" |", out);
	}
}

/*
 * Free text as a paragraph: its lines kept, but without their indentation
 * (which would make a code block), followed by a blank line.
 */
static void md_paragraph(FILE *out, const char *text)
{
	if (!has_text(text))
		return;
	const char *p = text;
	bool blank_pending = false, any = false, code = false;
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *b = p, *e = end;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e == b) {
			blank_pending = any;
		} else {
			if (blank_pending)
				fputc('\n', out);
			const char *c = b;
			if (!code)
				c += md_line_start(out, b, e);
			for (; c < e; c++)
				md_char(out, *c, c + 1 < e ? c[1] : ' ', &code);
			fputc('\n', out);
			blank_pending = false;
			any = true;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	fputc('\n', out);
}

/* A name in a code span; '|' must still be escaped inside a table. */
static void md_code(FILE *out, const char *s)
{
	fputc('`', out);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else
			fputc(*s, out);
	}
	fputc('`', out);
}

static const char *op_title(const struct abi_family *fam, const struct abi_op *op)
{
	return op->direct ? fam->name : op->name;
}

static size_t nr_ops(const struct abi_family *fam)
{
	return fam->nr_subops + (fam->direct ? 1 : 0);
}

/* The i-th op of a family: the direct op first, then the sub-ops by index. */
static const struct abi_op *nth_op(const struct abi_family *fam, size_t i)
{
	if (fam->direct) {
		if (i == 0)
			return fam->direct;
		i--;
	}
	return &fam->subops[i];
}


/* The C side of one value: "`member`" or "`type name`". */
static void md_c_value(FILE *out, const struct abi_c_value *v)
{
	if (v->member) {
		md_code(out, v->member);
		return;
	}
	size_t n = strlen(v->type) + 1 + strlen(v->param) + 1;
	char *s = malloc(n);
	if (!s)
		abort();
	snprintf(s, n, "%s %s", v->type, v->param);
	md_code(out, s);
	free(s);
}

static void emit_intro(FILE *out, const struct abi_spec *spec)
{
	size_t ops = 0;
	for (size_t i = 0; i < spec->nr_families; i++)
		ops += nr_ops(&spec->families[i]);

	fprintf(out, "<!--\n");
	abi_emit_banner(out, spec, "");
	fprintf(out, "-->\n\n");
	fprintf(out, "# FastABI reference\n\n");
	fprintf(out,
		"FastABI is a register-based hypercall interface for 64-bit x86 HVM and PVH\n"
		"guests of a Xen-compatible hypervisor: every argument and result of an\n"
		"operation travels in a register, so the hypervisor never has to read a\n"
		"structure from guest memory to decode a call.\n\n");
	fprintf(out,
		"This reference is generated by `abi-tool gen doc` from the FastABI\n"
		"specification, the same source as the guest stubs, the hypervisor's\n"
		"decoders and the Rust bindings: change the specification, not this file.\n"
		"It covers %zu hypercall famil%s and %zu operation%s, from:",
		spec->nr_families, spec->nr_families == 1 ? "y" : "ies", ops, ops == 1 ? "" : "s");
	for (size_t i = 0; i < spec->nr_families; i++)
		fprintf(out, "%s`%s`", i ? ", " : " ", abi_base_name(spec->families[i].file));
	fprintf(out, ".\n\n");

	fprintf(out, "Families:\n\n");
	for (size_t i = 0; i < spec->nr_families; i++) {
		const struct abi_family *fam = &spec->families[i];
		/* GitHub's anchor of "## name (hypercall N)". */
		fprintf(out, "- [%s (hypercall %ld)](#", fam->name, fam->hypercall_index);
		for (const char *c = fam->name; *c; c++) {
			char ch = *c;
			if (ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
			    ch == '-')
				fputc(ch, out);
		}
		fprintf(out, "-hypercall-%ld)\n", fam->hypercall_index);
	}
	fprintf(out, "- [Index of operations](#index-of-operations)\n\n");
}

static void emit_registers(FILE *out)
{
	static const char *const roles[ABI_NR_REGS] = {
		"in: hypercall number OR-ed with the FastABI bit; out: return value",
		"in: sub-operation number (not used by a family's direct operation)",
		"argument or result",
		"argument or result",
		"argument or result",
		"argument or result",
		"argument or result",
		"argument or result",
	};
	fprintf(out, "## Registers\n\n");
	fprintf(out, "| ABI register | x86-64 | role |\n|---|---|---|\n");
	for (int r = 0; r < ABI_NR_REGS; r++)
		fprintf(out, "| reg%d | %s | %s |\n", r, abi_reg_name(r), roles[r]);
	fprintf(out, "\n");
}

static void emit_rules(FILE *out)
{
	fprintf(out,
		"## Calling rules\n\n"
		"- **FastABI bit.** rax holds the hypercall number OR-ed with 0x%x; rdi holds\n"
		"  the sub-operation number; the operation's inputs go in the registers its\n"
		"  table names. A hypercall number with the FastABI bit but no FastABI\n"
		"  operation returns -ENOSYS. Only 64-bit HVM and PVH vCPUs take the FastABI\n"
		"  path; rdx is not used.\n"
		"- **Trap.** `vmcall` (Intel), `vmmcall` (AMD) or the I/O-port doorbell\n"
		"  `out 0x%x, al`, chosen by the guest. Xen's HVM CPUID leaf (base + 4) has\n"
		"  EAX bit %d set when FastABI is served, and EDX lists the traps that reach\n"
		"  the hypervisor (bit 0 `vmcall`, bit 1 `vmmcall`, bit 2 doorbell; bits 15:8\n"
		"  the doorbell port). There is no hypercall page.\n"
		"- **Result.** rax is 0 or a non-negative value on success, a negative Xen\n"
		"  errno on failure.\n"
		"- **No clobbering.** The hypervisor changes rax and the operation's output\n"
		"  registers, and no other register.\n"
		"- **Outputs on success only.** After a failure the output registers still\n"
		"  hold what the guest had in them.\n"
		"- **Packed registers.** Some registers carry several values in bit ranges\n"
		"  (listed as \"bits high:low\"); the generated stubs mask each value to its\n"
		"  width and leave the other bits zero.\n"
		"- **Preemptible operations** may stop after a bounded amount of work and\n"
		"  continue by having the trap executed again; the guest sees a single\n"
		"  call. Progress kept in a register (`done`) is both input and output.\n\n",
		__HYPERVISOR_FASTABI_MASK, FASTABI_DOORBELL_PORT, __builtin_ctz(XEN_HVM_CPUID_FASTABI));
}

/* The C values of one field (see struct abi_c_op in emit.h); 0 without one. */
static size_t c_values(const struct abi_c_op *c, const struct abi_field *f, bool out,
		       const struct abi_c_value **first)
{
	if (!c)
		return 0;
	const struct abi_c_value *v = out ? c->out : c->in;
	size_t n = out ? c->nr_out : c->nr_in, count = 0;
	*first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (v[i].field != f)
			continue;
		if (!count)
			*first = &v[i];
		count++;
	}
	return count;
}

/* One row of an op's register table. */
static void emit_field_row(FILE *out, const struct abi_c_op *c, const struct abi_field *f,
			   bool is_out)
{
	fprintf(out, "| reg%d | %s | %s | ", f->reg, abi_reg_name(f->reg), is_out ? "out" : "in");
	md_code(out, f->name);
	fprintf(out, " | ");
	const struct abi_c_value *v = NULL;
	size_t n = c_values(c, f, is_out, &v);
	if (f->nr_bits && !(n == 1 && !v->bits))
		fprintf(out, "packed, see below");
	else if (n == 1)
		md_c_value(out, v);
	fprintf(out, " |");
	md_cell(out, f->description);
	fprintf(out, "\n");
}

static void emit_bits_table(FILE *out, const struct abi_c_op *c, const struct abi_field *f,
			    bool is_out)
{
	const struct abi_c_value *v = NULL;
	size_t n = c_values(c, f, is_out, &v);

	fprintf(out, "Bit ranges of ");
	md_code(out, f->name);
	fprintf(out, " (%s, reg%d, %s):\n\n", is_out ? "out" : "in", f->reg,
		abi_reg_name(f->reg));
	fprintf(out, "| bits | range | C | description |\n|---|---|---|---|\n");
	for (size_t b = 0; b < f->nr_bits; b++) {
		const struct abi_bits *bits = abi_field_nth_bits(f, b);
		fprintf(out, "| %u:%u | ", bits->lsb + bits->width - 1, bits->lsb);
		md_code(out, bits->name);
		fprintf(out, " | ");
		/* One value per range, or one parameter for the whole register. */
		if (n == 1 && !v->bits)
			fprintf(out, "part of ");
		for (size_t i = 0; i < n; i++)
			if (v[i].bits == bits || (n == 1 && !v->bits))
				md_c_value(out, &v[i]);
		fprintf(out, " |");
		md_cell(out, bits->description);
		fprintf(out, "\n");
	}
	fprintf(out, "\n");
}

static void emit_op(FILE *out, const struct abi_family *fam, const struct abi_op *op)
{
	/* The C view; when the C generators cannot make one, the C column stays empty. */
	struct abi_c_op c_op;
	const struct abi_c_op *c = abi_c_op_init(&c_op, fam, op) == 0 ? &c_op : NULL;

	if (op->direct)
		fprintf(out, "### %s (direct, no sub-op)\n\n", op_title(fam, op));
	else
		fprintf(out, "### %s (sub-op %ld)\n\n", op->name, op->index);
	md_paragraph(out, op->description);

	fprintf(out, "| register | x86-64 | in/out | field | C | description |\n");
	fprintf(out, "|---|---|---|---|---|---|\n");
	fprintf(out, "| reg0 | rax | in | | | hypercall %ld \\| 0x%x |\n", fam->hypercall_index,
		__HYPERVISOR_FASTABI_MASK);
	if (!op->direct)
		fprintf(out, "| reg1 | rdi | in | | | sub-op %ld |\n", op->index);
	for (size_t i = 0; i < op->nr_in; i++)
		emit_field_row(out, c, &op->in[i], false);
	fprintf(out, "| reg0 | rax | out | | | %s |\n",
		op->nr_out ? "0 or a value on success (then the outputs are written), "
			     "negative errno on failure"
			   : "0 or a value on success, negative errno on failure");
	for (size_t i = 0; i < op->nr_out; i++)
		emit_field_row(out, c, &op->out[i], true);
	fprintf(out, "\n");

	for (size_t i = 0; i < op->nr_in; i++)
		if (op->in[i].nr_bits)
			emit_bits_table(out, c, &op->in[i], false);
	for (size_t i = 0; i < op->nr_out; i++)
		if (op->out[i].nr_bits)
			emit_bits_table(out, c, &op->out[i], true);

	if (op->c.struct_name) {
		fprintf(out, "C struct: ");
		size_t n = strlen("struct ") + strlen(op->c.struct_name) + 1;
		char *s = malloc(n);
		if (!s)
			abort();
		snprintf(s, n, "struct %s", op->c.struct_name);
		md_code(out, s);
		free(s);
		fprintf(out, "; the C column names its members.\n\n");
		if (op->c.nr_fixed) {
			fprintf(out, "Not carried by any register; the hypervisor uses: ");
			for (size_t i = 0; i < op->c.nr_fixed; i++) {
				size_t n = strlen(op->c.fixed[i].key) + strlen(op->c.fixed[i].value) + 4;
				char *s = malloc(n);
				if (!s)
					abort();
				snprintf(s, n, "%s = %s", op->c.fixed[i].key, op->c.fixed[i].value);
				fprintf(out, "%s", i ? ", " : "");
				md_code(out, s);
				free(s);
			}
			fprintf(out, ".\n\n");
		}
	}
	if (op->nr_errors) {
		fprintf(out, "Errors (negated in rax): ");
		for (size_t i = 0; i < op->nr_errors; i++) {
			if (i)
				fprintf(out, ", ");
			md_code(out, op->errors[i].name);
		}
		fprintf(out, ".\n\n");
	}
	if (op->preemptible)
		fprintf(out,
			"Preemptible: the hypervisor may stop after part of the work and continue\n"
			"by re-executing the trap; the guest sees one call.\n\n");
	if (c)
		abi_c_op_free(&c_op);
}

static void emit_family(FILE *out, const struct abi_family *fam)
{
	fprintf(out, "## %s (hypercall %ld)\n\n", fam->name, fam->hypercall_index);
	md_paragraph(out, fam->description);
	fprintf(out, "Specification: `%s`.\n\n", abi_base_name(fam->file));
	for (size_t i = 0; i < nr_ops(fam); i++)
		emit_op(out, fam, nth_op(fam, i));
}

/* "2, 3" for the argument registers (reg2..reg7) in a mask, or "-". */
static void emit_reg_list(FILE *out, unsigned mask)
{
	bool any = false;
	for (int r = 2; r < ABI_NR_REGS; r++) {
		if (!(mask & (1u << r)))
			continue;
		fprintf(out, "%s%d", any ? ", " : "", r);
		any = true;
	}
	if (!any)
		fprintf(out, "-");
}

static void emit_index(FILE *out, const struct abi_spec *spec)
{
	fprintf(out,
		"## Index of operations\n\n"
		"Every operation uses rax (reg0) in and out, and every sub-op uses rdi (reg1)\n"
		"for its number; the last two columns list the other registers by ABI number.\n\n");
	fprintf(out, "| family | op | hypercall | sub-op | in regs | out regs |\n");
	fprintf(out, "|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < spec->nr_families; i++) {
		const struct abi_family *fam = &spec->families[i];
		for (size_t o = 0; o < nr_ops(fam); o++) {
			const struct abi_op *op = nth_op(fam, o);
			fprintf(out, "| %s | %s | %ld | ", fam->name, op_title(fam, op),
				fam->hypercall_index);
			if (op->direct)
				fprintf(out, "direct");
			else
				fprintf(out, "%ld", op->index);
			fprintf(out, " | ");
			emit_reg_list(out, abi_op_in_mask(fam, op));
			fprintf(out, " | ");
			emit_reg_list(out, abi_op_out_mask(op));
			fprintf(out, " |\n");
		}
	}
}

int abi_gen_doc(const struct abi_spec *spec, FILE *out)
{
	emit_intro(out, spec);
	emit_registers(out);
	emit_rules(out);
	for (size_t i = 0; i < spec->nr_families; i++)
		emit_family(out, &spec->families[i]);
	emit_index(out, spec);
	return 0;
}
