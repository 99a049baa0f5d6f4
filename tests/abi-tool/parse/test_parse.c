/*
 * The parser: what it builds from good specs (upstream and extended forms),
 * and one spec per problem it must report, with message, line and column.
 */
#include "harness.h"

#include <unistd.h>

#ifndef SPECS_DIR
#error "SPECS_DIR must point at tests/abi-tool/specs"
#endif

/* The head of a family whose sub-op 'op' has no index yet (4 lines). */
#define OPHEAD "name: fam\nhypercall_index: 5\nsubops:\n  op:\n"

static const struct bad_case bad[] = {
	/* Reading the YAML */
	{ "syntax error", FAMILY "    input: a: b\n", 6, 13,
	  "YAML syntax error: mapping values are not allowed in this context" },
	{ "syntax error with context", FAMILY "    input: [2, 3\n", 7, 1,
	  "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at 6:12)" },
	{ "undefined alias", FAMILY "    input: *nowhere\n", 6, 12,
	  "YAML syntax error: found undefined alias" },
	/* libyaml points at the octet that breaks the sequence. */
	{ "not UTF-8", FAMILY "    description: caf\xe9!\n", 6, 22,
	  "invalid input: invalid trailing UTF-8 octet (0x21)" },
	{ "not UTF-8 at line start", "name: x\n\xff\n", 2, 1,
	  "invalid input: invalid leading UTF-8 octet (0xff)" },
	{ "empty file", "", 1, 1, "empty file" },
	{ "only comments", "# nothing here\n\n   \n# still nothing\n", 1, 1, "empty file" },
	{ "two documents", "name: a\nhypercall_index: 1\ndirect: {}\n---\nname: b\n", 4, 1,
	  "more than one YAML document: a file holds one family" },
	{ "top level list", "- name: a\n", 1, 1,
	  "the top level must be a mapping (one family), not a list" },
	{ "top level string", "\n  hello\n", 2, 3,
	  "the top level must be a mapping (one family), not a string" },

	/* The family */
	{ "unknown family key", FAMILY "foo: 1\n", 6, 1,
	  "unknown key 'foo' in family (expected one of: name, hypercall_index, description, "
	  "c_headers, direct, subops)" },
	{ "duplicate family key", "name: a\nhypercall_index: 1\nname: b\ndirect: {}\n", 3, 1,
	  "duplicate key 'name' in family (first defined at 1:1)" },
	{ "missing name", "hypercall_index: 1\ndirect: {}\n", 1, 1,
	  "missing required key 'name' in family" },
	{ "missing hypercall_index", "\nname: a\ndirect: {}\n", 2, 1,
	  "missing required key 'hypercall_index' in family" },
	{ "no operation", "name: a\nhypercall_index: 1\n", 1, 1,
	  "the family defines no operation: it needs 'direct', 'subops' or both" },
	{ "empty subops", "name: a\nhypercall_index: 1\nsubops: {}\n", 3, 9,
	  "'subops' in family is empty" },
	{ "name not a string", "name: 12\nhypercall_index: 1\ndirect: {}\n", 1, 7,
	  "'name' in family must be a string, not an integer" },
	{ "name null", "name:\nhypercall_index: 1\ndirect: {}\n", 1, 6,
	  "'name' in family must be a string, not null" },
	{ "hypercall_index a string", "name: a\nhypercall_index: \"5\"\ndirect: {}\n", 2, 18,
	  "'hypercall_index' in family must be an integer, not a string" },
	{ "hypercall_index negative", "name: a\nhypercall_index: -3\ndirect: {}\n", 2, 18,
	  "'hypercall_index' in family must not be negative: -3" },
	{ "hypercall_index a boolean", "name: a\nhypercall_index: true\ndirect: {}\n", 2, 18,
	  "'hypercall_index' in family must be an integer, not a boolean" },
	{ "description not a string", "name: a\nhypercall_index: 1\ndescription: [x]\ndirect: {}\n",
	  3, 14, "'description' in family must be a string, not a list" },
	{ "c_headers not a list", "name: a\nhypercall_index: 1\nc_headers: xen/xen.h\ndirect: {}\n",
	  3, 12, "'c_headers' in family must be a list, not a string" },
	{ "c_headers item", "name: a\nhypercall_index: 1\nc_headers: [xen/xen.h, {a: b}]\ndirect: {}\n",
	  3, 24, "items of 'c_headers' in family must be strings, not a mapping" },
	{ "subops a list", "name: a\nhypercall_index: 1\nsubops: [a, b]\n", 3, 9,
	  "'subops' in family must be a mapping, not a list" },
	{ "duplicate sub-op", OPHEAD "    index: 1\n  other:\n    index: 2\n  op:\n    index: 3\n", 8, 3,
	  "duplicate sub-op 'op' (first defined at 4:3)" },
	{ "sub-op name a list", "name: a\nhypercall_index: 1\nsubops:\n  [x]: {index: 1}\n", 4, 3,
	  "sub-op name must be a string, not a list" },
	{ "sub-op not a mapping", "name: a\nhypercall_index: 1\nsubops:\n  op: 3\n", 4, 7,
	  "sub-op 'op' must be a mapping, not an integer" },

	/* Integers */
	{ "index a string", OPHEAD "    index: one\n", 5, 12,
	  "'index' in sub-op 'op' must be an integer, not a string" },
	{ "index quoted", OPHEAD "    index: '1'\n", 5, 12,
	  "'index' in sub-op 'op' must be an integer, not a string" },
	{ "index a float", OPHEAD "    index: 1.5\n", 5, 12,
	  "'index' in sub-op 'op' must be an integer, not a number with a fraction" },
	{ "index an exponent", OPHEAD "    index: 1e3\n", 5, 12,
	  "'index' in sub-op 'op' must be an integer, not a number with a fraction" },
	{ "index negative", OPHEAD "    index: -1\n", 5, 12,
	  "'index' in sub-op 'op' must not be negative: -1" },
	{ "index negative hex", OPHEAD "    index: -0x10\n", 5, 12,
	  "'index' in sub-op 'op' must not be negative: -0x10" },
	{ "index octal-looking", OPHEAD "    index: 010\n", 5, 12,
	  "'index' in sub-op 'op' must be written in decimal or as 0x hexadecimal, not as 010" },
	{ "index with plus", OPHEAD "    index: +4\n", 5, 12,
	  "'index' in sub-op 'op' must be written in decimal or as 0x hexadecimal, not as +4" },
	{ "index above 0x7fffffff", OPHEAD "    index: 0x80000000\n", 5, 12,
	  "'index' in sub-op 'op' is too large: 0x80000000 (at most 2147483647)" },
	{ "index overflows", OPHEAD "    index: 123456789012345678901234567890\n", 5, 12,
	  "'index' in sub-op 'op' is too large: 123456789012345678901234567890 (at most 2147483647)" },
	{ "index hex overflows", OPHEAD "    index: 0x10000000000000000\n", 5, 12,
	  "'index' in sub-op 'op' is too large: 0x10000000000000000 (at most 2147483647)" },
	{ "index null", OPHEAD "    index: ~\n", 5, 12,
	  "'index' in sub-op 'op' must be an integer, not null" },
	{ "missing index", OPHEAD "    description: no index\n", 4, 3,
	  "missing required key 'index' in sub-op 'op'" },
	{ "null sub-op", OPHEAD "  other:\n    index: 2\n", 4, 3,
	  "missing required key 'index' in sub-op 'op'" },

	/* The op */
	{ "unknown sub-op key", FAMILY "    foo: 1\n", 6, 5,
	  "unknown key 'foo' in sub-op 'op' (expected one of: index, description, input, output, "
	  "c_lang, errors, preemptible)" },
	{ "unknown direct key", "name: a\nhypercall_index: 1\ndirect:\n  inputs: {}\n", 4, 3,
	  "unknown key 'inputs' in direct op (expected one of: description, input, output, c_lang, "
	  "errors, preemptible)" },
	{ "index in direct op", "name: a\nhypercall_index: 1\ndirect:\n  index: 0\n", 4, 3,
	  "'index' is not allowed in the direct op: it has no sub-op number" },
	{ "direct not a mapping", "name: a\nhypercall_index: 1\ndirect: [1]\n", 3, 9,
	  "direct op must be a mapping, not a list" },
	{ "duplicate op key", FAMILY "    index: 2\n", 6, 5,
	  "duplicate key 'index' in sub-op 'op' (first defined at 5:5)" },
	{ "key not a string", FAMILY "    ? [a]\n    : 1\n", 6, 7,
	  "key name in sub-op 'op' must be a string, not a list" },
	{ "op description", FAMILY "    description: 42\n", 6, 18,
	  "'description' in sub-op 'op' must be a string, not an integer" },
	{ "errors not a list", FAMILY "    errors: EINVAL\n", 6, 13,
	  "'errors' in sub-op 'op' must be a list, not a string" },
	{ "errors item", FAMILY "    errors: [EINVAL, 5]\n", 6, 22,
	  "items of 'errors' in sub-op 'op' must be strings, not an integer" },
	{ "preemptible yes", FAMILY "    preemptible: yes\n", 6, 18,
	  "'preemptible' in sub-op 'op' must be true or false, not a string" },
	{ "preemptible 1", FAMILY "    preemptible: 1\n", 6, 18,
	  "'preemptible' in sub-op 'op' must be true or false, not an integer" },

	/* Fields */
	{ "input not a mapping", FAMILY "    input: [1]\n", 6, 12,
	  "'input' in sub-op 'op' must be a mapping, not a list" },
	{ "output not a mapping", FAMILY "    output: 4\n", 6, 13,
	  "'output' in sub-op 'op' must be a mapping, not an integer" },
	{ "register a string", FAMILY "    input:\n      port: rsi\n", 7, 13,
	  "input 'port' of sub-op 'op' must be a register number or a mapping, not a string" },
	{ "register a list", FAMILY "    output:\n      port: [4]\n", 7, 13,
	  "output 'port' of sub-op 'op' must be a register number or a mapping, not a list" },
	{ "register null", FAMILY "    input:\n      port:\n", 7, 12,
	  "input 'port' of sub-op 'op' must be a register number or a mapping, not null" },
	{ "register negative", FAMILY "    input:\n      port: -2\n", 7, 13,
	  "register of input 'port' of sub-op 'op' must not be negative: -2" },
	{ "register too large", FAMILY "    input:\n      port: 0x100000000\n", 7, 13,
	  "register of input 'port' of sub-op 'op' is too large: 0x100000000 (at most 2147483647)" },
	{ "duplicate input", FAMILY "    input:\n      a: 2\n      a: 3\n", 8, 7,
	  "duplicate input 'a' in sub-op 'op' (first defined at 7:7)" },
	{ "duplicate output", FAMILY "    output:\n      a: 2\n      b: 3\n      a: 4\n", 9, 7,
	  "duplicate output 'a' in sub-op 'op' (first defined at 7:7)" },
	{ "field name with NUL", FAMILY "    input:\n      \"a\\0b\": 2\n", 7, 7,
	  "input name in sub-op 'op' contains a NUL character" },
	{ "unknown field key", FAMILY "    input:\n      a: {reg: 2, size: 4}\n", 7, 19,
	  "unknown key 'size' in input 'a' of sub-op 'op' (expected one of: reg, description, bits)" },
	{ "missing reg", FAMILY "    input:\n      a: {description: x}\n", 7, 7,
	  "missing required key 'reg' in input 'a' of sub-op 'op'" },
	{ "reg a string", FAMILY "    input:\n      a: {reg: two}\n", 7, 16,
	  "'reg' in input 'a' of sub-op 'op' must be an integer, not a string" },
	{ "duplicate reg key", FAMILY "    output:\n      a:\n        reg: 2\n        reg: 3\n", 9, 9,
	  "duplicate key 'reg' in output 'a' of sub-op 'op' (first defined at 8:9)" },
	{ "bits not a mapping", FAMILY "    input:\n      a: {reg: 2, bits: 3}\n", 7, 25,
	  "'bits' in input 'a' of sub-op 'op' must be a mapping, not an integer" },
	{ "unknown bits key", FAMILY "    input:\n      a:\n        reg: 2\n        bits:\n"
	  "          lo: {lsb: 0, width: 8, msb: 7}\n", 10, 34,
	  "unknown key 'msb' in bits range 'lo' of input 'a' of sub-op 'op' (expected one of: lsb, "
	  "width, description)" },
	{ "missing width", FAMILY "    input:\n      a:\n        reg: 2\n        bits:\n"
	  "          lo: {lsb: 0}\n", 10, 11,
	  "missing required key 'width' in bits range 'lo' of input 'a' of sub-op 'op'" },
	{ "missing lsb", FAMILY "    input:\n      a:\n        reg: 2\n        bits:\n"
	  "          lo: {width: 3}\n", 10, 11,
	  "missing required key 'lsb' in bits range 'lo' of input 'a' of sub-op 'op'" },
	{ "lsb negative", FAMILY "    input:\n      a:\n        reg: 2\n        bits:\n"
	  "          lo: {lsb: -1, width: 3}\n", 10, 21,
	  "'lsb' in bits range 'lo' of input 'a' of sub-op 'op' must not be negative: -1" },
	{ "duplicate bits range", FAMILY "    input:\n      a:\n        reg: 2\n        bits:\n"
	  "          lo: {lsb: 0, width: 8}\n          lo: {lsb: 8, width: 8}\n", 11, 11,
	  "duplicate bits range 'lo' in input 'a' of sub-op 'op' (first defined at 10:11)" },
	{ "bits range not a mapping", FAMILY "    input:\n      a:\n        reg: 2\n        bits:\n"
	  "          lo: 3\n", 10, 15,
	  "bits range 'lo' of input 'a' of sub-op 'op' must be a mapping, not an integer" },

	/* c_lang */
	{ "c_lang not a mapping", FAMILY "    c_lang: evtchn_send\n", 6, 13,
	  "'c_lang' in sub-op 'op' must be a mapping, not a string" },
	{ "unknown c_lang key", FAMILY "    c_lang:\n      structure: x\n", 7, 7,
	  "unknown key 'structure' in c_lang of sub-op 'op' (expected one of: struct, mapping, params, fixed)" },
	{ "struct not a string", FAMILY "    c_lang:\n      struct: 5\n", 7, 15,
	  "'struct' in c_lang of sub-op 'op' must be a string, not an integer" },
	{ "mapping value not a string", FAMILY "    c_lang:\n      mapping:\n        a: 1\n", 8, 12,
	  "c_lang mapping 'a' in sub-op 'op' must be a string, not an integer" },
	{ "params not a mapping", FAMILY "    c_lang:\n      params: [a]\n", 7, 15,
	  "'params' in c_lang of sub-op 'op' must be a mapping, not a list" },
	{ "duplicate mapping key", FAMILY "    c_lang:\n      mapping:\n        a: x\n        a: y\n",
	  9, 9, "duplicate c_lang mapping key 'a' in sub-op 'op' (first defined at 8:9)" },
	{ "duplicate c_lang key", FAMILY "    c_lang:\n      struct: a\n      struct: b\n", 8, 7,
	  "duplicate key 'struct' in c_lang of sub-op 'op' (first defined at 7:7)" },
};

/* ------------------------------------------------------------------ */
/* Good specs                                                          */

static void test_upstream_form(void **state)
{
	(void)state;
	struct run r = { 0 };
	check_text(&r, "name: event_channel\n"
		       "hypercall_index: 32\n"
		       "subops:\n"
		       "  alloc_unbound:\n"
		       "    index: 6\n"
		       "    input:\n"
		       "      dom: 2\n"
		       "      remote_dom: 0x3\n"
		       "    output:\n"
		       "      port: 4\n"
		       "    c_lang:\n"
		       "      struct: evtchn_alloc_unbound\n"
		       "  send:\n"
		       "    index: 4\n"
		       "    input: {port: 2}\n"
		       "    c_lang:\n"
		       "      params: {port: evtchn_port_t}\n");
	assert_ndiags(&r.d, 0);
	assert_true(r.appended);
	assert_int_equal(r.spec.nr_families, 1);
	const struct abi_family *f = &r.spec.families[0];
	assert_string_equal(f->file, "t.yml");
	assert_string_equal(f->name, "event_channel");
	assert_int_equal(f->name_pos.line, 1);
	assert_int_equal(f->name_pos.col, 7);
	assert_ptr_equal(f->name_pos.file, f->file);
	assert_int_equal(f->hypercall_index, 32);
	assert_int_equal(f->index_pos.line, 2);
	assert_int_equal(f->index_pos.col, 18);
	assert_null(f->direct);
	assert_null(f->c_headers);
	assert_null(f->description);
	assert_int_equal(f->nr_subops, 2);

	const struct abi_op *op = &f->subops[0];
	assert_string_equal(op->name, "alloc_unbound");
	assert_false(op->direct);
	assert_int_equal(op->index, 6);
	assert_int_equal(op->pos.line, 4);
	assert_int_equal(op->pos.col, 3);
	assert_ptr_equal(op->pos.file, f->file);
	assert_int_equal(op->index_pos.line, 5);
	assert_int_equal(op->index_pos.col, 12);
	assert_int_equal(op->nr_in, 2);
	assert_string_equal(op->in[0].name, "dom");
	assert_string_equal(op->in[0].ident, "dom");
	assert_int_equal(op->in[0].reg, 2);
	assert_int_equal(op->in[0].pos.line, 7);
	assert_int_equal(op->in[0].pos.col, 7);
	assert_int_equal(op->in[0].reg_pos.col, 12);
	assert_string_equal(op->in[1].name, "remote_dom");
	assert_int_equal(op->in[1].reg, 3);
	assert_int_equal(op->nr_out, 1);
	assert_string_equal(op->out[0].name, "port");
	assert_int_equal(op->out[0].reg, 4);
	assert_int_equal(op->out[0].nr_bits, 0);
	assert_true(op->c.present);
	assert_string_equal(op->c.struct_name, "evtchn_alloc_unbound");
	assert_int_equal(op->c.struct_pos.line, 12);
	assert_int_equal(op->c.struct_pos.col, 15);
	assert_int_equal(op->c.pos.line, 11);
	assert_int_equal(op->c.pos.col, 5);
	assert_int_equal(op->nr_errors, 0);
	assert_false(op->preemptible);

	op = &f->subops[1];
	assert_string_equal(op->name, "send");
	assert_int_equal(op->index, 4);
	assert_null(op->c.struct_name);
	assert_int_equal(op->c.nr_params, 1);
	assert_string_equal(op->c.params[0].key, "port");
	assert_string_equal(op->c.params[0].value, "evtchn_port_t");
	assert_int_equal(op->c.params[0].pos.line, 17);
	assert_int_equal(op->c.params[0].pos.col, 16);
	assert_string_equal(abi_c_param(op, "port")->value, "evtchn_port_t");
	run_free(&r);
}

static void test_extended_form(void **state)
{
	(void)state;
	struct run r = { 0 };
	check_text(&r, "name: grant_table\n"
		       "hypercall_index: 20\n"
		       "description: Grants.\n"
		       "c_headers: [xen/xen.h, xen/grant_table.h]\n"
		       "subops:\n"
		       "  copy:\n"
		       "    index: 5\n"
		       "    description: Copy.\n"
		       "    preemptible: true\n"
		       "    errors: [EINVAL, EFAULT]\n"
		       "    input:\n"
		       "      loc:\n"
		       "        reg: 3\n"
		       "        description: Where.\n"
		       "        bits:\n"
		       "          domid: {lsb: 0, width: 16, description: The domain.}\n"
		       "          offset: {lsb: 16, width: 0x10}\n"
		       "    output:\n"
		       "      status: {reg: 7}\n"
		       "    c_lang:\n"
		       "      struct: gnttab_copy\n"
		       "      mapping:\n"
		       "        loc.domid: source.domid\n"
		       "        status: status\n");
	assert_ndiags(&r.d, 0);
	const struct abi_family *f = &r.spec.families[0];
	assert_string_equal(f->description, "Grants.");
	assert_int_equal(f->nr_c_headers, 2);
	assert_string_equal(f->c_headers[0], "xen/xen.h");
	assert_string_equal(f->c_headers[1], "xen/grant_table.h");

	const struct abi_op *op = &f->subops[0];
	assert_string_equal(op->description, "Copy.");
	assert_true(op->preemptible);
	assert_int_equal(op->nr_errors, 2);
	assert_string_equal(op->errors[0].name, "EINVAL");
	assert_int_equal(op->errors[0].pos.line, 10);
	assert_int_equal(op->errors[0].pos.col, 14);
	assert_string_equal(op->errors[1].name, "EFAULT");
	assert_int_equal(op->errors[1].pos.col, 22);

	const struct abi_field *loc = &op->in[0];
	assert_string_equal(loc->name, "loc");
	assert_int_equal(loc->reg, 3);
	assert_int_equal(loc->pos.line, 12);
	assert_int_equal(loc->reg_pos.line, 13);
	assert_int_equal(loc->reg_pos.col, 14);
	assert_string_equal(loc->description, "Where.");
	assert_int_equal(loc->nr_bits, 2);
	assert_string_equal(loc->bits[0].name, "domid");
	assert_int_equal(loc->bits[0].lsb, 0);
	assert_int_equal(loc->bits[0].width, 16);
	assert_string_equal(loc->bits[0].description, "The domain.");
	assert_int_equal(loc->bits[0].pos.line, 16);
	assert_int_equal(loc->bits[0].pos.col, 11);
	assert_string_equal(loc->bits[1].name, "offset");
	assert_int_equal(loc->bits[1].lsb, 16);
	assert_int_equal(loc->bits[1].width, 16);
	assert_null(loc->bits[1].description);

	assert_int_equal(op->out[0].reg, 7);
	assert_int_equal(op->out[0].reg_pos.line, 19);
	assert_int_equal(op->out[0].reg_pos.col, 21);
	assert_int_equal(op->c.nr_mapping, 2);
	assert_string_equal(op->c.mapping[0].key, "loc.domid");
	assert_string_equal(op->c.mapping[0].value, "source.domid");
	assert_string_equal(abi_c_member(op, loc, &loc->bits[0]), "source.domid");
	assert_string_equal(abi_c_member(op, loc, &loc->bits[1]), "offset");
	run_free(&r);
}

static void test_direct_op(void **state)
{
	(void)state;
	struct run r = { 0 };
	check_text(&r, "name: set_timer_op\n"
		       "hypercall_index: 15\n"
		       "direct:\n"
		       "  input:\n"
		       "    timeout: 2\n"
		       "  c_lang:\n"
		       "    params:\n"
		       "      timeout: uint64_t\n");
	assert_ndiags(&r.d, 0);
	const struct abi_family *f = &r.spec.families[0];
	assert_int_equal(f->nr_subops, 0);
	assert_non_null(f->direct);
	assert_true(f->direct->direct);
	assert_int_equal(f->direct->index, -1);
	/* Named like its family, as abi_op_symbol names it. */
	assert_string_equal(f->direct->name, "set_timer_op");
	assert_int_equal(f->direct->pos.line, 3);
	assert_int_equal(f->direct->pos.col, 1);
	assert_int_equal(f->direct->in[0].reg, 2);
	run_free(&r);

	/* An op without anything, as null or as an empty mapping. */
	check_text(&r, "name: a\nhypercall_index: 1\ndirect:\n");
	assert_ndiags(&r.d, 0);
	assert_non_null(r.spec.families[0].direct);
	run_free(&r);
	check_text(&r, "name: a\nhypercall_index: 1\ndirect: {}\nsubops:\n  b: {index: 0}\n");
	assert_ndiags(&r.d, 0);
	assert_int_equal(r.spec.families[0].nr_subops, 1);
	run_free(&r);
}

static void test_member_path_idents(void **state)
{
	(void)state;
	struct run r = { 0 };
	parse_text(&r, FAMILY "    output:\n"
			      "      time[0]: 2\n"
			      "      addr.p: 3\n"
			      "      a[1].b: 4\n"
			      "      x_[2]: 5\n"
			      "      __y__: 6\n");
	assert_ndiags(&r.d, 0);
	const struct abi_op *op = &r.spec.families[0].subops[0];
	assert_int_equal(op->nr_out, 5);
	assert_string_equal(op->out[0].name, "time[0]");
	assert_string_equal(op->out[0].ident, "time_0");
	assert_string_equal(op->out[1].name, "addr.p");
	assert_string_equal(op->out[1].ident, "addr_p");
	assert_string_equal(op->out[2].ident, "a_1_b");
	assert_string_equal(op->out[3].ident, "x_2");
	/* A plain identifier is kept as it is. */
	assert_string_equal(op->out[4].ident, "__y__");
	run_free(&r);
}

static void test_integers(void **state)
{
	(void)state;
	struct run r = { 0 };
	parse_text(&r, "name: a\nhypercall_index: 0x3f\nsubops:\n"
		       "  x: {index: 0x7fffffff}\n  y: {index: 0}\n  z: {index: 0XA}\n");
	assert_ndiags(&r.d, 0);
	assert_int_equal(r.spec.families[0].hypercall_index, 63);
	assert_int_equal(r.spec.families[0].subops[0].index, 0x7fffffff);
	assert_int_equal(r.spec.families[0].subops[1].index, 0);
	assert_int_equal(r.spec.families[0].subops[2].index, 10);
	run_free(&r);
}

/* Anchors and aliases are YAML's own: they resolve before the schema walk. */
static void test_aliases(void **state)
{
	(void)state;
	struct run r = { 0 };
	check_text(&r, "name: a\nhypercall_index: 1\nsubops:\n"
		       "  x:\n    index: 1\n    input: &in {vcpu: 2}\n"
		       "    c_lang: &c {params: {vcpu: uint32_t}}\n    errors: &e [EINVAL]\n"
		       "  y:\n    index: 2\n    input: *in\n    c_lang: *c\n    errors: *e\n");
	assert_ndiags(&r.d, 0);
	const struct abi_op *y = &r.spec.families[0].subops[1];
	assert_int_equal(y->nr_in, 1);
	assert_int_equal(y->in[0].reg, 2);
	assert_string_equal(y->errors[0].name, "EINVAL");
	run_free(&r);
}

/* An alias bomb is refused after a bounded amount of work. */
static void test_alias_bomb(void **state)
{
	(void)state;
	size_t cap = 1 << 20, n = 0;
	char *y = malloc(cap);
	assert_non_null(y);
	n += (size_t)snprintf(y + n, cap - n,
			      "name: a\nhypercall_index: 1\nsubops:\n  s0: &op {index: 1, input: {");
	for (int i = 0; i < 2000; i++)
		n += (size_t)snprintf(y + n, cap - n, "%sf%d: 2", i ? ", " : "", i);
	n += (size_t)snprintf(y + n, cap - n, "}}\n");
	for (int i = 1; i < 200; i++)
		n += (size_t)snprintf(y + n, cap - n, "  s%d: *op\n", i);
	struct run r = { 0 };
	parse_text(&r, y);
	assert_ndiags(&r.d, 1);
	assert_diag_has(&r.d, 0, 4, 29, "the document is too large: more than 100000 mapping and list entries");
	run_free(&r);
	free(y);
}

/* After a problem, the model holds "absent" values, and validation adds nothing. */
static void test_model_after_errors(void **state)
{
	(void)state;
	struct run r = { 0 };
	parse_text(&r, "name: [x]\nhypercall_index: -1\nsubops:\n"
		       "  op:\n    index: x\n    input:\n      a: two\n      b: {reg: -1}\n"
		       "      c:\n        reg: 3\n        bits:\n          lo: {lsb: x, width: 70000000000}\n"
		       "    output:\n      d: 4\n    c_lang:\n      struct: 1\n      mapping: {a: 3, b: x}\n"
		       "    errors: [1]\n");
	assert_true(r.appended);
	size_t n = r.d.n;
	assert_int_equal(n, 10);
	const struct abi_family *f = &r.spec.families[0];
	assert_null(f->name);
	assert_int_equal(f->hypercall_index, -1);
	const struct abi_op *op = &f->subops[0];
	assert_int_equal(op->index, -1);
	assert_int_equal(op->nr_in, 3);
	assert_int_equal(op->in[0].reg, -1);
	assert_int_equal(op->in[1].reg, -1);
	assert_int_equal(op->in[2].reg, 3);
	assert_int_equal(op->in[2].bits[0].lsb, ABI_BITS_INVALID);
	assert_int_equal(op->in[2].bits[0].width, ABI_BITS_INVALID);
	assert_true(op->c.present);
	assert_null(op->c.struct_name);
	assert_int_equal(op->c.nr_mapping, 1);
	assert_int_equal(op->nr_errors, 0);
	abi_validate(&r.spec, &r.d);
	assert_int_equal(r.d.n, n);
	run_free(&r);
}

/* Every problem of one file, in the order of the file. */
static void test_all_problems_in_order(void **state)
{
	(void)state;
	struct run r = { 0 };
	parse_text(&r, "name: sched\n"                      /* 1 */
		       "hypercall_index: 29\n"              /* 2 */
		       "colour: blue\n"                     /* 3 */
		       "subops:\n"                          /* 4 */
		       "  yield:\n"                         /* 5 */
		       "    index: zero\n"                  /* 6 */
		       "  poll:\n"                          /* 7 */
		       "    index: 3\n"                     /* 8 */
		       "    input:\n"                       /* 9 */
		       "      timeout: 2\n"                 /* 10 */
		       "      timeout: 3\n"                 /* 11 */
		       "    c_lang: {params: {port: 4}}\n"  /* 12 */
		       "  yield:\n"                         /* 13 */
		       "    index: 1\n"                     /* 14 */
		       "  block:\n"                         /* 15 */
		       "    input: {a: {}}\n"               /* 16 */
		       "    preemptible: maybe\n");         /* 17 */
	assert_ndiags(&r.d, 8);
	assert_diag_has(&r.d, 0, 3, 1, "unknown key 'colour' in family");
	assert_diag(&r.d, 1, 6, 12, "'index' in sub-op 'yield' must be an integer, not a string");
	assert_diag(&r.d, 2, 11, 7, "duplicate input 'timeout' in sub-op 'poll' (first defined at 10:7)");
	assert_diag(&r.d, 3, 12, 29, "c_lang params 'port' in sub-op 'poll' must be a string, not an integer");
	assert_diag(&r.d, 4, 13, 3, "duplicate sub-op 'yield' (first defined at 5:3)");
	assert_diag(&r.d, 5, 15, 3, "missing required key 'index' in sub-op 'block'");
	assert_diag(&r.d, 6, 16, 13, "missing required key 'reg' in input 'a' of sub-op 'block'");
	assert_diag(&r.d, 7, 17, 18, "'preemptible' in sub-op 'block' must be true or false, not a string");
	run_free(&r);
}

/* Interleaved duplicates each name their own first definition. */
static void test_interleaved_duplicates(void **state)
{
	(void)state;
	struct run r = { 0 };
	parse_text(&r, FAMILY "    output:\n      x: 2\n      x: 3\n      a: 4\n      b: 5\n"
			      "      a: 6\n      b: 7\n      x: 2\n");
	assert_ndiags(&r.d, 4);
	assert_diag(&r.d, 0, 8, 7, "duplicate output 'x' in sub-op 'op' (first defined at 7:7)");
	assert_diag(&r.d, 1, 11, 7, "duplicate output 'a' in sub-op 'op' (first defined at 9:7)");
	assert_diag(&r.d, 2, 12, 7, "duplicate output 'b' in sub-op 'op' (first defined at 10:7)");
	assert_diag(&r.d, 3, 13, 7, "duplicate output 'x' in sub-op 'op' (first defined at 7:7)");
	const struct abi_op *op = &r.spec.families[0].subops[0];
	assert_int_equal(op->nr_out, 3);
	assert_string_equal(op->out[0].name, "x");
	assert_int_equal(op->out[0].reg, 2);
	assert_string_equal(op->out[1].name, "a");
	assert_int_equal(op->out[1].reg, 4);
	assert_string_equal(op->out[2].name, "b");
	assert_int_equal(op->out[2].reg, 5);
	run_free(&r);
}

/* Several files into one spec; positions name each family's own file. */
static void test_files(void **state)
{
	(void)state;
	static const char *const names[] = {
		"set_timer_op.yml", "memory.yml", "vcpu.yml", "grant_table.yml",
	};
	struct run r = { 0 };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/upstream/%s", SPECS_DIR, names[i]);
		assert_true(abi_parse_file(&r.spec, path, &r.d));
	}
	assert_ndiags(&r.d, 0);
	assert_int_equal(r.spec.nr_families, 4);
	for (size_t i = 0; i < r.spec.nr_families; i++) {
		const struct abi_family *f = &r.spec.families[i];
		assert_non_null(strstr(f->file, names[i]));
		assert_ptr_equal(f->name_pos.file, f->file);
		for (size_t s = 0; s < f->nr_subops; s++)
			for (size_t k = 0; k < f->subops[s].nr_in; k++)
				assert_ptr_equal(f->subops[s].in[k].pos.file, f->file);
	}
	run_free(&r);
}

static void test_unreadable_file(void **state)
{
	(void)state;
	struct run r = { 0 };
	assert_false(abi_parse_file(&r.spec, SPECS_DIR "/no-such-file.yml", &r.d));
	assert_ndiags(&r.d, 1);
	assert_int_equal(r.d.v[0].line, 0);
	assert_string_equal(r.d.v[0].file, SPECS_DIR "/no-such-file.yml");
	assert_string_equal(r.d.v[0].message, "cannot read: No such file or directory");
	assert_int_equal(r.spec.nr_families, 0);
	run_free(&r);

	assert_false(abi_parse_file(&r.spec, SPECS_DIR, &r.d));
	assert_ndiags(&r.d, 1);
	assert_string_equal(r.d.v[0].message, "cannot read: Is a directory");
	run_free(&r);
}

/* A file that yields no family names the file it came from. */
static void test_no_family(void **state)
{
	(void)state;
	struct run r = { 0 };
	parse_as(&r, "dir/empty.yml", "");
	assert_false(r.appended);
	assert_int_equal(r.spec.nr_families, 0);
	assert_string_equal(r.d.v[0].file, "dir/empty.yml");
	run_free(&r);

	/* NULL and zero bytes are an empty file too. */
	assert_false(abi_parse_buffer(&r.spec, "n.yml", NULL, 0, &r.d));
	assert_diag(&r.d, 0, 1, 1, "empty file");
	run_free(&r);

	/* CRLF line ends count as one line break for reader errors. */
	parse_text(&r, "name: a\r\nhypercall_index: 1\r\n  \xc3\r\n");
	assert_ndiags(&r.d, 1);
	assert_int_equal(r.d.v[0].line, 3);
	assert_int_equal(r.d.v[0].col, 4);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest good[] = {
		cmocka_unit_test(test_upstream_form),
		cmocka_unit_test(test_extended_form),
		cmocka_unit_test(test_direct_op),
		cmocka_unit_test(test_member_path_idents),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_model_after_errors),
		cmocka_unit_test(test_all_problems_in_order),
		cmocka_unit_test(test_interleaved_duplicates),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_no_family),
	};
	int rc = cmocka_run_group_tests_name("parser", good, NULL, NULL);
	rc += run_bad_cases("parser problems", bad, sizeof(bad) / sizeof(bad[0]));
	return rc ? 1 : 0;
}
