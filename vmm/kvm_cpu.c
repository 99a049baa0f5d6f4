/*
 * vCPU threads and the one exit loop.
 *
 * Each vCPU runs KVM_RUN on its own thread with its registers in kvm_run's
 * sync regs: they arrive with every exit and go back marked dirty, so the
 * hypercall path has no vCPU ioctl. Before each entry the thread asks the
 * core whether the vCPU may run (hv_vcpu__runnable: not blocked in
 * SCHEDOP_block/poll, online, domain alive) and injects what is due: a
 * VCPUOP_initialise context, an NMI, an event-channel upcall.
 *
 * Every vCPU has KVM's in-kernel local APIC (kvm.c): the guest's LAPIC
 * accesses, its timer, EOIs and IPIs never reach us, and hlt sleeps inside
 * KVM_RUN until an interrupt (there is no KVM_EXIT_HLT, and no
 * interrupt-window exit: KVM gives those only to a userspace PIC). Upcalls
 * go in as Xen delivers them (hvm_assert_evtchn_irq, hvm_vcpu_has_pending_irq):
 *  - the per-vCPU vector (HVMOP_set_evtchn_upcall_vector) through the LAPIC,
 *    edge-triggered, one per kick that finds an upcall pending: an MSI to the
 *    vCPU's APIC ID with the vector (KVM_SIGNAL_MSI, as vlapic_set_irq); the
 *    guest EOIs it. KVM drops an MSI to a LAPIC the guest has not enabled
 *    (it answers 0 delivered); Xen would leave it in IRR until the guest
 *    enables its LAPIC. A guest that takes upcalls without ever enabling it
 *    (as every guest could before there was a LAPIC) gets the vector
 *    directly instead, like the callback vector, so it keeps working.
 *  - the domain-wide callback vector (HVM_PARAM_CALLBACK_IRQ, vector type)
 *    directly, without LAPIC in-service state (the guest does not EOI it),
 *    at every entry while evtchn_upcall_pending is set and the vCPU can take
 *    an interrupt: through the sync-regs events (interrupt.injected). When
 *    the last exit was a kick, the vCPU may be halted in KVM, which does not
 *    count an injected event as a reason to wake: KVM_SET_MP_STATE(RUNNABLE)
 *    goes with it. (Measured: after the kick KVM_GET_MP_STATE says HALTED;
 *    without the SET the injected vector is never delivered.)
 * A direct injection must wait while the guest has IF=0, an interrupt
 * shadow, or an event being delivered. With no window exit to tell us when
 * that ends, the timer thread kicks the vCPU again after a short delay that
 * doubles while it waits (VCPU_REKICK_MIN_NS to VCPU_REKICK_MAX_NS). The
 * split irqchip keeps request_interrupt_window alive only while LINT0 takes
 * ExtINT (kvm_cpu_accept_dm_intr). Measured: the window exit comes on
 * vCPU 0, whose LVT0 KVM resets to ExtINT (0x700), never on the others
 * (masked), nor on vCPU 0 once the guest masks LVT0, as Linux does; and
 * where it came it saved nothing measurable (send with IF=0 to handler after
 * sti; hlt: 230-320 us with it, 200-350 us with a 50 us re-kick alone, both
 * mostly emulated guest code; about 190 us with the 20 us re-kick and the
 * timer thread's 1 us slack). So the re-kick alone, which works everywhere.
 *
 * A vCPU that halts with interrupts off never leaves KVM_RUN. The timer
 * thread kicks a vCPU that stayed inside it without an exit for a probe
 * period; the registers arrive with that return too (-EINTR: measured equal
 * to KVM_GET_REGS), and with IF clear KVM_GET_MP_STATE says whether it is
 * halted. When every vCPU that is up is, the domain has crashed (cli; hlt),
 * as before.
 *
 * Costs here: KVM_SIGNAL_MSI (a VM ioctl) about 0.7 us; KVM_SET_MP_STATE and
 * KVM_GET_MP_STATE, vCPU ioctls, 10 to 20 us, paid only after a kick.
 *
 * Kicks (hv_ops.kick, timers, stopping) set a flag, wake the condvar the
 * thread sleeps on, and signal the thread out of KVM_RUN; the signal
 * handler sets kvm_run->immediate_exit, so a kick that lands just before
 * KVM_RUN is not lost.
 */
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <fastabi/trap.h>

#include <fastabi/x86.h>

#include "vmm.h"
#include "insn/insn.h"

#define SIG_KICK SIGUSR1

/* While a direct injection waits for the guest to take interrupts. */
#define VCPU_REKICK_MIN_NS 20000ull
#define VCPU_REKICK_MAX_NS 2000000ull
/* A vCPU inside KVM_RUN without an exit for this long is looked at (cli; hlt). */
#define VCPU_PROBE_NS 20000000ull

static __thread struct kvm_run *volatile tls_run;

static void on_kick_signal(int sig)
{
	struct kvm_run *run = tls_run;

	(void)sig;
	if (run)
		run->immediate_exit = 1;
}

void kvm_cpu__signal_setup(void)
{
	struct sigaction sa = { .sa_handler = on_kick_signal };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(SIG_KICK, &sa, NULL);
	/* Only vCPU threads take the kick signal; every other thread inherits this mask. */
	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void kvm_cpu__kick(struct vmm_vcpu *vc)
{
	atomic_store(&vc->kicked, true);
	pthread_mutex_lock(&vc->lock);
	pthread_cond_signal(&vc->cond);
	/* Under the lock: the thread cannot finish (and be joined) meanwhile. */
	if (vc->thread_started && atomic_load(&vc->in_run))
		pthread_kill(vc->thread, SIG_KICK);
	pthread_mutex_unlock(&vc->lock);
}

/*
 * A memslot change that unmaps guest memory only to map it again (RAM cut
 * anew around a ballooned frame or a moved special page, a run of grant
 * mappings that grows): KVM has no atomic way to replace a memslot, so for
 * a moment the pages are not there. A vCPU running then takes an
 * instruction fetch through a page table it cannot read as a page fault
 * KVM injects itself (cr2 = rip), and the delivery through an IDT it cannot
 * read either as a triple fault. On Xen a p2m entry that stays valid never
 * reads as empty, so while such a change is made the domain's other vCPUs
 * are held out of KVM_RUN: memslots_busy is set first, then each vCPU is
 * kicked and awaited out of KVM_RUN; the vCPU thread looks at the flag
 * after publishing in_run (both sequentially consistent, so one of the two
 * sees the other) and waits for the memory map, which the changer holds.
 * Called with the domain's memory map held (hv_domain__mem_lock); the
 * calling thread, if it is a vCPU of vd, goes on.
 */
void kvm_cpu__pause_others(struct vmm_domain *vd)
{
	atomic_store(&vd->memslots_busy, true);
	for (unsigned i = 0; i < vd->nr_vcpus; i++)
		if (vd->vcpus[i].run != tls_run)
			kvm_cpu__kick(&vd->vcpus[i]);
	for (unsigned i = 0; i < vd->nr_vcpus; i++)
		while (vd->vcpus[i].run != tls_run && atomic_load(&vd->vcpus[i].in_run))
			sched_yield(); /* a signal away from leaving KVM_RUN */
}

void kvm_cpu__resume_others(struct vmm_domain *vd)
{
	atomic_store(&vd->memslots_busy, false);
}

static void wait_kick(struct vmm_vcpu *vc)
{
	pthread_mutex_lock(&vc->lock);
	while (!atomic_load(&vc->kicked) && !vmm_domain__stopping(vc->dom))
		pthread_cond_wait(&vc->cond, &vc->lock);
	pthread_mutex_unlock(&vc->lock);
}

/* hv_domain__stuck's question: this vCPU sits in hlt with interrupts off. */
static bool halted_cli(struct hv_vcpu *v, void *ctx)
{
	struct vmm_domain *vd = ctx;
	return atomic_load(&vd->vcpus[hv_vcpu__id(v)].halted_cli);
}

/* Every vCPU that is up sits in hlt with interrupts off: nothing can wake the domain. */
static void check_all_halted(struct vmm_domain *vd)
{
	if (hv_domain__stuck(vd->d, halted_cli, vd))
		vmm_domain__stop(vd, VMM_EXIT_CRASH,
				 "every vCPU is halted with interrupts disabled (cli; hlt)");
}

/* A secondary vCPU starts when it is up with the context VCPUOP_initialise gave. */
static bool start_secondary(struct vmm_vcpu *vc)
{
	struct vcpu_hvm_context ctx;

	if (!hv_vcpu__take_context(vc->hv, &ctx))
		return false;
	/*
	 * With the in-kernel LAPIC KVM keeps every vCPU but the first waiting for
	 * INIT/SIPI (KVM_MP_STATE_UNINITIALIZED); VCPUOP_up starts it instead.
	 */
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	if (pvh__load_context(vc, &ctx) < 0 || ioctl(vc->fd, KVM_SET_MP_STATE, &mp) < 0) {
		vmm_domain__stop(vc->dom, VMM_EXIT_CRASH, "vCPU %u: cannot load its context", vc->id);
		return false;
	}
	vc->started = true;
	return true;
}

/* An MSI to the vCPU's LAPIC (fixed, edge, physical destination): 1 delivered, 0 dropped. */
static int lapic_signal(struct vmm_vcpu *vc, uint8_t vector)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)(VMM_LAPIC_GPA | (uint64_t)VMM_APIC_ID(vc->id) << 12),
		.data = vector,
	};
	int r = ioctl(vc->dom->vm_fd, KVM_SIGNAL_MSI, &msi);
	if (r < 0)
		vmm_vcpu__log(vc, "KVM_SIGNAL_MSI vector %#x: %s", vector,
			 strerror(errno));
	return r;
}

void kvm_cpu__events_changed(struct vmm_vcpu *vc)
{
	/*
	 * Written back as a whole: keep only the shadow among the optional parts,
	 * so that an NMI queued since the exit (KVM_NMI, another vCPU's IPI) or a
	 * latched INIT is not overwritten with the state of the last exit.
	 */
	vc->run->s.regs.events.flags &= KVM_VCPUEVENT_VALID_SHADOW;
	vc->dirty |= KVM_SYNC_X86_EVENTS;
}

/* Whether an interrupt injected now would be taken at the next instruction boundary. */
static bool can_take_interrupt(struct vmm_vcpu *vc)
{
	const struct kvm_run *run = vc->run;
	const struct kvm_vcpu_events *ev = &run->s.regs.events;

	return (run->s.regs.regs.rflags & X86_RFLAGS_IF) && !ev->interrupt.shadow &&
	       !ev->interrupt.injected && !ev->exception.injected && !ev->exception.pending &&
	       !ev->nmi.injected;
}

/* Inject vector directly (no LAPIC state): the CPU delivers it through the IDT at entry. */
static void inject_direct(struct vmm_vcpu *vc, uint8_t vector)
{
	struct kvm_vcpu_events *ev = &vc->run->s.regs.events;

	ev->interrupt.injected = 1;
	ev->interrupt.nr = vector;
	ev->interrupt.soft = 0;
	kvm_cpu__events_changed(vc);
	if (vc->after_kick) {
		/* KVM may hold it halted: an injected event alone does not wake it. */
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
		if (ioctl(vc->fd, KVM_SET_MP_STATE, &mp) < 0)
			vmm_vcpu__log(vc, "KVM_SET_MP_STATE: %s", strerror(errno));
	}
}

static void inject(struct vmm_vcpu *vc)
{
	struct hv_vcpu *v = vc->hv;

	if (hv_vcpu__take_nmi(v)) {
		/* Queued in KVM, which wakes a halted vCPU for it. */
		if (ioctl(vc->fd, KVM_NMI) < 0)
			vmm_vcpu__log(vc, "KVM_NMI: %s", strerror(errno));
		atomic_store(&vc->halted_cli, false);
	}

	/*
	 * Upcalls (top of this file): the per-vCPU vector edge, the callback
	 * vector level. Looked at before it is exchanged: a locked exchange at
	 * every entry costs more than the rest of this function when nothing
	 * is pending, and a request set after the look comes with a kick.
	 */
	bool kicked = atomic_load(&vc->upcall_req) && atomic_exchange(&vc->upcall_req, false);
	uint8_t level_vec = 0;
	if (kicked || vc->level_upcall) {
		struct hv_upcall u;
		hv_vcpu__upcall(v, &u);
		uint8_t vec = u.vector;
		bool pending = vec && u.pending;
		vc->level_upcall = vec && !u.per_vcpu;
		if (pending && vc->level_upcall)
			level_vec = vec;
		else if (pending && kicked && !vc->irq_vector && lapic_signal(vc, vec) == 0)
			vc->irq_vector = vec; /* the guest's LAPIC is off: directly, once */
	}
	uint8_t vec = vc->irq_vector ? vc->irq_vector : level_vec;
	if (!vec) {
		/* Only this thread sets it: store (a locked xchg) only when set. */
		if (atomic_load_explicit(&vc->rekick_at, memory_order_relaxed))
			atomic_store(&vc->rekick_at, 0);
		vc->rekick_delay = 0;
		return;
	}
	if (can_take_interrupt(vc)) {
		inject_direct(vc, vec);
		vc->irq_vector = 0;
		atomic_store(&vc->rekick_at, 0);
		vc->rekick_delay = 0;
		return;
	}
	/* No window exit to wait for: come back a little later (top of this file). */
	if (!atomic_load(&vc->rekick_at)) {
		vc->rekick_delay = vc->rekick_delay ? vc->rekick_delay * 2 : VCPU_REKICK_MIN_NS;
		if (vc->rekick_delay > VCPU_REKICK_MAX_NS)
			vc->rekick_delay = VCPU_REKICK_MAX_NS;
		atomic_store(&vc->rekick_at, vmm__now(vc->dom->vmm) + vc->rekick_delay);
		timer__changed(vc->dom->vmm);
	}
}

/* Whether the vCPU should enter the guest now; false: sleep until kicked. */
static bool prepare(struct vmm_vcpu *vc)
{
	if (!vc->started && !start_secondary(vc))
		return false;
	if (!hv_vcpu__runnable(vc->hv))
		return false;
	inject(vc);
	return true;
}

/*
 * KVM_RUN ended by a kick: the vCPU may be halted in KVM. With interrupts
 * off (the registers come with this return too) ask KVM whether it is: then
 * only an NMI can wake it.
 */
static void look_at_halt(struct vmm_vcpu *vc)
{
	struct kvm_mp_state mp;
	bool halted = false;

	if (!(vc->run->s.regs.regs.rflags & X86_RFLAGS_IF) &&
	    ioctl(vc->fd, KVM_GET_MP_STATE, &mp) == 0)
		halted = mp.mp_state == KVM_MP_STATE_HALTED;
	atomic_store(&vc->halted_cli, halted);
	if (halted)
		check_all_halted(vc->dom);
}

uint64_t kvm_cpu__watch(struct vmm_vcpu *vc, uint64_t now)
{
	uint64_t next = 0, at = atomic_load(&vc->rekick_at);

	if (at && at <= now) {
		if (atomic_compare_exchange_strong(&vc->rekick_at, &at, 0))
			kvm_cpu__kick(vc);
	} else if (at) {
		next = at;
	}
	if (!vc->probe_at)
		vc->probe_at = now + VCPU_PROBE_NS;
	if (now >= vc->probe_at) {
		unsigned seq = atomic_load(&vc->run_seq);
		/* A vCPU blocked in the core waits halted in KVM on purpose (block_in_kvm). */
		if (seq == vc->probe_seq && atomic_load(&vc->in_run) &&
		    !atomic_load(&vc->block_halted))
			kvm_cpu__kick(vc);
		vc->probe_seq = seq;
		vc->probe_at = now + VCPU_PROBE_NS;
	}
	return !next || vc->probe_at < next ? vc->probe_at : next;
}

/*
 * A vCPU blocked in SCHEDOP_block or SCHEDOP_poll with interrupts on waits
 * inside KVM_RUN, halted, rather than on its condvar: on Xen an interrupt
 * of the vCPU's LAPIC (its timer, an IPI) ends a block or a poll
 * (vlapic_set_irq -> vcpu_kick -> vcpu_unblock), and here only KVM sees
 * that LAPIC. KVM wakes the vCPU for such an interrupt and delivers it; the
 * guest resumes after its hypercall with 0 in rax, and the core hears of it
 * at the next return from KVM_RUN (block_ran). What the core sees itself
 * (an event, the poll's deadline) ends the block with a kick as before, and
 * the vCPU is made runnable in KVM again (block_over). With interrupts off
 * KVM would not wake it for the LAPIC, so it sleeps on the condvar: the
 * interrupt is taken when the guest enables interrupts after the call.
 * Costs: KVM_SET_MP_STATE when the block starts and, if the core ends it,
 * when it ends; KVM_GET_MP_STATE when a kick finds it still blocked.
 */
static bool block_in_kvm(struct vmm_vcpu *vc)
{
	if (atomic_load(&vc->block_halted))
		return true;
	if (!vc->started || !(vc->run->s.regs.regs.rflags & X86_RFLAGS_IF) ||
	    !hv_vcpu__blocked(vc->hv))
		return false;
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_HALTED };
	if (ioctl(vc->fd, KVM_SET_MP_STATE, &mp) < 0) {
		vmm_vcpu__log(vc, "KVM_SET_MP_STATE(HALTED): %s", strerror(errno));
		return false;
	}
	atomic_store(&vc->block_halted, true);
	return true;
}

/* The core ended the block (an event, a deadline): runnable in KVM again. */
static void block_over(struct vmm_vcpu *vc)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	atomic_store(&vc->block_halted, false);
	if (ioctl(vc->fd, KVM_SET_MP_STATE, &mp) < 0)
		vmm_vcpu__log(vc, "KVM_SET_MP_STATE(RUNNABLE): %s", strerror(errno));
}

/* KVM_RUN returned while the vCPU waited halted in it: did KVM wake it for its LAPIC? */
static void block_ran(struct vmm_vcpu *vc, bool exited)
{
	struct kvm_mp_state mp;

	if (!exited && (ioctl(vc->fd, KVM_GET_MP_STATE, &mp) < 0 ||
			mp.mp_state == KVM_MP_STATE_HALTED))
		return; /* still waiting (a kick of the VMM's own, or the core's: prepare sees it) */
	atomic_store(&vc->block_halted, false);
	hv_vcpu__interrupted(vc->hv);
}

static void *thread_main(void *arg)
{
	struct vmm_vcpu *vc = arg;
	struct vmm_domain *vd = vc->dom;
	struct kvm_run *run = vc->run;
	sigset_t set;

	tls_run = run;
	measure__self = vc;
	if (measure__service_enabled() && measure__service_attach(vc))
		util__err("vCPU %u: no memory for its service times", vc->id);
	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	/* What the sandbox refuses later: an executable page, the trap handlers (insn/simd.c). */
	insn_simd__thread_init();
	sandbox__enter(vd->vmm, SANDBOX_VCPU);
	if (vc->id == 0) /* the timeline (--stats): the boot vCPU about to run the guest */
		vd->phase_ns[VMM_PHASE_FIRST_RUN] = vmm__now(vd->vmm);

	while (!vmm_domain__stopping(vd)) {
		atomic_store(&vc->kicked, false);
		if (prepare(vc)) {
			if (atomic_load(&vc->block_halted))
				block_over(vc);
		} else if (!block_in_kvm(vc)) {
			wait_kick(vc);
			vc->resumed = true;
			continue;
		}
		if (vc->resumed) {
			/* As Xen on scheduling a vCPU in: its time info is fresh when it runs. */
			vc->resumed = false;
			hv_vcpu__update_time(vc->hv);
		}
		atomic_store(&vc->in_run, true);
		if (atomic_load(&vd->memslots_busy)) {
			/* Held out while the memslots change (kvm_cpu__pause_others). */
			atomic_store(&vc->in_run, false);
			hv_domain__mem_lock(vd->d);
			hv_domain__mem_unlock(vd->d);
			continue;
		}
		if (atomic_load(&vc->kicked) || vmm_domain__stopping(vd)) {
			atomic_store(&vc->in_run, false);
			continue;
		}
		run->kvm_dirty_regs = vc->dirty;
		vc->dirty = 0;
		vc->entry_gen = atomic_load(&vd->memslot_gen);
		if (__builtin_expect(vc->svc != NULL, 0))
			measure__entry(vc);
		int r = ioctl(vc->fd, KVM_RUN, 0);
		int err = errno;
		if (__builtin_expect(vc->svc != NULL, 0))
			measure__exit(vc);
		atomic_store(&vc->in_run, false);
		/* This thread is its only writer: no locked add (the watcher only compares). */
		atomic_store_explicit(&vc->run_seq,
				      atomic_load_explicit(&vc->run_seq, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		run->immediate_exit = 0;
		if (run->kvm_dirty_regs) {
			/* KVM returned before taking them (an old kernel's early -EINTR). */
			vc->dirty |= run->kvm_dirty_regs;
			run->kvm_dirty_regs = 0;
		}
		vc->after_kick = r < 0 && (err == EINTR || err == EAGAIN);
		if (atomic_load(&vc->block_halted) && (r == 0 || vc->after_kick))
			block_ran(vc, r == 0);
		if (vc->after_kick) {
			/* It may have slept in hlt: its time info is fresh when it runs again. */
			vc->resumed = true;
			look_at_halt(vc);
			continue;
		}
		if (r < 0) {
			exit__crash(vc, "KVM_RUN failed: %s", strerror(err));
			break;
		}
		/* Only this thread writes it: store (a locked xchg) only when set. */
		if (atomic_load_explicit(&vc->halted_cli, memory_order_relaxed))
			atomic_store(&vc->halted_cli, false);
		exit__handle(vc);
	}
	if (vd->dump_on_stop && vc->started)
		dump__vcpu(vc, "state when stopped");
	measure__dump(vc);
	pthread_mutex_lock(&vc->lock);
	atomic_store(&vc->in_run, false);
	tls_run = NULL;
	pthread_mutex_unlock(&vc->lock);
	return NULL;
}

int kvm_cpu__start(struct vmm_vcpu *vc)
{
	pthread_mutex_lock(&vc->lock);
	int r = pthread_create(&vc->thread, NULL, thread_main, vc);
	vc->thread_started = r == 0;
	pthread_mutex_unlock(&vc->lock);
	if (r) {
		util__err("cannot start the thread of vCPU %u: %s", vc->id, strerror(r));
		return -1;
	}
	return 0;
}

void kvm_cpu__join(struct vmm_vcpu *vc)
{
	if (!vc->thread_started)
		return;
	pthread_join(vc->thread, NULL);
	pthread_mutex_lock(&vc->lock);
	vc->thread_started = false;
	pthread_mutex_unlock(&vc->lock);
}
