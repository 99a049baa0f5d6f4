/* hvm_op through FastABI and both legacy modes, with Xen's guest rules. */
#include "harness.h"

#include <xen/errno.h>

#define HVM __HYPERVISOR_hvm_op

struct world {
	struct harness *h;
	struct domain *a, *b;
	struct hv_vcpu *v;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	w->h = harness__new();
	w->a = harness__domain(w->h, "a", DOMAIN_FASTABI | DOMAIN_FIXED_LAYOUT, 2, 8);
	w->b = harness__domain(w->h, "b", DOMAIN_FASTABI, 1, 8);
	w->v = &w->a->vcpus[0];
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	harness__free(w->h);
	free(w);
	return 0;
}

/* hvm set_param / get_param through one ABI; *value in and out. */
static int64_t param(struct world *w, struct hv_vcpu *v, enum abi abi, bool set, uint64_t domid,
		     uint64_t index, uint64_t *value)
{
	unsigned op = set ? HVMOP_set_param : HVMOP_get_param;
	struct harness_result res;
	int64_t ret;

	if (abi == ABI_FAST) {
		ret = hfast_res(&res, v, HVM, op, domid, index, *value);
		*value = harness__reg(&res.regs, 4);
		return ret;
	}
	uint64_t va;
	struct xen_hvm_param *p = harness__alloc(w->h, v->d, sizeof(*p), &va);
	p->domid = (domid_t)domid;
	p->index = (uint32_t)index;
	p->value = *value;
	ret = harness__legacy(v, abi == ABI_LEG64, HVM, (const uint64_t[5]){ op, va }, NULL);
	*value = p->value;
	return ret;
}

static void test_params_own_domain(void **state)
{
	struct world *w = *state;
	uint64_t cb = (2ull << 56) | 0xf3; /* vector callback */

	HARNESS_ABIS(abi) {
		uint64_t val = cb + (unsigned)abi;
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &val), 0);
		assert_int_equal(w->a->hvm_params[HVM_PARAM_CALLBACK_IRQ], cb + (unsigned)abi);
		val = 0;
		assert_int_equal(param(w, w->v, abi, false, w->a->id, HVM_PARAM_CALLBACK_IRQ, &val), 0);
		assert_int_equal(val, cb + (unsigned)abi);
	}
	assert_int_equal(hv_vcpu__upcall_vector(w->v), 0xf5);

	/* Read-only for the guest: the toolstack's store page. */
	w->a->hvm_params[HVM_PARAM_STORE_PFN] = 0xfeff0;
	HARNESS_ABIS(abi) {
		uint64_t val = 0;
		assert_int_equal(param(w, w->v, abi, false, DOMID_SELF, HVM_PARAM_STORE_PFN, &val), 0);
		assert_int_equal(val, 0xfeff0);
		val = 1;
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, HVM_PARAM_STORE_PFN, &val),
				 -XEN_EPERM);
		assert_int_equal(w->a->hvm_params[HVM_PARAM_STORE_PFN], 0xfeff0);
		/* Hidden altogether. */
		val = 5;
		assert_int_equal(param(w, w->v, abi, false, DOMID_SELF, HVM_PARAM_IDENT_PT, &val),
				 -XEN_EPERM);
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, HVM_PARAM_PAGING_RING_PFN, &val),
				 -XEN_EPERM);
		/* Settable event channels. */
		val = 7;
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, HVM_PARAM_CONSOLE_EVTCHN, &val), 0);
	}
}

static void test_params_refused(void **state)
{
	struct world *w = *state;

	HARNESS_ABIS(abi) {
		uint64_t val = 1;
		/* Out of range index, other domains, no domain. */
		assert_int_equal(param(w, w->v, abi, false, DOMID_SELF, HVM_NR_PARAMS, &val), -XEN_EINVAL);
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, 0xffffffff, &val), -XEN_EINVAL);
		assert_int_equal(param(w, w->v, abi, false, w->b->id, HVM_PARAM_CALLBACK_IRQ, &val),
				 -XEN_EPERM);
		assert_int_equal(param(w, w->v, abi, true, w->b->id, HVM_PARAM_CALLBACK_IRQ, &val),
				 -XEN_EPERM);
		assert_int_equal(param(w, w->v, abi, false, 9, HVM_PARAM_CALLBACK_IRQ, &val), -XEN_ESRCH);
		assert_int_equal(param(w, w->v, abi, false, DOMID_IO, HVM_PARAM_CALLBACK_IRQ, &val),
				 -XEN_ESRCH);
		/* Values Xen would not accept. */
		val = 3;
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, HVM_PARAM_X87_FIP_WIDTH, &val),
				 -XEN_EINVAL);
		val = (2ull << 56) | 0x0f;
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &val),
				 -XEN_EINVAL);
		val = (2ull << 56) | 0x1f0;
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &val),
				 -XEN_EINVAL);
		val = 5ull << 56;
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &val),
				 -XEN_EINVAL);
		val = 1ull << 32;
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF, HVM_PARAM_STORE_EVTCHN, &val),
				 -XEN_EINVAL);
		val = 2;
		assert_int_equal(param(w, w->v, abi, true, DOMID_SELF,
				       HVM_PARAM_ACPI_IOPORTS_LOCATION, &val), -XEN_EINVAL);
	}
	for (unsigned i = 0; i < HV_NR_HVM_PARAMS; i++)
		assert_int_equal(w->b->hvm_params[i], 0);
	/* FastABI: the index register is 32 bits, domid 16. */
	struct harness_result res;
	assert_int_equal(hfast_res(&res, w->v, HVM, HVMOP_get_param, DOMID_SELF, 1ull << 32),
			 -XEN_EINVAL);
	assert_int_equal(res.bad_reg, 3);
	assert_int_equal(hfast_res(&res, w->v, HVM, HVMOP_get_param, 0x10000, 0), -XEN_EINVAL);
	assert_int_equal(res.bad_reg, 2);
	/* Legacy: a bad pointer. */
	assert_int_equal(hleg64(w->v, HVM, HVMOP_get_param, 0), -XEN_EFAULT);
}

static void test_params_privileged(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *dom0 = harness__domain(h, "dom0", DOMAIN_FASTABI | DOMAIN_PRIVILEGED, 1, 4);
	struct domain *u = harness__domain(h, "u", 0, 1, 4);
	struct world w = { .h = h, .a = dom0, .b = u, .v = &dom0->vcpus[0] };

	HARNESS_ABIS(abi) {
		/* The toolstack sets what the guest may not. */
		uint64_t val = 0x1000 + (unsigned)abi;
		assert_int_equal(param(&w, w.v, abi, true, u->id, HVM_PARAM_STORE_PFN, &val), 0);
		assert_int_equal(u->hvm_params[HVM_PARAM_STORE_PFN], 0x1000 + (unsigned)abi);
		val = 0;
		assert_int_equal(param(&w, w.v, abi, false, u->id, HVM_PARAM_IDENT_PT, &val), 0);
	}
	/* Set-once parameters. */
	uint64_t val = 1;
	assert_int_equal(param(&w, w.v, ABI_FAST, true, u->id, HVM_PARAM_VIRIDIAN, &val), 0);
	assert_int_equal(param(&w, w.v, ABI_FAST, true, u->id, HVM_PARAM_VIRIDIAN, &val), 0);
	val = 2;
	assert_int_equal(param(&w, w.v, ABI_LEG64, true, u->id, HVM_PARAM_VIRIDIAN, &val), -XEN_EEXIST);
	/* ... but the guest still only reaches its own. */
	val = 0;
	assert_int_equal(param(&w, &u->vcpus[0], ABI_LEG64, false, dom0->id, HVM_PARAM_CALLBACK_IRQ, &val),
			 -XEN_EPERM);
	harness__free(h);
}

static void test_flush_and_time(void **state)
{
	struct world *w = *state;
	struct harness_result res;
	uint64_t va;

	assert_int_equal(hfast(w->v, HVM, HVMOP_flush_tlbs), 0);
	assert_int_equal(hleg64(w->v, HVM, HVMOP_flush_tlbs, 0), 0);
	assert_int_equal(hleg32(w->v, HVM, HVMOP_flush_tlbs, 0), 0);
	assert_int_equal(w->h->flushes[w->a->id], 3);
	/* Xen refuses an argument. */
	assert_int_equal(hleg64(w->v, HVM, HVMOP_flush_tlbs, 0x1000), -XEN_EINVAL);
	assert_int_equal(w->h->flushes[w->a->id], 3);
	/* A VMM that cannot flush says so. */
	w->h->hv.ops.flush_tlbs = NULL;
	assert_int_equal(hfast(w->v, HVM, HVMOP_flush_tlbs), -XEN_EOPNOTSUPP);
	assert_int_equal(hleg64(w->v, HVM, HVMOP_flush_tlbs, 0), -XEN_EOPNOTSUPP);

	harness__set_time(w->h, 123456789);
	assert_int_equal(hfast_res(&res, w->v, HVM, HVMOP_get_time), 0);
	assert_int_equal(harness__reg(&res.regs, 2), 123456789);
	struct xen_hvm_get_time *t = harness__alloc(w->h, w->a, sizeof(*t), &va);
	harness__advance(w->h, 11);
	assert_int_equal(hleg64(w->v, HVM, HVMOP_get_time, va), 0);
	assert_int_equal(t->now, 123456800);
	harness__advance(w->h, 1);
	assert_int_equal(hleg32(w->v, HVM, HVMOP_get_time, va), 0);
	assert_int_equal(t->now, 123456801);
	assert_int_equal(hleg64(w->v, HVM, HVMOP_get_time, 0), -XEN_EFAULT);
}

static int64_t mem_type(struct world *w, enum abi abi, uint64_t domid, uint64_t pfn, uint16_t *type)
{
	struct harness_result res;
	int64_t ret;

	if (abi == ABI_FAST) {
		ret = hfast_res(&res, w->v, HVM, HVMOP_get_mem_type, domid, pfn, 0xbeef);
		*type = (uint16_t)harness__reg(&res.regs, 4);
		return ret;
	}
	uint64_t va;
	struct xen_hvm_get_mem_type *m = harness__alloc(w->h, w->a, sizeof(*m), &va);
	m->domid = (domid_t)domid;
	m->pfn = pfn;
	m->mem_type = 0xbeef;
	ret = harness__legacy(w->v, abi == ABI_LEG64, HVM, (const uint64_t[5]){ HVMOP_get_mem_type, va },
			      NULL);
	*type = m->mem_type;
	return ret;
}

static void test_mem_type(void **state)
{
	struct world *w = *state;
	uint64_t si = gfn_val(w->a->shared_info_gfn);

	HARNESS_ABIS(abi) {
		uint16_t t;
		assert_int_equal(mem_type(w, abi, DOMID_SELF, 0x10, &t), 0);
		assert_int_equal(t, HVMMEM_ram_rw);
		assert_int_equal(mem_type(w, abi, DOMID_SELF, si, &t), 0);
		assert_int_equal(t, HVMMEM_ram_rw); /* shared_info, a special page */
		assert_int_equal(mem_type(w, abi, w->a->id, 0x80000, &t), 0);
		assert_int_equal(t, HVMMEM_mmio_dm); /* a hole */
		assert_int_equal(mem_type(w, abi, DOMID_SELF, ~0ull, &t), 0);
		assert_int_equal(t, HVMMEM_mmio_dm);
		assert_int_equal(mem_type(w, abi, w->b->id, 0x10, &t), -XEN_EPERM);
		assert_int_equal(t, 0xbeef);
		assert_int_equal(mem_type(w, abi, 12, 0x10, &t), -XEN_ESRCH);
	}
}

static void test_upcall_vector(void **state)
{
	struct world *w = *state;
	struct hv_vcpu *v1 = &w->a->vcpus[1];
	uint64_t va;

	assert_int_equal(hv_vcpu__upcall_vector(v1), 0);
	assert_int_equal(hfast(w->v, HVM, HVMOP_set_evtchn_upcall_vector, 1, 0xe0), 0);
	assert_int_equal(v1->upcall_vector, 0xe0);
	assert_int_equal(hv_vcpu__upcall_vector(v1), 0xe0);

	struct xen_hvm_evtchn_upcall_vector *u = harness__alloc(w->h, w->a, sizeof(*u), &va);
	u->vcpu = 0;
	u->vector = 0xe1;
	assert_int_equal(hleg64(w->v, HVM, HVMOP_set_evtchn_upcall_vector, va), 0);
	assert_int_equal(w->v->upcall_vector, 0xe1);
	u->vector = 0xe2;
	assert_int_equal(hleg32(w->v, HVM, HVMOP_set_evtchn_upcall_vector, va), 0);
	assert_int_equal(w->v->upcall_vector, 0xe2);

	/* Exceptions and absent vCPUs, in every ABI. */
	u->vector = 0x0f;
	assert_int_equal(hleg64(w->v, HVM, HVMOP_set_evtchn_upcall_vector, va), -XEN_EINVAL);
	assert_int_equal(hfast(w->v, HVM, HVMOP_set_evtchn_upcall_vector, 0, 0x0f), -XEN_EINVAL);
	u->vector = 0x20;
	u->vcpu = 2;
	assert_int_equal(hleg32(w->v, HVM, HVMOP_set_evtchn_upcall_vector, va), -XEN_ENOENT);
	assert_int_equal(hfast(w->v, HVM, HVMOP_set_evtchn_upcall_vector, 2, 0x20), -XEN_ENOENT);
	assert_int_equal(hfast(w->v, HVM, HVMOP_set_evtchn_upcall_vector, 0xffffffff, 0x20),
			 -XEN_ENOENT);
	/* vector is a byte in the struct: wider is refused by the decoder. */
	assert_int_equal(hfast(w->v, HVM, HVMOP_set_evtchn_upcall_vector, 0, 0x120), -XEN_EINVAL);
	assert_int_equal(w->v->upcall_vector, 0xe2);
	assert_int_equal(v1->upcall_vector, 0xe0);
}

static void test_unknown_ops(void **state)
{
	struct world *w = *state;

	assert_int_equal(hleg64(w->v, HVM, 2 /* set_pci_intx_level */, 0), -XEN_ENOSYS);
	/* altp2m is off, as in Xen's default: refused before its struct is read (test_priv.c). */
	assert_int_equal(hleg64(w->v, HVM, HVMOP_altp2m, 0), -XEN_EOPNOTSUPP);
	assert_int_equal(hfast(w->v, HVM, HVMOP_altp2m, 0), -XEN_ENOSYS);
	/* guest_request_vm_event: no monitor, nothing to do; an argument is -EINVAL (Xen). */
	assert_int_equal(hleg64(w->v, HVM, HVMOP_guest_request_vm_event, 0), 0);
	assert_int_equal(hleg32(w->v, HVM, HVMOP_guest_request_vm_event, 0), 0);
	assert_int_equal(hleg64(w->v, HVM, HVMOP_guest_request_vm_event, 0x1000), -XEN_EINVAL);
	assert_int_equal(hfast(w->v, HVM, HVMOP_guest_request_vm_event, 0), -XEN_ENOSYS);
	assert_int_equal(hleg32(w->v, HVM, 1000, 0), -XEN_ENOSYS);
	assert_int_equal(hfast(w->v, HVM, HVMOP_pagetable_dying), -XEN_ENOSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_params_own_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_refused, setup, teardown),
		cmocka_unit_test(test_params_privileged),
		cmocka_unit_test_setup_teardown(test_flush_and_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mem_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upcall_vector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ops, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
