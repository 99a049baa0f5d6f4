/*
 * The base of the VMM's PV ring backends (xencons.c, xenstore.c): the two
 * ring pages of every domain, where the guest sees them and whether it
 * still lets us in, the guest-owned indices, and giving up on a ring whose
 * guest broke the protocol.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

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
	vmm_domain__log(vd, "%s: %s: the ring is no longer served", what, why);
}
