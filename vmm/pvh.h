/*
 * The PVH boot information the builder places after the kernel, and the
 * boot vCPU state (pvh.c).
 */
#ifndef VMM_PVH_H
#define VMM_PVH_H

#include <stddef.h>

#include "hv.h"

struct vmm_domain;
struct vmm_vcpu;

/*
 * The kernel command line's limit (without its NUL). Xen's toolstack sets
 * none for PVH; the VMM keeps the start info to about a page.
 */
#define PVH_CMDLINE_MAX 3583ull
/* A module's command line, without its NUL: Xen's MAX_GUEST_CMDLINE - 1. */
#define PVH_MODULE_CMDLINE_MAX 1023ull


/*
 * The domain builder's placement after the kernel (elf__load first): the
 * modules, then hvm_start_info with the command line, the module list and
 * the memory map, as Xen's toolstack lays them out. Sets vd->start_info_gpa.
 */
int pvh__setup(struct vmm_domain *vd, char *err, size_t errlen);
int pvh__boot_vcpu(struct vmm_vcpu *vc);
/* Load a VCPUOP_initialise context into a vCPU. */
int pvh__load_context(struct vmm_vcpu *vc, const struct vcpu_hvm_context *ctx);

#endif
