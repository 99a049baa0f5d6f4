/*
 * SIGINT and SIGTERM (hostsig.h): blocked in every thread (the mask is set
 * before any other thread starts, and inherited) and taken with sigwait on
 * a thread of their own, which only counts them and wakes the main thread;
 * the main thread writes XenStore and stops domains, where locks may be
 * taken.
 */
#include <signal.h>
#include <string.h>

#include "vmm.h"

static sigset_t host_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return set;
}

static void *hostsig_main(void *arg)
{
	struct vmm *vmm = arg;
	sigset_t set = host_signals();

	sandbox__enter(vmm, SANDBOX_SIGNAL);
	for (;;) {
		int sig;
		if (sigwait(&set, &sig))
			continue;
		pthread_mutex_lock(&vmm->lock);
		bool stop = vmm->sig.stop;
		if (!stop) {
			vmm->sig.received++;
			vmm->sig.last = sig;
			pthread_cond_broadcast(&vmm->cond);
		}
		pthread_mutex_unlock(&vmm->lock);
		if (stop)
			return NULL;
	}
}

int hostsig__start(struct vmm *vmm)
{
	sigset_t set = host_signals();

	pthread_sigmask(SIG_BLOCK, &set, NULL);
	int r = pthread_create(&vmm->sig.thread, NULL, hostsig_main, vmm);
	if (r) {
		util__err("cannot start the signal thread: %s", strerror(r));
		return -1;
	}
	vmm->sig.started = true;
	return 0;
}

void hostsig__stop(struct vmm *vmm)
{
	if (!vmm->sig.started)
		return;
	/*
	 * Not pthread_cancel: a thread cancelled inside sigwait unwinds without
	 * its frames being unpoisoned, which AddressSanitizer reports as a
	 * stack-use-after-scope when the thread ends. A signal of its own,
	 * with the stop flag set, ends it the ordinary way.
	 */
	pthread_mutex_lock(&vmm->lock);
	vmm->sig.stop = true;
	pthread_mutex_unlock(&vmm->lock);
	pthread_kill(vmm->sig.thread, SIGTERM);
	pthread_join(vmm->sig.thread, NULL);
	vmm->sig.started = false;
}

void hostsig__handle(struct vmm *vmm)
{
	pthread_mutex_lock(&vmm->lock);
	unsigned received = vmm->sig.received, handled = vmm->sig.handled;
	const char *name = vmm->sig.last == SIGINT ? "SIGINT" : "SIGTERM";
	vmm->sig.handled = received;
	pthread_mutex_unlock(&vmm->lock);

	for (unsigned n = handled + 1; n <= received; n++) {
		for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
			struct vmm_domain *vd = vmm->doms[i];
			if (!vd || vd->stopped || atomic_load(&vd->stopping))
				continue;
			if (n == 1) {
				int e = xenstore__request_shutdown(vd, "poweroff");
				util__err("[%s] %s: control/shutdown = \"poweroff\" written%s%s (a second "
					 "signal destroys it)", vd->name, name, e ? ": " : "",
					 e ? strerror(e) : "");
			} else {
				vmm_domain__stop(vd, VMM_EXIT_CRASH,
						 "destroyed by a second %s (xl destroy)", name);
			}
		}
	}
}
