/*
 * XenStore through the real ring, with the guest library's xenbus client
 * (guest/lib/xenbus.c), as a Xen guest's xenbus uses it:
 *
 *  - the toolstack's tree (docs/xenstore.md): own name, domid, vm path and
 *    /vm/<uuid>/name, memory/target and static-max (the config's memory in
 *    KiB), store/ and console/ ring-ref and port equal to the HVM params,
 *    cpu/0/availability, the control/ feature flags; the home's
 *    permissions "n0" + "r<domid>" (owned by the toolstack, readable by the
 *    domain); DIRECTORY_PART's generation and list;
 *  - writes, reads, mkdir, directory and rm under the home (data/), and
 *    the refusals: EACCES writing a read-only node (name) or outside the
 *    home, reading another domain's home or the root's children;
 *  - watches: the initial event, events with the right path and token for
 *    a change of the node and of its descendants, none after unwatch;
 *  - transactions: a commit seen only once committed, a conflict (the
 *    node changed outside the transaction) giving EAGAIN, then retried;
 *  - quota: nodes written until the store refuses (ENOSPC, xenstored's
 *    nb_entry_per_domain), then removed and writable again.
 *
 * `mode=shutdown`: watch control/shutdown and power off (or reboot) when
 * the host writes "poweroff" ("reboot") there, as a Linux guest does for
 * `xl shutdown`; the VMM writes it on SIGTERM (tests/integration/xenstore).
 * `mode=sleep`: a guest that ignores it (only a second signal ends it).
 */
#include "guest.h"
#include "string.h"
#include "xenbus.h"

const char test_title[] = "xenstore";

#define MS 1000000ull

static char buf[XENSTORE_PAYLOAD_MAX + 1];
static char home[32];

static uint64_t param(unsigned index)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };

	CHECK_EQ(hypercall_hvm_op(HVMOP_get_param, &p), 0);
	return p.value;
}

/* path's value is want. */
static void expect_value(const char *path, const char *want)
{
	long n = xenbus_read(0, path, buf, sizeof(buf));

	printf("read %-48s = \"%s\"\n", path, n >= 0 ? buf : xenbus_error());
	if (n < 0 || strcmp(buf, want))
		xtf_failure("%s: \"%s\" (%ld), expected \"%s\"", path, n >= 0 ? buf : xenbus_error(),
			    n, want);
}

/* A call that must fail with the error string err. */
static void expect_error(const char *what, long rc, const char *err)
{
	printf("%-52s -> %ld %s\n", what, rc, rc < 0 ? xenbus_error() : "");
	if (rc >= 0 || strcmp(xenbus_error(), err))
		xtf_failure("%s: rc %ld \"%s\", expected %s", what, rc, rc < 0 ? xenbus_error() : "",
			    err);
}

static void tree(void)
{
	char want[64];
	uint64_t v;

	snprintf(want, sizeof(want), "%u", xen_info.domid);
	expect_value("domid", want);
	/* The name: the kernel's file name, xenstore or xenstore32. */
	char name[32];
	CHECK(xenbus_read(0, "name", name, sizeof(name)) >= 8 && !strncmp(name, "xenstore", 8));
	CHECK(xenbus_read(0, "vm", buf, sizeof(buf)) > 4 && !strncmp(buf, "/vm/", 4));
	char vm[64];
	snprintf(vm, sizeof(vm), "%s/name", buf);
	expect_value(vm, name);
	CHECK_EQ(xenbus_read_uint(0, "memory/target", &v), 0);
	printf("memory/target %llu KiB\n", (unsigned long long)v);
	CHECK(v >= 16 * 1024 && v % 1024 == 0);
	uint64_t max;
	CHECK_EQ(xenbus_read_uint(0, "memory/static-max", &max), 0);
	CHECK_EQ(max, v);
	CHECK_EQ(xenbus_read_uint(0, "store/port", &v), 0);
	CHECK_EQ(v, param(HVM_PARAM_STORE_EVTCHN));
	CHECK_EQ(xenbus_read_uint(0, "store/ring-ref", &v), 0);
	CHECK_EQ(v, param(HVM_PARAM_STORE_PFN));
	CHECK_EQ(xenbus_read_uint(0, "console/port", &v), 0);
	CHECK_EQ(v, param(HVM_PARAM_CONSOLE_EVTCHN));
	CHECK_EQ(xenbus_read_uint(0, "console/ring-ref", &v), 0);
	CHECK_EQ(v, param(HVM_PARAM_CONSOLE_PFN));
	expect_value("console/type", "xenconsoled");
	expect_value("cpu/0/availability", "online");
	expect_value("control/platform-feature-multiprocessor-suspend", "1");
	expect_value("control/shutdown", "");
	/* The absolute form and GET_DOMAIN_PATH agree. */
	snprintf(want, sizeof(want), "%s/domid", home);
	snprintf(buf, sizeof(buf), "%u", xen_info.domid);
	expect_value(want, buf);

	/* Permissions as libxl sets them. */
	long n = xenbus_get_perms(0, home, buf, sizeof(buf));
	snprintf(want, sizeof(want), "n0%cr%u", 0, xen_info.domid);
	unsigned wl = (unsigned)strlen(want) + 1 + (unsigned)strlen(want + 3) + 1;
	printf("perms of %s: %ld bytes \"%s\" \"%s\"\n", home, n, buf, n > 3 ? buf + 3 : "");
	CHECK(n == (long)wl && !memcmp(buf, want, wl));
	n = xenbus_get_perms(0, "data", buf, sizeof(buf));
	snprintf(want, sizeof(want), "n%u", xen_info.domid);
	CHECK(n == (long)strlen(want) + 1 && !strcmp(buf, want));

	/* Directory of the home: what a guest finds at boot. */
	n = xenbus_directory(0, "", buf, sizeof(buf));
	CHECK_EQ(n, -XEN_EINVAL); /* an empty path is not a path */
	n = xenbus_directory(0, home, buf, sizeof(buf));
	CHECK(n > 0);
	printf("%s:", home);
	for (const char *c = buf; c < buf + n; c += strlen(c) + 1)
		printf(" %s", c);
	printf("\n");

	/* DIRECTORY_PART from offset 0: "<generation>\0", the same list, and "\0" at its end. */
	static char part[XENSTORE_PAYLOAD_MAX + 1];
	char req[64];
	unsigned lp = (unsigned)strlen(home) + 1, rl = 0;
	memcpy(req, home, lp);
	memcpy(req + lp, "0", 2);
	CHECK_EQ(xenbus_request(XS_DIRECTORY_PART, 0, req, lp + 2, part, sizeof(part), &rl),
		 XS_DIRECTORY_PART);
	unsigned gl = (unsigned)strlen(part) + 1;
	printf("directory_part %s 0: generation %s, %u bytes\n", home, part, rl);
	CHECK(part[0] >= '0' && part[0] <= '9');
	CHECK(rl == gl + (unsigned)n + 1 && !memcmp(part + gl, buf, (size_t)n) &&
	      part[gl + n] == '\0');
}

static void read_write(void)
{
	CHECK_EQ(xenbus_write(0, "data/greeting", "hello"), 0);
	expect_value("data/greeting", "hello");
	CHECK_EQ(xenbus_write(0, "data/greeting", ""), 0);
	expect_value("data/greeting", "");
	CHECK_EQ(xenbus_mkdir(0, "data/dir/sub"), 0);
	CHECK_EQ(xenbus_write(0, "data/dir/a", "1"), 0);
	long n = xenbus_directory(0, "data/dir", buf, sizeof(buf));
	CHECK(n == 6 && !memcmp(buf, "sub\0a\0", 6));
	CHECK_EQ(xenbus_rm(0, "data/dir"), 0);
	expect_error("read data/dir/a after rm", xenbus_read(0, "data/dir/a", buf, sizeof(buf)),
		     "ENOENT");
	expect_error("read data/nothing", xenbus_read(0, "data/nothing", buf, sizeof(buf)),
		     "ENOENT");

	if (xen_info.domid == 0) {
		/*
		 * `fastabi run` gives the guest domain id 0, and xenstored gives
		 * domain 0 every right (the toolstack's): what is refused to a
		 * domU is allowed here. `fastabi create` runs this program as a
		 * domU too (tests/integration/domains), where it is refused.
		 */
		printf("domain 0: xenstored's dom0 rights, no refusal to check\n");
		CHECK_EQ(xenbus_write(0, "/tool/fastabi-test", "1"), 0);
		CHECK_EQ(xenbus_rm(0, "/tool/fastabi-test"), 0);
		CHECK(xenbus_directory(0, "/local/domain", buf, sizeof(buf)) > 0);
		return;
	}
	/* Refusals. */
	expect_error("write name (read-only to the domain)", xenbus_write(0, "name", "x"),
		     "EACCES");
	expect_error("write memory/target", xenbus_write(0, "memory/target", "1"), "EACCES");
	expect_error("write /local/domain/0/x", xenbus_write(0, "/local/domain/0/x", "1"),
		     "EACCES");
	expect_error("write /tool/x", xenbus_write(0, "/tool/x", "1"), "EACCES");
	expect_error("read /local/domain/0/name", xenbus_read(0, "/local/domain/0/name", buf,
							    sizeof(buf)),
		     "EACCES");
	expect_error("directory /local/domain", xenbus_directory(0, "/local/domain", buf,
								 sizeof(buf)),
		     "EACCES");
	expect_error("read a//b", xenbus_read(0, "data//b", buf, sizeof(buf)), "EINVAL");
	expect_error("introduce", xenbus_request(XS_INTRODUCE, 0, "5\0" "1\0" "2", 6, NULL, 0, NULL),
		     "EACCES");
	expect_error("control", xenbus_request(XS_CONTROL, 0, "print\0hi", 9, NULL, 0, NULL),
		     "EACCES");
	char id[16];
	snprintf(id, sizeof(id), "%u", xen_info.domid);
	expect_error("is_domain_introduced (domain 0's, XS_FLAG_PRIV)",
		     xenbus_request(XS_IS_DOMAIN_INTRODUCED, 0, id, (unsigned)strlen(id) + 1, buf,
				    sizeof(buf), NULL),
		     "EACCES");
}

static bool next_event(const char *want_path, const char *want_token)
{
	char path[128], token[64];
	long r = xenbus_wait_watch(path, sizeof(path), token, sizeof(token), 2000 * MS);

	printf("watch event: %ld \"%s\" \"%s\" (expected \"%s\" \"%s\")\n", r, r ? "" : path,
	       r ? "" : token, want_path, want_token);
	if (r || strcmp(path, want_path) || strcmp(token, want_token)) {
		xtf_failure("watch event %ld \"%s\" \"%s\", expected \"%s\" \"%s\"", r, path, token,
			    want_path, want_token);
		return false;
	}
	return true;
}

static void watches(void)
{
	char abs[64];

	CHECK_EQ(xenbus_watch("data/w", "tok1"), 0);
	next_event("data/w", "tok1"); /* the initial event */
	CHECK_EQ(xenbus_write(0, "data/w", "1"), 0);
	next_event("data/w", "tok1");
	CHECK_EQ(xenbus_write(0, "data/w/deep/er", "2"), 0);
	next_event("data/w/deep/er", "tok1");
	/* An absolute watch gets absolute paths. */
	snprintf(abs, sizeof(abs), "%s/data/w", home);
	CHECK_EQ(xenbus_watch(abs, "tok2"), 0);
	next_event(abs, "tok2");
	expect_error("the same watch twice", xenbus_watch(abs, "tok2"), "EEXIST");
	CHECK_EQ(xenbus_rm(0, "data/w/deep"), 0);
	/* Both watches fire, in the order they were set. */
	next_event("data/w/deep", "tok1");
	snprintf(abs, sizeof(abs), "%s/data/w/deep", home);
	next_event(abs, "tok2");
	CHECK_EQ(xenbus_unwatch("data/w", "tok1"), 0);
	snprintf(abs, sizeof(abs), "%s/data/w", home);
	CHECK_EQ(xenbus_unwatch(abs, "tok2"), 0);
	expect_error("unwatch again", xenbus_unwatch("data/w", "tok1"), "ENOENT");
	CHECK_EQ(xenbus_write(0, "data/w", "3"), 0);
	char p[64], t[64];
	CHECK_EQ(xenbus_wait_watch(p, sizeof(p), t, sizeof(t), 100 * MS), -XEN_ETIMEDOUT);
	/* A sibling's change does not fire a watch on data/w. */
	CHECK_EQ(xenbus_watch("data/w", "tok3"), 0);
	next_event("data/w", "tok3");
	CHECK_EQ(xenbus_write(0, "data/wx", "1"), 0);
	CHECK_EQ(xenbus_wait_watch(p, sizeof(p), t, sizeof(t), 100 * MS), -XEN_ETIMEDOUT);
	CHECK_EQ(xenbus_request(XS_RESET_WATCHES, 0, "", 1, NULL, 0, NULL), XS_RESET_WATCHES);
	CHECK_EQ(xenbus_write(0, "data/w", "4"), 0);
	CHECK_EQ(xenbus_wait_watch(p, sizeof(p), t, sizeof(t), 100 * MS), -XEN_ETIMEDOUT);
	CHECK_EQ(xenbus_watch_dropped(), 0);
}

static void transactions(void)
{
	uint32_t tx;

	/* A commit: invisible outside until then, seen inside. */
	CHECK_EQ(xenbus_transaction_start(&tx), 0);
	CHECK(tx != 0);
	CHECK_EQ(xenbus_write(tx, "data/t1", "in-tx"), 0);
	CHECK_EQ(xenbus_read(tx, "data/t1", buf, sizeof(buf)), 5);
	expect_error("read data/t1 outside the transaction",
		     xenbus_read(0, "data/t1", buf, sizeof(buf)), "ENOENT");
	CHECK_EQ(xenbus_transaction_end(tx, true), 0);
	expect_value("data/t1", "in-tx");

	/* An abort leaves nothing. */
	CHECK_EQ(xenbus_transaction_start(&tx), 0);
	CHECK_EQ(xenbus_write(tx, "data/t2", "x"), 0);
	CHECK_EQ(xenbus_transaction_end(tx, false), 0);
	expect_error("read data/t2 after an abort", xenbus_read(0, "data/t2", buf, sizeof(buf)),
		     "ENOENT");
	expect_error("end of an unknown transaction", xenbus_transaction_end(tx, true), "ENOENT");

	/* A conflict: the counter changes outside while the transaction increments it. */
	CHECK_EQ(xenbus_write(0, "data/counter", "1"), 0);
	unsigned tries = 0;
	long r;
	do {
		uint64_t v = 0;
		CHECK_EQ(xenbus_transaction_start(&tx), 0);
		CHECK_EQ(xenbus_read_uint(tx, "data/counter", &v), 0);
		if (tries == 0)
			CHECK_EQ(xenbus_write(0, "data/counter", "10"), 0); /* someone else */
		char n[24];
		snprintf(n, sizeof(n), "%llu", (unsigned long long)v + 1);
		CHECK_EQ(xenbus_write(tx, "data/counter", n), 0);
		r = xenbus_transaction_end(tx, true);
		printf("transaction %u: counter read %llu, commit %ld %s\n", tries,
		       (unsigned long long)v, r, r ? xenbus_error() : "");
		if (tries == 0)
			CHECK(r == -XEN_EAGAIN && !strcmp(xenbus_error(), "EAGAIN"));
	} while (r == -XEN_EAGAIN && ++tries < 5);
	CHECK_EQ(r, 0);
	CHECK_EQ(tries, 1);
	expect_value("data/counter", "11");
}

/* Nodes until the store says no, then removed: the quota is the domain's. */
static void quota(void)
{
	unsigned n = 0;
	long r = 0;
	char path[32];

	/*
	 * In directories of 100: one directory of 1000 children would hit
	 * max_entry_size (2048 bytes of node record, the children's names
	 * included) first, also ENOSPC, as in xenstored.
	 */
	CHECK_EQ(xenbus_mkdir(0, "data/q"), 0);
	while (n < 3000) {
		snprintf(path, sizeof(path), "data/q/%u/%u", n / 100, n % 100);
		r = xenbus_write(0, path, "x");
		if (r)
			break;
		n++;
	}
	printf("quota: %u nodes written, then %ld \"%s\"\n", n, r, xenbus_error());
	CHECK(r == -XEN_ENOSPC && !strcmp(xenbus_error(), "ENOSPC"));
	CHECK(n > 900 && n < 1000);
	/* Rewriting an existing node needs no new one. */
	CHECK_EQ(xenbus_write(0, "data/q/0/0", "y"), 0);
	CHECK_EQ(xenbus_rm(0, "data/q"), 0);
	CHECK_EQ(xenbus_write(0, "data/after-quota", "ok"), 0);
	expect_value("data/after-quota", "ok");
}

/* mode=shutdown: the guest side of `xl shutdown`. */
static void shutdown_watch(void)
{
	char path[128], token[32];

	CHECK_EQ(xenbus_watch("control/shutdown", "shutdown"), 0);
	CHECK_EQ(xenbus_wait_watch(path, sizeof(path), token, sizeof(token), 2000 * MS), 0);
	printf("xenstore: watching control/shutdown\n");
	for (unsigned i = 0; i < 600; i++) {
		long r = xenbus_wait_watch(path, sizeof(path), token, sizeof(token), 100 * MS);
		if (r == -XEN_ETIMEDOUT)
			continue;
		if (!CHECK_EQ(r, 0))
			return;
		long n = xenbus_read(0, "control/shutdown", buf, sizeof(buf));
		printf("event %s (%s): control/shutdown = \"%s\"\n", path, token, n >= 0 ? buf : "");
		if (n <= 0)
			continue;
		/* Acknowledged as Linux does: the node emptied, then the shutdown. */
		CHECK_EQ(xenbus_write(0, "control/shutdown", ""), 0);
		struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };
		if (!strcmp(buf, "reboot"))
			sd.reason = SHUTDOWN_reboot;
		else if (strcmp(buf, "poweroff")) {
			xtf_failure("control/shutdown = \"%s\"", buf);
			return;
		}
		if (xtf_result() >= 0)
			return;
		printf("xenstore: %s as asked\n", buf);
		hypercall_sched_op(SCHEDOP_shutdown, &sd);
		xtf_error("SCHEDOP_shutdown returned");
		return;
	}
	xtf_failure("nobody wrote control/shutdown in 60 s");
}

void test_main(void)
{
	if (!xen_info.hypercall_page_ready) {
		xtf_error("no hypercall page");
		return;
	}
	if (xenbus_init()) {
		xtf_error("no xenstore ring");
		return;
	}
	char id[16];
	snprintf(id, sizeof(id), "%u", xen_info.domid);
	CHECK_EQ(xenbus_request(XS_GET_DOMAIN_PATH, 0, id, (unsigned)strlen(id) + 1, home,
				sizeof(home), NULL),
		 XS_GET_DOMAIN_PATH);
	printf("home %s\n", home);

	const char *mode = cmdline_option(start_info_cmdline(), "mode");
	if (mode && !strncmp(mode, "shutdown", 8)) {
		shutdown_watch();
		return;
	}
	if (mode && !strncmp(mode, "sleep", 5)) {
		/* A guest that ignores control/shutdown: only a destroy ends it. */
		printf("xenstore: watching control/shutdown (not really: sleeping)\n");
		/* A port of our own that nobody sends on: a real sleep. */
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
		CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &au), 0);
		uint64_t end = xenbus_now() + 60000 * MS;
		while (xenbus_now() < end) {
			struct sched_poll p = { .nr_ports = 1, .timeout = xenbus_now() + 100 * MS };
			set_xen_guest_handle(p.ports, &au.port);
			hypercall_sched_op(SCHEDOP_poll, &p);
		}
		xtf_failure("not destroyed in 60 s");
		return;
	}
	tree();
	/* What a request costs through the ring (printed, not checked: machines differ). */
	uint64_t t0 = xenbus_now();
	for (unsigned i = 0; i < 200; i++)
		CHECK(xenbus_read(0, "domid", buf, sizeof(buf)) > 0);
	uint32_t rem;
	printf("200 reads through the ring: %llu us each\n",
	       (unsigned long long)div_u64_rem(xenbus_now() - t0, 200 * 1000, &rem));
	read_write();
	watches();
	transactions();
	if (xen_info.domid)
		quota(); /* domain 0 has none, as in xenstored */
	if (xtf_result() < 0)
		xtf_success(NULL);
}
