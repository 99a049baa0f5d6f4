/*
 * The validator: one spec per rule (message, line, column), rules across
 * files, models built by hand, and the good spec sets that must pass.
 */
#include "harness.h"

#include <dirent.h>

#ifndef SPECS_DIR
#error "SPECS_DIR must point at tests/abi-tool/specs"
#endif

#define BITS_HEAD FAMILY "    input:\n      a:\n        reg: 2\n        bits:\n"
#define STRUCT "    c_lang: {struct: s}\n"

static const struct bad_case bad[] = {
	/* Registers */
	{ "register outside 0-7", FAMILY "    input:\n      a: 8\n" STRUCT, 7, 10,
	  "sub-op 'op', input 'a': register 8 is outside 0-7" },
	{ "output register outside 0-7", FAMILY "    output:\n      a: {reg: 12}\n" STRUCT, 7, 16,
	  "sub-op 'op', output 'a': register 12 is outside 0-7" },
	{ "input on reg0", FAMILY "    input:\n      a: 0\n" STRUCT, 7, 10,
	  "sub-op 'op', input 'a': reg0 (rax) is implicit: it carries the hypercall number" },
	{ "input on reg1", FAMILY "    input:\n      a: 1\n" STRUCT, 7, 10,
	  "sub-op 'op', input 'a': reg1 (rdi) is implicit: it carries the sub-op number" },
	{ "direct input on reg1",
	  "name: a\nhypercall_index: 1\ndirect:\n  input:\n    a: 1\n  c_lang: {params: {a: int}}\n",
	  5, 8, "direct op, input 'a': reg1 (rdi) is reserved for the sub-op number, even in a direct op" },
	{ "output on reg0", FAMILY "    output:\n      a: 0\n" STRUCT, 7, 10,
	  "sub-op 'op', output 'a': reg0 (rax) carries the return value" },
	{ "direct output on reg0",
	  "name: a\nhypercall_index: 1\ndirect:\n  output:\n    a: 0\n  c_lang: {struct: s}\n",
	  5, 8, "direct op, output 'a': reg0 (rax) carries the return value" },
	{ "input register twice", FAMILY "    input:\n      a: 2\n      b: {reg: 2}\n" STRUCT, 8, 16,
	  "sub-op 'op', input 'b': register 2 (rsi) is already used by input 'a' (at 7:10)" },
	{ "output register twice", FAMILY "    output:\n      a: 7\n      b: 3\n      c: 7\n" STRUCT, 9,
	  10, "sub-op 'op', output 'c': register 7 (r12) is already used by output 'a' (at 7:10)" },

	/* Numbers */
	{ "sub-op index twice", "name: f\nhypercall_index: 1\nsubops:\n  a: {index: 4}\n  b: {index: 4}\n",
	  5, 14, "sub-op 'b': index 4 is already used by sub-op 'a' (at 4:14)" },
	{ "hypercall_index 64", "name: f\nhypercall_index: 64\ndirect: {}\n", 2, 18,
	  "hypercall_index 64 is outside the legacy range 0-63" },
	{ "hypercall_index 0x7fffffff", "name: f\nhypercall_index: 0x7fffffff\ndirect: {}\n", 2, 18,
	  "hypercall_index 2147483647 is outside the legacy range 0-63" },

	/* Names */
	{ "family name", "name: my-family\nhypercall_index: 1\ndirect: {}\n", 1, 7,
	  "family name 'my-family' is not an identifier" },
	{ "family name with a digit first", "name: '9p'\nhypercall_index: 1\ndirect: {}\n", 1, 7,
	  "family name '9p' is not an identifier" },
	{ "sub-op name", "name: f\nhypercall_index: 1\nsubops:\n  bad name: {index: 0}\n", 4, 3,
	  "sub-op name 'bad name' is not an identifier" },
	{ "field name", FAMILY "    input:\n      a[x]: 2\n" STRUCT, 7, 7,
	  "sub-op 'op', input 'a[x]': the name is not an identifier or a C member path "
	  "(like time[0] or addr.p)" },
	{ "field name with trailing dot", FAMILY "    output:\n      a.: 2\n" STRUCT, 7, 7,
	  "sub-op 'op', output 'a.': the name is not an identifier or a C member path "
	  "(like time[0] or addr.p)" },
	{ "identifiers collide", FAMILY "    input:\n      a.b: 2\n      a_b: 3\n" STRUCT, 8, 7,
	  "sub-op 'op', input 'a_b': its identifier 'a_b' is also that of input 'a.b' (at 7:7)" },
	{ "output identifiers collide", FAMILY "    output:\n      t[0]: 2\n      t_0: 4\n"
	  STRUCT, 8, 7, "sub-op 'op', output 't_0': its identifier 't_0' is also that of output 't[0]' (at 7:7)" },

	/* Bits */
	{ "bits width 0", BITS_HEAD "          lo: {lsb: 0, width: 0}\n" STRUCT, 10, 11,
	  "sub-op 'op', input 'a', bits 'lo': width must be at least 1" },
	{ "bits beyond 64", BITS_HEAD "          lo: {lsb: 60, width: 8}\n" STRUCT, 10, 11,
	  "sub-op 'op', input 'a', bits 'lo': lsb 60 + width 8 is beyond the 64 bits of the register" },
	{ "bits overlap", BITS_HEAD "          lo: {lsb: 0, width: 16}\n          hi: {lsb: 8, width: 16}\n"
	  STRUCT, 11, 11, "sub-op 'op', input 'a', bits 'hi': bits 8-23 overlap bits 'lo' (0-15, at 10:11)" },
	{ "bits name", BITS_HEAD "          2lo: {lsb: 0, width: 8}\n" STRUCT, 10, 11,
	  "sub-op 'op', input 'a', bits '2lo': the name is not an identifier" },

	/* c_lang */
	{ "mapping names no field", FAMILY "    input: {a: 2}\n    c_lang:\n      struct: s\n"
	  "      mapping: {b: x}\n", 9, 17, "sub-op 'op': c_lang mapping 'b' names no input or output" },
	{ "mapping names no bits range", FAMILY "    input:\n      a: {reg: 2, bits: {lo: {lsb: 0, width: 8}}}\n"
	  "    c_lang:\n      struct: s\n      mapping: {a.hi: x}\n", 10, 17,
	  "sub-op 'op': c_lang mapping 'a.hi': field 'a' has no bits range 'hi'" },
	{ "mapping names no field with a dot", FAMILY "    input: {a: 2}\n    c_lang:\n      struct: s\n"
	  "      mapping: {b.c: x}\n", 9, 17, "sub-op 'op': c_lang mapping 'b.c' names no input or output" },
	{ "params names no field", FAMILY "    input: {a: 2}\n    c_lang:\n      params: {a: int, c: int}\n",
	  8, 24, "sub-op 'op': c_lang params 'c' names no input or output" },
	{ "mapping value syntax", FAMILY "    input: {a: 2}\n    c_lang:\n      struct: s\n"
	  "      mapping: {a: u..pirq}\n", 9, 17, "sub-op 'op': c_lang mapping 'a': 'u..pirq' is not a C member path" },
	{ "mapping value with spaces", FAMILY "    input: {a: 2}\n    c_lang:\n      struct: s\n"
	  "      mapping: {a: u pirq}\n", 9, 17, "sub-op 'op': c_lang mapping 'a': 'u pirq' is not a C member path" },
	{ "params type syntax", FAMILY "    input: {a: 2}\n    c_lang:\n      params: {a: \"int[4]\"}\n", 8,
	  16, "sub-op 'op': c_lang params 'a': 'int[4]' is not a C type" },
	{ "params type starting with *", FAMILY "    input: {a: 2}\n    c_lang:\n      params: {a: '*p'}\n", 8,
	  16, "sub-op 'op': c_lang params 'a': '*p' is not a C type" },
	{ "struct not an identifier", FAMILY "    c_lang: {struct: struct evtchn_send}\n", 6, 22,
	  "sub-op 'op': c_lang struct 'struct evtchn_send' is not an identifier" },
	{ "mapping without struct", FAMILY "    input: {a: 2}\n    c_lang:\n      mapping: {a: b}\n", 7, 5,
	  "sub-op 'op': c_lang has a mapping but no struct to map into" },
	{ "outputs without c_lang", FAMILY "    output: {a: 2}\n", 4, 3,
	  "sub-op 'op' has outputs but no c_lang struct to return them in" },
	{ "outputs with params only", FAMILY "    output: {a: 2}\n    c_lang: {params: {a: int}}\n", 7, 5,
	  "sub-op 'op' has outputs but no c_lang struct to return them in" },
	{ "direct outputs without c_lang", "name: a\nhypercall_index: 1\ndirect:\n  output: {a: 2}\n", 3, 1,
	  "direct op has outputs but no c_lang struct to return them in" },
	{ "inputs without c_lang", FAMILY "    input: {a: 2}\n", 4, 3,
	  "sub-op 'op' has inputs but no c_lang (give a struct or params for the C stubs)" },

	/* c_lang.fixed (extension) */
	{ "fixed without struct", FAMILY "    input: {a: 2}\n    c_lang:\n      params: {a: int}\n"
	  "      fixed: {dom: DOMID_SELF}\n", 7, 5,
	  "sub-op 'op': c_lang has fixed members but no struct to set them in" },
	{ "fixed key not a member path", FAMILY "    c_lang:\n      struct: s\n      fixed: {'a b': X}\n",
	  8, 15, "sub-op 'op': c_lang fixed 'a b' is not a C member path" },
	{ "fixed member carried by a register", FAMILY "    input: {a: 2}\n    c_lang:\n      struct: s\n"
	  "      fixed: {a: X}\n", 9, 15,
	  "sub-op 'op': c_lang fixed 'a' is a member that a register already carries" },
	{ "fixed member carried by a mapped register", FAMILY "    input: {a: 2}\n    c_lang:\n"
	  "      struct: s\n      mapping: {a: u.x}\n      fixed: {u.x: X}\n", 10, 15,
	  "sub-op 'op': c_lang fixed 'u.x' is a member that a register already carries" },
	{ "fixed value not a constant", FAMILY "    c_lang:\n      struct: s\n      fixed: {dom: 1 + 2}\n",
	  8, 15, "sub-op 'op': c_lang fixed 'dom': '1 + 2' is not a C constant (a name or a number)" },
	{ "fixed value bad hex", FAMILY "    c_lang:\n      struct: s\n      fixed: {dom: 0xZZ}\n",
	  8, 15, "sub-op 'op': c_lang fixed 'dom': '0xZZ' is not a C constant (a name or a number)" },

	/* errors */
	{ "unknown errno", FAMILY "    errors: [EINVAL, EWHATEVER]\n", 6, 22,
	  "sub-op 'op': 'EWHATEVER' is not a Xen errno name (see xen/errno.h)" },
	{ "internal errno", FAMILY "    errors: [EINTR]\n", 6, 14,
	  "sub-op 'op': 'EINTR' is not a Xen errno name (see xen/errno.h)" },
	{ "negative errno", FAMILY "    errors: [-EINVAL]\n", 6, 14,
	  "sub-op 'op': '-EINVAL' is not a Xen errno name (see xen/errno.h)" },
	{ "errno twice", FAMILY "    errors: [EINVAL, ENOENT, EINVAL]\n", 6, 30,
	  "sub-op 'op': error 'EINVAL' is listed twice (first at 6:14)" },
};

/* ------------------------------------------------------------------ */

static void test_outputs_allowed(void **state)
{
	(void)state;
	struct run r = { 0 };
	/* reg1 may carry an output; an input register may carry an output back. */
	check_text(&r, FAMILY "    input: {count: 2, buf: 3}\n"
			      "    output: {extra: 1, count: 2}\n"
			      "    c_lang:\n      struct: s\n      params: {buf: 'unsigned long *'}\n"
			      "    errors: [EPERM, ECONNREFUSED, EWOULDBLOCK, EDEADLOCK]\n");
	assert_ndiags(&r.d, 0);
	run_free(&r);

	/* Adjacent ranges, the whole register, a mapping to an array element. */
	check_text(&r, BITS_HEAD "          lo: {lsb: 0, width: 32}\n          hi: {lsb: 32, width: 32}\n"
				 "      b: {reg: 3, bits: {all: {lsb: 0, width: 64}}}\n"
				 "    c_lang:\n      struct: s\n"
				 "      mapping: {a.lo: 'x.y[1].z', b.all: w, a: v}\n");
	assert_ndiags(&r.d, 0);
	run_free(&r);

	/* A field name with a dot is found before "field.range" is tried. */
	check_text(&r, FAMILY "    input: {addr.p: 2}\n    c_lang:\n      struct: s\n"
			      "      mapping: {addr.p: addr.p}\n");
	assert_ndiags(&r.d, 0);
	run_free(&r);
}

/* Every rule broken in one file: all reported, in the order of the file. */
static void test_all_problems_in_order(void **state)
{
	(void)state;
	struct run r = { 0 };
	check_text(&r, "name: event-channel\n"              /* 1 */
		       "hypercall_index: 132\n"             /* 2 */
		       "subops:\n"                          /* 3 */
		       "  status:\n"                        /* 4 */
		       "    index: 5\n"                     /* 5 */
		       "    input:\n"                       /* 6 */
		       "      port: 1\n"                    /* 7 */
		       "      dom: 3\n"                     /* 8 */
		       "    output:\n"                      /* 9 */
		       "      status: 0\n"                  /* 10 */
		       "      vcpu: 3\n"                    /* 11 */
		       "      vcpu_: 3\n"                   /* 12 */
		       "    c_lang:\n"                      /* 13 */
		       "      mapping: {word: u.pirq}\n"    /* 14 */
		       "    errors: [ESRCH, EBOGUS]\n"      /* 15 */
		       "  close:\n"                         /* 16 */
		       "    index: 5\n"                     /* 17 */
		       "    input: {port: 9}\n");           /* 18 */
	assert_ndiags(&r.d, 12);
	assert_diag_has(&r.d, 0, 1, 7, "family name 'event-channel' is not an identifier");
	assert_diag_has(&r.d, 1, 2, 18, "hypercall_index 132 is outside the legacy range");
	assert_diag_has(&r.d, 2, 7, 13, "input 'port': reg1 (rdi) is implicit");
	assert_diag_has(&r.d, 3, 10, 15, "output 'status': reg0 (rax) carries the return value");
	assert_diag_has(&r.d, 4, 12, 14, "output 'vcpu_': register 3 (r8) is already used by output 'vcpu'");
	assert_diag_has(&r.d, 5, 13, 5, "sub-op 'status': c_lang has a mapping but no struct");
	assert_diag_has(&r.d, 6, 13, 5, "sub-op 'status' has outputs but no c_lang struct");
	assert_diag_has(&r.d, 7, 14, 17, "c_lang mapping 'word' names no input or output");
	assert_diag_has(&r.d, 8, 15, 21, "'EBOGUS' is not a Xen errno name");
	assert_diag_has(&r.d, 9, 16, 3, "sub-op 'close' has inputs but no c_lang");
	assert_diag(&r.d, 10, 17, 12, "sub-op 'close': index 5 is already used by sub-op 'status' (at 5:12)");
	assert_diag(&r.d, 11, 18, 19, "sub-op 'close', input 'port': register 9 is outside 0-7");
	run_free(&r);
}

static void test_across_files(void **state)
{
	(void)state;
	struct run r = { 0 };
	parse_as(&r, "one.yml", "name: a\nhypercall_index: 1\ndirect: {}\n");
	parse_as(&r, "two.yml", "name: a\nhypercall_index: 2\ndirect: {}\n");
	parse_as(&r, "three.yml", "name: c\nhypercall_index: 1\ndirect: {}\n");
	parse_as(&r, "four.yml", "name: a\nhypercall_index: 1\ndirect: {}\n");
	assert_ndiags(&r.d, 0);
	abi_validate(&r.spec, &r.d);
	assert_ndiags(&r.d, 4);
	assert_diag(&r.d, 0, 1, 7, "family 'a' is already defined at one.yml:1:7");
	assert_string_equal(r.d.v[0].file, "two.yml");
	assert_diag(&r.d, 1, 2, 18, "hypercall_index 1 is already used by family 'a' (one.yml:2:18)");
	assert_string_equal(r.d.v[1].file, "three.yml");
	assert_diag(&r.d, 2, 1, 7, "family 'a' is already defined at one.yml:1:7");
	assert_diag(&r.d, 3, 2, 18, "hypercall_index 1 is already used by family 'a' (one.yml:2:18)");
	assert_string_equal(r.d.v[3].file, "four.yml");
	run_free(&r);
}

/* Rules the parser cannot break but a model built by hand can. */
static void test_built_by_hand(void **state)
{
	(void)state;
	char file[] = "hand.yml";
	struct abi_pos p1 = { file, 1, 1 }, p2 = { file, 2, 2 };
	struct abi_bits bits[2] = {
		{ .name = "x", .lsb = 0, .width = 4, .pos = p1 },
		{ .name = "x", .lsb = 8, .width = 4, .pos = p2 },
	};
	struct abi_field in[2] = {
		{ .name = "a", .ident = "a", .reg = 2, .bits = bits, .nr_bits = 2, .pos = p1, .reg_pos = p1 },
		{ .name = "a", .ident = "a", .reg = 3, .pos = p2, .reg_pos = p2 },
	};
	struct abi_op ops[2] = {
		{ .name = "s", .index = 0x80000000L, .in = in, .nr_in = 2, .pos = p1, .index_pos = p1,
		  .c = { .present = true } },
		{ .name = "s", .index = 1, .pos = p2, .index_pos = p2 },
	};
	struct abi_family fam = {
		.file = file, .name = "f", .hypercall_index = 3, .subops = ops, .nr_subops = 2,
	};
	struct abi_spec spec = { .families = &fam, .nr_families = 1 };
	struct abi_diags d = { 0 };
	abi_validate(&spec, &d);
	assert_ndiags(&d, 4);
	assert_diag(&d, 0, 1, 1, "sub-op 's': index 2147483648 is outside 0-0x7fffffff");
	assert_diag(&d, 1, 2, 2, "sub-op 's', input 'a', bits 'x': duplicate bits range (first defined at 1:1)");
	assert_diag(&d, 2, 2, 2, "duplicate input 'a' in sub-op 's' (first defined at 1:1)");
	assert_diag(&d, 3, 2, 2, "duplicate sub-op 's' (first defined at 1:1)");
	abi_diags_free(&d);
}

/* Absent values (what the parser leaves after a problem) are skipped. */
static void test_absent_values(void **state)
{
	(void)state;
	struct abi_bits bits[1] = { { .name = NULL, .lsb = ABI_BITS_INVALID, .width = 3 } };
	struct abi_field in[2] = {
		{ .name = NULL, .ident = NULL, .reg = -1, .bits = bits, .nr_bits = 1 },
		{ .name = "b", .ident = "b", .reg = -1 },
	};
	struct abi_c_entry map[1] = { { .key = NULL, .value = NULL } };
	struct abi_error errs[1] = { { .name = NULL } };
	struct abi_op direct = {
		.direct = true, .index = -1, .in = in, .nr_in = 2, .errors = errs, .nr_errors = 1,
		.c = { .present = true, .struct_name = "s", .mapping = map, .nr_mapping = 1 },
	};
	struct abi_op ops[2] = { { .index = -1 }, { .index = -1 } };
	struct abi_family fams[2] = {
		{ .hypercall_index = -1, .direct = &direct, .subops = ops, .nr_subops = 2 },
		{ .hypercall_index = -1 },
	};
	struct abi_spec spec = { .families = fams, .nr_families = 2 };
	struct abi_diags d = { 0 };
	abi_validate(&spec, &d);
	/* Only the NULL names themselves: a field and a bits range without a name. */
	assert_ndiags(&d, 2);
	assert_diag_has(&d, 0, 0, 0, "input '?': the name is not an identifier or a C member path");
	assert_diag_has(&d, 1, 0, 0, "bits '?': the name is not an identifier");
	abi_diags_free(&d);

	/* Nothing at all. */
	struct abi_spec empty = { 0 };
	abi_validate(&empty, &d);
	assert_ndiags(&d, 0);
}

/* Every .yml of a directory, alone and then together: no diagnostics. */
static void check_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	if (!dp) {
		print_error("cannot open %s\n", dir);
		fail();
	}
	struct run all = { 0 };
	size_t files = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".yml") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct run one = { 0 };
		assert_true(abi_parse_file(&one.spec, path, &one.d));
		abi_validate(&one.spec, &one.d);
		if (one.d.n)
			print_error("%s:\n", path);
		assert_ndiags(&one.d, 0);
		run_free(&one);
		assert_true(abi_parse_file(&all.spec, path, &all.d));
		files++;
	}
	closedir(dp);
	assert_true(files > 0);
	abi_validate(&all.spec, &all.d);
	assert_ndiags(&all.d, 0);
	assert_int_equal(all.spec.nr_families, files);
	run_free(&all);
}

static void test_upstream_fixtures(void **state)
{
	(void)state;
	check_dir(SPECS_DIR "/upstream");
}

static void test_small_fixtures(void **state)
{
	(void)state;
	check_dir(SPECS_DIR "/small");
}

#ifdef ABI_DIR
static void test_abi_specs(void **state)
{
	(void)state;
	check_dir(ABI_DIR);
}
#endif

int main(void)
{
	const struct CMUnitTest good[] = {
		cmocka_unit_test(test_outputs_allowed),
		cmocka_unit_test(test_all_problems_in_order),
		cmocka_unit_test(test_across_files),
		cmocka_unit_test(test_built_by_hand),
		cmocka_unit_test(test_absent_values),
		cmocka_unit_test(test_upstream_fixtures),
		cmocka_unit_test(test_small_fixtures),
#ifdef ABI_DIR
		cmocka_unit_test(test_abi_specs),
#endif
	};
	int rc = cmocka_run_group_tests_name("validator", good, NULL, NULL);
	rc += run_bad_cases("validator problems", bad, sizeof(bad) / sizeof(bad[0]));
	return rc ? 1 : 0;
}
