/*
 * Which (ABI, hypercall, sub-op) a domain may use. FastABI is allowed only
 * where the domain's configuration allows it (DOMAIN_FASTABI); the toolstack
 * (or a test) may narrow either ABI further, per hypercall or per sub-op.
 * Refused calls return -EPERM; see docs/hv-core.md.
 */
#ifndef HV_POLICY_H
#define HV_POLICY_H

#include <stdbool.h>
#include <stdint.h>

enum hv_abi {
	HV_ABI_LEGACY = 0,
	HV_ABI_FAST = 1,
};

#define POLICY_NR_HYPERCALLS 64
#define POLICY_NR_SUBOPS 128 /* sub-ops at or above this share one bit */
#define POLICY_ALL_SUBOPS (-1)

/* [d->lock]: set by the toolstack before the domain runs, read by every call. */
struct hv_policy {
	/* allow[abi][hypercall][word]: bit set = sub-op allowed */
	uint64_t allow[2][POLICY_NR_HYPERCALLS][POLICY_NR_SUBOPS / 64 + 1];
};

/* Everything allowed for legacy; FastABI allowed only if fastabi is true. */
void policy__init(struct hv_policy *p, bool fastabi);
/* subop POLICY_ALL_SUBOPS: the whole hypercall. */
void policy__set(struct hv_policy *p, enum hv_abi abi, unsigned hypercall, int64_t subop,
		 bool allow);
bool policy__allows(const struct hv_policy *p, enum hv_abi abi, uint64_t hypercall,
		    uint64_t subop);

#endif
