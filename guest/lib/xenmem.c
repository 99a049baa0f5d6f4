/* shared_info and grant frames for tests (xenmem.h). */
#include "guest.h"
#include "xenmem.h"

/* Pages given up to the hypervisor's special pages in the legacy layout. */
static uint8_t shared_info_slot[PAGE_SIZE] __page_noinit;
static uint8_t grant_slot[PAGE_SIZE] __page_noinit;

static void *special(uint32_t type, unsigned space, void *slot, const char *what)
{
	const struct hvm_memmap_table_entry *e = memmap_find(type);

	if (e) {
		if (e->addr + PAGE_SIZE > (uint64_t)BOOT_MAP_GIB << 30) {
			printf("%s at %#llx: above the guest's map\n", what,
			       (unsigned long long)e->addr);
			return NULL;
		}
		return (void *)(uintptr_t)e->addr;
	}
	if (!xen_info.hypercall_page_ready)
		return NULL;
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = space,
		.idx = 0,
		.gpfn = (uintptr_t)slot >> 12,
	};
	long rc = hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
	if (rc) {
		printf("%s: XENMEM_add_to_physmap: %ld\n", what, rc);
		return NULL;
	}
	return slot;
}

struct shared_info *shared_info_map(void)
{
	static struct shared_info *s;

	if (!s)
		s = special(XEN_HVM_MEMMAP_TYPE_SHARED_INFO, XENMAPSPACE_shared_info,
			    shared_info_slot, "shared_info");
	return s;
}

struct shared_info *shared_info_need(void)
{
	struct shared_info *s = shared_info_map();

	if (!s)
		xtf_error("shared_info not available");
	return s;
}

void *grant_frame0_map(void)
{
	static void *g;

	if (!g)
		g = special(XEN_HVM_MEMMAP_TYPE_GRANT_TABLE, XENMAPSPACE_grant_table, grant_slot,
			    "grant frame 0");
	return g;
}

uint64_t foreign_window(void)
{
	const struct hvm_memmap_table_entry *e = memmap_find(XEN_HVM_MEMMAP_TYPE_FOREIGN_REG);

	return e ? e->addr : 0;
}

#define BITS_PER_WORD (8 * sizeof(xen_ulong_t))

bool evtchn_test_pending(struct shared_info *s, unsigned port)
{
	return ACCESS_ONCE(s->evtchn_pending[port / BITS_PER_WORD]) &
	       ((xen_ulong_t)1 << (port % BITS_PER_WORD));
}

void evtchn_clear_pending(struct shared_info *s, unsigned port)
{
	__atomic_fetch_and(&s->evtchn_pending[port / BITS_PER_WORD],
			   ~((xen_ulong_t)1 << (port % BITS_PER_WORD)), __ATOMIC_SEQ_CST);
}

void evtchn_set_mask(struct shared_info *s, unsigned port)
{
	__atomic_fetch_or(&s->evtchn_mask[port / BITS_PER_WORD],
			  (xen_ulong_t)1 << (port % BITS_PER_WORD), __ATOMIC_SEQ_CST);
}

void evtchn_take_pending(struct shared_info *s, unsigned vcpu, void (*fn)(unsigned port))
{
	struct vcpu_info *vi = &s->vcpu_info[vcpu];

	vi->evtchn_upcall_pending = 0;
	xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned w = (unsigned)__builtin_ctzl(sel);
		sel &= sel - 1;
		xen_ulong_t bits = s->evtchn_pending[w] & ~s->evtchn_mask[w];
		while (bits) {
			unsigned b = (unsigned)__builtin_ctzl(bits);
			bits &= bits - 1;
			evtchn_clear_pending(s, w * BITS_PER_WORD + b);
			if (fn)
				fn(w * BITS_PER_WORD + b);
		}
	}
}
