/* The legacy hypercall page (hypercall.h). */
#include "guest.h"

/* Filled by the hypervisor; page-aligned, never zeroed by the guest. */
uint8_t hypercall_page[PAGE_SIZE] __page_noinit;

int hypercall_init(void)
{
	if (!xen_info.present || !xen_info.hypercall_pages || !xen_info.hypercall_msr)
		return -1;

	/* A hypervisor that does not handle the MSR may raise #GP: survive it. */
	exception_record_reset();
	uint32_t msr = xen_info.hypercall_msr;
	uint64_t gpa = (uintptr_t)hypercall_page;
	__asm__ __volatile__("1: wrmsr\n2:\n" _ASM_EXTABLE(1b, 2b)
			     : : "c"(msr), "a"((uint32_t)gpa), "d"((uint32_t)(gpa >> 32))
			     : "memory");
	if (exception_record.count) {
		printf("hypercall page: wrmsr %#x faulted (%s)\n", msr,
		       exception_name(exception_record.vector));
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
	long ret;

#ifdef __x86_64__
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	__asm__ __volatile__("call *%[stub]"
			     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			     : [stub] "r"(stub)
			     : "memory");
#else
	__asm__ __volatile__("call *%[stub]"
			     : "=a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
			     : [stub] "m"(stub)
			     : "memory");
#endif
	return ret;
}

long hypercall_shutdown(unsigned reason)
{
	struct sched_shutdown s = { .reason = reason };

	return hypercall_sched_op(SCHEDOP_shutdown, &s);
}
