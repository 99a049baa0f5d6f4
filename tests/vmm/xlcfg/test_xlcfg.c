/*
 * vmm/xlcfg.c: xl.cfg files through libxlutil into a vmm_domain_config.
 * Each test writes a file in a temporary directory, reads it and checks
 * the configuration or the messages (as printed on the report stream).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <xen/sched.h>

#include "xlcfg.h"

static char dir[64], kernel[128], ramdisk[128], cfgpath[128];
static char *report;
static size_t report_len;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-xlcfg-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(kernel, sizeof(kernel), "%s/k.elf", dir);
	snprintf(ramdisk, sizeof(ramdisk), "%s/r.img", dir);
	snprintf(cfgpath, sizeof(cfgpath), "%s/t.cfg", dir);
	FILE *f = fopen(kernel, "w");
	FILE *g = fopen(ramdisk, "w");
	if (!f || !g)
		return -1;
	fclose(f);
	fclose(g);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(kernel);
	unlink(ramdisk);
	unlink(cfgpath);
	rmdir(dir);
	free(report);
	return 0;
}

/* Write the file (lines joined; "@K" stands for the kernel, "@R" the ramdisk) and read it. */
static int read_cfg(struct xlcfg *x, const char *text)
{
	FILE *f = fopen(cfgpath, "w");
	assert_non_null(f);
	for (const char *p = text; *p; p++) {
		if (p[0] == '@' && p[1] == 'K') {
			fputs(kernel, f);
			p++;
		} else if (p[0] == '@' && p[1] == 'R') {
			fputs(ramdisk, f);
			p++;
		} else {
			fputc(*p, f);
		}
	}
	fclose(f);
	free(report);
	report = NULL;
	FILE *r = open_memstream(&report, &report_len);
	assert_non_null(r);
	int rc = xlcfg__read(cfgpath, r, x);
	fclose(r);
	return rc;
}

#define PVH "name = \"t\"\ntype = \"pvh\"\nkernel = \"@K\"\n"

/* The report has this line (the file's path in front). */
static void assert_said(const char *line)
{
	char want[512];
	snprintf(want, sizeof(want), "%s%s\n", cfgpath, line);
	if (!strstr(report, want))
		fail_msg("report lacks \"%s\"; it is:\n%s", want, report);
}

static void assert_bad(const char *text, const char *line)
{
	struct xlcfg x;
	assert_int_equal(read_cfg(&x, text), -1);
	assert_said(line);
}

/*
 * A NUL byte inside a quoted string made libxlutil's lexer abort the
 * process (found by tests/fuzz/xlcfg_fuzz.c): refused with its line now.
 */
static void test_nul_byte(void **state)
{
	static const char text[] = "name = \"t\"\ntype = \"pvh\"\ndisk = [ 'phy:/dev/nul\1\0\0l' ]\n";
	struct xlcfg x;

	(void)state;
	FILE *f = fopen(cfgpath, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
	fclose(f);
	free(report);
	report = NULL;
	FILE *r = open_memstream(&report, &report_len);
	assert_non_null(r);
	int rc = xlcfg__read(cfgpath, r, &x);
	fclose(r);
	assert_int_equal(rc, -1);
	assert_said(":3: error: a NUL byte: not a text file");
}

static void test_minimal_defaults(void **state)
{
	(void)state;
	struct xlcfg x;
	assert_int_equal(read_cfg(&x, PVH), 0);
	assert_string_equal(x.cfg.name, "t");
	assert_string_equal(x.cfg.kernel, kernel);
	assert_null(x.cfg.ramdisk);
	assert_null(x.cfg.cmdline);
	assert_int_equal(x.cfg.memory_mib, 32); /* libxl's default */
	assert_int_equal(x.cfg.vcpus, 1);
	assert_true(x.cfg.fastabi);
	assert_false(x.cfg.confidential);
	assert_false(x.cfg.fixed_mem_layout);
	/* xl: destroy, restart, destroy, destroy. */
	assert_int_equal(x.on[XLCFG_ON_POWEROFF], XLCFG_DESTROY);
	assert_int_equal(x.on[XLCFG_ON_REBOOT], XLCFG_RESTART);
	assert_int_equal(x.on[XLCFG_ON_CRASH], XLCFG_DESTROY);
	assert_int_equal(x.on[XLCFG_ON_WATCHDOG], XLCFG_DESTROY);
	assert_int_equal(x.cfg.restart_on, 1u << SHUTDOWN_reboot);
	assert_int_equal(x.name_line, 1);
	assert_int_equal(report_len, 0);
	xlcfg__free(&x);
}

static void test_every_key(void **state)
{
	(void)state;
	struct xlcfg x;
	assert_int_equal(read_cfg(&x, PVH "ramdisk = \"@R\"\nmemory = 128\nmaxmem = 128\n"
					  "vcpus = 2\nmaxvcpus = 4\ncmdline = \"a b\"\n"
					  "on_poweroff = \"restart\"\non_reboot = \"destroy\"\n"
					  "on_crash = \"preserve\"\non_watchdog = \"restart\"\n"
					  "fastabi = 0\nconfidential = 1\nfixed_mem_layout = 1\n"),
			 0);
	assert_string_equal(x.cfg.ramdisk, ramdisk);
	assert_int_equal(x.cfg.memory_mib, 128);
	assert_int_equal(x.cfg.vcpus, 4); /* maxvcpus: vCPU 0 boots, the guest brings up the rest */
	assert_string_equal(x.cfg.cmdline, "a b");
	assert_int_equal(x.on[XLCFG_ON_POWEROFF], XLCFG_RESTART);
	assert_int_equal(x.on[XLCFG_ON_REBOOT], XLCFG_DESTROY);
	assert_int_equal(x.on[XLCFG_ON_CRASH], XLCFG_PRESERVE);
	assert_int_equal(x.cfg.restart_on, (1u << SHUTDOWN_poweroff) | (1u << SHUTDOWN_watchdog));
	assert_false(x.cfg.fastabi);
	assert_true(x.cfg.confidential);
	assert_true(x.cfg.fixed_mem_layout);
	xlcfg__free(&x);
}

static void test_numbers_as_strings(void **state)
{
	(void)state;
	struct xlcfg x;
	/* libxlutil keeps every value as a string: "64" is a number to xl too. */
	assert_int_equal(read_cfg(&x, PVH "memory = \"64\"\nvcpus = \"2\"\n"), 0);
	assert_int_equal(x.cfg.memory_mib, 64);
	assert_int_equal(x.cfg.vcpus, 2);
	xlcfg__free(&x);
}

static void test_last_assignment_wins(void **state)
{
	(void)state;
	struct xlcfg x;
	assert_int_equal(read_cfg(&x, PVH "memory = 16\nmemory = 48\n"), 0);
	assert_int_equal(x.cfg.memory_mib, 48);
	xlcfg__free(&x);
}

static void test_cmdline_root_extra(void **state)
{
	(void)state;
	struct xlcfg x;
	assert_int_equal(read_cfg(&x, PVH "root = \"/dev/xvda\"\nextra = \"quiet\"\n"), 0);
	assert_string_equal(x.cfg.cmdline, "root=/dev/xvda quiet");
	xlcfg__free(&x);
	assert_int_equal(read_cfg(&x, PVH "root = \"/dev/xvda\"\n"), 0);
	assert_string_equal(x.cfg.cmdline, "root=/dev/xvda");
	xlcfg__free(&x);
	assert_int_equal(read_cfg(&x, PVH "extra = \"quiet\"\n"), 0);
	assert_string_equal(x.cfg.cmdline, "quiet");
	xlcfg__free(&x);
	assert_int_equal(read_cfg(&x, PVH "extra = \"quiet\"\ncmdline = \"c\"\n"), 0);
	assert_string_equal(x.cfg.cmdline, "c");
	assert_said(":5: warning: ignoring root= and extra= in favour of cmdline=");
	xlcfg__free(&x);
}

static void test_hvm_direct_boot(void **state)
{
	(void)state;
	struct xlcfg x;
	assert_int_equal(read_cfg(&x, "name = \"h\"\ntype = \"hvm\"\nfirmware_override = \"@K\"\n"), 0);
	assert_string_equal(x.cfg.kernel, kernel);
	xlcfg__free(&x);
	assert_int_equal(read_cfg(&x, "name = \"h\"\nbuilder = \"hvm\"\nkernel = \"@K\"\n"), 0);
	assert_string_equal(x.cfg.kernel, kernel);
	xlcfg__free(&x);
	assert_bad("name = \"h\"\ntype = \"hvm\"\n", ": error: no kernel: type = \"hvm\" needs a "
		   "direct-boot ELF (kernel = or firmware_override =); fastabi has no hvmloader");
	assert_bad("name = \"h\"\ntype = \"hvm\"\nkernel = \"@K\"\nfirmware_override = \"@K\"\n",
		   ":4: error: both kernel and firmware_override are given: one direct-boot ELF only");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	struct xlcfg x;
	assert_int_equal(read_cfg(&x, PVH "cpu_weight = 256\nuuid = \"x\"\ncpu_weight = 5\n"), 0);
	assert_said(":4: warning: cpu_weight is not supported by fastabi: ignored");
	assert_said(":5: warning: uuid is not supported by fastabi: ignored");
	assert_null(strstr(report, ":6:")); /* once per key */
	assert_int_equal(x.nr_warnings, 2);
	xlcfg__free(&x);
	assert_bad(PVH "disk = [ \"phy:/dev/x,xvda,w\" ]\n",
		   ":4: error: disk is not supported by fastabi (no devices): the guest would look for it");
}

/* vif = [ ... ]: xl's options, libxl's defaults and devids, the errors with their line. */
static void test_vifs(void **state)
{
	(void)state;
	struct xlcfg x;
	assert_int_equal(read_cfg(&x, PVH "vif = [ 'backend=back,mac=00:16:3e:01:02:03,mtu=9000',\n"
				  "  'backend=2,devid=5,bridge=br1,script=/x/s,ip=10.0.0.2', 'backend=b' ]\n"),
			 0);
	assert_int_equal(x.cfg.nr_vifs, 3);
	const struct vmm_vif_config *v = x.cfg.vifs;
	assert_string_equal(v[0].backend, "back");
	assert_memory_equal(v[0].mac, ((uint8_t[]){ 0x00, 0x16, 0x3e, 1, 2, 3 }), 6);
	assert_int_equal(v[0].mtu, 9000);
	assert_string_equal(v[0].bridge, "xenbr0");
	assert_string_equal(v[0].script, "/etc/xen/scripts/vif-bridge");
	/* libxl__device_nic_set_devids: after the highest one given. */
	assert_int_equal(v[0].devid, 6);
	assert_int_equal(v[1].devid, 5);
	assert_int_equal(v[2].devid, 7);
	assert_string_equal(v[1].bridge, "br1");
	assert_string_equal(v[1].script, "/x/s");
	assert_string_equal(v[1].ip, "10.0.0.2");
	/* A random MAC in Xen's range, as libxl makes one. */
	assert_memory_equal(v[2].mac, ((uint8_t[]){ 0x00, 0x16, 0x3e }), 3);
	assert_true(v[2].mac[3] < 0x80);
	assert_int_equal(v[2].mtu, 1500);
	xlcfg__free(&x);

	assert_bad(PVH "vif = [ 'bridge=xenbr0' ]\n",
		   ":4: error: vif 0 has no backend=: domain 0 (the VMM) has no network "
		   "backend; name the driver domain (backend=<name or domid>)");
	assert_bad(PVH "vif = [ 'backend=b,mac=00:16:3e:1:2:3' ]\n",
		   ":4: error: vif 0: mac=00:16:3e:1:2:3 is not xx:xx:xx:xx:xx:xx");
	assert_bad(PVH "vif = [ 'backend=b,model=e1000' ]\n",
		   ":4: error: vif 0: model= is not supported by fastabi");
	assert_bad(PVH "vif = [ 'backend=b,type=ioemu' ]\n",
		   ":4: error: vif 0: type=ioemu: a PVH domain has no device model, only type=vif");
	assert_bad(PVH "vif = [ 'backend=b,devid=1', 'backend=b,devid=1' ]\n",
		   ":4: error: vifs 0 and 1 have the same devid 1");
	assert_bad(PVH "vif = [ 'backend=b,mtu=x' ]\n",
		   ":4: error: vif 0: mtu=x is not a number in range");
}

/* backend= names another domain of the same create, by name or id; else FILE:LINE. */
static void test_vif_backends(void **state)
{
	(void)state;
	struct xlcfg x[3];
	assert_int_equal(read_cfg(&x[0], PVH "vif = [ 'backend=2' ]\n"), 0);
	x[0].path = "a.cfg";
	assert_int_equal(read_cfg(&x[1], "name = \"back\"\ntype = \"pvh\"\nkernel = \"@K\"\n"), 0);
	x[1].path = "b.cfg";
	assert_int_equal(xlcfg__resolve_backends(x, 2, stdout), 0);
	assert_string_equal(x[0].cfg.vifs[0].backend, "back");

	assert_int_equal(read_cfg(&x[2], PVH "vif = [ 'backend=nope' ]\n"), 0);
	x[2].path = "c.cfg";
	fflush(stdout);
	free(report); /* read_cfg's */
	FILE *f = open_memstream(&report, &report_len);
	assert_non_null(f);
	assert_int_equal(xlcfg__resolve_backends(x, 3, f), -1);
	fclose(f);
	assert_non_null(strstr(report, "c.cfg:4: error: vif 0: backend=nope is not a domain of this "
				       "create (the backend must be another domain of this fastabi "
				       "create: t (domain 1), back (domain 2))"));
	free(report);
	report = NULL;
	snprintf(x[2].cfg.vifs[0].backend, VMM_VIF_STR, "3");
	f = open_memstream(&report, &report_len);
	assert_int_equal(xlcfg__resolve_backends(x, 3, f), -1);
	fclose(f);
	assert_non_null(strstr(report, "c.cfg:4: error: vif 0: backend=3 is this domain itself"));
	free(report);
	report = NULL;
	for (unsigned i = 0; i < 3; i++)
		xlcfg__free(&x[i]);
}

static void test_syntax_error(void **state)
{
	(void)state;
	/* libxlutil's own message, as `xl create` prints it. */
	assert_bad(PVH "memory = = 3\n", ":4: config parsing error near `=': syntax error, "
						"unexpected '=', expecting STRING or NUMBER or '['");
}

static void test_unreadable(void **state)
{
	(void)state;
	struct xlcfg x;
	free(report); /* the last read_cfg's */
	report = NULL;
	FILE *r = open_memstream(&report, &report_len);
	char path[200];
	snprintf(path, sizeof(path), "%s/none.cfg", dir);
	assert_int_equal(xlcfg__read(path, r, &x), -1);
	fclose(r);
	char want[300];
	snprintf(want, sizeof(want), "%s: error: cannot read it: No such file or directory\n", path);
	assert_non_null(strstr(report, want));
}

static void test_errors(void **state)
{
	(void)state;
	assert_bad("type = \"pvh\"\nkernel = \"@K\"\n",
		   ": error: no name: a domain name must be specified (name = \"...\")");
	assert_bad("name = \"a b\"\ntype = \"pvh\"\nkernel = \"@K\"\n",
		   ":1: error: name \"a b\" has a space or a non-printable character");
	assert_bad("name = \"0123456789012345678901234567890123\"\ntype = \"pvh\"\nkernel = \"@K\"\n",
		   ":1: error: name must have 1..31 characters");
	assert_bad("name = [\"a\"]\ntype = \"pvh\"\nkernel = \"@K\"\n",
		   ":1: error: name must be a single string");
	assert_bad("name = \"a\"\nkernel = \"@K\"\n",
		   ": error: no type: xl would build a PV domain, which fastabi does not run "
		   "(type = \"pvh\" or \"hvm\")");
	assert_bad("name = \"a\"\ntype = \"pv\"\nkernel = \"@K\"\n",
		   ":2: error: type = \"pv\": PV domains are not supported by fastabi (pvh or hvm)");
	assert_bad("name = \"a\"\ntype = \"xen\"\nkernel = \"@K\"\n",
		   ":2: error: Invalid domain type xen (pvh or hvm)");
	assert_bad("name = \"a\"\ntype = \"pvh\"\n", ": error: no kernel (kernel = \"FILE\")");
	assert_bad("name = \"a\"\ntype = \"pvh\"\nkernel = \"nothere.elf\"\n",
		   ":3: error: kernel \"nothere.elf\": No such file or directory (relative to the "
		   "current directory, as xl)");
	assert_bad(PVH "ramdisk = \"\"\n", ":4: error: ramdisk is empty");
	assert_bad(PVH "memory = 1\n", ":4: error: memory = 1 is out of range: 2..65536 MiB");
	assert_bad(PVH "memory = 99999999999\n", ":4: error: memory = 99999999999 is out of range: 2..65536 MiB");
	assert_bad(PVH "memory = \"lots\"\n", ":4: warning: parameter `memory' is not a valid number");
	assert_bad(PVH "memory = \"lots\"\n", ":4: error: memory must be a number");
	assert_bad(PVH "memory = 64\nmaxmem = 32\n", ":5: error: maxmem = 32 is below memory = 64");
	assert_bad(PVH "memory = 64\nmaxmem = 128\n",
		   ":5: error: maxmem = 128 above memory = 64 needs populate-on-demand, which "
		   "fastabi does not have (libxl refuses it for PVH too)");
	assert_bad(PVH "vcpus = 0\n", ":4: error: vcpus = 0 is out of range: 1..8 vCPUs");
	assert_bad(PVH "vcpus = 9\n", ":4: error: vcpus = 9 is out of range: 1..8 vCPUs");
	assert_bad(PVH "vcpus = 3\nmaxvcpus = 2\n", ":5: error: maxvcpus = 2 < vcpus = 3");
	assert_bad(PVH "on_crash = \"coredump-restart\"\n",
		   ":4: error: on_crash = \"coredump-restart\" is not supported by fastabi "
		   "(destroy, restart or preserve)");
	assert_bad(PVH "on_reboot = \"rename-restart\"\n",
		   ":4: error: on_reboot = \"rename-restart\" is not supported by fastabi "
		   "(destroy, restart or preserve)");
	assert_bad(PVH "on_poweroff = \"soft-reset\"\n",
		   ":4: error: on_poweroff = \"soft-reset\" is not supported by fastabi "
		   "(destroy, restart or preserve)");
	assert_bad(PVH "on_poweroff = \"boom\"\n",
		   ":4: error: Unknown on_poweroff action \"boom\" specified");
	assert_bad(PVH "fastabi = 2\n", ":4: error: fastabi = 2 is out of range: 0..1 (0 or 1)");
	assert_bad(PVH "confidential = \"yes\"\n", ":4: error: confidential must be a number");
	assert_bad(PVH "fixed_mem_layout = [1]\n", ":4: error: fixed_mem_layout must be a number");
}

static void test_all_errors_at_once(void **state)
{
	(void)state;
	struct xlcfg x;
	/* One run reports every mistake of the file. */
	assert_int_equal(read_cfg(&x, "name = [1]\ntype = \"pvh\"\nkernel = \"none.elf\"\n"
				      "memory = 0\nvcpus = 100\n"), -1);
	assert_said(":1: error: name must be a single string");
	assert_said(":3: error: kernel \"none.elf\": No such file or directory (relative to the "
		    "current directory, as xl)");
	assert_said(":4: error: memory = 0 is out of range: 2..65536 MiB");
	assert_said(":5: error: vcpus = 100 is out of range: 1..8 vCPUs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_numbers_as_strings),
		cmocka_unit_test(test_last_assignment_wins),
		cmocka_unit_test(test_cmdline_root_extra),
		cmocka_unit_test(test_hvm_direct_boot),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_vifs),
		cmocka_unit_test(test_vif_backends),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_all_errors_at_once),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
