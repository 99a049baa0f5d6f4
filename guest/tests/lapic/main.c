/*
 * The local APIC Xen gives every HVM/PVH vCPU (run with --vcpus 2):
 * announced in CPUID leaf 1 with Xen's APIC ID (twice the vCPU id), at
 * 0xfee00000 in IA32_APIC_BASE; KVM's version register; enabled through the
 * spurious-vector register; a one-shot timer taken from hlt, a periodic
 * timer with a divide configuration for a few ticks; a self-IPI held while
 * interrupts are off and while TPR is above its class; EOI (a second
 * interrupt of a vector in service waits in IRR until the EOI: checked
 * where the LAPIC keeps in-service state, which KVM on PVM hosts does not);
 * event-channel upcalls through the domain-wide callback vector
 * (HVM_PARAM_CALLBACK_IRQ, vector type: injected directly, never in IRR or
 * ISR, not held by TPR, no EOI) and through the per-vCPU upcall vector set
 * by the legacy and the FastABI hvm op (through the LAPIC: held in IRR by
 * TPR, EOIed); an IPI to vCPU 1 (APIC ID 2) and its answer; vCPU 1's own
 * upcall vector, an MSI to APIC ID 2 held by vCPU 1's TPR; VCPUOP_send_nmi
 * to ourselves and to vCPU 1 in cli; hlt (the NMI wakes it); vCPU 1 in
 * x2APIC mode; the TSC-deadline timer. Each step
 * prints what it measured (times include the emulated guest code).
 */
#include "guest.h"
#include "common/poll.h"
#include <xen/hvm/hvm_vcpu.h>

const char test_title[] = "lapic";

#define SPURIOUS 0xff
#define V_TIMER 0x40
#define V_SELF 0x41
#define V_NOEOI 0x42
#define V_AP 0x44
#define V_REPLY 0x45
#define V_WAKE 0xd0 /* wakes vCPU 1 above the TPR it raises */
#define V_UPCALL_AP 0x62
#define V_ALARM 0xe0 /* above every other vector's priority class */
#define V_CALLBACK 0x50
#define V_UPCALL_LEGACY 0x60
#define V_UPCALL_FAST 0x61

static struct shared_info *si;
static uint64_t tsc_per_us;

static volatile unsigned timer_ticks, self_ipis, noeoi_count, upcalls, replies, ap_ipis;
static volatile bool upcall_in_service, upcall_skip_eoi;
static volatile uint64_t last_irq_tsc;

/*
 * TSC ticks per microsecond, measured against the LAPIC timer (1 GHz here,
 * divide 1) over 2 ms. The host may deschedule the vCPU between a TSC and a
 * timer reading, which only makes a try count too many ticks: the least of
 * five tries.
 */
static void calibrate(void)
{
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_TMICT, 0xffffffffu);
	tsc_per_us = 0;
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = rdtsc();
		uint32_t c0 = apic_timer_current();
		uint32_t c1 = c0;
		while (c0 - c1 < 2000000u)
			c1 = apic_timer_current();
		uint64_t t1 = rdtsc();
		uint64_t r = (t1 - t0) * 1000 / (c0 - c1);
		if (r && (!tsc_per_us || r < tsc_per_us))
			tsc_per_us = r;
	}
	apic_timer_stop();
	if (!tsc_per_us)
		tsc_per_us = 1;
}

static uint64_t us_since(uint64_t tsc0)
{
	return (rdtsc() - tsc0) / tsc_per_us;
}

static volatile bool timer_in_service;
static void on_timer(struct cpu_regs *r)
{
	(void)r;
	timer_in_service = apic_in_service(V_TIMER);
	last_irq_tsc = rdtsc();
	timer_ticks++;
	apic_eoi();
}

static void on_self(struct cpu_regs *r)
{
	(void)r;
	last_irq_tsc = rdtsc();
	self_ipis++;
	apic_eoi();
}

static volatile unsigned alarms;
static void on_alarm(struct cpu_regs *r)
{
	(void)r;
	alarms++;
	apic_eoi();
}

/* Leaves the vector in service: EOI is the test's to give. */
static void on_noeoi(struct cpu_regs *r)
{
	(void)r;
	noeoi_count++;
}

static void on_reply(struct cpu_regs *r)
{
	(void)r;
	last_irq_tsc = rdtsc();
	replies++;
	apic_eoi();
}

/* On vCPU 1: count, answer vCPU 0, EOI. */
static void on_ap(struct cpu_regs *r)
{
	(void)r;
	ap_ipis++;
	apic_send_ipi(apic_id_of_vcpu(0), V_REPLY);
	apic_eoi();
}

static void take_events(void)
{
	evtchn_take_pending(si, 0, NULL);
}

static void on_callback(struct cpu_regs *r)
{
	(void)r;
	last_irq_tsc = rdtsc();
	upcall_in_service = apic_in_service(V_CALLBACK);
	upcalls++;
	take_events(); /* and no EOI: the callback vector is not the LAPIC's */
}

static void on_upcall(struct cpu_regs *r)
{
	last_irq_tsc = rdtsc();
	upcall_in_service = apic_in_service((uint8_t)r->vector);
	upcalls++;
	take_events();
	if (!upcall_skip_eoi)
		apic_eoi();
}

/* Let interrupts in until *count passes before, at most max_us. */
static void wait_irq(volatile unsigned *count, unsigned before, uint64_t max_us)
{
	uint64_t t0 = rdtsc();
	while (*count == before && us_since(t0) < max_us)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

/*
 * Let a pending interrupt in. Not with sti; nop; cli: on this host's KVM
 * (PVM) ring-0 code is emulated and a LAPIC interrupt that waits for IF is
 * taken only at the next entry with interrupts on, which hlt gives.
 */
static void window(void)
{
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

/* The same when nothing may come: an alarm of a higher class ends the hlt after 2 ms. */
static void bounded_window(void)
{
	unsigned before = alarms;
	apic_timer_oneshot(V_ALARM, 2000000, 1);
	while (alarms == before)
		window();
	apic_timer_stop();
}

static bool check_cpuid_and_version(void)
{
	struct cpuid_regs c = cpuid(1);
	uint64_t base = rdmsr(X86_MSR_APIC_BASE);
	uint32_t ver = apic_version();
	printf("CPUID.1 EDX.APIC %u, ECX.x2APIC %u, ECX.TSC-deadline %u, initial APIC ID %u; "
	       "APIC base %#llx; ID register %u; version %#x\n", (c.edx >> 9) & 1,
	       (c.ecx >> 21) & 1, (c.ecx >> 24) & 1, c.ebx >> 24, (unsigned long long)base,
	       apic_id(), ver);
	CHECK(c.edx & (1u << 9));
	CHECK_EQ(c.ebx >> 24, apic_id_of_vcpu(0));
	CHECK_EQ(base & ~0xfffull, APIC_DEFAULT_BASE);
	CHECK(base & X86_APIC_BASE_ENABLE);
	CHECK(base & X86_APIC_BASE_BSP);
	CHECK_EQ(apic_id(), apic_id_of_vcpu(0));
	/* An integrated APIC (0x14), six LVT entries; what Xen's vlapic reports too. */
	CHECK_EQ(ver & 0xff00ff, 0x050014);
	return xtf_result() < 0;
}

static void test_timer(void)
{
	unsigned before = timer_ticks;
	uint64_t t0 = rdtsc();
	CHECK(apic_timer_oneshot(V_TIMER, 1000000, 1)); /* 1 ms at 1 GHz */
	wait_irq(&timer_ticks, before, 1000000);
	uint64_t late = (last_irq_tsc - t0) / tsc_per_us;
	printf("one-shot 1 ms: %u interrupt(s) after %llu us, in service %d, count now %u\n",
	       timer_ticks - before, (unsigned long long)late, timer_in_service,
	       apic_timer_current());
	CHECK_EQ(timer_ticks - before, 1);
	CHECK(late >= 900);
	CHECK_EQ(apic_timer_current(), 0);
	/* One-shot: nothing more comes. */
	uint64_t t1 = rdtsc();
	while (us_since(t1) < 3000)
		;
	CHECK_EQ(timer_ticks - before, 1);
	CHECK(!apic_requested(V_TIMER));

	/* Periodic, 300 us a tick: 75000 ticks of the clock divided by 4. */
	before = timer_ticks;
	t0 = rdtsc();
	CHECK(apic_timer_periodic(V_TIMER, 75000, 4));
	while (timer_ticks - before < 5 && us_since(t0) < 1000000)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	uint64_t took = (last_irq_tsc - t0) / tsc_per_us;
	apic_timer_stop();
	printf("periodic 300 us (divide 4): %u ticks in %llu us\n", timer_ticks - before,
	       (unsigned long long)took);
	CHECK(timer_ticks - before >= 5);
	CHECK(took >= 5 * 300 * 9 / 10);
	CHECK(!apic_timer_oneshot(V_TIMER, 1, 3)); /* not a divide the register has */

	/* TSC-deadline mode (CPUID.1 ECX bit 24): the deadline is an MSR in TSC ticks. */
	if (cpuid(1).ecx & (1u << 24)) {
		before = timer_ticks;
		apic_write(APIC_LVTT, APIC_LVTT_TSC_DEADLINE | V_TIMER);
		t0 = rdtsc();
		wrmsr(X86_MSR_TSC_DEADLINE, t0 + 1000 * tsc_per_us);
		wait_irq(&timer_ticks, before, 1000000);
		late = (last_irq_tsc - t0) / tsc_per_us;
		apic_timer_stop();
		printf("TSC deadline 1 ms ahead: %u interrupt(s) after %llu us\n", timer_ticks - before,
		       (unsigned long long)late);
		CHECK_EQ(timer_ticks - before, 1);
		CHECK(late >= 900);
	}
}

static void test_ipis_and_eoi(void)
{
	/* A self-IPI waits in IRR while interrupts are off. */
	unsigned before = self_ipis;
	uint64_t t0 = rdtsc();
	apic_send_self_ipi(V_SELF);
	bool held = apic_requested(V_SELF) && self_ipis == before;
	window();
	uint64_t cost = (last_irq_tsc - t0) / tsc_per_us;
	printf("self-IPI: held with IF=0 %d, then %u delivered (%llu us from the ICR write)\n", held,
	       self_ipis - before, (unsigned long long)cost);
	CHECK(held);
	CHECK_EQ(self_ipis - before, 1);
	CHECK(!apic_in_service(V_SELF));

	/* TPR: a vector whose class is not above it waits in IRR. */
	before = self_ipis;
	apic_write(APIC_TASKPRI, 0x80);
	apic_send_self_ipi(V_SELF);
	bounded_window();
	bool tpr_held = self_ipis == before && apic_requested(V_SELF);
	apic_write(APIC_TASKPRI, 0);
	bounded_window();
	printf("self-IPI under TPR 0x80: held %d; TPR 0: %u delivered\n", tpr_held,
	       self_ipis - before);
	CHECK(tpr_held);
	CHECK_EQ(self_ipis - before, 1);

	/*
	 * EOI: a second interrupt of a vector in service waits until the first
	 * is acknowledged. KVM's LAPIC on this host (PVM) keeps no in-service
	 * state (ISR reads 0 in the handler, PPR stays at TPR), so it cannot hold
	 * one back: checked where the LAPIC reports the vector in service.
	 */
	before = noeoi_count;
	apic_send_self_ipi(V_NOEOI);
	window();
	bool isr = apic_in_service(V_NOEOI);
	apic_send_self_ipi(V_NOEOI);
	bounded_window();
	unsigned first = noeoi_count - before;
	bool irr = apic_requested(V_NOEOI);
	apic_eoi();
	if (isr)
		bounded_window();
	unsigned second = noeoi_count - before;
	apic_eoi();
	printf("a vector without EOI: in service %d; sent again: %u delivered (IRR %d), after EOI "
	       "%u\n", isr, first, irr, second);
	if (isr) {
		CHECK_EQ(first, 1);
		CHECK(irr);
	} else {
		printf("NOTE: this host's LAPIC keeps no in-service state: EOI holds nothing back\n");
	}
	CHECK_EQ(second, 2);
	CHECK(!apic_in_service(V_NOEOI));
}

static long send(evtchn_port_t port, bool fast)
{
	struct evtchn_send s = { .port = port };
	return fast ? xen_hypercall_event_channel_send(&s)
		    : hypercall_event_channel_op(EVTCHNOP_send, &s);
}

/* One upcall: sent with interrupts off and taken in hlt, or sent with them on. */
static uint64_t upcall_once(evtchn_port_t port, bool fast, bool if_on, unsigned *got)
{
	unsigned before = upcalls;
	uint64_t t0 = rdtsc();
	if (if_on) {
		__asm__ __volatile__("sti" ::: "memory");
		CHECK_EQ(send(port, fast), 0);
		__asm__ __volatile__("nop; cli" ::: "memory");
	} else {
		CHECK_EQ(send(port, fast), 0);
	}
	wait_irq(&upcalls, before, 1000000);
	*got = upcalls - before;
	return (last_irq_tsc - t0) / tsc_per_us;
}

static uint64_t null_call_us(void)
{
	uint64_t t0 = rdtsc();
	for (int i = 0; i < 10; i++)
		xen_hypercall_version_version();
	return us_since(t0) / 10;
}

static void test_upcalls(evtchn_port_t port)
{
	unsigned got;
	printf("null hypercall: %llu us\n", (unsigned long long)null_call_us());

	/* The callback vector: direct, not in service, no EOI; again and again. */
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
				   .value = (2ull << 56) | V_CALLBACK };
	CHECK_EQ(hypercall_hvm_op(HVMOP_set_param, &p), 0);
	si->vcpu_info[0].evtchn_upcall_mask = 0;
	for (int i = 0; i < 4; i++) {
		bool fast = i & 1, if_on = i >= 2;
		uint64_t us = upcall_once(port, fast, if_on, &got);
		printf("callback vector, send (%s, IF=%d): %u upcall(s) after %llu us, in service %d\n",
		       fast ? "fast" : "legacy", if_on, got, (unsigned long long)us,
		       upcall_in_service);
		CHECK_EQ(got, 1);
		CHECK(!upcall_in_service);
	}
	/* Not the LAPIC's: TPR holds nothing back, IRR never has it. */
	apic_write(APIC_TASKPRI, 0x80);
	uint64_t us = upcall_once(port, false, true, &got);
	apic_write(APIC_TASKPRI, 0);
	printf("callback vector under TPR 0x80: %u upcall(s) after %llu us, IRR %d\n", got,
	       (unsigned long long)us, apic_requested(V_CALLBACK));
	CHECK_EQ(got, 1);
	CHECK(!apic_requested(V_CALLBACK));
	CHECK(!apic_in_service(V_CALLBACK));

	/* The per-vCPU vector, set by each ABI: through the LAPIC, EOI required. */
	for (int fast = 0; fast < 2; fast++) {
		uint8_t vec = fast ? V_UPCALL_FAST : V_UPCALL_LEGACY;
		struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = vec };
		CHECK_EQ(fast ? xen_hypercall_hvm_set_evtchn_upcall_vector(&uv)
			      : hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv), 0);
		for (int if_on = 0; if_on < 2; if_on++) {
			uint64_t us = upcall_once(port, fast, if_on, &got);
			printf("upcall vector %#x (%s), IF=%d: %u upcall(s) after %llu us, in service %d\n",
			       vec, fast ? "fast" : "legacy", if_on, got, (unsigned long long)us,
			       upcall_in_service);
			CHECK_EQ(got, 1);
			CHECK(!apic_in_service(vec));
		}
		/* Through the LAPIC: held in IRR while TPR is above its class. */
		unsigned before = upcalls;
		apic_write(APIC_TASKPRI, 0x80);
		CHECK_EQ(send(port, fast), 0);
		bounded_window();
		bool held = upcalls == before && apic_requested(vec);
		apic_write(APIC_TASKPRI, 0);
		bounded_window();
		printf("upcall vector %#x under TPR 0x80: held in IRR %d; TPR 0: %u upcall(s)\n", vec,
		       held, upcalls - before);
		CHECK(held);
		CHECK_EQ(upcalls - before, 1);
		/* Not acknowledged: where the LAPIC has it in service, the next waits for the EOI. */
		upcall_skip_eoi = true;
		upcall_once(port, fast, false, &got);
		upcall_skip_eoi = false;
		bool isr = upcall_in_service;
		before = upcalls;
		CHECK_EQ(send(port, fast), 0);
		bounded_window();
		bool waits = upcalls == before && apic_requested(vec);
		apic_eoi();
		if (isr)
			bounded_window();
		printf("upcall vector %#x without EOI: in service %d, next one waits %d, after EOI %u "
		       "upcall(s)\n", vec, isr, waits, upcalls - before);
		if (isr)
			CHECK(waits);
		CHECK_EQ(upcalls - before, 1);
		CHECK(!apic_in_service(vec));
	}
}

/* vCPU 1: its own upcall vector (through its LAPIC, APIC ID 2), and a wake-up IPI. */
static volatile unsigned ap_upcalls, ap_cmd;
static volatile bool ap_tpr_raised, ap_irr_held, ap_cmd_done;
static volatile uint64_t ap_x2apic_msr_id = ~0ull, ap_x2apic_version;
static volatile unsigned nmis[2];     /* by vCPU */
static volatile bool ap_nmi_woke;

static bool on_nmi(struct cpu_regs *r)
{
	if (r->vector != X86_EXC_NMI)
		return false;
	nmis[apic_id() == apic_id_of_vcpu(0) ? 0 : 1]++;
	return true;
}

static void on_upcall_ap(struct cpu_regs *r)
{
	(void)r;
	ap_upcalls++;
	evtchn_take_pending(si, 1, NULL);
	apic_eoi();
}

static void on_wake(struct cpu_regs *r)
{
	(void)r;
	apic_eoi();
}

/* vCPU 1. */
static union {
	struct vcpu_hvm_context c;
	uint8_t page[PAGE_SIZE];
} ap_ctx __page_noinit;
static uint8_t ap_stack[2 * PAGE_SIZE] __page_noinit;
static struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr, gdtr;
static volatile unsigned ap_apic_id = ~0u, ap_cpuid_id = ~0u, ap_x2apic_id = ~0u;
static volatile bool ap_ready;

static __noreturn void ap_main(void)
{
	/*
	 * VCPUOP_initialise gave flat segments with null selectors: an interrupt
	 * needs a GDT for the gate's selector, and iretq a CS it can reload.
	 */
	__asm__ __volatile__("lgdt %0; lidt %1\n\t"
			     "pushq %2; leaq 1f(%%rip), %%rax; pushq %%rax; lretq\n"
			     "1:\tmov %3, %%eax; mov %%eax, %%ss; mov %%eax, %%ds; mov %%eax, %%es"
			     : : "m"(gdtr), "m"(idtr), "i"(GDT_CS64), "i"(GDT_DS) : "rax", "memory");
	apic_enable(SPURIOUS);
	ap_apic_id = apic_id();
	ap_cpuid_id = cpuid(1).ebx >> 24;
	ap_x2apic_id = cpuid_count(0xb, 0).edx;
	ap_ready = true;
	for (;;) {
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
		if (ap_cmd == 1) { /* raise TPR above the upcall vector's class */
			apic_write(APIC_TASKPRI, 0x80);
			ap_tpr_raised = true;
		} else if (ap_cmd == 2) { /* is the upcall held in IRR? then let it in */
			ap_irr_held = apic_requested(V_UPCALL_AP);
			apic_write(APIC_TASKPRI, 0);
		} else if (ap_cmd == 4) { /* cli; hlt: only an NMI ends it */
			ap_cmd = 0;
			ap_cmd_done = true;
			__asm__ __volatile__("cli; hlt" ::: "memory");
			ap_nmi_woke = true;
			continue;
		} else if (ap_cmd == 3) { /* x2APIC mode: the ID and version MSRs (no MMIO after) */
			wrmsr(X86_MSR_APIC_BASE, rdmsr(X86_MSR_APIC_BASE) | X86_APIC_BASE_X2APIC);
			ap_x2apic_msr_id = rdmsr(0x802);
			ap_x2apic_version = rdmsr(0x803);
		}
		if (ap_cmd) {
			ap_cmd = 0;
			ap_cmd_done = true;
		}
	}
}

static bool wait_for(volatile unsigned *v, unsigned want)
{
	uint64_t t0 = rdtsc();
	while (*v != want && us_since(t0) < 1000000)
		__asm__ __volatile__("pause" ::: "memory");
	return *v == want;
}

static void ap_command(unsigned cmd)
{
	ap_cmd_done = false;
	ap_cmd = cmd;
	apic_send_ipi(apic_id_of_vcpu(1), V_WAKE);
	uint64_t t0 = rdtsc();
	while (!ap_cmd_done && us_since(t0) < 1000000)
		__asm__ __volatile__("pause" ::: "memory");
	CHECK(ap_cmd_done);
}

/*
 * vCPU 1's own upcall vector: an MSI to APIC ID 2, which vCPU 1's LAPIC
 * holds in IRR while its TPR is above the vector's class.
 */
static void test_upcall_to_vcpu1(void)
{
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 1, .vector = V_UPCALL_AP };
	struct evtchn_bind_ipi ipi = { .vcpu = 1 };
	if (!CHECK_EQ(hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv), 0) ||
	    !CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_bind_ipi, &ipi), 0))
		return;
	si->vcpu_info[1].evtchn_upcall_mask = 0;
	CHECK_EQ(send(ipi.port, false), 0);
	bool got = wait_for(&ap_upcalls, 1);
	ap_command(1);
	CHECK_EQ(send(ipi.port, true), 0);
	uint64_t t0 = rdtsc();
	while (us_since(t0) < 2000)
		;
	unsigned held_count = ap_upcalls;
	ap_command(2);
	bool again = wait_for(&ap_upcalls, 2);
	printf("vCPU 1's upcall vector %#x: %d; under its TPR 0x80: held in IRR %d (%u upcall(s) "
	       "meanwhile); TPR 0: delivered %d\n", V_UPCALL_AP, got, ap_irr_held, held_count, again);
	CHECK(got);
	CHECK(ap_tpr_raised);
	CHECK(ap_irr_held);
	CHECK_EQ(held_count, 1);
	CHECK(again);
}

static void test_ipi_between_vcpus(void)
{
	__asm__ __volatile__("sidt %0; sgdt %1" : "=m"(idtr), "=m"(gdtr));
	vcpu_context_here(&ap_ctx.c, ap_main, ap_stack + sizeof(ap_stack));
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_initialise, 1, &ap_ctx.c), 0);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_up, 1, NULL), 0);
	uint64_t t0 = rdtsc();
	while (!ap_ready && us_since(t0) < 2000000)
		__asm__ __volatile__("pause" ::: "memory");
	printf("vCPU 1: up %d, APIC ID %u, CPUID initial APIC ID %u, x2APIC ID %u\n", ap_ready,
	       ap_apic_id, ap_cpuid_id, ap_x2apic_id);
	CHECK(ap_ready);
	CHECK_EQ(ap_apic_id, apic_id_of_vcpu(1));
	CHECK_EQ(ap_cpuid_id, apic_id_of_vcpu(1));
	CHECK_EQ(ap_x2apic_id, apic_id_of_vcpu(1));
	if (!ap_ready)
		return;
	/* Let it reach hlt: the IPI must wake it. */
	t0 = rdtsc();
	while (us_since(t0) < 2000)
		;
	for (int i = 0; i < 3; i++) {
		unsigned before = replies, ap_before = ap_ipis;
		t0 = rdtsc();
		apic_send_ipi(apic_id_of_vcpu(1), V_AP);
		wait_irq(&replies, before, 1000000);
		uint64_t rtt = (last_irq_tsc - t0) / tsc_per_us;
		printf("IPI to APIC ID %u and its answer: %u taken, %u answer(s), round trip %llu us\n",
		       apic_id_of_vcpu(1), ap_ipis - ap_before, replies - before,
		       (unsigned long long)rtt);
		CHECK_EQ(ap_ipis - ap_before, 1);
		CHECK_EQ(replies - before, 1);
	}
	test_upcall_to_vcpu1();

	/* VCPUOP_send_nmi: to ourselves, and to vCPU 1 sitting in cli; hlt. */
	set_exception_hook(on_nmi);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_send_nmi, 0, NULL), 0);
	t0 = rdtsc();
	while (!nmis[0] && us_since(t0) < 1000000)
		__asm__ __volatile__("pause" ::: "memory");
	ap_command(4);
	t0 = rdtsc();
	while (us_since(t0) < 5000)
		;
	bool slept = !ap_nmi_woke;
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_send_nmi, 1, NULL), 0);
	t0 = rdtsc();
	while (!ap_nmi_woke && us_since(t0) < 1000000)
		__asm__ __volatile__("pause" ::: "memory");
	printf("VCPUOP_send_nmi: vCPU 0 took %u; vCPU 1 in cli; hlt: still halted after 5 ms %d, "
	       "woken by the NMI %d (%u taken)\n", nmis[0], slept, ap_nmi_woke, nmis[1]);
	CHECK_EQ(nmis[0], 1);
	CHECK(slept);
	CHECK(ap_nmi_woke);
	CHECK_EQ(nmis[1], 1);
	set_exception_hook(NULL);

	ap_command(3);
	printf("vCPU 1 in x2APIC mode: ID MSR %llu, version MSR %#llx\n",
	       (unsigned long long)ap_x2apic_msr_id, (unsigned long long)ap_x2apic_version);
	CHECK_EQ(ap_x2apic_msr_id, apic_id_of_vcpu(1));
	CHECK_EQ(ap_x2apic_version & 0xff00ff, 0x050014);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_down, 1, NULL), 0);
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };
	xen_hypercall_hvm_get_time(&g);
	return g.now;
}

/*
 * As on Xen, a LAPIC interrupt ends SCHEDOP_poll and SCHEDOP_block
 * (vlapic_set_irq kicks the vCPU out of its block): a one-shot timer of
 * 5 ms, armed before a poll of a port nobody sends to with a 2 s timeout,
 * and before a block with nothing else to end it. Interrupts are on at
 * the call, so the interrupt is taken and the call returns 0.
 */
static void test_block_ended_by_lapic(evtchn_port_t quiet_port)
{
	for (int fast = 0; fast < 2; fast++) {
		unsigned before = timer_ticks;
		uint64_t t0 = now_ns();
		CHECK(apic_timer_oneshot(V_TIMER, 5000000, 1));
		__asm__ __volatile__("sti" ::: "memory");
		long rc = poll_one(fast, quiet_port, t0 + 2000000000ull);
		__asm__ __volatile__("cli" ::: "memory");
		uint64_t took = (now_ns() - t0) / 1000;
		printf("%s poll, 2 s timeout, LAPIC timer at 5 ms: returned %ld after %llu us, "
		       "%u timer interrupt(s)\n", fast ? "FastABI" : "legacy", rc,
		       (unsigned long long)took, timer_ticks - before);
		CHECK_EQ(rc, 0);
		CHECK_EQ(timer_ticks - before, 1);
		CHECK(took >= 4500 && took < 1000000);
	}
	unsigned before = timer_ticks;
	uint64_t t0 = now_ns();
	CHECK(apic_timer_oneshot(V_TIMER, 5000000, 1));
	__asm__ __volatile__("sti" ::: "memory");
	long rc = hypercall_sched_op(SCHEDOP_block, NULL);
	__asm__ __volatile__("cli" ::: "memory");
	uint64_t took = (now_ns() - t0) / 1000;
	printf("block, LAPIC timer at 5 ms: returned %ld after %llu us, %u timer interrupt(s)\n",
	       rc, (unsigned long long)took, timer_ticks - before);
	CHECK_EQ(rc, 0);
	CHECK_EQ(timer_ticks - before, 1);
	CHECK(took >= 4500);
}

void test_main(void)
{
	if (!xen_info.hypercall_page_ready || !fastabi_usable()) {
		xtf_skip("needs the hypercall page and FastABI");
		return;
	}
	si = shared_info_need();
	if (!si)
		return;
	if (!check_cpuid_and_version()) {
		xtf_failure("no local APIC as Xen gives one");
		return;
	}
	irq_register(V_TIMER, on_timer);
	irq_register(V_SELF, on_self);
	irq_register(V_NOEOI, on_noeoi);
	irq_register(V_ALARM, on_alarm);
	irq_register(V_REPLY, on_reply);
	irq_register(V_AP, on_ap);
	irq_register(V_WAKE, on_wake);
	irq_register(V_UPCALL_AP, on_upcall_ap);
	irq_register(V_CALLBACK, on_callback);
	irq_register(V_UPCALL_LEGACY, on_upcall);
	irq_register(V_UPCALL_FAST, on_upcall);
	apic_enable(SPURIOUS);
	printf("enabled: spurious-vector register %#x\n", apic_read(APIC_SPIV));
	CHECK_EQ(apic_read(APIC_SPIV), APIC_SPIV_ENABLE | SPURIOUS);
	calibrate();
	printf("TSC: %llu ticks per us\n", (unsigned long long)tsc_per_us);

	test_timer();
	test_ipis_and_eoi();
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	if (CHECK_EQ(xen_hypercall_event_channel_bind_ipi(&ipi), 0)) {
		test_block_ended_by_lapic(ipi.port);
		test_upcalls(ipi.port);
	}
	test_ipi_between_vcpus();
	if (xtf_result() < 0)
		xtf_success(NULL);
}
