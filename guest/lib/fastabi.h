/*
 * FastABI calls: the generated stubs (BUILD/abi/fastabi_guest.h, from
 * the spec in abi/; docs/guest-stubs.md) and the trap this guest chose at
 * discovery, patched into every stub at boot. 64-bit only, as FastABI is.
 *
 *	int64_t v = xen_hypercall_version_version();
 */
#ifndef GUEST_FASTABI_H
#define GUEST_FASTABI_H

#ifndef __x86_64__
#error "FastABI is for 64-bit guests only"
#endif

#include "fastabi_guest.h"

#include "xen.h"

/*
 * Make every FastABI stub of this guest trap with t: patches each stub's
 * trap site (fastabi_patch_traps, docs/guest-stubs.md) and records t in
 * xen_info.trap. xen_detect() calls it at boot, before test_main, with the
 * trap the hypervisor offers (as Linux patches vmcall/vmmcall once), so a
 * stub never branches on the trap. Call it again only to switch traps, on
 * one vCPU while no other runs. 0, or -XEN_EINVAL (nothing changed) when t
 * is no trap.
 */
int fastabi_use_trap(enum fastabi_trap t);

/* The trap the stubs use (xen_info.trap); check fastabi_usable() first. */
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
