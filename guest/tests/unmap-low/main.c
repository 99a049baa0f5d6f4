/*
 * Some kernels take over the page tables and unmap everything below their
 * own .text before they read the start info in %ebx. This program does
 * that in test_pre_start_info, which runs before the library reads the
 * start info: the first 2 MiB, a single 2 MiB page in the boot tables
 * (head64.S), become 4 KiB pages present only from .text (the image's first
 * section, at 1 MiB) up, and CR3 is reloaded. Then the library reads the
 * start info, and the program checks that low memory really is gone (a
 * read of 0x6000 and of 0 raise #PF) and reads the memory map and the
 * command line. Xen's domain builder puts all of them after the image
 * (docs/vmm.md); on a VMM that writes them below 1 MiB the library's first
 * read of the start info faults and the program reports an ERROR.
 */
#include "guest.h"

const char test_title[] = "unmap-low";

#define TWO_MIB (2ul << 20)

/* The boot page tables' page directory for [0, 1 GiB) (head64.S). */
extern uint64_t pd[];

/* The 4 KiB page table that replaces pd[0]; the loader hands it over zeroed. */
static uint64_t low_pt[512] __page_noinit;

static uintptr_t text_start;

void test_pre_start_info(void)
{
	text_start = image_start() & ~(uintptr_t)(PAGE_SIZE - 1);
	for (uintptr_t a = text_start; a < TWO_MIB; a += PAGE_SIZE)
		low_pt[a / PAGE_SIZE] = a | X86_PTE_P | X86_PTE_RW;
	pd[0] = (uintptr_t)low_pt | X86_PTE_P | X86_PTE_RW;
	/* A CR3 write flushes the old 2 MiB translation (the boot tables have no global pages). */
	__asm__ __volatile__("mov %0, %%cr3" ::"r"(read_cr3()) : "memory");
}

/* Read a byte at addr; true if it raised #PF. */
static bool faults(uintptr_t addr)
{
	uint8_t v = 0;

	exception_record_reset();
	__asm__ __volatile__("1: movb (%1), %0\n2:\n" _ASM_EXTABLE(1b, 2b)
			     : "+q"(v) : "r"(addr) : "memory");
	return exception_record.count == 1 && exception_record.vector == X86_EXC_PF;
}

void test_main(void)
{
	unsigned nr;

	if (!start_info) {
		xtf_failure("no valid start info in %%ebx");
		return;
	}
	if (text_start != 0x100000) {
		xtf_error("the image starts at %#lx, expected 1 MiB", (unsigned long)text_start);
		return;
	}
	/* The unmapping is real: what lay below .text is gone. */
	CHECK(faults(0x6000));
	CHECK(faults(0));
	CHECK(faults(text_start - 1));
	CHECK(!faults(text_start));

	start_info_after_image();
	CHECK_EQ(start_info->version, 1);
	CHECK(!strcmp(start_info_cmdline(), "read after unmapping low memory"));
	const struct hvm_memmap_table_entry *e = memmap_entries(&nr);
	CHECK(nr >= 2);
	CHECK(e && e[0].type == XEN_HVM_MEMMAP_TYPE_RAM && e[0].addr == 0);
	printf("below %#lx unmapped; start info %p, cmdline \"%s\", memmap of %u entries:\n",
	       (unsigned long)text_start, (const void *)start_info, start_info_cmdline(), nr);
	memmap_print();
	if (xtf_result() < 0)
		xtf_success(NULL);
}
