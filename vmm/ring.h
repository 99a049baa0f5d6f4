/*
 * The base of the PV ring backends (ring.c): a ring page the VMM serves,
 * the guest-owned indices, and the ring pages of a domain.
 */
#ifndef VMM_RING_H
#define VMM_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>

struct vmm_domain;

/* A ring page the VMM serves as a backend (PV console, xenstore). */
struct vmm_ring {
	uint64_t gpa;
	uint8_t *host;      /* our page: served only while the guest sees it at gpa */
	evtchn_port_t port; /* the guest's port, bound to the VMM (evtchn__bind_vmm) */
	bool broken;        /* the guest broke the protocol: no longer served */
	uint64_t nr_notify; /* sends from the guest */
};

/* Host address of the ring page if the guest still sees it there and may let us in. */
uint8_t *ring__page(struct vmm_domain *vd, struct vmm_ring *r);
/* The guest broke the ring's protocol: say so once, stop serving it. */
void ring__broken(struct vmm_domain *vd, struct vmm_ring *r, const char *what, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));


/* An index the guest owns: read once (the guest may change it at any time). */
static inline uint32_t ring__load_idx(const uint8_t *page, size_t off)
{
	return __atomic_load_n((const uint32_t *)(page + off), __ATOMIC_ACQUIRE);
}

/* An index we own: written after the data it covers. */
static inline void ring__store_idx(uint8_t *page, size_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(page + off), v, __ATOMIC_RELEASE);
}

#endif
