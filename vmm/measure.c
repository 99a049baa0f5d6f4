/*
 * Benchmark instruments (measure.h, docs/benchmarks.md): the QEMU-style
 * legacy translation and the VMM's service time per operation. Neither is
 * on by default; both exist to be measured against the normal paths.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <x86intrin.h>

#include "hv.h"
#include "guestmem.h"
#include "measure.h"
#include "vmm.h"

__thread struct vmm_vcpu *measure__self;

/* ---- --legacy-translate ---- */

/*
 * What QEMU's Xen emulation does for every page of a hypercall's guest
 * pointer (kvm_gva_to_gpa): one KVM_TRANSLATE on the calling vCPU. The
 * address must translate, and be writable for a write.
 */
static int translate_by_ioctl(uint64_t va, unsigned access, uint64_t *gpa)
{
	struct vmm_vcpu *vc = measure__self;
	struct kvm_translation tr = { .linear_address = va };

	if (!vc || ioctl(vc->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		return -1;
	if ((access & GUESTMEM_ACCESS_WRITE) && !tr.writeable)
		return -1;
	*gpa = tr.physical_address;
	return 0;
}

void measure__translate_on(struct vmm_domain *vd)
{
	hv_domain__mem_lock(vd->d)->translate_hook = translate_by_ioctl;
	hv_domain__mem_unlock(vd->d);
}

/* ---- --service-times ---- */

#define MEASURE_KEYS 64
#define MEASURE_SAMPLES 65536

enum measure_kind { MEASURE_EXIT, MEASURE_FASTABI, MEASURE_LEGACY64, MEASURE_LEGACY32 };

struct measure_key {
	enum measure_kind kind;
	uint32_t a; /* exit reason, or hypercall number */
	uint32_t b; /* I/O port (KVM_EXIT_IO), or sub-op */
};

struct measure_entry {
	struct measure_key key;
	uint64_t n;        /* samples seen (the first MEASURE_SAMPLES kept) */
	uint32_t *cycles;
};

struct measure_table {
	uint64_t t_exit;        /* TSC as KVM_RUN returned */
	bool pending;           /* an exit being served: record at the next entry */
	struct measure_key key; /* what it is */
	unsigned nr;
	struct measure_entry e[MEASURE_KEYS];
};

static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t tsc_khz;

/* Host TSC kHz against CLOCK_MONOTONIC over 20 ms. */
static uint64_t calibrate(void)
{
	struct timespec a, b, d = { 0, 20000000 };

	clock_gettime(CLOCK_MONOTONIC, &a);
	uint64_t c0 = __rdtsc();
	nanosleep(&d, NULL);
	uint64_t c1 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &b);
	uint64_t ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u + (uint64_t)b.tv_nsec -
		      (uint64_t)a.tv_nsec;
	return ns ? (c1 - c0) * 1000000 / ns : 0;
}

int measure__service_open(const char *path)
{
	out = fopen(path, "w");
	if (!out) {
		fprintf(stderr, "fastabi: --service-times %s: %s\n", path, strerror(errno));
		return -1;
	}
	tsc_khz = calibrate();
	return 0;
}

bool measure__service_enabled(void)
{
	return out != NULL;
}

int measure__service_attach(struct vmm_vcpu *vc)
{
	vc->svc = calloc(1, sizeof(*vc->svc));
	return vc->svc ? 0 : -1;
}

void measure__exit(struct vmm_vcpu *vc)
{
	struct measure_table *m = vc->svc;
	struct kvm_run *run = vc->run;

	m->t_exit = __rdtsc();
	m->pending = true;
	m->key = (struct measure_key){ .kind = MEASURE_EXIT, .a = run->exit_reason,
				       .b = run->exit_reason == KVM_EXIT_IO ? run->io.port : 0 };
}

void measure__call(struct vmm_vcpu *vc, bool fast, bool mode64, uint64_t nr, uint64_t subop)
{
	if (!vc->svc)
		return;
	vc->svc->key = (struct measure_key){
		.kind = fast ? MEASURE_FASTABI : mode64 ? MEASURE_LEGACY64 : MEASURE_LEGACY32,
		.a = (uint32_t)nr, .b = (uint32_t)subop,
	};
}

void measure__entry(struct vmm_vcpu *vc)
{
	struct measure_table *m = vc->svc;

	if (!m->pending)
		return;
	uint32_t c = (uint32_t)(__rdtsc() - m->t_exit);
	m->pending = false;
	struct measure_entry *e = NULL;
	for (unsigned i = 0; i < m->nr; i++)
		if (!memcmp(&m->e[i].key, &m->key, sizeof(m->key))) {
			e = &m->e[i];
			break;
		}
	if (!e) {
		if (m->nr == MEASURE_KEYS)
			return;
		e = &m->e[m->nr];
		e->cycles = malloc(MEASURE_SAMPLES * sizeof(*e->cycles));
		if (!e->cycles)
			return;
		e->key = m->key;
		m->nr++;
	}
	if (e->n < MEASURE_SAMPLES)
		e->cycles[e->n] = c;
	e->n++;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static uint64_t ns_of(uint64_t c)
{
	return tsc_khz ? c * 1000000 / tsc_khz : c;
}

void measure__dump(struct vmm_vcpu *vc)
{
	static const char *const kinds[] = { "exit", "fastabi", "legacy", "legacy32" };
	struct measure_table *m = vc->svc;

	if (!m)
		return;
	pthread_mutex_lock(&out_lock);
	for (unsigned i = 0; i < m->nr; i++) {
		struct measure_entry *e = &m->e[i];
		unsigned n = e->n < MEASURE_SAMPLES ? (unsigned)e->n : MEASURE_SAMPLES;
		qsort(e->cycles, n, sizeof(*e->cycles), cmp_u32);
		uint64_t q[4];
		const unsigned p[4] = { 50, 10, 90, 99 };
		for (unsigned k = 0; k < 4; k++) {
			unsigned r = (p[k] * n + 99) / 100;
			q[k] = ns_of(e->cycles[r ? r - 1 : 0]);
		}
		fprintf(out,
			"{\"domain\": \"%s\", \"vcpu\": %u, \"kind\": \"%s\", \"a\": %u, \"b\": %u, "
			"\"unit\": \"ns\", \"median\": %llu, \"p10\": %llu, \"p90\": %llu, "
			"\"p99\": %llu, \"n\": %llu, \"tsc_khz\": %llu}\n",
			vc->dom->name, vc->id, kinds[e->key.kind], e->key.a, e->key.b,
			(unsigned long long)q[0], (unsigned long long)q[1],
			(unsigned long long)q[2], (unsigned long long)q[3],
			(unsigned long long)e->n, (unsigned long long)tsc_khz);
		free(e->cycles);
	}
	fflush(out);
	pthread_mutex_unlock(&out_lock);
	free(m);
	vc->svc = NULL;
}
