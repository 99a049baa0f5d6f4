/*
 * The core's instructions per call, in process (no KVM), for bench/bench.py
 * (docs/benchmarks.md): one operation through one ABI, repeated, on the
 * hypervisor core as tests/hv/harness.h drives it. Run under callgrind:
 * the inclusive instruction count of hv_hypercall per call is the whole
 * core path; that of the operation's shared core function (named
 * <hypercall>__<op>, e.g. hvm__get_time) is the work both ABIs share; the
 * difference is the ABI's decode and encode (and the dispatch and locks
 * around them).
 *
 *	core-insns OP ABI COUNT     ABI: fastabi or legacy (64-bit)
 *
 * grant_table.copy_batch is the bandwidth figure's call: 64 gmfn-to-gmfn
 * copies of 4 KiB, one FastABI copy_batch page or one legacy array of 64.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h" /* first: it chooses the Xen interface version */

#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#include "insn_ops.h"

#define NBATCH 64

int main(int argc, char **argv)
{
	const struct op *op = NULL;

	if (argc != 4 || (strcmp(argv[2], "fastabi") && strcmp(argv[2], "legacy"))) {
		fprintf(stderr, "usage: core-insns OP fastabi|legacy COUNT\n");
		return 2;
	}
	op = insn_op__find(argv[1]);
	if (!op) {
		fprintf(stderr, "core-insns: unknown operation '%s'\n", argv[1]);
		return 2;
	}
	bool fast = !strcmp(argv[2], "fastabi");
	unsigned count = (unsigned)strtoul(argv[3], NULL, 10);

	struct harness *h = harness__new();
	struct domain *d = harness__domain(h, "bench", DOMAIN_FASTABI, 1, 16);
	struct hv_vcpu *v = &d->vcpus[0];
	struct harness_result res;
	uint64_t in[6] = { 0 }, args[LEGACY_NR_ARGS] = { op->subop };
	uint64_t va;

	/* The arguments of each operation, as the guest benchmark passes them. */
	if (op->hypercall == __HYPERVISOR_event_channel_op) {
		/* A port of our own: an IPI to vCPU 0 (the harness has no VMM-bound port). */
		uint64_t bind[6] = { 0 };
		harness__fast(v, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, bind, &res);
		if (res.ret != 0) {
			fprintf(stderr, "core-insns: bind_ipi: %lld\n", (long long)res.ret);
			return 1;
		}
		in[0] = res.regs.r9; /* port: reg4 */
		struct evtchn_send *s = harness__alloc(h, d, sizeof(*s), &va);
		s->port = (evtchn_port_t)in[0];
	} else if (op->hypercall == __HYPERVISOR_hvm_op && op->subop == HVMOP_get_param) {
		in[0] = DOMID_SELF, in[1] = HVM_PARAM_CALLBACK_IRQ;
		struct xen_hvm_param *p = harness__alloc(h, d, sizeof(*p), &va);
		p->domid = DOMID_SELF, p->index = HVM_PARAM_CALLBACK_IRQ;
	} else if (!strcmp(op->name, "grant_table.copy_batch")) {
		uint64_t sva, dva, pg;
		for (unsigned j = 0; j < NBATCH; j++)
			harness__alloc_page(h, d, j ? &va : &sva);
		for (unsigned j = 0; j < NBATCH; j++)
			harness__alloc_page(h, d, j ? &va : &dva);
		struct gnttab_copy *c = harness__alloc_page(h, d, &pg);
		for (unsigned j = 0; j < NBATCH; j++)
			c[j] = (struct gnttab_copy){
				.source = { .u.gmfn = (sva >> 12) + j, .domid = DOMID_SELF },
				.dest = { .u.gmfn = (dva >> 12) + j, .domid = DOMID_SELF },
				.len = PAGE_SIZE };
		va = pg;
		if (fast) {
			static const struct op batch = { "grant_table.copy_batch",
							 __HYPERVISOR_grant_table_op,
							 GNTTABOP_fastabi_copy_batch };
			op = &batch;
			in[0] = pg, in[1] = NBATCH;
		}
	} else if (op->hypercall == __HYPERVISOR_grant_table_op && op->subop == GNTTABOP_copy) {
		uint64_t sva, dva;
		harness__alloc_page(h, d, &sva);
		harness__alloc_page(h, d, &dva);
		in[0] = sva >> 12, in[1] = DOMID_SELF;
		in[2] = dva >> 12, in[3] = DOMID_SELF;
		in[4] = 64; /* len 64, flags 0: frames on both sides */
		struct gnttab_copy *c = harness__alloc(h, d, sizeof(*c), &va);
		*c = (struct gnttab_copy){ .source = { .u.gmfn = sva >> 12, .domid = DOMID_SELF },
					   .dest = { .u.gmfn = dva >> 12, .domid = DOMID_SELF },
					   .len = 64 };
	} else if (op->hypercall == __HYPERVISOR_grant_table_op) {
		struct gnttab_query_size *q = harness__alloc(h, d, sizeof(*q), &va);
		q->dom = DOMID_SELF;
	} else if (op->hypercall == __HYPERVISOR_hvm_op) {
		harness__alloc(h, d, sizeof(struct xen_hvm_get_time), &va);
	} else if (op->hypercall == __HYPERVISOR_vcpu_op) {
		harness__alloc(h, d, sizeof(struct vcpu_runstate_info), &va);
	} else {
		va = 0;
	}
	/* Legacy: (cmd, arg) for most; (cmd, vcpu, arg) for vcpu_op; (cmd, uop, count) for grants. */
	if (op->hypercall == __HYPERVISOR_vcpu_op)
		args[1] = 0, args[2] = va;
	else if (op->hypercall == __HYPERVISOR_grant_table_op)
		args[1] = va, args[2] = strcmp(op->name, "grant_table.copy_batch") ? 1 : NBATCH;
	else
		args[1] = va;

	int64_t first = 0;
	for (unsigned i = 0; i < count; i++) {
		int64_t r = fast ? harness__fast(v, op->hypercall, op->subop, in, &res)
				 : harness__legacy(v, true, op->hypercall, args, &res);
		if (i == 0)
			first = r;
	}
	printf("%s %s: %u calls, first returned %lld\n", op->name, argv[2], count,
	       (long long)first);
	harness__free(h);
	return first < 0 ? 1 : 0;
}
