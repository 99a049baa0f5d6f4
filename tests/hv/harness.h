/*
 * The test harness for the hypervisor core: one world with a fake clock and
 * recording callbacks, domains with RAM from malloc and identity-mapped page
 * tables (so legacy pointers are plain GPAs), a scratch allocator for guest
 * buffers, and helpers that issue a call through hv_hypercall as FastABI
 * (registers) or legacy (64-bit or 32-bit registers, structs in guest
 * memory). Every call helper also checks the register rules: FastABI
 * changes only rax and the op's declared outputs, legacy only rax (and its
 * argument registers on a continuation).
 *
 * Typical test:
 *
 *	struct harness *h = harness__new();
 *	struct domain *d = harness__domain(h, "a", DOMAIN_FASTABI, 2, 16);
 *	struct hv_vcpu *v = &d->vcpus[0];
 *	int64_t ret = hfast(v, __HYPERVISOR_xen_version, XENVER_version);
 *	struct xen_feature_info *fi = harness__alloc(h, d, sizeof(*fi), &va);
 *	ret = hleg64(v, __HYPERVISOR_xen_version, XENVER_get_features, va);
 *	harness__free(h);
 *
 * A scenario that must give the same results through every ABI takes an
 * enum abi and runs once per ABI (harness__each_abi, or a loop over
 * HARNESS_ABIS); hcall_leg issues a legacy call in the ABI's width.
 */
#ifndef TESTS_HV_HARNESS_H
#define TESTS_HV_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "fastabi_hv.h"

#include <xen/arch-x86/hvm/start_info.h>

#include <cmocka.h>

#include "abi_fast.h"
#include "hv.h"
#include "legacy.h"
#include "policy.h"

#define HARNESS_CONSOLE_MAX 65536
#define HARNESS_MAX_MAPS 64
/* Where the page tables start in every harness domain (GPA == GVA). */
#define HARNESS_PT_BASE 0x1000ull

/* RFLAGS of a harness call unless a test changes h->rflags: bit 1 and IF. */
#define HARNESS_RFLAGS 0x202ull
/* What released (ballooned-out) RAM is filled with, so that a read of it shows. */
#define HARNESS_RELEASED_BYTE 0xa5

/* The guest-side view of a harness domain. */
struct harness_dom {
	struct domain *d;
	uint8_t *ram;
	uint64_t ram_size;
	uint8_t *high; /* a page of RAM at 4 GiB, or NULL */
	uint64_t scratch_start, scratch_next; /* GPA */
	struct x86_paging paging64; /* long mode, 4-level, CR0.WP, identity map of RAM but page 0 */
	struct x86_paging paging32; /* protected mode, paging off */
};

struct harness_map {
	domid_t domid;
	enum guestmem_kind kind;
	void *host;
	bool had_old;
	gfn_t old_gfn, gfn;
};

struct harness {
	struct hv hv;
	uint64_t now; /* the fake clock, ns */
	uint64_t rflags; /* the guest's RFLAGS at every call (HARNESS_RFLAGS: IF set) */
	struct harness_dom doms[HV_MAX_DOMAINS]; /* by domid */

	/* What the callbacks saw. */
	unsigned nr_kicks;
	unsigned kicks[HV_MAX_DOMAINS][HV_MAX_VCPUS];
	unsigned timer_changes[HV_MAX_DOMAINS][HV_MAX_VCPUS];
	char console[HV_MAX_DOMAINS][HARNESS_CONSOLE_MAX];
	size_t console_len[HV_MAX_DOMAINS];   /* kept, up to HARNESS_CONSOLE_MAX - 1 */
	uint64_t console_total[HV_MAX_DOMAINS]; /* every byte written */
	unsigned nr_shutdowns;
	unsigned shutdowns[HV_MAX_DOMAINS];
	struct domain *last_shutdown;
	unsigned nr_maps;
	struct harness_map maps[HARNESS_MAX_MAPS];
	int map_special_ret; /* what map_special answers (0) */
	unsigned flushes[HV_MAX_DOMAINS]; /* hvm flush_tlbs */
	/* ram_changed (ballooning): calls, pages released and populated; what it answers (0). */
	unsigned ram_changed_calls[HV_MAX_DOMAINS];
	uint64_t released_pages[HV_MAX_DOMAINS];
	uint64_t populated_pages[HV_MAX_DOMAINS];
	int ram_changed_ret;
};

/* The whole register file after a call, and how it ended. */
struct harness_result {
	int64_t ret; /* rax (32-bit legacy: eax sign-extended) */
	struct hv_regs regs;
	enum hv_call_result result;
	const char *why;
	int bad_reg;
};

/* The three ways a test issues a call: FastABI registers, 64-bit and 32-bit legacy. */
enum abi { ABI_FAST, ABI_LEG64, ABI_LEG32, NR_ABIS };
#define HARNESS_ABIS(a) for (enum abi a = ABI_FAST; a < NR_ABIS; a++)
#define HARNESS_LEGACY_ABIS(a) for (enum abi a = ABI_LEG64; a < NR_ABIS; a++)
/* "FastABI", "legacy64", "legacy32": for failure messages. */
const char *harness__abi_name(enum abi abi);
/*
 * Run scenario(abi, ctx) once per ABI, FastABI first; a failure message
 * names the ABI it happened in (printed before each run).
 */
void harness__each_abi(void (*scenario)(enum abi abi, void *ctx), void *ctx);
/*
 * A cmocka test made of one scenario run once per ABI, named after it:
 *	static void test_x(enum abi abi, void *ctx) { ... }
 *	... harness_abi_test(test_x), ...
 */
struct harness_scenario {
	void (*fn)(enum abi abi, void *ctx);
	void *ctx;
};
void harness__run_each_abi(void **state); /* *state: a struct harness_scenario */
#define harness_abi_test(scenario) \
	{ #scenario, harness__run_each_abi, NULL, NULL, &(struct harness_scenario){ scenario, NULL } }

struct harness *harness__new(void);
void harness__free(struct harness *h); /* destroys the world and every domain */
/* The harness of a world (from a domain or vCPU: v->d->hv). */
struct harness *harness__of(struct hv *hv);

/* The fake clock. */
void harness__set_time(struct harness *h, uint64_t ns);
void harness__advance(struct harness *h, uint64_t ns);

/*
 * A domain with nr_vcpus vCPUs and ram_mib MiB of RAM at GPA 0 (1..1024),
 * page tables at HARNESS_PT_BASE, layout finished. Fails the test on error.
 */
struct domain *harness__domain(struct harness *h, const char *name, unsigned flags,
			       unsigned nr_vcpus, unsigned ram_mib);
/* The same with a full config (max_grant_frames, ...). */
struct domain *harness__domain_cfg(struct harness *h, const struct domain_config *cfg,
				   unsigned ram_mib);
/*
 * For the fuzzer: RAM of exactly ram_pages pages (8 or more; the host buffer
 * has that size, so a sanitizer sees an access past it), optionally one more
 * page of RAM at 4 GiB, page tables as usual. NULL when domain__create
 * refuses cfg; *layout_ret is what domain__finish_layout answered.
 */
struct domain *harness__domain_pages(struct harness *h, const struct domain_config *cfg,
				     uint64_t ram_pages, bool high_page, int *layout_ret);
struct harness_dom *harness__dom(struct harness *h, struct domain *d);

/* Host address of RAM at gpa (fails the test outside RAM). */
void *harness__host(struct harness *h, struct domain *d, uint64_t gpa);
/*
 * Scratch guest memory, zeroed: returns the host pointer and sets *va (GVA
 * == GPA). harness__alloc aligns to 64 bytes; harness__alloc_cross places
 * the buffer so that it straddles a page boundary, 'before' bytes in the
 * first page. harness__scratch_reset forgets every allocation.
 */
void *harness__alloc(struct harness *h, struct domain *d, size_t size, uint64_t *va);
void *harness__alloc_page(struct harness *h, struct domain *d, uint64_t *va);
void *harness__alloc_cross(struct harness *h, struct domain *d, size_t size, size_t before,
			   uint64_t *va);
void harness__scratch_reset(struct harness *h, struct domain *d);
/* The leaf PTE that maps va in d's 64-bit page tables (to unmap or protect a page). */
uint64_t *harness__pte(struct harness *h, struct domain *d, uint64_t va);
/* Registers a domain-wide callback vector (HVM_PARAM_CALLBACK_IRQ of type vector). */
void harness__callback_vector(struct domain *d, uint8_t vector);
/* Marks every RAM frame shared (confidential domains), or a range. */
void harness__share_all(struct harness *h, struct domain *d);

/* ---- calls ---- */

/* FastABI in 64-bit mode: rax = hypercall | FastABI bit, rdi = subop, in[0..5] = reg2..reg7. */
int64_t harness__fast(struct hv_vcpu *v, uint32_t hypercall, uint64_t subop,
		      const uint64_t in[6], struct harness_result *res);
/* The same, re-executing the trap while the call asks for it; *restarts counts them. */
int64_t harness__fast_loop(struct hv_vcpu *v, uint32_t hypercall, uint64_t subop,
			   const uint64_t in[6], struct harness_result *res, unsigned *restarts);
/* Legacy: 64-bit (rdi, rsi, rdx, r10, r8; 4-level paging) or 32-bit (ebx.. edi; paging off). */
int64_t harness__legacy(struct hv_vcpu *v, bool mode64, uint64_t hypercall,
			const uint64_t args[LEGACY_NR_ARGS], struct harness_result *res);
int64_t harness__legacy_loop(struct hv_vcpu *v, bool mode64, uint64_t hypercall,
			     const uint64_t args[LEGACY_NR_ARGS], struct harness_result *res,
			     unsigned *restarts);
/* Any call as the test builds it (regs, mode, paging); no register checks. */
void harness__call(struct hv_vcpu *v, struct hv_call *call);
/*
 * The register rules of a call that hv_hypercall served (before: the
 * registers it was issued with; call: as it came back, with the core's
 * report): FastABI writes rax and the op's declared outputs only, legacy rax
 * only, or its argument registers too when it continues; a continuation
 * keeps rax, and only a preemptible FastABI op continues. Fails the test.
 */
void harness__check_rules(const struct hv_regs *before, const struct hv_call *call);

/* ABI register n (0..FASTABI_NR_REGS - 1, in FASTABI_REGS order) of a register file. */
uint64_t harness__reg(const struct hv_regs *r, unsigned n);
uint64_t *harness__reg_ptr(struct hv_regs *r, unsigned n);

/* Short forms: up to six FastABI values (reg2..reg7), up to five legacy arguments. */
#define hfast(v, hc, subop, ...) \
	harness__fast((v), (hc), (subop), (const uint64_t[6]){ __VA_ARGS__ }, NULL)
#define hfast_res(res, v, hc, subop, ...) \
	harness__fast((v), (hc), (subop), (const uint64_t[6]){ __VA_ARGS__ }, (res))
#define hleg64(v, hc, ...) \
	harness__legacy((v), true, (hc), (const uint64_t[LEGACY_NR_ARGS]){ __VA_ARGS__ }, NULL)
#define hleg32(v, hc, ...) \
	harness__legacy((v), false, (hc), (const uint64_t[LEGACY_NR_ARGS]){ __VA_ARGS__ }, NULL)
#define hleg_res(res, mode64, v, hc, ...) \
	harness__legacy((v), (mode64), (hc), (const uint64_t[LEGACY_NR_ARGS]){ __VA_ARGS__ }, (res))
/* A legacy call in the width of abi (ABI_LEG64 or ABI_LEG32). */
#define hcall_leg(abi, v, hc, ...) \
	harness__legacy((v), (abi) == ABI_LEG64, (hc), \
			(const uint64_t[LEGACY_NR_ARGS]){ __VA_ARGS__ }, NULL)

#endif
