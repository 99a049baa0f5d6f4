/*
 * Shared by the programs that move special pages around a hole of the
 * default memory layout (physmap-grant, paddr-width): linked in with
 * 'common' : ['physmap.c'].
 */
#ifndef GUEST_TESTS_COMMON_PHYSMAP_H
#define GUEST_TESTS_COMMON_PHYSMAP_H

#include "guest.h"

/* XENMEM_add_to_physmap of our own space (idx 0) at gpfn, through FastABI or the hypercall page. */
long physmap_place(bool fast, unsigned space, uint64_t gpfn);
/*
 * Whether the program can run: the default layout (special pages movable),
 * both ABIs usable, RAM below 'hole'. Otherwise reports SKIP or ERROR.
 */
bool physmap_hole_ready(uint64_t hole);

#endif
