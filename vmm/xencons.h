/*
 * The PV console ring's backend (xencons.c).
 */
#ifndef VMM_XENCONS_H
#define VMM_XENCONS_H

#include <stdint.h>

#include <xen/io/console.h>

#include "ring.h"

struct vmm_domain;

/* The PV console's backend (xencons.c): out[] goes to the domain's console. */
struct xencons_backend {
	struct vmm_ring ring;
	uint64_t bytes;
};


int xencons__setup(struct vmm_domain *vd, uint64_t gpa, uint8_t *host);
/* Write what a guest that uses the ring left in out[] (the domain stopped); holds the memory map. */
void xencons__drain(struct vmm_domain *vd);

#endif
