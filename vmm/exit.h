/*
 * The exit dispatch (exit.c): the VMM's decision for each KVM exit.
 */
#ifndef VMM_EXIT_H
#define VMM_EXIT_H

struct vmm_vcpu;

/* Handle the exit KVM_RUN left in vc->run (counted in nr_exits). */
void exit__handle(struct vmm_vcpu *vc);
/*
 * The guest did something the VMM cannot serve: dump the registers and
 * stop the domain with VMM_EXIT_CRASH and "vCPU <id>: <why>" (unless
 * another reason stopped it first).
 */
void exit__crash(struct vmm_vcpu *vc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
