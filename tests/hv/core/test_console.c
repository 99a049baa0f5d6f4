/* console_io (legacy only): output to the VMM, input from its queue. */
#include "harness.h"

#include <xen/errno.h>

#include "console.h"

#define CON __HYPERVISOR_console_io

static void test_write(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "c", DOMAIN_FASTABI, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;

	char *s = harness__alloc(h, d, 16, &va);
	memcpy(s, "hello, world\n", 13);
	assert_int_equal(hleg64(v, CON, CONSOLEIO_write, 13, va), 0);
	assert_int_equal(hleg32(v, CON, CONSOLEIO_write, 6, va), 0);
	assert_int_equal(h->console_len[d->id], 19);
	assert_string_equal(h->console[d->id], "hello, world\nhello,");
	assert_int_equal(hleg64(v, CON, CONSOLEIO_write, 0, 0), 0); /* nothing, anywhere */
	assert_int_equal(h->console_len[d->id], 19);
	/* Not in FastABI. */
	assert_int_equal(hfast(v, CON, CONSOLEIO_write, 13, va), -XEN_ENOSYS);
	harness__free(h);
}

static void test_long_write_continues(void **state)
{
	(void)state;
	for (int m = 0; m < 2; m++) {
		struct harness *h = harness__new();
		struct domain *d = harness__domain(h, "c", 0, 1, 8);
		struct hv_vcpu *v = &d->vcpus[0];
		struct harness_result res;
		unsigned restarts;
		uint64_t va;
		const size_t n = 3 * CONSOLE_WRITE_STEP + 100;

		char *s = harness__alloc(h, d, n, &va);
		for (size_t i = 0; i < n; i++)
			s[i] = (char)('a' + i % 26);
		/* One step by hand: count and buffer in the registers describe the rest. */
		assert_int_equal(hleg_res(&res, m, v, CON, CONSOLEIO_write, n, va), CON);
		assert_int_equal(res.result, HV_CALL_RESTART);
		uint64_t cnt = m ? res.regs.rsi : res.regs.rcx, buf = m ? res.regs.rdx : res.regs.rdx;
		assert_int_equal(cnt, n - CONSOLE_WRITE_STEP);
		assert_int_equal(buf, va + CONSOLE_WRITE_STEP);
		assert_int_equal(h->console_len[d->id], CONSOLE_WRITE_STEP);
		/* Re-executing the trap finishes: every byte once, in order. */
		assert_int_equal(harness__legacy_loop(v, m, CON,
			(const uint64_t[5]){ CONSOLEIO_write, cnt, buf }, &res, &restarts), 0);
		assert_int_equal(restarts, 2);
		assert_int_equal(h->console_len[d->id], n);
		assert_memory_equal(h->console[d->id], s, n);
		harness__free(h);
	}
}

static void test_write_hostile(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "c", 0, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	struct harness_result res;
	uint64_t va;

	assert_int_equal(hleg64(v, CON, CONSOLEIO_write, 10, 0), -XEN_EFAULT);
	assert_int_equal(hleg64(v, CON, CONSOLEIO_write, 10, (8u << 20) - 5), -XEN_EFAULT);
	assert_int_equal(hleg64(v, CON, CONSOLEIO_write, 10, 0xffff800000000000ull), -XEN_EFAULT);
	/* Crossing into an unmapped page: nothing of that step is written. */
	char *s = harness__alloc_cross(h, d, 64, 10, &va);
	memset(s, 'z', 64);
	uint64_t *pte = harness__pte(h, d, va + 10), saved = *pte;
	*pte = 0;
	assert_int_equal(hleg64(v, CON, CONSOLEIO_write, 64, va), -XEN_EFAULT);
	assert_int_equal(h->console_len[d->id], 0);
	*pte = saved;
	/*
	 * 4 GiB of count: bounded steps, stops at the end of RAM (8 MiB) with
	 * the whole chunks before it written (Xen's 127-byte chunks).
	 */
	assert_int_equal(harness__legacy_loop(v, true, CON,
		(const uint64_t[5]){ CONSOLEIO_write, 0xffffffffu, 1u << 20 }, &res, NULL), -XEN_EFAULT);
	assert_int_equal(h->console_total[d->id],
			 (7u << 20) / CONSOLE_WRITE_CHUNK * CONSOLE_WRITE_CHUNK);
	/* count is 32 bits: the upper half of the register is not part of it. */
	uint64_t before = h->console_total[d->id];
	s = harness__alloc(h, d, 4, &va);
	memcpy(s, "abcd", 4);
	assert_int_equal(hleg64(v, CON, CONSOLEIO_write, (1ull << 32) | 4, va), 0);
	assert_int_equal(h->console_total[d->id], before + 4);
	assert_int_equal(hleg64(v, CON, 7, 4, va), -XEN_ENOSYS);
	harness__free(h);
}

/*
 * A buffer that becomes unreadable part-way: -EFAULT, after the whole
 * 127-byte chunks before the bad page (Xen's guest_console_write copies
 * chunk by chunk and fails on the first it cannot copy), in the first
 * trap and after continuations alike.
 */
static void test_write_fault_after_chunks(void **state)
{
	(void)state;
	static const struct { size_t size, before; unsigned restarts; } cases[] = {
		{ 400, 300, 0 },   /* chunks 0..126, 127..253 written; 254..380 faults */
		{ 3000, 2500, 2 }, /* two steps of 1016, then 19 chunks in all (2413 bytes) */
		{ 300, 100, 0 },   /* the first chunk faults: nothing */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct harness *h = harness__new();
		struct domain *d = harness__domain(h, "c", 0, 1, 8);
		struct hv_vcpu *v = &d->vcpus[0];
		struct harness_result res;
		unsigned restarts;
		uint64_t va;

		char *s = harness__alloc_cross(h, d, cases[i].size, cases[i].before, &va);
		for (size_t j = 0; j < cases[i].size; j++)
			s[j] = (char)('a' + j % 26);
		*harness__pte(h, d, va + cases[i].before) = 0;
		assert_int_equal(harness__legacy_loop(v, true, CON,
			(const uint64_t[5]){ CONSOLEIO_write, cases[i].size, va }, &res, &restarts),
			-XEN_EFAULT);
		size_t want = cases[i].before / CONSOLE_WRITE_CHUNK * CONSOLE_WRITE_CHUNK;
		assert_int_equal(restarts, cases[i].restarts);
		assert_int_equal(h->console_len[d->id], want);
		assert_memory_equal(h->console[d->id], s, want);
		harness__free(h);
	}
}

static void test_read(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "c", DOMAIN_FASTABI, 1, 8);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;

	char *s = harness__alloc(h, d, 16, &va);
	assert_int_equal(hleg64(v, CON, CONSOLEIO_read, 16, va), 0);

	/* The console VIRQ tells the guest input came. */
	struct harness_result res;
	assert_int_equal(hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq,
				   VIRQ_CONSOLE, 0), 0);
	evtchn_port_t port = (evtchn_port_t)harness__reg(&res.regs, 4);
	assert_false(evtchn__port_pending(d, port));
	assert_int_equal(hv_console__input(d, "xyz", 3), 3);
	assert_true(evtchn__port_pending(d, port));

	/* cmd is an unsigned int in Xen's prototype: only its low 32 bits count. */
	assert_int_equal(hleg64(v, CON, (1ull << 32) | CONSOLEIO_read, 1, va), 1);
	assert_int_equal(s[0], 'x');
	assert_int_equal(hleg64(v, CON, CONSOLEIO_read, 1, va), 1);
	assert_int_equal(s[0], 'y');
	/* A bad buffer loses no input. */
	assert_int_equal(hleg64(v, CON, CONSOLEIO_read, 2, 0), -XEN_EFAULT);
	assert_int_equal(hleg32(v, CON, CONSOLEIO_read, 16, va), 1);
	assert_int_equal(s[0], 'z');
	assert_int_equal(hleg64(v, CON, CONSOLEIO_read, 16, va), 0);

	/* The queue is bounded. */
	static char big[HV_CONSOLE_IN_MAX + 100];
	memset(big, 'q', sizeof(big));
	assert_int_equal(hv_console__input(d, big, sizeof(big)), HV_CONSOLE_IN_MAX);
	assert_int_equal(hv_console__input(d, "x", 1), 0);
	char *r = harness__alloc(h, d, HV_CONSOLE_IN_MAX, &va);
	/* More than INT_MAX: the count would not fit the result (Xen: -E2BIG), nothing read. */
	assert_int_equal(hleg64(v, CON, CONSOLEIO_read, 0xffffffffu, va), -XEN_E2BIG);
	assert_int_equal(hleg32(v, CON, CONSOLEIO_read, 0x80000000u, va), -XEN_E2BIG);
	assert_int_equal(r[0], 0);
	/* Everything queued comes back in one read. */
	assert_int_equal(hleg64(v, CON, CONSOLEIO_read, 0x7fffffffu, va), HV_CONSOLE_IN_MAX);
	assert_int_equal(r[HV_CONSOLE_IN_MAX - 1], 'q');
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_long_write_continues),
		cmocka_unit_test(test_write_hostile),
		cmocka_unit_test(test_write_fault_after_chunks),
		cmocka_unit_test(test_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
