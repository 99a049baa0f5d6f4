/*
 * FIFO delivery as a guest sees it: event words (PENDING, MASKED, LINKED,
 * LINK), per-vCPU control blocks (READY, HEAD per priority), queue order,
 * priorities, unmask re-raising, ports beyond the event array, switching
 * from 2-level (pending ports carried over) and back by reset; hostile
 * control blocks and arrays; two domains; confidential mode. Each scenario
 * runs through every ABI with identical results.
 */
#include <string.h>

#include "evtchn_test.h"

#include <xen/xen.h>

#define CB_SIZE sizeof(struct evtchn_fifo_control_block)
#define WORDS_PER_PAGE (PAGE_SIZE / sizeof(uint32_t))

static uint32_t link_of(uint32_t w)
{
	return w & EVTCHN_FIFO_LINK_MASK;
}

/* The guest takes its READY word (Linux: xchg with 0 at the start of the upcall). */
static uint32_t take_ready(struct ev_fifo_guest *g, unsigned vcpu)
{
	return __atomic_exchange_n(&g->cb[vcpu]->ready, 0, __ATOMIC_SEQ_CST);
}

static void clear_word_bits(uint32_t *w, uint32_t bits)
{
	__atomic_fetch_and(w, ~bits, __ATOMIC_SEQ_CST);
}

static void sc_fifo_queue(struct ev_world *w)
{
	struct domain *d = ev_domain(w, "d", 0, 2);
	struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
	struct ev_fifo_guest g = { 0 };
	evtchn_port_t p1, p2, p3, p4, p5;

	/* Bound and pending under 2-level, before the switch. */
	assert_int_equal(ev_bind_ipi(w, v0, 0, &p1), 0);
	assert_int_equal(ev_send(w, v0, p1), 0);
	assert_true(ev_2l_pending(d, p1));
	/* FIFO-only sub-ops before init_control. */
	assert_int_equal(ev_set_priority(w, v0, p1, 3), -XEN_ENOSYS);
	assert_int_equal(ev_set_priority(w, v0, 4096, 3), -XEN_EINVAL); /* the port comes first */
	assert_int_equal(ev_expand_array(w, v0, 100), -XEN_ENOSYS);

	ev_fifo_init_vcpu(w, &g, v0, 0, 0);
	ev_ack_upcall(w->h, v0);
	/* No array page yet: the event is held, and so is a new one. */
	assert_true(evtchn__port_pending(d, p1));
	assert_int_equal(ev_bind_ipi(w, v0, 0, &p2), 0);
	assert_int_equal(ev_send(w, v0, p2), 0);
	assert_true(evtchn__port_pending(d, p2));
	assert_int_equal(ev_vcpu_info(w->h, v0)->evtchn_upcall_pending, 0);

	/* The first page (unmasked words) shows both, linked in port order. */
	unsigned k = ev_kicks(w->h, v0);
	ev_fifo_add_page(w, &g, v0, false);
	assert_int_equal(*ev_fifo_word(&g, p1), W_PENDING | W_LINKED | p2);
	assert_int_equal(*ev_fifo_word(&g, p2), W_PENDING | W_LINKED);
	assert_int_equal(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p1);
	assert_int_equal(g.cb[0]->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
	assert_int_equal(ev_vcpu_info(w->h, v0)->evtchn_upcall_pending, 1);
	assert_int_equal(ev_kicks(w->h, v0), k + 1);
	ev_note_fifo(w, &g);

	/* A third event is linked after the tail; READY is set already: no new upcall. */
	assert_int_equal(ev_bind_ipi(w, v0, 0, &p3), 0);
	assert_int_equal(ev_send(w, v0, p3), 0);
	assert_int_equal(link_of(*ev_fifo_word(&g, p2)), p3);
	assert_int_equal(*ev_fifo_word(&g, p3), W_PENDING | W_LINKED);
	assert_int_equal(ev_kicks(w->h, v0), k + 1);
	/* Sending on a pending, linked port changes nothing. */
	assert_int_equal(ev_send(w, v0, p2), 0);
	assert_int_equal(*ev_fifo_word(&g, p2), W_PENDING | W_LINKED | p3);

	/* The guest drains the queue in order. */
	assert_int_equal(take_ready(&g, 0), 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
	ev_ack_upcall(w->h, v0);
	assert_int_equal(ev_fifo_consume(&g, 0, 7), p1);
	assert_int_equal(ev_fifo_consume(&g, 0, 7), p2);
	assert_int_equal(ev_fifo_consume(&g, 0, 7), p3);
	assert_int_equal(g.local_head[0][7], 0);
	for (evtchn_port_t p = p1; p <= p3; p++) {
		assert_int_equal(*ev_fifo_word(&g, p), W_PENDING);
		clear_word_bits(ev_fifo_word(&g, p), W_PENDING);
	}
	ev_note_fifo(w, &g);

	/* The old tail was consumed: a new event starts the queue at HEAD. */
	assert_int_equal(ev_send(w, v0, p2), 0);
	assert_int_equal(*ev_fifo_word(&g, p2), W_PENDING | W_LINKED);
	assert_int_equal(link_of(*ev_fifo_word(&g, p3)), 0);
	assert_int_equal(g.cb[0]->head[7], p2);
	assert_int_equal(g.cb[0]->ready, 1u << 7);
	assert_int_equal(ev_vcpu_info(w->h, v0)->evtchn_upcall_pending, 1);
	assert_int_equal(ev_kicks(w->h, v0), k + 2);

	/* Masked: pending only; EVTCHNOP_unmask links it after the (unconsumed) tail. */
	__atomic_fetch_or(ev_fifo_word(&g, p3), W_MASKED, __ATOMIC_SEQ_CST);
	assert_int_equal(ev_send(w, v0, p3), 0);
	assert_int_equal(*ev_fifo_word(&g, p3), W_PENDING | W_MASKED);
	assert_int_equal(link_of(*ev_fifo_word(&g, p2)), 0);
	assert_int_equal(ev_unmask(w, v0, p3), 0);
	assert_int_equal(*ev_fifo_word(&g, p3), W_PENDING | W_LINKED);
	assert_int_equal(*ev_fifo_word(&g, p2), W_PENDING | W_LINKED | p3);
	/* Unmasking what is not pending only unmasks. */
	__atomic_fetch_or(ev_fifo_word(&g, 40), W_MASKED, __ATOMIC_SEQ_CST);
	assert_int_equal(ev_unmask(w, v0, 40), 0);
	assert_int_equal(*ev_fifo_word(&g, 40), 0);
	ev_note_fifo(w, &g);

	/* Priorities: a port at priority 2 has a queue of its own. */
	assert_int_equal(ev_bind_ipi(w, v0, 0, &p4), 0);
	assert_int_equal(ev_set_priority(w, v0, p4, 2), 0);
	assert_int_equal(ev_send(w, v0, p4), 0);
	assert_int_equal(g.cb[0]->head[2], p4);
	assert_int_equal(g.cb[0]->ready, (1u << 7) | (1u << 2));
	assert_int_equal(*ev_fifo_word(&g, p4), W_PENDING | W_LINKED);
	assert_int_equal(link_of(*ev_fifo_word(&g, p3)), 0); /* not in queue 7 */
	assert_int_equal(ev_set_priority(w, v0, p4, EVTCHN_FIFO_PRIORITY_MIN), 0);
	assert_int_equal(ev_set_priority(w, v0, p4, EVTCHN_FIFO_PRIORITY_MIN + 1), -XEN_EINVAL);
	assert_int_equal(ev_set_priority(w, v0, p4, UINT32_MAX), -XEN_EINVAL);
	assert_int_equal(ev_set_priority(w, v0, 4096, 1), -XEN_EINVAL);
	/* Consumed, then re-sent at priority 15: the event joins queue 15. */
	assert_int_equal(ev_fifo_consume(&g, 0, 2), p4);
	clear_word_bits(ev_fifo_word(&g, p4), W_PENDING);
	assert_int_equal(ev_send(w, v0, p4), 0);
	assert_int_equal(g.cb[0]->head[15], p4);
	assert_true(g.cb[0]->ready & (1u << 15));
	ev_note_fifo(w, &g);

	/* A vCPU without a control block gets the PENDING bit only. */
	assert_int_equal(ev_bind_ipi(w, v0, 1, &p5), 0);
	assert_int_equal(ev_send(w, v0, p5), 0);
	assert_int_equal(*ev_fifo_word(&g, p5), W_PENDING);
	assert_int_equal(ev_vcpu_info(w->h, v1)->evtchn_upcall_pending, 0);
	/* Its control block (at the end of a page); unmask delivers what waited. */
	ev_fifo_init_vcpu(w, &g, v0, 1, PAGE_SIZE - CB_SIZE);
	assert_int_equal(ev_unmask(w, v1, p5), 0);
	assert_int_equal(g.cb[1]->head[7], p5);
	assert_int_equal(g.cb[1]->ready, 1u << 7);
	assert_int_equal(*ev_fifo_word(&g, p5), W_PENDING | W_LINKED);
	assert_int_equal(ev_vcpu_info(w->h, v1)->evtchn_upcall_pending, 1);
	assert_int_equal(ev_kicks(w->h, v1), 1);

	/* Closing clears PENDING; the word stays linked for the guest to drop. */
	assert_int_equal(ev_close(w, v0, p5), 0);
	assert_int_equal(*ev_fifo_word(&g, p5), W_LINKED);
	assert_false(evtchn__port_pending(d, p5));
	ev_note_fifo(w, &g);
}

static void test_fifo_queue(void **state)
{
	(void)state;
	ev_run_all(sc_fifo_queue);
}

/* Ports beyond the array, masked pages as Linux initialises them, the page limit. */
static void sc_fifo_array(struct ev_world *w)
{
	const struct domain_config cfg = { .name = "d", .nr_vcpus = 1, .max_evtchn_ports = 2048 };
	struct domain *d = ev_domain_cfg(w, &cfg);
	struct hv_vcpu *v = &d->vcpus[0];
	struct ev_fifo_guest g = { 0 };
	evtchn_port_t p = 0;

	ev_fifo_init_vcpu(w, &g, v, 0, 128);
	ev_fifo_add_page(w, &g, v, true);
	/* Under FIFO the domain may use its 2048 ports, the array or not. */
	for (unsigned i = 1; i < 2048; i++)
		assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
	assert_int_equal(p, 2047);
	assert_int_equal(ev_bind_ipi(w, v, 0, &p), -XEN_ENOSPC);

	/* A masked word: pending, not linked, no upcall. */
	assert_int_equal(ev_send(w, v, 5), 0);
	assert_int_equal(*ev_fifo_word(&g, 5), W_PENDING | W_MASKED);
	assert_int_equal(g.cb[0]->ready, 0);
	/* Beyond the array: held by the hypervisor. */
	assert_int_equal(ev_send(w, v, 1500), 0);
	assert_true(evtchn__port_pending(d, 1500));
	assert_int_equal(ev_unmask(w, v, 1500), 0); /* no word yet: nothing to do */
	/* The second page brings the word, pending and (masked) not linked. */
	ev_fifo_add_page(w, &g, v, true);
	assert_int_equal(*ev_fifo_word(&g, 1500), W_PENDING | W_MASKED);
	assert_int_equal(ev_unmask(w, v, 1500), 0);
	assert_int_equal(*ev_fifo_word(&g, 1500), W_PENDING | W_LINKED);
	assert_int_equal(g.cb[0]->head[7], 1500);
	assert_int_equal(ev_unmask(w, v, 5), 0);
	assert_int_equal(*ev_fifo_word(&g, 1500), W_PENDING | W_LINKED | 5);
	/* 2048 ports fit in two pages: no third. */
	uint64_t va;
	harness__alloc_page(w->h, d, &va);
	assert_int_equal(ev_expand_array(w, v, va >> PAGE_SHIFT), -XEN_ENOSPC);
	ev_note_fifo(w, &g);
}

static void test_fifo_array(void **state)
{
	(void)state;
	ev_run_all(sc_fifo_array);
}

static void sc_fifo_hostile(struct ev_world *w)
{
	struct domain *d = ev_domain(w, "d", 0, 2);
	struct hv_vcpu *v = &d->vcpus[0];
	struct ev_fifo_guest g = { 0 };
	uint64_t va;
	uint8_t bits = 0;

	harness__alloc_page(w->h, d, &va);
	uint64_t f = va >> PAGE_SHIFT;
	/* Offsets: unaligned, or a block that would leave the page. */
	assert_int_equal(ev_init_control(w, v, f, 4, 0, &bits), -XEN_EINVAL);
	assert_int_equal(ev_init_control(w, v, f, PAGE_SIZE - CB_SIZE + 8, 0, &bits), -XEN_EINVAL);
	assert_int_equal(ev_init_control(w, v, f, PAGE_SIZE, 0, &bits), -XEN_EINVAL);
	assert_int_equal(ev_init_control(w, v, f, UINT32_MAX & ~7u, 0, &bits), -XEN_EINVAL);
	/* vCPUs that do not exist. */
	assert_int_equal(ev_init_control(w, v, f, 0, 2, &bits), -XEN_ENOENT);
	assert_int_equal(ev_init_control(w, v, f, 0, UINT32_MAX, &bits), -XEN_ENOENT);
	/* Frames that are not RAM: past the end, far away, the top of the address space. */
	assert_int_equal(ev_init_control(w, v, 0x7ff00, 0, 0, &bits), -XEN_EINVAL);
	assert_int_equal(ev_init_control(w, v, 1ull << 40, 0, 0, &bits), -XEN_EINVAL);
	assert_int_equal(ev_init_control(w, v, UINT64_MAX, 0, 0, &bits), -XEN_EINVAL);
	assert_int_equal(ev_init_control(w, v, UINT64_MAX >> PAGE_SHIFT, 0, 0, &bits), -XEN_EINVAL);
	/* None of that switched the domain to FIFO. */
	assert_int_equal(ev_expand_array(w, v, f), -XEN_ENOSYS);
	assert_int_equal(ev_set_priority(w, v, 1, 1), -XEN_ENOSYS);

	ev_fifo_init_vcpu(w, &g, v, 0, 8);
	/* Twice for one vCPU; a bad frame is reported before that. */
	assert_int_equal(ev_init_control(w, v, f, 0, 0, &bits), -XEN_EEXIST);
	assert_int_equal(ev_init_control(w, v, 0x7ff00, 0, 0, &bits), -XEN_EINVAL);
	/* Array pages that are not RAM. */
	assert_int_equal(ev_expand_array(w, v, 0x7ff00), -XEN_EINVAL);
	assert_int_equal(ev_expand_array(w, v, UINT64_MAX), -XEN_EINVAL);
	ev_fifo_add_page(w, &g, v, false);

	/*
	 * The guest scribbles over its control block and words (a LINK to a
	 * port that does not exist, every bit set in HEAD): the hypervisor
	 * never follows guest LINKs, so it only hurts the guest's own queue.
	 */
	evtchn_port_t p, q;
	assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
	assert_int_equal(ev_bind_ipi(w, v, 0, &q), 0);
	assert_int_equal(ev_send(w, v, p), 0);
	*ev_fifo_word(&g, p) |= EVTCHN_FIFO_LINK_MASK;
	g.cb[0]->head[7] = UINT32_MAX;
	g.cb[0]->ready = UINT32_MAX;
	assert_int_equal(ev_send(w, v, q), 0);
	assert_int_equal(link_of(*ev_fifo_word(&g, p)), q);
	assert_int_equal(*ev_fifo_word(&g, q), W_PENDING | W_LINKED);
	/* A word the guest marked BUSY is still linked to; BUSY is cleared with it. */
	clear_word_bits(ev_fifo_word(&g, q), W_PENDING);
	*ev_fifo_word(&g, q) |= W_BUSY;
	evtchn_port_t r;
	assert_int_equal(ev_bind_ipi(w, v, 0, &r), 0);
	assert_int_equal(ev_send(w, v, r), 0);
	assert_int_equal(*ev_fifo_word(&g, q), W_LINKED | r);
	ev_note_fifo(w, &g);

	/* Special pages are not guest RAM: no control block or event array there. */
	struct domain *fx = ev_domain(w, "fixed", DOMAIN_FIXED_LAYOUT, 1);
	struct hv_vcpu *vf = &fx->vcpus[0];
	uint64_t si = gfn_val(fx->shared_info_gfn);
	assert_true(fx->shared_info_mapped);
	assert_int_equal(ev_init_control(w, vf, si, 0, 0, &bits), -XEN_EINVAL);
	assert_int_equal(ev_init_control(w, vf, si + 1, 0, 0, &bits), -XEN_EINVAL); /* grant frame */
	struct ev_fifo_guest gf = { 0 };
	ev_fifo_init_vcpu(w, &gf, vf, 0, 0);
	assert_int_equal(ev_expand_array(w, vf, si), -XEN_EINVAL);
	assert_int_equal(ev_expand_array(w, vf, si + 1), -XEN_EINVAL);
}

static void test_fifo_hostile(void **state)
{
	(void)state;
	ev_run_all(sc_fifo_hostile);
}

/* Reset tears FIFO down: back to 2-level, and FIFO can be set up again. */
static void sc_fifo_reset(struct ev_world *w)
{
	struct domain *d = ev_domain(w, "d", 0, 1);
	struct hv_vcpu *v = &d->vcpus[0];
	struct ev_fifo_guest g = { 0 };
	evtchn_port_t p;
	unsigned restarts;

	ev_fifo_init_vcpu(w, &g, v, 0, 0);
	ev_fifo_add_page(w, &g, v, false);
	for (unsigned i = 0; i < 70; i++)
		assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
	assert_int_equal(ev_set_priority(w, v, 3, 0), 0);
	assert_int_equal(ev_reset(w, v, DOMID_SELF, &restarts), 0);
	assert_int_equal(restarts, 1);
	assert_int_equal(ev_set_priority(w, v, 1, 1), -XEN_ENOSYS);
	assert_int_equal(ev_expand_array(w, v, g.page_gfn[0]), -XEN_ENOSYS);
	/* 2-level delivery again. */
	ev_ack_upcall(w->h, v);
	assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
	assert_int_equal(p, 1);
	uint32_t word1 = *ev_fifo_word(&g, 1);
	assert_int_equal(ev_send(w, v, p), 0);
	assert_true(ev_2l_pending(d, p));
	assert_int_equal(*ev_fifo_word(&g, 1), word1);
	/* FIFO again, same vCPU: the old registration is gone. */
	struct ev_fifo_guest g2 = { 0 };
	ev_fifo_init_vcpu(w, &g2, v, 0, 0);
	ev_fifo_add_page(w, &g2, v, false);
	assert_int_equal(*ev_fifo_word(&g2, 1), W_PENDING | W_LINKED); /* carried over */
	assert_int_equal(g2.cb[0]->head[7], 1);
	ev_note_fifo(w, &g2);
}

static void test_fifo_reset(void **state)
{
	(void)state;
	ev_run_all(sc_fifo_reset);
}

/* One domain FIFO, its peer 2-level: each sees the other's events in its own ABI. */
static void sc_fifo_two_domains(struct ev_world *w)
{
	struct domain *a = ev_domain(w, "a", 0, 1);
	struct domain *b = ev_domain(w, "b", 0, 1);
	struct ev_fifo_guest g = { 0 };
	evtchn_port_t pa, pb;

	ev_fifo_init_vcpu(w, &g, &a->vcpus[0], 0, 0);
	ev_fifo_add_page(w, &g, &a->vcpus[0], false);
	assert_int_equal(ev_alloc_unbound(w, &b->vcpus[0], DOMID_SELF, a->id, &pb), 0);
	assert_int_equal(ev_bind_interdomain(w, &a->vcpus[0], b->id, pb, &pa), 0);
	/* Bound pending (FIFO side). */
	assert_int_equal(*ev_fifo_word(&g, pa), W_PENDING | W_LINKED);
	assert_int_equal(ev_fifo_consume(&g, 0, 7), pa);
	clear_word_bits(ev_fifo_word(&g, pa), W_PENDING);

	assert_int_equal(ev_send(w, &a->vcpus[0], pa), 0);
	assert_true(ev_2l_pending(b, pb));
	assert_int_equal(b->shared_info->vcpu_info[0].evtchn_upcall_pending, 1);
	assert_int_equal(ev_send(w, &b->vcpus[0], pb), 0);
	assert_int_equal(*ev_fifo_word(&g, pa), W_PENDING | W_LINKED);
	assert_int_equal(g.cb[0]->head[7], pa);
	/* b closes: a's port is unbound, its pending event dropped. */
	assert_int_equal(ev_close(w, &b->vcpus[0], pb), 0);
	struct evtchn_status st;
	assert_int_equal(ev_status(w, &a->vcpus[0], DOMID_SELF, pa, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	ev_note_fifo(w, &g);
	ev_note_2l(w, b);
}

static void test_fifo_two_domains(void **state)
{
	(void)state;
	ev_run_all(sc_fifo_two_domains);
}

/*
 * Confidential: a control block or array page the guest did not share is
 * refused (-EACCES, counted) and changes nothing; shared, it works; a page
 * unshared later is never touched again, and its events wait.
 */
static void test_fifo_confidential(void **state)
{
	(void)state;
	struct ev_world *w = ev_world_new(ABI_FAST);
	struct domain *d = ev_domain(w, "c", DOMAIN_CONFIDENTIAL, 1);
	struct hv_vcpu *v = &d->vcpus[0];
	uint64_t cb_va, arr_va;
	uint8_t bits;
	struct evtchn_fifo_control_block *cb = harness__alloc_page(w->h, d, &cb_va);
	uint32_t *arr = harness__alloc_page(w->h, d, &arr_va);
	evtchn_port_t p;

	uint64_t refused = guestmem__refused(&d->mem);
	assert_int_equal(ev_init_control(w, v, cb_va >> PAGE_SHIFT, 0, 0, &bits), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), refused + 1);
	assert_int_equal(ev_set_priority(w, v, 1, 1), -XEN_ENOSYS); /* still 2-level */

	assert_int_equal(guestmem__share(&d->mem, gfn(cb_va >> PAGE_SHIFT), 1), 0);
	assert_int_equal(ev_init_control(w, v, cb_va >> PAGE_SHIFT, 0, 0, &bits), 0);
	assert_int_equal(bits, EVTCHN_FIFO_LINK_BITS);
	refused = guestmem__refused(&d->mem);
	assert_int_equal(ev_expand_array(w, v, arr_va >> PAGE_SHIFT), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&d->mem), refused + 1);
	assert_int_equal(guestmem__share(&d->mem, gfn(arr_va >> PAGE_SHIFT), 1), 0);
	assert_int_equal(ev_expand_array(w, v, arr_va >> PAGE_SHIFT), 0);

	assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
	assert_int_equal(ev_send(w, v, p), 0);
	assert_int_equal(arr[p], W_PENDING | W_LINKED);
	assert_int_equal(cb->head[7], p);

	/* The guest takes the array page back: nothing touches it, the event waits. */
	arr[p] = 0;
	cb->head[7] = 0;
	cb->ready = 0;
	assert_int_equal(guestmem__unshare(&d->mem, gfn(arr_va >> PAGE_SHIFT), 1), 0);
	refused = guestmem__refused(&d->mem);
	assert_int_equal(ev_send(w, v, p), 0);
	assert_int_equal(arr[p], 0);
	assert_int_equal(cb->ready, 0);
	assert_true(guestmem__refused(&d->mem) > refused);
	assert_true(evtchn__port_pending(d, p));
	/* Shared again: unmask delivers it. */
	assert_int_equal(guestmem__share(&d->mem, gfn(arr_va >> PAGE_SHIFT), 1), 0);
	assert_int_equal(ev_unmask(w, v, p), 0);
	assert_int_equal(arr[p], W_PENDING | W_LINKED);
	assert_int_equal(cb->head[7], p);
	/* Same for the control block: the word gets PENDING, nothing is linked. */
	arr[p] = 0;
	cb->head[7] = 0;
	cb->ready = 0;
	assert_int_equal(guestmem__unshare(&d->mem, gfn(cb_va >> PAGE_SHIFT), 1), 0);
	assert_int_equal(ev_send(w, v, p), 0);
	assert_int_equal(arr[p], W_PENDING);
	assert_int_equal(cb->head[7], 0);
	ev_world_free(w);
}

/* The whole FIFO range: 2^17 ports in 128 pages, and no more. */
static void test_fifo_limit(void **state)
{
	(void)state;
	struct ev_world *w = ev_world_new(ABI_FAST);
	const struct domain_config cfg = { .name = "big", .nr_vcpus = 1,
					   .max_evtchn_ports = EVTCHN_FIFO_NR_CHANNELS };
	struct domain *d = ev_domain_cfg(w, &cfg);
	struct hv_vcpu *v = &d->vcpus[0];
	struct ev_fifo_guest g = { 0 };
	evtchn_port_t p = 0;
	uint64_t va;

	ev_fifo_init_vcpu(w, &g, v, 0, 0);
	for (unsigned i = 1; i < EVTCHN_FIFO_NR_CHANNELS; i++)
		assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
	assert_int_equal(p, EVTCHN_FIFO_NR_CHANNELS - 1);
	assert_int_equal(ev_bind_ipi(w, v, 0, &p), -XEN_ENOSPC);
	/* Freed ports are found again, lowest first. */
	assert_int_equal(ev_close(w, v, 70000), 0);
	assert_int_equal(ev_close(w, v, 5), 0);
	assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
	assert_int_equal(p, 5);
	assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
	assert_int_equal(p, 70000);

	assert_int_equal(ev_send(w, v, EVTCHN_FIFO_NR_CHANNELS - 1), 0);
	uint32_t *last = NULL;
	for (unsigned i = 0; i < EVTCHN_FIFO_MAX_PAGES; i++) {
		uint32_t *page = harness__alloc_page(w->h, d, &va);
		assert_int_equal(ev_expand_array(w, v, va >> PAGE_SHIFT), 0);
		last = page;
	}
	harness__alloc_page(w->h, d, &va);
	assert_int_equal(ev_expand_array(w, v, va >> PAGE_SHIFT), -XEN_ENOSPC);
	/* The held event of the last port shows up in the last page, linked at HEAD. */
	assert_int_equal(last[WORDS_PER_PAGE - 1], W_PENDING | W_LINKED);
	assert_int_equal(g.cb[0]->head[7], EVTCHN_FIFO_NR_CHANNELS - 1);
	ev_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_queue),
		cmocka_unit_test(test_fifo_array),
		cmocka_unit_test(test_fifo_hostile),
		cmocka_unit_test(test_fifo_reset),
		cmocka_unit_test(test_fifo_two_domains),
		cmocka_unit_test(test_fifo_confidential),
		cmocka_unit_test(test_fifo_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
