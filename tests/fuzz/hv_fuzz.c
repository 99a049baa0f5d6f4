/*
 * libFuzzer target for the hypervisor core: the input builds a small world
 * with the test harness's world building (tests/hv/harness.h: its recording
 * callbacks, RAM of an exact size, identity-mapped page tables) of one or
 * two domains with random flags, vCPUs and RAM, page tables then corrupted
 * at will, random paging modes and share sets, and then drives a sequence
 * of FastABI and legacy calls with random register files through
 * hv_hypercall, mixed with the VMM's own entry points (timers, console
 * input). Nothing may crash or touch memory outside the guest regions
 * (AddressSanitizer sees every RAM buffer at its exact size), and every call
 * must keep the register rules the harness checks in every test
 * (harness__check_rules): FastABI writes rax and the op's declared outputs
 * only, legacy rax only (its argument registers too when it continues). A
 * failed harness check aborts, so libFuzzer keeps the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fastabi/x86.h>

#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CALLS 48
#define MAX_RESTARTS 64
#define MAX_DOMS 2

struct reader {
	const uint8_t *p;
	size_t n;
};

/* The next 'bytes' bytes as a little-endian number; zeros once the input ends. */
static uint64_t take(struct reader *r, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		uint64_t b = 0;
		if (r->n) {
			b = *r->p++;
			r->n--;
		}
		v |= b << (8 * i);
	}
	return v;
}

static const uint32_t hypercalls[] = {
	__HYPERVISOR_memory_op, __HYPERVISOR_xen_version, __HYPERVISOR_console_io,
	__HYPERVISOR_grant_table_op, __HYPERVISOR_vcpu_op, __HYPERVISOR_sched_op,
	__HYPERVISOR_event_channel_op, __HYPERVISOR_hvm_op,
};

/* A register value: shaped like the arguments guests pass, or raw. */
static uint64_t value(struct reader *r, uint64_t ram_size)
{
	switch (take(r, 1) % 8) {
	case 0: return 0;
	case 1: return take(r, 1);
	case 2: return take(r, 2);
	case 3: return take(r, 4) % ram_size;                /* an address in RAM */
	case 4: return take(r, 4) % (ram_size >> PAGE_SHIFT); /* a frame */
	case 5: return ~take(r, 1);
	case 6: return (1ull << 32) + take(r, 2) * PAGE_SIZE;
	default: return take(r, 8);
	}
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "hv_fuzz: %s\n", what);
		abort();
	}
}

static void one_call(struct harness *h, struct domain **doms, unsigned nr_doms, struct reader *r)
{
	struct domain *d = doms[take(r, 1) % nr_doms];
	uint64_t ram_size = harness__dom(h, d)->ram_size;
	struct hv_vcpu *v = &d->vcpus[take(r, 1) % d->nr_vcpus];
	struct hv_call call;
	unsigned kind = (unsigned)take(r, 1);

	memset(&call, 0, sizeof(call));
	uint64_t *words = (uint64_t *)&call.regs;
	for (unsigned i = 0; i < sizeof(call.regs) / sizeof(uint64_t); i++)
		words[i] = value(r, ram_size);

	bool fast = kind & 1;
	call.mode64 = fast || (kind & 2);
	call.rflags = value(r, ram_size); /* IF decides whether an upcall ends a poll or block */
	if (fast) {
		const struct fastabi_op *op = &fastabi_ops[take(r, 1) % fastabi_nr_ops];
		*fastabi__reg(&call.regs, 0) =
			(kind & 4) ? take(r, 8) : (op->hypercall | __HYPERVISOR_FASTABI_MASK);
		if (!(kind & 8))
			*fastabi__reg(&call.regs, 1) = op->subop < 0 ? 0 : (uint64_t)op->subop;
	} else {
		call.regs.rax = (kind & 4) ? take(r, 4)
					   : hypercalls[take(r, 1) % (sizeof(hypercalls) / sizeof(hypercalls[0]))];
		uint64_t sub = (kind & 8) ? take(r, 8) : take(r, 1) % 34;
		*legacy__arg_reg(&call.regs, call.mode64, 0) = sub;
	}

	/* Paging: off, 32-bit, PAE or long mode, with the table or any CR3. */
	unsigned pg = (unsigned)take(r, 1);
	call.paging.cr0 = X86_CR0_PE | (pg & 1 ? X86_CR0_PG : 0) | (pg & 2 ? X86_CR0_WP : 0);
	call.paging.cr4 = (pg & 4 ? X86_CR4_PAE : 0) | (pg & 8 ? X86_CR4_PSE : 0) |
			  (pg & 16 ? X86_CR4_LA57 : 0);
	call.paging.efer = (pg & 32 ? X86_EFER_LME | X86_EFER_LMA : 0) | (pg & 64 ? X86_EFER_NXE : 0);
	call.paging.cr3 = pg & 128 ? value(r, ram_size) : 0x1000;

	for (unsigned n = 0; n <= MAX_RESTARTS; n++) {
		struct hv_regs before = call.regs;
		hv_hypercall(v, &call);
		check(v->call == NULL, "the vCPU still names the call");
		harness__check_rules(&before, &call);
		if (call.result != HV_CALL_RESTART)
			break;
	}
}

/* A failed harness check (cmocka) aborts instead of exiting. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	setenv("CMOCKA_TEST_ABORT", "1", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct harness *h = harness__new();
	struct domain *doms[MAX_DOMS] = { NULL, NULL };
	unsigned nr_doms = 0;

	harness__set_time(h, 1 + take(&r, 4));
	unsigned want = 1 + (unsigned)take(&r, 1) % MAX_DOMS;
	for (unsigned i = 0; i < want; i++) {
		unsigned flags = (unsigned)take(&r, 1) & (DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL |
							   DOMAIN_FIXED_LAYOUT | DOMAIN_PRIVILEGED);
		struct domain_config cfg = {
			.name = i ? "b" : "a",
			.nr_vcpus = 1 + (unsigned)take(&r, 1) % 3,
			.flags = flags,
			.max_grant_frames = (unsigned)take(&r, 1) % 8,
			.max_maptrack = (unsigned)take(&r, 1) % 64,
		};
		/* 8 to 511 pages of RAM at 0, exactly that big on the host; sometimes a page at 4 GiB. */
		uint64_t pages = 8 + take(&r, 2) % 504;
		bool high = take(&r, 1) & 1;
		int layout_ret;
		struct domain *d = harness__domain_pages(h, &cfg, pages, high, &layout_ret);
		if (!d)
			continue;
		struct harness_dom *hd = harness__dom(h, d);
		/* Pokes: page tables and structs, corrupted at will. */
		unsigned pokes = (unsigned)take(&r, 1) % 32;
		for (unsigned p = 0; p < pokes; p++) {
			uint64_t off = take(&r, 3) % (hd->ram_size - 7);
			uint64_t val = take(&r, 8);
			memcpy(hd->ram + off, &val, 8);
		}
		/* A confidential domain shares some of its frames. */
		if (flags & DOMAIN_CONFIDENTIAL) {
			uint64_t first = take(&r, 2) % (hd->ram_size >> PAGE_SHIFT);
			guestmem__share(&d->mem, gfn(first), take(&r, 2) % 64);
		}
		doms[nr_doms++] = d;
	}

	for (unsigned c = 0; nr_doms && c < MAX_CALLS && r.n; c++) {
		unsigned what = (unsigned)take(&r, 1);
		struct domain *d = doms[what % nr_doms];
		if (what < 0xe0) {
			one_call(h, doms, nr_doms, &r);
		} else if (what < 0xf0) {
			/* The VMM's timer fires. */
			harness__advance(h, take(&r, 4));
			struct hv_vcpu *v = &d->vcpus[take(&r, 1) % d->nr_vcpus];
			uint64_t deadline = hv_vcpu__next_deadline(v);
			if (deadline && deadline > h->now)
				harness__set_time(h, deadline);
			hv_vcpu__timer_expired(v);
			(void)hv_vcpu__runnable(v);
			(void)hv_vcpu__upcall_pending(v);
			(void)hv_vcpu__upcall_vector(v);
		} else {
			char in[16];
			for (unsigned i = 0; i < sizeof(in); i++)
				in[i] = (char)take(&r, 1);
			hv_console__input(d, in, take(&r, 1) % sizeof(in));
		}
	}

	harness__free(h);
	return 0;
}
