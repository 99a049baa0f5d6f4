/* The grant-table tests' shared layer; see gt_test.h. */
#include <string.h>

#include "gt_test.h"

struct gt_rec gt_rec;

static int cb_map(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
		  bool readonly, void *ctx)
{
	(void)ctx;
	gt_rec.maps++;
	gt_rec.last_map = (struct cb_call){ mapper->id, granter->id, gpa_val(at), gfn_val(frame),
					 readonly };
	return gt_rec.map_ret;
}

static int cb_unmap(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
		    void *ctx)
{
	(void)ctx;
	gt_rec.unmaps++;
	gt_rec.last_unmap = (struct cb_call){ mapper->id, granter->id, gpa_val(at), gfn_val(frame),
					   false };
	return gt_rec.unmap_ret;
}

struct harness *gt_world(void)
{
	struct harness *h = harness__new();
	h->hv.ops.map_grant = cb_map;
	h->hv.ops.unmap_grant = cb_unmap;
	memset(&gt_rec, 0, sizeof(gt_rec));
	return h;
}

struct domain *gt_dom(struct harness *h, const char *name, unsigned flags,
		      unsigned max_frames, unsigned max_maptrack)
{
	const struct domain_config cfg = {
		.name = name, .nr_vcpus = 1, .flags = flags | DOMAIN_FASTABI,
		.max_grant_frames = max_frames, .max_maptrack = max_maptrack,
	};
	return harness__domain_cfg(h, &cfg, RAM_MIB);
}

struct harness *gt_pair(struct domain **a, struct domain **b)
{
	struct harness *h = gt_world();
	*a = gt_dom(h, "a", 0, 0, 0);
	*b = gt_dom(h, "b", 0, 0, 0);
	return h;
}

grant_entry_v1_t *gt_e1(struct domain *d, grant_ref_t ref)
{
	return (grant_entry_v1_t *)gnttab__frame(d, ref / GNTTAB_V1_PER_FRAME) +
	       ref % GNTTAB_V1_PER_FRAME;
}

grant_entry_v2_t *gt_e2(struct domain *d, grant_ref_t ref)
{
	return (grant_entry_v2_t *)gnttab__frame(d, ref / GNTTAB_V2_PER_FRAME) +
	       ref % GNTTAB_V2_PER_FRAME;
}

void gt_grant1(struct domain *d, grant_ref_t ref, uint16_t flags, domid_t to, uint32_t frame)
{
	grant_entry_v1_t *e = gt_e1(d, ref);
	e->frame = frame;
	e->domid = to;
	__atomic_store_n(&e->flags, flags, __ATOMIC_SEQ_CST);
}

uint16_t gt_flags1(struct domain *d, grant_ref_t ref)
{
	return __atomic_load_n(&gt_e1(d, ref)->flags, __ATOMIC_SEQ_CST);
}

void gt_grant2(struct domain *d, grant_ref_t ref, uint16_t flags, domid_t to, uint64_t frame)
{
	grant_entry_v2_t *e = gt_e2(d, ref);
	e->full_page.frame = frame;
	e->hdr.domid = to;
	__atomic_store_n(&e->hdr.flags, flags, __ATOMIC_SEQ_CST);
}

void gt_grant2_sub(struct domain *d, grant_ref_t ref, uint16_t flags, domid_t to,
		   uint64_t frame, uint16_t off, uint16_t len)
{
	grant_entry_v2_t *e = gt_e2(d, ref);
	e->sub_page.frame = frame;
	e->sub_page.page_off = off;
	e->sub_page.length = len;
	e->hdr.domid = to;
	__atomic_store_n(&e->hdr.flags, flags | GTF_sub_page, __ATOMIC_SEQ_CST);
}

uint16_t gt_status2(struct domain *d, grant_ref_t ref)
{
	grant_status_t *s = gnttab__status_frame(d, ref / GNTTAB_STATUS_PER_FRAME);
	return __atomic_load_n(&s[ref % GNTTAB_STATUS_PER_FRAME], __ATOMIC_SEQ_CST);
}

uint8_t *gt_page(struct harness *h, struct domain *d, uint64_t frame)
{
	return harness__host(h, d, frame << PAGE_SHIFT);
}

void gt_fill(uint8_t *p, uint8_t seed)
{
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

struct map_res gt_map(struct harness *h, struct domain *d, enum abi abi, domid_t from,
		      uint64_t at, uint32_t flags, grant_ref_t ref)
{
	struct hv_vcpu *v = &d->vcpus[0];
	struct map_res r = { 0 };

	if (abi == ABI_FAST) {
		struct harness_result res;
		r.ret = hfast_res(&res, v, GT, GNTTABOP_map_grant_ref, from, at, flags, ref, 0x6666,
				  0x7777);
		if (r.ret == 0) {
			r.handle = (grant_handle_t)harness__reg(&res.regs, 6);
			r.status = (int16_t)harness__reg(&res.regs, 7);
			assert_int_equal(harness__reg(&res.regs, 7), (uint64_t)(int64_t)r.status);
		}
		return r;
	}
	uint64_t va;
	struct gnttab_map_grant_ref *op = harness__alloc(h, d, sizeof(*op), &va);
	*op = (struct gnttab_map_grant_ref){ .host_addr = at, .flags = flags, .ref = ref,
					     .dom = from, .status = 99, .handle = 0x1234 };
	r.ret = hcall_leg(abi, v, GT, GNTTABOP_map_grant_ref, va, 1);
	r.status = op->status;
	r.handle = op->handle;
	/* The inputs are the guest's: never written. */
	assert_int_equal(op->host_addr, at);
	assert_int_equal(op->ref, ref);
	return r;
}

struct map_res gt_unmap(struct harness *h, struct domain *d, enum abi abi, uint64_t at,
			grant_handle_t handle)
{
	struct hv_vcpu *v = &d->vcpus[0];
	struct map_res r = { 0 };

	if (abi == ABI_FAST) {
		struct harness_result res;
		r.ret = hfast_res(&res, v, GT, GNTTABOP_unmap_grant_ref, 0x2222, at, 0x4444, 0x5555,
				  handle, 0x7777);
		if (r.ret == 0)
			r.status = (int16_t)harness__reg(&res.regs, 7);
		return r;
	}
	uint64_t va;
	struct gnttab_unmap_grant_ref *op = harness__alloc(h, d, sizeof(*op), &va);
	*op = (struct gnttab_unmap_grant_ref){ .host_addr = at, .handle = handle, .status = 99 };
	r.ret = hcall_leg(abi, v, GT, GNTTABOP_unmap_grant_ref, va, 1);
	r.status = op->status;
	return r;
}

/* The members the 64-bit and the i386 gnttab_copy share by name; 'frame' names the ref/frame. */
#define COPY_FILL(op, frame, src, dst, len_, flags_)           \
	do {                                                   \
		(op)->source.frame = (src).ref_or_frame;       \
		(op)->source.domid = (src).domid;              \
		(op)->source.offset = (src).offset;            \
		(op)->dest.frame = (dst).ref_or_frame;         \
		(op)->dest.domid = (dst).domid;                \
		(op)->dest.offset = (dst).offset;              \
		(op)->len = (len_);                            \
		(op)->flags = (flags_);                        \
	} while (0)

/* One copy; returns the hypercall's result, *status the op's. */
int64_t gt_copy(struct harness *h, struct domain *d, enum abi abi, struct side src,
		struct side dst, uint16_t len, uint16_t flags, int16_t *status)
{
	struct hv_vcpu *v = &d->vcpus[0];
	int64_t ret;

	*status = 99;
	if (abi == ABI_FAST) {
		struct harness_result res;
		ret = hfast_res(&res, v, GT, GNTTABOP_copy, src.ref_or_frame,
				src.domid | (uint64_t)src.offset << 16, dst.ref_or_frame,
				dst.domid | (uint64_t)dst.offset << 16, len | (uint64_t)flags << 16,
				0x7777);
		if (ret == 0)
			*status = (int16_t)harness__reg(&res.regs, 7);
		return ret;
	}
	uint64_t va;
	if (abi == ABI_LEG64) {
		struct gnttab_copy *op = harness__alloc(h, d, sizeof(*op), &va);
		COPY_FILL(op, u.gmfn, src, dst, len, flags);
		ret = hleg64(v, GT, GNTTABOP_copy, va, 1);
		*status = op->status;
		return ret;
	}
	struct compat_copy *op = harness__alloc(h, d, sizeof(*op), &va);
	COPY_FILL(op, ref_or_gmfn, src, dst, len, flags);
	ret = hleg32(v, GT, GNTTABOP_copy, va, 1);
	*status = op->status;
	return ret;
}

int16_t gt_copy_ok(struct harness *h, struct domain *d, enum abi abi, struct side src,
		   struct side dst, uint16_t len, uint16_t flags)
{
	int16_t st;
	assert_int_equal(gt_copy(h, d, abi, src, dst, len, flags, &st), 0);
	return st;
}

int64_t gt_query_size(struct harness *h, struct domain *d, enum abi abi, domid_t of,
		      uint32_t *nr, uint32_t *max)
{
	struct hv_vcpu *v = &d->vcpus[0];
	int64_t ret;

	if (abi == ABI_FAST) {
		struct harness_result res;
		/* FastABI names no domain: 'of' is not passed. */
		ret = hfast_res(&res, v, GT, GNTTABOP_query_size, 0x2222, 0x3333);
		if (ret == 0) {
			*nr = (uint32_t)harness__reg(&res.regs, 2);
			*max = (uint32_t)harness__reg(&res.regs, 3);
		}
		return ret;
	}
	uint64_t va;
	struct gnttab_query_size *op = harness__alloc(h, d, sizeof(*op), &va);
	op->dom = of;
	ret = hcall_leg(abi, v, GT, GNTTABOP_query_size, va, 1);
	if (ret == 0) {
		assert_int_equal(op->status, GNTST_okay);
		*nr = op->nr_frames;
		*max = op->max_nr_frames;
	}
	return ret;
}

int64_t gt_set_version(struct harness *h, struct domain *d, enum abi abi, uint32_t version)
{
	struct hv_vcpu *v = &d->vcpus[0];
	if (abi == ABI_FAST)
		return hfast(v, GT, GNTTABOP_set_version, version);
	uint64_t va;
	struct gnttab_set_version *op = harness__alloc(h, d, sizeof(*op), &va);
	op->version = version;
	int64_t ret = hcall_leg(abi, v, GT, GNTTABOP_set_version, va, 1);
	/* Xen writes back the version in force, success or not. */
	assert_int_equal(op->version, d->gnttab->version);
	return ret;
}

int64_t gt_get_version(struct harness *h, struct domain *d, enum abi abi, domid_t of,
		       uint32_t *version)
{
	struct hv_vcpu *v = &d->vcpus[0];
	int64_t ret;
	if (abi == ABI_FAST) {
		struct harness_result res;
		ret = hfast_res(&res, v, GT, GNTTABOP_get_version, 0x2222);
		if (ret == 0)
			*version = (uint32_t)harness__reg(&res.regs, 2);
		return ret;
	}
	uint64_t va;
	struct gnttab_get_version *op = harness__alloc(h, d, sizeof(*op), &va);
	op->dom = of;
	ret = hcall_leg(abi, v, GT, GNTTABOP_get_version, va, 1);
	if (ret == 0)
		*version = op->version;
	return ret;
}

struct gnttab_setup_table *gt_setup_table(struct harness *h, struct domain *d, domid_t dom,
					  uint32_t nr, uint64_t list, uint64_t *va)
{
	struct gnttab_setup_table *op = harness__alloc(h, d, sizeof(*op), va);
	op->dom = dom;
	op->nr_frames = nr;
	set_xen_guest_handle(op->frame_list, (xen_pfn_t *)(uintptr_t)list);
	return op;
}

struct compat_setup_table *gt_setup_table32(struct harness *h, struct domain *d, domid_t dom,
					    uint32_t nr, uint64_t list, uint64_t *va)
{
	struct compat_setup_table *op = harness__alloc(h, d, sizeof(*op), va);
	op->dom = dom;
	op->nr_frames = nr;
	op->frame_list = (uint32_t)list;
	return op;
}
