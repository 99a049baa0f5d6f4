/* The PVH start info and its memory map (start_info.h). */
#include "guest.h"

#include <xen/arch-x86/hvm/start_info.h>

const struct hvm_start_info *start_info;

void start_info_init(const struct hvm_start_info *si)
{
	/* Printing waits for the console (hypercall), so remember what was wrong. */
	if (si && si->magic == XEN_HVM_START_MAGIC_VALUE)
		start_info = si;
}

const char *start_info_cmdline(void)
{
	if (!start_info || !start_info->cmdline_paddr)
		return "";
	return (const char *)(uintptr_t)start_info->cmdline_paddr;
}

const struct hvm_memmap_table_entry *memmap_entries(unsigned *nr)
{
	if (!start_info || start_info->version < 1 || !start_info->memmap_paddr ||
	    !start_info->memmap_entries) {
		*nr = 0;
		return NULL;
	}
	*nr = start_info->memmap_entries;
	return (const struct hvm_memmap_table_entry *)(uintptr_t)start_info->memmap_paddr;
}

const struct hvm_memmap_table_entry *memmap_find(uint32_t type)
{
	unsigned nr;
	const struct hvm_memmap_table_entry *e = memmap_entries(&nr);

	for (unsigned i = 0; i < nr; i++)
		if (e[i].type == type)
			return &e[i];
	return NULL;
}

uint64_t memmap_ram_end(void)
{
	unsigned nr;
	const struct hvm_memmap_table_entry *e = memmap_entries(&nr);
	uint64_t end = 0;

	for (unsigned i = 0; i < nr; i++)
		if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM && e[i].addr + e[i].size > end)
			end = e[i].addr + e[i].size;
	return end;
}

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case XEN_HVM_MEMMAP_TYPE_RAM: return "RAM";
	case XEN_HVM_MEMMAP_TYPE_RESERVED: return "RESERVED";
	case XEN_HVM_MEMMAP_TYPE_ACPI: return "ACPI";
	case XEN_HVM_MEMMAP_TYPE_NVS: return "NVS";
	case XEN_HVM_MEMMAP_TYPE_UNUSABLE: return "UNUSABLE";
	case XEN_HVM_MEMMAP_TYPE_DISABLED: return "DISABLED";
	case XEN_HVM_MEMMAP_TYPE_PMEM: return "PMEM";
	case XEN_HVM_MEMMAP_TYPE_SHARED_INFO: return "SHARED_INFO";
	case XEN_HVM_MEMMAP_TYPE_GRANT_TABLE: return "GRANT_TABLE";
	case XEN_HVM_MEMMAP_TYPE_GNTTAB_STATUS: return "GNTTAB_STATUS";
	case XEN_HVM_MEMMAP_TYPE_FOREIGN_REG: return "FOREIGN_REG";
	case XEN_HVM_MEMMAP_TYPE_HOTPLUG_ZONE: return "HOTPLUG_ZONE";
	}
	return "?";
}

void memmap_print(void)
{
	unsigned nr;
	const struct hvm_memmap_table_entry *e = memmap_entries(&nr);

	for (unsigned i = 0; i < nr; i++)
		printf("  [%016llx, %016llx) %s (%#x)\n", (unsigned long long)e[i].addr,
		       (unsigned long long)(e[i].addr + e[i].size), memmap_type_name(e[i].type),
		       e[i].type);
}

uintptr_t image_start(void)
{
	uintptr_t v;

	__asm__("mov $__image_start, %0" : "=r"(v));
	return v;
}

uintptr_t image_end(void)
{
	uintptr_t v;

	__asm__("mov $__image_end, %0" : "=r"(v));
	return v;
}

static bool after_image(const char *what, uint64_t paddr)
{
	uint64_t end = (image_end() + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);

	if (paddr >= end)
		return true;
	xtf_failure("%s at %#llx lies below the end of the image (%#llx, page %#llx)", what,
		    (unsigned long long)paddr, (unsigned long long)image_end(),
		    (unsigned long long)end);
	return false;
}

bool start_info_after_image(void)
{
	const struct hvm_start_info *si = start_info;
	bool ok;

	if (!si) {
		xtf_failure("no valid start info");
		return false;
	}
	ok = after_image("the start info", (uintptr_t)si);
	if ((uintptr_t)si & (PAGE_SIZE - 1)) {
		xtf_failure("the start info at %p is not on a page boundary", (const void *)si);
		ok = false;
	}
	if (si->memmap_paddr)
		ok &= after_image("the memory map", si->memmap_paddr);
	if (si->cmdline_paddr)
		ok &= after_image("the command line", si->cmdline_paddr);
	if (si->nr_modules) {
		const struct hvm_modlist_entry *m = (const void *)(uintptr_t)si->modlist_paddr;
		ok &= after_image("the module list", si->modlist_paddr);
		for (unsigned i = 0; i < si->nr_modules; i++)
			ok &= after_image("a module", m[i].paddr);
	}
	return ok;
}
