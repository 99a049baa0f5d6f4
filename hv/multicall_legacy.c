/*
 * Legacy multicall(call_list, nr_calls): an array of struct multicall_entry
 * in guest memory (the i386 layout, 32-bit fields, from 32-bit code), each
 * entry served as its own legacy hypercall through the same table, policy
 * and handlers as a trapped call (legacy__call), its return value written
 * to the entry's 'result'. As Xen 4.17's do_multicall (common/multicall.c)
 * with hvm_do_multicall_call (arch/x86/hvm/hypercall.c):
 *
 * - a multicall inside a multicall answers -EINVAL in its entry (Xen's
 *   "reentry is disallowed"); every other hypercall of the HVM table may be
 *   an entry, FastABI numbers are not (they are unknown legacy numbers);
 * - an entry that cannot be read, or a result that cannot be written,
 *   stops the list there and the multicall answers -EFAULT (entries before
 *   it have run and keep their results);
 * - before each entry but the first, a preemption check: when it fires
 *   the multicall continues by re-executing the trap with the list advanced
 *   to the next entry and the count reduced (Xen's continuation "hi");
 * - an entry that itself continues (console_io write, a balloon op, ...)
 *   gets the hypercall number as its result and its arguments rewritten in
 *   the list for the rest of the work (Xen copies the whole entry back),
 *   and the multicall continues at that entry.
 *
 * Xen's check is hypercall_preempt_check(): a softirq (its timer) or an
 * event to deliver. Here: an event the vCPU can take now
 * (sched__events_need_delivery), or MULTICALL_STEP entries done in this
 * trap, which bounds how long one trap holds the domain locks.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/xen.h>

#include "legacy.h"
#include "sched_vcpu.h"

/*
 * The i386 layout Xen calls compat_multicall_entry (generated from xen.h
 * for 32-bit guests; not in the public headers): every field 32 bits.
 */
struct multicall_entry_compat {
	uint32_t op, result;
	uint32_t args[6];
};
_Static_assert(sizeof(struct multicall_entry) == 64, "64-bit multicall entries are 64 bytes");
_Static_assert(sizeof(struct multicall_entry_compat) == 32, "i386 multicall entries are 32 bytes");
_Static_assert(offsetof(struct multicall_entry, result) == 8 &&
		       offsetof(struct multicall_entry_compat, result) == 4,
	       "the result is field 1 of either layout");

/* Continue the multicall at 'list' with nr entries left (Xen's continuation "hi"). */
static void multicall_continue(struct legacy_call *lc, uint64_t list, uint32_t nr)
{
	lc->arg[0] = list;
	lc->arg[1] = nr;
	lc->restart = true;
}

static bool multicall_preempt(struct hv_vcpu *v, unsigned done)
{
	return done >= MULTICALL_STEP || sched__events_need_delivery(v);
}

/*
 * Both layouts are eight fields of one width (op, result, args[6]): 64 bits,
 * or 32 for the i386 layout. Field n of an entry at va is at va + n * width.
 */
static unsigned entry_width(const struct legacy_call *lc)
{
	return lc->call->mode64 ? 8 : 4;
}

/* Read an entry into op/args (zero-extended from 32 bits for the i386 layout). */
static int entry_read(struct legacy_call *lc, uint64_t va, uint64_t *op, uint64_t args[6])
{
	unsigned w = entry_width(lc);
	uint8_t raw[sizeof(struct multicall_entry)];
	int ret = legacy__copy_from(lc, va, raw, 8 * w);
	if (ret)
		return ret;
	uint64_t f[8] = { 0 };
	for (unsigned n = 0; n < 8; n++)
		memcpy(&f[n], raw + n * w, w); /* little-endian: the low bytes */
	*op = f[0];
	memcpy(args, &f[2], 6 * sizeof(uint64_t));
	return 0;
}

/* Write fields [first, first + n) of the entry at va from f[]. */
static int entry_write(struct legacy_call *lc, uint64_t va, unsigned first, unsigned n,
		       const uint64_t *f)
{
	unsigned w = entry_width(lc);
	uint8_t raw[sizeof(struct multicall_entry)];
	for (unsigned i = 0; i < n; i++)
		memcpy(raw + i * w, &f[i], w);
	uint64_t at = va + first * w;
	return legacy__copy_to(lc, lc->call->mode64 ? at : (uint32_t)at, raw, n * w);
}

static int entry_write_result(struct legacy_call *lc, uint64_t va, int64_t result)
{
	uint64_t r = (uint64_t)result;
	return entry_write(lc, va, 1, 1, &r);
}

/* A sub-call continues: the whole entry gets the number, result and arguments of the rest. */
static int entry_write_continuation(struct legacy_call *lc, uint64_t va, uint64_t op,
				    int64_t result, const uint64_t args[6])
{
	uint64_t f[8] = { op, (uint64_t)result };
	memcpy(&f[2], args, 6 * sizeof(uint64_t));
	return entry_write(lc, va, 0, 8, f);
}

int64_t legacy__multicall(struct legacy_call *lc)
{
	if (lc->in_multicall) {
		lc->call->why = "multicall inside a multicall";
		return -XEN_EINVAL;
	}
	uint64_t list = lc->arg[0];
	uint32_t nr = (uint32_t)lc->arg[1]; /* unsigned int in Xen 4.17's prototype */
	uint64_t size = lc->call->mode64 ? sizeof(struct multicall_entry)
					 : sizeof(struct multicall_entry_compat);

	for (uint32_t i = 0; i < nr; i++) {
		uint64_t va = list + i * size;
		if (!lc->call->mode64)
			va &= UINT32_MAX;
		if (i && multicall_preempt(lc->v, i)) {
			multicall_continue(lc, va, nr - i);
			return 0;
		}
		uint64_t op, args[6];
		if (entry_read(lc, va, &op, args))
			return -XEN_EFAULT;
		struct legacy_call sub = { .v = lc->v, .call = lc->call, .in_multicall = true };
		for (unsigned a = 0; a < LEGACY_NR_ARGS; a++)
			sub.arg[a] = args[a];
		/* 32-bit code names a hypercall with eax: the entry's op is 32 bits there already. */
		int64_t ret = legacy__call(&sub, op);
		if (sub.restart) {
			/* Xen's hypercall_create_continuation answers the number itself. */
			ret = (int64_t)op;
			for (unsigned a = 0; a < LEGACY_NR_ARGS; a++)
				args[a] = sub.arg[a];
		}
		if (entry_write_result(lc, va, ret))
			return -XEN_EFAULT;
		if (sub.restart) {
			if (entry_write_continuation(lc, va, op, ret, args))
				return -XEN_EFAULT;
			multicall_continue(lc, va, nr - i);
			return 0;
		}
	}
	return 0;
}
