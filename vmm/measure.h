/*
 * What benchmarks ask of the VMM (measure.c, docs/benchmarks.md), off by
 * default and free when off:
 *  --legacy-translate  legacy pointers translated QEMU's way, one
 *                      KVM_TRANSLATE ioctl per guest page touched;
 *  --service-times F   per vCPU, the host TSC cycles from KVM_RUN returning
 *                      to the next KVM_RUN, per exit kind and per hypercall
 *                      (ABI, number, sub-op), written to F at exit (JSON
 *                      lines). Off, the run loop pays one predictable test
 *                      of vc->svc per entry and per exit.
 */
#ifndef VMM_MEASURE_H
#define VMM_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

struct vmm_vcpu;
struct vmm_domain;

/* The vCPU this thread runs (kvm_cpu.c sets it as the thread starts). */
extern __thread struct vmm_vcpu *measure__self;

/* --legacy-translate: route the domain's legacy pointer translation through KVM_TRANSLATE. */
void measure__translate_on(struct vmm_domain *vd);

/* --service-times FILE: truncate it and calibrate the TSC; 0 or -1 after saying why. */
int measure__service_open(const char *path);
/* Whether --service-times was given (a vCPU then gets its table at creation). */
bool measure__service_enabled(void);
/* The vCPU's table (vc->svc), or -1 out of memory. */
int measure__service_attach(struct vmm_vcpu *vc);
/* Around KVM_RUN, only while vc->svc is set. */
void measure__entry(struct vmm_vcpu *vc);
void measure__exit(struct vmm_vcpu *vc);
/* The doorbell names the call it served (after hv_hypercall). */
void measure__call(struct vmm_vcpu *vc, bool fast, bool mode64, uint64_t nr, uint64_t subop);
/* As the vCPU thread ends: its table to the file, then freed. */
void measure__dump(struct vmm_vcpu *vc);

#endif
