/*
 * The instructions KVM gives up on, in 32-bit protected mode (paging off):
 * into (#OF only when OF is set, a trap), icebp (#DB, a trap), SSE with
 * absolute and base + index addresses, ldmxcsr/stmxcsr, x87 arithmetic and
 * AVX after xsetbv, each result compared with the build host's
 * (common/insn_simd_cases.h, insn_simd_expect.h: the same operations on the
 * same inputs).
 */
#include "guest.h"
#include "common/insn_simd_cases.h"
#include "insn_simd_expect.h"

const char test_title[] = "insn-simd32";



static void check(const char *name, const uint8_t *out, const uint8_t *want)
{
	for (unsigned i = 0; i < CASE_OUT; i++) {
		if (out[i] != want[i]) {
			printf("%s: byte %u is %#x, the host computed %#x\n", name, i, out[i], want[i]);
			xtf_failure("%s differs from the host's result", name);
			return;
		}
	}
	printf("%s: as on the host\n", name);
}

static void expect_vec(const char *what, unsigned got, unsigned want)
{
	printf("%s: %s\n", what, got == ~0u ? "no exception" : exception_name(got));
	if (got != want)
		xtf_failure("%s: expected %s", what, want == ~0u ? "no exception" : exception_name(want));
}

void test_main(void)
{
	uint8_t out[CASE_OUT];

	write_cr0((read_cr0() & ~(X86_CR0_EM | X86_CR0_TS)) | X86_CR0_MP | X86_CR0_NE);
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);

	/* into: nothing with OF clear; #OF with OF set, reported after the instruction. */
	expect_vec("into, OF clear", TRY_TRAP("xor %%eax, %%eax\n\tinto", "i"(0)), ~0u);
	expect_vec("into, OF set", TRY_TRAP("mov $0x7f, %%al\n\tadd $1, %%al\n\tinto", "i"(0)),
		   X86_EXC_OF);
	expect_vec("icebp", TRY_TRAP(".byte 0xf1", "i"(0)), X86_EXC_DB);

	/* SSE with absolute and base + index * scale + disp operands. */
	memset(out, 0, sizeof(out));
	__asm__ __volatile__("ldmxcsr ci_mxdef\n\tmovups ci_fa, %%xmm0\n\tmulps ci_fb, %%xmm0\n\t"
			     "movups %%xmm0, (%0)" : : "D"(out) : "memory");
	check("mulps absolute", out, expect[E_mulps_abs]);
	memset(out, 0, sizeof(out));
	__asm__ __volatile__("movups ci_fa, %%xmm0\n\tmov $2, %%ecx\n\tmulps 24(%%esi,%%ecx,4), %%xmm0\n\t"
			     "movups %%xmm0, (%0)"
			     : : "D"(out), "S"((uintptr_t)ci_fb - 32) : "ecx", "memory");
	check("mulps base+index", out, expect[E_mulps_sib]);
	memset(out, 0, sizeof(out));
	__asm__ __volatile__("ldmxcsr ci_mxdef\n\tstmxcsr ci_scratch\n\tmov ci_scratch, %%eax\n\tmov %%eax, (%0)"
			     : : "D"(out) : "eax", "memory");
	check("stmxcsr absolute", out, expect[E_stmxcsr_abs]);
	memset(out, 0, sizeof(out));
	__asm__ __volatile__("fninit\n\tflds ci_fa\n\tfadds ci_fb\n\tfmuls ci_fa+4\n\tfstps (%0)\n\t"
			     "fldl ci_da\n\tfdivl ci_db+8\n\tfsqrt\n\tfstpl 4(%0)\n\tfnstsw 12(%0)\n\t"
			     "fninit" : : "D"(out) : "memory");
	check("x87 arithmetic", out, expect[E_x87_arith]);

	/* AVX after the guest enables it. */
	struct cpuid_regs r = cpuid(1);
	if ((r.ecx & (1u << 26)) && (r.ecx & (1u << 28))) {
		write_cr4(read_cr4() | X86_CR4_OSXSAVE);
		__asm__ __volatile__("xsetbv" : : "a"(7), "d"(0), "c"(0));
#ifdef EXPECT_AVX
		memset(out, 0, sizeof(out));
		__asm__ __volatile__("vmovups ci_fa, %%ymm0\n\tvaddps ci_fb, %%ymm0, %%ymm0\n\t"
				     "vmovups %%ymm0, (%0)\n\tvzeroupper" : : "D"(out) : "memory");
		check("vaddps ymm", out, expect_avx[E_vaddps_ymm]);
#endif
	}
	if (xtf_result() < 0)
		xtf_success(NULL);
}
