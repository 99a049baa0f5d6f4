/*
 * Confinement of the VMM after setup (sandbox.c, docs/security.md): the
 * process loses its privileges once the domains exist (capabilities,
 * root, /dev/kvm, optionally its view of the host with --jail), and every
 * thread then runs under a seccomp allowlist of its kind.
 */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct vmm;

/* The kinds of threads; each gets its own allowlist (the table in sandbox.c). */
enum sandbox_kind {
	SANDBOX_MAIN,    /* main.c/vmm.c after setup: waits, restarts, reaps, reports */
	SANDBOX_VCPU,    /* kvm_cpu.c: KVM_RUN and every hypercall */
	SANDBOX_TIMER,   /* timer.c: deadlines and kicks */
	SANDBOX_BACKEND, /* backend.c: the console and xenstore rings of a domain */
	SANDBOX_SIGNAL,  /* hostsig.c: takes SIGINT/SIGTERM with sigwait */
	SANDBOX_CONTROL, /* ctlsock.c: the control socket of `fastabi xenstore-*` */
	SANDBOX_KINDS
};

/* What the command line asked for (main.c; docs/vmm.md). */
struct sandbox_config {
	bool disabled;    /* --no-sandbox: no seccomp, no privilege drop (debugging) */
	uid_t uid;        /* --user UID[:GID]: who the VMM becomes when started as root */
	gid_t gid;
	const char *jail; /* --jail DIR: new mount/network/IPC namespaces, chroot to DIR */
	bool overcommit;  /* --overcommit: build domains whose RAM the host cannot back */
};

/* nobody:nogroup on Debian, the user the VMM becomes by default when root. */
#define SANDBOX_DEFAULT_UID 65534
#define SANDBOX_DEFAULT_GID 65534

/* Exit status of a forbidden system call (the SIGSYS handler; docs/vmm.md). */
#define SANDBOX_EXIT_FORBIDDEN 8

struct sandbox_config sandbox__default_config(void);
/* "UID" or "UID:GID" (numbers); 0, or -1 if it is not one. */
int sandbox__parse_user(const char *s, uid_t *uid, gid_t *gid);

/*
 * The process-wide part, on the main thread before any other thread
 * starts: /dev/kvm closed (unless a restart needs it), --jail, capabilities
 * dropped, the user switched, no new privileges, the SIGSYS reporter. 0, or
 * -1 after printing why.
 */
int sandbox__process(struct vmm *vmm);
/*
 * The calling thread's allowlist (seccomp, this thread only; threads it
 * creates inherit it). A filter that cannot be loaded ends the process
 * (exit status 2): no thread runs unconfined by mistake. Nothing with
 * --no-sandbox.
 */
void sandbox__enter(struct vmm *vmm, enum sandbox_kind kind);
const char *sandbox__kind_name(enum sandbox_kind kind);

/*
 * The filters: one per kind (indexed by enum sandbox_kind), and the main
 * thread's when a domain has an xl restart action (the union of every
 * kind's and what building a domain takes).
 */
#define SANDBOX_MAIN_RESTART SANDBOX_KINDS
#define SANDBOX_FILTERS (SANDBOX_KINDS + 1)

/*
 * Filter f's allowlist added to a libseccomp context (scmp_filter_ctx); 0
 * or libseccomp's negative errno. Used at build time only: sandbox_gen.c
 * exports each filter's BPF program into sandbox_bpf.c.
 */
int sandbox__filter_rules(void *ctx, unsigned f);

/* The generated programs (sandbox_bpf.c): filter f is sandbox_bpf[f]. */
struct sock_filter;
struct sandbox_bpf {
	unsigned short len;              /* instructions */
	const struct sock_filter *insns; /* <linux/filter.h> */
};
extern const struct sandbox_bpf sandbox_bpf[SANDBOX_FILTERS];
/* The native system calls' names by number (NULL: none), for the SIGSYS reporter. */
#define SANDBOX_SYSCALL_NAMES 1024
extern const char *const sandbox_syscall_names[SANDBOX_SYSCALL_NAMES];

#endif
