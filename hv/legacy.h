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
	/* An entry of a multicall (multicall_legacy.c): a nested multicall is refused. */
	bool in_multicall;
};

/* Entries a multicall serves per trap before it continues (multicall_legacy.c). */
#define MULTICALL_STEP 64

typedef int64_t legacy_hypercall_fn(struct legacy_call *lc);

/*
 * Legacy argument register i (0..LEGACY_NR_ARGS - 1) of a register file:
 * rdi, rsi, rdx, r10, r8 in 64-bit code, ebx, ecx, edx, esi, edi in 32-bit
 * code. The one table of that order (the dispatcher, the harness, the fuzzer).
 */
uint64_t *legacy__arg_reg(struct hv_regs *r, bool mode64, unsigned i);

/* memory_op's cmd carries a continuation in its upper bits (Xen's MEMOP_EXTENT_SHIFT). */
#define LEGACY_MEMOP_CMD_MASK 0x3f
/* The policy sees no sub-op: the hypercall has none. */
#define LEGACY_NO_SUBOP 0

/*
 * Every legacy hypercall served, once: X(number, handler, sub-op mask),
 * where the handler is legacy__<handler> in <family>_legacy.c and arg[0] &
 * mask is the sub-op the policy sees. The declarations below and
 * abi_legacy.c's dispatch table are both made from this list, so a
 * handler cannot exist without being reachable.
 *
 * Xen's HVM table (xen/include/hypercall-defs.c) has no sched_op_compat
 * (6), event_channel_op_compat (16) or physdev_op_compat (19): PV only, so
 * HVM and PVH guests get -ENOSYS for them, as here.
 */
#define LEGACY_HYPERCALLS(X) \
	X(__HYPERVISOR_platform_op, platform_op, LEGACY_NO_SUBOP) \
	X(__HYPERVISOR_memory_op, memory_op, LEGACY_MEMOP_CMD_MASK) \
	X(__HYPERVISOR_multicall, multicall, LEGACY_NO_SUBOP) \
	X(__HYPERVISOR_set_timer_op, set_timer_op, LEGACY_NO_SUBOP) \
	X(__HYPERVISOR_xen_version, xen_version, UINT64_MAX) \
	X(__HYPERVISOR_console_io, console_io, UINT64_MAX) \
	X(__HYPERVISOR_grant_table_op, grant_table_op, UINT64_MAX) \
	X(__HYPERVISOR_vm_assist, vm_assist, UINT64_MAX) \
	X(__HYPERVISOR_vcpu_op, vcpu_op, UINT64_MAX) \
	X(__HYPERVISOR_sched_op, sched_op, UINT64_MAX) \
	X(__HYPERVISOR_event_channel_op, event_channel_op, UINT64_MAX) \
	X(__HYPERVISOR_physdev_op, physdev_op, UINT64_MAX) \
	X(__HYPERVISOR_hvm_op, hvm_op, UINT64_MAX) \
	X(__HYPERVISOR_sysctl, sysctl, LEGACY_NO_SUBOP) \
	X(__HYPERVISOR_domctl, domctl, LEGACY_NO_SUBOP) \
	X(__HYPERVISOR_xenpmu_op, xenpmu_op, UINT64_MAX) \
	X(__HYPERVISOR_dm_op, dm_op, LEGACY_NO_SUBOP) \
	X(__HYPERVISOR_hypfs_op, hypfs_op, UINT64_MAX) \
	X(__HYPERVISOR_arch_1, paging_domctl_cont, LEGACY_NO_SUBOP)

#define LEGACY_DECLARE(nr, name, mask) legacy_hypercall_fn legacy__##name;
LEGACY_HYPERCALLS(LEGACY_DECLARE)
#undef LEGACY_DECLARE

/*
 * The handler of legacy hypercall nr, or NULL if it is not served (for
 * tests: the dispatcher answers -ENOSYS then).
 */
legacy_hypercall_fn *legacy__handler(uint64_t nr);

/*
 * Copy a struct in from / out to the guest-virtual address 'va' with the
 * call's paging. Return 0 or -XEN_EFAULT (-XEN_EACCES in confidential mode for
 * a private page; the refusal is counted by guestmem). On failure 'why' in the
 * call says where the walk stopped.
 */
int legacy__copy_from(struct legacy_call *lc, uint64_t va, void *buf, size_t len);
int legacy__copy_to(struct legacy_call *lc, uint64_t va, const void *buf, size_t len);

/*
 * Serve legacy hypercall nr with lc's arguments: the table, the policy
 * (-EPERM), the family's handler; -ENOSYS for a number not served. The
 * dispatcher calls it for a trapped call, multicall for each entry.
 */
int64_t legacy__call(struct legacy_call *lc, uint64_t nr);

/*
 * The legacy dispatcher (abi_legacy.c): serves the call as hv_hypercall
 * reported it (call->hypercall, call->arg) and writes rax, or the arguments
 * of a continuation, back to call->regs.
 */
void legacy__dispatch(struct hv_vcpu *v, struct hv_call *call);

#endif
