/*
 * Which instructions the VMM completes, and the exceptions the architecture
 * raises before one executes (Intel SDM vol. 2, "Exception Conditions" of
 * each class; AMD APM vol. 3 agrees):
 *
 *   x87         CR0.EM or CR0.TS: #NM (fwait/wait: only CR0.MP and CR0.TS)
 *   MMX         CR0.EM: #UD; CR0.TS: #NM
 *   legacy SSE  CR0.EM or CR4.OSFXSR clear: #UD; CR0.TS: #NM
 *   VEX         CR4.OSXSAVE clear or XCR0 without SSE and AVX: #UD; CR0.TS: #NM
 *   VMX, SVM    #UD: the guest has no VMX (CPUID.1:ECX.VMX clear) and
 *               EFER.SVME clear (vmcall, vmmcall are not ours: KVM raises
 *               their #UD itself)
 *   xgetbv, xsetbv   xcr.c
 *
 * The allow-list is by Zydis ISA set; every other instruction is refused
 * and stops the domain with the reason, as before.
 */
#include <stdarg.h>
#include <stdio.h>

#include "insn.h"

#define XCR0_SSE_AVX (X86_XCR0_SSE | X86_XCR0_AVX)

const char *const insn_class_name[INSN_CLASSES] = {
	[INSN_CLASS_INT] = "int",  [INSN_CLASS_IRET] = "iret", [INSN_CLASS_X87] = "x87",
	[INSN_CLASS_MMX] = "mmx",  [INSN_CLASS_SSE] = "sse",   [INSN_CLASS_AVX] = "avx",
	[INSN_CLASS_XCR] = "xcr",  [INSN_CLASS_VMX] = "vmx-ud",
	[INSN_CLASS_EXCEPTION] = "exception",
};

bool insn__refuse(struct insn_ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->why, x->whylen, fmt, ap);
	va_end(ap);
	return false;
}

void insn__raise(struct insn_event *ev, uint8_t vector, bool has_error, uint32_t error_code)
{
	*ev = (struct insn_event){ .pending = true, .vector = vector, .has_error = has_error,
				   .error_code = error_code };
}

uint64_t insn__next_rip(const struct insn_cpu *c, const struct insn_decoded *d)
{
	uint64_t rip = c->regs->rip + d->i.length;
	return insn__long_mode(c->sregs) ? rip : rip & 0xffffffffull;
}

int insn__gpr_family(ZydisRegister reg)
{
	ZydisRegisterClass cls = ZydisRegisterGetClass(reg);
	if (cls != ZYDIS_REGCLASS_GPR8 && cls != ZYDIS_REGCLASS_GPR16 &&
	    cls != ZYDIS_REGCLASS_GPR32 && cls != ZYDIS_REGCLASS_GPR64)
		return -1;
	ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);
	return ZydisRegisterGetId(big);
}

/* kvm_regs in the CPU's register numbering (rax rcx rdx rbx rsp rbp rsi rdi r8..r15). */
static __u64 *gpr_slot(struct kvm_regs *r, unsigned f)
{
	__u64 *const map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
				 &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
				 &r->r12, &r->r13, &r->r14, &r->r15 };
	return map[f & 15];
}

uint64_t insn__gpr(const struct kvm_regs *r, unsigned family)
{
	return *gpr_slot((struct kvm_regs *)r, family);
}

void insn__set_gpr(struct kvm_regs *r, unsigned family, uint64_t v)
{
	*gpr_slot(r, family) = v;
}

enum kind { K_NONE, K_X87, K_MMX, K_SSE, K_VEX, K_VMX, K_SVM };

static bool isa_in(ZydisISASet s, const ZydisISASet *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == s)
			return true;
	return false;
}

static bool uses_reg_class(const struct insn_decoded *d, ZydisRegisterClass cls)
{
	for (unsigned i = 0; i < d->i.operand_count; i++)
		if (d->op[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    ZydisRegisterGetClass(d->op[i].reg.value) == cls)
			return true;
	return false;
}

static enum kind classify(const struct insn_decoded *d)
{
	static const ZydisISASet x87[] = { ZYDIS_ISA_SET_X87, ZYDIS_ISA_SET_FCMOV,
					   ZYDIS_ISA_SET_SSE3X87 };
	static const ZydisISASet sse[] = {
		ZYDIS_ISA_SET_SSE,   ZYDIS_ISA_SET_SSE2,  ZYDIS_ISA_SET_SSE3,
		ZYDIS_ISA_SET_SSSE3, ZYDIS_ISA_SET_SSE4,  ZYDIS_ISA_SET_SSE42,
		ZYDIS_ISA_SET_SSE4A, ZYDIS_ISA_SET_SSEMXCSR, ZYDIS_ISA_SET_SSE2MMX,
		ZYDIS_ISA_SET_SSSE3MMX, ZYDIS_ISA_SET_PENTIUMMMX,
	};
	static const ZydisISASet vex[] = { ZYDIS_ISA_SET_AVX, ZYDIS_ISA_SET_AVX2,
					   ZYDIS_ISA_SET_F16C, ZYDIS_ISA_SET_FMA };
	ZydisISASet s = d->i.meta.isa_set;
	ZydisMnemonic m = d->i.mnemonic;

	if (m == ZYDIS_MNEMONIC_FWAIT)
		return K_X87;
	if (s == ZYDIS_ISA_SET_VTX || s == ZYDIS_ISA_SET_VMFUNC)
		return m == ZYDIS_MNEMONIC_VMCALL ? K_NONE : K_VMX;
	if (s == ZYDIS_ISA_SET_SVM)
		return m == ZYDIS_MNEMONIC_VMMCALL ? K_NONE : K_SVM;
	if (isa_in(s, x87, sizeof(x87) / sizeof(x87[0])))
		return K_X87;
	if (d->i.encoding == ZYDIS_INSTRUCTION_ENCODING_VEX &&
	    isa_in(s, vex, sizeof(vex) / sizeof(vex[0])))
		return K_VEX;
	if (d->i.encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY &&
	    isa_in(s, sse, sizeof(sse) / sizeof(sse[0]))) {
		if (uses_reg_class(d, ZYDIS_REGCLASS_MMX))
			return K_MMX;
		/* The data instructions: an XMM register or MXCSR. Fences, prefetches,
		 * movnti, clflush are SSE by ISA but touch no SIMD state. */
		if (uses_reg_class(d, ZYDIS_REGCLASS_XMM))
			return K_SSE;
		for (unsigned i = 0; i < d->i.operand_count; i++)
			if (d->op[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			    d->op[i].reg.value == ZYDIS_REGISTER_MXCSR)
				return K_SSE;
		/* Conversions from a memory operand to a general register. */
		switch (d->i.mnemonic) {
		case ZYDIS_MNEMONIC_CVTSD2SI:
		case ZYDIS_MNEMONIC_CVTTSD2SI:
		case ZYDIS_MNEMONIC_CVTSS2SI:
		case ZYDIS_MNEMONIC_CVTTSS2SI:
			return K_SSE;
		default:
			break;
		}
	}
	return K_NONE;
}

static const char *refused_mnemonic(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_FNSTENV:
	case ZYDIS_MNEMONIC_FLDENV:
	case ZYDIS_MNEMONIC_FNSAVE:
	case ZYDIS_MNEMONIC_FRSTOR:
		return "x87 environment save/restore (it would expose the VMM's instruction and data "
		       "pointers)";
	case ZYDIS_MNEMONIC_MASKMOVQ:
	case ZYDIS_MNEMONIC_MASKMOVDQU:
	case ZYDIS_MNEMONIC_VMASKMOVDQU:
	case ZYDIS_MNEMONIC_VMASKMOVPS:
	case ZYDIS_MNEMONIC_VMASKMOVPD:
	case ZYDIS_MNEMONIC_VPMASKMOVD:
	case ZYDIS_MNEMONIC_VPMASKMOVQ:
		return "masked moves (per-element fault suppression is not emulated)";
	default:
		return NULL;
	}
}

/*
 * The device-not-available checks of MMX, SSE and AVX, in the CPU's order:
 * #UD if the instruction is unavailable (ud), else #NM if CR0.TS is set.
 * True if an exception was raised.
 */
static bool simd_unavailable(struct insn_event *ev, const struct kvm_sregs *s, bool ud)
{
	if (ud || (s->cr0 & X86_CR0_TS)) {
		insn__raise(ev, ud ? X86_EXC_UD : X86_EXC_NM, false, 0);
		return true;
	}
	return false;
}

enum insn_verdict insn__execute(struct insn_cpu *c, const struct insn_decoded *d,
				struct insn_event *ev, enum insn_class *cls, char *why,
				size_t whylen)
{
	struct insn_ctx x = { .c = c, .d = d, .ev = ev, .why = why, .whylen = whylen };
	const struct kvm_sregs *s = c->sregs;
	ZydisMnemonic m = d->i.mnemonic;
	uint64_t xcr0;

	ev->pending = false;
	why[0] = '\0';
	/* A single-step trap after the instruction would need DR6.BS, which lives outside sync regs. */
	if (c->regs->rflags & X86_RFLAGS_TF) {
		insn__refuse(&x, "%s with EFLAGS.TF set (single-stepping a completed instruction is not "
			     "emulated)", ZydisMnemonicGetString(m));
		return INSN_REFUSED;
	}
	if (m == ZYDIS_MNEMONIC_XGETBV || m == ZYDIS_MNEMONIC_XSETBV) {
		*cls = INSN_CLASS_XCR;
		return m == ZYDIS_MNEMONIC_XGETBV ? insn_xcr__xgetbv(&x) : insn_xcr__xsetbv(&x);
	}
	enum kind k = classify(d);
	const char *no = refused_mnemonic(m);
	if (no) {
		insn__refuse(&x, "%s: %s", ZydisMnemonicGetString(m), no);
		return INSN_REFUSED;
	}
	switch (k) {
	case K_NONE:
		insn__refuse(&x, "%s (ISA set %s) is not an instruction class the VMM completes",
			     ZydisMnemonicGetString(m), ZydisISASetGetString(d->i.meta.isa_set));
		return INSN_REFUSED;
	case K_VMX:
		*cls = INSN_CLASS_VMX;
		insn__raise(ev, X86_EXC_UD, false, 0);
		return INSN_FAULT;
	case K_SVM:
		*cls = INSN_CLASS_VMX;
		if (s->efer & X86_EFER_SVME) {
			insn__refuse(&x, "%s with EFER.SVME set: nested SVM is not offered",
				     ZydisMnemonicGetString(m));
			return INSN_REFUSED;
		}
		insn__raise(ev, X86_EXC_UD, false, 0);
		return INSN_FAULT;
	case K_X87:
		*cls = INSN_CLASS_X87;
		if (m == ZYDIS_MNEMONIC_FWAIT
			    ? (s->cr0 & (X86_CR0_MP | X86_CR0_TS)) == (X86_CR0_MP | X86_CR0_TS)
			    : (s->cr0 & (X86_CR0_EM | X86_CR0_TS)) != 0) {
			insn__raise(ev, X86_EXC_NM, false, 0);
			return INSN_FAULT;
		}
		break;
	case K_MMX:
		*cls = INSN_CLASS_MMX;
		if (simd_unavailable(ev, s, s->cr0 & X86_CR0_EM))
			return INSN_FAULT;
		break;
	case K_SSE:
		*cls = INSN_CLASS_SSE;
		if (simd_unavailable(ev, s, (s->cr0 & X86_CR0_EM) || !(s->cr4 & X86_CR4_OSFXSR)))
			return INSN_FAULT;
		break;
	case K_VEX:
		*cls = INSN_CLASS_AVX;
		if (!(s->cr4 & X86_CR4_OSXSAVE)) {
			insn__raise(ev, X86_EXC_UD, false, 0);
			return INSN_FAULT;
		}
		if (!insn_xcr__get(&x, &xcr0))
			return INSN_REFUSED;
		if (simd_unavailable(ev, s, (xcr0 & XCR0_SSE_AVX) != XCR0_SSE_AVX))
			return INSN_FAULT;
		break;
	}

	struct insn_memop mem;
	if (!insn_mem__locate(&x, &mem))
		return ev->pending ? INSN_FAULT : INSN_REFUSED;
	return insn_simd__run(&x, &mem);
}
