/*
 * The legacy Xen hypercall ABI: arguments in rdi, rsi, rdx, r10, r8 (64-bit
 * code) or ebx, ecx, edx, esi, edi (32-bit code), pointers are guest-virtual
 * addresses of the real Xen public structs. abi_legacy.c picks the registers
 * and dispatches by hypercall number; each family's <family>_legacy.c copies
 * its structs in and out with the helpers below and calls the same core
 * functions that the FastABI decoders call (fastabi_hv.h).
 *
 * 32-bit guests pass the i386 ("compat") layouts of the structs: the same
 * as the 64-bit ones except where xen_pfn_t, xen_ulong_t, unsigned long or
 * a guest handle is inside; a decoder reads those when !lc->call->mode64.
 */
#ifndef HV_LEGACY_H
#define HV_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv.h"

#define LEGACY_NR_ARGS 5

/* One legacy call, as a family decoder sees it. */
struct legacy_call {
	struct hv_vcpu *v;
	struct hv_call *call; /* paging, mode; 'why' for the log */
	uint64_t arg[LEGACY_NR_ARGS]; /* zero-extended from 32 bits in 32-bit mode */
	/*
	 * A long operation that stopped part-way sets 'restart' and rewrites
	 * arg[] to describe the remaining work (as Xen does: e.g. the handle
	 * advanced and the count reduced); abi_legacy.c writes them back and
	 * leaves rip on the trap.
	 */
	bool restart;
};

typedef int64_t legacy_hypercall_fn(struct legacy_call *lc);

/* One per hypercall family (in <family>_legacy.c). */
legacy_hypercall_fn legacy__xen_version;
legacy_hypercall_fn legacy__event_channel_op;
legacy_hypercall_fn legacy__grant_table_op;
legacy_hypercall_fn legacy__sched_op;
/* __HYPERVISOR_sched_op_compat (6): Xen 3.0.2's sched_op(cmd, arg) with the
 * SHUTDOWN_* reason itself in arg (sched_legacy.c). */
legacy_hypercall_fn legacy__sched_op_compat;
legacy_hypercall_fn legacy__vcpu_op;
legacy_hypercall_fn legacy__hvm_op;
legacy_hypercall_fn legacy__memory_op;
legacy_hypercall_fn legacy__console_io;

/*
 * Copy a struct in from / out to the guest-virtual address 'va' with the
 * call's paging. Return 0 or -XEN_EFAULT (-XEN_EACCES in confidential mode for
 * a private page; the refusal is counted by guestmem). On failure 'why' in the
 * call says where the walk stopped.
 */
int legacy__copy_from(struct legacy_call *lc, uint64_t va, void *buf, size_t len);
int legacy__copy_to(struct legacy_call *lc, uint64_t va, const void *buf, size_t len);

/* The legacy dispatcher (abi_legacy.c): serves call->regs as a legacy call. */
void legacy__dispatch(struct hv_vcpu *v, struct hv_call *call);

#endif
