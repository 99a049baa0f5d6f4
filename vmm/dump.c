/*
 * Register dumps on stderr when a guest dies (triple fault, an exit the VMM
 * cannot handle, a timeout): every register KVM syncs, the mode, any event
 * in flight, and the bytes at rip and on the stack, read through the
 * guest's own page tables.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <fastabi/x86.h>

#include "vmm.h"

static const char *mode_name(const struct kvm_sregs *s)
{
	if (!(s->cr0 & X86_CR0_PE))
		return "real mode";
	if (s->efer & X86_EFER_LMA)
		return s->cs.l ? "64-bit long mode" : "compatibility mode";
	if (s->cr0 & X86_CR0_PG)
		return s->cs.db ? "32-bit protected mode, paging on" : "16-bit protected mode, paging on";
	return s->cs.db ? "32-bit protected mode, paging off" : "16-bit protected mode, paging off";
}

static void seg(FILE *f, const char *name, const struct kvm_segment *s)
{
	fprintf(f, "  %-3s %04x base %016llx limit %08x type %x s %u dpl %u p %u db %u l %u g %u%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->s, s->dpl,
		s->present, s->db, s->l, s->g, s->unusable ? " unusable" : "");
}

static void bytes(FILE *f, struct vmm_vcpu *vc, const struct kvm_sregs *s, const char *what,
		  uint64_t la, size_t n)
{
	uint8_t buf[32];

	if (n > sizeof(buf))
		n = sizeof(buf);
	fprintf(f, "  %s at %#llx:", what, (unsigned long long)la);
	if (gview__read(vc->dom, s, la, buf, n)) {
		fprintf(f, " not mapped\n");
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %02x", buf[i]);
	fprintf(f, "\n");
}

void dump__vcpu(struct vmm_vcpu *vc, const char *why)
{
	const struct kvm_regs *r = &vc->run->s.regs.regs;
	const struct kvm_sregs *s = &vc->run->s.regs.sregs;
	const struct kvm_vcpu_events *ev = &vc->run->s.regs.events;
	bool long_mode = s->efer & X86_EFER_LMA;
	FILE *f = stderr;

	fflush(stdout);
	flockfile(f);
	fprintf(f, "fastabi: [%s] vCPU %u: %s\n", vc->dom->name, vc->id, why);
	fprintf(f, "  %s, CPL %u\n", mode_name(s), (s->cr0 & X86_CR0_PE) ? s->cs.selector & 3 : 0);
	fprintf(f, "  rip %016llx  rflags %016llx\n", (unsigned long long)r->rip,
		(unsigned long long)r->rflags);
	fprintf(f, "  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n",
		(unsigned long long)r->rax, (unsigned long long)r->rbx, (unsigned long long)r->rcx,
		(unsigned long long)r->rdx);
	fprintf(f, "  rsi %016llx  rdi %016llx  rbp %016llx  rsp %016llx\n",
		(unsigned long long)r->rsi, (unsigned long long)r->rdi, (unsigned long long)r->rbp,
		(unsigned long long)r->rsp);
	fprintf(f, "  r8  %016llx  r9  %016llx  r10 %016llx  r11 %016llx\n",
		(unsigned long long)r->r8, (unsigned long long)r->r9, (unsigned long long)r->r10,
		(unsigned long long)r->r11);
	fprintf(f, "  r12 %016llx  r13 %016llx  r14 %016llx  r15 %016llx\n",
		(unsigned long long)r->r12, (unsigned long long)r->r13, (unsigned long long)r->r14,
		(unsigned long long)r->r15);
	seg(f, "cs", &s->cs);
	seg(f, "ss", &s->ss);
	seg(f, "ds", &s->ds);
	seg(f, "es", &s->es);
	seg(f, "fs", &s->fs);
	seg(f, "gs", &s->gs);
	seg(f, "tr", &s->tr);
	fprintf(f, "  cr0 %016llx  cr2 %016llx  cr3 %016llx  cr4 %016llx\n",
		(unsigned long long)s->cr0, (unsigned long long)s->cr2, (unsigned long long)s->cr3,
		(unsigned long long)s->cr4);
	fprintf(f, "  efer %016llx  gdt %016llx/%04x  idt %016llx/%04x\n",
		(unsigned long long)s->efer, (unsigned long long)s->gdt.base, s->gdt.limit,
		(unsigned long long)s->idt.base, s->idt.limit);
	if (ev->exception.injected || ev->exception.pending)
		fprintf(f, "  exception in flight: vector %u%s, error code %#x\n", ev->exception.nr,
			ev->exception.has_error_code ? "" : " (no error code)",
			ev->exception.error_code);
	if (ev->interrupt.injected)
		fprintf(f, "  interrupt in flight: vector %u\n", ev->interrupt.nr);
	if (vc->dom->cfg.confidential) {
		fprintf(f, "  (guest memory not shown: confidential domain)\n");
	} else {
		uint64_t pc = long_mode && s->cs.l ? r->rip : s->cs.base + (r->rip & 0xffffffffull);
		uint64_t sp = long_mode && s->cs.l ? r->rsp : s->ss.base + (r->rsp & 0xffffffffull);
		bytes(f, vc, s, "code", pc, 16);
		bytes(f, vc, s, "stack", sp, 32);
	}
	fflush(f);
	funlockfile(f);
}
