/*
 * The xenstore responder (xenstore.c): its state lives here, not in
 * vmm.h; nothing outside xenstore.c reads it but the --stats report.
 */
#ifndef VMM_XENSTORE_H
#define VMM_XENSTORE_H

#include <stdint.h>

#include <xen/io/xs_wire.h>

#include "hv.h"
#include "backend.h"
#include "ring.h"

struct vmm_domain;

/* The xenstore responder (xenstore.c). */
#define XS_MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)
#define XS_OUT_MAX (3 * XS_MSG_MAX) /* replies waiting for room in rsp[] */
#define XS_MAX_WATCHES 8
#define XS_MAX_NODES 8
struct xenstore_node {
	char path[48];
	char value[HV_NAME_MAX];
};
struct xenstore_backend {
	struct vmm_ring ring;
	/* The request being gathered from req[] (it may be larger than the ring). */
	uint8_t in[XS_MSG_MAX];
	unsigned in_len;
	uint8_t out[XS_OUT_MAX];
	unsigned out_len;
	uint32_t next_tx;
	/* Watches: the payload of XS_WATCH ("path\0token\0"). */
	struct {
		unsigned len;
		char buf[XENSTORE_PAYLOAD_MAX];
	} watch[XS_MAX_WATCHES];
	unsigned nr_watches;
	/* The read-only tree: absolute paths and their values. */
	struct xenstore_node node[XS_MAX_NODES];
	unsigned nr_nodes;
	char home[32]; /* "/local/domain/<domid>" */
	uint64_t nr_requests;
};


/* Registered in vmm__init (backend.h). */
extern const struct backend_ops xenstore__backend;

#endif
