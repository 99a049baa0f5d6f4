/* The xAPIC helpers of apic.h. */
#include "apic.h"

void apic_enable(uint8_t spurious)
{
	apic_write(APIC_SPIV, APIC_SPIV_ENABLE | spurious);
}

unsigned apic_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

/* ISR, TMR and IRR are eight 32-bit registers each, 16 bytes apart. */
static bool vector_bit(unsigned base, uint8_t vector)
{
	return (apic_read(base + 0x10 * (vector / 32)) >> (vector % 32)) & 1;
}

bool apic_in_service(uint8_t vector)
{
	return vector_bit(APIC_ISR, vector);
}

bool apic_requested(uint8_t vector)
{
	return vector_bit(APIC_IRR, vector);
}

/* The divide configuration register's encoding of 1, 2, 4, ..., 128 (bits 0, 1, 3). */
static int divide_code(unsigned divide)
{
	static const uint8_t code[8] = { 0xb, 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa };

	for (unsigned i = 0; i < 8; i++)
		if (divide == 1u << i)
			return code[i];
	return -1;
}

static bool timer_start(uint32_t lvtt, uint32_t count, unsigned divide)
{
	int code = divide_code(divide);

	if (code < 0)
		return false;
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_TDCR, (uint32_t)code);
	apic_write(APIC_LVTT, lvtt);
	apic_write(APIC_TMICT, count); /* writing the initial count starts it */
	return true;
}

bool apic_timer_oneshot(uint8_t vector, uint32_t count, unsigned divide)
{
	return timer_start(vector, count, divide);
}

bool apic_timer_periodic(uint8_t vector, uint32_t count, unsigned divide)
{
	return timer_start(APIC_LVTT_PERIODIC | vector, count, divide);
}

void apic_timer_stop(void)
{
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_TMICT, 0);
}

static void icr_wait(void)
{
	for (unsigned i = 0; i < 1000000 && (apic_read(APIC_ICR) & APIC_ICR_BUSY); i++)
		__asm__ __volatile__("pause");
}

void apic_send_self_ipi(uint8_t vector)
{
	icr_wait();
	apic_write(APIC_ICR, APIC_ICR_SELF | vector);
}

void apic_send_ipi(unsigned dest_apic_id, uint8_t vector)
{
	icr_wait();
	apic_write(APIC_ICR2, dest_apic_id << 24);
	apic_write(APIC_ICR, vector); /* fixed, physical, edge: the write sends it */
}
