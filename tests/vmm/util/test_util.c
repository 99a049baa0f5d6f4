/*
 * vmm/util.c: the rate limit of guest-caused host log lines
 * (util__err_limited): a burst of lines, then silence counted, then the
 * next window's first line saying how many were dropped. stderr goes to a
 * temporary file that the tests read back.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

static char path[64];
static int saved_stderr = -1;

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/test-util-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	unlink(path);
	return 0;
}

/* The lines written to stderr so far, and how many contain 'needle'. */
static unsigned lines(const char *needle, unsigned *matching)
{
	fflush(stderr);
	FILE *f = fopen(path, "r");
	char buf[1200];
	unsigned n = 0;
	*matching = 0;
	while (f && fgets(buf, sizeof(buf), f)) {
		n++;
		*matching += strstr(buf, needle) != NULL;
	}
	if (f)
		fclose(f);
	return n;
}

static void burst_then_silence(void **state)
{
	struct util_ratelimit rl;
	unsigned m;

	(void)state;
	util__ratelimit_init(&rl);
	for (unsigned i = 0; i < 1000; i++)
		util__err_limited(&rl, "[guest] call %u failed", i);
	assert_int_equal(lines("[guest] call", &m), UTIL_RATELIMIT_BURST);
	assert_int_equal(m, UTIL_RATELIMIT_BURST);
	assert_int_equal(rl.suppressed, 1000 - UTIL_RATELIMIT_BURST);

	/* The window has passed: one more line, with the count of the dropped ones. */
	rl.window -= UTIL_RATELIMIT_NS;
	util__err_limited(&rl, "[guest] again");
	assert_int_equal(lines("990 similar lines dropped", &m), UTIL_RATELIMIT_BURST + 1);
	assert_int_equal(m, 1);
	assert_int_equal(rl.suppressed, 0);
	util__ratelimit_destroy(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(burst_then_silence, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
