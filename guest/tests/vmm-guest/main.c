/*
 * The VMM's own test guest (the vmm-* tests, tests/integration/vmm/). It
 * exercises what the VMM does rather than what the hypervisor core does:
 * the console, the result port, the boot state, traps KVM cannot emulate
 * here, the hypercall page and the doorbell, continuations, timers and
 * upcalls, a second vCPU, moved special pages. The command line picks the
 * test ("test=NAME", none: hello); each prints what it saw and ends on the
 * result port. Built twice from this file: vmm-guest64 (long mode) and
 * vmm-guest32 (paging off).
 *
 * Several tests need a guest the library would not leave them: no IDT at
 * all (a triple fault, `int N` beyond the IDT limit), legacy calls through
 * the doorbell before any hypercall page, and exactly the hypercalls a test
 * counts (vmm-stats-option: 3). So guest_start sets up nothing here
 * (test_setup), the console stays on port 0xe9, and a test that wants the
 * IDT or the hypercall page asks for it (traps_init, hypercall_init). The
 * 32-bit handlers return with iret, which the VMM completes
 * (traps_resume_iret): vmm-int-emulation32 counts those.
 */
#include "guest.h"

#include <xen/hvm/hvm_vcpu.h>

/* Not the file name: vmm-console-name checks that only --name names the domain. */
const char test_title[] = "the VMM's test guest";

#define UPCALL_VECTOR 0xf3

unsigned test_setup(void)
{
	return 0;
}

/* A legacy call through the hypercall page once there is one, else the doorbell. */
static long hcall(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	if (xen_info.hypercall_page_ready)
		return hypercall_nr(nr, a1, a2, a3, 0, 0);
	return hypercall_doorbell(nr, a1, a2, a3, 0, 0);
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time t = { 0 };

	hcall(__HYPERVISOR_hvm_op, HVMOP_get_time, (uintptr_t)&t, 0);
	return t.now;
}

static unsigned long long us(uint64_t ns)
{
	uint32_t rem;

	return div_u64_rem(ns, 1000, &rem);
}

/* The value of "key=" on the command line, or NULL. */
static const char *arg(const char *key)
{
	return cmdline_option(start_info_cmdline(), key);
}

/* Whether the value 'v' (up to a space) is 'name'. */
static bool is(const char *v, const char *name)
{
	size_t n = strlen(name);

	return v && !strncmp(v, name, n) && (v[n] == 0 || v[n] == ' ');
}

static uint32_t num(const char *v)
{
	uint32_t n = 0;

	while (v && *v >= '0' && *v <= '9')
		n = n * 10 + (uint32_t)(*v++ - '0');
	return n;
}

/* ---- the tests ---- */

/* No verdict line: the partial line must stay the last output. */
static void t_hello(void)
{
	printf("hello, world\n");
	printf("second line\n\n");
	printf("a partial line without newline");
	outl(FASTABI_RESULT_SUCCESS, FASTABI_RESULT_PORT);
}

static void t_boot(void)
{
	const struct hvm_start_info *si = start_info;

	if (!CHECK(si) || !CHECK(si->version >= 1))
		return;
	printf("start_info at 0x%lx cmdline '%s' memmap entries %u\n", (unsigned long)(uintptr_t)si,
	       start_info_cmdline(), si->memmap_entries);
	const struct hvm_memmap_table_entry *m = (const void *)(uintptr_t)si->memmap_paddr;
	for (unsigned i = 0; i < si->memmap_entries; i++)
		printf("memmap 0x%llx 0x%llx type 0x%x\n", (unsigned long long)m[i].addr,
		       (unsigned long long)m[i].size, m[i].type);
	/* The domain builder puts everything after the image. */
	if (!start_info_after_image())
		return;
	printf("start_info, memmap and cmdline after the image end 0x%lx\n",
	       (unsigned long)((image_end() + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1)));
	if (si->nr_modules) {
		const struct hvm_modlist_entry *mod = (const void *)(uintptr_t)si->modlist_paddr;
		printf("nr_modules %u\n", si->nr_modules);
		for (unsigned i = 0; i < si->nr_modules; i++)
			printf("module %u paddr 0x%llx size %llu cmdline '%s'\n", i,
			       (unsigned long long)mod[i].paddr, (unsigned long long)mod[i].size,
			       mod[i].cmdline_paddr ? (const char *)(uintptr_t)mod[i].cmdline_paddr
						    : "");
	}
	xtf_success(NULL);
}

/* One line longer than the VMM's line buffer: it is cut, then the next line. */
static void t_long_line(void)
{
	static char line[1500] __page_noinit;

	for (unsigned i = 0; i < sizeof(line); i++)
		line[i] = (char)('a' + i % 26);
	console_write(line, sizeof(line));
	printf("\nshort line\n");
	xtf_success(NULL);
}

static void t_xen(void)
{
	uint32_t base = xen_info.base;

	if (!CHECK(xen_info.present && base == 0x40000000))
		return;
	printf("max leaf 0x%x version 0x%x pages %u msr 0x%x hvm 0x%x vcpu %u domid %u traps 0x%x\n",
	       xen_info.max_leaf, (unsigned)xen_info.major << 16 | xen_info.minor,
	       xen_info.hypercall_pages, xen_info.hypercall_msr, xen_info.hvm_features,
	       xen_info.vcpu_id, xen_info.domid, xen_info.traps);
	CHECK(xen_info.major == 4 && xen_info.minor == 17);
	CHECK(xen_info.hypercall_pages == 1 && xen_info.hypercall_msr == 0x40000000);
	CHECK_EQ(xen_info.traps, 0x9904); /* the doorbell, on port 0x99 */
	CHECK(cpuid(1).ecx & (1u << 31)); /* the hypervisor bit */

	long r = hypercall_doorbell(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
	printf("doorbell xen_version 0x%lx", (unsigned long)r);
	CHECK_EQ(r, 0x40011);
	if (!CHECK_EQ(hypercall_init(), 0))
		return;
	/* mov $nr, %eax; out %al, $0x99; ret; int3 padding. */
	CHECK(hypercall_page[0] == 0xb8 && hypercall_page[32 + 1] == 1 &&
	      hypercall_page[5] == 0xe6 && hypercall_page[6] == 0x99 &&
	      hypercall_page[7] == 0xc3 && hypercall_page[8] == 0xcc);
	r = hypercall_xen_version(XENVER_version, NULL);
	printf(", page xen_version 0x%lx", (unsigned long)r);
	CHECK_EQ(r, 0x40011);
#ifdef __x86_64__
	/* FastABI: rax = nr | bit 30, rdi = sub-op; nothing but rax may change. */
	struct fastabi_regs in = { .r = {
		[REG_RAX] = __HYPERVISOR_FASTABI_MASK | __HYPERVISOR_xen_version,
		[REG_RBX] = 0xb, [REG_RCX] = 0xc, [REG_RDX] = 0xd, [REG_RSI] = 0x1111,
		[REG_RDI] = XENVER_version, [REG_RBP] = 0xbb, [REG_R8] = 0x2222, [REG_R9] = 0x9999,
		[REG_R10] = 0, [REG_R11] = 0x11, [REG_R12] = 0x3333, [REG_R13] = 0x13,
		[REG_R14] = 0x14, [REG_R15] = 0x15,
	} };
	struct fastabi_regs out = in;
	fastabi_raw_call(&out, FASTABI_TRAP_DOORBELL);
	unsigned long ret = out.r[REG_RAX];
	printf(", fastabi xen_version 0x%lx", ret);
	CHECK(ret == 0x40011 || ret == (unsigned long)-XEN_ENOSYS);
	for (unsigned i = REG_RAX + 1; i < NR_FASTABI_REGS; i++)
		if (out.r[i] != in.r[i])
			xtf_failure("FastABI clobbered %s", fastabi_reg_names[i]);
#endif
	printf("\n");
	if (xtf_result() < 0)
		xtf_success(NULL);
}

/* console_io write of more than one step (8 chunks of 127 bytes): the core continues the call. */
static void t_console_io(void)
{
	static char big[3000] __page_noinit;
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
		hypercall_init();
	long r = hcall(__HYPERVISOR_console_io, CONSOLEIO_write, n, (uintptr_t)big);
	printf("console_io wrote %u bytes: %ld\n", n, r);
	if (CHECK_EQ(r, 0))
		xtf_success(NULL);
}

/* vmcall and vmmcall raise #UD: survived with the IDT, a triple fault without. */
static void t_vmcall(bool idt)
{
	if (idt)
		traps_init();
	exception_record_reset();
	__asm__ __volatile__("1: vmcall\n2: vmmcall\n3:\n" _ASM_EXTABLE(1b, 2b) _ASM_EXTABLE(2b, 3b)
			     ::: "memory");
	printf("survived vmcall and vmmcall: #UD %u times\n", exception_record.count);
	if (CHECK_EQ(exception_record.count, 2) && CHECK_EQ(exception_record.vector, X86_EXC_UD))
		xtf_success(NULL);
}

static volatile unsigned int80_count, int3_count, upcall_count;

static void count_int80(struct cpu_regs *regs)
{
	(void)regs;
	int80_count++;
}

static void count_int3(struct cpu_regs *regs)
{
	(void)regs;
	int3_count++;
}

/*
 * int $0x80 (a trap gate, as Linux's), int3 and int with an address-size
 * prefix: KVM cannot run them here, the VMM completes them (emulate.c),
 * through the IDT; without one, the VMM refuses (beyond the IDT limit).
 */
static void t_int(bool idt)
{
	if (idt) {
		traps_init();
		irq_register_trap(0x80, count_int80);
		irq_register(X86_EXC_BP, count_int3);
	}
	for (int i = 0; i < 3; i++)
		__asm__ __volatile__("int $0x80" ::: "memory");
	__asm__ __volatile__("int3" ::: "memory");
	__asm__ __volatile__(".byte 0x67; int $0x80" ::: "memory");
	printf("int $0x80 %u int3 %u\n", int80_count, int3_count);
	if (CHECK(int80_count == 4 && int3_count == 1))
		xtf_success(NULL);
}

static void t_shutdown(void)
{
	const char *how = arg("reason");
	unsigned reason = is(how, "reboot") ? SHUTDOWN_reboot
			: is(how, "crash") ? SHUTDOWN_crash
			: is(how, "suspend") ? SHUTDOWN_suspend
			: SHUTDOWN_poweroff;

	hypercall_init();
	printf("shutdown reason %u\n", reason);
	hypercall_shutdown(reason);
	xtf_failure("still running after shutdown");
}

static void t_watchdog(void)
{
	struct sched_watchdog w = { .id = 0, .timeout = 1 };
	long id = hcall(__HYPERVISOR_sched_op, SCHEDOP_watchdog, (uintptr_t)&w, 0);

	printf("watchdog %ld armed for 1 s\n", id);
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	xtf_failure("woke from hlt");
}

static void t_poll(void)
{
	uint64_t t0 = now_ns();
	struct sched_poll p = { .nr_ports = 0, .timeout = t0 + 20000000ull };
	long r = hcall(__HYPERVISOR_sched_op, SCHEDOP_poll, (uintptr_t)&p, 0);
	uint64_t dt = now_ns() - t0;

	printf("poll returned %ld after %llu us\n", r, us(dt));
	if (CHECK(r == 0 && dt >= 20000000ull)) /* slept until its timeout */
		xtf_success(NULL);
}

static uint8_t shared_page[PAGE_SIZE] __page_noinit;

/* The upcall: count it and clear evtchn_upcall_pending, as a guest must. */
static void upcall(struct cpu_regs *regs)
{
	(void)regs;
	upcall_count++;
	((struct shared_info *)shared_page)->vcpu_info[0].evtchn_upcall_pending = 0;
}

/*
 * Move shared_info into RAM (XENMEM_add_to_physmap: the VMM splits its RAM
 * memslot), bind VIRQ_TIMER, set the per-vCPU upcall vector (or, with
 * "via=callback", the domain-wide HVM_PARAM_CALLBACK_IRQ vector) and a
 * timer 10 ms ahead, then hlt: the upcall must be injected and wake the
 * vCPU.
 */
static void t_upcall(void)
{
	uintptr_t gfn = (uintptr_t)shared_page >> 12;
	struct xen_add_to_physmap atp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					  .idx = 0, .gpfn = gfn };

	traps_init();
	irq_register(UPCALL_VECTOR, upcall);
	if (!CHECK_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uintptr_t)&atp, 0), 0))
		return;
	struct shared_info *sh = (struct shared_info *)shared_page;
	printf("shared_info at 0x%lx\n", (unsigned long)gfn << 12);

	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	if (!CHECK_EQ(hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (uintptr_t)&bv, 0), 0))
		return;
	long r;
	if (is(arg("via"), "callback")) {
		struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
					   .value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 |
						    UPCALL_VECTOR };
		r = hcall(__HYPERVISOR_hvm_op, HVMOP_set_param, (uintptr_t)&p, 0);
		if (CHECK_EQ(r, 0))
			printf("callback vector set\n");
	} else {
		struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = UPCALL_VECTOR };
		r = hcall(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, (uintptr_t)&uv, 0);
		CHECK_EQ(r, 0);
	}
	if (r)
		return;

	uint64_t t0 = now_ns();
	struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = t0 + 10000000ull };
	r = hcall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uintptr_t)&st);
	if (!CHECK_EQ(r, 0))
		return;
	while (!upcall_count)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	uint64_t dt = now_ns() - t0;
	bool pending = evtchn_test_pending(sh, bv.port);
	printf("upcall %u after %llu us, port %u %s in shared_info\n", upcall_count, us(dt),
	       bv.port, pending ? "pending" : "NOT pending");
	CHECK(dt >= 10000000ull); /* the upcall came after the timer */
	CHECK(pending);
	CHECK_EQ(upcall_count, 1);
	if (xtf_result() < 0)
		xtf_success(NULL);
}

static volatile unsigned ap_ran;
static uint8_t ap_stack[2 * PAGE_SIZE] __page_noinit;

static __noreturn void ap_main(void)
{
	printf("hello from vCPU 1\n");
	ap_ran = 1;
	for (;;) {
		cli();
		hlt();
	}
}

static void t_smp(void)
{
	struct vcpu_hvm_context ctx;

	vcpu_context_here(&ctx, ap_main, ap_stack + sizeof(ap_stack));
	if (!CHECK_EQ(hcall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, (uintptr_t)&ctx), 0) ||
	    !CHECK_EQ(hcall(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), 0))
		return;
	for (unsigned i = 0; i < 100000 && !ap_ran; i++)
		hcall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
	if (!CHECK(ap_ran))
		return;
	printf("vCPU 1 is up\n");
	xtf_success(NULL);
}

static void t_mmio(void)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)0x3f000000; /* beyond RAM */

	*p = 0x12345678;
	uint32_t v = *p;
	printf("read 0x%x where no memory is\n", v);
	if (CHECK_EQ(v, 0xffffffffu)) /* unbacked memory reads as all ones */
		xtf_success(NULL);
}

/* Confidential: the core may not read a private buffer, and cannot write the hypercall page. */
static void t_confidential(void)
{
	traps_init();
	long r = hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 5, (uintptr_t)"hello");
	printf("console_io from private memory: %ld\n", r);
	CHECK_EQ(r, -XEN_EACCES);
	int fault = wrmsr_safe(xen_info.hypercall_msr, (uintptr_t)hypercall_page);
	printf("hypercall page MSR: #GP %u\n", fault == X86_EXC_GP ? exception_record.count : 0);
	CHECK_EQ(fault, X86_EXC_GP);
	if (xtf_result() < 0)
		xtf_success(NULL);
}

/*
 * Bad writes to the hypercall-page MSR (Xen's 0x40000000, not read from
 * CPUID): a frame beyond RAM and a page index other than 0 raise #GP and
 * write nothing; the domain goes on and a good write then works.
 */
static void t_msr(void)
{
	const uint32_t msr = 0x40000000;
	unsigned gp = 0;

	traps_init();
	gp += wrmsr_safe(msr, 0x3f000000) == X86_EXC_GP; /* 64 MiB of RAM: beyond it */
	printf("bad frame: #GP %u", gp);
	gp += wrmsr_safe(msr, (uintptr_t)hypercall_page | 1) == X86_EXC_GP;
	printf(", page index 1: #GP %u", gp);
	CHECK(gp == 2 && hypercall_page[0] == 0); /* refused, nothing written */
	CHECK_EQ(wrmsr_safe(msr, (uintptr_t)hypercall_page), -1);
	long r = hypercall_xen_version(XENVER_version, NULL);
	printf(", then page xen_version 0x%lx\n", (unsigned long)r);
	CHECK_EQ(r, 0x40011);
	if (xtf_result() < 0)
		xtf_success(NULL);
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
	r[5] = -XEN_ENOSYS;
#ifdef __x86_64__
	struct fastabi_regs f = { .r = {
		[REG_RAX] = __HYPERVISOR_FASTABI_MASK | __HYPERVISOR_xen_version, [REG_RDI] = 63,
	} };
	fastabi_raw_call(&f, FASTABI_TRAP_DOORBELL);
	r[5] = (long)f.r[REG_RAX];
#endif
	printf("refused:");
	for (int i = 0; i < 6; i++)
		printf(" %ld", r[i]);
	printf("\n");
	for (int i = 0; i < 6; i++)
		CHECK_EQ(r[i], -XEN_ENOSYS);
	if (xtf_result() < 0)
		xtf_success(NULL);
}

/* 40 different unknown hypercalls: more kinds than a vCPU keeps apart (32). */
static void t_refused_many(void)
{
	for (unsigned nr = 64; nr < 104; nr++)
		CHECK_EQ(hcall(nr, 0, 0, 0), -XEN_ENOSYS);
	if (xtf_result() < 0)
		xtf_success(NULL);
}

static void t_result(void)
{
	outl(num(arg("value")), FASTABI_RESULT_PORT);
}

static void t_hang(void)
{
	for (;;)
		barrier();
}

static void t_cli_hlt(void)
{
	__asm__ __volatile__("cli; hlt");
}

static void t_triple(void)
{
	__asm__ __volatile__("ud2"); /* no IDT: a triple fault */
}

static void t_vmcall_idt(void)
{
	t_vmcall(true);
}

static void t_vmcall_noidt(void)
{
	t_vmcall(false);
}

static void t_int_idt(void)
{
	t_int(true);
}

static void t_int_noidt(void)
{
	t_int(false);
}

static const struct {
	const char *name;
	void (*run)(void);
} tests[] = {
	{ "hello", t_hello },
	{ "result", t_result },         /* value=N: N on the result port */
	{ "boot", t_boot },
	{ "long-line", t_long_line },
	{ "hang", t_hang },
	{ "cli-hlt", t_cli_hlt },
	{ "triple", t_triple },
	{ "xen", t_xen },
	{ "console-io", t_console_io }, /* page=no: through the doorbell */
	{ "vmcall", t_vmcall_idt },
	{ "vmcall-noidt", t_vmcall_noidt },
	{ "int", t_int_idt },
	{ "int-noidt", t_int_noidt },
	{ "shutdown", t_shutdown },     /* reason=poweroff|reboot|crash|suspend */
	{ "watchdog", t_watchdog },
	{ "poll", t_poll },
	{ "upcall", t_upcall },         /* via=callback: HVM_PARAM_CALLBACK_IRQ */
	{ "smp", t_smp },
	{ "mmio", t_mmio },
	{ "confidential", t_confidential },
	{ "msr", t_msr },
	{ "refused", t_refused },
	{ "refused-many", t_refused_many },
};

void test_main(void)
{
	const char *t = arg("test");

	traps_resume_iret(true);
	for (unsigned i = 0; i < ARRAY_SIZE(tests); i++) {
		if (t ? is(t, tests[i].name) : i == 0) {
			tests[i].run();
			if (xtf_result() < 0)
				xtf_error("the test did not end");
			return;
		}
	}
	xtf_error("unknown test");
}
