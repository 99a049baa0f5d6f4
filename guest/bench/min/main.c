/*
 * The smallest PVH guest (docs/benchmarks.md, "Cold start"): what a Xen
 * PVH kernel must do at the least to end cleanly, and nothing else. The
 * cold-start benchmark boots it to time the VMM's own part of a start,
 * not a guest's C runtime and console output. It is not built on the
 * guest library (no test_main, no console): its entry below is the whole
 * kernel (guest/tests/meson.build, 'bare').
 *
 * Entered at the PVH note's address in 32-bit flat protected mode with
 * paging off (Xen's PVH boot ABI): flat code and data segments, %ebx the
 * start info, interrupts off, everything else undefined, including the
 * stack. So it:
 *
 *   1. takes a stack (16 bytes of its own: the hypercall stub's `ret`
 *      needs one);
 *   2. has Xen fill its hypercall page, by writing the page's address to
 *      MSR 0x40000000 (the index Xen announces in CPUID leaf base+2 for a
 *      guest without Viridian; guests such as this one write it without
 *      reading CPUID), as every Xen HVM/PVH guest does: the guest does
 *      not know how the hypervisor is entered (vmcall or vmmcall on Xen,
 *      here the VMM's `out` doorbell, vmm/msr.c), the page's stubs do;
 *   3. calls the page's sched_op entry with SCHEDOP_shutdown and a struct
 *      sched_shutdown asking for poweroff, in the 32-bit convention
 *      (%ebx, %ecx the arguments): `fastabi run` then exits with status 0.
 *
 * Eight instructions up to the call, then the stub's two (mov, out). It
 * never comes back; if the hypervisor did return, it stops in hlt and the
 * VMM reports a domain that did not shut down (a non-zero exit status).
 */
#include <stdint.h>

#include <xen/xen.h>
#include <xen/sched.h>

/* Xen's hypercall-page MSR and its 32-byte entries, one per hypercall. */
#define HYPERCALL_PAGE_MSR 0x40000000
#define HYPERCALL_ENTRY_SIZE 32

#define STR_(x) #x
#define STR(x) STR_(x)

/* Read by the hypervisor at its physical address (paging is off). */
const struct sched_shutdown min_poweroff = { .reason = SHUTDOWN_poweroff };

/* Filled by the hypervisor; the loader gives zeroed memory, nothing clears these. */
uint8_t min_hypercall_page[4096] __attribute__((aligned(4096), section(".noinit")));
uint32_t min_stack[4] __attribute__((aligned(16), section(".noinit")));

asm(".pushsection .text.head, \"ax\"\n"
    ".code32\n"
    ".globl pvh_start32\n"
    "pvh_start32:\n"
    "	mov	$min_stack + 16, %esp\n"
    "	mov	$" STR(HYPERCALL_PAGE_MSR) ", %ecx\n"
    "	mov	$min_hypercall_page, %eax\n"	/* the page's address | index 0 */
    "	xor	%edx, %edx\n"
    "	wrmsr\n"
    "	mov	$" STR(SCHEDOP_shutdown) ", %ebx\n"
    "	mov	$min_poweroff, %ecx\n"
    "	call	min_hypercall_page + " STR(__HYPERVISOR_sched_op) " * " STR(HYPERCALL_ENTRY_SIZE) "\n"
    "1:	hlt\n"
    "	jmp	1b\n"
    ".popsection\n");
