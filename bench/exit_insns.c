/*
 * The VMM's instructions per FastABI exit, in process (no KVM), for a
 * profile of the whole service path under callgrind (docs/benchmarks.md,
 * "What the FastABI path costs and why"): a domain of the core with RAM,
 * one vCPU whose kvm_run is a buffer of ours (as tests/vmm/exit does), and
 * COUNT doorbell exits of one operation handed to exit__handle exactly as
 * the vCPU loop hands them, after the core entry points the loop calls
 * before each KVM_RUN (hv_vcpu__runnable, hv_vcpu__take_nmi). The
 * inclusive count of exit__handle per call is the exit's handling from
 * kvm_run to the registers handed back; that of hv_hypercall the core's share.
 *
 * The argument registers are zero but for the sub-op: the operations that
 * need no argument (version.version, hvm.get_time, sched.yield, ...) take
 * their whole path, the others their path to the error.
 *
 *	exit-insns OP COUNT       OP: as core-insns (bench/insn_ops.h)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>

#include <fastabi/x86.h>
#include <fastabi/xen-ext.h>

#include "vmm.h"

#include "insn_ops.h"
#include "long_mode.h"

#define RUN_SIZE (3 * 4096)
#define DATA_OFFSET 4096u

int main(int argc, char **argv)
{
	static struct vmm vmm;
	const struct op *op = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: exit-insns OP COUNT\n");
		return 2;
	}
	op = insn_op__find(argv[1]);
	if (!op) {
		fprintf(stderr, "exit-insns: unknown operation '%s'\n", argv[1]);
		return 2;
	}
	unsigned count = (unsigned)strtoul(argv[2], NULL, 10);

	if (vmm__init(&vmm) != 0)
		return 1;
	struct vmm_domain_config cfg = vmm_domain_config__default("exit-insns.elf");
	cfg.name = "exit-insns";
	cfg.memory_mib = 4;
	struct vmm_domain *vd = vmm_domain__new(&vmm, &cfg);
	if (!vd)
		return 1;
	struct vmm_vcpu *vc = &vd->vcpus[0];
	vc->run = aligned_alloc(4096, RUN_SIZE);
	if (!vc->run)
		return 1;
	memset(vc->run, 0, RUN_SIZE);
	vc->started = true;
	vmm.doms[hv_domain__id(vd->d)] = vd;
	vmm.nr_running = 1;

	struct kvm_run *run = vc->run;
	long_mode_sregs(&run->s.regs.sregs);

	int64_t first = 0;
	for (unsigned i = 0; i < count; i++) {
		/* What the vCPU loop asks the core before each entry (kvm_cpu.c prepare). */
		if (!hv_vcpu__runnable(vc->hv) || hv_vcpu__take_nmi(vc->hv))
			break;
		run->exit_reason = KVM_EXIT_IO;
		run->io.direction = KVM_EXIT_IO_OUT;
		run->io.port = FASTABI_DOORBELL_PORT;
		run->io.size = 1;
		run->io.count = 1;
		run->io.data_offset = DATA_OFFSET;
		run->s.regs.regs.rax = op->hypercall | __HYPERVISOR_FASTABI_MASK;
		run->s.regs.regs.rdi = op->subop;
		exit__handle(vc);
		if (i == 0)
			first = (int64_t)run->s.regs.regs.rax;
	}
	printf("%s: %u exits, first returned %lld\n", op->name, count, (long long)first);
	free(vc->run);
	vc->run = NULL;
	vmm__destroy(&vmm);
	return 0;
}
