/*
 * The VMM's own test guest (tests/integration/vmm/). It exercises what the
 * VMM does rather than what the hypervisor core does: the console, the
 * result port, the boot state, traps KVM cannot emulate here, the
 * hypercall page and the doorbell, continuations, timers and upcalls, a
 * second vCPU, moved special pages. The command line picks the test
 * ("test=NAME"); each prints what it saw and ends on the result port.
 * Built twice from this file: ELF64 (long mode) and ELF32 (paging off).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/arch-x86/hvm/start_info.h>

#include <fastabi/test.h>
#include <fastabi/xen-ext.h>

#define CONSOLE 0xe9
#define DOORBELL 0x99
#define HYPERCALL_MSR_LEAF 2
#define UPCALL_VECTOR 0xf3

extern void ud_handler(void), gp_handler(void), int80_handler(void), int3_handler(void),
	upcall_handler(void), ap_entry(void);
extern char gdt[], ap_stack_top[];
#ifdef __x86_64__
extern char pml4[];
#endif
volatile unsigned ud_count, gp_count, int80_count, int3_count, upcall_count;
static volatile unsigned ap_ran;

static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static bool have_page;
uint8_t shared_page[4096] __attribute__((aligned(4096)));

/* ---- ports, console ---- */

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static bool sprefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return false;
	return true;
}

static void puts_(const char *s)
{
	while (*s)
		outb(CONSOLE, (uint8_t)*s++);
}

static void putx(unsigned long long v)
{
	char b[19];
	int i = 18;
	b[i] = 0;
	do {
		b[--i] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	b[--i] = 'x';
	b[--i] = '0';
	puts_(b + i);
}

/* 64-bit division without libgcc (the 32-bit build has no __udivdi3). */
static uint64_t div64(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;
	for (int i = 63; i >= 0; i--) {
		r = r << 1 | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

static void putd(long long v)
{
	char b[24];
	int i = 23;
	bool neg = v < 0;
	unsigned long long u = neg ? 0 - (unsigned long long)v : (unsigned long long)v;
	b[i] = 0;
	do {
		uint64_t r;
		u = div64(u, 10, &r);
		b[--i] = (char)('0' + r);
	} while (u);
	if (neg)
		b[--i] = '-';
	puts_(b + i);
}

static void result(unsigned r)
{
	static const char *const names[] = FASTABI_RESULT_NAMES;
	puts_("Test result: ");
	puts_(names[r & 3]);
	puts_("\n");
	outl(FASTABI_RESULT_PORT, r);
}

#define CHECK(cond, what)                                  \
	do {                                               \
		if (!(cond)) {                             \
			puts_("FAIL: " what "\n");         \
			result(FASTABI_RESULT_FAILURE);    \
			return;                            \
		}                                          \
	} while (0)

/* ---- CPU ---- */

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

#ifdef __x86_64__
struct gate {
	uint16_t off0, sel;
	uint8_t ist, attr;
	uint16_t off1;
	uint32_t off2, rsvd;
} __attribute__((packed));
#define CODE_SEL 0x18
#else
struct gate {
	uint16_t off0, sel;
	uint8_t zero, attr;
	uint16_t off1;
} __attribute__((packed));
#define CODE_SEL 0x08
#endif
static struct gate idt[256] __attribute__((aligned(16)));

static void set_gate(unsigned v, void (*fn)(void), uint8_t attr)
{
	uintptr_t a = (uintptr_t)fn;
	struct gate g = { 0 };
	g.off0 = (uint16_t)a;
	g.sel = CODE_SEL;
	g.attr = attr;
	g.off1 = (uint16_t)(a >> 16);
#ifdef __x86_64__
	g.off2 = (uint32_t)(a >> 32);
#endif
	idt[v] = g;
}

static void load_idt(void)
{
	struct {
		uint16_t limit;
		uintptr_t base;
	} __attribute__((packed)) d = { sizeof(idt) - 1, (uintptr_t)idt };
	set_gate(3, int3_handler, 0x8e);
	set_gate(6, ud_handler, 0x8e);
	set_gate(13, gp_handler, 0x8e);
	set_gate(0x80, int80_handler, 0x8f); /* trap gate: IF stays */
	set_gate(UPCALL_VECTOR, upcall_handler, 0x8e);
	asm volatile("lidt %0" : : "m"(d));
}

/* ---- hypercalls ---- */

static uint32_t xen_base(void)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		uint32_t a, b, c, d;
		cpuid(base, &a, &b, &c, &d);
		if (b == XEN_CPUID_SIGNATURE_EBX && c == XEN_CPUID_SIGNATURE_ECX &&
		    d == XEN_CPUID_SIGNATURE_EDX)
			return base;
	}
	return 0;
}

static void setup_page(void)
{
	uint32_t a, b, c, d;
	cpuid(xen_base() + HYPERCALL_MSR_LEAF, &a, &b, &c, &d);
	wrmsr(b, (uintptr_t)hypercall_page);
	have_page = true;
}

/* A legacy hypercall: through the hypercall page when it is set up, else the doorbell. */
static long hcall(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	long ret;
#ifdef __x86_64__
	register unsigned long rdi asm("rdi") = a1;
	register unsigned long rsi asm("rsi") = a2;
	register unsigned long rdx asm("rdx") = a3;
	if (have_page)
		asm volatile("call *%[fn]"
			     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
			     : [fn] "r"(hypercall_page + nr * 32)
			     : "memory", "rcx", "r8", "r9", "r10", "r11");
	else
		asm volatile("outb %%al, %[port]"
			     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
			     : "a"((unsigned long)nr), [port] "i"(DOORBELL)
			     : "memory", "rcx", "r8", "r9", "r10", "r11");
#else
	if (have_page)
		asm volatile("call *%[fn]"
			     : "=a"(ret), "+b"(a1), "+c"(a2), "+d"(a3)
			     : [fn] "r"(hypercall_page + nr * 32)
			     : "memory", "esi", "edi");
	else
		asm volatile("outb %%al, %[port]"
			     : "=a"(ret), "+b"(a1), "+c"(a2), "+d"(a3)
			     : "a"(nr), [port] "i"(DOORBELL)
			     : "memory", "esi", "edi");
#endif
	return ret;
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time t = { 0 };
	hcall(__HYPERVISOR_hvm_op, HVMOP_get_time, (uintptr_t)&t, 0);
	return t.now;
}

/* ---- start_info ---- */

static const struct hvm_start_info *si;

static const char *cmdline(void)
{
	return si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";
}

/* The value of "key=" on the command line, or NULL. */
static const char *arg(const char *key)
{
	const char *s = cmdline();
	size_t kl = slen(key);
	while (*s) {
		while (*s == ' ')
			s++;
		if (sprefix(s, key) && s[kl] == '=')
			return s + kl + 1;
		while (*s && *s != ' ')
			s++;
	}
	return NULL;
}

static bool is(const char *v, const char *name)
{
	size_t n = slen(name);
	return v && sprefix(v, name) && (v[n] == 0 || v[n] == ' ');
}

static unsigned long num(const char *v)
{
	unsigned long n = 0;
	while (v && *v >= '0' && *v <= '9')
		n = n * 10 + (unsigned long)(*v++ - '0');
	return n;
}

/* ---- the tests ---- */

static void t_hello(void)
{
	puts_("hello, world\n");
	puts_("second line\n\n");
	puts_("a partial line without newline");
	outl(FASTABI_RESULT_PORT, FASTABI_RESULT_SUCCESS);
}

static void t_boot(void)
{
	CHECK(si->magic == XEN_HVM_START_MAGIC_VALUE, "start_info magic");
	CHECK(si->version >= 1, "start_info version");
	puts_("start_info at ");
	putx((uintptr_t)si);
	puts_(" cmdline '");
	puts_(cmdline());
	puts_("' memmap entries ");
	putd(si->memmap_entries);
	puts_("\n");
	const struct hvm_memmap_table_entry *m = (const void *)(uintptr_t)si->memmap_paddr;
	for (unsigned i = 0; i < si->memmap_entries; i++) {
		puts_("memmap ");
		putx(m[i].addr);
		puts_(" ");
		putx(m[i].size);
		puts_(" type ");
		putx(m[i].type);
		puts_("\n");
	}
	/* The domain builder puts everything after the image (_end: the linker's end of .bss). */
	extern char _end[];
	uintptr_t image_end = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;
	CHECK((uintptr_t)si >= image_end, "start_info below the image end");
	CHECK(((uintptr_t)si & 4095) == 0, "start_info not on a page boundary");
	CHECK(si->memmap_paddr >= image_end, "memmap below the image end");
	CHECK(!si->cmdline_paddr || si->cmdline_paddr >= image_end, "cmdline below the image end");
	puts_("start_info, memmap and cmdline after the image end ");
	putx(image_end);
	puts_("\n");
	if (si->nr_modules) {
		const struct hvm_modlist_entry *mod = (const void *)(uintptr_t)si->modlist_paddr;
		puts_("nr_modules ");
		putd(si->nr_modules);
		puts_("\n");
		for (unsigned i = 0; i < si->nr_modules; i++) {
			puts_("module ");
			putd(i);
			puts_(" paddr ");
			putx(mod[i].paddr);
			puts_(" size ");
			putd((long long)mod[i].size);
			puts_(" cmdline '");
			puts_(mod[i].cmdline_paddr ? (const char *)(uintptr_t)mod[i].cmdline_paddr : "");
			puts_("'\n");
		}
	}
	result(FASTABI_RESULT_SUCCESS);
}

static void t_long_line(void)
{
	for (unsigned i = 0; i < 1500; i++)
		outb(CONSOLE, (uint8_t)('a' + i % 26));
	puts_("\nshort line\n");
	result(FASTABI_RESULT_SUCCESS);
}

static void t_xen(void)
{
	uint32_t base = xen_base(), a, b, c, d;
	CHECK(base == 0x40000000, "Xen leaves at 0x40000000");
	cpuid(base, &a, &b, &c, &d);
	puts_("max leaf ");
	putx(a);
	cpuid(base + 1, &a, &b, &c, &d);
	puts_(" version ");
	putx(a);
	CHECK(a == 0x40011, "version 4.17");
	cpuid(base + 2, &a, &b, &c, &d);
	puts_(" pages ");
	putd(a);
	puts_(" msr ");
	putx(b);
	CHECK(a == 1 && b == 0x40000000, "hypercall page leaf");
	cpuid(base + 4, &a, &b, &c, &d);
	puts_(" hvm ");
	putx(a);
	puts_(" vcpu ");
	putd(b);
	puts_(" domid ");
	putd(c);
	puts_(" traps ");
	putx(d);
	puts_("\n");
	CHECK(d == 0x9904, "doorbell announced");
	cpuid(1, &a, &b, &c, &d);
	CHECK(c & (1u << 31), "hypervisor bit");

	long r = hcall(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
	puts_("doorbell xen_version ");
	putx((unsigned long)r);
	CHECK(r == 0x40011, "xen_version through the doorbell");
	setup_page();
	CHECK(hypercall_page[0] == 0xb8 && hypercall_page[32 + 1] == 1 &&
		      hypercall_page[5] == 0xe6 && hypercall_page[6] == 0x99 &&
		      hypercall_page[7] == 0xc3 && hypercall_page[8] == 0xcc,
	      "hypercall page contents");
	r = hcall(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
	puts_(", page xen_version ");
	putx((unsigned long)r);
	CHECK(r == 0x40011, "xen_version through the hypercall page");
#ifdef __x86_64__
	/* FastABI: rax = nr | bit 30, rdi = sub-op; nothing but rax may change. */
	unsigned long ret;
	register unsigned long rdi asm("rdi") = 0;
	register unsigned long rsi asm("rsi") = 0x1111, r8 asm("r8") = 0x2222;
	register unsigned long r12 asm("r12") = 0x3333;
	asm volatile("outb %%al, $0x99"
		     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(r8), "+r"(r12)
		     : "a"((unsigned long)(__HYPERVISOR_FASTABI_MASK | __HYPERVISOR_xen_version))
		     : "memory");
	puts_(", fastabi xen_version ");
	putx(ret);
	CHECK(ret == 0x40011 || ret == (unsigned long)-38, "FastABI xen_version");
	CHECK(rdi == 0 && rsi == 0x1111 && r8 == 0x2222 && r12 == 0x3333, "FastABI clobbered");
#endif
	puts_("\n");
	result(FASTABI_RESULT_SUCCESS);
}

/* console_io write of more than one step (1024 bytes): the core continues the call. */
static char big[3000];
static void t_console_io(void)
{
	unsigned n = 0;
	for (unsigned line = 0; n + 80 < sizeof(big); line++) {
		big[n++] = 'L';
		big[n++] = (char)('0' + line / 10);
		big[n++] = (char)('0' + line % 10);
		for (unsigned i = 0; i < 60; i++)
			big[n++] = (char)('a' + (line + i) % 26);
		big[n++] = '\n';
	}
	if (!is(arg("page"), "no"))
		setup_page();
	long r = hcall(__HYPERVISOR_console_io, CONSOLEIO_write, n, (uintptr_t)big);
	puts_("console_io wrote ");
	putd(n);
	puts_(" bytes: ");
	putd(r);
	puts_("\n");
	CHECK(r == 0, "console_io write");
	result(FASTABI_RESULT_SUCCESS);
}

static void t_vmcall(bool idt)
{
	if (idt)
		load_idt();
	asm volatile("vmcall" ::: "memory");
	asm volatile("vmmcall" ::: "memory");
	puts_("survived vmcall and vmmcall: #UD ");
	putd(ud_count);
	puts_(" times\n");
	CHECK(ud_count == 2, "two #UD");
	result(FASTABI_RESULT_SUCCESS);
}

static void t_int(bool idt)
{
	if (idt)
		load_idt();
	for (int i = 0; i < 3; i++)
		asm volatile("int $0x80" ::: "memory");
	asm volatile("int3" ::: "memory");
	asm volatile(".byte 0x67; int $0x80" ::: "memory");
	puts_("int $0x80 ");
	putd(int80_count);
	puts_(" int3 ");
	putd(int3_count);
	puts_("\n");
	CHECK(int80_count == 4 && int3_count == 1, "software interrupts delivered");
	result(FASTABI_RESULT_SUCCESS);
}

static void t_shutdown(const char *how)
{
	unsigned reason = is(how, "reboot") ? SHUTDOWN_reboot
			: is(how, "crash") ? SHUTDOWN_crash
			: is(how, "suspend") ? SHUTDOWN_suspend
			: SHUTDOWN_poweroff;
	struct sched_shutdown s = { .reason = reason };
	setup_page();
	puts_("shutdown reason ");
	putd(reason);
	puts_("\n");
	hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uintptr_t)&s, 0);
	puts_("still running after shutdown\n");
	result(FASTABI_RESULT_FAILURE);
}

static void t_watchdog(void)
{
	struct sched_watchdog w = { .id = 0, .timeout = 1 };
	long id = hcall(__HYPERVISOR_sched_op, SCHEDOP_watchdog, (uintptr_t)&w, 0);
	puts_("watchdog ");
	putd(id);
	puts_(" armed for 1 s\n");
	asm volatile("sti; hlt; cli" ::: "memory");
	puts_("woke from hlt\n");
	result(FASTABI_RESULT_FAILURE);
}

static void t_poll(void)
{
	struct sched_poll p = { 0 };
	uint64_t t0 = now_ns();
	p.nr_ports = 0;
	p.timeout = t0 + 20000000ull;
	long r = hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, (uintptr_t)&p, 0);
	uint64_t dt = now_ns() - t0;
	puts_("poll returned ");
	putd(r);
	puts_(" after ");
	putd((long long)div64(dt, 1000, NULL));
	puts_(" us\n");
	CHECK(r == 0 && dt >= 20000000ull, "poll slept until its timeout");
	result(FASTABI_RESULT_SUCCESS);
}

/*
 * Move shared_info into RAM (XENMEM_add_to_physmap: the VMM splits its RAM
 * memslot), bind VIRQ_TIMER, set the per-vCPU upcall vector (or, with
 * "via=callback", the domain-wide HVM_PARAM_CALLBACK_IRQ vector) and a
 * timer 10 ms ahead, then hlt: the upcall must be injected and wake the
 * vCPU. The handler clears evtchn_upcall_pending, as a guest must.
 */
static void t_upcall(void)
{
	uintptr_t gfn = (uintptr_t)shared_page >> 12;
	struct xen_add_to_physmap atp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					  .idx = 0, .gpfn = gfn };
	load_idt();
	long r = hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uintptr_t)&atp, 0);
	CHECK(r == 0, "add_to_physmap shared_info");
	struct shared_info *sh = (struct shared_info *)shared_page;
	puts_("shared_info at ");
	putx(gfn << 12);
	puts_("\n");

	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	r = hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (uintptr_t)&bv, 0);
	CHECK(r == 0, "bind VIRQ_TIMER");
	if (is(arg("via"), "callback")) {
		struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
					   .value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 |
						    UPCALL_VECTOR };
		r = hcall(__HYPERVISOR_hvm_op, HVMOP_set_param, (uintptr_t)&p, 0);
		CHECK(r == 0, "set HVM_PARAM_CALLBACK_IRQ");
		puts_("callback vector set\n");
	} else {
		struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = UPCALL_VECTOR };
		r = hcall(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, (uintptr_t)&uv, 0);
		CHECK(r == 0, "set the upcall vector");
	}

	uint64_t t0 = now_ns();
	struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = t0 + 10000000ull };
	r = hcall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uintptr_t)&st);
	CHECK(r == 0, "set the singleshot timer");
	while (!upcall_count)
		asm volatile("sti; hlt; cli" ::: "memory");
	uint64_t dt = now_ns() - t0;
	unsigned port = bv.port;
	bool pending = (sh->evtchn_pending[port / (8 * sizeof(xen_ulong_t))] >>
			(port % (8 * sizeof(xen_ulong_t)))) & 1;
	puts_("upcall ");
	putd(upcall_count);
	puts_(" after ");
	putd((long long)div64(dt, 1000, NULL));
	puts_(" us, port ");
	putd(port);
	puts_(pending ? " pending in shared_info\n" : " NOT pending in shared_info\n");
	CHECK(dt >= 10000000ull, "the upcall came after the timer");
	CHECK(pending, "the event is in shared_info");
	CHECK(upcall_count == 1, "one upcall");
	result(FASTABI_RESULT_SUCCESS);
}

void ap_main(void);
void ap_main(void)
{
	puts_("hello from vCPU 1\n");
	ap_ran = 1;
}

static void t_smp(void)
{
	struct vcpu_hvm_context ctx = { 0 };
#ifdef __x86_64__
	ctx.mode = VCPU_HVM_MODE_64B;
	ctx.cpu_regs.x86_64 = (struct vcpu_hvm_x86_64){
		.rip = (uintptr_t)ap_entry, .rsp = (uintptr_t)ap_stack_top, .rflags = 2,
		.cr0 = 0x80000011, .cr3 = (uintptr_t)pml4, .cr4 = 0x20, .efer = 0x500,
	};
#else
	ctx.mode = VCPU_HVM_MODE_32B;
	ctx.cpu_regs.x86_32 = (struct vcpu_hvm_x86_32){
		.eip = (uintptr_t)ap_entry, .esp = (uintptr_t)ap_stack_top, .eflags = 2,
		.cr0 = 0x11, .cs_limit = ~0u, .ds_limit = ~0u, .ss_limit = ~0u, .es_limit = ~0u,
		.cs_ar = 0xc9b, .ds_ar = 0xc93, .ss_ar = 0xc93, .es_ar = 0xc93,
	};
#endif
	long r = hcall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, (uintptr_t)&ctx);
	CHECK(r == 0, "VCPUOP_initialise");
	r = hcall(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0);
	CHECK(r == 0, "VCPUOP_up");
	for (unsigned i = 0; i < 100000 && !ap_ran; i++)
		hcall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
	CHECK(ap_ran, "vCPU 1 ran");
	puts_("vCPU 1 is up\n");
	result(FASTABI_RESULT_SUCCESS);
}

static void t_mmio(void)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)0x3f000000; /* beyond RAM */
	*p = 0x12345678;
	uint32_t v = *p;
	puts_("read ");
	putx(v);
	puts_(" where no memory is\n");
	CHECK(v == 0xffffffffu, "unbacked memory reads as all ones");
	result(FASTABI_RESULT_SUCCESS);
}

/* Confidential: the core may not read a private buffer, and cannot write the hypercall page. */
static void t_confidential(void)
{
	load_idt();
	long r = hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 5, (uintptr_t)"hello");
	puts_("console_io from private memory: ");
	putd(r);
	puts_("\n");
	CHECK(r == -13, "private buffer refused with -EACCES");
	uint32_t a, b, c, d;
	cpuid(xen_base() + HYPERCALL_MSR_LEAF, &a, &b, &c, &d);
	wrmsr(b, (uintptr_t)hypercall_page);
	puts_("hypercall page MSR: #GP ");
	putd(gp_count);
	puts_("\n");
	CHECK(gp_count == 1, "the hypercall page MSR refused");
	result(FASTABI_RESULT_SUCCESS);
}

/*
 * Bad writes to the hypercall-page MSR (Xen's 0x40000000, not read from
 * CPUID): a frame beyond RAM and a page index other than 0 raise #GP and
 * write nothing; the domain goes on and a good write then works.
 */
static void t_msr(void)
{
	uint32_t msr = 0x40000000;
	load_idt();
	wrmsr(msr, 0x3f000000); /* 64 MiB of RAM: beyond it */
	puts_("bad frame: #GP ");
	putd(gp_count);
	wrmsr(msr, (uintptr_t)hypercall_page | 1);
	puts_(", page index 1: #GP ");
	putd(gp_count);
	CHECK(gp_count == 2 && hypercall_page[0] == 0, "bad writes refused");
	wrmsr(msr, (uintptr_t)hypercall_page);
	have_page = true;
	long r = hcall(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
	puts_(", then page xen_version ");
	putx((unsigned long)r);
	puts_("\n");
	CHECK(gp_count == 2 && r == 0x40011, "the good write");
	result(FASTABI_RESULT_SUCCESS);
}

/*
 * Hypercalls Xen's HVM guests cannot have (mmu_update, a number past the
 * last one, XENMEM_machphys_mapping three times, and from 64-bit code an
 * unknown FastABI sub-op): each answers -ENOSYS, and the VMM sums them up
 * at exit.
 */
static void t_refused(void)
{
	long r[6];
	r[0] = hcall(__HYPERVISOR_mmu_update, 0, 0, 0);
	r[1] = hcall(63, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		r[2 + i] = hcall(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, 0, 0);
	r[5] = -38;
#ifdef __x86_64__
	register unsigned long rdi asm("rdi") = 63;
	asm volatile("outb %%al, $0x99"
		     : "=a"(r[5]), "+r"(rdi)
		     : "a"((unsigned long)(__HYPERVISOR_FASTABI_MASK | __HYPERVISOR_xen_version))
		     : "memory", "rsi", "r8", "r9", "r10", "r11", "r12");
#endif
	puts_("refused:");
	for (int i = 0; i < 6; i++) {
		puts_(" ");
		putd(r[i]);
		CHECK(r[i] == -38, "-ENOSYS");
	}
	puts_("\n");
	result(FASTABI_RESULT_SUCCESS);
}

/* 40 different unknown hypercalls: more kinds than a vCPU keeps apart (32). */
static void t_refused_many(void)
{
	for (unsigned nr = 64; nr < 104; nr++)
		CHECK(hcall(nr, 0, 0, 0) == -38, "-ENOSYS");
	result(FASTABI_RESULT_SUCCESS);
}

void guest_main(const struct hvm_start_info *start_info);
void guest_main(const struct hvm_start_info *start_info)
{
	si = start_info;
	const char *t = arg("test");

	if (!t || is(t, "hello"))
		t_hello();
	else if (is(t, "result"))
		outl(FASTABI_RESULT_PORT, (uint32_t)num(arg("value")));
	else if (is(t, "boot"))
		t_boot();
	else if (is(t, "long-line"))
		t_long_line();
	else if (is(t, "hang"))
		for (;;)
			asm volatile("" ::: "memory");
	else if (is(t, "cli-hlt"))
		asm volatile("cli; hlt");
	else if (is(t, "triple"))
		asm volatile("ud2");
	else if (is(t, "xen"))
		t_xen();
	else if (is(t, "console-io"))
		t_console_io();
	else if (is(t, "vmcall"))
		t_vmcall(true);
	else if (is(t, "vmcall-noidt"))
		t_vmcall(false);
	else if (is(t, "int"))
		t_int(true);
	else if (is(t, "int-noidt"))
		t_int(false);
	else if (is(t, "shutdown"))
		t_shutdown(arg("reason"));
	else if (is(t, "watchdog"))
		t_watchdog();
	else if (is(t, "poll"))
		t_poll();
	else if (is(t, "upcall"))
		t_upcall();
	else if (is(t, "smp"))
		t_smp();
	else if (is(t, "mmio"))
		t_mmio();
	else if (is(t, "confidential"))
		t_confidential();
	else if (is(t, "msr"))
		t_msr();
	else if (is(t, "refused"))
		t_refused();
	else if (is(t, "refused-many"))
		t_refused_many();
	else {
		puts_("unknown test\n");
		result(FASTABI_RESULT_ERROR);
	}
	puts_("the test did not end\n");
	result(FASTABI_RESULT_ERROR);
}
