/*
 * The core's locks (hv/lock.h, docs/hv-core.md "Locking"): the callbacks
 * the VMM may answer by calling the core can do so without deadlock, and
 * calls of two domains that reach each other (inter-domain sends both ways)
 * run at the same time without deadlock and lose no event. A hang fails
 * the test through alarm(); a lock taken twice stops the process (lock.c).
 */
#include "harness.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/sched.h>

#include <fastabi/xen-ext.h>

#include "abi_fast.h"
#include "evtchn.h"

#define EVTCHN __HYPERVISOR_event_channel_op
#define DEADLOCK_S 60 /* far beyond any run of these tests */

/*
 * A FastABI call without the harness's register checks, which are cmocka
 * assertions and so belong to the test's own thread: usable from any thread.
 */
static int64_t fast(struct hv_vcpu *v, uint32_t hypercall, uint64_t subop, uint64_t a2,
		    uint64_t a3, uint64_t *out4)
{
	struct hv_call call = { .mode64 = true };
	*fastabi__reg(&call.regs, 0) = hypercall | __HYPERVISOR_FASTABI_MASK;
	*fastabi__reg(&call.regs, 1) = subop;
	*fastabi__reg(&call.regs, 2) = a2;
	*fastabi__reg(&call.regs, 3) = a3;
	harness__call(v, &call);
	if (out4)
		*out4 = *fastabi__reg(&call.regs, 4);
	return (int64_t)*fastabi__reg(&call.regs, 0);
}

/* ---- callbacks that call back into the core ---- */

struct reentry {
	struct harness *h;
	unsigned kicks, pending_seen, timer_changes, shutdowns, vmm_sends;
	unsigned shutdown_reason;
	evtchn_port_t vmm_port;
};

static struct reentry *re;

/* What a VMM's kick does: look whether there is an upcall to inject, and for which vector. */
static void kick_calls_core(struct hv_vcpu *v, void *ctx)
{
	(void)ctx;
	re->kicks++;
	if (hv_vcpu__upcall_pending(v))
		re->pending_seen++;
	struct hv_upcall u;
	hv_vcpu__upcall(v, &u);
	(void)hv_vcpu__runnable(v);
	(void)hv_vcpu__upcall_vector(v);
}

/* The VMM's timer thread re-reads the deadline. */
static void timer_calls_core(struct hv_vcpu *v, void *ctx)
{
	(void)ctx;
	re->timer_changes++;
	(void)hv_vcpu__next_deadline(v);
}

static void shutdown_calls_core(struct domain *d, void *ctx)
{
	(void)ctx;
	re->shutdowns++;
	re->shutdown_reason = hv_domain__shutdown_reason(d);
	/* Shutting down again is harmless: the first reason stuck. */
	domain__shutdown(d, SHUTDOWN_crash);
}

/* A backend answers the guest on the same port, as xenconsoled does. */
static void vmm_port_answers(struct domain *d, evtchn_port_t port, void *opaque)
{
	(void)opaque;
	re->vmm_sends++;
	struct guestmem *gm = hv_domain__mem_lock(d);
	(void)guestmem__refused(gm);
	hv_domain__mem_unlock(d);
	assert_int_equal(evtchn__vmm_notify(d, port), 0);
}

static void test_callbacks_may_call_the_core(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "a", DOMAIN_FASTABI, 2, 16);
	struct hv_vcpu *v0 = hv_domain__vcpu(d, 0);
	struct reentry r = { .h = h };
	uint64_t port;

	re = &r;
	h->hv.ops.kick = kick_calls_core;
	h->hv.ops.timer_changed = timer_calls_core;
	h->hv.ops.shutdown = shutdown_calls_core;
	alarm(DEADLOCK_S);

	/* timer_changed: a single-shot timer and a poll with a deadline, then their expiry. */
	h->now = 1000;
	assert_int_equal(fast(v0, EVTCHN, EVTCHNOP_bind_ipi, 0, 0, &port), 0);
	assert_int_equal(fast(v0, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0,
			      5000, NULL), 0);
	assert_int_equal(r.timer_changes, 1);
	assert_int_equal(fast(v0, __HYPERVISOR_sched_op, SCHEDOP_poll, 100000, port, NULL), 0);
	assert_int_equal(r.timer_changes, 2);
	assert_false(hv_vcpu__runnable(v0));
	h->now = 200000;
	hv_vcpu__timer_expired(v0); /* the poll ends: a kick, a timer change */
	assert_true(hv_vcpu__runnable(v0));
	assert_true(r.kicks > 0);
	assert_true(r.timer_changes > 2);

	/* kick for an upcall: an IPI to ourselves with a callback vector. */
	harness__callback_vector(d, 0xf3);
	unsigned kicks = r.kicks;
	assert_int_equal(fast(v0, EVTCHN, EVTCHNOP_send, port, 0, NULL), 0);
	assert_true(r.kicks > kicks);
	assert_true(r.pending_seen > 0);

	/* kick from a VMM entry point: console input raises VIRQ_CONSOLE (unbound here). */
	assert_int_equal(hv_console__input(d, "x", 1), 1);

	/* A backend's port: its answer is an event on the same port. */
	int p = evtchn__bind_vmm(d, vmm_port_answers, NULL);
	assert_true(p > 0);
	assert_int_equal(fast(v0, EVTCHN, EVTCHNOP_send, (uint64_t)p, 0, NULL), 0);
	assert_int_equal(r.vmm_sends, 1);
	assert_true(evtchn__port_pending(d, (evtchn_port_t)p));

	/* shutdown, from the guest and from the VMM. */
	assert_int_equal(fast(v0, __HYPERVISOR_sched_op, SCHEDOP_shutdown, SHUTDOWN_reboot, 0,
			      NULL), 0);
	assert_int_equal(r.shutdowns, 1);
	assert_int_equal(r.shutdown_reason, SHUTDOWN_reboot);
	domain__shutdown(d, SHUTDOWN_poweroff);
	assert_int_equal(r.shutdowns, 1);

	alarm(0);
	re = NULL;
	harness__free(h);
}

/* ---- two domains sending to each other at once ---- */

#define SENDS 20000u

static void quiet_kick(struct hv_vcpu *v, void *ctx)
{
	(void)v;
	(void)ctx;
}

static void quiet_timer(struct hv_vcpu *v, void *ctx)
{
	(void)v;
	(void)ctx;
}

struct sender {
	struct hv_vcpu *v;
	evtchn_port_t port;
	unsigned ok;
};

static void *send_loop(void *arg)
{
	struct sender *s = arg;
	for (unsigned i = 0; i < SENDS; i++)
		if (fast(s->v, EVTCHN, EVTCHNOP_send, s->port, 0, NULL) == 0)
			s->ok++;
	return NULL;
}

/* A third thread: the VMM's entry points on both domains, and single-domain calls. */
struct bystander {
	struct domain *a, *b;
	volatile bool stop;
	unsigned rounds;
};

static void *bystander_loop(void *arg)
{
	struct bystander *b = arg;
	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		(void)hv_vcpu__next_deadline(hv_domain__vcpu(b->a, 0));
		(void)hv_vcpu__upcall_pending(hv_domain__vcpu(b->b, 0));
		(void)evtchn__raise_virq(hv_domain__vcpu(b->b, 1), VIRQ_DEBUG);
		(void)fast(hv_domain__vcpu(b->a, 1), __HYPERVISOR_xen_version, XENVER_version, 0,
			   0, NULL);
		b->rounds++;
	}
	return NULL;
}

static void test_cross_domain_sends_do_not_deadlock(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *a = harness__domain(h, "a", DOMAIN_FASTABI, 2, 16);
	struct domain *b = harness__domain(h, "b", DOMAIN_FASTABI, 2, 16);
	uint64_t pa, pb;

	/* The harness's recording callbacks are for one thread; these do nothing. */
	h->hv.ops.kick = quiet_kick;
	h->hv.ops.timer_changed = quiet_timer;
	harness__callback_vector(a, 0xf3);
	harness__callback_vector(b, 0xf3);
	assert_int_equal(fast(hv_domain__vcpu(a, 0), EVTCHN, EVTCHNOP_alloc_unbound, DOMID_SELF,
			      hv_domain__id(b), &pa), 0);
	assert_int_equal(fast(hv_domain__vcpu(b, 0), EVTCHN, EVTCHNOP_bind_interdomain,
			      hv_domain__id(a), pa, &pb), 0);

	struct sender sa = { .v = hv_domain__vcpu(a, 0), .port = (evtchn_port_t)pa };
	struct sender sb = { .v = hv_domain__vcpu(b, 0), .port = (evtchn_port_t)pb };
	struct bystander by = { .a = a, .b = b };
	pthread_t ta, tb, tc;

	alarm(DEADLOCK_S);
	assert_int_equal(pthread_create(&tc, NULL, bystander_loop, &by), 0);
	assert_int_equal(pthread_create(&ta, NULL, send_loop, &sa), 0);
	assert_int_equal(pthread_create(&tb, NULL, send_loop, &sb), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	__atomic_store_n(&by.stop, true, __ATOMIC_RELEASE);
	pthread_join(tc, NULL);
	alarm(0);

	/* Every send succeeded and each end has its event pending. */
	assert_int_equal(sa.ok, SENDS);
	assert_int_equal(sb.ok, SENDS);
	assert_true(evtchn__port_pending(b, (evtchn_port_t)pb));
	assert_true(evtchn__port_pending(a, (evtchn_port_t)pa));
	assert_true(hv_vcpu__upcall_pending(hv_domain__vcpu(a, 0)));
	assert_true(hv_vcpu__upcall_pending(hv_domain__vcpu(b, 0)));
	harness__free(h);
}

/*
 * Calls that name one domain (hvm set/get_param: CALL_TARGET in
 * hypercall.c) hold only the caller's lock and take the named domain's when
 * they reach it, below or above the caller's domid, while other threads
 * make the same calls the other way round and every-lock calls: no deadlock,
 * every answer right, and a domain that may not be named is refused.
 */
#define HVM __HYPERVISOR_hvm_op
#define TARGET_CALLS 3000

struct target_caller {
	struct hv_vcpu *v;
	domid_t other;
	uint64_t want;
	unsigned ok;
};

static void *target_loop(void *arg)
{
	struct target_caller *t = arg;
	for (unsigned i = 0; i < TARGET_CALLS; i++) {
		uint64_t value = 0;
		if (fast(t->v, HVM, HVMOP_get_param, t->other, HVM_PARAM_STORE_PFN, &value) == 0 &&
		    value == t->want)
			t->ok++;
		/* An every-lock call in between (a status of a port of its own). */
		(void)fast(t->v, EVTCHN, EVTCHNOP_status, DOMID_SELF, 1, NULL);
	}
	return NULL;
}

static void test_target_calls(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	unsigned flags = DOMAIN_FASTABI | DOMAIN_PRIVILEGED;
	struct domain *a = harness__domain(h, "a", flags, 1, 16);
	struct domain *b = harness__domain(h, "b", flags, 1, 16);
	struct domain *c = harness__domain(h, "c", flags, 1, 16);
	struct domain *u = harness__domain(h, "u", DOMAIN_FASTABI, 1, 16);
	struct domain *all[] = { a, b, c };
	uint64_t value;

	h->hv.ops.kick = quiet_kick;
	h->hv.ops.timer_changed = quiet_timer;
	/* Each domain's STORE_PFN, set by the domain below it (a sets c's). */
	for (unsigned i = 0; i < 3; i++) {
		struct hv_call call = { .mode64 = true };
		*fastabi__reg(&call.regs, 0) = HVM | __HYPERVISOR_FASTABI_MASK;
		*fastabi__reg(&call.regs, 1) = HVMOP_set_param;
		*fastabi__reg(&call.regs, 2) = hv_domain__id(all[i]);
		*fastabi__reg(&call.regs, 3) = HVM_PARAM_STORE_PFN;
		*fastabi__reg(&call.regs, 4) = 0x100 + i;
		harness__call(hv_domain__vcpu(all[(i + 2) % 3], 0), &call);
		assert_int_equal((int64_t)*fastabi__reg(&call.regs, 0), 0);
	}
	/* b (domid 1) names a lower domid, then a higher one, then itself. */
	assert_int_equal(fast(hv_domain__vcpu(b, 0), HVM, HVMOP_get_param, 0, HVM_PARAM_STORE_PFN,
			      &value), 0);
	assert_int_equal(value, 0x100);
	assert_int_equal(fast(hv_domain__vcpu(b, 0), HVM, HVMOP_get_param, 2, HVM_PARAM_STORE_PFN,
			      &value), 0);
	assert_int_equal(value, 0x102);
	assert_int_equal(fast(hv_domain__vcpu(b, 0), HVM, HVMOP_get_param, DOMID_SELF,
			      HVM_PARAM_STORE_PFN, &value), 0);
	assert_int_equal(value, 0x101);
	/* An unprivileged domain naming another: refused, and nothing stays locked. */
	assert_int_equal(fast(hv_domain__vcpu(u, 0), HVM, HVMOP_get_param, 0, HVM_PARAM_STORE_PFN,
			      &value), -XEN_EPERM);
	assert_int_equal(fast(hv_domain__vcpu(u, 0), HVM, HVMOP_get_param, 9, HVM_PARAM_STORE_PFN,
			      &value), -XEN_ESRCH);

	/* Three threads, each naming a domain on the other side of the others. */
	struct target_caller t[3] = {
		{ .v = hv_domain__vcpu(a, 0), .other = 2, .want = 0x102 },
		{ .v = hv_domain__vcpu(c, 0), .other = 0, .want = 0x100 },
		{ .v = hv_domain__vcpu(b, 0), .other = 0, .want = 0x100 },
	};
	pthread_t th[3];
	alarm(DEADLOCK_S);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, target_loop, &t[i]), 0);
	for (unsigned i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	alarm(0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(t[i].ok, TARGET_CALLS);
	harness__free(h);
}

/* A domain created while a call holds every lock is not seen by that call, and then is. */
static void test_lookup_after_create(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *a = harness__domain(h, "a", DOMAIN_FASTABI | DOMAIN_PRIVILEGED, 1, 16);
	uint64_t port;

	/* dom0 may allocate a port in a domain it names: -ESRCH before it exists. */
	assert_int_equal(fast(hv_domain__vcpu(a, 0), EVTCHN, EVTCHNOP_alloc_unbound, 1, 0, &port),
			 -XEN_ESRCH);
	struct domain *b = harness__domain(h, "b", DOMAIN_FASTABI, 1, 16);
	assert_int_equal(hv_domain__id(b), 1);
	assert_int_equal(fast(hv_domain__vcpu(a, 0), EVTCHN, EVTCHNOP_alloc_unbound, 1, 0, &port),
			 0);
	harness__free(h);
}

/* hv_domain__stuck asks about every vCPU that is up under one lock; an NMI wakes. */
static bool always_halted(struct hv_vcpu *v, void *ctx)
{
	(void)v;
	(*(unsigned *)ctx)++;
	return true;
}

static void test_stuck(void **state)
{
	(void)state;
	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "a", DOMAIN_FASTABI, 2, 16);
	unsigned asked = 0;

	/* vCPU 1 is down: only vCPU 0 is asked. */
	assert_true(hv_domain__stuck(d, always_halted, &asked));
	assert_int_equal(asked, 1);
	/* An NMI for vCPU 0 will wake it; until the VMM takes it. */
	assert_int_equal(hleg64(hv_domain__vcpu(d, 0), __HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 0, 0),
			 0);
	assert_false(hv_domain__stuck(d, always_halted, &asked));
	assert_true(hv_vcpu__take_nmi(hv_domain__vcpu(d, 0)));
	assert_false(hv_vcpu__take_nmi(hv_domain__vcpu(d, 0)));
	assert_true(hv_domain__stuck(d, always_halted, &asked));
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callbacks_may_call_the_core),
		cmocka_unit_test(test_cross_domain_sends_do_not_deadlock),
		cmocka_unit_test(test_target_calls),
		cmocka_unit_test(test_lookup_after_create),
		cmocka_unit_test(test_stuck),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
