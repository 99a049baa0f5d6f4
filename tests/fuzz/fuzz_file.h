/*
 * For the fuzz targets of the VMM's file readers (elf_fuzz.c, xlcfg_fuzz.c):
 * the input as a file a reader opens by name, /proc/self/fd/N of a memfd.
 */
#ifndef FUZZ_FILE_H
#define FUZZ_FILE_H

/* memfd_create: the including file defines _GNU_SOURCE before any header. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* The memfd (close it when done) with data in it, its name in path. */
static inline int fuzz__as_file(const char *name, const uint8_t *data, size_t size, char *path,
				size_t pathlen)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
