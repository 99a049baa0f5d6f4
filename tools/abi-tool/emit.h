/*
 * Small text helpers shared by the generators, so that every generated file
 * starts with the same provenance banner and names registers the same way.
 */
#ifndef ABI_TOOL_EMIT_H
#define ABI_TOOL_EMIT_H

#include <stdio.h>

#include "spec.h"

/*
 * The "generated, do not edit" banner, each line prefixed by 'prefix'
 * ("//", " *", "#", ...), naming the spec files by their base names only
 * (never a build path, so that output is the same in every build tree).
 */
void abi_emit_banner(FILE *out, const struct abi_spec *spec, const char *prefix);

/*
 * The #include lines of a generated C file, after choosing the newest Xen
 * interface (unless the includer chose one): <stdint.h>, <xen/xen.h>, each
 * family's Xen headers (its c_headers list, else the default for its name),
 * then fastabi/xen-ext.h, fastabi/trap.h and fastabi/ops.h. Each header once,
 * in spec order.
 */
void abi_emit_c_includes(FILE *out, const struct abi_spec *spec);

/* The file's base name ("abi/sched.yml" -> "sched.yml"). */
const char *abi_base_name(const char *path);

/*
 * The C view of one operation, shared by the guest-stub and self-test
 * generators so that both agree on every stub's signature.
 *
 * A value is what one C expression carries: a plain field, or one bit range
 * of a packed field (in lsb order), unless c_lang.params names the whole
 * packed field, which is then one value carrying the whole register. A value
 * lives in a member of the op's c_lang struct (abi_c_member) or, when the op
 * has no struct or c_lang.params names it ("<field>" or "<field>.<range>"),
 * in a scalar parameter named by the field's ident (ident_range for a range)
 * and typed by c_lang.params (uint64_t when not given).
 */
struct abi_c_value {
	const struct abi_field *field;
	const struct abi_bits *bits; /* the range, or NULL: the whole register */
	const char *member;          /* struct member path, or NULL: a parameter */
	const char *type;            /* parameter type; NULL for a member */
	char *param;                 /* parameter name; NULL for a member */
};

/* A scalar parameter of a stub: by value when only read, by pointer when the
 * stub writes it (an output, written only on success). */
struct abi_c_param {
	const char *name;
	const char *type;
	int in;
	int out;
};

struct abi_c_op {
	struct abi_c_value *in; /* input values by register, then range */
	size_t nr_in;
	struct abi_c_value *out; /* output values, likewise */
	size_t nr_out;
	struct abi_c_param *params; /* in register order, each name once */
	size_t nr_params;
	const char *struct_name; /* NULL: the stub takes no struct pointer */
	int struct_read;         /* some input is a member */
	int struct_written;      /* some output is a member: the pointer is not const */
};

/*
 * Build the C view of an op. Returns 0, or -1 after printing to stderr why
 * no C stub can be made (two values with one parameter name, a parameter
 * name the stub uses itself, one name with two types).
 */
int abi_c_op_init(struct abi_c_op *c, const struct abi_family *fam, const struct abi_op *op);
void abi_c_op_free(struct abi_c_op *c);

/* (1 << width) - 1 as a 64-bit mask (all ones for width 64). */
unsigned long long abi_bits_mask(unsigned width);

#endif
