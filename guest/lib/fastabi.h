/*
 * FastABI calls: the generated stubs (BUILD/abi/fastabi_guest.h, from
 * the spec in abi/; docs/guest-stubs.md) and the trap this guest chose at
 * discovery. 64-bit only, as FastABI is.
 *
 *	int64_t v = xen_hypercall_version_version(fastabi_trap());
 */
#ifndef GUEST_FASTABI_H
#define GUEST_FASTABI_H

#ifndef __x86_64__
#error "FastABI is for 64-bit guests only"
#endif

#include "fastabi_guest.h"

#include "xen.h"

/* The trap discovery chose (xen_info.trap); check fastabi_usable() first. */
static inline enum fastabi_trap fastabi_trap(void)
{
	return xen_info.trap;
}

/* FastABI is offered and this guest can reach it. */
static inline bool fastabi_usable(void)
{
	return xen_info.fastabi && xen_info.fastabi_trap_ok;
}

#endif
