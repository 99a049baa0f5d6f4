/*
 * The operations the in-process instruction counters drive (bench/core_insns.c
 * and bench/exit_insns.c), named as in abi/ (*.yml): one table, one lookup.
 */
#ifndef BENCH_INSN_OPS_H
#define BENCH_INSN_OPS_H

#include <stdint.h>
#include <string.h>

#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

struct op {
	const char *name;
	uint32_t hypercall;
	uint64_t subop;
};

static const struct op insn_ops[] = {
	{ "version.version", __HYPERVISOR_xen_version, XENVER_version },
	{ "event_channel.send", __HYPERVISOR_event_channel_op, EVTCHNOP_send },
	{ "vcpu.get_runstate_info", __HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info },
	{ "hvm.get_param", __HYPERVISOR_hvm_op, HVMOP_get_param },
	{ "hvm.get_time", __HYPERVISOR_hvm_op, HVMOP_get_time },
	{ "grant_table.query_size", __HYPERVISOR_grant_table_op, GNTTABOP_query_size },
	{ "sched.yield", __HYPERVISOR_sched_op, SCHEDOP_yield },
	{ "grant_table.copy", __HYPERVISOR_grant_table_op, GNTTABOP_copy },
	/* 64 gmfn-to-gmfn copies of 4 KiB in one call (core_insns.c only). */
	{ "grant_table.copy_batch", __HYPERVISOR_grant_table_op, GNTTABOP_copy },
};

/* The operation called name, or NULL. */
static inline const struct op *insn_op__find(const char *name)
{
	for (unsigned i = 0; i < sizeof(insn_ops) / sizeof(insn_ops[0]); i++)
		if (!strcmp(insn_ops[i].name, name))
			return &insn_ops[i];
	return NULL;
}

#endif
