/*
 * pvclock: the time info in shared_info's vcpu_info slot describes the real
 * TSC. System time computed from rdtsc with it must agree with hvm_op
 * get_time (legacy and FastABI) within PVCLOCK_BOUND_NS, several times, and
 * must advance; the wallclock must be set.
 */
#include "guest.h"

const char test_title[] = "pvclock";

/* Generous: ring-0 code is emulated slowly, a hypercall takes a while. */
#define PVCLOCK_BOUND_NS 1000000ull
#define ROUNDS 4

/* System time now by the time info, with Xen's version protocol. */
static uint64_t pvclock_now(const volatile struct vcpu_time_info *t)
{
	uint32_t ver;
	uint64_t ns;

	do {
		ver = t->version;
		__asm__ __volatile__("" ::: "memory");
		uint64_t delta = rdtsc() - t->tsc_timestamp;
		int8_t shift = t->tsc_shift;
		if (shift >= 0)
			delta <<= shift;
		else
			delta >>= -shift;
		ns = t->system_time +
		     (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__asm__ __volatile__("" ::: "memory");
	} while ((ver & 1) || ver != t->version);
	return ns;
}

static int64_t diff(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b);
}

/* p1 <= g <= p2 up to the bound; returns the worst distance of g outside [p1, p2]. */
static bool agrees(const char *what, uint64_t p1, uint64_t g, uint64_t p2, int64_t *worst)
{
	int64_t before = diff(p1, g), after = diff(g, p2);
	int64_t out = before > after ? before : after;
	if (out < 0)
		out = 0;
	if (out > *worst)
		*worst = out;
	printf("%s: pvclock %llu, get_time %llu (%+lld), pvclock %llu (%+lld)\n", what,
	       (unsigned long long)p1, (unsigned long long)g, (long long)diff(g, p1),
	       (unsigned long long)p2, (long long)diff(p2, g));
	return out <= (int64_t)PVCLOCK_BOUND_NS;
}

void test_main(void)
{
	if (!xtf_both_abis_ready())
		return;
	struct shared_info *si = shared_info_need();
	if (!si)
		return;
	const volatile struct vcpu_time_info *t = &si->vcpu_info[0].time;

	printf("time info: version %u, tsc_timestamp %llu, system_time %llu, mul %#x, "
	       "shift %d, flags %#x\n", t->version, (unsigned long long)t->tsc_timestamp,
	       (unsigned long long)t->system_time, t->tsc_to_system_mul, t->tsc_shift,
	       t->flags);
	CHECK(t->version != 0 && !(t->version & 1));
	CHECK(t->tsc_to_system_mul >= 0x80000000u);

	volatile struct shared_info *vs = si;
	printf("wallclock: version %u, %u.%09u s (hi %u)\n", vs->wc_version, vs->wc_sec,
	       vs->wc_nsec, vs->wc_sec_hi);
	CHECK(vs->wc_version != 0 && !(vs->wc_version & 1));
	CHECK(vs->wc_sec > 1577836800u || vs->wc_sec_hi); /* after 2020 */
	CHECK(vs->wc_nsec < 1000000000u);

	int64_t worst = 0;
	uint64_t last = 0;
	for (unsigned i = 0; i < ROUNDS; i++) {
		struct xen_hvm_get_time gl = { 0 }, gf = { 0 };

		uint64_t p1 = pvclock_now(t);
		long lrc = hypercall_hvm_op(HVMOP_get_time, &gl);
		uint64_t p2 = pvclock_now(t);
		int64_t frc = xen_hypercall_hvm_get_time(&gf);
		uint64_t p3 = pvclock_now(t);
		CHECK_EQ(lrc, 0);
		CHECK_EQ(frc, 0);
		CHECK(agrees("legacy", p1, gl.now, p2, &worst));
		CHECK(agrees("fast", p2, gf.now, p3, &worst));
		CHECK(p1 > last && p1 <= p2 && p2 <= p3);
		last = p3;
		/* Let time pass: a few thousand iterations of ring-0 code. */
		for (volatile unsigned j = 0; j < 2000; j++)
			;
	}
	printf("pvclock vs get_time: worst %lld ns outside the pvclock readings around the "
	       "call (bound %llu ns)\n", (long long)worst, PVCLOCK_BOUND_NS);

	if (xtf_result() < 0)
		xtf_success(NULL);
}
