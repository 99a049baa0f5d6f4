/*
 * The VMM's bottom layer: what every file may call and that calls nothing
 * of the VMM. Error messages and the monotonic clock.
 */
#include <stdarg.h>
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
