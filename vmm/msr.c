/*
 * MSRs KVM does not know come here (KVM_CAP_X86_USER_SPACE_MSR). The one
 * the VMM serves is the hypercall-page MSR announced in CPUID base+2: a
 * write of a page's guest-physical address (low 12 bits: the page index,
 * always 0 with one page) fills that page with one 32-byte entry per
 * hypercall number:
 *
 *     b8 NN NN NN NN    mov $nr, %eax
 *     e6 99             out %al, $0x99     (the doorbell)
 *     c3                ret
 *     cc ...            int3 padding
 *
 * The same bytes serve 32- and 64-bit guests. Reads of the MSR return 0,
 * as on Xen. Every other unknown MSR raises #GP in the guest.
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
	pthread_mutex_lock(&d->hv->lock);
	const struct guestmem_region *r = guestmem__lookup(&d->mem, gpa(a));
	if (r && r->kind == GUESTMEM_RAM)
		ok = guestmem__write(&d->mem, gpa(a), page, sizeof(page)) == 0;
	pthread_mutex_unlock(&d->hv->lock);
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
	if (idx >= VMM_HYPERCALL_PAGES)
		return;
	if (write_page(vc, a))
		run->msr.error = 0;
}
