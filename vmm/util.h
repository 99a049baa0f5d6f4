/*
 * The VMM's bottom layer (util.c): it calls nothing of the VMM, and every
 * file of vmm/ may call it.
 */
#ifndef VMM_UTIL_H
#define VMM_UTIL_H

#include <pthread.h>
#include <stdint.h>

/* An error message on stderr, "fastabi: " first (stdout flushed before it). */
void util__err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A rate limit for host log lines a guest can cause (one per domain,
 * struct vmm_domain's log_limit): at most UTIL_RATELIMIT_BURST lines per
 * UTIL_RATELIMIT_NS, as Xen's printk_ratelimit (10 lines per 5 s); the
 * next line let through says how many were dropped. A guest repeating a
 * failing call cannot flood the host's log.
 */
#define UTIL_RATELIMIT_BURST 10u
#define UTIL_RATELIMIT_NS 5000000000ull
struct util_ratelimit {
	pthread_mutex_t lock;
	uint64_t window;     /* start of the current window (util__mono_ns) */
	unsigned printed;    /* lines printed in it */
	uint64_t suppressed; /* lines dropped since the last printed one */
};
void util__ratelimit_init(struct util_ratelimit *rl);
void util__ratelimit_destroy(struct util_ratelimit *rl);
/* util__err, or nothing (counted) when rl's budget for now is spent. */
void util__err_limited(struct util_ratelimit *rl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t util__mono_ns(void);

#endif
