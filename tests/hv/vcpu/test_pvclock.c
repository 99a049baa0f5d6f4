/*
 * hv/vcpu.c: the time info once the VMM tells the guest's TSC (pvclock).
 * The harness's fake clock is system time; a fake guest TSC is a line of it,
 * tsc(t) = tsc0 + (t - ns0) * khz / 10^6, the mapping hv_vcpu__set_tsc
 * gives. A guest's estimate from the time info, system_time + scale(tsc(t) -
 * tsc_timestamp), must be t within 1 ns per ms elapsed (plus one tick of the
 * counter, its resolution), for several frequencies; every copy follows the
 * version protocol; every shared_info slot is filled; the wallclock too.
 */
#include <stdio.h>

#include "../sched/calls.h"

static const uint32_t freqs_khz[] = { 1000000, 2100000, 3600000, 100000, 2445123 };

/* What a guest computes (Xen's pvclock): ns at TSC value tsc. */
static uint64_t guest_ns(const struct vcpu_time_info *t, uint64_t tsc)
{
	uint64_t delta = tsc - t->tsc_timestamp;
	if (t->tsc_shift >= 0)
		delta <<= t->tsc_shift;
	else
		delta >>= -t->tsc_shift;
	return t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
}

/* The fake guest TSC at t, computed here independently of the core. */
static uint64_t fake_tsc(const struct hv_tsc *m, uint64_t t)
{
	return m->tsc + (uint64_t)((unsigned __int128)(t - m->ns) * m->khz / 1000000);
}

static void check_estimate(const struct vcpu_time_info *t, const struct hv_tsc *m, uint64_t at,
			   uint64_t elapsed)
{
	uint64_t est = guest_ns(t, fake_tsc(m, at));
	int64_t err = (int64_t)(est - at);
	/* 1 ns per ms elapsed since the stamp, plus a tick (the TSC's resolution) and a ns. */
	int64_t bound = (int64_t)(elapsed / MS) + (int64_t)((1000000 + m->khz - 1) / m->khz) + 1;
	if (err > bound || err < -bound)
		fail_msg("%u kHz, %llu ns after the stamp: estimate %llu, truth %llu (%+lld, bound %lld)",
			 m->khz, (unsigned long long)elapsed, (unsigned long long)est,
			 (unsigned long long)at, (long long)err, (long long)bound);
}

static void test_scale(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(freqs_khz) / sizeof(freqs_khz[0]); i++) {
		uint32_t mul;
		int8_t shift;
		hv_time__scale(freqs_khz[i], &mul, &shift);
		assert_true(mul >= 0x80000000u);
		/* One second of ticks is one second of ns, to the scaling's precision. */
		struct vcpu_time_info t = { .tsc_to_system_mul = mul, .tsc_shift = shift };
		uint64_t ns = guest_ns(&t, (uint64_t)freqs_khz[i] * 1000);
		assert_true(ns <= SEC && ns >= SEC - 2);
	}
	/* 1 GHz is the fallback's scale. */
	uint32_t mul;
	int8_t shift;
	hv_time__scale(1000000, &mul, &shift);
	assert_int_equal(mul, 0x80000000u);
	assert_int_equal(shift, 1);
}

static void test_estimate(void **state)
{
	(void)state;
	static const uint64_t after[] = { 0, 1000, MS, 7 * MS, SEC, 60 * SEC, 3600 * SEC };
	for (unsigned i = 0; i < sizeof(freqs_khz) / sizeof(freqs_khz[0]); i++) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		harness__set_time(h, 5 * SEC + 123);
		struct hv_tsc m = { .khz = freqs_khz[i], .tsc = 0x123456789abull, .ns = h->now - 77777,
				    .stable = true };
		hv_vcpu__set_tsc(v, &m);
		assert_int_equal(hv_vcpu__guest_tsc(v, m.ns), m.tsc);
		assert_int_equal(hv_vcpu__guest_tsc(v, h->now), fake_tsc(&m, h->now));

		struct vcpu_time_info t = d->shared_info->vcpu_info[0].time;
		assert_int_equal(t.flags, XEN_PVCLOCK_TSC_STABLE_BIT);
		assert_true(t.tsc_to_system_mul >= 0x80000000u);
		/* The stamp is the TSC now and the system time of that very tick. */
		assert_int_equal(t.tsc_timestamp, fake_tsc(&m, h->now));
		assert_true(t.system_time <= h->now && h->now - t.system_time <= 10);
		for (unsigned j = 0; j < sizeof(after) / sizeof(after[0]); j++)
			check_estimate(&t, &m, h->now + after[j], after[j]);

		/* A refresh later: a new stamp on the same line. */
		harness__advance(h, 90 * SEC + 31);
		hv_vcpu__update_time(v);
		t = d->shared_info->vcpu_info[0].time;
		assert_int_equal(t.tsc_timestamp, fake_tsc(&m, h->now));
		for (unsigned j = 0; j < sizeof(after) / sizeof(after[0]); j++)
			check_estimate(&t, &m, h->now + after[j], after[j]);
		harness__free(h);
	}
}

static void test_unstable_flag(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 1);
	struct hv_tsc m = { .khz = 2100000, .tsc = 1, .ns = h->now };
	hv_vcpu__set_tsc(&d->vcpus[0], &m);
	assert_int_equal(d->shared_info->vcpu_info[0].time.flags, 0);
	harness__free(h);
}

/* Setting the TSC fills every vCPU's slot, the ones never brought up too. */
static void test_boot_fill(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 4);
	harness__set_time(h, 42 * MS);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(d->shared_info->vcpu_info[i].time.version, 0);
	for (unsigned i = 0; i < 4; i++) {
		struct hv_tsc m = { .khz = 3600000, .tsc = 1000 * i, .ns = 0, .stable = true };
		hv_vcpu__set_tsc(&d->vcpus[i], &m);
	}
	for (unsigned i = 0; i < 4; i++) {
		const struct vcpu_time_info *t = &d->shared_info->vcpu_info[i].time;
		struct hv_tsc m = { .khz = 3600000, .tsc = 1000 * i, .ns = 0 };
		assert_int_equal(t->version, 2);
		assert_int_equal(t->tsc_timestamp, fake_tsc(&m, h->now));
		check_estimate(t, &m, h->now + MS, MS);
	}
	harness__free(h);
}

/* Each write makes the version odd, then even: +2 per update, in every copy. */
static void test_version_protocol(void **state)
{
	(void)state;
	HARNESS_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d, TEST_FLAGS, 1);
		struct hv_vcpu *v = &d->vcpus[0];
		struct hv_tsc m = { .khz = 2100000, .tsc = 5, .ns = h->now, .stable = true };
		(void)bind_virq(v, VIRQ_TIMER, 0);

		hv_vcpu__set_tsc(v, &m);
		struct vcpu_time_info *s = &d->shared_info->vcpu_info[0].time;
		assert_int_equal(s->version, 2);

		/* A registered time area: stamped on registration, the guest's counter continued. */
		uint64_t va;
		uint8_t *page = harness__alloc_page(h, d, &va);
		struct vcpu_time_info *area = (struct vcpu_time_info *)(page + 128);
		area->version = 5; /* odd (a guest mid-copy): the next even one after it */
		EQ(a, vcpu_phys_area(v, a, VCPUOP_register_vcpu_time_phys_area, 0, va + 128), 0);
		EQ(a, area->version, 8);
		EQ(a, area->tsc_timestamp, fake_tsc(&m, h->now));
		EQ(a, area->flags, XEN_PVCLOCK_TSC_STABLE_BIT);

		/* The timer's expiry refreshes both. */
		EQ(a, vcpu_singleshot(v, a, 0, h->now + MS, 0), 0);
		harness__advance(h, MS);
		hv_vcpu__timer_expired(v);
		EQ(a, s->version, 4);
		EQ(a, area->version, 10);
		EQ(a, s->tsc_timestamp, fake_tsc(&m, h->now));
		EQ(a, area->tsc_timestamp, fake_tsc(&m, h->now));
		EQ(a, memcmp((uint8_t *)s + 4, (uint8_t *)area + 4, sizeof(*s) - 4), 0);

		/* So does the VMM's call, and a registered vcpu_info gets real time too. */
		harness__advance(h, 3 * MS);
		hv_vcpu__update_time(v);
		EQ(a, s->version, 6);
		EQ(a, area->version, 12);
		uint8_t *vpage = harness__alloc_page(h, d, &va);
		EQ(a, vcpu_register_info(v, a, 0, va >> PAGE_SHIFT, 64), 0);
		struct vcpu_info *vi = (struct vcpu_info *)(vpage + 64);
		EQ(a, vi->time.version % 2, 0);
		EQ(a, vi->time.tsc_timestamp, fake_tsc(&m, h->now));
		EQ(a, vi->time.tsc_to_system_mul, s->tsc_to_system_mul);
		harness__free(h);
	}
}

static void test_wallclock(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d, TEST_FLAGS, 1);
	struct shared_info *s = d->shared_info;
	assert_int_equal(s->wc_version, 0);
	hv_domain__set_wallclock(d, 0x123456789ull, 999999999);
	assert_int_equal(s->wc_version, 2);
	assert_int_equal(s->wc_sec, 0x23456789u);
	assert_int_equal(s->wc_sec_hi, 1);
	assert_int_equal(s->wc_nsec, 999999999);
	s->wc_version = 7; /* odd: continued to the next even */
	hv_domain__set_wallclock(d, 1700000000, 5);
	assert_int_equal(s->wc_version, 10);
	assert_int_equal(s->wc_sec, 1700000000u);
	assert_int_equal(s->wc_sec_hi, 0);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_unstable_flag),
		cmocka_unit_test(test_boot_fill),
		cmocka_unit_test(test_version_protocol),
		cmocka_unit_test(test_wallclock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
