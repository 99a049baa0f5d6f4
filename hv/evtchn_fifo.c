/*
 * The FIFO delivery ABI (Xen's public event_channel.h and its design
 * document): every port has a 32-bit event word in a guest page of the
 * event array (PENDING, MASKED, LINKED, BUSY and a 17-bit LINK); every vCPU
 * has a control block in a guest page with a READY bit and a HEAD port per
 * priority (0 highest .. 15 lowest). An event that becomes pending on an
 * unmasked, unlinked port is linked at the tail of its vCPU's queue for its
 * priority: the LINK field of the old tail when the guest has not consumed
 * it yet, HEAD otherwise. The guest owns those pages and changes them
 * concurrently, so each page is looked up again at each use (an unshared or
 * vanished page is simply not touched) and each update is one atomic
 * operation on one word. See docs/hv-evtchn.md.
 */
#include <stdint.h>

#include "fastabi_hv.h"

#include <stdlib.h>

#include <xen/errno.h>

#include "evtchn.h"
#include "hv.h"
#include "memory.h"

#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED (1u << EVTCHN_FIFO_LINKED)
#define W_BUSY (1u << EVTCHN_FIFO_BUSY)
#define W_LINK_MASK ((uint32_t)EVTCHN_FIFO_LINK_MASK)

/* Attempts at changing a LINK word before and after marking it BUSY. */
#define SET_LINK_TRIES 4


static struct evtchn_fifo_domain *fifo_of(struct domain *d)
{
	return d->evtchn->fifo;
}

/* The event word of port, or NULL (no array page yet, or the page is gone). */
static uint32_t *event_word(struct domain *d, evtchn_port_t port)
{
	struct evtchn_fifo_domain *f = fifo_of(d);
	unsigned idx = port / EVTCHN_FIFO_WORDS_PER_PAGE;

	if (!f || idx >= f->nr_pages)
		return NULL;
	gpa_t a = gpa(gpa_val(gfn_to_gpa(f->page[idx])) +
		      (port % EVTCHN_FIFO_WORDS_PER_PAGE) * sizeof(event_word_t));
	uint32_t *w = evtchn__guest_ptr(d, a, sizeof(*w));
	if (w && ((uintptr_t)w & (sizeof(*w) - 1)))
		return NULL; /* never with page-aligned guest memory */
	return w;
}

static struct evtchn_fifo_control_block *control_block(struct domain *d, unsigned vcpu)
{
	struct evtchn_fifo_vcpu *fv = &fifo_of(d)->vcpu[vcpu];

	if (!fv->registered)
		return NULL;
	struct evtchn_fifo_control_block *cb =
		evtchn__guest_ptr(d, fv->control_block, sizeof(*cb));
	if (cb && ((uintptr_t)cb & 7))
		return NULL;
	return cb;
}

static uint32_t word_load(uint32_t *w)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST);
}

static uint32_t word_or(uint32_t *w, uint32_t bits)
{
	return __atomic_fetch_or(w, bits, __ATOMIC_SEQ_CST);
}

static uint32_t word_andnot(uint32_t *w, uint32_t bits)
{
	return __atomic_fetch_and(w, ~bits, __ATOMIC_SEQ_CST);
}

/*
 * Point the LINK of 'tail' at 'port' if the guest has not consumed tail
 * yet (still LINKED). The guest may meanwhile set or clear MASKED, clear
 * PENDING or clear LINKED, so the update is a compare-and-swap; after a few
 * lost races the word is marked BUSY, which tells the guest not to unmask
 * it, and a few more attempts follow. A guest that keeps changing the word
 * only breaks its own queue: we give up and the caller writes HEAD.
 */
static bool set_link(uint32_t *tail, evtchn_port_t port)
{
	for (unsigned i = 0; i < 2 * SET_LINK_TRIES; i++) {
		if (i == SET_LINK_TRIES)
			word_or(tail, W_BUSY);
		uint32_t old = word_load(tail);
		if (!(old & W_LINKED))
			break;
		uint32_t new = (old & ~(W_BUSY | W_LINK_MASK)) | port;
		if (__atomic_compare_exchange_n(tail, &old, new, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return true;
	}
	word_andnot(tail, W_BUSY);
	return false;
}

static void fifo_set_pending(struct domain *d, struct hv_vcpu *v, evtchn_port_t port)
{
	struct evtchn *chn = evtchn__port(d, port);
	uint32_t *word = event_word(d, port);

	if (!word) {
		/*
		 * Kept until the word is there: expand_array brings its page, or
		 * an unmask finds the page accessible again.
		 */
		chn->pending = true;
		return;
	}
	chn->pending = false;
	bool was_pending = word_or(word, W_PENDING) & W_PENDING;
	uint32_t w = word_load(word);
	struct evtchn_fifo_control_block *cb = control_block(d, v->id);

	/*
	 * Masked: the guest links it by unmasking. Linked: it is queued already.
	 * No control block: the vCPU cannot take FIFO events yet, it stays
	 * pending only.
	 */
	if (!(w & (W_MASKED | W_LINKED)) && cb) {
		struct evtchn_fifo_domain *f = fifo_of(d);
		unsigned prio = chn->priority;
		struct evtchn_fifo_queue *q = &f->vcpu[v->id].queue[prio];
		struct evtchn_fifo_queue *old_q = &f->vcpu[chn->last_vcpu].queue[chn->last_priority];

		/*
		 * Not linked, so the guest consumed it: if it was the tail of the
		 * queue it was last on, that queue is empty now, and linking after
		 * it would corrupt whatever queue it joins next.
		 */
		if (old_q->tail == port)
			old_q->tail = 0;
		chn->last_vcpu = (uint16_t)v->id;
		chn->last_priority = (uint8_t)prio;

		if (!(word_or(word, W_LINKED) & W_LINKED)) {
			bool linked = false;
			if (q->tail) {
				uint32_t *tw = event_word(d, q->tail);
				if (tw)
					linked = set_link(tw, port);
			}
			if (!linked)
				__atomic_store_n(&cb->head[prio], port, __ATOMIC_SEQ_CST);
			q->tail = port;
			if (!(__atomic_fetch_or(&cb->ready, 1u << prio, __ATOMIC_SEQ_CST) &
			      (1u << prio)))
				evtchn__mark_upcall(v, port);
		}
	}
	if (!was_pending)
		evtchn__check_pollers(d, port);
}

static void fifo_clear_pending(struct domain *d, evtchn_port_t port)
{
	uint32_t *word = event_word(d, port);

	evtchn__port(d, port)->pending = false;
	/* A linked event stays linked: the guest drops it when it finds it not pending. */
	if (word)
		word_andnot(word, W_PENDING);
}

static void fifo_unmask(struct domain *d, evtchn_port_t port)
{
	uint32_t *word = event_word(d, port);

	if (!word)
		return;
	if (evtchn__port(d, port)->pending) {
		/* An event held while the word was out of reach. */
		evtchn__port(d, port)->pending = false;
		word_or(word, W_PENDING);
	}
	word_andnot(word, W_MASKED);
	if (word_load(word) & W_PENDING)
		fifo_set_pending(d, evtchn__notify_vcpu(d, port), port);
}

static bool fifo_is_pending(struct domain *d, evtchn_port_t port)
{
	uint32_t *word = event_word(d, port);

	if (!word)
		return evtchn__port(d, port)->pending;
	return word_load(word) & W_PENDING;
}

static void fifo_bound(struct domain *d, evtchn_port_t port)
{
	struct evtchn *chn = evtchn__port(d, port);

	chn->pending = false;
	chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
}

const struct evtchn_port_ops evtchn_fifo_ops = {
	.name = "FIFO",
	.nr_ports = EVTCHN_FIFO_NR_CHANNELS,
	.set_pending = fifo_set_pending,
	.clear_pending = fifo_clear_pending,
	.unmask = fifo_unmask,
	.is_pending = fifo_is_pending,
	.bound = fifo_bound,
};

/*
 * Whether [gfn:offset, + len) is RAM the hypervisor may use for a FIFO
 * page: 0; -EINVAL if it is not RAM; -EACCES if the guest did not share it
 * (confidential mode; the refusal is counted).
 */
static int check_guest_page(struct domain *d, uint64_t frame, uint32_t offset, size_t len)
{
	uint8_t probe;

	if (frame >= memory__gfn_limit(d))
		return -XEN_EINVAL;
	gpa_t a = gpa(gpa_val(gfn_to_gpa(gfn(frame))) + offset);
	const struct guestmem_region *r = guestmem__lookup(&d->mem, a);
	if (!r || r->kind != GUESTMEM_RAM)
		return -XEN_EINVAL;
	int ret = guestmem__read(&d->mem, a, &probe, 1);
	if (ret == -XEN_EACCES)
		return ret;
	if (ret || !evtchn__guest_ptr(d, a, len))
		return -XEN_EINVAL;
	return 0;
}

/* The domain goes FIFO: bound ports keep their 2-level pending state. */
static int switch_to_fifo(struct domain *d)
{
	struct evtchn_domain *ed = d->evtchn;
	struct evtchn_fifo_domain *f = calloc(1, sizeof(*f));

	if (!f)
		return -XEN_ENOMEM;
	for (evtchn_port_t p = 1; p < ed->valid_ports; p++) {
		struct evtchn *chn = &ed->port[p];
		if (chn->state == EVTCHN_FREE)
			continue;
		chn->pending = evtchn_2l_ops.is_pending(d, p);
		chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		chn->last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		chn->last_vcpu = 0;
	}
	ed->fifo = f;
	ed->ops = &evtchn_fifo_ops;
	return 0;
}

void evtchn_fifo__destroy(struct domain *d)
{
	struct evtchn_domain *ed = d->evtchn;

	if (!ed || !ed->fifo)
		return;
	free(ed->fifo);
	ed->fifo = NULL;
	ed->ops = &evtchn_2l_ops;
	for (evtchn_port_t p = 0; p < ed->valid_ports; p++) {
		ed->port[p].pending = false;
		ed->port[p].priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		ed->port[p].last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		ed->port[p].last_vcpu = 0;
	}
}

int64_t event_channel__init_control(struct hv_vcpu *hv_vcpu, struct evtchn_init_control *arg)
{
	struct domain *d = hv_vcpu->d;
	const size_t len = sizeof(struct evtchn_fifo_control_block);

	if (arg->offset > PAGE_SIZE - len || (arg->offset & 7))
		return -XEN_EINVAL;
	if (arg->vcpu >= d->nr_vcpus)
		return -XEN_ENOENT;
	int ret = check_guest_page(d, arg->control_gfn, arg->offset, len);
	if (ret)
		return ret;
	if (fifo_of(d) && fifo_of(d)->vcpu[arg->vcpu].registered)
		return -XEN_EEXIST;
	if (!fifo_of(d)) {
		ret = switch_to_fifo(d);
		if (ret)
			return ret;
	}
	struct evtchn_fifo_vcpu *fv = &fifo_of(d)->vcpu[arg->vcpu];
	fv->registered = true;
	fv->control_block = gpa(gpa_val(gfn_to_gpa(gfn(arg->control_gfn))) + arg->offset);
	for (unsigned i = 0; i < EVTCHN_FIFO_MAX_QUEUES; i++)
		fv->queue[i].tail = 0;
	arg->link_bits = EVTCHN_FIFO_LINK_BITS;
	return 0;
}

int64_t event_channel__expand_array(struct hv_vcpu *hv_vcpu, struct evtchn_expand_array *arg)
{
	struct domain *d = hv_vcpu->d;
	struct evtchn_fifo_domain *f = fifo_of(d);

	if (!f)
		return -XEN_ENOSYS;
	if (f->nr_pages >= EVTCHN_FIFO_MAX_PAGES ||
	    f->nr_pages * EVTCHN_FIFO_WORDS_PER_PAGE >= evtchn__nr_ports(d))
		return -XEN_ENOSPC;
	int ret = check_guest_page(d, arg->array_gfn, 0, PAGE_SIZE);
	if (ret)
		return ret;
	unsigned idx = f->nr_pages++;
	f->page[idx] = gfn(arg->array_gfn);

	/* Events that arrived before this page existed become visible now. */
	evtchn_port_t first = (evtchn_port_t)(idx * EVTCHN_FIFO_WORDS_PER_PAGE);
	evtchn_port_t end = (evtchn_port_t)(first + EVTCHN_FIFO_WORDS_PER_PAGE);
	if (end > d->evtchn->valid_ports)
		end = d->evtchn->valid_ports;
	for (evtchn_port_t p = first; p < end; p++) {
		struct evtchn *chn = evtchn__port(d, p);
		if (chn->pending && chn->state != EVTCHN_FREE) {
			chn->pending = false;
			fifo_set_pending(d, evtchn__notify_vcpu(d, p), p);
		}
	}
	return 0;
}
