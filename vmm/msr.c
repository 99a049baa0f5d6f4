/*
 * MSRs KVM does not know, and Xen's synthetic range that the filter in
 * kvm.c takes from KVM's Hyper-V emulation, come here. The one the VMM
 * serves is Xen's hypercall-page MSR, 0x40000000 (announced in CPUID
 * base+2), with Xen's semantics (guest_wrmsr_xen):
 *
 *   - a write of (gfn << 12 | page index) fills guest frame gfn with one
 *     32-byte entry per hypercall number:
 *
 *         b8 NN NN NN NN    mov $nr, %eax
 *         e6 99             out %al, $0x99     (the doorbell)
 *         c3                ret
 *         cc ...            int3 padding
 *
 *     The same bytes serve 32- and 64-bit guests.
 *   - a page index other than 0 (Xen has one page), or a gfn that is not
 *     the guest's writable RAM (out of range, a hole, and with
 *     --confidential a page the guest did not share): #GP, nothing written.
 *   - a read returns 0.
 *
 * Every other MSR that comes here raises #GP, as Xen does for the rest of
 * its range and for MSRs it does not know.
 */
#include <stdint.h>
#include <string.h>

#include <fastabi/trap.h>

#include "vmm.h"

#define HYPERCALL_ENTRY 32

static void fill_page(uint8_t page[PAGE_SIZE])
{
	memset(page, 0xcc, PAGE_SIZE);
	for (unsigned nr = 0; nr < PAGE_SIZE / HYPERCALL_ENTRY; nr++) {
		uint8_t *e = page + nr * HYPERCALL_ENTRY;
		e[0] = 0xb8;
		memcpy(e + 1, &nr, 4);
		e[5] = 0xe6;
		e[6] = FASTABI_DOORBELL_PORT;
		e[7] = 0xc3;
	}
}

void msr__rdmsr(struct vmm_vcpu *vc)
{
	struct kvm_run *run = vc->run;

	if (run->msr.index == VMM_HYPERCALL_MSR) {
		run->msr.data = 0;
		run->msr.error = 0;
		return;
	}
	run->msr.error = 1;
}

/* The page at gpa must be RAM; with --confidential, a page the guest shared. */
static bool write_page(struct vmm_vcpu *vc, uint64_t a)
{
	struct domain *d = vc->dom->d;
	uint8_t page[PAGE_SIZE];
	bool ok = false;

	fill_page(page);
	struct guestmem *gm = hv_domain__mem_lock(d);
	const struct guestmem_region *r = guestmem__lookup(gm, gpa(a));
	if (r && r->kind == GUESTMEM_RAM)
		ok = guestmem__write(gm, gpa(a), page, sizeof(page)) == 0;
	hv_domain__mem_unlock(d);
	return ok;
}

void msr__wrmsr(struct vmm_vcpu *vc)
{
	struct kvm_run *run = vc->run;

	run->msr.error = 1;
	if (run->msr.index != VMM_HYPERCALL_MSR)
		return;
	uint64_t idx = run->msr.data & (PAGE_SIZE - 1);
	uint64_t a = run->msr.data & ~(uint64_t)(PAGE_SIZE - 1);
	if (idx >= VMM_HYPERCALL_PAGES) /* #GP, as Xen: "page index unsupported" */
		return;
	if (write_page(vc, a))
		run->msr.error = 0;
}
