/*
 * hvm_op: HVM parameters with the rules a guest faces on Xen, the time, the
 * type of a guest frame, TLB flushes and the per-vCPU upcall vector.
 */
#include <stdint.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "hv.h"
#include "memory.h"
#include "lock.h"
#include "sched_vcpu.h"

/* The lowest vector an upcall may use: 0x00-0x0f are exceptions. */
#define HVM_MIN_UPCALL_VECTOR 0x10

/* What a guest may do with its own parameters (Xen's hvm_allow_{get,set}_param). */
static bool guest_may_set(uint32_t index)
{
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_VM86_TSS:
	case HVM_PARAM_VM86_TSS_SIZED:
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
	case HVM_PARAM_VM_GENERATION_ID_ADDR:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_EVTCHN:
	case HVM_PARAM_X87_FIP_WIDTH:
		return true;
	default:
		return false;
	}
}

static bool guest_may_get(uint32_t index)
{
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_VM86_TSS:
	case HVM_PARAM_VM86_TSS_SIZED:
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
	case HVM_PARAM_VM_GENERATION_ID_ADDR:
	case HVM_PARAM_STORE_PFN:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_PFN:
	case HVM_PARAM_CONSOLE_EVTCHN:
	case HVM_PARAM_ALTP2M:
	case HVM_PARAM_X87_FIP_WIDTH:
		return true;
	default:
		return false;
	}
}


/* Value checks, as Xen makes them when it applies a parameter. */
static int check_value(struct domain *d, uint32_t index, uint64_t value)
{
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ: {
		unsigned type = (unsigned)(value >> 56);
		if (value == 0) /* no callback */
			return 0;
		if (type == HVM_PARAM_CALLBACK_TYPE_VECTOR)
			return (value & ~HVM_PARAM_CALLBACK_IRQ_TYPE_MASK) >= HVM_MIN_UPCALL_VECTOR &&
			       (value & ~HVM_PARAM_CALLBACK_IRQ_TYPE_MASK) <= 0xff ? 0 : -XEN_EINVAL;
		if (type == HVM_PARAM_CALLBACK_TYPE_GSI || type == HVM_PARAM_CALLBACK_TYPE_PCI_INTX)
			return 0;
		return -XEN_EINVAL;
	}
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_EVTCHN:
		return value <= UINT32_MAX ? 0 : -XEN_EINVAL;
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
		return value <= 1 ? 0 : -XEN_EINVAL;
	case HVM_PARAM_X87_FIP_WIDTH:
		return value == 0 || value == 4 || value == 8 ? 0 : -XEN_EINVAL;
	/* Set once: a second, different value is refused. */
	case HVM_PARAM_VIRIDIAN:
	case HVM_PARAM_IOREQ_SERVER_PFN:
	case HVM_PARAM_NR_IOREQ_SERVER_PAGES:
	case HVM_PARAM_ALTP2M:
	case HVM_PARAM_MCA_CAP:
		return d->hvm_params[index] && d->hvm_params[index] != value ? -XEN_EEXIST : 0;
	default:
		return 0;
	}
}

/*
 * The domain whose param arg names, if the caller may touch it: a known
 * index, a domain it may name, and (on its own domain) a param a guest may
 * read or, with 'set', write.
 */
static int param_target(struct hv_vcpu *hv_vcpu, const struct xen_hvm_param *arg, bool set,
			struct domain **d)
{
	if (arg->index >= HV_NR_HVM_PARAMS)
		return -XEN_EINVAL;
	int ret = domain__target(hv_vcpu, arg->domid, d);
	if (ret)
		return ret;
	if (*d == hv_vcpu->d && !(set ? guest_may_set(arg->index) : guest_may_get(arg->index)))
		return -XEN_EPERM;
	return 0;
}

int64_t hvm__set_param(struct hv_vcpu *hv_vcpu, struct xen_hvm_param *arg)
{
	struct domain *d;
	int ret = param_target(hv_vcpu, arg, true, &d);

	if (ret)
		return ret;
	ret = check_value(d, arg->index, arg->value);
	if (ret)
		return ret;
	d->hvm_params[arg->index] = arg->value;
	/* A new callback may have an upcall waiting for it. */
	if (arg->index == HVM_PARAM_CALLBACK_IRQ)
		for (unsigned i = 0; i < d->nr_vcpus; i++)
			if (vcpu__upcall_pending(&d->vcpus[i]))
				vcpu__kick(&d->vcpus[i]);
	return 0;
}

int64_t hvm__get_param(struct hv_vcpu *hv_vcpu, struct xen_hvm_param *arg)
{
	struct domain *d;
	int ret = param_target(hv_vcpu, arg, false, &d);

	if (ret)
		return ret;
	arg->value = d->hvm_params[arg->index];
	return 0;
}

int64_t hvm__flush_tlbs(struct hv_vcpu *hv_vcpu)
{
	struct hv *hv = hv_vcpu->d->hv;

	if (!hv->ops.flush_tlbs)
		return -XEN_EOPNOTSUPP;
	hv->ops.flush_tlbs(hv_vcpu->d, hv->ops.ctx);
	return 0;
}

int64_t hvm__get_time(struct hv_vcpu *hv_vcpu, struct xen_hvm_get_time *arg)
{
	arg->now = hv__now(hv_vcpu->d->hv);
	return 0;
}

/*
 * Xen's answer for an HVM guest: RAM and the special pages the hypervisor
 * placed in the physmap (shared_info, grant frames) are ordinary RAM;
 * everything else, unmapped frames included, belongs to the device model.
 */
int64_t hvm__get_mem_type(struct hv_vcpu *hv_vcpu, struct xen_hvm_get_mem_type *arg)
{
	struct domain *d;
	int ret = domain__target(hv_vcpu, arg->domid, &d);

	if (ret)
		return ret;
	const struct guestmem_region *r = NULL;
	if (arg->pfn < memory__gfn_limit(d))
		r = guestmem__lookup(&d->mem, gfn_to_gpa(gfn(arg->pfn)));
	arg->mem_type = r ? HVMMEM_ram_rw : HVMMEM_mmio_dm;
	return 0;
}

int64_t hvm__set_evtchn_upcall_vector(struct hv_vcpu *hv_vcpu,
				      struct xen_hvm_evtchn_upcall_vector *arg)
{
	struct domain *d = hv_vcpu->d;

	if (arg->vector < HVM_MIN_UPCALL_VECTOR)
		return -XEN_EINVAL;
	if (arg->vcpu >= d->nr_vcpus)
		return -XEN_ENOENT;
	struct hv_vcpu *v = &d->vcpus[arg->vcpu];
	v->upcall_vector = arg->vector;
	/* An upcall already pending is delivered through the new vector. */
	if (vcpu__upcall_pending(v))
		vcpu__kick(v);
	return 0;
}

uint8_t hvm__upcall_vector(struct hv_vcpu *v)
{
	uint64_t cb = v->d->hvm_params[HVM_PARAM_CALLBACK_IRQ];

	if (v->upcall_vector)
		return v->upcall_vector;
	if ((cb >> 56) == HVM_PARAM_CALLBACK_TYPE_VECTOR)
		return (uint8_t)cb;
	return 0;
}

uint8_t hv_vcpu__upcall_vector(struct hv_vcpu *v)
{
	lock__domain(v->d);
	uint8_t vec = hvm__upcall_vector(v);
	lock__release(v->d->hv);
	return vec;
}
