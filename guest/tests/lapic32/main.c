/*
 * The local APIC from a 32-bit guest (protected mode, paging off: the
 * xAPIC page is reached at its physical address), with interrupts off
 * throughout, so everything is seen in the registers: CPUID leaf 1 and
 * IA32_APIC_BASE, Xen's APIC ID, the version, enabling, the timer counting
 * down at 1 GHz and raising its vector in IRR when it expires, a self-IPI
 * pending in IRR, and TPR in the processor priority.
 */
#include "guest.h"

const char test_title[] = "lapic32";

#define V_TIMER 0x40
#define V_SELF 0x41
#define APIC_PROCPRI 0xa0

void test_main(void)
{
	struct cpuid_regs c = cpuid(1);
	uint64_t base = rdmsr(X86_MSR_APIC_BASE);
	uint32_t ver = apic_version();
	printf("CPUID.1 EDX.APIC %u, initial APIC ID %u; APIC base %#llx; ID register %u; "
	       "version %#x\n", (c.edx >> 9) & 1, c.ebx >> 24, (unsigned long long)base, apic_id(),
	       ver);
	if (!CHECK(c.edx & (1u << 9)) || !CHECK_EQ(ver & 0xff00ff, 0x050014)) {
		xtf_failure("no local APIC as Xen gives one");
		return;
	}
	CHECK_EQ(c.ebx >> 24, apic_id_of_vcpu(0));
	CHECK_EQ(apic_id(), apic_id_of_vcpu(0));
	CHECK_EQ(base & ~0xfffull, APIC_DEFAULT_BASE);
	CHECK(base & X86_APIC_BASE_ENABLE);
	CHECK(base & X86_APIC_BASE_BSP);

	apic_enable(0xff);
	CHECK_EQ(apic_read(APIC_SPIV), APIC_SPIV_ENABLE | 0xff);

	/* The timer: 2 ms at 1 GHz counts down, expires, and its vector waits in IRR. */
	uint64_t t0 = rdtsc();
	CHECK(apic_timer_oneshot(V_TIMER, 2000000, 1));
	uint32_t first = apic_timer_current(), later = first;
	while (later && rdtsc() - t0 < 10000000000ull)
		later = apic_timer_current();
	uint64_t took = rdtsc() - t0;
	/* KVM raises the vector from its timer's callback: it may trail the count by a little. */
	bool pending = false;
	for (unsigned i = 0; i < 100000 && !pending; i++)
		pending = apic_requested(V_TIMER);
	printf("timer: %u just after the start, 0 after %llu TSC ticks; vector pending %d\n", first,
	       (unsigned long long)took, pending);
	CHECK(first > 0 && first <= 2000000);
	CHECK_EQ(later, 0);
	CHECK(pending);

	/* A self-IPI waits in IRR too (interrupts are off). */
	apic_send_self_ipi(V_SELF);
	CHECK(apic_requested(V_SELF));

	/* TPR shows in the processor priority. */
	apic_write(APIC_TASKPRI, 0x80);
	uint32_t ppr = apic_read(APIC_PROCPRI);
	apic_write(APIC_TASKPRI, 0);
	printf("self-IPI pending %d; TPR 0x80 gives PPR %#x\n", apic_requested(V_SELF), ppr);
	CHECK_EQ(ppr & 0xf0, 0x80);
	if (xtf_result() < 0)
		xtf_success(NULL);
}
