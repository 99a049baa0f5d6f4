/*
 * The guest's clock: what the core needs to write vcpu_time_info (pvclock)
 * that a guest can extrapolate with rdtsc, and the wallclock in shared_info.
 *
 * KVM fixes the guest TSC's frequency (KVM_GET_TSC_KHZ; it cannot be set
 * here) and keeps the TSC counting whether or not the vCPU runs. So one
 * reading per vCPU at setup, before it ever runs, maps system time to its
 * TSC for good: KVM_GET_MSRS of X86_MSR_TSC between two readings of the
 * VMM's clock (hv__now) gives "TSC = tsc at ns", exact to half the ioctl's
 * duration (about a microsecond); from there the TSC advances khz ticks per
 * ms. The core computes the guest TSC of any later moment from that line
 * (hv_vcpu__guest_tsc) and never needs a vCPU ioctl on the hypercall path.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include <fastabi/x86.h>

#include "vmm.h"

/* The host's TSC is invariant (CPUID 0x80000007 EDX bit 8): constant rate, never stops. */
static bool host_tsc_invariant(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000007)
		return false;
	__get_cpuid(0x80000007, &a, &b, &c, &d);
	return (d >> 8) & 1;
}

static int read_tsc(struct vmm_vcpu *vc, uint64_t *tsc, uint64_t *ns)
{
	/* struct kvm_msrs ends in a flexible array: one entry follows it. */
	struct kvm_msrs *m = calloc(1, sizeof(*m) + sizeof(struct kvm_msr_entry));
	struct vmm *vmm = vc->dom->vmm;
	uint64_t best = UINT64_MAX;
	int ret = 0;

	if (!m)
		return -1;
	/* The shortest of a few tries: the ioctl's duration bounds the error. */
	for (int i = 0; i < 5; i++) {
		m->nmsrs = 1;
		m->entries[0].index = X86_MSR_TSC;
		m->entries[0].data = 0;
		uint64_t n1 = vmm__now(vmm);
		int r = ioctl(vc->fd, KVM_GET_MSRS, m);
		uint64_t n2 = vmm__now(vmm);
		if (r != 1) {
			ret = -1;
			break;
		}
		if (n2 - n1 < best) {
			best = n2 - n1;
			*tsc = m->entries[0].data;
			*ns = n1 + (n2 - n1) / 2;
		}
	}
	free(m);
	return ret;
}

int tsc__setup(struct vmm_domain *vd)
{
	bool stable = host_tsc_invariant();

	for (unsigned i = 0; i < vd->nr_vcpus; i++) {
		struct vmm_vcpu *vc = &vd->vcpus[i];
		int khz = ioctl(vc->fd, KVM_GET_TSC_KHZ, 0);
		if (khz <= 0)
			khz = ioctl(vd->vm_fd, KVM_GET_TSC_KHZ, 0);
		struct hv_tsc t = { .khz = khz > 0 ? (uint32_t)khz : 0, .stable = stable };
		if (!t.khz || read_tsc(vc, &t.tsc, &t.ns)) {
			util__err("[%s] vCPU %u: cannot read the guest TSC (%s): its time info "
				 "describes a 1 GHz counter", vd->name, i, strerror(errno));
			continue;
		}
		hv_vcpu__set_tsc(vc->hv, &t);
	}

	/* Wall time at system time 0. */
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	uint64_t now = vmm__now(vd->vmm);
	uint64_t wall = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	wall = wall > now ? wall - now : 0;
	hv_domain__set_wallclock(vd->d, wall / 1000000000ull, (uint32_t)(wall % 1000000000ull));
	return 0;
}
