/*
 * The `fastabi` command: `fastabi run KERNEL [options]` boots one PVH
 * kernel as a domain and exits with a status that says how it ended
 * (docs/vmm.md). Options may come before or after KERNEL, as
 * `--opt VALUE` or `--opt=VALUE`.
 */
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

#ifndef FASTABI_VERSION
#define FASTABI_VERSION "unknown"
#endif

#define MAX_TIMEOUT_S (7u * 24 * 3600)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fastabi run KERNEL [options]\n"
		"       fastabi --help | --version\n"
		"\n"
		"Boot KERNEL, a PVH ELF image (XEN_ELFNOTE_PHYS32_ENTRY), as a Xen HVM/PVH\n"
		"domain on KVM, serving the legacy Xen hypercall ABI and FastABI.\n"
		"\n"
		"options:\n"
		"  --memory MiB         guest RAM (default %u, %u..%u)\n"
		"  --vcpus N            virtual CPUs (default 1, at most %u)\n"
		"  --cmdline STR        kernel command line (hvm_start_info cmdline)\n"
		"  --ramdisk FILE       boot module 0, without a command line (as xl's ramdisk)\n"
		"  --module FILE[,STR]  a further boot module with command line STR (repeatable,\n"
		"                       after the ramdisk, at most %u modules in all)\n"
		"  --name NAME          domain name and console prefix (default: KERNEL's file name)\n"
		"  --fixed-mem-layout   place shared_info and the grant frames at boot and\n"
		"                       announce them in the memory map\n"
		"  --no-fastabi         refuse FastABI calls (legacy hypercalls only)\n"
		"  --confidential       the hypervisor touches only pages the guest shared\n"
		"  --timeout SECONDS    stop a guest that runs longer (exit status 4)\n"
		"  --trace              print every hypercall on stderr (also FASTABI_TRACE=1)\n"
		"  --stats              print counters per domain at exit (also FASTABI_STATS=1)\n"
		"\n"
		"exit status: 0 success or poweroff, 1 test FAILURE, 2 test ERROR or a bad\n"
		"option/kernel, 3 crash (register dump on stderr), 4 timeout, 5 reboot,\n"
		"6 watchdog, 7 suspend, 77 test SKIP (see docs/vmm.md)\n",
		VMM_DEFAULT_MEMORY_MIB, VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, HV_MAX_VCPUS,
		VMM_MAX_MODULES);
}

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "fastabi run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'fastabi --help')\n");
	return VMM_EXIT_ERROR;
}

/* A decimal number in [min, max]; -1 after printing why. */
static int number(const char *opt, const char *s, unsigned long long min, unsigned long long max,
		  const char *unit, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+') {
		bad("%s '%s' is not a number", opt, s);
		return -1;
	}
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno) {
		bad("%s '%s' is not a number", opt, s);
		return -1;
	}
	if (v < min || v > max) {
		bad("%s %s is out of range: %llu..%llu%s", opt, s, min, max, unit);
		return -1;
	}
	*out = v;
	return 0;
}

struct run_args {
	struct vmm_domain_config cfg;
	unsigned timeout_s;
	bool trace, stats; /* for the whole VMM, not one domain */
};

/* Parse `run`'s arguments; 0, or an exit status after printing why. */
static int parse_run(int argc, char **argv, struct run_args *a)
{
	const char *kernel = NULL;

	a->cfg = vmm_domain_config__default(NULL);
	a->timeout_s = 0;
	a->trace = a->stats = false;
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];
		if (!strcmp(arg, "--")) { /* the end of options: KERNEL follows */
			if (i + 1 >= argc)
				return bad("no KERNEL after '--'");
			arg = argv[++i];
		} else if (arg[0] == '-' && arg[1] && arg[1] != '-') {
			return bad("unknown option '%s'", arg);
		}
		if (strncmp(arg, "--", 2) != 0 || arg != argv[i] || !strcmp(argv[i - 1], "--")) {
			if (kernel)
				return bad("more than one KERNEL given: '%s' and '%s'", kernel, arg);
			kernel = arg;
			continue;
		}
		/* --opt=value or --opt value */
		char name[64];
		const char *val = NULL;
		const char *eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		if (nlen >= sizeof(name))
			return bad("unknown option '%s'", arg);
		memcpy(name, arg, nlen);
		name[nlen] = '\0';
		if (eq)
			val = eq + 1;

		bool flag = true;
		if (!strcmp(name, "--fixed-mem-layout"))
			a->cfg.fixed_mem_layout = true;
		else if (!strcmp(name, "--no-fastabi"))
			a->cfg.fastabi = false;
		else if (!strcmp(name, "--confidential"))
			a->cfg.confidential = true;
		else if (!strcmp(name, "--trace"))
			a->trace = true;
		else if (!strcmp(name, "--stats"))
			a->stats = true;
		else
			flag = false;
		if (flag) {
			if (val)
				return bad("%s takes no value", name);
			continue;
		}
		if (strcmp(name, "--memory") && strcmp(name, "--vcpus") && strcmp(name, "--cmdline") &&
		    strcmp(name, "--timeout") && strcmp(name, "--name") && strcmp(name, "--ramdisk") &&
		    strcmp(name, "--module"))
			return bad("unknown option '%s'", name);
		if (!val) {
			if (i + 1 >= argc)
				return bad("%s needs a value", name);
			val = argv[++i];
		}
		unsigned long long v;
		if (!strcmp(name, "--memory")) {
			if (number(name, val, VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, " MiB", &v))
				return VMM_EXIT_ERROR;
			a->cfg.memory_mib = v;
		} else if (!strcmp(name, "--vcpus")) {
			if (number(name, val, 1, HV_MAX_VCPUS, " vCPUs", &v))
				return VMM_EXIT_ERROR;
			a->cfg.vcpus = (unsigned)v;
		} else if (!strcmp(name, "--timeout")) {
			if (number(name, val, 1, MAX_TIMEOUT_S, " seconds", &v))
				return VMM_EXIT_ERROR;
			a->timeout_s = (unsigned)v;
		} else if (!strcmp(name, "--cmdline")) {
			if (strlen(val) > PVH_CMDLINE_MAX)
				return bad("--cmdline is too long: %zu bytes, at most %llu", strlen(val),
					   (unsigned long long)PVH_CMDLINE_MAX);
			a->cfg.cmdline = val;
		} else if (!strcmp(name, "--ramdisk")) {
			if (!*val)
				return bad("--ramdisk needs a file name");
			if (a->cfg.ramdisk)
				return bad("--ramdisk given twice: '%s' and '%s' (further files: --module)",
					   a->cfg.ramdisk, val);
			a->cfg.ramdisk = val;
		} else if (!strcmp(name, "--module")) {
			/* FILE[,cmdline]: the first comma ends the file name (val points into argv). */
			char *file = (char *)val, *comma = strchr(file, ',');
			if (comma)
				*comma = '\0';
			if (!*file)
				return bad(comma ? "--module needs a file name before the command line"
						 : "--module needs a file name");
			if (a->cfg.nr_modules >= VMM_MAX_MODULES - 1)
				return bad("--module %s: at most %u --module files (%u modules with the "
					   "ramdisk)", file, VMM_MAX_MODULES - 1, VMM_MAX_MODULES);
			if (comma && strlen(comma + 1) > PVH_MODULE_CMDLINE_MAX)
				return bad("--module %s: the command line is too long: %zu bytes, at most %llu",
					   file, strlen(comma + 1),
					   (unsigned long long)PVH_MODULE_CMDLINE_MAX);
			a->cfg.modules[a->cfg.nr_modules++] = (struct vmm_module_config){
				.path = file, .cmdline = comma ? comma + 1 : NULL,
			};
		} else {
			size_t len = strlen(val);
			if (!len || len >= HV_NAME_MAX)
				return bad("--name must have 1..%d characters", HV_NAME_MAX - 1);
			for (const char *p = val; *p; p++)
				if (*p < 0x21 || *p > 0x7e)
					return bad("--name '%s' has a space or a non-printable character", val);
			a->cfg.name = val;
		}
	}
	if (!kernel)
		return bad("no KERNEL given");
	a->cfg.kernel = kernel;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct vmm vmm;
	struct vmm_domain *vd;

	int r = parse_run(argc, argv, &a);
	if (r)
		return r;
	if (vmm__init(&vmm)) {
		vmm__destroy(&vmm);
		return VMM_EXIT_ERROR;
	}
	vmm.trace |= a.trace;
	vmm.stats |= a.stats;
	if (vmm__add_domain(&vmm, &a.cfg, &vd)) {
		vmm__destroy(&vmm);
		return VMM_EXIT_ERROR;
	}
	r = vmm__run(&vmm, a.timeout_s);
	vmm__destroy(&vmm);
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return VMM_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("fastabi %s\n", FASTABI_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run")) {
		for (int i = 2; i < argc; i++)
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
				usage(stdout);
				return 0;
			}
		return cmd_run(argc - 2, argv + 2);
	}
	fprintf(stderr, "fastabi: unknown command '%s' (try 'fastabi --help')\n", argv[1]);
	return VMM_EXIT_ERROR;
}
