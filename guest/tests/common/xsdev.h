/*
 * One end of a split device's xenbus handshake (xsdev.c), linked in with
 * 'common' : ['xsdev.c']: the directories the toolstack wrote from the
 * config (docs/domains.md: a vif = [ 'backend=<name>' ] entry), found as
 * Linux's xenbus finds them, and the XenbusState changes of each end,
 * written to our directory and watched on the other's, each printed so
 * that a test's output shows the whole sequence.
 */
#ifndef GUEST_TESTS_COMMON_XSDEV_H
#define GUEST_TESTS_COMMON_XSDEV_H

#include "guest.h"

#include <xen/io/xenbus.h>

struct xsdev {
	const char *who;    /* "frontend", "backend": the prefix of what is printed */
	char dir[80];       /* ours: device/<type>/<id>, or backend/<type>/<front>/<id> */
	char other[80];     /* the other end's directory (our "backend" or "frontend" node) */
	unsigned other_id;  /* its domain (our "backend-id" or "frontend-id") */
	char other_state[96];
	unsigned state;     /* the state we wrote last */
};

/*
 * The frontend's device <type>/<devid> in our home (device/vif/0): its
 * backend's directory and domain read, the backend's state watched.
 * false after xtf_error (no such device: the config has none).
 */
bool xsdev_frontend(struct xsdev *d, const char *type, unsigned devid);
/*
 * The backend's end: the first frontend under our backend/<type>/ (waited
 * for up to 20 s, watching the directory), its directory and domain read,
 * its state watched. false after xtf_error/xtf_failure.
 */
bool xsdev_backend(struct xsdev *d, const char *type);
/* Write our state (printed as "who: state Initialising -> Initialised"). */
bool xsdev_switch(struct xsdev *d, enum xenbus_state to);
/*
 * Wait (up to 20 s, woken by the watch) until the other end's state is
 * want (printed when seen); with gone_ok, its directory gone (its domain
 * ended) counts too. false after xtf_failure.
 */
bool xsdev_wait(struct xsdev *d, enum xenbus_state want, bool gone_ok);
/* A number of the other end's directory (ring-ref, event-channel); false after a failure. */
bool xsdev_read_other(struct xsdev *d, const char *key, uint64_t *v);
/* XenbusState's name. */
const char *xsdev_state_name(unsigned s);

#endif
