/*
 * 2-level delivery as a guest sees it: pending and mask bits in shared_info,
 * the selector and upcall flag in vcpu_info (the shared_info slot or a
 * registered one), kicks, masking and late delivery by unmask, through every
 * ABI with identical results; and the confidential cases.
 */
#include <string.h>

#include "evtchn_test.h"

#include <xen/xen.h>
#include <xen/sched.h>

static void sc_2l_delivery(struct ev_world *w)
{
	struct domain *d = ev_domain(w, "d", 0, 2);
	struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
	struct vcpu_info *vi0 = ev_vcpu_info(w->h, v0);
	evtchn_port_t p[130];

	/* Ports 1..129 as IPIs to vCPU 0: they span three selector words. */
	for (unsigned i = 1; i < 130; i++) {
		assert_int_equal(ev_bind_ipi(w, v0, 0, &p[i]), 0);
		assert_int_equal(p[i], i);
	}

	/* An event: pending bit, selector bit of its word, upcall, one kick. */
	assert_int_equal(ev_send(w, v0, 70), 0);
	assert_true(ev_2l_pending(d, 70));
	assert_int_equal(vi0->evtchn_pending_sel, 1ul << 1);
	assert_int_equal(vi0->evtchn_upcall_pending, 1);
	assert_int_equal(ev_kicks(w->h, v0), 1);
	/* More events while the upcall is pending: bits, no more kicks. */
	assert_int_equal(ev_send(w, v0, 129), 0);
	assert_int_equal(ev_send(w, v0, 5), 0);
	assert_int_equal(vi0->evtchn_pending_sel, (1ul << 2) | (1ul << 1) | 1ul);
	assert_int_equal(ev_kicks(w->h, v0), 1);
	assert_true(evtchn__port_pending(d, 129));
	assert_false(evtchn__port_pending(d, 128));
	assert_false(evtchn__port_pending(d, 100000));
	ev_note_2l(w, d);

	/* The guest handles them; the next event raises a new upcall. */
	ev_ack_upcall(w->h, v0);
	ev_2l_clear_pending(d, 70);
	ev_2l_clear_pending(d, 129);
	ev_2l_clear_pending(d, 5);
	assert_int_equal(ev_send(w, v0, 5), 0);
	assert_int_equal(vi0->evtchn_pending_sel, 1ul);
	assert_int_equal(ev_kicks(w->h, v0), 2);
	/* Still pending: sending again changes nothing. */
	ev_ack_upcall(w->h, v0);
	assert_int_equal(ev_send(w, v0, 5), 0);
	assert_int_equal(vi0->evtchn_upcall_pending, 0);
	assert_int_equal(vi0->evtchn_pending_sel, 0);
	ev_2l_clear_pending(d, 5);

	/* Masked: pending, but no selector, no upcall. */
	ev_2l_set_mask(d, 10, true);
	assert_int_equal(ev_send(w, v0, 10), 0);
	assert_true(ev_2l_pending(d, 10));
	assert_int_equal(vi0->evtchn_pending_sel, 0);
	assert_int_equal(vi0->evtchn_upcall_pending, 0);
	assert_int_equal(ev_kicks(w->h, v0), 2);
	/* EVTCHNOP_unmask delivers the event that waited. */
	assert_int_equal(ev_unmask(w, v0, 10), 0);
	assert_false(ev_2l_masked(d, 10));
	assert_int_equal(vi0->evtchn_pending_sel, 1ul);
	assert_int_equal(vi0->evtchn_upcall_pending, 1);
	assert_int_equal(ev_kicks(w->h, v0), 3);
	/* Unmasking a port with nothing pending just unmasks. */
	ev_ack_upcall(w->h, v0);
	ev_2l_clear_pending(d, 10);
	ev_2l_set_mask(d, 11, true);
	assert_int_equal(ev_unmask(w, v0, 11), 0);
	assert_false(ev_2l_masked(d, 11));
	assert_int_equal(vi0->evtchn_upcall_pending, 0);
	/* Unmask of a free port in range is harmless; out of range is refused. */
	assert_int_equal(ev_unmask(w, v0, 150), 0);
	assert_int_equal(ev_unmask(w, v0, 192), -XEN_EINVAL);
	assert_int_equal(ev_unmask(w, v0, UINT32_MAX), -XEN_EINVAL);
	ev_note_2l(w, d);

	/* Closing drops a pending event. */
	assert_int_equal(ev_send(w, v0, 20), 0);
	assert_true(ev_2l_pending(d, 20));
	assert_int_equal(ev_close(w, v0, 20), 0);
	assert_false(ev_2l_pending(d, 20));
	assert_false(evtchn__port_pending(d, 20));

	/* Another vCPU's events go to its own slot. */
	evtchn_port_t q;
	ev_ack_upcall(w->h, v0);
	assert_int_equal(ev_bind_ipi(w, v0, 1, &q), 0);
	assert_int_equal(q, 20);
	assert_int_equal(ev_send(w, v0, q), 0);
	assert_int_equal(ev_vcpu_info(w->h, v1)->evtchn_upcall_pending, 1);
	assert_int_equal(ev_vcpu_info(w->h, v1)->evtchn_pending_sel, 1ul);
	assert_int_equal(vi0->evtchn_upcall_pending, 0);
	assert_int_equal(ev_kicks(w->h, v1), 1);
	ev_note_2l(w, d);

	/* A registered vcpu_info replaces the slot. */
	uint64_t va;
	struct vcpu_info *reg = harness__alloc(w->h, d, sizeof(*reg), &va);
	v1->vcpu_info_registered = true;
	v1->vcpu_info_gpa = gpa(va);
	ev_2l_clear_pending(d, q);
	assert_int_equal(ev_send(w, v0, q), 0);
	assert_int_equal(reg->evtchn_upcall_pending, 1);
	assert_int_equal(reg->evtchn_pending_sel, 1ul);
	assert_int_equal(ev_kicks(w->h, v1), 2);
	ev_note_2l(w, d);

	/* Wherever the guest put it in a page, not only at a multiple of its size. */
	uint8_t *page = harness__alloc_page(w->h, d, &va);
	uint8_t *odd = page + PAGE_SIZE - sizeof(struct vcpu_info) - 24;
	v1->vcpu_info_gpa = gpa(va + PAGE_SIZE - sizeof(struct vcpu_info) - 24);
	ev_2l_clear_pending(d, q);
	assert_int_equal(ev_send(w, v0, q), 0);
	xen_ulong_t sel;
	memcpy(&sel, odd + offsetof(struct vcpu_info, evtchn_pending_sel), sizeof(sel));
	assert_int_equal(odd[offsetof(struct vcpu_info, evtchn_upcall_pending)], 1);
	assert_int_equal(sel, 1ul);
	assert_int_equal(ev_kicks(w->h, v1), 3);
	ev_note(w, sel);
	v1->vcpu_info_registered = false;
}

static void test_2l_delivery(void **state)
{
	(void)state;
	ev_run_all(sc_2l_delivery);
}

/* Inter-domain sends in both directions land in each domain's own shared_info. */
static void sc_2l_two_domains(struct ev_world *w)
{
	struct domain *a = ev_domain(w, "a", 0, 1);
	struct domain *b = ev_domain(w, "b", 0, 1);
	evtchn_port_t pa, pb, x;

	/* Offset b's port numbers so that the two ends differ. */
	for (unsigned i = 0; i < 66; i++)
		assert_int_equal(ev_bind_ipi(w, &b->vcpus[0], 0, &x), 0);
	assert_int_equal(ev_alloc_unbound(w, &a->vcpus[0], DOMID_SELF, b->id, &pa), 0);
	assert_int_equal(ev_bind_interdomain(w, &b->vcpus[0], a->id, pa, &pb), 0);
	assert_int_equal(pb, 67);
	ev_2l_clear_pending(b, pb);
	ev_ack_upcall(w->h, &b->vcpus[0]);
	/* b masks the port: a's sends stay pending until b unmasks. */
	ev_2l_set_mask(b, pb, true);
	assert_int_equal(ev_send(w, &a->vcpus[0], pa), 0);
	assert_true(ev_2l_pending(b, pb));
	assert_false(ev_2l_pending(b, pa));
	assert_false(ev_2l_pending(a, pb));
	assert_int_equal(b->shared_info->vcpu_info[0].evtchn_upcall_pending, 0);
	assert_int_equal(ev_unmask(w, &b->vcpus[0], pb), 0);
	assert_int_equal(b->shared_info->vcpu_info[0].evtchn_upcall_pending, 1);
	assert_int_equal(b->shared_info->vcpu_info[0].evtchn_pending_sel, 1ul << 1);
	/* a cannot unmask b's port for b: it is a's own port number space. */
	assert_int_equal(ev_unmask(w, &a->vcpus[0], pb), -XEN_EINVAL);
	assert_int_equal(ev_send(w, &b->vcpus[0], pb), 0);
	assert_true(ev_2l_pending(a, pa));
	ev_note_2l(w, a);
	ev_note_2l(w, b);
}

static void test_2l_two_domains(void **state)
{
	(void)state;
	ev_run_all(sc_2l_two_domains);
}

/*
 * Confidential: shared_info is always there; a registered vcpu_info in a
 * page the guest did not share is never touched (the refusal is counted),
 * and works once shared.
 */
static void test_2l_confidential(void **state)
{
	(void)state;
	struct ev_world *w = ev_world_new(ABI_FAST);
	struct domain *d = ev_domain(w, "c", DOMAIN_CONFIDENTIAL, 2);
	struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
	evtchn_port_t p;

	assert_int_equal(ev_bind_ipi(w, v0, 1, &p), 0);
	assert_int_equal(ev_send(w, v0, p), 0);
	assert_true(ev_2l_pending(d, p));
	assert_int_equal(d->shared_info->vcpu_info[1].evtchn_upcall_pending, 1);
	assert_int_equal(guestmem__refused(&d->mem), 0);

	uint64_t va;
	struct vcpu_info *reg = harness__alloc_page(w->h, d, &va);
	v1->vcpu_info_registered = true;
	v1->vcpu_info_gpa = gpa(va + 64);
	ev_2l_clear_pending(d, p);
	uint64_t refused = guestmem__refused(&d->mem);
	assert_int_equal(ev_send(w, v0, p), 0);
	assert_true(ev_2l_pending(d, p)); /* the event is kept */
	assert_true(guestmem__refused(&d->mem) > refused);
	uint8_t zero[PAGE_SIZE] = { 0 };
	assert_memory_equal(reg, zero, PAGE_SIZE);

	/* Shared now: the next event reaches it. */
	assert_int_equal(guestmem__share(&d->mem, gfn(va >> PAGE_SHIFT), 1), 0);
	ev_2l_clear_pending(d, p);
	assert_int_equal(ev_send(w, v0, p), 0);
	assert_int_equal(reg[1].evtchn_upcall_pending, 1);
	assert_int_equal(reg[1].evtchn_pending_sel, 1ul);
	/* A registered vcpu_info outside RAM is never written either. */
	v1->vcpu_info_gpa = gpa(0x7ff00000);
	ev_2l_clear_pending(d, p);
	assert_int_equal(ev_send(w, v0, p), 0);
	assert_true(ev_2l_pending(d, p));
	ev_world_free(w);
}

/*
 * SCHEDOP_poll on a masked port (how guests wait for one event): the event
 * sets no upcall but ends the poll, in both delivery ABIs; an event on
 * another port does not.
 */
static void test_poll_wakeup(void **state)
{
	(void)state;
	for (int fifo = 0; fifo < 2; fifo++) {
		struct ev_world *w = ev_world_new(ABI_FAST);
		struct domain *d = ev_domain(w, "d", 0, 2);
		struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
		struct ev_fifo_guest g = { 0 };
		evtchn_port_t p, other;

		v1->online = true; /* as after VCPUOP_up */
		if (fifo) {
			ev_fifo_init_vcpu(w, &g, v0, 0, 0);
			ev_fifo_init_vcpu(w, &g, v0, 1, 0);
			ev_fifo_add_page(w, &g, v0, true);
		}
		assert_int_equal(ev_bind_ipi(w, v0, 1, &p), 0);
		assert_int_equal(ev_bind_ipi(w, v0, 0, &other), 0);
		if (fifo) {
			assert_int_equal(ev_unmask(w, v0, other), 0);
		} else {
			ev_2l_set_mask(d, p, true);
		}
		assert_int_equal(hfast(v1, __HYPERVISOR_sched_op, SCHEDOP_poll, 0, p), 0);
		assert_true(v1->blocked);
		/* Another port's event (for vCPU 0) leaves vCPU 1 polling. */
		assert_int_equal(ev_send(w, v0, other), 0);
		assert_true(v1->blocked);
		unsigned k = ev_kicks(w->h, v1);
		assert_int_equal(ev_send(w, v0, p), 0);
		assert_false(v1->blocked);
		assert_true(hv_vcpu__runnable(v1));
		assert_int_equal(ev_kicks(w->h, v1), k + 1);
		assert_int_equal(ev_vcpu_info(w->h, v1)->evtchn_upcall_pending, 0);
		assert_true(evtchn__port_pending(d, p));
		/* Polling a port that is pending returns at once. */
		assert_int_equal(hfast(v1, __HYPERVISOR_sched_op, SCHEDOP_poll, 0, p), 0);
		assert_false(v1->blocked);
		ev_world_free(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_2l_delivery),
		cmocka_unit_test(test_2l_two_domains),
		cmocka_unit_test(test_2l_confidential),
		cmocka_unit_test(test_poll_wakeup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
