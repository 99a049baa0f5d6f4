/*
 * PVH boot: hvm_start_info (version 1) with the memory map and the command
 * line in the boot area below 1 MiB, and vCPU 0 in 32-bit flat protected
 * mode with paging off at the kernel's XEN_ELFNOTE_PHYS32_ENTRY, %ebx
 * pointing at hvm_start_info, as Xen's PVH ABI describes. Secondary vCPUs
 * start from the context the guest gave VCPUOP_initialise.
 */
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <xen/arch-x86/hvm/start_info.h>

#include "vmm.h"

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_PG (1ull << 31)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

_Static_assert(PVH_START_INFO_GPA + sizeof(struct hvm_start_info) <= PVH_MEMMAP_GPA,
	       "start_info overlaps the memmap");
_Static_assert(PVH_MEMMAP_GPA + HV_MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry) <=
		       PVH_CMDLINE_GPA, "the memmap overlaps the command line");

int pvh__setup(struct vmm_domain *vd, char *err, size_t errlen)
{
	const char *cmdline = vd->cfg.cmdline ? vd->cfg.cmdline : "";
	size_t clen = strlen(cmdline);
	uint8_t *area = kvm_mem__ram(vd, PVH_START_INFO_GPA, PVH_AREA_END - PVH_START_INFO_GPA);

	if (clen > PVH_CMDLINE_MAX) {
		snprintf(err, errlen, "--cmdline is too long: %zu bytes, at most %llu", clen,
			 (unsigned long long)PVH_CMDLINE_MAX);
		return -1;
	}
	if (!area) {
		snprintf(err, errlen, "the boot area is not RAM");
		return -1;
	}
	memset(area, 0, PVH_AREA_END - PVH_START_INFO_GPA);

	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = 1,
		.cmdline_paddr = PVH_CMDLINE_GPA,
		.memmap_paddr = PVH_MEMMAP_GPA,
	};
	pthread_mutex_lock(&vd->vmm->hv.lock);
	struct domain *d = vd->d;
	for (unsigned i = 0; i < d->nr_memmap; i++) {
		struct hvm_memmap_table_entry e = {
			.addr = d->memmap[i].addr,
			.size = d->memmap[i].size,
			.type = d->memmap[i].type,
		};
		memcpy(area + (PVH_MEMMAP_GPA - PVH_START_INFO_GPA) + i * sizeof(e), &e, sizeof(e));
	}
	si.memmap_entries = d->nr_memmap;
	pthread_mutex_unlock(&vd->vmm->hv.lock);
	memcpy(area, &si, sizeof(si));
	memcpy(area + (PVH_CMDLINE_GPA - PVH_START_INFO_GPA), cmdline, clen + 1);
	return 0;
}

static struct kvm_segment flat(uint16_t sel, uint8_t type, bool l)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type, .present = 1,
		.dpl = 0, .db = !l, .s = 1, .l = l, .g = 1,
	};
}

static struct kvm_segment busy_tss(void)
{
	return (struct kvm_segment){ .limit = 0x67, .type = 11, .present = 1 };
}

static int set_state(struct vmm_vcpu *vc, struct kvm_sregs *s, struct kvm_regs *r)
{
	if (ioctl(vc->fd, KVM_SET_SREGS, s) < 0 || ioctl(vc->fd, KVM_SET_REGS, r) < 0) {
		vmm__err("[%s] vCPU %u: cannot set the boot registers: %s", vc->dom->name, vc->id,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int pvh__boot_vcpu(struct vmm_vcpu *vc)
{
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };

	if (ioctl(vc->fd, KVM_GET_SREGS, &s) < 0) {
		vmm__err("KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	s.cs = flat(0x08, 0xb, false);
	s.ds = s.es = s.fs = s.gs = s.ss = flat(0x10, 0x3, false);
	s.tr = busy_tss();
	s.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	s.gdt = (struct kvm_dtable){ 0 };
	s.idt = (struct kvm_dtable){ 0 };
	s.cr0 = CR0_PE | CR0_ET;
	s.cr3 = s.cr4 = s.efer = 0;
	r.rip = vc->dom->entry;
	r.rflags = 0x2;
	r.rbx = PVH_START_INFO_GPA;
	return set_state(vc, &s, &r);
}

/* Xen's packed segment attributes (type, s, dpl, p, avl, l, db, g) into KVM's. */
static struct kvm_segment seg(uint32_t base, uint32_t limit, uint16_t ar)
{
	return (struct kvm_segment){
		.base = base, .limit = limit, .type = ar & 0xf, .s = (ar >> 4) & 1,
		.dpl = (ar >> 5) & 3, .present = (ar >> 7) & 1, .avl = (ar >> 8) & 1,
		.l = (ar >> 9) & 1, .db = (ar >> 10) & 1, .g = (ar >> 11) & 1,
		.unusable = !((ar >> 7) & 1),
	};
}

int pvh__load_context(struct vmm_vcpu *vc, const struct vcpu_hvm_context *ctx)
{
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };

	if (ioctl(vc->fd, KVM_GET_SREGS, &s) < 0) {
		vmm__err("KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	s.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	s.gdt = (struct kvm_dtable){ 0 };
	s.idt = (struct kvm_dtable){ 0 };
	if (ctx->mode == VCPU_HVM_MODE_32B) {
		const struct vcpu_hvm_x86_32 *c = &ctx->cpu_regs.x86_32;
		r = (struct kvm_regs){ .rax = c->eax, .rcx = c->ecx, .rdx = c->edx, .rbx = c->ebx,
				       .rsp = c->esp, .rbp = c->ebp, .rsi = c->esi, .rdi = c->edi,
				       .rip = c->eip, .rflags = c->eflags | 2 };
		s.cr0 = c->cr0;
		s.cr3 = c->cr3;
		s.cr4 = c->cr4;
		s.efer = c->efer;
		s.cs = seg(c->cs_base, c->cs_limit, c->cs_ar);
		s.ds = seg(c->ds_base, c->ds_limit, c->ds_ar);
		s.ss = seg(c->ss_base, c->ss_limit, c->ss_ar);
		s.es = seg(c->es_base, c->es_limit, c->es_ar);
		s.fs = s.gs = s.ds;
		s.tr = c->tr_ar ? seg(c->tr_base, c->tr_limit, c->tr_ar) : busy_tss();
	} else {
		const struct vcpu_hvm_x86_64 *c = &ctx->cpu_regs.x86_64;
		r = (struct kvm_regs){ .rax = c->rax, .rcx = c->rcx, .rdx = c->rdx, .rbx = c->rbx,
				       .rsp = c->rsp, .rbp = c->rbp, .rsi = c->rsi, .rdi = c->rdi,
				       .rip = c->rip, .rflags = c->rflags | 2 };
		s.cr0 = c->cr0;
		s.cr3 = c->cr3;
		s.cr4 = c->cr4;
		s.efer = c->efer;
		s.cs = flat(0, 0xb, true);
		s.ds = s.es = s.fs = s.gs = s.ss = flat(0, 0x3, false);
		s.tr = busy_tss();
	}
	if ((s.efer & EFER_LME) && (s.cr0 & CR0_PG))
		s.efer |= EFER_LMA;
	return set_state(vc, &s, &r);
}
