/*
 * libFuzzer target for the xs_wire parser and the store behind it
 * (xenstore/wire.c, request.c and the store): the input is a stream of
 * messages (struct xsd_sockmsg + payload) sent in turn by dom0 and two
 * guests to a fresh store. Checks what every reply must satisfy: it fits
 * a message (XENSTORE_PAYLOAD_MAX), encodes, and an error is a known
 * string; the sanitizers catch the rest.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "wire.h"
#include "xenstore_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_quota q;
	struct store *s;
	struct store_conn *c[3];
	unsigned char out[WIRE_MSG_MAX];
	size_t off = 0;

	/* Small quotas so that the fuzzer reaches them. */
	quota__defaults(&q);
	q.nb_entry_per_domain = 20;
	q.nb_watch_per_domain = 4;
	q.max_transaction = 2;
	q.trans_nodes = 16;
	s = store__new(&q);
	if (!s)
		abort();
	for (unsigned i = 0; i < 3; i++) {
		c[i] = store__conn_new(s, i, NULL);
		if (!c[i])
			abort();
	}
	store__mkdir(c[0], 0, "/local/domain/1");
	store__mkdir(c[0], 0, "/local/domain/2");
	store__introduce(s, 1);
	while (size - off >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg hdr;
		struct wire_request req;
		struct store_reply r;
		struct store_event *ev;
		char *payload;
		unsigned who;
		int err;

		memcpy(&hdr, data + off, sizeof(hdr));
		off += sizeof(hdr);
		if (wire__check_header(&hdr))
			break; /* the connection would be cut */
		/* Small transaction ids, so that some name open ones. */
		hdr.tx_id &= 3;
		if (hdr.len > size - off)
			hdr.len = size - off;
		/* A copy of exactly len bytes: reads beyond are caught. */
		payload = malloc(hdr.len ? hdr.len : 1);
		memcpy(payload, data + off, hdr.len);
		off += hdr.len;
		who = hdr.req_id % 3;
		err = wire__parse(&hdr, payload, &req);
		if (!err) {
			if (store__request(c[who], &req, &r)) {
				xenstore_fuzz__check_reply(&r);
				free(r.payload);
			} else if (req.hdr.type == XS_RELEASE) {
				/* What the connection layer does for dom0. */
				store__release(s, strtoul(req.arg[0], NULL, 10) % 4);
			}
		} else {
			if (err != EINVAL && err != ENOSYS)
				abort();
			wire__error(hdr.req_id, hdr.tx_id, err, out, sizeof(out));
		}
		free(payload);
		ev = store__events_take(s);
		for (struct store_event *e = ev; e; e = e->next)
			wire__watch_event(e->path, e->token, out, sizeof(out));
		store__events_free(ev);
	}
	store__free(s);
	return 0;
}
