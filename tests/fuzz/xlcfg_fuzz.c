/*
 * libFuzzer target: xl.cfg files as a hostile author writes them, through
 * the reader of `fastabi create` (vmm/xlcfg.c over Xen's libxlutil): every
 * key, value type, list and string. A bad file must be refused with its
 * messages, never crash or leak (ASan). The input is handed over as a file
 * (/proc/self/fd of a memfd); the messages go to /dev/null.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_file.h"

#include "xlcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	char path[64];
	struct xlcfg x;

	if (!devnull && !(devnull = fopen("/dev/null", "we")))
		abort();
	int fd = fuzz__as_file("xlcfg-fuzz", data, size, path, sizeof(path));
	if (xlcfg__read(path, devnull, &x) == 0)
		xlcfg__free(&x);
	close(fd);
	return 0;
}
