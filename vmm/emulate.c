/*
 * Instructions KVM on these machines cannot emulate at CPL0 (docs/vmm.md,
 * "What it cannot do on these KVM machines"): the exit arrives as an
 * emulation failure with the instruction not executed.
 * The bytes are decoded with Zydis (insn/decode.c); this file completes the
 * control transfers itself:
 *
 *   int N, int3   at CPL0, in 64-bit mode (16-byte IDT gates, IST stacks)
 *   icebp, into   and in 32-bit protected mode (8-byte 32-bit gates, same
 *                 privilege level): push the frame, vector through the IDT.
 *                 icebp (f1) is INT1, a privileged software exception: #DB
 *                 with the next instruction's address, EXT set in the
 *                 error code of a delivery fault. into raises #OF only when
 *                 OF is set (it does not exist in 64-bit mode: #UD).
 *                 A gate beyond the IDT limit is #GP, a gate that is not
 *                 present #NP, a gate of another type #GP, each with the
 *                 error code vector * 8 + 2 (IDT) + EXT.
 *   iret          32-bit operand size in protected mode (not long mode), to
 *                 the same privilege level or outward (CPL3)
 *
 * and hands everything else to the instruction engine (insn/: SSE, AVX,
 * x87, MMX, xgetbv/xsetbv, VMX and SVM instructions as #UD). Anything
 * neither completes (task gates, 16-bit gates and stacks, vm86, LDT
 * selectors, faults while pushing or popping the frame, an instruction
 * class not allowed) is refused with a reason, and the VMM stops the
 * domain with a register dump (kvm_cpu.c). Memory goes through the guest's
 * page tables (gview.c), as the CPU's accesses would.
 */
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <fastabi/x86.h>

#include "vmm.h"
#include "insn/kvm_env.h"

/* What iret may change at CPL0: every defined flag but VM (vm86 is refused). */
#define IRET_FLAGS_MASK 0x3d7fd5ull

struct emu {
	struct vmm_vcpu *vc;
	struct kvm_regs *r;
	struct kvm_sregs *s;
	char *why;
	size_t whylen;
	struct insn_event ev; /* an exception raised while delivering */
};

/* An IDT delivery fault: the error code names the gate (IDT bit, EXT). */
static bool idt_fault(struct emu *e, uint8_t exc, unsigned vector, bool ext)
{
	insn__raise(&e->ev, exc, true, vector * 8u + X86_ERR_IDT + (ext ? X86_ERR_EXT : 0u));
	return true;
}

__attribute__((format(printf, 2, 3))) static bool refuse(struct emu *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->why, e->whylen, fmt, ap);
	va_end(ap);
	return false;
}

static unsigned cpl(const struct kvm_sregs *s)
{
	return (s->cr0 & X86_CR0_PE) ? s->cs.selector & 3 : 0;
}

/* A GDT descriptor (LDT selectors are refused) as a KVM segment. */
static bool descriptor(struct emu *e, uint16_t sel, struct kvm_segment *out)
{
	uint8_t b[8];

	if (sel & 4)
		return refuse(e, "selector %#x is in the LDT", sel);
	if ((sel & ~7u) == 0)
		return refuse(e, "null selector");
	if ((uint32_t)(sel & ~7u) + 7 > e->s->gdt.limit)
		return refuse(e, "selector %#x is beyond the GDT limit %#x", sel, e->s->gdt.limit);
	if (gview__read(e->vc->dom, e->s, e->s->gdt.base + (sel & ~7u), b, sizeof(b)))
		return refuse(e, "the GDT entry of selector %#x is not mapped", sel);
	uint32_t limit = b[0] | b[1] << 8 | (uint32_t)(b[6] & 0xf) << 16;
	bool g = b[6] >> 7;
	*out = (struct kvm_segment){
		.base = b[2] | b[3] << 8 | (uint32_t)b[4] << 16 | (uint32_t)b[7] << 24,
		.limit = g ? limit << 12 | 0xfff : limit,
		.selector = sel,
		/* The CPU sets the accessed bit as it loads the descriptor. */
		.type = (b[5] & 0xf) | X86_SEG_ACCESSED,
		.s = (b[5] >> 4) & 1,
		.dpl = (b[5] >> 5) & 3,
		.present = !!(b[5] & X86_DESC_P),
		.avl = (b[6] >> 4) & 1,
		.l = (b[6] >> 5) & 1,
		.db = (b[6] >> 6) & 1,
		.g = g,
	};
	if (!out->present)
		return refuse(e, "selector %#x is not present", sel);
	return true;
}

static bool code_segment(struct emu *e, uint16_t sel, unsigned want_dpl, struct kvm_segment *cs)
{
	if (!descriptor(e, sel, cs))
		return false;
	if (!cs->s || !(cs->type & X86_SEG_CODE))
		return refuse(e, "selector %#x is not a code segment", sel);
	bool conforming = cs->type & X86_SEG_CONFORMING;
	if (conforming ? cs->dpl > want_dpl : cs->dpl != want_dpl)
		return refuse(e, "code segment %#x has DPL %u, not %u", sel, cs->dpl, want_dpl);
	return true;
}

/* int N / int3 / int1 / into from CPL0: vector through the IDT without a privilege change. */
static bool deliver(struct emu *e, unsigned vector, uint64_t next_rip, bool ext)
{
	struct kvm_regs *r = e->r;
	struct kvm_sregs *s = e->s;
	struct vmm_domain *vd = e->vc->dom;
	bool lm = insn__long_mode(s);
	unsigned gsz = lm ? 16 : 8;
	uint8_t g[16];

	if ((uint32_t)vector * gsz + gsz - 1 > s->idt.limit) {
		if (s->idt.limit == 0 && s->idt.base == 0)
			return refuse(e, "vector %u is beyond the IDT limit 0 (no IDT)", vector);
		return idt_fault(e, X86_EXC_GP, vector, ext);
	}
	if (gview__read(vd, s, s->idt.base + (uint64_t)vector * gsz, g, gsz))
		return refuse(e, "the IDT entry of vector %u is not mapped", vector);
	unsigned type = g[5] & 0xf, dpl = (g[5] >> 5) & 3;
	if (type == X86_DESC_TASK_GATE && !lm)
		return refuse(e, "the IDT gate of vector %u is a task gate (task switches are not "
			      "emulated)", vector);
	if (!lm && (type == X86_DESC_INTR_GATE16 || type == X86_DESC_TRAP_GATE16))
		return refuse(e, "the IDT gate of vector %u is a 16-bit gate", vector);
	if (type != X86_DESC_INTR_GATE && type != X86_DESC_TRAP_GATE)
		return idt_fault(e, X86_EXC_GP, vector, ext);
	if (!(g[5] & X86_DESC_P))
		return idt_fault(e, X86_EXC_NP, vector, ext);
	if (!ext && dpl < cpl(s))
		return idt_fault(e, X86_EXC_GP, vector, false);
	uint16_t sel = g[2] | g[3] << 8;
	uint64_t target = g[0] | g[1] << 8 | (uint32_t)g[6] << 16 | (uint32_t)g[7] << 24;
	if (lm)
		target |= (uint64_t)(g[8] | g[9] << 8 | g[10] << 16 | (uint32_t)g[11] << 24) << 32;

	struct kvm_segment cs;
	if (!code_segment(e, sel, 0, &cs))
		return false;
	if (lm != (bool)cs.l || (!lm && !cs.db))
		return refuse(e, "the handler's code segment %#x is not %s code", sel,
			      lm ? "64-bit" : "32-bit");

	uint64_t rflags = r->rflags;
	uint64_t sp;
	if (lm) {
		unsigned ist = g[4] & 7;
		uint64_t rsp = r->rsp;
		if (ist) {
			if (gview__read(vd, s, s->tr.base + 0x24 + (ist - 1) * 8, &rsp, 8))
				return refuse(e, "IST%u of the TSS is not mapped", ist);
		}
		sp = (rsp & ~0xfull) - 40;
		uint64_t frame[5] = { next_rip, s->cs.selector, rflags, r->rsp, s->ss.selector };
		if (gview__write(vd, s, sp, frame, sizeof(frame)))
			return refuse(e, "the interrupt frame at %#llx is not writable",
				      (unsigned long long)sp);
		r->rsp = sp;
		r->rflags &= ~(X86_RFLAGS_TF | X86_RFLAGS_NT | X86_RFLAGS_RF | X86_RFLAGS_VM);
	} else {
		if (!s->ss.db)
			return refuse(e, "a 16-bit stack segment");
		uint32_t esp = (uint32_t)r->rsp - 12;
		uint32_t frame[3] = { (uint32_t)next_rip, s->cs.selector, (uint32_t)rflags };
		if (gview__write(vd, s, s->ss.base + esp, frame, sizeof(frame)))
			return refuse(e, "the interrupt frame at %#x is not writable", esp);
		r->rsp = (r->rsp & ~0xffffffffull) | esp;
		r->rflags &= ~(X86_RFLAGS_TF | X86_RFLAGS_NT | X86_RFLAGS_RF | X86_RFLAGS_VM);
	}
	if (type == X86_DESC_INTR_GATE)
		r->rflags &= ~X86_RFLAGS_IF;
	r->rip = target;
	s->cs = cs;
	return true;
}

/* 32-bit iret in protected mode, to CPL0 or outward. */
static bool iret32(struct emu *e)
{
	struct kvm_regs *r = e->r;
	struct kvm_sregs *s = e->s;
	struct vmm_domain *vd = e->vc->dom;
	uint32_t f[5];

	if (r->rflags & X86_RFLAGS_NT)
		return refuse(e, "iret with NT set (a task return)");
	if (!s->ss.db)
		return refuse(e, "iret on a 16-bit stack segment");
	uint32_t esp = (uint32_t)r->rsp;
	if (gview__read(vd, s, s->ss.base + esp, f, 12))
		return refuse(e, "the iret frame at %#x is not mapped", esp);
	uint32_t eip = f[0], eflags = f[2];
	uint16_t sel = (uint16_t)f[1];
	unsigned rpl = sel & 3;
	if (eflags & X86_RFLAGS_VM)
		return refuse(e, "iret to virtual-8086 mode");
	if (rpl < cpl(s))
		return refuse(e, "iret to a more privileged level (RPL %u)", rpl);

	struct kvm_segment cs, ss = s->ss;
	if (!code_segment(e, sel, rpl, &cs))
		return false;
	if (!cs.db)
		return refuse(e, "iret to 16-bit code");
	if (rpl != cpl(s)) {
		if (gview__read(vd, s, s->ss.base + esp + 12, &f[3], 8))
			return refuse(e, "the outer part of the iret frame is not mapped");
		uint16_t ssel = (uint16_t)f[4];
		if ((ssel & 3) != rpl || !descriptor(e, ssel, &ss))
			return e->why[0] ? false : refuse(e, "bad stack selector %#x", ssel);
		if (!ss.s || (ss.type & X86_SEG_CODE) || !(ss.type & X86_SEG_WRITABLE) ||
		    ss.dpl != rpl)
			return refuse(e, "selector %#x is not a writable data segment of DPL %u",
				      ssel, rpl);
		esp = f[3];
		/* Data segments the outer level may not use become null. */
		struct kvm_segment *data[] = { &s->ds, &s->es, &s->fs, &s->gs };
		for (unsigned i = 0; i < 4; i++) {
			const unsigned cc = X86_SEG_CODE | X86_SEG_CONFORMING;
			bool conforming_code = (data[i]->type & cc) == cc;
			if (!data[i]->unusable && data[i]->dpl < rpl && !conforming_code)
				*data[i] = (struct kvm_segment){ .unusable = 1 };
		}
	} else {
		esp += 12;
	}
	r->rip = eip;
	r->rsp = (r->rsp & ~0xffffffffull) | esp;
	r->rflags = (eflags & IRET_FLAGS_MASK) | X86_RFLAGS_FIXED;
	s->cs = cs;
	s->ss = ss;
	return true;
}

bool emulate__insn(struct vmm_vcpu *vc, const uint8_t *insn, unsigned len, char *why,
		   size_t whylen)
{
	struct emu e = { .vc = vc, .r = &vc->run->s.regs.regs, .s = &vc->run->s.regs.sregs,
			 .why = why, .whylen = whylen };
	struct insn_decoded d;
	bool lm = insn__long_mode(e.s);
	enum insn_class cls = INSN_CLASS_INT;
	bool ok;

	why[0] = '\0';
	if (!(e.s->cr0 & X86_CR0_PE))
		return refuse(&e, "real mode");
	if (cpl(e.s) != 0)
		return refuse(&e, "CPL %u (only CPL0 is emulated)", cpl(e.s));
	int dr = insn__decode(e.s, insn, len, &d, why, whylen);
	if (dr < 0)
		return false;
	if (dr > 0) {
		/* An encoding the CPU rejects (LOCK where none may be, prefixes before VEX). */
		insn__raise(&e.ev, X86_EXC_UD, false, 0);
		insn_kvm__inject(vc, &e.ev);
		insn_kvm__count(vc, INSN_CLASS_EXCEPTION);
		return true;
	}
	uint64_t next = e.r->rip + d.i.length;
	switch (d.i.mnemonic) {
	case ZYDIS_MNEMONIC_INT:
		ok = deliver(&e, (unsigned)d.op[0].imm.value.u & 0xff, next, false);
		break;
	case ZYDIS_MNEMONIC_INT3:
		ok = deliver(&e, 3, next, false);
		break;
	case ZYDIS_MNEMONIC_INT1:
		ok = deliver(&e, 1, next, true);
		break;
	case ZYDIS_MNEMONIC_INTO:
		if (!(e.r->rflags & X86_RFLAGS_OF)) {
			e.r->rip = next;
			ok = true;
			break;
		}
		ok = deliver(&e, 4, next, false);
		break;
	case ZYDIS_MNEMONIC_IRETD:
		cls = INSN_CLASS_IRET;
		ok = iret32(&e);
		break;
	case ZYDIS_MNEMONIC_IRET:
		return refuse(&e, "16-bit iret");
	case ZYDIS_MNEMONIC_IRETQ:
		return refuse(&e, "iret in 64-bit mode (KVM emulates iretq itself)");
	default:
		return insn_kvm__execute(vc, &d, why, whylen);
	}
	if (ok && e.ev.pending) {
		/* A delivery fault: the instruction did not execute. */
		insn_kvm__inject(vc, &e.ev);
		insn_kvm__count(vc, INSN_CLASS_EXCEPTION);
		return true;
	}
	if (ok) {
		if (!lm)
			e.r->rip &= 0xffffffffull;
		vc->dirty |= KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
		insn_kvm__count(vc, cls);
	}
	return ok;
}
