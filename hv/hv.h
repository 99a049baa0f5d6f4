/*
 * The hypervisor core's model: the world (struct hv), its domains and their
 * vCPUs, and the one hypercall entry. The core knows nothing about KVM: the
 * VMM (or a test) creates domains, registers their memory, supplies a clock
 * and callbacks, and hands every trapped hypercall to hv_hypercall().
 *
 * Each hypercall family keeps its own per-domain and per-vCPU state behind
 * the opaque pointers below, defined in its own header (evtchn.h,
 * grant_table.h, ...). The locks are private to the core (lock.h): the
 * world lock guards the domain table, each domain's lock everything of that
 * domain; every function below that the VMM calls takes what it needs. A
 * field's comment names its lock: [d->lock] (the domain's), [hv] (the
 * world's domains_lock), [const] (set at creation, read freely). The
 * callbacks the VMM may use to call back into the core (kick,
 * timer_changed, shutdown, VMM-bound ports) run with no core lock held;
 * the others (console_write, map_special, map_grant, unmap_grant,
 * ram_changed) run under the domain locks of the call and must not call
 * the core (docs/hv-core.md "Locking").
 *
 * See docs/hv-core.md.
 */
#ifndef HV_HV_H
#define HV_HV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/hvm/params.h>
#include <xen/hvm/hvm_vcpu.h>

#include "guestmem.h"
#include "types.h"

/*
 * Domain ids 0..HV_MAX_DOMAINS-1 (`fastabi create` uses 1..255). Loops over
 * every domain stop at domid_end, so a world of few domains pays for few.
 */
#define HV_MAX_DOMAINS 256
#define HV_MAX_VCPUS 8
#define HV_NAME_MAX 32
/* HVM params are indexed below this (HVM_NR_PARAMS in Xen's params.h). */
#define HV_NR_HVM_PARAMS HVM_NR_PARAMS

struct hv;
struct domain;
struct hv_vcpu;
/* Per-family state, defined by each family's header. */
struct evtchn_domain;
struct evtchn_vcpu;
struct gnttab_domain;

/* What the VMM (or a test) supplies. Every callback may be NULL but now_ns. */
struct hv_ops {
	/* System time in ns since the world started; monotonic. */
	uint64_t (*now_ns)(void *ctx);
	/*
	 * vCPU v has an upcall pending or must wake from block/poll: kick it.
	 * Called with no core lock held (after the call that decided it).
	 */
	void (*kick)(struct hv_vcpu *v, void *ctx);
	/* v's timer deadline changed (hv_vcpu__next_deadline tells the new one). No lock held. */
	void (*timer_changed)(struct hv_vcpu *v, void *ctx);
	/* Console output of a domain (console_io write). Under d->lock: must not call the core. */
	void (*console_write)(struct domain *d, const char *buf, size_t len, void *ctx);
	/*
	 * A legacy guest moved a special page (XENMEM_add_to_physmap): the VMM
	 * must make the page backed by 'host' visible at 'gfn', replacing
	 * whatever was there (a RAM page there is gone from the guest, as on
	 * Xen), and forget the old place, old_gfn, when had_old. gfn is
	 * HV_GFN_NONE when the page was removed (XENMEM_remove_from_physmap).
	 * The core has already updated the domain's guestmem; a non-zero
	 * return undoes the move and fails the call with that error. Under
	 * d->lock (hv_domain__mem(d) may be read), must not call the core.
	 */
	int (*map_special)(struct domain *d, enum guestmem_kind kind, void *host,
			   gfn_t old_gfn, bool had_old, gfn_t gfn, void *ctx);
	/* The domain shut down (hv_domain__shutdown_reason says why). No lock held. */
	void (*shutdown)(struct domain *d, void *ctx);
	/*
	 * hvm flush_tlbs: flush the guest TLBs of every vCPU of d before the
	 * call returns. NULL: the VMM cannot, and the call fails (-EOPNOTSUPP).
	 */
	void (*flush_tlbs)(struct domain *d, void *ctx);
	/*
	 * Grant mappings (grant_table.c): make frame 'frame' of 'granter' visible
	 * to 'mapper' at guest-physical 'at' (read-only if asked), or take that
	 * mapping away again. Return 0, or a GNTST_* value (negative) that the
	 * mapping guest sees as the op's status. NULL: the core only records the
	 * mapping in its maptrack. Under both domains' locks: must not call the core.
	 */
	int (*map_grant)(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
			 bool readonly, void *ctx);
	int (*unmap_grant)(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
			   void *ctx);
	/*
	 * Around the maps or unmaps of one trap of a batch (a FastABI page or a
	 * legacy array; open true before the first entry, false after the
	 * last): between the two the VMM may only record each map_grant /
	 * unmap_grant and apply them together at the close (one memslot change
	 * for a run of pages), as Xen batches its TLB flushes. The core releases
	 * the grants a batch unmapped only after the close, so a granter never
	 * gets a page back that a mapper may still reach. NULL: each map and
	 * unmap takes effect at once. Under the mapper's lock: must not call
	 * the core.
	 */
	void (*grant_batch)(struct domain *mapper, bool open, void *ctx);
	/*
	 * Ballooning (reservation.c): RAM frames [gfn, gfn + nr) of d, backed by
	 * 'host', left the guest's physmap (populated false: XENMEM_decrease_
	 * reservation; give the memory back to the host) or came back
	 * (populated true: XENMEM_populate_physmap; it must read as zeros). The
	 * core has already updated d->mem; the VMM mirrors it (memslots). NULL:
	 * the core zeroes populated memory itself and releases nothing. A
	 * non-zero return (a negative Xen errno) stops the operation there.
	 * Under d->lock: must not call the core.
	 */
	int (*ram_changed)(struct domain *d, gfn_t gfn, uint64_t nr, void *host, bool populated,
			   void *ctx);
	void *ctx;
};

/* map_special's gfn for "no longer mapped". */
#define HV_GFN_NONE (~0ull)

/* A domain's creation-time properties (xl-style configuration). */
#define DOMAIN_FASTABI (1u << 0)      /* FastABI calls are served */
#define DOMAIN_CONFIDENTIAL (1u << 1) /* private memory: only shared pages are touched */
#define DOMAIN_FIXED_LAYOUT (1u << 2) /* special pages at fixed GPAs, announced in the memmap */
#define DOMAIN_PRIVILEGED (1u << 3)   /* the hardware/control domain (domid 0) */

struct domain_config {
	const char *name;
	unsigned nr_vcpus;      /* 1..HV_MAX_VCPUS */
	unsigned flags;         /* DOMAIN_* */
	unsigned max_grant_frames; /* 0: default (32) */
	unsigned max_maptrack;     /* grant mappings this domain may hold; 0: default (1024) */
	unsigned max_evtchn_ports; /* event-channel ports 0..n-1; 0: default (1024), see evtchn.h */
	unsigned min_domid;        /* the lowest free id at or above this (`fastabi create`: 1) */
	/*
	 * The guest's physical address width, as CPUID 0x80000008 EAX[7:0]
	 * tells the guest (32..GUESTMEM_MAXPHYADDR; 0: GUESTMEM_MAXPHYADDR).
	 * Frames and grant host addresses at or beyond 2^paddr_bits are refused
	 * as Xen's p2m refuses them (-EINVAL, GNTST_general_error).
	 */
	unsigned paddr_bits;
	/*
	 * Grant mappings the VMM can back at once (one KVM memslot each at
	 * most); 0: no limit but max_maptrack. One more map answers
	 * GNTST_no_device_space (maptrack full: GNTST_no_space, as Xen).
	 */
	unsigned max_host_maps;
};

/* E820-style memory map entry, as XENMEM_memory_map and hvm_start_info give it. */
struct hv_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* XEN_HVM_MEMMAP_TYPE_* (include/fastabi/xen-ext.h for ours) */
};
#define HV_MEMMAP_MAX 16

/* The runstate accounting of a vCPU (RUNSTATE_* from <xen/vcpu.h>). */
struct hv_runstate {
	int state;
	uint64_t state_entry_time;
	uint64_t time[4];
};

/*
 * The guest's TSC as the VMM measured it for one vCPU: it counts khz kHz
 * and read 'tsc' at system time 'ns' (hv__now), so at system time t it
 * reads tsc + (t - ns) * khz / 10^6. khz 0: unknown, and the time info
 * describes a 1 GHz counter equal to system time (docs/hv-sched-vcpu.md).
 */
struct hv_tsc {
	uint32_t khz;
	uint64_t tsc;
	uint64_t ns;
	bool stable; /* invariant host TSC: the time info carries XEN_PVCLOCK_TSC_STABLE_BIT */
};

/* Every field: [d->lock] unless marked [const]. */
struct hv_vcpu {
	struct domain *d; /* [const] */
	unsigned id;      /* [const] */
	bool online;      /* up and running (VCPUOP_up, or vCPU 0 at boot); stored atomically: hv_vcpu__runnable reads it without the lock */
	bool initialised; /* has a register context (boot, or VCPUOP_initialise) */
	struct hv_runstate runstate;

	/*
	 * Blocked in SCHEDOP_block / SCHEDOP_poll until an event or deadline.
	 * blocked is stored atomically: hv_vcpu__runnable reads it without the lock.
	 */
	bool blocked;
	bool polling;
	evtchn_port_t poll_port; /* 0: any port (a legacy poll of several ports, as Xen) */
	uint64_t poll_deadline; /* 0: none */

	/* Timers, as absolute deadlines the VMM arms (hv_vcpu__next_deadline). */
	uint64_t singleshot_deadline; /* 0: stopped */
	uint64_t periodic_period;     /* 0: stopped */
	uint64_t periodic_next;

	/* vcpu_info: in shared_info's slot unless registered elsewhere. */
	bool vcpu_info_registered;
	gpa_t vcpu_info_gpa;
	/* Registered areas the core keeps up to date. */
	bool runstate_area_phys;
	gpa_t runstate_area; /* by GPA (phys-area form) */
	bool runstate_area_virt;
	gva_t runstate_area_va; /* legacy GVA form, translated with the call's paging */
	struct x86_paging runstate_area_paging; /* that paging, kept: vcpu.c re-walks it */
	bool runstate_area_compat; /* registered from 32-bit code: the i386 layout */
	bool time_area_phys;
	gpa_t time_area;
	bool time_area_virt; /* legacy GVA form of the vcpu_time_info copy */
	gva_t time_area_va;
	struct x86_paging time_area_paging;
	struct hv_tsc tsc; /* hv_vcpu__set_tsc; zero: unknown */
	/* SCHEDOP_pin_override (hardware domain): the VMM applies it. */
	bool pinned;
	uint32_t pinned_pcpu;

	uint8_t upcall_vector; /* 0: the domain-wide callback (HVM_PARAM_CALLBACK_IRQ) */
	bool nmi_pending; /* set atomically; read once without the lock (hv_vcpu__take_nmi) */
	uint64_t phys_id;

	struct evtchn_vcpu *evtchn;

	/*
	 * The hypercall being served for this vCPU (set by hv_hypercall under
	 * d->lock, NULL otherwise) and whether it came through FastABI. A core
	 * function that takes a guest address as a plain number (memory_map's
	 * buffer) reads it as a GPA for FastABI and as a GVA, with call->paging,
	 * for legacy.
	 */
	struct hv_call *call;
	bool call_fast;

	/* The vCPU context given to VCPUOP_initialise (the VMM loads it on up). */
	uint64_t context_gfn;
	bool context_pending;
	/* That context, copied and checked at the call (the guest may free it after). */
	struct vcpu_hvm_context context;
};

/* Every field: [d->lock] unless marked otherwise. */
struct domain {
	struct hv *hv;          /* [const] */
	domid_t id;             /* [const] */
	char name[HV_NAME_MAX]; /* [const] */
	unsigned flags;         /* [const] DOMAIN_* */
	struct domain_config config; /* [const] as created (config.name is NULL: see name) */
	unsigned paddr_bits;         /* config.paddr_bits or GUESTMEM_MAXPHYADDR; [const] once running */
	xen_domain_handle_t handle;  /* the toolstack's UUID (XENVER_guest_handle); zero by default */
	/*
	 * The domain's lock (lock.h): guards everything below and in its vCPUs,
	 * and the families' state behind evtchn and gnttab. Not recursive.
	 */
	pthread_mutex_t lock;
	/* Callbacks to the VMM decided under the lock, made once it is dropped (lock.c). */
	uint32_t due_kick;  /* vCPUs to kick (bit = vCPU id) */
	uint32_t due_timer; /* vCPUs whose next deadline changed */
	uint32_t due_vmm;   /* VMM-bound port slots a guest sent on */
	bool due_shutdown;
	struct guestmem mem;
	struct hv_memmap_entry memmap[HV_MEMMAP_MAX];
	unsigned nr_memmap;
	uint64_t max_pages; /* for XENMEM_maximum_reservation */
	/*
	 * Pages the domain holds (Xen's tot_pages, XENMEM_current_reservation):
	 * its RAM at build time, less what it ballooned out, plus what it
	 * populated or increased (reservation.c). Never above max_pages.
	 */
	uint64_t tot_pages;
	/*
	 * Where each RAM frame the domain was built with lives in host memory,
	 * kept when the frame leaves the physmap, so that populate_physmap can
	 * bring it back (domain__finish_layout and domain__add_reserved_ram
	 * record it).
	 */
#define HV_RAM_HOMES 8
	struct hv_ram_home {
		uint64_t start, size; /* GPA range */
		uint8_t *host;
	} ram_home[HV_RAM_HOMES];
	unsigned nr_ram_home;

	struct hv_vcpu vcpus[HV_MAX_VCPUS];
	unsigned nr_vcpus; /* [const] */

	/* shared_info: a page the core owns; where the guest sees it (if anywhere). */
	struct shared_info *shared_info;
	bool shared_info_mapped;
	gfn_t shared_info_gfn;

	uint64_t hvm_params[HV_NR_HVM_PARAMS];
	/* VMASST_TYPE_* bits the guest enabled (vm_assist); an HVM domain may set only runstate_update_flag. */
	unsigned long vm_assist;

	struct evtchn_domain *evtchn;
	struct gnttab_domain *gnttab;
	struct hv_policy *policy;

	bool shutdown; /* stored atomically: hv_vcpu__runnable reads it without the lock */
	unsigned shutdown_reason; /* SHUTDOWN_* */
	bool shutdown_code_set;
	unsigned shutdown_code;

	/* Console input the VMM queued for console_io read (console.c). */
#define HV_CONSOLE_IN_MAX 1024
	char console_in[HV_CONSOLE_IN_MAX];
	unsigned console_in_len;

	/* SCHEDOP_watchdog: deadlines in ns (0 = free slot). */
#define HV_NR_WATCHDOGS 2
	uint64_t watchdog_deadline[HV_NR_WATCHDOGS];
	uint32_t watchdog_timeout_s[HV_NR_WATCHDOGS];
};

struct hv {
	struct hv_ops ops; /* [const] */
	/*
	 * The world lock: guards domains[] (creation, destruction) and the
	 * taking of several domain locks at once (lock.h). Taken before any
	 * domain lock, never while holding one.
	 */
	pthread_mutex_t domains_lock;
	struct domain *domains[HV_MAX_DOMAINS]; /* [hv] index = domid; read atomically */
	unsigned domid_end; /* [hv] 1 + the highest domid ever created; only grows */
	/*
	 * [const] The host's online CPUs (sched_pin_override's bound), read once
	 * by hv__init: a hypercall must not open /sys (the VMM's vCPU threads
	 * may not, vmm/sandbox.c).
	 */
	long nr_host_cpus;
};

/* ---- the world and its domains (domain.c) ---- */

void hv__init(struct hv *hv, const struct hv_ops *ops);
void hv__destroy(struct hv *hv); /* destroys every domain */
uint64_t hv__now(struct hv *hv);

/*
 * Create a domain with the next free domid (0 first). Its memory is added
 * by the caller with guestmem__add on d->mem, then domain__finish_layout().
 * Returns 0 and sets *out, or a negative Xen errno.
 */
int domain__create(struct hv *hv, const struct domain_config *cfg, struct domain **out);
/* Takes the world lock and every domain lock (the families unlink d from its peers). */
void domain__destroy(struct domain *d);
/*
 * What Xen's domain_kill does to the others while the domain itself stays
 * (its id taken, its memory kept): every port closed, so the peers' ends of
 * its inter-domain channels become unbound (evtchn_destroy); the grants it
 * maps released, so the granters' busy bits go (gnttab_release_mappings).
 * The mappings others hold of its grants stay until each mapper unmaps
 * them, as Xen keeps such a page (its memory stays with the VMM until the
 * process ends). Afterwards the families see it as a domain without
 * event channels or grant table: binds and maps against it fail. For a
 * domain whose vCPUs have all stopped. Takes the same locks as destroy.
 */
void domain__kill(struct domain *d);
/*
 * The domain called domid as seen from 'self' (DOMID_SELF resolved), or
 * NULL. Inside a call, only a domain whose lock the call holds (lock.h).
 */
struct domain *domain__lookup(struct domain *self, domid_t domid);
/* The same by plain id, without a 'self' (the links between bound ports and grants). */
struct domain *domain__by_id(struct hv *hv, domid_t id);
/*
 * The domain a guest names in an argument (DOMID_SELF or an id), with the
 * rule every family applies: -ESRCH if there is none, -EPERM if it is
 * another domain and the caller is not privileged. 0 and *out otherwise.
 */
int domain__target(struct hv_vcpu *caller, domid_t domid, struct domain **out);
/*
 * After RAM is registered: with DOMAIN_FIXED_LAYOUT, place shared_info and
 * the grant frames at the first 1 GiB boundary at or above the end of RAM
 * (and above 4 GiB), register them in d->mem, and build d->memmap with the
 * special entries (docs/fastabi.md "The fixed memory layout"). Without it, the memmap
 * has the RAM only, and legacy guests place the pages themselves.
 */
int domain__finish_layout(struct domain *d);
/*
 * After domain__finish_layout: guest pages the domain builder hands out for
 * its own use (the PV console and xenstore rings, as Xen's toolstack does):
 * [start, start + size) backed by 'host' is registered as RAM in d->mem, so
 * every guest-memory accessor and the confidential rules apply to it, and
 * announced in d->memmap as XEN_HVM_MEMMAP_TYPE_RESERVED (kept in address
 * order), so the guest does not take it for general use. It counts in
 * max_pages. 0, or a guestmem__add error, or -XEN_ENOSPC (memmap full).
 */
int domain__add_reserved_ram(struct domain *d, gpa_t start, uint64_t size, void *host);
/*
 * vm_assist(cmd, type) for d, as Xen's do_vm_assist: a type an HVM domain
 * may not set (all but VMASST_TYPE_runstate_update_flag) is -EINVAL, then
 * VMASST_CMD_enable/disable set or clear it, any other cmd is -ENOSYS.
 */
int64_t domain__vm_assist(struct domain *d, uint64_t cmd, uint64_t type);
/* Whether d enabled VMASST_TYPE_runstate_update_flag. */
bool domain__runstate_update_flag(const struct domain *d);
/* Stop the domain with a SHUTDOWN_* reason (the first reason sticks). Takes d->lock. */
void domain__shutdown(struct domain *d, unsigned reason);
/* The same for a caller that holds d->lock (ops.shutdown is made when it is dropped). */
void domain__shutdown_locked(struct domain *d, unsigned reason);

/* ---- the domain, for the VMM (domain.c); each takes d->lock ---- */

domid_t hv_domain__id(const struct domain *d);        /* [const] */
unsigned hv_domain__flags(const struct domain *d);    /* [const] DOMAIN_* */
/*
 * The guest's physical address width, once the VMM knows the CPUID it gives
 * (before any vCPU runs; domain_config.paddr_bits says the same at
 * creation): 0, or -XEN_EINVAL outside 32..GUESTMEM_MAXPHYADDR or below
 * memory the domain already has.
 */
int hv_domain__set_paddr_bits(struct domain *d, unsigned bits);
struct hv_vcpu *hv_domain__vcpu(struct domain *d, unsigned id); /* NULL past nr_vcpus */
/* Set HVM parameter idx (what the domain builder announces): 0, or -XEN_EINVAL. */
int hv_domain__set_param(struct domain *d, unsigned idx, uint64_t value);
/* Copy up to max entries of d's memory map to out: the number of entries. */
unsigned hv_domain__memmap(struct domain *d, struct hv_memmap_entry *out, unsigned max);
/*
 * Whether d can never wake again by itself: every vCPU that is up has no
 * NMI pending and halted(v, ctx) is true for it (the VMM's "halted with
 * interrupts off"). Asked under d->lock, so that no VCPUOP_up or
 * VCPUOP_send_nmi lands between two vCPUs; halted must not call the core.
 */
bool hv_domain__stuck(struct domain *d, bool (*halted)(struct hv_vcpu *v, void *ctx), void *ctx);
/* Why d shut down (SHUTDOWN_*), valid once ops.shutdown was called. */
unsigned hv_domain__shutdown_reason(struct domain *d);
/*
 * The VMM's reads and writes of guest memory through the core's map (its
 * instruction emulation, its rings, the hypercall page): hv_domain__mem_lock
 * takes d->lock and returns d's memory map, which stays as it is until
 * hv_domain__mem_unlock. Nothing else of the core may be called in between.
 * hv_domain__mem(d) is the same map for a thread that holds d->lock
 * already (inside a map_special/map_grant/ram_changed callback); it stops
 * the process if the lock is not held.
 */
struct guestmem *hv_domain__mem_lock(struct domain *d);
void hv_domain__mem_unlock(struct domain *d);
struct guestmem *hv_domain__mem(struct domain *d);

/* ---- the hypercall entry (hypercall.c) ---- */

/* The registers a hypercall reads and writes, as the VMM syncs them. */
struct hv_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

enum hv_call_result {
	HV_CALL_DONE,    /* advance rip past the trap */
	HV_CALL_RESTART, /* leave rip: re-executing the trap continues the work */
};

/* The most argument registers an ABI has: FastABI's reg1..reg7. */
#define HV_CALL_MAX_ARGS 7

/* One trapped hypercall. */
struct hv_call {
	struct hv_regs regs;      /* in: as trapped; out: as to resume */
	struct x86_paging paging; /* for legacy pointers */
	uint64_t rflags;          /* the guest's RFLAGS at the trap (IF: can it take an upcall) */
	bool mode64;              /* CS.L: 64-bit code (FastABI possible; 64-bit legacy regs) */
	enum hv_call_result result;
	/*
	 * out: how the core read the call, for the VMM's log and counters, so
	 * that nobody decodes the registers again: the ABI it took (FastABI, else
	 * legacy in mode64's width), the hypercall-number register as the guest
	 * passed it (rax; eax in 32-bit code), that number without the FastABI
	 * bit, and the ABI's argument registers in the ABI's order as passed
	 * (FastABI reg1..reg7, the sub-op first; legacy its five, zero-extended
	 * from 32 bits in 32-bit code).
	 */
	bool fast;
	uint64_t nr;
	uint64_t hypercall;
	unsigned nr_args;
	uint64_t arg[HV_CALL_MAX_ARGS];
	/* Filled for the VMM's log when a call is refused or malformed. */
	const char *why;
	int bad_reg; /* FastABI register the complaint is about, or -1 */
};

/*
 * Serve one hypercall of vCPU v. FastABI when rax has
 * __HYPERVISOR_FASTABI_MASK, the vCPU is in 64-bit mode and the domain allows
 * FastABI; legacy otherwise. Takes the caller's domain lock (and the lock
 * of the one domain a CALL_TARGET call names, when it reaches it), or for
 * the hypercalls that may reach several domains every domain lock
 * (call_locks() in hypercall.c).
 */
void hv_hypercall(struct hv_vcpu *v, struct hv_call *call);

/* ---- the console, for the VMM (console.c) ---- */

/*
 * Queue console input for d (console_io read), as much as fits; raises
 * VIRQ_CONSOLE on vCPU 0. Returns the bytes queued. Takes d->lock.
 */
size_t hv_console__input(struct domain *d, const char *buf, size_t len);

/* ---- vCPU timers and wake-ups, for the VMM (vcpu.c); each takes d->lock ---- */

unsigned hv_vcpu__id(const struct hv_vcpu *v);          /* [const] */
struct domain *hv_vcpu__domain(const struct hv_vcpu *v); /* [const] */
/* Take v's pending NMI for injection: true once per VCPUOP_send_nmi. */
bool hv_vcpu__take_nmi(struct hv_vcpu *v);
/*
 * The context VCPUOP_initialise gave v, once v is up (VCPUOP_up): true and
 * *out the first time after that, for the VMM to load.
 */
bool hv_vcpu__take_context(struct hv_vcpu *v, struct vcpu_hvm_context *out);
/* What the VMM needs to deliver v's upcall, read at once. */
struct hv_upcall {
	uint8_t vector; /* hv_vcpu__upcall_vector */
	bool per_vcpu;  /* the vector is v's own (edge), not the domain's callback (level) */
	bool pending;   /* hv_vcpu__upcall_pending */
};
void hv_vcpu__upcall(struct hv_vcpu *v, struct hv_upcall *out);

/* The earliest deadline (ns) the VMM must wake v at, or 0 for none. */
uint64_t hv_vcpu__next_deadline(struct hv_vcpu *v);
/* The VMM's timer for v fired at 'now': raise VIRQ_TIMER, end polls, ... */
void hv_vcpu__timer_expired(struct hv_vcpu *v);
/* Whether v may run (not blocked, or an event/deadline ended the block). */
bool hv_vcpu__runnable(struct hv_vcpu *v);
/* Whether v is up and blocked in SCHEDOP_block or SCHEDOP_poll (the domain alive). */
bool hv_vcpu__blocked(struct hv_vcpu *v);
/*
 * The VMM saw v run guest code while it was blocked: an interrupt of its
 * local APIC (timer, IPI) was delivered. As on Xen, where such an interrupt
 * kicks the vCPU out of its block or poll (vlapic_set_irq -> vcpu_kick ->
 * vcpu_unblock), the block ends; the guest finds 0 in rax.
 */
void hv_vcpu__interrupted(struct hv_vcpu *v);
/* An upcall is pending for v (evtchn_upcall_pending in its vcpu_info). */
bool hv_vcpu__upcall_pending(struct hv_vcpu *v);

/*
 * The vector the VMM injects for v's event-channel upcall (hvm.c): v's own
 * (hvm set_evtchn_upcall_vector), else the domain's HVM_PARAM_CALLBACK_IRQ
 * when it is of type vector, else 0 (a GSI or PCI INTx callback, which the
 * VMM reads from d->hvm_params, or none).
 */
uint8_t hv_vcpu__upcall_vector(struct hv_vcpu *v); /* takes d->lock */
uint8_t hvm__upcall_vector(struct hv_vcpu *v);    /* the caller holds it */

/*
 * Time (vcpu.c). The VMM tells the core how v's guest TSC relates to system
 * time; the core then writes every copy of v's vcpu_time_info (shared_info's
 * slot or the registered vcpu_info, the registered time areas) for now, with
 * the version protocol. Both take d->lock.
 */
void hv_vcpu__set_tsc(struct hv_vcpu *v, const struct hv_tsc *tsc);
/* Refresh v's time info for now (the VMM calls it when v resumes). */
void hv_vcpu__update_time(struct hv_vcpu *v);
/* v's guest TSC at system time ns, by the mapping hv_vcpu__set_tsc gave (0 if none). */
uint64_t hv_vcpu__guest_tsc(const struct hv_vcpu *v, uint64_t ns);
/*
 * pvclock scaling for a counter of khz kHz: ns = ((delta << shift, or >>
 * -shift) * mul) >> 32, with mul in [2^31, 2^32).
 */
void hv_time__scale(uint32_t khz, uint32_t *mul, int8_t *shift);
/*
 * The domain's wallclock (shared_info wc_*): the wall time, since the Unix
 * epoch, at system time 0; written with wc_version odd while it changes.
 */
void hv_domain__set_wallclock(struct domain *d, uint64_t sec, uint32_t nsec);

/* Update v's runstate to 'state' at the current time (vcpu.c). */
void hv_vcpu__set_runstate(struct hv_vcpu *v, int state); /* takes d->lock */
void vcpu__set_runstate(struct hv_vcpu *v, int state);    /* the caller holds it */

/* ---- what families offer each other (each implemented in its own file) ---- */

/* evtchn.c: per-domain state, VIRQs, the pending test sched poll needs. */
int evtchn__domain_init(struct domain *d);
void evtchn__domain_destroy(struct domain *d);
/* Raise a per-vCPU VIRQ (VIRQ_TIMER, VIRQ_DEBUG) or a global one (VIRQ_CONSOLE,
 * delivered through vCPU 0's binding); 0 if delivered or not bound. */
int evtchn__raise_virq(struct hv_vcpu *v, unsigned virq);
bool evtchn__port_pending(struct domain *d, evtchn_port_t port);
/* The same two for a caller that holds d->lock (the two above take it). */
int evtchn__raise_virq_locked(struct hv_vcpu *v, unsigned virq);
bool evtchn__port_pending_locked(struct domain *d, evtchn_port_t port);
/* Ports d can use now, its limit and its ABI's (Xen's max_evtchns): SCHEDOP_poll
 * refuses the others with -EINVAL. */
unsigned evtchn__nr_ports(struct domain *d);

/*
 * evtchn.c: ports whose other end is the VMM. The backends that Xen's
 * toolstack runs in dom0 (xenconsoled, xenstored) live in the VMM here, so
 * the guest's end of their channels is a port of the guest bound to a
 * callback instead of to a peer domain. A guest EVTCHNOP_send on it calls
 * fn(d, port, opaque) from the sending vCPU's hypercall once the call has
 * dropped its locks (fn must do bounded work; it may call any core
 * function, evtchn__vmm_notify for an answer); the VMM raises an
 * event on the port with evtchn__vmm_notify. The guest sees an inter-domain
 * port whose peer is DOMID_XEN (EVTCHNSTAT_interdomain, remote port 0); it
 * may move it (bind_vcpu) or close it, which ends the binding for good.
 * Both take d->lock.
 */
#define EVTCHN_VMM_MAX 8 /* such ports per domain */
typedef void (*evtchn_vmm_fn)(struct domain *d, evtchn_port_t port, void *opaque);
/* Bind a free port of d to fn: the port (> 0), or -XEN_ENOSPC (no port or slot). */
int evtchn__bind_vmm(struct domain *d, evtchn_vmm_fn fn, void *opaque);
/* An event on (d, port) from the VMM: 0, or -XEN_EINVAL if port is no longer bound to it. */
int evtchn__vmm_notify(struct domain *d, evtchn_port_t port);

/* grant_table.c: per-domain state and the frames the fixed layout places. */
int gnttab__domain_init(struct domain *d);
/* memory_stays: d is killed, not freed (domain__kill): other domains keep their maps of it. */
void gnttab__domain_destroy(struct domain *d, bool memory_stays);
unsigned gnttab__max_frames(struct domain *d);
/* Host memory of shared grant frame idx (v1 entries or v2 shared entries),
 * allocated page-aligned by gnttab__domain_init for max_frames frames. */
void *gnttab__frame(struct domain *d, unsigned idx);
/* Status frames (v2); NULL when the domain has none. */
unsigned gnttab__nr_status_frames(struct domain *d);
void *gnttab__status_frame(struct domain *d, unsigned idx);
/*
 * Where the guest sees grant frame idx (status: a v2 status frame). memory.c
 * records it on add_to_physmap (XENMAPSPACE_grant_table) and forgets it on
 * remove_from_physmap; domain__finish_layout records the fixed places.
 * set: -XEN_EINVAL for idx out of range (idx < gnttab__max_frames, or
 * < gnttab__nr_status_frames for status); placing shared frame idx grows the
 * table to idx + 1 frames. Status frames always exist (a v1 domain may switch
 * to v2 at any time), so the fixed layout places them whatever the version.
 */
int gnttab__set_frame_gfn(struct domain *d, bool status, unsigned idx, gfn_t gfn);
void gnttab__clear_frame_gfn(struct domain *d, bool status, unsigned idx);
/* true and *out when placed. */
bool gnttab__frame_gfn(struct domain *d, bool status, unsigned idx, gfn_t *out);
/* Which frame the guest placed at gfn (remove_from_physmap): true, *status, *idx. */
bool gnttab__frame_at(struct domain *d, gfn_t gfn, bool *status, unsigned *idx);
/*
 * Whether a grant (of any domain) is mapped at a of d (map_grant_ref's
 * host_addr): the core's record of the mappings guestmem does not hold
 * (the VMM backs them itself). The caller holds d->lock.
 */
bool gnttab__mapped_at(struct domain *d, gpa_t a);

/* sched.c: an event became pending on 'port' and v may poll it: end a poll
 * of that port (or of any port) and kick the vCPU (hv->ops.kick). */
void hv_vcpu__wake(struct hv_vcpu *v, evtchn_port_t port);
void sched__wake(struct hv_vcpu *v, evtchn_port_t port); /* the caller holds d->lock */
/* sched.c: v's evtchn_upcall_pending went from 0 to 1: if the VMM has a
 * vector to deliver it on, end any block or poll and kick the vCPU. */
void hv_vcpu__upcall_raised(struct hv_vcpu *v);
void sched__upcall_raised(struct hv_vcpu *v); /* the caller holds d->lock */

#endif
