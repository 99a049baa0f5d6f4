/*
 * The generators. Each writes one artefact for the whole (validated, sorted)
 * spec to 'out' and returns 0, or -1 after printing why to stderr. Output
 * depends only on the spec, never on time, paths or file order.
 */
#ifndef ABI_TOOL_GEN_H
#define ABI_TOOL_GEN_H

#include <stdio.h>

#include "spec.h"

/* Guest C header: one static inline stub per op (gen_c_guest.c). */
int abi_gen_c_guest(const struct abi_spec *spec, FILE *out);
/* Hypervisor side: core-function prototypes and the op table type
 * (gen_c_hv.c), and the decoders plus the op table itself. */
int abi_gen_c_hv_header(const struct abi_spec *spec, FILE *out);
int abi_gen_c_hv(const struct abi_spec *spec, FILE *out);
/* no_std Rust module with the same stubs (gen_rust.c). */
int abi_gen_rust(const struct abi_spec *spec, FILE *out);
/* Markdown reference (gen_doc.c). */
int abi_gen_doc(const struct abi_spec *spec, FILE *out);
/* Host self-test of the guest stubs: calls every stub with known inputs
 * under a SIGSEGV handler that plays the hypervisor (gen_selftest.c). */
int abi_gen_selftest(const struct abi_spec *spec, FILE *out);

#endif
