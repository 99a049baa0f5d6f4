/*
 * The no-clobber rule (docs/fastabi.md): a FastABI call changes rax and the
 * operation's declared output registers, nothing else; on failure it
 * changes rax only. For each operation below every general register but rsp
 * is loaded (inputs with valid values, the rest with distinct sentinels),
 * the trap is taken and every register is compared afterwards.
 */
#include "guest.h"

const char test_title[] = "noclobber";

#define R(x) (1u << REG_##x)

struct op {
	const char *name;
	uint32_t nr, sub;
	uint32_t outputs; /* R(...) of the declared outputs */
	uint32_t inputs;  /* R(...) set by 'in' */
	uint64_t in[NR_FASTABI_REGS];
	bool may_fail;    /* an error is an acceptable answer here */
};

static uint8_t memmap_page[PAGE_SIZE] __page_noinit;

/* Filled in by test_main where a value is only known at run time. */
static struct op ops[] = {
	{ "version version", 17, 0, 0, 0, {0}, false },
	{ "version get_features(0)", 17, 6, R(R8), R(RSI), { [REG_RSI] = 0 }, false },
	{ "version get_features(bad)", 17, 6, R(R8), R(RSI), { [REG_RSI] = 12345 }, true },
	{ "version unknown sub-op", 17, 63, 0, 0, {0}, true },
	{ "hvm get_time", 34, 10, R(RSI), 0, {0}, false },
	{ "hvm get_param(CALLBACK_IRQ)", 34, 1, R(R9), R(RSI) | R(R8),
	  { [REG_RSI] = DOMID_SELF, [REG_R8] = HVM_PARAM_CALLBACK_IRQ }, true },
	{ "grant_table query_size", 20, 6, R(RSI) | R(R8), 0, {0}, false },
	{ "grant_table get_version", 20, 10, R(RSI), 0, {0}, false },
	{ "event_channel alloc_unbound", 32, 6, R(R9), R(RSI) | R(R8),
	  { [REG_RSI] = DOMID_SELF, [REG_R8] = DOMID_SELF }, false },
	/* port filled in from alloc_unbound's answer: */
	{ "event_channel status", 32, 5, R(R9) | R(R10) | R(R11) | R(R12), R(RSI) | R(R8),
	  { [REG_RSI] = DOMID_SELF }, false },
	{ "event_channel close", 32, 3, 0, R(RSI), {0}, false },
	{ "event_channel status(bad port)", 32, 5, R(R9) | R(R10) | R(R11) | R(R12),
	  R(RSI) | R(R8), { [REG_RSI] = DOMID_SELF, [REG_R8] = 0xfffff }, true },
	{ "vcpu is_up(0)", 24, 3, 0, R(RSI), { [REG_RSI] = 0 }, false },
	{ "vcpu get_runstate_info(0)", 24, 4, R(RSI) | R(R8) | R(R9) | R(R10) | R(R11) | R(R12),
	  R(RSI), { [REG_RSI] = 0 }, false },
	{ "vcpu get_physid(0)", 24, 12, R(R8), R(RSI), { [REG_RSI] = 0 }, true },
	{ "sched yield", 29, 0, 0, 0, {0}, false },
	{ "memory memory_map", 12, 9, R(RSI), R(RSI) | R(R8),
	  { [REG_RSI] = PAGE_SIZE / sizeof(struct e820entry) }, false },
	{ "unknown hypercall (console_io)", 18, 0, 0, 0, {0}, true },
};

static uint64_t sentinel(unsigned op, unsigned reg)
{
	return 0x5e00000000000000ull | (uint64_t)op << 40 | (uint64_t)reg << 32 | 0xc10bbe00u |
	       (op * 16 + reg);
}

static int64_t run(unsigned idx, enum fastabi_trap trap)
{
	struct op *o = &ops[idx];
	struct fastabi_regs before, after;

	for (unsigned reg = 0; reg < NR_FASTABI_REGS; reg++)
		before.r[reg] = (o->inputs & (1u << reg)) ? o->in[reg] : sentinel(idx, reg);
	before.r[REG_RAX] = o->nr | __HYPERVISOR_FASTABI_MASK;
	before.r[REG_RDI] = o->sub;
	after = before;
	fastabi_raw_call(&after, trap);

	int64_t rc = (int64_t)after.r[REG_RAX];
	unsigned bad = 0;
	for (unsigned reg = 1; reg < NR_FASTABI_REGS; reg++) {
		bool may_change = rc >= 0 && (o->outputs & (1u << reg));
		if (!may_change && after.r[reg] != before.r[reg]) {
			xtf_failure("%s: %s changed %#llx -> %#llx", o->name, fastabi_reg_names[reg],
				    (unsigned long long)before.r[reg],
				    (unsigned long long)after.r[reg]);
			bad++;
		}
	}
	printf("%-32s rax %lld%s\n", o->name, (long long)rc, bad ? "  CLOBBERED" : "");
	if (rc < 0 && !o->may_fail)
		printf("  (unexpected error: the rule still held)\n");

	/* Hand results to the operations that follow. */
	if (rc >= 0 && !strcmp(o->name, "event_channel alloc_unbound")) {
		for (unsigned i = 0; i < ARRAY_SIZE(ops); i++)
			if (!strcmp(ops[i].name, "event_channel status"))
				ops[i].in[REG_R8] = after.r[REG_R9];
			else if (!strcmp(ops[i].name, "event_channel close"))
				ops[i].in[REG_RSI] = after.r[REG_R9];
	}
	return rc;
}

void test_main(void)
{
	if (!fastabi_usable()) {
		xtf_skip("FastABI not offered");
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++)
		if (!strcmp(ops[i].name, "memory memory_map"))
			ops[i].in[REG_R8] = (uintptr_t)memmap_page;

	unsigned failed_calls = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++)
		if (run(i, fastabi_trap()) < 0 && !ops[i].may_fail)
			failed_calls++;
	if (failed_calls)
		printf("%u operation(s) failed unexpectedly (not a no-clobber failure)\n",
		       failed_calls);
	if (xtf_result() < 0)
		xtf_success("no register changed but rax and declared outputs in %u calls",
			    (unsigned)ARRAY_SIZE(ops));
}
