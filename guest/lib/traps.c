/* The IDT and the C side of exception handling (entry64.S / entry32.S). */
#include "traps.h"
#include "arch.h"
#include "console.h"
#include "string.h"
#include "test.h"
#include "../boot/boot.h"

#ifdef __x86_64__
struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type_attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};
#define GATE_CS GDT_CS64
#else
struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t zero, type_attr;
	uint16_t off_hi;
};
#define GATE_CS GDT_CS32
#endif

#define GATE_INTERRUPT 0x8e /* present, DPL 0, interrupt gate (IF cleared) */
#define GATE_TRAP 0x8f      /* present, DPL 0, trap gate (IF kept) */

struct desc_ptr {
	uint16_t limit;
	uintptr_t base;
} __attribute__((packed));

/* 256 gates; loader memory is zero, so unset gates are not present. */
static struct idt_gate idt[256] __page_noinit;

extern const char exception_stubs[]; /* 16 bytes apart, one per vector (entry_stubs.h) */

struct extable_entry {
	uintptr_t fault, fixup;
};
extern const struct extable_entry __start_extable[], __stop_extable[];

volatile struct exception_record exception_record;
static exception_hook_fn exception_hook;
static irq_handler_fn irq_handlers[256];

static void set_gate(unsigned vec, void (*handler)(void), uint8_t type)
{
	uintptr_t a = (uintptr_t)handler;
	struct idt_gate *g = &idt[vec & 0xff];

	g->off_lo = (uint16_t)a;
	g->sel = GATE_CS;
	g->type_attr = type;
#ifdef __x86_64__
	g->ist = 0;
	g->off_mid = (uint16_t)(a >> 16);
	g->off_hi = (uint32_t)(a >> 32);
	g->zero = 0;
#else
	g->zero = 0;
	g->off_hi = (uint16_t)(a >> 16);
#endif
}

void idt_set_gate(unsigned vec, void (*handler)(void))
{
	set_gate(vec, handler, GATE_INTERRUPT);
}

static void (*stub(unsigned vec))(void)
{
	return (void (*)(void))(exception_stubs + 16 * (vec & 0xff));
}

void traps_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		idt_set_gate(v, stub(v));

	struct desc_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ __volatile__("lidt %0" : : "m"(p));
}

void irq_register(unsigned vector, irq_handler_fn fn)
{
	irq_handlers[vector & 0xff] = fn;
	set_gate(vector, stub(vector), GATE_INTERRUPT);
}

void irq_register_trap(unsigned vector, irq_handler_fn fn)
{
	irq_handlers[vector & 0xff] = fn;
	set_gate(vector, stub(vector), GATE_TRAP);
}

/* 32-bit: resume with iret (do_exception returns to exc_common) or popf; ret. */
static bool traps_iret;

void traps_resume_iret(bool on)
{
	traps_iret = on;
}

int wrmsr_safe(uint32_t msr, uint64_t v)
{
	exception_record_reset();
	__asm__ __volatile__("1: wrmsr\n2:\n" _ASM_EXTABLE(1b, 2b)
			     : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			     : "memory");
	return exception_record.count ? (int)exception_record.vector : -1;
}

int rdmsr_safe(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0xdeadbeef, hi = 0xdeadbeef;

	exception_record_reset();
	__asm__ __volatile__("1: rdmsr\n2:\n" _ASM_EXTABLE(1b, 2b)
			     : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*v = (uint64_t)hi << 32 | lo;
	return exception_record.count ? (int)exception_record.vector : -1;
}

void exception_record_reset(void)
{
	exception_record.count = 0;
	exception_record.vector = ~0u;
	exception_record.error_code = 0;
	exception_record.ip = 0;
}

void set_exception_hook(exception_hook_fn fn)
{
	exception_hook = fn;
}

const char *exception_name(unsigned vector)
{
	static const char *const names[32] = {
		[0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP", [4] = "#OF",
		[5] = "#BR", [6] = "#UD", [7] = "#NM", [8] = "#DF", [10] = "#TS",
		[11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF", [16] = "#MF",
		[17] = "#AC", [18] = "#MC", [19] = "#XM", [20] = "#VE", [21] = "#CP",
		[29] = "#VC", [30] = "#SX",
	};

	return vector < 32 && names[vector] ? names[vector] : "#??";
}

void dump_regs(const struct cpu_regs *r)
{
#ifdef __x86_64__
	printf("rip %016llx cs %04llx rflags %08llx rsp %016llx ss %04llx\n",
	       (unsigned long long)r->rip, (unsigned long long)r->cs,
	       (unsigned long long)r->rflags, (unsigned long long)r->rsp,
	       (unsigned long long)r->ss);
	printf("rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
	       (unsigned long long)r->rax, (unsigned long long)r->rbx,
	       (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	printf("rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n",
	       (unsigned long long)r->rsi, (unsigned long long)r->rdi,
	       (unsigned long long)r->rbp, (unsigned long long)r->r8);
	printf("r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n",
	       (unsigned long long)r->r9, (unsigned long long)r->r10,
	       (unsigned long long)r->r11, (unsigned long long)r->r12);
	printf("r13 %016llx r14 %016llx r15 %016llx cr2 %016lx\n",
	       (unsigned long long)r->r13, (unsigned long long)r->r14,
	       (unsigned long long)r->r15, read_cr2());
#else
	printf("eip %08x cs %04x eflags %08x esp %08x\n", r->eip, r->cs, r->eflags,
	       (unsigned)(uintptr_t)(&r->eflags + 1));
	printf("eax %08x ebx %08x ecx %08x edx %08x\n", r->eax, r->ebx, r->ecx, r->edx);
	printf("esi %08x edi %08x ebp %08x cr2 %08lx\n", r->esi, r->edi, r->ebp, read_cr2());
#endif
}

#ifndef __x86_64__
void exc_resume(struct cpu_regs *regs) __noreturn;

/* Resume a 32-bit frame without iret: see exc_resume in entry32.S. */
static void __noreturn resume32(struct cpu_regs *r)
{
	uint32_t ip = r->eip, flags = r->eflags;

	r->cs = flags;
	r->eflags = ip;
	exc_resume(r);
}
#endif

static bool fixup(struct cpu_regs *r)
{
	uintptr_t ip = REGS_IP(r);

	for (const struct extable_entry *e = __start_extable; e < __stop_extable; e++) {
		if (e->fault == ip) {
			exception_record.count++;
			exception_record.vector = (unsigned)r->vector;
			exception_record.error_code = r->error_code;
			exception_record.ip = ip;
			REGS_IP(r) = e->fixup;
			return true;
		}
	}
	return false;
}

/*
 * Called by exc_common with the saved registers. Returning resumes them
 * with iret(q); a 32-bit image without traps_resume_iret resumes through
 * resume32 instead.
 */
void do_exception(struct cpu_regs *r);
void do_exception(struct cpu_regs *r)
{
	r->vector &= 0xff; /* pushed sign-extended for vectors >= 128 */
	bool resume = false;

	if (irq_handlers[r->vector]) {
		irq_handlers[r->vector](r);
		resume = true;
	} else {
		resume = (exception_hook && exception_hook(r)) || fixup(r);
	}
	if (resume) {
#ifndef __x86_64__
		if (!traps_iret)
			resume32(r);
#endif
		return;
	}

	if (r->vector >= 32) {
		printf("Unexpected interrupt, vector %#x at %#lx\n", (unsigned)r->vector,
		       (unsigned long)REGS_IP(r));
		xtf_error("unexpected interrupt %#x", (unsigned)r->vector);
		test_exit();
	}
	printf("Unhandled exception %s (vector %u) error code %#lx at %#lx\n",
	       exception_name((unsigned)r->vector), (unsigned)r->vector,
	       (unsigned long)r->error_code, (unsigned long)REGS_IP(r));
	dump_regs(r);
	xtf_error("unexpected exception %s at %#lx", exception_name((unsigned)r->vector),
		  (unsigned long)REGS_IP(r));
	test_exit();
}
