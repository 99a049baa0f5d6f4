/*
 * The I/O port registry (ioport.c), as kvmtool's: a port range and the
 * handler of its outs and ins. The world registers the VMM's ports in one
 * place (vmm__init): the console (0xe9, term.c), the doorbell
 * (FASTABI_DOORBELL_PORT, hypercall.c) and the test result
 * (FASTABI_RESULT_PORT, vmm_domain.c). A port nobody registered ignores
 * writes and reads as all ones, like an empty bus.
 */
#ifndef VMM_IOPORT_H
#define VMM_IOPORT_H

#include <stdint.h>

struct vmm_vcpu;

struct ioport_ops {
	const char *name;
	/* An out (or rep outs) of count elements of size bytes at data. */
	void (*out)(struct vmm_vcpu *vc, uint16_t port, const uint8_t *data, unsigned size,
		    unsigned count);
	/* An in: fill data (size * count bytes); without it the port reads as all ones. */
	void (*in)(struct vmm_vcpu *vc, uint16_t port, uint8_t *data, unsigned size,
		   unsigned count);
};

#define IOPORT_MAX 16

/* Register [first, first + nr) before any vCPU runs: 0, or -1 (overlap, full) after saying why. */
int ioport__register(uint16_t first, unsigned nr, const struct ioport_ops *ops);
/* Drop every registration (a test's fresh world). */
void ioport__reset(void);
/* The handler of port, or NULL. */
const struct ioport_ops *ioport__find(uint16_t port);

#endif
