/*
 * The memory operand of an instruction the VMM completes: its effective
 * address from the guest's registers (base + index * scale + displacement,
 * RIP-relative from the next instruction, truncated to the address size),
 * the linear address through the segment (FS/GS bases in 64-bit mode;
 * base and limit in 32-bit protected mode), and the checks the CPU makes
 * before paging: a non-canonical address is #GP(0), or #SS(0) for a stack
 * reference; a 32-bit offset past the segment limit likewise.
 */
#include "insn.h"
#include "pagewalk.h"

static const struct kvm_segment *segment(const struct kvm_sregs *s, ZydisRegister seg)
{
	switch (seg) {
	case ZYDIS_REGISTER_ES: return &s->es;
	case ZYDIS_REGISTER_CS: return &s->cs;
	case ZYDIS_REGISTER_SS: return &s->ss;
	case ZYDIS_REGISTER_FS: return &s->fs;
	case ZYDIS_REGISTER_GS: return &s->gs;
	default: return &s->ds;
	}
}

static uint64_t reg_value(const struct insn_cpu *c, ZydisRegister reg, ZydisMachineMode mode)
{
	int f = insn__gpr_family(reg);
	uint64_t v = insn__gpr(c->regs, (unsigned)f);
	unsigned w = ZydisRegisterGetWidth(mode, reg);
	return w >= 64 ? v : v & ((1ull << w) - 1);
}

bool insn_mem__locate(struct insn_ctx *x, struct insn_memop *m)
{
	const struct insn_decoded *d = x->d;
	const struct kvm_sregs *s = x->c->sregs;
	bool lm = d->mode == ZYDIS_MACHINE_MODE_LONG_64;

	*m = (struct insn_memop){ 0 };
	for (unsigned i = 0; i < d->i.operand_count; i++) {
		const ZydisDecodedOperand *op = &d->op[i];
		if (op->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		if (op->mem.type != ZYDIS_MEMOP_TYPE_MEM)
			return insn__refuse(x, "a %s memory operand", op->mem.type ==
					    ZYDIS_MEMOP_TYPE_VSIB ? "vector-indexed (gather)" :
					    "non-data");
		if (op->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
			return insn__refuse(x, "an implicit memory operand");
		if (m->op)
			return insn__refuse(x, "two memory operands");
		m->op = op;
		m->index = i;
	}
	if (!m->op)
		return true;

	const ZydisDecodedOperand *op = m->op;
	uint64_t ea = 0;
	unsigned aw = d->i.address_width;
	if (op->mem.base == ZYDIS_REGISTER_RIP || op->mem.base == ZYDIS_REGISTER_EIP)
		ea = insn__next_rip(x->c, d);
	else if (op->mem.base != ZYDIS_REGISTER_NONE)
		ea = reg_value(x->c, op->mem.base, d->mode);
	if (op->mem.index != ZYDIS_REGISTER_NONE)
		ea += reg_value(x->c, op->mem.index, d->mode) * op->mem.scale;
	if (op->mem.disp.has_displacement)
		ea += (uint64_t)op->mem.disp.value;
	if (aw < 64)
		ea &= (1ull << aw) - 1;

	m->size = op->size / 8;
	m->read = op->actions & ZYDIS_OPERAND_ACTION_MASK_READ;
	m->write = op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE;
	m->ea = ea;
	if (m->size == 0 || m->size > 64)
		return insn__refuse(x, "a memory operand of %u bits", (unsigned)op->size);

	bool stack = op->mem.segment == ZYDIS_REGISTER_SS;
	uint8_t vec = stack ? X86_EXC_SS : X86_EXC_GP;
	const struct kvm_segment *seg = segment(s, op->mem.segment);
	if (lm) {
		uint64_t base = (op->mem.segment == ZYDIS_REGISTER_FS ||
				 op->mem.segment == ZYDIS_REGISTER_GS) ? seg->base : 0;
		m->la = base + ea;
		if (!pagewalk__canonical(m->la, s->cr4) ||
		    !pagewalk__canonical(m->la + m->size - 1, s->cr4)) {
			insn__raise(x->ev, vec, true, 0);
			return false;
		}
		return true;
	}
	/* Protected mode: a usable data segment (or readable code), within its limit. */
	if (seg->unusable || !seg->present) {
		insn__raise(x->ev, vec, true, 0);
		return false;
	}
	bool code = seg->type & X86_SEG_CODE;
	if (code && (m->write || !(seg->type & X86_SEG_READABLE))) {
		insn__raise(x->ev, vec, true, 0);
		return false;
	}
	if (!code && m->write && !(seg->type & X86_SEG_WRITABLE)) {
		insn__raise(x->ev, vec, true, 0);
		return false;
	}
	if (!code && (seg->type & X86_SEG_EXPAND_DOWN))
		return insn__refuse(x, "an expand-down data segment");
	if (ea + m->size - 1 > seg->limit) {
		insn__raise(x->ev, vec, true, 0);
		return false;
	}
	m->la = (seg->base + ea) & 0xffffffffull;
	return true;
}
