/*
 * The synced sregs of a 64-bit kernel at CPL0 with paging, as a FastABI
 * doorbell exit brings them: for made-up exits (tests/vmm/exit,
 * bench/exit_insns.c).
 */
#ifndef TESTS_VMM_LONG_MODE_H
#define TESTS_VMM_LONG_MODE_H

#include <linux/kvm.h>

#include <fastabi/x86.h>

static inline void long_mode_sregs(struct kvm_sregs *s)
{
	s->cr0 = X86_CR0_PE | X86_CR0_PG;
	s->cr4 = X86_CR4_PAE;
	s->efer = X86_EFER_LME | X86_EFER_LMA;
	s->cs.l = 1;
	s->cs.present = 1;
	s->cs.s = 1;
	s->cs.type = 0xb;
	s->ss.present = 1;
}

#endif
