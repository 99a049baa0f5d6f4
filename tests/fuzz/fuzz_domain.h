/*
 * For the fuzz targets that need a domain's guest RAM and ring pages but
 * no KVM (xencons_fuzz.c, insn_fuzz.c): one domain "fuzz" of 4 MiB, built
 * once as elf_fuzz.c builds one per input (vmm_domain__new reads no file
 * and creates no VM).
 */
#ifndef FUZZ_DOMAIN_H
#define FUZZ_DOMAIN_H

#include <stdlib.h>

#include "vmm.h"

static inline struct vmm_domain *fuzz__domain(struct vmm *vmm)
{
	if (vmm__init(vmm))
		abort();
	vmm->sandbox.overcommit = true; /* no /proc/meminfo read */
	struct vmm_domain_config cfg = vmm_domain_config__default("fuzz");
	cfg.name = "fuzz";
	cfg.memory_mib = 4;
	struct vmm_domain *vd = vmm_domain__new(vmm, &cfg);
	if (!vd || domain__finish_layout(vd->d))
		abort();
	return vd;
}

#endif
