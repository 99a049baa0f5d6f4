/*
 * Grant tables, a guest changing its entry while the hypervisor pins it: v1 revoke
 * with cmpxchg, v2 flags-then-status, against maps on another thread.
 */

#include <pthread.h>
#include <string.h>

#include "gt_test.h"

struct racer {
	struct domain *a;
	domid_t grantee;
	bool stop; /* atomic */
	unsigned revoked;
};

/* Leave the grant in place a little, so that maps can win as well as lose. */
static void pause_granted(void)
{
	for (volatile unsigned k = 0; k < 2000; k++)
		;
}

/* What a guest's gnttab_end_foreign_access does, in a loop: revoke unless busy, re-grant. */
#define RACE_ROUNDS 20000
#define RACE_MAX_ROUNDS 2000000

static void *race(void *p)
{
	struct racer *r = p;
	uint32_t *w = (uint32_t *)(void *)gt_e1(r->a, 1);
	const uint32_t granted = GTF_permit_access | (uint32_t)r->grantee << 16;

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		uint32_t exp = granted;
		if (__atomic_compare_exchange_n(w, &exp, 0, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			__atomic_fetch_add(&r->revoked, 1, __ATOMIC_SEQ_CST);
			__atomic_store_n(w, granted, __ATOMIC_SEQ_CST);
		}
		pause_granted();
	}
	return NULL;
}

static void test_race_v1(void **state)
{
	(void)state;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	struct racer r = { .a = a, .grantee = b->id };
	pthread_t t;
	unsigned ok = 0, refused = 0;

	gt_grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
	assert_int_equal(pthread_create(&t, NULL, race, &r), 0);
	/*
	 * At least RACE_ROUNDS maps, and on until a map succeeded and the guest
	 * revoked at least once (the racer thread may be scheduled late on a
	 * loaded machine), within a bound that no scheduler misses.
	 */
	unsigned i;
	for (i = 0; i < RACE_ROUNDS ||
		    ((!ok || !__atomic_load_n(&r.revoked, __ATOMIC_SEQ_CST)) && i < RACE_MAX_ROUNDS);
	     i++) {
		struct map_res m = gt_map(h, b, ABI_FAST, a->id, MAP_AT(0), GNTMAP_host_map, 1);
		if (m.status != GNTST_okay) {
			assert_int_equal(m.status, GNTST_general_error);
			refused++;
			continue;
		}
		ok++;
		/* Mapped: the guest cannot have revoked it; the busy bits hold it. */
		uint32_t w = __atomic_load_n((uint32_t *)(void *)gt_e1(a, 1), __ATOMIC_SEQ_CST);
		assert_int_equal(w, GTF_permit_access | GTF_reading | GTF_writing |
				    (uint32_t)b->id << 16);
		assert_int_equal(gt_unmap(h, b, ABI_FAST, MAP_AT(0), m.handle).status, GNTST_okay);
		harness__scratch_reset(h, b);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	assert_int_equal(ok + refused, i);
	assert_true(ok > 0);
	assert_true(r.revoked > 0);
	assert_int_equal(gt_flags1(a, 1), GTF_permit_access);
	assert_int_equal(a->gnttab->nr_pinned, 0);
	harness__free(h);
}

struct racer2 {
	struct domain *a;
	bool stop; /* atomic */
	bool held; /* atomic: the main thread holds a mapping */
	unsigned revoked, busy, violations;
};

/*
 * A v2 guest's end of access, as Linux does it: clear the flags, then look at
 * the status; busy means "still in use". Never may it find the grant free
 * while the hypervisor has a mapping of it.
 */
static void *race2(void *p)
{
	struct racer2 *r = p;
	grant_entry_v2_t *e = gt_e2(r->a, 1);
	grant_status_t *st = gnttab__status_frame(r->a, 0);

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&e->hdr.flags, 0, __ATOMIC_SEQ_CST);
		uint16_t s = __atomic_load_n(&st[1], __ATOMIC_SEQ_CST);
		if (s & (GTF_reading | GTF_writing)) {
			r->busy++;
		} else {
			__atomic_fetch_add(&r->revoked, 1, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&r->held, __ATOMIC_SEQ_CST))
				r->violations++;
		}
		__atomic_store_n(&e->hdr.flags, GTF_permit_access, __ATOMIC_SEQ_CST);
		pause_granted();
	}
	return NULL;
}

static void test_race_v2(void **state)
{
	(void)state;
	struct domain *a, *b;
	struct harness *h = gt_pair(&a, &b);
	struct racer2 r = { .a = a };
	pthread_t t;
	unsigned ok = 0;

	assert_int_equal(gt_set_version(h, a, ABI_FAST, 2), 0);
	gt_grant2(a, 1, GTF_permit_access, b->id, FRAME(1));
	assert_int_equal(pthread_create(&t, NULL, race2, &r), 0);
	for (unsigned i = 0;
	     i < RACE_ROUNDS ||
	     ((!ok || !__atomic_load_n(&r.revoked, __ATOMIC_SEQ_CST)) && i < RACE_MAX_ROUNDS);
	     i++) {
		struct map_res m = gt_map(h, b, ABI_FAST, a->id, MAP_AT(0), GNTMAP_host_map, 1);
		if (m.status != GNTST_okay) {
			assert_int_equal(m.status, GNTST_general_error);
			assert_int_equal(gt_status2(a, 1), 0); /* a failed pin leaves nothing */
			continue;
		}
		ok++;
		__atomic_store_n(&r.held, true, __ATOMIC_SEQ_CST);
		assert_int_equal(gt_status2(a, 1), GTF_reading | GTF_writing);
		__atomic_store_n(&r.held, false, __ATOMIC_SEQ_CST);
		assert_int_equal(gt_unmap(h, b, ABI_FAST, MAP_AT(0), m.handle).status, GNTST_okay);
		harness__scratch_reset(h, b);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	assert_true(ok > 0);
	assert_true(r.revoked > 0);
	assert_int_equal(r.violations, 0);
	assert_int_equal(gt_status2(a, 1), 0);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race_v1),
		cmocka_unit_test(test_race_v2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
