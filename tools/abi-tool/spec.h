/*
 * The in-memory form of the ABI specification (the files abi/<family>.yml).
 *
 * The parser (parse.c) fills it from YAML, the validator (validate.c) checks
 * the rules that span keys, and every generator (gen_*.c) reads it. Every
 * element keeps the position it was written at, so that any later complaint
 * can name file, line and column.
 */
#ifndef ABI_TOOL_SPEC_H
#define ABI_TOOL_SPEC_H

#include <stdbool.h>
#include <stddef.h>

/* FastABI registers reg0..reg7 (rax, rdi, rsi, r8, r9, r10, r11, r12). */
#define ABI_NR_REGS 8
/* reg0 carries the hypercall number in and the result out; reg1 the sub-op. */
#define ABI_REG_RESULT 0
#define ABI_REG_SUBOP 1
/* Legacy hypercall numbers are 0..63 (Xen's NR_hypercalls is 64). */
#define ABI_MAX_HYPERCALL 63

/* Where something was written: 1-based line and column. */
struct abi_pos {
	const char *file; /* owned by the abi_family (its 'file' member) */
	int line;
	int col;
};

/* lsb or width of an abi_bits that failed to parse (already reported). */
#define ABI_BITS_INVALID (~0u)

/* A named bit range inside a packed register (schema extension 'bits'). */
struct abi_bits {
	char *name;
	unsigned lsb;
	unsigned width;
	char *description;
	struct abi_pos pos;
};

/*
 * One input or output of an operation. Upstream writes 'name: REG'; our
 * extended form is 'name: {reg: REG, description: ..., bits: {...}}'.
 * The name may be a C member path as upstream writes it ("time[0]",
 * "addr.p"); 'ident' is that name made into an identifier ("time_0",
 * "addr_p") for C parameters and Rust.
 */
struct abi_field {
	char *name;
	char *ident;
	int reg;
	char *description;
	struct abi_bits *bits;
	size_t nr_bits;
	struct abi_pos pos;     /* of the key */
	struct abi_pos reg_pos; /* of the register number */
};

/* One 'key: value' entry of c_lang.mapping or c_lang.params. */
struct abi_c_entry {
	char *key;   /* a field name, or "field.bits" for a bit range */
	char *value; /* mapping: C member path; params: C type */
	struct abi_pos pos;
};

/* How the C generators reach the fields: upstream's c_lang block. */
struct abi_c_lang {
	bool present;
	char *struct_name; /* a struct from the Xen or fastabi headers, or NULL */
	struct abi_pos struct_pos;
	struct abi_c_entry *mapping; /* field -> struct member path */
	size_t nr_mapping;
	struct abi_c_entry *params; /* field -> C type of a scalar parameter */
	size_t nr_params;
	/*
	 * struct member -> C constant (schema extension 'fixed'): members that
	 * FastABI does not carry in any register, set by the hypervisor-side
	 * decoder before the core function runs (e.g. dom: DOMID_SELF).
	 */
	struct abi_c_entry *fixed;
	size_t nr_fixed;
	struct abi_pos pos;
};

/* A Xen errno name (EINVAL, ...) that an operation may return. */
struct abi_error {
	char *name;
	struct abi_pos pos;
};

struct abi_op {
	char *name;
	bool direct;   /* the family's 'direct' op: no sub-op number in reg1 */
	long index;    /* sub-op number; -1 for a direct op */
	char *description;
	struct abi_field *in;
	size_t nr_in;
	struct abi_field *out;
	size_t nr_out;
	struct abi_c_lang c;
	struct abi_error *errors;
	size_t nr_errors;
	/* May do bounded work and continue by re-executing the trap. */
	bool preemptible;
	struct abi_pos pos;       /* of the op's name (or of 'direct') */
	struct abi_pos index_pos; /* of the index value */
};

/* One abi/<family>.yml file. */
struct abi_family {
	char *file;
	char *name;
	struct abi_pos name_pos;
	long hypercall_index;
	struct abi_pos index_pos;
	char *description;
	char **c_headers; /* headers the C stubs include; NULL: defaults */
	size_t nr_c_headers;
	struct abi_op *direct; /* NULL when the family has only sub-ops */
	struct abi_op *subops;
	size_t nr_subops;
};

struct abi_spec {
	struct abi_family *families;
	size_t nr_families;
};

/* Register names for messages and generated text: "rax", "rdi", ... */
const char *abi_reg_name(int reg);

/* Free everything the spec owns, and reset it to empty. */
void abi_spec_free(struct abi_spec *spec);

/*
 * Sort families by hypercall index and sub-ops by index (ties by name), so
 * that every generator's output does not depend on the order of the files
 * on the command line.
 */
void abi_spec_sort(struct abi_spec *spec);

/* Lookups used by the validator and the generators. NULL when absent. */
const struct abi_c_entry *abi_c_mapping(const struct abi_op *op, const char *key);
const struct abi_c_entry *abi_c_param(const struct abi_op *op, const char *key);
const struct abi_field *abi_op_input(const struct abi_op *op, int reg);
const struct abi_field *abi_op_output(const struct abi_op *op, int reg);

/*
 * The C struct member that holds a field, for ops with a c_lang struct.
 * Without bits: the mapping for the field's name, else the name itself
 * (upstream's rule). With bits (one range of a packed field): the mapping for
 * "<field>.<range>", else the range's own name. NULL when the field is a
 * scalar parameter (c_lang.params) or the op has no struct.
 */
const char *abi_c_member(const struct abi_op *op, const struct abi_field *f,
			 const struct abi_bits *bits);

/* A packed field's b-th bit range in lsb order (the order of every generator). */
const struct abi_bits *abi_field_nth_bits(const struct abi_field *f, size_t b);

/* Bit masks of the registers an op reads and writes (bit N = regN). reg0 is
 * always in the output mask; reg0 (and reg1 for sub-ops) in the input mask. */
unsigned abi_op_in_mask(const struct abi_family *fam, const struct abi_op *op);
unsigned abi_op_out_mask(const struct abi_op *op);

/* "event_channel_send", or "version" for a direct op of family version. */
char *abi_op_symbol(const struct abi_family *fam, const struct abi_op *op);

#endif
