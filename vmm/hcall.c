/*
 * Names of Xen hypercalls and of their sub-ops, for the VMM's messages (the
 * refused-hypercall summary). Every entry is spelled with the constant of
 * the Xen public headers (or include/fastabi/ops.h for FastABI's own
 * sub-ops) and named after it, so a number can never drift from its name.
 * Only hypercalls whose first argument is a command number have sub-ops
 * here; those that take a pointer first (mmuext_op, multicall, sysctl, ...)
 * or a plain value (set_timer_op) have none.
 */
#include <stddef.h>
#include <stdint.h>

/* Some sub-ops (XENMEM_claim_pages, ...) are visible only to tools: still names. */
#define __XEN_TOOLS__ 1

#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/physdev.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>

#include <fastabi/ops.h>
#include <fastabi/xen-ext.h>

#include "vmm.h"

#define N(c) [c] = #c
#define H(h) [__HYPERVISOR_##h] = #h

static const char *const hypercalls[] = {
	H(set_trap_table), H(mmu_update), H(set_gdt), H(stack_switch), H(set_callbacks),
	H(fpu_taskswitch), H(sched_op_compat), H(platform_op), H(set_debugreg),
	H(get_debugreg), H(update_descriptor), H(memory_op), H(multicall),
	H(update_va_mapping), H(set_timer_op), H(event_channel_op_compat), H(xen_version),
	H(console_io), H(physdev_op_compat), H(grant_table_op), H(vm_assist),
	H(update_va_mapping_otherdomain), H(iret), H(vcpu_op), H(set_segment_base),
	H(mmuext_op), H(xsm_op), H(nmi_op), H(sched_op), H(callback_op), H(xenoprof_op),
	H(event_channel_op), H(physdev_op), H(hvm_op), H(sysctl), H(domctl), H(kexec_op),
	H(tmem_op), H(argo_op), H(xenpmu_op), H(dm_op), H(hypfs_op),
	H(arch_0), H(arch_1), H(arch_2), H(arch_3), H(arch_4), H(arch_5), H(arch_6), H(arch_7),
};

static const char *const xenmem[] = {
	N(XENMEM_increase_reservation), N(XENMEM_decrease_reservation),
	N(XENMEM_maximum_ram_page), N(XENMEM_current_reservation),
	N(XENMEM_maximum_reservation), N(XENMEM_machphys_mfn_list), N(XENMEM_populate_physmap),
	N(XENMEM_add_to_physmap), N(XENMEM_memory_map), N(XENMEM_machine_memory_map),
	N(XENMEM_exchange), N(XENMEM_machphys_mapping), N(XENMEM_set_memory_map),
	N(XENMEM_maximum_gpfn), N(XENMEM_remove_from_physmap), N(XENMEM_add_to_physmap_batch),
	N(XENMEM_claim_pages), N(XENMEM_machphys_compat_mfn_list),
	N(XENMEM_reserved_device_memory_map), N(XENMEM_acquire_resource),
	N(XENMEM_fastabi_share), N(XENMEM_fastabi_unshare),
};

static const char *const xenver[] = {
	N(XENVER_version), N(XENVER_extraversion), N(XENVER_compile_info),
	N(XENVER_capabilities), N(XENVER_changeset), N(XENVER_platform_parameters),
	N(XENVER_get_features), N(XENVER_pagesize), N(XENVER_guest_handle),
	N(XENVER_commandline), N(XENVER_build_id),
};

static const char *const consoleio[] = { N(CONSOLEIO_write), N(CONSOLEIO_read) };

static const char *const gnttabop[] = {
	N(GNTTABOP_map_grant_ref), N(GNTTABOP_unmap_grant_ref), N(GNTTABOP_setup_table),
	N(GNTTABOP_dump_table), N(GNTTABOP_transfer), N(GNTTABOP_copy),
	N(GNTTABOP_query_size), N(GNTTABOP_unmap_and_replace), N(GNTTABOP_set_version),
	N(GNTTABOP_get_status_frames), N(GNTTABOP_get_version),
	N(GNTTABOP_fastabi_map_batch), N(GNTTABOP_fastabi_unmap_batch),
	N(GNTTABOP_fastabi_copy_batch),
};

static const char *const vcpuop[] = {
	N(VCPUOP_initialise), N(VCPUOP_up), N(VCPUOP_down), N(VCPUOP_is_up),
	N(VCPUOP_get_runstate_info), N(VCPUOP_register_runstate_memory_area),
	N(VCPUOP_set_periodic_timer), N(VCPUOP_stop_periodic_timer),
	N(VCPUOP_set_singleshot_timer), N(VCPUOP_stop_singleshot_timer),
	N(VCPUOP_register_vcpu_info), N(VCPUOP_send_nmi), N(VCPUOP_get_physid),
	N(VCPUOP_register_vcpu_time_memory_area), N(VCPUOP_register_runstate_phys_area),
	N(VCPUOP_register_vcpu_time_phys_area),
};

static const char *const schedop[] = {
	N(SCHEDOP_yield), N(SCHEDOP_block), N(SCHEDOP_shutdown), N(SCHEDOP_poll),
	N(SCHEDOP_remote_shutdown), N(SCHEDOP_shutdown_code), N(SCHEDOP_watchdog),
	N(SCHEDOP_pin_override),
};

static const char *const evtchnop[] = {
	N(EVTCHNOP_bind_interdomain), N(EVTCHNOP_bind_virq), N(EVTCHNOP_bind_pirq),
	N(EVTCHNOP_close), N(EVTCHNOP_send), N(EVTCHNOP_status), N(EVTCHNOP_alloc_unbound),
	N(EVTCHNOP_bind_ipi), N(EVTCHNOP_bind_vcpu), N(EVTCHNOP_unmask), N(EVTCHNOP_reset),
	N(EVTCHNOP_init_control), N(EVTCHNOP_expand_array), N(EVTCHNOP_set_priority),
};

static const char *const hvmop[] = {
	N(HVMOP_set_param), N(HVMOP_get_param), N(HVMOP_flush_tlbs),
	N(HVMOP_pagetable_dying), N(HVMOP_get_time), N(HVMOP_xentrace),
	N(HVMOP_get_mem_type), N(HVMOP_set_evtchn_upcall_vector),
	N(HVMOP_guest_request_vm_event), N(HVMOP_altp2m),
};

static const char *const physdevop[] = {
	N(PHYSDEVOP_irq_status_query), N(PHYSDEVOP_set_iopl), N(PHYSDEVOP_set_iobitmap),
	N(PHYSDEVOP_apic_read), N(PHYSDEVOP_apic_write), N(PHYSDEVOP_alloc_irq_vector),
	N(PHYSDEVOP_free_irq_vector), N(PHYSDEVOP_eoi), N(PHYSDEVOP_map_pirq),
	N(PHYSDEVOP_unmap_pirq), N(PHYSDEVOP_manage_pci_add), N(PHYSDEVOP_manage_pci_remove),
	N(PHYSDEVOP_pirq_eoi_gmfn_v1), N(PHYSDEVOP_restore_msi), N(PHYSDEVOP_manage_pci_add_ext),
	N(PHYSDEVOP_setup_gsi), N(PHYSDEVOP_get_free_pirq), N(PHYSDEVOP_pci_mmcfg_reserved),
	N(PHYSDEVOP_pci_device_add), N(PHYSDEVOP_pci_device_remove), N(PHYSDEVOP_restore_msi_ext),
	N(PHYSDEVOP_pirq_eoi_gmfn_v2), N(PHYSDEVOP_dbgp_op), N(PHYSDEVOP_prepare_msix),
	N(PHYSDEVOP_release_msix),
};

static const char *const callbackop[] = { N(CALLBACKOP_register), N(CALLBACKOP_unregister) };

#define TABLE(t) { t, sizeof(t) / sizeof(t[0]) }
static const struct {
	const char *const *names;
	size_t n;
} subops[] = {
	[__HYPERVISOR_memory_op] = TABLE(xenmem),
	[__HYPERVISOR_xen_version] = TABLE(xenver),
	[__HYPERVISOR_console_io] = TABLE(consoleio),
	[__HYPERVISOR_grant_table_op] = TABLE(gnttabop),
	[__HYPERVISOR_vcpu_op] = TABLE(vcpuop),
	[__HYPERVISOR_sched_op_compat] = TABLE(schedop),
	[__HYPERVISOR_sched_op] = TABLE(schedop),
	[__HYPERVISOR_event_channel_op] = TABLE(evtchnop),
	[__HYPERVISOR_hvm_op] = TABLE(hvmop),
	[__HYPERVISOR_physdev_op] = TABLE(physdevop),
	[__HYPERVISOR_callback_op] = TABLE(callbackop),
};

bool hcall__has_subop(uint64_t nr)
{
	/* These take a command first too; their commands have no names here. */
	switch (nr) {
	case __HYPERVISOR_vm_assist:
	case __HYPERVISOR_nmi_op:
	case __HYPERVISOR_kexec_op:
	case __HYPERVISOR_argo_op:
	case __HYPERVISOR_xenpmu_op:
	case __HYPERVISOR_hypfs_op:
	case __HYPERVISOR_xenoprof_op:
		return true;
	default:
		return nr < sizeof(subops) / sizeof(subops[0]) && subops[nr].names;
	}
}

const char *hcall__name(uint64_t nr)
{
	return nr < sizeof(hypercalls) / sizeof(hypercalls[0]) ? hypercalls[nr] : NULL;
}

uint64_t hcall__legacy_subop(uint64_t nr, uint64_t arg0)
{
	/*
	 * memory_op's continuations ride in the bits above the command (Xen's
	 * MEMOP_EXTENT_SHIFT, 6, is not in the public headers; hv/abi_legacy.c
	 * masks the same way).
	 */
	return nr == __HYPERVISOR_memory_op ? arg0 & 0x3f : arg0;
}

const char *hcall__subop_name(uint64_t nr, uint64_t subop)
{
	if (nr >= sizeof(subops) / sizeof(subops[0]) || subop >= subops[nr].n)
		return NULL;
	return subops[nr].names[subop];
}
