/*
 * Reading abi/<family>.yml with libyaml into struct abi_spec (parse.c) and the rules
 * that span keys and files (validate.c).
 */
#ifndef ABI_TOOL_PARSE_H
#define ABI_TOOL_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "spec.h"

/*
 * Parse one file's bytes as one family. Every problem goes to 'd' with its
 * position; parsing goes on after a problem so that all are reported.
 * Returns true when a family was appended to 'spec' (it may still have had
 * problems: look at d->n).
 */
bool abi_parse_buffer(struct abi_spec *spec, const char *file,
		      const unsigned char *buf, size_t len, struct abi_diags *d);

/* Read 'path' and parse it; an unreadable file is a diagnostic too. */
bool abi_parse_file(struct abi_spec *spec, const char *path, struct abi_diags *d);

/*
 * The semantic rules (register ranges and reuse, sub-op reuse, implicit
 * registers, hypercall range, c_lang references, struct-less outputs,
 * duplicate families across files, ...). Appends every violation to 'd'.
 */
void abi_validate(const struct abi_spec *spec, struct abi_diags *d);

#endif
