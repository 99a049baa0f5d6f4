/*
 * The xenstore connection layer (xenstore.c): each domain's store ring
 * served as xenstored serves it, on the one store of the process
 * (xenstore/store.h) that every domain of `fastabi create` shares, with
 * the VMM as domain 0, the toolstack that writes each domain's tree.
 */
#ifndef VMM_XENSTORE_H
#define VMM_XENSTORE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <xen/io/xs_wire.h>

#include "hv.h"
#include "backend.h"
#include "ring.h"

struct vmm;
struct vmm_domain;
struct store;
struct store_conn;

#define XS_MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)
/*
 * xenstored's quota_req_outstanding (20): a domain's requests whose reply
 * has not yet been copied into its rsp[], or which fired watch events that
 * their watchers have not yet been given. While a domain has this many,
 * nothing more is read from its req[] (xenstored's domain_can_read): the
 * requests wait there, none is refused. So replies waiting cost at most
 * XS_REQ_OUTSTANDING messages.
 */
#define XS_REQ_OUTSTANDING 20u
/*
 * Watch events waiting for a domain's rsp[]: at most XS_EVENT_BYTES (64
 * KiB, messages and headers), the rest dropped and counted (xenstored
 * bounds them with its memory quota). A guest's undelivered events are
 * dropped after timeout_watch_event_msec (xenstored's default 20 s).
 */
#define XS_EVENT_BYTES (16 * XS_MSG_MAX)
#define XS_EVENT_TIMEOUT_MS 20000u

/* A request counted in its domain's outstanding requests (xenstore_out.c). */
struct xs_pending {
	struct xenstore_backend *owner; /* NULL once the owner's connection is gone */
	struct xs_pending *prev, *next; /* the owner's list */
	unsigned refs;                  /* its reply and the events it fired, not yet delivered */
};

/* One message waiting for rsp[] (xenstore_out.c). */
struct xs_msg {
	struct xs_msg *next;
	struct xs_pending *req; /* a reply's request, or the request that fired an event */
	uint64_t deadline_ms;   /* an event of a guest: dropped then if not begun (0: never) */
	uint32_t len, used;     /* bytes, header included; bytes already in rsp[] */
	bool event;
	uint8_t data[];
};

/* One domain's connection (in struct vmm_domain). */
struct xenstore_backend {
	struct vmm_ring ring;
	struct store_conn *conn; /* the domain's client; NULL before the tree and after release */
	/* The request being gathered from req[] (it may be larger than the ring). */
	uint8_t in[XS_MSG_MAX];
	unsigned in_len;
	/*
	 * What waits for rsp[], in order, and the accounting of
	 * XS_REQ_OUTSTANDING (under the store's lock: other domains' changes
	 * add events, and their deliveries release this domain's requests).
	 */
	struct xs_msg *out, **out_tail;
	unsigned outstanding;   /* requests counted (xenstored's ACC_OUTST) */
	unsigned event_bytes;   /* bytes of the events queued */
	struct xs_pending *pending; /* this domain's counted requests */
	char vm_path[48]; /* "/vm/<uuid>" */
	uint64_t nr_requests, nr_events, nr_events_dropped, nr_events_expired, nr_events_merged;
};

/* The store of the process (in struct vmm). */
struct xenstore_world {
	pthread_mutex_t lock; /* every call on the store, every out queue */
	struct store *store;
	struct store_conn *tool; /* domain 0: the VMM as toolstack */
	/*
	 * xenstored's timeout_watch_event_msec, and the clock it is measured
	 * with (CLOCK_MONOTONIC in ms); a unit test sets both.
	 */
	unsigned event_timeout_ms;
	uint64_t (*now_ms)(void);
};

/* Registered in vmm__init (backend.h). */
extern const struct backend_ops xenstore__backend;

/* The store, before any domain; 0 or -1 after saying why. */
int xenstore__init(struct vmm *vmm);
void xenstore__destroy(struct vmm *vmm);
/*
 * The toolstack's `xl shutdown`/`xl reboot`: write control/shutdown = what
 * ("poweroff", "reboot") in the domain's home. 0, or a positive errno.
 */
int xenstore__request_shutdown(struct vmm_domain *vd, const char *what);
/*
 * Host-side access as domain 0 (the control socket, --xenstore-dump):
 * read (value malloc'd into *val), write, rm, and `xenstore-ls -f -p` of
 * a subtree to out. 0 or a positive errno.
 */
int xenstore__tool_read(struct vmm *vmm, const char *path, char **val, size_t *len);
int xenstore__tool_write(struct vmm *vmm, const char *path, const char *val, size_t len);
int xenstore__tool_rm(struct vmm *vmm, const char *path);
void xenstore__tool_dump(struct vmm *vmm, const char *path, FILE *out);

/* ---- xenstore_tree.c: what the toolstack writes (the store's lock held) ---- */
/* /local/domain/0 as xencommons leaves it; 0 or a positive errno. */
int xenstore_tree__dom0(struct xenstore_world *w);
/*
 * A domain built: its tree as libxl writes it for a PVH domU, and the
 * device directories of the vifs it is a frontend or backend of whose
 * other end is built too. 0 or a positive errno.
 */
int xenstore_tree__domain(struct vmm_domain *vd);
/* A domain gone (xl destroy): its tree, and its vifs' backend directories. */
void xenstore_tree__remove(struct vmm_domain *vd);

/* ---- xenstore_out.c: the messages waiting for a domain's rsp[] (the store's lock held) ---- */
/* A request taken from req[]: counted until its reply and its events are delivered; NULL if no memory. */
struct xs_pending *xenstore_out__request(struct xenstore_backend *xs);
/* One reference of req delivered or dropped; at the last, its owner's count drops. */
void xenstore_out__release(struct xs_pending *req);
/* Queue a reply to req (the message encoded); false if no memory (req released). */
bool xenstore_out__reply(struct xenstore_backend *xs, struct xs_pending *req, uint32_t type,
			 uint32_t req_id, uint32_t tx_id, const void *body, size_t len);
bool xenstore_out__error(struct xenstore_backend *xs, struct xs_pending *req,
			 const struct xsd_sockmsg *h, int err);
/*
 * Queue a watch event fired by req (NULL: the toolstack's change), as
 * xenstored's send_event: an identical event still waiting is enough
 * (special '@' events excepted); over XS_EVENT_BYTES it is dropped and
 * counted; a guest's (deadline_ms not 0) is dropped at deadline_ms if not
 * begun. True if queued.
 */
bool xenstore_out__event(struct xenstore_backend *xs, struct xs_pending *req, const char *path,
			 const char *token, uint64_t deadline_ms);
/* Copy what fits into rsp[] (prod, cons: the guest's rsp indices, checked); bytes copied. */
uint32_t xenstore_out__flush(struct xenstore_backend *xs, uint8_t *rsp, uint32_t prod,
			     uint32_t cons);
/* Drop the events whose deadline has passed and that are not begun; how many. */
unsigned xenstore_out__expire(struct xenstore_backend *xs, uint64_t now_ms);
/* The earliest deadline of the queued events (0: none). */
uint64_t xenstore_out__deadline(const struct xenstore_backend *xs);
/* The connection is gone: everything queued freed, its requests no longer counted. */
void xenstore_out__clear(struct xenstore_backend *xs);
/*
 * xenstore_out.c calls this when a request of xs's is released and xs was
 * at XS_REQ_OUTSTANDING: xs's requests waiting in req[] may be read now.
 */
void xenstore__unblocked(struct xenstore_backend *xs);

#endif
