/*
 * The fastabi VMM: one process, a KVM VM per domain, a thread per vCPU and
 * one exit loop (kvm_cpu.c). Everything Xen-specific is the hypervisor core's
 * (hv/); this side turns KVM exits into calls of the core and the core's
 * callbacks (struct hv_ops) into KVM operations. See docs/vmm.md.
 *
 * This header is the top-level view: the world (struct vmm), a domain
 * (struct vmm_domain), a vCPU (struct vmm_vcpu), the exit statuses and the
 * guest-physical layout, and the functions of vmm.c and vmm_domain.c. Each
 * subsystem has its own header, named after its file (timer.h holds the
 * timer's state, xenstore.h the xenstore's), included here. Each file is
 * named after its prefix (kvmtool style, file__verb); docs/architecture.md
 * says what each one may call.
 *   main.c       command line, exit status
 *   xlcfg.c      xl.cfg files for `fastabi create` (libxlutil), with main.c
 *   vmm.c        the world: the core's callbacks, adding, running, stopping domains
 *   vmm_domain.c the domain builder; stopping a domain with its reason
 *   util.c       the bottom: error messages, the monotonic clock
 *   kvm.c        /dev/kvm, the VM and its capabilities
 *   kvm_mem.c    RAM (memfd), KVM memslots mirrored from the core's guestmem
 *   elf.c        the PVH ELF loader
 *   pvh.c        where the builder puts modules and hvm_start_info (after the
 *                kernel), memmap, command lines, the boot vCPU state
 *   module.c     boot module files (--ramdisk, --module)
 *   cpuid.c      the Xen CPUID leaves over KVM's supported ones
 *   msr.c        the hypercall-page MSR
 *   kvm_cpu.c    vCPU threads and the exit loop, kicks, upcall injection
 *   hypercall.c  the doorbell: registers from sync regs into hv_hypercall()
 *   refused.c    counts of refused hypercalls, summed up at exit
 *   hcall.c      names of hypercalls and sub-ops for messages
 *   emulate.c    what KVM cannot emulate at CPL0 here: int N, int3, icebp, into,
 *                32-bit iret itself, the rest through insn/ (SSE, AVX, x87,
 *                xgetbv/xsetbv, VMX #UD)
 *   gview.c      guest memory as the CPU sees it (page walk without policy)
 *   timer.c      one thread that arms every vCPU's deadline
 *   term.c       line-buffered, "[name] "-prefixed console per domain
 *   ring.c       the PV rings' base: pages, indices, a broken ring
 *   xencons.c    the PV console ring (backend of HVM_PARAM_CONSOLE_PFN/EVTCHN)
 *   xenstore.c   each domain's xenstore ring on the process's store (xenstore/)
 *   xenstore_out.c  what waits for a domain's rsp[]: outstanding requests, event timeout
 *   xenstore_tree.c the toolstack's tree of each domain, its vifs' device directories
 *   tsc.c        guest TSCs and the wallclock for the core
 *   dump.c       register dumps
 *   sandbox.c    confinement after setup: seccomp per thread kind, privileges, --jail
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include <fastabi/test.h>
#include <fastabi/trap.h>

#include "hv.h"

#include "backend.h"
#include "cpuid.h"
#include "domain_config.h"
#include "dump.h"
#include "elf.h"
#include "emulate.h"
#include "exit.h"
#include "gview.h"
#include "hcall.h"
#include "hypercall.h"
#include "ioport.h"
#include "kvm.h"
#include "kvm_cpu.h"
#include "kvm_mem.h"
#include "measure.h"
#include "module.h"
#include "msr.h"
#include "pvh.h"
#include "refused.h"
#include "ring.h"
#include "sandbox.h"
#include "term.h"
#include "timer.h"
#include "tsc.h"
#include "util.h"
#include "xencons.h"
#include "xenstore.h"
#include "hostsig.h"
#include "ctlsock.h"

/*
 * Exit statuses of `fastabi run` (docs/vmm.md). The first four follow the
 * guest's result port (XTF's SUCCESS, FAILURE, ERROR; SKIP is meson's 77).
 */
enum vmm_exit {
	VMM_EXIT_SUCCESS = 0,  /* result SUCCESS, or SCHEDOP_shutdown poweroff */
	VMM_EXIT_FAILURE = 1,  /* result FAILURE */
	VMM_EXIT_ERROR = 2,    /* result ERROR; also bad options, bad kernel, no KVM */
	VMM_EXIT_CRASH = 3,    /* crash, triple fault, an exit the VMM cannot handle */
	VMM_EXIT_TIMEOUT = 4,  /* --timeout expired */
	VMM_EXIT_REBOOT = 5,   /* SCHEDOP_shutdown reboot */
	VMM_EXIT_WATCHDOG = 6, /* a SCHEDOP_watchdog expired */
	VMM_EXIT_SUSPEND = 7,  /* suspend or soft_reset: cannot be resumed here */
	VMM_EXIT_SKIP = 77,    /* result SKIP */
};

/* The guest side reads the same statuses in include/fastabi/test.h. */
_Static_assert(VMM_EXIT_SUCCESS == FASTABI_EXIT_SUCCESS &&
		       VMM_EXIT_FAILURE == FASTABI_EXIT_FAILURE &&
		       VMM_EXIT_ERROR == FASTABI_EXIT_ERROR && VMM_EXIT_CRASH == FASTABI_EXIT_CRASH &&
		       VMM_EXIT_TIMEOUT == FASTABI_EXIT_TIMEOUT && VMM_EXIT_SKIP == FASTABI_EXIT_SKIP,
	       "vmm.h and include/fastabi/test.h disagree on exit statuses");

/* I/O ports the guest uses (docs/vmm.md). */
#define VMM_CONSOLE_PORT 0xe9
#define VMM_RESULT_PORT FASTABI_RESULT_PORT
/* Result values written to VMM_RESULT_PORT (XTF's order). */
#define VMM_RESULT_SUCCESS FASTABI_RESULT_SUCCESS
#define VMM_RESULT_SKIP FASTABI_RESULT_SKIP
#define VMM_RESULT_ERROR FASTABI_RESULT_ERROR
#define VMM_RESULT_FAILURE FASTABI_RESULT_FAILURE

/* RAM above this goes above 4 GiB: [3 GiB, 4 GiB) is the hole (LAPIC, TSS). */
#define VMM_LOW_RAM_END (3ull << 30)
#define VMM_HIGH_RAM_START (4ull << 30)

/*
 * The two pages the domain builder gives every guest for its PV rings, in
 * the hole below 4 GiB (where Xen's toolstack puts its special pages too, so
 * that 32-bit guests with paging off reach them), reserved in the memory map
 * and announced through HVM_PARAM_STORE_PFN and HVM_PARAM_CONSOLE_PFN.
 */
#define VMM_STORE_GPA 0xfeffe000ull
#define VMM_CONSOLE_GPA 0xfefff000ull
#define VMM_RING_PAGES 2u

/*
 * A vCPU's local APIC ID, as Xen gives it (vlapic reset, CPUID leaves 1 and
 * 0xB): twice the vCPU id, "the illusion of no SMT". It is also the id the
 * vCPU is created with in KVM, whose LAPIC takes its xAPIC and x2APIC IDs
 * from that id, so KVM's APIC and the CPUID leaves agree in both modes.
 */
#define VMM_APIC_ID(vcpu_id) ((vcpu_id) * 2u)
/* Where the xAPIC page is (KVM's in-kernel LAPIC serves it; no memslot may cover it). */
#define VMM_LAPIC_GPA 0xfee00000ull

struct vmm;
struct vmm_domain;

/* Classes of instructions the VMM completes (enum insn_class in insn/insn.h). */
#define VMM_INSN_CLASSES 9

struct vmm_vcpu {
	struct vmm_domain *dom;
	unsigned id;
	struct hv_vcpu *hv;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;

	/* Wake-ups: the kick flag, and a condvar to sleep on while not runnable. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool kicked;
	atomic_bool in_run;     /* inside (or about to enter) KVM_RUN: signal to kick */
	atomic_bool upcall_req; /* the core kicked: look for a pending upcall */

	/* Owned by the vCPU thread. */
	atomic_bool halted_cli; /* found halted in KVM with interrupts disabled: only an NMI wakes it */
	uint8_t irq_vector;     /* an upcall to inject directly, without the LAPIC (0: none) */
	bool level_upcall;      /* the domain-wide callback vector: look at every entry */
	bool after_kick;        /* the last KVM_RUN ended by a kick: KVM may have it halted */
	atomic_bool block_halted; /* blocked in the core, waiting halted inside KVM (kvm_cpu.c) */
	uint64_t rekick_delay;  /* the next re-kick's delay while an injection waits (ns) */
	/* Set by the vCPU thread, read by the timer thread (kvm_cpu__watch). */
	atomic_uint run_seq;    /* KVM_RUN returns so far */
	_Atomic uint64_t rekick_at; /* kick again then: an injection waits for IF (0: none) */
	/* Owned by the timer thread. */
	unsigned probe_seq;     /* run_seq at the last look */
	uint64_t probe_at;      /* the next look: a vCPU quiet since the last one is kicked */
	uint64_t dirty;         /* KVM_SYNC_X86_* to hand back on the next KVM_RUN */
	unsigned entry_gen;     /* the domain's memslot_gen at the last KVM_RUN */
	bool started;           /* has registers (vCPU 0 at boot, others after VCPUOP_up) */
	bool resumed;           /* slept or halted since the last entry: refresh its time info */

	struct measure_table *svc; /* --service-times (measure.c); NULL: not measured */

	/* Counters for the exit report. */
	uint64_t nr_exits, nr_hypercalls, nr_emulated;
	struct refused_calls refused;
	uint64_t nr_insn[VMM_INSN_CLASSES]; /* completed by the VMM, per class (insn/insn.h) */
};

/*
 * Where a domain's build and run spend their time (--stats "timeline"):
 * vmm__now() at the end of each build step, its first KVM_RUN and its stop.
 */
enum vmm_phase {
	VMM_PHASE_CORE,     /* core domain, guest RAM (memfd), special pages */
	VMM_PHASE_ELF,      /* the kernel loaded */
	VMM_PHASE_BOOTINFO, /* ring pages, modules, hvm_start_info */
	VMM_PHASE_KVM_VM,   /* /dev/kvm (first domain), KVM_CREATE_VM, capabilities */
	VMM_PHASE_MEMSLOTS,
	VMM_PHASE_VCPUS,    /* KVM_CREATE_VCPU, CPUID, MSR filter, run mmap */
	VMM_PHASE_BOOTED,   /* TSC, the boot vCPU's registers */
	VMM_PHASE_FIRST_RUN, /* vCPU 0 about to enter KVM_RUN the first time */
	VMM_PHASE_STOPPED,
	VMM_NR_PHASES
};

struct vmm_domain {
	struct vmm *vmm;
	uint64_t phase_ns[VMM_NR_PHASES]; /* vmm__now(); 0: not reached */
	struct vmm_domain_config cfg;
	char name[HV_NAME_MAX];
	struct domain *d;
	int vm_fd;

	/* RAM: one memfd mapped once; the core's guestmem points into it. */
	int memfd;
	uint8_t *ram;
	uint64_t ram_size;
	uint8_t *ring_pages; /* VMM_RING_PAGES more pages of the memfd, after RAM */

	struct memslot slots[VMM_MAX_MEMSLOTS];
	atomic_uint memslot_gen; /* bumped (holding the memory map) before and after every memslot change */
	/* Memory that stays mapped is being remapped: vCPUs stay out of KVM_RUN (kvm_cpu__pause_others). */
	atomic_bool memslots_busy;
	struct grant_map grants[VMM_MAX_GRANT_MAPS];
	/*
	 * A batch of grant maps/unmaps is open (kvm_mem__grant_batch): the
	 * memslots follow grants[] once, when it closes. [the domain's core lock]
	 */
	bool grant_batch, grants_dirty;
	/*
	 * Ballooning (kvm_mem__ram_changed): pages the guest gave back and took
	 * again, and how much the memfd's allocated blocks (fstat st_blocks, the
	 * kernel's own count of the host memory behind guest RAM) dropped when
	 * they were released.
	 */
	uint64_t balloon_released_pages;
	uint64_t balloon_populated_pages;
	uint64_t balloon_freed_bytes;

	uint32_t entry; /* PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY) */
	uint64_t kernel_end;     /* the end of the highest PT_LOAD segment (elf__load) */
	uint64_t start_info_gpa; /* where pvh__setup put hvm_start_info (%ebx at entry) */
	struct vmm_vcpu vcpus[HV_MAX_VCPUS];
	unsigned nr_vcpus;
	struct term console;
	struct xencons_backend xcons;
	struct xenstore_backend xs;
	struct backends backends; /* backend.c */

	/* Host log lines the guest can cause go through this (util__err_limited). */
	struct util_ratelimit log_limit;

	/* Stopping: the first reason wins. */
	atomic_bool stopping;
	int exit_status;
	char stop_why[160];
	bool dump_on_stop; /* each vCPU dumps its registers as it stops (timeout) */
	bool stopped;      /* every vCPU thread has ended */
	bool restart;      /* stopped for an xl restart action: the main thread rebuilds it */
	bool killed;       /* destroyed for the others (domain__kill): reap_domains */
};

/*
 * Restarts (xl's on_* = "restart") over the life of the process: each
 * keeps the stopped domain, its id and its memory until the process ends,
 * so a guest that keeps rebooting must end somewhere. xl has no guard;
 * this one stays what the domain table allowed when it held 16 domains.
 */
#define VMM_MAX_RESTARTS 14

struct vmm {
	int kvm_fd;
	int vcpu_mmap_size;
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
	bool emulation_failure_bytes; /* KVM_CAP_EXIT_ON_EMULATION_FAILURE enabled */
	uint64_t t0_ns;               /* CLOCK_MONOTONIC at start: hv__now() counts from here */
	uint64_t run_ns;              /* vmm__now() when the vCPUs started (FASTABI_STATS) */
	uint64_t main_ns;             /* CLOCK_MONOTONIC at main() (main.c), for the timeline */
	bool trace;                   /* --trace, FASTABI_TRACE: every hypercall on stderr */
	bool stats;                   /* --stats, FASTABI_STATS: counters at exit */
	bool console_raw;             /* --console raw: guest console bytes unescaped (term.c) */
	struct hv hv;

	struct vmm_domain *doms[HV_MAX_DOMAINS]; /* by domid */

	/* The main thread waits here for every domain to stop. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned nr_running;
	bool restart_pending;  /* a domain waits to be rebuilt (restart_domains) */
	bool reap_pending;     /* a domain stopped for good: reap_domains tears it down */
	/* Domains replaced by a restart: kept, stopped, until vmm__destroy. */
	struct vmm_domain *retired[VMM_MAX_RESTARTS];
	unsigned nr_retired;

	struct timer timer; /* timer.c */
	struct xenstore_world xsw; /* xenstore.c: the store every domain shares */
	struct hostsig sig;        /* hostsig.c: SIGINT/SIGTERM */
	struct ctlsock ctl;        /* ctlsock.c: fastabi xenstore-* */

	struct sandbox_config sandbox; /* sandbox.c; main.c sets it after vmm__init */
	bool keep_kvm_fd;              /* /dev/kvm stays open after setup: a restart needs it */
	uint64_t host_backable_mib;    /* MemAvailable + SwapFree at the first build (kvm_mem.c) */

};

/* ---- vmm.c ---- */
int vmm__init(struct vmm *vmm);
void vmm__destroy(struct vmm *vmm);
/* Build a domain from cfg (kernel loaded, vCPU 0 ready). 0, or -1 after printing why. */
int vmm__add_domain(struct vmm *vmm, const struct vmm_domain_config *cfg, struct vmm_domain **out);
/* Run every domain until all stop or timeout_s (0: none) passes; the exit status. */
int vmm__run(struct vmm *vmm, unsigned timeout_s);
uint64_t vmm__now(struct vmm *vmm);
struct vmm_domain *vmm__domain_of(struct vmm *vmm, struct domain *d);

/* ---- vmm_domain.c: the domain builder, stopping a domain ---- */
/*
 * The domain without KVM: the core's domain, the vCPUs' state and RAM (what
 * the exit tests run on); NULL after printing why.
 */
struct vmm_domain *vmm_domain__new(struct vmm *vmm, const struct vmm_domain_config *cfg);
/* Build a domain from cfg (kernel loaded, vCPU 0 ready); NULL after printing why. */
struct vmm_domain *vmm_domain__build(struct vmm *vmm, const struct vmm_domain_config *cfg);
void vmm_domain__free(struct vmm_domain *vd);
/* Stop a domain with an exit status (the first stop wins); may be called from any thread. */
void vmm_domain__stop(struct vmm_domain *vd, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vmm_domain__stopv(struct vmm_domain *vd, int status, bool dump, const char *fmt, va_list ap);
/* A stop after which the domain is built again if restart (xl's on_*="restart"). */
void vmm_domain__stop_restart(struct vmm_domain *vd, int status, bool restart, const char *fmt,
			      ...) __attribute__((format(printf, 4, 5)));
bool vmm_domain__stopping(struct vmm_domain *vd);
/*
 * A host log line the guest can cause ("[name] ..." or "[name] vCPU n: ..."),
 * rate-limited per domain (util__err_limited, docs/security.md).
 */
#define vmm_domain__log(vd, fmt, ...) \
	util__err_limited(&(vd)->log_limit, "[%s] " fmt, (vd)->name, ##__VA_ARGS__)
#define vmm_vcpu__log(vc, fmt, ...)                                                         \
	util__err_limited(&(vc)->dom->log_limit, "[%s] vCPU %u: " fmt, (vc)->dom->name, (vc)->id, \
			  ##__VA_ARGS__)
/* FASTABI_RESULT_PORT (ioport.h): the guest's test result stops the domain. */
extern const struct ioport_ops vmm_domain__result_port;

#endif
