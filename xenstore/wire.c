/*
 * The xs_wire message format (wire.c): checks and splits requests the way
 * xenstored's get_string / get_strings / onearg do, encodes replies.
 */
#include <errno.h>
#include <string.h>

#include "wire.h"
#include "store.h"

static const char *const wire_names[XS_TYPE_COUNT] = {
	[XS_CONTROL] = "CONTROL",
	[XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ",
	[XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH",
	[XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE",
	[XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	[XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR",
	[XS_RM] = "RM",
	[XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT",
	[XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME",
	[XS_SET_TARGET] = "SET_TARGET",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

const char *wire__type_name(uint32_t type)
{
	return type < XS_TYPE_COUNT ? wire_names[type] : NULL;
}

int wire__check_header(const struct xsd_sockmsg *hdr)
{
	return hdr->len > XENSTORE_PAYLOAD_MAX ? E2BIG : 0;
}

/* How the payload of each type splits: a count of strings (with
 * exactly/at least), or the special cases. */
enum wire_shape { ONE, TWO, AT_LEAST_1, AT_LEAST_2, AT_LEAST_3, PATH_VALUE, ANY };

static int wire__shape(uint32_t type, enum wire_shape *shape)
{
	switch (type) {
	case XS_READ: case XS_DIRECTORY: case XS_GET_PERMS: case XS_MKDIR:
	case XS_RM: case XS_GET_DOMAIN_PATH: case XS_IS_DOMAIN_INTRODUCED:
	case XS_RELEASE: case XS_RESUME: case XS_TRANSACTION_END:
		*shape = ONE; return 0;
	case XS_WATCH: case XS_UNWATCH: case XS_DIRECTORY_PART:
		*shape = TWO; return 0;
	case XS_SET_TARGET:
		*shape = AT_LEAST_2; return 0;
	case XS_INTRODUCE:
		*shape = AT_LEAST_3; return 0;
	case XS_SET_PERMS:
		*shape = AT_LEAST_2; return 0;
	case XS_CONTROL:
		*shape = AT_LEAST_1; return 0;
	case XS_WRITE:
		*shape = PATH_VALUE; return 0;
	case XS_TRANSACTION_START: case XS_RESET_WATCHES:
		*shape = ANY; return 0;
	default:
		/* WATCH_EVENT and ERROR go the other way, RESTRICT is gone, the
		 * rest is unknown: xenstored's "unknown operation", ENOSYS. */
		return ENOSYS;
	}
}

int wire__parse(const struct xsd_sockmsg *hdr, const char *payload,
		struct wire_request *req)
{
	enum wire_shape shape;
	size_t off = 0, len = hdr->len;
	int err;

	memset(req, 0, sizeof(*req));
	req->hdr = *hdr;
	if ((err = wire__check_header(hdr)))
		return err;
	if ((err = wire__shape(hdr->type, &shape)))
		return err;
	if (shape == ANY)
		return 0;
	if (shape == PATH_VALUE) {
		const char *nul = len ? memchr(payload, '\0', len) : NULL;

		if (!nul)
			return EINVAL;
		req->arg[0] = payload;
		req->nargs = 1;
		req->value = nul + 1;
		req->value_len = len - (nul + 1 - payload);
		return 0;
	}
	/* NUL-terminated strings; an unterminated tail is not one. */
	while (off < len) {
		const char *nul = memchr(payload + off, '\0', len - off);

		if (!nul)
			break;
		if (req->nargs == WIRE_ARGS_MAX)
			return EINVAL;
		req->arg[req->nargs++] = payload + off;
		off = nul + 1 - payload;
	}
	switch (shape) {
	case ONE:
		/* onearg: one string that is the whole payload. */
		return req->nargs == 1 && off == len ? 0 : EINVAL;
	case TWO:
		return req->nargs == 2 ? 0 : EINVAL;
	case AT_LEAST_1:
		return req->nargs >= 1 ? 0 : EINVAL;
	case AT_LEAST_2:
		return req->nargs >= 2 ? 0 : EINVAL;
	case AT_LEAST_3:
		return req->nargs >= 3 ? 0 : EINVAL;
	default:
		return 0;
	}
}

size_t wire__encode(uint32_t type, uint32_t req_id, uint32_t tx_id,
		    const void *payload, size_t len, void *out, size_t size)
{
	struct xsd_sockmsg hdr = {
		.type = type, .req_id = req_id, .tx_id = tx_id, .len = len,
	};

	if (len > XENSTORE_PAYLOAD_MAX || size < sizeof(hdr) + len)
		return 0;
	memcpy(out, &hdr, sizeof(hdr));
	if (len)
		memcpy((char *)out + sizeof(hdr), payload, len);
	return sizeof(hdr) + len;
}

size_t wire__error(uint32_t req_id, uint32_t tx_id, int err, void *out,
		   size_t size)
{
	const char *s = store__errstring(err);

	return wire__encode(XS_ERROR, req_id, tx_id, s, strlen(s) + 1, out, size);
}

size_t wire__watch_event(const char *path, const char *token, void *out,
			 size_t size)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;

	if (pl + tl > sizeof(buf))
		return 0;
	memcpy(buf, path, pl);
	memcpy(buf + pl, token, tl);
	return wire__encode(XS_WATCH_EVENT, 0, 0, buf, pl + tl, out, size);
}
