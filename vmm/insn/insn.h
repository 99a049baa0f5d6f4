/*
 * Completing instructions KVM's emulator gives up on (docs/vmm.md,
 * "Instructions the VMM completes"). The engine knows nothing of KVM or of
 * the VMM: it works on a register file (struct kvm_regs, kvm_sregs), the
 * guest's XSAVE image and an environment of callbacks for guest memory and
 * XCR0, so the host unit tests (tests/vmm/insn/) drive it with a fake CPU.
 *
 *   decode.c    Zydis in the guest's mode; the allow-list of classes
 *   operand.c   the memory operand: effective and linear address, segment
 *               checks, the copy through the guest's page tables
 *   simd.c      SSE/AVX/x87/MMX: run the instruction on the host CPU on the
 *               guest's state (exec_x86.S), with host traps turned into the
 *               guest's exceptions
 *   xcr.c       xgetbv, xsetbv
 *   insn.c      the architectural checks (#UD, #NM) and the dispatch
 *   kvm_env.c   the VMM's side: the callbacks over KVM and gview, exception
 *               injection through the sync-regs events, the counters
 */
#ifndef VMM_INSN_INSN_H
#define VMM_INSN_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include <Zydis/Zydis.h>
#include <fastabi/x86.h>

/* What the --stats report counts, per vCPU. */
enum insn_class {
	INSN_CLASS_INT,  /* int N, int3, icebp, into (emulate.c) */
	INSN_CLASS_IRET, /* 32-bit iret (emulate.c) */
	INSN_CLASS_X87,
	INSN_CLASS_MMX,
	INSN_CLASS_SSE,
	INSN_CLASS_AVX,
	INSN_CLASS_XCR,  /* xgetbv, xsetbv */
	INSN_CLASS_VMX,  /* VMX/SVM instructions answered with #UD */
	INSN_CLASS_EXCEPTION, /* completed by raising an exception in the guest */
	INSN_CLASSES,
};
extern const char *const insn_class_name[INSN_CLASSES];

/* An exception for the guest (a fault: rip still points at the instruction). */
struct insn_event {
	bool pending;
	uint8_t vector;
	bool has_error;
	uint32_t error_code;
	bool set_cr2;
	uint64_t cr2;
};

/* Flags of insn_env.access (the same values as gview's). */
#define INSN_ACC_WRITE 1u
#define INSN_ACC_PROBE 2u

struct insn_env {
	void *ctx;
	/*
	 * A CPL0 data access at linear address la: 0; -1 with the #PF error
	 * code and faulting address; -2 when the memory is not RAM (MMIO).
	 */
	int (*access)(void *ctx, uint64_t la, void *buf, size_t len, unsigned flags,
		      uint64_t *fault_addr, uint32_t *pfec);
	/* The guest's XSAVE image (standard format, INSN_XSAVE_SIZE bytes). */
	int (*get_xsave)(void *ctx, void *buf);
	int (*get_xcr0)(void *ctx, uint64_t *xcr0);
	int (*set_xcr0)(void *ctx, uint64_t xcr0);
	uint64_t xcr0_supported; /* the vCPU's CPUID 0xD.0 EDX:EAX */
	bool xgetbv1;            /* CPUID 0xD.1 EAX bit 2: xgetbv with ECX = 1 */
};

#define INSN_XSAVE_SIZE 4096

struct insn_cpu {
	struct kvm_regs *regs;
	struct kvm_sregs *sregs;
	const struct insn_env *env;
	uint8_t *xsave;   /* INSN_XSAVE_SIZE bytes, 64-byte aligned */
	bool xsave_valid; /* xsave holds the guest's image */
	bool xsave_dirty; /* the engine changed it: hand it back to KVM */
};

struct insn_decoded {
	ZydisMachineMode mode;
	ZydisDecodedInstruction i;
	ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
};

enum insn_verdict {
	INSN_DONE,    /* completed: registers (and xsave) updated, rip advanced */
	INSN_FAULT,   /* the guest takes the exception in *ev */
	INSN_REFUSED, /* not emulated: why says why; nothing changed */
};

/* decode.c: 0; 1 when the bytes are an invalid encoding (#UD); -1 refused (why). */
int insn__decode(const struct kvm_sregs *s, const uint8_t *bytes, unsigned len,
		 struct insn_decoded *d, char *why, size_t whylen);

/* insn.c: complete a decoded instruction other than int/iret. */
enum insn_verdict insn__execute(struct insn_cpu *c, const struct insn_decoded *d,
				struct insn_event *ev, enum insn_class *cls, char *why,
				size_t whylen);

/* ---- internal to the engine ---- */
struct insn_ctx {
	struct insn_cpu *c;
	const struct insn_decoded *d;
	struct insn_event *ev;
	char *why;
	size_t whylen;
};
bool insn__refuse(struct insn_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void insn__raise(struct insn_event *ev, uint8_t vector, bool has_error, uint32_t error_code);
uint64_t insn__gpr(const struct kvm_regs *r, unsigned family);
void insn__set_gpr(struct kvm_regs *r, unsigned family, uint64_t v);
/* GPR family (0 rax .. 15 r15) of a Zydis register, or -1 if not a GPR. */
int insn__gpr_family(ZydisRegister reg);
bool insn__long_mode(const struct kvm_sregs *s);
uint64_t insn__next_rip(const struct insn_cpu *c, const struct insn_decoded *d);

/* operand.c */
struct insn_memop {
	const ZydisDecodedOperand *op; /* NULL: no memory operand */
	unsigned index;               /* its place among the operands */
	uint64_t ea;                  /* effective address (the offset in its segment) */
	uint64_t la;                  /* linear address */
	unsigned size;                /* bytes */
	bool read, write;
};
/* Find and address the memory operand; false with ev (#GP/#SS) or why set. */
bool insn_mem__locate(struct insn_ctx *x, struct insn_memop *m);

/* simd.c */
enum insn_verdict insn_simd__run(struct insn_ctx *x, const struct insn_memop *m);
/*
 * Catch host traps (SIGFPE, SIGILL, SIGSEGV, SIGBUS) inside the guest's
 * instruction; others go to the handler that was there before. Done on
 * first use; again by whoever replaced the handlers since (a test harness).
 */
void insn_simd__install_traps(void);
/*
 * The calling vCPU thread's executable page and buffers, and the trap
 * handlers, now rather than at its first SIMD instruction: the thread's
 * sandbox (vmm/sandbox.c) then refuses executable mappings and sigaction.
 */
void insn_simd__thread_init(void);

/*
 * What the calling thread last ran on the host (its executable page holds
 * the re-encoded instruction, then ret), for checks from outside the
 * engine (tests/fuzz/insn_fuzz.c): runs counts the host runs of the
 * thread, code and len are the last instruction's bytes, buf and buf_size
 * the operand buffer. False before the thread's first run.
 */
struct insn_simd_trace {
	uint64_t runs;
	const uint8_t *code;
	unsigned len;
	uintptr_t buf;
	size_t buf_size;
};
bool insn_simd__trace(struct insn_simd_trace *t);

/* xcr.c */
enum insn_verdict insn_xcr__xgetbv(struct insn_ctx *x);
enum insn_verdict insn_xcr__xsetbv(struct insn_ctx *x);
/* The guest's XCR0 as AVX checks need it; false with why set. */
bool insn_xcr__get(struct insn_ctx *x, uint64_t *xcr0);

#endif
