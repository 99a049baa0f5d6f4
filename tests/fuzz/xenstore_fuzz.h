/*
 * What every reply of the store must satisfy, for the xenstore fuzz
 * targets (xenstore_wire_fuzz.c, xenstore_store_fuzz.c): it fits a message
 * (XENSTORE_PAYLOAD_MAX) and encodes, and an error is one NUL-terminated
 * string. Aborts otherwise, so that libFuzzer keeps the input.
 */
#ifndef XENSTORE_FUZZ_H
#define XENSTORE_FUZZ_H

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "wire.h"

static inline void xenstore_fuzz__check_reply(const struct store_reply *r)
{
	static unsigned char out[WIRE_MSG_MAX];

	if (r->len > XENSTORE_PAYLOAD_MAX)
		abort();
	if (!wire__encode(r->type, 0, 0, r->payload, r->len, out, sizeof(out)))
		abort();
	if (r->type == XS_ERROR &&
	    (!r->len || r->payload[r->len - 1] || strlen(r->payload) + 1 != r->len))
		abort();
}

#endif
