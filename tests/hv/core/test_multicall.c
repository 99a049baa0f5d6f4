/*
 * multicall (13) and vm_assist (21), legacy only, 64- and 32-bit layouts:
 * entries served through the legacy table, results in each entry, nested
 * multicalls refused, -EFAULT on an unreadable entry, continuations (the
 * preemption step and a sub-call that continues), the policy per entry;
 * vm_assist's types and commands and the runstate update flag it turns on.
 */
#include <string.h>

#include "harness.h"
#include "console.h"
#include "legacy.h"
#include "policy.h"

#include <xen/errno.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#define MC __HYPERVISOR_multicall
#define VERSION ((4 << 16) | 17)

struct mc32 {
	uint32_t op, result;
	uint32_t args[6];
};

static struct harness *world(struct domain **d)
{
	struct harness *h = harness__new();
	*d = harness__domain(h, "mc", DOMAIN_FASTABI, 1, 8);
	return h;
}

/* Entry i of a list of either layout. */
static void set_entry(void *list, bool m64, unsigned i, uint64_t op, uint64_t a0, uint64_t a1,
		      uint64_t a2)
{
	if (m64) {
		struct multicall_entry *e = (struct multicall_entry *)list + i;
		*e = (struct multicall_entry){ .op = op, .result = 0x5a5a, .args = { a0, a1, a2 } };
	} else {
		struct mc32 *e = (struct mc32 *)list + i;
		*e = (struct mc32){ .op = (uint32_t)op, .result = 0x5a5a,
				    .args = { (uint32_t)a0, (uint32_t)a1, (uint32_t)a2 } };
	}
}

static int64_t result(const void *list, bool m64, unsigned i)
{
	if (m64)
		return (int64_t)((const struct multicall_entry *)list)[i].result;
	return (int32_t)((const struct mc32 *)list)[i].result;
}

static void test_entries_and_results(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		bool m64 = a == ABI_LEG64;
		struct domain *d;
		struct harness *h = world(&d);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t va;
		void *list = harness__alloc_page(h, d, &va);

		set_entry(list, m64, 0, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
		set_entry(list, m64, 1, __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			  VMASST_TYPE_runstate_update_flag, 0);
		set_entry(list, m64, 2, __HYPERVISOR_xen_version, 99, 0, 0);
		set_entry(list, m64, 3, MC, va, 1, 0);       /* nested: refused */
		set_entry(list, m64, 4, 60, 0, 0, 0);        /* no such hypercall */
		set_entry(list, m64, 5, __HYPERVISOR_xen_version | __HYPERVISOR_FASTABI_MASK,
			  XENVER_version, 0, 0);             /* FastABI numbers are not entries */
		assert_int_equal(hcall_leg(a, v, MC, va, 6), 0);
		assert_int_equal(result(list, m64, 0), VERSION);
		assert_int_equal(result(list, m64, 1), 0);
		assert_true(domain__runstate_update_flag(d));
		assert_int_equal(result(list, m64, 2), -XEN_ENOSYS);
		assert_int_equal(result(list, m64, 3), -XEN_EINVAL);
		assert_int_equal(result(list, m64, 4), -XEN_ENOSYS);
		assert_int_equal(result(list, m64, 5), -XEN_ENOSYS);
		/* Only 'result' is written: the op and arguments stay. */
		if (m64)
			assert_int_equal(((struct multicall_entry *)list)[2].args[0], 99);
		else
			assert_int_equal(((struct mc32 *)list)[2].args[0], 99);
		/* Zero entries: nothing to do; the upper half of the count is not part of it. */
		assert_int_equal(hcall_leg(a, v, MC, va, 0), 0);
		if (m64)
			assert_int_equal(hleg64(v, MC, va, 1ull << 32), 0);
		harness__free(h);
	}
}

static void test_fault(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		bool m64 = a == ABI_LEG64;
		size_t size = m64 ? sizeof(struct multicall_entry) : sizeof(struct mc32);
		struct domain *d;
		struct harness *h = world(&d);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t va;
		/*
		 * Entry 0 on one page, entry 1 across into the next, which is
		 * then unmapped (64-bit code pages; the harness runs 32-bit code
		 * with paging off, where the end of RAM plays that part).
		 */
		uint8_t *p = harness__alloc_cross(h, d, 2 * size, size + 8, &va);
		struct mc32 e32[2];
		if (!m64) {
			va = (8ull << 20) - size - 8; /* the harness gives 8 MiB of RAM */
			p = (uint8_t *)e32;
		}
		set_entry(p, m64, 0, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
		set_entry(p, m64, 1, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
		if (m64)
			*harness__pte(h, d, va + 2 * size - 1) = 0;
		else
			assert_int_equal(guestmem__write(&d->mem, gpa(va), e32, size + 8), 0);
		assert_int_equal(hcall_leg(a, v, MC, va, 2), -XEN_EFAULT);
		if (!m64)
			assert_int_equal(guestmem__read(&d->mem, gpa(va), e32, size), 0);
		assert_int_equal(result(p, m64, 0), VERSION); /* the entries before it ran */
		/* An unreadable list: -EFAULT, nothing ran. */
		assert_int_equal(hcall_leg(a, v, MC, m64 ? 0x10 : 0xfff00000, 1), -XEN_EFAULT);
		harness__free(h);
	}
	/* Not a FastABI operation. */
	struct domain *d;
	struct harness *h = world(&d);
	assert_int_equal(hfast(&d->vcpus[0], MC, 0, 0), -XEN_ENOSYS);
	harness__free(h);
}

static void test_preemption(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		bool m64 = a == ABI_LEG64;
		size_t size = m64 ? sizeof(struct multicall_entry) : sizeof(struct mc32);
		unsigned n = MULTICALL_STEP + 5;
		struct domain *d;
		struct harness *h = world(&d);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t va;
		void *list = harness__alloc(h, d, n * size, &va);
		for (unsigned i = 0; i < n; i++)
			set_entry(list, m64, i, __HYPERVISOR_xen_version, XENVER_version, 0, 0);

		/* One trap: MULTICALL_STEP entries, then the list advanced, the count reduced. */
		struct harness_result res;
		hleg_res(&res, m64, v, MC, va, n);
		assert_int_equal(res.result, HV_CALL_RESTART);
		assert_int_equal(*legacy__arg_reg(&res.regs, m64, 0) & UINT32_MAX,
				 (va + MULTICALL_STEP * size) & UINT32_MAX);
		assert_int_equal(*legacy__arg_reg(&res.regs, m64, 1) & UINT32_MAX, 5);
		assert_int_equal(result(list, m64, MULTICALL_STEP - 1), VERSION);
		assert_int_equal(result(list, m64, MULTICALL_STEP), 0x5a5a);

		/* Re-executing the trap until done runs every entry once. */
		unsigned restarts = 0;
		for (unsigned i = 0; i < n; i++)
			set_entry(list, m64, i, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
		assert_int_equal(harness__legacy_loop(v, m64, MC, (const uint64_t[LEGACY_NR_ARGS]){ va, n },
						      NULL, &restarts),
				 0);
		assert_int_equal(restarts, 1);
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(result(list, m64, i), VERSION);
		harness__free(h);
	}
}

static void test_subcall_continues(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		bool m64 = a == ABI_LEG64;
		struct domain *d;
		struct harness *h = world(&d);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t va, text;
		char *buf = harness__alloc(h, d, 3000, &text);
		memset(buf, 'x', 3000);
		void *list = harness__alloc_page(h, d, &va);
		set_entry(list, m64, 0, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
		set_entry(list, m64, 1, __HYPERVISOR_console_io, CONSOLEIO_write, 3000, text);
		set_entry(list, m64, 2, __HYPERVISOR_xen_version, XENVER_version, 0, 0);

		/* The write continues: its entry holds the rest and the number as result. */
		struct harness_result res;
		hleg_res(&res, m64, v, MC, va, 3);
		assert_int_equal(res.result, HV_CALL_RESTART);
		assert_int_equal(*legacy__arg_reg(&res.regs, m64, 1) & UINT32_MAX, 2);
		assert_int_equal(result(list, m64, 1), __HYPERVISOR_console_io);
		if (m64)
			assert_int_equal(((struct multicall_entry *)list)[1].args[1], 3000 - CONSOLE_WRITE_STEP);
		else
			assert_int_equal(((struct mc32 *)list)[1].args[1], 3000 - CONSOLE_WRITE_STEP);
		assert_int_equal(result(list, m64, 2), 0x5a5a);

		unsigned restarts = 0;
		uint64_t args[LEGACY_NR_ARGS] = { *legacy__arg_reg(&res.regs, m64, 0), 2 };
		assert_int_equal(harness__legacy_loop(v, m64, MC, args, NULL, &restarts), 0);
		assert_int_equal(restarts, 1);
		assert_int_equal(h->console_total[d->id], 3000);
		assert_int_equal(result(list, m64, 1), 0);
		assert_int_equal(result(list, m64, 2), VERSION);
		harness__free(h);
	}
}

static void test_policy_per_entry(void **state)
{
	(void)state;
	struct domain *d;
	struct harness *h = world(&d);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t va;
	void *list = harness__alloc_page(h, d, &va);
	policy__set(d->policy, HV_ABI_LEGACY, __HYPERVISOR_xen_version, XENVER_version, false);
	set_entry(list, true, 0, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	set_entry(list, true, 1, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	assert_int_equal(hleg64(v, MC, va, 2), 0);
	assert_int_equal(result(list, true, 0), -XEN_EPERM);
	assert_int_equal(result(list, true, 1), 4096);
	/* And the multicall itself. */
	policy__set(d->policy, HV_ABI_LEGACY, MC, POLICY_ALL_SUBOPS, false);
	assert_int_equal(hleg64(v, MC, va, 2), -XEN_EPERM);
	harness__free(h);
}

/* ---- vm_assist ---- */

static void test_vm_assist(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(a) {
		struct domain *d;
		struct harness *h = world(&d);
		struct hv_vcpu *v = &d->vcpus[0];
		const unsigned hc = __HYPERVISOR_vm_assist;
		/* Every PV type, and the type check before the command (Xen's order). */
		for (unsigned t = 0; t < 64; t++)
			if (t != VMASST_TYPE_runstate_update_flag)
				assert_int_equal(hcall_leg(a, v, hc, VMASST_CMD_enable, t), -XEN_EINVAL);
		assert_int_equal(hcall_leg(a, v, hc, 7, VMASST_TYPE_writable_pagetables), -XEN_EINVAL);
		assert_int_equal(hcall_leg(a, v, hc, 7, VMASST_TYPE_runstate_update_flag), -XEN_ENOSYS);
		assert_false(domain__runstate_update_flag(d));
		assert_int_equal(hcall_leg(a, v, hc, VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);
		assert_true(domain__runstate_update_flag(d));
		assert_int_equal(hcall_leg(a, v, hc, VMASST_CMD_disable, VMASST_TYPE_runstate_update_flag), 0);
		assert_false(domain__runstate_update_flag(d));
		harness__free(h);
	}
	struct domain *d;
	struct harness *h = world(&d);
	assert_int_equal(hfast(&d->vcpus[0], __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			       VMASST_TYPE_runstate_update_flag),
			 -XEN_ENOSYS);
	harness__free(h);
}

/*
 * The flag in a legacy runstate area. A guest cannot be caught mid-update
 * here, so the area straddles a page whose second half is then unmapped:
 * with the assist the update sets XEN_RUNSTATE_UPDATE in state_entry_time
 * first, and the failed rest leaves it set; without it the copy fails
 * whole and writes nothing.
 */
static void test_runstate_update_flag(void **state)
{
	(void)state;
	{
		enum abi a = ABI_LEG64; /* the harness pages 64-bit code only */
		for (int assist = 0; assist < 2; assist++) {
			bool m64 = true;
			size_t size = m64 ? 48 : 44, entry_off = m64 ? 8 : 4;
			struct domain *d;
			struct harness *h = world(&d);
			struct hv_vcpu *v = &d->vcpus[0];
			if (assist)
				assert_int_equal(hcall_leg(a, v, __HYPERVISOR_vm_assist,
							   VMASST_CMD_enable,
							   VMASST_TYPE_runstate_update_flag),
						 0);
			uint64_t va, rva;
			uint8_t *p = harness__alloc_cross(h, d, size, entry_off + 8, &va);
			struct vcpu_register_runstate_memory_area *r = harness__alloc(h, d, sizeof(*r), &rva);
			r->addr.p = va;
			assert_int_equal(hcall_leg(a, v, __HYPERVISOR_vcpu_op,
						   VCPUOP_register_runstate_memory_area, 0, rva),
					 0);
			uint64_t t;
			memcpy(&t, p + entry_off, 8);
			assert_int_equal(t & XEN_RUNSTATE_UPDATE, 0); /* cleared after the update */
			*harness__pte(h, d, va + size - 1) = 0;
			harness__advance(h, 1000);
			hv_vcpu__set_runstate(v, RUNSTATE_runnable);
			memcpy(&t, p + entry_off, 8);
			if (assist)
				assert_int_equal(t, h->now | XEN_RUNSTATE_UPDATE);
			else
				assert_int_equal(t & XEN_RUNSTATE_UPDATE, 0);
			harness__free(h);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_and_results),
		cmocka_unit_test(test_fault),
		cmocka_unit_test(test_preemption),
		cmocka_unit_test(test_subcall_continues),
		cmocka_unit_test(test_policy_per_entry),
		cmocka_unit_test(test_vm_assist),
		cmocka_unit_test(test_runstate_update_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
