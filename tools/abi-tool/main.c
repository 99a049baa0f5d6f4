/*
 * abi-tool: validate the FastABI specification and generate code and docs
 * from it. See docs/abi-tool.md for the user's view of every command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "gen.h"
#include "parse.h"
#include "spec.h"

#ifndef ABI_TOOL_VERSION
#define ABI_TOOL_VERSION "unknown"
#endif

/* Exit codes, documented in --help and docs/abi-tool.md. */
enum {
	EXIT_OK = 0,
	EXIT_INVALID = 1, /* the spec has problems (all of them printed) */
	EXIT_USAGE = 2,   /* bad command line */
	EXIT_IO = 3,      /* the output could not be written */
};

struct generator {
	const char *name;
	int (*run)(const struct abi_spec *spec, FILE *out);
	const char *what;
};

static const struct generator generators[] = {
	{ "c-guest", abi_gen_c_guest, "guest C header with one static inline stub per operation" },
	{ "c-hv-header", abi_gen_c_hv_header, "hypervisor header: core-function prototypes, op table type" },
	{ "c-hv", abi_gen_c_hv, "hypervisor decoders and the (hypercall, sub-op) table" },
	{ "rust", abi_gen_rust, "no_std Rust module with the same stubs" },
	{ "doc", abi_gen_doc, "Markdown reference, one section per family" },
	{ "selftest", abi_gen_selftest, "host test program that executes every guest stub" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: abi-tool check FILE...\n"
		"       abi-tool gen KIND [-o OUTPUT] FILE...\n"
		"       abi-tool --help | --version\n"
		"\n"
		"Validates the FastABI specification (abi/*.yml, one family per file)\n"
		"and generates code and documentation from it.\n"
		"\n"
		"commands:\n"
		"  check      report every problem as FILE:LINE:COLUMN: message\n"
		"  gen KIND   validate, then write KIND to OUTPUT (default: stdout)\n"
		"\n"
		"kinds:\n");
	for (size_t i = 0; i < sizeof(generators) / sizeof(generators[0]); i++)
		fprintf(out, "  %-12s %s\n", generators[i].name, generators[i].what);
	fprintf(out,
		"\n"
		"exit status:\n"
		"  0  the spec is valid (and the output was written)\n"
		"  1  the spec has problems; all of them are on stderr\n"
		"  2  bad command line\n"
		"  3  the output could not be written\n");
}

static const struct generator *find_generator(const char *name)
{
	for (size_t i = 0; i < sizeof(generators) / sizeof(generators[0]); i++)
		if (strcmp(generators[i].name, name) == 0)
			return &generators[i];
	return NULL;
}

/* Parse and validate every file; print all problems. */
static int load(struct abi_spec *spec, char **files, int nr_files)
{
	struct abi_diags d = { 0 };

	for (int i = 0; i < nr_files; i++)
		abi_parse_file(spec, files[i], &d);
	/*
	 * Validate what parsed even after parse problems, so one run names every
	 * problem: the parser leaves values it refused marked absent, and the
	 * validator skips those instead of reporting them again.
	 */
	abi_validate(spec, &d);
	abi_diags_print(&d, stderr);
	int bad = d.n != 0;
	if (bad)
		fprintf(stderr, "abi-tool: %zu problem%s found\n", d.n, d.n == 1 ? "" : "s");
	abi_diags_free(&d);
	if (bad)
		return EXIT_INVALID;
	abi_spec_sort(spec);
	return EXIT_OK;
}

static int cmd_check(int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "abi-tool check: no spec files given\n");
		return EXIT_USAGE;
	}
	struct abi_spec spec = { 0 };
	int rc = load(&spec, argv, argc);
	abi_spec_free(&spec);
	return rc;
}

/*
 * Write to a temporary file beside OUTPUT and rename it into place, so that
 * a failed run never leaves a half-written generated file for the build.
 */
static int cmd_gen(int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "abi-tool gen: no KIND given (see abi-tool --help)\n");
		return EXIT_USAGE;
	}
	const struct generator *g = find_generator(argv[0]);
	if (!g) {
		fprintf(stderr, "abi-tool gen: unknown KIND '%s' (see abi-tool --help)\n", argv[0]);
		return EXIT_USAGE;
	}
	argc--, argv++;

	const char *output = NULL;
	if (argc >= 1 && strcmp(argv[0], "-o") == 0) {
		if (argc < 2) {
			fprintf(stderr, "abi-tool gen: -o needs a file name\n");
			return EXIT_USAGE;
		}
		output = argv[1];
		argc -= 2, argv += 2;
	}
	if (argc < 1) {
		fprintf(stderr, "abi-tool gen %s: no spec files given\n", g->name);
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-') {
			fprintf(stderr, "abi-tool gen: unexpected option '%s' (options go before the files)\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}

	struct abi_spec spec = { 0 };
	int rc = load(&spec, argv, argc);
	if (rc != EXIT_OK) {
		abi_spec_free(&spec);
		return rc;
	}

	FILE *out = stdout;
	char *tmp = NULL;
	if (output) {
		size_t n = strlen(output) + sizeof(".tmp");
		tmp = malloc(n);
		if (!tmp) {
			abi_spec_free(&spec);
			return EXIT_IO;
		}
		snprintf(tmp, n, "%s.tmp", output);
		out = fopen(tmp, "w");
		if (!out) {
			fprintf(stderr, "abi-tool: cannot write %s: %s\n", tmp, strerror(errno));
			free(tmp);
			abi_spec_free(&spec);
			return EXIT_IO;
		}
	}

	rc = g->run(&spec, out) == 0 ? EXIT_OK : EXIT_IO;
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "abi-tool: cannot write %s: %s\n", output ? tmp : "stdout",
			strerror(errno));
		rc = EXIT_IO;
	}
	if (output) {
		if (fclose(out) != 0 && rc == EXIT_OK) {
			fprintf(stderr, "abi-tool: cannot write %s: %s\n", tmp, strerror(errno));
			rc = EXIT_IO;
		}
		if (rc == EXIT_OK && rename(tmp, output) != 0) {
			fprintf(stderr, "abi-tool: cannot rename %s to %s: %s\n", tmp, output,
				strerror(errno));
			rc = EXIT_IO;
		}
		if (rc != EXIT_OK)
			remove(tmp);
		free(tmp);
	}
	abi_spec_free(&spec);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("abi-tool %s\n", ABI_TOOL_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc - 2, argv + 2);
	fprintf(stderr, "abi-tool: unknown command '%s' (see abi-tool --help)\n", argv[1]);
	return EXIT_USAGE;
}
