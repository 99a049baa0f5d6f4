/*
 * libFuzzer target: the instruction completer (vmm/insn/) on guest-chosen
 * instructions, in-process on a fake vCPU as tests/vmm/insn does, with no
 * KVM. The input is the instruction's bytes, the vCPU's mode and control
 * registers, its general registers and flags, its XSAVE image and XCR0,
 * its segments, and guest memory: page tables built for the chosen paging
 * mode (then any entry overwritten by the input) and the data pages behind
 * them. Guest memory is a real domain's RAM (built without KVM, as
 * elf_fuzz does), accessed through vmm/gview.c and the core's page walk,
 * as the VMM does.
 *
 * The engine runs guest instructions on the host CPU, so what is checked
 * is what must never happen however the guest chooses them:
 *   - the host runs exactly the decoded instruction: the executable page
 *     holds the same mnemonic with the same operands, the memory operand
 *     replaced by [reg] where reg is none of the instruction's registers
 *     (no displacement, index or segment), then ret;
 *   - the host's own state survives: MXCSR, the x87 control word and XCR0
 *     of the fuzzing thread are unchanged;
 *   - guest memory is touched only at the memory operand (same linear
 *     address and size at every access), written only by an instruction
 *     that writes it, and only when it completes;
 *   - nothing of the host leaks into the guest: the x87 instruction and
 *     data pointers never hold the host's code page or operand buffer;
 *   - a refusal or an exception leaves the registers as they were, a
 *     completion changes no register the instruction does not name (nor
 *     the upper halves of any in 32-bit code), advances rip by the length
 *     and keeps every flag but the status flags and RF;
 *   - an exception is one of those the instruction classes raise.
 * ASan and UBSan check the engine's own memory accesses.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "fuzz_domain.h"
#include "fuzz_input.h"
#include "insn.h"
#include "vmm.h"

/* Guest-physical layout: data pages, then the page tables. */
#define DATA_GPA 0x10000ull
#define DATA_PAGES 4
#define PT_GPA 0x80000ull
#define PT_PAGES 5
#define LA_LOW 0x10000ull
#define LA_HIGH 0xffff800000010000ull

static struct vmm vmm;
static struct vmm_domain *vd;
static uint32_t host_mxcsr_mask;
static uint64_t host_xcr0;
static bool verbose; /* INSN_FUZZ_VERBOSE set: one line per input (replaying seeds) */

/* The engine's accesses, for the checks. */
#define MAX_ACCESS 8
struct fuzz_env {
	struct kvm_sregs *sregs;
	struct kvm_regs *regs;
	uint8_t image[INSN_XSAVE_SIZE] __attribute__((aligned(64)));
	uint64_t xcr0;
	unsigned nacc;
	struct {
		uint64_t la;
		size_t len;
		unsigned flags;
		int ret;
	} acc[MAX_ACCESS];
};

static int f_access(void *ctx, uint64_t la, void *buf, size_t len, unsigned flags,
		    uint64_t *fault_addr, uint32_t *pfec)
{
	struct fuzz_env *e = ctx;
	struct gview_fault f = { 0 };
	int r = gview__access(vd, e->sregs, e->regs->rflags, la, buf, len, flags, &f);
	*fault_addr = f.addr;
	*pfec = f.pfec;
	if (e->nacc == MAX_ACCESS)
		abort(); /* more accesses than one operand needs */
	e->acc[e->nacc++] = (typeof(e->acc[0])){ la, len, flags, r };
	return r;
}

static int f_get_xsave(void *ctx, void *buf)
{
	memcpy(buf, ((struct fuzz_env *)ctx)->image, INSN_XSAVE_SIZE);
	return 0;
}

static int f_get_xcr0(void *ctx, uint64_t *v)
{
	*v = ((struct fuzz_env *)ctx)->xcr0;
	return 0;
}

static int f_set_xcr0(void *ctx, uint64_t v)
{
	((struct fuzz_env *)ctx)->xcr0 = v;
	return 0;
}

static void setup(void)
{
	vd = fuzz__domain(&vmm);
	uint8_t fx[512] __attribute__((aligned(16)));
	memset(fx, 0, sizeof(fx));
	__asm__ __volatile__("fxsave64 %0" : "=m"(fx));
	memcpy(&host_mxcsr_mask, fx + 28, 4);
	if (!host_mxcsr_mask)
		host_mxcsr_mask = 0xffbf;
	uint32_t lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	host_xcr0 = (uint64_t)hi << 32 | lo;
	verbose = getenv("INSN_FUZZ_VERBOSE") != NULL;
}

static void put64(uint64_t gpa_, uint64_t v)
{
	memcpy(vd->ram + gpa_, &v, 8);
}

static void put32(uint64_t gpa_, uint32_t v)
{
	memcpy(vd->ram + gpa_, &v, 4);
}

/*
 * Page tables mapping DATA_PAGES linear pages from la to the data pages
 * (or wherever the input says), in the paging mode of sregs; the upper
 * levels' flags and the leaves' come from the input.
 */
static void build_tables(struct fuzz_in *in, const struct kvm_sregs *s, uint64_t la)
{
	bool lm = s->efer & X86_EFER_LMA, pae = s->cr4 & X86_CR4_PAE;
	bool la57 = s->cr4 & X86_CR4_LA57;
	unsigned levels = lm ? (la57 ? 5 : 4) : pae ? 3 : 2;
	unsigned esize = (lm || pae) ? 8 : 4, bits = esize == 8 ? 9 : 10;
	uint64_t table = PT_GPA;

	for (unsigned lvl = levels; lvl > 1; lvl--) {
		unsigned shift = 12 + bits * (lvl - 1);
		uint64_t idx = (la >> shift) & ((1ull << bits) - 1);
		if (!lm && pae && lvl == 3)
			idx = (la >> 30) & 3;
		uint64_t next = table + PAGE_SIZE;
		uint64_t fl = fuzz__take(in, 1);
		/* P, RW, US, A by default; the input may clear them or set others. */
		uint64_t e = next | ((X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_A) ^ (fl & 0x27));
		if (!lm && pae && lvl == 3)
			e = next | X86_PTE_P; /* PDPTEs: only P (the rest is reserved) */
		if (esize == 8)
			put64(table + idx * 8, e | ((fl & 0x80) ? X86_PTE_NX : 0));
		else
			put32(table + idx * 4, (uint32_t)e);
		table = next;
	}
	for (unsigned k = 0; k < DATA_PAGES; k++) {
		uint64_t a = la + (uint64_t)k * PAGE_SIZE;
		uint64_t idx = (a >> 12) & ((1ull << bits) - 1);
		uint64_t fl = fuzz__take(in, 1), frame = fuzz__take(in, 1);
		/* Usually a data page; sometimes any frame (a table, beyond RAM). */
		uint64_t pa = frame < 0xf0 ? DATA_GPA + (frame % DATA_PAGES) * PAGE_SIZE
					   : fuzz__take(in, 5) << 12;
		uint64_t e = pa | ((X86_PTE_P | X86_PTE_RW | X86_PTE_A | X86_PTE_D) ^ (fl & 0x67));
		if (esize == 8)
			put64(table + idx * 8, e | ((fl & 0x80) ? X86_PTE_NX : 0));
		else
			put32(table + idx * 4, (uint32_t)e);
	}
	/* Any entry of any table overwritten: large pages, reserved bits, loops. */
	unsigned pokes = fuzz__take(in, 1) % 4;
	for (unsigned i = 0; i < pokes; i++) {
		uint64_t off = fuzz__take(in, 2) % (PT_PAGES * PAGE_SIZE - 8);
		put64(PT_GPA + (off & ~7ull), fuzz__take(in, 8));
	}
}

static void segment(struct fuzz_in *in, struct kvm_segment *seg, bool lm)
{
	seg->base = lm ? fuzz__take(in, 8) : (uint32_t)fuzz__take(in, 4);
	if (!lm) {
		uint8_t a = (uint8_t)fuzz__take(in, 1);
		seg->limit = (a & 1) ? (uint32_t)fuzz__take(in, 4) : 0xffffffff;
		seg->type = (uint8_t)fuzz__take(in, 1) & 15;
		seg->present = !(a & 2);
		seg->unusable = (a & 4) != 0;
		seg->db = !(a & 8);
	}
}

/* The registers (GPR families 0-15) the decoded instruction names. */
static void used_gprs(const struct insn_decoded *d, bool used[16])
{
	for (unsigned i = 0; i < d->i.operand_count; i++) {
		const ZydisDecodedOperand *op = &d->op[i];
		if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			int f = insn__gpr_family(op->reg.value);
			if (f >= 0)
				used[f] = true;
		}
	}
}

/* The host's instruction is the guest's: see the comment at the top. */
static void check_host_code(const struct insn_decoded *d, const struct insn_simd_trace *t)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction hi;
	ZydisDecodedOperand hop[ZYDIS_MAX_OPERAND_COUNT];
	bool used[16] = { false };

	used_gprs(d, used);
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, t->code, t->len, &hi, hop)))
		abort();
	if (hi.length != t->len || t->code[t->len] != 0xc3)
		abort(); /* exactly one instruction, then ret */
	if (hi.mnemonic != d->i.mnemonic || hi.operand_count_visible != d->i.operand_count_visible)
		abort();
	if (hi.attributes & (ZYDIS_ATTRIB_HAS_SEGMENT | ZYDIS_ATTRIB_HAS_LOCK))
		abort();
	for (unsigned i = 0; i < hi.operand_count_visible; i++) {
		const ZydisDecodedOperand *g = &d->op[i], *h = &hop[i];
		if (g->type != h->type || g->size != h->size)
			abort();
		switch (g->type) {
		case ZYDIS_OPERAND_TYPE_REGISTER:
			if (insn__gpr_family(g->reg.value) == 4) {
				int f = insn__gpr_family(h->reg.value);
				if (f < 0 || f == 4 || used[f] ||
				    ZydisRegisterGetClass(h->reg.value) !=
					    ZydisRegisterGetClass(g->reg.value))
					abort();
			} else if (g->reg.value != h->reg.value) {
				abort();
			}
			break;
		case ZYDIS_OPERAND_TYPE_MEMORY: {
			int f = insn__gpr_family(h->mem.base);
			if (ZydisRegisterGetClass(h->mem.base) != ZYDIS_REGCLASS_GPR64 || f == 4 ||
			    used[f] || h->mem.index != ZYDIS_REGISTER_NONE ||
			    (h->mem.disp.has_displacement && h->mem.disp.value) ||
			    (h->mem.segment != ZYDIS_REGISTER_DS && h->mem.segment != ZYDIS_REGISTER_NONE))
				abort();
			break;
		}
		case ZYDIS_OPERAND_TYPE_IMMEDIATE:
			if (g->imm.value.u != h->imm.value.u)
				abort();
			break;
		default:
			break;
		}
	}
}

static uint16_t host_fcw(void)
{
	uint16_t v;
	__asm__ __volatile__("fnstcw %0" : "=m"(v));
	return v;
}

static uint32_t host_mxcsr(void)
{
	uint32_t v;
	__asm__ __volatile__("stmxcsr %0" : "=m"(v));
	return v;
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_env e;
	static uint8_t xsave[INSN_XSAVE_SIZE] __attribute__((aligned(64)));
	struct fuzz_in in = { data, size };
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (!vd)
		setup();
	/* A fresh RAM: every page reads as zeros again. */
	if (fallocate(vd->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		      (off_t)vd->ram_size))
		abort();
	memset(&regs, 0, sizeof(regs));
	memset(&sregs, 0, sizeof(sregs));
	memset(&e, 0, sizeof(e));
	e.regs = &regs;
	e.sregs = &sregs;

	/* The mode and control registers. */
	uint32_t fl = (uint32_t)fuzz__take(&in, 4);
	bool lm = fl & 1;
	struct kvm_segment flat = { .limit = 0xffffffff, .type = 3, .present = 1, .s = 1, .db = 1,
				    .g = 1 };
	sregs.ds = sregs.es = sregs.ss = sregs.fs = sregs.gs = flat;
	sregs.cs = flat;
	sregs.cs.type = 0xb;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_NE | X86_CR0_ET;
	sregs.cr4 = X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (lm) {
		sregs.cr0 |= X86_CR0_PG;
		sregs.cr4 |= X86_CR4_PAE;
		sregs.efer = X86_EFER_LME | X86_EFER_LMA;
		sregs.cs.l = 1;
		sregs.cs.db = 0;
		if (fl & (1u << 3))
			sregs.cr4 |= X86_CR4_LA57;
		if (fl & (1u << 22))
			sregs.cs.l = 0; /* compatibility mode */
	} else if (fl & 2) {
		sregs.cr0 |= X86_CR0_PG;
		if (fl & 4)
			sregs.cr4 |= X86_CR4_PAE;
		if (fl & (1u << 14))
			sregs.cr4 |= X86_CR4_PSE;
	}
	if (!lm && (fl & (1u << 19)))
		sregs.cs.db = 0; /* 16-bit code */
	if (!lm && (fl & (1u << 20)))
		sregs.ss.db = 0;
	if (fl & (1u << 23))
		sregs.cs.selector = 3;
	sregs.cr3 = PT_GPA;

	uint64_t status = fuzz__take(&in, 1) & 0xd5; /* CF, PF, AF, ZF, SF */
	uint64_t of = fuzz__take(&in, 1) & 8;
	regs.rflags = 2 | status | (of ? 0x800 : 0);
	/* The other control bits: bit n of the flags sets or clears one. */
	static const struct {
		uint8_t bit, reg; /* 0 CR0, 1 CR4, 2 EFER, 3 RFLAGS */
		bool set;
		uint64_t mask;
	} ctl[] = {
		{ 4, 0, true, X86_CR0_TS },	     { 5, 0, true, X86_CR0_EM },
		{ 6, 0, false, X86_CR0_MP },	     { 7, 0, false, X86_CR0_NE },
		{ 8, 0, true, X86_CR0_WP },	     { 9, 1, false, X86_CR4_OSFXSR },
		{ 10, 1, false, X86_CR4_OSXMMEXCPT }, { 11, 1, true, X86_CR4_OSXSAVE },
		{ 12, 1, true, X86_CR4_SMAP },	     { 13, 1, true, X86_CR4_SMEP },
		{ 15, 2, true, X86_EFER_NXE },	     { 16, 2, true, X86_EFER_SVME },
		{ 17, 3, true, X86_RFLAGS_AC },	     { 18, 3, true, X86_RFLAGS_TF },
	};
	for (unsigned i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		__u64 *r[] = { &sregs.cr0, &sregs.cr4, &sregs.efer, &regs.rflags };
		if (!(fl & (1u << ctl[i].bit)))
			continue;
		if (ctl[i].set)
			*r[ctl[i].reg] |= ctl[i].mask;
		else
			*r[ctl[i].reg] &= ~ctl[i].mask;
	}
	static const uint64_t xcr0s[] = { 1, 3, 7, 5 };
	uint8_t xc = (uint8_t)fuzz__take(&in, 1);
	e.xcr0 = xcr0s[xc & 3];
	uint64_t supported = (xc & 4) ? 3 : 7;

	/* The instruction. */
	uint8_t bytes[15];
	unsigned len = 1 + (unsigned)fuzz__take(&in, 1) % 15;
	for (unsigned i = 0; i < 15; i++)
		bytes[i] = (uint8_t)fuzz__take(&in, 1);

	/* General registers: small, near the data, or anything. */
	uint64_t la_base = (lm && (fl & (1u << 24))) ? LA_HIGH : LA_LOW;
	for (unsigned f = 0; f < 16; f++) {
		uint64_t v;
		switch (fuzz__take(&in, 1) & 3) {
		case 0: v = fuzz__take(&in, 1); break;
		case 1: v = la_base + fuzz__take(&in, 2); break;
		case 2: v = fuzz__take(&in, 8); break;
		default: v = (uint32_t)fuzz__take(&in, 4); break;
		}
		insn__set_gpr(&regs, f, v);
	}
	regs.rip = (fl & (1u << 25)) ? fuzz__take(&in, 8) : la_base + fuzz__take(&in, 2);

	/* Segments other than flat. */
	if (fl & (1u << 21)) {
		if (lm) {
			segment(&in, &sregs.fs, true);
			segment(&in, &sregs.gs, true);
		} else {
			struct kvm_segment *segs[] = { &sregs.ds, &sregs.es, &sregs.ss, &sregs.fs,
						       &sregs.gs };
			for (unsigned i = 0; i < 5; i++)
				segment(&in, segs[i], false);
		}
	}

	/* The XSAVE image, as KVM hands it over: valid for xrstor. */
	uint8_t *img = e.image;
	for (unsigned i = 0; i < 512 && in.left; i++)
		img[i] = (uint8_t)fuzz__take(&in, 1);
	uint32_t mx;
	memcpy(&mx, img + 24, 4);
	mx &= host_mxcsr_mask;
	memcpy(img + 24, &mx, 4);
	uint64_t bv = fuzz__take(&in, 1) & 7 & host_xcr0;
	memcpy(img + 512, &bv, 8);
	if (bv & X86_XCR0_AVX)
		for (unsigned i = 0; i < 256 && in.left; i++)
			img[576 + i] = (uint8_t)fuzz__take(&in, 1);

	/* Guest memory: the tables, then the data pages. */
	if (sregs.cr0 & X86_CR0_PG)
		build_tables(&in, &sregs, la_base);
	for (unsigned i = 0; i < DATA_PAGES * PAGE_SIZE && in.left; i++)
		vd->ram[DATA_GPA + i] = (uint8_t)fuzz__take(&in, 1);

	/* Decode and complete, as exit.c and kvm_env.c do. */
	struct insn_decoded d;
	char why[256];
	int r = insn__decode(&sregs, bytes, len, &d, why, sizeof(why));
	if (r) {
		if (verbose)
			fprintf(stderr, "insn_fuzz: decode %s\n", r > 0 ? "#UD" : why);
		return 0; /* refused (why) or #UD: nothing runs */
	}

	struct insn_env env = { .ctx = &e, .access = f_access, .get_xsave = f_get_xsave,
				.get_xcr0 = f_get_xcr0, .set_xcr0 = f_set_xcr0,
				.xcr0_supported = supported, .xgetbv1 = (xc & 8) != 0 };
	struct insn_cpu c = { .regs = &regs, .sregs = &sregs, .env = &env, .xsave = xsave };
	struct insn_event ev;
	enum insn_class cls = INSN_CLASS_EXCEPTION;
	struct insn_simd_trace t0 = { 0 }, t1;
	const struct kvm_regs regs0 = regs;
	const struct kvm_sregs sregs0 = sregs;
	uint16_t fcw = host_fcw();
	uint32_t mxcsr = host_mxcsr();

	(void)insn_simd__trace(&t0);
	enum insn_verdict v = insn__execute(&c, &d, &ev, &cls, why, sizeof(why));

	if (verbose)
		fprintf(stderr, "insn_fuzz: %s: %s vector %u (%s)\n",
			ZydisMnemonicGetString(d.i.mnemonic),
			v == INSN_DONE ? "done" : v == INSN_FAULT ? "fault" : "refused",
			ev.pending ? ev.vector : 0, why);
	/* The host's own state. */
	if (host_fcw() != fcw || host_mxcsr() != mxcsr || xgetbv0() != host_xcr0)
		abort();
	if (memcmp(&sregs, &sregs0, sizeof(sregs)))
		abort();
	bool ran = insn_simd__trace(&t1) && t1.runs != t0.runs;
	if (ran)
		check_host_code(&d, &t1);

	/* Guest memory: only the operand, written only by a completed write. */
	bool mem_write = false, mem_read = false;
	for (unsigned i = 0; i < d.i.operand_count; i++) {
		if (d.op[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    d.op[i].visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT) {
			mem_write |= (d.op[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
			mem_read |= (d.op[i].actions & ZYDIS_OPERAND_ACTION_MASK_READ) != 0;
		}
	}
	for (unsigned i = 0; i < e.nacc; i++) {
		if (e.acc[i].la != e.acc[0].la || e.acc[i].len != e.acc[0].len || e.acc[i].len > 64)
			abort();
		bool w = e.acc[i].flags & INSN_ACC_WRITE, probe = e.acc[i].flags & INSN_ACC_PROBE;
		if ((w && !mem_write) || (!w && !mem_read))
			abort();
		if (w && !probe && v != INSN_DONE && e.acc[i].ret == 0)
			abort(); /* written, then not completed */
	}

	switch (v) {
	case INSN_REFUSED:
		if (!why[0] || c.xsave_dirty || memcmp(&regs, &regs0, sizeof(regs)))
			abort();
		break;
	case INSN_FAULT:
		if (!ev.pending || memcmp(&regs, &regs0, sizeof(regs)))
			abort();
		switch (ev.vector) {
		case X86_EXC_UD:
		case X86_EXC_NM:
		case X86_EXC_MF:
		case X86_EXC_XM:
			if (ev.has_error || ev.set_cr2)
				abort();
			break;
		case X86_EXC_GP:
		case X86_EXC_SS:
			if (!ev.has_error || ev.error_code || ev.set_cr2)
				abort();
			break;
		case X86_EXC_PF:
			if (!ev.has_error || !ev.set_cr2 || !e.nacc)
				abort();
			break;
		default:
			abort();
		}
		break;
	case INSN_DONE: {
		if (ev.pending)
			abort();
		uint64_t next = regs0.rip + d.i.length;
		if (regs.rip != (lm ? next : (uint32_t)next))
			abort();
		bool used[16] = { false };
		used_gprs(&d, used);
		for (unsigned f = 0; f < 16; f++) {
			uint64_t now = insn__gpr(&regs, f), was = insn__gpr(&regs0, f);
			if (!used[f] && now != was)
				abort();
			/* 32-bit code: the upper halves stay (xgetbv's writes may clear
			 * them: they are undefined outside 64-bit mode). */
			if (!lm && cls != INSN_CLASS_XCR && (now >> 32) != (was >> 32))
				abort();
		}
		if ((regs.rflags ^ regs0.rflags) & ~(uint64_t)(0x8d5 | X86_RFLAGS_RF))
			abort();
		break;
	}
	}

	/*
	 * An x87 instruction that ran: a changed FIP is the guest's rip, a
	 * changed FDP the offset of its memory operand (where the engine found
	 * it, insn_mem__locate); or 0, from a CPU that saves them only with
	 * an exception pending (AMD). The CPU keeps 48 bits of what xrstor
	 * loads: an image's pointer with other upper bits comes back cut.
	 */
	if (ran && cls == INSN_CLASS_X87 && v != INSN_REFUSED) {
		uint64_t fip, fip0, fdp, fdp0;
		memcpy(&fip, xsave + 8, 8);
		memcpy(&fip0, e.image + 8, 8);
		memcpy(&fdp, xsave + 16, 8);
		memcpy(&fdp0, e.image + 16, 8);
		const uint64_t low48 = (1ull << 48) - 1;
		if (((fip ^ fip0) & low48) && fip && fip != regs0.rip)
			abort();
		struct insn_event ev2;
		struct insn_memop m;
		struct kvm_regs r2 = regs0;
		struct insn_cpu c2 = { .regs = &r2, .sregs = &sregs, .env = &env, .xsave = xsave };
		struct insn_ctx x = { .c = &c2, .d = &d, .ev = &ev2, .why = why, .whylen = sizeof(why) };
		if (((fdp ^ fdp0) & low48) && fdp && insn_mem__locate(&x, &m) && m.op && fdp != m.ea)
			abort();
	}

	/*
	 * Only the components the instruction's class loads come back: the
	 * AVX area (and XSTATE_BV's bit) of a legacy instruction, the header's
	 * rest and every later component stay as KVM gave them, whatever the
	 * host's own state holds there.
	 */
	if (c.xsave_valid) {
		bool vex = d.i.encoding == ZYDIS_INSTRUCTION_ENCODING_VEX;
		if (memcmp(xsave + 520, e.image + 520, 56) ||
		    memcmp(xsave + 832, e.image + 832, INSN_XSAVE_SIZE - 832))
			abort();
		if (!vex && (memcmp(xsave + 576, e.image + 576, 256) ||
			     (xsave[512] & X86_XCR0_AVX) != (e.image[512] & X86_XCR0_AVX)))
			abort();
	}

	/* No host address in the x87 pointers (FIP, FDP) the guest can read back. */
	if (ran && c.xsave_valid) {
		for (unsigned off = 8; off <= 16; off += 8) {
			uint64_t p, p0;
			memcpy(&p, xsave + off, 8);
			memcpy(&p0, e.image + off, 8);
			if (p == p0)
				continue;
			if ((p >= (uintptr_t)t1.code && p < (uintptr_t)t1.code + 4096) ||
			    (p >= t1.buf && p < t1.buf + t1.buf_size))
				abort();
		}
	}
	return 0;
}
