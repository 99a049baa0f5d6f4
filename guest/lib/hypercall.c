/* The legacy hypercall page (hypercall.h). */
#include "guest.h"

/* Filled by the hypervisor; page-aligned, never zeroed by the guest. */
uint8_t hypercall_page[PAGE_SIZE] __page_noinit;

int hypercall_init(void)
{
	if (!xen_info.present || !xen_info.hypercall_pages || !xen_info.hypercall_msr)
		return -1;

	/* A hypervisor that does not handle the MSR may raise #GP: survive it. */
	uint32_t msr = xen_info.hypercall_msr;
	int fault = wrmsr_safe(msr, (uintptr_t)hypercall_page);
	if (fault >= 0) {
		printf("hypercall page: wrmsr %#x faulted (%s)\n", msr, exception_name((unsigned)fault));
		return -1;
	}
	/* An entry starts with `mov $nr, %eax` (b8) on Xen and on fastabi. */
	if (ACCESS_ONCE(hypercall_page[0]) == 0) {
		printf("hypercall page: still empty after wrmsr %#x\n", msr);
		return -1;
	}
	xen_info.hypercall_page_ready = true;
	return 0;
}

long hypercall_nr(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3,
		  unsigned long a4, unsigned long a5)
{
	void *stub = hypercall_page + (nr & 127) * 32;

	/* "m": the 32-bit build has no register left for the address. */
	return _hypercall_insn("call *%[stub]", nr, a1, a2, a3, a4, a5, [stub] "m"(stub));
}

long hypercall_shutdown(unsigned reason)
{
	struct sched_shutdown s = { .reason = reason };

	return hypercall_sched_op(SCHEDOP_shutdown, &s);
}
