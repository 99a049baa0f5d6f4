/*
 * xen_version: the version, the identification strings and the feature
 * bitmap. Only features that this hypervisor (core plus VMM contract)
 * really provides are announced; see docs/hv-core.md "Features".
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fastabi_hv.h"

#include <xen/errno.h>
#include <xen/features.h>

#include "hv.h"
#include "version.h"

/* Xen 4.18 numbers, absent from the 4.17 headers. */
#ifndef XENFEAT_runstate_phys_area
#define XENFEAT_runstate_phys_area 18
#endif
#ifndef XENFEAT_vcpu_time_phys_area
#define XENFEAT_vcpu_time_phys_area 19
#endif

uint32_t version__features(const struct domain *d)
{
	(void)d;
	return
		/* HVM: the guest writes its own page tables and sees GFNs. */
		(1u << XENFEAT_writable_page_tables) |
		(1u << XENFEAT_auto_translated_physmap) |
		/*
		 * HVM_PARAM_CALLBACK_IRQ of type vector and the per-vCPU
		 * vector (hvm set_evtchn_upcall_vector): the core records the
		 * vector and signals pending upcalls (kick), the VMM injects
		 * hv_vcpu__upcall_vector().
		 */
		(1u << XENFEAT_hvm_callback_vector) |
		/* vcpu register_runstate_phys_area / register_vcpu_time_phys_area. */
		(1u << XENFEAT_runstate_phys_area) |
		(1u << XENFEAT_vcpu_time_phys_area);
}

int64_t version__version(struct hv_vcpu *hv_vcpu)
{
	(void)hv_vcpu;
	return (HV_XEN_MAJOR << 16) | HV_XEN_MINOR;
}

int64_t version__get_features(struct hv_vcpu *hv_vcpu, struct xen_feature_info *arg)
{
	if (arg->submap_idx >= XENFEAT_NR_SUBMAPS)
		return -XEN_EINVAL;
	arg->submap = version__features(hv_vcpu->d);
	return 0;
}

void version__extraversion(struct hv_vcpu *v, xen_extraversion_t out)
{
	(void)v;
	memset(out, 0, XEN_EXTRAVERSION_LEN);
	snprintf(out, XEN_EXTRAVERSION_LEN, ".0-fastabi");
}

void version__compile_info(struct hv_vcpu *v, struct xen_compile_info *out)
{
	(void)v;
	memset(out, 0, sizeof(*out));
#if defined(__clang__)
	snprintf(out->compiler, sizeof(out->compiler), "clang %s", __clang_version__);
#elif defined(__GNUC__)
	snprintf(out->compiler, sizeof(out->compiler), "gcc %s", __VERSION__);
#endif
	snprintf(out->compile_by, sizeof(out->compile_by), "fastabi");
	snprintf(out->compile_domain, sizeof(out->compile_domain), "localdomain");
	snprintf(out->compile_date, sizeof(out->compile_date), "%s", __DATE__);
}

void version__capabilities(struct hv_vcpu *v, xen_capabilities_info_t out)
{
	(void)v;
	memset(out, 0, XEN_CAPABILITIES_INFO_LEN);
	/* HVM guests only: 64-bit, 32-bit and 32-bit PAE. */
	snprintf(out, XEN_CAPABILITIES_INFO_LEN, "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p");
}

void version__changeset(struct hv_vcpu *v, xen_changeset_info_t out)
{
	(void)v;
	memset(out, 0, XEN_CHANGESET_INFO_LEN);
	snprintf(out, XEN_CHANGESET_INFO_LEN, "fastabi");
}

uint64_t version__virt_start(struct hv_vcpu *v)
{
	(void)v;
	return 0;
}

void version__guest_handle(struct hv_vcpu *v, xen_domain_handle_t out)
{
	memcpy(out, v->d->handle, sizeof(xen_domain_handle_t));
}

bool version__denied(struct hv_vcpu *v)
{
	return !(v->d->flags & DOMAIN_PRIVILEGED);
}

const char *version__commandline(struct hv_vcpu *v, size_t *len)
{
	static const xen_commandline_t empty;
	static const char deny[] = "<denied>"; /* Xen's xen_deny() */

	if (version__denied(v)) {
		*len = sizeof(deny);
		return deny;
	}
	*len = sizeof(empty);
	return empty;
}
