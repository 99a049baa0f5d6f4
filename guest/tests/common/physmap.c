/* Special pages moved around a hole (physmap.h). */
#include "common/physmap.h"

long physmap_place(bool fast, unsigned space, uint64_t gpfn)
{
	struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = space, .gpfn = gpfn };
	return fast ? xen_hypercall_memory_add_to_physmap(&x)
		    : hypercall_memory_op(XENMEM_add_to_physmap, &x);
}

bool physmap_hole_ready(uint64_t hole)
{
	if (memmap_find(XEN_HVM_MEMMAP_TYPE_SHARED_INFO)) {
		xtf_skip("fixed memory layout: the special pages must stay where they are");
		return false;
	}
	if (!xtf_both_abis_ready())
		return false;
	if (memmap_ram_end() > hole) {
		xtf_error("RAM reaches the hole this test maps into (run with less memory)");
		return false;
	}
	return true;
}
