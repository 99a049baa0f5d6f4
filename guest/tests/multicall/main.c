/*
 * multicall (13), vm_assist (21) and GNTTABOP_swap_grant_ref, as an HVM
 * guest uses them on Xen 4.17 (built 64- and 32-bit: the 32-bit build
 * passes the i386 multicall_entry, 32-bit fields):
 * - a list of entries, each served as its own hypercall, its result in the
 *   entry; a nested multicall refused (-EINVAL), an unknown number -ENOSYS;
 *   a list longer than one trap's share and an entry that continues itself
 *   (a console write over 1 KiB) both finish with every result written;
 * - vm_assist: only VMASST_TYPE_runstate_update_flag for HVM (-EINVAL for
 *   the PV types, -ENOSYS for an unknown command), and the runstate area
 *   read with the flag's protocol;
 * - swap_grant_ref: two entries of our grant table trade places (a copy
 *   through the swapped ref works, through the other one no more), with
 *   grant table v2 the status entries too, seen through a status frame
 *   placed with XENMEM_add_to_physmap (XENMAPIDX_grant_table_status), the
 *   way an HVM guest gets them (get_status_frames is -ENOSYS to HVM);
 * and prints what N calls cost batched in one multicall against N traps.
 */
#include "guest.h"

const char test_title[] = "multicall";

#define N_BATCH 32
#define N_LONG 100 /* more than one trap's share (the core serves 64 per trap) */

static struct multicall_entry list[N_LONG];
static char text[1100];
static uint8_t src[PAGE_SIZE] __page_noinit;
static uint8_t dst[PAGE_SIZE] __page_noinit;
static uint8_t status_slot[PAGE_SIZE] __page_noinit;
static struct vcpu_runstate_info runstate;

static long multicall(struct multicall_entry *l, unsigned n)
{
	return hypercall_nr(__HYPERVISOR_multicall, (unsigned long)l, n, 0, 0, 0);
}

static long vm_assist(unsigned cmd, unsigned type)
{
	return hypercall_nr(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0);
}

static void entry(unsigned i, unsigned long op, unsigned long a0, unsigned long a1,
		  unsigned long a2)
{
	list[i] = (struct multicall_entry){ .op = op, .result = 0x5a5a, .args = { a0, a1, a2 } };
}

static void entries(void)
{
	entry(0, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	entry(1, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	entry(2, __HYPERVISOR_multicall, (unsigned long)list, 1, 0);
	entry(3, 60, 0, 0, 0);
	entry(4, __HYPERVISOR_vm_assist, 7, VMASST_TYPE_runstate_update_flag, 0);
	long rc = multicall(list, 5);
	printf("multicall of 5: %ld; results %#lx %ld %ld %ld %ld\n", rc,
	       (unsigned long)list[0].result, (long)list[1].result, (long)list[2].result,
	       (long)list[3].result, (long)list[4].result);
	CHECK_EQ(rc, 0);
	CHECK_EQ(list[0].result, (4ul << 16) | 17);
	CHECK_EQ(list[1].result, PAGE_SIZE);
	CHECK_EQ((long)list[2].result, -XEN_EINVAL);
	CHECK_EQ((long)list[3].result, -XEN_ENOSYS);
	CHECK_EQ((long)list[4].result, -XEN_ENOSYS);
	CHECK_EQ(list[3].op, 60); /* only 'result' is written */

	/* Longer than one trap's share: continued, every entry once. */
	for (unsigned i = 0; i < N_LONG; i++)
		entry(i, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	rc = multicall(list, N_LONG);
	unsigned ok = 0;
	for (unsigned i = 0; i < N_LONG; i++)
		ok += list[i].result == ((4ul << 16) | 17);
	printf("multicall of %u: %ld, %u results right\n", N_LONG, rc, ok);
	CHECK_EQ(rc, 0);
	CHECK_EQ(ok, N_LONG);

	/* An entry that continues itself: a console write of 1100 bytes. */
	memset(text, '=', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\n';
	entry(0, __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(text), (unsigned long)text);
	entry(1, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	rc = multicall(list, 2);
	printf("multicall with a 1100-byte console write: %ld; results %ld %#lx\n", rc,
	       (long)list[0].result, (unsigned long)list[1].result);
	CHECK_EQ(rc, 0);
	CHECK_EQ(list[0].result, 0);
	CHECK_EQ(list[1].result, (4ul << 16) | 17);

	/* A list that is not there. */
	rc = multicall((struct multicall_entry *)0xfff00000ul, 1);
	printf("multicall of an unmapped list: %ld\n", rc);
	CHECK_EQ(rc, -XEN_EFAULT);
}

/* The runstate as the flag's protocol reads it: retry while XEN_RUNSTATE_UPDATE is set. */
static uint64_t read_entry_time(void)
{
	for (;;) {
		uint64_t t = ACCESS_ONCE(runstate.state_entry_time);
		barrier();
		uint64_t again = ACCESS_ONCE(runstate.state_entry_time);
		if (!(t & XEN_RUNSTATE_UPDATE) && t == again)
			return t;
	}
}

static void assists(void)
{
	unsigned refused = 0;
	for (unsigned t = 0; t < 8; t++)
		if (t != VMASST_TYPE_runstate_update_flag)
			refused += vm_assist(VMASST_CMD_enable, t) == -XEN_EINVAL;
	long rc = vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag);
	printf("vm_assist: %u of 7 PV types -EINVAL; runstate_update_flag enable %ld\n", refused,
	       rc);
	CHECK_EQ(refused, 7);
	CHECK_EQ(rc, 0);
	CHECK_EQ(vm_assist(VMASST_CMD_disable, VMASST_TYPE_runstate_update_flag), 0);
	CHECK_EQ(vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);

	struct vcpu_register_runstate_memory_area r;
	set_xen_guest_handle(r.addr.h, &runstate);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &r), 0);
	uint64_t t0 = read_entry_time();
	hypercall_sched_op(SCHEDOP_yield, NULL);
	uint64_t t1 = read_entry_time();
	printf("runstate area with the update flag: state %d, entry time %llu -> %llu\n",
	       runstate.state, (unsigned long long)t0, (unsigned long long)t1);
	CHECK_EQ(runstate.state, RUNSTATE_running);
	CHECK(t1 >= t0);
	CHECK(t0 != 0);
	/* Unregister: the area is ours again. */
	set_xen_guest_handle(r.addr.h, NULL);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &r), 0);
}

static int16_t copy_from(grant_ref_t ref)
{
	struct gnttab_copy c = {
		.source = { .u.ref = ref, .domid = DOMID_SELF },
		.dest = { .u.gmfn = (uintptr_t)dst >> 12, .domid = DOMID_SELF },
		.len = 64,
		.flags = GNTCOPY_source_gref,
	};
	CHECK_EQ(hypercall_grant_table_op(GNTTABOP_copy, &c, 1), 0);
	return c.status;
}

static void swaps(void)
{
	grant_entry_v1_t *g = grant_frame0_map();
	if (!g) {
		xtf_error("grant frame 0 not available");
		return;
	}
	memset(src, 0x77, 64);
	g[10] = (grant_entry_v1_t){ .domid = 0, .frame = (uint32_t)((uintptr_t)src >> 12) };
	barrier();
	ACCESS_ONCE(g[10].flags) = GTF_permit_access;
	g[11] = (grant_entry_v1_t){ 0 };
	struct gnttab_swap_grant_ref s[2] = { { .ref_a = 10, .ref_b = 11, .status = 1 },
					      { .ref_a = 12, .ref_b = 1u << 30, .status = 1 } };
	long rc = hypercall_grant_table_op(GNTTABOP_swap_grant_ref, s, 2);
	printf("swap_grant_ref 10<->11, 12<->2^30: %ld, status %d %d\n", rc, s[0].status,
	       s[1].status);
	CHECK_EQ(rc, 0);
	CHECK_EQ(s[0].status, GNTST_okay);
	CHECK_EQ(s[1].status, GNTST_bad_gntref);
	CHECK_EQ(g[11].flags, GTF_permit_access);
	CHECK_EQ(g[10].flags, 0);
	int16_t via11 = copy_from(11), via10 = copy_from(10);
	printf("copy through ref 11: %d, through ref 10: %d\n", via11, via10);
	CHECK_EQ(via11, GNTST_okay);
	CHECK(via10 != GNTST_okay);
	CHECK_EQ(dst[0], 0x77);

	/* v2: the status frame where we put it, and status entries that move with a swap. */
	struct gnttab_set_version sv = { .version = 2 };
	CHECK_EQ(hypercall_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
		.idx = 0 | XENMAPIDX_grant_table_status, .gpfn = (uintptr_t)status_slot >> 12,
	};
	rc = hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
	struct gnttab_get_status_frames gsf = { .nr_frames = 1, .dom = DOMID_SELF };
	long gsf_rc = hypercall_grant_table_op(GNTTABOP_get_status_frames, &gsf, 1);
	printf("v2: status frame 0 placed: %ld; get_status_frames: %ld\n", rc, gsf_rc);
	CHECK_EQ(rc, 0);
	CHECK_EQ(gsf_rc, -XEN_ENOSYS);
	grant_status_t *st = (grant_status_t *)status_slot;
	ACCESS_ONCE(st[20]) = GTF_reading; /* as a status entry of a grant in use would read */
	ACCESS_ONCE(st[21]) = 0;
	s[0] = (struct gnttab_swap_grant_ref){ .ref_a = 20, .ref_b = 21, .status = 1 };
	rc = hypercall_grant_table_op(GNTTABOP_swap_grant_ref, s, 1);
	printf("v2 swap 20<->21: %ld status %d; status entries now %#x %#x\n", rc, s[0].status,
	       st[20], st[21]);
	CHECK_EQ(rc, 0);
	CHECK_EQ(s[0].status, GNTST_okay);
	CHECK_EQ(st[20], 0);
	CHECK_EQ(st[21], GTF_reading);
	sv.version = 1;
	CHECK_EQ(hypercall_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
}

/* The hypervisor's clock (one legacy call). */
static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };
	hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

/* 64-bit division that 32-bit code can do without libgcc. */
static unsigned long long div(uint64_t a, uint32_t b)
{
	uint32_t rem;
	return div_u64_rem(a, b, &rem);
}

/*
 * Time N xen_version calls: N traps against one multicall of N entries,
 * on the hypervisor's clock, less what reading the clock costs (an empty
 * interval); the best of 5 runs each.
 */
static void costs(void)
{
	for (unsigned i = 0; i < N_BATCH; i++)
		entry(i, __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	uint64_t best_clock = ~0ull, best_sep = ~0ull, best_mc = ~0ull;
	for (unsigned run = 0; run < 5; run++) {
		uint64_t t0 = now_ns(), t1 = now_ns();
		for (unsigned i = 0; i < N_BATCH; i++)
			hypercall_xen_version(XENVER_version, NULL);
		uint64_t t2 = now_ns();
		multicall(list, N_BATCH);
		uint64_t t3 = now_ns();
		if (t1 - t0 < best_clock)
			best_clock = t1 - t0;
		if (t2 - t1 < best_sep)
			best_sep = t2 - t1;
		if (t3 - t2 < best_mc)
			best_mc = t3 - t2;
	}
	uint64_t sep = best_sep > best_clock ? best_sep - best_clock : 0;
	uint64_t mc = best_mc > best_clock ? best_mc - best_clock : 0;
	printf("%u xen_version calls: %llu us as %u traps, %llu us in one multicall "
	       "(best of 5, less %llu us for the clock; %llu and %llu ns per call)\n",
	       N_BATCH, div(sep, 1000), N_BATCH, div(mc, 1000), div(best_clock, 1000),
	       div(sep, N_BATCH), div(mc, N_BATCH));
	CHECK_EQ(list[N_BATCH - 1].result, (4ul << 16) | 17);
	CHECK(mc < sep); /* one exit instead of N */
}

void test_main(void)
{
	if (!xen_info.hypercall_page_ready) {
		xtf_error("no hypercall page");
		return;
	}
	entries();
	assists();
	swaps();
	costs();
	if (xtf_result() < 0)
		xtf_success(NULL);
}
