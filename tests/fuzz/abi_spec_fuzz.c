/*
 * libFuzzer target for abi-tool: any bytes as one spec file. The parser and
 * the validator run on everything (the validator must survive models with
 * problems, too); a spec without problems is then sorted and given to every
 * generator, so that they are fuzzed on valid but unusual specs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "gen.h"
#include "parse.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int (*const generators[])(const struct abi_spec *, FILE *) = {
	abi_gen_c_guest, abi_gen_c_hv_header, abi_gen_c_hv,
	abi_gen_rust,    abi_gen_doc,         abi_gen_selftest,
};

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct abi_spec spec = { 0 };
	struct abi_diags d = { 0 };

	if (!devnull)
		devnull = fopen("/dev/null", "w");

	abi_parse_buffer(&spec, "fuzz.yml", data, size, &d);
	size_t parse_problems = d.n;
	abi_validate(&spec, &d);
	if (devnull)
		abi_diags_print(&d, devnull);

	if (d.n == 0 && parse_problems == 0) {
		abi_spec_sort(&spec);
		for (size_t i = 0; i < sizeof(generators) / sizeof(generators[0]); i++) {
			char *buf = NULL;
			size_t len = 0;
			FILE *out = open_memstream(&buf, &len);
			if (!out)
				abort();
			generators[i](&spec, out);
			fclose(out);
			free(buf);
		}
	}

	abi_spec_free(&spec);
	abi_diags_free(&d);
	return 0;
}
