/*
 * PV backends as registered subsystems (backend.c), as kvmtool's devices
 * and Solo5's modules register themselves: each backend serves one ring
 * page of every domain through an ops table, and the world registers the
 * backends in one place (vmm__init). Adding a backend is a new file and a
 * line there.
 *
 * The guest's EVTCHNOP_send on a backend's port (evtchn__bind_vmm's
 * callback, after the core dropped its locks) only wakes the domain's
 * backend thread, which serves the ring holding the domain's memory map
 * (hv_domain__mem_lock) and answers on the port with evtchn__vmm_notify.
 * For a backend that is not `async` (the PV console) the send returns once
 * the round that includes it was served, so that a guest finds its space
 * given back when the call returns (guest/tests/pv-rings checks it). An
 * `async` backend (xenstore) is served after the send has returned, as
 * xenstored serves its rings: the guest waits for the event that
 * evtchn__vmm_notify raises with the replies, as a Xen guest's xenbus does,
 * so a slow or hostile ring never holds up the sending vCPU. One round
 * moves at most one ring's worth, whatever the guest wrote into the indices.
 */
#ifndef VMM_BACKEND_H
#define VMM_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>

struct vmm_domain;
struct vmm_ring;

struct backend_ops {
	const char *name;
	/* The guest's send only wakes the backend thread and returns at once. */
	bool async;
	/* Where the ring page is (one of the VMM_RING_PAGES at VMM_STORE_GPA) and its HVM params. */
	uint64_t gpa;
	unsigned pfn_param, evtchn_param;
	/* The backend's ring in vd (its port, broken flag, notification count). */
	struct vmm_ring *(*ring)(struct vmm_domain *vd);
	/* Fill the fresh page (host, seen by the guest at gpa) and the backend's state. */
	int (*setup)(struct vmm_domain *vd, uint64_t gpa, uint8_t *host);
	/*
	 * Optional: every backend's page and port exist (the end of
	 * backend__setup): publish them (xenstore writes the domain's tree).
	 * 0, or -1 after saying why.
	 */
	int (*connect)(struct vmm_domain *vd);
	/* Serve the ring (the domain's memory map held); true if the guest should be told. */
	bool (*serve)(struct vmm_domain *vd);
	/*
	 * Optional: when the backend wants a round with no send (CLOCK_MONOTONIC
	 * in ms; 0: never): xenstore drops a guest's old watch events then,
	 * which may let another domain's requests be read.
	 */
	uint64_t (*deadline)(struct vmm_domain *vd);
	/* The domain stopped (every vCPU joined): what the guest left without a send. */
	void (*drain)(struct vmm_domain *vd);
	/*
	 * Optional: the domain is freed, drained or not (a build that failed
	 * after backend__setup): forget it.
	 */
	void (*destroy)(struct vmm_domain *vd);
	/* The --stats part of the backend ("PV console: ..."). */
	void (*report)(struct vmm_domain *vd, char *buf, size_t len);
};

#define BACKEND_MAX 4

/* A domain's backend thread and the notifications waiting for it. */
struct backends {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* the thread waits for work, senders for their round */
	unsigned pending;         /* bit i: backend i was notified since its last round */
	uint64_t requested, done; /* rounds asked for and served (a sender waits for its own) */
	bool stop;
	/* evtchn__bind_vmm's opaque for backend i. */
	struct backend_port {
		struct vmm_domain *vd;
		unsigned idx;
	} port[BACKEND_MAX];
};

/* Register a backend (before any domain is built); 0, or -1 if the table is full. */
int backend__register(const struct backend_ops *ops);
/* Drop every registration (a test's fresh world). */
void backend__reset(void);
unsigned backend__count(void);
const struct backend_ops *backend__get(unsigned idx);
/* The domain's backend state, first thing when it is built. */
void backend__init(struct vmm_domain *vd);
/*
 * The domain builder's step: every backend's page (in the memfd's ring
 * pages), reserved in the memory map, set up, its port bound, its HVM
 * params set. 0, or -1 after printing why.
 */
int backend__setup(struct vmm_domain *vd);
/*
 * Wake the domain's backend thread to serve ops's ring with no send from
 * the guest (xenstore: watch events from another domain's change); nothing
 * if the thread is not running (what waits goes out at the next round).
 */
void backend__kick(struct vmm_domain *vd, const struct backend_ops *ops);
/* Start and stop the domain's backend thread (stop serves what is pending first). */
int backend__start(struct vmm_domain *vd);
void backend__stop(struct vmm_domain *vd);
/* After the vCPUs are joined and the thread stopped: each backend's drain. */
void backend__drain(struct vmm_domain *vd);
/* The backends' --stats parts, joined by "; ". */
void backend__report(struct vmm_domain *vd, char *buf, size_t len);
void backend__destroy(struct vmm_domain *vd);

#endif
