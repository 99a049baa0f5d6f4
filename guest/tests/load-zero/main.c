/*
 * A kernel linked at physical address 0, as minimal Xen test kernels can
 * be ('load' : '0' in the build, 64-bit and 32-bit). The domain builder
 * puts nothing of its own below or inside the image (docs/vmm.md): the
 * kernel loads, and finds the start info, the memory map and the command
 * line after its end. A VMM with a boot area in low memory refuses it.
 */
#include "guest.h"

const char test_title[] = "load-zero";

void test_main(void)
{
	unsigned nr;

	if (image_start() != 0) {
		xtf_error("the image starts at %#lx, not 0: built without 'load' : '0'?",
			  (unsigned long)image_start());
		return;
	}
	if (!start_info) {
		xtf_failure("no valid start info in %%ebx");
		return;
	}
	start_info_after_image();
	CHECK_EQ(start_info->version, 1);
	CHECK(!strcmp(start_info_cmdline(), "linked at 0"));
	memmap_entries(&nr);
	CHECK(nr >= 2);
	CHECK(memmap_ram_end() > (uintptr_t)start_info);
	printf("image [0, %#lx), start info %p, cmdline \"%s\" at %#llx, %u memmap entries at %#llx\n",
	       (unsigned long)image_end(), (const void *)start_info, start_info_cmdline(),
	       (unsigned long long)start_info->cmdline_paddr, nr,
	       (unsigned long long)start_info->memmap_paddr);
	if (xtf_result() < 0)
		xtf_success(NULL);
}
