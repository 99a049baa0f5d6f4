/*
 * The doorbell: `out %al, $0x99` from the guest (a FastABI stub, or a
 * hypercall-page entry). The registers arrive in kvm_run's sync regs with
 * the exit; the paging state for legacy pointers and CS.L come from the
 * synced sregs. Nothing here calls a vCPU ioctl: the results go back the
 * same way, marked dirty for the next KVM_RUN (docs/vmm.md, "the path of a
 * hypercall").
 */
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <xen/errno.h>

#include <fastabi/x86.h>

#include "vmm.h"

#define DOORBELL_LEN 2 /* e6 99 */

static void regs_in(struct hv_regs *h, const struct kvm_regs *k)
{
	*h = (struct hv_regs){
		.rax = k->rax, .rbx = k->rbx, .rcx = k->rcx, .rdx = k->rdx,
		.rsi = k->rsi, .rdi = k->rdi, .rbp = k->rbp, .rsp = k->rsp,
		.r8 = k->r8, .r9 = k->r9, .r10 = k->r10, .r11 = k->r11,
		.r12 = k->r12, .r13 = k->r13, .r14 = k->r14, .r15 = k->r15,
	};
}

static void regs_out(struct kvm_regs *k, const struct hv_regs *h)
{
	k->rax = h->rax, k->rbx = h->rbx, k->rcx = h->rcx, k->rdx = h->rdx;
	k->rsi = h->rsi, k->rdi = h->rdi, k->rbp = h->rbp, k->rsp = h->rsp;
	k->r8 = h->r8, k->r9 = h->r9, k->r10 = h->r10, k->r11 = h->r11;
	k->r12 = h->r12, k->r13 = h->r13, k->r14 = h->r14, k->r15 = h->r15;
}

/*
 * HV_CALL_RESTART: the guest must execute the doorbell again. Whether KVM
 * has moved rip past the `out` at exit time differs between KVM backends
 * (PVM has, VMX completes it on the next KVM_RUN), so finish the exit with
 * an immediate-exit KVM_RUN first and then step back over the instruction.
 * Restarts are rare (long operations), so the extra ioctl is cheap.
 */
static void restart(struct vmm_vcpu *vc)
{
	struct kvm_run *run = vc->run;

	run->kvm_dirty_regs = vc->dirty;
	vc->dirty = 0;
	run->immediate_exit = 1;
	int r = ioctl(vc->fd, KVM_RUN, 0);
	run->immediate_exit = 0;
	if (r == 0 || errno != EINTR) {
		vmm_domain__stop(vc->dom, VMM_EXIT_CRASH, "vCPU %u: cannot restart a hypercall: %s",
				 vc->id, r == 0 ? "KVM_RUN ran the guest" : strerror(errno));
		return;
	}
	run->s.regs.regs.rip -= DOORBELL_LEN;
	vc->dirty |= KVM_SYNC_X86_REGS;
}

/*
 * --trace (FASTABI_TRACE): one line per call, with the number and the first
 * five arguments of the ABI the core took, as the core reports them.
 */
static void trace(struct vmm_vcpu *vc, const struct hv_call *call)
{
	const char *abi = call->fast ? "fastabi" : call->mode64 ? "legacy64" : "legacy32";
	long long ret = call->mode64 ? (long long)(int64_t)call->regs.rax
				     : (long long)(int32_t)call->regs.rax;
	const uint64_t *a = call->arg;

	fprintf(stderr,
		"fastabi: [%s] vCPU %u: %s %#llx (%#llx, %#llx, %#llx, %#llx, %#llx) = %lld%s%s%s\n",
		vc->dom->name, vc->id, abi, (unsigned long long)call->nr, (unsigned long long)a[0],
		(unsigned long long)a[1], (unsigned long long)a[2], (unsigned long long)a[3],
		(unsigned long long)a[4], ret, call->result == HV_CALL_RESTART ? " (restart)" : "",
		call->why ? ": " : "", call->why ? call->why : "");
}

/*
 * A call the core refused as Xen refuses what it does not serve: count it
 * for the summary at exit (refused.c), by the number and first argument the
 * core reports (FastABI's first argument is its sub-op).
 */
static void count_refused(struct vmm_vcpu *vc, const struct hv_call *call)
{
	uint64_t nr = call->hypercall, arg0 = call->arg[0];
	int64_t ret = call->mode64 ? (int64_t)call->regs.rax : (int32_t)call->regs.rax;

	if (call->result != HV_CALL_DONE ||
	    (ret != -XEN_ENOSYS && ret != -XEN_EPERM && ret != -XEN_EOPNOTSUPP))
		return;
	if (call->fast)
		refused__count(vc, VMM_ABI_FASTABI, nr, arg0, (unsigned)-ret);
	else
		refused__count(vc, call->mode64 ? VMM_ABI_LEGACY64 : VMM_ABI_LEGACY32, nr,
			       hcall__legacy_subop(nr, arg0), (unsigned)-ret);
}

void hypercall__doorbell(struct vmm_vcpu *vc)
{
	struct kvm_sync_regs *sr = &vc->run->s.regs;
	struct hv_call call = {
		.paging = { .cr0 = sr->sregs.cr0, .cr3 = sr->sregs.cr3, .cr4 = sr->sregs.cr4,
			    .efer = sr->sregs.efer },
		.rflags = sr->regs.rflags,
		.mode64 = (sr->sregs.efer & X86_EFER_LMA) && sr->sregs.cs.l,
		.bad_reg = -1,
	};

	regs_in(&call.regs, &sr->regs);
	vc->nr_hypercalls++;
	hv_hypercall(vc->hv, &call);
	if (__builtin_expect(vc->svc != NULL, 0))
		measure__call(vc, call.fast, call.mode64, call.hypercall,
			      call.fast ? call.arg[0] : hcall__legacy_subop(call.hypercall, call.arg[0]));
	if (vc->dom->vmm->trace)
		trace(vc, &call);
	count_refused(vc, &call);
	regs_out(&sr->regs, &call.regs);
	vc->dirty |= KVM_SYNC_X86_REGS;
	if (call.result == HV_CALL_RESTART)
		restart(vc);
}

/* The doorbell is a one-byte `out`: anything else on the port is not a call. */
static void port_out(struct vmm_vcpu *vc, uint16_t port, const uint8_t *data, unsigned size,
		     unsigned count)
{
	(void)port;
	(void)data;
	if (size == 1 && count == 1)
		hypercall__doorbell(vc);
}

const struct ioport_ops hypercall__port = {
	.name = "doorbell",
	.out = port_out,
};
