/*
 * Event channels inside the core: the per-domain port table, the binding
 * state machine and the two delivery ABIs behind one small table of port
 * operations. evtchn.c owns the ports and serves every EVTCHNOP; delivery
 * is evtchn_2l.c (bitmaps in shared_info) or evtchn_fifo.c (queues in guest
 * pages). Other families use only what hv.h declares (evtchn__raise_virq,
 * evtchn__port_pending, ...). Everything runs under the domain's lock
 * (struct evtchn_domain is [d->lock]; an inter-domain link is followed only
 * by a call that holds both domains' locks, hypercall.c); the guest
 * changes the shared words concurrently, so every guest-visible update is
 * atomic. See docs/hv-evtchn.md.
 */
#ifndef HV_EVTCHN_H
#define HV_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>

#include "hv.h"

/*
 * Ports a domain may use when its configuration does not say
 * (domain_config.max_evtchn_ports == 0): ports 0..1023, xl's default
 * max_event_channels. A configured value is clamped to the FIFO limit; the
 * 2-level ABI further limits it to EVTCHN_2L_NR_CHANNELS.
 */
#define EVTCHN_DEFAULT_MAX_PORTS 1024u
#define EVTCHN_MAX_PORTS EVTCHN_FIFO_NR_CHANNELS
/* Ports become valid (status answers for them) in buckets of this many. */
#define EVTCHN_BUCKET 64u
/* EVTCHNOP_reset looks at this many ports per call, then continues. */
#define EVTCHN_RESET_BATCH 64u

/* Which reset call (evtchn__reset): FastABI's reset, or legacy reset / reset_cont. */
enum evtchn_reset_mode { EVTCHN_RESET_ANY, EVTCHN_RESET_START, EVTCHN_RESET_RESUME };
/*
 * The pIRQ number space of a domain: bind_pirq refuses numbers at or above
 * it with -EINVAL and, since no domain here is given physical IRQs, every
 * number below it with -EPERM (Xen's answer for a pIRQ the domain may not
 * access).
 */
#define EVTCHN_NR_PIRQS 256u

/* Event words per page of a FIFO event array, and the most pages. */
#define EVTCHN_FIFO_WORDS_PER_PAGE (PAGE_SIZE / sizeof(event_word_t))
#define EVTCHN_FIFO_MAX_PAGES (EVTCHN_FIFO_NR_CHANNELS / EVTCHN_FIFO_WORDS_PER_PAGE)

enum evtchn_state {
	EVTCHN_FREE = 0,
	EVTCHN_RESERVED,    /* port 0: never handed out */
	EVTCHN_UNBOUND,     /* waiting for u.unbound_dom to bind_interdomain */
	EVTCHN_INTERDOMAIN, /* connected to u.interdomain */
	EVTCHN_PIRQ,        /* never reached: no domain has physical IRQs */
	EVTCHN_VIRQ,
	EVTCHN_IPI,
	EVTCHN_VMM,         /* connected to a backend in the VMM: u.vmm is its slot */
};

/* A port: [d->lock] of its domain; a peer's port is reached holding both domains' locks. */
struct evtchn {
	uint8_t state;          /* enum evtchn_state */
	uint8_t priority;       /* FIFO: queue of the next link */
	uint8_t last_priority;  /* FIFO: queue it was linked on last */
	bool pending;           /* an event the guest cannot see yet (no FIFO word) */
	uint16_t notify_vcpu;   /* the vCPU that gets its events */
	uint16_t last_vcpu;     /* FIFO: vCPU of the queue it was linked on last */
	union {
		domid_t unbound_dom;
		struct {
			domid_t dom;
			evtchn_port_t port;
		} interdomain;
		uint32_t virq;
		uint32_t pirq;
		uint32_t vmm; /* index into evtchn_domain.vmm[] */
	} u;
};

/* What a delivery ABI does with a port. */
struct evtchn_port_ops {
	const char *name;
	/* Ports the ABI can address. */
	unsigned nr_ports;
	/* An event for 'port', to be seen by vCPU v. */
	void (*set_pending)(struct domain *d, struct hv_vcpu *v, evtchn_port_t port);
	void (*clear_pending)(struct domain *d, evtchn_port_t port);
	/* EVTCHNOP_unmask: unmask, and deliver an event that waited. */
	void (*unmask)(struct domain *d, evtchn_port_t port);
	bool (*is_pending)(struct domain *d, evtchn_port_t port);
	/* A port was just bound (FIFO: default priority, no stale state). */
	void (*bound)(struct domain *d, evtchn_port_t port);
};

extern const struct evtchn_port_ops evtchn_2l_ops;
extern const struct evtchn_port_ops evtchn_fifo_ops;

/* [d->lock] of the domain it belongs to, every field. */
struct evtchn_vcpu {
	evtchn_port_t virq_to_port[NR_VIRQS]; /* 0: not bound */
};

struct evtchn_fifo_queue {
	evtchn_port_t tail; /* last port linked; 0: empty as far as we know */
};

/* [d->lock] of the domain it belongs to, every field. */
struct evtchn_fifo_vcpu {
	bool registered;
	gpa_t control_block; /* the guest's evtchn_fifo_control_block */
	struct evtchn_fifo_queue queue[EVTCHN_FIFO_MAX_QUEUES];
};

/* [d->lock] of the domain it belongs to, every field. */
struct evtchn_fifo_domain {
	unsigned nr_pages;
	gfn_t page[EVTCHN_FIFO_MAX_PAGES];
	struct evtchn_fifo_vcpu vcpu[HV_MAX_VCPUS];
};

/* A port bound to the VMM (evtchn__bind_vmm): what a guest send calls. [d->lock] */
struct evtchn_vmm_slot {
	evtchn_vmm_fn fn; /* NULL: free slot */
	void *opaque;
	evtchn_port_t port;
};

/* [d->lock] of the domain it belongs to, every field. */
struct evtchn_domain {
	struct evtchn *port;      /* max_ports entries */
	unsigned max_ports;       /* this domain's limit, whatever the ABI */
	unsigned valid_ports;     /* ports below this exist (whole buckets) */
	unsigned free_hint;       /* every port below this is taken */
	const struct evtchn_port_ops *ops;
	struct evtchn_fifo_domain *fifo; /* non-NULL in FIFO mode */
	unsigned reset_next;      /* EVTCHNOP_reset in progress: next port to close */
	struct evtchn_vcpu vcpu[HV_MAX_VCPUS];
	struct evtchn_vmm_slot vmm[EVTCHN_VMM_MAX];
};

/* ---- evtchn.c, for the delivery ABIs ---- */

/* Ports the domain can use now: its limit and the ABI's. */
unsigned evtchn__nr_ports(struct domain *d);
static inline bool evtchn__port_valid(struct domain *d, evtchn_port_t port)
{
	return port < d->evtchn->valid_ports;
}
static inline struct evtchn *evtchn__port(struct domain *d, evtchn_port_t port)
{
	return &d->evtchn->port[port];
}
/* The vCPU that gets port's events. */
struct hv_vcpu *evtchn__notify_vcpu(struct domain *d, evtchn_port_t port);
/* Deliver an event on (d, port) to its notify vCPU with the domain's ABI. */
void evtchn__set_pending(struct domain *d, evtchn_port_t port);
/*
 * v has a new upcall: set evtchn_upcall_pending in its vcpu_info and, if it
 * was clear, wake and kick it. port is the event that caused it.
 */
void evtchn__mark_upcall(struct hv_vcpu *v, evtchn_port_t port);
/* Wake every vCPU of d that polls (SCHEDOP_poll) and may wait for port. */
void evtchn__check_pollers(struct domain *d, evtchn_port_t port);
/*
 * Host address of [a, a + len) in the domain's RAM, for atomic updates of a
 * structure the guest gave us; NULL if the range is not one RAM region's,
 * crosses a page, or (confidential mode) is private (refused and counted).
 * Looked up again at each use, so a page the guest unshares is never
 * touched afterwards.
 */
void *evtchn__guest_ptr(struct domain *d, gpa_t a, size_t len);
/*
 * Host address of v's vcpu_info: the registered one, or the slot in
 * shared_info; NULL if the registered one is not accessible. The guest
 * chooses its alignment, so it is a byte address: reach the members with
 * offsetof, never through a struct vcpu_info pointer.
 */
uint8_t *evtchn__vcpu_info(struct hv_vcpu *v);

/* ---- evtchn_fifo.c ---- */

/* The FIFO state of d goes away (EVTCHNOP_reset, domain destruction). */
void evtchn_fifo__destroy(struct domain *d);
/* EVTCHNOP_reset in its three forms (evtchn.c); -FASTABI_ERESTART to continue. */
int64_t evtchn__reset(struct hv_vcpu *v, struct evtchn_reset *arg, enum evtchn_reset_mode mode);

/* ---- atomic bit operations on memory the guest shares ----
 * Byte-wide, so that no locked access ever straddles a cache line whatever
 * the alignment the guest chose; the guest may use wider ones on the same
 * bits. */
static inline bool evtchn_bit_test(const void *base, unsigned long bit)
{
	const uint8_t *b = (const uint8_t *)base + bit / 8;
	return __atomic_load_n(b, __ATOMIC_SEQ_CST) & (1u << (bit % 8));
}
static inline bool evtchn_bit_test_and_set(void *base, unsigned long bit)
{
	uint8_t *b = (uint8_t *)base + bit / 8;
	uint8_t m = (uint8_t)(1u << (bit % 8));
	return __atomic_fetch_or(b, m, __ATOMIC_SEQ_CST) & m;
}
static inline bool evtchn_bit_test_and_clear(void *base, unsigned long bit)
{
	uint8_t *b = (uint8_t *)base + bit / 8;
	uint8_t m = (uint8_t)(1u << (bit % 8));
	return __atomic_fetch_and(b, (uint8_t)~m, __ATOMIC_SEQ_CST) & m;
}

#endif
