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
#include <sys/resource.h>

#include "vmm.h"
#include "xlcfg.h"
#include "xsclient.h"

#ifndef FASTABI_VERSION
#define FASTABI_VERSION "unknown"
#endif

#define MAX_TIMEOUT_S (7u * 24 * 3600)

/* CLOCK_MONOTONIC at main(): the cold-start timeline (--stats) starts here. */
static uint64_t main_ns;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fastabi run KERNEL [options]\n"
		"       fastabi create FILE.cfg [FILE.cfg ...] [--timeout SECONDS] [--trace] [--stats]\n"
		"               [--console escaped|raw]\n"
		"       fastabi xenstore-ls [PATH] | xenstore-read PATH | xenstore-write PATH VALUE |\n"
		"               xenstore-rm PATH   [--pid PID]  (a running instance's XenStore)\n"
		"                      [confinement options]\n"
		"       fastabi --help | --version\n"
		"\n"
		"Boot KERNEL, a PVH ELF image (XEN_ELFNOTE_PHYS32_ENTRY), as a Xen HVM/PVH\n"
		"domain on KVM, serving the legacy Xen hypercall ABI and FastABI.\n"
		"\n"
		"create: one domain per xl.cfg(5) file (docs/config.md), domain ids 1, 2, ...\n"
		"in file order, run until all have stopped; the exit status is the first\n"
		"domain's (in id order) that did not end in success or poweroff, else 0.\n"
		"\n"
		"run options:\n"
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
		"  --console MODE       guest console output (run and create): 'escaped' (default)\n"
		"                       shows control and non-ASCII bytes as \\xNN and '\\' as\n"
		"                       '\\\\', so a guest cannot drive the terminal; 'raw' passes\n"
		"                       the guest's bytes as they are\n"
		"  --legacy-translate   benchmarks: translate legacy pointers with one\n"
		"                       KVM_TRANSLATE per page, as QEMU does (docs/benchmarks.md)\n"
		"  --service-times FILE benchmarks: the VMM's time per exit and hypercall,\n"
		"                       JSON lines written to FILE at exit (docs/benchmarks.md)\n"
		"\n"
		"confinement (run and create; docs/security.md):\n"
		"  --user UID[:GID]     the user to become after setup when started as root\n"
		"                       (default %u:%u, nobody:nogroup)\n"
		"  --jail DIR           new mount, network and IPC namespaces, chroot to DIR\n"
		"  --no-sandbox         no seccomp filters, no privilege drop (debugging only)\n"
		"  --overcommit         build domains whose RAM exceeds what the host can back\n"
		"\n"
		"exit status: 0 success or poweroff, 1 test FAILURE, 2 test ERROR or a bad\n"
		"option/kernel, 3 crash (register dump on stderr), 4 timeout, 5 reboot,\n"
		"6 watchdog, 7 suspend, 8 forbidden system call (sandbox), 77 test SKIP\n"
		"(see docs/vmm.md)\n"
		"\n"
		"SIGINT/SIGTERM write control/shutdown = \"poweroff\" in every domain's XenStore\n"
		"(xl shutdown); a second one destroys the domains still running (exit status 3).\n"
		"FASTABI_XENSTORE_DUMP=1 prints each domain's XenStore nodes when it ends.\n",
		VMM_DEFAULT_MEMORY_MIB, VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, HV_MAX_VCPUS,
		VMM_MAX_MODULES, SANDBOX_DEFAULT_UID, SANDBOX_DEFAULT_GID);
}

/* The command whose arguments are being parsed, for messages. */
static const char *command = "run";

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "fastabi %s: ", command);
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

/*
 * The confinement options, the same for run and create: 1 if name is one
 * (val used if it takes one: *used set), 0 if not, -1 after printing why.
 */
static int sandbox_option(const char *name, const char *val, struct sandbox_config *sc,
			  bool *used)
{
	*used = false;
	if (!strcmp(name, "--no-sandbox") || !strcmp(name, "--overcommit")) {
		if (val) {
			bad("%s takes no value", name);
			return -1;
		}
		if (name[2] == 'n')
			sc->disabled = true;
		else
			sc->overcommit = true;
		return 1;
	}
	if (strcmp(name, "--user") && strcmp(name, "--jail"))
		return 0;
	if (!val) {
		bad("%s needs a value", name);
		return -1;
	}
	*used = true;
	if (!strcmp(name, "--jail")) {
		if (!*val) {
			bad("--jail needs a directory");
			return -1;
		}
		sc->jail = val;
	} else if (sandbox__parse_user(val, &sc->uid, &sc->gid)) {
		bad("--user '%s' is not UID or UID:GID (numbers below 4294967295)", val);
		return -1;
	}
	return 1;
}

/* --console MODE (run and create): 0, or an error after printing why. */
static int console_mode(const char *val, bool *raw)
{
	if (!strcmp(val, "escaped") || !strcmp(val, "raw")) {
		*raw = !strcmp(val, "raw");
		return 0;
	}
	bad("--console '%s': unknown mode (escaped or raw)", val);
	return -1;
}

struct run_args {
	struct sandbox_config sandbox;
	struct vmm_domain_config cfg;
	unsigned timeout_s;
	bool trace, stats; /* for the whole VMM, not one domain */
	bool console_raw;  /* --console raw, for every domain */
	bool legacy_translate;      /* benchmarks only (measure.h) */
	const char *service_times;  /* benchmarks only (measure.h) */
};

/* Parse `run`'s arguments; 0, or an exit status after printing why. */
static int parse_run(int argc, char **argv, struct run_args *a)
{
	const char *kernel = NULL;

	a->cfg = vmm_domain_config__default(NULL);
	a->sandbox = sandbox__default_config();
	a->timeout_s = 0;
	a->trace = a->stats = a->legacy_translate = a->console_raw = false;
	a->service_times = NULL;
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
		else if (!strcmp(name, "--legacy-translate"))
			a->legacy_translate = true;
		else
			flag = false;
		if (flag) {
			if (val)
				return bad("%s takes no value", name);
			continue;
		}
		bool used;
		const char *sv = val ? val : (i + 1 < argc ? argv[i + 1] : NULL);
		if (!strcmp(name, "--no-sandbox") || !strcmp(name, "--overcommit"))
			sv = val;
		int so = sandbox_option(name, sv, &a->sandbox, &used);
		if (so < 0)
			return VMM_EXIT_ERROR;
		if (so) {
			if (used && !val)
				i++;
			continue;
		}
		if (strcmp(name, "--memory") && strcmp(name, "--vcpus") && strcmp(name, "--cmdline") &&
		    strcmp(name, "--timeout") && strcmp(name, "--name") && strcmp(name, "--ramdisk") &&
		    strcmp(name, "--module") && strcmp(name, "--service-times") &&
		    strcmp(name, "--console"))
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
		} else if (!strcmp(name, "--console")) {
			if (console_mode(val, &a->console_raw))
				return VMM_EXIT_ERROR;
		} else if (!strcmp(name, "--service-times")) {
			if (!*val)
				return bad("--service-times needs a file name");
			a->service_times = val;
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
	vmm.console_raw = a.console_raw;
	vmm.sandbox = a.sandbox;
	vmm.main_ns = main_ns;
	if ((a.service_times && measure__service_open(a.service_times)) ||
	    vmm__add_domain(&vmm, &a.cfg, &vd)) {
		vmm__destroy(&vmm);
		return VMM_EXIT_ERROR;
	}
	if (a.legacy_translate)
		measure__translate_on(vd);
	r = vmm__run(&vmm, a.timeout_s);
	vmm__destroy(&vmm);
	return r;
}

/* What happened to a stopped domain, as the on_* key that applies to it. */
static enum xlcfg_event stop_event(const struct vmm_domain *vd)
{
	switch (vd->exit_status) {
	case VMM_EXIT_REBOOT:
		return XLCFG_ON_REBOOT;
	case VMM_EXIT_WATCHDOG:
		return XLCFG_ON_WATCHDOG;
	case VMM_EXIT_SUCCESS:
		return XLCFG_ON_POWEROFF;
	default: /* crash, and anything else that ended the domain */
		return XLCFG_ON_CRASH;
	}
}

/*
 * Each domain holds a KVM VM fd, one fd per vCPU and its RAM's memfd; the
 * process has a few of its own (stdio, /dev/kvm, the timer, the control
 * socket, the backends' files). Many domains exceed the usual soft limit
 * of 1024 open files: it is raised as far as the hard limit allows, and a
 * hard limit that is too low is said before anything is built.
 */
static int fd_limit(const struct xlcfg *x, unsigned nr)
{
	rlim_t need = 64;
	struct rlimit rl;

	for (unsigned i = 0; i < nr; i++)
		need += 3 + x[i].cfg.vcpus;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		fprintf(stderr, "fastabi create: %u domains need about %llu open files; the hard "
			"limit is %llu (ulimit -Hn): raise it, or start fewer domains per process\n",
			nr, (unsigned long long)need, (unsigned long long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "fastabi create: cannot raise the open-file limit to %llu: %s\n",
			(unsigned long long)rl.rlim_max, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * `fastabi create FILE.cfg ...`: every file is read and checked before
 * any domain is built, and every domain is built before any runs; domain
 * ids are 1..N in file order (the VMM is dom0). docs/config.md.
 */
static int cmd_create(int argc, char **argv)
{
	const char *files[HV_MAX_DOMAINS];
	unsigned nr = 0;
	unsigned long long timeout = 0;
	bool trace = false, stats = false, console_raw = false;
	struct sandbox_config sc = sandbox__default_config();

	command = "create";
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		char name[32];
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		snprintf(name, sizeof(name), "%.*s", (int)(nlen < sizeof(name) ? nlen : 0), a);
		bool used, takes = !strcmp(name, "--user") || !strcmp(name, "--jail");
		const char *sv = eq ? eq + 1 : (takes && i + 1 < argc ? argv[i + 1] : NULL);
		int so = a[0] == '-' ? sandbox_option(name, sv, &sc, &used) : 0;
		if (so < 0)
			return VMM_EXIT_ERROR;
		if (so) {
			if (used && !eq)
				i++;
			continue;
		}
		if (!strcmp(a, "--trace")) {
			trace = true;
		} else if (!strcmp(a, "--stats")) {
			stats = true;
		} else if (!strncmp(a, "--console", 9) && (a[9] == '=' || !a[9])) {
			const char *v = a[9] ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				return bad("--console needs a value (escaped or raw)");
			if (console_mode(v, &console_raw))
				return VMM_EXIT_ERROR;
		} else if (!strncmp(a, "--timeout", 9) && (a[9] == '=' || !a[9])) {
			const char *v = a[9] ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				return bad("--timeout needs a value");
			if (number("--timeout", v, 1, MAX_TIMEOUT_S, " seconds", &timeout))
				return VMM_EXIT_ERROR;
		} else if (a[0] == '-' && strcmp(a, "-")) {
			return bad("unknown option '%s'", a);
		} else if (nr >= HV_MAX_DOMAINS - 1) {
			return bad("at most %u configuration files (domains 1..%u)",
				   HV_MAX_DOMAINS - 1, HV_MAX_DOMAINS - 1);
		} else {
			files[nr++] = a;
		}
	}
	if (!nr)
		return bad("no FILE.cfg given");

	struct xlcfg *x = calloc(nr, sizeof(*x));
	bool *ok = calloc(nr, sizeof(*ok));
	int status = VMM_EXIT_ERROR;
	bool failed = !x || !ok;
	if (failed)
		fprintf(stderr, "fastabi: out of memory\n");
	/* Every file is read, so that one run reports the mistakes of all of them. */
	for (unsigned i = 0; x && ok && i < nr; i++) {
		ok[i] = xlcfg__read(files[i], stderr, &x[i]) == 0;
		failed |= !ok[i];
	}
	for (unsigned i = 0; x && ok && i < nr; i++)
		for (unsigned j = i + 1; ok[i] && j < nr; j++)
			if (ok[j] && !strcmp(x[i].name, x[j].name)) {
				fprintf(stderr, "%s:%d: error: name \"%s\" is already used by %s:%d "
					"(domain names must be unique)\n", files[j], x[j].name_line,
					x[j].name, files[i], x[i].name_line);
				failed = true;
			}
	if (!failed && xlcfg__resolve_backends(x, nr, stderr))
		failed = true;
	if (failed || fd_limit(x, nr))
		goto out;

	struct vmm vmm;
	struct vmm_domain *vd;
	if (vmm__init(&vmm))
		goto out_vmm;
	vmm.trace |= trace;
	vmm.stats |= stats;
	vmm.console_raw = console_raw;
	vmm.sandbox = sc;
	vmm.main_ns = main_ns;
	for (unsigned i = 0; i < nr; i++) {
		x[i].cfg.min_domid = 1;
		if (vmm__add_domain(&vmm, &x[i].cfg, &vd)) {
			fprintf(stderr, "fastabi: %s: the domain could not be built\n", files[i]);
			goto out_vmm;
		}
	}
	status = vmm__run(&vmm, (unsigned)timeout);
	/* The domains as they ended (a restarted one is its last incarnation). */
	for (unsigned id = 0; id < HV_MAX_DOMAINS; id++) {
		struct vmm_domain *d = vmm.doms[id];
		for (unsigned i = 0; d && i < nr; i++) {
			enum xlcfg_event ev = stop_event(d);
			if (!strcmp(d->name, x[i].name) && x[i].on[ev] == XLCFG_PRESERVE)
				util__err("[%s] domain %u preserved in its shutdown state (%s; "
					 "%s = \"preserve\")", d->name, id, d->stop_why,
					 xlcfg__event_key(ev));
		}
	}
out_vmm:
	vmm__destroy(&vmm);
out:
	for (unsigned i = 0; x && ok && i < nr; i++)
		if (ok[i])
			xlcfg__free(&x[i]);
	free(x);
	free(ok);
	return status;
}

int main(int argc, char **argv)
{
	main_ns = util__mono_ns();
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
	if (!strcmp(argv[1], "create")) {
		for (int i = 2; i < argc; i++)
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
				usage(stdout);
				return 0;
			}
		return cmd_create(argc - 2, argv + 2);
	}
	if (!strncmp(argv[1], "xenstore-", 9))
		return xsclient__main(argc - 1, argv + 1);
	fprintf(stderr, "fastabi: unknown command '%s' (try 'fastabi --help')\n", argv[1]);
	return VMM_EXIT_ERROR;
}
