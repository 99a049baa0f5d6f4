/*
 * libFuzzer target: the kernel file as a hostile author writes it, through
 * the VMM's domain builder without KVM (vmm_domain__new, elf__load, the
 * ring pages, pvh__setup): ELF32/ELF64 headers, program headers, notes,
 * segments, sizes and addresses. A bad kernel must be refused with a
 * message, never crash the VMM or write outside guest RAM (ASan). The
 * input is handed over as a file (/proc/self/fd of a memfd), as the
 * command line would.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_file.h"

#include "vmm.h"

static struct vmm vmm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	char path[64], err[512];

	if (!ready) {
		if (vmm__init(&vmm))
			abort();
		vmm.sandbox.overcommit = true; /* no /proc/meminfo read per input */
		ready = true;
	}
	int fd = fuzz__as_file("elf-fuzz", data, size, path, sizeof(path));

	struct vmm_domain_config cfg = vmm_domain_config__default(path);
	cfg.name = "fuzz";
	cfg.memory_mib = 4;
	struct vmm_domain *vd = vmm_domain__new(&vmm, &cfg);
	if (!vd)
		abort(); /* nothing of the input is read yet */
	if (domain__finish_layout(vd->d))
		abort();
	if (elf__load(vd, path, err, sizeof(err)) == 0 && backend__setup(vd) == 0)
		(void)pvh__setup(vd, err, sizeof(err));
	vmm_domain__free(vd);
	close(fd);
	return 0;
}
