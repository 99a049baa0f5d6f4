/*
 * xgetbv and xsetbv, as the CPU executes them (Intel SDM vol. 2, XGETBV and
 * XSETBV; AMD APM vol. 3 agrees):
 *
 *   either     CR4.OSXSAVE clear: #UD (a LOCK, 66, F2 or F3 prefix is #UD
 *              too: Zydis rejects those encodings, see decode.c)
 *   xgetbv     ECX = 0: XCR0; ECX = 1 (when CPUID.(0xD,1):EAX[2]): XCR0 &
 *              XINUSE, the components not in their initial state; any other
 *              ECX: #GP(0)
 *   xsetbv     CPL > 0 or ECX != 0: #GP(0); EDX:EAX with bit 0 clear, AVX
 *              without SSE, a bit the vCPU's CPUID leaf 0xD does not offer,
 *              AVX-512 state (bits 5-7) not all together or without AVX,
 *              AMX (17, 18) not together: #GP(0)
 *
 * XCR0 itself lives in KVM (KVM_GET_XCRS / KVM_SET_XCRS, through env).
 */
#include "insn.h"

bool insn_xcr__get(struct insn_ctx *x, uint64_t *xcr0)
{
	const struct insn_env *env = x->c->env;
	if (env->get_xcr0(env->ctx, xcr0))
		return insn__refuse(x, "cannot read the vCPU's XCR0");
	return true;
}

static bool valid_xcr0(uint64_t v, uint64_t supported)
{
	const uint64_t avx512_all = X86_XCR0_OPMASK | X86_XCR0_ZMM_HI256 | X86_XCR0_HI16_ZMM;
	const uint64_t amx_all = X86_XCR0_TILECFG | X86_XCR0_TILEDATA;

	if (!(v & X86_XCR0_X87) || (v & ~supported))
		return false;
	if ((v & X86_XCR0_AVX) && !(v & X86_XCR0_SSE))
		return false;
	uint64_t avx512 = v & avx512_all;
	if (avx512 && (avx512 != avx512_all || !(v & X86_XCR0_AVX)))
		return false;
	uint64_t amx = v & amx_all;
	if (amx && amx != amx_all)
		return false;
	return true;
}

enum insn_verdict insn_xcr__xgetbv(struct insn_ctx *x)
{
	struct insn_cpu *c = x->c;
	uint32_t ecx = (uint32_t)c->regs->rcx;
	uint64_t v;

	if (!(c->sregs->cr4 & X86_CR4_OSXSAVE)) {
		insn__raise(x->ev, X86_EXC_UD, false, 0);
		return INSN_FAULT;
	}
	if (ecx > 1 || (ecx == 1 && !c->env->xgetbv1)) {
		insn__raise(x->ev, X86_EXC_GP, true, 0);
		return INSN_FAULT;
	}
	if (!insn_xcr__get(x, &v))
		return INSN_REFUSED;
	if (ecx == 1) {
		/* XINUSE: the image's XSTATE_BV, saved by the kernel with the init optimization. */
		if (!c->xsave_valid) {
			if (c->env->get_xsave(c->env->ctx, c->xsave)) {
				insn__refuse(x, "cannot read the vCPU's XSAVE state");
				return INSN_REFUSED;
			}
			c->xsave_valid = true;
		}
		uint64_t bv;
		__builtin_memcpy(&bv, c->xsave + 512, 8);
		v &= bv;
	}
	/* Writes of 32-bit registers clear the upper halves in 64-bit mode. */
	c->regs->rax = (uint32_t)v;
	c->regs->rdx = (uint32_t)(v >> 32);
	c->regs->rflags &= ~X86_RFLAGS_RF;
	c->regs->rip = insn__next_rip(c, x->d);
	return INSN_DONE;
}

enum insn_verdict insn_xcr__xsetbv(struct insn_ctx *x)
{
	struct insn_cpu *c = x->c;
	uint64_t v = (uint32_t)c->regs->rax | (uint64_t)(uint32_t)c->regs->rdx << 32;

	if (!(c->sregs->cr4 & X86_CR4_OSXSAVE)) {
		insn__raise(x->ev, X86_EXC_UD, false, 0);
		return INSN_FAULT;
	}
	if ((c->sregs->cs.selector & 3) || (uint32_t)c->regs->rcx != 0 ||
	    !valid_xcr0(v, c->env->xcr0_supported)) {
		insn__raise(x->ev, X86_EXC_GP, true, 0);
		return INSN_FAULT;
	}
	if (c->env->set_xcr0(c->env->ctx, v)) {
		insn__refuse(x, "KVM refused XCR0 %#llx", (unsigned long long)v);
		return INSN_REFUSED;
	}
	c->regs->rflags &= ~X86_RFLAGS_RF;
	c->regs->rip = insn__next_rip(c, x->d);
	return INSN_DONE;
}
