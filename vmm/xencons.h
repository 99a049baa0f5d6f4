/*
 * The PV console ring's backend (xencons.c).
 */
#ifndef VMM_XENCONS_H
#define VMM_XENCONS_H

#include <stdint.h>

#include <xen/io/console.h>

#include "backend.h"
#include "ring.h"

struct vmm_domain;

/* The PV console's backend (xencons.c): out[] goes to the domain's console. */
struct xencons_backend {
	struct vmm_ring ring;
	uint64_t bytes;
};


/* Registered in vmm__init (backend.h). */
extern const struct backend_ops xencons__backend;

#endif
