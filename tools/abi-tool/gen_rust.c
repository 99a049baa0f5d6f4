/*
 * `abi-tool gen rust`: a no_std Rust module with one stub per operation.
 *
 * The module needs only `core` and is mounted as `mod fastabi;` or through
 * include! in a #![no_std] crate (docs/rust-bindings.md), so it has no inner
 * attributes or inner doc comments. Per family it has a `pub mod`
 * with the hypercall number, the sub-op numbers, one `<Op>Out` struct per op
 * that has outputs, and one `pub unsafe fn` per op that pins every register
 * the op uses and nothing else: FastABI promises that the hypervisor changes
 * only rax and the declared outputs, so inputs are plain `in` operands.
 *
 * Return rule (one for all ops): a negative rax is Err(rax). Otherwise an op
 * without outputs gives Ok(rax); an op with outputs gives Ok(<Op>Out) whose
 * `ret` member holds rax and the other members the output registers.
 *
 * The trap enum and the constants come from include/fastabi/ itself, so the
 * Rust and C sides cannot drift apart.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/fastabi/trap.h"
#include "../../include/fastabi/xen-ext.h"
#include "emit.h"
#include "gen.h"

/*
 * Rust's strict and reserved keywords (2015 to 2024 editions), which need
 * the r# prefix to be used as identifiers.
 */
static const char *const rust_keywords[] = {
	"abstract", "as", "async", "await", "become", "box", "break", "const",
	"continue", "do", "dyn", "else", "enum", "extern", "false", "final",
	"fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match",
	"mod", "move", "mut", "override", "priv", "pub", "ref", "return",
	"static", "struct", "trait", "true", "try", "type", "typeof", "unsafe",
	"unsized", "use", "virtual", "where", "while", "yield",
};

/* Keywords that cannot be raw identifiers: these get a trailing '_'. */
static const char *const rust_unrawable[] = { "crate", "self", "super", "Self", "_" };

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

#define IN_LIST(s, list) in_list((s), (list), sizeof(list) / sizeof((list)[0]))

/* A printf into a fresh heap string. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	char *s = malloc((size_t)n + 1);
	if (!s)
		abort();
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* 'name' as a Rust identifier: r#type for keywords, self_ for the rest. */
static char *rust_ident(const char *name)
{
	if (IN_LIST(name, rust_unrawable))
		return fmt("%s_", name);
	if (IN_LIST(name, rust_keywords))
		return fmt("r#%s", name);
	return fmt("%s", name);
}

/* "alloc_unbound" -> "AllocUnbound" */
static char *camel(const char *name)
{
	char *s = fmt("%s", name);
	size_t j = 0;
	bool up = true;
	for (size_t i = 0; name[i]; i++) {
		if (name[i] == '_') {
			up = true;
			continue;
		}
		char c = name[i];
		if (up && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		s[j++] = c;
		up = false;
	}
	s[j] = '\0';
	return s;
}

/* "alloc_unbound" -> "ALLOC_UNBOUND" */
static char *upper(const char *name)
{
	char *s = fmt("%s", name);
	for (size_t i = 0; s[i]; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			s[i] = (char)(s[i] - 'a' + 'A');
	return s;
}

/* A hexadecimal literal with '_' every four digits: 0x4000_0000. */
static char *hex(unsigned long long v)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%llx", v);
	char buf[64];
	size_t j = 0;
	buf[j++] = '0';
	buf[j++] = 'x';
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 4 == 0)
			buf[j++] = '_';
		buf[j++] = digits[i];
	}
	buf[j] = '\0';
	return fmt("%s", buf);
}

static char *mask_of(unsigned width)
{
	return hex(abi_bits_mask(width));
}

/* A single set bit as "1 << n", anything else in hex. */
static char *bit_literal(unsigned long long v)
{
	if (v && (v & (v - 1)) == 0)
		return fmt("1 << %d", __builtin_ctzll(v));
	return hex(v);
}

static bool has_text(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return true;
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Doc comment lines are wrapped at this column. */
#define DOC_WIDTH 96

/*
 * Free text from the spec written into doc comments, word by word: wrapped
 * at DOC_WIDTH and escaped so that rustdoc sees no link ('[', ']'), emphasis
 * ('*') or HTML tag ('<' before a letter, '/', '!' or '?') that the author
 * did not mean, and so that no line starts a heading, quote, list, code
 * fence or setext underline. Code spans (`...`) are left as written.
 */
struct doc_writer {
	FILE *out;
	const char *indent; /* before "///" */
	const char *cont;   /* after "///" on continuation lines */
	size_t col;
	bool line_start; /* no word on this line yet */
	bool code;       /* inside a code span */
	char last;       /* last character written, for the final full stop */
};

static void doc_newline(struct doc_writer *w)
{
	fprintf(w->out, "\n%s///%s", w->indent, w->cont);
	w->col = strlen(w->indent) + 3 + strlen(w->cont);
	w->line_start = true;
}

static void doc_word(struct doc_writer *w, const char *p, size_t len)
{
	if (!w->line_start && w->col + 1 + len > DOC_WIDTH)
		doc_newline(w);
	fputc(' ', w->out);
	w->col += 1 + len;
	size_t i = 0;
	if (w->line_start && !w->code) {
		size_t d = 0;
		while (d < len && p[d] >= '0' && p[d] <= '9')
			d++;
		if (d > 0 && d < len && (p[d] == '.' || p[d] == ')')) {
			fwrite(p, 1, d, w->out); /* "1." would start a list */
			fputc('\\', w->out);
			i = d;
		} else if (strchr("#>-+=~", p[0]) || (len >= 3 && strncmp(p, "```", 3) == 0)) {
			fputc('\\', w->out);
		}
	}
	w->line_start = false;
	for (; i < len; i++) {
		char c = p[i], next = i + 1 < len ? p[i + 1] : ' ';
		bool tag = (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
			   next == '/' || next == '!' || next == '?';
		if (c == '`')
			w->code = !w->code;
		if (!w->code && (c == '[' || c == ']' || c == '*'))
			fprintf(w->out, "\\%c", c);
		else if (!w->code && c == '<' && tag)
			fputs("&lt;", w->out);
		else
			fputc(c, w->out);
		w->last = c;
	}
}

static void doc_words(struct doc_writer *w, const char *p, const char *end)
{
	while (p < end) {
		while (p < end && is_blank(*p))
			p++;
		const char *word = p;
		while (p < end && !is_blank(*p))
			p++;
		if (p > word)
			doc_word(w, word, (size_t)(p - word));
	}
}

/*
 * A doc comment from free text. Its line breaks are kept (a blank line
 * separates paragraphs), its indentation is dropped so that no line becomes
 * an indented code block (which rustdoc would run as a doctest), long lines
 * are wrapped.
 */
static void doc_text(FILE *out, const char *indent, const char *text)
{
	struct doc_writer w = { .out = out, .indent = indent, .cont = "" };
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		fprintf(out, "%s///", indent);
		w.col = strlen(indent) + 3;
		w.line_start = true;
		doc_words(&w, p, end);
		fputc('\n', out);
		if (!nl)
			break;
		p = nl + 1;
	}
}

/*
 * One doc line that starts with 'lead' (generated text, written as is) and
 * goes on with ": " and a description from the spec, on one logical line
 * wrapped with continuation lines that start with 'cont' (so that a list
 * item stays one item), and ended by a full stop unless it ends in punctuation. Without a
 * description the line ends with 'end'.
 */
static void doc_item(FILE *out, const char *indent, const char *cont, const char *lead,
		     const char *text, const char *end)
{
	fprintf(out, "%s/// %s", indent, lead);
	if (has_text(text)) {
		struct doc_writer w = { .out = out, .indent = indent, .cont = cont };
		fputc(':', out);
		w.col = strlen(indent) + 4 + strlen(lead) + 1;
		doc_words(&w, text, text + strlen(text));
		if (!strchr(".!?:", w.last))
			fputc('.', out);
	} else {
		fputs(end, out);
	}
	fputc('\n', out);
}

/* ---- names must not collide inside one generated scope ---- */

struct names {
	char **v;
	bool *ours; /* the generated code's own name, not one from the spec */
	size_t n, cap;
};

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	free(ns->ours);
	*ns = (struct names){ 0 };
}

/*
 * Add a copy of 'name' (the name before any r# escaping) to a scope: a name
 * from the spec written at 'pos', or the generator's own when pos is NULL.
 * When it was taken, say so and return false.
 */
static bool names_add(struct names *ns, const char *name, const char *scope,
		      const struct abi_pos *pos)
{
	for (size_t i = 0; i < ns->n; i++) {
		if (strcmp(ns->v[i], name) != 0)
			continue;
		if (pos)
			fprintf(stderr, "%s:%d:%d: ", pos->file ? pos->file : "?", pos->line,
				pos->col);
		if (ns->ours[i])
			fprintf(stderr,
				"abi-tool gen rust: '%s' is a name the generated code uses itself in %s; rename it\n",
				name, scope);
		else
			fprintf(stderr, "abi-tool gen rust: the Rust name '%s' is used twice in %s\n",
				name, scope);
		return false;
	}
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? 2 * ns->cap : 16;
		ns->v = realloc(ns->v, ns->cap * sizeof(*ns->v));
		ns->ours = realloc(ns->ours, ns->cap * sizeof(*ns->ours));
		if (!ns->v || !ns->ours)
			abort();
	}
	ns->ours[ns->n] = pos == NULL;
	ns->v[ns->n++] = fmt("%s", name);
	return true;
}

/* ---- per-op naming ---- */

/* The Rust argument (or Out member) name of a field, or of one of its bit
 * ranges: "<field>_<range>" so that ranges of two fields cannot clash. */
static char *value_name(const struct abi_field *f, const struct abi_bits *b)
{
	return b ? fmt("%s_%s", f->ident, b->name) : fmt("%s", f->ident);
}


/* The op's name in Rust: the family name for a direct op (as in C). */
static const char *op_name(const struct abi_family *fam, const struct abi_op *op)
{
	return op->direct ? fam->name : op->name;
}

/*
 * Every Rust name of one op must be distinct: the stub's arguments among
 * themselves and against its own locals (register names, <reg>_in, ret);
 * the Out members among themselves and against 'ret'.
 */
static bool check_op_names(const struct abi_op *op, const char *scope)
{
	bool ok = true;
	struct names args = { 0 }, members = { 0 };

	names_add(&args, "ret", scope, NULL);
	for (int r = 0; r < ABI_NR_REGS; r++) {
		char *in = fmt("%s_in", abi_reg_name(r));
		names_add(&args, abi_reg_name(r), scope, NULL);
		names_add(&args, in, scope, NULL);
		free(in);
	}
	names_add(&members, "ret", scope, NULL);

	for (int pass = 0; pass < 2; pass++) {
		const struct abi_field *fs = pass ? op->out : op->in;
		size_t n = pass ? op->nr_out : op->nr_in;
		for (size_t i = 0; i < n; i++) {
			const struct abi_field *f = &fs[i];
			size_t nb = f->nr_bits ? f->nr_bits : 1;
			for (size_t b = 0; b < nb; b++) {
				const struct abi_bits *bits = f->nr_bits ? abi_field_nth_bits(f, b) : NULL;
				char *v = value_name(f, bits);
				ok &= names_add(pass ? &members : &args, v, scope,
						bits ? &bits->pos : &f->pos);
				free(v);
			}
		}
	}
	names_free(&args);
	names_free(&members);
	return ok;
}

/* Family scope: HYPERCALL, the sub-op constants and the functions share the
 * value namespace; the Out structs the type namespace. */
static bool check_family_names(const struct abi_family *fam)
{
	bool ok = true;
	struct names values = { 0 }, types = { 0 };
	char *scope = fmt("module %s", fam->name);

	names_add(&values, "HYPERCALL", scope, NULL);
	size_t nr_ops = fam->nr_subops + (fam->direct ? 1 : 0);
	for (size_t i = 0; i < nr_ops; i++) {
		const struct abi_op *op = i < fam->nr_subops ? &fam->subops[i] : fam->direct;
		const char *name = op_name(fam, op);
		if (!op->direct) {
			char *u = upper(name);
			ok &= names_add(&values, u, scope, &op->pos);
			free(u);
		}
		ok &= names_add(&values, name, scope, &op->pos);
		if (op->nr_out) {
			char *c = camel(name);
			char *t = fmt("%sOut", c);
			ok &= names_add(&types, t, scope, &op->pos);
			free(t);
			free(c);
		}
		char *op_scope = fmt("%s::%s", fam->name, name);
		ok &= check_op_names(op, op_scope);
		free(op_scope);
	}
	names_free(&values);
	names_free(&types);
	free(scope);
	return ok;
}

/* ---- the module ---- */

static void emit_preamble(FILE *out, const struct abi_spec *spec)
{
	size_t nr_ops = 0;
	for (size_t i = 0; i < spec->nr_families; i++)
		nr_ops += spec->families[i].nr_subops + (spec->families[i].direct ? 1 : 0);

	abi_emit_banner(out, spec, "//");
	fprintf(out, "\n");
	fprintf(out,
		"// FastABI hypercall stubs for x86-64 guests (%zu famil%s, %zu operation%s).\n",
		spec->nr_families, spec->nr_families == 1 ? "y" : "ies", nr_ops,
		nr_ops == 1 ? "" : "s");
	fprintf(out,
		"//\n"
		"// It needs only `core`. Mount it as a module of a `#![no_std]` crate, either\n"
		"// `mod fastabi;` or `mod fastabi { include!(...); }` (it has no inner\n"
		"// attributes, so include! works): see docs/rust-bindings.md.\n"
		"//\n"
		"// One module per hypercall family holds `HYPERCALL`, one `u64` constant per\n"
		"// sub-op number and one `pub unsafe fn` per operation. Every function takes the\n"
		"// inputs as `u64` in register order (one argument per bit range of a packed\n"
		"// register; the stub masks and shifts them). The trap is not an argument: each\n"
		"// stub traps through a trap site that the program patches once at boot, before\n"
		"// its first call, with [`patch_traps`] (as Linux patches vmcall/vmmcall).\n"
		"//\n"
		"// Return rule: a negative rax is `Err(rax)` (a negative Xen errno). Otherwise\n"
		"// an operation without outputs returns `Ok(rax)`; an operation with outputs\n"
		"// returns `Ok(<Op>Out)`, where `ret` holds rax and the other members hold the\n"
		"// output registers (one member per bit range of a packed register). The\n"
		"// hypervisor writes outputs only on success and changes no other register.\n"
		"\n");
	fprintf(out,
		"#[cfg(not(target_arch = \"x86_64\"))]\n"
		"compile_error!(\"the FastABI bindings are for x86-64 guests only\");\n"
		"\n");
}

static void emit_constants(FILE *out)
{
	char *mask = hex(__HYPERVISOR_FASTABI_MASK);
	char *port = hex(FASTABI_DOORBELL_PORT);
	char *hvm = bit_literal(XEN_HVM_CPUID_FASTABI);
	char *t_vmcall = bit_literal(FASTABI_CPUID_TRAP_VMCALL);
	char *t_vmmcall = bit_literal(FASTABI_CPUID_TRAP_VMMCALL);
	char *t_doorbell = bit_literal(FASTABI_CPUID_TRAP_DOORBELL);
	char *port_mask = hex(FASTABI_CPUID_DOORBELL_PORT_MASK);

	fprintf(out,
		"/// How the guest traps into the hypervisor (`enum fastabi_trap` in C).\n"
		"///\n"
		"/// The hypervisor lists the traps it serves in EDX of Xen's HVM CPUID leaf\n"
		"/// (base + 4), one bit per trap ([`Trap::cpuid_bit`]); another trap may raise #UD.\n"
		"#[derive(Clone, Copy, Debug, PartialEq, Eq)]\n"
		"#[repr(u32)]\n"
		"pub enum Trap {\n"
		"    /// `vmcall` (Intel VMX).\n"
		"    Vmcall = %d,\n"
		"    /// `vmmcall` (AMD SVM).\n"
		"    Vmmcall = %d,\n"
		"    /// `out %s, al`: an I/O-port doorbell, for hypervisors that cannot see\n"
		"    /// `vmcall` (a userspace VMM on KVM). Uses no register beyond `al`.\n"
		"    Doorbell = %d,\n"
		"}\n"
		"\n"
		"impl Trap {\n"
		"    /// This trap's bit in EDX of the HVM CPUID leaf (`CPUID_TRAP_*`).\n"
		"    pub const fn cpuid_bit(self) -> u32 {\n"
		"        1 << (self as u32)\n"
		"    }\n"
		"\n"
		"    /// This trap's bytes at a trap site: the instruction, the doorbell\n"
		"    /// padded with a `nop`.\n"
		"    pub const fn site_bytes(self) -> [u8; TRAP_SITE_LEN] {\n"
		"        match self {\n"
		"            Trap::Vmcall => [0x0f, 0x01, 0xc1],\n"
		"            Trap::Vmmcall => [0x0f, 0x01, 0xd9],\n"
		"            Trap::Doorbell => [0xe6, DOORBELL_PORT, 0x90],\n"
		"        }\n"
		"    }\n"
		"}\n"
		"\n"
		"/// The length of a trap site: every stub traps through one, `vmcall` until\n"
		"/// [`patch_traps`] writes the chosen trap into it.\n"
		"pub const TRAP_SITE_LEN: usize = 3;\n"
		"\n"
		"// A trap site that is never executed, so that the section of trap sites\n"
		"// (and its bounds, which the linker defines) exists in every program that\n"
		"// has this module, whichever stubs it uses.\n"
		"core::arch::global_asm!(\n"
		"    \".pushsection .text.fastabi_trap_anchor, \\\"ax\\\"\",\n"
		"    \"2: vmcall\",\n"
		"    \".pushsection fastabi_trap_sites, \\\"aR\\\"\",\n"
		"    \".balign 4\",\n"
		"    \".long 2b - .\",\n"
		"    \".popsection\",\n"
		"    \".popsection\",\n"
		");\n"
		"\n"
		"/// The address of every trap site of the program (every stub's, and the\n"
		"/// C stubs' too if it has them).\n"
		"pub fn trap_sites() -> impl Iterator<Item = *mut u8> {\n"
		"    let start: *const i32;\n"
		"    let stop: *const i32;\n"
		"    // The linker's bounds of the section, named in the asm: no extern\n"
		"    // declaration, which would have to be `unsafe extern` in edition 2024.\n"
		"    unsafe {\n"
		"        core::arch::asm!(\n"
		"            \"lea {start}, [rip + __start_fastabi_trap_sites]\",\n"
		"            \"lea {stop}, [rip + __stop_fastabi_trap_sites]\",\n"
		"            start = out(reg) start,\n"
		"            stop = out(reg) stop,\n"
		"            options(nomem, nostack, pure),\n"
		"        );\n"
		"    }\n"
		"    let n = (stop as usize - start as usize) / 4;\n"
		"    // Each entry holds its site's address relative to itself.\n"
		"    (0..n).map(move |i| unsafe {\n"
		"        let entry = start.add(i);\n"
		"        (entry as *const u8).offset(entry.read() as isize) as *mut u8\n"
		"    })\n"
		"}\n"
		"\n"
		"/// Patches every trap site of the program ([`trap_sites`]) to `trap`, and\n"
		"/// returns how many there are.\n"
		"///\n"
		"/// # Safety\n"
		"///\n"
		"/// Writes the program's code: call it once at boot, before the first\n"
		"/// FastABI call, while no other CPU runs the program, with the code\n"
		"/// writable (a kernel's boot page tables, or `mprotect` in a user process).\n"
		"pub unsafe fn patch_traps(trap: Trap) -> usize {\n"
		"    let bytes = trap.site_bytes();\n"
		"    let mut n = 0;\n"
		"    for site in trap_sites() {\n"
		"        for (k, b) in bytes.iter().enumerate() {\n"
		"            unsafe { site.add(k).write_volatile(*b) };\n"
		"        }\n"
		"        n += 1;\n"
		"    }\n"
		"    n\n"
		"}\n"
		"\n",
		FASTABI_TRAP_VMCALL, FASTABI_TRAP_VMMCALL, port, FASTABI_TRAP_DOORBELL);

	fprintf(out,
		"/// reg0 (rax) is the hypercall number OR-ed with this bit for a FastABI call.\n"
		"pub const FASTABI_MASK: u64 = %s;\n"
		"\n"
		"/// The doorbell's I/O port: the immediate of `out %s, al`.\n"
		"pub const DOORBELL_PORT: u8 = %s;\n"
		"\n"
		"/// Xen HVM CPUID leaf (base + 4), EAX: the hypervisor serves FastABI.\n"
		"pub const XEN_HVM_CPUID_FASTABI: u32 = %s;\n"
		"\n"
		"/// HVM CPUID leaf, EDX: `vmcall` reaches the hypervisor.\n"
		"pub const CPUID_TRAP_VMCALL: u32 = %s;\n"
		"/// HVM CPUID leaf, EDX: `vmmcall` reaches the hypervisor.\n"
		"pub const CPUID_TRAP_VMMCALL: u32 = %s;\n"
		"/// HVM CPUID leaf, EDX: the I/O-port doorbell reaches the hypervisor.\n"
		"pub const CPUID_TRAP_DOORBELL: u32 = %s;\n"
		"/// HVM CPUID leaf, EDX bits 15:8: the doorbell port. The stubs use\n"
		"/// [`DOORBELL_PORT`]; check that the hypervisor announces the same.\n"
		"pub const CPUID_DOORBELL_PORT_SHIFT: u32 = %d;\n"
		"/// Mask of the doorbell port after shifting by [`CPUID_DOORBELL_PORT_SHIFT`].\n"
		"pub const CPUID_DOORBELL_PORT_MASK: u32 = %s;\n",
		mask, port, port, hvm, t_vmcall, t_vmmcall, t_doorbell,
		FASTABI_CPUID_DOORBELL_PORT_SHIFT, port_mask);

	free(mask);
	free(port);
	free(hvm);
	free(t_vmcall);
	free(t_vmmcall);
	free(t_doorbell);
	free(port_mask);
}

/*
 * "- in: reg3 `r8` = `a` (bits 15:0), `b` (bits 31:16): description", then
 * one nested item per bit range that has a description.
 */
static void doc_field(FILE *out, const char *dir, const struct abi_field *f)
{
	char *lead = NULL;
	size_t lead_len = 0;
	FILE *m = open_memstream(&lead, &lead_len);
	if (!m)
		abort();
	fprintf(m, "- %s: reg%d `%s` %s ", dir, f->reg, abi_reg_name(f->reg),
		strcmp(dir, "in") == 0 ? "=" : "->");
	if (!f->nr_bits) {
		char *v = value_name(f, NULL);
		fprintf(m, "`%s`", v);
		free(v);
	}
	for (size_t b = 0; b < f->nr_bits; b++) {
		const struct abi_bits *bits = abi_field_nth_bits(f, b);
		char *v = value_name(f, bits);
		fprintf(m, "%s`%s` (bits %u:%u)", b ? ", " : "", v, bits->lsb + bits->width - 1,
			bits->lsb);
		free(v);
	}
	fclose(m);
	doc_item(out, "    ", "  ", lead, f->description, "");
	free(lead);

	for (size_t b = 0; b < f->nr_bits; b++) {
		const struct abi_bits *bits = abi_field_nth_bits(f, b);
		if (!has_text(bits->description))
			continue;
		char *v = value_name(f, bits);
		char *item = fmt("  - `%s`", v);
		doc_item(out, "    ", "    ", item, bits->description, "");
		free(item);
		free(v);
	}
}

static void emit_op_doc(FILE *out, const struct abi_family *fam, const struct abi_op *op,
			const char *sub_const)
{
	if (op->direct)
		fprintf(out, "    /// `%s` (hypercall %ld, no sub-op).\n", fam->name,
			fam->hypercall_index);
	else
		fprintf(out, "    /// `%s` `%s` (hypercall %ld, sub-op %ld).\n", fam->name, op->name,
			fam->hypercall_index, op->index);
	if (has_text(op->description)) {
		fprintf(out, "    ///\n");
		doc_text(out, "    ", op->description);
	}
	fprintf(out, "    ///\n    /// Registers:\n");
	fprintf(out, "    /// - in: reg0 `rax` = `HYPERCALL | FASTABI_MASK`\n");
	if (!op->direct)
		fprintf(out, "    /// - in: reg1 `rdi` = `%s`\n", sub_const);
	for (size_t i = 0; i < op->nr_in; i++)
		doc_field(out, "in", &op->in[i]);
	if (op->nr_out)
		fprintf(out, "    /// - out: reg0 `rax` -> `ret` (negative: `Err`)\n");
	else
		fprintf(out, "    /// - out: reg0 `rax` -> `Ok(rax)`, or `Err(rax)` when negative\n");
	for (size_t i = 0; i < op->nr_out; i++)
		doc_field(out, "out", &op->out[i]);
	if (op->nr_errors) {
		fprintf(out, "    ///\n    /// Errors (negated):");
		for (size_t i = 0; i < op->nr_errors; i++)
			fprintf(out, "%s `%s`", i ? "," : "", op->errors[i].name);
		fprintf(out, ".\n");
	}
	if (op->preemptible)
		fprintf(out,
			"    ///\n"
			"    /// Preemptible: the hypervisor may do part of the work and resume it by\n"
			"    /// having the trap executed again (progress kept in a register is both\n"
			"    /// input and output); the stub returns when the operation is complete.\n");
	fprintf(out,
		"    ///\n"
		"    /// # Safety\n"
		"    ///\n"
		"    /// Traps into the hypervisor, which acts on the guest's memory and state\n"
		"    /// as the arguments say. The caller must pass arguments that are valid for\n"
		"    /// this operation, and have patched the traps ([`super::patch_traps`]) to\n"
		"    /// one that this hypervisor serves.\n");
}

static void emit_out_struct(FILE *out, const struct abi_op *op, const char *fn_link,
			    const char *type)
{
	fprintf(out, "    /// Outputs of %s, returned on success only.\n", fn_link);
	fprintf(out, "    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]\n");
	fprintf(out, "    pub struct %s {\n", type);
	fprintf(out, "        /// reg0 (rax): the return value, never negative here.\n");
	fprintf(out, "        pub ret: i64,\n");
	for (size_t i = 0; i < op->nr_out; i++) {
		const struct abi_field *f = &op->out[i];
		size_t nb = f->nr_bits ? f->nr_bits : 1;
		for (size_t b = 0; b < nb; b++) {
			const struct abi_bits *bits = f->nr_bits ? abi_field_nth_bits(f, b) : NULL;
			const char *desc = bits ? bits->description : f->description;
			char *lead = bits ? fmt("reg%d (%s) bits %u:%u of `%s`", f->reg,
						 abi_reg_name(f->reg), bits->lsb + bits->width - 1,
						 bits->lsb, f->name)
					  : fmt("reg%d (%s)", f->reg, abi_reg_name(f->reg));
			doc_item(out, "        ", "", lead, desc, ".");
			free(lead);
			char *v = value_name(f, bits);
			char *id = rust_ident(v);
			fprintf(out, "        pub %s: u64,\n", id);
			free(id);
			free(v);
		}
	}
	fprintf(out, "    }\n\n");
}

/* The value a packed input register carries, from its ranges' arguments. */
static void emit_packed_input(FILE *out, const struct abi_field *f)
{
	fprintf(out, "        let %s_in: u64 = ", abi_reg_name(f->reg));
	for (size_t b = 0; b < f->nr_bits; b++) {
		const struct abi_bits *bits = abi_field_nth_bits(f, b);
		char *v = value_name(f, bits);
		char *id = rust_ident(v);
		char *m = mask_of(bits->width);
		bool masked = bits->width < 64;
		bool shifted = bits->lsb > 0;
		bool alone = f->nr_bits == 1;
		if (b)
			fprintf(out, " | ");
		if (masked && shifted)
			fprintf(out, alone ? "(%s & %s) << %u" : "((%s & %s) << %u)", id, m, bits->lsb);
		else if (masked)
			fprintf(out, alone ? "%s & %s" : "(%s & %s)", id, m);
		else if (shifted)
			fprintf(out, alone ? "%s << %u" : "(%s << %u)", id, bits->lsb);
		else
			fprintf(out, "%s", id);
		free(m);
		free(id);
		free(v);
	}
	fprintf(out, ";\n");
}

#define ASM_INDENT "            "

/*
 * The trap site, as in the C stubs (FASTABI_TRAP_SITE): vmcall until
 * patched, its address recorded relative to the entry in the section
 * fastabi_trap_sites. Label 2: LLVM's Intel syntax reads 0b/1b as binary.
 */
static void emit_trap_site(FILE *out, const char *indent)
{
	fprintf(out, "%s\"2: vmcall\",\n", indent);
	fprintf(out, "%s\".pushsection fastabi_trap_sites, \\\"aR\\\"\",\n", indent);
	fprintf(out, "%s\".balign 4\",\n", indent);
	fprintf(out, "%s\".long 2b - .\",\n", indent);
	fprintf(out, "%s\".popsection\",\n", indent);
}

static void emit_asm(FILE *out, const struct abi_op *op, const char *sub_const)
{
	fprintf(out, "            core::arch::asm!(\n");
	emit_trap_site(out, ASM_INDENT);
	fprintf(out, "%sinout(\"rax\") HYPERCALL | super::FASTABI_MASK => rax,\n", ASM_INDENT);
	if (!op->direct)
		fprintf(out, "%sin(\"rdi\") %s,\n", ASM_INDENT, sub_const);
	for (int r = 2; r < ABI_NR_REGS; r++) {
		const struct abi_field *in = abi_op_input(op, r);
		const struct abi_field *o = abi_op_output(op, r);
		const char *reg = abi_reg_name(r);
		char *val = NULL;
		if (in)
			val = in->nr_bits ? fmt("%s_in", reg) : rust_ident(in->ident);
		if (in && o)
			fprintf(out, "%sinout(\"%s\") %s => %s,\n", ASM_INDENT, reg, val, reg);
		else if (in)
			fprintf(out, "%sin(\"%s\") %s,\n", ASM_INDENT, reg, val);
		else if (o)
			fprintf(out, "%slateout(\"%s\") %s,\n", ASM_INDENT, reg, reg);
		free(val);
	}
	fprintf(out, "%soptions(nostack),\n", ASM_INDENT);
	fprintf(out, "            );\n");
}

/* The expression for one Out member from its register's local. */
static void emit_out_value(FILE *out, const struct abi_field *f, const struct abi_bits *bits)
{
	const char *reg = abi_reg_name(f->reg);
	if (!bits || (bits->lsb == 0 && bits->width >= 64)) {
		fprintf(out, "%s", reg);
		return;
	}
	char *m = mask_of(bits->width);
	if (bits->lsb == 0)
		fprintf(out, "%s & %s", reg, m);
	else if (bits->lsb + bits->width >= 64)
		fprintf(out, "%s >> %u", reg, bits->lsb);
	else
		fprintf(out, "(%s >> %u) & %s", reg, bits->lsb, m);
	free(m);
}

static void emit_op(FILE *out, const struct abi_family *fam, const struct abi_op *op)
{
	const char *name = op_name(fam, op);
	char *fn = rust_ident(name);
	/* rustdoc cannot link to a raw identifier: name it without a link. */
	char *fn_link = strncmp(fn, "r#", 2) == 0 ? fmt("`%s`", fn) : fmt("[`%s`]", fn);
	char *sub_const = op->direct ? NULL : upper(name);
	char *type = NULL;
	if (op->nr_out) {
		char *c = camel(name);
		type = fmt("%sOut", c);
		free(c);
	}

	if (!op->direct)
		fprintf(out, "    /// Sub-op number of %s.\n    pub const %s: u64 = %ld;\n\n", fn_link,
			sub_const, op->index);
	if (type)
		emit_out_struct(out, op, fn_link, type);

	emit_op_doc(out, fam, op, sub_const);

	/* Signature, broken one argument per line when it gets long. */
	char *ret = type ? fmt("Result<%s, i64>", type) : fmt("Result<i64, i64>");
	size_t len = strlen("    pub unsafe fn () -> {") + strlen(fn) + strlen(ret);
	for (size_t i = 0; i < op->nr_in; i++) {
		const struct abi_field *f = &op->in[i];
		size_t nb = f->nr_bits ? f->nr_bits : 1;
		for (size_t b = 0; b < nb; b++) {
			char *v = value_name(f, f->nr_bits ? abi_field_nth_bits(f, b) : NULL);
			len += strlen(v) + strlen(", : u64") + 2;
			free(v);
		}
	}
	bool wrap = len > 100;
	/*
	 * The asm sits in an unsafe block, which edition 2024 wants inside an
	 * unsafe fn; rustc before 1.65 (Debian 12 has 1.63) calls that block
	 * unused. The allow keeps both quiet under deny(warnings).
	 */
	fprintf(out, "    #[allow(unused_unsafe)]\n");
	fprintf(out, "    pub unsafe fn %s(%s", fn, wrap ? "\n        " : "");
	bool first = true;
	for (size_t i = 0; i < op->nr_in; i++) {
		const struct abi_field *f = &op->in[i];
		size_t nb = f->nr_bits ? f->nr_bits : 1;
		for (size_t b = 0; b < nb; b++) {
			char *v = value_name(f, f->nr_bits ? abi_field_nth_bits(f, b) : NULL);
			char *id = rust_ident(v);
			fprintf(out, "%s%s: u64", first ? "" : wrap ? ",\n        " : ", ", id);
			first = false;
			free(id);
			free(v);
		}
	}
	fprintf(out, "%s) -> %s {\n", wrap && !first ? ",\n    " : "", ret);

	/* Locals: packed inputs first, then one per written register. */
	for (size_t i = 0; i < op->nr_in; i++)
		if (op->in[i].nr_bits)
			emit_packed_input(out, &op->in[i]);
	fprintf(out, "        let rax: u64;\n");
	for (int r = 2; r < ABI_NR_REGS; r++)
		if (abi_op_output(op, r))
			fprintf(out, "        let %s: u64;\n", abi_reg_name(r));

	fprintf(out, "        unsafe {\n");
	emit_asm(out, op, sub_const);
	fprintf(out, "        }\n");

	fprintf(out, "        let ret = rax as i64;\n");
	if (!type) {
		fprintf(out, "        if ret < 0 {\n            Err(ret)\n        } else {\n"
			     "            Ok(ret)\n        }\n");
	} else {
		fprintf(out, "        if ret < 0 {\n            return Err(ret);\n        }\n");
		fprintf(out, "        Ok(%s {\n            ret,\n", type);
		for (size_t i = 0; i < op->nr_out; i++) {
			const struct abi_field *f = &op->out[i];
			size_t nb = f->nr_bits ? f->nr_bits : 1;
			for (size_t b = 0; b < nb; b++) {
				const struct abi_bits *bits = f->nr_bits ? abi_field_nth_bits(f, b) : NULL;
				char *v = value_name(f, bits);
				char *id = rust_ident(v);
				fprintf(out, "            %s: ", id);
				emit_out_value(out, f, bits);
				fprintf(out, ",\n");
				free(id);
				free(v);
			}
		}
		fprintf(out, "        })\n");
	}
	fprintf(out, "    }\n");

	free(ret);
	free(type);
	free(sub_const);
	free(fn_link);
	free(fn);
}

static void emit_family(FILE *out, const struct abi_family *fam)
{
	char *mod = rust_ident(fam->name);
	fprintf(out, "\n");
	fprintf(out, "/// `%s`: hypercall %ld.\n", fam->name, fam->hypercall_index);
	if (has_text(fam->description)) {
		fprintf(out, "///\n");
		doc_text(out, "", fam->description);
	}
	fprintf(out, "pub mod %s {\n", mod);
	fprintf(out, "    /// The hypercall number of this family (reg0 with [`super::FASTABI_MASK`]).\n");
	fprintf(out, "    pub const HYPERCALL: u64 = %ld;\n", fam->hypercall_index);
	if (fam->direct) {
		fprintf(out, "\n");
		emit_op(out, fam, fam->direct);
	}
	for (size_t s = 0; s < fam->nr_subops; s++) {
		fprintf(out, "\n");
		emit_op(out, fam, &fam->subops[s]);
	}
	fprintf(out, "}\n");
	free(mod);
}

int abi_gen_rust(const struct abi_spec *spec, FILE *out)
{
	bool ok = true;
	struct names mods = { 0 };
	/* Root scope: the constants above and one module per family. */
	static const char *const root[] = {
		"Trap", "FASTABI_MASK", "DOORBELL_PORT", "XEN_HVM_CPUID_FASTABI",
		"CPUID_TRAP_VMCALL", "CPUID_TRAP_VMMCALL", "CPUID_TRAP_DOORBELL",
		"CPUID_DOORBELL_PORT_SHIFT", "CPUID_DOORBELL_PORT_MASK",
	};
	for (size_t i = 0; i < sizeof(root) / sizeof(root[0]); i++)
		names_add(&mods, root[i], "the module root", NULL);
	for (size_t i = 0; i < spec->nr_families; i++) {
		ok &= names_add(&mods, spec->families[i].name, "the module root",
				&spec->families[i].name_pos);
		ok &= check_family_names(&spec->families[i]);
	}
	names_free(&mods);
	if (!ok)
		return -1;

	emit_preamble(out, spec);
	emit_constants(out);
	for (size_t i = 0; i < spec->nr_families; i++)
		emit_family(out, &spec->families[i]);
	return 0;
}
