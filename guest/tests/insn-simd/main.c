/*
 * SSE, AVX and x87 at CPL0, where KVM on these hosts gives up and the VMM
 * completes the instruction on the host CPU (vmm/insn/). Every result is
 * compared with what the build host computed running the same instructions
 * on the same inputs (common/insn_simd_cases.h, expect.c -> insn_simd_expect.h), and every
 * architectural exception is checked: #NM (CR0.TS), #UD (CR4.OSFXSR clear,
 * OSXSAVE clear, XCR0 without AVX, VMX instructions), #GP (misaligned
 * movaps and mulps, even on an unmapped page, bad xsetbv), #PF (not
 * present, read-only, reserved bit: error code and CR2), #XM and #UD for an
 * unmasked SIMD exception, #MF for a pending x87 exception, #DB from icebp
 * and #NP from a not-present IDT gate. Ends with the cost of one completed
 * instruction.
 */
#include "guest.h"
#include "common/insn_simd_cases.h"
#include "insn_simd_expect.h"

const char test_title[] = "insn-simd";


/* Addresses whose 2 MiB mappings the test changes (1 GiB up, beyond RAM). */
#define RO_VA 0x40000000ul   /* read-only alias of guest-physical 4 MiB */
#define NP_VA 0x40200000ul   /* not present */
#define RSVD_VA 0x40400000ul /* a reserved physical-address bit set */

static const struct simd_case cases[] = { CASES(CASE_ENTRY) };
static const struct simd_case avx_cases[] = { AVX_CASES(CASE_ENTRY) };
_Static_assert(sizeof(cases) / sizeof(cases[0]) == sizeof(expect) / sizeof(expect[0]),
	       "insn_simd_cases.h and the generated expectations disagree");


static uint64_t *pde_of(uint64_t va)
{
	const uint64_t m = 0x000ffffffffff000ull;
	uint64_t *pml4 = (uint64_t *)(read_cr3() & m);
	uint64_t *pdpt = (uint64_t *)(pml4[(va >> 39) & 511] & m);
	uint64_t *pd = (uint64_t *)(pdpt[(va >> 30) & 511] & m);
	return &pd[(va >> 21) & 511];
}

static void set_pde(uint64_t va, uint64_t v)
{
	*pde_of(va) = v;
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

static bool bytes_eq(const uint8_t *a, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void run_cases(const char *what, const struct simd_case *c, unsigned n,
		      const uint8_t (*want)[CASE_OUT])
{
	unsigned bad = 0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t out[CASE_OUT];
		memset(out, 0, sizeof(out));
		exception_record_reset();
		/* The state the build host ran each case from. */
		__asm__ __volatile__("ldmxcsr ci_mxdef(%%rip)\n\tfninit" ::: "memory");
		c[i].fn(out);
		if (!bytes_eq(out, want[i], CASE_OUT)) {
			bad++;
			printf("%s %s: got", what, c[i].name);
			for (unsigned j = 0; j < CASE_OUT; j++)
				printf(" %02x", out[j]);
			printf("\n  expected");
			for (unsigned j = 0; j < CASE_OUT; j++)
				printf(" %02x", want[i][j]);
			printf("\n");
			xtf_failure("%s: %s differs from the host's result", what, c[i].name);
		}
	}
	printf("%s: %u of %u cases as on the host\n", what, n - bad, n);
}

static void expect_exc(const char *what, unsigned got, unsigned vector, long ec)
{
	bool ok = got == vector && (ec < 0 || exception_record.error_code == (unsigned long)ec);
	printf("%s: %s error code %#lx%s\n", what, got == ~0u ? "no exception" : exception_name(got),
	       exception_record.error_code, ok ? "" : "  <-- wrong");
	if (!ok)
		xtf_failure("%s: expected %s (error code %ld), got %s (%#lx)", what,
			    exception_name(vector), ec, got == ~0u ? "none" : exception_name(got),
			    exception_record.error_code);
}

static uint32_t stmxcsr(void)
{
	uint32_t v;
	__asm__ __volatile__("stmxcsr %0" : "=m"(v));
	return v;
}

static void ldmxcsr(uint32_t v)
{
	__asm__ __volatile__("ldmxcsr %0" : : "m"(v));
}

static void test_exceptions(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();
	uint32_t v;

	/* #NM: CR0.TS for SSE and x87; fwait only with CR0.MP too. */
	write_cr0(cr0 | X86_CR0_TS);
	expect_exc("mulps with CR0.TS", TRY("mulps ci_fb(%%rip), %%xmm0", "i"(0)), X86_EXC_NM, -1);
	expect_exc("fnop with CR0.TS", TRY("fnop", "i"(0)), X86_EXC_NM, -1);
	expect_exc("fwait with CR0.TS and MP", TRY("fwait", "i"(0)), X86_EXC_NM, -1);
	write_cr0(cr0 & ~X86_CR0_MP & ~X86_CR0_TS);
	write_cr0((cr0 & ~X86_CR0_MP) | X86_CR0_TS);
	expect_exc("fwait with CR0.TS, MP clear", TRY("fwait", "i"(0)), ~0u, -1);
	write_cr0(cr0);

	/* #UD: CR4.OSFXSR clear. */
	write_cr4(cr4 & ~X86_CR4_OSFXSR);
	expect_exc("mulps with CR4.OSFXSR clear", TRY("mulps ci_fb(%%rip), %%xmm0", "i"(0)), X86_EXC_UD, -1);
	expect_exc("ldmxcsr with CR4.OSFXSR clear", TRY("ldmxcsr ci_mxdef(%%rip)", "i"(0)), X86_EXC_UD, -1);
	write_cr4(cr4);
	expect_exc("lock mulps", TRY(".byte 0xf0, 0x0f, 0x59, 0x06", "S"(ci_fb)), X86_EXC_UD, -1);

	/* #GP(0): misaligned 16-byte operands of legacy SSE, before any #PF. */
	expect_exc("movaps misaligned", TRY("movaps 4(%%rsi), %%xmm0", "S"(ci_fa)), X86_EXC_GP, 0);
	expect_exc("mulps misaligned", TRY("mulps 4(%%rsi), %%xmm0", "S"(ci_fa)), X86_EXC_GP, 0);
	expect_exc("mulps misaligned, unmapped", TRY("mulps 4(%%rsi), %%xmm0", "S"(NP_VA)),
		   X86_EXC_GP, 0);
	expect_exc("movups misaligned", TRY("movups 4(%%rsi), %%xmm0", "S"(ci_fa)), ~0u, -1);
	expect_exc("ldmxcsr reserved bit", TRY("ldmxcsr (%%rsi)", "S"(&(uint32_t){ 0x1f80 | (1u << 31) })),
		   X86_EXC_GP, 0);

	/* #PF: error code and CR2 of each kind. */
	expect_exc("movss from a not-present page", TRY("movss (%%rsi), %%xmm0", "S"(NP_VA + 0x124)),
		   X86_EXC_PF, 0);
	CHECK_EQ(read_cr2(), NP_VA + 0x124);
	expect_exc("mulps from a not-present page", TRY("mulps 0x10(%%rsi), %%xmm0", "S"(NP_VA)),
		   X86_EXC_PF, 0);
	CHECK_EQ(read_cr2(), NP_VA + 0x10);
	expect_exc("movss to a read-only page", TRY("movss %%xmm0, (%%rsi)", "S"(RO_VA + 0x88)),
		   X86_EXC_PF, 3);
	CHECK_EQ(read_cr2(), RO_VA + 0x88);
	expect_exc("stmxcsr to a read-only page", TRY("stmxcsr (%%rsi)", "S"(RO_VA + 0x40)),
		   X86_EXC_PF, 3);
	expect_exc("movss to a not-present page", TRY("movss %%xmm0, 8(%%rsi)", "S"(NP_VA)),
		   X86_EXC_PF, 2);
	expect_exc("movss from a reserved-bit page", TRY("movss (%%rsi), %%xmm0", "S"(RSVD_VA + 4)),
		   X86_EXC_PF, 9);
	CHECK_EQ(read_cr2(), RSVD_VA + 4);
	expect_exc("movss from a read-only page", TRY("movss (%%rsi), %%xmm0", "S"(RO_VA + 0x88)),
		   ~0u, -1);
	/* A split access: the second page faults, CR2 names its first byte. */
	expect_exc("movups across into a not-present page",
		   TRY("movups (%%rsi), %%xmm0", "S"(NP_VA - 8)), X86_EXC_PF, 0);
	CHECK_EQ(read_cr2(), NP_VA);

	/* #XM: divide by zero with ZM clear; the destination stays, ZE is set. */
	uint32_t keep = 0;
	ldmxcsr(0x1f80 & ~0x200u);
	__asm__ __volatile__("movss ci_one_f(%%rip), %%xmm0" ::: "memory");
	expect_exc("divss by zero, ZE unmasked", TRY("divss ci_zero_f(%%rip), %%xmm0", "i"(0)),
		   X86_EXC_XM, -1);
	v = stmxcsr();
	__asm__ __volatile__("movss %%xmm0, %0" : "=m"(keep));
	printf("  MXCSR after #XM %#x, destination %#x\n", v, keep);
	CHECK_EQ(v, 0x1d84u);
	CHECK_EQ(keep, 0x3f800000u);
	write_cr4(cr4 & ~X86_CR4_OSXMMEXCPT);
	expect_exc("divss by zero, ZE unmasked, OSXMMEXCPT clear",
		   TRY("divss ci_zero_f(%%rip), %%xmm0", "i"(0)), X86_EXC_UD, -1);
	write_cr4(cr4);
	ldmxcsr(0x1f80);

	/* #MF: a pending unmasked x87 exception at the next waiting instruction. */
	uint16_t cw = 0x37b; /* ZM clear */
	__asm__ __volatile__("fninit\n\tfldcw %0\n\tfld1\n\tfdivs ci_zero_f(%%rip)" : : "m"(cw) : "memory");
	expect_exc("fwait with a pending x87 #Z", TRY("fwait", "i"(0)), X86_EXC_MF, -1);
	uint16_t sw;
	__asm__ __volatile__("fnstsw %0\n\tfninit" : "=m"(sw));
	printf("  x87 status word %#x\n", sw);
	CHECK_EQ(sw & 0x84, 0x84); /* ES, ZE */

	/* VMX instructions: #UD, the guest has no VMX. */
	CHECK_EQ(cpuid(1).ecx & (1u << 5), 0);
	uint64_t mem = 0;
	expect_exc("vmclear", TRY("vmclear (%%rsi)", "S"(&mem)), X86_EXC_UD, -1);
	expect_exc("vmptrld", TRY("vmptrld (%%rsi)", "S"(&mem)), X86_EXC_UD, -1);
	expect_exc("vmptrst", TRY("vmptrst (%%rsi)", "S"(&mem)), X86_EXC_UD, -1);
	expect_exc("vmxon", TRY("vmxon (%%rsi)", "S"(&mem)), X86_EXC_UD, -1);
	expect_exc("vmread", TRY("vmread %%rax, %%rcx", "a"(0)), X86_EXC_UD, -1);
	expect_exc("vmwrite", TRY("vmwrite %%rax, %%rcx", "a"(0)), X86_EXC_UD, -1);
	expect_exc("vmlaunch", TRY("vmlaunch", "i"(0)), X86_EXC_UD, -1);
	expect_exc("vmresume", TRY("vmresume", "i"(0)), X86_EXC_UD, -1);
	expect_exc("vmxoff", TRY("vmxoff", "i"(0)), X86_EXC_UD, -1);
	expect_exc("invept", TRY("invept (%%rsi), %%rax", "S"(&mem), "a"(1)), X86_EXC_UD, -1);
	expect_exc("invvpid", TRY("invvpid (%%rsi), %%rax", "S"(&mem), "a"(1)), X86_EXC_UD, -1);

	/* icebp: #DB as a trap, the frame points after it. */
	expect_exc("icebp", TRY_TRAP(".byte 0xf1", "i"(0)), X86_EXC_DB, -1);

	/*
	 * int N through an interrupt gate that is not present: #NP(vector * 8 +
	 * 2 (IDT)); through an empty descriptor (type 0, not a gate): #GP, same code.
	 */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	idt_set_gate(0x81, (void (*)(void))test_main);
	((volatile uint8_t *)idtr.base)[0x81 * 16 + 5] &= 0x7f;
	expect_exc("int $0x81, gate not present", TRY("int $0x81", "i"(0)), X86_EXC_NP, 0x81 * 8 + 2);
	expect_exc("int $0x82, empty descriptor", TRY("int $0x82", "i"(0)), X86_EXC_GP, 0x82 * 8 + 2);
}

static void test_avx(void)
{
	struct cpuid_regs r = cpuid(1);
	unsigned long cr4 = read_cr4();

	if (!(r.ecx & (1u << 26)) || !(r.ecx & (1u << 28))) {
		printf("AVX: not offered by the CPU, skipped\n");
		return;
	}
	expect_exc("xgetbv with CR4.OSXSAVE clear", TRY("xgetbv", "c"(0)), X86_EXC_UD, -1);
	expect_exc("vaddps with CR4.OSXSAVE clear", TRY("vaddps %%ymm0, %%ymm0, %%ymm0", "i"(0)),
		   X86_EXC_UD, -1);
	write_cr4(cr4 | X86_CR4_OSXSAVE);
	uint32_t lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	printf("XCR0 at boot %#x\n", lo);
	CHECK_EQ(lo, 1u);
	expect_exc("vaddps with XCR0 = x87", TRY("vaddps %%ymm0, %%ymm0, %%ymm0", "i"(0)), X86_EXC_UD, -1);
	expect_exc("xsetbv AVX without SSE", TRY("xsetbv", "a"(5), "d"(0), "c"(0)), X86_EXC_GP, 0);
	expect_exc("xsetbv without x87", TRY("xsetbv", "a"(6), "d"(0), "c"(0)), X86_EXC_GP, 0);
	expect_exc("xsetbv ECX = 1", TRY("xsetbv", "a"(7), "d"(0), "c"(1)), X86_EXC_GP, 0);
	expect_exc("xsetbv unsupported bit 62", TRY("xsetbv", "a"(7), "d"(1u << 30), "c"(0)), X86_EXC_GP, 0);
	expect_exc("xgetbv ECX = 2", TRY("xgetbv", "c"(2)), X86_EXC_GP, 0);
	__asm__ __volatile__("xsetbv" : : "a"(7), "d"(0), "c"(0));
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	printf("XCR0 after xsetbv %#x\n", lo);
	CHECK_EQ(lo, 7u);
#ifdef EXPECT_AVX
	run_cases("AVX", avx_cases, N_AVX_CASES, expect_avx);
#else
	printf("AVX: the build host had no AVX: no expectations, cases skipped\n");
#endif
	write_cr0(read_cr0() | X86_CR0_TS);
	expect_exc("vmulpd with CR0.TS", TRY("vmulpd %%ymm1, %%ymm1, %%ymm1", "i"(0)), X86_EXC_NM, -1);
	write_cr0(read_cr0() & ~X86_CR0_TS);
	__asm__ __volatile__("xsetbv" : : "a"(3), "d"(0), "c"(0));
	expect_exc("vmovups with XCR0 = x87|SSE", TRY("vmovups %%xmm1, %%xmm0", "i"(0)), X86_EXC_UD, -1);
	__asm__ __volatile__("xsetbv" : : "a"(7), "d"(0), "c"(0));
}

/* The cost of one completed instruction: mulps loops against an empty loop. */
static void measure(void)
{
	enum { N = 2000 };
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < N; i++)
		__asm__ __volatile__("" ::: "memory");
	uint64_t t1 = rdtsc();
	for (unsigned i = 0; i < N; i++)
		__asm__ __volatile__("mulps %%xmm1, %%xmm0" ::: "memory");
	uint64_t t2 = rdtsc();
	printf("cost: %u mulps in %llu TSC cycles, empty loop %llu: %llu cycles per instruction\n",
	       N, (unsigned long long)(t2 - t1), (unsigned long long)(t1 - t0),
	       (unsigned long long)((t2 - t1) - (t1 - t0)) / N);
}

/* With "refuse" on the command line: an instruction outside the allow-list stops the domain. */
static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (!strncmp(s, w, n))
			return true;
	return false;
}

void test_main(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();

	/* The OS's side of enabling SSE and x87 error reporting. */
	write_cr0((cr0 & ~(X86_CR0_EM | X86_CR0_TS)) | X86_CR0_MP | X86_CR0_NE | X86_CR0_WP);
	write_cr4(cr4 | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	set_pde(RO_VA, 0x400000ull | 0x81); /* P, PS: read-only, supervisor */
	set_pde(NP_VA, 0);
	set_pde(RSVD_VA, 0x600000ull | 0x83 | (1ull << 50));

	__asm__ __volatile__("fninit\n\tldmxcsr ci_mxdef(%%rip)" ::: "memory");
	run_cases("SSE/x87", cases, N_CASES, expect);
	test_exceptions();
	test_avx();
	measure();
	if (has_word(start_info_cmdline(), "refuse")) {
		uint8_t env[28];
		__asm__ __volatile__("fnstenv %0" : "=m"(env));
		xtf_failure("fnstenv completed: the VMM should have stopped the domain");
	}
	if (xtf_result() < 0)
		xtf_success(NULL);
}
