/* The hypercall entry: ABI selection, unknown numbers, policy, register rules. */
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>

static void test_unknown(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "u", DOMAIN_FASTABI, 1, 4);
	struct hv_vcpu *v = &d->vcpus[0];
	struct harness_result res;

	assert_int_equal(hleg64(v, 63), -XEN_ENOSYS);
	assert_int_equal(hleg64(v, 1000), -XEN_ENOSYS);
	assert_int_equal(hleg64(v, __HYPERVISOR_mmu_update), -XEN_ENOSYS);
	assert_int_equal(hleg32(v, __HYPERVISOR_set_trap_table), -XEN_ENOSYS);
	assert_int_equal(hfast_res(&res, v, __HYPERVISOR_mmu_update, 0), -XEN_ENOSYS);
	assert_non_null(res.why);
	assert_int_equal(hfast(v, __HYPERVISOR_console_io, 0), -XEN_ENOSYS);
	assert_int_equal(hfast(v, __HYPERVISOR_xen_version, 1), -XEN_ENOSYS); /* extraversion */
	assert_int_equal(hfast(v, __HYPERVISOR_xen_version, 1ull << 32), -XEN_ENOSYS);
	harness__free(h);
}

/*
 * The core reports how it read each call (ABI, number, the ABI's arguments in
 * its order, as passed), so that the VMM's trace and counters decode nothing.
 */
static void test_call_report(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "r", DOMAIN_FASTABI, 1, 4);
	struct domain *l = harness__domain(h, "l", 0, 1, 4);
	struct hv_call call;

	/* FastABI: reg1..reg7 in the generated register order, the number without the bit. */
	memset(&call, 0, sizeof(call));
	for (unsigned n = 1; n < FASTABI_NR_REGS; n++)
		*harness__reg_ptr(&call.regs, n) = 0x100 + n;
	call.regs.rax = __HYPERVISOR_FASTABI_MASK | __HYPERVISOR_event_channel_op;
	call.regs.rdx = call.regs.rbx = call.regs.rcx = 0xbad; /* no FastABI register */
	call.mode64 = true;
	harness__call(&d->vcpus[0], &call);
	assert_true(call.fast);
	assert_int_equal(call.nr, __HYPERVISOR_FASTABI_MASK | __HYPERVISOR_event_channel_op);
	assert_int_equal(call.hypercall, __HYPERVISOR_event_channel_op);
	assert_int_equal(call.nr_args, 7);
	const uint64_t fast_args[7] = { 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107 };
	assert_memory_equal(call.arg, fast_args, sizeof(fast_args));
	assert_int_equal(call.arg[0], call.regs.rdi); /* the sub-op, as rdi carried it */

	/* Legacy, 64-bit: rdi, rsi, rdx, r10, r8 (a domain without FastABI, bit set or not). */
	memset(&call, 0, sizeof(call));
	call.regs = (struct hv_regs){ .rax = __HYPERVISOR_FASTABI_MASK | 77, .rdi = 1, .rsi = 2,
				      .rdx = 3, .r10 = 4, .r8 = 5, .r9 = 0xbad, .rbx = 0xbad };
	call.mode64 = true;
	harness__call(&l->vcpus[0], &call);
	assert_false(call.fast);
	assert_int_equal(call.nr, __HYPERVISOR_FASTABI_MASK | 77);
	assert_int_equal(call.hypercall, __HYPERVISOR_FASTABI_MASK | 77);
	assert_int_equal(call.nr_args, LEGACY_NR_ARGS);
	const uint64_t leg64[LEGACY_NR_ARGS] = { 1, 2, 3, 4, 5 };
	assert_memory_equal(call.arg, leg64, sizeof(leg64));

	/* Legacy, 32-bit: eax; ebx, ecx, edx, esi, edi, zero-extended. */
	memset(&call, 0, sizeof(call));
	call.regs = (struct hv_regs){ .rax = (9ull << 32) | 77, .rbx = (1ull << 32) | 1,
				      .rcx = 2, .rdx = 3, .rsi = 4, .rdi = 0xffffffff00000005ull };
	call.mode64 = false;
	harness__call(&d->vcpus[0], &call);
	assert_false(call.fast);
	assert_int_equal(call.nr, 77);
	assert_int_equal(call.hypercall, 77);
	assert_memory_equal(call.arg, leg64, sizeof(leg64));
	harness__free(h);
}

static void test_abi_selection(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "s", DOMAIN_FASTABI, 1, 4);
	struct hv_vcpu *v = &d->vcpus[0];
	struct hv_call call;
	int64_t ver = (4 << 16) | 17;

	/* 64-bit, FastABI bit, FastABI domain: FastABI. */
	assert_int_equal(hfast(v, __HYPERVISOR_xen_version, XENVER_version), ver);
	assert_null(v->call);

	/* The same registers from 32-bit code are a legacy call of an unknown number. */
	memset(&call, 0, sizeof(call));
	call.regs.rax = __HYPERVISOR_FASTABI_MASK | __HYPERVISOR_xen_version;
	call.regs.rdi = XENVER_version;
	call.mode64 = false;
	harness__call(v, &call);
	assert_int_equal((int32_t)call.regs.rax, -XEN_ENOSYS);
	assert_int_equal(call.result, HV_CALL_DONE);
	assert_false(call.fast); /* the core reports the ABI it took */
	call.regs.rax = __HYPERVISOR_FASTABI_MASK | __HYPERVISOR_xen_version;
	call.regs.rdi = XENVER_version;
	call.mode64 = true;
	harness__call(v, &call);
	assert_int_equal(call.regs.rax, ver);
	assert_true(call.fast);

	/* Bits above 31 in rax name nothing in either ABI. */
	assert_int_equal(hleg64(v, (1ull << 32) | __HYPERVISOR_xen_version, XENVER_version),
			 -XEN_ENOSYS);
	memset(&call, 0, sizeof(call));
	call.regs.rax = (1ull << 32) | __HYPERVISOR_FASTABI_MASK | __HYPERVISOR_xen_version;
	call.mode64 = true;
	harness__call(v, &call);
	assert_int_equal((int64_t)call.regs.rax, -XEN_ENOSYS);
	/* 32-bit code: only eax counts, and the upper halves of the argument registers
	 * are not arguments. */
	memset(&call, 0, sizeof(call));
	call.regs.rax = (7ull << 32) | __HYPERVISOR_xen_version;
	call.regs.rbx = (9ull << 32) | XENVER_pagesize;
	call.mode64 = false;
	harness__call(v, &call);
	assert_int_equal(call.regs.rax, 4096);
	harness__free(h);
}

static void test_bad_register(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "b", DOMAIN_FASTABI, 1, 4);
	struct harness_result res;

	/* hvm set_param: domid is 16 bits; the core never sees the call. */
	assert_int_equal(hfast_res(&res, &d->vcpus[0], __HYPERVISOR_hvm_op, HVMOP_set_param,
				   1ull << 16, HVM_PARAM_CALLBACK_IRQ, 0x20 | (2ull << 56)), -XEN_EINVAL);
	assert_int_equal(res.bad_reg, 2);
	assert_string_equal(res.why, "domid");
	assert_int_equal(d->hvm_params[HVM_PARAM_CALLBACK_IRQ], 0);
	/* The sub-op register is the whole of rdi: 2^32 + 0 is not set_param. */
	assert_int_equal(hfast(&d->vcpus[0], __HYPERVISOR_hvm_op, 1ull << 32), -XEN_ENOSYS);
	harness__free(h);
}

/* A small deterministic generator, so failures repeat. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* An argument: small numbers, ports, frames, addresses in and out of RAM, junk. */
static uint64_t arg(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return rnd() % 8;
	case 2: return rnd() % 4096;
	case 3: return (rnd() % (8u << 20)) & ~7ull; /* inside RAM */
	case 4: return 0x100 + rnd() % 0x700;        /* a RAM frame */
	case 5: return ~0ull - rnd() % 4;
	case 6: return (uint32_t)rnd();
	default: return rnd();
	}
}

/*
 * Every FastABI op and every legacy sub-op, with arguments from small to
 * hostile, from two domains: nothing crashes, and every call keeps the
 * register rules (the harness checks each one).
 */
static void test_every_op_keeps_the_rules(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *a = harness__domain(h, "a", DOMAIN_FASTABI | DOMAIN_FIXED_LAYOUT, 2, 8);
	struct domain *b = harness__domain(h, "b", DOMAIN_FASTABI, 2, 8);
	static const uint32_t legacy_hc[] = {
		__HYPERVISOR_memory_op, __HYPERVISOR_xen_version, __HYPERVISOR_console_io,
		__HYPERVISOR_grant_table_op, __HYPERVISOR_vcpu_op, __HYPERVISOR_sched_op,
		__HYPERVISOR_event_channel_op, __HYPERVISOR_hvm_op,
	};

	for (unsigned round = 0; round < 40; round++) {
		struct domain *d = round % 2 ? b : a;
		struct hv_vcpu *v = &d->vcpus[round % 4 < 2 ? 0 : 1];
		for (size_t i = 0; i < fastabi_nr_ops; i++) {
			const struct fastabi_op *op = &fastabi_ops[i];
			uint64_t in[6];
			for (int r = 0; r < 6; r++)
				in[r] = round < 2 ? 0 : arg();
			harness__fast_loop(v, op->hypercall, op->subop < 0 ? arg() : (uint64_t)op->subop,
					   in, NULL, NULL);
		}
		for (size_t i = 0; i < sizeof(legacy_hc) / sizeof(legacy_hc[0]); i++) {
			for (uint64_t sub = 0; sub < 34; sub++) {
				uint64_t args[5] = { sub, arg(), arg(), arg(), arg() };
				harness__legacy_loop(v, round % 3 != 0, legacy_hc[i], args, NULL, NULL);
			}
		}
	}
	harness__free(h);
}

/*
 * The dispatch table and the handler declarations come from one list
 * (LEGACY_HYPERCALLS in legacy.h): every handler is reached by its number,
 * every other number is unknown (-ENOSYS with that reason).
 */
static void test_legacy_table(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "t", 0, 1, 4);
	struct hv_vcpu *v = &d->vcpus[0];
	bool listed[POLICY_NR_HYPERCALLS] = { false };
	unsigned n = 0;

#define CHECK_ENTRY(nr, name, mask)                                \
	do {                                                       \
		assert_ptr_equal(legacy__handler(nr), legacy__##name); \
		assert_false(listed[nr]);                          \
		listed[nr] = true;                                 \
		n++;                                               \
	} while (0);
	LEGACY_HYPERCALLS(CHECK_ENTRY)
#undef CHECK_ENTRY
	assert_int_equal(n, 19);
	for (unsigned nr = 0; nr < POLICY_NR_HYPERCALLS; nr++) {
		struct harness_result res;
		int64_t ret = harness__legacy(v, true, nr, (const uint64_t[LEGACY_NR_ARGS]){ 0 }, &res);
		bool unknown = res.why && strcmp(res.why, "unknown hypercall") == 0;
		assert_int_equal(unknown, !listed[nr]);
		if (!listed[nr]) {
			assert_null(legacy__handler(nr));
			assert_int_equal(ret, -XEN_ENOSYS);
		}
		if (d->shutdown)
			break;
	}
	assert_null(legacy__handler(UINT64_MAX));
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_legacy_table),
		cmocka_unit_test(test_abi_selection),
		cmocka_unit_test(test_call_report),
		cmocka_unit_test(test_bad_register),
		cmocka_unit_test(test_every_op_keeps_the_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
