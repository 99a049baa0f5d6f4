/*
 * `abi-tool gen selftest`: a hosted C program that executes every generated
 * guest stub for real, in a user process, and checks the register contract.
 *
 * The stubs are called with the doorbell trap. `outb` in user mode raises
 * #GP, which Linux delivers as SIGSEGV with every register of the caller in
 * the signal's ucontext: the handler plays the hypervisor there. It checks
 * the trap instruction and every input register against what the caller
 * encoded, writes a pattern into every declared output register and rax,
 * steps over the instruction and returns; sigreturn loads the registers
 * back, exactly as a VMM does after an exit. vmcall and vmmcall are
 * exercised the same way when they raise a signal in a user process on the
 * machine (probed in a child process first), and skipped with a note when
 * not.
 *
 * The stubs have one trap site each, patched with fastabi_patch_traps() to
 * the trap under test (the text made writable with mprotect first), as a
 * guest patches them once at boot; a value that is no trap must be refused
 * with every site left as it was. Each op runs in two modes (success; a
 * negative errno), in its own child process so that a crash is a reported
 * failure.
 * With --clobber the handler also changes every FastABI argument register
 * that is not an output of the op: the program must then notice (values the
 * compiler kept in those registers across the call change), which shows that
 * the no-clobber rule is what the compiled stubs rely on and that the test
 * can fail. docs/guest-stubs.md describes it for readers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "gen.h"

/* Slots of st_pattern(): values 0..31, output registers 32 + reg. */
#define SLOT_OUT 32

static const char runtime[] =
	"#define _GNU_SOURCE\n"
	"#include <signal.h>\n"
	"#include <stdarg.h>\n"
	"#include <stdint.h>\n"
	"#include <stdio.h>\n"
	"#include <stdlib.h>\n"
	"#include <string.h>\n"
	"#include <sys/mman.h>\n"
	"#include <sys/wait.h>\n"
	"#include <ucontext.h>\n"
	"#include <unistd.h>\n"
	"\n"
	"#include \"fastabi_guest.h\"\n"
	"\n"
	"enum st_mode { ST_SUCCESS, ST_ERRNO };\n"
	"static const char *const st_mode_name[] = { \"success\", \"errno\" };\n"
	"static const char *const st_trap_name[] = { \"vmcall\", \"vmmcall\", \"doorbell\" };\n"
	"/* A trap value fastabi_patch_traps() must refuse, patching nothing. */\n"
	"#define ST_BAD_TRAP_VALUE ((enum fastabi_trap)0x7f)\n"
	"\n"
	"/* Child exit status bits. */\n"
	"#define ST_FAILED 1 /* a check failed */\n"
	"#define ST_LOST 2   /* a value kept across the call changed */\n"
	"#define ST_CRASHED 4 /* a signal other than the expected trap */\n"
	"\n"
	"/*\n"
	" * The call the handler (the hypervisor) expects, and what it saw. Shared\n"
	" * with a signal handler, hence volatile; the stubs' \"memory\" clobber also\n"
	" * makes the compiler reload it after each call.\n"
	" */\n"
	"static volatile struct st_call {\n"
	"	int armed;\n"
	"	int clobber;          /* --clobber: corrupt non-output argument registers */\n"
	"	enum fastabi_trap trap;\n"
	"	unsigned in_mask;     /* bit N: the stub must load regN with in[N] */\n"
	"	uint64_t in[8];\n"
	"	unsigned out_mask;    /* bit N: the hypervisor writes out[N] to regN */\n"
	"	uint64_t out[8];\n"
	"	uint64_t ret;         /* written to rax */\n"
	"	int traps;            /* how many times the handler ran */\n"
	"	int sig;\n"
	"	uint64_t seen[8];     /* the registers at the trap */\n"
		"} st;\n"
	"\n"
	;

/* After the register tables (emit_reg_tables). */
static const char runtime_traps[] =
	"\n"
	"/* The length of the expected trap instruction at ip, or 0. */\n"
	"static unsigned st_trap_len(enum fastabi_trap trap, const unsigned char *ip)\n"
	"{\n"
	"	switch (trap) {\n"
	"	case FASTABI_TRAP_VMCALL:\n"
	"		return ip[0] == 0x0f && ip[1] == 0x01 && ip[2] == 0xc1 ? 3 : 0;\n"
	"	case FASTABI_TRAP_VMMCALL:\n"
	"		return ip[0] == 0x0f && ip[1] == 0x01 && ip[2] == 0xd9 ? 3 : 0;\n"
	"	case FASTABI_TRAP_DOORBELL: /* outb %al, $imm8 */\n"
	"		return ip[0] == 0xe6 && ip[1] == FASTABI_DOORBELL_PORT ? 2 : 0;\n"
	"	}\n"
	"	return 0;\n"
	"}\n"
	"\n"
	"/* The hypervisor: record the inputs, write the outputs, step over the trap. */\n"
	"static void st_handler(int sig, siginfo_t *si, void *ctx)\n"
	"{\n"
	"	ucontext_t *uc = ctx;\n"
	"	greg_t *g = uc->uc_mcontext.gregs;\n"
	"	unsigned len = st.armed ? st_trap_len(st.trap, (const unsigned char *)g[REG_RIP]) : 0;\n"
	"	(void)si;\n"
	"	if (len == 0) {\n"
	"		/* Not the trap we expect: a crash. End the child (no core dump). */\n"
	"		char msg[] = \"  selftest: signal 00 is not the expected FastABI trap (a crash)\\n\";\n"
	"		msg[19] = (char)('0' + sig / 10 % 10);\n"
	"		msg[20] = (char)('0' + sig % 10);\n"
	"		if (write(1, msg, sizeof(msg) - 1) < 0) {\n"
	"		}\n"
	"		_exit(ST_FAILED | ST_CRASHED);\n"
	"	}\n"
	"	st.traps++;\n"
	"	st.sig = sig;\n"
	"	for (int r = 0; r < 8; r++)\n"
	"		st.seen[r] = (uint64_t)g[st_greg[r]];\n"
	"	for (int r = 1; r < 8; r++) {\n"
	"		if (st.out_mask & (1u << r))\n"
	"			g[st_greg[r]] = (greg_t)st.out[r];\n"
	"		else if (st.clobber)\n"
	"			g[st_greg[r]] ^= (greg_t)0x5a5a5a5a5a5a5a5aull;\n"
	"	}\n"
	"	g[REG_RAX] = (greg_t)st.ret;\n"
	"	g[REG_RIP] += len;\n"
	"}\n"
	"\n"
	"/*\n"
	" * A pattern for value 'slot' of op 'op'. Every byte has its top bit set, so\n"
	" * that a signed member of any width holds a negative value; bit 0 and the\n"
	" * top bit of a bit range of 'width' bits are set, so that no range is zero;\n"
	" * the low byte differs between the slots of one op, so that two values\n"
	" * swapped (even in 8-bit members) are noticed. st_salt (0, but volatile)\n"
	" * keeps the compiler from folding patterns into constants.\n"
	" */\n"
	"static volatile uint64_t st_salt;\n"
	"static uint64_t st_pattern(unsigned op, unsigned slot, unsigned width)\n"
	"{\n"
	"	uint64_t x = ((uint64_t)op << 32 | slot) + 0x9e3779b97f4a7c15ull + st_salt;\n"
	"	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;\n"
	"	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;\n"
	"	x ^= x >> 31;\n"
	"	x |= 0x8080808080808080ull;\n"
	"	x = (x & ~0xffull) | 0x81u | ((slot & 0x3fu) << 1);\n"
	"	if (width < 64)\n"
	"		x |= 1ull << (width - 1);\n"
	"	return x;\n"
	"}\n"
	"\n"
	"/* A non-negative return value for a successful call of op. */\n"
	"static uint64_t st_ret_pattern(unsigned op)\n"
	"{\n"
	"	return st_pattern(op, 63, 64) >> 2;\n"
	"}\n"
	"\n"
	"/*\n"
	" * What (uint64_t)x holds after x = pattern, for x of 'size' bytes: the\n"
	" * pattern cut to the type's width and, for a signed type, sign-extended.\n"
	" * Computed from the type, not from x, so that a member that does not keep\n"
	" * its value (it overlaps another) is noticed.\n"
	" */\n"
	"static __attribute__((unused)) uint64_t st_fit(uint64_t pattern, size_t size, int is_signed)\n"
	"{\n"
	"	if (size >= 8)\n"
	"		return pattern;\n"
	"	unsigned bits = (unsigned)size * 8;\n"
	"	uint64_t v = pattern & ((1ull << bits) - 1);\n"
	"	if (is_signed && (v >> (bits - 1)) & 1)\n"
	"		v |= ~0ull << bits;\n"
	"	return v;\n"
	"}\n"
	"/* Whether x has a signed type (a pointer counts as unsigned). */\n"
	"#define ST_SIGNED(x) ((__typeof__(x))-1 < (__typeof__(x))1)\n"
	"#define ST_FIT(x, pattern) st_fit((pattern), sizeof(x), ST_SIGNED(x))\n"
	"\n"
	"/*\n"
	" * Values live across each call: more than there are free registers, read\n"
	" * from volatile memory before the call (so the compiler cannot recompute\n"
	" * them) and mixed with a key read after it (so it cannot combine them\n"
	" * before). The compiler keeps many of them in registers that the stub\n"
	" * does not declare as outputs: FastABI says the hypervisor leaves those\n"
	" * alone, and --clobber shows what happens when it does not.\n"
	" */\n"
	"#define ST_NR_LIVE 24\n"
	"static volatile uint64_t st_live[ST_NR_LIVE];\n"
	"static volatile uint64_t st_key;\n"
	"static uint64_t st_live_want;\n"
	"static inline uint64_t st_mix(uint64_t acc, uint64_t v, uint64_t k)\n"
	"{\n"
	"	return ((acc ^ (v + k)) * 0x9e3779b97f4a7c15ull) + (acc >> 29);\n"
	"}\n"
	"#define ST_LIVE_LOAD \\\n"
	"	uint64_t l0 = st_live[0], l1 = st_live[1], l2 = st_live[2], l3 = st_live[3], \\\n"
	"		 l4 = st_live[4], l5 = st_live[5], l6 = st_live[6], l7 = st_live[7], \\\n"
	"		 l8 = st_live[8], l9 = st_live[9], l10 = st_live[10], l11 = st_live[11], \\\n"
	"		 l12 = st_live[12], l13 = st_live[13], l14 = st_live[14], l15 = st_live[15], \\\n"
	"		 l16 = st_live[16], l17 = st_live[17], l18 = st_live[18], l19 = st_live[19], \\\n"
	"		 l20 = st_live[20], l21 = st_live[21], l22 = st_live[22], l23 = st_live[23]\n"
	"#define ST_LIVE_SUM(k) \\\n"
	"	st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix( \\\n"
	"	st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(st_mix(0, \\\n"
	"	l0, k), l1, k), l2, k), l3, k), l4, k), l5, k), l6, k), l7, k), l8, k), l9, k), \\\n"
	"	l10, k), l11, k), l12, k), l13, k), l14, k), l15, k), l16, k), l17, k), l18, k), \\\n"
	"	l19, k), l20, k), l21, k), l22, k), l23, k)\n"
	"\n"
	"static void st_live_init(void)\n"
	"{\n"
	"	uint64_t acc = 0;\n"
	"	st_key = 0x0123456789abcdefull;\n"
	"	for (unsigned i = 0; i < ST_NR_LIVE; i++) {\n"
	"		st_live[i] = st_pattern(0xffff, i, 64) * (2 * i + 1);\n"
	"		acc = st_mix(acc, st_live[i], st_key);\n"
	"	}\n"
	"	st_live_want = acc;\n"
	"}\n"
	"\n"
	"/* One op's checks in one (trap, mode); details are printed as they fail. */\n"
	"struct st_ck {\n"
	"	const char *op;\n"
	"	enum fastabi_trap trap;\n"
	"	enum st_mode mode;\n"
	"	int flags;\n"
	"	int printed;\n"
	"};\n"
	"\n"
	"static void __attribute__((format(printf, 3, 4)))\n"
	"st_fail(struct st_ck *ck, int flag, const char *fmt, ...)\n"
	"{\n"
	"	va_list ap;\n"
	"	ck->flags |= flag;\n"
	"	if (ck->printed++ >= 8)\n"
	"		return;\n"
	"	printf(\"  %s [%s, %s]: \", ck->op, st_trap_name[ck->trap], st_mode_name[ck->mode]);\n"
	"	va_start(ap, fmt);\n"
	"	vprintf(fmt, ap);\n"
	"	va_end(ap);\n"
	"	printf(\"\\n\");\n"
	"}\n"
	"\n"
	"/* Before the call: what the handler expects and answers. */\n"
	"static void st_expect(enum fastabi_trap trap, enum st_mode mode, uint64_t rax, int subop,\n"
	"		      uint64_t rdi, int op, int err)\n"
	"{\n"
	"	st.armed = 0;\n"
	"	st.trap = trap;\n"
	"	st.in_mask = 1u | (subop ? 2u : 0u);\n"
	"	st.out_mask = 0;\n"
	"	for (int r = 0; r < 8; r++) {\n"
	"		st.in[r] = st.out[r] = 0;\n"
	"		st.seen[r] = 0x5eed5eed5eed5eedull;\n"
	"	}\n"
	"	st.in[0] = rax;\n"
	"	st.in[1] = rdi;\n"
	"	st.ret = mode == ST_ERRNO ? (uint64_t)-(int64_t)err : st_ret_pattern((unsigned)op);\n"
	"	st.traps = 0;\n"
	"}\n"
	"\n"
	"static void st_arm(enum st_mode mode)\n"
	"{\n"
	"	st.traps = 0;\n"
	"	(void)mode;\n"
	"	st.armed = 1;\n"
	"}\n"
	"\n"
	"/* The kept values after the call. */\n"
	"static void st_check_live(struct st_ck *ck, uint64_t sum)\n"
	"{\n"
	"	if (sum != st_live_want)\n"
	"		st_fail(ck, ST_LOST, \"values the compiler kept across the call changed\");\n"
	"}\n"
	"\n"
	"/* The trap, the input registers and the return value. */\n"
	"static void st_check_call(struct st_ck *ck, int64_t ret, const char *const *what)\n"
	"{\n"

	"	if (st.traps != 1) {\n"
	"		st_fail(ck, ST_FAILED, \"trapped %d times, not once\", st.traps);\n"
	"		return;\n"
	"	}\n"
	"	for (int r = 0; r < 8; r++)\n"
	"		if ((st.in_mask & (1u << r)) && st.seen[r] != st.in[r])\n"
	"			st_fail(ck, ST_FAILED, \"%s (%s) at the trap: 0x%llx, expected 0x%llx\",\n"
	"				st_reg_name[r], what[r], (unsigned long long)st.seen[r],\n"
	"				(unsigned long long)st.in[r]);\n"
	"	if ((uint64_t)ret != st.ret)\n"
	"		st_fail(ck, ST_FAILED, \"returned 0x%llx, expected 0x%llx\",\n"
	"			(unsigned long long)ret, (unsigned long long)st.ret);\n"
	"}\n"
	"\n"
	"/* A value that must be equal to what it was computed to be. */\n"
	"static __attribute__((unused)) void st_check_eq(struct st_ck *ck, int flag, const char *what,\n"
	"						 uint64_t got, uint64_t want)\n"
	"{\n"
	"	if (got != want)\n"
	"		st_fail(ck, flag, \"%s: 0x%llx, expected 0x%llx\", what, (unsigned long long)got,\n"
	"			(unsigned long long)want);\n"
	"}\n"
	"\n";

/* The lvalue of value v in the test function: "arg.m" or "p_name". */
/*
 * The ucontext slot and name of each FastABI register, from the one register
 * table (abi_reg_name) the stubs pin their registers with.
 */
static void emit_reg_tables(FILE *out)
{
	fprintf(out, "/* The ucontext slot and name of FastABI reg0..reg%d. */\n"
		     "static const int st_greg[%d] = {\n\t",
		ABI_NR_REGS - 1, ABI_NR_REGS);
	for (int r = 0; r < ABI_NR_REGS; r++) {
		fputs("REG_", out);
		for (const char *c = abi_reg_name(r); *c; c++)
			fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, out);
		fputs(r + 1 < ABI_NR_REGS ? ", " : ",\n};\n", out);
	}
	fprintf(out, "static const char *const st_reg_name[%d] = {\n\t", ABI_NR_REGS);
	for (int r = 0; r < ABI_NR_REGS; r++)
		fprintf(out, "\"%s\"%s", abi_reg_name(r), r + 1 < ABI_NR_REGS ? ", " : ",\n};\n");
}

static void emit_lvalue(FILE *out, const struct abi_c_value *v, const char *obj)
{
	if (v->member)
		fprintf(out, "%s.%s", obj, v->member);
	else
		fprintf(out, "p_%s", v->param);
}

/* The width a value's pattern must fill: its range, else the register. */
static unsigned value_width(const struct abi_c_value *v)
{
	return v->bits ? v->bits->width : 64;
}

/* The bits an output register's pattern must have set: bit 0 and the top
 * bit of each range of the outputs written from that register. */
static unsigned long long out_force(const struct abi_c_op *c, int reg)
{
	unsigned long long force = 0;
	for (size_t i = 0; i < c->nr_out; i++) {
		const struct abi_c_value *v = &c->out[i];
		if (v->field->reg == reg && v->bits)
			force |= (1ull << v->bits->lsb) |
				 (1ull << (v->bits->lsb + v->bits->width - 1));
	}
	return force;
}

/* The expected value of output v after success, from st.out[reg]. */
static void emit_out_value(FILE *out, const struct abi_c_value *v)
{
	int reg = v->field->reg;
	if (!v->bits)
		fprintf(out, "st.out[%d]", reg);
	else
		fprintf(out, "((st.out[%d] >> %u) & UINT64_C(0x%llx))", reg, v->bits->lsb,
			abi_bits_mask(v->bits->width));
}

/* The value of input register reg as the stub computes it. */
static void emit_in_expr(FILE *out, const struct abi_c_op *c, int reg)
{
	int any = 0;
	for (size_t i = 0; i < c->nr_in; i++) {
		const struct abi_c_value *v = &c->in[i];
		if (v->field->reg != reg)
			continue;
		if (any)
			fputs(" | ", out);
		any = 1;
		fprintf(out, "%s(uint64_t)", v->bits ? "((" : "");
		emit_lvalue(out, v, "arg");
		if (v->bits)
			fprintf(out, " & UINT64_C(0x%llx)) << %u)", abi_bits_mask(v->bits->width),
				v->bits->lsb);
	}
	if (!any)
		fprintf(out, "0");
}

static int emit_op_test(FILE *out, const struct abi_family *fam, const struct abi_op *op,
			unsigned id)
{
	struct abi_c_op c;
	if (abi_c_op_init(&c, fam, op) != 0)
		return -1;
	if (c.nr_in > SLOT_OUT) {
		fprintf(stderr, "abi-tool: gen selftest: %s: more than %d input values\n",
			op->name ? op->name : fam->name, SLOT_OUT);
		abi_c_op_free(&c);
		return -1;
	}
	char *sym = abi_op_symbol(fam, op);
	unsigned in_mask = abi_op_in_mask(fam, op);
	unsigned out_mask = abi_op_out_mask(op) & ~1u;
	const char *err = op->nr_errors ? op->errors[0].name : "EINVAL";

	fprintf(out, "/* %s: hypercall %ld, ", sym, fam->hypercall_index);
	if (op->direct)
		fprintf(out, "direct */\n");
	else
		fprintf(out, "sub-op %ld */\n", op->index);
	fprintf(out, "static __attribute__((noinline)) int st_run_%u(enum fastabi_trap trap, enum st_mode mode)\n{\n",
		id);
	fprintf(out, "\tstruct st_ck ck = { \"%s\", trap, mode, 0, 0 };\n", sym);
	fprintf(out, "\tstatic const char *const what[8] = { \"hypercall\"");
	for (int r = 1; r < ABI_NR_REGS; r++) {
		if (r == ABI_REG_SUBOP && !op->direct) {
			fprintf(out, ", \"sub-op\"");
			continue;
		}
		const struct abi_field *f = abi_op_input(op, r);
		fprintf(out, ", \"%s\"", f ? f->name : "unused");
	}
	fprintf(out, " };\n\tint64_t ret;\n");
	if (c.struct_name)
		fprintf(out, "\tstruct %s arg, want;\n", c.struct_name);

	/* Parameters: by value or, for outputs, a variable passed by address. */
	for (size_t i = 0; i < c.nr_params; i++)
		fprintf(out, "\t%s p_%s;\n", c.params[i].type, c.params[i].name);
	for (size_t i = 0; i < c.nr_params; i++)
		if (c.params[i].out)
			fprintf(out, "\t%s w_%s;\n", c.params[i].type, c.params[i].name);

	fprintf(out, "\n\tst_expect(trap, mode, UINT64_C(%ld) | __HYPERVISOR_FASTABI_MASK, %d, UINT64_C(%ld), %u, XEN_%s);\n",
		fam->hypercall_index, !op->direct, op->direct ? 0 : op->index, id, err);
	fprintf(out, "\tst.in_mask = 0x%xu;\n\tst.out_mask = 0x%xu;\n", in_mask, out_mask);
	if (c.struct_name)
		fprintf(out, "\tmemset(&arg, 0x5a, sizeof(arg));\n");

	/* Inputs: a pattern per value, then what each register must hold. */
	for (size_t i = 0; i < c.nr_in; i++) {
		const struct abi_c_value *v = &c.in[i];
		fprintf(out, "\t");
		emit_lvalue(out, v, "arg");
		fprintf(out, " = (__typeof__(");
		emit_lvalue(out, v, "arg");
		fprintf(out, "))st_pattern(%u, %zu, %u);\n", id, i, value_width(v));
	}
	/* Output-only pointer parameters start with a pattern too, so that a
	 * write on failure is seen. */
	for (size_t i = 0; i < c.nr_params; i++)
		if (!c.params[i].in)
			fprintf(out, "\tp_%s = (%s)st_pattern(%u, %zu, 64);\n", c.params[i].name,
				c.params[i].type, id, SLOT_OUT - 1 - i);
	for (int r = 1; r < ABI_NR_REGS; r++) {
		int any = 0;
		for (size_t i = 0; i < c.nr_in; i++) {
			const struct abi_c_value *v = &c.in[i];
			if (v->field->reg != r)
				continue;
			fprintf(out, any ? " |\n\t\t" : "\tst.in[%d] = ", r);
			any = 1;
			if (v->bits)
				fprintf(out, "((ST_FIT(");
			else
				fprintf(out, "ST_FIT(");
			emit_lvalue(out, v, "arg");
			fprintf(out, ", st_pattern(%u, %zu, %u))", id, i, value_width(v));
			if (v->bits)
				fprintf(out, " & UINT64_C(0x%llx)) << %u)", abi_bits_mask(v->bits->width),
					v->bits->lsb);
		}
		if (any)
			fprintf(out, ";\n");
	}
	/* Each input value must hold its own pattern (no overlap). */
	for (size_t i = 0; i < c.nr_in; i++) {
		const struct abi_c_value *v = &c.in[i];
		fprintf(out, "\tst_check_eq(&ck, ST_FAILED, \"input %s keeps its value\", (uint64_t)",
			v->member ? v->member : v->param);
		emit_lvalue(out, v, "arg");
		fprintf(out, ", ST_FIT(");
		emit_lvalue(out, v, "arg");
		fprintf(out, ", st_pattern(%u, %zu, %u)));\n", id, i, value_width(v));
	}

	/* Outputs: the register patterns, and the struct as it must end up. */
	for (int r = 1; r < ABI_NR_REGS; r++)
		if (out_mask & (1u << r))
			fprintf(out, "\tst.out[%d] = st_pattern(%u, %d, 64) | UINT64_C(0x%llx);\n", r,
				id, SLOT_OUT + r, out_force(&c, r));
	if (c.struct_name)
		fprintf(out, "\tmemcpy(&want, &arg, sizeof(arg));\n");
	for (size_t i = 0; i < c.nr_params; i++)
		if (c.params[i].out)
			fprintf(out, "\tw_%s = p_%s;\n", c.params[i].name, c.params[i].name);
	if (c.nr_out) {
		fprintf(out, "\tif (mode == ST_SUCCESS) {\n");
		for (size_t i = 0; i < c.nr_out; i++) {
			const struct abi_c_value *v = &c.out[i];
			fprintf(out, "\t\t");
			if (v->member)
				fprintf(out, "want.%s = (__typeof__(want.%s))", v->member, v->member);
			else
				fprintf(out, "w_%s = (%s)", v->param, v->type);
			emit_out_value(out, v);
			fprintf(out, ";\n");
		}
		/* Each output must keep its own value (no overlap). */
		for (size_t i = 0; i < c.nr_out; i++) {
			const struct abi_c_value *v = &c.out[i];
			const char *name = v->member ? v->member : v->param;
			fprintf(out, "\t\tst_check_eq(&ck, ST_FAILED, \"output %s keeps its value\", (uint64_t)%s%s, (uint64_t)(",
				name, v->member ? "want." : "w_", name);
			if (v->member)
				fprintf(out, "__typeof__(want.%s))", v->member);
			else
				fprintf(out, "%s)", v->type);
			emit_out_value(out, v);
			fprintf(out, ");\n");
		}
		fprintf(out, "\t}\n");
	}
	/* The call, with the kept values around it. */
	fprintf(out, "\t{\n\t\tST_LIVE_LOAD;\n");
	/*
	 * The value of each input register, computed as the stub does and used
	 * after the call: the compiler takes it from the register the stub
	 * loaded when that register is not an output, so a register written
	 * by the hypervisor without being declared an output is noticed.
	 */
	for (int r = 2; r < ABI_NR_REGS; r++) {
		if (!(in_mask & (1u << r)))
			continue;
		fprintf(out, "\t\tconst uint64_t v%d = ", r);
		emit_in_expr(out, &c, r);
		fprintf(out, ";\n");
	}
	fprintf(out, "\t\tst_arm(mode);\n");
	fprintf(out, "\t\tret = xen_hypercall_%s(", sym);
	const char *sep = "";
	for (size_t i = 0; i < c.nr_params; i++) {
		fprintf(out, "%s%sp_%s", sep, c.params[i].out ? "&" : "", c.params[i].name);
		sep = ", ";
	}
	if (c.struct_name)
		fprintf(out, "%s&arg", sep);
	fprintf(out, ");\n\t\tst.armed = 0;\n");
	fprintf(out, "\t\tconst uint64_t k = st_key;\n\t\tst_check_live(&ck, ST_LIVE_SUM(k));\n");
	for (int r = 2; r < ABI_NR_REGS; r++)
		if (in_mask & (1u << r))
			fprintf(out, "\t\tst_check_eq(&ck, ST_LOST, \"the value loaded into %s, after the call\", v%d, st.in[%d]);\n",
				abi_reg_name(r), r, r);
	fprintf(out, "\t}\n\tst_check_call(&ck, ret, what);\n");

	/* Outputs copied on success only; nothing else in the struct touched. */
	for (size_t i = 0; i < c.nr_out; i++) {
		const struct abi_c_value *v = &c.out[i];
		const char *name = v->member ? v->member : v->param;
		fprintf(out, "\tst_check_eq(&ck, ST_FAILED, mode == ST_SUCCESS ? \"output %s\" : \"output %s after a failed call\", (uint64_t)",
			name, name);
		if (v->member)
			fprintf(out, "arg.%s, (uint64_t)want.%s);\n", v->member, v->member);
		else
			fprintf(out, "p_%s, (uint64_t)w_%s);\n", v->param, v->param);
	}
	if (c.struct_name)
		fprintf(out, "\tif (memcmp(&arg, &want, sizeof(arg)) != 0)\n"
			     "\t\tst_fail(&ck, ST_FAILED, \"struct %s: bytes other than the declared outputs%s changed\");\n",
			c.struct_name, c.nr_out ? " (or outputs after a failed call)" : "");
	fprintf(out, "\treturn ck.flags;\n}\n\n");
	free(sym);
	abi_c_op_free(&c);
	return 0;
}

static const char runtime_main[] =
	"/* Does this trap raise a signal in a user process here? Tried in a child,\n"
	" * with a time limit, since a hypervisor may also act on it. */\n"
	"static int st_probe(enum fastabi_trap trap, char *why, size_t n)\n"
	"{\n"
	"	fflush(NULL);\n"
	"	pid_t pid = fork();\n"
	"	if (pid < 0) {\n"
	"		snprintf(why, n, \"fork failed\");\n"
	"		return 0;\n"
	"	}\n"
	"	if (pid == 0) {\n"
	"		alarm(5);\n"
	"		st_expect(trap, ST_SUCCESS, 0, 0, 0, 0, 0);\n"
	"		st.in_mask = 0;\n"
	"		st.ret = 0x600d;\n"
	"		st_arm(ST_SUCCESS);\n"
	"		register uint64_t rax __asm__(\"rax\") = __HYPERVISOR_FASTABI_MASK | 63u;\n"
	"		if (trap == FASTABI_TRAP_VMCALL)\n"
	"			__asm__ __volatile__(\"vmcall\" : \"+r\"(rax) : : \"memory\");\n"
	"		else\n"
	"			__asm__ __volatile__(\"vmmcall\" : \"+r\"(rax) : : \"memory\");\n"
	"		_exit(st.traps == 1 && rax == 0x600d ? 0 : 3);\n"
	"	}\n"
	"	int status;\n"
	"	if (waitpid(pid, &status, 0) != pid) {\n"
	"		snprintf(why, n, \"waitpid failed\");\n"
	"		return 0;\n"
	"	}\n"
	"	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)\n"
	"		return 1;\n"
	"	if (WIFEXITED(status))\n"
	"		snprintf(why, n, \"it does not raise a signal in a user process here (a hypervisor answered it)\");\n"
	"	else\n"
	"		snprintf(why, n, \"it ended the probe with signal %d\", WTERMSIG(status));\n"
	"	return 0;\n"
	"}\n"
	"\n"
	"/* Make the page of every trap site writable (and still executable). */\n"
	"static int st_text_writable(void)\n"
	"{\n"
	"	long page = sysconf(_SC_PAGESIZE);\n"
	"	for (unsigned long i = 0; i < fastabi_trap_nr_sites(); i++) {\n"
	"		uintptr_t a = (uintptr_t)fastabi_trap_site(i);\n"
	"		uintptr_t first = a & ~(uintptr_t)(page - 1);\n"
	"		size_t len = (size_t)(a + FASTABI_TRAP_SITE_LEN - first);\n"
	"		if (mprotect((void *)first, len, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {\n"
	"			perror(\"mprotect of a trap site's page\");\n"
	"			return -1;\n"
	"		}\n"
	"	}\n"
	"	return 0;\n"
	"}\n"
	"\n"
	"/* Patch every stub's trap site to trap, as a guest does once at boot. */\n"
	"static int st_patch(enum fastabi_trap trap)\n"
	"{\n"
	"	long n = fastabi_patch_traps(trap);\n"
	"	if (n < 0 || (unsigned long)n != fastabi_trap_nr_sites()) {\n"
	"		printf(\"  fastabi_patch_traps(%s) returned %ld, not the %lu sites\\n\", st_trap_name[trap],\n"
	"		       n, fastabi_trap_nr_sites());\n"
	"		return -1;\n"
	"	}\n"
	"	return 0;\n"
	"}\n"
	"\n"
	"/*\n"
	" * A value that is no trap is refused and no site changes; every stub has\n"
	" * a site (nr_ops of them at least).\n"
	" */\n"
	"static int st_check_sites(unsigned long nr_ops)\n"
	"{\n"
	"	unsigned long n = fastabi_trap_nr_sites();\n"
	"	int bad = 0;\n"
	"	if (n < nr_ops) {\n"
	"		printf(\"FAIL trap sites: %lu for %lu stubs\\n\", n, nr_ops);\n"
	"		return 1;\n"
	"	}\n"
	"	if (st_patch(FASTABI_TRAP_VMMCALL) != 0)\n"
	"		return 1;\n"
	"	long r = fastabi_patch_traps(ST_BAD_TRAP_VALUE);\n"
	"	if (r != -XEN_EINVAL) {\n"
	"		printf(\"FAIL fastabi_patch_traps(0x7f) returned %ld, not -XEN_EINVAL\\n\", r);\n"
	"		bad = 1;\n"
	"	}\n"
	"	for (unsigned long i = 0; i < n; i++) {\n"
	"		const uint8_t *s = fastabi_trap_site(i);\n"
	"		if (s[0] != 0x0f || s[1] != 0x01 || s[2] != 0xd9) {\n"
	"			printf(\"FAIL trap site %lu changed by a refused patch: %02x %02x %02x\\n\", i,\n"
	"			       s[0], s[1], s[2]);\n"
	"			bad = 1;\n"
	"		}\n"
	"	}\n"
	"	if (!bad)\n"
	"		printf(\"PASS trap sites: %lu, patched to vmmcall; a value that is no trap refused, nothing changed\\n\", n);\n"
	"	return bad;\n"
	"}\n"
	"\n"
	"/* Run one op in every trap and mode in a child; its status bits, or a crash. */\n"
	"static int st_run(const struct st_op *op, const enum fastabi_trap *traps, int nr_traps, int *crash)\n"
	"{\n"
	"	fflush(NULL);\n"
	"	pid_t pid = fork();\n"
	"	if (pid < 0) {\n"
	"		perror(\"fork\");\n"
	"		return ST_FAILED;\n"
	"	}\n"
	"	if (pid == 0) {\n"
	"		int flags = 0;\n"
	"		alarm(10);\n"
	"		for (int t = 0; t < nr_traps; t++)\n"
	"			for (int m = ST_SUCCESS; m <= ST_ERRNO; m++) {\n"
	"				if (st_patch(traps[t]) != 0)\n"
	"					_exit(ST_FAILED);\n"
	"				flags |= op->run(traps[t], (enum st_mode)m);\n"
	"			}\n"
	"		fflush(stdout);\n"
	"		_exit(flags);\n"
	"	}\n"
	"	int status;\n"
	"	*crash = 0;\n"
	"	if (waitpid(pid, &status, 0) != pid) {\n"
	"		perror(\"waitpid\");\n"
	"		return ST_FAILED;\n"
	"	}\n"
	"	if (WIFSIGNALED(status)) {\n"
	"		*crash = WTERMSIG(status);\n"
	"		return ST_FAILED;\n"
	"	}\n"
	"	return WIFEXITED(status) ? WEXITSTATUS(status) : ST_FAILED;\n"
	"}\n"
	"\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"	int clobber = 0;\n"
	"	for (int i = 1; i < argc; i++) {\n"
	"		if (strcmp(argv[i], \"--clobber\") == 0) {\n"
	"			clobber = 1;\n"
	"		} else {\n"
	"			fprintf(stderr, \"usage: %s [--clobber]\\n\"\n"
	"				\"Executes every FastABI guest stub under a signal handler that plays\\n\"\n"
	"				\"the hypervisor. --clobber: the handler also changes every argument\\n\"\n"
	"				\"register that is not an output; the program must notice.\\n\", argv[0]);\n"
	"			return 2;\n"
	"		}\n"
	"	}\n"
	"	setvbuf(stdout, NULL, _IOLBF, 0);\n"
	"\n"
	"	struct sigaction sa;\n"
	"	memset(&sa, 0, sizeof(sa));\n"
	"	sa.sa_sigaction = st_handler;\n"
	"	sa.sa_flags = SA_SIGINFO;\n"
	"	sigemptyset(&sa.sa_mask);\n"
	"	if (sigaction(SIGSEGV, &sa, NULL) != 0 || sigaction(SIGILL, &sa, NULL) != 0) {\n"
	"		perror(\"sigaction\");\n"
	"		return 2;\n"
	"	}\n"
	"	st_live_init();\n"
	"	if (st_text_writable() != 0)\n"
	"		return 2;\n"
	"\n"
	"	enum fastabi_trap traps[3];\n"
	"	int nr_traps = 0;\n"
	"	traps[nr_traps++] = FASTABI_TRAP_DOORBELL;\n"
	"	printf(\"# trap doorbell (outb %%al, $0x%x): exercised\\n\", FASTABI_DOORBELL_PORT);\n"
	"	const enum fastabi_trap probed[2] = { FASTABI_TRAP_VMCALL, FASTABI_TRAP_VMMCALL };\n"
	"	for (int i = 0; i < 2; i++) {\n"
	"		char why[160];\n"
	"		if (st_probe(probed[i], why, sizeof(why))) {\n"
	"			traps[nr_traps++] = probed[i];\n"
	"			printf(\"# trap %s: exercised (it raises a signal in a user process here)\\n\",\n"
	"			       st_trap_name[probed[i]]);\n"
	"		} else {\n"
	"			printf(\"# trap %s: SKIPPED: %s\\n\", st_trap_name[probed[i]], why);\n"
	"		}\n"
	"	}\n"
	"	st.clobber = clobber;\n"
	"	if (clobber)\n"
	"		printf(\"# --clobber: the handler changes every argument register that is not an output\\n\");\n"
	"\n"
	"	int passed = 0, failed = 0, detected = 0;\n"
	"	unsigned long nr_ops = 0;\n"
	"	for (size_t i = 0; i < sizeof(st_ops) / sizeof(st_ops[0]); i++)\n"
	"		nr_ops += st_ops[i].run != NULL;\n"
	"	int sites_bad = st_check_sites(nr_ops);\n"
	"	for (size_t i = 0; i < sizeof(st_ops) / sizeof(st_ops[0]); i++) {\n"
	"		int crash = 0;\n"
	"		if (!st_ops[i].run)\n"
	"			continue;\n"
	"		int flags = st_run(&st_ops[i], traps, nr_traps, &crash);\n"
	"		if (flags == 0) {\n"
	"			passed++;\n"
	"			printf(\"PASS %s%s\\n\", st_ops[i].name,\n"
	"			       clobber ? \" (no kept value was in a changed register)\" : \"\");\n"
	"			continue;\n"
	"		}\n"
	"		failed++;\n"
	"		if (clobber)\n"
	"			detected++;\n"
	"		printf(\"FAIL %s%s\", st_ops[i].name, clobber ? \": corruption detected\" : \"\");\n"
	"		if (crash)\n"
	"			printf(\" (crashed: %s)\", strsignal(crash));\n"
	"		else if (flags & ST_CRASHED)\n"
	"			printf(\" (crashed: an unexpected signal)\");\n"
	"		else if (flags & ST_LOST)\n"
	"			printf(\" (values kept across the call changed)\");\n"
	"		printf(\"\\n\");\n"
	"	}\n"
	"	printf(\"%d passed, %d failed (%d ops, %d trap%s, 2 modes each)\\n\", passed, failed,\n"
	"	       passed + failed, nr_traps, nr_traps == 1 ? \"\" : \"s\");\n"
	"	if (sites_bad)\n"
	"		return 1;\n"
	"	if (!clobber)\n"
	"		return failed == 0 ? 0 : 1;\n"
	"	if (detected) {\n"
	"		printf(\"clobber mode: corruption detected in %d of %d ops: the self-test fails when \"\n"
	"		       \"non-output registers change, so the compiled stubs rely on the no-clobber rule\\n\",\n"
	"		       detected, passed + failed);\n"
	"		return 0;\n"
	"	}\n"
	"	printf(\"clobber mode: NO corruption detected: this self-test cannot notice clobbered registers\\n\");\n"
	"	return 1;\n"
	"}\n";

int abi_gen_selftest(const struct abi_spec *spec, FILE *out)
{
	fprintf(out, "/*\n");
	abi_emit_banner(out, spec, " *");
	fprintf(out,
		" *\n"
		" * Self-test of the FastABI guest stubs (fastabi_guest.h), run as an\n"
		" * ordinary Linux x86-64 process: every stub traps for real and a signal\n"
		" * handler plays the hypervisor on the registers in the ucontext.\n"
		" * Usage: fastabi_selftest [--clobber]. Exit status 0: every op passed\n"
		" * (with --clobber: the changed registers were noticed).\n"
		" */\n");
	fputs(runtime, out);
	emit_reg_tables(out);
	fputs(runtime_traps, out);

	unsigned id = 0;
	int rc = 0;
	for (size_t i = 0; i < spec->nr_families && rc == 0; i++) {
		const struct abi_family *fam = &spec->families[i];
		if (fam->direct)
			rc = emit_op_test(out, fam, fam->direct, id++);
		for (size_t s = 0; s < fam->nr_subops && rc == 0; s++)
			rc = emit_op_test(out, fam, &fam->subops[s], id++);
	}
	if (rc)
		return rc;

	fprintf(out, "struct st_op {\n\tconst char *name;\n\tint (*run)(enum fastabi_trap trap, enum st_mode mode);\n};\n\n");
	fprintf(out, "static const struct st_op st_ops[] = {\n");
	id = 0;
	for (size_t i = 0; i < spec->nr_families; i++) {
		const struct abi_family *fam = &spec->families[i];
		size_t n = fam->nr_subops + (fam->direct ? 1 : 0);
		for (size_t s = 0; s < n; s++) {
			const struct abi_op *op = fam->direct ? (s == 0 ? fam->direct : &fam->subops[s - 1])
							      : &fam->subops[s];
			char *sym = abi_op_symbol(fam, op);
			fprintf(out, "\t{ \"%s\", st_run_%u },\n", sym, id++);
			free(sym);
		}
	}
	if (id == 0)
		fprintf(out, "\t{ \"(no operations)\", NULL },\n");
	fprintf(out, "};\n\n");
	fputs(runtime_main, out);
	return 0;
}
