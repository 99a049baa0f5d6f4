/*
 * What the Xen 4.17 public headers (Debian's libxen-dev) lack and FastABI
 * needs, under Xen's own names. Each is guarded so that newer Xen headers,
 * which define them, win. Include after the <xen/...> headers.
 */
#ifndef FASTABI_XEN_EXT_H
#define FASTABI_XEN_EXT_H

#include <stdint.h>

/* reg0 is the hypercall number OR-ed with this bit for a FastABI call. */
#ifndef __HYPERVISOR_FASTABI_MASK
#define __HYPERVISOR_FASTABI_MASK 0x40000000u
#endif

/* Xen HVM CPUID leaf (base + 4), EAX: the hypervisor serves FastABI. */
#ifndef XEN_HVM_CPUID_FASTABI
#define XEN_HVM_CPUID_FASTABI (1u << 7)
#endif

/* Xen 4.18: register runstate / vcpu time areas by guest-physical address. */
#ifndef VCPUOP_register_runstate_phys_area
#define VCPUOP_register_runstate_phys_area 14
#endif
#ifndef VCPUOP_register_vcpu_time_phys_area
#define VCPUOP_register_vcpu_time_phys_area 15
#endif

/*
 * Xen's own continuation of a preempted EVTCHNOP_reset: guests never issue
 * it themselves, but it is the number they re-execute, so the 4.17 headers
 * keep it under __XEN__.
 */
#ifndef EVTCHNOP_reset_cont
#define EVTCHNOP_reset_cont 14
#endif

/*
 * Memory-map entry types of the fixed memory layout (hvm_start_info memmap
 * and XENMEM_memory_map), beside XEN_HVM_MEMMAP_TYPE_RAM (1) .. PMEM (7).
 */
#ifndef XEN_HVM_MEMMAP_TYPE_SHARED_INFO
#define XEN_HVM_MEMMAP_TYPE_SHARED_INFO 0xF0000001u
#endif
#ifndef XEN_HVM_MEMMAP_TYPE_GRANT_TABLE
#define XEN_HVM_MEMMAP_TYPE_GRANT_TABLE 0xF0000002u
#endif
#ifndef XEN_HVM_MEMMAP_TYPE_GNTTAB_STATUS
#define XEN_HVM_MEMMAP_TYPE_GNTTAB_STATUS 0xF0000003u
#endif
#ifndef XEN_HVM_MEMMAP_TYPE_FOREIGN_REG
#define XEN_HVM_MEMMAP_TYPE_FOREIGN_REG 0xF0000004u
#endif
#ifndef XEN_HVM_MEMMAP_TYPE_HOTPLUG_ZONE
#define XEN_HVM_MEMMAP_TYPE_HOTPLUG_ZONE 0xF0000005u
#endif

/*
 * One record of XENMEM_memory_map's buffer: the E820 layout, 20 bytes
 * packed. Xen's own type for it (struct e820entry, xen/arch/x86/include/
 * asm/e820.h) is not in the public headers, which leave the buffer's type
 * to the guest; this is that struct, under Xen's name, for the core and
 * the guests alike. (hvm_start_info's map uses struct
 * hvm_memmap_table_entry, a different, 24-byte layout.)
 */
struct e820entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct e820entry) == 20, "E820 entries are 20 bytes");

#endif
