/*
 * One xs_wire request to its reply (request.c), the way xenstored's
 * process_message dispatches: the transaction id is looked up first
 * (ENOENT if unknown), then the request's own rules apply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include <xen/xen.h> /* DOMID_SELF */

#include "store_int.h"
#include "wire.h"

static int request__ok(struct store_reply *r)
{
	r->payload = strdup("OK");
	r->len = 3;
	return r->payload ? 0 : ENOMEM;
}

static int request__string(struct store_reply *r, const char *s)
{
	r->payload = strdup(s);
	r->len = strlen(s) + 1;
	return r->payload ? 0 : ENOMEM;
}

/* xenstored reads numbers with atoi(): leading digits, else 0. */
static unsigned long request__atoi(const char *s)
{
	unsigned long v = 0;

	while (*s >= '0' && *s <= '9' && v < 0x10000000ul)
		v = v * 10 + (*s++ - '0');
	return v;
}

static int request__do(struct store_conn *c, const struct wire_request *req,
		       struct store_reply *r)
{
	uint32_t tx = req->hdr.tx_id;
	const char *a0 = req->arg[0];
	char buf[32];
	int err;

	switch (req->hdr.type) {
	case XS_READ:
		return store__read(c, tx, a0, &r->payload, &r->len);
	case XS_WRITE:
		err = store__write(c, tx, a0, req->value, req->value_len);
		return err ? err : request__ok(r);
	case XS_MKDIR:
		err = store__mkdir(c, tx, a0);
		return err ? err : request__ok(r);
	case XS_RM:
		err = store__rm(c, tx, a0);
		return err ? err : request__ok(r);
	case XS_DIRECTORY:
		return store__directory(c, tx, a0, &r->payload, &r->len);
	case XS_DIRECTORY_PART:
		return store__directory_part(c, tx, a0, request__atoi(req->arg[1]),
					     &r->payload, &r->len);
	case XS_GET_PERMS: {
		struct xs_permissions *p;
		unsigned n;

		err = store__get_perms(c, tx, a0, &p, &n);
		if (err)
			return err;
		err = perms__format(p, n, &r->payload, &r->len);
		free(p);
		return err;
	}
	case XS_SET_PERMS: {
		struct xs_permissions *p;
		unsigned n;
		/* The permission strings run from arg[1] to the last NUL. */
		const char *last = req->arg[req->nargs - 1];
		size_t len = last + strlen(last) + 1 - req->arg[1];

		err = perms__parse(req->arg[1], len, &p, &n);
		if (err)
			return err;
		err = store__set_perms(c, tx, a0, p, n);
		free(p);
		return err ? err : request__ok(r);
	}
	case XS_WATCH:
		err = store__watch(c, a0, req->arg[1]);
		return err ? err : request__ok(r);
	case XS_UNWATCH:
		err = store__unwatch(c, a0, req->arg[1]);
		return err ? err : request__ok(r);
	case XS_RESET_WATCHES:
		err = store__reset_watches(c);
		return err ? err : request__ok(r);
	case XS_TRANSACTION_START: {
		uint32_t id;

		/* No nesting: a start inside a transaction is EBUSY. */
		if (tx)
			return EBUSY;
		err = store__transaction_start(c, &id);
		if (err)
			return err;
		snprintf(buf, sizeof(buf), "%u", id);
		return request__string(r, buf);
	}
	case XS_TRANSACTION_END:
		if (strcmp(a0, "T") && strcmp(a0, "F"))
			return EINVAL;
		err = store__transaction_end(c, tx, a0[0] == 'T');
		return err ? err : request__ok(r);
	case XS_GET_DOMAIN_PATH:
		store__domain_path(request__atoi(a0), buf, sizeof(buf));
		return request__string(r, buf);
	case XS_IS_DOMAIN_INTRODUCED: {
		unsigned long domid = request__atoi(a0);

		return request__string(r, domid == DOMID_SELF ||
					  store__is_introduced(c->s, domid) ? "T" : "F");
	}
	default:
		return EINVAL;
	}
}

bool store__request(struct store_conn *c, const struct wire_request *req,
		    struct store_reply *reply)
{
	uint32_t type = req->hdr.type;
	bool priv = type == XS_INTRODUCE || type == XS_RELEASE ||
		    type == XS_RESUME || type == XS_SET_TARGET ||
		    type == XS_CONTROL || type == XS_IS_DOMAIN_INTRODUCED;
	/* WATCH and UNWATCH ignore the transaction id (XS_FLAG_NOTID). */
	bool notid = type == XS_WATCH || type == XS_UNWATCH;
	int err;

	memset(reply, 0, sizeof(*reply));
	/* xenstored's order: privilege, then the transaction id. */
	if (priv && !store__conn_privileged(c))
		err = EACCES;
	else if (!notid && req->hdr.tx_id && !txn__find(c, req->hdr.tx_id))
		err = ENOENT;
	else if (priv && type != XS_IS_DOMAIN_INTRODUCED)
		return false;
	else
		err = request__do(c, req, reply);
	reply->type = type;
	if (err) {
		free(reply->payload);
		reply->type = XS_ERROR;
		reply->payload = strdup(store__errstring(err));
		reply->len = reply->payload ? strlen(reply->payload) + 1 : 0;
	}
	return true;
}
