/*
 * The registry of PV backends and each domain's backend thread (backend.h
 * says how a send reaches a backend and why it waits for its round).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vmm.h"

static const struct backend_ops *backends[BACKEND_MAX];
static unsigned nr_backends;

int backend__register(const struct backend_ops *ops)
{
	if (nr_backends == BACKEND_MAX) {
		util__err("backend %s: no room (BACKEND_MAX %u)", ops->name, BACKEND_MAX);
		return -1;
	}
	backends[nr_backends++] = ops;
	return 0;
}

void backend__reset(void)
{
	nr_backends = 0;
}

unsigned backend__count(void)
{
	return nr_backends;
}

const struct backend_ops *backend__get(unsigned idx)
{
	return idx < nr_backends ? backends[idx] : NULL;
}

/* One round of backend idx on the backend thread. */
static void serve(struct vmm_domain *vd, unsigned idx)
{
	const struct backend_ops *ops = backends[idx];

	hv_domain__mem_lock(vd->d);
	bool tell = ops->serve(vd);
	hv_domain__mem_unlock(vd->d);
	/* Space given back or an answer written: tell a guest that waits for it. */
	if (tell)
		(void)evtchn__vmm_notify(vd->d, ops->ring(vd)->port);
}

/* The earliest deadline of the backends (0: none), asked without b->lock (they take their own). */
static uint64_t next_deadline(struct vmm_domain *vd)
{
	uint64_t first = 0;

	for (unsigned i = 0; i < nr_backends; i++) {
		uint64_t t = backends[i]->deadline ? backends[i]->deadline(vd) : 0;
		if (t && (!first || t < first))
			first = t;
	}
	return first;
}

/* Wait for a send, a kick or the deadline (b->lock held); false once stopping with nothing left. */
static bool wait_work(struct backends *b, uint64_t deadline_ms)
{
	struct timespec until = { .tv_sec = (time_t)(deadline_ms / 1000),
				  .tv_nsec = (long)(deadline_ms % 1000) * 1000000 };

	while (!b->pending && !b->stop) {
		if (!deadline_ms) {
			pthread_cond_wait(&b->cond, &b->lock);
		} else if (pthread_cond_timedwait(&b->cond, &b->lock, &until) == ETIMEDOUT) {
			/* A round for every backend with a deadline (each checks its own). */
			for (unsigned i = 0; i < nr_backends; i++)
				if (backends[i]->deadline)
					b->pending |= 1u << i;
			b->requested++;
		}
	}
	return b->pending != 0;
}

static void *backend_main(void *arg)
{
	struct vmm_domain *vd = arg;
	struct backends *b = &vd->backends;

	sandbox__enter(vd->vmm, SANDBOX_BACKEND);
	for (;;) {
		/* A kick after this read sets pending: the wait below sees it. */
		uint64_t deadline = next_deadline(vd);
		pthread_mutex_lock(&b->lock);
		if (!wait_work(b, deadline))
			break; /* stopping, nothing left */
		unsigned pending = b->pending;
		uint64_t round = b->requested;
		b->pending = 0;
		pthread_mutex_unlock(&b->lock);
		for (unsigned i = 0; i < nr_backends; i++)
			if (pending & (1u << i))
				serve(vd, i);
		pthread_mutex_lock(&b->lock);
		b->done = round;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* evtchn__bind_vmm's callback, on the sender's thread with no core lock held. */
static void backend_notify(struct domain *d, evtchn_port_t port, void *opaque)
{
	struct backend_port *bp = opaque;
	struct vmm_domain *vd = bp->vd;
	struct backends *b = &vd->backends;

	(void)d;
	(void)port;
	__atomic_fetch_add(&backends[bp->idx]->ring(vd)->nr_notify, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&b->lock);
	if (!b->started || pthread_equal(b->thread, pthread_self())) {
		/* No thread (yet or any more), or the thread itself: serve here. */
		pthread_mutex_unlock(&b->lock);
		serve(vd, bp->idx);
		return;
	}
	b->pending |= 1u << bp->idx;
	uint64_t mine = ++b->requested;
	pthread_cond_broadcast(&b->cond);
	while (!backends[bp->idx]->async && b->done < mine)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

void backend__kick(struct vmm_domain *vd, const struct backend_ops *ops)
{
	struct backends *b = &vd->backends;

	for (unsigned i = 0; i < nr_backends; i++) {
		if (backends[i] != ops)
			continue;
		pthread_mutex_lock(&b->lock);
		if (b->started && !b->stop) {
			b->pending |= 1u << i;
			b->requested++;
			pthread_cond_broadcast(&b->cond);
		}
		pthread_mutex_unlock(&b->lock);
	}
}

int backend__setup(struct vmm_domain *vd)
{
	struct domain *d = vd->d;
	struct backends *b = &vd->backends;
	_Static_assert(VMM_CONSOLE_GPA == VMM_STORE_GPA + PAGE_SIZE && VMM_RING_PAGES == 2,
		       "the ring pages are one range: store, then console");

	int r = domain__add_reserved_ram(d, gpa(VMM_STORE_GPA), VMM_RING_PAGES * PAGE_SIZE,
					 vd->ring_pages);
	/*
	 * In the order of their pages, which is the order of their ports too:
	 * Xen's toolstack allocates the store's port before the console's.
	 */
	bool done[BACKEND_MAX] = { false };
	for (unsigned n = 0; n < nr_backends && !r; n++) {
		unsigned i = BACKEND_MAX;
		for (unsigned j = 0; j < nr_backends; j++)
			if (!done[j] && (i == BACKEND_MAX || backends[j]->gpa < backends[i]->gpa))
				i = j;
		done[i] = true;
		const struct backend_ops *ops = backends[i];
		uint8_t *host = vd->ring_pages + (ops->gpa - VMM_STORE_GPA);
		r = ops->setup(vd, ops->gpa, host);
		b->port[i] = (struct backend_port){ .vd = vd, .idx = i };
		int port = r ? r : evtchn__bind_vmm(d, backend_notify, &b->port[i]);
		if (port < 0) {
			r = port;
			break;
		}
		ops->ring(vd)->port = (evtchn_port_t)port;
	}
	if (r) {
		util__err("[%s] cannot set up the console and xenstore rings (Xen errno %d)", vd->name,
			 r);
		return -1;
	}
	/* What the guest reads at boot, as Xen's domain builder sets them. */
	for (unsigned i = 0; i < nr_backends; i++) {
		const struct backend_ops *ops = backends[i];
		(void)hv_domain__set_param(d, ops->pfn_param, ops->gpa >> PAGE_SHIFT);
		(void)hv_domain__set_param(d, ops->evtchn_param, ops->ring(vd)->port);
	}
	for (unsigned i = 0; i < nr_backends; i++)
		if (backends[i]->connect && backends[i]->connect(vd))
			return -1;
	return 0;
}

void backend__init(struct vmm_domain *vd)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&vd->backends.lock, NULL);
	/* Deadlines are CLOCK_MONOTONIC (a backend's deadline op). */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&vd->backends.cond, &ca);
	pthread_condattr_destroy(&ca);
}

int backend__start(struct vmm_domain *vd)
{
	struct backends *b = &vd->backends;

	pthread_mutex_lock(&b->lock);
	int r = pthread_create(&b->thread, NULL, backend_main, vd);
	b->started = r == 0;
	pthread_mutex_unlock(&b->lock);
	if (r) {
		util__err("[%s] cannot start the backend thread: %s", vd->name, strerror(r));
		return -1;
	}
	return 0;
}

void backend__stop(struct vmm_domain *vd)
{
	struct backends *b = &vd->backends;

	pthread_mutex_lock(&b->lock);
	if (!b->started) {
		pthread_mutex_unlock(&b->lock);
		return;
	}
	b->stop = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	pthread_mutex_lock(&b->lock);
	b->started = false;
	pthread_mutex_unlock(&b->lock);
}

void backend__drain(struct vmm_domain *vd)
{
	for (unsigned i = 0; i < nr_backends; i++)
		if (backends[i]->drain)
			backends[i]->drain(vd);
}

void backend__report(struct vmm_domain *vd, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < nr_backends && n < len; i++) {
		if (!backends[i]->report)
			continue;
		if (n)
			n += (size_t)snprintf(buf + n, len - n, "; ");
		if (n < len) {
			backends[i]->report(vd, buf + n, len - n);
			n += strlen(buf + n);
		}
	}
}

void backend__destroy(struct vmm_domain *vd)
{
	backend__stop(vd);
	for (unsigned i = 0; i < nr_backends; i++)
		if (backends[i]->destroy)
			backends[i]->destroy(vd);
	pthread_mutex_destroy(&vd->backends.lock);
	pthread_cond_destroy(&vd->backends.cond);
}
