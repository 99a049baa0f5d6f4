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

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vmm__err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "fastabi: %s\n", buf);
}

uint64_t vmm__now(struct vmm *vmm)
{
	return mono_ns() - vmm->t0_ns;
}

struct vmm_domain *vmm__domain_of(struct vmm *vmm, struct domain *d)
{
	if (!vmm || !d || hv_domain__id(d) >= HV_MAX_DOMAINS)
		return NULL;
	/* Published by vmm_domain__create once built; the callbacks may come from any thread. */
	struct vmm_domain *vd = __atomic_load_n(&vmm->doms[hv_domain__id(d)], __ATOMIC_ACQUIRE);
	return vd && vd->d == d ? vd : NULL;
}

bool vmm_domain__stopping(struct vmm_domain *vd)
{
	return atomic_load(&vd->stopping);
}

/*
 * The first stop wins. A stop with restart (an xl restart action, from
 * ops_shutdown) keeps the domain counted as running: the main thread
 * builds it again (restart_domains) instead of waiting for it.
 */
static void stop(struct vmm_domain *vd, int status, bool dump, bool restart, const char *fmt,
		 va_list ap)
{
	struct vmm *vmm = vd->vmm;

	pthread_mutex_lock(&vmm->lock);
	if (atomic_load(&vd->stopping)) {
		pthread_mutex_unlock(&vmm->lock);
		return;
	}
	vd->exit_status = status;
	vd->dump_on_stop = dump;
	vsnprintf(vd->stop_why, sizeof(vd->stop_why), fmt, ap);
	atomic_store(&vd->stopping, true);
	if (restart) {
		vd->restart = true;
		vmm->restart_pending = true;
	} else {
		vmm->nr_running--;
		vmm->reap_pending = true;
	}
	pthread_cond_broadcast(&vmm->cond);
	pthread_mutex_unlock(&vmm->lock);
	for (unsigned i = 0; i < vd->nr_vcpus; i++)
		kvm_cpu__kick(&vd->vcpus[i]);
}

void vmm_domain__stopv(struct vmm_domain *vd, int status, bool dump, const char *fmt, va_list ap)
{
	stop(vd, status, dump, false, fmt, ap);
}

__attribute__((format(printf, 4, 5))) static void stop_restart(struct vmm_domain *vd, int status,
							       bool restart, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	stop(vd, status, false, restart, fmt, ap);
	va_end(ap);
}

void vmm_domain__stop(struct vmm_domain *vd, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmm_domain__stopv(vd, status, false, fmt, ap);
	va_end(ap);
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
		stop_restart(vd, reasons[r].status, r < 32 && (vd->cfg.restart_on & (1u << r)),
			     "shutdown: %s", reasons[r].name);
	else
		vmm_domain__stop(vd, VMM_EXIT_CRASH, "shutdown with unknown reason %u", r);
}

int vmm__init(struct vmm *vmm)
{
	pthread_condattr_t ca;

	memset(vmm, 0, sizeof(*vmm));
	vmm->kvm_fd = -1;
	vmm->t0_ns = mono_ns();
	/* The environment still works; --trace and --stats set the same (main.c). */
	vmm->trace = getenv("FASTABI_TRACE") != NULL;
	vmm->stats = getenv("FASTABI_STATS") != NULL;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&vmm->lock, NULL);
	pthread_cond_init(&vmm->cond, &ca);
	pthread_mutex_init(&vmm->timer_lock, NULL);
	pthread_cond_init(&vmm->timer_cond, &ca);
	pthread_condattr_destroy(&ca);
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
		.ram_changed = kvm_mem__ram_changed,
		/* flush_tlbs: the caller cannot wait for the other vCPUs under the domain lock. */
		.ctx = vmm,
	};
	hv__init(&vmm->hv, &ops);
	return 0; /* /dev/kvm is opened with the first domain */
}

/* The kernel's file name without directory and extension, as a domain name. */
static void default_name(const char *kernel, char *out, size_t outlen)
{
	const char *b = strrchr(kernel, '/');
	b = b ? b + 1 : kernel;
	size_t n = 0;
	for (; *b && *b != '.' && n + 1 < outlen; b++)
		out[n++] = (*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') ||
				   (*b >= '0' && *b <= '9') || *b == '-' || *b == '_'
			   ? *b
			   : '_';
	out[n] = '\0';
	if (!n)
		snprintf(out, outlen, "guest");
}

static void domain_free(struct vmm *vmm, struct vmm_domain *vd)
{
	for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
		struct vmm_vcpu *vc = &vd->vcpus[i];
		if (vc->run)
			munmap(vc->run, (size_t)vmm->vcpu_mmap_size);
		if (vc->fd > 0)
			close(vc->fd);
		pthread_mutex_destroy(&vc->lock);
		pthread_cond_destroy(&vc->cond);
	}
	if (vd->vm_fd > 0)
		close(vd->vm_fd);
	if (vd->d)
		domain__destroy(vd->d);
	kvm_mem__destroy(vd);
	term__destroy(&vd->console);
	free(vd);
}

int vmm__add_domain(struct vmm *vmm, const struct vmm_domain_config *cfg, struct vmm_domain **out)
{
	struct vmm_domain *vd = calloc(1, sizeof(*vd));
	char err[512];

	if (!vd) {
		vmm__err("out of memory");
		return -1;
	}
	vd->vmm = vmm;
	vd->cfg = *cfg;
	vd->vm_fd = vd->memfd = -1;
	if (cfg->name)
		snprintf(vd->name, sizeof(vd->name), "%s", cfg->name);
	else
		default_name(cfg->kernel, vd->name, sizeof(vd->name));
	term__init(&vd->console, vd->name);
	vd->nr_vcpus = cfg->vcpus;
	for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
		struct vmm_vcpu *vc = &vd->vcpus[i];
		vc->dom = vd;
		vc->id = i;
		vc->fd = -1;
		pthread_mutex_init(&vc->lock, NULL);
		pthread_cond_init(&vc->cond, NULL);
	}

	struct domain_config dc = {
		.name = vd->name,
		.nr_vcpus = cfg->vcpus,
		.min_domid = cfg->min_domid,
		.flags = (cfg->fastabi ? DOMAIN_FASTABI : 0) |
			 (cfg->confidential ? DOMAIN_CONFIDENTIAL : 0) |
			 (cfg->fixed_mem_layout ? DOMAIN_FIXED_LAYOUT : 0),
	};
	int r = domain__create(&vmm->hv, &dc, &vd->d);
	if (r) {
		vmm__err("[%s] the core refused the domain (Xen errno %d)", vd->name, r);
		goto fail;
	}
	/* The guest's memory and the kernel first: a bad kernel is reported before KVM is asked. */
	if (kvm_mem__init(vd))
		goto fail;
	r = domain__finish_layout(vd->d);
	if (r) {
		vmm__err("[%s] cannot lay out the special pages (Xen errno %d)", vd->name, r);
		goto fail;
	}
	if (elf__load(vd, cfg->kernel, err, sizeof(err))) {
		vmm__err("%s", err);
		goto fail;
	}
	/*
	 * The ring pages after the kernel (whose segments must lie in RAM, not
	 * on them) and before pvh__setup copies the memory map.
	 */
	if (rings__setup(vd))
		goto fail;
	/*
	 * Then what the builder hands over, in Xen's order of segments after the
	 * kernel's end: the boot modules, then hvm_start_info with the command
	 * line, the module list and the memory map (pvh.c). Bad module files are
	 * refused here, still before KVM is asked.
	 */
	if (pvh__setup(vd, err, sizeof(err))) {
		vmm__err("%s", err);
		goto fail;
	}
	if ((vmm->kvm_fd < 0 && kvm__open(vmm)) || kvm__create_vm(vmm, vd))
		goto fail;
	hv_domain__mem_lock(vd->d);
	int synced = kvm_mem__sync(vd);
	hv_domain__mem_unlock(vd->d);
	if (synced)
		goto fail;
	for (unsigned i = 0; i < vd->nr_vcpus; i++) {
		struct vmm_vcpu *vc = &vd->vcpus[i];
		vc->hv = hv_domain__vcpu(vd->d, i);
		if (kvm__create_vcpu(vmm, vc))
			goto fail;
	}
	/* Before any vCPU runs: every slot of shared_info gets valid time. */
	if (tsc__setup(vd))
		goto fail;
	if (pvh__boot_vcpu(&vd->vcpus[0]))
		goto fail;
	vd->vcpus[0].started = true;

	__atomic_store_n(&vmm->doms[hv_domain__id(vd->d)], vd, __ATOMIC_RELEASE);
	*out = vd;
	return 0;
fail:
	domain_free(vmm, vd);
	return -1;
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
		vmm__err("[%s] %s (exit status %d)", vd->name, vd->stop_why, vd->exit_status);
	if (vd->cfg.confidential) {
		uint64_t refused = guestmem__refused(hv_domain__mem_lock(vd->d));
		hv_domain__mem_unlock(vd->d);
		vmm__err("[%s] confidential: %llu accesses to private memory refused", vd->name,
			 (unsigned long long)refused);
	}
	refused__report(vd);
	if (vd->balloon_released_pages || vd->balloon_populated_pages)
		vmm__err("[%s] balloon: %llu pages released, %llu populated; host memory freed "
			 "(memfd blocks): %llu KiB", vd->name,
			 (unsigned long long)vd->balloon_released_pages,
			 (unsigned long long)vd->balloon_populated_pages,
			 (unsigned long long)(vd->balloon_freed_bytes >> 10));
	if (vd->vmm->stats) {
		vmm__err("[%s] %s; %llu exits, %llu hypercalls, %llu emulated instructions; "
			 "built in %.3f ms, ran %.3f ms", vd->name, vd->stop_why,
			 (unsigned long long)exits, (unsigned long long)calls,
			 (unsigned long long)emulated, (double)vd->vmm->run_ns / 1e6,
			 (double)(vmm__now(vd->vmm) - vd->vmm->run_ns) / 1e6);
		char insn[256];
		insn_kvm__report(vd, insn, sizeof(insn));
		vmm__err("[%s] instructions the VMM completed: %s", vd->name, insn);
		vmm__err("[%s] PV console: %llu notifications, %llu bytes; xenstore: %llu "
			 "notifications, %llu requests", vd->name,
			 (unsigned long long)vd->xcons.ring.nr_notify,
			 (unsigned long long)vd->xcons.bytes, (unsigned long long)vd->xs.ring.nr_notify,
			 (unsigned long long)vd->xs.nr_requests);
	}
}

/*
 * xl's restart action, done in a contained way: the domain that shut down
 * is stopped (its vCPU threads joined, its console flushed) and retired,
 * not freed: it keeps its domain id and its memory until the process
 * exits, because the other domains' vCPUs and the timer thread may still
 * hold a pointer to it (there is no teardown of a single domain while
 * others run yet). A new domain is built from the same configuration, so
 * it gets the next free id, as xl's restart gets a new domid from Xen, and
 * starts. When no id is left (HV_MAX_DOMAINS over the process's life) or
 * the build fails, the domain ends with the status of its shutdown.
 */
static void restart_domains(struct vmm *vmm)
{
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		struct vmm_domain *vd = vmm->doms[i], *nd = NULL;
		if (!vd || !vd->restart || vd->stopped)
			continue;
		vd->restart = false;
		for (unsigned j = 0; j < vd->nr_vcpus; j++)
			kvm_cpu__join(&vd->vcpus[j]);
		vd->stopped = true;
		xencons__drain(vd);
		term__flush(&vd->console);
		bool started = vmm->nr_retired < HV_MAX_DOMAINS &&
			       vmm__add_domain(vmm, &vd->cfg, &nd) == 0;
		for (unsigned j = 0; started && j < nd->nr_vcpus; j++)
			if (kvm_cpu__start(&nd->vcpus[j]))
				started = false;
		if (!started) {
			if (nd)
				vmm_domain__stop(nd, VMM_EXIT_CRASH, "could not start");
			vmm__err("[%s] domain %u: %s: cannot restart it (why: above; %u restarts so "
				 "far, ids 1..%u)", vd->name, i, vd->stop_why, vmm->nr_retired,
				 HV_MAX_DOMAINS - 1);
			pthread_mutex_lock(&vmm->lock);
			vmm->nr_running--;
			pthread_mutex_unlock(&vmm->lock);
			continue;
		}
		vmm__err("[%s] domain %u: %s: restarted as domain %u (on_* = \"restart\")", vd->name,
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
		for (unsigned j = 0; j < vd->nr_vcpus; j++)
			kvm_cpu__join(&vd->vcpus[j]);
		vd->stopped = true;
		xencons__drain(vd);
		term__flush(&vd->console);
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
	if (timer__start(vmm))
		started = false;
	for (unsigned i = 0; i < HV_MAX_DOMAINS && started; i++) {
		struct vmm_domain *vd = vmm->doms[i];
		for (unsigned j = 0; vd && j < vd->nr_vcpus && started; j++)
			if (kvm_cpu__start(&vd->vcpus[j]))
				started = false;
	}
	if (!started) {
		for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
			if (vmm->doms[i])
				vmm_domain__stop(vmm->doms[i], VMM_EXIT_CRASH, "could not start");
	}

	struct timespec deadline;
	uint64_t dl = vmm->t0_ns + (uint64_t)timeout_s * 1000000000ull;
	deadline.tv_sec = (time_t)(dl / 1000000000ull);
	deadline.tv_nsec = (long)(dl % 1000000000ull);
	bool timed_out = false;
	pthread_mutex_lock(&vmm->lock);
	while (vmm->nr_running) {
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
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		struct vmm_domain *vd = vmm->doms[i];
		if (!vd)
			continue;
		for (unsigned j = 0; j < vd->nr_vcpus; j++)
			kvm_cpu__join(&vd->vcpus[j]);
		vd->stopped = true;
		/* What the guest left in its console ring without a notification. */
		xencons__drain(vd);
		term__flush(&vd->console);
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
			domain_free(vmm, vd);
		}
	}
	for (unsigned i = 0; i < vmm->nr_retired; i++)
		domain_free(vmm, vmm->retired[i]);
	vmm->nr_retired = 0;
	hv__destroy(&vmm->hv);
	free(vmm->cpuid);
	if (vmm->kvm_fd >= 0)
		close(vmm->kvm_fd);
}
