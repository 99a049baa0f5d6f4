/*
 * One domain of the VMM: the domain builder (the core's domain, RAM, the
 * kernel, the PV ring pages, the boot information, the KVM VM and its
 * vCPUs, in Xen's toolstack order) and stopping it with a reason. The world
 * that holds the domains is vmm.c's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

bool vmm_domain__stopping(struct vmm_domain *vd)
{
	return atomic_load(&vd->stopping);
}

/*
 * The first stop wins. A stop with restart (an xl restart action, from
 * ops_shutdown) keeps the domain counted as running: the main thread
 * builds it again (restart_domains in vmm.c) instead of waiting for it.
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
	vd->phase_ns[VMM_PHASE_STOPPED] = vmm__now(vmm);
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

void vmm_domain__stop_restart(struct vmm_domain *vd, int status, bool restart, const char *fmt,
			      ...)
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

void vmm_domain__free(struct vmm_domain *vd)
{
	struct vmm *vmm = vd->vmm;

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
	backend__destroy(vd); /* first: a backend's end asks the core about the domain */
	if (vd->d)
		domain__destroy(vd->d);
	kvm_mem__destroy(vd);
	term__destroy(&vd->console);
	util__ratelimit_destroy(&vd->log_limit);
	free(vd);
}

struct vmm_domain *vmm_domain__new(struct vmm *vmm, const struct vmm_domain_config *cfg)
{
	struct vmm_domain *vd = calloc(1, sizeof(*vd));

	if (!vd) {
		util__err("out of memory");
		return NULL;
	}
	vd->vmm = vmm;
	vd->cfg = *cfg;
	vd->vm_fd = vd->memfd = -1;
	if (cfg->name)
		snprintf(vd->name, sizeof(vd->name), "%s", cfg->name);
	else
		default_name(cfg->kernel, vd->name, sizeof(vd->name));
	term__init(&vd->console, vd->name, vmm->console_raw);
	util__ratelimit_init(&vd->log_limit);
	backend__init(vd);
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
		/* What kvm_mem.c can back; the width comes with KVM's CPUID (below). */
		.max_host_maps = VMM_MAX_GRANT_MAPS,
		.flags = (cfg->fastabi ? DOMAIN_FASTABI : 0) |
			 (cfg->confidential ? DOMAIN_CONFIDENTIAL : 0) |
			 (cfg->fixed_mem_layout ? DOMAIN_FIXED_LAYOUT : 0),
	};
	int r = domain__create(&vmm->hv, &dc, &vd->d);
	if (r) {
		util__err("[%s] the core refused the domain (Xen errno %d)", vd->name, r);
		goto fail;
	}
	for (unsigned i = 0; i < vd->nr_vcpus; i++)
		vd->vcpus[i].hv = hv_domain__vcpu(vd->d, i);
	/* The guest's memory and the kernel first: a bad kernel is reported before KVM is asked. */
	if (kvm_mem__init(vd))
		goto fail;
	vd->phase_ns[VMM_PHASE_CORE] = vmm__now(vmm);
	return vd;
fail:
	vmm_domain__free(vd);
	return NULL;
}

struct vmm_domain *vmm_domain__build(struct vmm *vmm, const struct vmm_domain_config *cfg)
{
	struct vmm_domain *vd = vmm_domain__new(vmm, cfg);
	char err[512];

	if (!vd)
		return NULL;
	int r = domain__finish_layout(vd->d);
	if (r) {
		util__err("[%s] cannot lay out the special pages (Xen errno %d)", vd->name, r);
		goto fail;
	}
	if (elf__load(vd, cfg->kernel, err, sizeof(err))) {
		util__err("%s", err);
		goto fail;
	}
	vd->phase_ns[VMM_PHASE_ELF] = vmm__now(vmm);
	/*
	 * The ring pages after the kernel (whose segments must lie in RAM, not
	 * on them) and before pvh__setup copies the memory map.
	 */
	if (backend__setup(vd))
		goto fail;
	/*
	 * Then what the builder hands over, in Xen's order of segments after the
	 * kernel's end: the boot modules, then hvm_start_info with the command
	 * line, the module list and the memory map (pvh.c). Bad module files are
	 * refused here, still before KVM is asked.
	 */
	if (pvh__setup(vd, err, sizeof(err))) {
		util__err("%s", err);
		goto fail;
	}
	vd->phase_ns[VMM_PHASE_BOOTINFO] = vmm__now(vmm);
	if ((vmm->kvm_fd < 0 && kvm__open(vmm)) || kvm__create_vm(vmm, vd))
		goto fail;
	/* The physical address width the guest's CPUID gives (cpuid.c), for the core's checks. */
	unsigned paddr_bits = cpuid__paddr_bits(vmm->cpuid);
	if (paddr_bits && hv_domain__set_paddr_bits(vd->d, paddr_bits)) {
		util__err("[%s] guest memory reaches beyond the %u-bit physical address width "
			  "KVM gives", vd->name, paddr_bits);
		goto fail;
	}
	vd->phase_ns[VMM_PHASE_KVM_VM] = vmm__now(vmm);
	hv_domain__mem_lock(vd->d);
	int synced = kvm_mem__sync(vd);
	hv_domain__mem_unlock(vd->d);
	if (synced)
		goto fail;
	vd->phase_ns[VMM_PHASE_MEMSLOTS] = vmm__now(vmm);
	for (unsigned i = 0; i < vd->nr_vcpus; i++) {
		if (kvm__create_vcpu(vmm, &vd->vcpus[i]))
			goto fail;
	}
	vd->phase_ns[VMM_PHASE_VCPUS] = vmm__now(vmm);
	/* Before any vCPU runs: every slot of shared_info gets valid time. */
	if (tsc__setup(vd))
		goto fail;
	if (pvh__boot_vcpu(&vd->vcpus[0]))
		goto fail;
	vd->vcpus[0].started = true;
	vd->phase_ns[VMM_PHASE_BOOTED] = vmm__now(vmm);

	return vd;
fail:
	vmm_domain__free(vd);
	return NULL;
}

/* The test result port (FASTABI_RESULT_PORT): XTF's result stops the domain. */
static void result_out(struct vmm_vcpu *vc, uint16_t port, const uint8_t *data, unsigned size,
		       unsigned count)
{
	static const struct {
		int status;
		const char *name;
	} results[] = {
		[VMM_RESULT_SUCCESS] = { VMM_EXIT_SUCCESS, "SUCCESS" },
		[VMM_RESULT_SKIP] = { VMM_EXIT_SKIP, "SKIP" },
		[VMM_RESULT_ERROR] = { VMM_EXIT_ERROR, "ERROR" },
		[VMM_RESULT_FAILURE] = { VMM_EXIT_FAILURE, "FAILURE" },
	};
	uint32_t value = 0;

	/* The last element written, at most its first four bytes. */
	(void)port;
	memcpy(&value, data + (size_t)(count - 1) * size, size > 4 ? 4 : size);
	if (value < sizeof(results) / sizeof(results[0]))
		vmm_domain__stop(vc->dom, results[value].status, "test result %s",
				 results[value].name);
	else
		vmm_domain__stop(vc->dom, VMM_EXIT_ERROR,
				 "unknown test result %#x on port %#x (0 SUCCESS, 1 SKIP, 2 ERROR, "
				 "3 FAILURE)", value, VMM_RESULT_PORT);
}

const struct ioport_ops vmm_domain__result_port = {
	.name = "test result",
	.out = result_out,
};
