/*
 * Boot module files: --ramdisk, --module (module.c).
 */
#ifndef VMM_MODULE_H
#define VMM_MODULE_H

#include <stddef.h>
#include <stdint.h>

/* A boot module file, opened and checked (a regular file, its size). */
struct module_file {
	const char *option; /* "--ramdisk" or "--module", for messages */
	const char *path;
	const char *cmdline;
	int fd;
	uint64_t size;
};
/* Open path for option ("--ramdisk", "--module"); -1 with err naming the file and why. */
int module__open(struct module_file *m, const char *option, const char *path,
		 const char *cmdline, char *err, size_t errlen);
/* Read the whole file to dst (m->size bytes). */
int module__read(struct module_file *m, void *dst, char *err, size_t errlen);
void module__close(struct module_file *m);

#endif
