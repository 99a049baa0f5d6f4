/* Contexts for secondary vCPUs (vcpu.h). */
#include "guest.h"

#include <xen/hvm/hvm_vcpu.h>

void vcpu_context_here(struct vcpu_hvm_context *c, void (*entry)(void), void *stack_top)
{
	memset(c, 0, sizeof(*c));
#ifdef __x86_64__
	c->mode = VCPU_HVM_MODE_64B;
	c->cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
		.rip = (uintptr_t)entry,
		.rsp = (uintptr_t)stack_top - 8, /* where a call leaves the return address */
		.rflags = X86_RFLAGS_FIXED,
		.cr0 = read_cr0(), .cr3 = read_cr3(), .cr4 = read_cr4(),
		.efer = rdmsr(X86_MSR_EFER),
	};
#else
	/* Flat 4 GiB code (type 0xb) and data (0x3) segments, present, 32-bit, 4 KiB units. */
	c->mode = VCPU_HVM_MODE_32B;
	c->cpu_regs.x86_32 = (struct vcpu_hvm_x86_32){
		.eip = (uintptr_t)entry,
		.esp = (uintptr_t)stack_top - 4,
		.eflags = X86_RFLAGS_FIXED,
		.cr0 = (uint32_t)read_cr0(),
		.cs_limit = ~0u, .ds_limit = ~0u, .ss_limit = ~0u, .es_limit = ~0u,
		.cs_ar = 0xc9b, .ds_ar = 0xc93, .ss_ar = 0xc93, .es_ar = 0xc93,
	};
#endif
}
