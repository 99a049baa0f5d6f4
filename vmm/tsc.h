/*
 * Guest TSCs and the wallclock, handed to the core (tsc.c).
 */
#ifndef VMM_TSC_H
#define VMM_TSC_H

struct vmm_domain;

/* After the vCPUs exist: tell the core each guest TSC and the domain's wallclock. */
int tsc__setup(struct vmm_domain *vd);

#endif
