/*
 * The base of the VMM's PV ring backends (xencons.c, xenstore.c): the two
 * ring pages of every domain, where the guest sees them and whether it
 * still lets us in, the guest-owned indices, and giving up on a ring whose
 * guest broke the protocol.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <xen/hvm/params.h>

#include "vmm.h"

uint8_t *ring__page(struct vmm_domain *vd, struct vmm_ring *r)
{
	struct guestmem *gm = hv_domain__mem(vd->d);
	const struct guestmem_region *g = guestmem__lookup(gm, gpa(r->gpa));
	uint8_t probe;

	if (r->broken || !g || g->kind != GUESTMEM_RAM || g->host + (r->gpa - g->start) != r->host)
		return NULL; /* the guest put something else there (add_to_physmap) */
	/* A confidential guest must share the page first (a refusal is counted). */
	if (guestmem__read(gm, gpa(r->gpa), &probe, 1))
		return NULL;
	return r->host;
}

void ring__broken(struct vmm_domain *vd, struct vmm_ring *r, const char *what, const char *fmt,
		  ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	r->broken = true;
	util__err("[%s] %s: %s: the ring is no longer served", vd->name, what, why);
}

int ring__setup(struct vmm_domain *vd)
{
	struct domain *d = vd->d;
	_Static_assert(VMM_CONSOLE_GPA == VMM_STORE_GPA + PAGE_SIZE && VMM_RING_PAGES == 2,
		       "the ring pages are one range: store, then console");

	int r = domain__add_reserved_ram(d, gpa(VMM_STORE_GPA), VMM_RING_PAGES * PAGE_SIZE,
					 vd->ring_pages);
	if (!r)
		r = xenstore__setup(vd, VMM_STORE_GPA, vd->ring_pages);
	if (!r)
		r = xencons__setup(vd, VMM_CONSOLE_GPA, vd->ring_pages + PAGE_SIZE);
	if (r) {
		util__err("[%s] cannot set up the console and xenstore rings (Xen errno %d)", vd->name,
			 r);
		return -1;
	}
	/* What the guest reads at boot, as Xen's domain builder sets them. */
	(void)hv_domain__set_param(d, HVM_PARAM_STORE_PFN, VMM_STORE_GPA >> PAGE_SHIFT);
	(void)hv_domain__set_param(d, HVM_PARAM_STORE_EVTCHN, vd->xs.ring.port);
	(void)hv_domain__set_param(d, HVM_PARAM_CONSOLE_PFN, VMM_CONSOLE_GPA >> PAGE_SHIFT);
	(void)hv_domain__set_param(d, HVM_PARAM_CONSOLE_EVTCHN, vd->xcons.ring.port);
	return 0;
}
