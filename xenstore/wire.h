/*
 * The xs_wire message format (wire.c): struct xsd_sockmsg followed by
 * `len` payload bytes, requests checked against what each type must carry,
 * replies and watch events encoded. Pure functions on buffers: no I/O, no
 * store; fuzzed by tests/fuzz/xenstore_wire_fuzz.c.
 */
#ifndef XENSTORE_WIRE_H
#define XENSTORE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

/* A header and the largest payload. */
#define WIRE_MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)
/* Most NUL-terminated strings a request is split into (SET_PERMS: path +
 * perms; more is EINVAL at parse or ENOSPC by quota). */
#define WIRE_ARGS_MAX 64

/*
 * Checks a header alone (what a ring reader knows first): 0, or
 * E2BIG when len > XENSTORE_PAYLOAD_MAX, the protocol violation after
 * which xenstored drops the connection (XENSTORE_ERROR_PROTO).
 */
int wire__check_header(const struct xsd_sockmsg *hdr);

/*
 * A request split into its arguments. The pointers point into the
 * payload given to wire__parse, which must outlive the struct.
 *   arg[0..nargs-1]: the NUL-terminated strings of the payload (for WRITE
 *     only the path: value/value_len is the rest, any bytes, maybe empty).
 */
struct wire_request {
	struct xsd_sockmsg hdr;
	unsigned nargs;
	const char *arg[WIRE_ARGS_MAX];
	const char *value;
	size_t value_len;
};

/*
 * Splits hdr + payload (hdr->len bytes) into req, checking what xenstored
 * checks before acting: len <= XENSTORE_PAYLOAD_MAX (E2BIG), the type is
 * one a client may send (WATCH_EVENT, ERROR, the removed RESTRICT or an
 * unknown number: ENOSYS, as xenstored's process_message), and the
 * argument list of the type (EINVAL):
 *   one string (READ, DIRECTORY, GET_PERMS, MKDIR, RM, GET_DOMAIN_PATH,
 *     IS_DOMAIN_INTRODUCED, RELEASE, RESUME, TRANSACTION_END): the payload
 *     is exactly one NUL-terminated string;
 *   WRITE: a NUL-terminated path, then the value;
 *   two strings (WATCH, UNWATCH, DIRECTORY_PART, SET_TARGET);
 *   three (INTRODUCE: domid, mfn, port);
 *   SET_PERMS: a path and at least one permission string;
 *   CONTROL: one or more strings; TRANSACTION_START, RESET_WATCHES:
 *     anything (ignored, as xenstored does).
 * Returns 0, or the error the connection layer answers in an XS_ERROR
 * with the request's req_id and tx_id (ENOSYS, EINVAL; E2BIG means the
 * connection is cut instead).
 */
int wire__parse(const struct xsd_sockmsg *hdr, const char *payload,
		struct wire_request *req);

/*
 * Encodes one message (header + payload) into out (room for `size`
 * bytes). Returns the bytes written, or 0 if it does not fit or len >
 * XENSTORE_PAYLOAD_MAX.
 */
size_t wire__encode(uint32_t type, uint32_t req_id, uint32_t tx_id,
		    const void *payload, size_t len, void *out, size_t size);

/* XS_ERROR reply "<errstring>\0" for err (store__errstring's table). */
size_t wire__error(uint32_t req_id, uint32_t tx_id, int err, void *out,
		   size_t size);

/* XS_WATCH_EVENT "path\0token\0", req_id and tx_id 0. */
size_t wire__watch_event(const char *path, const char *token, void *out,
			 size_t size);

/* The name of a type ("READ"), or NULL if unknown: for logs. */
const char *wire__type_name(uint32_t type);

#endif
