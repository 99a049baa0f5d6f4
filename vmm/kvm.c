/*
 * /dev/kvm, the VM and the capabilities the VMM depends on (docs/vmm.md,
 * "What KVM gives and what it cannot do").
 */
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

#ifndef KVM_X86_QUIRK_SLOT_ZAP_ALL
#define KVM_X86_QUIRK_SLOT_ZAP_ALL (1 << 7) /* Linux 6.12; older headers lack it */
#endif

/* Where Intel's real-mode TSS would go: in the hole below 4 GiB, never RAM. */
#define KVM_TSS_GPA 0xfffbd000ull
#define KVM_MAX_CPUID_ENTRIES 256

static int check_cap(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
	return r < 0 ? 0 : r;
}

static int enable_cap(int vm_fd, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg0 } };
	return ioctl(vm_fd, KVM_ENABLE_CAP, &ec);
}

int kvm__open(struct vmm *vmm)
{
	vmm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vmm->kvm_fd < 0) {
		if (errno == ENOENT)
			util__err("/dev/kvm is missing: this machine offers no KVM (load kvm, or run "
				 "where virtualization is available)");
		else
			util__err("cannot open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	int api = ioctl(vmm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		util__err("/dev/kvm speaks KVM API %d, not %d", api, KVM_API_VERSION);
		return -1;
	}
	vmm->vcpu_mmap_size = ioctl(vmm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vmm->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		util__err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	if (!(check_cap(vmm->kvm_fd, KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS) ||
	    !(check_cap(vmm->kvm_fd, KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_SREGS)) {
		util__err("KVM lacks KVM_CAP_SYNC_REGS: registers would cost an ioctl per hypercall");
		return -1;
	}
	size_t sz = sizeof(struct kvm_cpuid2) + KVM_MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	vmm->cpuid = calloc(1, sz);
	if (!vmm->cpuid) {
		util__err("out of memory");
		return -1;
	}
	vmm->cpuid->nent = KVM_MAX_CPUID_ENTRIES;
	if (ioctl(vmm->kvm_fd, KVM_GET_SUPPORTED_CPUID, vmm->cpuid) < 0) {
		util__err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Xen's synthetic MSRs come to msr.c: those KVM does not know
 * (KVM_MSR_EXIT_REASON_UNKNOWN), and the range [VMM_XEN_MSR_FIRST, +COUNT),
 * which KVM's Hyper-V emulation would otherwise take (the hypercall page's
 * write to 0x40000000 would vanish there), through a filter that denies it
 * and KVM_MSR_EXIT_REASON_FILTER.
 */
static int xen_msrs(int vm_fd)
{
	static uint8_t deny[VMM_XEN_MSR_COUNT / 8]; /* all clear: a clear bit denies its MSR */
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = { .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			       .nmsrs = VMM_XEN_MSR_COUNT, .base = VMM_XEN_MSR_FIRST,
			       .bitmap = deny },
	};

	if (!check_cap(vm_fd, KVM_CAP_X86_USER_SPACE_MSR) ||
	    enable_cap(vm_fd, KVM_CAP_X86_USER_SPACE_MSR,
		       KVM_MSR_EXIT_REASON_UNKNOWN | KVM_MSR_EXIT_REASON_FILTER) < 0) {
		util__err("KVM lacks KVM_CAP_X86_USER_SPACE_MSR: no hypercall page MSR");
		return -1;
	}
	if (!check_cap(vm_fd, KVM_CAP_X86_MSR_FILTER)) {
		util__err("KVM lacks KVM_CAP_X86_MSR_FILTER: MSR %#x (the hypercall page) would "
			 "go to KVM's Hyper-V emulation", VMM_HYPERCALL_MSR);
		return -1;
	}
	if (ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0) {
		util__err("KVM_X86_SET_MSR_FILTER: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The local APIC of every vCPU, in the kernel, and nothing else: Xen gives a
 * PVH guest a LAPIC (XEN_X86_EMU_LAPIC) but no PIC, IOAPIC or PIT, which is
 * what KVM's split irqchip is (KVM_CAP_SPLIT_IRQCHIP with no IOAPIC routes:
 * ports 0x20/0xa0 and the IOAPIC page stay unclaimed, as on Xen). KVM then
 * handles the LAPIC page at 0xfee00000 (or the x2APIC MSRs), its timer, EOIs
 * and IPIs between vCPUs, and hlt itself (the vCPU sleeps inside KVM_RUN).
 * Must come before the first vCPU. Hosts without the split irqchip get the
 * full one (KVM_CREATE_IRQCHIP: a PIC and IOAPIC the guest can also see).
 */
static int create_irqchip(int vm_fd)
{
	if (check_cap(vm_fd, KVM_CAP_SPLIT_IRQCHIP) && enable_cap(vm_fd, KVM_CAP_SPLIT_IRQCHIP, 0) == 0)
		return 0;
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) == 0)
		return 0;
	util__err("KVM offers no in-kernel local APIC (KVM_CAP_SPLIT_IRQCHIP, KVM_CREATE_IRQCHIP: "
		 "%s): guests would have no LAPIC", strerror(errno));
	return -1;
}

int kvm__create_vm(struct vmm *vmm, struct vmm_domain *vd)
{
	int fd;

	do
		fd = ioctl(vmm->kvm_fd, KVM_CREATE_VM, 0);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		util__err("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	vd->vm_fd = fd;

	if (xen_msrs(fd))
		return -1;
	/*
	 * vmcall/vmmcall never reach userspace here; with the quirk on, KVM
	 * rewrites and re-executes them forever. Off, they raise #UD.
	 */
	int quirks = check_cap(fd, KVM_CAP_DISABLE_QUIRKS2);
	if (!(quirks & KVM_X86_QUIRK_FIX_HYPERCALL_INSN) ||
	    enable_cap(fd, KVM_CAP_DISABLE_QUIRKS2, KVM_X86_QUIRK_FIX_HYPERCALL_INSN) < 0)
		util__err("warning: cannot disable KVM_X86_QUIRK_FIX_HYPERCALL_INSN: a vmcall in "
			 "the guest will hang instead of raising #UD");
	/*
	 * Deleting a memslot (a grant unmapped) makes KVM, by this quirk, throw
	 * away every shadow page table of the VM, which PVM's guest then faults
	 * back in page by page (measured: an unmap cost up to milliseconds of
	 * the guest's time after it). Off (Linux 6.12 and later), KVM zaps only
	 * the deleted slot's pages. Where it cannot be turned off, slower only.
	 */
	if (quirks & KVM_X86_QUIRK_SLOT_ZAP_ALL)
		(void)enable_cap(fd, KVM_CAP_DISABLE_QUIRKS2, KVM_X86_QUIRK_SLOT_ZAP_ALL);
	/* The failing instruction's bytes arrive with the exit (emulate.c, dump.c). */
	vmm->emulation_failure_bytes = check_cap(fd, KVM_CAP_EXIT_ON_EMULATION_FAILURE) &&
				       enable_cap(fd, KVM_CAP_EXIT_ON_EMULATION_FAILURE, 1) == 0;
	if (create_irqchip(fd) < 0)
		return -1;
	/* Only Intel without unrestricted guest uses it; harmless elsewhere. */
	(void)ioctl(fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_GPA);
	return 0;
}

int kvm__create_vcpu(struct vmm *vmm, struct vmm_vcpu *vc)
{
	/* KVM's APIC ID is its vCPU id: Xen's is twice the vCPU id (VMM_APIC_ID). */
	vc->fd = ioctl(vc->dom->vm_fd, KVM_CREATE_VCPU, (unsigned long)VMM_APIC_ID(vc->id));
	if (vc->fd < 0) {
		util__err("KVM_CREATE_VCPU %u: %s", vc->id, strerror(errno));
		return -1;
	}
	vc->run = mmap(NULL, (size_t)vmm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vc->fd, 0);
	if (vc->run == MAP_FAILED) {
		vc->run = NULL;
		util__err("mmap of vCPU %u's kvm_run: %s", vc->id, strerror(errno));
		return -1;
	}
	/* Registers come and go with every exit, at no extra cost (docs/vmm.md "What it cannot do on these KVM machines"). */
	vc->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS;
	return cpuid__setup(vc);
}
