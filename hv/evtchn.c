/*
 * Event channels: the ports of each domain, their bindings (unbound,
 * inter-domain, VIRQ, IPI; pIRQ only as a refusal), and one core function
 * per EVTCHNOP that both ABIs call. Delivery is delegated to the domain's
 * port operations (2-level or FIFO). Everything runs under the domain's
 * lock; an inter-domain port's peer is reached only by a call that holds
 * both domains' locks (hypercall.c).
 * See docs/hv-evtchn.md.
 */
#include <stdint.h>

#include "fastabi_hv.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <xen/errno.h>

#include "evtchn.h"
#include "lock.h"
#include "hv.h"

/* ---- ports ---- */

unsigned evtchn__nr_ports(struct domain *d)
{
	struct evtchn_domain *ed = d->evtchn;
	return ed->max_ports < ed->ops->nr_ports ? ed->max_ports : ed->ops->nr_ports;
}

static bool vcpu_exists(struct domain *d, uint32_t id)
{
	return id < d->nr_vcpus;
}

struct hv_vcpu *evtchn__notify_vcpu(struct domain *d, evtchn_port_t port)
{
	unsigned id = evtchn__port(d, port)->notify_vcpu;
	return &d->vcpus[vcpu_exists(d, id) ? id : 0];
}

/* Per-vCPU VIRQs (xen.h marks them "V."); all others are global. */
static bool virq_is_global(uint32_t virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return false;
	default:
		return true;
	}
}

/* The lowest free port below the domain's limit, or 0 if none. Not yet taken. */
static evtchn_port_t find_free_port(struct domain *d)
{
	struct evtchn_domain *ed = d->evtchn;
	unsigned n = evtchn__nr_ports(d);

	for (evtchn_port_t p = ed->free_hint; p < n; p++) {
		if (ed->port[p].state == EVTCHN_FREE)
			return p;
		ed->free_hint = p + 1;
	}
	return 0;
}

/* Port p (from find_free_port) takes state 'state', notifying vCPU 0. */
static struct evtchn *take_port(struct domain *d, evtchn_port_t p, enum evtchn_state state)
{
	struct evtchn_domain *ed = d->evtchn;
	struct evtchn *chn = &ed->port[p];

	memset(chn, 0, sizeof(*chn));
	chn->state = (uint8_t)state;
	if (p == ed->free_hint)
		ed->free_hint = p + 1;
	chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
	chn->last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
	if (p >= ed->valid_ports) {
		unsigned v = (p / EVTCHN_BUCKET + 1) * EVTCHN_BUCKET;
		ed->valid_ports = v < ed->max_ports ? v : ed->max_ports;
	}
	if (ed->ops->bound)
		ed->ops->bound(d, p);
	return chn;
}

/* Port p of d goes back to free; the pending event goes with it. */
static void free_port(struct domain *d, evtchn_port_t p)
{
	struct evtchn *chn = evtchn__port(d, p);

	d->evtchn->ops->clear_pending(d, p);
	memset(chn, 0, sizeof(*chn));
	chn->state = EVTCHN_FREE;
	chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
	chn->last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
	if (p < d->evtchn->free_hint)
		d->evtchn->free_hint = p;
}

/* A domain by id, for the links between bound ports (no DOMID_SELF). */
static struct domain *domain_by_id(struct hv *hv, domid_t id)
{
	return domain__by_id(hv, id);
}

/* Close (d, port): the binding ends; an inter-domain peer becomes unbound. */
static int close_port(struct domain *d, evtchn_port_t port)
{
	if (!evtchn__port_valid(d, port))
		return -XEN_EINVAL;
	struct evtchn *chn = evtchn__port(d, port);

	switch (chn->state) {
	case EVTCHN_FREE:
	case EVTCHN_RESERVED:
		return -XEN_EINVAL;
	case EVTCHN_UNBOUND:
	case EVTCHN_IPI:
	case EVTCHN_PIRQ:
		break;
	case EVTCHN_VMM:
		/* The VMM's end goes with it: later sends cannot reach the callback. */
		if (chn->u.vmm < EVTCHN_VMM_MAX)
			d->evtchn->vmm[chn->u.vmm] = (struct evtchn_vmm_slot){ 0 };
		break;
	case EVTCHN_VIRQ:
		for (unsigned i = 0; i < d->nr_vcpus; i++)
			if (d->evtchn->vcpu[i].virq_to_port[chn->u.virq] == port)
				d->evtchn->vcpu[i].virq_to_port[chn->u.virq] = 0;
		break;
	case EVTCHN_INTERDOMAIN: {
		struct domain *rd = domain_by_id(d->hv, chn->u.interdomain.dom);
		evtchn_port_t rp = chn->u.interdomain.port;
		if (rd && rd->evtchn && evtchn__port_valid(rd, rp)) {
			struct evtchn *rchn = evtchn__port(rd, rp);
			if (rchn->state == EVTCHN_INTERDOMAIN && rchn->u.interdomain.dom == d->id &&
			    rchn->u.interdomain.port == port) {
				rchn->state = EVTCHN_UNBOUND;
				memset(&rchn->u, 0, sizeof(rchn->u));
				rchn->u.unbound_dom = d->id;
			}
		}
		break;
	}
	}
	free_port(d, port);
	return 0;
}

/* ---- delivery, common to both ABIs ---- */

void evtchn__set_pending(struct domain *d, evtchn_port_t port)
{
	d->evtchn->ops->set_pending(d, evtchn__notify_vcpu(d, port), port);
}

void *evtchn__guest_ptr(struct domain *d, gpa_t a, size_t len)
{
	uint8_t probe;

	if (len == 0 || a.v + len < a.v)
		return NULL;
	/* One page: the caller's structure never straddles a page. */
	if (gfn_val(gfn_of(a)) != gfn_val(gfn_of(gpa(a.v + len - 1))))
		return NULL;
	const struct guestmem_region *r = guestmem__lookup(&d->mem, a);
	if (!r || r->kind != GUESTMEM_RAM)
		return NULL;
	/* Mapped and, in confidential mode, shared (a refusal is counted). */
	if (guestmem__read(&d->mem, a, &probe, 1))
		return NULL;
	return r->host + (a.v - r->start);
}

uint8_t *evtchn__vcpu_info(struct hv_vcpu *v)
{
	if (v->vcpu_info_registered)
		return evtchn__guest_ptr(v->d, v->vcpu_info_gpa, sizeof(struct vcpu_info));
	if (v->id >= XEN_LEGACY_MAX_VCPUS || !v->d->shared_info)
		return NULL;
	return (uint8_t *)&v->d->shared_info->vcpu_info[v->id];
}

void evtchn__mark_upcall(struct hv_vcpu *v, evtchn_port_t port)
{
	uint8_t *vi = evtchn__vcpu_info(v);

	if (!vi)
		return; /* the guest hid its vcpu_info from us: no upcall it could see */
	if (__atomic_exchange_n(vi + offsetof(struct vcpu_info, evtchn_upcall_pending), 1,
				__ATOMIC_SEQ_CST))
		return;
	(void)port;
	sched__upcall_raised(v);
}

void evtchn__check_pollers(struct domain *d, evtchn_port_t port)
{
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i].polling)
			sched__wake(&d->vcpus[i], port);
}

/* ---- what other families use (hv.h) ---- */

int evtchn__domain_init(struct domain *d)
{
	struct evtchn_domain *ed = calloc(1, sizeof(*ed));
	unsigned max = d->config.max_evtchn_ports;

	if (!ed)
		return -XEN_ENOMEM;
	if (max == 0)
		max = EVTCHN_DEFAULT_MAX_PORTS;
	if (max > EVTCHN_MAX_PORTS)
		max = EVTCHN_MAX_PORTS;
	if (max < 2)
		max = 2; /* port 0 is reserved: at least one usable port */
	ed->port = calloc(max, sizeof(*ed->port));
	if (!ed->port) {
		free(ed);
		return -XEN_ENOMEM;
	}
	ed->max_ports = max;
	ed->valid_ports = EVTCHN_BUCKET < max ? EVTCHN_BUCKET : max;
	ed->ops = &evtchn_2l_ops;
	for (unsigned p = 0; p < max; p++) {
		ed->port[p].priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		ed->port[p].last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
	}
	ed->port[0].state = EVTCHN_RESERVED;
	ed->free_hint = 1;
	d->evtchn = ed;
	for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
		d->vcpus[i].evtchn = &ed->vcpu[i];
	return 0;
}

void evtchn__domain_destroy(struct domain *d)
{
	struct evtchn_domain *ed = d->evtchn;

	if (!ed)
		return;
	/* Peers of our inter-domain ports become unbound, as on close. */
	for (evtchn_port_t p = 1; p < ed->valid_ports; p++)
		if (ed->port[p].state != EVTCHN_FREE)
			close_port(d, p);
	evtchn_fifo__destroy(d);
	for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
		d->vcpus[i].evtchn = NULL;
	free(ed->port);
	free(ed);
	d->evtchn = NULL;
}

/*
 * The entry points below are also the VMM's (VIRQ_DEBUG on a debug key,
 * VIRQ_CONSOLE on input, its own ports), so they take the domain's lock;
 * the _locked forms are for callers inside the core that hold it.
 */
int evtchn__raise_virq_locked(struct hv_vcpu *v, unsigned virq)
{
	struct domain *d = v->d;

	if (virq >= NR_VIRQS)
		return -XEN_EINVAL;
	if (d->evtchn) {
		/* A global VIRQ is bound on vCPU 0 and notifies whichever vCPU it was moved to. */
		unsigned on = virq_is_global(virq) ? 0 : v->id;
		evtchn_port_t port = d->evtchn->vcpu[on].virq_to_port[virq];
		if (port)
			evtchn__set_pending(d, port);
	}
	return 0;
}

int evtchn__raise_virq(struct hv_vcpu *v, unsigned virq)
{
	lock__domain(v->d);
	int ret = evtchn__raise_virq_locked(v, virq);
	lock__release(v->d->hv);
	return ret;
}

bool evtchn__port_pending_locked(struct domain *d, evtchn_port_t port)
{
	return d->evtchn && evtchn__port_valid(d, port) && d->evtchn->ops->is_pending(d, port);
}

bool evtchn__port_pending(struct domain *d, evtchn_port_t port)
{
	lock__domain(d);
	bool pending = evtchn__port_pending_locked(d, port);
	lock__release(d->hv);
	return pending;
}

int evtchn__bind_vmm(struct domain *d, evtchn_vmm_fn fn, void *opaque)
{
	int ret = -XEN_ENOSPC;

	if (!fn)
		return -XEN_EINVAL;
	lock__domain(d);
	struct evtchn_domain *ed = d->evtchn;
	unsigned slot = 0;
	while (ed && slot < EVTCHN_VMM_MAX && ed->vmm[slot].fn)
		slot++;
	evtchn_port_t p = ed && slot < EVTCHN_VMM_MAX ? find_free_port(d) : 0;
	if (p) {
		struct evtchn *chn = take_port(d, p, EVTCHN_VMM);
		chn->u.vmm = slot;
		ed->vmm[slot] = (struct evtchn_vmm_slot){ .fn = fn, .opaque = opaque, .port = p };
		ret = (int)p;
	}
	lock__release(d->hv);
	return ret;
}

int evtchn__vmm_notify(struct domain *d, evtchn_port_t port)
{
	int ret = -XEN_EINVAL;

	lock__domain(d);
	if (d->evtchn && evtchn__port_valid(d, port) &&
	    evtchn__port(d, port)->state == EVTCHN_VMM) {
		evtchn__set_pending(d, port);
		ret = 0;
	}
	lock__release(d->hv);
	return ret;
}

/* ---- the operations ---- */


int64_t event_channel__alloc_unbound(struct hv_vcpu *hv_vcpu, struct evtchn_alloc_unbound *arg)
{
	struct domain *d;
	int ret = domain__target(hv_vcpu, arg->dom, &d);

	if (ret)
		return ret;
	evtchn_port_t p = find_free_port(d);
	if (!p)
		return -XEN_ENOSPC;
	struct evtchn *chn = take_port(d, p, EVTCHN_UNBOUND);
	/* DOMID_SELF here is the caller, which may differ from dom. */
	chn->u.unbound_dom = arg->remote_dom == DOMID_SELF ? hv_vcpu->d->id : arg->remote_dom;
	arg->port = p;
	return 0;
}

int64_t event_channel__bind_interdomain(struct hv_vcpu *hv_vcpu,
					struct evtchn_bind_interdomain *arg)
{
	struct domain *ld = hv_vcpu->d;
	domid_t rdom = arg->remote_dom == DOMID_SELF ? ld->id : arg->remote_dom;
	struct domain *rd = domain_by_id(ld->hv, rdom);

	if (!rd || !rd->evtchn)
		return -XEN_ESRCH;
	evtchn_port_t lp = find_free_port(ld);
	if (!lp)
		return -XEN_ENOSPC;
	evtchn_port_t rp = arg->remote_port;
	if (!evtchn__port_valid(rd, rp))
		return -XEN_EINVAL;
	struct evtchn *rchn = evtchn__port(rd, rp);
	if (rchn->state != EVTCHN_UNBOUND || rchn->u.unbound_dom != ld->id)
		return -XEN_EINVAL;

	struct evtchn *lchn = take_port(ld, lp, EVTCHN_INTERDOMAIN);
	lchn->u.interdomain.dom = rd->id;
	lchn->u.interdomain.port = rp;
	rchn->state = EVTCHN_INTERDOMAIN;
	memset(&rchn->u, 0, sizeof(rchn->u));
	rchn->u.interdomain.dom = ld->id;
	rchn->u.interdomain.port = lp;
	/* The peer may have signalled before we bound: always start pending. */
	evtchn__set_pending(ld, lp);
	arg->local_port = lp;
	return 0;
}

int64_t event_channel__bind_virq(struct hv_vcpu *hv_vcpu, struct evtchn_bind_virq *arg)
{
	struct domain *d = hv_vcpu->d;
	uint32_t virq = arg->virq;

	if (virq >= NR_VIRQS)
		return -XEN_EINVAL;
	if (virq_is_global(virq) && arg->vcpu != 0)
		return -XEN_EINVAL;
	if (!vcpu_exists(d, arg->vcpu))
		return -XEN_ENOENT;
	struct evtchn_vcpu *ev = &d->evtchn->vcpu[arg->vcpu];
	if (ev->virq_to_port[virq])
		return -XEN_EEXIST;
	evtchn_port_t p = find_free_port(d);
	if (!p)
		return -XEN_ENOSPC;
	struct evtchn *chn = take_port(d, p, EVTCHN_VIRQ);
	chn->u.virq = virq;
	chn->notify_vcpu = (uint16_t)arg->vcpu;
	ev->virq_to_port[virq] = p;
	arg->port = p;
	return 0;
}

int64_t event_channel__bind_pirq(struct hv_vcpu *hv_vcpu, struct evtchn_bind_pirq *arg)
{
	(void)hv_vcpu;
	if (arg->pirq >= EVTCHN_NR_PIRQS)
		return -XEN_EINVAL;
	/* No domain here is given physical IRQs: none is permitted. */
	return -XEN_EPERM;
}

int64_t event_channel__bind_ipi(struct hv_vcpu *hv_vcpu, struct evtchn_bind_ipi *arg)
{
	struct domain *d = hv_vcpu->d;

	if (!vcpu_exists(d, arg->vcpu))
		return -XEN_ENOENT;
	evtchn_port_t p = find_free_port(d);
	if (!p)
		return -XEN_ENOSPC;
	struct evtchn *chn = take_port(d, p, EVTCHN_IPI);
	chn->notify_vcpu = (uint16_t)arg->vcpu;
	arg->port = p;
	return 0;
}

int64_t event_channel__close(struct hv_vcpu *hv_vcpu, struct evtchn_close *arg)
{
	return close_port(hv_vcpu->d, arg->port);
}

int64_t event_channel__send(struct hv_vcpu *hv_vcpu, struct evtchn_send *arg)
{
	struct domain *d = hv_vcpu->d;
	evtchn_port_t port = arg->port;

	if (!evtchn__port_valid(d, port))
		return -XEN_EINVAL;
	struct evtchn *chn = evtchn__port(d, port);
	switch (chn->state) {
	case EVTCHN_INTERDOMAIN: {
		/*
		 * The peer's lock too, in domid order (the call holds only ours,
		 * hypercall.c). Taking it may have dropped ours for a moment: a
		 * port that is no longer bound to the same peer was closed in
		 * between, and the send counts as one on a closed port.
		 */
		domid_t rid = chn->u.interdomain.dom;
		struct domain *rd = lock__peer(d, rid);
		if (!evtchn__port_valid(d, port))
			return -XEN_EINVAL;
		chn = evtchn__port(d, port);
		if (chn->state != EVTCHN_INTERDOMAIN || chn->u.interdomain.dom != rid)
			return -XEN_EINVAL;
		if (rd && rd->evtchn && evtchn__port_valid(rd, chn->u.interdomain.port))
			evtchn__set_pending(rd, chn->u.interdomain.port);
		return 0;
	}
	case EVTCHN_IPI:
		evtchn__set_pending(d, port);
		return 0;
	case EVTCHN_VMM: {
		/* The backend runs once the call has dropped its locks: it may call the core. */
		if (d->evtchn->vmm[chn->u.vmm].fn)
			lock__defer_vmm_port(d, chn->u.vmm);
		return 0;
	}
	case EVTCHN_UNBOUND:
		return 0; /* nobody listens yet: the event is dropped */
	default:
		return -XEN_EINVAL;
	}
}

int64_t event_channel__status(struct hv_vcpu *hv_vcpu, struct evtchn_status *arg)
{
	struct domain *d;
	int ret = domain__target(hv_vcpu, arg->dom, &d);

	if (ret)
		return ret;
	if (!evtchn__port_valid(d, arg->port))
		return -XEN_EINVAL;
	struct evtchn *chn = evtchn__port(d, arg->port);
	memset(&arg->u, 0, sizeof(arg->u));
	arg->vcpu = chn->notify_vcpu;
	switch (chn->state) {
	case EVTCHN_UNBOUND:
		arg->status = EVTCHNSTAT_unbound;
		arg->u.unbound.dom = chn->u.unbound_dom;
		break;
	case EVTCHN_INTERDOMAIN:
		arg->status = EVTCHNSTAT_interdomain;
		arg->u.interdomain.dom = chn->u.interdomain.dom;
		arg->u.interdomain.port = chn->u.interdomain.port;
		break;
	case EVTCHN_VMM:
		/* The peer is the hypervisor itself, which has no port number. */
		arg->status = EVTCHNSTAT_interdomain;
		arg->u.interdomain.dom = DOMID_XEN;
		arg->u.interdomain.port = 0;
		break;
	case EVTCHN_PIRQ:
		arg->status = EVTCHNSTAT_pirq;
		arg->u.pirq = chn->u.pirq;
		break;
	case EVTCHN_VIRQ:
		arg->status = EVTCHNSTAT_virq;
		arg->u.virq = chn->u.virq;
		break;
	case EVTCHN_IPI:
		arg->status = EVTCHNSTAT_ipi;
		break;
	default:
		arg->status = EVTCHNSTAT_closed;
		break;
	}
	return 0;
}

int64_t event_channel__bind_vcpu(struct hv_vcpu *hv_vcpu, struct evtchn_bind_vcpu *arg)
{
	struct domain *d = hv_vcpu->d;

	if (!vcpu_exists(d, arg->vcpu))
		return -XEN_ENOENT;
	if (!evtchn__port_valid(d, arg->port))
		return -XEN_EINVAL;
	struct evtchn *chn = evtchn__port(d, arg->port);
	switch (chn->state) {
	case EVTCHN_VIRQ:
		/* Per-vCPU VIRQs stay where they were bound. */
		if (!virq_is_global(chn->u.virq))
			return -XEN_EINVAL;
		break;
	case EVTCHN_UNBOUND:
	case EVTCHN_INTERDOMAIN:
	case EVTCHN_VMM:
	case EVTCHN_PIRQ:
		break;
	default:
		/* IPIs stay where they were bound; free ports have no vCPU. */
		return -XEN_EINVAL;
	}
	chn->notify_vcpu = (uint16_t)arg->vcpu;
	return 0;
}

int64_t event_channel__unmask(struct hv_vcpu *hv_vcpu, struct evtchn_unmask *arg)
{
	struct domain *d = hv_vcpu->d;

	if (!evtchn__port_valid(d, arg->port))
		return -XEN_EINVAL;
	d->evtchn->ops->unmask(d, arg->port);
	return 0;
}

/*
 * Closes the domain's ports EVTCHN_RESET_BATCH at a time; the last step
 * goes back to the 2-level ABI. The progress is the domain's (reset_next,
 * Xen's next_evtchn: 0 while no reset is in progress). 'mode' says which
 * call this is: EVTCHN_RESET_ANY (FastABI's reset, re-executed until done,
 * from wherever it stopped), EVTCHN_RESET_START (legacy EVTCHNOP_reset:
 * -EBUSY while another is in progress) or EVTCHN_RESET_RESUME (legacy
 * EVTCHNOP_reset_cont: -EBUSY when none is), as Xen's evtchn_reset.
 */
int64_t evtchn__reset(struct hv_vcpu *hv_vcpu, struct evtchn_reset *arg, enum evtchn_reset_mode mode)
{
	struct domain *d;
	int ret = domain__target(hv_vcpu, arg->dom, &d);

	if (ret)
		return ret;
	struct evtchn_domain *ed = d->evtchn;
	if ((mode == EVTCHN_RESET_START && ed->reset_next) ||
	    (mode == EVTCHN_RESET_RESUME && !ed->reset_next))
		return -XEN_EBUSY;
	evtchn_port_t p = ed->reset_next ? ed->reset_next : 1;
	for (unsigned n = 0; p < ed->valid_ports; p++, n++) {
		if (n == EVTCHN_RESET_BATCH) {
			ed->reset_next = p;
			return -FASTABI_ERESTART;
		}
		if (ed->port[p].state != EVTCHN_FREE)
			close_port(d, p);
	}
	ed->reset_next = 0;
	evtchn_fifo__destroy(d);
	return 0;
}

int64_t event_channel__reset(struct hv_vcpu *hv_vcpu, struct evtchn_reset *arg)
{
	return evtchn__reset(hv_vcpu, arg, EVTCHN_RESET_ANY);
}

int64_t event_channel__set_priority(struct hv_vcpu *hv_vcpu, struct evtchn_set_priority *arg)
{
	struct domain *d = hv_vcpu->d;

	if (!evtchn__port_valid(d, arg->port))
		return -XEN_EINVAL;
	if (!d->evtchn->fifo)
		return -XEN_ENOSYS;
	if (arg->priority > EVTCHN_FIFO_PRIORITY_MIN)
		return -XEN_EINVAL;
	/* Events already linked stay in their queue; the next link uses the new one. */
	evtchn__port(d, arg->port)->priority = (uint8_t)arg->priority;
	return 0;
}
