/*
 * Discovery of the hypervisor through CPUID: Xen's leaves (signature
 * "XenVMMXenVMM" at 0x40000000 + n * 0x100), its version, the hypercall-page
 * MSR, the HVM leaf's features, FastABI (EAX bit 7) and the FastABI trap
 * the hypervisor sees (EDX, include/fastabi/trap.h).
 */
#ifndef GUEST_XEN_H
#define GUEST_XEN_H

#include <fastabi/trap.h>

#include "compiler.h"

struct xen_info {
	bool present;       /* the signature was found */
	uint32_t base;      /* its leaf */
	uint32_t max_leaf;  /* EAX of base */
	uint16_t major, minor; /* base + 1 */
	uint32_t hypercall_pages; /* base + 2 EAX */
	uint32_t hypercall_msr;   /* base + 2 EBX */
	uint32_t hvm_features;    /* base + 4 EAX (XEN_HVM_CPUID_*) */
	uint32_t vcpu_id;         /* base + 4 EBX, if VCPU_ID_PRESENT */
	uint32_t domid;           /* base + 4 ECX, if DOMID_PRESENT */
	uint32_t traps;           /* base + 4 EDX (FASTABI_CPUID_TRAP_*, port) */
	bool fastabi;             /* XEN_HVM_CPUID_FASTABI */
	bool fastabi_trap_ok;     /* a trap this guest can use is offered */
	enum fastabi_trap trap;   /* the one chosen */
	bool hypercall_page_ready; /* hypercall_init() succeeded */
};
extern struct xen_info xen_info;

/* Fill xen_info (guest_start does, before test_main). */
void xen_detect(void);
const char *fastabi_trap_name(enum fastabi_trap t);

#endif
