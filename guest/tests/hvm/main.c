/*
 * hvm_op through both ABIs: get_time, params (written by one ABI, read by
 * the other), get_mem_type, flush_tlbs and the per-vCPU upcall vector.
 */
#include "guest.h"

const char test_title[] = "hvm";

void test_main(void)
{
	if (!xtf_both_abis_ready())
		return;

	/* Time: legacy, fast, legacy must not go backwards. */
	struct xen_hvm_get_time t1 = { 0 }, t2 = { 0 }, t3 = { 0 };
	long lrc = hypercall_hvm_op(HVMOP_get_time, &t1);
	int64_t frc = xen_hypercall_hvm_get_time(&t2);
	long lrc3 = hypercall_hvm_op(HVMOP_get_time, &t3);
	printf("get_time: legacy %ld %llu, fast %lld %llu, legacy %ld %llu\n", lrc,
	       (unsigned long long)t1.now, (long long)frc, (unsigned long long)t2.now, lrc3,
	       (unsigned long long)t3.now);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, 0);
	CHECK(t1.now <= t2.now && t2.now <= t3.now);

	/* A param: set by one ABI, read back by the other. */
	uint64_t vec = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | 0xf3;
	struct xen_hvm_param ps = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ, .value = vec };
	lrc = hypercall_hvm_op(HVMOP_set_param, &ps);
	struct xen_hvm_param pg = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ };
	frc = xen_hypercall_hvm_get_param(&pg);
	printf("CALLBACK_IRQ set legacy %ld, get fast %lld = %#llx\n", lrc, (long long)frc,
	       (unsigned long long)pg.value);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, 0);
	CHECK_EQ(pg.value, vec);

	ps.value = 0;
	frc = xen_hypercall_hvm_set_param(&ps);
	struct xen_hvm_param pl = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ, .value = 1 };
	lrc = hypercall_hvm_op(HVMOP_get_param, &pl);
	printf("CALLBACK_IRQ set fast %lld, get legacy %ld = %#llx\n", (long long)frc, lrc,
	       (unsigned long long)pl.value);
	CHECK_EQ(frc, 0);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(pl.value, 0);

	/* An index past the last param fails alike. */
	struct xen_hvm_param bl = { .domid = DOMID_SELF, .index = 0x7fff };
	struct xen_hvm_param bf = bl;
	lrc = hypercall_hvm_op(HVMOP_get_param, &bl);
	frc = xen_hypercall_hvm_get_param(&bf);
	printf("get_param(0x7fff): legacy %ld, fast %lld\n", lrc, (long long)frc);
	CHECK(lrc < 0);
	CHECK_EQ(lrc, frc);

	/* Memory types: our own RAM page, and a page far outside RAM. */
	uint64_t pfns[] = { (uintptr_t)&test_title >> 12, 0xfffffffull };
	for (unsigned i = 0; i < ARRAY_SIZE(pfns); i++) {
		struct xen_hvm_get_mem_type ml = { .domid = DOMID_SELF, .pfn = pfns[i] };
		struct xen_hvm_get_mem_type mf = ml;
		ml.mem_type = mf.mem_type = 0xffff;
		lrc = hypercall_hvm_op(HVMOP_get_mem_type, &ml);
		frc = xen_hypercall_hvm_get_mem_type(&mf);
		printf("get_mem_type(%#llx): legacy %ld type %u, fast %lld type %u\n",
		       (unsigned long long)pfns[i], lrc, ml.mem_type, (long long)frc, mf.mem_type);
		CHECK_EQ(lrc, frc);
		if (!lrc)
			CHECK_EQ(ml.mem_type, mf.mem_type);
		if (i == 0)
			CHECK_EQ(ml.mem_type, HVMMEM_ram_rw);
	}

	lrc = hypercall_hvm_op(HVMOP_flush_tlbs, NULL);
	frc = xen_hypercall_hvm_flush_tlbs();
	printf("flush_tlbs: legacy %ld, fast %lld\n", lrc, (long long)frc);
	CHECK_EQ(lrc, frc);

	/* The per-vCPU upcall vector: valid, then too low (vectors < 0x10 are exceptions). */
	struct xen_hvm_evtchn_upcall_vector ul = { .vcpu = 0, .vector = 0xf3 };
	struct xen_hvm_evtchn_upcall_vector uf = ul;
	lrc = hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &ul);
	frc = xen_hypercall_hvm_set_evtchn_upcall_vector(&uf);
	printf("set_evtchn_upcall_vector(0xf3): legacy %ld, fast %lld\n", lrc, (long long)frc);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, 0);
	ul.vector = uf.vector = 0x05;
	lrc = hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &ul);
	frc = xen_hypercall_hvm_set_evtchn_upcall_vector(&uf);
	printf("set_evtchn_upcall_vector(0x05): legacy %ld, fast %lld\n", lrc, (long long)frc);
	CHECK_EQ(lrc, -XEN_EINVAL);
	CHECK_EQ(frc, -XEN_EINVAL);

	if (xtf_result() < 0)
		xtf_success(NULL);
}
