/*
 * The host's way to ask the domains to stop (hostsig.c): SIGINT or SIGTERM
 * to the VMM is `xl shutdown` for every domain (control/shutdown =
 * "poweroff" in XenStore, which a guest that watches it obeys); a second
 * signal is `xl destroy` for every domain still running.
 */
#ifndef VMM_HOSTSIG_H
#define VMM_HOSTSIG_H

#include <pthread.h>
#include <stdbool.h>

struct vmm;

struct hostsig {
	pthread_t thread;
	bool started;
	unsigned received; /* signals taken (under vmm->lock) */
	unsigned handled;  /* of them, acted upon by the main thread */
	int last;          /* the last one's number */
	bool stop;         /* hostsig__stop: the next signal the thread takes ends it (under vmm->lock) */
};

/* Block SIGINT/SIGTERM in every thread and take them on a thread of their own. */
int hostsig__start(struct vmm *vmm);
void hostsig__stop(struct vmm *vmm);
/* The main thread, vmm->lock not held: act on the signals that came. */
void hostsig__handle(struct vmm *vmm);

#endif
