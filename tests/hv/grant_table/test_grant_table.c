/*
 * Grant tables: two domains granting, mapping and copying through FastABI
 * (registers and batches) and the legacy ABI (64-bit and 32-bit, arrays with
 * continuation), v1 and v2 entries, the busy-bit protocol, limits, and
 * hostile inputs. Most tests run once per ABI on a fresh world and expect
 * the same results from each.
 */
#include <pthread.h>
#include <string.h>

#include "harness.h"

#include <xen/errno.h>
#include <xen/grant_table.h>
#include <xen/memory.h>

#include "grant_table.h"

#define GT __HYPERVISOR_grant_table_op
#define RAM_MIB 16
/* Frames the tests grant or copy through: well above the harness's scratch area. */
#define FRAME(n) (0x800ull + (n))
/* Where mappers put grants: beyond RAM (a non-fixed domain has nothing there). */
#define MAP_AT(n) (0x100000000ull + (uint64_t)(n) * PAGE_SIZE)
/* The same for a fixed-layout domain, whose special pages start at 4 GiB. */
#define FAR_AT(n) (0x300000000ull + (uint64_t)(n) * PAGE_SIZE)

enum abi { FAST, LEG64, LEG32 };
static const enum abi abis[] = { FAST, LEG64, LEG32 };
#define NR_ABIS (sizeof(abis) / sizeof(abis[0]))
static const char *const abi_name[] = { "fast", "legacy64", "legacy32" };

/* ---- what the VMM callbacks saw ---- */

struct cb_call {
	domid_t mapper, granter;
	uint64_t at, frame;
	bool readonly;
};

static struct {
	unsigned maps, unmaps;
	struct cb_call last_map, last_unmap;
	int map_ret, unmap_ret;
} rec;

static int cb_map(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
		  bool readonly, void *ctx)
{
	(void)ctx;
	rec.maps++;
	rec.last_map = (struct cb_call){ mapper->id, granter->id, gpa_val(at), gfn_val(frame),
					 readonly };
	return rec.map_ret;
}

static int cb_unmap(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
		    void *ctx)
{
	(void)ctx;
	rec.unmaps++;
	rec.last_unmap = (struct cb_call){ mapper->id, granter->id, gpa_val(at), gfn_val(frame),
					   false };
	return rec.unmap_ret;
}

static struct harness *world(void)
{
	struct harness *h = harness__new();
	h->hv.ops.map_grant = cb_map;
	h->hv.ops.unmap_grant = cb_unmap;
	memset(&rec, 0, sizeof(rec));
	return h;
}

static struct domain *dom(struct harness *h, const char *name, unsigned flags,
			  unsigned max_frames, unsigned max_maptrack)
{
	const struct domain_config cfg = {
		.name = name, .nr_vcpus = 1, .flags = flags | DOMAIN_FASTABI,
		.max_grant_frames = max_frames, .max_maptrack = max_maptrack,
	};
	return harness__domain_cfg(h, &cfg, RAM_MIB);
}

/* ---- the granter's side: entries as a guest writes them ---- */

static grant_entry_v1_t *e1(struct domain *d, grant_ref_t ref)
{
	return (grant_entry_v1_t *)gnttab__frame(d, ref / GNTTAB_V1_PER_FRAME) +
	       ref % GNTTAB_V1_PER_FRAME;
}

static grant_entry_v2_t *e2(struct domain *d, grant_ref_t ref)
{
	return (grant_entry_v2_t *)gnttab__frame(d, ref / GNTTAB_V2_PER_FRAME) +
	       ref % GNTTAB_V2_PER_FRAME;
}

static void grant1(struct domain *d, grant_ref_t ref, uint16_t flags, domid_t to, uint32_t frame)
{
	grant_entry_v1_t *e = e1(d, ref);
	e->frame = frame;
	e->domid = to;
	__atomic_store_n(&e->flags, flags, __ATOMIC_SEQ_CST);
}

static uint16_t flags1(struct domain *d, grant_ref_t ref)
{
	return __atomic_load_n(&e1(d, ref)->flags, __ATOMIC_SEQ_CST);
}

static void grant2(struct domain *d, grant_ref_t ref, uint16_t flags, domid_t to, uint64_t frame)
{
	grant_entry_v2_t *e = e2(d, ref);
	e->full_page.frame = frame;
	e->hdr.domid = to;
	__atomic_store_n(&e->hdr.flags, flags, __ATOMIC_SEQ_CST);
}

static void grant2_sub(struct domain *d, grant_ref_t ref, uint16_t flags, domid_t to,
		       uint64_t frame, uint16_t off, uint16_t len)
{
	grant_entry_v2_t *e = e2(d, ref);
	e->sub_page.frame = frame;
	e->sub_page.page_off = off;
	e->sub_page.length = len;
	e->hdr.domid = to;
	__atomic_store_n(&e->hdr.flags, flags | GTF_sub_page, __ATOMIC_SEQ_CST);
}

static uint16_t status2(struct domain *d, grant_ref_t ref)
{
	grant_status_t *s = gnttab__status_frame(d, ref / GNTTAB_STATUS_PER_FRAME);
	return __atomic_load_n(&s[ref % GNTTAB_STATUS_PER_FRAME], __ATOMIC_SEQ_CST);
}

static uint8_t *page(struct harness *h, struct domain *d, uint64_t frame)
{
	return harness__host(h, d, frame << PAGE_SHIFT);
}

/* ---- the operations, through any ABI ---- */

struct map_res {
	int64_t ret;
	int16_t status;
	grant_handle_t handle;
};

static struct map_res map(struct harness *h, struct domain *d, enum abi abi, domid_t from,
			  uint64_t at, uint32_t flags, grant_ref_t ref)
{
	struct hv_vcpu *v = &d->vcpus[0];
	struct map_res r = { 0 };

	if (abi == FAST) {
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
	r.ret = abi == LEG64 ? hleg64(v, GT, GNTTABOP_map_grant_ref, va, 1) :
			       hleg32(v, GT, GNTTABOP_map_grant_ref, va, 1);
	r.status = op->status;
	r.handle = op->handle;
	/* The inputs are the guest's: never written. */
	assert_int_equal(op->host_addr, at);
	assert_int_equal(op->ref, ref);
	return r;
}

static struct map_res unmap(struct harness *h, struct domain *d, enum abi abi, uint64_t at,
			    grant_handle_t handle)
{
	struct hv_vcpu *v = &d->vcpus[0];
	struct map_res r = { 0 };

	if (abi == FAST) {
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
	r.ret = abi == LEG64 ? hleg64(v, GT, GNTTABOP_unmap_grant_ref, va, 1) :
			       hleg32(v, GT, GNTTABOP_unmap_grant_ref, va, 1);
	r.status = op->status;
	return r;
}

struct compat_copy {
	struct {
		uint32_t ref_or_gmfn;
		domid_t domid;
		uint16_t offset;
	} source, dest;
	uint16_t len, flags;
	int16_t status;
};

struct side {
	uint64_t ref_or_frame;
	domid_t domid;
	uint16_t offset;
};

/* One copy; returns the hypercall's result, *status the op's. */
static int64_t copy(struct harness *h, struct domain *d, enum abi abi, struct side src,
		    struct side dst, uint16_t len, uint16_t flags, int16_t *status)
{
	struct hv_vcpu *v = &d->vcpus[0];
	int64_t ret;

	*status = 99;
	if (abi == FAST) {
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
	if (abi == LEG64) {
		struct gnttab_copy *op = harness__alloc(h, d, sizeof(*op), &va);
		op->source.u.gmfn = src.ref_or_frame;
		op->source.domid = src.domid;
		op->source.offset = src.offset;
		op->dest.u.gmfn = dst.ref_or_frame;
		op->dest.domid = dst.domid;
		op->dest.offset = dst.offset;
		op->len = len;
		op->flags = flags;
		ret = hleg64(v, GT, GNTTABOP_copy, va, 1);
		*status = op->status;
		return ret;
	}
	struct compat_copy *op = harness__alloc(h, d, sizeof(*op), &va);
	op->source.ref_or_gmfn = (uint32_t)src.ref_or_frame;
	op->source.domid = src.domid;
	op->source.offset = src.offset;
	op->dest.ref_or_gmfn = (uint32_t)dst.ref_or_frame;
	op->dest.domid = dst.domid;
	op->dest.offset = dst.offset;
	op->len = len;
	op->flags = flags;
	ret = hleg32(v, GT, GNTTABOP_copy, va, 1);
	*status = op->status;
	return ret;
}

static int16_t copy_ok(struct harness *h, struct domain *d, enum abi abi, struct side src,
		       struct side dst, uint16_t len, uint16_t flags)
{
	int16_t st;
	assert_int_equal(copy(h, d, abi, src, dst, len, flags, &st), 0);
	return st;
}

static int64_t query_size(struct harness *h, struct domain *d, enum abi abi, domid_t of,
			  uint32_t *nr, uint32_t *max)
{
	struct hv_vcpu *v = &d->vcpus[0];
	int64_t ret;

	if (abi == FAST) {
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
	ret = abi == LEG64 ? hleg64(v, GT, GNTTABOP_query_size, va, 1) :
			     hleg32(v, GT, GNTTABOP_query_size, va, 1);
	if (ret == 0) {
		assert_int_equal(op->status, GNTST_okay);
		*nr = op->nr_frames;
		*max = op->max_nr_frames;
	}
	return ret;
}

static int64_t set_version(struct harness *h, struct domain *d, enum abi abi, uint32_t version)
{
	struct hv_vcpu *v = &d->vcpus[0];
	if (abi == FAST)
		return hfast(v, GT, GNTTABOP_set_version, version);
	uint64_t va;
	struct gnttab_set_version *op = harness__alloc(h, d, sizeof(*op), &va);
	op->version = version;
	int64_t ret = abi == LEG64 ? hleg64(v, GT, GNTTABOP_set_version, va, 1) :
				     hleg32(v, GT, GNTTABOP_set_version, va, 1);
	/* Xen writes back the version in force, success or not. */
	assert_int_equal(op->version, d->gnttab->version);
	return ret;
}

static int64_t get_version(struct harness *h, struct domain *d, enum abi abi, domid_t of,
			   uint32_t *version)
{
	struct hv_vcpu *v = &d->vcpus[0];
	int64_t ret;
	if (abi == FAST) {
		struct harness_result res;
		ret = hfast_res(&res, v, GT, GNTTABOP_get_version, 0x2222);
		if (ret == 0)
			*version = (uint32_t)harness__reg(&res.regs, 2);
		return ret;
	}
	uint64_t va;
	struct gnttab_get_version *op = harness__alloc(h, d, sizeof(*op), &va);
	op->dom = of;
	ret = abi == LEG64 ? hleg64(v, GT, GNTTABOP_get_version, va, 1) :
			     hleg32(v, GT, GNTTABOP_get_version, va, 1);
	if (ret == 0)
		*version = op->version;
	return ret;
}

/* ---- query_size, set_version, get_version ---- */

static void test_size_and_version(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		struct harness *h = world();
		/* domain 0: its FastABI call (dom 0) is its own table either way. */
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *f = dom(h, "f", DOMAIN_FIXED_LAYOUT, 8, 0);
		uint32_t nr = 0, max = 0, ver = 0;

		assert_int_equal(query_size(h, a, abi, DOMID_SELF, &nr, &max), 0);
		assert_int_equal(nr, 1);
		assert_int_equal(max, GNTTAB_DEFAULT_MAX_FRAMES);
		/* The fixed layout places every frame: the whole table is in use. */
		if (abi != FAST) {
			assert_int_equal(query_size(h, f, abi, DOMID_SELF, &nr, &max), 0);
			assert_int_equal(nr, 8);
			assert_int_equal(max, 8);
		}

		assert_int_equal(get_version(h, a, abi, DOMID_SELF, &ver), 0);
		assert_int_equal(ver, 1);
		assert_int_equal(set_version(h, a, abi, 2), 0);
		assert_int_equal(get_version(h, a, abi, DOMID_SELF, &ver), 0);
		assert_int_equal(ver, 2);
		assert_int_equal(set_version(h, a, abi, 2), 0); /* same version: nothing to do */
		assert_int_equal(set_version(h, a, abi, 0), -XEN_EINVAL);
		assert_int_equal(set_version(h, a, abi, 3), -XEN_EINVAL);
		assert_int_equal(a->gnttab->version, 2);
		assert_int_equal(set_version(h, a, abi, 1), 0);
		assert_int_equal(get_version(h, a, abi, DOMID_SELF, &ver), 0);
		assert_int_equal(ver, 1);
		if (abi == FAST) /* a version above 32 bits never reaches the core */
			assert_int_equal(hfast(&a->vcpus[0], GT, GNTTABOP_set_version, 1ull << 32),
					 -XEN_EINVAL);
		harness__free(h);
	}
}

static void test_size_other_domain(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", DOMAIN_PRIVILEGED, 4, 0);
	struct domain *b = dom(h, "b", 0, 0, 0);
	uint32_t nr, max, ver;

	for (unsigned i = 1; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		/* An unprivileged domain names only itself; domain 0 is not "self". */
		assert_int_equal(query_size(h, b, abi, 0, &nr, &max), -XEN_EPERM);
		assert_int_equal(get_version(h, b, abi, 0, &ver), -XEN_EPERM);
		assert_int_equal(query_size(h, b, abi, 1, &nr, &max), 0);
		assert_int_equal(max, GNTTAB_DEFAULT_MAX_FRAMES);
		assert_int_equal(query_size(h, b, abi, DOMID_SELF, &nr, &max), 0);
		/* A privileged one may look at others; a missing one is ESRCH. */
		assert_int_equal(query_size(h, a, abi, 1, &nr, &max), 0);
		assert_int_equal(max, GNTTAB_DEFAULT_MAX_FRAMES);
		assert_int_equal(query_size(h, a, abi, 9, &nr, &max), -XEN_ESRCH);
		assert_int_equal(get_version(h, a, abi, 1, &ver), 0);
		assert_int_equal(get_version(h, a, abi, 9, &ver), -XEN_ESRCH);
	}
	/* The legacy struct tells why, too. */
	uint64_t va;
	struct gnttab_query_size *op = harness__alloc(h, b, sizeof(*op), &va);
	op->dom = 0;
	assert_int_equal(hleg64(&b->vcpus[0], GT, GNTTABOP_query_size, va, 1), -XEN_EPERM);
	assert_int_equal(op->status, GNTST_permission_denied);

	/*
	 * FastABI passes no domain: the spec (c_lang.fixed) has the decoder set
	 * DOMID_SELF, so a domU always gets its own table, whatever it leaves
	 * in the registers, and never domain 0's.
	 */
	assert_int_equal(query_size(h, b, FAST, 0, &nr, &max), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(max, GNTTAB_DEFAULT_MAX_FRAMES);
	assert_int_equal(get_version(h, b, FAST, 0, &ver), 0);
	assert_int_equal(ver, 1);
	/* And the privileged domain gets its own (max 4 frames), not domain 1's. */
	assert_int_equal(query_size(h, a, FAST, 0, &nr, &max), 0);
	assert_int_equal(max, 4);
	harness__free(h);
}

/* ---- map and unmap ---- */

static void test_map_unmap_v1(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *b = dom(h, "b", 0, 0, 0);

		grant1(a, 10, GTF_permit_access, b->id, FRAME(1));
		struct map_res m = map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 10);
		assert_int_equal(m.ret, 0);
		assert_int_equal(m.status, GNTST_okay);
		assert_int_not_equal(m.handle, GNTTAB_INVALID_HANDLE);
		/* Busy while mapped: the granter cannot quietly revoke it. */
		assert_int_equal(flags1(a, 10), GTF_permit_access | GTF_reading | GTF_writing);
		/* The VMM was told what to map where. */
		assert_int_equal(rec.maps, 1);
		assert_int_equal(rec.last_map.mapper, b->id);
		assert_int_equal(rec.last_map.granter, a->id);
		assert_int_equal(rec.last_map.at, MAP_AT(0));
		assert_int_equal(rec.last_map.frame, FRAME(1));
		assert_false(rec.last_map.readonly);
		assert_int_equal(b->gnttab->maptrack_used, 1);

		/* Unmap needs the handle and the address it was mapped at. */
		assert_int_equal(unmap(h, b, abi, MAP_AT(1), m.handle).status, GNTST_bad_virt_addr);
		assert_int_equal(unmap(h, b, abi, MAP_AT(0), m.handle + 1).status, GNTST_bad_handle);
		assert_int_equal(unmap(h, b, abi, MAP_AT(0), 0xffffffffu).status, GNTST_bad_handle);
		/* The granter cannot unmap the grantee's handle. */
		assert_int_equal(unmap(h, a, abi, MAP_AT(0), m.handle).status, GNTST_bad_handle);
		assert_int_equal(rec.unmaps, 0);
		struct map_res u = unmap(h, b, abi, MAP_AT(0), m.handle);
		assert_int_equal(u.ret, 0);
		assert_int_equal(u.status, GNTST_okay);
		assert_int_equal(flags1(a, 10), GTF_permit_access);
		assert_int_equal(rec.unmaps, 1);
		assert_int_equal(rec.last_unmap.mapper, b->id);
		assert_int_equal(rec.last_unmap.at, MAP_AT(0));
		assert_int_equal(rec.last_unmap.frame, FRAME(1));
		assert_int_equal(unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_bad_handle);
		assert_int_equal(b->gnttab->maptrack_used, 0);
		assert_int_equal(a->gnttab->nr_pinned, 0);
		harness__free(h);
	}
}

static void test_map_readonly(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *b = dom(h, "b", 0, 0, 0);

		grant1(a, 3, GTF_permit_access | GTF_readonly, b->id, FRAME(2));
		struct map_res m = map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 3);
		assert_int_equal(m.status, GNTST_general_error);
		assert_int_equal(m.handle, GNTTAB_INVALID_HANDLE);
		assert_int_equal(flags1(a, 3), GTF_permit_access | GTF_readonly);
		assert_int_equal(rec.maps, 0);

		m = map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map | GNTMAP_readonly, 3);
		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(flags1(a, 3), GTF_permit_access | GTF_readonly | GTF_reading);
		assert_true(rec.last_map.readonly);

		/* Two holds of one grant: the busy bits follow the holds. */
		grant1(a, 4, GTF_permit_access, b->id, FRAME(3));
		struct map_res ro = map(h, b, abi, a->id, MAP_AT(1), GNTMAP_host_map | GNTMAP_readonly, 4);
		assert_int_equal(ro.status, GNTST_okay);
		assert_int_equal(flags1(a, 4), GTF_permit_access | GTF_reading);
		struct map_res rw = map(h, b, abi, a->id, MAP_AT(2), GNTMAP_host_map, 4);
		assert_int_equal(rw.status, GNTST_okay);
		assert_int_equal(flags1(a, 4), GTF_permit_access | GTF_reading | GTF_writing);
		assert_int_equal(unmap(h, b, abi, MAP_AT(2), rw.handle).status, GNTST_okay);
		assert_int_equal(flags1(a, 4), GTF_permit_access | GTF_reading);
		assert_int_equal(unmap(h, b, abi, MAP_AT(1), ro.handle).status, GNTST_okay);
		assert_int_equal(flags1(a, 4), GTF_permit_access);
		assert_int_equal(unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
		assert_int_equal(flags1(a, 3), GTF_permit_access | GTF_readonly);
		harness__free(h);
	}
}

static void test_map_refused(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *b = dom(h, "b", 0, 0, 0);
		struct domain *f = dom(h, "f", DOMAIN_FIXED_LAYOUT, 0, 0);
		const uint32_t hm = GNTMAP_host_map;

		grant1(a, 1, GTF_permit_access, 5, FRAME(1));           /* granted to another domain */
		grant1(a, 2, 0, b->id, FRAME(1));                       /* revoked */
		grant1(a, 3, GTF_accept_transfer, b->id, FRAME(1));     /* not access */
		grant1(a, 4, GTF_transitive, b->id, FRAME(1));          /* transitive: never mapped */
		grant1(a, 5, GTF_permit_access, b->id, 0x7fffffff);     /* not the granter's RAM */
		grant1(a, 6, GTF_permit_access, b->id, FRAME(1));       /* good */
		grant1(f, 7, GTF_permit_access, b->id, FRAME(1));

		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm, 1).status, GNTST_general_error);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm, 2).status, GNTST_general_error);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm, 3).status, GNTST_general_error);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm, 4).status, GNTST_general_error);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm, 5).status, GNTST_bad_page);
		assert_int_equal(flags1(a, 5), GTF_permit_access); /* nothing left behind */
		/* Refs beyond the table in use (1 frame of 512 entries). */
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm, 512).status, GNTST_bad_gntref);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm, 0xffffffffu).status,
				 GNTST_bad_gntref);
		/* Domains that do not exist. */
		assert_int_equal(map(h, b, abi, 9, MAP_AT(0), hm, 6).status, GNTST_bad_domain);
		assert_int_equal(map(h, b, abi, DOMID_IO, MAP_AT(0), hm, 6).status, GNTST_bad_domain);
		/* Flags: a map maps something; no PV PTE updates; no unknown bits. */
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), 0, 6).status, GNTST_bad_gntref);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm | GNTMAP_contains_pte, 6).status,
				 GNTST_general_error);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm | (1u << 9), 6).status,
				 GNTST_general_error);
		/* Addresses: page aligned, below MAXPHYADDR, not over a special page. */
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0) + 8, hm, 6).status,
				 GNTST_bad_virt_addr);
		assert_int_equal(map(h, b, abi, a->id, 1ull << 52, hm, 6).status, GNTST_bad_virt_addr);
		uint64_t si = gpa_val(gfn_to_gpa(f->shared_info_gfn));
		assert_int_equal(map(h, f, abi, f->id, si, hm, 7).status, GNTST_bad_virt_addr);
		gfn_t g0;
		assert_true(gnttab__frame_gfn(f, false, 0, &g0));
		assert_int_equal(map(h, f, abi, f->id, gpa_val(gfn_to_gpa(g0)), hm, 7).status,
				 GNTST_bad_virt_addr);
		assert_int_equal(rec.maps, 0);

		/* One address holds one mapping. */
		struct map_res m = map(h, b, abi, a->id, MAP_AT(0), hm, 6);
		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), hm, 6).status, GNTST_bad_virt_addr);
		/* A grant held by b cannot be taken by someone else meanwhile. */
		grant1(a, 6, GTF_permit_access | GTF_reading | GTF_writing, f->id, FRAME(1));
		assert_int_equal(map(h, f, abi, a->id, FAR_AT(5), hm, 6).status, GNTST_general_error);
		grant1(a, 6, GTF_permit_access | GTF_reading | GTF_writing, b->id, FRAME(1));

		/* The VMM may refuse a mapping: the guest sees its status, nothing is kept. */
		rec.map_ret = GNTST_no_device_space;
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(1), hm, 6).status,
				 GNTST_no_device_space);
		rec.map_ret = 12345;
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(1), hm, 6).status, GNTST_general_error);
		rec.map_ret = 0;
		assert_int_equal(b->gnttab->maptrack_used, 1);
		/* ... and an unmap: the mapping stays until it works. */
		rec.unmap_ret = GNTST_general_error;
		assert_int_equal(unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_general_error);
		rec.unmap_ret = 0;
		assert_int_equal(flags1(a, 6), GTF_permit_access | GTF_reading | GTF_writing);
		assert_int_equal(unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
		assert_int_equal(flags1(a, 6), GTF_permit_access);
		harness__free(h);
	}
}

static void test_map_self_and_device(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);

	/* A domain may map its own grant (to itself), by DOMID_SELF or its id. */
	grant1(a, 8, GTF_permit_access, a->id, FRAME(4));
	struct map_res m = map(h, a, LEG64, DOMID_SELF, MAP_AT(0), GNTMAP_host_map, 8);
	assert_int_equal(m.status, GNTST_okay);
	struct map_res m2 = map(h, a, FAST, a->id, MAP_AT(1), GNTMAP_host_map, 8);
	assert_int_equal(m2.status, GNTST_okay);

	/* GNTMAP_device_map reports the bus address (the GPA it shows at). */
	uint64_t va;
	struct gnttab_map_grant_ref *op = harness__alloc(h, a, sizeof(*op), &va);
	*op = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(2), .ref = 8, .dom = DOMID_SELF,
					     .flags = GNTMAP_host_map | GNTMAP_device_map };
	assert_int_equal(hleg64(&a->vcpus[0], GT, GNTTABOP_map_grant_ref, va, 1), 0);
	assert_int_equal(op->status, GNTST_okay);
	assert_int_equal(op->dev_bus_addr, MAP_AT(2));
	struct gnttab_unmap_grant_ref *u = harness__alloc(h, a, sizeof(*u), &va);
	*u = (struct gnttab_unmap_grant_ref){ .host_addr = MAP_AT(2), .handle = op->handle,
					      .dev_bus_addr = MAP_AT(3) };
	assert_int_equal(hleg64(&a->vcpus[0], GT, GNTTABOP_unmap_grant_ref, va, 1), 0);
	assert_int_equal(u->status, GNTST_bad_dev_addr);
	u->dev_bus_addr = MAP_AT(2);
	assert_int_equal(hleg64(&a->vcpus[0], GT, GNTTABOP_unmap_grant_ref, va, 1), 0);
	assert_int_equal(u->status, GNTST_okay);

	assert_int_equal(unmap(h, a, FAST, MAP_AT(0), m.handle).status, GNTST_okay);
	assert_int_equal(unmap(h, a, LEG32, MAP_AT(1), m2.handle).status, GNTST_okay);
	assert_int_equal(flags1(a, 8), GTF_permit_access);
	harness__free(h);
}

static void test_map_v2(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *b = dom(h, "b", 0, 0, 0);

		assert_int_equal(set_version(h, a, abi, 2), 0);
		grant2(a, 300, GTF_permit_access, b->id, FRAME(7));
		/* v2 has 256 entries a frame: 300 is beyond the one frame in use. */
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 300).status,
				 GNTST_bad_gntref);
		grant2(a, 200, GTF_permit_access, b->id, FRAME(7));
		struct map_res m = map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 200);
		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(rec.last_map.frame, FRAME(7));
		/* Busy bits in the status frame; the entry itself is the guest's. */
		assert_int_equal(status2(a, 200), GTF_reading | GTF_writing);
		assert_int_equal(e2(a, 200)->hdr.flags, GTF_permit_access);
		/* No version change while a grant is held. */
		assert_int_equal(set_version(h, a, abi, 1), -XEN_EBUSY);
		assert_int_equal(a->gnttab->version, 2);
		assert_int_equal(unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
		assert_int_equal(status2(a, 200), 0);

		/* Readonly, in the v2 header. */
		grant2(a, 201, GTF_permit_access | GTF_readonly, b->id, FRAME(7));
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 201).status,
				 GNTST_general_error);
		assert_int_equal(status2(a, 201), 0);
		m = map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map | GNTMAP_readonly, 201);
		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(status2(a, 201), GTF_reading);
		assert_int_equal(unmap(h, b, abi, MAP_AT(0), m.handle).status, GNTST_okay);
		/* A 64-bit frame beyond any address, and a sub-page grant: not mappable. */
		grant2(a, 202, GTF_permit_access, b->id, 1ull << 45);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 202).status,
				 GNTST_bad_page);
		assert_int_equal(status2(a, 202), 0);
		grant2_sub(a, 203, GTF_permit_access, b->id, FRAME(7), 0, 4096);
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 203).status,
				 GNTST_general_error);
		assert_int_equal(status2(a, 203), 0);
		/* Wrong grantee. */
		grant2(a, 204, GTF_permit_access, a->id, FRAME(7));
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 204).status,
				 GNTST_general_error);

		assert_int_equal(set_version(h, a, abi, 1), 0);
		harness__free(h);
	}
}

static void test_version_switch_keeps_reserved(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);
	struct domain *b = dom(h, "b", 0, 0, 0);

	grant1(a, GNTTAB_RESERVED_CONSOLE, GTF_permit_access, b->id, FRAME(1));
	grant1(a, GNTTAB_RESERVED_XENSTORE, GTF_permit_access | GTF_readonly, b->id, FRAME(2));
	grant1(a, 20, GTF_permit_access, b->id, FRAME(3));
	assert_int_equal(set_version(h, a, LEG64, 2), 0);
	/* The console and xenstore grants survive (as Xen keeps them); the rest is cleared. */
	assert_int_equal(e2(a, 0)->hdr.flags, GTF_permit_access);
	assert_int_equal(e2(a, 0)->hdr.domid, b->id);
	assert_int_equal(e2(a, 0)->full_page.frame, FRAME(1));
	assert_int_equal(e2(a, 1)->hdr.flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(e2(a, 1)->full_page.frame, FRAME(2));
	assert_int_equal(e2(a, 20)->hdr.flags, 0);
	struct map_res m = map(h, b, FAST, a->id, MAP_AT(0), GNTMAP_host_map, 0);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(unmap(h, b, FAST, MAP_AT(0), m.handle).status, GNTST_okay);

	grant2(a, 2, GTF_permit_access, b->id, 1ull << 33); /* does not fit v1 */
	assert_int_equal(set_version(h, a, FAST, 1), 0);
	assert_int_equal(e1(a, 0)->flags, GTF_permit_access);
	assert_int_equal(e1(a, 0)->frame, FRAME(1));
	assert_int_equal(e1(a, 1)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(e1(a, 2)->flags, 0);
	harness__free(h);
}

static void test_maptrack_limit(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *b = dom(h, "b", 0, 0, 3);
		grant_handle_t hd[3];

		for (grant_ref_t r = 0; r < 4; r++)
			grant1(a, 10 + r, GTF_permit_access, b->id, FRAME(r));
		for (unsigned n = 0; n < 3; n++) {
			struct map_res m = map(h, b, abi, a->id, MAP_AT(n), GNTMAP_host_map, 10 + n);
			assert_int_equal(m.status, GNTST_okay);
			hd[n] = m.handle;
		}
		assert_int_equal(map(h, b, abi, a->id, MAP_AT(3), GNTMAP_host_map, 13).status,
				 GNTST_no_space);
		assert_int_equal(flags1(a, 13), GTF_permit_access);
		assert_int_equal(unmap(h, b, abi, MAP_AT(1), hd[1]).status, GNTST_okay);
		struct map_res m = map(h, b, abi, a->id, MAP_AT(3), GNTMAP_host_map, 13);
		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(m.handle, hd[1]); /* the freed slot again */
		harness__free(h);
	}
	/* The limit is the domain's own: a larger one grows the maptrack. */
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);
	struct domain *b = dom(h, "b", 0, 0, 200);
	for (grant_ref_t r = 0; r < 201; r++)
		grant1(a, r, GTF_permit_access | GTF_readonly, b->id, FRAME(0));
	for (unsigned n = 0; n < 200; n++)
		assert_int_equal(map(h, b, FAST, a->id, MAP_AT(n), GNTMAP_host_map | GNTMAP_readonly,
				     n).status, GNTST_okay);
	assert_int_equal(map(h, b, FAST, a->id, MAP_AT(200), GNTMAP_host_map | GNTMAP_readonly,
			     200).status, GNTST_no_space);
	assert_int_equal(a->gnttab->active[0].pin_ro, 1);
	harness__free(h);

	/* Configurations beyond the limits are refused at creation. */
	h = world();
	struct domain *d = NULL;
	const struct domain_config big = { .nr_vcpus = 1, .max_grant_frames = 5000 };
	assert_int_equal(domain__create(&h->hv, &big, &d), -XEN_EINVAL);
	const struct domain_config big2 = { .nr_vcpus = 1, .max_maptrack = 1u << 30 };
	assert_int_equal(domain__create(&h->hv, &big2, &d), -XEN_EINVAL);
	harness__free(h);
}

/* ---- frames: setup_table, placement, limits ---- */

struct compat_setup_table {
	domid_t dom;
	uint32_t nr_frames;
	int16_t status;
	uint32_t frame_list;
};

static void test_frames(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR_ABIS; i++) {
		bool m64 = abis[i] == LEG64;
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 2, 0);
		struct domain *b = dom(h, "b", 0, 0, 0);
		struct hv_vcpu *v = &a->vcpus[0];
		uint64_t va, list;

		grant1(a, 600, GTF_permit_access, b->id, FRAME(0)); /* in frame 1 */
		assert_int_equal(map(h, b, FAST, a->id, MAP_AT(0), GNTMAP_host_map, 600).status,
				 GNTST_bad_gntref);

		/* setup_table grows the table; frames not placed yet read INVALID. */
		uint64_t *frames = harness__alloc(h, a, 3 * 8, &list);
		memset(frames, 0x11, 3 * 8);
		int16_t status;
		if (m64) {
			struct gnttab_setup_table *op = harness__alloc(h, a, sizeof(*op), &va);
			op->dom = DOMID_SELF;
			op->nr_frames = 2;
			set_xen_guest_handle(op->frame_list, (xen_pfn_t *)(uintptr_t)list);
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
			status = op->status;
			assert_int_equal(frames[0], ~0ull);
			assert_int_equal(frames[1], ~0ull);
			assert_int_equal(frames[2], 0x1111111111111111ull);
		} else {
			struct compat_setup_table *op = harness__alloc(h, a, sizeof(*op), &va);
			op->dom = DOMID_SELF;
			op->nr_frames = 2;
			op->frame_list = (uint32_t)list;
			assert_int_equal(hleg32(v, GT, GNTTABOP_setup_table, va, 1), 0);
			status = op->status;
			uint32_t *f32 = (uint32_t *)frames;
			assert_int_equal(f32[0], 0xffffffffu);
			assert_int_equal(f32[1], 0xffffffffu);
			assert_int_equal(f32[2], 0x11111111u);
		}
		assert_int_equal(status, GNTST_okay);
		assert_int_equal(a->gnttab->nr_frames, 2);
		struct map_res m = map(h, b, FAST, a->id, MAP_AT(0), GNTMAP_host_map, 600);
		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(map(h, b, FAST, a->id, MAP_AT(1), GNTMAP_host_map, 1024).status,
				 GNTST_bad_gntref);

		/* memory.c places frames (add_to_physmap): setup_table then lists them. */
		assert_int_equal(gnttab__set_frame_gfn(a, false, 1, gfn(0x4321)), 0);
		assert_int_equal(gnttab__set_frame_gfn(a, false, 0, gfn(0x4320)), 0);
		assert_int_equal(gnttab__set_frame_gfn(a, false, 2, gfn(0x4322)), -XEN_EINVAL);
		assert_int_equal(gnttab__set_frame_gfn(a, false, 0, gfn(1ull << 40)), -XEN_EINVAL);
		if (m64) {
			struct gnttab_setup_table *op = harness__alloc(h, a, sizeof(*op), &va);
			op->dom = a->id;
			op->nr_frames = 2;
			set_xen_guest_handle(op->frame_list, (xen_pfn_t *)(uintptr_t)list);
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_okay);
			assert_int_equal(frames[0], 0x4320);
			assert_int_equal(frames[1], 0x4321);
			/* More than the maximum. */
			op->nr_frames = 3;
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_general_error);
			/* A frame list the guest cannot write. */
			op->nr_frames = 1;
			set_xen_guest_handle(op->frame_list, (xen_pfn_t *)(uintptr_t)0x40000000ull);
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_bad_virt_addr);
			/* Another domain's table: only for the privileged. */
			op->dom = b->id;
			assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), -XEN_EPERM);
			assert_int_equal(op->status, GNTST_permission_denied);
		} else {
			struct compat_setup_table *op = harness__alloc(h, a, sizeof(*op), &va);
			op->dom = a->id;
			op->nr_frames = 2;
			op->frame_list = (uint32_t)list;
			assert_int_equal(hleg32(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_okay);
			uint32_t *f32 = (uint32_t *)frames;
			assert_int_equal(f32[0], 0x4320);
			assert_int_equal(f32[1], 0x4321);
			op->nr_frames = 3;
			assert_int_equal(hleg32(v, GT, GNTTABOP_setup_table, va, 1), 0);
			assert_int_equal(op->status, GNTST_general_error);
		}
		/* Placement lookups for memory.c. */
		bool st;
		unsigned idx;
		assert_true(gnttab__frame_at(a, gfn(0x4321), &st, &idx));
		assert_false(st);
		assert_int_equal(idx, 1);
		assert_false(gnttab__frame_at(a, gfn(0x4323), &st, &idx));
		gnttab__clear_frame_gfn(a, false, 1);
		assert_false(gnttab__frame_at(a, gfn(0x4321), &st, &idx));
		gfn_t g;
		assert_false(gnttab__frame_gfn(a, false, 1, &g));
		/* count must be 1 for the single-struct ops. */
		assert_int_equal(m64 ? hleg64(v, GT, GNTTABOP_setup_table, va, 2) :
				       hleg32(v, GT, GNTTABOP_setup_table, va, 0), -XEN_EINVAL);
		assert_int_equal(unmap(h, b, FAST, MAP_AT(0), m.handle).status, GNTST_okay);
		harness__free(h);
	}
}

struct compat_get_status_frames {
	uint32_t nr_frames;
	domid_t dom;
	int16_t status;
	uint32_t frame_list;
};

static void test_fixed_layout_frames(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *f = dom(h, "f", DOMAIN_FIXED_LAYOUT, 16, 0);
	struct hv_vcpu *v = &f->vcpus[0];
	uint64_t va, list, gt_base = 0, st_base = 0;

	for (unsigned i = 0; i < f->nr_memmap; i++) {
		if (f->memmap[i].type == XEN_HVM_MEMMAP_TYPE_GRANT_TABLE) {
			gt_base = f->memmap[i].addr;
			assert_int_equal(f->memmap[i].size, 16 * PAGE_SIZE);
		}
		if (f->memmap[i].type == XEN_HVM_MEMMAP_TYPE_GNTTAB_STATUS) {
			st_base = f->memmap[i].addr;
			assert_int_equal(f->memmap[i].size, gnttab__nr_status_frames(f) * PAGE_SIZE);
		}
	}
	assert_int_not_equal(gt_base, 0);
	assert_int_not_equal(st_base, 0);
	assert_int_equal(gnttab__nr_status_frames(f), 2); /* 16 * 256 entries / 2048 */

	/* setup_table lists the fixed places. */
	uint64_t *frames = harness__alloc(h, f, 16 * 8, &list);
	struct gnttab_setup_table *op = harness__alloc(h, f, sizeof(*op), &va);
	op->dom = DOMID_SELF;
	op->nr_frames = 16;
	set_xen_guest_handle(op->frame_list, (xen_pfn_t *)(uintptr_t)list);
	assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, va, 1), 0);
	assert_int_equal(op->status, GNTST_okay);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(frames[i], (gt_base >> PAGE_SHIFT) + i);
	/* The guest writes entries at those GPAs: the core sees them. */
	grant_entry_v1_t e = { .flags = GTF_permit_access, .domid = f->id, .frame = FRAME(1) };
	assert_int_equal(guestmem__write(&f->mem, gpa(gt_base + 5 * sizeof(e)), &e, sizeof(e)), 0);
	struct map_res m = map(h, f, FAST, DOMID_SELF, FAR_AT(0), GNTMAP_host_map, 5);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(guestmem__read(&f->mem, gpa(gt_base + 5 * sizeof(e)), &e, sizeof(e)), 0);
	assert_int_equal(e.flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(h, f, FAST, FAR_AT(0), m.handle).status, GNTST_okay);

	/* get_status_frames: v2 only, and no more than in use. */
	struct gnttab_get_status_frames *sf = harness__alloc(h, f, sizeof(*sf), &va);
	sf->dom = DOMID_SELF;
	sf->nr_frames = 2;
	set_xen_guest_handle(sf->frame_list, (uint64_t *)(uintptr_t)list);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 1), 0);
	assert_int_equal(sf->status, GNTST_general_error);
	assert_int_equal(set_version(h, f, FAST, 2), 0);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 1), 0);
	assert_int_equal(sf->status, GNTST_okay);
	assert_int_equal(frames[0], st_base >> PAGE_SHIFT);
	assert_int_equal(frames[1], (st_base >> PAGE_SHIFT) + 1);
	sf->nr_frames = 3;
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 1), 0);
	assert_int_equal(sf->status, GNTST_general_error);
	/* The 32-bit layout. */
	struct compat_get_status_frames *cs = harness__alloc(h, f, sizeof(*cs), &va);
	cs->dom = DOMID_SELF;
	cs->nr_frames = 1;
	cs->frame_list = (uint32_t)list + 8;
	assert_int_equal(hleg32(v, GT, GNTTABOP_get_status_frames, va, 1), 0);
	assert_int_equal(cs->status, GNTST_okay);
	assert_int_equal(frames[1], st_base >> PAGE_SHIFT);
	/* v2 entries through the fixed status frames. */
	grant_entry_v2_t e2v = { .full_page = { .hdr = { GTF_permit_access, 0 }, .frame = FRAME(3) } };
	assert_int_equal(guestmem__write(&f->mem, gpa(gt_base + 9 * sizeof(e2v)), &e2v,
					 sizeof(e2v)), 0);
	m = map(h, f, LEG64, f->id, FAR_AT(0), GNTMAP_host_map | GNTMAP_readonly, 9);
	assert_int_equal(m.status, GNTST_okay);
	grant_status_t s = 0;
	assert_int_equal(guestmem__read(&f->mem, gpa(st_base + 9 * sizeof(s)), &s, sizeof(s)), 0);
	assert_int_equal(s, GTF_reading);
	harness__free(h);
}

/* ---- copy ---- */

static void fill(uint8_t *p, uint8_t seed)
{
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void test_copy(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *b = dom(h, "b", 0, 0, 0);
		const uint16_t S = GNTCOPY_source_gref, D = GNTCOPY_dest_gref;
		const struct side self = { FRAME(20), DOMID_SELF, 0 };

		fill(page(h, a, FRAME(1)), 1);
		memset(page(h, a, FRAME(2)), 0, PAGE_SIZE);
		fill(page(h, b, FRAME(20)), 50);
		grant1(a, 1, GTF_permit_access | GTF_readonly, b->id, FRAME(1));
		grant1(a, 2, GTF_permit_access, b->id, FRAME(2));

		/* From a grant to our own frame. */
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 1, a->id, 100 },
					 (struct side){ FRAME(20), DOMID_SELF, 8 }, 64, S), GNTST_okay);
		assert_memory_equal(page(h, b, FRAME(20)) + 8, page(h, a, FRAME(1)) + 100, 64);
		assert_int_equal(flags1(a, 1), GTF_permit_access | GTF_readonly); /* busy only during */
		/* From our frame (named by our id) into a writable grant. */
		assert_int_equal(copy_ok(h, b, abi, (struct side){ FRAME(20), b->id, 0 },
					 (struct side){ 2, a->id, 4000 }, 96, D), GNTST_okay);
		assert_memory_equal(page(h, a, FRAME(2)) + 4000, page(h, b, FRAME(20)), 96);
		assert_int_equal(flags1(a, 2), GTF_permit_access);
		/* Grant to grant, whole page. */
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 1, a->id, 0 },
					 (struct side){ 2, a->id, 0 }, PAGE_SIZE, S | D), GNTST_okay);
		assert_memory_equal(page(h, a, FRAME(2)), page(h, a, FRAME(1)), PAGE_SIZE);
		/* len 0 does nothing and works. */
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 1, a->id, 4096 }, self, 0, S),
				 GNTST_okay);

		/* A readonly grant is a source only. */
		assert_int_equal(copy_ok(h, b, abi, self, (struct side){ 1, a->id, 0 }, 8, D),
				 GNTST_general_error);
		assert_int_equal(flags1(a, 1), GTF_permit_access | GTF_readonly);
		/* Within one page on each side. */
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 1, a->id, 4090 }, self, 7, S),
				 GNTST_bad_copy_arg);
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 1, a->id, 0 },
					 (struct side){ FRAME(20), DOMID_SELF, 4095 }, 2, S),
				 GNTST_bad_copy_arg);
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 1, a->id, 0xffff }, self, 1, S),
				 GNTST_bad_copy_arg);
		/* Unknown flags. */
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 1, a->id, 0 }, self, 1, S | 4),
				 GNTST_bad_copy_arg);
		/* Bad refs, domains, frames. */
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 512, a->id, 0 }, self, 1, S),
				 GNTST_bad_gntref);
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 1, 9, 0 }, self, 1, S),
				 GNTST_bad_domain);
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 0x7fffff, DOMID_SELF, 0 },
					 (struct side){ 2, a->id, 0 }, 1, D), GNTST_bad_page);
		assert_int_equal(flags1(a, 2), GTF_permit_access); /* the dest's hold was dropped */
		/* Another domain's frame without a grant: never. */
		assert_int_equal(copy_ok(h, b, abi, (struct side){ FRAME(1), a->id, 0 }, self, 1, 0),
				 GNTST_permission_denied);
		assert_int_equal(copy_ok(h, b, abi, self, (struct side){ FRAME(1), a->id, 0 }, 1, 0),
				 GNTST_permission_denied);
		/* A grant to someone else. */
		grant1(a, 3, GTF_permit_access, a->id, FRAME(1));
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 3, a->id, 0 }, self, 1, S),
				 GNTST_general_error);
		/* A special page is not a frame to copy to. */
		struct domain *f = dom(h, "f", DOMAIN_FIXED_LAYOUT, 0, 0);
		grant1(a, 4, GTF_permit_access, f->id, FRAME(1));
		assert_int_equal(copy_ok(h, f, abi, (struct side){ 4, a->id, 0 },
					 (struct side){ gfn_val(f->shared_info_gfn), DOMID_SELF, 0 },
					 8, S), GNTST_bad_page);
		if (abi == FAST) {
			/* The register form carries a ref in all of u.gmfn: above 32 bits is no ref. */
			assert_int_equal(copy_ok(h, b, abi, (struct side){ (1ull << 32) | 1, a->id, 0 },
						 self, 1, S), GNTST_bad_gntref);
			/* Packed registers with reserved bits never reach the core. */
			assert_int_equal(hfast(&b->vcpus[0], GT, GNTTABOP_copy, 1, 1ull << 40, 0, 0, 1),
					 -XEN_EINVAL);
		}
		if (abi == LEG64) {
			/* A legacy guest names the ref in u.ref: the upper half is not its to mean. */
			uint64_t va;
			struct gnttab_copy *op = harness__alloc(h, b, sizeof(*op), &va);
			memset(op, 0xee, sizeof(*op));
			op->source.u.ref = 1;
			op->source.domid = a->id;
			op->source.offset = 0;
			op->dest.u.gmfn = FRAME(20);
			op->dest.domid = DOMID_SELF;
			op->dest.offset = 0;
			op->len = 16;
			op->flags = S;
			assert_int_equal(hleg64(&b->vcpus[0], GT, GNTTABOP_copy, va, 1), 0);
			assert_int_equal(op->status, GNTST_okay);
			assert_int_equal(op->source.u.gmfn >> 32, 0xeeeeeeee); /* not written */
		}
		assert_int_equal(a->gnttab->nr_pinned, 0);
		harness__free(h);
	}
}

static void test_copy_v2_sub_page(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *b = dom(h, "b", 0, 0, 0);
		const struct side self = { FRAME(20), DOMID_SELF, 0 };

		assert_int_equal(set_version(h, a, abi, 2), 0);
		fill(page(h, a, FRAME(5)), 9);
		grant2_sub(a, 7, GTF_permit_access, b->id, FRAME(5), 1024, 512);
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 7, a->id, 1024 }, self, 512,
					 GNTCOPY_source_gref), GNTST_okay);
		assert_memory_equal(page(h, b, FRAME(20)), page(h, a, FRAME(5)) + 1024, 512);
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 7, a->id, 1023 }, self, 10,
					 GNTCOPY_source_gref), GNTST_general_error);
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 7, a->id, 1500 }, self, 37,
					 GNTCOPY_source_gref), GNTST_general_error);
		assert_int_equal(copy_ok(h, b, abi, self, (struct side){ 7, a->id, 1100 }, 100,
					 GNTCOPY_dest_gref), GNTST_okay);
		assert_memory_equal(page(h, a, FRAME(5)) + 1100, page(h, b, FRAME(20)), 100);
		/* A range that does not fit the page. */
		grant2_sub(a, 8, GTF_permit_access, b->id, FRAME(5), 4000, 200);
		assert_int_equal(copy_ok(h, b, abi, (struct side){ 8, a->id, 4000 }, self, 10,
					 GNTCOPY_source_gref), GNTST_general_error);
		assert_int_equal(status2(a, 7), 0);
		assert_int_equal(status2(a, 8), 0);
		harness__free(h);
	}
}

static void test_confidential(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", DOMAIN_CONFIDENTIAL, 0, 0);
	struct domain *b = dom(h, "b", DOMAIN_CONFIDENTIAL, 0, 0);
	const uint16_t S = GNTCOPY_source_gref;
	const struct side src = { 1, 0, 0 }, dst = { FRAME(20), DOMID_SELF, 0 };
	int16_t st;

	grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
	grant1(a, 2, GTF_permit_access, b->id, FRAME(2));
	fill(page(h, a, FRAME(1)), 3);
	uint64_t a0 = guestmem__refused(&a->mem), b0 = guestmem__refused(&b->mem);

	/* Granted page private: the copy is refused, counted at the granter. */
	assert_int_equal(copy(h, b, FAST, src, dst, 8, S, &st), 0);
	assert_int_equal(st, GNTST_permission_denied);
	assert_int_equal(guestmem__refused(&a->mem), a0 + 1);
	/* Shared, but our own page is private: refused at our side. */
	assert_int_equal(guestmem__share(&a->mem, gfn(FRAME(1)), 1), 0);
	assert_int_equal(copy(h, b, FAST, src, dst, 8, S, &st), 0);
	assert_int_equal(st, GNTST_permission_denied);
	assert_int_equal(guestmem__refused(&b->mem), b0 + 1);
	assert_int_equal(guestmem__share(&b->mem, gfn(FRAME(20)), 1), 0);
	assert_int_equal(copy(h, b, FAST, src, dst, 8, S, &st), 0);
	assert_int_equal(st, GNTST_okay);
	assert_memory_equal(page(h, b, FRAME(20)), page(h, a, FRAME(1)), 8);
	assert_int_equal(flags1(a, 1), GTF_permit_access);

	/* A private page of a confidential granter is not mapped either. */
	a0 = guestmem__refused(&a->mem);
	assert_int_equal(map(h, b, FAST, a->id, MAP_AT(0), GNTMAP_host_map, 2).status,
			 GNTST_permission_denied);
	assert_int_equal(guestmem__refused(&a->mem), a0 + 1);
	assert_int_equal(flags1(a, 2), GTF_permit_access);
	struct map_res m = map(h, b, FAST, a->id, MAP_AT(0), GNTMAP_host_map, 1);
	assert_int_equal(m.status, GNTST_okay);

	/* Legacy needs the guest's memory (page tables, structs): it fails cleanly. */
	b0 = guestmem__refused(&b->mem);
	uint64_t va;
	harness__alloc(h, b, sizeof(struct gnttab_unmap_grant_ref), &va);
	assert_int_equal(hleg64(&b->vcpus[0], GT, GNTTABOP_unmap_grant_ref, va, 1), -XEN_EACCES);
	assert_int_equal(guestmem__refused(&b->mem), b0 + 1);
	assert_int_equal(b->gnttab->maptrack_used, 1);
	assert_int_equal(unmap(h, b, FAST, MAP_AT(0), m.handle).status, GNTST_okay);
	harness__free(h);
}

/* ---- batches (FastABI) and arrays (legacy) ---- */

static void test_batch_map_unmap(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);
	struct domain *b = dom(h, "b", 0, 0, 0);
	struct hv_vcpu *v = &b->vcpus[0];
	struct harness_result res;
	unsigned restarts;
	uint64_t pg;
	enum { N = 40 };

	struct gnttab_map_grant_ref *e = harness__alloc_page(h, b, &pg);
	for (unsigned i = 0; i < N; i++) {
		grant1(a, 16 + i, GTF_permit_access, b->id, FRAME(i));
		e[i] = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(i), .flags = GNTMAP_host_map,
						      .ref = 16 + i, .dom = a->id };
	}
	e[7].ref = 100000; /* one bad entry: its own status, the batch goes on */

	/* One step: GNTTAB_BATCH_STEP entries, then the trap is re-executed. */
	int64_t ret = harness__fast(v, GT, GNTTABOP_fastabi_map_batch,
				    (const uint64_t[6]){ pg, N, 0, 0x5555, 0x6666, 0x7777 }, &res);
	assert_int_equal(res.result, HV_CALL_RESTART);
	assert_int_equal(ret, (int64_t)(GT | __HYPERVISOR_FASTABI_MASK)); /* rax kept */
	assert_int_equal(harness__reg(&res.regs, 4), GNTTAB_BATCH_STEP);
	assert_int_equal(rec.maps, GNTTAB_BATCH_STEP - 1);
	assert_int_equal(e[GNTTAB_BATCH_STEP].status, 0); /* not reached yet */
	/* The rest, continuing from the registers the call left. */
	ret = harness__fast_loop(v, GT, GNTTABOP_fastabi_map_batch,
				 (const uint64_t[6]){ pg, N, harness__reg(&res.regs, 4) }, &res,
				 &restarts);
	assert_int_equal(ret, 0);
	assert_int_equal(restarts, 1);
	assert_int_equal(harness__reg(&res.regs, 4), N);
	/* Each entry exactly once. */
	assert_int_equal(rec.maps, N - 1);
	assert_int_equal(b->gnttab->maptrack_used, N - 1);
	for (unsigned i = 0; i < N; i++) {
		if (i == 7) {
			assert_int_equal(e[i].status, GNTST_bad_gntref);
			assert_int_equal(e[i].handle, GNTTAB_INVALID_HANDLE);
			continue;
		}
		assert_int_equal(e[i].status, GNTST_okay);
		assert_int_equal(flags1(a, 16 + i), GTF_permit_access | GTF_reading | GTF_writing);
		for (unsigned j = 0; j < i; j++)
			if (j != 7)
				assert_int_not_equal(e[i].handle, e[j].handle);
	}

	/* Unmap them all in one batch (the bad one reports a bad handle). */
	uint64_t upg;
	struct gnttab_unmap_grant_ref *u = harness__alloc_page(h, b, &upg);
	for (unsigned i = 0; i < N; i++)
		u[i] = (struct gnttab_unmap_grant_ref){ .host_addr = MAP_AT(i), .handle = e[i].handle };
	ret = harness__fast_loop(v, GT, GNTTABOP_fastabi_unmap_batch,
				 (const uint64_t[6]){ upg, N, 0 }, &res, &restarts);
	assert_int_equal(ret, 0);
	assert_int_equal(restarts, 2);
	assert_int_equal(rec.unmaps, N - 1);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(u[i].status, i == 7 ? GNTST_bad_handle : GNTST_okay);
		assert_int_equal(flags1(a, 16 + i), GTF_permit_access);
	}
	assert_int_equal(b->gnttab->maptrack_used, 0);
	harness__free(h);
}

/* Entry i moves the page up by one byte: a skipped or repeated entry shows. */
static void shift_entries(struct gnttab_copy *e, unsigned n, uint64_t frame)
{
	for (unsigned i = 0; i < n; i++)
		e[i] = (struct gnttab_copy){
			.source = { .u.gmfn = frame, .domid = DOMID_SELF, .offset = 0 },
			.dest = { .u.gmfn = frame, .domid = DOMID_SELF, .offset = 1 },
			.len = PAGE_SIZE - 1,
		};
}

static void check_shifted(const uint8_t *now, const uint8_t *orig, unsigned n)
{
	for (unsigned k = 0; k < PAGE_SIZE; k++)
		assert_int_equal(now[k], orig[k < n ? 0 : k - n]);
}

static void test_batch_copy(void **state)
{
	(void)state;
	enum { N = 37 };
	uint8_t orig[PAGE_SIZE], result[NR_ABIS][PAGE_SIZE];

	fill(orig, 77);
	for (unsigned i = 0; i < NR_ABIS; i++) {
		enum abi abi = abis[i];
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *b = dom(h, "b", 0, 0, 0);
		struct hv_vcpu *v = &b->vcpus[0];
		unsigned restarts;
		uint64_t pg;
		int64_t ret;

		memcpy(page(h, b, FRAME(30)), orig, PAGE_SIZE);
		if (abi == FAST) {
			struct gnttab_copy *e = harness__alloc_page(h, b, &pg);
			shift_entries(e, N, FRAME(30));
			ret = harness__fast_loop(v, GT, GNTTABOP_fastabi_copy_batch,
						 (const uint64_t[6]){ pg, N, 0 }, NULL, &restarts);
			for (unsigned k = 0; k < N; k++)
				assert_int_equal(e[k].status, GNTST_okay);
		} else if (abi == LEG64) {
			struct gnttab_copy *e = harness__alloc_page(h, b, &pg);
			shift_entries(e, N, FRAME(30));
			ret = harness__legacy_loop(v, true, GT,
						   (const uint64_t[5]){ GNTTABOP_copy, pg, N }, NULL,
						   &restarts);
			for (unsigned k = 0; k < N; k++)
				assert_int_equal(e[k].status, GNTST_okay);
		} else {
			struct compat_copy *e = harness__alloc_page(h, b, &pg);
			for (unsigned k = 0; k < N; k++)
				e[k] = (struct compat_copy){
					.source = { FRAME(30), DOMID_SELF, 0 },
					.dest = { FRAME(30), DOMID_SELF, 1 },
					.len = PAGE_SIZE - 1, .status = 99,
				};
			ret = harness__legacy_loop(v, false, GT,
						   (const uint64_t[5]){ GNTTABOP_copy, pg, N }, NULL,
						   &restarts);
			for (unsigned k = 0; k < N; k++)
				assert_int_equal(e[k].status, GNTST_okay);
		}
		assert_int_equal(ret, 0);
		assert_int_equal(restarts, (N - 1) / GNTTAB_BATCH_STEP);
		check_shifted(page(h, b, FRAME(30)), orig, N);
		memcpy(result[i], page(h, b, FRAME(30)), PAGE_SIZE);

		/* Through grants as well: a's page copied into b's in a batch of 20 chunks. */
		fill(page(h, a, FRAME(3)), 5);
		grant1(a, 9, GTF_permit_access | GTF_readonly, b->id, FRAME(3));
		if (abi == FAST) {
			struct gnttab_copy *e = harness__alloc_page(h, b, &pg);
			for (unsigned k = 0; k < 20; k++)
				e[k] = (struct gnttab_copy){
					.source = { .u.ref = 9, .domid = a->id, .offset = k * 200 },
					.dest = { .u.gmfn = FRAME(31), .domid = DOMID_SELF,
						  .offset = k * 200 },
					.len = 200, .flags = GNTCOPY_source_gref,
				};
			ret = harness__fast_loop(v, GT, GNTTABOP_fastabi_copy_batch,
						 (const uint64_t[6]){ pg, 20, 0 }, NULL, &restarts);
			assert_int_equal(ret, 0);
			assert_int_equal(restarts, 1);
			assert_memory_equal(page(h, b, FRAME(31)), page(h, a, FRAME(3)), 4000);
		}
		assert_int_equal(flags1(a, 9), GTF_permit_access | GTF_readonly);
		harness__free(h);
	}
	/* Identical results through every ABI. */
	assert_memory_equal(result[0], result[1], PAGE_SIZE);
	assert_memory_equal(result[0], result[2], PAGE_SIZE);
}

static void test_batch_bad(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);
	struct domain *b = dom(h, "b", DOMAIN_CONFIDENTIAL, 0, 0);
	struct hv_vcpu *va_ = &a->vcpus[0], *vb = &b->vcpus[0];
	struct harness_result res;
	uint64_t pg;
	const unsigned map_per_page = PAGE_SIZE / sizeof(struct gnttab_map_grant_ref);
	const unsigned copy_per_page = PAGE_SIZE / sizeof(struct gnttab_copy);

	harness__alloc_page(h, a, &pg);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_map_batch, pg + 8, 1, 0), -XEN_EINVAL);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_map_batch, pg, map_per_page + 1, 0),
			 -XEN_EINVAL);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_copy_batch, pg, copy_per_page + 1, 0),
			 -XEN_EINVAL);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_unmap_batch, pg, 3, 4), -XEN_EINVAL);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_map_batch, 0x40000000, 1, 0), -XEN_EFAULT);
	assert_int_equal(hfast(va_, GT, GNTTABOP_fastabi_map_batch, pg, 1ull << 32, 0),
			 -XEN_EINVAL); /* refused by the decoder */
	/* Nothing to do, or all done: success without work. */
	assert_int_equal(hfast_res(&res, va_, GT, GNTTABOP_fastabi_map_batch, pg, 0, 0), 0);
	assert_int_equal(harness__reg(&res.regs, 4), 0);
	assert_int_equal(hfast_res(&res, va_, GT, GNTTABOP_fastabi_map_batch, pg, 5, 5), 0);
	assert_int_equal(harness__reg(&res.regs, 4), 5);
	/* A full page of entries is allowed (all bad refs here: statuses only). */
	unsigned restarts;
	assert_int_equal(harness__fast_loop(va_, GT, GNTTABOP_fastabi_unmap_batch,
					    (const uint64_t[6]){ pg, PAGE_SIZE / 24, 0 }, &res,
					    &restarts), 0);
	assert_int_equal(harness__reg(&res.regs, 4), PAGE_SIZE / 24);

	/* Confidential: a batch page not shared is refused and counted; nothing is done. */
	grant1(a, 5, GTF_permit_access, b->id, FRAME(1));
	struct gnttab_map_grant_ref *e = harness__alloc_page(h, b, &pg);
	e[0] = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(0), .flags = GNTMAP_host_map,
					      .ref = 5, .dom = a->id };
	uint64_t r0 = guestmem__refused(&b->mem);
	assert_int_equal(hfast_res(&res, vb, GT, GNTTABOP_fastabi_map_batch, pg, 1, 0), -XEN_EACCES);
	assert_int_equal(harness__reg(&res.regs, 4), 0); /* not written on failure */
	assert_int_equal(guestmem__refused(&b->mem), r0 + 1);
	assert_int_equal(rec.maps, 0);
	assert_int_equal(flags1(a, 5), GTF_permit_access);
	/* Shared (XENMEM_fastabi_share's effect): it works. */
	assert_int_equal(guestmem__share(&b->mem, gfn_of(gpa(pg)), 1), 0);
	assert_int_equal(hfast(vb, GT, GNTTABOP_fastabi_map_batch, pg, 1, 0), 0);
	assert_int_equal(e[0].status, GNTST_okay);
	assert_int_equal(rec.maps, 1);
	assert_int_equal(guestmem__refused(&b->mem), r0 + 1);
	harness__free(h);
}

static void test_legacy_arrays(void **state)
{
	(void)state;
	for (unsigned i = 1; i < NR_ABIS; i++) {
		bool m64 = abis[i] == LEG64;
		struct harness *h = world();
		struct domain *a = dom(h, "a", 0, 0, 0);
		struct domain *b = dom(h, "b", 0, 0, 0);
		struct hv_vcpu *v = &b->vcpus[0];
		struct harness_result res;
		unsigned restarts;
		uint64_t va;
		enum { N = 35 };

		struct gnttab_map_grant_ref *e = harness__alloc(h, b, N * sizeof(*e), &va);
		for (unsigned k = 0; k < N; k++) {
			grant1(a, k, GTF_permit_access, b->id, FRAME(k));
			e[k] = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(k),
							      .flags = GNTMAP_host_map, .ref = k,
							      .dom = a->id };
		}
		/* One step, then the arguments describe the rest (as on Xen). */
		int64_t ret = harness__legacy(v, m64, GT,
					      (const uint64_t[5]){ GNTTABOP_map_grant_ref, va, N },
					      &res);
		assert_int_equal(res.result, HV_CALL_RESTART);
		assert_int_equal(ret, m64 ? GT : (int64_t)(int32_t)GT);
		uint64_t uop = m64 ? res.regs.rsi : (uint32_t)res.regs.rcx;
		uint64_t cnt = m64 ? res.regs.rdx : (uint32_t)res.regs.rdx;
		assert_int_equal(uop, va + GNTTAB_BATCH_STEP * sizeof(*e));
		assert_int_equal(cnt, N - GNTTAB_BATCH_STEP);
		assert_int_equal(rec.maps, GNTTAB_BATCH_STEP);
		ret = harness__legacy_loop(v, m64, GT,
					   (const uint64_t[5]){ GNTTABOP_map_grant_ref, uop, cnt },
					   &res, &restarts);
		assert_int_equal(ret, 0);
		assert_int_equal(restarts, 1);
		assert_int_equal(rec.maps, N);
		for (unsigned k = 0; k < N; k++) {
			assert_int_equal(e[k].status, GNTST_okay);
			assert_int_equal(flags1(a, k), GTF_permit_access | GTF_reading | GTF_writing);
		}
		/* Unmap all with one call (looping over the continuations). */
		struct gnttab_unmap_grant_ref *u = harness__alloc(h, b, N * sizeof(*u), &va);
		for (unsigned k = 0; k < N; k++)
			u[k] = (struct gnttab_unmap_grant_ref){ .host_addr = MAP_AT(k),
								.handle = e[k].handle };
		ret = harness__legacy_loop(v, m64, GT,
					   (const uint64_t[5]){ GNTTABOP_unmap_grant_ref, va, N },
					   NULL, &restarts);
		assert_int_equal(ret, 0);
		assert_int_equal(restarts, 2);
		assert_int_equal(rec.unmaps, N);
		for (unsigned k = 0; k < N; k++) {
			assert_int_equal(u[k].status, GNTST_okay);
			assert_int_equal(flags1(a, k), GTF_permit_access);
		}

		/* count 0: nothing. An array that runs into an unmapped page: the entries
		 * before it are done, then -EFAULT. */
		assert_int_equal(harness__legacy(v, m64, GT,
						 (const uint64_t[5]){ GNTTABOP_map_grant_ref, va, 0 },
						 NULL), 0);
		uint64_t at;
		e = harness__alloc_cross(h, b, 2 * sizeof(*e), sizeof(*e), &at);
		e[0] = (struct gnttab_map_grant_ref){ .host_addr = MAP_AT(0), .flags = GNTMAP_host_map,
						      .ref = 0, .dom = a->id };
		if (m64) {
			*harness__pte(h, b, at + sizeof(*e)) = 0;
			ret = harness__legacy(v, m64, GT,
					      (const uint64_t[5]){ GNTTABOP_map_grant_ref, at, 2 }, NULL);
			assert_int_equal(ret, -XEN_EFAULT);
			assert_int_equal(e[0].status, GNTST_okay);
			assert_int_equal(rec.maps, N + 1);
		}
		harness__free(h);
	}
}

static void test_legacy_misc(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);
	struct hv_vcpu *v = &a->vcpus[0];
	uint64_t va;

	harness__alloc(h, a, 64, &va);
	static const uint64_t unserved[] = {
		GNTTABOP_dump_table, GNTTABOP_transfer, GNTTABOP_unmap_and_replace,
		GNTTABOP_swap_grant_ref, GNTTABOP_cache_flush, GNTTABOP_fastabi_map_batch,
		GNTTABOP_fastabi_copy_batch, 13, 1ull << 32,
	};
	for (unsigned i = 0; i < sizeof(unserved) / sizeof(unserved[0]); i++) {
		assert_int_equal(hleg64(v, GT, unserved[i], va, 1), -XEN_ENOSYS);
		if (unserved[i] <= UINT32_MAX) /* 32-bit code has no upper half to pass */
			assert_int_equal(hleg32(v, GT, unserved[i], va, 1), -XEN_ENOSYS);
	}
	/* FastABI: the ops without a FastABI form are unknown. */
	assert_int_equal(hfast(v, GT, GNTTABOP_setup_table, 0), -XEN_ENOSYS);
	assert_int_equal(hfast(v, GT, GNTTABOP_get_status_frames, 0), -XEN_ENOSYS);
	/* Counts: Xen's unsigned int; single-struct ops take exactly one. */
	assert_int_equal(hleg64(v, GT, GNTTABOP_map_grant_ref, va, 1ull << 32), -XEN_EINVAL);
	assert_int_equal(hleg64(v, GT, GNTTABOP_query_size, va, 0), -XEN_EINVAL);
	assert_int_equal(hleg64(v, GT, GNTTABOP_set_version, va, 2), -XEN_EINVAL);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_version, va, 0), -XEN_EINVAL);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 5), -XEN_EINVAL);
	/* Pointers nowhere. */
	assert_int_equal(hleg64(v, GT, GNTTABOP_query_size, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_set_version, 0x40000000, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_version, 0xffff800000000000ull, 1),
			 -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_setup_table, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_map_grant_ref, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_unmap_grant_ref, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg64(v, GT, GNTTABOP_copy, 0, 1), -XEN_EFAULT);
	assert_int_equal(hleg32(v, GT, GNTTABOP_copy, 0x40000000, 1), -XEN_EFAULT);
	/* A struct straddling a page whose second half is unmapped. */
	uint64_t at;
	harness__alloc_cross(h, a, sizeof(struct gnttab_query_size), 4, &at);
	*harness__pte(h, a, at + 4) = 0;
	assert_int_equal(hleg64(v, GT, GNTTABOP_query_size, at, 1), -XEN_EFAULT);
	harness__free(h);
}

/* ---- both ABIs, one script, the same results ---- */

static void script(enum abi abi, int64_t *log, unsigned *n, uint8_t *mem)
{
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);
	struct domain *b = dom(h, "b", 0, 0, 2);
	const uint16_t S = GNTCOPY_source_gref, D = GNTCOPY_dest_gref;
	const struct side self = { FRAME(20), DOMID_SELF, 0 };
	uint32_t nr = 0, max = 0, ver = 0;
	int16_t st;
	struct map_res m;

#define LOG(x) (log[(*n)++] = (int64_t)(x))
	fill(page(h, a, FRAME(1)), 1);
	fill(page(h, b, FRAME(20)), 2);
	grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
	grant1(a, 2, GTF_permit_access | GTF_readonly, b->id, FRAME(2));
	grant1(a, 3, GTF_permit_access, 7, FRAME(3));

	LOG(query_size(h, a, abi, DOMID_SELF, &nr, &max));
	LOG(nr);
	LOG(max);
	LOG(get_version(h, a, abi, DOMID_SELF, &ver));
	LOG(ver);
	m = map(h, b, abi, a->id, MAP_AT(0), GNTMAP_host_map, 1);
	LOG(m.ret), LOG(m.status), LOG(m.handle), LOG(flags1(a, 1));
	grant_handle_t h1 = m.handle;
	m = map(h, b, abi, a->id, MAP_AT(1), GNTMAP_host_map, 2);
	LOG(m.ret), LOG(m.status), LOG(m.handle);
	m = map(h, b, abi, a->id, MAP_AT(1), GNTMAP_host_map | GNTMAP_readonly, 2);
	LOG(m.ret), LOG(m.status), LOG(m.handle), LOG(flags1(a, 2));
	grant_handle_t h2 = m.handle;
	m = map(h, b, abi, a->id, MAP_AT(2), GNTMAP_host_map, 3);
	LOG(m.ret), LOG(m.status), LOG(m.handle);
	grant1(a, 4, GTF_permit_access, b->id, FRAME(4));
	m = map(h, b, abi, a->id, MAP_AT(3), GNTMAP_host_map, 4); /* maptrack full */
	LOG(m.ret), LOG(m.status), LOG(m.handle);
	m = map(h, b, abi, 12, MAP_AT(3), GNTMAP_host_map, 4);
	LOG(m.status);
	LOG(set_version(h, a, abi, 2)); /* busy */
	LOG(copy(h, b, abi, (struct side){ 1, a->id, 10 }, self, 100, S, &st)), LOG(st);
	LOG(copy(h, b, abi, self, (struct side){ 2, a->id, 10 }, 100, D, &st)), LOG(st);
	LOG(copy(h, b, abi, self, (struct side){ 1, a->id, 4000 }, 100, D, &st)), LOG(st);
	LOG(copy(h, b, abi, self, (struct side){ 1, a->id, 4000 }, 96, D, &st)), LOG(st);
	LOG(copy(h, b, abi, (struct side){ FRAME(1), a->id, 0 }, self, 1, 0, &st)), LOG(st);
	m = unmap(h, b, abi, MAP_AT(0), h1);
	LOG(m.ret), LOG(m.status), LOG(flags1(a, 1));
	m = unmap(h, b, abi, MAP_AT(0), h1);
	LOG(m.ret), LOG(m.status);
	m = unmap(h, b, abi, MAP_AT(1), h2);
	LOG(m.ret), LOG(m.status), LOG(flags1(a, 2));
	LOG(set_version(h, a, abi, 2));
	LOG(get_version(h, a, abi, DOMID_SELF, &ver));
	LOG(ver);
	grant2(a, 9, GTF_permit_access, b->id, FRAME(9));
	m = map(h, b, abi, a->id, MAP_AT(4), GNTMAP_host_map, 9);
	LOG(m.ret), LOG(m.status), LOG(m.handle), LOG(status2(a, 9));
	LOG(rec.maps), LOG(rec.unmaps);
#undef LOG
	memcpy(mem, page(h, a, FRAME(1)), PAGE_SIZE);
	memcpy(mem + PAGE_SIZE, page(h, b, FRAME(20)), PAGE_SIZE);
	harness__free(h);
}

static void test_identical(void **state)
{
	(void)state;
	int64_t log[NR_ABIS][128];
	unsigned n[NR_ABIS] = { 0 };
	static uint8_t mem[NR_ABIS][2 * PAGE_SIZE];

	for (unsigned i = 0; i < NR_ABIS; i++)
		script(abis[i], log[i], &n[i], mem[i]);
	for (unsigned i = 1; i < NR_ABIS; i++) {
		assert_int_equal(n[i], n[0]);
		for (unsigned k = 0; k < n[0]; k++)
			if (log[i][k] != log[0][k])
				fail_msg("%s differs from %s at step %u: %lld vs %lld", abi_name[i],
					 abi_name[0], k, (long long)log[i][k], (long long)log[0][k]);
		assert_memory_equal(mem[i], mem[0], sizeof(mem[0]));
	}
}

/* ---- domains going away ---- */

static void test_destroy(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);
	struct domain *b = dom(h, "b", 0, 0, 0);
	struct domain *c = dom(h, "c", 0, 0, 0);

	grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
	grant1(c, 2, GTF_permit_access, b->id, FRAME(2));
	struct map_res m = map(h, b, FAST, a->id, MAP_AT(0), GNTMAP_host_map, 1);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(map(h, b, FAST, c->id, MAP_AT(1), GNTMAP_host_map, 2).status, GNTST_okay);
	assert_int_equal(flags1(c, 2), GTF_permit_access | GTF_reading | GTF_writing);

	/* The granter goes: the VMM takes its page out of the mapper. */
	domain__destroy(a);
	assert_int_equal(rec.unmaps, 1);
	assert_int_equal(rec.last_unmap.mapper, b->id);
	assert_int_equal(rec.last_unmap.at, MAP_AT(0));
	assert_int_equal(b->gnttab->maptrack_used, 1);
	assert_int_equal(unmap(h, b, FAST, MAP_AT(0), m.handle).status, GNTST_bad_handle);
	/* The mapper goes: the granter's busy bits are released. */
	domain__destroy(b);
	assert_int_equal(flags1(c, 2), GTF_permit_access);
	assert_int_equal(c->gnttab->nr_pinned, 0);
	harness__free(h);
}

/* ---- a guest changing its entry while the hypervisor pins it ---- */

struct racer {
	struct domain *a;
	domid_t grantee;
	bool stop; /* atomic */
	unsigned revoked;
};

/* Leave the grant in place a little, so that maps can win as well as lose. */
static void pause_granted(void)
{
	for (volatile unsigned k = 0; k < 2000; k++)
		;
}

/* What a guest's gnttab_end_foreign_access does, in a loop: revoke unless busy, re-grant. */
#define RACE_ROUNDS 20000
#define RACE_MAX_ROUNDS 2000000

static void *race(void *p)
{
	struct racer *r = p;
	uint32_t *w = (uint32_t *)(void *)e1(r->a, 1);
	const uint32_t granted = GTF_permit_access | (uint32_t)r->grantee << 16;

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		uint32_t exp = granted;
		if (__atomic_compare_exchange_n(w, &exp, 0, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			__atomic_fetch_add(&r->revoked, 1, __ATOMIC_SEQ_CST);
			__atomic_store_n(w, granted, __ATOMIC_SEQ_CST);
		}
		pause_granted();
	}
	return NULL;
}

static void test_race_v1(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);
	struct domain *b = dom(h, "b", 0, 0, 0);
	struct racer r = { .a = a, .grantee = b->id };
	pthread_t t;
	unsigned ok = 0, refused = 0;

	grant1(a, 1, GTF_permit_access, b->id, FRAME(1));
	assert_int_equal(pthread_create(&t, NULL, race, &r), 0);
	/*
	 * At least RACE_ROUNDS maps, and on until a map succeeded and the guest
	 * revoked at least once (the racer thread may be scheduled late on a
	 * loaded machine), within a bound that no scheduler misses.
	 */
	unsigned i;
	for (i = 0; i < RACE_ROUNDS ||
		    ((!ok || !__atomic_load_n(&r.revoked, __ATOMIC_SEQ_CST)) && i < RACE_MAX_ROUNDS);
	     i++) {
		struct map_res m = map(h, b, FAST, a->id, MAP_AT(0), GNTMAP_host_map, 1);
		if (m.status != GNTST_okay) {
			assert_int_equal(m.status, GNTST_general_error);
			refused++;
			continue;
		}
		ok++;
		/* Mapped: the guest cannot have revoked it; the busy bits hold it. */
		uint32_t w = __atomic_load_n((uint32_t *)(void *)e1(a, 1), __ATOMIC_SEQ_CST);
		assert_int_equal(w, GTF_permit_access | GTF_reading | GTF_writing |
				    (uint32_t)b->id << 16);
		assert_int_equal(unmap(h, b, FAST, MAP_AT(0), m.handle).status, GNTST_okay);
		harness__scratch_reset(h, b);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	assert_int_equal(ok + refused, i);
	assert_true(ok > 0);
	assert_true(r.revoked > 0);
	assert_int_equal(flags1(a, 1), GTF_permit_access);
	assert_int_equal(a->gnttab->nr_pinned, 0);
	harness__free(h);
}

struct racer2 {
	struct domain *a;
	bool stop; /* atomic */
	bool held; /* atomic: the main thread holds a mapping */
	unsigned revoked, busy, violations;
};

/*
 * A v2 guest's end of access, as Linux does it: clear the flags, then look at
 * the status; busy means "still in use". Never may it find the grant free
 * while the hypervisor has a mapping of it.
 */
static void *race2(void *p)
{
	struct racer2 *r = p;
	grant_entry_v2_t *e = e2(r->a, 1);
	grant_status_t *st = gnttab__status_frame(r->a, 0);

	while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&e->hdr.flags, 0, __ATOMIC_SEQ_CST);
		uint16_t s = __atomic_load_n(&st[1], __ATOMIC_SEQ_CST);
		if (s & (GTF_reading | GTF_writing)) {
			r->busy++;
		} else {
			__atomic_fetch_add(&r->revoked, 1, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&r->held, __ATOMIC_SEQ_CST))
				r->violations++;
		}
		__atomic_store_n(&e->hdr.flags, GTF_permit_access, __ATOMIC_SEQ_CST);
		pause_granted();
	}
	return NULL;
}

static void test_race_v2(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 0, 0);
	struct domain *b = dom(h, "b", 0, 0, 0);
	struct racer2 r = { .a = a };
	pthread_t t;
	unsigned ok = 0;

	assert_int_equal(set_version(h, a, FAST, 2), 0);
	grant2(a, 1, GTF_permit_access, b->id, FRAME(1));
	assert_int_equal(pthread_create(&t, NULL, race2, &r), 0);
	for (unsigned i = 0;
	     i < RACE_ROUNDS ||
	     ((!ok || !__atomic_load_n(&r.revoked, __ATOMIC_SEQ_CST)) && i < RACE_MAX_ROUNDS);
	     i++) {
		struct map_res m = map(h, b, FAST, a->id, MAP_AT(0), GNTMAP_host_map, 1);
		if (m.status != GNTST_okay) {
			assert_int_equal(m.status, GNTST_general_error);
			assert_int_equal(status2(a, 1), 0); /* a failed pin leaves nothing */
			continue;
		}
		ok++;
		__atomic_store_n(&r.held, true, __ATOMIC_SEQ_CST);
		assert_int_equal(status2(a, 1), GTF_reading | GTF_writing);
		__atomic_store_n(&r.held, false, __ATOMIC_SEQ_CST);
		assert_int_equal(unmap(h, b, FAST, MAP_AT(0), m.handle).status, GNTST_okay);
		harness__scratch_reset(h, b);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	assert_true(ok > 0);
	assert_true(r.revoked > 0);
	assert_int_equal(r.violations, 0);
	assert_int_equal(status2(a, 1), 0);
	harness__free(h);
}

static void test_placement(void **state)
{
	(void)state;
	struct harness *h = world();
	struct domain *a = dom(h, "a", 0, 2, 0);
	struct hv_vcpu *v = &a->vcpus[0];
	bool st;
	unsigned idx;
	gfn_t g;
	uint64_t va, list;

	/* Placing a shared frame grows the table to it. */
	assert_int_equal(a->gnttab->nr_frames, 1);
	assert_int_equal(gnttab__set_frame_gfn(a, false, 1, gfn(0x6001)), 0);
	assert_int_equal(a->gnttab->nr_frames, 2);

	/* Status frames: placed, found, forgotten (memory.c's add/remove_from_physmap). */
	assert_int_equal(gnttab__nr_status_frames(a), 1);
	assert_false(gnttab__frame_gfn(a, true, 0, &g));
	assert_int_equal(gnttab__set_frame_gfn(a, true, 0, gfn(0x5000)), 0);
	assert_int_equal(gnttab__set_frame_gfn(a, true, 1, gfn(0x5001)), -XEN_EINVAL);
	assert_true(gnttab__frame_at(a, gfn(0x5000), &st, &idx));
	assert_true(st);
	assert_int_equal(idx, 0);
	assert_false(gnttab__frame_gfn(a, true, 1, &g));
	assert_false(gnttab__frame_gfn(a, false, 2, &g));
	assert_null(gnttab__frame(a, 2));
	assert_null(gnttab__status_frame(a, 1));
	assert_int_equal(gnttab__max_frames(a), 2);

	/* get_status_frames lists it; a list it cannot write is a bad address. */
	assert_int_equal(set_version(h, a, FAST, 2), 0);
	uint64_t *frames = harness__alloc(h, a, 8, &list);
	struct gnttab_get_status_frames *sf = harness__alloc(h, a, sizeof(*sf), &va);
	sf->dom = DOMID_SELF;
	sf->nr_frames = 1;
	set_xen_guest_handle(sf->frame_list, (uint64_t *)(uintptr_t)list);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 1), 0);
	assert_int_equal(sf->status, GNTST_okay);
	assert_int_equal(frames[0], 0x5000);
	gnttab__clear_frame_gfn(a, true, 0);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 1), 0);
	assert_int_equal(frames[0], ~0ull);
	set_xen_guest_handle(sf->frame_list, (uint64_t *)(uintptr_t)0x40000000ull);
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 1), 0);
	assert_int_equal(sf->status, GNTST_bad_virt_addr);
	/* As Xen: a domain that does not exist is that, before any permission check. */
	sf->dom = 5;
	assert_int_equal(hleg64(v, GT, GNTTABOP_get_status_frames, va, 1), -XEN_ESRCH);
	assert_int_equal(sf->status, GNTST_bad_domain);

	/* A 32-bit frame list cannot carry a frame above 2^32. */
	assert_int_equal(gnttab__set_frame_gfn(a, false, 0, gfn(1ull << 33)), 0);
	struct compat_setup_table *op = harness__alloc(h, a, sizeof(*op), &va);
	op->dom = DOMID_SELF;
	op->nr_frames = 1;
	op->frame_list = (uint32_t)list;
	assert_int_equal(hleg32(v, GT, GNTTABOP_setup_table, va, 1), 0);
	assert_int_equal(op->status, GNTST_general_error);
	/* Out of range requests change nothing. */
	gnttab__clear_frame_gfn(a, false, 7);
	gnttab__clear_frame_gfn(a, true, 7);
	harness__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_and_version),
		cmocka_unit_test(test_size_other_domain),
		cmocka_unit_test(test_map_unmap_v1),
		cmocka_unit_test(test_map_readonly),
		cmocka_unit_test(test_map_refused),
		cmocka_unit_test(test_map_self_and_device),
		cmocka_unit_test(test_map_v2),
		cmocka_unit_test(test_version_switch_keeps_reserved),
		cmocka_unit_test(test_maptrack_limit),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_fixed_layout_frames),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_copy_v2_sub_page),
		cmocka_unit_test(test_confidential),
		cmocka_unit_test(test_batch_map_unmap),
		cmocka_unit_test(test_batch_copy),
		cmocka_unit_test(test_batch_bad),
		cmocka_unit_test(test_legacy_arrays),
		cmocka_unit_test(test_legacy_misc),
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_destroy),
		cmocka_unit_test(test_race_v1),
		cmocka_unit_test(test_race_v2),
		cmocka_unit_test(test_placement),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
