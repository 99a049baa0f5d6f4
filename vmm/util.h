/*
 * The VMM's bottom layer (util.c): it calls nothing of the VMM, and every
 * file of vmm/ may call it.
 */
#ifndef VMM_UTIL_H
#define VMM_UTIL_H

#include <stdint.h>

/* An error message on stderr, "fastabi: " first (stdout flushed before it). */
void util__err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t util__mono_ns(void);

#endif
