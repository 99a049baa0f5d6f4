/*
 * The VMM's bottom layer: what every file may call and that calls nothing
 * of the VMM. Error messages (rate-limited for what a guest causes) and
 * the monotonic clock.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

uint64_t util__mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void util__err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "fastabi: %s\n", buf);
}

void util__ratelimit_init(struct util_ratelimit *rl)
{
	pthread_mutex_init(&rl->lock, NULL);
	rl->window = 0;
	rl->printed = 0;
	rl->suppressed = 0;
}

void util__ratelimit_destroy(struct util_ratelimit *rl)
{
	pthread_mutex_destroy(&rl->lock);
}

void util__err_limited(struct util_ratelimit *rl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	uint64_t now = util__mono_ns(), dropped = 0;

	pthread_mutex_lock(&rl->lock);
	if (!rl->window || now - rl->window >= UTIL_RATELIMIT_NS) {
		rl->window = now;
		rl->printed = 0;
	}
	bool print = rl->printed < UTIL_RATELIMIT_BURST;
	if (print) {
		rl->printed++;
		dropped = rl->suppressed;
		rl->suppressed = 0;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	if (!print)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (dropped)
		util__err("%s (%llu similar lines dropped: at most %u every %llu s)", buf,
			  (unsigned long long)dropped, UTIL_RATELIMIT_BURST,
			  UTIL_RATELIMIT_NS / 1000000000ull);
	else
		util__err("%s", buf);
}
