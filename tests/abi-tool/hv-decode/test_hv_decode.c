/*
 * The generated FastABI decoders, driven through their op table with mock
 * core functions: every input register reaches the right member or
 * parameter, values that do not fit are refused without calling the core,
 * exactly the declared outputs are written (and only on success, or on
 * -FASTABI_ERESTART for a preemptible op), and every other register stays
 * bit-identical. The spec is tests/abi-tool/specs/small/ plus specs/ here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <xen/errno.h>

#include "fastabi_hv.h"

/* ---- mock core functions ------------------------------------------------ */

/* What the last core function saw, and what the next one returns. */
static struct {
	int calls;
	const char *core;
	struct hv_vcpu *vcpu;
	struct evtchn_send send;
	struct evtchn_status status;
	struct evtchn_alloc_unbound alloc;
	struct gnttab_copy copy;
	uint64_t poll_timeout;
	evtchn_port_t poll_port;
	uint64_t set_timer;
	struct fastabi_memory_share share;
	uint32_t vcpuid;
	uint16_t count;
	uint32_t whole;
	uint64_t word_lo, word_hi;
	struct gnttab_query_size query;
} seen;

static int64_t next_ret;

/* What the next core function writes into its struct before returning. */
static struct {
	struct evtchn_status status;
	evtchn_port_t alloc_port;
	int16_t copy_status;
	uint32_t share_done;
	struct vcpu_runstate_info runstate;
	struct gnttab_query_size query;
} give;

static void called(const char *core, struct hv_vcpu *vcpu)
{
	seen.calls++;
	seen.core = core;
	seen.vcpu = vcpu;
}

int64_t event_channel__send(struct hv_vcpu *hv_vcpu, struct evtchn_send *arg)
{
	called(__func__, hv_vcpu);
	seen.send = *arg;
	return next_ret;
}

int64_t event_channel__status(struct hv_vcpu *hv_vcpu, struct evtchn_status *arg)
{
	called(__func__, hv_vcpu);
	seen.status = *arg;
	arg->status = give.status.status;
	arg->vcpu = give.status.vcpu;
	arg->u = give.status.u;
	return next_ret;
}

int64_t event_channel__alloc_unbound(struct hv_vcpu *hv_vcpu, struct evtchn_alloc_unbound *arg)
{
	called(__func__, hv_vcpu);
	seen.alloc = *arg;
	arg->port = give.alloc_port;
	return next_ret;
}

int64_t grant_table__copy(struct hv_vcpu *hv_vcpu, struct gnttab_copy *arg)
{
	called(__func__, hv_vcpu);
	seen.copy = *arg;
	arg->status = give.copy_status;
	return next_ret;
}

int64_t sched__yield(struct hv_vcpu *hv_vcpu)
{
	called(__func__, hv_vcpu);
	return next_ret;
}

int64_t sched__poll(struct hv_vcpu *hv_vcpu, uint64_t timeout, evtchn_port_t port)
{
	called(__func__, hv_vcpu);
	seen.poll_timeout = timeout;
	seen.poll_port = port;
	return next_ret;
}

int64_t set_timer_op__direct(struct hv_vcpu *hv_vcpu, uint64_t timeout)
{
	called(__func__, hv_vcpu);
	seen.set_timer = timeout;
	return next_ret;
}

int64_t memory__fastabi_share(struct hv_vcpu *hv_vcpu, struct fastabi_memory_share *arg)
{
	called(__func__, hv_vcpu);
	seen.share = *arg;
	arg->done = give.share_done;
	return next_ret;
}

int64_t vcpu__get_runstate_info(struct hv_vcpu *hv_vcpu, uint32_t vcpuid,
				struct vcpu_runstate_info *arg)
{
	called(__func__, hv_vcpu);
	seen.vcpuid = vcpuid;
	*arg = give.runstate;
	return next_ret;
}

int64_t hvm__packed_params(struct hv_vcpu *hv_vcpu, uint16_t count, uint32_t whole,
			   uint64_t word_lo, uint64_t word_hi)
{
	called(__func__, hv_vcpu);
	seen.count = count;
	seen.whole = whole;
	seen.word_lo = word_lo;
	seen.word_hi = word_hi;
	return next_ret;
}

int64_t hvm__packed_query(struct hv_vcpu *hv_vcpu, struct gnttab_query_size *arg)
{
	called(__func__, hv_vcpu);
	seen.query = *arg;
	arg->nr_frames = give.query.nr_frames;
	arg->max_nr_frames = give.query.max_nr_frames;
	arg->status = give.query.status;
	return next_ret;
}

int64_t hvm__fixed_query(struct hv_vcpu *hv_vcpu, struct gnttab_query_size *arg)
{
	called(__func__, hv_vcpu);
	seen.query = *arg;
	arg->nr_frames = give.query.nr_frames;
	return next_ret;
}

/* ---- helpers ------------------------------------------------------------ */

/* The decoders never dereference the vCPU: any distinct address will do. */
static char vcpu_token;
#define VCPU ((struct hv_vcpu *)(void *)&vcpu_token)

#define SENTINEL(n) (UINT64_C(0x5e5e5e5e00000000) | (uint64_t)(n) * 0x01010101u)

static int reset(void **state)
{
	(void)state;
	memset(&seen, 0, sizeof(seen));
	memset(&give, 0, sizeof(give));
	next_ret = 0;
	return 0;
}

static const struct fastabi_op *op_of(const char *family, const char *name)
{
	for (size_t i = 0; i < fastabi_nr_ops; i++)
		if (strcmp(fastabi_ops[i].family, family) == 0 &&
		    strcmp(fastabi_ops[i].name, name) == 0)
			return &fastabi_ops[i];
	fail_msg("no op %s %s in the table", family, name);
	return NULL;
}

/* A frame as the guest would leave it: sentinels in every register, the
 * hypercall number (with the FastABI bit) in reg0, the sub-op in reg1. */
static struct fastabi_frame frame_for(const struct fastabi_op *op)
{
	struct fastabi_frame f;
	memset(&f, 0, sizeof(f));
	for (int r = 0; r < FASTABI_NR_REGS; r++)
		f.reg[r] = SENTINEL(r);
	f.reg[0] = __HYPERVISOR_FASTABI_MASK | op->hypercall;
	if (op->subop >= 0)
		f.reg[1] = (uint64_t)op->subop;
	f.bad_reg = -1;
	f.bad_field = NULL;
	return f;
}

/* Decode, then check that no register outside 'may_write' changed. */
static int64_t decode(const struct fastabi_op *op, struct fastabi_frame *f, unsigned may_write)
{
	struct fastabi_frame before = *f;
	int64_t ret = op->decode(VCPU, f);
	for (int r = 0; r < FASTABI_NR_REGS; r++)
		if (!(may_write & (1u << r)) && f->reg[r] != before.reg[r])
			fail_msg("%s %s: reg%d changed from %#llx to %#llx", op->family, op->name, r,
				 (unsigned long long)before.reg[r], (unsigned long long)f->reg[r]);
	return ret;
}

/* The outputs a decoder may write: its declared ones, never reg0 (the
 * caller's) and never an input-only register. */
static unsigned outputs(const struct fastabi_op *op)
{
	return op->out_mask & ~1u;
}

static void expect_refused(const struct fastabi_op *op, struct fastabi_frame *f, int reg,
			   const char *field)
{
	int calls = seen.calls;
	int64_t ret = decode(op, f, 0);
	assert_int_equal(ret, -XEN_EINVAL);
	assert_int_equal(f->bad_reg, reg);
	assert_non_null(f->bad_field);
	assert_string_equal(f->bad_field, field);
	assert_int_equal(seen.calls, calls);
}

/* ---- event_channel ------------------------------------------------------ */

static void test_send_passes_port(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("event_channel", "send");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = 0xfffffffe;
	next_ret = 0;
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.core, "event_channel__send");
	assert_ptr_equal(seen.vcpu, VCPU);
	assert_int_equal(seen.send.port, 0xfffffffe);
	assert_int_equal(f.bad_reg, -1);
	assert_null(f.bad_field);
}

static void test_send_refuses_wide_port(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("event_channel", "send");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = UINT64_C(1) << 32;
	expect_refused(op, &f, 2, "port");
	f = frame_for(op);
	f.reg[2] = UINT64_MAX; /* a negative value is not a port either */
	expect_refused(op, &f, 2, "port");
}

static void test_send_returns_core_value(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("event_channel", "send");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = 3;
	next_ret = -XEN_ENOENT;
	assert_int_equal(decode(op, &f, 0), -XEN_ENOENT);
	next_ret = 7;
	assert_int_equal(decode(op, &f, outputs(op)), 7);
}

static void test_status_inputs_and_union_words(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("event_channel", "status");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = 0x7ff0; /* DOMID_SELF */
	f.reg[3] = 0x12345;
	give.status.status = EVTCHNSTAT_interdomain;
	give.status.vcpu = 0xfffffffd;
	give.status.u.interdomain.dom = 0xabcd;
	give.status.u.interdomain.port = 0xdeadbeef;

	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.status.dom, 0x7ff0);
	assert_int_equal(seen.status.port, 0x12345);
	/* The decoder zeroed the struct: no stale bytes reach the core. */
	assert_int_equal(seen.status.status, 0);
	assert_int_equal(seen.status.u.pirq, 0);

	assert_int_equal(f.reg[4], EVTCHNSTAT_interdomain);
	assert_int_equal(f.reg[5], 0xfffffffd); /* uint32_t: zero-extended */
	/* word1 is the union's first 32 bits: interdomain.dom and its padding. */
	assert_int_equal(f.reg[6], 0xabcd);
	assert_int_equal(f.reg[7], 0xdeadbeef);
}

static void test_status_refuses_each_input(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("event_channel", "status");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = 0x10000; /* domid_t is 16 bits */
	f.reg[3] = 1;
	expect_refused(op, &f, 2, "dom");
	f = frame_for(op);
	f.reg[2] = 0;
	f.reg[3] = UINT64_C(0x100000000);
	expect_refused(op, &f, 3, "port");
}

static void test_status_failure_writes_nothing(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("event_channel", "status");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = 1;
	f.reg[3] = 2;
	give.status.status = 5;
	next_ret = -XEN_ESRCH;
	assert_int_equal(decode(op, &f, 0), -XEN_ESRCH);
	assert_int_equal(seen.calls, 1);
	/* Not preemptible: -ERESTART is just another failure here. */
	next_ret = -FASTABI_ERESTART;
	assert_int_equal(decode(op, &f, 0), -FASTABI_ERESTART);
}

static void test_alloc_unbound(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("event_channel", "alloc_unbound");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = 0xffff;
	f.reg[3] = 0x0001;
	give.alloc_port = 0x80000001u;
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.alloc.dom, 0xffff);
	assert_int_equal(seen.alloc.remote_dom, 1);
	assert_int_equal(seen.alloc.port, 0);
	assert_int_equal(f.reg[4], 0x80000001u);

	f = frame_for(op);
	f.reg[2] = 0;
	f.reg[3] = 0x1ffff;
	expect_refused(op, &f, 3, "remote_dom");
}

/* ---- grant_table: packed registers -------------------------------------- */

static uint64_t pack16(uint16_t lo, uint16_t hi)
{
	return (uint64_t)lo | (uint64_t)hi << 16;
}

static struct fastabi_frame copy_frame(void)
{
	struct fastabi_frame f = frame_for(op_of("grant_table", "copy"));
	f.reg[2] = UINT64_C(0x0000123456789abc);
	f.reg[3] = pack16(0x7ff0, 0x0ffe);
	f.reg[4] = UINT64_C(0x00000000fedcba98);
	f.reg[5] = pack16(0x0003, 0x0010);
	f.reg[6] = pack16(0x1000, GNTCOPY_source_gref | GNTCOPY_dest_gref);
	return f;
}

static void test_copy_unpacks_bit_ranges(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("grant_table", "copy");
	struct fastabi_frame f = copy_frame();
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.copy.source.u.gmfn, UINT64_C(0x0000123456789abc));
	assert_int_equal(seen.copy.source.domid, 0x7ff0);
	assert_int_equal(seen.copy.source.offset, 0x0ffe);
	assert_int_equal(seen.copy.dest.u.gmfn, UINT64_C(0xfedcba98));
	assert_int_equal(seen.copy.dest.domid, 3);
	assert_int_equal(seen.copy.dest.offset, 0x10);
	assert_int_equal(seen.copy.len, 0x1000);
	assert_int_equal(seen.copy.flags, GNTCOPY_source_gref | GNTCOPY_dest_gref);
	assert_int_equal(seen.copy.status, 0);
	assert_int_equal(f.reg[7], 0);
}

static void test_copy_full_ranges(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("grant_table", "copy");
	struct fastabi_frame f = copy_frame();
	f.reg[3] = UINT64_C(0xffffffff);
	f.reg[5] = UINT64_C(0xffff0000);
	f.reg[6] = UINT64_C(0x0000ffff);
	f.reg[2] = UINT64_MAX; /* xen_pfn_t is 64 bits: everything fits */
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.copy.source.u.gmfn, UINT64_MAX);
	assert_int_equal(seen.copy.source.domid, 0xffff);
	assert_int_equal(seen.copy.source.offset, 0xffff);
	assert_int_equal(seen.copy.dest.domid, 0);
	assert_int_equal(seen.copy.dest.offset, 0xffff);
	assert_int_equal(seen.copy.len, 0xffff);
	assert_int_equal(seen.copy.flags, 0);
}

static void test_copy_refuses_reserved_bits(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("grant_table", "copy");
	static const struct {
		int reg;
		const char *field;
	} packed[] = { { 3, "src_loc" }, { 5, "dst_loc" }, { 6, "len_flags" } };

	for (size_t i = 0; i < sizeof(packed) / sizeof(packed[0]); i++) {
		for (int bit = 32; bit < 64; bit += 7) {
			struct fastabi_frame f = copy_frame();
			f.reg[packed[i].reg] |= UINT64_C(1) << bit;
			expect_refused(op, &f, packed[i].reg, packed[i].field);
		}
		struct fastabi_frame f = copy_frame();
		f.reg[packed[i].reg] |= UINT64_C(1) << 63;
		expect_refused(op, &f, packed[i].reg, packed[i].field);
	}
	assert_int_equal(seen.calls, 0);
}

static void test_copy_sign_extends_status(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("grant_table", "copy");
	struct fastabi_frame f = copy_frame();
	give.copy_status = GNTST_bad_gntref; /* -3 in an int16_t */
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(f.reg[7], (uint64_t)(int64_t)GNTST_bad_gntref);
	assert_int_equal(f.reg[7], UINT64_C(0xfffffffffffffffd));

	f = copy_frame();
	give.copy_status = 0x7fff;
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(f.reg[7], 0x7fff);
}

/* ---- sched, set_timer_op: parameters, no struct ------------------------- */

static void test_yield_touches_nothing(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("sched", "yield");
	struct fastabi_frame f = frame_for(op);
	assert_int_equal(decode(op, &f, 0), 0);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.core, "sched__yield");
}

static void test_poll_params(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("sched", "poll");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = UINT64_MAX;
	f.reg[3] = 0xffffffff;
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.poll_timeout, UINT64_MAX);
	assert_int_equal(seen.poll_port, 0xffffffff);

	f = frame_for(op);
	f.reg[2] = 0;
	f.reg[3] = UINT64_C(0xffffffff00000001);
	expect_refused(op, &f, 3, "port");
}

static void test_direct_op(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("set_timer_op", "direct");
	assert_int_equal(op->subop, -1);
	struct fastabi_frame f = frame_for(op);
	f.reg[1] = UINT64_C(0x1111222233334444); /* no sub-op: reg1 is not read */
	f.reg[2] = UINT64_C(0x8000000000000001);
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.set_timer, UINT64_C(0x8000000000000001));
}

/* ---- memory: preemptible, continuation through the registers ------------ */

static void test_share_continues_after_erestart(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("memory", "fastabi_share");
	assert_true(op->preemptible);
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = UINT64_C(0x100000);
	f.reg[3] = 1000;
	f.reg[4] = 0;

	/* Preempted after 300 frames: 'done' goes back to the guest. */
	give.share_done = 300;
	next_ret = -FASTABI_ERESTART;
	assert_int_equal(decode(op, &f, outputs(op)), -FASTABI_ERESTART);
	assert_int_equal(seen.share.first_gfn, 0x100000);
	assert_int_equal(seen.share.nr_frames, 1000);
	assert_int_equal(seen.share.done, 0);
	assert_int_equal(f.reg[4], 300);
	assert_int_equal(f.reg[2], 0x100000);
	assert_int_equal(f.reg[3], 1000);

	/* Re-executing the same trap resumes where it stopped. */
	give.share_done = 1000;
	next_ret = 0;
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.share.done, 300);
	assert_int_equal(f.reg[4], 1000);
	assert_int_equal(seen.calls, 2);
}

static void test_share_failure_keeps_progress(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("memory", "fastabi_share");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = 1;
	f.reg[3] = 10;
	f.reg[4] = 4;
	give.share_done = 9;
	next_ret = -XEN_ENOMEM;
	assert_int_equal(decode(op, &f, 0), -XEN_ENOMEM);
	assert_int_equal(f.reg[4], 4);

	f.reg[4] = UINT64_C(0x100000000);
	expect_refused(op, &f, 4, "done");
}

/* ---- vcpu: parameter + struct, outputs over an input register ----------- */

static void test_runstate_mixed(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("vcpu", "get_runstate_info");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = 0xfffffffe;
	give.runstate.state = -1;
	give.runstate.state_entry_time = UINT64_C(0x8000000000000005);
	for (int i = 0; i < 4; i++)
		give.runstate.time[i] = UINT64_C(0x1000) * (uint64_t)(i + 1);
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.vcpuid, 0xfffffffe);
	assert_int_equal(f.reg[2], UINT64_MAX); /* int -1, sign-extended */
	assert_int_equal(f.reg[3], UINT64_C(0x8000000000000005));
	for (int i = 0; i < 4; i++)
		assert_int_equal(f.reg[4 + i], UINT64_C(0x1000) * (uint64_t)(i + 1));

	f = frame_for(op);
	f.reg[2] = UINT64_C(0x100000000);
	expect_refused(op, &f, 2, "vcpuid");
}

/* ---- hvm (test family): more packed registers ------------------------- */

static struct fastabi_frame params_frame(void)
{
	struct fastabi_frame f = frame_for(op_of("hvm", "packed_params"));
	f.reg[2] = 0xffff;
	f.reg[4] = 0x00cd00ab;
	f.reg[5] = 0xab | UINT64_C(0xfedcba98) << 32;
	return f;
}

static void test_packed_params(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("hvm", "packed_params");
	struct fastabi_frame f = params_frame();
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.count, 0xffff);
	assert_int_equal(seen.whole, 0x00cd00ab); /* the whole register */
	assert_int_equal(seen.word_lo, 0xab);     /* the ranges, one by one */
	assert_int_equal(seen.word_hi, 0xfedcba98);
}

static void test_packed_params_refuses(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("hvm", "packed_params");
	struct fastabi_frame f = params_frame();
	f.reg[2] = 0x10000;
	expect_refused(op, &f, 2, "count");
	/* Bits 8-31 of 'word' belong to no range. */
	f = params_frame();
	f.reg[5] |= UINT64_C(1) << 8;
	expect_refused(op, &f, 5, "word");
	f = params_frame();
	f.reg[5] |= UINT64_C(1) << 31;
	expect_refused(op, &f, 5, "word");
	/* A parameter for the whole field still has reserved bits. */
	f = params_frame();
	f.reg[4] |= UINT64_C(1) << 8;
	expect_refused(op, &f, 4, "whole");
	f = params_frame();
	f.reg[4] |= UINT64_C(1) << 24;
	expect_refused(op, &f, 4, "whole");
	f = params_frame();
	f.reg[4] |= UINT64_C(1) << 40;
	expect_refused(op, &f, 4, "whole");
	assert_int_equal(seen.calls, 0);
}

static void test_packed_query(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("hvm", "packed_query");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = UINT64_C(0x7ff0) << 8;
	give.query.nr_frames = 0x1234;
	give.query.max_nr_frames = 0xabcd;
	give.query.status = GNTST_general_error; /* -1 */
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.query.dom, 0x7ff0);
	/* A signed range is masked to its width: bits 48-63 stay clear. */
	assert_int_equal(f.reg[3], UINT64_C(0x0000ffffabcd1234));

	/* A member wider than its range is cut to the range, never bleeding
	 * into its neighbour. */
	f = frame_for(op);
	f.reg[2] = 0;
	give.query.nr_frames = 0x12345;
	give.query.max_nr_frames = 0;
	give.query.status = 0;
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(f.reg[3], 0x2345);
}

/* c_lang.fixed: the member no register carries gets the spec's value,
 * whatever the guest left in the registers. */
static void test_fixed_member(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("hvm", "fixed_query");
	struct fastabi_frame f = frame_for(op);
	give.query.nr_frames = 7;
	assert_int_equal(decode(op, &f, outputs(op)), 0);
	assert_int_equal(seen.query.dom, DOMID_SELF);
	assert_int_equal(f.reg[2], 7);
}

static void test_packed_query_refuses(void **state)
{
	(void)state;
	const struct fastabi_op *op = op_of("hvm", "packed_query");
	struct fastabi_frame f = frame_for(op);
	f.reg[2] = 0x80; /* below the range */
	expect_refused(op, &f, 2, "target");
	f.reg[2] = UINT64_C(1) << 32; /* above it */
	expect_refused(op, &f, 2, "target");
	/* The range is 24 bits wide, domid_t 16. */
	f.reg[2] = UINT64_C(0x10000) << 8;
	expect_refused(op, &f, 2, "target.dom");
	f.reg[2] = UINT64_C(0xffffff) << 8;
	expect_refused(op, &f, 2, "target.dom");
	assert_int_equal(seen.calls, 0);

	f.reg[2] = UINT64_C(0xffff) << 8;
	next_ret = -XEN_EPERM;
	assert_int_equal(decode(op, &f, 0), -XEN_EPERM);
	assert_int_equal(seen.query.dom, 0xffff);
}

/* ---- the table ---------------------------------------------------------- */

struct expected_op {
	const char *family, *name;
	uint32_t hypercall;
	int64_t subop;
	uint8_t in_mask, out_mask;
	bool preemptible;
	const char *in[FASTABI_NR_REGS], *out[FASTABI_NR_REGS];
};

/* From the spec files, in (hypercall, sub-op) order. */
static const struct expected_op expected[] = {
	{ "memory", "fastabi_share", 12, 64, 0x1f, 0x11, true,
	  { [2] = "first_gfn", [3] = "nr_frames", [4] = "done" }, { [4] = "done" } },
	{ "set_timer_op", "direct", 15, -1, 0x05, 0x01, false, { [2] = "timeout" }, { NULL } },
	{ "grant_table", "copy", 20, 5, 0x7f, 0x81, false,
	  { [2] = "src", [3] = "src_loc", [4] = "dst", [5] = "dst_loc", [6] = "len_flags" },
	  { [7] = "status" } },
	{ "vcpu", "get_runstate_info", 24, 4, 0x07, 0xfd, false, { [2] = "vcpuid" },
	  { [2] = "state", [3] = "state_entry_time", [4] = "time[0]", [5] = "time[1]",
	    [6] = "time[2]", [7] = "time[3]" } },
	{ "sched", "yield", 29, 0, 0x03, 0x01, false, { NULL }, { NULL } },
	{ "sched", "poll", 29, 3, 0x0f, 0x01, false, { [2] = "timeout", [3] = "port" }, { NULL } },
	{ "event_channel", "send", 32, 4, 0x07, 0x01, false, { [2] = "port" }, { NULL } },
	{ "event_channel", "status", 32, 5, 0x0f, 0xf1, false, { [2] = "dom", [3] = "port" },
	  { [4] = "status", [5] = "vcpu", [6] = "word1", [7] = "word2" } },
	{ "event_channel", "alloc_unbound", 32, 6, 0x0f, 0x11, false,
	  { [2] = "dom", [3] = "remote_dom" }, { [4] = "port" } },
	{ "hvm", "packed_params", 34, 98, 0x37, 0x01, false,
	  { [2] = "count", [4] = "whole", [5] = "word" }, { NULL } },
	{ "hvm", "packed_query", 34, 99, 0x07, 0x09, false, { [2] = "target" }, { [3] = "sizes" } },
	{ "hvm", "fixed_query", 34, 100, 0x03, 0x05, false, { NULL }, { [2] = "nr_frames" } },
};

static void assert_same_name(const char *want, const char *got)
{
	if (!want)
		assert_null(got);
	else
		assert_string_equal(want, got);
}

static void test_table_matches_spec(void **state)
{
	(void)state;
	size_t n = sizeof(expected) / sizeof(expected[0]);
	assert_int_equal(fastabi_nr_ops, n);
	for (size_t i = 0; i < n; i++) {
		const struct fastabi_op *op = &fastabi_ops[i];
		const struct expected_op *e = &expected[i];
		assert_string_equal(op->family, e->family);
		assert_string_equal(op->name, e->name);
		assert_int_equal(op->hypercall, e->hypercall);
		assert_int_equal(op->subop, e->subop);
		assert_int_equal(op->in_mask, e->in_mask);
		assert_int_equal(op->out_mask, e->out_mask);
		assert_int_equal(op->preemptible, e->preemptible);
		assert_non_null(op->decode);
		for (int r = 0; r < FASTABI_NR_REGS; r++) {
			assert_same_name(e->in[r], op->in_field[r]);
			assert_same_name(e->out[r], op->out_field[r]);
			/* The names and the masks tell the same story. */
			if (r >= 2) {
				assert_int_equal(!!(op->in_mask & (1u << r)), op->in_field[r] != NULL);
				assert_int_equal(!!(op->out_mask & (1u << r)), op->out_field[r] != NULL);
			}
		}
		assert_true(op->in_mask & 1u);
		assert_true(op->out_mask & 1u);
		assert_int_equal(!!(op->in_mask & 2u), op->subop >= 0);
		if (i > 0) {
			const struct fastabi_op *prev = &fastabi_ops[i - 1];
			assert_true(prev->hypercall < op->hypercall ||
				    (prev->hypercall == op->hypercall && prev->subop < op->subop));
		}
	}
}

/*
 * Every op, from the table alone: with valid (zero) inputs and a succeeding
 * core only out_mask registers may change; with a failing core none.
 */
static void test_every_op_no_clobber(void **state)
{
	(void)state;
	for (size_t i = 0; i < fastabi_nr_ops; i++) {
		const struct fastabi_op *op = &fastabi_ops[i];
		for (int fail = 0; fail < 2; fail++) {
			reset(NULL);
			give.status.status = 1;
			give.alloc_port = 1;
			give.copy_status = -1;
			give.share_done = 1;
			give.runstate.state = 1;
			next_ret = fail ? -XEN_EPERM : 0;
			struct fastabi_frame f = frame_for(op);
			for (int r = 2; r < FASTABI_NR_REGS; r++)
				if (op->in_mask & (1u << r))
					f.reg[r] = 0;
			int64_t ret = decode(op, &f, fail ? 0 : outputs(op));
			assert_int_equal(ret, next_ret);
			assert_int_equal(seen.calls, 1);
		}
	}
}

static void test_find(void **state)
{
	(void)state;
	for (size_t i = 0; i < fastabi_nr_ops; i++) {
		const struct fastabi_op *op = &fastabi_ops[i];
		uint64_t sub = op->subop < 0 ? 12345 : (uint64_t)op->subop;
		assert_ptr_equal(fastabi_op_find(op->hypercall, sub), op);
	}
	/* A direct op ignores reg1 entirely. */
	assert_ptr_equal(fastabi_op_find(15, 0), op_of("set_timer_op", "direct"));
	assert_ptr_equal(fastabi_op_find(15, UINT64_MAX), op_of("set_timer_op", "direct"));

	static const struct {
		uint32_t hypercall;
		uint64_t subop;
	} unknown[] = {
		{ 0, 0 },   { 11, 64 }, { 12, 0 },  { 12, 65 }, { 13, 64 }, { 14, 0 },
		{ 16, 0 },  { 20, 0 },  { 20, 4 },  { 20, 6 },  { 24, 3 },  { 24, 5 },
		{ 29, 1 },  { 29, 2 },  { 29, 4 },  { 32, 0 },  { 32, 3 },  { 32, 7 },
		{ 33, 4 },  { 34, 0 },  { 34, 97 }, { 34, 101 }, { 35, 98 },
		{ 63, 0 },  { UINT32_MAX, 0 },
		{ 32, UINT64_C(0x100000004) }, /* the sub-op is all 64 bits of reg1 */
		{ 32, UINT64_MAX },            /* not -1: that is no sub-op at all */
		{ 29, UINT64_C(0xffffffff00000000) },
		{ 32 | __HYPERVISOR_FASTABI_MASK, 4 }, /* the caller strips the bit */
	};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		if (fastabi_op_find(unknown[i].hypercall, unknown[i].subop) != NULL)
			fail_msg("found (%u, %#llx)", unknown[i].hypercall,
				 (unsigned long long)unknown[i].subop);
}

/* The direct table holds every op once, under its own (hypercall, sub-op), and nothing else. */
static void test_dispatch_table(void **state)
{
	size_t seen = 0;

	(void)state;
	for (uint32_t hc = 0; hc < FASTABI_NR_HYPERCALLS; hc++) {
		const struct fastabi_hypercall *h = &fastabi_by_hypercall[hc];
		if (h->direct) {
			assert_int_equal(h->direct->hypercall, hc);
			assert_true(h->direct->subop < 0);
			assert_int_equal(h->nr_subops, 0);
			seen++;
			continue;
		}
		assert_true(h->nr_subops == 0 || h->subop[h->nr_subops - 1] != NULL);
		for (uint32_t s = 0; s < h->nr_subops; s++) {
			const struct fastabi_op *op = h->subop[s];
			if (!op)
				continue;
			assert_int_equal(op->hypercall, hc);
			assert_int_equal(op->subop, s);
			seen++;
		}
	}
	assert_int_equal(seen, fastabi_nr_ops);
	/* The table ends with the highest hypercall of the spec. */
	assert_int_equal(fastabi_ops[fastabi_nr_ops - 1].hypercall, FASTABI_NR_HYPERCALLS - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_send_passes_port, reset),
		cmocka_unit_test(test_dispatch_table),
		cmocka_unit_test_setup(test_send_refuses_wide_port, reset),
		cmocka_unit_test_setup(test_send_returns_core_value, reset),
		cmocka_unit_test_setup(test_status_inputs_and_union_words, reset),
		cmocka_unit_test_setup(test_status_refuses_each_input, reset),
		cmocka_unit_test_setup(test_status_failure_writes_nothing, reset),
		cmocka_unit_test_setup(test_alloc_unbound, reset),
		cmocka_unit_test_setup(test_copy_unpacks_bit_ranges, reset),
		cmocka_unit_test_setup(test_copy_full_ranges, reset),
		cmocka_unit_test_setup(test_copy_refuses_reserved_bits, reset),
		cmocka_unit_test_setup(test_copy_sign_extends_status, reset),
		cmocka_unit_test_setup(test_yield_touches_nothing, reset),
		cmocka_unit_test_setup(test_poll_params, reset),
		cmocka_unit_test_setup(test_direct_op, reset),
		cmocka_unit_test_setup(test_share_continues_after_erestart, reset),
		cmocka_unit_test_setup(test_share_failure_keeps_progress, reset),
		cmocka_unit_test_setup(test_runstate_mixed, reset),
		cmocka_unit_test_setup(test_packed_params, reset),
		cmocka_unit_test_setup(test_packed_params_refuses, reset),
		cmocka_unit_test_setup(test_packed_query, reset),
		cmocka_unit_test_setup(test_packed_query_refuses, reset),
		cmocka_unit_test_setup(test_fixed_member, reset),
		cmocka_unit_test_setup(test_table_matches_spec, reset),
		cmocka_unit_test_setup(test_every_op_no_clobber, reset),
		cmocka_unit_test_setup(test_find, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
