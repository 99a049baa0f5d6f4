/*
 * xl.cfg(5) files, read with libxlutil (Xen's own parser: same syntax and
 * the same "FILE:LINE: config parsing error near ..." messages as
 * `xl create`) and interpreted as tools/xl/xl_parse.c interprets the keys
 * fastabi supports. Keys we do not support are reported with their line:
 * ignored when the guest cannot miss them (xl ignores unknown keys
 * silently), refused when they would give the guest a device it would
 * look for (disk=, vif=, ...). docs/config.md has the key table.
 */
#define _GNU_SOURCE /* asprintf */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <libxl.h>
#include <libxlutil.h>
#include <xen/sched.h>

#include "hv.h"
#include "vmm.h"
#include "xlcfg.h"

/*
 * libxlutil (and libxenlight, which it needs) is loaded when the first
 * file is read, not at every start: `fastabi run` never reads an xl.cfg
 * file, and loading the sixteen Xen libraries it pulls in cost about 1.5 ms
 * of every cold start (docs/benchmarks.md). The calls go through this
 * table; their types are the header's.
 */
#ifndef XLUTIL_SONAME
#define XLUTIL_SONAME "libxlutil.so"
#endif
static struct {
	void *lib;
	__typeof__(&xlu_cfg_init) cfg_init;
	__typeof__(&xlu_cfg_readfile) cfg_readfile;
	__typeof__(&xlu_cfg_destroy) cfg_destroy;
	__typeof__(&xlu_cfg_get_string) cfg_get_string;
	__typeof__(&xlu_cfg_get_long) cfg_get_long;
	__typeof__(&xlu_cfg_get_list) cfg_get_list;
	__typeof__(&xlu_cfg_get_listitem) cfg_get_listitem;
} xlu;

/* Load it once; 0, or -1 with the reason on 'report'. */
static int xlu_load(FILE *report)
{
	static bool said;

	if (xlu.lib)
		return 0;
	if (said)
		return -1; /* said for the first file */
	said = true;
	void *lib = dlopen(XLUTIL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(report, "fastabi: cannot load %s, Xen's xl.cfg parser (Debian package "
			"libxenmisc4.17; scripts/install-deps.sh): %s\n", XLUTIL_SONAME, dlerror());
		return -1;
	}
#define XLU_SYM(f)                                                              \
	do {                                                                    \
		*(void **)&xlu.f = dlsym(lib, "xlu_" #f);                      \
		if (!xlu.f) {                                                   \
			fprintf(report, "fastabi: %s has no xlu_" #f ": not the "  \
				"libxlutil fastabi was built with\n", XLUTIL_SONAME); \
			dlclose(lib);                                           \
			return -1;                                              \
		}                                                               \
	} while (0)
	XLU_SYM(cfg_init);
	XLU_SYM(cfg_readfile);
	XLU_SYM(cfg_destroy);
	XLU_SYM(cfg_get_string);
	XLU_SYM(cfg_get_long);
	XLU_SYM(cfg_get_list);
	XLU_SYM(cfg_get_listitem);
#undef XLU_SYM
	xlu.lib = lib;
	said = false;
	return 0;
}

/*
 * libxlutil.h has no call that lists the settings of a file or gives a
 * setting's line. The settings list is a "transparent" struct in Xen's
 * tools/libs/util/libxlu_internal.h (the same layout since the `+=`
 * operator was added, Xen 4.9 to 4.20): a linked list, newest first, each
 * with its name and line. Mirrored here only to walk it; every name found
 * is checked against xlu_cfg_get_list/_string (the public calls) before it
 * is trusted.
 */
struct xlu_setting_mirror {
	struct xlu_setting_mirror *next;
	char *name;
	void *value;
	enum XLU_Operation op;
	int lineno;
};
struct xlu_config_mirror {
	struct xlu_setting_mirror *settings;
	FILE *report;
	char *config_source;
};

static const struct xlu_setting_mirror *settings(const XLU_Config *c)
{
	return ((const struct xlu_config_mirror *)c)->settings;
}

/* The line of the assignment libxlutil uses for key (the last in the file); 0: none. */
static int line_of(const XLU_Config *c, const char *key)
{
	for (const struct xlu_setting_mirror *s = settings(c); s; s = s->next)
		if (s->name && !strcmp(s->name, key))
			return s->lineno;
	return 0;
}

struct reader {
	struct xlcfg *x;
	XLU_Config *c;
	FILE *report;
};

/* "FILE:LINE: " (or "FILE: " without a line) and the message. */
__attribute__((format(printf, 3, 4))) static void say(struct reader *r, int line,
						      const char *fmt, ...)
{
	va_list ap;
	if (line > 0)
		fprintf(r->report, "%s:%d: ", r->x->path, line);
	else
		fprintf(r->report, "%s: ", r->x->path);
	va_start(ap, fmt);
	vfprintf(r->report, fmt, ap);
	va_end(ap);
	fputc('\n', r->report);
}

/* A string key: 0 found, 1 absent, -1 wrong type (libxlutil said where; we say it is fatal). */
static int get_str(struct reader *r, const char *key, const char **out)
{
	int e = xlu.cfg_get_string(r->c, key, out, 0);
	if (e == ESRCH) {
		*out = NULL;
		return 1;
	}
	if (e) {
		say(r, line_of(r->c, key), "error: %s must be a single string", key);
		return -1;
	}
	return 0;
}

/* A number in [min, max]: 0 found, 1 absent, -1 after saying why. */
static int get_num(struct reader *r, const char *key, long min, long max, const char *unit,
		   long *out)
{
	long v;
	int e = xlu.cfg_get_long(r->c, key, &v, 0);
	if (e == ESRCH)
		return 1;
	if (e) { /* EINVAL (libxlutil printed its warning) or ERANGE */
		say(r, line_of(r->c, key), "error: %s must be a number", key);
		return -1;
	}
	if (v < min || v > max) {
		say(r, line_of(r->c, key), "error: %s = %ld is out of range: %ld..%ld%s", key, v, min,
		    max, unit);
		return -1;
	}
	*out = v;
	return 0;
}

static int get_bool(struct reader *r, const char *key, bool *out)
{
	long v;
	int rc = get_num(r, key, 0, 1, " (0 or 1)", &v);
	if (rc == 0)
		*out = v;
	return rc < 0 ? -1 : 0;
}

static const char *const event_keys[XLCFG_NR_EVENTS] = {
	[XLCFG_ON_POWEROFF] = "on_poweroff",
	[XLCFG_ON_REBOOT] = "on_reboot",
	[XLCFG_ON_CRASH] = "on_crash",
	[XLCFG_ON_WATCHDOG] = "on_watchdog",
};

const char *xlcfg__event_key(enum xlcfg_event e)
{
	return e < XLCFG_NR_EVENTS ? event_keys[e] : "?";
}

const char *xlcfg__action_name(enum xlcfg_action a)
{
	switch (a) {
	case XLCFG_DESTROY:
		return "destroy";
	case XLCFG_PRESERVE:
		return "preserve";
	case XLCFG_RESTART:
		return "restart";
	}
	return "?";
}

/* xl's action names (libxl_action_on_shutdown); which of them fastabi does. */
static int get_action(struct reader *r, enum xlcfg_event ev, enum xlcfg_action *out)
{
	static const char *const xl_actions[] = {
		"destroy", "restart", "rename-restart", "preserve",
		"coredump-destroy", "coredump-restart", "soft-reset",
	};
	const char *key = event_keys[ev], *v;
	int rc = get_str(r, key, &v);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (!strcmp(v, "destroy")) {
		*out = XLCFG_DESTROY;
		return 0;
	}
	if (!strcmp(v, "preserve")) {
		*out = XLCFG_PRESERVE;
		return 0;
	}
	if (!strcmp(v, "restart")) {
		*out = XLCFG_RESTART;
		return 0;
	}
	for (size_t i = 0; i < sizeof(xl_actions) / sizeof(xl_actions[0]); i++)
		if (!strcmp(v, xl_actions[i])) {
			say(r, line_of(r->c, key),
			    "error: %s = \"%s\" is not supported by fastabi (destroy, restart or preserve)", key,
			    v);
			return -1;
		}
	/* xl's own message, with the place. */
	say(r, line_of(r->c, key), "error: Unknown %s action \"%s\" specified", key, v);
	return -1;
}

static int copy_str(struct reader *r, char **dst, const char *s)
{
	*dst = strdup(s);
	if (!*dst) {
		say(r, 0, "error: out of memory");
		return -1;
	}
	return 0;
}

/* A file the domain builder will open: relative to the current directory, as xl. */
static int check_file(struct reader *r, const char *key, const char *path)
{
	if (!*path) {
		say(r, line_of(r->c, key), "error: %s is empty", key);
		return -1;
	}
	if (access(path, R_OK)) {
		int e = errno;
		say(r, line_of(r->c, key), "error: %s \"%s\": %s%s", key, path, strerror(e),
		    path[0] == '/' ? "" : " (relative to the current directory, as xl)");
		return -1;
	}
	return 0;
}

/* The keys read below; any other is reported by unknown_keys(). */
static const char *const known_keys[] = {
	"name", "type", "builder", "kernel", "firmware_override", "ramdisk", "cmdline", "extra",
	"root", "memory", "maxmem", "vcpus", "maxvcpus", "on_poweroff", "on_reboot", "on_crash",
	"on_watchdog", "fastabi", "confidential", "fixed_mem_layout", "vif",
};

/*
 * Keys that give the guest something it would look for and not find:
 * devices and passthrough. A domain with one of them is refused rather
 * than started without it.
 */
static const char *const device_keys[] = {
	"disk", "pci", "dtdev", "usbdev", "usbctrl", "vtpm", "p9", "pvcalls", "vdispl",
	"vsnd", "vkb", "vfb", "channel", "iomem", "ioports", "irqs", "virtio",
};

static bool in(const char *const *list, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], key))
			return true;
	return false;
}

/* Each key we do not read, once, in file order: a warning, or an error for a device. */
static int unknown_keys(struct reader *r)
{
	int errors = 0, last = 0;

	for (;;) {
		/* The next line after `last` that holds a key we do not know (the list is newest first). */
		const struct xlu_setting_mirror *next = NULL;
		for (const struct xlu_setting_mirror *s = settings(r->c); s; s = s->next) {
			if (!s->name || s->lineno <= last ||
			    in(known_keys, sizeof(known_keys) / sizeof(known_keys[0]), s->name))
				continue;
			if (!next || s->lineno < next->lineno)
				next = s;
		}
		if (!next)
			break;
		last = next->lineno;
		/* Reported once: skip it if an earlier line had the same key. */
		bool seen = false;
		for (const struct xlu_setting_mirror *s = settings(r->c); s; s = s->next)
			if (s->name && s->lineno < next->lineno && !strcmp(s->name, next->name))
				seen = true;
		if (seen)
			continue;
		/* The public parser must agree the key exists, or the mirror is wrong. */
		if (xlu.cfg_get_list(r->c, next->name, NULL, NULL, 1) == ESRCH) {
			say(r, 0, "error: cannot list the keys of this file (libxlutil's layout differs)");
			return -1;
		}
		if (in(device_keys, sizeof(device_keys) / sizeof(device_keys[0]), next->name)) {
			say(r, next->lineno,
			    "error: %s is not supported by fastabi (no devices): the guest would "
			    "look for it", next->name);
			errors++;
		} else {
			say(r, next->lineno, "warning: %s is not supported by fastabi: ignored",
			    next->name);
			r->x->nr_warnings++;
		}
	}
	return errors ? -1 : 0;
}

static int read_name(struct reader *r)
{
	const char *name;
	int rc = get_str(r, "name", &name);
	if (rc < 0)
		return -1;
	if (rc) {
		/* xl: "Domain name must be specified." */
		say(r, 0, "error: no name: a domain name must be specified (name = \"...\")");
		return -1;
	}
	r->x->name_line = line_of(r->c, "name");
	size_t len = strlen(name);
	if (!len || len >= HV_NAME_MAX) {
		say(r, r->x->name_line, "error: name must have 1..%d characters", HV_NAME_MAX - 1);
		return -1;
	}
	for (const char *p = name; *p; p++)
		if (*p < 0x21 || *p > 0x7e) {
			say(r, r->x->name_line,
			    "error: name \"%s\" has a space or a non-printable character", name);
			return -1;
		}
	return copy_str(r, &r->x->name, name);
}

/*
 * type= as xl reads it: "pvh" or "hvm" (xl also takes "pv", which needs a
 * PV kernel and which fastabi cannot run). Without type=, xl takes the
 * deprecated builder= ("hvm"), else builds a PV domain: refused here.
 */
static int read_type(struct reader *r, bool *hvm)
{
	const char *type;
	int rc = get_str(r, "type", &type);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (!strcmp(type, "pvh") || !strcmp(type, "hvm")) {
			*hvm = !strcmp(type, "hvm");
			return 0;
		}
		if (!strcmp(type, "pv"))
			say(r, line_of(r->c, "type"),
			    "error: type = \"pv\": PV domains are not supported by fastabi (pvh or hvm)");
		else /* xl: "Invalid domain type %s." */
			say(r, line_of(r->c, "type"), "error: Invalid domain type %s (pvh or hvm)",
			    type);
		return -1;
	}
	rc = get_str(r, "builder", &type);
	if (rc < 0)
		return -1;
	if (rc == 0 && !strcmp(type, "hvm")) {
		*hvm = true;
		return 0;
	}
	say(r, rc == 0 ? line_of(r->c, "builder") : 0,
	    "error: no type: xl would build a PV domain, which fastabi does not run "
	    "(type = \"pvh\" or \"hvm\")");
	return -1;
}

/*
 * The kernel: kernel= for pvh; for hvm a direct-boot ELF through kernel=
 * or firmware_override= (how Xen's test kernels are started), booted
 * through its PVH entry (elf.c refuses an ELF without one).
 */
static int read_kernel(struct reader *r, bool hvm)
{
	const char *kernel, *fw = NULL, *key = "kernel";
	int rc = get_str(r, "kernel", &kernel);
	if (rc < 0)
		return -1;
	if (hvm) {
		int rf = get_str(r, "firmware_override", &fw);
		if (rf < 0)
			return -1;
		if (rf == 0 && rc == 0) {
			say(r, line_of(r->c, "firmware_override"),
			    "error: both kernel and firmware_override are given: one direct-boot "
			    "ELF only");
			return -1;
		}
		if (rf == 0) {
			kernel = fw;
			key = "firmware_override";
			rc = 0;
		}
	}
	if (rc) {
		say(r, 0, hvm ? "error: no kernel: type = \"hvm\" needs a direct-boot ELF (kernel = "
				"or firmware_override =); fastabi has no hvmloader"
			      : "error: no kernel (kernel = \"FILE\")");
		return -1;
	}
	if (check_file(r, key, kernel))
		return -1;
	return copy_str(r, &r->x->kernel, kernel);
}

/* cmdline=, else root= and extra= combined as xl's parse_cmdline does. */
static int read_cmdline(struct reader *r)
{
	const char *cmdline, *root, *extra;
	if (get_str(r, "cmdline", &cmdline) < 0 || get_str(r, "root", &root) < 0 ||
	    get_str(r, "extra", &extra) < 0)
		return -1;
	char *s = NULL;
	if (cmdline) {
		if (root || extra) /* xl's warning */
			say(r, line_of(r->c, "cmdline"),
			    "warning: ignoring root= and extra= in favour of cmdline=");
		s = strdup(cmdline);
	} else if (root && extra) {
		if (asprintf(&s, "root=%s %s", root, extra) < 0)
			s = NULL;
	} else if (root) {
		if (asprintf(&s, "root=%s", root) < 0)
			s = NULL;
	} else if (extra) {
		s = strdup(extra);
	} else {
		return 0;
	}
	if (!s) {
		say(r, 0, "error: out of memory");
		return -1;
	}
	r->x->cmdline = s;
	if (strlen(s) > PVH_CMDLINE_MAX) {
		say(r, line_of(r->c, cmdline ? "cmdline" : extra ? "extra" : "root"),
		    "error: the command line is too long: %zu bytes, at most %llu", strlen(s),
		    (unsigned long long)PVH_CMDLINE_MAX);
		return -1;
	}
	return 0;
}

/*
 * memory= is what the domain boots with; maxmem= defaults to it (xl). A
 * maxmem above memory means populate-on-demand, which libxl refuses for
 * PVH and which fastabi does not have for either type.
 */
static int read_memory(struct reader *r)
{
	long mem = XLCFG_DEFAULT_MEMORY_MIB, maxmem;
	int rc = get_num(r, "memory", VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, " MiB", &mem);
	if (rc < 0)
		return -1;
	rc = get_num(r, "maxmem", VMM_MIN_MEMORY_MIB, VMM_MAX_MEMORY_MIB, " MiB", &maxmem);
	if (rc < 0)
		return -1;
	if (rc == 0 && maxmem != mem) {
		say(r, line_of(r->c, "maxmem"),
		    maxmem < mem ? "error: maxmem = %ld is below memory = %ld"
				 : "error: maxmem = %ld above memory = %ld needs populate-on-demand, "
				   "which fastabi does not have (libxl refuses it for PVH too)",
		    maxmem, mem);
		return -1;
	}
	r->x->cfg.memory_mib = (uint64_t)mem;
	return 0;
}

/*
 * vcpus= is how many are online at boot, maxvcpus= how many the domain
 * has (xl: maxvcpus defaults to vcpus, and "maxvcpus < vcpus" is an
 * error). A PVH domain boots on vCPU 0 and brings up the others itself
 * (VCPUOP_up), so the VMM creates maxvcpus vCPUs.
 */
static int read_vcpus(struct reader *r)
{
	long vcpus = 1, max;
	int rc = get_num(r, "vcpus", 1, HV_MAX_VCPUS, " vCPUs", &vcpus);
	if (rc < 0)
		return -1;
	rc = get_num(r, "maxvcpus", 1, HV_MAX_VCPUS, " vCPUs", &max);
	if (rc < 0)
		return -1;
	if (rc == 1)
		max = vcpus;
	if (max < vcpus) {
		say(r, line_of(r->c, "maxvcpus"), "error: maxvcpus = %ld < vcpus = %ld", max, vcpus);
		return -1;
	}
	r->x->cfg.vcpus = (unsigned)max;
	return 0;
}

/* "xx:xx:xx:xx:xx:xx" (libxl__parse_mac). */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (unsigned i = 0; i < 6; i++) {
		char *end;
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return false;
		unsigned long v = strtoul(s, &end, 16);
		if (end != s + 2 || (i < 5 ? *end != ':' : *end != '\0'))
			return false;
		mac[i] = (uint8_t)v;
		s = end + (i < 5);
	}
	return true;
}

/* One option value into a fixed field of the vif; false (said) if too long. */
static bool vif_str(struct reader *r, int line, unsigned n, const char *key, const char *v,
		    char *dst)
{
	if (strlen(v) >= VMM_VIF_STR) {
		say(r, line, "error: vif %u: %s=\"%s\" is longer than %u characters", n, key, v,
		    VMM_VIF_STR - 1);
		return false;
	}
	strcpy(dst, v);
	return true;
}

/*
 * One vif = [ '...' ] entry, "key=value,key=value" as xl's
 * parse_nic_config reads it, with libxl's defaults
 * (libxl__device_nic_setdefault): a random 00:16:3e MAC, bridge xenbr0,
 * script vif-bridge under /etc/xen/scripts, mtu 1500. backend= is needed
 * here: the VMM (domain 0) has no network backend.
 */
static int read_vif(struct reader *r, int line, unsigned n, const char *spec,
		    struct vmm_vif_config *vif, bool *has_devid)
{
	char *copy = strdup(spec), *save = NULL;
	bool ok = copy != NULL, mac = false;

	*vif = (struct vmm_vif_config){ .mtu = 1500 };
	strcpy(vif->bridge, "xenbr0");
	strcpy(vif->script, "vif-bridge");
	*has_devid = false;
	for (char *opt = copy ? strtok_r(copy, ",", &save) : NULL; ok && opt;
	     opt = strtok_r(NULL, ",", &save)) {
		while (*opt == ' ')
			opt++;
		char *eq = strchr(opt, '=');
		if (!*opt)
			continue;
		if (!eq) {
			say(r, line, "error: vif %u: \"%s\" is not key=value", n, opt);
			ok = false;
			break;
		}
		*eq = '\0';
		const char *k = opt, *v = eq + 1;
		char *end;
		if (!strcmp(k, "backend")) {
			ok = *v ? vif_str(r, line, n, k, v, vif->backend) : false;
			if (!*v)
				say(r, line, "error: vif %u: backend= is empty", n);
		} else if (!strcmp(k, "mac")) {
			mac = ok = parse_mac(v, vif->mac);
			if (!ok)
				say(r, line, "error: vif %u: mac=%s is not xx:xx:xx:xx:xx:xx", n, v);
		} else if (!strcmp(k, "bridge")) {
			ok = vif_str(r, line, n, k, v, vif->bridge);
		} else if (!strcmp(k, "script")) {
			ok = vif_str(r, line, n, k, v, vif->script);
		} else if (!strcmp(k, "ip")) {
			ok = vif_str(r, line, n, k, v, vif->ip);
		} else if (!strcmp(k, "vifname")) {
			ok = vif_str(r, line, n, k, v, vif->vifname);
		} else if (!strcmp(k, "mtu") || !strcmp(k, "devid")) {
			unsigned long x = strtoul(v, &end, 10);
			ok = *v && !*end && x <= 65535ul && (strcmp(k, "mtu") || x >= 68);
			if (!ok)
				say(r, line, "error: vif %u: %s=%s is not a number in range", n, k, v);
			else if (!strcmp(k, "mtu"))
				vif->mtu = (unsigned)x;
			else
				vif->devid = (unsigned)x, *has_devid = true;
		} else if (!strcmp(k, "type")) {
			ok = !strcmp(v, "vif");
			if (!ok)
				say(r, line, "error: vif %u: type=%s: a PVH domain has no device model, "
				    "only type=vif", n, v);
		} else {
			say(r, line, "error: vif %u: %s= is not supported by fastabi", n, k);
			ok = false;
		}
	}
	if (!copy)
		say(r, line, "error: out of memory");
	free(copy);
	if (!ok)
		return -1;
	if (!vif->backend[0]) {
		say(r, line, "error: vif %u has no backend=: domain 0 (the VMM) has no network "
		    "backend; name the driver domain (backend=<name or domid>)", n);
		return -1;
	}
	if (!mac) {
		/* libxl: 00:16:3e, then three random bytes, the first below 0x80. */
		uint8_t b[3] = { 0 };
		if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
			b[0] = (uint8_t)n, b[1] = 0x5e, b[2] = 0x11;
		const uint8_t m[6] = { 0x00, 0x16, 0x3e, (uint8_t)(b[0] & 0x7f), b[1], b[2] };
		memcpy(vif->mac, m, sizeof(m));
	}
	/* libxl__abs_path(script, libxl__xen_script_dir_path()). */
	if (vif->script[0] != '/') {
		char abs[VMM_VIF_STR];
		int len = snprintf(abs, sizeof(abs), "/etc/xen/scripts/%s", vif->script);
		if (len < 0 || (unsigned)len >= sizeof(abs)) {
			say(r, line, "error: vif %u: script=%s is too long", n, vif->script);
			return -1;
		}
		strcpy(vif->script, abs);
	}
	return 0;
}

/* vif = [ ... ]: each entry; devids as libxl__device_nic_set_devids gives them. */
static int read_vifs(struct reader *r)
{
	XLU_ConfigList *list;
	int count, bad = 0;

	if (xlu.cfg_get_list(r->c, "vif", &list, &count, 0))
		return 0; /* none (a vif that is not a list is libxlutil's to report) */
	int line = line_of(r->c, "vif");
	if ((unsigned)count > VMM_MAX_VIFS) {
		say(r, line, "error: %d vifs: at most %u", count, VMM_MAX_VIFS);
		return -1;
	}
	bool has_devid[VMM_MAX_VIFS];
	long last = -1;
	for (int i = 0; i < count; i++) {
		const char *spec = xlu.cfg_get_listitem(list, i);
		if (!spec) {
			say(r, line, "error: vif %d is not a string", i);
			bad = -1;
			continue;
		}
		if (read_vif(r, line, (unsigned)i, spec, &r->x->cfg.vifs[i], &has_devid[i])) {
			bad = -1;
			continue;
		}
		if (has_devid[i] && (long)r->x->cfg.vifs[i].devid > last)
			last = r->x->cfg.vifs[i].devid;
	}
	if (bad)
		return -1;
	for (int i = 0; i < count; i++)
		if (!has_devid[i])
			r->x->cfg.vifs[i].devid = (unsigned)++last;
	for (int i = 0; i < count; i++)
		for (int j = 0; j < i; j++)
			if (r->x->cfg.vifs[i].devid == r->x->cfg.vifs[j].devid) {
				say(r, line, "error: vifs %d and %d have the same devid %u", j, i,
				    r->x->cfg.vifs[i].devid);
				return -1;
			}
	r->x->cfg.nr_vifs = (unsigned)count;
	r->x->vif_line = line;
	return 0;
}

int xlcfg__resolve_backends(struct xlcfg *x, unsigned nr, FILE *report)
{
	int bad = 0;

	for (unsigned i = 0; i < nr; i++) {
		for (unsigned k = 0; k < x[i].cfg.nr_vifs; k++) {
			struct vmm_vif_config *v = &x[i].cfg.vifs[k];
			char *end;
			unsigned long id = strtoul(v->backend, &end, 10);
			int found = -1;
			if (v->backend[0] >= '0' && v->backend[0] <= '9' && !*end) {
				/* `fastabi create` numbers its domains 1, 2, ... in file order. */
				if (id >= 1 && id <= nr)
					found = (int)id - 1;
			} else {
				for (unsigned j = 0; j < nr; j++)
					if (!strcmp(x[j].name, v->backend))
						found = (int)j;
			}
			if (found < 0 || (unsigned)found == i) {
				fprintf(report,
					"%s:%d: error: vif %u: backend=%s %s (the backend must be "
					"another domain of this fastabi create: ", x[i].path,
					x[i].vif_line, k, v->backend,
					found < 0 ? "is not a domain of this create" :
						    "is this domain itself");
				const char *sep = "";
				for (unsigned j = 0; j < nr; j++)
					if (j != i) {
						fprintf(report, "%s%s (domain %u)", sep, x[j].name, j + 1);
						sep = ", ";
					}
				fprintf(report, "%s)\n", *sep ? "" : "none");
				bad = -1;
				continue;
			}
			snprintf(v->backend, sizeof(v->backend), "%s", x[found].name);
		}
	}
	return bad;
}

static int read_all(struct reader *r)
{
	struct xlcfg *x = r->x;
	bool hvm = false;
	int bad = 0;

	/* Every key is looked at, so that one run reports every mistake of the file. */
	bad |= read_name(r);
	if (read_type(r, &hvm))
		bad = -1;
	else
		bad |= read_kernel(r, hvm);
	const char *ramdisk;
	int rc = get_str(r, "ramdisk", &ramdisk);
	if (rc < 0 || (rc == 0 && (check_file(r, "ramdisk", ramdisk) || copy_str(r, &x->ramdisk, ramdisk))))
		bad = -1;
	bad |= read_cmdline(r);
	bad |= read_memory(r);
	bad |= read_vcpus(r);
	for (unsigned e = 0; e < XLCFG_NR_EVENTS; e++)
		bad |= get_action(r, e, &x->on[e]);
	bad |= get_bool(r, "fastabi", &x->cfg.fastabi);
	bad |= get_bool(r, "confidential", &x->cfg.confidential);
	bad |= get_bool(r, "fixed_mem_layout", &x->cfg.fixed_mem_layout);
	bad |= read_vifs(r);
	bad |= unknown_keys(r);
	if (bad)
		return -1;
	x->cfg.name = x->name;
	x->cfg.kernel = x->kernel;
	x->cfg.ramdisk = x->ramdisk;
	x->cfg.cmdline = x->cmdline;
	/* The SHUTDOWN_* reason each on_* key answers (xl: libxl_shutdown_reason). */
	static const unsigned reason[XLCFG_NR_EVENTS] = {
		[XLCFG_ON_POWEROFF] = SHUTDOWN_poweroff,
		[XLCFG_ON_REBOOT] = SHUTDOWN_reboot,
		[XLCFG_ON_CRASH] = SHUTDOWN_crash,
		[XLCFG_ON_WATCHDOG] = SHUTDOWN_watchdog,
	};
	for (unsigned e = 0; e < XLCFG_NR_EVENTS; e++)
		if (x->on[e] == XLCFG_RESTART)
			x->cfg.restart_on |= 1u << reason[e];
		else if (x->on[e] == XLCFG_PRESERVE)
			x->cfg.preserve_on |= 1u << reason[e];
	return 0;
}

/*
 * Whether the open file is text libxlutil can take: its lexer aborts the
 * process (an assertion in xlu__cfgl_dequote) on a NUL byte in a quoted
 * string, found by tests/fuzz/xlcfg_fuzz.c. A NUL byte anywhere, or a size
 * no configuration has, is refused here with the line it is on.
 */
#define XLCFG_MAX_FILE (1u << 20)
static bool text_file(struct reader *r, int fd, const struct stat *st)
{
	char buf[4096];
	off_t off = 0;
	int line = 1;

	if (st->st_size > XLCFG_MAX_FILE) {
		say(r, 0, "error: %lld bytes: larger than any xl.cfg file (at most %u)",
		    (long long)st->st_size, XLCFG_MAX_FILE);
		return false;
	}
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n <= 0)
			return true; /* a read error is libxlutil's to report */
		for (ssize_t i = 0; i < n; i++) {
			if (!buf[i]) {
				say(r, line, "error: a NUL byte: not a text file");
				return false;
			}
			line += buf[i] == '\n';
		}
		off += n;
	}
}

int xlcfg__read(const char *path, FILE *report, struct xlcfg *x)
{
	memset(x, 0, sizeof(*x));
	x->path = path;
	x->cfg = vmm_domain_config__default(NULL);
	x->cfg.memory_mib = XLCFG_DEFAULT_MEMORY_MIB;
	/* xl's defaults. */
	x->on[XLCFG_ON_POWEROFF] = XLCFG_DESTROY;
	x->on[XLCFG_ON_REBOOT] = XLCFG_RESTART;
	x->on[XLCFG_ON_CRASH] = XLCFG_DESTROY;
	x->on[XLCFG_ON_WATCHDOG] = XLCFG_DESTROY;

	if (xlu_load(report))
		return -1;
	struct reader r = { .x = x, .report = report };
	r.c = xlu.cfg_init(report, path);
	if (!r.c) {
		fprintf(report, "%s: out of memory\n", path);
		return -1;
	}
	/*
	 * Syntax errors and unreadable files: libxlutil's own messages. Its
	 * message for a file it cannot open may show a clobbered errno
	 * ("Success"), so the reason is said again.
	 */
	int rc = 0;
	/*
	 * A FIFO or a device would hang fopen in libxlutil: the file is opened
	 * without blocking and its type checked first, then libxlutil reads
	 * that same open file (/proc/self/fd), its messages still naming path.
	 */
	char fdpath[64];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || !text_file(&r, fd, &st))) {
		if (!S_ISREG(st.st_mode))
			say(&r, 0, "error: not a regular file");
		close(fd);
		xlu.cfg_destroy(r.c);
		fflush(report);
		xlcfg__free(x);
		return -1;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (xlu.cfg_readfile(r.c, fd >= 0 ? fdpath : path)) {
		if (access(path, R_OK))
			say(&r, 0, "error: cannot read it: %s", strerror(errno));
		rc = -1;
	} else {
		rc = read_all(&r);
	}
	if (fd >= 0)
		close(fd);
	xlu.cfg_destroy(r.c);
	fflush(report);
	if (rc)
		xlcfg__free(x);
	return rc;
}

void xlcfg__free(struct xlcfg *x)
{
	free(x->name);
	free(x->kernel);
	free(x->ramdisk);
	free(x->cmdline);
	x->name = x->kernel = x->ramdisk = x->cmdline = NULL;
	x->cfg.name = x->cfg.kernel = x->cfg.ramdisk = x->cfg.cmdline = NULL;
}
