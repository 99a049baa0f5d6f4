/*
 * The world of one fastabi process: the hypervisor core (struct hv) with
 * the VMM's callbacks, the domains built from their configurations, and
 * running them until every domain has stopped (or the timeout passes).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/sched.h>

#include "vmm.h"
#include "insn/kvm_env.h"

uint64_t vmm__now(struct vmm *vmm)
{
	return util__mono_ns() - vmm->t0_ns;
}

struct vmm_domain *vmm__domain_of(struct vmm *vmm, struct domain *d)
{
	if (!vmm || !d || hv_domain__id(d) >= HV_MAX_DOMAINS)
		return NULL;
	/* Published by vmm__add_domain once built; the callbacks may come from any thread. */
	struct vmm_domain *vd = __atomic_load_n(&vmm->doms[hv_domain__id(d)], __ATOMIC_ACQUIRE);
	return vd && vd->d == d ? vd : NULL;
}

/* Stop with a register dump of every vCPU as it stops. */
__attribute__((format(printf, 3, 4))) static void stop_dump(struct vmm_domain *vd, int status,
							    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmm_domain__stopv(vd, status, true, fmt, ap);
	va_end(ap);
}

/* ---- the core's callbacks ---- */

static uint64_t ops_now(void *ctx)
{
	return vmm__now(ctx);
}

static void ops_kick(struct hv_vcpu *v, void *ctx)
{
	struct vmm_domain *vd = vmm__domain_of(ctx, hv_vcpu__domain(v));
	unsigned id = hv_vcpu__id(v);
	if (!vd || id >= vd->nr_vcpus)
		return;
	atomic_store(&vd->vcpus[id].upcall_req, true);
	kvm_cpu__kick(&vd->vcpus[id]);
}

static void ops_timer_changed(struct hv_vcpu *v, void *ctx)
{
	(void)v;
	timer__changed(ctx);
}

static void ops_console_write(struct domain *d, const char *buf, size_t len, void *ctx)
{
	struct vmm_domain *vd = vmm__domain_of(ctx, d);
	if (vd)
		term__put(&vd->console, buf, len);
}

/* Exit statuses of SCHEDOP_shutdown reasons (docs/vmm.md). */
static void ops_shutdown(struct domain *d, void *ctx)
{
	struct vmm_domain *vd = vmm__domain_of(ctx, d);
	static const struct {
		int status;
		const char *name;
	} reasons[] = {
		[SHUTDOWN_poweroff] = { VMM_EXIT_SUCCESS, "poweroff" },
		[SHUTDOWN_reboot] = { VMM_EXIT_REBOOT, "reboot" },
		[SHUTDOWN_suspend] = { VMM_EXIT_SUSPEND, "suspend" },
		[SHUTDOWN_crash] = { VMM_EXIT_CRASH, "crash" },
		[SHUTDOWN_watchdog] = { VMM_EXIT_WATCHDOG, "watchdog" },
		[SHUTDOWN_soft_reset] = { VMM_EXIT_SUSPEND, "soft_reset" },
	};

	if (!vd)
		return;
	unsigned r = hv_domain__shutdown_reason(d);
	if (r < sizeof(reasons) / sizeof(reasons[0]) && reasons[r].name)
		vmm_domain__stop_restart(vd, reasons[r].status,
					 r < 32 && (vd->cfg.restart_on & (1u << r)), "shutdown: %s",
					 reasons[r].name);
	else
		vmm_domain__stop(vd, VMM_EXIT_CRASH, "shutdown with unknown reason %u", r);
}

int vmm__init(struct vmm *vmm)
{
	pthread_condattr_t ca;

	memset(vmm, 0, sizeof(*vmm));
	vmm->kvm_fd = -1;
	vmm->t0_ns = util__mono_ns();
	/* The environment still works; --trace and --stats set the same (main.c). */
	vmm->trace = getenv("FASTABI_TRACE") != NULL;
	vmm->stats = getenv("FASTABI_STATS") != NULL;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&vmm->lock, NULL);
	pthread_cond_init(&vmm->cond, &ca);
	pthread_condattr_destroy(&ca);
	timer__init(&vmm->timer);
	vmm->sandbox = sandbox__default_config();
	/*
	 * The PV backends, in one place, in the order of the --stats line; their
	 * pages and ports go by address (backend__setup).
	 */
	backend__reset();
	if (backend__register(&xencons__backend) || backend__register(&xenstore__backend))
		return -1;
	if (xenstore__init(vmm))
		return -1;
	/* The I/O ports, in one place (ioport.h). */
	ioport__reset();
	if (ioport__register(VMM_CONSOLE_PORT, 1, &term__port) ||
	    ioport__register(FASTABI_DOORBELL_PORT, 1, &hypercall__port) ||
	    ioport__register(VMM_RESULT_PORT, 1, &vmm_domain__result_port))
		return -1;
	kvm_cpu__signal_setup();

	struct hv_ops ops = {
		.now_ns = ops_now,
		.kick = ops_kick,
		.timer_changed = ops_timer_changed,
		.console_write = ops_console_write,
		.map_special = kvm_mem__map_special,
		.shutdown = ops_shutdown,
		.map_grant = kvm_mem__map_grant,
		.unmap_grant = kvm_mem__unmap_grant,
		.grant_batch = kvm_mem__grant_batch,
		.ram_changed = kvm_mem__ram_changed,
		/* flush_tlbs: the caller cannot wait for the other vCPUs under the domain lock. */
		.ctx = vmm,
	};
	hv__init(&vmm->hv, &ops);
	return 0; /* /dev/kvm is opened with the first domain */
}

int vmm__add_domain(struct vmm *vmm, const struct vmm_domain_config *cfg, struct vmm_domain **out)
{
	struct vmm_domain *vd = vmm_domain__build(vmm, cfg);

	if (!vd)
		return -1;
	__atomic_store_n(&vmm->doms[hv_domain__id(vd->d)], vd, __ATOMIC_RELEASE);
	*out = vd;
	return 0;
}

/*
 * Where the time went, for the cold-start benchmark (docs/benchmarks.md):
 * each build step's share, the vCPU's start, the guest's run, and what the
 * process did before vmm__init (main_at: CLOCK_MONOTONIC at main(), which
 * the benchmark compares with its own clock at the exec).
 */
static void timeline(struct vmm_domain *vd)
{
	static const char *const names[VMM_NR_PHASES] = {
		[VMM_PHASE_CORE] = "init+core+RAM", [VMM_PHASE_ELF] = "ELF",
		[VMM_PHASE_BOOTINFO] = "bootinfo", [VMM_PHASE_KVM_VM] = "KVM VM",
		[VMM_PHASE_MEMSLOTS] = "memslots", [VMM_PHASE_VCPUS] = "vCPUs",
		[VMM_PHASE_BOOTED] = "boot state", [VMM_PHASE_FIRST_RUN] = "threads",
		[VMM_PHASE_STOPPED] = "guest",
	};
	struct vmm *vmm = vd->vmm;
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "main %.3f",
			 vmm->main_ns && vmm->main_ns <= vmm->t0_ns
				 ? (double)(vmm->t0_ns - vmm->main_ns) / 1e6 : 0.0);
	uint64_t prev = 0; /* vmm__now() counts from vmm__init */

	for (unsigned i = 0; i < VMM_NR_PHASES && n > 0 && (size_t)n < sizeof(buf); i++) {
		uint64_t t = vd->phase_ns[i];
		if (!t || t < prev)
			continue; /* not reached, or a restarted domain's build after the run */
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ", %s %.3f", names[i],
			      (double)(t - prev) / 1e6);
		prev = t;
	}
	util__err("[%s] timeline (ms): %s; report at %.3f; main_at %llu", vd->name, buf,
		  (double)vmm__now(vmm) / 1e6, (unsigned long long)vmm->main_ns);
}

static void report(struct vmm_domain *vd)
{
	uint64_t exits = 0, calls = 0, emulated = 0;

	for (unsigned i = 0; i < vd->nr_vcpus; i++) {
		exits += vd->vcpus[i].nr_exits;
		calls += vd->vcpus[i].nr_hypercalls;
		emulated += vd->vcpus[i].nr_emulated;
	}
	if (vd->exit_status != VMM_EXIT_SUCCESS)
		util__err("[%s] %s (exit status %d)", vd->name, vd->stop_why, vd->exit_status);
	if (vd->cfg.confidential) {
		uint64_t refused = guestmem__refused(hv_domain__mem_lock(vd->d));
		hv_domain__mem_unlock(vd->d);
		util__err("[%s] confidential: %llu accesses to private memory refused", vd->name,
			 (unsigned long long)refused);
	}
	refused__report(vd);
	if (vd->balloon_released_pages || vd->balloon_populated_pages)
		util__err("[%s] balloon: %llu pages released, %llu populated; host memory freed "
			 "(memfd blocks): %llu KiB", vd->name,
			 (unsigned long long)vd->balloon_released_pages,
			 (unsigned long long)vd->balloon_populated_pages,
			 (unsigned long long)(vd->balloon_freed_bytes >> 10));
	if (vd->vmm->stats) {
		util__err("[%s] %s; %llu exits, %llu hypercalls, %llu emulated instructions; "
			 "built in %.3f ms, ran %.3f ms", vd->name, vd->stop_why,
			 (unsigned long long)exits, (unsigned long long)calls,
			 (unsigned long long)emulated, (double)vd->vmm->run_ns / 1e6,
			 (double)(vmm__now(vd->vmm) - vd->vmm->run_ns) / 1e6);
		timeline(vd);
		char insn[256];
		insn_kvm__report(vd, insn, sizeof(insn));
		util__err("[%s] instructions the VMM completed: %s", vd->name, insn);
		char rings[256];
		backend__report(vd, rings, sizeof(rings));
		util__err("[%s] %s", vd->name, rings);
	}
}

/* Start a built domain: its backend thread, then its vCPUs. 0, or -1 after saying why. */
static int start_domain(struct vmm_domain *vd)
{
	if (backend__start(vd))
		return -1;
	for (unsigned j = 0; j < vd->nr_vcpus; j++)
		if (kvm_cpu__start(&vd->vcpus[j]))
			return -1;
	return 0;
}

/*
 * A stopped domain's end: its vCPU threads joined, every send served, then
 * what the guest left in its rings without one, and its console flushed.
 */
static void finish_domain(struct vmm_domain *vd)
{
	for (unsigned j = 0; j < vd->nr_vcpus; j++)
		kvm_cpu__join(&vd->vcpus[j]);
	vd->stopped = true;
	backend__stop(vd);
	backend__drain(vd);
	term__flush(&vd->console);
}

/*
 * xl's restart action, done in a contained way: the domain that shut down
 * is stopped (its vCPU threads joined, its console flushed) and retired,
 * not freed: it keeps its domain id and its memory until the process
 * exits, because the other domains' vCPUs and the timer thread may still
 * hold a pointer to it (there is no teardown of a single domain while
 * others run yet). A new domain is built from the same configuration, so
 * it gets the next free id, as xl's restart gets a new domid from Xen, and
 * starts. After VMM_MAX_RESTARTS restarts in the process, when no id is
 * left, or when the build fails, the domain ends with the status of its
 * shutdown.
 */
static void restart_domains(struct vmm *vmm)
{
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		struct vmm_domain *vd = vmm->doms[i], *nd = NULL;
		if (!vd || !vd->restart || vd->stopped)
			continue;
		vd->restart = false;
		finish_domain(vd);
		bool limit = vmm->nr_retired == VMM_MAX_RESTARTS;
		bool started = !limit && vmm__add_domain(vmm, &vd->cfg, &nd) == 0 &&
			       start_domain(nd) == 0;
		if (!started) {
			if (nd)
				vmm_domain__stop(nd, VMM_EXIT_CRASH, "could not start");
			if (limit)
				util__err("[%s] domain %u: %s: cannot restart it (%u restarts so far, "
					 "the most one process does)", vd->name, i, vd->stop_why,
					 vmm->nr_retired);
			else
				util__err("[%s] domain %u: %s: cannot restart it (why: above; %u "
					 "restarts so far)", vd->name, i, vd->stop_why,
					 vmm->nr_retired);
			pthread_mutex_lock(&vmm->lock);
			vmm->nr_running--;
			pthread_mutex_unlock(&vmm->lock);
			continue;
		}
		util__err("[%s] domain %u: %s: restarted as domain %u (on_* = \"restart\")", vd->name,
			 i, vd->stop_why, (unsigned)hv_domain__id(nd->d));
		/* Out of doms[] (the exit status and the reports are the new domain's), kept. */
		if (vd->vmm->stats)
			report(vd);
		vmm->retired[vmm->nr_retired++] = vd;
		if (hv_domain__id(nd->d) != i)
			__atomic_store_n(&vmm->doms[i], NULL, __ATOMIC_RELEASE);
	}
}

/*
 * A domain that stopped for good while others run is gone for them, as
 * after xl destroy: once its vCPU threads have ended, the core closes its
 * ports (the peers' ends become unbound) and releases its grant mappings
 * (domain__kill). Its memory and id stay until the process ends (other
 * threads may still hold its pointers), so nothing of it dangles. An xl
 * preserve action (cfg.preserve_on) keeps it as it stopped.
 */
static void reap_domains(struct vmm *vmm)
{
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		struct vmm_domain *vd = vmm->doms[i];
		if (!vd || vd->killed || vd->restart || !atomic_load(&vd->stopping))
			continue;
		finish_domain(vd);
		vd->killed = true;
		/* The SHUTDOWN_* reason its stop answers (a VMM-detected crash is a crash). */
		unsigned r = vd->exit_status == VMM_EXIT_SUCCESS    ? SHUTDOWN_poweroff
			     : vd->exit_status == VMM_EXIT_REBOOT   ? SHUTDOWN_reboot
			     : vd->exit_status == VMM_EXIT_WATCHDOG ? SHUTDOWN_watchdog
								    : SHUTDOWN_crash;
		if (!(vd->cfg.preserve_on & (1u << r)))
			domain__kill(vd->d);
	}
}

int vmm__run(struct vmm *vmm, unsigned timeout_s)
{
	int status = VMM_EXIT_SUCCESS;
	bool started = true;

	pthread_mutex_lock(&vmm->lock);
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
		if (vmm->doms[i])
			vmm->nr_running++;
	pthread_mutex_unlock(&vmm->lock);

	vmm->run_ns = vmm__now(vmm);
	/* What needs the privileges the process is about to give up. */
	(void)ctlsock__open(vmm); /* without it (said why) the domains run all the same */
	/* Setup is over: the process gives up what it no longer needs (sandbox.c). */
	if (sandbox__process(vmm))
		started = false;
	/* Then: every thread started after it inherits the blocked SIGINT/SIGTERM. */
	if (started && (hostsig__start(vmm) || timer__start(vmm)))
		started = false;
	(void)ctlsock__start(vmm);
	for (unsigned i = 0; i < HV_MAX_DOMAINS && started; i++)
		if (vmm->doms[i] && start_domain(vmm->doms[i]))
			started = false;
	if (!started) {
		for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
			if (vmm->doms[i])
				vmm_domain__stop(vmm->doms[i], VMM_EXIT_CRASH, "could not start");
	}
	/* Every other thread has its own filter by now; the main thread's is the last. */
	sandbox__enter(vmm, SANDBOX_MAIN);

	struct timespec deadline;
	uint64_t dl = vmm->t0_ns + (uint64_t)timeout_s * 1000000000ull;
	deadline.tv_sec = (time_t)(dl / 1000000000ull);
	deadline.tv_nsec = (long)(dl % 1000000000ull);
	bool timed_out = false;
	pthread_mutex_lock(&vmm->lock);
	while (vmm->nr_running) {
		if (vmm->sig.received != vmm->sig.handled) {
			pthread_mutex_unlock(&vmm->lock);
			hostsig__handle(vmm);
			pthread_mutex_lock(&vmm->lock);
			continue;
		}
		if (vmm->restart_pending) {
			vmm->restart_pending = false;
			pthread_mutex_unlock(&vmm->lock);
			restart_domains(vmm);
			pthread_mutex_lock(&vmm->lock);
			continue;
		}
		if (vmm->reap_pending && vmm->nr_running) {
			vmm->reap_pending = false;
			pthread_mutex_unlock(&vmm->lock);
			reap_domains(vmm);
			pthread_mutex_lock(&vmm->lock);
			continue;
		}
		if (!timeout_s) {
			pthread_cond_wait(&vmm->cond, &vmm->lock);
		} else if (pthread_cond_timedwait(&vmm->cond, &vmm->lock, &deadline) == ETIMEDOUT) {
			timed_out = true;
			break;
		}
	}
	pthread_mutex_unlock(&vmm->lock);
	if (timed_out) {
		for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
			struct vmm_domain *vd = vmm->doms[i];
			if (!vd)
				continue;
			stop_dump(vd, VMM_EXIT_TIMEOUT, "timeout: still running after %u s (--timeout)",
				  timeout_s);
		}
	}

	timer__stop(vmm);
	hostsig__stop(vmm);
	ctlsock__stop(vmm);
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		struct vmm_domain *vd = vmm->doms[i];
		if (vd && !vd->stopped) /* reap_domains finished the domains it tore down */
			finish_domain(vd);
	}
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		struct vmm_domain *vd = vmm->doms[i];
		if (!vd)
			continue;
		report(vd);
		if (status == VMM_EXIT_SUCCESS)
			status = vd->exit_status;
	}
	return status;
}

void vmm__destroy(struct vmm *vmm)
{
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		if (vmm->doms[i]) {
			struct vmm_domain *vd = vmm->doms[i];
			vmm->doms[i] = NULL;
			vmm_domain__free(vd);
		}
	}
	for (unsigned i = 0; i < vmm->nr_retired; i++)
		vmm_domain__free(vmm->retired[i]);
	vmm->nr_retired = 0;
	hv__destroy(&vmm->hv);
	xenstore__destroy(vmm);
	free(vmm->cpuid);
	if (vmm->kvm_fd >= 0)
		close(vmm->kvm_fd);
}
