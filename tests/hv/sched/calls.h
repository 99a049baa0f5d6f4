/*
 * Shared by the sched and vcpu tests: every SCHEDOP and VCPUOP issued
 * through one of three ABIs (FastABI registers, 64-bit legacy, 32-bit
 * legacy with the i386 struct layouts), so that a test can run the same
 * steps once per ABI and expect the same results. Legacy structs go to
 * fresh scratch memory of the calling domain (GVA == GPA in the harness).
 */
#ifndef TESTS_HV_SCHED_CALLS_H
#define TESTS_HV_SCHED_CALLS_H

#include <stdint.h>
#include <string.h>

#include <fastabi/x86.h>

#include "harness.h"
#include "sched_vcpu.h"

#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/vcpu.h>

/* Domains the tests use: FastABI allowed, so all three ABIs work. */
#define TEST_FLAGS DOMAIN_FASTABI
#define MS 1000000ull
#define SEC 1000000000ull

/* Fail with the ABI in the message, so a divergence names its ABI. */
#define EQ(abi, x, y)                                                                       \
	do {                                                                                \
		long long x_ = (long long)(x), y_ = (long long)(y);                         \
		if (x_ != y_)                                                               \
			fail_msg("%s: %s == %lld, expected %s == %lld", harness__abi_name(abi), #x,  \
				 x_, #y, y_);                                               \
	} while (0)

/* The callback vector the test domains register (HVM_PARAM_CALLBACK_IRQ, type vector). */
#define TEST_CALLBACK_VECTOR 0xf3

/*
 * A world with one domain "t" of 4 MiB for a test. Like the guests these
 * tests stand for, it has registered a callback vector, so that an upcall
 * is deliverable and kicks (world_bare: none registered).
 */
static inline struct harness *world_bare(struct domain **d, unsigned flags, unsigned nr_vcpus)
{
	struct harness *h = harness__new();
	*d = harness__domain(h, "t", flags, nr_vcpus, 4);
	return h;
}

static inline struct harness *world(struct domain **d, unsigned flags, unsigned nr_vcpus)
{
	struct harness *h = world_bare(d, flags, nr_vcpus);
	harness__callback_vector(*d, TEST_CALLBACK_VECTOR);
	return h;
}

/*
 * The common shape of these tests: a scenario fn(a, h, d) run once per ABI
 * a, each time on a fresh world (world() or world_bare(), nr vCPUs) that is
 * freed after it. In main: world_test(fn, nr) or world_bare_test(fn, nr).
 */
struct world_test {
	void (*fn)(enum abi a, struct harness *h, struct domain *d);
	unsigned nr_vcpus;
	bool bare;
};

static inline void world_scenario(enum abi a, void *ctx)
{
	const struct world_test *t = ctx;
	struct domain *d;
	struct harness *h = t->bare ? world_bare(&d, TEST_FLAGS, t->nr_vcpus)
				    : world(&d, TEST_FLAGS, t->nr_vcpus);
	t->fn(a, h, d);
	harness__free(h);
}

#define WORLD_TEST(fn, nr, bare_)                                                            \
	{ #fn, harness__run_each_abi, NULL, NULL,                                            \
	  &(struct harness_scenario){ world_scenario, &(struct world_test){ fn, nr, bare_ } } }
#define world_test(fn, nr) WORLD_TEST(fn, nr, false)
#define world_bare_test(fn, nr) WORLD_TEST(fn, nr, true)

static inline struct harness *h_of(struct hv_vcpu *v)
{
	return harness__of(v->d->hv);
}

/* Scratch guest memory holding a copy of buf; returns its GVA. */
static inline uint64_t put(struct hv_vcpu *v, const void *buf, size_t len)
{
	uint64_t va;
	void *p = harness__alloc(h_of(v), v->d, len ? len : 1, &va);
	memcpy(p, buf, len);
	return va;
}

static inline int64_t legacy(struct hv_vcpu *v, enum abi abi, uint64_t hc, uint64_t a0,
			     uint64_t a1, uint64_t a2)
{
	const uint64_t args[LEGACY_NR_ARGS] = { a0, a1, a2, 0, 0 };
	return harness__legacy(v, abi == ABI_LEG64, hc, args, NULL);
}

/* ---- sched_op ---- */

/* An argument-less op (yield, block). */
static inline int64_t sched_noarg(struct hv_vcpu *v, enum abi abi, unsigned cmd)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_sched_op, cmd, 0);
	return legacy(v, abi, __HYPERVISOR_sched_op, cmd, 0, 0);
}

/* shutdown or shutdown_code. */
static inline int64_t sched_reason(struct hv_vcpu *v, enum abi abi, unsigned cmd, uint64_t reason)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_sched_op, cmd, reason);
	struct sched_shutdown s = { .reason = (unsigned)reason };
	return legacy(v, abi, __HYPERVISOR_sched_op, cmd, put(v, &s, sizeof(s)), 0);
}

/* struct sched_poll as the legacy ABI of 'abi' lays it out, with the ports list. */
static inline uint64_t put_poll(struct hv_vcpu *v, enum abi abi, uint64_t timeout,
				const evtchn_port_t *ports, unsigned nr, uint64_t ports_va)
{
	if (ports)
		ports_va = put(v, ports, nr * sizeof(*ports));
	if (abi == ABI_LEG64) {
		struct sched_poll p;
		memset(&p, 0, sizeof(p));
		memcpy(&p.ports, &ports_va, sizeof(ports_va));
		p.nr_ports = nr;
		p.timeout = timeout;
		return put(v, &p, sizeof(p));
	}
	uint8_t c[16];
	uint32_t pv = (uint32_t)ports_va;
	memcpy(c, &pv, 4);
	memcpy(c + 4, &nr, 4);
	memcpy(c + 8, &timeout, 8);
	return put(v, c, sizeof(c));
}

static inline int64_t sched_poll(struct hv_vcpu *v, enum abi abi, uint64_t timeout,
				 evtchn_port_t port)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_sched_op, SCHEDOP_poll, timeout, port);
	return legacy(v, abi, __HYPERVISOR_sched_op, SCHEDOP_poll,
		      put_poll(v, abi, timeout, &port, 1, 0), 0);
}

static inline int64_t sched_watchdog(struct hv_vcpu *v, enum abi abi, uint32_t id, uint32_t timeout)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_sched_op, SCHEDOP_watchdog, id, timeout);
	struct sched_watchdog w = { .id = id, .timeout = timeout };
	return legacy(v, abi, __HYPERVISOR_sched_op, SCHEDOP_watchdog, put(v, &w, sizeof(w)), 0);
}

static inline int64_t sched_pin(struct hv_vcpu *v, enum abi abi, int32_t pcpu)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_sched_op, SCHEDOP_pin_override, (uint64_t)(int64_t)pcpu);
	struct sched_pin_override p = { .pcpu = pcpu };
	return legacy(v, abi, __HYPERVISOR_sched_op, SCHEDOP_pin_override, put(v, &p, sizeof(p)), 0);
}

/* ---- vcpu_op ---- */

/* An op with no struct (up, down, is_up, stop_*, send_nmi). */
static inline int64_t vcpu_noarg(struct hv_vcpu *v, enum abi abi, unsigned cmd, uint64_t vcpuid)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_vcpu_op, cmd, vcpuid);
	return legacy(v, abi, __HYPERVISOR_vcpu_op, cmd, vcpuid, 0);
}

/*
 * initialise: the context goes to a fresh page; FastABI passes its frame,
 * legacy its address.
 */
static inline int64_t vcpu_initialise(struct hv_vcpu *v, enum abi abi, uint64_t vcpuid,
				      const struct vcpu_hvm_context *ctx)
{
	uint64_t va;
	void *p = harness__alloc_page(h_of(v), v->d, &va);
	memcpy(p, ctx, sizeof(*ctx));
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_vcpu_op, VCPUOP_initialise, vcpuid, va >> 12);
	return legacy(v, abi, __HYPERVISOR_vcpu_op, VCPUOP_initialise, vcpuid, va);
}

/* get_runstate_info, decoded into the native struct whatever the ABI. */
static inline int64_t vcpu_runstate(struct hv_vcpu *v, enum abi abi, uint64_t vcpuid,
				    struct vcpu_runstate_info *out)
{
	memset(out, 0, sizeof(*out));
	if (abi == ABI_FAST) {
		struct harness_result res;
		int64_t ret = hfast_res(&res, v, __HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, vcpuid);
		if (ret == 0) {
			out->state = (int)harness__reg(&res.regs, 2);
			out->state_entry_time = harness__reg(&res.regs, 3);
			for (unsigned i = 0; i < 4; i++)
				out->time[i] = harness__reg(&res.regs, 4 + i);
		}
		return ret;
	}
	uint64_t va;
	uint8_t *p = harness__alloc(h_of(v), v->d, 64, &va);
	memset(p, 0xee, 64);
	int64_t ret = legacy(v, abi, __HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, vcpuid, va);
	if (ret)
		return ret;
	if (abi == ABI_LEG64) {
		memcpy(out, p, sizeof(*out));
		assert_int_equal(p[sizeof(*out)], 0xee); /* nothing written past it */
	} else {
		memcpy(&out->state, p, 4);
		memcpy(&out->state_entry_time, p + 4, 8);
		memcpy(out->time, p + 12, 32);
		assert_int_equal(p[44], 0xee); /* the i386 layout is 44 bytes */
	}
	return ret;
}

static inline int64_t vcpu_periodic(struct hv_vcpu *v, enum abi abi, uint64_t vcpuid,
				    uint64_t period)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, vcpuid, period);
	struct vcpu_set_periodic_timer p = { .period_ns = period };
	return legacy(v, abi, __HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, vcpuid,
		      put(v, &p, sizeof(p)));
}

static inline int64_t vcpu_singleshot(struct hv_vcpu *v, enum abi abi, uint64_t vcpuid,
				      uint64_t timeout, uint32_t flags)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, vcpuid, timeout,
			     flags);
	if (abi == ABI_LEG64) {
		struct vcpu_set_singleshot_timer s = { .timeout_abs_ns = timeout, .flags = flags };
		return legacy(v, abi, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, vcpuid,
			      put(v, &s, sizeof(s)));
	}
	/* 12 bytes, in the last bytes of RAM: reading 16 would fault. */
	uint8_t c[12];
	memcpy(c, &timeout, 8);
	memcpy(c + 8, &flags, 4);
	uint64_t va = harness__dom(h_of(v), v->d)->ram_size - sizeof(c);
	memcpy(harness__host(h_of(v), v->d, va), c, sizeof(c));
	return legacy(v, abi, __HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, vcpuid, va);
}

static inline int64_t vcpu_register_info(struct hv_vcpu *v, enum abi abi, uint64_t vcpuid,
					 uint64_t mfn, uint64_t offset)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, vcpuid, mfn, offset);
	struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = (uint32_t)offset };
	return legacy(v, abi, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, vcpuid,
		      put(v, &r, sizeof(r)));
}

static inline int64_t vcpu_physid(struct hv_vcpu *v, enum abi abi, uint64_t vcpuid, uint64_t *out)
{
	if (abi == ABI_FAST) {
		struct harness_result res;
		int64_t ret = hfast_res(&res, v, __HYPERVISOR_vcpu_op, VCPUOP_get_physid, vcpuid);
		if (ret == 0)
			*out = harness__reg(&res.regs, 3);
		return ret;
	}
	uint64_t va;
	uint64_t *p = harness__alloc(h_of(v), v->d, 8, &va);
	int64_t ret = legacy(v, abi, __HYPERVISOR_vcpu_op, VCPUOP_get_physid, vcpuid, va);
	if (ret == 0)
		*out = *p;
	return ret;
}

/* register_runstate_phys_area (14) or register_vcpu_time_phys_area (15). */
static inline int64_t vcpu_phys_area(struct hv_vcpu *v, enum abi abi, unsigned cmd,
				     uint64_t vcpuid, uint64_t gpa)
{
	if (abi == ABI_FAST)
		return hfast(v, __HYPERVISOR_vcpu_op, cmd, vcpuid, gpa);
	return legacy(v, abi, __HYPERVISOR_vcpu_op, cmd, vcpuid, put(v, &gpa, sizeof(gpa)));
}

/* ---- vCPUs up ---- */

/* A 64-bit context that starts at rip (identity-mapped page tables at 0x1000). */
static inline struct vcpu_hvm_context ctx64(uint64_t rip)
{
	struct vcpu_hvm_context c;
	memset(&c, 0, sizeof(c));
	c.mode = VCPU_HVM_MODE_64B;
	c.cpu_regs.x86_64.rip = rip;
	c.cpu_regs.x86_64.rsp = 0x8000;
	c.cpu_regs.x86_64.cr0 = X86_CR0_PG | X86_CR0_ET | X86_CR0_PE;
	c.cpu_regs.x86_64.cr3 = 0x1000;
	c.cpu_regs.x86_64.cr4 = X86_CR4_PAE;
	c.cpu_regs.x86_64.efer = X86_EFER_LME | X86_EFER_LMA;
	return c;
}

/* vCPU id initialised with a 64-bit context and brought up by vCPU 0 (FastABI). */
static inline void bring_up(struct domain *d, unsigned id)
{
	struct vcpu_hvm_context c = ctx64(0x100000);
	assert_int_equal(vcpu_initialise(&d->vcpus[0], ABI_FAST, id, &c), 0);
	assert_int_equal(vcpu_noarg(&d->vcpus[0], ABI_FAST, VCPUOP_up, id), 0);
}

/* ---- event channels, to make events happen (FastABI) ---- */

static inline evtchn_port_t bind_ipi(struct hv_vcpu *v, unsigned vcpu)
{
	struct harness_result res;
	assert_int_equal(hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, vcpu),
			 0);
	return (evtchn_port_t)harness__reg(&res.regs, 4);
}

static inline evtchn_port_t bind_virq(struct hv_vcpu *v, unsigned virq, unsigned vcpu)
{
	struct harness_result res;
	assert_int_equal(hfast_res(&res, v, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, virq,
				   vcpu),
			 0);
	return (evtchn_port_t)harness__reg(&res.regs, 4);
}

static inline void send(struct hv_vcpu *v, evtchn_port_t port)
{
	assert_int_equal(hfast(v, __HYPERVISOR_event_channel_op, EVTCHNOP_send, port), 0);
}

/* The 2-level mask bit of a port (shared_info). */
static inline void mask_port(struct domain *d, evtchn_port_t port, bool on)
{
	uint8_t *b = (uint8_t *)d->shared_info->evtchn_mask + port / 8;
	if (on)
		*b |= (uint8_t)(1u << (port % 8));
	else
		*b &= (uint8_t)~(1u << (port % 8));
}

static inline struct vcpu_info *slot(struct hv_vcpu *v)
{
	return &v->d->shared_info->vcpu_info[v->id];
}

#endif
