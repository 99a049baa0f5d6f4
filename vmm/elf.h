/*
 * The PVH ELF loader (elf.c).
 */
#ifndef VMM_ELF_H
#define VMM_ELF_H

#include <stddef.h>

struct vmm_domain;

/*
 * Load the PVH kernel at path into vd's RAM; sets vd->entry. On error
 * returns -1 with a message in err naming the file and what is wrong.
 */
int elf__load(struct vmm_domain *vd, const char *path, char *err, size_t errlen);

#endif
