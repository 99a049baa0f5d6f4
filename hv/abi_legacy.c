/*
 * The legacy Xen ABI: the hypercall number in rax (eax), up to five
 * arguments in rdi, rsi, rdx, r10, r8 (64-bit code) or ebx, ecx, edx, esi,
 * edi (32-bit code), guest pointers as virtual addresses under the vCPU's
 * paging. This file picks the registers, applies the policy and calls the
 * family's decoder (<family>_legacy.c); it never interprets a struct.
 */
#include <stdint.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/xen.h>

#include "hv.h"
#include "legacy.h"
#include "policy.h"

struct legacy_hypercall {
	legacy_hypercall_fn *fn;
	uint64_t subop_mask; /* arg[0] & subop_mask is the sub-op the policy sees */
};

#define LEGACY_ENTRY(nr, name, mask) [nr] = { legacy__##name, mask },
static const struct legacy_hypercall legacy_table[] = { LEGACY_HYPERCALLS(LEGACY_ENTRY) };
#undef LEGACY_ENTRY
#define LEGACY_TABLE_SIZE (sizeof(legacy_table) / sizeof(legacy_table[0]))

legacy_hypercall_fn *legacy__handler(uint64_t nr)
{
	return nr < LEGACY_TABLE_SIZE ? legacy_table[nr].fn : NULL;
}

uint64_t *legacy__arg_reg(struct hv_regs *r, bool mode64, unsigned i)
{
	static const size_t off64[LEGACY_NR_ARGS] = {
		offsetof(struct hv_regs, rdi), offsetof(struct hv_regs, rsi),
		offsetof(struct hv_regs, rdx), offsetof(struct hv_regs, r10),
		offsetof(struct hv_regs, r8),
	};
	static const size_t off32[LEGACY_NR_ARGS] = {
		offsetof(struct hv_regs, rbx), offsetof(struct hv_regs, rcx),
		offsetof(struct hv_regs, rdx), offsetof(struct hv_regs, rsi),
		offsetof(struct hv_regs, rdi),
	};
	return (uint64_t *)((char *)r + (mode64 ? off64[i] : off32[i]));
}

int64_t legacy__call(struct legacy_call *lc, uint64_t nr)
{
	const struct legacy_hypercall *h = nr < LEGACY_TABLE_SIZE ? &legacy_table[nr] : NULL;

	if (!h || !h->fn) {
		lc->call->why = "unknown hypercall";
		return -XEN_ENOSYS;
	}
	if (!policy__allows(lc->v->d->policy, HV_ABI_LEGACY, nr, lc->arg[0] & h->subop_mask)) {
		lc->call->why = "refused by the domain's legacy policy";
		return -XEN_EPERM;
	}
	return h->fn(lc);
}

void legacy__dispatch(struct hv_vcpu *v, struct hv_call *call)
{
	struct legacy_call lc = { .v = v, .call = call };
	uint64_t nr = call->hypercall;
	int64_t ret;

	/* The arguments as hv_hypercall read them for its report (zero-extended in 32-bit code). */
	memcpy(lc.arg, call->arg, sizeof(lc.arg));

	ret = legacy__call(&lc, nr);

	if (lc.restart) {
		/* rax keeps the number; the arguments describe the remaining work. */
		for (unsigned i = 0; i < LEGACY_NR_ARGS; i++) {
			uint64_t *r = legacy__arg_reg(&call->regs, call->mode64, i);
			*r = call->mode64 ? lc.arg[i] : (*r & ~0xffffffffull) | (uint32_t)lc.arg[i];
		}
		call->result = HV_CALL_RESTART;
		return;
	}
	if (call->mode64)
		call->regs.rax = (uint64_t)ret;
	else /* 32-bit code sees eax; the upper half of rax is not architecturally visible */
		call->regs.rax = (uint32_t)ret;
}

static int legacy_copy_result(struct legacy_call *lc, int ret,
			      const struct guestmem_fault *fault)
{
	if (ret)
		lc->call->why = guestmem__fault_name(fault->reason);
	return ret;
}

int legacy__copy_from(struct legacy_call *lc, uint64_t va, void *buf, size_t len)
{
	struct guestmem_fault fault = { .reason = GUESTMEM_FAULT_NONE };
	int ret = guestmem__copy_from_gva(&lc->v->d->mem, &lc->call->paging, gva(va), buf, len,
					  &fault);
	return legacy_copy_result(lc, ret, &fault);
}

int legacy__copy_to(struct legacy_call *lc, uint64_t va, const void *buf, size_t len)
{
	struct guestmem_fault fault = { .reason = GUESTMEM_FAULT_NONE };
	int ret = guestmem__copy_to_gva(&lc->v->d->mem, &lc->call->paging, gva(va), buf, len,
					&fault);
	return legacy_copy_result(lc, ret, &fault);
}
