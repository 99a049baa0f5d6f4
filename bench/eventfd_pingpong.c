/*
 * The floor for a round trip between domains (docs/benchmarks.md): two host
 * threads waking each other through a pair of eventfds, as two vCPU threads
 * of the VMM would at best. Prints one line per round trip count:
 *
 *	eventfd-pingpong N          ->  "ns_per_round_trip <p50> <p10> <p90> <p99> <n>"
 *
 * Each sample is one round trip timed with CLOCK_MONOTONIC.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int ping, pong;
static unsigned rounds;

static void put(int fd)
{
	uint64_t one = 1;
	if (write(fd, &one, sizeof(one)) != sizeof(one)) {
		perror("eventfd-pingpong: write");
		exit(1);
	}
}

static void get(int fd)
{
	uint64_t v;
	if (read(fd, &v, sizeof(v)) != sizeof(v)) {
		perror("eventfd-pingpong: read");
		exit(1);
	}
}

static void *answer(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < rounds; i++) {
		get(ping);
		put(pong);
	}
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static uint64_t pct(const uint64_t *v, unsigned n, unsigned p)
{
	unsigned r = (p * n + 99) / 100;
	return v[r ? r - 1 : 0];
}

int main(int argc, char **argv)
{
	pthread_t t;

	rounds = argc == 2 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
	if (!rounds) {
		fprintf(stderr, "usage: eventfd-pingpong ROUND_TRIPS\n");
		return 2;
	}
	uint64_t *ns = calloc(rounds, sizeof(*ns));
	ping = eventfd(0, 0);
	pong = eventfd(0, 0);
	if (!ns || ping < 0 || pong < 0 || pthread_create(&t, NULL, answer, NULL)) {
		fprintf(stderr, "eventfd-pingpong: setup failed: %s\n", strerror(errno));
		return 1;
	}
	for (unsigned i = 0; i < rounds; i++) {
		uint64_t t0 = now_ns();
		put(ping);
		get(pong);
		ns[i] = now_ns() - t0;
	}
	pthread_join(t, NULL);
	qsort(ns, rounds, sizeof(*ns), cmp);
	printf("ns_per_round_trip %llu %llu %llu %llu %u\n", (unsigned long long)pct(ns, rounds, 50),
	       (unsigned long long)pct(ns, rounds, 10), (unsigned long long)pct(ns, rounds, 90),
	       (unsigned long long)pct(ns, rounds, 99), rounds);
	return 0;
}
