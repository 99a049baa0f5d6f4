/*
 * libFuzzer target for the hypervisor core: the input builds a small world
 * (one or two domains with random flags, vCPUs and RAM, page tables that
 * start as an identity map and are then corrupted at will, random paging
 * modes and share sets) and then drives a sequence of FastABI and legacy
 * calls with random register files through hv_hypercall, mixed with the
 * VMM's own entry points (timers, console input). Nothing may crash or
 * touch memory outside the guest regions (AddressSanitizer sees every RAM
 * buffer at its exact size), and every call must keep the register rules:
 * FastABI writes rax and the op's declared outputs only, legacy rax only
 * (its argument registers too when it continues).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include <fastabi/x86.h>

#include "hv.h"
#include "legacy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CALLS 48
#define MAX_RESTARTS 64

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

struct fuzz_world {
	struct hv hv;
	uint64_t now;
	uint8_t *ram[2];
	uint64_t ram_size[2];
	uint8_t *high[2]; /* one page at 4 GiB, sometimes */
};

static uint64_t cb_now(void *ctx)
{
	return ((struct fuzz_world *)ctx)->now;
}

static void cb_console(struct domain *d, const char *buf, size_t len, void *ctx)
{
	(void)d, (void)ctx;
	/* Touch every byte: a bad pointer shows up here, under ASan. */
	volatile char sink = 0;
	for (size_t i = 0; i < len; i++)
		sink ^= buf[i];
	(void)sink;
}

static void cb_flush(struct domain *d, void *ctx)
{
	(void)d, (void)ctx;
}

static int cb_map_special(struct domain *d, enum guestmem_kind kind, void *host, gfn_t old_gfn,
			  bool had_old, gfn_t gfn, void *ctx)
{
	(void)d, (void)kind, (void)old_gfn, (void)had_old, (void)gfn, (void)ctx;
	/* The page the core hands out must be a whole page of its own memory. */
	volatile uint8_t *p = host;
	(void)p[0];
	(void)p[PAGE_SIZE - 1];
	return 0;
}

/* An identity map of RAM at page 1.. (4-level; 32-bit and PAE reuse the idea). */
static uint64_t build_tables(uint8_t *ram, uint64_t size)
{
	uint64_t pages = size >> PAGE_SHIFT;
	uint64_t *pml4 = (uint64_t *)(ram + 0x1000), *pdpt = (uint64_t *)(ram + 0x2000);
	uint64_t *pd = (uint64_t *)(ram + 0x3000), *pt = (uint64_t *)(ram + 0x4000);

	pml4[0] = 0x2000 | 3;
	pdpt[0] = 0x3000 | 3;
	pd[0] = 0x4000 | 3;
	for (uint64_t i = 1; i < pages && i < 512; i++)
		pt[i] = (i << PAGE_SHIFT) | 3;
	return 0x1000;
}

static const uint32_t hypercalls[] = {
	__HYPERVISOR_memory_op, __HYPERVISOR_xen_version, __HYPERVISOR_console_io,
	__HYPERVISOR_grant_table_op, __HYPERVISOR_vcpu_op, __HYPERVISOR_sched_op,
	__HYPERVISOR_event_channel_op, __HYPERVISOR_hvm_op,
};

/* A register value: shaped like the arguments guests pass, or raw. */
static uint64_t value(struct reader *r, const struct fuzz_world *w, unsigned dom)
{
	switch (take(r, 1) % 8) {
	case 0: return 0;
	case 1: return take(r, 1);
	case 2: return take(r, 2);
	case 3: return w->ram_size[dom] ? take(r, 4) % w->ram_size[dom] : 0; /* an address in RAM */
	case 4: return take(r, 4) % (w->ram_size[dom] >> PAGE_SHIFT | 1);   /* a frame */
	case 5: return ~take(r, 1);
	case 6: return (1ull << 32) + take(r, 2) * PAGE_SIZE;
	default: return take(r, 8);
	}
}

static uint64_t *abi_reg(struct hv_regs *regs, unsigned n)
{
	uint64_t *map[8] = { &regs->rax, &regs->rdi, &regs->rsi, &regs->r8,
			     &regs->r9,  &regs->r10, &regs->r11, &regs->r12 };
	return map[n];
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "hv_fuzz: %s\n", what);
		abort();
	}
}

/* Only rax and the registers in 'may' (bits = words of struct hv_regs) changed. */
static void check_regs(const struct hv_regs *before, const struct hv_regs *after, uint32_t may)
{
	const uint64_t *b = (const uint64_t *)before, *a = (const uint64_t *)after;
	for (unsigned i = 1; i < sizeof(*before) / sizeof(uint64_t); i++)
		check((may & (1u << i)) || a[i] == b[i], "a call clobbered a register");
}

static unsigned word(struct hv_regs *r, uint64_t *p)
{
	return (unsigned)(p - (uint64_t *)r);
}

static void one_call(struct fuzz_world *w, struct domain **doms, unsigned nr_doms,
		     struct reader *r)
{
	unsigned di = (unsigned)take(r, 1) % nr_doms;
	struct domain *d = doms[di];
	struct hv_vcpu *v = &d->vcpus[take(r, 1) % d->nr_vcpus];
	struct hv_call call;
	unsigned kind = (unsigned)take(r, 1);

	memset(&call, 0, sizeof(call));
	uint64_t *words = (uint64_t *)&call.regs;
	for (unsigned i = 0; i < sizeof(call.regs) / sizeof(uint64_t); i++)
		words[i] = value(r, w, di);

	bool fast = kind & 1;
	call.mode64 = fast || (kind & 2);
	call.rflags = value(r, w, di); /* IF decides whether an upcall ends a poll or block */
	if (fast) {
		const struct fastabi_op *op = &fastabi_ops[take(r, 1) % fastabi_nr_ops];
		call.regs.rax = (kind & 4) ? take(r, 8) : (op->hypercall | __HYPERVISOR_FASTABI_MASK);
		if (!(kind & 8))
			call.regs.rdi = op->subop < 0 ? 0 : (uint64_t)op->subop;
	} else {
		call.regs.rax = (kind & 4) ? take(r, 4)
					   : hypercalls[take(r, 1) % (sizeof(hypercalls) / sizeof(hypercalls[0]))];
		uint64_t sub = (kind & 8) ? take(r, 8) : take(r, 1) % 34;
		if (call.mode64)
			call.regs.rdi = sub;
		else
			call.regs.rbx = sub;
	}

	/* Paging: off, 32-bit, PAE or long mode, with the table or any CR3. */
	unsigned pg = (unsigned)take(r, 1);
	call.paging.cr0 = X86_CR0_PE | (pg & 1 ? X86_CR0_PG : 0) | (pg & 2 ? X86_CR0_WP : 0);
	call.paging.cr4 = (pg & 4 ? X86_CR4_PAE : 0) | (pg & 8 ? X86_CR4_PSE : 0) |
			  (pg & 16 ? X86_CR4_LA57 : 0);
	call.paging.efer = (pg & 32 ? X86_EFER_LME | X86_EFER_LMA : 0) | (pg & 64 ? X86_EFER_NXE : 0);
	call.paging.cr3 = pg & 128 ? value(r, w, di) : 0x1000;

	for (unsigned n = 0; n <= MAX_RESTARTS; n++) {
		struct hv_regs before = call.regs;
		bool fast_path = call.mode64 && (before.rax & __HYPERVISOR_FASTABI_MASK) &&
				 (d->flags & DOMAIN_FASTABI);
		const struct fastabi_op *op = NULL;
		if (fast_path && (before.rax >> 32) == 0)
			op = fastabi_op_find((uint32_t)before.rax & ~__HYPERVISOR_FASTABI_MASK, before.rdi);

		hv_hypercall(v, &call);
		check(v->call == NULL, "the vCPU still names the call");

		uint32_t may = 1;
		if (op) {
			for (unsigned i = 1; i < 8; i++)
				if (op->out_mask & (1u << i))
					may |= 1u << word(&call.regs, abi_reg(&call.regs, i));
		} else if (!fast_path && call.result == HV_CALL_RESTART) {
			uint64_t *args64[] = { &call.regs.rdi, &call.regs.rsi, &call.regs.rdx,
					       &call.regs.r10, &call.regs.r8 };
			uint64_t *args32[] = { &call.regs.rbx, &call.regs.rcx, &call.regs.rdx,
					       &call.regs.rsi, &call.regs.rdi };
			for (unsigned i = 0; i < LEGACY_NR_ARGS; i++)
				may |= 1u << word(&call.regs, call.mode64 ? args64[i] : args32[i]);
		}
		check_regs(&before, &call.regs, may);
		if (call.result != HV_CALL_RESTART)
			break;
		check(call.regs.rax == before.rax, "a continuation changed rax");
		check(!fast_path || (op && op->preemptible), "a non-preemptible op continued");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct fuzz_world *w = calloc(1, sizeof(*w));
	struct domain *doms[2] = { NULL, NULL };
	unsigned nr_doms = 0;

	if (!w)
		abort();
	w->now = 1 + take(&r, 4);
	const struct hv_ops ops = {
		.now_ns = cb_now, .console_write = cb_console, .map_special = cb_map_special,
		.flush_tlbs = cb_flush, .ctx = w,
	};
	hv__init(&w->hv, &ops);

	unsigned want = 1 + (unsigned)take(&r, 1) % 2;
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
		struct domain *d;
		if (domain__create(&w->hv, &cfg, &d))
			continue;
		/* 8 to 511 pages of RAM at 0, exactly that big on the host. */
		w->ram_size[nr_doms] = (8 + take(&r, 2) % 504) << PAGE_SHIFT;
		w->ram[nr_doms] = aligned_alloc(PAGE_SIZE, w->ram_size[nr_doms]);
		if (!w->ram[nr_doms])
			abort();
		memset(w->ram[nr_doms], 0, w->ram_size[nr_doms]);
		build_tables(w->ram[nr_doms], w->ram_size[nr_doms]);
		guestmem__add(&d->mem, GUESTMEM_RAM, gpa(0), w->ram_size[nr_doms], w->ram[nr_doms]);
		if (take(&r, 1) & 1) {
			w->high[nr_doms] = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
			if (!w->high[nr_doms])
				abort();
			memset(w->high[nr_doms], 0, PAGE_SIZE);
			guestmem__add(&d->mem, GUESTMEM_RAM, gpa(1ull << 32), PAGE_SIZE, w->high[nr_doms]);
		}
		domain__finish_layout(d);
		/* Pokes: page tables and structs, corrupted at will. */
		unsigned pokes = (unsigned)take(&r, 1) % 32;
		for (unsigned p = 0; p < pokes; p++) {
			uint64_t off = take(&r, 3) % (w->ram_size[nr_doms] - 7);
			uint64_t val = take(&r, 8);
			memcpy(w->ram[nr_doms] + off, &val, 8);
		}
		/* A confidential domain shares some of its frames. */
		if (flags & DOMAIN_CONFIDENTIAL) {
			uint64_t first = take(&r, 2) % (w->ram_size[nr_doms] >> PAGE_SHIFT);
			guestmem__share(&d->mem, gfn(first), take(&r, 2) % 64);
		}
		doms[nr_doms++] = d;
	}

	for (unsigned c = 0; nr_doms && c < MAX_CALLS && r.n; c++) {
		unsigned what = (unsigned)take(&r, 1);
		struct domain *d = doms[what % nr_doms];
		if (what < 0xe0) {
			one_call(w, doms, nr_doms, &r);
		} else if (what < 0xf0) {
			/* The VMM's timer fires. */
			w->now += take(&r, 4);
			struct hv_vcpu *v = &d->vcpus[take(&r, 1) % d->nr_vcpus];
			pthread_mutex_lock(&w->hv.lock);
			uint64_t deadline = hv_vcpu__next_deadline(v);
			pthread_mutex_unlock(&w->hv.lock);
			if (deadline && deadline > w->now)
				w->now = deadline;
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

	hv__destroy(&w->hv);
	for (unsigned i = 0; i < 2; i++) {
		free(w->ram[i]);
		free(w->high[i]);
	}
	free(w);
	return 0;
}
