/*
 * The xenstore store: a tree of nodes with values and permissions,
 * generation counts, transactions, watches and per-domain quotas, with
 * the semantics of C xenstored (docs/xenstore.md says where they differ).
 *
 * It knows nothing of KVM, rings, event channels or threads: a client is a
 * struct store_conn (one per domain ring, plus any number for the toolstack,
 * which is domain 0), every operation is a plain function call that answers
 * at once, and watch events are queued in the store for the connection
 * layer to take (store__events_take) and deliver. Not thread-safe: the
 * caller serialises all calls on one store (one thread or one lock).
 *
 * Errors: every int-returning function returns 0 or a positive errno value
 * among those of xs_wire's xsd_errors table (EINVAL, EACCES, EEXIST, ENOENT,
 * ENOMEM, ENOSPC, EAGAIN, E2BIG, EPERM, EBUSY, ...); store__errstring turns
 * it into the string sent in an XS_ERROR reply.
 *
 * Paths: every path argument is as a client sends it: absolute ("/a/b") or
 * relative to the connection's home "/local/domain/<domid>", or one of the
 * special watch paths "@introduceDomain" / "@releaseDomain" where xenstored
 * allows them (WATCH, UNWATCH, GET_PERMS, SET_PERMS).
 *
 * Files: store.c (clients, node requests), tree.c, view.c, node.c, map.c,
 * path.c, perms.c, txn.c, watch.c, quota.c, domain.c, dump.c, request.c
 * (an xs_wire request to a reply), wire.c/wire.h (the message parser and
 * encoder); docs/xenstore.md.
 */
#ifndef XENSTORE_STORE_H
#define XENSTORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xenstore_lib.h> /* struct xs_permissions, XS_PERM_* */
#include <xen/io/xs_wire.h>

/* xenstored's DOMID_SELF-free view: domain 0 is the toolstack (the VMM). */
#define STORE_DOM0 0u

/*
 * xenstored's quotas (xenstored_core.c defaults). They apply to
 * unprivileged domains only: domain 0 is exempt, as in xenstored.
 */
struct store_quota {
	unsigned nb_entry_per_domain; /* 1000: nodes owned by a domain (ENOSPC) */
	unsigned max_entry_size;      /* 2048: bytes of one node record (ENOSPC) */
	unsigned nb_watch_per_domain; /* 128: watches of a domain (E2BIG) */
	unsigned max_transaction;     /* 10: open transactions of a conn (ENOSPC) */
	unsigned req_outstanding;     /* 20: enforced by the connection layer */
	unsigned max_path_len;        /* XENSTORE_REL_PATH_MAX: the part after
	                                 /local/domain/<domid>/ (EINVAL) */
	unsigned nb_perms_per_node;   /* 5: entries of SET_PERMS (ENOSPC) */
	unsigned trans_nodes;         /* 1024: nodes one transaction touches (ENOSPC) */
};

/* The defaults above. */
void quota__defaults(struct store_quota *q);

struct store;      /* opaque */
struct store_conn; /* opaque: one client of the store */

/*
 * A new store holding "/", "/tool" and "/tool/xenstored" (owner dom0,
 * "n0") as xenstored starts with (its initial tree), and the special
 * nodes @introduceDomain / @releaseDomain (perms "n0": only domain 0 gets
 * their events until dom0 SET_PERMSes them). quota may be NULL (defaults).
 * NULL when out of memory.
 */
struct store *store__new(const struct store_quota *quota);
void store__free(struct store *s);

/*
 * A client. domid is the domain it speaks for (0: the toolstack, with every
 * right); home is "/local/domain/<domid>", the base of relative paths.
 * opaque is the connection layer's pointer, given back in events.
 * store__conn_free drops the conn's watches and aborts its transactions
 * (xenstored's connection close); it fires nothing.
 */
struct store_conn *store__conn_new(struct store *s, unsigned domid, void *opaque);
void store__conn_free(struct store_conn *c);
void *store__conn_opaque(const struct store_conn *c);
unsigned store__conn_domid(const struct store_conn *c);
bool store__conn_privileged(const struct store_conn *c); /* domid 0 */

/* The string of an error for XS_ERROR ("ENOENT"); unknown -> "EINVAL". */
const char *store__errstring(int err);

/*
 * Node requests. tx is 0 or an open transaction id of this conn (ENOENT if
 * unknown); inside a transaction reads see its writes and nothing fires
 * until the commit.
 *
 * read: value bytes into *val (malloc'd, NUL-terminated beyond *len for
 *   convenience; free() it). Needs XS_PERM_READ on the node.
 * write: creates the node and any missing parent (the new nodes inherit
 *   their parent's permissions; an unprivileged creator becomes the owner),
 *   needing XS_PERM_WRITE on the node, or on the nearest existing ancestor
 *   when creating. Fires watches.
 * mkdir: as write of an empty value, but an existing node is left alone.
 * rm: removes the node and its subtree ("/" is EINVAL); a missing node
 *   whose parent exists is success, as in xenstored. Fires watches.
 * directory: the children's names, each NUL-terminated, in creation order
 *   (E2BIG if the list exceeds XENSTORE_PAYLOAD_MAX).
 * directory_part: XS_DIRECTORY_PART's reply: "<generation>\0" then the
 *   children from byte offset `offset` of the list that fit in
 *   XENSTORE_PAYLOAD_MAX, and an extra "\0" when the list ends there.
 * A missing node is ENOENT if the caller could read (write) the nearest
 * existing ancestor, EACCES otherwise (xenstored's errno_from_parents).
 */
int store__read(struct store_conn *c, uint32_t tx, const char *path,
		char **val, size_t *len);
int store__write(struct store_conn *c, uint32_t tx, const char *path,
		 const void *val, size_t len);
int store__mkdir(struct store_conn *c, uint32_t tx, const char *path);
int store__rm(struct store_conn *c, uint32_t tx, const char *path);
int store__directory(struct store_conn *c, uint32_t tx, const char *path,
		     char **list, size_t *len);
int store__directory_part(struct store_conn *c, uint32_t tx, const char *path,
			  size_t offset, char **reply, size_t *len);

/*
 * Permissions. perms[0] is the owner and the access of every domain not
 * listed; perms[1..] are per-domain ACL entries. The owner and domain 0
 * have every right on a node. get_perms needs XS_PERM_READ; set_perms needs
 * to be the owner (or dom0), an unprivileged caller may not change the
 * owner (EPERM), and at most nb_perms_per_node entries (ENOSPC). Works on
 * the special nodes @introduceDomain / @releaseDomain too. set_perms fires
 * watches. *perms is malloc'd.
 */
int store__get_perms(struct store_conn *c, uint32_t tx, const char *path,
		     struct xs_permissions **perms, unsigned *num);
int store__set_perms(struct store_conn *c, uint32_t tx, const char *path,
		     const struct xs_permissions *perms, unsigned num);

/*
 * String form of permissions, as on the wire: "<letter><domid>\0" each,
 * letter n (none), r (read), w (write), b (both), domid decimal < 65536.
 * parse: EINVAL on a bad entry or a missing final NUL; *perms malloc'd
 * (the nb_perms_per_node quota is store__set_perms's). format: malloc'd
 * buffer of *len bytes.
 */
int perms__parse(const char *strings, size_t len, struct xs_permissions **perms,
		 unsigned *num);
int perms__format(const struct xs_permissions *perms, unsigned num, char **out,
		  size_t *len);

/*
 * Watches. A watch on a path fires for a change of that node or of any
 * node below it, with the changed path and the watch's token; a watch set
 * with a relative path gets relative paths. watch fires one event at once
 * (the path as given, xenstored's initial event). Same path and token
 * twice: EEXIST; more than nb_watch_per_domain for the domain: E2BIG.
 * unwatch: ENOENT if no such (path, token). reset_watches drops every
 * watch and transaction of the conn (XS_RESET_WATCHES).
 * An event is delivered only to a watcher that may read the changed node
 * or its parent (xenstored's watch_permitted); special events only to
 * watchers that may read the special node.
 */
int store__watch(struct store_conn *c, const char *path, const char *token);
int store__unwatch(struct store_conn *c, const char *path, const char *token);
int store__reset_watches(struct store_conn *c);

/*
 * Transactions. start gives a new id (never 0) in *tx; ENOSPC beyond
 * max_transaction open ones (unprivileged). end with commit=false discards;
 * with commit=true it fails with EAGAIN (and discards) if any node the
 * transaction read or wrote was changed, created or removed by someone
 * else since it first touched it (xenstored's generation-count rule);
 * otherwise it applies every change at once and fires their watches.
 * ENOENT: no such transaction of this conn.
 */
int store__transaction_start(struct store_conn *c, uint32_t *tx);
int store__transaction_end(struct store_conn *c, uint32_t tx, bool commit);

/*
 * Domains, called by the connection layer when the toolstack creates or
 * destroys one. introduce marks domid introduced and fires
 * @introduceDomain (EEXIST if already introduced); release (the domain is
 * gone) drops the watches and transactions of its conns, unmarks it,
 * removes every node it owns (its home included, firing their watches)
 * and its ACL entries everywhere, as xenstored does since XSA-419/322, and
 * fires @releaseDomain (ENOENT if not introduced). The conns stay until
 * store__conn_free. Domain 0 counts as introduced from the start.
 */
int store__introduce(struct store *s, unsigned domid);
int store__release(struct store *s, unsigned domid);
bool store__is_introduced(const struct store *s, unsigned domid);
/* "/local/domain/<domid>" into buf (GET_DOMAIN_PATH); false if too small. */
bool store__domain_path(unsigned domid, char *buf, size_t size);

/*
 * Watch events waiting for delivery, oldest first. take hands the list to
 * the caller (the store's queue is then empty); free it with
 * store__events_free. path and token are NUL-terminated; the message to
 * send is XS_WATCH_EVENT with payload "path\0token\0" (wire__watch_event).
 * Events of a conn freed meanwhile are dropped from the queue, and an
 * event whose path and token would not fit in XENSTORE_PAYLOAD_MAX is
 * never queued (xenstored drops it too).
 */
struct store_event {
	struct store_event *next;
	struct store_conn *conn;
	char *path;
	char *token;
};
struct store_event *store__events_take(struct store *s);
void store__events_free(struct store_event *list);

/*
 * One xs_wire request, answered as xenstored would (request.c): handles
 * READ, WRITE, MKDIR, RM, DIRECTORY, DIRECTORY_PART, GET_PERMS, SET_PERMS,
 * WATCH, UNWATCH, RESET_WATCHES, TRANSACTION_START, TRANSACTION_END,
 * GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED, in xenstored's order: the
 * privileged-only requests (INTRODUCE, RELEASE, RESUME, SET_TARGET,
 * CONTROL, IS_DOMAIN_INTRODUCED) are EACCES from a domain other than 0
 * (since XSA-115); then a tx_id that is not an open transaction of c is
 * ENOENT (WATCH and UNWATCH ignore tx_id). Returns false for INTRODUCE,
 * RELEASE, RESUME, SET_TARGET, CONTROL from dom0, which the connection
 * layer answers itself (they map rings); true with *reply filled otherwise
 * (type is the request's or XS_ERROR; payload malloc'd, free it).
 * TRANSACTION_START with a tx_id is EBUSY.
 * The request's payload must have passed wire__parse. Order on the
 * requester's ring, as xenstored: the events a change fires come before
 * its reply (fire_watches precedes send_ack), WATCH's initial event after
 * its "OK"; Linux's xenbus accepts either.
 */
struct wire_request;
struct store_reply {
	uint32_t type;
	char *payload;
	size_t len;
};
bool store__request(struct store_conn *c, const struct wire_request *req,
		    struct store_reply *reply);

/*
 * Print the subtree at path (absolute) as `xenstore-ls -f -p` does: one
 * line per node, "path = \"value\"  (perms)", values with non-printable
 * bytes escaped as \xNN. For the host view and the dump at exit.
 */
void store__dump(const struct store *s, const char *path, FILE *out);

/* Counters for --stats and tests. */
struct store_stats {
	unsigned nodes;        /* in the tree, special ones excluded */
	unsigned watches;
	unsigned transactions; /* open */
	uint64_t generation;   /* the last generation count given */
};
void store__stats(const struct store *s, struct store_stats *st);
/* Nodes owned by domid (what nb_entry_per_domain counts). */
unsigned store__domain_nodes(const struct store *s, unsigned domid);

#endif
