/*
 * The exit dispatch of a vCPU: what the VMM decides for each KVM exit
 * (kvm_run as KVM_RUN left it, sync regs included). Called by the vCPU
 * loop (kvm_cpu.c) after every exit, and by the unit tests
 * (tests/vmm/exit/) with made-up exits. Only the paths that complete an
 * instruction or restart a hypercall issue a vCPU ioctl; the rest decide
 * from kvm_run alone.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <fastabi/x86.h>

#include "vmm.h"

void exit__crash(struct vmm_vcpu *vc, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (vmm_domain__stopping(vc->dom))
		return; /* another vCPU stopped the domain first: its reason stands */
	dump__vcpu(vc, why);
	vmm_domain__stop(vc->dom, VMM_EXIT_CRASH, "vCPU %u: %s", vc->id, why);
}

/* An in or out: the registered port's handler (ioport.h), or an empty bus. */
static void exit_io(struct vmm_vcpu *vc)
{
	struct kvm_run *run = vc->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned size = run->io.size, count = run->io.count;
	const struct ioport_ops *ops = ioport__find(run->io.port);

	if (run->io.direction == KVM_EXIT_IO_IN) {
		if (ops && ops->in)
			ops->in(vc, run->io.port, data, size, count);
		else
			memset(data, 0xff, (size_t)size * count);
		return;
	}
	if (ops && ops->out)
		ops->out(vc, run->io.port, data, size, count);
	/* nothing there: writes vanish */
}

/*
 * An access to a guest-physical address without a memslot. Guest memory
 * (a page the map is moving just now) is served from the core's map;
 * anything else reads as all ones and ignores writes, like an empty bus.
 */
static void exit_mmio(struct vmm_vcpu *vc)
{
	struct kvm_run *run = vc->run;
	unsigned len = run->mmio.len > 8 ? 8 : run->mmio.len;

	if (run->mmio.is_write) {
		(void)gview__write_phys(vc->dom, run->mmio.phys_addr, run->mmio.data, len);
		return;
	}
	if (gview__read_phys(vc->dom, run->mmio.phys_addr, run->mmio.data, len))
		memset(run->mmio.data, 0xff, len);
}

static void exit_internal(struct vmm_vcpu *vc)
{
	struct kvm_run *run = vc->run;
	const struct kvm_sregs *s = &run->s.regs.sregs;
	uint8_t insn[15];
	unsigned n = 0;
	char why[256], bytes[64] = "";

	/*
	 * A fetch from a page whose memslot another vCPU is replacing just now
	 * fails too: once the change is done (it holds the domain's memory map,
	 * hv_domain__mem_lock), try again.
	 */
	hv_domain__mem_lock(vc->dom->d);
	hv_domain__mem_unlock(vc->dom->d);
	if (atomic_load(&vc->dom->memslot_gen) != vc->entry_gen)
		return;
	if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION) {
		exit__crash(vc, "KVM internal error, suberror %u", run->internal.suberror);
		return;
	}
	if (run->emulation_failure.ndata >= 3 &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		n = run->emulation_failure.insn_size;
		if (n > sizeof(insn))
			n = sizeof(insn);
		memcpy(insn, run->emulation_failure.insn_bytes, n);
	} else {
		/* Read them ourselves; the instruction may end just before an unmapped page. */
		bool lm = (s->efer & X86_EFER_LMA) && s->cs.l;
		uint64_t pc = lm ? run->s.regs.regs.rip : s->cs.base + (run->s.regs.regs.rip & 0xffffffffull);
		for (n = sizeof(insn); n > 0; n--)
			if (gview__read(vc->dom, s, pc, insn, n) == 0)
				break;
	}
	if (n && emulate__insn(vc, insn, n, why, sizeof(why))) {
		vc->nr_emulated++;
		return;
	}
	if (!n)
		snprintf(why, sizeof(why), "the instruction bytes are not readable");
	for (unsigned i = 0, p = 0; i < n && p + 4 < sizeof(bytes); i++)
		p += (unsigned)snprintf(bytes + p, sizeof(bytes) - p, " %02x", insn[i]);
	exit__crash(vc, "KVM cannot emulate the instruction at rip %#llx (bytes:%s): %s",
	      (unsigned long long)run->s.regs.regs.rip, bytes, why);
}

void exit__handle(struct vmm_vcpu *vc)
{
	struct kvm_run *run = vc->run;

	vc->nr_exits++;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		exit_io(vc);
		break;
	case KVM_EXIT_MMIO:
		exit_mmio(vc);
		break;
	case KVM_EXIT_X86_RDMSR:
		msr__rdmsr(vc);
		break;
	case KVM_EXIT_X86_WRMSR:
		msr__wrmsr(vc);
		break;
	case KVM_EXIT_INTR:
		break; /* inject() runs before the next entry */
	case KVM_EXIT_SHUTDOWN:
		exit__crash(vc, "triple fault (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		exit_internal(vc);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		exit__crash(vc, "KVM could not enter the guest (hardware entry failure reason %#llx)",
		      (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		exit__crash(vc, "unhandled KVM exit reason %u", run->exit_reason);
		break;
	}
}
