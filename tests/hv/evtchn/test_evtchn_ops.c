/*
 * Every EVTCHNOP through FastABI, 64-bit legacy and 32-bit legacy with
 * identical results (each scenario runs once per ABI and the traces must
 * match): binding state machine, inter-domain channels between two domains,
 * VIRQs, IPIs, bind_vcpu, reset with its continuation, port limits, and
 * hostile inputs. ABI-specific refusals (registers too wide, bad pointers)
 * are tested per ABI at the end.
 */
#include <string.h>

#include "evtchn_test.h"

#include <xen/xen.h>

/* ---- the binding state machine ---- */

static void sc_unbound_status_close(struct ev_world *w)
{
	struct domain *a = ev_domain(w, "a", 0, 2);
	struct domain *b = ev_domain(w, "b", 0, 1);
	struct hv_vcpu *v = &a->vcpus[0];
	struct evtchn_status st;
	evtchn_port_t p, q;

	/* Port 0 is reserved: the first port handed out is 1. */
	assert_int_equal(ev_alloc_unbound(w, v, DOMID_SELF, b->id, &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(ev_alloc_unbound(w, v, a->id, DOMID_SELF, &q), 0);
	assert_int_equal(q, 2);

	assert_int_equal(ev_status(w, v, DOMID_SELF, p, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.vcpu, 0);
	assert_int_equal(st.u.unbound.dom, b->id);
	/* remote DOMID_SELF means the caller. */
	assert_int_equal(ev_status(w, v, a->id, q, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, a->id);

	assert_int_equal(ev_status(w, v, DOMID_SELF, 0, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(ev_status(w, v, DOMID_SELF, 3, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);

	assert_int_equal(ev_close(w, v, p), 0);
	assert_int_equal(ev_status(w, v, DOMID_SELF, p, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	/* Closing twice, port 0, a free port or one out of range. */
	assert_int_equal(ev_close(w, v, p), -XEN_EINVAL);
	assert_int_equal(ev_close(w, v, 0), -XEN_EINVAL);
	assert_int_equal(ev_close(w, v, 50), -XEN_EINVAL);
	assert_int_equal(ev_close(w, v, 100000), -XEN_EINVAL);
	assert_int_equal(ev_close(w, v, UINT32_MAX), -XEN_EINVAL);
	/* The lowest free port is reused. */
	assert_int_equal(ev_alloc_unbound(w, v, DOMID_SELF, b->id, &p), 0);
	assert_int_equal(p, 1);
	ev_note_2l(w, a);
}

static void test_unbound_status_close(void **state)
{
	(void)state;
	ev_run_all(sc_unbound_status_close);
}

static void sc_interdomain(struct ev_world *w)
{
	struct domain *a = ev_domain(w, "a", 0, 2);
	struct domain *b = ev_domain(w, "b", 0, 2);
	struct hv_vcpu *va = &a->vcpus[0], *vb = &b->vcpus[0];
	struct evtchn_status st;
	evtchn_port_t pa, pb, pa2;

	assert_int_equal(ev_alloc_unbound(w, va, DOMID_SELF, b->id, &pa), 0);
	assert_int_equal(ev_bind_interdomain(w, vb, a->id, pa, &pb), 0);
	/* Binding starts pending: the peer may have signalled already. */
	assert_true(ev_2l_pending(b, pb));
	assert_false(ev_2l_pending(a, pa));
	assert_int_equal(ev_vcpu_info(w->h, vb)->evtchn_upcall_pending, 1);
	ev_note_2l(w, b);

	assert_int_equal(ev_status(w, va, DOMID_SELF, pa, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, b->id);
	assert_int_equal(st.u.interdomain.port, pb);
	assert_int_equal(ev_status(w, vb, DOMID_SELF, pb, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, a->id);
	assert_int_equal(st.u.interdomain.port, pa);

	/* a -> b */
	ev_2l_clear_pending(b, pb);
	ev_ack_upcall(w->h, vb);
	unsigned kb = ev_kicks(w->h, vb);
	assert_int_equal(ev_send(w, va, pa), 0);
	assert_true(ev_2l_pending(b, pb));
	assert_false(ev_2l_pending(a, pa));
	assert_int_equal(ev_vcpu_info(w->h, vb)->evtchn_upcall_pending, 1);
	assert_int_equal(ev_kicks(w->h, vb), kb + 1);
	/* b -> a */
	unsigned ka = ev_kicks(w->h, va);
	assert_int_equal(ev_send(w, vb, pb), 0);
	assert_true(ev_2l_pending(a, pa));
	assert_int_equal(ev_vcpu_info(w->h, va)->evtchn_upcall_pending, 1);
	assert_int_equal(ev_kicks(w->h, va), ka + 1);
	ev_note_2l(w, a);
	ev_note_2l(w, b);

	/* bind_vcpu moves the inter-domain port's events to vCPU 1. */
	ev_2l_clear_pending(b, pb);
	assert_int_equal(ev_bind_vcpu(w, vb, pb, 1), 0);
	assert_int_equal(ev_send(w, va, pa), 0);
	assert_int_equal(ev_vcpu_info(w->h, &b->vcpus[1])->evtchn_upcall_pending, 1);
	assert_int_equal(ev_vcpu_info(w->h, &b->vcpus[1])->evtchn_pending_sel, 1ul << (pb / 64));
	assert_int_equal(ev_status(w, vb, DOMID_SELF, pb, &st), 0);
	assert_int_equal(st.vcpu, 1);

	/* Closing b's end leaves a's end unbound, waiting for b again. */
	assert_int_equal(ev_close(w, vb, pb), 0);
	assert_int_equal(ev_status(w, va, DOMID_SELF, pa, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, b->id);
	assert_false(ev_2l_pending(b, pb)); /* closing drops the pending event */
	/* Sending on an unbound port is accepted and goes nowhere. */
	ev_2l_clear_pending(a, pa);
	assert_int_equal(ev_send(w, va, pa), 0);
	assert_false(ev_2l_pending(a, pa));
	/* b binds again (a new port), and the channel works. */
	assert_int_equal(ev_bind_interdomain(w, vb, a->id, pa, &pb), 0);
	ev_2l_clear_pending(b, pb);
	assert_int_equal(ev_send(w, va, pa), 0);
	assert_true(ev_2l_pending(b, pb));

	/* Loopback inside one domain, with DOMID_SELF on both sides. */
	assert_int_equal(ev_alloc_unbound(w, va, DOMID_SELF, DOMID_SELF, &pa2), 0);
	evtchn_port_t lb;
	assert_int_equal(ev_bind_interdomain(w, va, DOMID_SELF, pa2, &lb), 0);
	ev_2l_clear_pending(a, lb);
	assert_int_equal(ev_send(w, va, pa2), 0);
	assert_true(ev_2l_pending(a, lb));
	assert_false(ev_2l_pending(a, pa2));
	assert_int_equal(ev_send(w, va, lb), 0);
	assert_true(ev_2l_pending(a, pa2));
	ev_note_2l(w, a);
	ev_note_2l(w, b);
}

/* Ports whose other end is the VMM (evtchn__bind_vmm): the console and
 * xenstore rings' channels. */
struct vmm_calls {
	unsigned n;
	struct domain *d;
	evtchn_port_t port;
};

static void vmm_cb(struct domain *d, evtchn_port_t port, void *opaque)
{
	struct vmm_calls *c = opaque;
	c->n++;
	c->d = d;
	c->port = port;
}

static void sc_vmm_port(struct ev_world *w)
{
	struct domain *a = ev_domain(w, "a", 0, 2);
	struct hv_vcpu *va = &a->vcpus[0];
	struct vmm_calls calls = { 0 };
	struct evtchn_status st;

	assert_int_equal(evtchn__bind_vmm(a, NULL, &calls), -XEN_EINVAL);
	int p = evtchn__bind_vmm(a, vmm_cb, &calls);
	assert_true(p > 0);
	evtchn_port_t port = (evtchn_port_t)p;

	/* The guest sees an inter-domain port whose peer is Xen. */
	assert_int_equal(ev_status(w, va, DOMID_SELF, port, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, DOMID_XEN);
	assert_int_equal(st.u.interdomain.port, 0);

	/* A guest send calls the VMM, once per send, with its port. */
	assert_int_equal(ev_send(w, va, port), 0);
	assert_int_equal(calls.n, 1);
	assert_ptr_equal(calls.d, a);
	assert_int_equal(calls.port, port);
	ev_note(w, calls.n);

	/* The VMM's event reaches the guest like any other. */
	ev_2l_clear_pending(a, port);
	ev_ack_upcall(w->h, va);
	assert_int_equal(evtchn__vmm_notify(a, port), 0);
	assert_true(ev_2l_pending(a, port));
	assert_int_equal(ev_vcpu_info(w->h, va)->evtchn_upcall_pending, 1);
	/* ... on the vCPU the guest moved it to. */
	ev_2l_clear_pending(a, port);
	assert_int_equal(ev_bind_vcpu(w, va, port, 1), 0);
	assert_int_equal(evtchn__vmm_notify(a, port), 0);
	assert_int_equal(ev_vcpu_info(w->h, &a->vcpus[1])->evtchn_upcall_pending, 1);
	ev_note_2l(w, a);

	/* A port that is not the VMM's is refused to the VMM. */
	evtchn_port_t ipi;
	assert_int_equal(ev_bind_ipi(w, va, 0, &ipi), 0);
	assert_int_equal(evtchn__vmm_notify(a, ipi), -XEN_EINVAL);
	assert_int_equal(evtchn__vmm_notify(a, 0), -XEN_EINVAL);
	assert_int_equal(evtchn__vmm_notify(a, 1u << 20), -XEN_EINVAL);

	/* Closing ends the binding for good: no more calls, no more events. */
	assert_int_equal(ev_close(w, va, port), 0);
	assert_int_equal(evtchn__vmm_notify(a, port), -XEN_EINVAL);
	assert_int_equal(ev_send(w, va, port), -XEN_EINVAL);
	assert_int_equal(calls.n, 1);

	/* At most EVTCHN_VMM_MAX such ports per domain; closing freed its slot. */
	unsigned bound = 0;
	while (evtchn__bind_vmm(a, vmm_cb, &calls) > 0)
		bound++;
	assert_int_equal(bound, EVTCHN_VMM_MAX);
	assert_int_equal(evtchn__bind_vmm(a, vmm_cb, &calls), -XEN_ENOSPC);
	ev_note(w, bound);
}

static void test_vmm_port(void **state)
{
	(void)state;
	ev_run_all(sc_vmm_port);
}

static void test_interdomain(void **state)
{
	(void)state;
	ev_run_all(sc_interdomain);
}

static void sc_interdomain_hostile(struct ev_world *w)
{
	struct domain *a = ev_domain(w, "a", 0, 1);
	struct domain *b = ev_domain(w, "b", 0, 1);
	struct domain *c = ev_domain(w, "c", 0, 1);
	struct hv_vcpu *va = &a->vcpus[0], *vb = &b->vcpus[0], *vc = &c->vcpus[0];
	evtchn_port_t pa, pb, ipi, p;

	assert_int_equal(ev_alloc_unbound(w, va, DOMID_SELF, b->id, &pa), 0);
	/* No such domain; a port out of range; port 0; a free port. */
	assert_int_equal(ev_bind_interdomain(w, vb, 9, pa, &p), -XEN_ESRCH);
	assert_int_equal(ev_bind_interdomain(w, vb, DOMID_IO, pa, &p), -XEN_ESRCH);
	assert_int_equal(ev_bind_interdomain(w, vb, a->id, 4096, &p), -XEN_EINVAL);
	assert_int_equal(ev_bind_interdomain(w, vb, a->id, UINT32_MAX, &p), -XEN_EINVAL);
	assert_int_equal(ev_bind_interdomain(w, vb, a->id, 0, &p), -XEN_EINVAL);
	assert_int_equal(ev_bind_interdomain(w, vb, a->id, pa + 1, &p), -XEN_EINVAL);
	/* The port is offered to b, not c. */
	assert_int_equal(ev_bind_interdomain(w, vc, a->id, pa, &p), -XEN_EINVAL);
	/* Not an unbound port. */
	assert_int_equal(ev_bind_ipi(w, va, 0, &ipi), 0);
	assert_int_equal(ev_bind_interdomain(w, vb, a->id, ipi, &p), -XEN_EINVAL);
	/* Double bind: the second finds the port connected already. */
	assert_int_equal(ev_bind_interdomain(w, vb, a->id, pa, &pb), 0);
	assert_int_equal(ev_bind_interdomain(w, vb, a->id, pa, &p), -XEN_EINVAL);
	/* Another domain's port numbers mean nothing locally. */
	assert_int_equal(ev_send(w, vc, pa), -XEN_EINVAL);
	assert_int_equal(ev_close(w, vc, pa), -XEN_EINVAL);
	assert_int_equal(ev_unmask(w, vc, 2000), -XEN_EINVAL);
	/* The failed binds took no port of b. */
	struct evtchn_status st;
	assert_int_equal(ev_status(w, vb, DOMID_SELF, pb + 1, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);

	/* An unprivileged domain works on itself only. */
	assert_int_equal(ev_alloc_unbound(w, vc, a->id, c->id, &p), -XEN_EPERM);
	assert_int_equal(ev_alloc_unbound(w, vc, 12, c->id, &p), -XEN_ESRCH);
	assert_int_equal(ev_status(w, vc, a->id, pa, &st), -XEN_EPERM);
	assert_int_equal(ev_status(w, vc, 12, pa, &st), -XEN_ESRCH);
	assert_int_equal(ev_status(w, vc, DOMID_SELF, 64, &st), -XEN_EINVAL);
	assert_int_equal(ev_status(w, vc, DOMID_SELF, UINT32_MAX, &st), -XEN_EINVAL);
	ev_note_2l(w, a);
	ev_note_2l(w, b);
}

static void test_interdomain_hostile(void **state)
{
	(void)state;
	ev_run_all(sc_interdomain_hostile);
}

static void sc_privileged(struct ev_world *w)
{
	struct domain *d0 = ev_domain(w, "dom0", DOMAIN_PRIVILEGED, 1);
	struct domain *u = ev_domain(w, "domU", 0, 1);
	struct hv_vcpu *v0 = &d0->vcpus[0], *vu = &u->vcpus[0];
	struct evtchn_status st;
	evtchn_port_t p, q;

	/* The control domain allocates a port in domU for itself (as a toolstack does for xenstore). */
	assert_int_equal(ev_alloc_unbound(w, v0, u->id, DOMID_SELF, &p), 0);
	assert_int_equal(ev_status(w, vu, DOMID_SELF, p, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, d0->id);
	assert_int_equal(ev_bind_interdomain(w, v0, u->id, p, &q), 0);
	assert_int_equal(ev_status(w, v0, u->id, p, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, d0->id);
	assert_int_equal(st.u.interdomain.port, q);
	ev_2l_clear_pending(u, p);
	assert_int_equal(ev_send(w, v0, q), 0);
	assert_true(ev_2l_pending(u, p));
	/* ... and may reset it; domU may not reset the control domain. */
	assert_int_equal(ev_reset(w, vu, d0->id, NULL), -XEN_EPERM);
	assert_int_equal(ev_reset(w, v0, u->id, NULL), 0);
	assert_int_equal(ev_status(w, v0, DOMID_SELF, q, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, u->id);
	ev_note_2l(w, u);
}

static void test_privileged(void **state)
{
	(void)state;
	ev_run_all(sc_privileged);
}

/* ---- VIRQs, IPIs, bind_vcpu ---- */

static void sc_virq(struct ev_world *w)
{
	struct domain *d = ev_domain(w, "d", 0, 2);
	struct hv_vcpu *v0 = &d->vcpus[0], *v1 = &d->vcpus[1];
	struct evtchn_status st;
	evtchn_port_t t0, t1, dbg, con, p;

	assert_int_equal(ev_bind_virq(w, v0, VIRQ_TIMER, 0, &t0), 0);
	assert_int_equal(ev_bind_virq(w, v0, VIRQ_TIMER, 1, &t1), 0); /* any vCPU may bind for another */
	assert_int_not_equal(t0, t1);
	assert_int_equal(ev_bind_virq(w, v1, VIRQ_DEBUG, 1, &dbg), 0);
	assert_int_equal(ev_bind_virq(w, v0, VIRQ_CONSOLE, 0, &con), 0);
	/* One port per (VIRQ, vCPU). */
	assert_int_equal(ev_bind_virq(w, v0, VIRQ_TIMER, 0, &p), -XEN_EEXIST);
	assert_int_equal(ev_bind_virq(w, v0, VIRQ_CONSOLE, 0, &p), -XEN_EEXIST);
	/* Global VIRQs are bound on vCPU 0; bad VIRQ numbers; bad vCPUs. */
	assert_int_equal(ev_bind_virq(w, v0, VIRQ_CONSOLE, 1, &p), -XEN_EINVAL);
	assert_int_equal(ev_bind_virq(w, v0, NR_VIRQS, 0, &p), -XEN_EINVAL);
	assert_int_equal(ev_bind_virq(w, v0, UINT32_MAX, 0, &p), -XEN_EINVAL);
	assert_int_equal(ev_bind_virq(w, v0, VIRQ_DEBUG, 2, &p), -XEN_ENOENT);
	assert_int_equal(ev_bind_virq(w, v0, VIRQ_DEBUG, UINT32_MAX, &p), -XEN_ENOENT);

	assert_int_equal(ev_status(w, v0, DOMID_SELF, t1, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_virq);
	assert_int_equal(st.vcpu, 1);
	assert_int_equal(st.u.virq, VIRQ_TIMER);

	/* The timer VIRQ of vCPU 1 reaches vCPU 1 only. */
	unsigned k1 = ev_kicks(w->h, v1);
	assert_int_equal(evtchn__raise_virq(v1, VIRQ_TIMER), 0);
	assert_true(ev_2l_pending(d, t1));
	assert_false(ev_2l_pending(d, t0));
	assert_int_equal(ev_vcpu_info(w->h, v1)->evtchn_upcall_pending, 1);
	assert_int_equal(ev_vcpu_info(w->h, v0)->evtchn_upcall_pending, 0);
	assert_int_equal(ev_kicks(w->h, v1), k1 + 1);
	assert_true(evtchn__port_pending(d, t1));
	assert_false(evtchn__port_pending(d, t0));
	ev_note_2l(w, d);
	/* VIRQ_DEBUG of vCPU 0 is not bound: nothing happens. */
	assert_int_equal(evtchn__raise_virq(v0, VIRQ_DEBUG), 0);
	assert_int_equal(evtchn__raise_virq(v1, VIRQ_DEBUG), 0);
	assert_true(ev_2l_pending(d, dbg));
	assert_int_equal(evtchn__raise_virq(v0, NR_VIRQS), -XEN_EINVAL);

	/* A global VIRQ raised through any vCPU goes to vCPU 0, or where bind_vcpu moved it. */
	assert_int_equal(evtchn__raise_virq(v1, VIRQ_CONSOLE), 0);
	assert_true(ev_2l_pending(d, con));
	assert_int_equal(ev_vcpu_info(w->h, v0)->evtchn_upcall_pending, 1);
	ev_2l_clear_pending(d, con);
	ev_ack_upcall(w->h, v0);
	ev_ack_upcall(w->h, v1);
	assert_int_equal(ev_bind_vcpu(w, v0, con, 1), 0);
	assert_int_equal(evtchn__raise_virq(v0, VIRQ_CONSOLE), 0);
	assert_int_equal(ev_vcpu_info(w->h, v1)->evtchn_upcall_pending, 1);
	assert_int_equal(ev_vcpu_info(w->h, v0)->evtchn_upcall_pending, 0);
	/* Per-vCPU VIRQs stay where they were bound. */
	assert_int_equal(ev_bind_vcpu(w, v0, t0, 1), -XEN_EINVAL);
	ev_note_2l(w, d);

	/* Close frees the VIRQ for a new binding; sending on a VIRQ port is refused. */
	assert_int_equal(ev_send(w, v0, t0), -XEN_EINVAL);
	assert_int_equal(ev_close(w, v0, t0), 0);
	assert_int_equal(evtchn__raise_virq(v0, VIRQ_TIMER), 0);
	assert_false(ev_2l_pending(d, t0));
	assert_int_equal(ev_bind_virq(w, v0, VIRQ_TIMER, 0, &p), 0);
	assert_int_equal(p, t0);
	assert_int_equal(ev_close(w, v0, con), 0);
	assert_int_equal(ev_bind_virq(w, v0, VIRQ_CONSOLE, 0, &p), 0);
	ev_note_2l(w, d);
}

static void test_virq(void **state)
{
	(void)state;
	ev_run_all(sc_virq);
}

static void sc_ipi_bind_vcpu(struct ev_world *w)
{
	struct domain *d = ev_domain(w, "d", 0, 3);
	struct hv_vcpu *v0 = &d->vcpus[0], *v2 = &d->vcpus[2];
	struct evtchn_status st;
	evtchn_port_t ipi, u, p;

	assert_int_equal(ev_bind_ipi(w, v0, 2, &ipi), 0);
	assert_int_equal(ev_bind_ipi(w, v0, 3, &p), -XEN_ENOENT);
	assert_int_equal(ev_bind_ipi(w, v0, UINT32_MAX, &p), -XEN_ENOENT);
	assert_int_equal(ev_status(w, v0, DOMID_SELF, ipi, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_ipi);
	assert_int_equal(st.vcpu, 2);

	/* Any vCPU signals it; vCPU 2 gets it. */
	assert_int_equal(ev_send(w, v0, ipi), 0);
	assert_true(ev_2l_pending(d, ipi));
	assert_int_equal(ev_vcpu_info(w->h, v2)->evtchn_upcall_pending, 1);
	assert_int_equal(ev_vcpu_info(w->h, v2)->evtchn_pending_sel, 1ul << (ipi / 64));
	assert_int_equal(ev_vcpu_info(w->h, v0)->evtchn_upcall_pending, 0);
	assert_int_equal(ev_kicks(w->h, v2), 1);
	/* Pending already: no second upcall or kick. */
	assert_int_equal(ev_send(w, v2, ipi), 0);
	assert_int_equal(ev_kicks(w->h, v2), 1);
	ev_note_2l(w, d);

	/* bind_vcpu: IPIs cannot move; unbound ports can; bad vCPU, bad or free port. */
	assert_int_equal(ev_bind_vcpu(w, v0, ipi, 0), -XEN_EINVAL);
	assert_int_equal(ev_alloc_unbound(w, v0, DOMID_SELF, DOMID_SELF, &u), 0);
	assert_int_equal(ev_bind_vcpu(w, v0, u, 2), 0);
	assert_int_equal(ev_status(w, v0, DOMID_SELF, u, &st), 0);
	assert_int_equal(st.vcpu, 2);
	assert_int_equal(ev_bind_vcpu(w, v0, u, 3), -XEN_ENOENT);
	assert_int_equal(ev_bind_vcpu(w, v0, 4096, 3), -XEN_ENOENT); /* the vCPU is checked first */
	assert_int_equal(ev_bind_vcpu(w, v0, 4096, 1), -XEN_EINVAL);
	assert_int_equal(ev_bind_vcpu(w, v0, u + 1, 1), -XEN_EINVAL);
	assert_int_equal(ev_bind_vcpu(w, v0, 0, 1), -XEN_EINVAL);
	/* A reused port notifies vCPU 0 again. */
	assert_int_equal(ev_close(w, v0, u), 0);
	assert_int_equal(ev_alloc_unbound(w, v0, DOMID_SELF, DOMID_SELF, &p), 0);
	assert_int_equal(p, u);
	assert_int_equal(ev_status(w, v0, DOMID_SELF, p, &st), 0);
	assert_int_equal(st.vcpu, 0);

	/* Send: out of range, free, port 0. */
	assert_int_equal(ev_send(w, v0, 4096), -XEN_EINVAL);
	assert_int_equal(ev_send(w, v0, 63), -XEN_EINVAL);
	assert_int_equal(ev_send(w, v0, 0), -XEN_EINVAL);
	ev_note_2l(w, d);
}

static void test_ipi_bind_vcpu(void **state)
{
	(void)state;
	ev_run_all(sc_ipi_bind_vcpu);
}

static void sc_pirq(struct ev_world *w)
{
	struct domain *d = ev_domain(w, "d", 0, 1);
	struct domain *d0 = ev_domain(w, "dom0", DOMAIN_PRIVILEGED, 1);
	struct evtchn_bind_pirq a = { .pirq = 5, .flags = BIND_PIRQ__WILL_SHARE };

	/* Nobody here owns physical IRQs: Xen's answer for a pIRQ the domain may not use. */
	assert_int_equal(ev_op(w, &d->vcpus[0], EVTCHNOP_bind_pirq, &a), -XEN_EPERM);
	a.flags = 0;
	assert_int_equal(ev_op(w, &d0->vcpus[0], EVTCHNOP_bind_pirq, &a), -XEN_EPERM);
	a.pirq = EVTCHN_NR_PIRQS;
	assert_int_equal(ev_op(w, &d->vcpus[0], EVTCHNOP_bind_pirq, &a), -XEN_EINVAL);
	a.pirq = UINT32_MAX;
	assert_int_equal(ev_op(w, &d->vcpus[0], EVTCHNOP_bind_pirq, &a), -XEN_EINVAL);
	/* No port was taken. */
	evtchn_port_t p;
	assert_int_equal(ev_bind_ipi(w, &d->vcpus[0], 0, &p), 0);
	assert_int_equal(p, 1);
}

static void test_pirq(void **state)
{
	(void)state;
	ev_run_all(sc_pirq);
}

/* ---- reset ---- */

static void sc_reset(struct ev_world *w)
{
	struct domain *a = ev_domain(w, "a", 0, 2);
	struct domain *b = ev_domain(w, "b", 0, 1);
	struct hv_vcpu *va = &a->vcpus[0], *vb = &b->vcpus[0];
	struct evtchn_status st;
	evtchn_port_t p, pa, pb, t;

	/* 200 ports: 4 buckets of 64 valid ports, so the reset takes 4 calls. */
	assert_int_equal(ev_alloc_unbound(w, vb, DOMID_SELF, a->id, &pb), 0);
	assert_int_equal(ev_bind_interdomain(w, va, b->id, pb, &pa), 0);
	assert_int_equal(ev_bind_virq(w, va, VIRQ_TIMER, 1, &t), 0);
	for (unsigned i = 0; i < 197; i++)
		assert_int_equal(ev_bind_ipi(w, va, i % 2, &p), 0);
	assert_int_equal(p, 199);
	ev_note(w, a->evtchn->valid_ports);

	/* One step closes at most EVTCHN_RESET_BATCH ports and asks to continue. */
	struct evtchn_reset r = { .dom = DOMID_SELF };
	bool restart;
	assert_int_equal(ev_op_once(w, va, EVTCHNOP_reset, &r, &restart), -FASTABI_ERESTART);
	assert_true(restart);
	assert_int_equal(ev_status(w, va, DOMID_SELF, 64, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(ev_status(w, va, DOMID_SELF, 65, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_ipi);
	/* The peer already saw its end unbound. */
	assert_int_equal(ev_status(w, vb, DOMID_SELF, pb, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	/*
	 * Re-executing continues where it stopped; nothing is done twice or
	 * lost. Legacy continues as EVTCHNOP_reset_cont, as Xen does.
	 */
	assert_int_equal(w->cont_op, w->abi == ABI_FAST ? EVTCHNOP_reset : EVTCHNOP_reset_cont);
	unsigned restarts;
	assert_int_equal(ev_op_loop(w, va, w->cont_op, &r, &restarts), 0);
	assert_int_equal(restarts, 2);
	for (evtchn_port_t q = 0; q < 256; q++) {
		assert_int_equal(ev_status(w, va, DOMID_SELF, q, &st), 0);
		assert_int_equal(st.status, EVTCHNSTAT_closed);
	}
	assert_int_equal(evtchn__raise_virq(&a->vcpus[1], VIRQ_TIMER), 0);
	/* Everything can be bound again; the next reset starts from the beginning. */
	assert_int_equal(ev_bind_virq(w, va, VIRQ_TIMER, 1, &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(ev_reset(w, va, a->id, &restarts), 0);
	assert_int_equal(restarts, 3);
	assert_int_equal(ev_status(w, va, DOMID_SELF, 1, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);

	/* Other domains: not permitted, or not there. */
	assert_int_equal(ev_reset(w, va, b->id, NULL), -XEN_EPERM);
	assert_int_equal(ev_reset(w, va, 7, NULL), -XEN_ESRCH);
	assert_int_equal(ev_reset(w, va, DOMID_IDLE, NULL), -XEN_ESRCH);
	ev_note_2l(w, a);
	ev_note_2l(w, b);
}

static void test_reset(void **state)
{
	(void)state;
	ev_run_all(sc_reset);
}

/*
 * Legacy only (Xen's evtchn_reset): a reset in progress refuses a new
 * EVTCHNOP_reset, EVTCHNOP_reset_cont with none in progress is -EBUSY, and
 * reset_cont reads its struct and names its domain like reset.
 */
static void test_reset_cont(void **state)
{
	(void)state;
	HARNESS_LEGACY_ABIS(abi) {
		struct ev_world *w = ev_world_new(abi);
		struct domain *a = ev_domain(w, "a", 0, 1);
		struct hv_vcpu *v = &a->vcpus[0];
		struct evtchn_reset r = { .dom = DOMID_SELF };
		evtchn_port_t p;
		bool restart;

		assert_int_equal(ev_op(w, v, EVTCHNOP_reset_cont, &r), -XEN_EBUSY);
		for (unsigned i = 0; i < 100; i++)
			assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
		assert_int_equal(ev_op_once(w, v, EVTCHNOP_reset, &r, &restart), -FASTABI_ERESTART);
		assert_int_equal(w->cont_op, EVTCHNOP_reset_cont);
		assert_int_equal(ev_op(w, v, EVTCHNOP_reset, &r), -XEN_EBUSY);
		assert_int_equal(hcall_leg(abi, v, __HYPERVISOR_event_channel_op, EVTCHNOP_reset_cont,
					   abi == ABI_LEG64 ? 0x10 : 0xfff00000),
				 -XEN_EFAULT);
		r.dom = 9;
		assert_int_equal(ev_op(w, v, EVTCHNOP_reset_cont, &r), -XEN_ESRCH);
		r.dom = DOMID_SELF;
		unsigned restarts;
		assert_int_equal(ev_op_loop(w, v, EVTCHNOP_reset_cont, &r, &restarts), 0);
		assert_int_equal(restarts, 0);
		assert_int_equal(ev_op(w, v, EVTCHNOP_reset_cont, &r), -XEN_EBUSY);
		assert_int_equal(ev_op_loop(w, v, EVTCHNOP_reset, &r, &restarts), 0);
		assert_int_equal(restarts, 1);
		ev_world_free(w);
	}
	/* Not a FastABI operation. */
	struct ev_world *w = ev_world_new(ABI_FAST);
	struct domain *a = ev_domain(w, "a", 0, 1);
	assert_int_equal(hfast(&a->vcpus[0], __HYPERVISOR_event_channel_op, EVTCHNOP_reset_cont,
			       DOMID_SELF),
			 -XEN_ENOSYS);
	ev_world_free(w);
}

/* ---- limits ---- */

static void sc_port_limit(struct ev_world *w)
{
	const struct domain_config small = { .name = "small", .nr_vcpus = 1, .max_evtchn_ports = 8 };
	struct domain *d = ev_domain_cfg(w, &small);
	struct hv_vcpu *v = &d->vcpus[0];
	struct evtchn_status st;
	evtchn_port_t p;

	for (unsigned i = 1; i < 8; i++) {
		assert_int_equal(ev_bind_ipi(w, v, 0, &p), 0);
		assert_int_equal(p, i);
	}
	assert_int_equal(ev_bind_ipi(w, v, 0, &p), -XEN_ENOSPC);
	assert_int_equal(ev_alloc_unbound(w, v, DOMID_SELF, DOMID_SELF, &p), -XEN_ENOSPC);
	assert_int_equal(ev_bind_virq(w, v, VIRQ_TIMER, 0, &p), -XEN_ENOSPC);
	assert_int_equal(ev_status(w, v, DOMID_SELF, 7, &st), 0);
	assert_int_equal(ev_status(w, v, DOMID_SELF, 8, &st), -XEN_EINVAL);
	assert_int_equal(ev_close(w, v, 4), 0);
	assert_int_equal(ev_bind_virq(w, v, VIRQ_TIMER, 0, &p), 0);
	assert_int_equal(p, 4);

	/* A peer that is full cannot bind. */
	struct domain *o = ev_domain(w, "other", 0, 1);
	evtchn_port_t po;
	assert_int_equal(ev_alloc_unbound(w, &o->vcpus[0], DOMID_SELF, d->id, &po), 0);
	assert_int_equal(ev_bind_interdomain(w, v, o->id, po, &p), -XEN_ENOSPC);
}

static void test_port_limit(void **state)
{
	(void)state;
	ev_run_all(sc_port_limit);
}

/* The 2-level ABI addresses 4096 ports whatever the configuration allows. */
static void test_2l_limit(void **state)
{
	(void)state;
	struct ev_world *w = ev_world_new(ABI_FAST);
	const struct domain_config big = { .name = "big", .nr_vcpus = 1, .max_evtchn_ports = 100000 };
	struct domain *d = ev_domain_cfg(w, &big);
	struct domain *dflt = ev_domain(w, "default", 0, 1);
	evtchn_port_t p = 0;

	for (unsigned i = 1; i < EVTCHN_2L_NR_CHANNELS; i++)
		assert_int_equal(ev_bind_ipi(w, &d->vcpus[0], 0, &p), 0);
	assert_int_equal(p, EVTCHN_2L_NR_CHANNELS - 1);
	assert_int_equal(ev_bind_ipi(w, &d->vcpus[0], 0, &p), -XEN_ENOSPC);
	assert_int_equal(ev_send(w, &d->vcpus[0], EVTCHN_2L_NR_CHANNELS - 1), 0);
	assert_true(ev_2l_pending(d, EVTCHN_2L_NR_CHANNELS - 1));
	assert_int_equal(ev_vcpu_info(w->h, &d->vcpus[0])->evtchn_pending_sel, 1ul << 63);

	/* Configured limits are clamped: at least one usable port, at most the FIFO ABI's. */
	const struct domain_config tiny = { .name = "tiny", .nr_vcpus = 1, .max_evtchn_ports = 1 };
	const struct domain_config huge = { .name = "huge", .nr_vcpus = 1,
					    .max_evtchn_ports = 1u << 30 };
	struct domain *t = ev_domain_cfg(w, &tiny);
	assert_int_equal(ev_bind_ipi(w, &t->vcpus[0], 0, &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(ev_bind_ipi(w, &t->vcpus[0], 0, &p), -XEN_ENOSPC);
	struct domain *hg = ev_domain_cfg(w, &huge);
	assert_int_equal(hg->evtchn->max_ports, EVTCHN_FIFO_NR_CHANNELS);
	assert_int_equal(evtchn__nr_ports(hg), EVTCHN_2L_NR_CHANNELS);

	/* The default is 1024 ports. */
	for (unsigned i = 1; i < EVTCHN_DEFAULT_MAX_PORTS; i++)
		assert_int_equal(ev_bind_ipi(w, &dflt->vcpus[0], 0, &p), 0);
	assert_int_equal(ev_bind_ipi(w, &dflt->vcpus[0], 0, &p), -XEN_ENOSPC);
	ev_world_free(w);
}

/* Destroying a domain leaves its peers' ports unbound. */
static void sc_destroy_peer(struct ev_world *w)
{
	struct domain *a = ev_domain(w, "a", 0, 1);
	struct domain *b = ev_domain(w, "b", 0, 1);
	struct evtchn_status st;
	evtchn_port_t pa, pb;
	domid_t bid = b->id;

	assert_int_equal(ev_alloc_unbound(w, &a->vcpus[0], DOMID_SELF, b->id, &pa), 0);
	assert_int_equal(ev_bind_interdomain(w, &b->vcpus[0], a->id, pa, &pb), 0);
	domain__destroy(b);
	assert_int_equal(ev_status(w, &a->vcpus[0], DOMID_SELF, pa, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, bid);
	assert_int_equal(ev_send(w, &a->vcpus[0], pa), 0);
	/* A new domain with the same id can connect. */
	struct domain *c = ev_domain(w, "c", 0, 1);
	assert_int_equal(c->id, bid);
	assert_int_equal(ev_bind_interdomain(w, &c->vcpus[0], a->id, pa, &pb), 0);
	assert_int_equal(ev_send(w, &a->vcpus[0], pa), 0);
	assert_true(ev_2l_pending(c, pb));
}

static void test_destroy_peer(void **state)
{
	(void)state;
	ev_run_all(sc_destroy_peer);
}

/*
 * Killing a domain (it stopped for good; it stays in the world, id taken):
 * its peers' ports become unbound, it has no channels left, and a bind to
 * it fails; the peer's port stays reserved for its id.
 */
static void sc_kill_peer(struct ev_world *w)
{
	struct domain *a = ev_domain(w, "a", 0, 1);
	struct domain *b = ev_domain(w, "b", 0, 1);
	struct evtchn_status st;
	evtchn_port_t pa, pa2, pb;

	assert_int_equal(ev_alloc_unbound(w, &a->vcpus[0], DOMID_SELF, b->id, &pa), 0);
	assert_int_equal(ev_bind_interdomain(w, &b->vcpus[0], a->id, pa, &pb), 0);
	assert_int_equal(ev_alloc_unbound(w, &b->vcpus[0], DOMID_SELF, a->id, &pb), 0);
	domain__kill(b);
	assert_ptr_equal(domain__by_id(b->hv, b->id), b);
	assert_null(b->evtchn);
	assert_int_equal(ev_status(w, &a->vcpus[0], DOMID_SELF, pa, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, b->id);
	assert_int_equal(ev_send(w, &a->vcpus[0], pa), 0);
	assert_int_not_equal(ev_bind_interdomain(w, &a->vcpus[0], b->id, pb, &pa2), 0);
	domain__kill(b); /* twice: nothing left to do */
}

static void test_kill_peer(void **state)
{
	(void)state;
	ev_run_all(sc_kill_peer);
}

/* ---- what only one ABI can get wrong ---- */

/* FastABI: a register wider than its field is refused before the core runs. */
static void test_fast_registers(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "d", DOMAIN_FASTABI, 1, 4);
	struct hv_vcpu *v = &d->vcpus[0];
	struct harness_result res;

	int64_t ret = hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi,
				1ull << 32);
	assert_int_equal(ret, -XEN_EINVAL);
	assert_int_equal(res.bad_reg, 2);
	ret = hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
			0x10000 | DOMID_SELF, 0);
	assert_int_equal(ret, -XEN_EINVAL);
	assert_int_equal(res.bad_reg, 2);
	ret = hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_init_control, 0,
			1ull << 32, 0);
	assert_int_equal(ret, -XEN_EINVAL);
	assert_int_equal(res.bad_reg, 3);
	/* Nothing was allocated by the refused calls. */
	assert_int_equal(hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, 0), 0);
	assert_int_equal(harness__reg(&res.regs, 4), 1);
	/* A sub-op beyond the last, and Xen's internal reset_cont. */
	assert_int_equal(hfast(v, __HYPERVISOR_event_channel_op, 14, 0), -XEN_ENOSYS);
	assert_int_equal(hfast(v, __HYPERVISOR_event_channel_op, 1ull << 32, 0), -XEN_ENOSYS);
	harness__free(h);
}

/* Legacy: bad pointers, page-crossing structs, read-only structs, unknown commands. */
static void test_legacy_pointers(void **state)
{
	(void)state;
	for (int mode64 = 0; mode64 < 2; mode64++) {
		struct harness *h = harness__new();
		struct domain *d = harness__domain(h, "d", 0, 1, 4);
		struct hv_vcpu *v = &d->vcpus[0];
		uint64_t va;
		int64_t (*leg)(struct hv_vcpu *, bool, uint64_t, const uint64_t *,
			       struct harness_result *) = harness__legacy;
#define LEG(op, ptr) leg(v, mode64, __HYPERVISOR_event_channel_op, \
			 (const uint64_t[LEGACY_NR_ARGS]){ (op), (ptr) }, NULL)

		/* Page 0 is unmapped (64-bit); beyond RAM is unmapped in both modes. */
		if (mode64)
			assert_int_equal(LEG(EVTCHNOP_bind_ipi, 0x10), -XEN_EFAULT);
		assert_int_equal(LEG(EVTCHNOP_bind_ipi, 0x7ff00000), -XEN_EFAULT);
		/* A struct across a page boundary is fine. */
		/* (Unaligned on purpose: the test reads and writes it with memcpy.) */
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
		void *cross = harness__alloc_cross(h, d, sizeof(au), 3, &va);
		memcpy(cross, &au, sizeof(au));
		assert_int_equal(LEG(EVTCHNOP_alloc_unbound, va), 0);
		memcpy(&au, cross, sizeof(au));
		assert_int_equal(au.port, 1);
		assert_int_equal(au.dom, DOMID_SELF);
		assert_int_equal(au.remote_dom, DOMID_SELF);
		/*
		 * Unknown commands. Xen's continuation number (reset_cont, 14) is a
		 * command like the others (test_reset_cont): with no reset in
		 * progress, -EBUSY.
		 */
		struct evtchn_send *s = harness__alloc(h, d, sizeof(*s), &va);
		assert_int_equal(LEG(EVTCHNOP_reset_cont, va), -XEN_EBUSY);
		assert_int_equal(LEG(1000, va), -XEN_ENOSYS);
		assert_int_equal(LEG(UINT32_MAX, va), -XEN_ENOSYS);
		if (mode64) {
			/* The second page of a crossing struct unmapped: nothing happens. */
			cross = harness__alloc_cross(h, d, sizeof(au), 4, &va);
			memcpy(cross, &au, sizeof(au));
			uint64_t *pte = harness__pte(h, d, (va + 4) & ~(PAGE_SIZE - 1));
			uint64_t saved = *pte;
			*pte = 0;
			assert_int_equal(LEG(EVTCHNOP_alloc_unbound, va), -XEN_EFAULT);
			*pte = saved;
			/* A read-only struct: read, done, but the result cannot be written (as Xen). */
			struct evtchn_bind_ipi *bi = harness__alloc_page(h, d, &va);
			pte = harness__pte(h, d, va);
			*pte &= ~2ull; /* clear R/W */
			assert_int_equal(LEG(EVTCHNOP_bind_ipi, va), -XEN_EFAULT);
			assert_int_equal(bi->port, 0);
			*pte |= 2ull;
			struct evtchn_status st = { .dom = DOMID_SELF, .port = 2 };
			struct evtchn_status *stp = harness__alloc(h, d, sizeof(st), &va);
			*stp = st;
			assert_int_equal(LEG(EVTCHNOP_status, va), 0);
			assert_int_equal(stp->status, EVTCHNSTAT_ipi);
		}
#undef LEG
		harness__free(h);
	}
}

/*
 * Confidential mode: FastABI needs no guest memory for any sub-op and
 * works; legacy structs in private memory are refused (-EACCES), counted,
 * and change nothing.
 */
static void test_confidential(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "c", DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL, 2, 4);
	struct domain *o = harness__domain(h, "o", DOMAIN_FASTABI, 1, 4);
	struct hv_vcpu *v = &d->vcpus[0];
	struct harness_result res;

	int64_t ret = hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
				DOMID_SELF, o->id);
	assert_int_equal(ret, 0);
	evtchn_port_t pc = (evtchn_port_t)harness__reg(&res.regs, 4);
	ret = hfast_res(&res, &o->vcpus[0], __HYPERVISOR_event_channel_op,
			EVTCHNOP_bind_interdomain, d->id, pc);
	assert_int_equal(ret, 0);
	evtchn_port_t po = (evtchn_port_t)harness__reg(&res.regs, 4);
	assert_int_equal(hfast(&o->vcpus[0], __HYPERVISOR_event_channel_op, EVTCHNOP_send, po), 0);
	/* 2-level delivery through shared_info, the core's own page. */
	assert_true(ev_2l_pending(d, pc));
	assert_int_equal(d->shared_info->vcpu_info[0].evtchn_upcall_pending, 1);
	assert_int_equal(guestmem__refused(&d->mem), 0);
	ret = hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_status, DOMID_SELF, pc);
	assert_int_equal(ret, 0);
	assert_int_equal(harness__reg(&res.regs, 4), EVTCHNSTAT_interdomain);
	assert_int_equal(harness__reg(&res.regs, 6), o->id);
	assert_int_equal(harness__reg(&res.regs, 7), po);

	/* Legacy: the page tables and the struct are private. */
	uint64_t va;
	struct evtchn_bind_ipi *bi = harness__alloc(h, d, sizeof(*bi), &va);
	for (int mode64 = 0; mode64 < 2; mode64++) {
		uint64_t before = guestmem__refused(&d->mem);
		ret = harness__legacy(v, mode64, __HYPERVISOR_event_channel_op,
				      (const uint64_t[LEGACY_NR_ARGS]){ EVTCHNOP_bind_ipi, va }, &res);
		assert_int_equal(ret, -XEN_EACCES);
		assert_int_equal(guestmem__refused(&d->mem), before + 1);
		assert_int_equal(bi->port, 0);
	}
	/* No port was taken by the refused calls. */
	ret = hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, 1);
	assert_int_equal(ret, 0);
	assert_int_equal(harness__reg(&res.regs, 4), pc + 1);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unbound_status_close),
		cmocka_unit_test(test_interdomain),
		cmocka_unit_test(test_vmm_port),
		cmocka_unit_test(test_interdomain_hostile),
		cmocka_unit_test(test_privileged),
		cmocka_unit_test(test_virq),
		cmocka_unit_test(test_ipi_bind_vcpu),
		cmocka_unit_test(test_pirq),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_reset_cont),
		cmocka_unit_test(test_port_limit),
		cmocka_unit_test(test_2l_limit),
		cmocka_unit_test(test_destroy_peer),
		cmocka_unit_test(test_kill_peer),
		cmocka_unit_test(test_fast_registers),
		cmocka_unit_test(test_legacy_pointers),
		cmocka_unit_test(test_confidential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
