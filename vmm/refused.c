/*
 * Refused hypercalls: a guest whose kernel needs something fastabi does
 * not serve learns it from an errno, as on Xen; the user learns it from a
 * summary at exit, one line per domain, e.g.
 *
 *   fastabi: [dom] refused hypercalls: legacy64 memory_op(XENMEM_exchange=11) -ENOSYS x3; ...
 *
 * Counting happens on the vCPU's thread into its own small table (no lock,
 * no allocation: a linear search among the few kinds seen, and only for
 * refused calls); the tables are merged after the vCPU threads ended.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <xen/errno.h>

#include "vmm.h"

void refused__count(struct vmm_vcpu *vc, enum vmm_abi abi, uint64_t nr, uint64_t subop,
		    unsigned err)
{
	struct refused_calls *r = &vc->refused;

	for (unsigned i = 0; i < r->nr_kinds; i++) {
		struct refused_call *k = &r->kind[i];
		if (k->nr == nr && k->subop == subop && k->abi == abi && k->err == err) {
			k->count++;
			return;
		}
	}
	if (r->nr_kinds == VMM_REFUSED_KINDS) {
		r->others++;
		return;
	}
	r->kind[r->nr_kinds++] = (struct refused_call){ .nr = nr, .subop = subop, .abi = abi,
							.err = (uint8_t)err, .count = 1 };
}

static int order(const void *a, const void *b)
{
	const struct refused_call *x = a, *y = b;
	if (x->abi != y->abi)
		return x->abi < y->abi ? -1 : 1;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	if (x->subop != y->subop)
		return x->subop < y->subop ? -1 : 1;
	return x->err < y->err ? -1 : x->err > y->err;
}

static const char *err_name(unsigned err)
{
	switch (err) {
	case XEN_ENOSYS: return "-ENOSYS";
	case XEN_EPERM: return "-EPERM";
	case XEN_EOPNOTSUPP: return "-EOPNOTSUPP";
	default: return "-E?";
	}
}

void refused__report(struct vmm_domain *vd)
{
	static const char *const abi[] = { "legacy32", "legacy64", "fastabi" };
	struct refused_call all[HV_MAX_VCPUS * VMM_REFUSED_KINDS];
	unsigned n = 0;
	uint64_t others = 0;

	for (unsigned i = 0; i < vd->nr_vcpus; i++) {
		const struct refused_calls *r = &vd->vcpus[i].refused;
		others += r->others;
		for (unsigned j = 0; j < r->nr_kinds; j++) {
			unsigned m = 0;
			while (m < n && order(&all[m], &r->kind[j]))
				m++;
			if (m < n)
				all[m].count += r->kind[j].count;
			else
				all[n++] = r->kind[j];
		}
	}
	if (!n)
		return;
	qsort(all, n, sizeof(all[0]), order);

	/* One line: stderr stays locked so that other threads' output cannot mix in. */
	flockfile(stderr);
	fprintf(stderr, "fastabi: [%s] refused hypercalls:", vd->name);
	for (unsigned i = 0; i < n; i++) {
		const struct refused_call *k = &all[i];
		const char *name = hcall__name(k->nr);

		fprintf(stderr, "%s %s ", i ? ";" : "", abi[k->abi]);
		if (name)
			fputs(name, stderr);
		else
			fprintf(stderr, "hypercall#%#llx", (unsigned long long)k->nr);
		if (hcall__has_subop(k->nr)) {
			const char *sub = hcall__subop_name(k->nr, k->subop);
			if (sub)
				fprintf(stderr, "(%s=%llu)", sub, (unsigned long long)k->subop);
			else
				fprintf(stderr, "(%llu)", (unsigned long long)k->subop);
		}
		fprintf(stderr, " %s x%llu", err_name(k->err), (unsigned long long)k->count);
	}
	if (others)
		fprintf(stderr, "; %llu more of other kinds", (unsigned long long)others);
	fputc('\n', stderr);
	funlockfile(stderr);
}
