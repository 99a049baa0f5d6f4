/*
 * A 64-bit kernel in an ELF32 container with e_machine EM_X86_64: the
 * linked ELF64 image repackaged by `objcopy -O elf32-x86-64` at build time
 * ('objcopy' in guest/tests/meson.build), as some Xen kernels ship. Xen's
 * loader boots it (the PVH entry is 32-bit code whatever the container);
 * a loader that ties ELF32 to EM_386 refuses it. Once running, the program
 * checks that it got to long mode and found its start info.
 */
#include "guest.h"

const char test_title[] = "elf32-x86-64";


void test_main(void)
{
	uint64_t efer = rdmsr(X86_MSR_EFER);

	CHECK(efer & X86_EFER_LMA);
	CHECK(sizeof(void *) == 8);
	if (!start_info)
		xtf_failure("no valid start info in %%ebx");
	else
		start_info_after_image();
	printf("long mode from an ELF32 container: EFER %#llx, start info %p\n",
	       (unsigned long long)efer, (const void *)start_info);
	if (xtf_result() < 0)
		xtf_success(NULL);
}
