/*
 * A xenbus client (xenbus.c): the guest's side of the xenstore ring
 * (struct xenstore_domain_interface, <xen/io/xs_wire.h>), found through
 * HVM_PARAM_STORE_PFN / HVM_PARAM_STORE_EVTCHN as a Xen guest finds it.
 *
 * The hypercalls go through FastABI where it is usable (a guest without a
 * hypercall page has only that), else through the hypercall page.
 *
 * One request at a time, as Linux's xenbus_xs.c without its threads: the
 * request is written into req[] (in pieces if the ring is full), the port is
 * notified, and the client waits for the reply on the port (SCHEDOP_poll),
 * never assuming the server answered before EVTCHNOP_send returned.
 * Watch events that arrive meanwhile are queued (a bounded queue; the
 * oldest is dropped and counted when it overflows) for xenbus_wait_watch.
 *
 * Every call returns 0 (or a length) on success, or a negative Xen errno:
 * the server's error string mapped as Linux's xenbus does (xsd_errors[],
 * an unknown string as EINVAL), -XEN_ETIMEDOUT if no reply came, -XEN_EIO
 * if the ring broke. xenbus_error() is the last error string the server
 * sent ("EACCES", "EQUOTA", ...), for tests that check the exact word.
 */
#ifndef GUEST_XENBUS_H
#define GUEST_XENBUS_H

#include "compiler.h"

#include <xen/xen.h>
#include <xen/event_channel.h>

#include <xen/io/xs_wire.h>

/* Find and check the ring; 0, or a negative Xen errno after a message. */
long xenbus_init(void);
/* The store's port and page (for tests that break the ring on purpose). */
unsigned xenbus_port(void);
volatile struct xenstore_domain_interface *xenbus_ring(void);
/*
 * A confidential domain (FastABI memory_share) must share the ring page
 * before the hypervisor may serve it: 0, or a negative Xen errno.
 */
long xenbus_share_ring(void);
/*
 * How the port's event is cleared after a wait: by default the 2-level
 * pending bit in shared_info (64-bit); a program on FIFO events gives its own.
 */
void xenbus_set_clear_event(void (*fn)(evtchn_port_t port));
/* How long a request waits for its reply (ns; default 2 s). */
void xenbus_set_timeout(uint64_t ns);

/*
 * One request: payload of len bytes, the reply's body (len in *rlen, NUL
 * added after it) in reply[size] if it fits (else -XEN_E2BIG after reading it
 * all). Returns the reply's type (>= 0), or a negative errno for XS_ERROR.
 */
long xenbus_request(uint32_t type, uint32_t tx, const void *payload, unsigned len, char *reply,
		    unsigned size, unsigned *rlen);

/* The value of path into buf (NUL-terminated); its length, or -errno. */
long xenbus_read(uint32_t tx, const char *path, char *buf, unsigned size);
long xenbus_write(uint32_t tx, const char *path, const char *value);
long xenbus_mkdir(uint32_t tx, const char *path);
long xenbus_rm(uint32_t tx, const char *path);
/* The children as "a\0b\0" into buf; the byte count, or -errno. */
long xenbus_directory(uint32_t tx, const char *path, char *buf, unsigned size);
/* Permissions as xenstored's strings "n0\0r1\0" (owner first). */
long xenbus_get_perms(uint32_t tx, const char *path, char *buf, unsigned size);
long xenbus_set_perms(uint32_t tx, const char *path, const char *perms, unsigned len);
/* Read path and parse it as an unsigned decimal number. */
long xenbus_read_uint(uint32_t tx, const char *path, uint64_t *v);

long xenbus_watch(const char *path, const char *token);
long xenbus_unwatch(const char *path, const char *token);
/*
 * The next watch event (queued, or the next to arrive within timeout_ns):
 * 0 with path and token filled, or -XEN_ETIMEDOUT.
 */
long xenbus_wait_watch(char *path, unsigned psize, char *token, unsigned tsize,
		       uint64_t timeout_ns);
/* Events dropped because the queue was full. */
unsigned xenbus_watch_dropped(void);

long xenbus_transaction_start(uint32_t *tx);
/* Commit (true) or abort; -XEN_EAGAIN if another change conflicted. */
long xenbus_transaction_end(uint32_t tx, bool commit);

/* The last error string the server sent ("" if none yet). */
const char *xenbus_error(void);

/* System time in ns (HVMOP_get_time), for deadlines. */
uint64_t xenbus_now(void);

#endif
