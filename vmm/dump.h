/*
 * Register dumps (dump.c).
 */
#ifndef VMM_DUMP_H
#define VMM_DUMP_H

struct vmm_vcpu;

/* Register dump of vc (from its sync regs) on stderr, headed by 'why'. */
void dump__vcpu(struct vmm_vcpu *vc, const char *why);

#endif
