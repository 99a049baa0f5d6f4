/*
 * xen_version: what the hypervisor is. version and get_features are in
 * FastABI (their core functions are declared in fastabi_hv.h); the string
 * and struct queries below are legacy-only, so version_legacy.c is their
 * only caller.
 */
#ifndef HV_VERSION_H
#define HV_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/version.h>

#include "hv.h"

/* The Xen version this hypervisor presents (its public headers are 4.17's). */
#define HV_XEN_MAJOR 4
#define HV_XEN_MINOR 17

/* The XENFEAT_* bits of submap 0 offered to d. */
uint32_t version__features(const struct domain *d);

void version__extraversion(struct hv_vcpu *v, xen_extraversion_t out);
void version__compile_info(struct hv_vcpu *v, struct xen_compile_info *out);
void version__capabilities(struct hv_vcpu *v, xen_capabilities_info_t out);
void version__changeset(struct hv_vcpu *v, xen_changeset_info_t out);
/* virt_start: HVM guests have no hypervisor hole in their address space: 0. */
uint64_t version__virt_start(struct hv_vcpu *v);
void version__guest_handle(struct hv_vcpu *v, xen_domain_handle_t out);
/*
 * XENVER_commandline and XENVER_build_id are XSM_PRIV under Xen's dummy
 * policy (xsm_xen_version): whether v's domain is refused them.
 */
bool version__denied(struct hv_vcpu *v);
/*
 * XENVER_commandline: what the caller gets, 'len' bytes. Xen answers a
 * refused caller with the string "<denied>" (xen_deny()) and success, and
 * the control domain with its whole command-line buffer: ours is empty.
 */
const char *version__commandline(struct hv_vcpu *v, size_t *len);

#endif
