/* Helpers of the programs for several domains (peer.h). */
#include "common/peer.h"

static uint8_t fifo_cb_page[PAGE_SIZE] __page_noinit;
static event_word_t fifo_words[PAGE_SIZE / sizeof(event_word_t)] __page_noinit;
static uint8_t batch_page[PAGE_SIZE] __page_noinit; /* FastABI copy_batch */
struct shared_info *peer_si;
bool peer_fast, peer_fifo;
evtchn_port_t peer_port;
uint64_t peer_deadline;

unsigned peer_opt_uint(const char *key, unsigned dflt)
{
	const char *v = cmdline_option(start_info_cmdline(), key);
	unsigned n = 0;

	if (!v || *v < '0' || *v > '9')
		return dflt;
	while (*v >= '0' && *v <= '9')
		n = n * 10 + (unsigned)(*v++ - '0');
	return n;
}

bool peer_opt_is(const char *key, const char *want)
{
	const char *v = cmdline_option(start_info_cmdline(), key);
	size_t n = strlen(want);

	return v && !strncmp(v, want, n) && (v[n] == '\0' || v[n] == ' ');
}

uint64_t peer_now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };

	if (peer_fast)
		xen_hypercall_hvm_get_time(&g);
	else
		hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

/* TSC cycles to ns with the hypervisor's scale (pvclock, vcpu_time_info). */
uint64_t peer_pvclock_ns(uint64_t cycles)
{
	const struct vcpu_time_info *t = &peer_si->vcpu_info[0].time;
	int8_t shift = ACCESS_ONCE(t->tsc_shift);
	uint32_t mul = ACCESS_ONCE(t->tsc_to_system_mul);

	cycles = shift < 0 ? cycles >> -shift : cycles << shift;
	return (uint64_t)(((unsigned __int128)cycles * mul) >> 32);
}

long peer_poll(evtchn_port_t p, uint64_t until)
{
	if (peer_fast)
		return xen_hypercall_sched_poll(until, p);
	struct sched_poll sp = { .nr_ports = 1, .timeout = until };
	set_xen_guest_handle(sp.ports, &p);
	return hypercall_sched_op(SCHEDOP_poll, &sp);
}

long peer_send(evtchn_port_t p)
{
	struct evtchn_send s = { .port = p };

	return peer_fast ? xen_hypercall_event_channel_send(&s)
		    : hypercall_event_channel_op(EVTCHNOP_send, &s);
}

long peer_status(evtchn_port_t p, struct evtchn_status *st)
{
	*st = (struct evtchn_status){ .dom = DOMID_SELF, .port = p };
	return peer_fast ? xen_hypercall_event_channel_status(st)
		    : hypercall_event_channel_op(EVTCHNOP_status, st);
}

long peer_close(evtchn_port_t p)
{
	struct evtchn_close c = { .port = p };

	return peer_fast ? xen_hypercall_event_channel_close(&c)
		    : hypercall_event_channel_op(EVTCHNOP_close, &c);
}

/*
 * 'fifo' on the command line: this domain takes its events through the FIFO
 * ABI (control block and one event-array page of its own), whatever its
 * peer uses. Before any port exists, so every port is a FIFO port.
 */
static bool fifo_init(void)
{
	struct evtchn_init_control ic = { .control_gfn = (uintptr_t)fifo_cb_page >> 12 };
	struct evtchn_expand_array ea = { .array_gfn = (uintptr_t)fifo_words >> 12 };
	long rc = peer_fast ? xen_hypercall_event_channel_init_control(&ic)
		       : hypercall_event_channel_op(EVTCHNOP_init_control, &ic);
	if (!CHECK_EQ(rc, 0))
		return false;
	rc = peer_fast ? xen_hypercall_event_channel_expand_array(&ea)
		  : hypercall_event_channel_op(EVTCHNOP_expand_array, &ea);
	return CHECK_EQ(rc, 0);
}

/*
 * Take the port's event: the 2-level pending bit, or with FIFO every ready
 * queue consumed as a guest does (HEAD, then LINK; LINKED and PENDING
 * cleared in each word).
 */
void peer_clear_event(evtchn_port_t p)
{
	if (!peer_fifo) {
		evtchn_clear_pending(peer_si, p);
		return;
	}
	volatile struct evtchn_fifo_control_block *cb = (void *)fifo_cb_page;
	volatile event_word_t *w = fifo_words;
	uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
	for (unsigned q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++) {
		if (!(ready & (1u << q)))
			continue;
		evtchn_port_t head = cb->head[q];
		for (unsigned n = 0; head && n < 64; n++) {
			uint32_t word = __atomic_fetch_and(
				&w[head], ~((1u << EVTCHN_FIFO_LINKED) | (1u << EVTCHN_FIFO_PENDING) |
					    EVTCHN_FIFO_LINK_MASK), __ATOMIC_SEQ_CST);
			head = word & EVTCHN_FIFO_LINK_MASK;
		}
		cb->head[q] = 0;
	}
}

/*
 * Sleep on 'port' until *word != old. The sender writes the ring before it
 * sends, and the pending bit is cleared before the ring is read again, so
 * no event is lost and the vCPU never spins: poll returns at once only if
 * the port is already pending.
 */
static bool changed64(const volatile void *w, uint64_t old)
{
	return ACCESS_ONCE(*(const volatile uint64_t *)w) != old;
}

static bool set32(const volatile void *w, uint64_t unused)
{
	(void)unused;
	return ACCESS_ONCE(*(const volatile uint32_t *)w) != 0;
}

/* Sleep on peer_port until ready(w, v); 'what' names what never came. */
static bool wait_for(bool (*ready)(const volatile void *w, uint64_t v), const volatile void *w,
		     uint64_t v, const char *what)
{
	while (!ready(w, v)) {
		long rc = peer_poll(peer_port, peer_deadline);
		if (rc) {
			xtf_error("SCHEDOP_poll on port %u: %ld", peer_port, rc);
			return false;
		}
		peer_clear_event(peer_port);
		if (!ready(w, v) && peer_now_ns() >= peer_deadline) {
			xtf_failure("no %s on port %u within the deadline", what, peer_port);
			return false;
		}
	}
	return true;
}

bool peer_wait_change(volatile uint64_t *word, uint64_t old)
{
	return wait_for(changed64, word, old, "answer from the peer");
}

bool peer_wait_flag(volatile uint32_t *flag, const char *what)
{
	return wait_for(set32, flag, 0, what);
}


long peer_alloc_unbound(domid_t remote, evtchn_port_t *p)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = peer_fast ? xen_hypercall_event_channel_alloc_unbound(&a)
			    : hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &a);
	*p = a.port;
	return rc;
}

long peer_bind(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *p)
{
	struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = remote_port };
	long rc = peer_fast ? xen_hypercall_event_channel_bind_interdomain(&b)
			    : hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &b);
	*p = b.local_port;
	return rc;
}

long peer_map(struct gnttab_map_grant_ref *m)
{
	return peer_fast ? xen_hypercall_grant_table_map_grant_ref(m)
			 : hypercall_grant_table_op(GNTTABOP_map_grant_ref, m, 1);
}

long peer_unmap(struct gnttab_unmap_grant_ref *u)
{
	return peer_fast ? xen_hypercall_grant_table_unmap_grant_ref(u)
			 : hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, u, 1);
}

/*
 * A batch: the legacy ABI takes the array where it is; FastABI takes one op
 * in registers, or several as a copy_batch over a page of packed structs
 * (copied there and the statuses back).
 */
long peer_copy(struct gnttab_copy *c, unsigned count)
{
	if (!peer_fast)
		return hypercall_grant_table_op(GNTTABOP_copy, c, count);
	if (count == 1)
		return xen_hypercall_grant_table_copy(c);
	if (count > PAGE_SIZE / sizeof(*c))
		return -XEN_EINVAL;
	struct gnttab_copy *b = (struct gnttab_copy *)batch_page;
	memcpy(b, c, count * sizeof(*c));
	struct fastabi_gnttab_batch fb = { .page_gpa = (uintptr_t)batch_page, .count = count };
	long rc = xen_hypercall_grant_table_copy_batch(&fb);
	if (!rc && fb.done != count)
		xtf_failure("copy_batch: done %u of %u", fb.done, count);
	for (unsigned i = 0; i < count; i++)
		c[i].status = b[i].status;
	return rc;
}

void peer_sleep_ms(evtchn_port_t p, unsigned ms)
{
	uint64_t until = peer_now_ns() + ms * MS;

	while (peer_now_ns() < until)
		peer_poll(p, until);
}

bool peer_init(void)
{
	peer_fast = peer_opt_is("abi", "fast");
	if (peer_fast ? !fastabi_usable() : !xen_info.hypercall_page_ready) {
		xtf_error("abi=%s is not usable in this domain", peer_fast ? "fast" : "legacy");
		return false;
	}
	if (!(peer_si = shared_info_need()))
		return false;
	peer_fifo = cmdline_option(start_info_cmdline(), "fifo") != NULL;
	return !peer_fifo || fifo_init();
}

void peer_granter_mapper(unsigned nrefs, void (*granter)(unsigned peer, unsigned g),
			 void (*mapper)(unsigned peer, unsigned g))
{
	if (!peer_init())
		return;
	unsigned peer = peer_opt_uint("peer", ~0u), g = peer_opt_uint("gref", ~0u);
	if (peer == ~0u || g < GNTTAB_NR_RESERVED_ENTRIES || g + nrefs > 512) {
		xtf_error("peer=<domid> gref=<%u..%u> expected on the command line",
			  GNTTAB_NR_RESERVED_ENTRIES, 512 - nrefs);
		return;
	}
	if (peer_opt_is("role", "granter"))
		granter(peer, g);
	else if (peer_opt_is("role", "mapper"))
		mapper(peer, g);
	else
		xtf_error("role=granter or role=mapper expected on the command line");
}
