/*
 * The instruction engine's decisions on a fake CPU (no KVM, no guest):
 * results computed by this host's CPU, exceptions by the architecture's
 * rules, refusals with their reasons.
 *
 * Guest memory: linear [0x10000, 0x20000) is RAM, [0x20000, 0x21000) is
 * read-only RAM, [0x40000, 0x41000) is not RAM (MMIO), anything else is
 * not present. The XSAVE image starts in the reset state (FCW 0x37f,
 * MXCSR 0x1f80).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fastabi/x86.h>

#include "insn.h"

#define RAM_BASE 0x10000u
#define RO_BASE 0x20000u
#define MMIO_BASE 0x40000u

struct fake {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint8_t ram[0x11000];
	uint8_t image[INSN_XSAVE_SIZE] __attribute__((aligned(64)));
	uint8_t xsave[INSN_XSAVE_SIZE] __attribute__((aligned(64)));
	uint64_t xcr0;
	unsigned xcr0_sets;
	struct insn_env env;
	struct insn_cpu cpu;
	struct insn_event ev;
	enum insn_class cls;
	char why[256];
};

static int f_access(void *ctx, uint64_t la, void *buf, size_t len, unsigned flags,
		    uint64_t *fault_addr, uint32_t *pfec)
{
	struct fake *f = ctx;
	bool write = flags & INSN_ACC_WRITE;
	for (uint64_t a = la; a < la + len; a++) {
		if (a >= MMIO_BASE && a < MMIO_BASE + 0x1000)
			return -2;
		if (a >= RAM_BASE && a < RO_BASE + 0x1000) {
			if (write && a >= RO_BASE) {
				*fault_addr = a;
				*pfec = 3;
				return -1;
			}
			continue;
		}
		*fault_addr = a;
		*pfec = write ? 2 : 0;
		return -1;
	}
	if (flags & INSN_ACC_PROBE)
		return 0;
	if (write)
		memcpy(f->ram + (la - RAM_BASE), buf, len);
	else
		memcpy(buf, f->ram + (la - RAM_BASE), len);
	return 0;
}

static int f_get_xsave(void *ctx, void *buf)
{
	struct fake *f = ctx;
	memcpy(buf, f->image, INSN_XSAVE_SIZE);
	return 0;
}

static int f_get_xcr0(void *ctx, uint64_t *v)
{
	*v = ((struct fake *)ctx)->xcr0;
	return 0;
}

static int f_set_xcr0(void *ctx, uint64_t v)
{
	struct fake *f = ctx;
	f->xcr0 = v;
	f->xcr0_sets++;
	return 0;
}

static bool host_avx(void)
{
	unsigned a, b, c, d, lo, hi;
	__asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 28)) || !(c & (1u << 27)))
		return false;
	__asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static struct fake *fake_new(bool long_mode)
{
	struct fake *f = aligned_alloc(64, (sizeof(struct fake) + 63) & ~(size_t)63);
	assert_non_null(f);
	/* cmocka installs its own signal handlers around each test. */
	insn_simd__install_traps();
	memset(f, 0, sizeof(*f));
	f->sregs.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_MP | X86_CR0_NE;
	f->sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	struct kvm_segment flat = { .limit = 0xffffffff, .type = 3, .present = 1, .s = 1, .db = 1,
				    .g = 1 };
	f->sregs.ds = f->sregs.es = f->sregs.ss = f->sregs.fs = f->sregs.gs = flat;
	f->sregs.cs = flat;
	f->sregs.cs.type = 0xb;
	if (long_mode) {
		f->sregs.efer = X86_EFER_LME | X86_EFER_LMA;
		f->sregs.cs.l = 1;
		f->sregs.cs.db = 0;
	} else {
		f->sregs.cr0 &= ~X86_CR0_PG;
		f->sregs.cr4 &= ~X86_CR4_PAE;
	}
	f->regs.rip = 0x1000;
	f->regs.rflags = 2;
	/* The reset state (FCW 0x37f, MXCSR 0x1f80), saved as KVM would hand it over. */
	uint32_t mx = 0x1f80, saved;
	uint8_t host[512] __attribute__((aligned(16)));
	__asm__ __volatile__("fxsave64 %0" : "=m"(host));
	__asm__ __volatile__("stmxcsr %0" : "=m"(saved));
	__asm__ __volatile__("fninit\n\tldmxcsr %1\n\txsave64 %0"
			     : "+m"(f->image) : "m"(mx), "a"(3), "d"(0));
	__asm__ __volatile__("fxrstor64 %0\n\tldmxcsr %1" : : "m"(host), "m"(saved));
	f->image[512] |= 3;
	f->xcr0 = 3;
	f->env = (struct insn_env){ .ctx = f, .access = f_access, .get_xsave = f_get_xsave,
				    .get_xcr0 = f_get_xcr0, .set_xcr0 = f_set_xcr0,
				    .xcr0_supported = 7, .xgetbv1 = true };
	f->cpu = (struct insn_cpu){ .regs = &f->regs, .sregs = &f->sregs, .env = &f->env,
				    .xsave = f->xsave };
	return f;
}

/* Decode and execute the bytes; the verdict. */
static enum insn_verdict run(struct fake *f, const uint8_t *b, unsigned len)
{
	struct insn_decoded d;
	int r = insn__decode(&f->sregs, b, len, &d, f->why, sizeof(f->why));
	if (r > 0) {
		insn__raise(&f->ev, X86_EXC_UD, false, 0);
		return INSN_FAULT;
	}
	if (r < 0)
		return INSN_REFUSED;
	f->cpu.xsave_valid = false;
	f->cpu.xsave_dirty = false;
	return insn__execute(&f->cpu, &d, &f->ev, &f->cls, f->why, sizeof(f->why));
}
#define RUN(f, ...) run(f, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void set_xmm(struct fake *f, unsigned n, const void *v, size_t len)
{
	memcpy(f->image + 160 + 16 * n, v, len);
}

static void get_xmm(struct fake *f, unsigned n, void *v, size_t len)
{
	memcpy(v, f->xsave + 160 + 16 * n, len);
}

static uint32_t mxcsr(const uint8_t *img)
{
	uint32_t v;
	memcpy(&v, img + 24, 4);
	return v;
}

static void expect_fault(struct fake *f, enum insn_verdict v, uint8_t vector, bool has_error,
			 uint32_t ec)
{
	assert_int_equal(v, INSN_FAULT);
	assert_true(f->ev.pending);
	assert_int_equal(f->ev.vector, vector);
	assert_int_equal(f->ev.has_error, has_error);
	if (has_error)
		assert_int_equal(f->ev.error_code, ec);
	assert_int_equal(f->regs.rip, 0x1000); /* a fault: rip stays */
}

/* mulps xmm0, [rip + 0xeff9]: the operand at 0x1007 + 0xeff9 = 0x10000. */
static void test_mulps_rip(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	float x[4] = { 1.5f, -2.0f, 3.0f, 0.1f }, m[4] = { 2.0f, 0.5f, -1.0f, 10.0f }, r[4];
	set_xmm(f, 0, x, 16);
	memcpy(f->ram, m, 16);
	assert_int_equal(RUN(f, 0x0f, 0x59, 0x05, 0xf9, 0xef, 0x00, 0x00), INSN_DONE);
	get_xmm(f, 0, r, 16);
	for (unsigned i = 0; i < 4; i++) {
		float want = x[i] * m[i];
		assert_memory_equal(&r[i], &want, 4);
	}
	assert_int_equal(f->regs.rip, 0x1007);
	assert_true(f->cpu.xsave_dirty);
	assert_int_equal(f->cls, INSN_CLASS_SSE);
	free(f);
}

/* movss [rsi + rcx*4 + 8], xmm1 and back: a store through base + index * scale + disp. */
static void test_movss_store_sib(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	uint32_t v = 0x40490fdb, got;
	set_xmm(f, 1, &v, 4);
	f->regs.rsi = RAM_BASE + 0x100;
	f->regs.rcx = 3;
	assert_int_equal(RUN(f, 0xf3, 0x0f, 0x11, 0x4c, 0x8e, 0x08), INSN_DONE);
	memcpy(&got, f->ram + 0x100 + 12 + 8, 4);
	assert_int_equal(got, v);
	assert_false(f->cpu.xsave_dirty); /* a store leaves the state as it was */
	free(f);
}

static void test_nm_ud(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	f->regs.rsi = RAM_BASE;
	f->sregs.cr0 |= X86_CR0_TS;
	expect_fault(f, RUN(f, 0x0f, 0x59, 0x06), X86_EXC_NM, false, 0);   /* mulps */
	expect_fault(f, RUN(f, 0xd9, 0xd0), X86_EXC_NM, false, 0);         /* fnop */
	expect_fault(f, RUN(f, 0x9b), X86_EXC_NM, false, 0);               /* fwait: MP and TS */
	f->sregs.cr0 &= ~X86_CR0_MP;
	assert_int_equal(RUN(f, 0x9b), INSN_DONE);                      /* fwait: TS alone */
	f->regs.rip = 0x1000;
	f->sregs.cr0 &= ~X86_CR0_TS;
	f->sregs.cr0 |= X86_CR0_EM;
	expect_fault(f, RUN(f, 0x0f, 0x59, 0x06), X86_EXC_UD, false, 0);   /* SSE with EM */
	expect_fault(f, RUN(f, 0xd9, 0xd0), X86_EXC_NM, false, 0);         /* x87 with EM */
	f->sregs.cr0 &= ~X86_CR0_EM;
	f->sregs.cr4 &= ~X86_CR4_OSFXSR;
	expect_fault(f, RUN(f, 0x0f, 0x59, 0x06), X86_EXC_UD, false, 0);
	expect_fault(f, RUN(f, 0x0f, 0xae, 0x16), X86_EXC_UD, false, 0);   /* ldmxcsr */
	f->sregs.cr4 |= X86_CR4_OSFXSR;
	expect_fault(f, RUN(f, 0xf0, 0x0f, 0x59, 0x06), X86_EXC_UD, false, 0); /* lock mulps */
	free(f);
}

static void test_alignment_before_page_fault(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	f->regs.rsi = RAM_BASE + 4;
	expect_fault(f, RUN(f, 0x0f, 0x28, 0x06), X86_EXC_GP, true, 0);    /* movaps misaligned */
	expect_fault(f, RUN(f, 0x0f, 0x59, 0x06), X86_EXC_GP, true, 0);    /* mulps misaligned */
	assert_int_equal(RUN(f, 0x0f, 0x10, 0x06), INSN_DONE);         /* movups: no alignment */
	f->regs.rip = 0x1000;
	f->regs.rsi = 0x30004;                                          /* not present */
	expect_fault(f, RUN(f, 0x0f, 0x28, 0x06), X86_EXC_GP, true, 0);
	f->regs.rsi = 0x30000;
	expect_fault(f, RUN(f, 0x0f, 0x28, 0x06), X86_EXC_PF, true, 0);
	assert_true(f->ev.set_cr2);
	assert_int_equal(f->ev.cr2, 0x30000);
	free(f);
}

static void test_page_faults(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	uint8_t before[16];
	f->regs.rsi = RO_BASE + 0x10;
	memcpy(before, f->ram + (RO_BASE - RAM_BASE) + 0x10, 16);
	expect_fault(f, RUN(f, 0xf3, 0x0f, 0x11, 0x06), X86_EXC_PF, true, 3); /* movss store */
	assert_int_equal(f->ev.cr2, RO_BASE + 0x10);
	assert_memory_equal(before, f->ram + (RO_BASE - RAM_BASE) + 0x10, 16);
	expect_fault(f, RUN(f, 0x0f, 0xae, 0x1e), X86_EXC_PF, true, 3);       /* stmxcsr */
	/* A split read: the page after RO is not present. */
	f->regs.rsi = RO_BASE + 0xffc;
	expect_fault(f, RUN(f, 0x0f, 0x10, 0x06), X86_EXC_PF, true, 0);       /* movups */
	assert_int_equal(f->ev.cr2, RO_BASE + 0x1000);
	/* Not RAM: refused, with the address. */
	f->regs.rsi = MMIO_BASE;
	assert_int_equal(RUN(f, 0x0f, 0x10, 0x06), INSN_REFUSED);
	assert_non_null(strstr(f->why, "is not RAM"));
	free(f);
}

/* divss xmm0, [rsi] by zero: masked gives inf and ZE, unmasked #XM (or #UD), nothing written. */
static void test_simd_exceptions(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	float one = 1.0f, zero = 0.0f, r;
	set_xmm(f, 0, &one, 4);
	memcpy(f->ram, &zero, 4);
	f->regs.rsi = RAM_BASE;
	assert_int_equal(RUN(f, 0xf3, 0x0f, 0x5e, 0x06), INSN_DONE);
	get_xmm(f, 0, &r, 4);
	assert_true(r > 1e38f);
	assert_int_equal(mxcsr(f->xsave), 0x1f84);

	f->regs.rip = 0x1000;
	uint32_t mx = 0x1f80 & ~0x200u;
	memcpy(f->image + 24, &mx, 4);
	expect_fault(f, RUN(f, 0xf3, 0x0f, 0x5e, 0x06), X86_EXC_XM, false, 0);
	get_xmm(f, 0, &r, 4);
	assert_true(r == 1.0f);
	assert_int_equal(mxcsr(f->xsave), 0x1d84); /* the flag is set as the fault is taken */
	assert_true(f->cpu.xsave_dirty);
	f->sregs.cr4 &= ~X86_CR4_OSXMMEXCPT;
	expect_fault(f, RUN(f, 0xf3, 0x0f, 0x5e, 0x06), X86_EXC_UD, false, 0);
	free(f);
}

/*
 * The x87 data pointer is the guest's operand offset, wherever the operand
 * is in its page: the engine runs on a buffer at the same page offset and
 * must not add that offset twice (it did: FDP was off by the operand's
 * offset in its page; found writing insn_fuzz's checks, which catch it in
 * a few minutes, tests/fuzz/seeds/insn/fdp_page_offset).
 */
static void test_x87_data_pointer(void **state)
{
	(void)state;
	/* A signalling NaN with the invalid-operation exception unmasked: the
	 * fld completes with the exception pending (FSW.ES), which makes every
	 * CPU save FIP and FDP. */
	uint32_t snan = 0x7f800001;
	uint16_t fcw = 0x037e;
	struct fake *f = fake_new(true);
	memcpy(f->image, &fcw, 2);
	memcpy(f->ram + 0x104, &snan, 4);
	f->regs.rsi = RAM_BASE + 0x100;
	assert_int_equal(RUN(f, 0xd9, 0x46, 0x04), INSN_DONE); /* fld dword [rsi + 4] */
	uint64_t fdp, fip;
	uint16_t fsw;
	memcpy(&fsw, f->xsave + 2, 2);
	memcpy(&fip, f->xsave + 8, 8);
	memcpy(&fdp, f->xsave + 16, 8);
	assert_true(fsw & 0x80); /* ES */
	assert_int_equal(fip, 0x1000);
	assert_int_equal(fdp, RAM_BASE + 0x104);
	free(f);
	/* In 32-bit code with a segment base: the offset, not the linear address. */
	f = fake_new(false);
	memcpy(f->image, &fcw, 2);
	memcpy(f->ram + 0xffc, &snan, 4);
	f->sregs.ds.base = 0x1000;
	f->regs.rsi = RAM_BASE - 0x1000 + 0xffc;
	assert_int_equal(RUN(f, 0xd9, 0x06), INSN_DONE); /* fld dword [esi] */
	memcpy(&fdp, f->xsave + 16, 8);
	assert_int_equal(fdp, RAM_BASE - 0x1000 + 0xffc);
	free(f);
}

/* An x87 exception pending (FSW.ES) is #MF at the next waiting instruction. */
static void test_x87(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	float v = 2.5f, out = 0;
	memcpy(f->ram, &v, 4);
	f->regs.rsi = RAM_BASE;
	assert_int_equal(RUN(f, 0xd9, 0x06), INSN_DONE); /* fld dword [rsi] */
	assert_int_equal(f->cls, INSN_CLASS_X87);
	uint64_t fip, fdp;
	memcpy(&fip, f->xsave + 8, 8);
	memcpy(&fdp, f->xsave + 16, 8);
	/* The instruction and data pointers name the guest's, never the VMM's. */
	assert_true(fip == 0x1000 || fip == 0);
	assert_true(fdp == RAM_BASE || fdp == 0);
	memcpy(f->image, f->xsave, INSN_XSAVE_SIZE);
	f->regs.rsi = RAM_BASE + 4;
	assert_int_equal(RUN(f, 0xd9, 0x1e), INSN_DONE); /* fstp dword [rsi] */
	memcpy(&out, f->ram + 4, 4);
	assert_true(out == 2.5f);

	uint16_t fsw = 0x0084; /* ES, ZE */
	memcpy(f->image + 2, &fsw, 2);
	uint16_t fcw = 0x037b; /* ZM clear */
	memcpy(f->image, &fcw, 2);
	f->regs.rip = 0x1000;
	expect_fault(f, RUN(f, 0x9b), X86_EXC_MF, false, 0);            /* fwait */
	assert_int_equal(RUN(f, 0xd9, 0xd0), INSN_FAULT);            /* fnop waits too */
	f->sregs.cr0 &= ~X86_CR0_NE;
	assert_int_equal(RUN(f, 0x9b), INSN_REFUSED);
	assert_non_null(strstr(f->why, "CR0.NE"));
	free(f);
}

/* A register operand that is rsp is remapped on the host and lands in the guest's rsp. */
static void test_rsp_and_gprs(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	uint64_t v = 0x123456789abcdef0ull;
	set_xmm(f, 0, &v, 8);
	f->regs.rsp = 0x7000;
	f->regs.rbx = 0x55;
	assert_int_equal(RUN(f, 0x66, 0x48, 0x0f, 0x7e, 0xc4), INSN_DONE); /* movq rsp, xmm0 */
	assert_int_equal(f->regs.rsp, v);
	assert_int_equal(f->regs.rbx, 0x55);
	/* cvttsd2si rax, [rsi]; ucomiss sets the guest's flags. */
	double dv = -7.9;
	memcpy(f->ram, &dv, 8);
	f->regs.rsi = RAM_BASE;
	assert_int_equal(RUN(f, 0xf2, 0x48, 0x0f, 0x2c, 0x06), INSN_DONE);
	assert_int_equal((int64_t)f->regs.rax, -7);
	float a = 1.0f, b = 2.0f;
	set_xmm(f, 0, &a, 4);
	memcpy(f->ram, &b, 4);
	f->regs.rflags = 0x2 | 0x40 | 0x10000; /* ZF and RF set before */
	assert_int_equal(RUN(f, 0x0f, 0x2e, 0x06), INSN_DONE); /* ucomiss xmm0, [rsi] */
	assert_int_equal(f->regs.rflags & 0x8d5, 0x1);            /* CF: less than */
	assert_int_equal(f->regs.rflags & 0x10000, 0);            /* RF cleared on completion */
	/* Single-stepping would need DR6: refused, nothing changed. */
	f->regs.rflags |= 0x100;
	uint64_t rip = f->regs.rip;
	assert_int_equal(RUN(f, 0x0f, 0x2e, 0x06), INSN_REFUSED);
	assert_non_null(strstr(f->why, "EFLAGS.TF"));
	assert_int_equal(f->regs.rip, rip);
	free(f);
}

static void test_avx(void **state)
{
	(void)state;
	if (!host_avx())
		skip();
	struct fake *f = fake_new(true);
	expect_fault(f, RUN(f, 0xc5, 0xfc, 0x58, 0xc0), X86_EXC_UD, false, 0); /* no OSXSAVE */
	f->sregs.cr4 |= X86_CR4_OSXSAVE;
	expect_fault(f, RUN(f, 0xc5, 0xfc, 0x58, 0xc0), X86_EXC_UD, false, 0); /* XCR0 = 3 */
	f->xcr0 = 7;
	float x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, r[8];
	set_xmm(f, 0, x, 16);
	memcpy(f->image + 576, x + 4, 16); /* the upper half of ymm0 */
	f->image[512] = 7;
	assert_int_equal(RUN(f, 0xc5, 0xfc, 0x58, 0xc0), INSN_DONE);       /* vaddps ymm0 */
	get_xmm(f, 0, r, 16);
	memcpy(r + 4, f->xsave + 576, 16);
	for (unsigned i = 0; i < 8; i++)
		assert_true(r[i] == 2 * x[i]);
	assert_int_equal(f->cls, INSN_CLASS_AVX);
	f->regs.rip = 0x1000;
	f->sregs.cr0 |= X86_CR0_TS;
	expect_fault(f, RUN(f, 0xc5, 0xf8, 0x28, 0xc1), X86_EXC_NM, false, 0); /* vmovaps */
	free(f);
}

static void test_xcr(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	f->regs.rcx = 0;
	expect_fault(f, RUN(f, 0x0f, 0x01, 0xd0), X86_EXC_UD, false, 0); /* xgetbv, no OSXSAVE */
	f->sregs.cr4 |= X86_CR4_OSXSAVE;
	assert_int_equal(RUN(f, 0x0f, 0x01, 0xd0), INSN_DONE);
	assert_int_equal(f->regs.rax, 3);
	assert_int_equal(f->regs.rdx, 0);
	f->regs.rip = 0x1000;
	f->regs.rcx = 2;
	expect_fault(f, RUN(f, 0x0f, 0x01, 0xd0), X86_EXC_GP, true, 0);
	static const struct {
		uint64_t v;
		uint32_t ecx;
		bool ok;
	} set[] = { { 7, 0, true }, { 3, 0, true }, { 5, 0, false }, { 6, 0, false },
		    { 1ull << 40 | 7, 0, false }, { 0x27, 0, false }, { 7, 1, false } };
	for (unsigned i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		f->regs.rip = 0x1000;
		f->regs.rax = (uint32_t)set[i].v;
		f->regs.rdx = set[i].v >> 32;
		f->regs.rcx = set[i].ecx;
		unsigned before = f->xcr0_sets;
		enum insn_verdict v = RUN(f, 0x0f, 0x01, 0xd1); /* xsetbv */
		if (set[i].ok) {
			assert_int_equal(v, INSN_DONE);
			assert_int_equal(f->xcr0, set[i].v);
		} else {
			expect_fault(f, v, X86_EXC_GP, true, 0);
			assert_int_equal(f->xcr0_sets, before);
		}
	}
	free(f);
}

static void test_vmx_and_refusals(void **state)
{
	(void)state;
	struct fake *f = fake_new(true);
	f->regs.rsi = RAM_BASE;
	expect_fault(f, RUN(f, 0x66, 0x0f, 0xc7, 0x36), X86_EXC_UD, false, 0); /* vmclear */
	assert_int_equal(f->cls, INSN_CLASS_VMX);
	expect_fault(f, RUN(f, 0x0f, 0x01, 0xc4), X86_EXC_UD, false, 0);       /* vmxoff */
	expect_fault(f, RUN(f, 0x0f, 0x01, 0xc2), X86_EXC_UD, false, 0);       /* vmlaunch */
	/* vmcall is KVM's business: never ours to answer. */
	assert_int_equal(RUN(f, 0x0f, 0x01, 0xc1), INSN_REFUSED);
	/* Outside the allow-list: the reason names the instruction. */
	assert_int_equal(RUN(f, 0xf2, 0x0f, 0x38, 0xf1, 0xc1), INSN_REFUSED); /* crc32 */
	assert_non_null(strstr(f->why, "crc32"));
	assert_int_equal(RUN(f, 0xd9, 0x36), INSN_REFUSED);                  /* fnstenv */
	assert_non_null(strstr(f->why, "x87 environment"));
	free(f);
}

/* 32-bit protected mode: segment base and limit, absolute addresses. */
static void test_protected_mode(void **state)
{
	(void)state;
	struct fake *f = fake_new(false);
	uint32_t got;
	f->sregs.ds.base = RAM_BASE;
	assert_int_equal(RUN(f, 0x0f, 0xae, 0x1d, 0x20, 0x00, 0x00, 0x00), INSN_DONE); /* stmxcsr [0x20] */
	memcpy(&got, f->ram + 0x20, 4);
	assert_int_equal(got, 0x1f80);
	f->regs.rip = 0x1000;
	f->sregs.ds.limit = 0x21;
	expect_fault(f, RUN(f, 0x0f, 0xae, 0x1d, 0x20, 0x00, 0x00, 0x00), X86_EXC_GP, true, 0);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mulps_rip),
		cmocka_unit_test(test_movss_store_sib),
		cmocka_unit_test(test_nm_ud),
		cmocka_unit_test(test_alignment_before_page_fault),
		cmocka_unit_test(test_page_faults),
		cmocka_unit_test(test_simd_exceptions),
		cmocka_unit_test(test_x87),
		cmocka_unit_test(test_x87_data_pointer),
		cmocka_unit_test(test_rsp_and_gprs),
		cmocka_unit_test(test_avx),
		cmocka_unit_test(test_xcr),
		cmocka_unit_test(test_vmx_and_refusals),
		cmocka_unit_test(test_protected_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
