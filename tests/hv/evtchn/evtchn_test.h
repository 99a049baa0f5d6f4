/*
 * Event-channel test helpers on top of the hv harness.
 *
 * A test scenario issues every EVTCHNOP as the Xen struct the core sees
 * (ev_op) and runs once per ABI (ev_run_all): FastABI registers, 64-bit
 * legacy and 32-bit legacy. ev_op marshals the struct by hand (not with the
 * generated decoder's knowledge), checks the ABI's rules on the way (no
 * outputs and an untouched guest struct on failure) and records the result
 * and the struct in a trace; scenarios add what a guest would read
 * (ev_note). ev_run_all then requires the three traces to be identical, so
 * every result of every call is the same through each ABI.
 */
#ifndef TESTS_HV_EVTCHN_TEST_H
#define TESTS_HV_EVTCHN_TEST_H

#include "harness.h"

#include <xen/errno.h>
#include <xen/event_channel.h>

#include "evtchn.h"

#define EV_TRACE_MAX 65536

struct ev_world {
	struct harness *h;
	enum abi abi;
	bool tracing; /* set by ev_run_all; otherwise ev_note records nothing */
	uint64_t trace[EV_TRACE_MAX];
	unsigned n;
	/* The guest page each domain's legacy structs go through. */
	uint64_t slot_va[HV_MAX_DOMAINS];
	/*
	 * The op the last call that continued re-executes (ev_op_once sets it): the
	 * same one through FastABI, through legacy the one the core wrote into
	 * the first argument register (reset continues as reset_cont, as on Xen).
	 */
	unsigned cont_op;
};

struct ev_world *ev_world_new(enum abi abi);
void ev_world_free(struct ev_world *w);
/* A domain (ram 4 MiB) with the given flags and vCPUs; confidential ones share their slot page. */
struct domain *ev_domain(struct ev_world *w, const char *name, unsigned flags, unsigned nr_vcpus);
struct domain *ev_domain_cfg(struct ev_world *w, const struct domain_config *cfg);

/*
 * EVTCHNOP 'op' with its struct through w->abi; on success the outputs are
 * in *arg as the guest sees them. Returns rax. ev_op_loop re-executes the
 * trap while the call continues (with w->cont_op) and counts the restarts.
 */
int64_t ev_op(struct ev_world *w, struct hv_vcpu *v, unsigned op, void *arg);
int64_t ev_op_loop(struct ev_world *w, struct hv_vcpu *v, unsigned op, void *arg,
		   unsigned *restarts);
/* One step of a preemptible op: *restart tells whether the call asked to continue. */
int64_t ev_op_once(struct ev_world *w, struct hv_vcpu *v, unsigned op, void *arg, bool *restart);

/* Record an observation in the trace. */
void ev_note(struct ev_world *w, uint64_t value);

/* Run scenario once per ABI and require identical traces. */
void ev_run_all(void (*scenario)(struct ev_world *w));

/* ---- short forms; each returns rax and writes the output port(s) ---- */
int64_t ev_alloc_unbound(struct ev_world *w, struct hv_vcpu *v, domid_t dom, domid_t remote,
			 evtchn_port_t *port);
int64_t ev_bind_interdomain(struct ev_world *w, struct hv_vcpu *v, domid_t remote,
			    evtchn_port_t rport, evtchn_port_t *port);
int64_t ev_bind_virq(struct ev_world *w, struct hv_vcpu *v, uint32_t virq, uint32_t vcpu,
		     evtchn_port_t *port);
int64_t ev_bind_ipi(struct ev_world *w, struct hv_vcpu *v, uint32_t vcpu, evtchn_port_t *port);
int64_t ev_bind_vcpu(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port, uint32_t vcpu);
int64_t ev_close(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port);
int64_t ev_send(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port);
int64_t ev_unmask(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port);
int64_t ev_status(struct ev_world *w, struct hv_vcpu *v, domid_t dom, evtchn_port_t port,
		  struct evtchn_status *out);
int64_t ev_set_priority(struct ev_world *w, struct hv_vcpu *v, evtchn_port_t port,
			uint32_t priority);
int64_t ev_init_control(struct ev_world *w, struct hv_vcpu *v, uint64_t gfn, uint32_t offset,
			uint32_t vcpu, uint8_t *link_bits);
int64_t ev_expand_array(struct ev_world *w, struct hv_vcpu *v, uint64_t gfn);
int64_t ev_reset(struct ev_world *w, struct hv_vcpu *v, domid_t dom, unsigned *restarts);

/* ---- what a guest reads ---- */

/* 2-level: the port's bits in shared_info, the vCPU's vcpu_info. */
bool ev_2l_pending(struct domain *d, evtchn_port_t port);
bool ev_2l_masked(struct domain *d, evtchn_port_t port);
void ev_2l_set_mask(struct domain *d, evtchn_port_t port, bool on);
void ev_2l_clear_pending(struct domain *d, evtchn_port_t port);
/* The vcpu_info the guest uses (registered or the shared_info slot). */
struct vcpu_info *ev_vcpu_info(struct harness *h, struct hv_vcpu *v);
/* Guest acknowledges: clears upcall_pending and the selector. */
void ev_ack_upcall(struct harness *h, struct hv_vcpu *v);
unsigned ev_kicks(struct harness *h, struct hv_vcpu *v);
/* Notes the whole 2-level state of d (pending/mask words, every vCPU's selector and upcall). */
void ev_note_2l(struct ev_world *w, struct domain *d);

/* FIFO: a guest-side view of the event array and control blocks. */
struct ev_fifo_guest {
	struct domain *d;
	uint32_t *page[8];     /* event array pages (host addresses) */
	uint64_t page_gfn[8];
	unsigned nr_pages;
	struct evtchn_fifo_control_block *cb[HV_MAX_VCPUS];
	uint64_t cb_gfn[HV_MAX_VCPUS];
	uint32_t cb_offset[HV_MAX_VCPUS];
	evtchn_port_t local_head[HV_MAX_VCPUS][EVTCHN_FIFO_MAX_QUEUES];
};

/* init_control for vCPU 'vcpu' with a fresh page at offset 'offset'; asserts success. */
void ev_fifo_init_vcpu(struct ev_world *w, struct ev_fifo_guest *g, struct hv_vcpu *v,
		       unsigned vcpu, uint32_t offset);
/* expand_array with a fresh page; 'masked': initialise every word MASKED as Linux does. */
void ev_fifo_add_page(struct ev_world *w, struct ev_fifo_guest *g, struct hv_vcpu *v, bool masked);
uint32_t *ev_fifo_word(struct ev_fifo_guest *g, evtchn_port_t port);
/*
 * Consume one event from vCPU vcpu's queue 'prio' as the Linux guest does
 * (HEAD from the control block when the local head is empty, clear LINKED,
 * follow LINK); returns the port, or 0 if the queue is empty.
 */
evtchn_port_t ev_fifo_consume(struct ev_fifo_guest *g, unsigned vcpu, unsigned prio);
/* Notes every word of the array, and each control block. */
void ev_note_fifo(struct ev_world *w, struct ev_fifo_guest *g);

#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED (1u << EVTCHN_FIFO_LINKED)
#define W_BUSY (1u << EVTCHN_FIFO_BUSY)

#endif
