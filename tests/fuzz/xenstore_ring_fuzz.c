/*
 * libFuzzer target: the xenstore connection layer (vmm/xenstore.c,
 * xenstore_out.c) fed by hostile guests. Two domains without KVM (as
 * tests/vmm/xenstore), whose ring pages the input writes as a guest may:
 * bytes and well-formed requests into req[], any index moved anywhere,
 * replies read or not, any byte of the page changed; with the backend's
 * rounds, the toolstack's writes (events for the watchers) and the clock
 * (the 20 s watch-event timeout) in between. The VMM must never crash,
 * read or write outside the page (ASan), leak, or let a domain's queues
 * grow past their bounds.
 *
 * Input: a list of operations, each one byte (op in the low 4 bits, the
 * domain in bit 4) and its operands.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "vmm.h"
#include "store.h"

#define RING XENSTORE_RING_SIZE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vmm vmm;
static uint64_t fake_ms;

static uint64_t fake_now(void)
{
	return fake_ms;
}

struct input {
	const uint8_t *p;
	size_t left;
};

static uint32_t take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint32_t)*in->p++ << (8 * i);
	return v;
}

static struct vmm_domain *domain(const char *name)
{
	struct vmm_domain_config cfg = vmm_domain_config__default("xenstore-fuzz.elf");
	cfg.name = name;
	cfg.memory_mib = 2;
	cfg.min_domid = 1;
	struct vmm_domain *vd = vmm_domain__new(&vmm, &cfg);
	if (!vd || domain__finish_layout(vd->d) || backend__setup(vd))
		abort(); /* nothing of the input is read yet */
	return vd;
}

static struct xenstore_domain_interface *intf(struct vmm_domain *vd)
{
	return (struct xenstore_domain_interface *)vd->xs.ring.host;
}

/* n bytes into req[] at req_prod, whatever room there is (the guest may overwrite). */
static void put(struct vmm_domain *vd, const uint8_t *p, size_t n)
{
	struct xenstore_domain_interface *r = intf(vd);

	for (size_t i = 0; i < n; i++)
		r->req[(r->req_prod + i) & (RING - 1)] = (char)p[i];
	r->req_prod += (uint32_t)n;
}

static void serve(struct vmm_domain *vd)
{
	hv_domain__mem_lock(vd->d);
	(void)xenstore__backend.serve(vd);
	hv_domain__mem_unlock(vd->d);
	/* The bounds every guest gets, whatever it does. */
	if (vd->xs.outstanding > XS_REQ_OUTSTANDING || vd->xs.event_bytes > XS_EVENT_BYTES ||
	    vd->xs.in_len > XS_MSG_MAX)
		abort();
}

/* Paths a request names: the domain's own, the other's shared, the special, the root. */
static const char *const paths[] = {
	"data/a", "data/a/b", "/local/domain/1/data/pub", "/local/domain/1/data/pub/x",
	"/local/domain/2/data/c", "@releaseDomain", "/", "name", "control/shutdown", "data",
};

/* A well-formed request: type, then a path and a tail from the input. */
static void request(struct vmm_domain *vd, struct input *in)
{
	uint8_t msg[sizeof(struct xsd_sockmsg) + 256];
	struct xsd_sockmsg h = { .type = take(in, 1) % (XS_TYPE_COUNT + 1), .req_id = take(in, 1),
				 .tx_id = take(in, 1) % 3 };
	const char *path = paths[take(in, 1) % (sizeof(paths) / sizeof(paths[0]))];
	size_t tail = take(in, 1) % 64;
	size_t n = strlen(path) + 1;

	memcpy(msg + sizeof(h), path, n);
	if (tail > in->left)
		tail = in->left;
	memcpy(msg + sizeof(h) + n, in->p, tail);
	in->p += tail;
	in->left -= tail;
	h.len = (uint32_t)(n + tail);
	memcpy(msg, &h, sizeof(h));
	put(vd, msg, sizeof(h) + h.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		if (vmm__init(&vmm))
			abort();
		vmm.sandbox.overcommit = true;
		vmm.xsw.now_ms = fake_now;
		ready = true;
	}
	struct vmm_domain *d[2] = { domain("fa"), domain("fb") };
	const struct xs_permissions pub[2] = { { .id = hv_domain__id(d[0]->d), .perms = XS_PERM_NONE },
					       { .id = hv_domain__id(d[1]->d), .perms = XS_PERM_READ } };
	char shared[64];
	snprintf(shared, sizeof(shared), "/local/domain/%u/data/pub", hv_domain__id(d[0]->d));
	pthread_mutex_lock(&vmm.xsw.lock);
	(void)store__write(vmm.xsw.tool, 0, shared, "", 0);
	(void)store__set_perms(vmm.xsw.tool, 0, shared, pub, 2);
	pthread_mutex_unlock(&vmm.xsw.lock);

	struct input in = { data, size };
	unsigned ops = 0;
	while (in.left && ops++ < 4096) {
		uint8_t op = (uint8_t)take(&in, 1);
		struct vmm_domain *vd = d[(op >> 4) & 1];
		struct xenstore_domain_interface *r = intf(vd);
		switch (op & 15) {
		case 0: { /* raw bytes into req[] */
			size_t n = take(&in, 1) + 1u;
			if (n > in.left)
				n = in.left;
			put(vd, in.p, n);
			in.p += n;
			in.left -= n;
			break;
		}
		case 1:
			request(vd, &in);
			break;
		case 2:
			r->req_prod = take(&in, 4);
			break;
		case 3:
			r->req_cons = take(&in, 4); /* the server's index, written by the guest */
			break;
		case 4:
			r->rsp_cons = take(&in, 4);
			break;
		case 5:
			r->rsp_prod = take(&in, 4);
			break;
		case 6: /* the guest reads every reply */
			r->rsp_cons = r->rsp_prod;
			break;
		case 7: /* the guest stops reading: its rsp[] full */
			r->rsp_cons = r->rsp_prod - RING;
			break;
		case 8: { /* any byte of the page */
			uint32_t off = take(&in, 2) % PAGE_SIZE;
			vd->xs.ring.host[off] = (uint8_t)take(&in, 1);
			break;
		}
		case 9: { /* the toolstack writes under the shared directory: events */
			char path[96];
			snprintf(path, sizeof(path), "%s/t%u", shared, take(&in, 1) % 8);
			(void)xenstore__tool_write(&vmm, path, "v", 1);
			break;
		}
		case 10:
			fake_ms += take(&in, 2) * 16u; /* up to ~17 min */
			break;
		case 11: /* the backend thread's timed round */
			if (xenstore__backend.deadline(vd) && xenstore__backend.deadline(vd) <= fake_ms)
				serve(vd);
			break;
		default:
			serve(vd);
			break;
		}
	}
	serve(d[0]);
	serve(d[1]);
	vmm_domain__free(d[1]);
	vmm_domain__free(d[0]);
	return 0;
}
