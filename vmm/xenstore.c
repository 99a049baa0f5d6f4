/*
 * A small xenstore in the VMM: the backend of the guest's store ring
 * (struct xenstore_domain_interface, <xen/io/xs_wire.h>), enough for a guest
 * that reads its own node at boot.
 *
 * The tree is read-only and tiny: /local/domain/<domid>/{domid, name,
 * device} and the directories above it. Paths without a leading '/' are
 * relative to /local/domain/<domid>, as in xenstored. Served: XS_READ,
 * XS_DIRECTORY, XS_GET_DOMAIN_PATH, XS_WATCH (which fires once at once, as
 * xenstored's watches do; nothing ever changes afterwards), XS_UNWATCH,
 * XS_RESET_WATCHES, XS_TRANSACTION_START/END (every transaction succeeds:
 * nothing can conflict). Writes and the privileged requests are refused
 * with EACCES, the rest of the protocol with ENOSYS, unknown types and
 * malformed payloads with EINVAL.
 *
 * A registered backend (backend.h): a guest's send on the store port wakes
 * the domain's backend thread, which runs xenstore_serve holding the
 * domain's memory map (hv_domain__mem_lock) while it looks at the ring; one
 * thread serves the sends of every vCPU. It gathers requests from req[] into a buffer of its own (a request may be
 * longer than the ring and arrive in pieces), answers each complete one
 * into a queue of replies, copies as much of the queue as fits into rsp[]
 * and notifies the guest. It consumes at most one ring's worth per
 * notification, and only while the queue has room for the answers, so a
 * guest that does not read its replies stops being served rather than
 * growing anything. Indices that make no sense and payloads longer than
 * XENSTORE_PAYLOAD_MAX break the connection (reported once on stderr and
 * in the page's error field, as xenstored does).
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/hvm/params.h>

#include "vmm.h"

#define RING XENSTORE_RING_SIZE
#define OFF(f) offsetof(struct xenstore_domain_interface, f)


static void broken(struct vmm_domain *vd, uint8_t *page, uint32_t error, const char *fmt,
		   uint32_t a, uint32_t b)
{
	/* XENSTORE_SERVER_FEATURE_ERROR: the guest can read why. */
	ring__store_idx(page, OFF(error), error);
	ring__broken(vd, &vd->xs.ring, "xenstore", fmt, a, b);
}

/* ---- replies ---- */

static void reply(struct xenstore_backend *xs, const struct xsd_sockmsg *req, uint32_t type,
		  const void *body, unsigned len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = req->req_id, .tx_id = req->tx_id,
				 .len = len };

	/* Room was checked before the request was taken (XS_OUT_MAX). */
	memcpy(xs->out + xs->out_len, &h, sizeof(h));
	memcpy(xs->out + xs->out_len + sizeof(h), body, len);
	xs->out_len += (unsigned)sizeof(h) + len;
}

static void reply_error(struct xenstore_backend *xs, const struct xsd_sockmsg *req,
			const char *err)
{
	reply(xs, req, XS_ERROR, err, (unsigned)strlen(err) + 1);
}

static void reply_ok(struct xenstore_backend *xs, const struct xsd_sockmsg *req)
{
	reply(xs, req, req->type, "OK", 3);
}

/* ---- the tree ---- */

static void add_node(struct xenstore_backend *xs, const char *path, const char *value)
{
	struct xenstore_node *n = &xs->node[xs->nr_nodes++];

	snprintf(n->path, sizeof(n->path), "%s", path);
	snprintf(n->value, sizeof(n->value), "%s", value);
}

/*
 * The absolute form of a path the guest gave, in out; false if it is not a
 * valid xenstore path (characters, "//", a trailing '/', too long).
 */
static bool abs_path(const struct xenstore_backend *xs, const char *p, char *out, size_t outlen)
{
	if (!*p)
		return false;
	for (const char *c = p; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '@' || *c == '/';
		if (!ok || (c[0] == '/' && c[1] == '/'))
			return false;
	}
	size_t l = strlen(p);
	if (l > 1 && p[l - 1] == '/')
		return false;
	int n = p[0] == '/' ? snprintf(out, outlen, "%s", p)
			    : snprintf(out, outlen, "%s/%s", xs->home, p);
	return n > 0 && (size_t)n < outlen;
}

static const struct xenstore_node *find(const struct xenstore_backend *xs, const char *path)
{
	for (unsigned i = 0; i < xs->nr_nodes; i++)
		if (!strcmp(xs->node[i].path, path))
			return &xs->node[i];
	return NULL;
}

/* The child's name if node n is a direct child of dir, else NULL. */
static const char *child_of(const struct xenstore_node *n, const char *dir)
{
	size_t l = strlen(dir);
	const char *rest;

	if (!strcmp(dir, "/"))
		rest = n->path + 1;
	else if (!strncmp(n->path, dir, l) && n->path[l] == '/')
		rest = n->path + l + 1;
	else
		return NULL;
	return *rest && !strchr(rest, '/') ? rest : NULL;
}

/* ---- requests ---- */

/* The payload is one NUL-terminated string: its body, or NULL. */
static const char *one_string(const uint8_t *body, unsigned len)
{
	if (len == 0 || body[len - 1] != '\0' || memchr(body, '\0', len) != body + len - 1)
		return NULL;
	return (const char *)body;
}

static void do_read(struct xenstore_backend *xs, const struct xsd_sockmsg *req,
		    const uint8_t *body, bool directory)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];
	const char *p = one_string(body, req->len);

	if (!p || !abs_path(xs, p, path, sizeof(path))) {
		reply_error(xs, req, "EINVAL");
		return;
	}
	const struct xenstore_node *n = find(xs, path);
	if (!n) {
		reply_error(xs, req, "ENOENT");
		return;
	}
	if (!directory) {
		/* The value without a terminating NUL, as xenstored sends it. */
		reply(xs, req, XS_READ, n->value, (unsigned)strlen(n->value));
		return;
	}
	char list[XS_MAX_NODES * sizeof(n->path)];
	unsigned l = 0;
	for (unsigned i = 0; i < xs->nr_nodes; i++) {
		const char *c = child_of(&xs->node[i], path);
		if (c) {
			memcpy(list + l, c, strlen(c) + 1);
			l += (unsigned)strlen(c) + 1;
		}
	}
	reply(xs, req, XS_DIRECTORY, list, l);
}

/* "path\0token\0": true if the payload is exactly two strings. */
static bool two_strings(const uint8_t *body, unsigned len)
{
	const uint8_t *z = len ? memchr(body, '\0', len) : NULL;
	return z && one_string(z + 1, (unsigned)(body + len - (z + 1))) && z > body;
}

static void do_watch(struct xenstore_backend *xs, const struct xsd_sockmsg *req,
		     const uint8_t *body)
{
	char path[XENSTORE_ABS_PATH_MAX + 1];

	if (!two_strings(body, req->len) ||
	    (!abs_path(xs, (const char *)body, path, sizeof(path)) && body[0] != '@')) {
		reply_error(xs, req, "EINVAL");
		return;
	}
	for (unsigned i = 0; i < xs->nr_watches; i++)
		if (xs->watch[i].len == req->len && !memcmp(xs->watch[i].buf, body, req->len)) {
			reply_error(xs, req, "EEXIST");
			return;
		}
	if (xs->nr_watches == XS_MAX_WATCHES) {
		reply_error(xs, req, "E2BIG");
		return;
	}
	xs->watch[xs->nr_watches].len = req->len;
	memcpy(xs->watch[xs->nr_watches].buf, body, req->len);
	xs->nr_watches++;
	reply_ok(xs, req);
	/* A new watch fires once at once; nothing changes afterwards. */
	struct xsd_sockmsg ev = { .type = XS_WATCH_EVENT };
	reply(xs, &ev, XS_WATCH_EVENT, body, req->len);
}

static void do_unwatch(struct xenstore_backend *xs, const struct xsd_sockmsg *req,
		       const uint8_t *body)
{
	if (!two_strings(body, req->len)) {
		reply_error(xs, req, "EINVAL");
		return;
	}
	for (unsigned i = 0; i < xs->nr_watches; i++)
		if (xs->watch[i].len == req->len && !memcmp(xs->watch[i].buf, body, req->len)) {
			xs->watch[i] = xs->watch[--xs->nr_watches];
			reply_ok(xs, req);
			return;
		}
	reply_error(xs, req, "ENOENT");
}

static void handle(struct vmm_domain *vd, const struct xsd_sockmsg *req, const uint8_t *body)
{
	struct xenstore_backend *xs = &vd->xs;
	char buf[64];

	xs->nr_requests++;
	switch (req->type) {
	case XS_READ:
		do_read(xs, req, body, false);
		break;
	case XS_DIRECTORY:
		do_read(xs, req, body, true);
		break;
	case XS_GET_DOMAIN_PATH: {
		const char *p = one_string(body, req->len);
		char *end;
		unsigned long id = p ? strtoul(p, &end, 10) : 0;
		if (!p || *p < '0' || *p > '9' || *end || id >= DOMID_FIRST_RESERVED) {
			reply_error(xs, req, "EINVAL");
			break;
		}
		int n = snprintf(buf, sizeof(buf), "/local/domain/%lu", id);
		reply(xs, req, XS_GET_DOMAIN_PATH, buf, (unsigned)n + 1);
		break;
	}
	case XS_WATCH:
		do_watch(xs, req, body);
		break;
	case XS_UNWATCH:
		do_unwatch(xs, req, body);
		break;
	case XS_RESET_WATCHES:
		xs->nr_watches = 0;
		reply_ok(xs, req);
		break;
	case XS_TRANSACTION_START: {
		if (req->tx_id) {
			reply_error(xs, req, "EBUSY"); /* no nested transactions */
			break;
		}
		if (++xs->next_tx == 0)
			xs->next_tx = 1;
		int n = snprintf(buf, sizeof(buf), "%u", xs->next_tx);
		reply(xs, req, XS_TRANSACTION_START, buf, (unsigned)n + 1);
		break;
	}
	case XS_TRANSACTION_END:
		/* Nothing can be written, so nothing conflicts: every commit succeeds. */
		if (!req->tx_id)
			reply_error(xs, req, "ENOENT");
		else
			reply_ok(xs, req);
		break;
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_SET_PERMS:
	case XS_CONTROL:
	case XS_INTRODUCE:
	case XS_RELEASE:
	case XS_IS_DOMAIN_INTRODUCED:
	case XS_RESUME:
	case XS_SET_TARGET:
		reply_error(xs, req, "EACCES"); /* read-only, and the guest is not privileged */
		break;
	case XS_GET_PERMS:
	case XS_DIRECTORY_PART:
		reply_error(xs, req, "ENOSYS");
		break;
	default:
		reply_error(xs, req, "EINVAL"); /* XS_WATCH_EVENT, XS_ERROR, unknown types */
		break;
	}
}

/* ---- the ring ---- */

/* Copy queued replies into rsp[]; true if any went. */
static bool flush(struct vmm_domain *vd, uint8_t *page)
{
	struct xenstore_backend *xs = &vd->xs;

	if (!xs->out_len)
		return false;
	uint32_t cons = ring__load_idx(page, OFF(rsp_cons));
	uint32_t prod = ring__load_idx(page, OFF(rsp_prod));
	if (prod - cons > RING) {
		broken(vd, page, XENSTORE_ERROR_RINGIDX,
		       "rsp_prod %#x is beyond rsp_cons %#x by more than the ring", prod, cons);
		return false;
	}
	uint32_t n = RING - (prod - cons);
	if (n > xs->out_len)
		n = xs->out_len;
	uint8_t *rsp = page + OFF(rsp);
	for (uint32_t i = 0; i < n; i++)
		rsp[(prod + i) & (RING - 1)] = xs->out[i];
	ring__store_idx(page, OFF(rsp_prod), prod + n);
	memmove(xs->out, xs->out + n, xs->out_len - n);
	xs->out_len -= n;
	return n > 0;
}

/* Take requests from req[]; true if any byte was consumed. */
static bool consume(struct vmm_domain *vd, uint8_t *page)
{
	struct xenstore_backend *xs = &vd->xs;
	const unsigned hdr = sizeof(struct xsd_sockmsg);
	/* Every request gets at most two messages back (XS_WATCH: the ack and the event). */
	const unsigned room = 2 * (unsigned)XS_MSG_MAX;

	uint32_t prod = ring__load_idx(page, OFF(req_prod));
	uint32_t cons = ring__load_idx(page, OFF(req_cons));
	uint32_t avail = prod - cons;
	if (avail > RING) {
		broken(vd, page, XENSTORE_ERROR_RINGIDX,
		       "req_prod %#x is beyond req_cons %#x by more than the ring", prod, cons);
		return false;
	}
	const uint8_t *req = page + OFF(req);
	uint32_t start = cons;
	while (avail && xs->out_len + room <= XS_OUT_MAX) {
		struct xsd_sockmsg h;
		unsigned want = hdr;
		if (xs->in_len >= hdr) {
			memcpy(&h, xs->in, hdr);
			want = hdr + h.len;
		}
		uint32_t n = want - xs->in_len;
		if (n > avail)
			n = avail;
		for (uint32_t i = 0; i < n; i++)
			xs->in[xs->in_len + i] = req[(cons + i) & (RING - 1)];
		xs->in_len += n;
		cons += n;
		avail -= n;
		if (xs->in_len < hdr)
			break;
		memcpy(&h, xs->in, hdr);
		if (h.len > XENSTORE_PAYLOAD_MAX) {
			ring__store_idx(page, OFF(req_cons), cons);
			broken(vd, page, XENSTORE_ERROR_PROTO,
			       "a request (type %u) of %u bytes, more than XENSTORE_PAYLOAD_MAX", h.type,
			       h.len);
			return true;
		}
		if (xs->in_len == hdr + h.len) {
			handle(vd, &h, xs->in + hdr);
			xs->in_len = 0;
		}
	}
	if (cons != start)
		ring__store_idx(page, OFF(req_cons), cons);
	return cons != start;
}

static struct vmm_ring *xenstore_ring(struct vmm_domain *vd)
{
	return &vd->xs.ring;
}

/* A send on the store port (on the backend thread, the memory map held). */
static bool xenstore_serve(struct vmm_domain *vd)
{
	bool moved = false;
	uint8_t *page = ring__page(vd, &vd->xs.ring);

	if (page) {
		/* Replies first: the guest may have made room for the ones that waited. */
		moved = flush(vd, page);
		if (!vd->xs.ring.broken)
			moved |= consume(vd, page);
		if (!vd->xs.ring.broken)
			moved |= flush(vd, page);
		/* Just broken: tell the guest, which waits for an event to read the error field. */
		moved |= vd->xs.ring.broken;
	}
	return moved;
}

static void xenstore_report(struct vmm_domain *vd, char *buf, size_t len)
{
	snprintf(buf, len, "xenstore: %llu notifications, %llu requests",
		 (unsigned long long)vd->xs.ring.nr_notify, (unsigned long long)vd->xs.nr_requests);
}

static int xenstore_setup(struct vmm_domain *vd, uint64_t gpa_, uint8_t *host)
{
	struct xenstore_backend *xs = &vd->xs;
	char buf[48], id[8];

	memset(host, 0, PAGE_SIZE);
	ring__store_idx(host, OFF(server_features), XENSTORE_SERVER_FEATURE_ERROR);
	ring__store_idx(host, OFF(connection), XENSTORE_CONNECTED);
	xs->ring = (struct vmm_ring){ .gpa = gpa_, .host = host };

	snprintf(id, sizeof(id), "%u", hv_domain__id(vd->d));
	snprintf(xs->home, sizeof(xs->home), "/local/domain/%s", id);
	add_node(xs, "/", "");
	add_node(xs, "/local", "");
	add_node(xs, "/local/domain", "");
	add_node(xs, xs->home, "");
	snprintf(buf, sizeof(buf), "%s/domid", xs->home);
	add_node(xs, buf, id);
	snprintf(buf, sizeof(buf), "%s/name", xs->home);
	add_node(xs, buf, vd->name);
	snprintf(buf, sizeof(buf), "%s/device", xs->home);
	add_node(xs, buf, "");

	return 0;
}

const struct backend_ops xenstore__backend = {
	.name = "xenstore",
	.async = true,
	.gpa = VMM_STORE_GPA,
	.pfn_param = HVM_PARAM_STORE_PFN,
	.evtchn_param = HVM_PARAM_STORE_EVTCHN,
	.ring = xenstore_ring,
	.setup = xenstore_setup,
	.serve = xenstore_serve,
	.report = xenstore_report,
};
