/*
 * Instructions KVM cannot emulate at CPL0 here (emulate.c).
 */
#ifndef VMM_EMULATE_H
#define VMM_EMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmm_vcpu;

/* Try to complete an instruction KVM failed to emulate; true if done. */
bool emulate__insn(struct vmm_vcpu *vc, const uint8_t *insn, unsigned len, char *why,
		   size_t whylen);

#endif
