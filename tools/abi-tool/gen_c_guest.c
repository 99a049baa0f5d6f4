/*
 * `abi-tool gen c-guest`: the guest's C header, one static inline stub per
 * operation. docs/guest-stubs.md is the user's description.
 *
 * A stub pins exactly the registers its op uses with local register
 * variables and tells the compiler precisely what the trap reads ("r"),
 * writes ("=r") or both ("+r"), with no register clobbers: FastABI promises
 * that the hypervisor changes nothing else, so the compiler may keep live
 * values in every other register across the call. The stubs stay inline so
 * that results can stay in registers (a store costs about a microsecond in
 * a ring-0 guest on the project's machines, see docs/vmm.md "What it
 * cannot do on these KVM machines").
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream, strtok_r */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "gen.h"

#define LINE_WIDTH 78

/*
 * Spec text (descriptions) as comment text: whitespace runs collapsed, and
 * nothing that would end the comment, start a nested one (-Wcomment) or form
 * a trigraph in -std=c99.
 */
static char *comment_text(const char *s)
{
	size_t n = strlen(s);
	char *t = malloc(2 * n + 1);
	if (!t)
		abort();
	size_t o = 0;
	int space = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			space = o > 0;
			continue;
		}
		if (space)
			t[o++] = ' ';
		space = 0;
		t[o++] = ch;
		if ((ch == '*' && s[i + 1] == '/') || (ch == '/' && s[i + 1] == '*') ||
		    (ch == '?' && s[i + 1] == '?'))
			t[o++] = ' ';
	}
	t[o] = 0;
	return t;
}

/* Words of 'text' after 'first' (which is printed as is), wrapped into
 * comment lines " * ..." of at most LINE_WIDTH columns. */
static void emit_wrapped(FILE *out, const char *first, const char *text)
{
	char *t = comment_text(text ? text : "");
	size_t col = (size_t)fprintf(out, " *%s%s", *first ? " " : "", first);
	char *save = NULL;
	for (char *w = strtok_r(t, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(w);
		if (col + 1 + len > LINE_WIDTH && col > 3) {
			fprintf(out, "\n *  ");
			col = 4;
		}
		col += (size_t)fprintf(out, " %s", w);
	}
	fprintf(out, "\n");
	free(t);
}

/* "dom=rsi, source.domid=r8[15:0], ..." for the comment. */
static void describe_values(FILE *out, const struct abi_c_value *v, size_t n, int *first)
{
	for (size_t i = 0; i < n; i++) {
		const struct abi_c_value *x = &v[i];
		const char *where = x->member ? x->member : x->param;
		fprintf(out, "%s%s", *first ? "" : ", ", where);
		if (x->bits)
			fprintf(out, "=%s[%u:%u]", abi_reg_name(x->field->reg),
				x->bits->lsb + x->bits->width - 1, x->bits->lsb);
		else
			fprintf(out, "=%s", abi_reg_name(x->field->reg));
		*first = 0;
	}
}

static void emit_op_comment(FILE *out, const struct abi_family *fam, const struct abi_op *op,
			    const struct abi_c_op *c)
{
	char head[strlen(fam->name) + strlen(op->name ? op->name : "") + 80];
	if (op->direct)
		snprintf(head, sizeof(head), "%s (hypercall %ld, direct)%s", fam->name,
			 fam->hypercall_index, op->description ? ":" : ".");
	else
		snprintf(head, sizeof(head), "%s %s (hypercall %ld, sub-op %ld)%s", fam->name,
			 op->name, fam->hypercall_index, op->index, op->description ? ":" : ".");
	fprintf(out, "/*\n");
	emit_wrapped(out, head, op->description);

	/* Build the register lines as text, then wrap them like the description. */
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		abort();
	int first = 1;
	if (c->nr_in)
		describe_values(m, c->in, c->nr_in, &first);
	else
		fprintf(m, "nothing beyond rax%s", op->direct ? "" : " and rdi");
	fclose(m);
	emit_wrapped(out, "in:", text);
	free(text);
	text = NULL;
	m = open_memstream(&text, &len);
	if (!m)
		abort();
	fprintf(m, "rax=return value");
	first = 0;
	describe_values(m, c->out, c->nr_out, &first);
	if (c->nr_out)
		fprintf(m, "; outputs only on success");
	fclose(m);
	emit_wrapped(out, "out:", text);
	free(text);
	if (op->nr_errors) {
		fprintf(out, " * errors:");
		for (size_t i = 0; i < op->nr_errors; i++)
			fprintf(out, "%s -XEN_%s", i ? "," : "", op->errors[i].name);
		fprintf(out, "\n");
	}
	if (op->preemptible)
		fprintf(out, " * May be continued: the hypervisor then re-executes the trap with the\n"
			     " * progress in the registers; the stub returns once, when it is done.\n");
	fprintf(out, " */\n");
}

/* The C expression of value v: "arg->m", "name" or "*name". */
static void emit_src(FILE *out, const struct abi_c_op *c, const struct abi_c_value *v)
{
	if (v->member) {
		fprintf(out, "arg->%s", v->member);
		return;
	}
	for (size_t i = 0; i < c->nr_params; i++)
		if (strcmp(c->params[i].name, v->param) == 0 && c->params[i].out) {
			fprintf(out, "*%s", v->param);
			return;
		}
	fprintf(out, "%s", v->param);
}

/* The input expression of register reg: one value, or the OR of the bit ranges. */
static void emit_input(FILE *out, const struct abi_c_op *c, int reg)
{
	int first = 1;
	for (size_t i = 0; i < c->nr_in; i++) {
		const struct abi_c_value *v = &c->in[i];
		if (v->field->reg != reg)
			continue;
		if (!first)
			fprintf(out, " |\n\t\t");
		first = 0;
		if (!v->bits) {
			fprintf(out, "(uint64_t)");
			emit_src(out, c, v);
			continue;
		}
		fprintf(out, "%s((uint64_t)", v->bits->lsb ? "(" : "");
		emit_src(out, c, v);
		fprintf(out, " & UINT64_C(0x%llx))", abi_bits_mask(v->bits->width));
		if (v->bits->lsb)
			fprintf(out, " << %u)", v->bits->lsb);
	}
}

/* The asm operand lists: outputs (rax first), then inputs. */
static void emit_operands(FILE *out, unsigned in, unsigned outm)
{
	fprintf(out, "\n\t\t: \"+r\"(fa_rax)");
	for (int r = 1; r < ABI_NR_REGS; r++)
		if (outm & (1u << r))
			fprintf(out, ", \"%s\"(fa_%s)", in & (1u << r) ? "+r" : "=r",
				abi_reg_name(r));
	fprintf(out, "\n\t\t: ");
	int first = 1;
	for (int r = 1; r < ABI_NR_REGS; r++) {
		if (!(in & (1u << r)) || (outm & (1u << r)))
			continue;
		fprintf(out, "%s\"r\"(fa_%s)", first ? "" : ", ", abi_reg_name(r));
		first = 0;
	}
	fprintf(out, "\n\t\t: \"memory\");\n");
}

static int emit_stub(FILE *out, const struct abi_family *fam, const struct abi_op *op)
{
	struct abi_c_op c;
	if (abi_c_op_init(&c, fam, op) != 0)
		return -1;
	unsigned in = abi_op_in_mask(fam, op) & ~1u;
	unsigned outm = abi_op_out_mask(op) & ~1u;
	char *sym = abi_op_symbol(fam, op);

	emit_op_comment(out, fam, op, &c);
	fprintf(out, "static inline int64_t xen_hypercall_%s(", sym);
	const char *sep = "";
	for (size_t i = 0; i < c.nr_params; i++) {
		const char *type = c.params[i].type;
		int ptr_type = type[0] && type[strlen(type) - 1] == '*';
		fprintf(out, "%s\n\t%s%s%s%s", sep, type, ptr_type ? "" : " ",
			c.params[i].out ? "*" : "", c.params[i].name);
		sep = ",";
	}
	if (c.struct_name) {
		fprintf(out, "%s\n\t%sstruct %s *arg", sep, c.struct_written ? "" : "const ",
			c.struct_name);
		sep = ",";
	}
	fprintf(out, "%s)\n{\n", *sep ? "" : "void");
	if (c.struct_name && !c.struct_read && !c.struct_written)
		fprintf(out, "\t(void)arg;\n");

	fprintf(out, "\tregister uint64_t fa_rax __asm__(\"rax\") =\n"
		     "\t\tUINT64_C(%ld) | __HYPERVISOR_FASTABI_MASK;\n",
		fam->hypercall_index);
	for (int r = 1; r < ABI_NR_REGS; r++) {
		if (!((in | outm) & (1u << r)))
			continue;
		fprintf(out, "\tregister uint64_t fa_%s __asm__(\"%s\")", abi_reg_name(r),
			abi_reg_name(r));
		if (r == ABI_REG_SUBOP && !op->direct)
			fprintf(out, " = UINT64_C(%ld)", op->index);
		else if (in & (1u << r)) {
			fprintf(out, " =\n\t\t");
			emit_input(out, &c, r);
		}
		fprintf(out, ";\n");
	}

	/* One trap site, patched at boot: no branch on the trap (trap_site_text). */
	fprintf(out, "\n\t__asm__ __volatile__(FASTABI_TRAP_SITE");
	emit_operands(out, in, outm);
	if (c.nr_out) {
		fprintf(out, "\tif ((int64_t)fa_rax >= 0) {\n");
		for (size_t i = 0; i < c.nr_out; i++) {
			const struct abi_c_value *v = &c.out[i];
			char val[96];
			const char *reg = abi_reg_name(v->field->reg);
			if (v->bits && v->bits->lsb)
				snprintf(val, sizeof(val), "(fa_%s >> %u) & UINT64_C(0x%llx)", reg,
					 v->bits->lsb, abi_bits_mask(v->bits->width));
			else if (v->bits)
				snprintf(val, sizeof(val), "fa_%s & UINT64_C(0x%llx)", reg,
					 abi_bits_mask(v->bits->width));
			else
				snprintf(val, sizeof(val), "fa_%s", reg);
			if (v->member)
				fprintf(out, "\t\targ->%s = (__typeof__(arg->%s))(%s);\n", v->member,
					v->member, val);
			else
				fprintf(out, "\t\t*%s = (%s)(%s);\n", v->param, v->type, val);
		}
		fprintf(out, "\t}\n");
	}
	fprintf(out, "\treturn (int64_t)fa_rax;\n}\n\n");
	free(sym);
	abi_c_op_free(&c);
	return 0;
}

/*
 * The trap site of the stubs and the boot-time patching of every site
 * (fastabi_patch_traps): see the top of the header.
 */
static const char trap_site_text[] =
	"/*\n"
	" * A trap site: vmcall until patched, its address recorded (relative to\n"
	" * the entry, so position-independent code needs no relocation) in the\n"
	" * section fastabi_trap_sites, which the linker bounds with\n"
	" * __start_fastabi_trap_sites and __stop_fastabi_trap_sites. The section is\n"
	" * retained (\"R\", SHF_GNU_RETAIN): lld's --gc-sections would drop it otherwise.\n"
	" */\n"
	"#define FASTABI_TRAP_SITE_LEN 3\n"
	"#define FASTABI_TRAP_SITE \\\n"
	"\t\"1:\\tvmcall\\n\\t\" \\\n"
	"\t\".pushsection fastabi_trap_sites, \\\"aR\\\"\\n\\t\" \\\n"
	"\t\".balign 4\\n\\t\" \\\n"
	"\t\".long 1b - .\\n\\t\" \\\n"
	"\t\".popsection\"\n"
	"\n"
	"extern const int32_t __start_fastabi_trap_sites[] __attribute__((weak, visibility(\"hidden\")));\n"
	"extern const int32_t __stop_fastabi_trap_sites[] __attribute__((weak, visibility(\"hidden\")));\n"
	"\n"
	"/* The bytes of trap t at a site (the doorbell padded with a nop); 0 if t is no trap. */\n"
	"static inline int fastabi_trap_site_bytes(enum fastabi_trap t, uint8_t b[FASTABI_TRAP_SITE_LEN])\n"
	"{\n"
	"\tswitch (t) {\n"
	"\tcase FASTABI_TRAP_VMCALL: /* vmcall */\n"
	"\t\tb[0] = 0x0f, b[1] = 0x01, b[2] = 0xc1;\n"
	"\t\treturn 1;\n"
	"\tcase FASTABI_TRAP_VMMCALL: /* vmmcall */\n"
	"\t\tb[0] = 0x0f, b[1] = 0x01, b[2] = 0xd9;\n"
	"\t\treturn 1;\n"
	"\tcase FASTABI_TRAP_DOORBELL: /* out %al, $port; nop */\n"
	"\t\tb[0] = 0xe6, b[1] = FASTABI_DOORBELL_PORT, b[2] = 0x90;\n"
	"\t\treturn 1;\n"
	"\t}\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"/* How many trap sites this program (this executable or shared object) has. */\n"
	"static inline unsigned long fastabi_trap_nr_sites(void)\n"
	"{\n"
	"\treturn (unsigned long)(__stop_fastabi_trap_sites - __start_fastabi_trap_sites);\n"
	"}\n"
	"\n"
	"/* The address of trap site i (i < fastabi_trap_nr_sites()). */\n"
	"static inline uint8_t *fastabi_trap_site(unsigned long i)\n"
	"{\n"
	"\tconst int32_t *e = &__start_fastabi_trap_sites[i];\n"
	"\treturn (uint8_t *)(uintptr_t)((const uint8_t *)e + *e);\n"
	"}\n"
	"\n"
	"/*\n"
	" * Patch every trap site of the program to trap t: returns how many sites\n"
	" * it patched, or -XEN_EINVAL (and patches nothing) when t is no trap. Call\n"
	" * it once at boot, before any FastABI call, while no other CPU runs the\n"
	" * program's code, with the text writable (a guest kernel maps it so, or\n"
	" * clears CR0.WP around the call). The stores are ordinary ones: the CPU\n"
	" * that made them sees them at once, others once they serialize (their\n"
	" * start-up does).\n"
	" */\n"
	"static inline long fastabi_patch_traps(enum fastabi_trap t)\n"
	"{\n"
	"\tuint8_t b[FASTABI_TRAP_SITE_LEN];\n"
	"\n"
	"\tif (!fastabi_trap_site_bytes(t, b))\n"
	"\t\treturn -XEN_EINVAL;\n"
	"\tunsigned long n = fastabi_trap_nr_sites();\n"
	"\tfor (unsigned long i = 0; i < n; i++) {\n"
	"\t\tvolatile uint8_t *site = fastabi_trap_site(i);\n"
	"\t\tfor (unsigned k = 0; k < FASTABI_TRAP_SITE_LEN; k++)\n"
	"\t\t\tsite[k] = b[k];\n"
	"\t}\n"
	"\treturn (long)n;\n"
	"}\n"
	"\n";

int abi_gen_c_guest(const struct abi_spec *spec, FILE *out)
{
	fprintf(out, "/*\n");
	abi_emit_banner(out, spec, " *");
	fprintf(out,
		" *\n"
		" * FastABI guest stubs: one static inline function per operation,\n"
		" * xen_hypercall_<family>_<op>(scalar arguments..., struct pointer).\n"
		" *\n"
		" * - The trap: every stub traps with one 3-byte instruction, a trap site\n"
		" *   recorded in the section fastabi_trap_sites. Before its first call the\n"
		" *   program patches every site once, at boot, to the trap the hypervisor\n"
		" *   serves: read CPUID leaf base+4 (EAX bit 7, XEN_HVM_CPUID_FASTABI: FastABI\n"
		" *   is served; EDX: the traps that work, FASTABI_CPUID_TRAP_*,\n"
		" *   <fastabi/trap.h>) and call fastabi_patch_traps() below, as Linux\n"
		" *   patches vmcall into vmmcall once. So no stub branches on the trap.\n"
		" *   Unpatched, a site is vmcall.\n"
		" * - Each stub loads exactly the registers its operation reads and tells\n"
		" *   the compiler exactly which ones the hypervisor writes: rax (the\n"
		" *   return value) and the declared outputs. There are no register\n"
		" *   clobbers, because FastABI forbids the hypervisor to change any other\n"
		" *   register; the compiler keeps live values in them across the call.\n"
		" * - The only clobber is \"memory\": a compiler barrier, since the\n"
		" *   hypervisor may write pages the guest shares with it (shared_info,\n"
		" *   grant frames, batch pages) during the call.\n"
		" * - Outputs are copied into *arg (or through an output pointer) only when\n"
		" *   the return value is not negative: the hypervisor writes output\n"
		" *   registers only on success.\n"
		" * - The return value is rax: 0, a value, or a negative Xen errno.\n"
		" *\n"
		" * FastABI exists only for 64-bit (long mode) guests; this header refuses\n"
		" * to compile elsewhere. Needs the Xen public headers and include/ of the\n"
		" * fastabi project on the include path; works freestanding, C99 or later.\n"
		" */\n"
		"#ifndef FASTABI_GUEST_H\n"
		"#define FASTABI_GUEST_H\n"
		"\n"
		"#if !defined(__x86_64__)\n"
		"#error \"fastabi_guest.h: FastABI is x86-64 long mode only; a 32-bit guest must use the legacy hypercall ABI\"\n"
		"#else\n"
		"\n"
		);
	abi_emit_c_includes(out, spec);
	fprintf(out,
		"#include <xen/errno.h>\n"
		"\n"
		"#if __XEN_INTERFACE_VERSION__ != __XEN_LATEST_INTERFACE_VERSION__\n"
		"#error \"fastabi_guest.h needs the newest Xen interface: include it before other Xen headers, or define __XEN_INTERFACE_VERSION__ as __XEN_LATEST_INTERFACE_VERSION__\"\n"
		"#endif\n"
		"\n");
	fputs(trap_site_text, out);

	int rc = 0;
	for (size_t i = 0; i < spec->nr_families && rc == 0; i++) {
		const struct abi_family *fam = &spec->families[i];
		if (fam->direct)
			rc = emit_stub(out, fam, fam->direct);
		for (size_t s = 0; s < fam->nr_subops && rc == 0; s++)
			rc = emit_stub(out, fam, &fam->subops[s]);
	}
	fprintf(out, "#endif /* __x86_64__ */\n#endif /* FASTABI_GUEST_H */\n");
	return rc;
}
