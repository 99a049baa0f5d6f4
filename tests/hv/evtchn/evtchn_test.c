/* Event-channel test helpers: see evtchn_test.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtchn_test.h"

#define FIELD(type, member) { offsetof(struct type, member), sizeof(((struct type *)0)->member) }

struct ev_field {
	size_t off, size;
};

/* How FastABI carries each sub-op (docs/fastabi.md, docs/abi-reference.md), written out independently of the generator. */
struct ev_opdesc {
	size_t size;
	struct ev_field in[6];  /* in[n] is register n + 2; size 0: unused */
	struct ev_field out[6];
};

static const struct ev_opdesc ev_ops[] = {
	[EVTCHNOP_bind_interdomain] = { sizeof(struct evtchn_bind_interdomain),
		{ FIELD(evtchn_bind_interdomain, remote_dom), FIELD(evtchn_bind_interdomain, remote_port) },
		{ [2] = FIELD(evtchn_bind_interdomain, local_port) } },
	[EVTCHNOP_bind_virq] = { sizeof(struct evtchn_bind_virq),
		{ FIELD(evtchn_bind_virq, virq), FIELD(evtchn_bind_virq, vcpu) },
		{ [2] = FIELD(evtchn_bind_virq, port) } },
	[EVTCHNOP_bind_pirq] = { sizeof(struct evtchn_bind_pirq),
		{ FIELD(evtchn_bind_pirq, pirq), FIELD(evtchn_bind_pirq, flags) },
		{ [2] = FIELD(evtchn_bind_pirq, port) } },
	[EVTCHNOP_close] = { sizeof(struct evtchn_close), { FIELD(evtchn_close, port) }, { { 0, 0 } } },
	[EVTCHNOP_send] = { sizeof(struct evtchn_send), { FIELD(evtchn_send, port) }, { { 0, 0 } } },
	[EVTCHNOP_status] = { sizeof(struct evtchn_status),
		{ FIELD(evtchn_status, dom), FIELD(evtchn_status, port) },
		{ [2] = FIELD(evtchn_status, status), [3] = FIELD(evtchn_status, vcpu),
		  [4] = { offsetof(struct evtchn_status, u), 4 },
		  [5] = { offsetof(struct evtchn_status, u) + 4, 4 } } },
	[EVTCHNOP_alloc_unbound] = { sizeof(struct evtchn_alloc_unbound),
		{ FIELD(evtchn_alloc_unbound, dom), FIELD(evtchn_alloc_unbound, remote_dom) },
		{ [2] = FIELD(evtchn_alloc_unbound, port) } },
	[EVTCHNOP_bind_ipi] = { sizeof(struct evtchn_bind_ipi),
		{ FIELD(evtchn_bind_ipi, vcpu) }, { [2] = FIELD(evtchn_bind_ipi, port) } },
	[EVTCHNOP_bind_vcpu] = { sizeof(struct evtchn_bind_vcpu),
		{ FIELD(evtchn_bind_vcpu, vcpu), FIELD(evtchn_bind_vcpu, port) }, { { 0, 0 } } },
	[EVTCHNOP_unmask] = { sizeof(struct evtchn_unmask), { FIELD(evtchn_unmask, port) }, { { 0, 0 } } },
	[EVTCHNOP_reset] = { sizeof(struct evtchn_reset), { FIELD(evtchn_reset, dom) }, { { 0, 0 } } },
	/* Legacy only: what a preempted legacy reset continues as. */
	[EVTCHNOP_reset_cont] = { sizeof(struct evtchn_reset), { FIELD(evtchn_reset, dom) },
		{ { 0, 0 } } },
	[EVTCHNOP_init_control] = { sizeof(struct evtchn_init_control),
		{ FIELD(evtchn_init_control, control_gfn), FIELD(evtchn_init_control, offset),
		  FIELD(evtchn_init_control, vcpu) },
		{ [3] = FIELD(evtchn_init_control, link_bits) } },
	[EVTCHNOP_expand_array] = { sizeof(struct evtchn_expand_array),
		{ FIELD(evtchn_expand_array, array_gfn) }, { { 0, 0 } } },
	[EVTCHNOP_set_priority] = { sizeof(struct evtchn_set_priority),
		{ FIELD(evtchn_set_priority, port), FIELD(evtchn_set_priority, priority) }, { { 0, 0 } } },
};

struct ev_world *ev_world_new(enum abi abi)
{
	struct ev_world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->h = harness__new();
	w->abi = abi;
	return w;
}

void ev_world_free(struct ev_world *w)
{
	harness__free(w->h);
	free(w);
}

struct domain *ev_domain_cfg(struct ev_world *w, const struct domain_config *cfg)
{
	struct domain_config c = *cfg;
	c.flags |= DOMAIN_FASTABI;
	struct domain *d = harness__domain_cfg(w->h, &c, 4);
	/* A callback vector, as the guests modelled have: an upcall kicks the vCPU. */
	harness__callback_vector(d, 0xf3);
	harness__alloc_page(w->h, d, &w->slot_va[d->id]);
	return d;
}

struct domain *ev_domain(struct ev_world *w, const char *name, unsigned flags, unsigned nr_vcpus)
{
	const struct domain_config cfg = { .name = name, .nr_vcpus = nr_vcpus, .flags = flags };
	return ev_domain_cfg(w, &cfg);
}

void ev_note(struct ev_world *w, uint64_t value)
{
	if (!w->tracing)
		return;
	assert_true(w->n < EV_TRACE_MAX);
	w->trace[w->n++] = value;
}

static void note_struct(struct ev_world *w, int64_t ret, const void *arg, size_t size)
{
	uint64_t chunk;
	ev_note(w, (uint64_t)ret);
	for (size_t i = 0; i < size; i += sizeof(chunk)) {
		chunk = 0;
		memcpy(&chunk, (const uint8_t *)arg + i, size - i < sizeof(chunk) ? size - i : sizeof(chunk));
		ev_note(w, chunk);
	}
}

static uint64_t get_field(const void *arg, struct ev_field f)
{
	uint64_t v = 0;
	memcpy(&v, (const uint8_t *)arg + f.off, f.size); /* little-endian */
	return v;
}

static void put_field(void *arg, struct ev_field f, uint64_t v)
{
	if (f.size < 8)
		assert_true(v >> (8 * f.size) == 0); /* the register holds the field and nothing more */
	memcpy((uint8_t *)arg + f.off, &v, f.size);
}

/* One trap; *restart when it asks to be re-executed. */
static int64_t fast_step(struct hv_vcpu *v, unsigned op, void *arg, const uint64_t in[6],
			 bool *restart)
{
	const struct ev_opdesc *desc = &ev_ops[op];
	struct harness_result res;
	int64_t ret = harness__fast(v, __HYPERVISOR_event_channel_op, op, in, &res);

	*restart = res.result == HV_CALL_RESTART;
	for (unsigned n = 0; n < 6; n++) {
		if (!desc->out[n].size)
			continue;
		uint64_t r = harness__reg(&res.regs, n + 2);
		if (ret >= 0)
			put_field(arg, desc->out[n], r);
		else
			assert_int_equal(r, in[n]); /* outputs only on success */
	}
	return ret;
}

static int64_t legacy_step(struct ev_world *w, struct hv_vcpu *v, unsigned op, void *arg,
			   bool *restart)
{
	const struct ev_opdesc *desc = &ev_ops[op];
	uint64_t va = w->slot_va[v->d->id];
	uint8_t *host = harness__host(w->h, v->d, va);
	uint8_t before[64];
	struct harness_result res;

	assert_true(desc->size <= sizeof(before));
	memcpy(host, arg, desc->size);
	memcpy(before, host, desc->size);
	int64_t ret = harness__legacy(v, w->abi == ABI_LEG64, __HYPERVISOR_event_channel_op,
				      (const uint64_t[LEGACY_NR_ARGS]){ op, va }, &res);
	*restart = res.result == HV_CALL_RESTART;
	if (*restart)
		w->cont_op = (unsigned)*legacy__arg_reg(&res.regs, w->abi == ABI_LEG64, 0);
	if (ret == 0 && !*restart)
		memcpy(arg, host, desc->size);
	else
		assert_memory_equal(host, before, desc->size); /* nothing written back */
	return ret;
}

int64_t ev_op_once(struct ev_world *w, struct hv_vcpu *v, unsigned op, void *arg, bool *restart)
{
	assert_true(op < sizeof(ev_ops) / sizeof(ev_ops[0]) && ev_ops[op].size);
	int64_t ret;

	if (w->abi == ABI_FAST) {
		uint64_t in[6] = { 0 };
		for (unsigned n = 0; n < 6; n++)
			if (ev_ops[op].in[n].size)
				in[n] = get_field(arg, ev_ops[op].in[n]);
		ret = fast_step(v, op, arg, in, restart);
		if (*restart)
			w->cont_op = op;
	} else {
		ret = legacy_step(w, v, op, arg, restart);
	}
	/* A continuation leaves rax as it was: report it as the core's -ERESTART. */
	if (*restart)
		ret = -FASTABI_ERESTART;
	note_struct(w, ret, arg, ev_ops[op].size);
	return ret;
}

int64_t ev_op_loop(struct ev_world *w, struct hv_vcpu *v, unsigned op, void *arg,
		   unsigned *restarts)
{
	unsigned n = 0;
	bool restart;
	int64_t ret;

	while ((ret = ev_op_once(w, v, op, arg, &restart)), restart) {
		assert_true(++n < 100000);
		op = w->cont_op;
	}
	if (restarts)
		*restarts = n;
	return ret;
}

int64_t ev_op(struct ev_world *w, struct hv_vcpu *v, unsigned op, void *arg)
{
	bool restart;
	int64_t ret = ev_op_once(w, v, op, arg, &restart);
	assert_false(restart);
	return ret;
}

void ev_run_all(void (*scenario)(struct ev_world *w))
{
	struct ev_world *ref = NULL;

	HARNESS_ABIS(abi) {
		struct ev_world *w = ev_world_new(abi);
		w->tracing = true;
		scenario(w);
		assert_true(w->n > 0);
		harness__free(w->h);
		w->h = NULL;
		if (!ref) {
			ref = w;
			continue;
		}
		for (unsigned i = 0; i < ref->n || i < w->n; i++) {
			if (i >= ref->n || i >= w->n || ref->trace[i] != w->trace[i])
				fail_msg("%s differs from %s at trace entry %u of %u/%u: %#llx vs %#llx",
					 harness__abi_name(abi), harness__abi_name(ref->abi), i, ref->n,
					 w->n,
					 i < ref->n ? (unsigned long long)ref->trace[i] : 0ull,
					 i < w->n ? (unsigned long long)w->trace[i] : 0ull);
		}
		free(w);
	}
	free(ref);
}

/* ---- short forms ---- */

int64_t ev_alloc_unbound(struct ev_world *w, struct hv_vcpu *v, domid_t dom, domid_t remote,
			 evtchn_port_t *port)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
	int64_t ret = ev_op(w, v, EVTCHNOP_alloc_unbound, &a);
	if (port)
		*port = ret == 0 ? a.port : 0;
	return ret;
}

int64_t ev_bind_interdomain(struct ev_world *w, struct hv_vcpu *v, domid_t remote,
			    evtchn_port_t rport, evtchn_port_t *port)
{
	struct evtchn_bind_interdomain a = { .remote_dom = remote, .remote_port = rport };
	int64_t ret = ev_op(w, v, EVTCHNOP_bind_interdomain, &a);
	if (port)
		*port = ret == 0 ? a.local_port : 0;
	return ret;
}

int64_t ev_bind_virq(struct ev_world *w, struct hv_vcpu *v, uint32_t virq, uint32_t vcpu,
		     evtchn_port_t *port)
{
	struct evtchn_bind_virq a = { .virq = virq, .vcpu = vcpu };
	int64_t ret = ev_op(w, v, EVTCHNOP_bind_virq, &a);
	if (port)
		*port = ret == 0 ? a.port : 0;
	return ret;
}

int64_t ev_bind_ipi(struct ev_world *w, struct hv_vcpu *v, uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_ipi a = { .vcpu = vcpu };
	int64_t ret = ev_op(w, v, EVTCHNOP_bind_ipi, &a);
	if (port)
		*port = ret == 0 ? a.port : 0;
	return ret;
}

int64_t ev_bind_vcpu(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port, uint32_t vcpu)
{
	struct evtchn_bind_vcpu a = { .port = port, .vcpu = vcpu };
	return ev_op(w, v, EVTCHNOP_bind_vcpu, &a);
}

int64_t ev_close(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port)
{
	struct evtchn_close a = { .port = port };
	return ev_op(w, v, EVTCHNOP_close, &a);
}

int64_t ev_send(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port)
{
	struct evtchn_send a = { .port = port };
	return ev_op(w, v, EVTCHNOP_send, &a);
}

int64_t ev_unmask(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port)
{
	struct evtchn_unmask a = { .port = port };
	return ev_op(w, v, EVTCHNOP_unmask, &a);
}

int64_t ev_status(struct ev_world *w, struct hv_vcpu *v, domid_t dom, evtchn_port_t port,
		  struct evtchn_status *out)
{
	struct evtchn_status a = { .dom = dom, .port = port };
	int64_t ret = ev_op(w, v, EVTCHNOP_status, &a);
	if (out)
		*out = a;
	return ret;
}

int64_t ev_set_priority(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port,
			uint32_t priority)
{
	struct evtchn_set_priority a = { .port = port, .priority = priority };
	return ev_op(w, v, EVTCHNOP_set_priority, &a);
}

int64_t ev_init_control(struct ev_world *w, struct hv_vcpu *v, uint64_t gfn, uint32_t offset,
			uint32_t vcpu, uint8_t *link_bits)
{
	struct evtchn_init_control a = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
	int64_t ret = ev_op(w, v, EVTCHNOP_init_control, &a);
	if (link_bits)
		*link_bits = ret == 0 ? a.link_bits : 0;
	return ret;
}

int64_t ev_expand_array(struct ev_world *w, struct hv_vcpu *v, uint64_t gfn)
{
	struct evtchn_expand_array a = { .array_gfn = gfn };
	return ev_op(w, v, EVTCHNOP_expand_array, &a);
}

int64_t ev_reset(struct ev_world *w, struct hv_vcpu *v, domid_t dom, unsigned *restarts)
{
	struct evtchn_reset a = { .dom = dom };
	return ev_op_loop(w, v, EVTCHNOP_reset, &a, restarts);
}

/* ---- the guest's view: 2-level ---- */

#define BITS_PER_XEN_ULONG (sizeof(xen_ulong_t) * 8)

bool ev_2l_pending(struct domain *d, evtchn_port_t port)
{
	return (d->shared_info->evtchn_pending[port / BITS_PER_XEN_ULONG] >>
		(port % BITS_PER_XEN_ULONG)) & 1;
}

bool ev_2l_masked(struct domain *d, evtchn_port_t port)
{
	return (d->shared_info->evtchn_mask[port / BITS_PER_XEN_ULONG] >>
		(port % BITS_PER_XEN_ULONG)) & 1;
}

void ev_2l_set_mask(struct domain *d, evtchn_port_t port, bool on)
{
	xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS_PER_XEN_ULONG);
	if (on)
		__atomic_fetch_or(&d->shared_info->evtchn_mask[port / BITS_PER_XEN_ULONG], bit,
				  __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&d->shared_info->evtchn_mask[port / BITS_PER_XEN_ULONG], ~bit,
				   __ATOMIC_SEQ_CST);
}

void ev_2l_clear_pending(struct domain *d, evtchn_port_t port)
{
	xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS_PER_XEN_ULONG);
	__atomic_fetch_and(&d->shared_info->evtchn_pending[port / BITS_PER_XEN_ULONG], ~bit,
			   __ATOMIC_SEQ_CST);
}

struct vcpu_info *ev_vcpu_info(struct harness *h, struct hv_vcpu *v)
{
	if (v->vcpu_info_registered)
		return harness__host(h, v->d, gpa_val(v->vcpu_info_gpa));
	return &v->d->shared_info->vcpu_info[v->id];
}

void ev_ack_upcall(struct harness *h, struct hv_vcpu *v)
{
	struct vcpu_info *vi = ev_vcpu_info(h, v);
	vi->evtchn_upcall_pending = 0;
	__atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
}

unsigned ev_kicks(struct harness *h, struct hv_vcpu *v)
{
	return h->kicks[v->d->id][v->id];
}

void ev_note_2l(struct ev_world *w, struct domain *d)
{
	for (unsigned i = 0; i < BITS_PER_XEN_ULONG; i++) {
		if (d->shared_info->evtchn_pending[i])
			ev_note(w, 0x1000 + i), ev_note(w, d->shared_info->evtchn_pending[i]);
		if (d->shared_info->evtchn_mask[i])
			ev_note(w, 0x2000 + i), ev_note(w, d->shared_info->evtchn_mask[i]);
	}
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct vcpu_info *vi = ev_vcpu_info(w->h, &d->vcpus[i]);
		ev_note(w, vi->evtchn_upcall_pending);
		ev_note(w, vi->evtchn_pending_sel);
		ev_note(w, ev_kicks(w->h, &d->vcpus[i]));
	}
}

/* ---- the guest's view: FIFO ---- */

void ev_fifo_init_vcpu(struct ev_world *w, struct ev_fifo_guest *g, struct hv_vcpu *v,
		       unsigned vcpu, uint32_t offset)
{
	uint64_t va;
	uint8_t *page = harness__alloc_page(w->h, v->d, &va);
	uint8_t link_bits = 0;

	g->d = v->d;
	assert_int_equal(ev_init_control(w, v, va >> PAGE_SHIFT, offset, vcpu, &link_bits), 0);
	assert_int_equal(link_bits, EVTCHN_FIFO_LINK_BITS);
	g->cb[vcpu] = (struct evtchn_fifo_control_block *)(page + offset);
	g->cb_gfn[vcpu] = va >> PAGE_SHIFT;
	g->cb_offset[vcpu] = offset;
}

void ev_fifo_add_page(struct ev_world *w, struct ev_fifo_guest *g, struct hv_vcpu *v, bool masked)
{
	uint64_t va;
	uint32_t *page = harness__alloc_page(w->h, v->d, &va);

	assert_true(g->nr_pages < 8);
	if (masked)
		for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint32_t); i++)
			page[i] = W_MASKED;
	g->d = v->d;
	assert_int_equal(ev_expand_array(w, v, va >> PAGE_SHIFT), 0);
	g->page[g->nr_pages] = page;
	g->page_gfn[g->nr_pages++] = va >> PAGE_SHIFT;
}

uint32_t *ev_fifo_word(struct ev_fifo_guest *g, evtchn_port_t port)
{
	unsigned idx = port / (PAGE_SIZE / sizeof(uint32_t));
	assert_true(idx < g->nr_pages);
	return &g->page[idx][port % (PAGE_SIZE / sizeof(uint32_t))];
}

evtchn_port_t ev_fifo_consume(struct ev_fifo_guest *g, unsigned vcpu, unsigned prio)
{
	evtchn_port_t head = g->local_head[vcpu][prio];

	if (head == 0)
		head = __atomic_load_n(&g->cb[vcpu]->head[prio], __ATOMIC_SEQ_CST);
	if (head == 0)
		return 0;
	uint32_t *word = ev_fifo_word(g, head);
	uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST), new;
	do {
		new = old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK);
	} while (!__atomic_compare_exchange_n(word, &old, new, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	g->local_head[vcpu][prio] = old & EVTCHN_FIFO_LINK_MASK;
	return head;
}

void ev_note_fifo(struct ev_world *w, struct ev_fifo_guest *g)
{
	for (unsigned p = 0; p < g->nr_pages; p++)
		for (unsigned i = 0; i < PAGE_SIZE / sizeof(uint32_t); i++)
			if (g->page[p][i])
				ev_note(w, ((uint64_t)(p * 1024 + i) << 32) | g->page[p][i]);
	for (unsigned v = 0; v < HV_MAX_VCPUS; v++) {
		if (!g->cb[v])
			continue;
		ev_note(w, g->cb[v]->ready);
		for (unsigned q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
			ev_note(w, g->cb[v]->head[q]);
	}
	if (g->d)
		for (unsigned v = 0; v < g->d->nr_vcpus; v++) {
			ev_note(w, ev_vcpu_info(w->h, &g->d->vcpus[v])->evtchn_upcall_pending);
			ev_note(w, ev_kicks(w->h, &g->d->vcpus[v]));
		}
}
