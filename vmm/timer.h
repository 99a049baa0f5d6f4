/*
 * One thread that arms every vCPU's deadline (timer.c).
 */
#ifndef VMM_TIMER_H
#define VMM_TIMER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vmm;

/* The timer thread's state, in struct vmm. */
struct timer {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t gen;
	bool stop;
};

void timer__init(struct timer *t);
int timer__start(struct vmm *vmm);
void timer__changed(struct vmm *vmm);
void timer__stop(struct vmm *vmm);

#endif
