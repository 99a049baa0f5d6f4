/*
 * The SSE, AVX and x87 operations of the insn-simd and insn-simd32 guests
 * (guest/tests/common/: shared by several programs), and of the
 * host program (insn-simd/expect.c) that runs the very same instructions at build
 * time and writes the results the guest must reproduce (insn_simd_expect.h).
 *
 * Each case writes its results to out (at most 32 bytes, zeroed before).
 * Memory operands appear at every addressing form: absolute disp32 (ABS:
 * RIP-relative on the host, whose executable is position-independent; the
 * operation and the data are the same), RIP-relative, base,
 * base + index * scale + displacement, and register to register.
 *
 * The guest is built with -mno-sse: it cannot name xmm registers as
 * clobbers, and has no SIMD code of its own that they could break. The
 * host generator declares them (CLOBBER_SIMD).
 */
#ifndef INSN_SIMD_CASES_H
#define INSN_SIMD_CASES_H

#include <stdint.h>

#ifdef INSN_SIMD_HOST
#define ABS(sym) #sym "(%%rip)"
#define CLOBBER_SIMD , "xmm0", "xmm1", "xmm2", "xmm3"
#else
#define ABS(sym) #sym
#define CLOBBER_SIMD
#endif

/* Inputs (bit patterns: the guest is compiled without floating point). */
uint32_t ci_fa[8] __attribute__((aligned(32))) = { /* 1.5 -2.25 3 0.1 7.75 -0.5 1e10 3.3 */
	0x3fc00000, 0xc0100000, 0x40400000, 0x3dcccccd, 0x40f80000, 0xbf000000, 0x501502f9,
	0x40533333 };
uint32_t ci_fb[8] __attribute__((aligned(32))) = { /* 0.3 4 -1.1 9.5 2.5 1e-3 -6 0.7 */
	0x3e99999a, 0x40800000, 0xbf8ccccd, 0x41180000, 0x40200000, 0x3a83126f, 0xc0c00000,
	0x3f333333 };
uint64_t ci_da[4] __attribute__((aligned(32))) = { /* 2.5 -1/3 1e300 0.7 */
	0x4004000000000000ull, 0xbfd5555555555555ull, 0x7e37e43c8800759cull, 0x3fe6666666666666ull };
uint64_t ci_db[4] __attribute__((aligned(32))) = { /* 3 7.1 -2 1e-5 */
	0x4008000000000000ull, 0x401c666666666666ull, 0xc000000000000000ull, 0x3ee4f8b588e368f1ull };
/* 2.5, -2.5 (round differently in each mode), 1.0, 2^-60 (inexact when added to 1) */
uint64_t ci_half[2] = { 0x4004000000000000ull, 0xc004000000000000ull };
uint64_t ci_one = 0x3ff0000000000000ull, ci_tiny = 0x3c30000000000000ull;
uint32_t ci_one_f = 0x3f800000, ci_zero_f = 0, ci_three_f = 0x40400000;
int64_t ci_int = -123456789012345ll;
/* MXCSR: every exception masked, rounding to nearest (the reset value), down, up, zero. */
uint32_t ci_mx[4] = { 0x1f80, 0x3f80, 0x5f80, 0x7f80 };
uint32_t ci_mxdef = 0x1f80;
uint16_t ci_cw53 = 0x27f; /* x87: 53-bit precision, exceptions masked */
uint8_t ci_scratch[64] __attribute__((aligned(32)));

#ifdef __x86_64__
#define LOAD_FA "movups " ABS(ci_fa) ", %%xmm0\n\t"
#define STORE0 "movups %%xmm0, (%%rdi)\n\t"

#define C(name) static void c_##name(uint8_t *out)
#define ASM(body, ...) __asm__ __volatile__(body : : "D"(out), ##__VA_ARGS__ : "rax", "rcx", "cc", "memory" CLOBBER_SIMD)

C(mulps_reg) { ASM(LOAD_FA "movups ci_fb(%%rip), %%xmm1\n\tmulps %%xmm1, %%xmm0\n\t" STORE0); }
C(mulps_base) { ASM(LOAD_FA "mulps (%%rsi), %%xmm0\n\t" STORE0, "S"(ci_fb)); }
C(mulps_sib) { ASM(LOAD_FA "mov $2, %%rcx\n\tmulps 24(%%rsi,%%rcx,4), %%xmm0\n\t" STORE0,
		   "S"((uintptr_t)ci_fb - 32)); }
C(mulps_rip) { ASM(LOAD_FA "mulps ci_fb(%%rip), %%xmm0\n\t" STORE0); }
C(mulps_abs) { ASM(LOAD_FA "mulps " ABS(ci_fb) ", %%xmm0\n\t" STORE0); }
C(addps_m) { ASM(LOAD_FA "addps ci_fb+16(%%rip), %%xmm0\n\t" STORE0); }
C(divps_m) { ASM(LOAD_FA "divps (%%rsi), %%xmm0\n\t" STORE0, "S"(ci_fb)); }
C(sqrtps_m) { ASM("sqrtps ci_fb+16(%%rip), %%xmm0\n\t" STORE0); }
C(addss_m) { ASM(LOAD_FA "addss ci_fb+4(%%rip), %%xmm0\n\t" STORE0); }
C(mulss_m) { ASM(LOAD_FA "mulss " ABS(ci_fb+8) ", %%xmm0\n\t" STORE0); }
C(divss_m) { ASM(LOAD_FA "divss 12(%%rsi), %%xmm0\n\t" STORE0, "S"(ci_fb)); }
C(sqrtss_m) { ASM(LOAD_FA "sqrtss ci_fb+12(%%rip), %%xmm0\n\t" STORE0); }
C(movss_load) { ASM(LOAD_FA "movss ci_fb+20(%%rip), %%xmm0\n\t" STORE0); }
C(addsd_m) { ASM("movupd ci_da(%%rip), %%xmm0\n\taddsd ci_db(%%rip), %%xmm0\n\t" STORE0); }
C(mulsd_m) { ASM("movupd ci_da+8(%%rip), %%xmm0\n\tmulsd " ABS(ci_db+8) ", %%xmm0\n\t" STORE0); }
C(divsd_m) { ASM("movupd ci_da(%%rip), %%xmm0\n\tmov $1, %%rcx\n\tdivsd 0(%%rsi,%%rcx,8), %%xmm0\n\t"
		 STORE0, "S"(ci_db)); }
C(sqrtsd_m) { ASM("movupd ci_da(%%rip), %%xmm0\n\tsqrtsd ci_db+8(%%rip), %%xmm0\n\t" STORE0); }
C(cvtsi2sd) { ASM("xorps %%xmm0, %%xmm0\n\tmov ci_int(%%rip), %%rax\n\tcvtsi2sd %%rax, %%xmm0\n\t" STORE0); }
C(cvtsi2sd_m) { ASM("xorps %%xmm0, %%xmm0\n\tcvtsi2sdl ci_fa(%%rip), %%xmm0\n\t" STORE0); }
C(cvttsd2si) { ASM("cvttsd2si ci_da+8(%%rip), %%rax\n\tmov %%rax, (%%rdi)\n\t"
		   "cvttsd2si ci_half+8(%%rip), %%rcx\n\tmov %%rcx, 8(%%rdi)\n\t"); }
C(cvtps2pd) { ASM("cvtps2pd ci_fa+8(%%rip), %%xmm0\n\t" STORE0); }
C(cvtsd2ss) { ASM(LOAD_FA "cvtsd2ss ci_da+8(%%rip), %%xmm0\n\t" STORE0); }
C(ucomiss_m) { ASM("movss ci_fa(%%rip), %%xmm0\n\tucomiss ci_fb(%%rip), %%xmm0\n\t"
		   "pushfq\n\tpop %%rax\n\tand $0x8d5, %%rax\n\tmov %%rax, (%%rdi)\n\t"
		   "ucomiss ci_fa+8(%%rip), %%xmm0\n\tpushfq\n\tpop %%rax\n\tand $0x8d5, %%rax\n\t"
		   "mov %%rax, 8(%%rdi)\n\t"); }
C(comisd_m) { ASM("movsd ci_da(%%rip), %%xmm0\n\tcomisd (%%rsi), %%xmm0\n\t"
		  "pushfq\n\tpop %%rax\n\tand $0x8d5, %%rax\n\tmov %%rax, (%%rdi)\n\t"
		  "comisd " ABS(ci_da) ", %%xmm0\n\tpushfq\n\tpop %%rax\n\tand $0x8d5, %%rax\n\t"
		  "mov %%rax, 8(%%rdi)\n\t", "S"(ci_db)); }
C(cmpps_m) { ASM(LOAD_FA "cmpps $1, ci_fb(%%rip), %%xmm0\n\t" STORE0); }
C(shufps_m) { ASM(LOAD_FA "shufps $0x1b, ci_fb(%%rip), %%xmm0\n\t" STORE0); }
C(unpcklps_m) { ASM(LOAD_FA "unpcklps (%%rsi), %%xmm0\n\t" STORE0, "S"(ci_fb)); }
C(pshufd_m) { ASM("pshufd $0x4e, " ABS(ci_fb) ", %%xmm0\n\t" STORE0); }
C(movss_store) { ASM(LOAD_FA "movss %%xmm0, (%%rdi)\n\tmovss %%xmm0, 8(%%rdi)\n\t"); }
C(movsd_store_sib) { ASM("movupd ci_da(%%rip), %%xmm0\n\tmov $1, %%rcx\n\t"
			 "movsd %%xmm0, 0(%%rdi,%%rcx,8)\n\t"); }
C(movups_store_rip) { ASM(LOAD_FA "movups %%xmm0, ci_scratch(%%rip)\n\t"
			  "movss %%xmm0, " ABS(ci_scratch+16) "\n\t"
			  "movups ci_scratch(%%rip), %%xmm1\n\tmovups %%xmm1, (%%rdi)\n\t"
			  "mov ci_scratch+16(%%rip), %%eax\n\tmov %%eax, 16(%%rdi)\n\t"); }
C(stmxcsr_abs) { ASM("stmxcsr " ABS(ci_scratch) "\n\tmov ci_scratch(%%rip), %%eax\n\t"
		     "mov %%eax, (%%rdi)\n\t"); }
/* Rounding: 2.5 and -2.5 to integers, 1 + 2^-60; MXCSR loaded from memory. */
#define ROUND(mx) mx "\n\tcvtsd2si ci_half(%%rip), %%rax\n\tmov %%rax, (%%rdi)\n\t"       \
		  "cvtsd2si ci_half+8(%%rip), %%rax\n\tmov %%rax, 8(%%rdi)\n\t"                \
		  "movsd ci_one(%%rip), %%xmm0\n\taddsd ci_tiny(%%rip), %%xmm0\n\t"            \
		  "movsd %%xmm0, 16(%%rdi)\n\tstmxcsr 24(%%rdi)\n\tldmxcsr ci_mxdef(%%rip)\n\t"
C(round_rn) { ASM(ROUND("ldmxcsr " ABS(ci_mx))); }
C(round_rd) { ASM(ROUND("ldmxcsr " ABS(ci_mx+4) "")); }
C(round_ru) { ASM(ROUND("ldmxcsr ci_mx+8(%%rip)")); }
C(round_rz) { ASM(ROUND("mov $3, %%rcx\n\tldmxcsr (%%rsi,%%rcx,4)"), "S"(ci_mx)); }
/* Exception flags: divide by zero (ZE), 1/3 inexact (PE), all masked. */
C(flags_ze) { ASM("ldmxcsr ci_mxdef(%%rip)\n\tmovss ci_one_f(%%rip), %%xmm0\n\t"
		  "divss ci_zero_f(%%rip), %%xmm0\n\tstmxcsr (%%rdi)\n\tmovss %%xmm0, 4(%%rdi)\n\t"
		  "ldmxcsr ci_mxdef(%%rip)\n\t"); }
C(flags_pe) { ASM("ldmxcsr ci_mxdef(%%rip)\n\tmovss ci_one_f(%%rip), %%xmm0\n\t"
		  "divss ci_three_f(%%rip), %%xmm0\n\tstmxcsr (%%rdi)\n\tmovss %%xmm0, 4(%%rdi)\n\t"
		  "ldmxcsr ci_mxdef(%%rip)\n\t"); }
/* x87: arithmetic from memory, a square root, the status word. */
C(x87_arith) { ASM("fninit\n\tflds ci_fa(%%rip)\n\tfadds ci_fb(%%rip)\n\tfmuls " ABS(ci_fa+4) "\n\t"
		   "fstps (%%rdi)\n\tfldl ci_da(%%rip)\n\tfdivl ci_db+8(%%rip)\n\tfsqrt\n\t"
		   "fstpl 4(%%rdi)\n\tfnstsw 12(%%rdi)\n\tfninit\n\t"); }
/* x87 control: fnop, fwait, the control word from and to memory, 53-bit precision. */
C(x87_ctl) { ASM("fninit\n\tfnop\n\tfwait\n\tfnstcw (%%rdi)\n\tfldcw ci_cw53(%%rip)\n\tfld1\n\t"
		 "fldl ci_da+8(%%rip)\n\tfaddp\n\tfstpl 2(%%rdi)\n\tfnstcw 10(%%rdi)\n\t"
		 "fnstsw 12(%%rdi)\n\tfninit\n\t"); }

/* AVX: only when the CPU offers it and the guest enabled it (OSXSAVE, XCR0). */
C(vmovups_rr) { ASM("vmovups ci_fa(%%rip), %%xmm1\n\tvmovups %%xmm1, %%xmm0\n\t"
		    "vmovups %%xmm0, (%%rdi)\n\t"); }
C(vaddps_ymm) { ASM("vmovups ci_fa(%%rip), %%ymm0\n\tvaddps ci_fb(%%rip), %%ymm0, %%ymm0\n\t"
		    "vmovups %%ymm0, (%%rdi)\n\tvzeroupper\n\t"); }
C(vmulpd_ymm) { ASM("vmovupd (%%rsi), %%ymm1\n\tvmulpd " ABS(ci_db) ", %%ymm1, %%ymm2\n\t"
		    "vmovupd %%ymm2, (%%rdi)\n\tvzeroupper\n\t", "S"(ci_da)); }

#endif /* __x86_64__ */

#define CASES(X)                                                                        \
	X(mulps_reg) X(mulps_base) X(mulps_sib) X(mulps_rip) X(mulps_abs) X(addps_m)      \
	X(divps_m) X(sqrtps_m) X(addss_m) X(mulss_m) X(divss_m) X(sqrtss_m) X(movss_load) \
	X(addsd_m) X(mulsd_m) X(divsd_m) X(sqrtsd_m) X(cvtsi2sd) X(cvtsi2sd_m)            \
	X(cvttsd2si) X(cvtps2pd) X(cvtsd2ss) X(ucomiss_m) X(comisd_m) X(cmpps_m)          \
	X(shufps_m) X(unpcklps_m) X(pshufd_m) X(movss_store) X(movsd_store_sib)           \
	X(movups_store_rip) X(stmxcsr_abs) X(round_rn) X(round_rd) X(round_ru)            \
	X(round_rz) X(flags_ze) X(flags_pe) X(x87_arith) X(x87_ctl)
#define AVX_CASES(X) X(vmovups_rr) X(vaddps_ymm) X(vmulpd_ymm)

#define CASE_OUT 32

struct simd_case {
	const char *name;
	void (*fn)(uint8_t *out);
};
#define CASE_ENTRY(n) { #n, c_##n },
#define CASE_ENUM(n) E_##n,
enum { CASES(CASE_ENUM) N_CASES };
enum { AVX_CASES(CASE_ENUM) N_AVX_CASES };

#endif
