/*
 * Starting a secondary vCPU (VCPUOP_initialise, then VCPUOP_up): the
 * context that runs a C function on a stack of ours, in the mode this
 * vCPU runs in.
 */
#ifndef GUEST_VCPU_H
#define GUEST_VCPU_H

#include "compiler.h"

struct vcpu_hvm_context;

/*
 * Fill *c (zeroed first) so that the vCPU enters 'entry' on the stack that
 * ends at 'stack_top' (16-byte aligned), as if called: 64-bit, with our
 * CR0, CR3, CR4 and EFER (the same identity map); 32-bit, flat segments
 * and paging off, as head32.S runs. 'entry' must never return.
 */
void vcpu_context_here(struct vcpu_hvm_context *c, void (*entry)(void), void *stack_top);

#endif
