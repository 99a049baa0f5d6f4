/*
 * The core's locks and the callbacks they defer (lock.h). Which domain
 * locks a thread holds is thread-local state, so that the core can tell a
 * call made under its locks (defer the callback) from a test or builder
 * calling a core function directly (call at once), and can refuse to reach
 * a domain whose lock the thread does not hold.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtchn.h"
#include "hv.h"
#include "lock.h"

_Static_assert(HV_MAX_VCPUS <= 32, "the deferred kicks are a 32-bit mask of vCPUs");
_Static_assert(EVTCHN_VMM_MAX <= 32, "the deferred VMM sends are a 32-bit mask of slots");

/*
 * Domain locks this thread holds (a bitset: bit = domid), and whether by
 * lock__all. initial-exec: the core is linked into the program itself, so
 * each access is one load at a fixed offset rather than a __tls_get_addr
 * call (the static library is built position-independent).
 */
#define TLS __attribute__((tls_model("initial-exec"))) _Thread_local
#define HELD_WORDS ((HV_MAX_DOMAINS + 63) / 64)
static TLS uint64_t held[HELD_WORDS];
static TLS unsigned held_words; /* words of held[] that may have a bit set (the rest are 0) */
static TLS bool held_all;
/* The caller of a call that may reach one other domain (lock__target). */
static TLS struct domain *held_target;

static bool held_test(unsigned id)
{
	return (held[id / 64] >> (id % 64)) & 1;
}

static void held_set(unsigned id)
{
	held[id / 64] |= 1ull << (id % 64);
	if (id / 64 >= held_words)
		held_words = id / 64 + 1;
}

static void held_clear(unsigned id)
{
	held[id / 64] &= ~(1ull << (id % 64));
}

/* Whether id or a domid above it is held. */
static bool held_from(unsigned id)
{
	unsigned w = id / 64;

	if (w < held_words && held[w] >> (id % 64))
		return true;
	for (w++; w < held_words; w++)
		if (held[w])
			return true;
	return false;
}

/* Whether exactly id is held, and nothing else. */
static bool held_only(unsigned id)
{
	for (unsigned w = 0; w < held_words; w++)
		if (held[w] != (w == id / 64 ? 1ull << (id % 64) : 0))
			return false;
	return held_test(id);
}

static void fail(const char *what, int err)
{
	/* A locking bug in the core: waiting would hang, going on would corrupt. */
	fprintf(stderr, "hv: %s: %s (a core lock taken twice or dropped unheld)\n", what,
		strerror(err));
	abort();
}

void lock__init(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
}

void lock__take(pthread_mutex_t *m)
{
	int r = pthread_mutex_lock(m);
	if (r)
		fail("lock", r);
}

void lock__drop(pthread_mutex_t *m)
{
	int r = pthread_mutex_unlock(m);
	if (r)
		fail("unlock", r);
}

void lock__domain(struct domain *d)
{
	/* Not twice; and a second one must come in domid order. */
	if (held_from(d->id))
		fail(held_test(d->id) ? "a domain lock taken twice by one thread"
				      : "domain locks out of domid order", EDEADLK);
	lock__take(&d->lock);
	held_set(d->id);
}

void lock__target(struct domain *d)
{
	lock__domain(d);
	held_target = d;
}

struct domain *lock__target_caller(void)
{
	return held_target;
}

void lock__all(struct hv *hv)
{
	if (lock__any())
		fail("lock__all while holding a domain lock", EDEADLK);
	lock__take(&hv->domains_lock);
	for (unsigned i = 0; i < hv->domid_end; i++) {
		struct domain *d = hv->domains[i];
		if (d) {
			lock__take(&d->lock);
			held_set(i);
		}
	}
	held_all = true;
	lock__drop(&hv->domains_lock);
}

void lock__drop_domain(struct domain *d)
{
	d->due_kick = d->due_timer = d->due_vmm = 0;
	d->due_shutdown = false;
	held_clear(d->id);
	lock__drop(&d->lock);
}

bool lock__held(const struct domain *d)
{
	return d->id < HV_MAX_DOMAINS && held_test(d->id);
}

bool lock__any(void)
{
	for (unsigned w = 0; w < held_words; w++)
		if (held[w])
			return true;
	return false;
}

bool lock__all_mode(void)
{
	return held_all;
}

/* ---- deferred callbacks ---- */

struct due {
	struct domain *d;
	uint32_t kick, timer, vmm;
	bool shutdown;
	struct evtchn_vmm_slot slot[EVTCHN_VMM_MAX];
};

/* Under d's lock: what is due, copied out (the VMM slots may change once it is dropped). */
static void take_due(struct domain *d, struct due *w)
{
	w->d = d;
	w->kick = d->due_kick;
	w->timer = d->due_timer;
	w->vmm = d->due_vmm;
	w->shutdown = d->due_shutdown;
	d->due_kick = d->due_timer = d->due_vmm = 0;
	d->due_shutdown = false;
	for (unsigned s = 0; s < EVTCHN_VMM_MAX; s++)
		if ((w->vmm >> s) & 1)
			w->slot[s] = d->evtchn ? d->evtchn->vmm[s] : (struct evtchn_vmm_slot){ 0 };
}

static void run_due(const struct hv_ops *ops, const struct due *w)
{
	struct domain *d = w->d;

	if (w->shutdown && ops->shutdown)
		ops->shutdown(d, ops->ctx);
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		if (((w->timer >> i) & 1) && ops->timer_changed)
			ops->timer_changed(&d->vcpus[i], ops->ctx);
		if (((w->kick >> i) & 1) && ops->kick)
			ops->kick(&d->vcpus[i], ops->ctx);
	}
	for (unsigned s = 0; s < EVTCHN_VMM_MAX; s++)
		if (((w->vmm >> s) & 1) && w->slot[s].fn)
			w->slot[s].fn(d, w->slot[s].port, w->slot[s].opaque);
}

void lock__release(struct hv *hv)
{
	struct due due[HV_MAX_DOMAINS];
	unsigned n = 0;

	/* Highest domid first: the reverse of the order they were taken in. */
	for (unsigned w = held_words; w-- > 0;) {
		while (held[w]) {
			unsigned i = w * 64 + 63 - (unsigned)__builtin_clzll(held[w]);
			struct domain *d = hv->domains[i];
			if (d->due_kick | d->due_timer | d->due_vmm | d->due_shutdown)
				take_due(d, &due[n++]);
			held_clear(i);
			lock__drop(&d->lock);
		}
	}
	held_words = 0;
	held_all = false;
	held_target = NULL;
	for (unsigned i = 0; i < n; i++)
		run_due(&hv->ops, &due[i]);
}

struct domain *lock__peer(struct domain *self, domid_t id)
{
	struct hv *hv = self->hv;

	if (id >= HV_MAX_DOMAINS)
		return NULL;
	/* Held already (by lock__all, or it is self): nothing to take. */
	if (held_test(id) || !lock__any())
		return domain__by_id(hv, id);
	if (held_all)
		return NULL; /* created after the call took every lock */
	struct domain *peer = __atomic_load_n(&hv->domains[id], __ATOMIC_ACQUIRE);
	if (!peer)
		return NULL;
	if (id > self->id && !held_from(id)) {
		/*
		 * In order: self's lock keeps the peer alive (destroying it
		 * needs every domain lock), so it can be waited for.
		 */
		lock__take(&peer->lock);
		held_set(id);
		return peer;
	}
	/*
	 * Out of order: drop self, then take both in domid order under the
	 * world lock, which keeps the peer from being destroyed meanwhile.
	 * Self's state may have changed in between: the caller looks again.
	 */
	if (!held_only(self->id))
		fail("lock__peer out of order while holding another peer", EDEADLK);
	held_clear(self->id);
	lock__drop(&self->lock);
	lock__take(&hv->domains_lock);
	peer = hv->domains[id];
	if (peer) {
		lock__take(&peer->lock);
		held_set(id);
	}
	lock__take(&self->lock);
	held_set(self->id);
	lock__drop(&hv->domains_lock);
	return peer;
}

/* Callbacks of a thread that holds no lock of d (a test or the builder): made at once. */
static void now(struct domain *d, struct due *w)
{
	w->d = d;
	run_due(&d->hv->ops, w);
}

void lock__defer_kick(struct hv_vcpu *v)
{
	if (lock__held(v->d))
		v->d->due_kick |= 1u << v->id;
	else
		now(v->d, &(struct due){ .kick = 1u << v->id });
}

void lock__defer_timer(struct hv_vcpu *v)
{
	if (lock__held(v->d))
		v->d->due_timer |= 1u << v->id;
	else
		now(v->d, &(struct due){ .timer = 1u << v->id });
}

void lock__defer_shutdown(struct domain *d)
{
	if (lock__held(d))
		d->due_shutdown = true;
	else
		now(d, &(struct due){ .shutdown = true });
}

void lock__defer_vmm_port(struct domain *d, unsigned slot)
{
	if (lock__held(d)) {
		d->due_vmm |= 1u << slot;
		return;
	}
	struct due w = { .vmm = 1u << slot };
	w.slot[slot] = d->evtchn->vmm[slot];
	now(d, &w);
}
