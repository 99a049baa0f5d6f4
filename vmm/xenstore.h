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
 * Messages waiting for room in a guest's rsp[]: requests are taken only
 * while the replies waiting stay under XS_REPLY_ROOM, watch events are
 * queued up to XS_OUT_MAX and dropped (counted) beyond, so a guest that
 * never reads its ring costs at most XS_OUT_MAX bytes.
 */
#define XS_REPLY_ROOM (4 * XS_MSG_MAX)
#define XS_OUT_MAX (16 * XS_MSG_MAX)

/* One domain's connection (in struct vmm_domain). */
struct xenstore_backend {
	struct vmm_ring ring;
	struct store_conn *conn; /* the domain's client; NULL before the tree and after release */
	/* The request being gathered from req[] (it may be larger than the ring). */
	uint8_t in[XS_MSG_MAX];
	unsigned in_len;
	/* Replies and events for rsp[] (under the store's lock: others' changes add events). */
	uint8_t out[XS_OUT_MAX];
	unsigned out_len;
	char vm_path[48]; /* "/vm/<uuid>" */
	uint64_t nr_requests, nr_events, nr_events_dropped;
};

/* The store of the process (in struct vmm). */
struct xenstore_world {
	pthread_mutex_t lock; /* every call on the store, every out queue */
	struct store *store;
	struct store_conn *tool; /* domain 0: the VMM as toolstack */
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

#endif
