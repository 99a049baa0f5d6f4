/* The per-domain allow-list of (ABI, hypercall, sub-op); see policy.h. */
#include <string.h>

#include "policy.h"

#define POLICY_WORDS (POLICY_NR_SUBOPS / 64 + 1)
/* Sub-ops at or above POLICY_NR_SUBOPS share the first bit of the last word. */
#define POLICY_HIGH_WORD (POLICY_NR_SUBOPS / 64)

void policy__init(struct hv_policy *p, bool fastabi)
{
	memset(p->allow[HV_ABI_LEGACY], 0xff, sizeof(p->allow[HV_ABI_LEGACY]));
	memset(p->allow[HV_ABI_FAST], fastabi ? 0xff : 0, sizeof(p->allow[HV_ABI_FAST]));
}

static bool abi_valid(enum hv_abi abi)
{
	return abi == HV_ABI_LEGACY || abi == HV_ABI_FAST;
}

void policy__set(struct hv_policy *p, enum hv_abi abi, unsigned hypercall, int64_t subop,
		 bool allow)
{
	if (!abi_valid(abi) || hypercall >= POLICY_NR_HYPERCALLS)
		return;
	uint64_t *w = p->allow[abi][hypercall];
	if (subop == POLICY_ALL_SUBOPS) {
		memset(w, allow ? 0xff : 0, POLICY_WORDS * sizeof(*w));
		return;
	}
	if (subop < 0)
		return;
	unsigned word, bit;
	if (subop >= POLICY_NR_SUBOPS) {
		word = POLICY_HIGH_WORD;
		bit = 0;
	} else {
		word = (unsigned)subop / 64;
		bit = (unsigned)subop % 64;
	}
	if (allow)
		w[word] |= 1ull << bit;
	else
		w[word] &= ~(1ull << bit);
}

bool policy__allows(const struct hv_policy *p, enum hv_abi abi, uint64_t hypercall,
		    uint64_t subop)
{
	if (!p || !abi_valid(abi) || hypercall >= POLICY_NR_HYPERCALLS)
		return false;
	const uint64_t *w = p->allow[abi][hypercall];
	if (subop >= POLICY_NR_SUBOPS)
		return w[POLICY_HIGH_WORD] & 1;
	return (w[subop / 64] >> (subop % 64)) & 1;
}
