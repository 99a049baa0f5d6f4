/*
 * SSE, AVX, x87 and MMX instructions, completed by the host CPU itself: the
 * exact result, flags and exceptions come from the same silicon the guest
 * would have run on.
 *
 * The decoded instruction is re-encoded with Zydis's encoder for 64-bit
 * mode, its memory operand replaced by [B] where B is a general register
 * the instruction does not use, pointing into a buffer at the same offset
 * within a page as the guest's linear address (so the host checks the same
 * alignment). A register operand that is rsp is remapped to another free
 * register. The bytes go into an executable page of the vCPU thread,
 * followed by ret; exec_x86.S loads the guest's XSAVE image (x87 and SSE
 * state, plus AVX for VEX instructions), its status flags and general
 * registers, calls the page, and saves everything back.
 *
 * Host traps inside that page (SIGFPE for #MF and #XM, SIGSEGV for #GP,
 * SIGILL for #UD) are caught: the handler resumes at the ret after the
 * instruction, and the kernel restores the state of the moment of the
 * fault (MXCSR flags set, destinations unchanged), which is what the
 * guest sees as it takes the exception.
 *
 * The memory operand: read through the guest's page tables before the run,
 * written back after it. When translation fails the run is still made
 * (on a zeroed buffer, its results dropped) because #GP for a misaligned
 * operand comes before #PF; a #PF is then raised with the CPU's error code
 * and CR2.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "insn.h"

#define BUF_SIZE (2 * 4096)

struct insn_host_ctx {
	uint64_t gpr[16];
	uint64_t rflags;
	uint64_t slot;
	void *host_area;
	void *guest_area;
	uint64_t host_mask;
	uint64_t guest_mask;
};
_Static_assert(offsetof(struct insn_host_ctx, rflags) == 128 &&
		       offsetof(struct insn_host_ctx, slot) == 136 &&
		       offsetof(struct insn_host_ctx, host_area) == 144 &&
		       offsetof(struct insn_host_ctx, guest_area) == 152 &&
		       offsetof(struct insn_host_ctx, host_mask) == 160 &&
		       offsetof(struct insn_host_ctx, guest_mask) == 168,
	       "exec_x86.S and struct insn_host_ctx disagree");

void insn_exec__run(struct insn_host_ctx *ctx);

/* What one vCPU thread keeps: its executable page, operand buffer, host state area. */
struct insn_host {
	uint8_t *slot;
	uint8_t *buf;
	uint8_t *host_area;
	uint64_t host_mask;
};

static pthread_key_t host_key;
static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static struct sigaction old_action[4];
static const int trap_signals[4] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS };

static __thread struct insn_host *tls_host;
static __thread volatile uintptr_t tls_lo, tls_resume; /* the instruction: [lo, resume) */
static __thread volatile int tls_signo, tls_trapno;
static __thread uint64_t tls_runs; /* insn_simd__trace */
static __thread unsigned tls_len;

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uintptr_t ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];

	if (tls_resume && ip >= tls_lo && ip < tls_resume) {
		tls_signo = sig;
		tls_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)tls_resume;
		return;
	}
	/* Not the guest's instruction: whoever handled the signal before us. */
	for (unsigned i = 0; i < 4; i++) {
		if (trap_signals[i] != sig)
			continue;
		struct sigaction *o = &old_action[i];
		if ((o->sa_flags & SA_SIGINFO) && o->sa_sigaction) {
			o->sa_sigaction(sig, si, ucv);
			return;
		}
		if (o->sa_handler != SIG_DFL && o->sa_handler != SIG_IGN) {
			o->sa_handler(sig);
			return;
		}
	}
	signal(sig, SIG_DFL); /* returning re-executes the fault: the default action */
}

static void host_free(void *p)
{
	struct insn_host *h = p;
	munmap(h->slot, 4096);
	free(h->buf);
	free(h->host_area);
	free(h);
}

void insn_simd__install_traps(void)
{
	for (unsigned i = 0; i < 4; i++) {
		struct sigaction sa = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO | SA_NODEFER };
		struct sigaction old;
		sigemptyset(&sa.sa_mask);
		sigaction(trap_signals[i], &sa, &old);
		if (old.sa_sigaction != on_trap)
			old_action[i] = old;
	}
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* The host's feature leaves, read once: CPUID traps in a VM and costs more than an emulation. */
static uint32_t r1[4], r7[4], e1[4];

static void host_init_once(void)
{
	cpuid(1, 0, r1);
	cpuid(7, 0, r7);
	cpuid(0x80000001, 0, e1);
	pthread_key_create(&host_key, host_free);
	insn_simd__install_traps();
}

static struct insn_host *host_get(void);

void insn_simd__thread_init(void)
{
	(void)host_get();
}

static struct insn_host *host_get(void)
{
	if (tls_host)
		return tls_host;
	pthread_once(&host_once, host_init_once);
	if (!(r1[2] & (1u << 27)))
		return NULL; /* no OSXSAVE on the host: the guest's state cannot be loaded */
	struct insn_host *h = calloc(1, sizeof(*h));
	uint32_t r[4];
	cpuid(0xd, 0, r);
	uint32_t lo, hi;
	__asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if (!h)
		return NULL;
	h->host_mask = (uint64_t)hi << 32 | lo;
	h->host_area = aligned_alloc(64, (r[1] + 63) & ~63u);
	h->buf = aligned_alloc(4096, BUF_SIZE);
	h->slot = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (!h->host_area || !h->buf || h->slot == MAP_FAILED) {
		free(h->host_area);
		free(h->buf);
		if (h->slot != MAP_FAILED)
			munmap(h->slot, 4096);
		free(h);
		return NULL;
	}
	memset(h->host_area, 0, (r[1] + 63) & ~63u);
	pthread_setspecific(host_key, h);
	tls_host = h;
	return h;
}

bool insn_simd__trace(struct insn_simd_trace *t)
{
	if (!tls_host || !tls_runs)
		return false;
	*t = (struct insn_simd_trace){ .runs = tls_runs, .code = tls_host->slot, .len = tls_len,
				       .buf = (uintptr_t)tls_host->buf, .buf_size = BUF_SIZE };
	return true;
}

/* The host supports the instruction's ISA set (else the guest gets #UD, as on this CPU). */
static bool host_has(ZydisISASet s)
{
	switch (s) {
	case ZYDIS_ISA_SET_SSE3: return r1[2] & (1u << 0);
	case ZYDIS_ISA_SET_SSSE3:
	case ZYDIS_ISA_SET_SSSE3MMX: return r1[2] & (1u << 9);
	case ZYDIS_ISA_SET_FMA: return r1[2] & (1u << 12);
	case ZYDIS_ISA_SET_SSE4: return r1[2] & (1u << 19);
	case ZYDIS_ISA_SET_SSE42: return r1[2] & (1u << 20);
	case ZYDIS_ISA_SET_AVX: return r1[2] & (1u << 28);
	case ZYDIS_ISA_SET_F16C: return r1[2] & (1u << 29);
	case ZYDIS_ISA_SET_AVX2: return r7[1] & (1u << 5);
	case ZYDIS_ISA_SET_SSE4A: return e1[2] & (1u << 6);
	default: return true; /* x87, MMX, SSE, SSE2: every x86-64 CPU */
	}
}

/* The same register of another family (e.g. esp -> r10d). */
static ZydisRegister remap(ZydisRegister reg, unsigned family)
{
	ZydisRegisterClass cls = ZydisRegisterGetClass(reg);
	for (int id = 0; id < 20; id++) {
		ZydisRegister r = ZydisRegisterEncode(cls, (ZyanU8)id);
		if (r != ZYDIS_REGISTER_NONE && insn__gpr_family(r) == (int)family &&
		    !(cls == ZYDIS_REGCLASS_GPR8 && r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH))
			return r;
	}
	return ZYDIS_REGISTER_NONE;
}

/*
 * Where the host put its own addresses in the x87 state, the guest's
 * instead: FIP in the slot is the guest's rip, FDP in the buffer is the
 * guest's operand offset plus how far into the operand (at buf_op, the
 * same page offset as the guest's) it points.
 */
static void fix_x87_pointers(uint8_t *xs, uint64_t slot, unsigned len, uint64_t buf,
			     uint64_t buf_op, uint64_t guest_ip, uint64_t guest_ea, bool has_mem)
{
	uint64_t fip, fdp;
	memcpy(&fip, xs + 8, 8);
	memcpy(&fdp, xs + 16, 8);
	if (fip >= slot && fip < slot + len)
		memcpy(xs + 8, &guest_ip, 8);
	if (has_mem && fdp >= buf && fdp < buf + BUF_SIZE) {
		uint64_t v = guest_ea + (fdp - buf_op);
		memcpy(xs + 16, &v, 8);
	}
}

enum insn_verdict insn_simd__run(struct insn_ctx *x, const struct insn_memop *m)
{
	struct insn_cpu *c = x->c;
	const struct insn_decoded *d = x->d;
	const struct insn_env *env = c->env;
	bool lm = d->mode == ZYDIS_MACHINE_MODE_LONG_64;
	bool vex = d->i.encoding == ZYDIS_INSTRUCTION_ENCODING_VEX;

	struct insn_host *h = host_get();
	if (!h) {
		insn__refuse(x, "no host execution area (out of memory, or the host has no XSAVE)");
		return INSN_REFUSED;
	}
	if (!host_has(d->i.meta.isa_set)) {
		insn__raise(x->ev, X86_EXC_UD, false, 0);
		return INSN_FAULT;
	}

	/* The registers the instruction names or implies; B and R are picked outside them. */
	bool used[16] = { false };
	used[4] = true;
	for (unsigned i = 0; i < d->i.operand_count; i++) {
		if (d->op[i].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			int f = insn__gpr_family(d->op[i].reg.value);
			if (f >= 0)
				used[f] = true;
		}
	}
	static const unsigned pool[] = { 11, 10, 9, 8, 15, 14, 13, 12, 3, 5, 6, 7, 2, 1, 0 };
	int b = -1, r = -1;
	for (unsigned i = 0; i < sizeof(pool) / sizeof(pool[0]); i++) {
		if (used[pool[i]])
			continue;
		if (b < 0)
			b = (int)pool[i];
		else if (r < 0)
			r = (int)pool[i];
	}
	if (b < 0 || r < 0) {
		insn__refuse(x, "no free host register for the operand");
		return INSN_REFUSED;
	}

	/* Re-encode for the host. */
	ZydisEncoderRequest req;
	if (!ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(
		    &d->i, d->op, d->i.operand_count_visible, &req))) {
		insn__refuse(x, "the encoder cannot take %s", ZydisMnemonicGetString(d->i.mnemonic));
		return INSN_REFUSED;
	}
	req.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
	req.prefixes &= ~(ZYDIS_ATTRIB_HAS_SEGMENT | ZYDIS_ATTRIB_HAS_ADDRESSSIZE);
	req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_NONE;
	bool rsp_operand = false;
	uint8_t *buf_op = h->buf + (m->la & 4095);
	for (unsigned i = 0; i < req.operand_count; i++) {
		ZydisEncoderOperand *o = &req.operands[i];
		if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			o->mem.base = ZydisRegisterEncode(ZYDIS_REGCLASS_GPR64, (ZyanU8)b);
			o->mem.index = ZYDIS_REGISTER_NONE;
			o->mem.scale = 0;
			o->mem.displacement = 0;
		} else if (o->type == ZYDIS_OPERAND_TYPE_REGISTER &&
			   insn__gpr_family(o->reg.value) == 4) {
			o->reg.value = remap(o->reg.value, (unsigned)r);
			rsp_operand = true;
		}
	}
	ZyanUSize len = 64;
	if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&req, h->slot, &len))) {
		insn__refuse(x, "the encoder cannot re-encode %s for the host",
			     ZydisMnemonicGetString(d->i.mnemonic));
		return INSN_REFUSED;
	}
	ZydisEncoderRequest ret = { .machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
				    .mnemonic = ZYDIS_MNEMONIC_RET };
	ZyanUSize rlen = 16;
	if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&ret, h->slot + len, &rlen))) {
		insn__refuse(x, "the encoder cannot encode ret");
		return INSN_REFUSED;
	}

	/* The guest's state. */
	if (!c->xsave_valid) {
		if (env->get_xsave(env->ctx, c->xsave)) {
			insn__refuse(x, "cannot read the vCPU's XSAVE state");
			return INSN_REFUSED;
		}
		c->xsave_valid = true;
	}
	uint64_t mask = (X86_XCR0_X87 | X86_XCR0_SSE | (vex ? X86_XCR0_AVX : 0)) & h->host_mask;

	/* The memory operand: fetch it (a failed translation is kept for later). */
	int mem_fault = 0;
	uint64_t fault_addr = 0;
	uint32_t pfec = 0;
	memset(buf_op, 0, m->op ? m->size : 0);
	if (m->op) {
		if (m->read)
			mem_fault = env->access(env->ctx, m->la, buf_op, m->size, 0, &fault_addr, &pfec);
		if (!mem_fault && m->write)
			mem_fault = env->access(env->ctx, m->la, NULL, m->size,
						INSN_ACC_WRITE | INSN_ACC_PROBE, &fault_addr, &pfec);
		if (mem_fault == -2) {
			insn__refuse(x, "the memory operand at %#llx is not RAM",
				     (unsigned long long)m->la);
			return INSN_REFUSED;
		}
	}

	struct insn_host_ctx hc = {
		.host_area = h->host_area,
		.host_mask = h->host_mask,
		.guest_mask = mask,
		.slot = (uint64_t)(uintptr_t)h->slot,
		.rflags = c->regs->rflags,
	};
	for (unsigned f = 0; f < 16; f++)
		hc.gpr[f] = insn__gpr(c->regs, f);
	hc.gpr[b] = (uint64_t)(uintptr_t)buf_op;
	hc.gpr[r] = c->regs->rsp;

	uint8_t before[1024], *after = c->xsave;
	/* What the guest can see changed: the legacy area and AVX, not the header. */
#define STATE_CHANGED(a, b) (memcmp(a, b, 512) != 0 || memcmp(a + 576, b + 576, 256) != 0)
	/* Run on a copy, so a dropped run leaves the image as it was. */
	static __thread uint8_t work[INSN_XSAVE_SIZE] __attribute__((aligned(64)));
	memcpy(work, c->xsave, INSN_XSAVE_SIZE);
	memcpy(before, c->xsave, sizeof(before));
	hc.guest_area = work;

	tls_signo = 0;
	tls_runs++;
	tls_len = (unsigned)len;
	tls_lo = (uintptr_t)h->slot;
	tls_resume = (uintptr_t)h->slot + len;
	insn_exec__run(&hc);
	tls_resume = 0;
	int sig = tls_signo, trap = tls_trapno;

	/* Exceptions, in the CPU's order: #UD and #GP from the instruction itself, then #PF. */
	if (sig == SIGILL) {
		insn__raise(x->ev, X86_EXC_UD, false, 0);
		return INSN_FAULT;
	}
	if (sig == SIGSEGV && trap == X86_EXC_GP) {
		insn__raise(x->ev, X86_EXC_GP, true, 0);
		return INSN_FAULT;
	}
	if (sig && sig != SIGFPE) {
		insn__refuse(x, "the host raised signal %d (trap %d) running %s", sig, trap,
			     ZydisMnemonicGetString(d->i.mnemonic));
		return INSN_REFUSED;
	}
	if (mem_fault) {
		insn__raise(x->ev, X86_EXC_PF, true, pfec);
		x->ev->set_cr2 = true;
		x->ev->cr2 = fault_addr;
		return INSN_FAULT;
	}
	if (sig == SIGFPE) {
		if (trap == X86_EXC_MF && !(c->sregs->cr0 & X86_CR0_NE)) {
			insn__refuse(x, "a pending x87 exception with CR0.NE clear (FERR#/IRQ13 "
				     "reporting is not modelled)");
			return INSN_REFUSED;
		}
		/* The state at the fault is the guest's now (MXCSR or FSW flags). */
		fix_x87_pointers(work, hc.slot, (unsigned)len, (uint64_t)(uintptr_t)h->buf,
				 (uint64_t)(uintptr_t)buf_op, c->regs->rip, m->ea, m->op != NULL);
		memcpy(c->xsave, work, INSN_XSAVE_SIZE);
		c->xsave_dirty |= STATE_CHANGED(before, c->xsave);
		if (trap == X86_EXC_MF)
			insn__raise(x->ev, X86_EXC_MF, false, 0);
		else if (c->sregs->cr4 & X86_CR4_OSXMMEXCPT)
			insn__raise(x->ev, X86_EXC_XM, false, 0);
		else
			insn__raise(x->ev, X86_EXC_UD, false, 0);
		return INSN_FAULT;
	}

	/* Completed: memory first (it may still fault), then registers and state. */
	if (m->op && m->write) {
		int w = env->access(env->ctx, m->la, buf_op, m->size, INSN_ACC_WRITE, &fault_addr,
				    &pfec);
		if (w == -1) {
			insn__raise(x->ev, X86_EXC_PF, true, pfec);
			x->ev->set_cr2 = true;
			x->ev->cr2 = fault_addr;
			return INSN_FAULT;
		}
		if (w) {
			insn__refuse(x, "the memory operand at %#llx is not RAM",
				     (unsigned long long)m->la);
			return INSN_REFUSED;
		}
	}
	fix_x87_pointers(work, hc.slot, (unsigned)len, (uint64_t)(uintptr_t)h->buf,
			 (uint64_t)(uintptr_t)buf_op, c->regs->rip, m->ea, m->op != NULL);
	memcpy(after, work, INSN_XSAVE_SIZE);
	c->xsave_dirty |= STATE_CHANGED(before, after);
	for (unsigned f = 0; f < 16; f++) {
		if (f == 4 || (int)f == b || (int)f == r)
			continue;
		uint64_t v = hc.gpr[f];
		if (!lm)
			v = (insn__gpr(c->regs, f) & ~0xffffffffull) | (v & 0xffffffffull);
		insn__set_gpr(c->regs, f, v);
	}
	if (rsp_operand) {
		uint64_t v = hc.gpr[r];
		if (!lm)
			v = (c->regs->rsp & ~0xffffffffull) | (v & 0xffffffffull);
		c->regs->rsp = v;
	}
	/* Completed: RF clears, as after any instruction. */
	c->regs->rflags = (c->regs->rflags & ~(X86_RFLAGS_STATUS | X86_RFLAGS_RF)) |
			  (hc.rflags & X86_RFLAGS_STATUS);
	c->regs->rip = insn__next_rip(c, d);
	return INSN_DONE;
}
