/*
 * The store's insides, shared by its files and by nobody else (the
 * connection layer sees store.h only).
 */
#ifndef XENSTORE_STORE_INT_H
#define XENSTORE_STORE_INT_H

#include "store.h"

/* A node's generation when it does not exist (xenstored's NO_GENERATION). */
#define NO_GENERATION 0

/* xenstored's record header: generation, num_perms, datalen, childlen. */
#define NODE_RECORD_HDR 24

/* A node: its absolute name, value, permissions and children. */
struct node {
	char *name;
	char *value;
	size_t len;
	struct xs_permissions *perms;
	unsigned nperms;
	/* The children's names, each NUL-terminated, in creation order. */
	char *children;
	size_t childlen;
	uint64_t generation;
	struct node *hnext; /* map bucket chain */
};

/* The global tree: a hash map from absolute name to node (map.c). */
struct node_map {
	struct node **bucket;
	size_t nbuckets;
	size_t count;
};
int map__init(struct node_map *m);
void map__destroy(struct node_map *m);
struct node *map__find(const struct node_map *m, const char *name);
/* Replaces any node of the same name (freed). */
void map__put(struct node_map *m, struct node *n);
/* Unlinks and returns the node (NULL if absent). */
struct node *map__take(struct node_map *m, const char *name);

/* Nodes (node.c). */
struct node *node__new(const char *name);
struct node *node__dup(const struct node *n);
void node__free(struct node *n);
int node__set_value(struct node *n, const void *val, size_t len);
int node__set_perms(struct node *n, const struct xs_permissions *p, unsigned num);
int node__add_child(struct node *n, const char *base);
void node__remove_child(struct node *n, const char *base);
size_t node__record_size(const struct node *n);
static inline unsigned node__owner(const struct node *n) { return n->perms[0].id; }

/* Paths (path.c). */
/* The canonical absolute name of path for domid (malloc'd), or NULL with
 * *err = EINVAL (not valid) / ENOMEM. special: "@..." allowed. */
char *path__canonical(unsigned domid, const char *path, unsigned max_path_len,
		      bool special, int *err);
bool path__is_child(const char *child, const char *parent);
/* The parent's name (malloc'd; "/" for "/x"), NULL for "/" or on ENOMEM. */
char *path__parent(const char *name);
const char *path__base(const char *name);

/* Permissions (perms.c). */
unsigned perms__for(const struct store_conn *c, const struct xs_permissions *p,
		    unsigned num);

/* Per-domain accounting (quota.c). */
struct dom_acct {
	unsigned domid;
	unsigned nbentry;
	unsigned nbwatch;
	bool introduced;
};
struct dom_acct *quota__domain(struct store *s, unsigned domid, bool create);

/* A change queued in a transaction, fired at commit. */
struct txn_fire {
	struct txn_fire *next;
	char *name;
	bool exact;
	struct xs_permissions *perms; /* of the removed node, or NULL */
	unsigned nperms;
};

/* A node a transaction touched (txn.c). */
struct txn_entry {
	struct txn_entry *next;
	char *name;
	uint64_t generation; /* when first touched, NO_GENERATION: absent */
	bool modified;
	struct node *node;   /* the transaction's view: NULL when absent */
};

struct txn {
	struct txn *next;
	uint32_t id;
	struct txn_entry *entries, **entries_tail;
	unsigned nentries;
	struct txn_fire *fires, **fires_tail;
};

struct watch {
	struct watch *next;
	char *path;  /* canonical (absolute or @special) */
	char *token;
	bool relative; /* events drop the "<home>/" prefix */
};

struct store_conn {
	struct store *s;
	struct store_conn *next;
	unsigned domid;
	void *opaque;
	char home[32];
	struct watch *watches;
	struct txn *txns;
	unsigned ntxns;
	uint32_t next_txid;
};

struct store {
	struct store_quota quota;
	struct node_map map;
	uint64_t generation;
	struct node *special[2]; /* @introduceDomain, @releaseDomain */
	struct store_conn *conns;
	struct dom_acct *doms;
	size_t ndoms, domcap;
	struct store_event *events, **events_tail;
};

/* An operation's context: who, and in which transaction (or NULL). */
struct op {
	struct store *s;
	struct store_conn *c;
	struct txn *t;
};

/* The view an operation sees (view.c): the transaction's copy or the tree.
 * view__get records the access; NULL with *err (0: absent). */
const struct node *view__get(struct op *op, const char *name, int *err);
/* Store n (taking it) / remove name, in the transaction or the tree. */
int view__put(struct op *op, struct node *n);
int view__del(struct op *op, const char *name);
/* Nodes owned by domid in the view (quota). */
unsigned view__nbentry(struct op *op, unsigned domid);

/* The tree (tree.c): put/take that keep the owners' counts. */
void tree__put(struct store *s, struct node *n);
void tree__del(struct store *s, const char *name);
/* Removes name and its subtree, firing watches (no permission check). */
int tree__rm(struct op *op, const char *name);
struct node *store__special(const struct store *s, const char *name);

/* Watches (watch.c). */
/* A change of name: queued in op's transaction, or fired now. perms: the
 * permissions the node had (removed or changed), or NULL. */
void watch__change(struct op *op, const char *name, bool exact,
		   const struct xs_permissions *perms, unsigned nperms);
void watch__fire(struct store *s, const char *name, bool exact,
		 const struct xs_permissions *perms, unsigned nperms);
void watch__drop_all(struct store_conn *c);
int watch__event(struct store *s, struct store_conn *c, const char *path,
		 const char *token);

/* Transactions (txn.c). */
struct txn *txn__find(struct store_conn *c, uint32_t id);
struct txn_entry *txn__entry(struct txn *t, const char *name);
void txn__free(struct txn *t);
void txn__drop_all(struct store_conn *c);

#endif
