/*
 * The PV console ring's backend, registered as a backend (backend.h); the
 * ring base is ring.c's.
 *
 * On Xen the toolstack gives every guest two pages and two event channels
 * whose other ends are daemons in dom0: xenconsoled for the console ring
 * (struct xencons_interface) and xenstored for the store. Here the VMM is
 * that backend: backend__setup reserves the pages (VMM_STORE_GPA,
 * VMM_CONSOLE_GPA), binds a port of the guest to each backend
 * (evtchn__bind_vmm) and announces both through the HVM params. A guest's
 * EVTCHNOP_send on the console port wakes the domain's backend thread,
 * which runs xencons_serve holding the domain's memory map
 * (hv_domain__mem_lock): it moves out[out_cons..out_prod) to the domain's
 * console (the same "[name] " lines as port 0xe9) and hands the space back.
 * When the domain stops, xencons_drain writes what is left. Input (in[]) stays
 * empty.
 *
 * The guest owns the ring's indices and may write anything into them: every
 * index is read once per notification, checked against the ring size, and a
 * ring whose indices make no sense is reported once and no longer served.
 * One notification moves at most one ring's worth of bytes.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/hvm/params.h>

#include "vmm.h"

/* Move what the guest produced to the console; true if anything moved. */
static bool drain(struct vmm_domain *vd)
{
	struct xencons_backend *c = &vd->xcons;
	uint8_t *page = ring__page(vd, &c->ring);
	const size_t size = sizeof(((struct xencons_interface *)0)->out);
	char buf[sizeof(((struct xencons_interface *)0)->out)];

	if (!page)
		return false;
	/* prod first (acquire): the bytes below it are written. */
	uint32_t prod = ring__load_idx(page, offsetof(struct xencons_interface, out_prod));
	uint32_t cons = ring__load_idx(page, offsetof(struct xencons_interface, out_cons));
	uint32_t n = prod - cons;
	if (n == 0)
		return false;
	if (n > size) {
		ring__broken(vd, &c->ring, "PV console",
			     "out_prod %#x is %u bytes ahead of out_cons %#x, the ring holds %zu",
			     prod, n, cons, size);
		return false;
	}
	const uint8_t *out = page + offsetof(struct xencons_interface, out);
	for (uint32_t i = 0; i < n; i++)
		buf[i] = (char)out[(cons + i) & (size - 1)];
	/* Release: our reads of out[] are done before the guest may reuse the space. */
	ring__store_idx(page, offsetof(struct xencons_interface, out_cons), prod);
	term__put(&vd->console, buf, n);
	c->bytes += n;
	return true;
}

static struct vmm_ring *xencons_ring(struct vmm_domain *vd)
{
	return &vd->xcons.ring;
}

/* A send on the console port (on the backend thread, the memory map held). */
static bool xencons_serve(struct vmm_domain *vd)
{
	return drain(vd);
}

static void xencons_drain(struct vmm_domain *vd)
{
	/* Only a guest that uses the ring: looking costs a refusal in confidential mode. */
	hv_domain__mem_lock(vd->d);
	if (vd->xcons.ring.host && vd->xcons.ring.nr_notify)
		(void)drain(vd);
	hv_domain__mem_unlock(vd->d);
}

static int xencons_setup(struct vmm_domain *vd, uint64_t gpa_, uint8_t *host)
{
	memset(host, 0, PAGE_SIZE);
	vd->xcons.ring = (struct vmm_ring){ .gpa = gpa_, .host = host };
	return 0;
}

static void xencons_report(struct vmm_domain *vd, char *buf, size_t len)
{
	snprintf(buf, len, "PV console: %llu notifications, %llu bytes",
		 (unsigned long long)vd->xcons.ring.nr_notify, (unsigned long long)vd->xcons.bytes);
}

const struct backend_ops xencons__backend = {
	.name = "PV console",
	.gpa = VMM_CONSOLE_GPA,
	.pfn_param = HVM_PARAM_CONSOLE_PFN,
	.evtchn_param = HVM_PARAM_CONSOLE_EVTCHN,
	.ring = xencons_ring,
	.setup = xencons_setup,
	.serve = xencons_serve,
	.drain = xencons_drain,
	.report = xencons_report,
};
