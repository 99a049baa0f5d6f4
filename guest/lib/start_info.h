/*
 * The PVH start info (struct hvm_start_info, <xen/arch-x86/hvm/start_info.h>)
 * the loader hands over in %ebx, and its memory map. With the fixed memory
 * layout the map also carries the special regions (shared_info, grant
 * table, ...: XEN_HVM_MEMMAP_TYPE_* in include/fastabi/xen-ext.h).
 */
#ifndef GUEST_START_INFO_H
#define GUEST_START_INFO_H

#include "compiler.h"

/* XENMEM_memory_map's records are struct e820entry (include/fastabi/xen-ext.h, via guest.h). */

struct hvm_start_info;
struct hvm_memmap_table_entry;

/* The start info, or NULL when the magic was wrong (start_info_init says so). */
extern const struct hvm_start_info *start_info;

void start_info_init(const struct hvm_start_info *si);
/* The command line, or "" when there is none. */
const char *start_info_cmdline(void);
/* The memory map (NULL and 0 when absent: version 0, or no entries). */
const struct hvm_memmap_table_entry *memmap_entries(unsigned *nr);
/* The first entry of 'type', or NULL. */
const struct hvm_memmap_table_entry *memmap_find(uint32_t type);
/* The end of the highest RAM entry (0 if none). */
uint64_t memmap_ram_end(void);
/* A short name for a memmap type ("RAM", "SHARED_INFO", ...). */
const char *memmap_type_name(uint32_t type);
void memmap_print(void);

/* The image's first byte (asm: the compiler may not assume it is not 0) and its end. */
uintptr_t image_start(void);
uintptr_t image_end(void);
/*
 * The domain builder's placement (docs/vmm.md): the start info on a page
 * boundary at or after the end of the image, its memory map, command line,
 * module list and modules after the image too. Reports a FAILURE for each
 * that is not; true if all are.
 */
bool start_info_after_image(void);

#endif
