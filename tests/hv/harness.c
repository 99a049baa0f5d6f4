/* The hypervisor core's test harness; see harness.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <fastabi/x86.h>

/* Registers the FastABI and legacy conventions never name, poisoned per call. */
#define POISON(n) (0x5a5a000000000000ull | ((uint64_t)(n) << 40) | 0xdeadbeefull)

const char *harness__abi_name(enum abi abi)
{
	static const char *const names[NR_ABIS] = { "FastABI", "legacy64", "legacy32" };
	return abi < NR_ABIS ? names[abi] : "?";
}

void harness__each_abi(void (*scenario)(enum abi abi, void *ctx), void *ctx)
{
	HARNESS_ABIS(abi) {
		print_message("[ ABI      ] %s\n", harness__abi_name(abi));
		scenario(abi, ctx);
	}
}

void harness__run_each_abi(void **state)
{
	const struct harness_scenario *s = *state;
	harness__each_abi(s->fn, s->ctx);
}

struct harness *harness__of(struct hv *hv)
{
	return (struct harness *)((char *)hv - offsetof(struct harness, hv));
}

static uint64_t cb_now(void *ctx)
{
	return ((struct harness *)ctx)->now;
}

static void cb_kick(struct hv_vcpu *v, void *ctx)
{
	struct harness *h = ctx;
	h->nr_kicks++;
	h->kicks[v->d->id][v->id]++;
}

static void cb_timer_changed(struct hv_vcpu *v, void *ctx)
{
	struct harness *h = ctx;
	h->timer_changes[v->d->id][v->id]++;
}

static void cb_console(struct domain *d, const char *buf, size_t len, void *ctx)
{
	struct harness *h = ctx;
	size_t *n = &h->console_len[d->id];
	size_t room = HARNESS_CONSOLE_MAX - 1 - *n;
	h->console_total[d->id] += len;
	if (len > room)
		len = room;
	memcpy(h->console[d->id] + *n, buf, len);
	*n += len;
	h->console[d->id][*n] = 0;
}

static int cb_map_special(struct domain *d, enum guestmem_kind kind, void *host, gfn_t old_gfn,
			  bool had_old, gfn_t gfn, void *ctx)
{
	struct harness *h = ctx;
	/* The page the core hands out is a whole page of its own (a sanitizer checks). */
	volatile uint8_t *p = host;
	(void)p[0];
	(void)p[PAGE_SIZE - 1];
	if (h->nr_maps < HARNESS_MAX_MAPS)
		h->maps[h->nr_maps++] = (struct harness_map){
			.domid = d->id, .kind = kind, .host = host,
			.had_old = had_old, .old_gfn = old_gfn, .gfn = gfn,
		};
	return h->map_special_ret;
}

static void cb_shutdown(struct domain *d, void *ctx)
{
	struct harness *h = ctx;
	h->nr_shutdowns++;
	h->shutdowns[d->id]++;
	h->last_shutdown = d;
}

/*
 * Ballooning: released memory is poisoned (the core must never read it
 * again), populated memory zeroed as the VMM's hole punch would.
 */
static int cb_ram_changed(struct domain *d, gfn_t gfn, uint64_t nr, void *host, bool populated,
			  void *ctx)
{
	struct harness *h = ctx;
	(void)gfn;
	if (h->ram_changed_ret)
		return h->ram_changed_ret;
	h->ram_changed_calls[d->id]++;
	if (populated)
		h->populated_pages[d->id] += nr;
	else
		h->released_pages[d->id] += nr;
	memset(host, populated ? 0 : HARNESS_RELEASED_BYTE, nr * PAGE_SIZE);
	return 0;
}

static void cb_flush_tlbs(struct domain *d, void *ctx)
{
	struct harness *h = ctx;
	h->flushes[d->id]++;
}

struct harness *harness__new(void)
{
	struct harness *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	h->now = 1000000; /* not 0: 0 means "no deadline" in places */
	h->rflags = HARNESS_RFLAGS;
	const struct hv_ops ops = {
		.now_ns = cb_now,
		.kick = cb_kick,
		.timer_changed = cb_timer_changed,
		.console_write = cb_console,
		.map_special = cb_map_special,
		.shutdown = cb_shutdown,
		.flush_tlbs = cb_flush_tlbs,
		.ram_changed = cb_ram_changed,
		.ctx = h,
	};
	hv__init(&h->hv, &ops);
	return h;
}

void harness__free(struct harness *h)
{
	if (!h)
		return;
	hv__destroy(&h->hv);
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		free(h->doms[i].ram);
		free(h->doms[i].high);
	}
	free(h);
}

void harness__set_time(struct harness *h, uint64_t ns)
{
	h->now = ns;
}

void harness__advance(struct harness *h, uint64_t ns)
{
	h->now += ns;
}

struct harness_dom *harness__dom(struct harness *h, struct domain *d)
{
	assert_non_null(d);
	assert_true(d->id < HV_MAX_DOMAINS);
	assert_ptr_equal(h->doms[d->id].d, d);
	return &h->doms[d->id];
}

/* Identity map [PAGE_SIZE, ram_size) with 4 KiB pages; page 0 stays unmapped. */
static uint64_t build_page_tables(struct harness_dom *hd)
{
	uint64_t pages = hd->ram_size >> PAGE_SHIFT;
	uint64_t nr_pt = (pages + 511) / 512;
	uint64_t pml4 = HARNESS_PT_BASE, pdpt = pml4 + PAGE_SIZE, pd = pdpt + PAGE_SIZE;
	uint64_t pt = pd + PAGE_SIZE;
	uint64_t *e;

	e = (uint64_t *)(hd->ram + pml4);
	e[0] = pdpt | X86_PTE_P | X86_PTE_RW;
	e = (uint64_t *)(hd->ram + pdpt);
	e[0] = pd | X86_PTE_P | X86_PTE_RW;
	e = (uint64_t *)(hd->ram + pd);
	for (uint64_t i = 0; i < nr_pt; i++)
		e[i] = (pt + i * PAGE_SIZE) | X86_PTE_P | X86_PTE_RW;
	e = (uint64_t *)(hd->ram + pt);
	for (uint64_t i = 1; i < pages; i++)
		e[i] = (i << PAGE_SHIFT) | X86_PTE_P | X86_PTE_RW;
	return pt + nr_pt * PAGE_SIZE;
}

static void *zeroed_pages(uint64_t size)
{
	void *p = aligned_alloc(PAGE_SIZE, size);
	assert_non_null(p);
	memset(p, 0, size);
	return p;
}

struct domain *harness__domain_pages(struct harness *h, const struct domain_config *cfg,
				     uint64_t ram_pages, bool high_page, int *layout_ret)
{
	struct domain *d = NULL;

	/* The page tables take pages 1 to 4 at least. */
	assert_true(ram_pages >= 8 && ram_pages <= (1024ull << 20) >> PAGE_SHIFT);
	if (domain__create(&h->hv, cfg, &d))
		return NULL;
	struct harness_dom *hd = &h->doms[d->id];
	free(hd->ram);
	free(hd->high);
	memset(hd, 0, sizeof(*hd));
	hd->d = d;
	hd->ram_size = ram_pages << PAGE_SHIFT;
	hd->ram = zeroed_pages(hd->ram_size);
	assert_int_equal(guestmem__add(&d->mem, GUESTMEM_RAM, gpa(0), hd->ram_size, hd->ram), 0);
	if (high_page) {
		hd->high = zeroed_pages(PAGE_SIZE);
		assert_int_equal(guestmem__add(&d->mem, GUESTMEM_RAM, gpa(1ull << 32), PAGE_SIZE,
					       hd->high), 0);
	}

	hd->scratch_start = hd->scratch_next = build_page_tables(hd);
	hd->paging64 = (struct x86_paging){
		.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = HARNESS_PT_BASE,
		.cr4 = X86_CR4_PAE,
		.efer = X86_EFER_LME | X86_EFER_LMA,
	};
	hd->paging32 = (struct x86_paging){ .cr0 = X86_CR0_PE };
	*layout_ret = domain__finish_layout(d);
	return d;
}

struct domain *harness__domain_cfg(struct harness *h, const struct domain_config *cfg,
				   unsigned ram_mib)
{
	int layout_ret;

	assert_true(ram_mib >= 1 && ram_mib <= 1024);
	struct domain *d = harness__domain_pages(h, cfg, (uint64_t)ram_mib << (20 - PAGE_SHIFT),
						 false, &layout_ret);
	assert_non_null(d);
	assert_int_equal(layout_ret, 0);
	return d;
}

struct domain *harness__domain(struct harness *h, const char *name, unsigned flags,
			       unsigned nr_vcpus, unsigned ram_mib)
{
	const struct domain_config cfg = { .name = name, .nr_vcpus = nr_vcpus, .flags = flags };
	return harness__domain_cfg(h, &cfg, ram_mib);
}

void *harness__host(struct harness *h, struct domain *d, uint64_t gpa)
{
	struct harness_dom *hd = harness__dom(h, d);
	assert_true(gpa < hd->ram_size);
	return hd->ram + gpa;
}

static void *scratch(struct harness_dom *hd, uint64_t at, size_t size, uint64_t *va)
{
	assert_true(at >= hd->scratch_next && at <= hd->ram_size && size <= hd->ram_size - at);
	hd->scratch_next = at + size;
	memset(hd->ram + at, 0, size);
	if (va)
		*va = at;
	return hd->ram + at;
}

void *harness__alloc(struct harness *h, struct domain *d, size_t size, uint64_t *va)
{
	struct harness_dom *hd = harness__dom(h, d);
	return scratch(hd, (hd->scratch_next + 63) & ~63ull, size, va);
}

void *harness__alloc_page(struct harness *h, struct domain *d, uint64_t *va)
{
	struct harness_dom *hd = harness__dom(h, d);
	return scratch(hd, (hd->scratch_next + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), PAGE_SIZE, va);
}

void *harness__alloc_cross(struct harness *h, struct domain *d, size_t size, size_t before,
			   uint64_t *va)
{
	struct harness_dom *hd = harness__dom(h, d);
	assert_true(before > 0 && before < size && before <= PAGE_SIZE);
	uint64_t boundary = ((hd->scratch_next + before + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	return scratch(hd, boundary - before, size, va);
}

void harness__scratch_reset(struct harness *h, struct domain *d)
{
	struct harness_dom *hd = harness__dom(h, d);
	hd->scratch_next = hd->scratch_start;
}

uint64_t *harness__pte(struct harness *h, struct domain *d, uint64_t va)
{
	struct harness_dom *hd = harness__dom(h, d);
	assert_true(va < hd->ram_size);
	uint64_t pt = HARNESS_PT_BASE + 3 * PAGE_SIZE;
	return (uint64_t *)(hd->ram + pt) + (va >> PAGE_SHIFT);
}

void harness__share_all(struct harness *h, struct domain *d)
{
	struct harness_dom *hd = harness__dom(h, d);
	assert_int_equal(guestmem__share(&d->mem, gfn(0), hd->ram_size >> PAGE_SHIFT), 0);
}

/* ---- calls ---- */

uint64_t *harness__reg_ptr(struct hv_regs *r, unsigned n)
{
	if (n >= FASTABI_NR_REGS)
		fail_msg("no ABI register %u", n);
	return fastabi__reg(r, n);
}

uint64_t harness__reg(const struct hv_regs *r, unsigned n)
{
	return *harness__reg_ptr((struct hv_regs *)r, n);
}

static void poison(struct hv_regs *r)
{
	uint64_t *w = (uint64_t *)r;
	for (unsigned i = 0; i < sizeof(*r) / sizeof(*w); i++)
		w[i] = POISON(i);
}

void harness__call(struct hv_vcpu *v, struct hv_call *call)
{
	hv_hypercall(v, call);
}

static void finish(struct harness_result *res, const struct hv_call *call, int64_t ret)
{
	if (!res)
		return;
	res->ret = ret;
	res->regs = call->regs;
	res->result = call->result;
	res->why = call->why;
	res->bad_reg = call->bad_reg;
}

/* Only rax and the registers in 'may' (a mask over the words of hv_regs) changed. */
static void check_regs(const struct hv_regs *before, const struct hv_regs *after, uint32_t may,
		       const char *what)
{
	static const char *const names[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};
	const uint64_t *b = (const uint64_t *)before, *a = (const uint64_t *)after;
	for (unsigned i = 1; i < 16; i++)
		if (!(may & (1u << i)) && a[i] != b[i])
			fail_msg("%s clobbered %s: %#llx -> %#llx", what, names[i],
				 (unsigned long long)b[i], (unsigned long long)a[i]);
}

static unsigned word_of(const struct hv_regs *r, const uint64_t *p)
{
	return (unsigned)(p - (const uint64_t *)r);
}

void harness__check_rules(const struct hv_regs *before, const struct hv_call *call)
{
	struct hv_regs after = call->regs;
	uint32_t may = 1; /* rax */
	const struct fastabi_op *op = NULL;

	if (call->fast) {
		/* rax and the op's declared outputs (the op as the core reported the call). */
		if ((call->nr >> 32) == 0)
			op = fastabi_op_find((uint32_t)call->hypercall, call->arg[0]);
		if (op)
			for (unsigned n = 1; n < FASTABI_NR_REGS; n++)
				if (op->out_mask & (1u << n))
					may |= 1u << word_of(&after, fastabi__reg(&after, n));
		if (call->result == HV_CALL_RESTART)
			assert_true(op && op->preemptible);
	} else if (call->result == HV_CALL_RESTART) {
		/* A legacy continuation rewrites its arguments to describe the rest. */
		for (unsigned i = 0; i < LEGACY_NR_ARGS; i++)
			may |= 1u << word_of(&after, legacy__arg_reg(&after, call->mode64, i));
	}
	check_regs(before, &after, may,
		   call->fast ? "FastABI call" : call->mode64 ? "legacy call" : "32-bit legacy call");
	if (call->result == HV_CALL_RESTART)
		assert_int_equal(after.rax, before->rax);
}

static int64_t fast_once(struct hv_vcpu *v, struct hv_call *call, struct harness_result *res)
{
	struct harness *h = harness__of(v->d->hv);
	struct hv_regs before = call->regs;

	call->mode64 = true;
	call->paging = h->doms[v->d->id].paging64;
	call->rflags = h->rflags;
	hv_hypercall(v, call);
	harness__check_rules(&before, call);
	int64_t ret = (int64_t)call->regs.rax;
	finish(res, call, ret);
	return ret;
}

static void fast_setup(struct hv_call *call, uint32_t hypercall, uint64_t subop,
		       const uint64_t in[6])
{
	memset(call, 0, sizeof(*call));
	poison(&call->regs);
	*fastabi__reg(&call->regs, 0) = (uint64_t)(hypercall | __HYPERVISOR_FASTABI_MASK);
	*fastabi__reg(&call->regs, 1) = subop;
	for (unsigned n = 2; n < FASTABI_NR_REGS; n++)
		*fastabi__reg(&call->regs, n) = in[n - 2];
}

int64_t harness__fast(struct hv_vcpu *v, uint32_t hypercall, uint64_t subop,
		      const uint64_t in[6], struct harness_result *res)
{
	struct hv_call call;
	fast_setup(&call, hypercall, subop, in);
	return fast_once(v, &call, res);
}

#define HARNESS_MAX_RESTARTS 1000000u

int64_t harness__fast_loop(struct hv_vcpu *v, uint32_t hypercall, uint64_t subop,
			   const uint64_t in[6], struct harness_result *res, unsigned *restarts)
{
	struct hv_call call;
	unsigned n = 0;
	int64_t ret;

	fast_setup(&call, hypercall, subop, in);
	for (;;) {
		ret = fast_once(v, &call, res);
		if (call.result != HV_CALL_RESTART)
			break;
		assert_true(++n < HARNESS_MAX_RESTARTS);
	}
	if (restarts)
		*restarts = n;
	return ret;
}

static void legacy_setup(struct hv_call *call, bool mode64, uint64_t hypercall,
			 const uint64_t args[LEGACY_NR_ARGS])
{
	memset(call, 0, sizeof(*call));
	poison(&call->regs);
	call->regs.rax = hypercall;
	for (unsigned i = 0; i < LEGACY_NR_ARGS; i++)
		*legacy__arg_reg(&call->regs, mode64, i) = args[i];
	call->mode64 = mode64;
}

static int64_t legacy_once(struct hv_vcpu *v, struct hv_call *call, struct harness_result *res)
{
	struct harness *h = harness__of(v->d->hv);
	struct hv_regs before = call->regs;
	bool mode64 = call->mode64;

	call->paging = mode64 ? h->doms[v->d->id].paging64 : h->doms[v->d->id].paging32;
	call->rflags = h->rflags;
	hv_hypercall(v, call);
	harness__check_rules(&before, call);
	int64_t ret = mode64 ? (int64_t)call->regs.rax : (int64_t)(int32_t)call->regs.rax;
	finish(res, call, ret);
	return ret;
}

int64_t harness__legacy(struct hv_vcpu *v, bool mode64, uint64_t hypercall,
			const uint64_t args[LEGACY_NR_ARGS], struct harness_result *res)
{
	struct hv_call call;
	legacy_setup(&call, mode64, hypercall, args);
	return legacy_once(v, &call, res);
}

int64_t harness__legacy_loop(struct hv_vcpu *v, bool mode64, uint64_t hypercall,
			     const uint64_t args[LEGACY_NR_ARGS], struct harness_result *res,
			     unsigned *restarts)
{
	struct hv_call call;
	unsigned n = 0;
	int64_t ret;

	legacy_setup(&call, mode64, hypercall, args);
	for (;;) {
		ret = legacy_once(v, &call, res);
		if (call.result != HV_CALL_RESTART)
			break;
		assert_true(++n < HARNESS_MAX_RESTARTS);
	}
	if (restarts)
		*restarts = n;
	return ret;
}

void harness__callback_vector(struct domain *d, uint8_t vector)
{
	d->hvm_params[HVM_PARAM_CALLBACK_IRQ] =
		((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | vector;
}
