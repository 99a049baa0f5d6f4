/*
 * The local APIC in xAPIC mode, through its page at 0xfee00000 (identity
 * mapped by the 64-bit boot page tables, reached directly with paging off):
 * enable it, read its ID and version, EOI, the timer (one-shot or periodic,
 * with a divide configuration), IPIs to ourselves or another vCPU's APIC ID
 * through the ICR, and the in-service / request bits of a vector.
 *
 * Xen gives every HVM/PVH vCPU a LAPIC whose ID is twice the vCPU id
 * (apic_id_of_vcpu); fastabi gives KVM's in-kernel one, with the same IDs.
 * A vector delivered through the LAPIC (the timer, an IPI, the per-vCPU
 * upcall vector) must be acknowledged with apic_eoi(); the domain-wide
 * callback vector (HVM_PARAM_CALLBACK_IRQ) is not.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <fastabi/x86.h> /* X86_MSR_APIC_BASE, X86_APIC_BASE_*, X86_MSR_TSC_DEADLINE */

#include "compiler.h"

#define APIC_DEFAULT_BASE 0xfee00000ul

/* Register offsets in the xAPIC page. */
#define APIC_ID 0x20
#define APIC_LVR 0x30
#define APIC_TASKPRI 0x80
#define APIC_EOI 0xb0
#define APIC_SPIV 0xf0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_ICR 0x300
#define APIC_ICR2 0x310
#define APIC_LVTT 0x320
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_LVTERR 0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3e0

#define APIC_SPIV_ENABLE (1u << 8)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVTT_PERIODIC (1u << 17)
#define APIC_LVTT_TSC_DEADLINE (2u << 17)
#define APIC_ICR_BUSY (1u << 12)
#define APIC_ICR_SELF (1u << 18)


/* Xen's APIC ID of a vCPU (vlapic reset, CPUID leaf 1 EBX[31:24]). */
static inline unsigned apic_id_of_vcpu(unsigned vcpu)
{
	return vcpu * 2;
}

static inline uint32_t apic_read(unsigned reg)
{
	return *(volatile uint32_t *)(APIC_DEFAULT_BASE + reg);
}

static inline void apic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(APIC_DEFAULT_BASE + reg) = v;
}

/* Software-enable the LAPIC with 'spurious' as its spurious-interrupt vector. */
void apic_enable(uint8_t spurious);
/* This vCPU's APIC ID (the ID register's bits 31:24). */
unsigned apic_id(void);
static inline uint32_t apic_version(void)
{
	return apic_read(APIC_LVR);
}
static inline void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}
/* Whether vector is in service (ISR) or requested (IRR). */
bool apic_in_service(uint8_t vector);
bool apic_requested(uint8_t vector);

/*
 * The timer: count initial-count ticks of the bus clock divided by divide
 * (1, 2, 4, ..., 128), then raise vector once or every period. An invalid
 * divide is refused (false).
 */
bool apic_timer_oneshot(uint8_t vector, uint32_t count, unsigned divide);
bool apic_timer_periodic(uint8_t vector, uint32_t count, unsigned divide);
void apic_timer_stop(void);
static inline uint32_t apic_timer_current(void)
{
	return apic_read(APIC_TMCCT);
}

/* Fixed-mode, edge IPIs: to ourselves (the self shorthand) or to an APIC ID. */
void apic_send_self_ipi(uint8_t vector);
void apic_send_ipi(unsigned dest_apic_id, uint8_t vector);

#endif
