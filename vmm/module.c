/*
 * Boot module files (`--ramdisk`, `--module`): opened and checked before
 * anything is placed, read straight into guest RAM once pvh.c has found
 * them a place. Like the kernel, a module must be a regular file; each
 * refusal names the option, the file and the problem.
 */
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

int module__open(struct module_file *m, const char *option, const char *path,
		 const char *cmdline, char *err, size_t errlen)
{
	struct stat st;

	*m = (struct module_file){ .option = option, .path = path, .cmdline = cmdline, .fd = -1 };
	if (cmdline && strlen(cmdline) > PVH_MODULE_CMDLINE_MAX) {
		snprintf(err, errlen, "%s %s: the module's command line has %zu bytes, at most %llu",
			 option, path, strlen(cmdline), (unsigned long long)PVH_MODULE_CMDLINE_MAX);
		return -1;
	}
	/* O_NONBLOCK: a FIFO must not hang the open (refused below); no effect on a file. */
	m->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (m->fd < 0) {
		snprintf(err, errlen, "%s %s: cannot open the module: %s", option, path,
			 strerror(errno));
		return -1;
	}
	if (fstat(m->fd, &st) < 0) {
		snprintf(err, errlen, "%s %s: cannot stat the module: %s", option, path,
			 strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", option, path);
		goto fail;
	}
	m->size = (uint64_t)st.st_size;
	return 0;
fail:
	module__close(m);
	return -1;
}

int module__read(struct module_file *m, void *dst, char *err, size_t errlen)
{
	uint64_t got = 0;

	while (got < m->size) {
		size_t want = m->size - got > (1u << 30) ? (1u << 30) : (size_t)(m->size - got);
		ssize_t n = pread(m->fd, (uint8_t *)dst + got, want, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s %s: cannot read the module: %s", m->option, m->path,
				 n < 0 ? strerror(errno) : "the file shrank while it was read");
			return -1;
		}
		got += (uint64_t)n;
	}
	return 0;
}

void module__close(struct module_file *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
