/*
 * The core's locks (docs/hv-core.md "Locking"). Private to hv/: the VMM
 * calls the functions of hv.h, which take what they need.
 *
 *   hv->domains_lock   the world: the domain table (creation, destruction,
 *                      and taking several domain locks at once)
 *   d->lock            one domain: everything in struct domain, its vCPUs
 *                      and its families' state (event channels, grant table,
 *                      memory map)
 *
 * Nesting: domains_lock, then domain locks in increasing domid order. A
 * thread that holds a domain lock never waits for domains_lock, and never
 * for a domain with a lower id than one it holds. No lock is recursive: a
 * second lock of a held mutex is a bug and stops the process with a message.
 *
 * Callbacks to the VMM that the core decides on under a domain lock (kick,
 * timer_changed, shutdown, the sends on VMM-bound ports) are recorded in the
 * domain and made by lock__release after every lock is dropped, so the VMM
 * may call any core function from them.
 */
#ifndef HV_LOCK_H
#define HV_LOCK_H

#include <pthread.h>
#include <stdbool.h>

#include "hv.h"

/* An error-checking (not recursive) mutex. */
void lock__init(pthread_mutex_t *m);
void lock__take(pthread_mutex_t *m);
void lock__drop(pthread_mutex_t *m);

/* Take d's lock. */
void lock__domain(struct domain *d);
/*
 * Take d's lock for a call of d that may reach one other domain, which it
 * names before it touches any state of d (hypercall.c's CALL_TARGET): when
 * it does, domain__by_id takes that domain's lock with lock__peer (which may
 * drop d's lock and take it again, harmless before d's state is touched).
 */
void lock__target(struct domain *d);
/* The domain lock__target was called for in this thread's call, or NULL. */
struct domain *lock__target_caller(void);
/*
 * Take the lock of every domain of the world, in domid order (a call that
 * may reach other domains). Domains created afterwards are not seen by this
 * thread until it releases them (domain__lookup answers NULL: the call came first).
 */
void lock__all(struct hv *hv);
/*
 * In a call that holds self's lock (and maybe others): the domain called
 * id, with its lock held too, or NULL if there is none. Takes the two in
 * domid order, so it may drop self's lock and take it again: the caller
 * must look at self's state afresh afterwards. The peer's lock is dropped
 * with the others by lock__release.
 */
struct domain *lock__peer(struct domain *self, domid_t id);
/* Drop d's lock and forget its deferred callbacks (d is being destroyed). */
void lock__drop_domain(struct domain *d);
/* Drop every domain lock this thread holds, then make the deferred callbacks. */
void lock__release(struct hv *hv);
/* Whether this thread holds d's lock. */
bool lock__held(const struct domain *d);
/* Whether this thread holds any domain lock, and whether it took them with lock__all. */
bool lock__any(void);
bool lock__all_mode(void);

/* Callbacks to make when d's lock is dropped (at once if this thread does not hold it). */
void lock__defer_kick(struct hv_vcpu *v);
void lock__defer_timer(struct hv_vcpu *v);
void lock__defer_shutdown(struct domain *d);
void lock__defer_vmm_port(struct domain *d, unsigned slot);

#endif
