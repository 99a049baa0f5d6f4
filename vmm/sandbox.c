/*
 * Confinement after setup, as Firecracker's jailer and QEMU's -sandbox do
 * it (docs/security.md). Two steps:
 *
 * sandbox__process, on the main thread once every domain is built and
 * before any other thread exists (capabilities and seccomp filters are per
 * thread; threads created later inherit them): /dev/kvm closed unless a
 * restart action needs it, --jail, the capability bounding set emptied, the
 * user switched to --user (when root), every capability dropped,
 * PR_SET_NO_NEW_PRIVS, and the SIGSYS handler that names a forbidden call.
 *
 * sandbox__enter, by each thread as it starts its work: the seccomp filter
 * of the allowlist below for the thread's kind. Anything else traps
 * (SCMP_ACT_TRAP): the handler prints the call's name and the thread's kind
 * and ends the process with SANDBOX_EXIT_FORBIDDEN. A trap, not a silent
 * EPERM: a call missing from the list is a bug to see at once, and a call a
 * compromised VMM makes must not be retried in another form.
 *
 * The filters are BPF programs generated at build time (sandbox_gen.c runs
 * sandbox__filter_rules() of this file through libseccomp for each filter
 * and writes sandbox_bpf.c): a thread loads its kind's program with one
 * seccomp(2) call instead of having libseccomp build it again at every
 * start (about 0.1 ms of rules and BPF generation per thread; the cold
 * start in docs/benchmarks.md). The same table, the same programs.
 *
 * Filters stack: the main thread installs its own filter after starting
 * the others, and a thread it starts later (an xl restart builds vCPU and
 * backend threads) runs under both. So with a restart action the main
 * thread's list is the union of every kind's plus what building a domain
 * takes (RESTART below); without one it is the short MAIN list.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <ucontext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <malloc.h>
#include <sys/sysinfo.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "vmm.h"

struct sandbox_config sandbox__default_config(void)
{
	return (struct sandbox_config){ .uid = SANDBOX_DEFAULT_UID, .gid = SANDBOX_DEFAULT_GID };
}

int sandbox__parse_user(const char *s, uid_t *uid, gid_t *gid)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long u = strtoul(s, &end, 10), g = u;
	if (errno || u > 0xfffffffeul)
		return -1;
	if (*end == ':') {
		const char *gs = end + 1;
		if (*gs < '0' || *gs > '9')
			return -1;
		g = strtoul(gs, &end, 10);
		if (errno || g > 0xfffffffeul)
			return -1;
	}
	if (*end)
		return -1;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

static const char *const kind_names[SANDBOX_KINDS] = {
	[SANDBOX_MAIN] = "main", [SANDBOX_VCPU] = "vCPU", [SANDBOX_TIMER] = "timer",
	[SANDBOX_BACKEND] = "backend", [SANDBOX_SIGNAL] = "signal", [SANDBOX_CONTROL] = "control",
};

const char *sandbox__kind_name(enum sandbox_kind kind)
{
	return kind < SANDBOX_KINDS ? kind_names[kind] : "unknown";
}

/* ---- the allowlist: one line per (kinds, call[, ioctl request]), who needs it ---- */

#define K(k) (1u << (k))
#define MAIN K(SANDBOX_MAIN)
#define VCPU K(SANDBOX_VCPU)
#define TIMER K(SANDBOX_TIMER)
#define BACKEND K(SANDBOX_BACKEND)
#define SIGNAL K(SANDBOX_SIGNAL)
#define CONTROL K(SANDBOX_CONTROL)
#define ALL (MAIN | VCPU | TIMER | BACKEND | SIGNAL | CONTROL)
/* Only for the main thread when a domain has an xl restart action (vmm.c's restart_domains). */
#define RESTART (1u << SANDBOX_KINDS)

/*
 * Sanitizer builds only (build-san, build-fuzz: -fsanitize=address): what
 * the sanitizers' runtime does on its own, never in a release build.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif

/*
 * The table and its libseccomp rules are compiled into sandbox-gen only
 * (sandbox_gen.c): the VMM loads the programs generated from them.
 */
#ifdef SANDBOX_GEN
struct sandbox_rule {
	unsigned kinds;
	int nr;              /* the system call (SCMP_SYS) */
	bool ioctl;          /* an ioctl: allowed for this request only */
	unsigned long req;
	bool no_exec;        /* mmap/mprotect: only without PROT_EXEC (the third argument) */
};

#define ALLOW(kinds, name) { (kinds), SCMP_SYS(name), false, 0, false }
#define IOCTL(kinds, request) { (kinds), SCMP_SYS(ioctl), true, (unsigned long)(request), false }
#define NO_EXEC(kinds, name) { (kinds), SCMP_SYS(name), false, 0, true }

/*
 * To let a thread kind make one more call, add its line here, with who
 * needs it and why (docs/security.md, "Adding a system call").
 */
static const struct sandbox_rule rules[] = {
	/* glibc: locks and condvars (pthread_mutex, pthread_cond_timedwait, pthread_join) */
	ALLOW(ALL, futex),
	/* util__err and term.c: messages and console lines on stderr/stdout */
	ALLOW(ALL, write),
	ALLOW(ALL, writev),
	/* stdio's first write on a stream looks at it: isatty (TCGETS), fstat */
	IOCTL(ALL, TCGETS),
	ALLOW(ALL, fstat),
	ALLOW(ALL, newfstatat),
	/*
	 * glibc malloc: new arenas and large blocks (mmap), growing and trimming
	 * them; never executable (W^X: insn/simd.c's page is mapped before the
	 * filter, insn_simd__thread_init)
	 */
	NO_EXEC(ALL, mmap),
	ALLOW(ALL, munmap),
	NO_EXEC(ALL, mprotect),
	ALLOW(ALL, madvise),
	ALLOW(ALL, brk),
	/* the clock when the vDSO falls back; pthread_cond_timedwait's clock */
	ALLOW(ALL, clock_gettime),
	ALLOW(ALL, clock_nanosleep),
	ALLOW(ALL, nanosleep),
	ALLOW(ALL, sched_yield),
	/* kvm_cpu__kick: SIG_KICK to a vCPU thread (pthread_kill); raise/abort */
	ALLOW(ALL, tgkill),
	ALLOW(ALL, gettid),
	ALLOW(ALL, getpid),
	/* the kick handler's return; signal masks (glibc around thread exit) */
	ALLOW(ALL, rt_sigreturn),
	ALLOW(ALL, rt_sigprocmask),
	ALLOW(ALL, restart_syscall),
	/* a thread's end (pthread_exit) and the process's */
	ALLOW(ALL, exit),
	ALLOW(ALL, exit_group),

	/* kvm_cpu.c: the exit loop */
	IOCTL(VCPU, KVM_RUN),
	/* kvm_cpu.c: VCPUOP_up/down, halts, INIT; the halt probe */
	IOCTL(VCPU, KVM_SET_MP_STATE),
	IOCTL(VCPU, KVM_GET_MP_STATE),
	/* kvm_cpu.c: waking a vCPU halted with interrupts off */
	IOCTL(VCPU, KVM_NMI),
	/* kvm_cpu.c lapic_signal: upcalls through the LAPIC (vm fd) */
	IOCTL(VCPU | BACKEND | TIMER, KVM_SIGNAL_MSI),
	/* pvh.c: VCPUOP_initialise loads a vCPU's context; dump.c reads it */
	IOCTL(VCPU, KVM_SET_SREGS),
	IOCTL(VCPU, KVM_SET_REGS),
	IOCTL(VCPU, KVM_GET_SREGS),
	IOCTL(VCPU, KVM_GET_REGS),
	/* --legacy-translate (benchmarks only): guest pointers translated QEMU's way */
	IOCTL(VCPU, KVM_TRANSLATE),
	/* insn/kvm_env.c: SSE/AVX/x87 and xgetbv/xsetbv the VMM completes */
	IOCTL(VCPU, KVM_CHECK_EXTENSION),
	IOCTL(VCPU, KVM_GET_XSAVE),
	IOCTL(VCPU, KVM_GET_XSAVE2),
	IOCTL(VCPU, KVM_SET_XSAVE),
	IOCTL(VCPU, KVM_GET_XCRS),
	IOCTL(VCPU, KVM_SET_XCRS),
	/* kvm_mem.c: memslots follow the core's map (add_to_physmap, grants, balloon, domain__kill) */
	IOCTL(VCPU | BACKEND | MAIN, KVM_SET_USER_MEMORY_REGION),
	/* refused.c, hv: qsort asks for the RAM size (sysconf _SC_PHYS_PAGES) */
	ALLOW(ALL, sysinfo),
	/* kvm_mem.c: ballooning gives memfd pages back (punch) and counts them (fstat) */
	ALLOW(VCPU | MAIN, fallocate),

	/* vmm.c vmm__destroy, vmm_domain__free: the fds of the domains at exit; ctlsock.c: a connection's */
	ALLOW(MAIN | CONTROL, close),

	/* hostsig.c: SIGINT/SIGTERM taken with sigwait */
	ALLOW(SIGNAL, rt_sigtimedwait),
	/* ctlsock.c: connections of `fastabi xenstore-*` (owner checked with SO_PEERCRED), the stop pipe */
	ALLOW(CONTROL, poll),
	ALLOW(CONTROL, ppoll),
	ALLOW(CONTROL, accept),
	ALLOW(CONTROL, accept4),
	ALLOW(CONTROL, getsockopt),
	ALLOW(CONTROL, setsockopt),
	ALLOW(CONTROL, read),
	ALLOW(CONTROL, recvfrom),
	ALLOW(CONTROL, sendto),
	/* ctlsock.c answer: the reply written through a stdio stream (fdopen of a dup) */
	ALLOW(CONTROL, dup),
	ALLOW(CONTROL, fcntl),
	/* ctlsock.c ctlsock__stop: the socket's file goes at the end (through its folder's fd) */
	ALLOW(MAIN, unlinkat),

	/* ---- the main thread with an xl restart action: building a domain again ---- */
	/* elf.c, module.c: the kernel and module files */
	ALLOW(RESTART, openat),
	ALLOW(RESTART, read),
	ALLOW(RESTART, pread64),
	ALLOW(RESTART, lseek),
	ALLOW(RESTART, fcntl),
	/* kvm_mem.c: guest RAM */
	ALLOW(RESTART, memfd_create),
	ALLOW(RESTART, ftruncate),
	/* vCPU and backend threads (pthread_create) */
	ALLOW(RESTART, clone),
	ALLOW(RESTART, clone3),
	ALLOW(RESTART, set_robust_list),
	ALLOW(RESTART, rseq),
	/* kvm.c: the VM and its vCPUs, on the /dev/kvm fd kept for it */
	IOCTL(RESTART, KVM_CREATE_VM),
	IOCTL(RESTART, KVM_ENABLE_CAP),
	IOCTL(RESTART, KVM_X86_SET_MSR_FILTER),
	IOCTL(RESTART, KVM_CREATE_IRQCHIP),
	IOCTL(RESTART, KVM_SET_TSS_ADDR),
	IOCTL(RESTART, KVM_CREATE_VCPU),
	/* cpuid.c, tsc.c: the vCPUs' CPUID and TSC */
	IOCTL(RESTART, KVM_SET_CPUID2),
	IOCTL(RESTART, KVM_GET_MSRS),
	IOCTL(RESTART, KVM_GET_TSC_KHZ),
	/* each new thread's own filter (sandbox__enter: the generated program) */
	ALLOW(RESTART, seccomp),
	/* insn/simd.c: a new vCPU thread's executable page and trap handlers */
	ALLOW(RESTART, rt_sigaction),
	/* xenstore.c: the new domain's /vm/<uuid> (random, as libxl's) */
	ALLOW(RESTART, getrandom),
};

static const unsigned nr_rules = sizeof(rules) / sizeof(rules[0]);

/* The sanitizers' own calls (sanitizer_rules below). */
#ifdef SANDBOX_SANITIZER
static const struct sandbox_rule sanitizer_rules[] = {
	/* ASan: each thread's alternate signal stack, set up and taken down */
	ALLOW(ALL, sigaltstack),
	/* ASan's pthread_create (a restart's new threads) */
	ALLOW(RESTART, sched_getaffinity),
};
#else
static const struct sandbox_rule sanitizer_rules[1];
#endif
static const unsigned nr_sanitizer_rules =
#ifdef SANDBOX_SANITIZER
	sizeof(sanitizer_rules) / sizeof(sanitizer_rules[0]);
#else
	0;
#endif

/* ---- the allowlist as libseccomp rules (sandbox_gen.c, at build time) ---- */

/* What filter f (enum sandbox_kind, or SANDBOX_MAIN_RESTART) allows: kind bits of rules[]. */
static unsigned filter_want(unsigned f)
{
	/* The main thread with a restart action: the threads a restart starts inherit it (above). */
	return f == SANDBOX_MAIN_RESTART ? ALL | RESTART : K(f);
}

int sandbox__filter_rules(void *ctx, unsigned f)
{
	unsigned want = filter_want(f);
	int r = 0;

	for (unsigned i = 0; i < nr_rules + nr_sanitizer_rules && !r; i++) {
		const struct sandbox_rule *e = i < nr_rules ? &rules[i] : &sanitizer_rules[i - nr_rules];
		if (!(e->kinds & want))
			continue;
		/* The comparisons spelt out: SCMP_A1() leaves datum_b to clang's -Wextra. */
		struct scmp_arg_cmp req = { .arg = 1, .op = SCMP_CMP_EQ, .datum_a = e->req,
					    .datum_b = 0 };
		struct scmp_arg_cmp no_exec = { .arg = 2, .op = SCMP_CMP_MASKED_EQ,
						.datum_a = PROT_EXEC, .datum_b = 0 };
		if (e->ioctl)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, e->nr, 1, req);
		else if (e->no_exec && !(want & RESTART))
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, e->nr, 1, no_exec);
		else
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, e->nr, 0);
	}
	return r;
}

#else /* !SANDBOX_GEN: the VMM */

#ifdef SANDBOX_SANITIZER
static atomic_bool sandboxed;
/*
 * LeakSanitizer's check at exit stops the threads with ptrace from a
 * tracer task that the filters (and the user switch) do not let work: it
 * would hang the exit. It is off while the sandbox is on; leaks are still
 * checked by the unit tests, the fuzzers and any --no-sandbox run.
 */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return atomic_load(&sandboxed);
}
#endif

/* ---- the SIGSYS reporter ---- */

static __thread enum sandbox_kind thread_kind = SANDBOX_MAIN;

static void put(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));
	(void)r;
}

/* Hexadecimal digits of v into the end of buf; where they start. */
static const char *hex(char *buf, size_t len, unsigned long v)
{
	size_t i = len - 1;
	buf[i] = '\0';
	do
		buf[--i] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) && i > 2);
	buf[--i] = 'x';
	buf[--i] = '0';
	return buf + i;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char num[24], req[24];
	int n = si->si_syscall, i = (int)sizeof(num) - 1;
	/* Built with the filters (sandbox_gen.c): libseccomp is not loaded at run time. */
	const char *name = n >= 0 && n < SANDBOX_SYSCALL_NAMES ? sandbox_syscall_names[n] : NULL;

	(void)sig;
	/* Only what is async-signal-safe: write(2) of fixed strings and digits. */
	num[i] = '\0';
	do
		num[--i] = (char)('0' + n % 10);
	while ((n /= 10) && i > 0);
	put("fastabi: sandbox: the ");
	put(sandbox__kind_name(thread_kind));
	put(" thread made a forbidden system call: ");
	put(name ? name : "?");
	put(" (");
	put(num + i);
	if (si->si_syscall == SCMP_SYS(ioctl)) {
		/* Which request: the second argument, in %rsi at the trap. */
		const ucontext_t *u = uc;
		put(", request ");
		put(hex(req, sizeof(req), (unsigned long)u->uc_mcontext.gregs[REG_RSI]));
	}
	put("); stopping (docs/security.md)\n");
	/* The system call itself: a sanitizer's _exit may make calls of its own. */
	syscall(SYS_exit_group, SANDBOX_EXIT_FORBIDDEN);
}

/* ---- the process-wide part ---- */

static int drop_privileges(const struct sandbox_config *c)
{
	bool root = geteuid() == 0;

	/* The bounding set first: dropping from it needs CAP_SETPCAP, gone below. */
	for (int cap = 0; root && cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
			util__err("sandbox: cannot drop capability %d from the bounding set: %s", cap,
				  strerror(errno));
			return -1;
		}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		util__err("sandbox: cannot clear the ambient capabilities: %s", strerror(errno));
		return -1;
	}
	if (root) {
		if (setgroups(0, NULL) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
		    setresuid(c->uid, c->uid, c->uid) < 0) {
			util__err("sandbox: cannot become user %u:%u (--user): %s", (unsigned)c->uid,
				  (unsigned)c->gid, strerror(errno));
			return -1;
		}
		if (c->uid == 0)
			util__err("sandbox: warning: --user 0 keeps the VMM root");
	}
	/* Whatever is left (a non-root start with file capabilities, --user 0): none. */
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0) {
		util__err("sandbox: cannot drop the capabilities: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		util__err("sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * --jail DIR: new mount, network and IPC namespaces, then DIR as the root:
 * the process sees no host file, no network, no host IPC. No PID namespace:
 * unshare(CLONE_NEWPID) moves only children there, and the VMM forks none.
 */
static int jail(const char *dir)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) < 0) {
		util__err("sandbox: --jail %s: unshare (mount, network, IPC namespaces): %s", dir,
			  strerror(errno));
		return -1;
	}
	if (chdir(dir) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		util__err("sandbox: --jail %s: chroot: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static bool restart_configured(struct vmm *vmm)
{
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
		if (vmm->doms[i] && vmm->doms[i]->cfg.restart_on)
			return true;
	return false;
}

int sandbox__process(struct vmm *vmm)
{
	const struct sandbox_config *c = &vmm->sandbox;

	if (c->disabled)
		return 0;
	/*
	 * glibc's malloc fixes how many arenas the process may have once it
	 * has eight and a thread wants another: 8 per CPU (mallopt(3),
	 * M_ARENA_MAX), the CPUs counted by reading /sys/devices/system/cpu/online.
	 * A thread under its filter may not open files (and a new thread's
	 * first malloc comes after its filter): the same limit, set now, while
	 * the process still may, and before --jail hides /sys.
	 */
	(void)mallopt(M_ARENA_MAX, 8 * get_nprocs());
	/*
	 * /dev/kvm: only KVM_CREATE_VM needs it once the domains exist, and
	 * only a restart creates one (the supported CPUID is cached in
	 * vmm->cpuid at open). Without a restart action it goes now.
	 */
	vmm->keep_kvm_fd = restart_configured(vmm);
	if (!vmm->keep_kvm_fd && vmm->kvm_fd >= 0) {
		close(vmm->kvm_fd);
		vmm->kvm_fd = -1;
	}
	if (c->jail && jail(c->jail))
		return -1;
	if (drop_privileges(c))
		return -1;
#ifdef SANDBOX_SANITIZER
	atomic_store(&sandboxed, true);
#endif
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		util__err("sandbox: sigaction SIGSYS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- each thread's filter ---- */

#ifdef FASTABI_SANDBOX_TEST
/*
 * Test builds only (tests/integration/sandbox, the fastabi-sandbox-test
 * binary): FASTABI_SANDBOX_TEST=KIND makes the first thread of that kind
 * try a call no thread may make, right after its filter is in place. The
 * `fastabi` command has neither this code nor the variable.
 */
static void test_forbidden(enum sandbox_kind kind)
{
	static atomic_bool done;
	const char *want = getenv("FASTABI_SANDBOX_TEST");
	if (!want || strcmp(want, sandbox__kind_name(kind)) || atomic_exchange(&done, true))
		return;
	char *argv[] = { "/bin/sh", NULL };
	execve("/bin/sh", argv, NULL);
	util__err("sandbox test: execve from the %s thread was not refused: %s", want,
		  strerror(errno));
	_exit(VMM_EXIT_ERROR);
}
#endif

void sandbox__enter(struct vmm *vmm, enum sandbox_kind kind)
{
	if (vmm->sandbox.disabled)
		return;
	thread_kind = kind;
	unsigned f = kind == SANDBOX_MAIN && vmm->keep_kvm_fd ? SANDBOX_MAIN_RESTART : kind;

	/*
	 * This thread only (no SECCOMP_FILTER_FLAG_TSYNC: the others install
	 * their own). No new privileges is already set, for the whole process,
	 * by sandbox__process before any other thread started.
	 */
	struct sock_fprog prog = { .len = sandbox_bpf[f].len,
				   .filter = (struct sock_filter *)sandbox_bpf[f].insns };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		util__err("sandbox: cannot load the %s thread's seccomp filter: %s",
			  sandbox__kind_name(kind), strerror(errno));
		_exit(VMM_EXIT_ERROR); /* never run a thread unconfined by mistake */
	}
#ifdef FASTABI_SANDBOX_TEST
	test_forbidden(kind);
#endif
}
#endif /* !SANDBOX_GEN */
