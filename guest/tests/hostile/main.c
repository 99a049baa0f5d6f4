/*
 * A hostile guest (docs/security.md, "Hostile guests"): random and
 * adversarial hypercalls through both ABIs, with vCPU 1 racing on the same
 * ports and grants while vCPU 0 takes it down and up again.
 *
 *   seed=N      the generator's seed (printed; the same seed gives the same
 *               calls on vCPU 0, so a failure can be replayed)
 *   calls=N     calls per ABI on vCPU 0 (default 1000)
 *   trace=N     print every call from the N-th (of each ABI) on
 *   updown=0    vCPU 0 does not take vCPU 1 down and up (to tell races apart)
 *
 * Run with --fixed-mem-layout --vcpus 2 --memory 512; linked at 480 MiB
 * (guest/tests/meson.build): everything of ours lies above 480 MiB, so
 * that no small number the hypervisor wrote into memory (a port, a handle,
 * a size such as 0x1000) names one of our frames when a later call reads
 * it back as one; [478, 480) MiB is not mapped, so that no array walked up
 * from below reaches us. The hypervisor may trample the rest at will;
 * the generated addresses and frames stay in the low 4 MiB.
 *
 * What the calls are made of. Hypercall numbers and sub-ops are the known
 * ones most of the time and anything else otherwise (the legacy ones also
 * with continuation bits in cmd that the hypervisor never gave: memory_op's
 * start extent, grant_table_op's progress); every argument register, every
 * word of the struct a legacy pointer names and FastABI's `done` comes from
 * value(): small numbers, limits, wrapping sizes, frames and addresses in
 * the low 4 MiB, the shared_info and grant pages, the rings, the foreign
 * window, the hypercall page, the code and the page tables (through a
 * read-only alias: CR0.WP is set, so the hypervisor must refuse to write
 * there), MMIO, frames beyond RAM and beyond the physical address width,
 * non-canonical and unmapped addresses, random bits. Structs at odd
 * addresses, across a page end and over holes the calls themselves made.
 *
 * What the guest checks: every call returns, with 0, a value, or a Xen
 * errno; a FastABI call changes only rax and its output registers (never
 * rbx, rcx, rdx, rbp, rdi, r13-r15); vCPU 1's grant copies give the granted
 * bytes whenever they succeed. Afterwards a known-good sequence works
 * through both ABIs: the special pages put back, an event channel loop,
 * a grant copy, the memory map, vCPU 1 down and up.
 *
 * Left out of the random set, because they would stop the test as they
 * would on Xen (documented in docs/security.md): SCHEDOP_shutdown and
 * remote_shutdown (the domain ends), SCHEDOP_block (the guest runs with
 * interrupts off, so it would sleep for good), VCPUOP_down of vCPU 0 (the
 * one running the test), CONSOLEIO_write (megabytes of noise in the log;
 * the console has its own tests). SCHEDOP_poll gets a timeout of at most
 * 1 ms, a watchdog is disarmed right after it is armed.
 */
#include "guest.h"
#include <xen/hvm/hvm_vcpu.h>

const char test_title[] = "hostile";

/* Ours: [LOW_END, RAM end). The hypervisor may write anywhere below. */
#define LOW_END (478ull << 20)
/* With a 512-frame margin: the largest extent order a domU may use is 9. */
#define LOW_SAFE_FRAMES ((LOW_END >> 12) - 512)
/* Where the generated addresses and frames point (the host memory touched stays small). */
#define LOW_GEN (4ull << 20)
#define LOW_GEN_FRAMES (LOW_GEN >> 12)
#define WINDOW_WORDS 8
#define ALIAS_BASE (1ull << 39) /* PML4 slot 1: the read-only aliases */
#define NR_POOL 8               /* vCPU 1's ports, refs, mapping slots */
#define POOL_REF 8

enum alias { AL_PML4, AL_PDPT, AL_PD, AL_HCALL, AL_TEXT, NR_ALIAS };
/*
 * Where a struct may start in each alias: never over an entry that holds
 * one of our addresses (PML4 and PDPT entries name our page tables, PD
 * entries 239 and up our image), which the hypervisor would read as a
 * buffer to write to. vCPU 1's stack and the grant table (our frames) are
 * left out for the same reason.
 */
static const uint16_t alias_lo[NR_ALIAS] = { [AL_PML4] = 16, [AL_PDPT] = 64 };
static const uint16_t alias_hi[NR_ALIAS] = { [AL_PML4] = 4096, [AL_PDPT] = 4096,
					     [AL_PD] = 1792, [AL_HCALL] = 4096, [AL_TEXT] = 4096 };

static uint64_t alias_pdpt[512] __page_noinit;
static uint64_t alias_pd[512] __page_noinit;
static uint64_t alias_pt[512] __page_noinit;
extern uint64_t pml4[512], pdpt[512], pd[512];

static uint64_t ram_end, si_gfn, gt_gfn, win, cons_pfn, store_pfn;
static evtchn_port_t cons_port, store_port;
static struct shared_info *si;
static grant_entry_v1_t *gt;

/* vCPU 1 */
static union {
	struct vcpu_hvm_context c;
	uint8_t page[PAGE_SIZE];
} ap_ctx __page_noinit;
static uint8_t ap_stack[4 * PAGE_SIZE] __page_noinit;
static uint8_t pool_pages[NR_POOL][PAGE_SIZE] __page_noinit;
static uint8_t ap_buf[PAGE_SIZE] __page_noinit;
/* vCPU 0's tables, which VCPUOP_initialise's context does not carry (an NMI needs both). */
static struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr, gdtr;
static volatile bool ap_stop, ap_stopped;
static volatile uint64_t ap_calls, ap_copies, ap_bad_bytes, ap_bad_rc, ap_last_bad;
static volatile evtchn_port_t pool_port[NR_POOL];
static volatile grant_handle_t pool_handle[NR_POOL];
static volatile uint64_t nmis;

/* vCPU 0's figures */
static uint64_t calls[2], ok[2], errs[2], values[2], downs;
static uint64_t trace_from = ~0ull; /* trace=N: print every call from the N-th on */
static bool updown = true;          /* updown=0: vCPU 0 never takes vCPU 1 down (a diagnosis) */

/* Every errno Xen's public header defines (some twice: EWOULDBLOCK is EAGAIN). */
static const long xen_errnos[] = {
#define XEN_ERRNO(name, value) value,
#include <xen/errno.h>
#undef XEN_ERRNO
};

static bool abi_errno(long e)
{
	for (unsigned i = 0; i < ARRAY_SIZE(xen_errnos); i++)
		if (xen_errnos[i] == e)
			return true;
	return false;
}

/* xorshift64*: small, and the same sequence for the same seed. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_n(uint64_t *s, uint32_t n)
{
	return (uint32_t)((rnd(s) >> 32) * n >> 32);
}

/*
 * A value in ours ([LOW_END, RAM end) as an address, or its frames, with
 * a 512-frame margin for extents) is folded into the low 4 MiB: each
 * 32-bit half is checked, since 32-bit fields (grant frames, ports) are
 * read from either half of a word.
 */
static uint32_t fold32(uint32_t x)
{
	if (x >= LOW_END && x < ram_end)
		return (uint32_t)(x % LOW_GEN);
	if (x >= LOW_SAFE_FRAMES && x < (ram_end >> 12))
		return x % LOW_GEN_FRAMES;
	return x;
}

static uint64_t fold(uint64_t v)
{
	return (uint64_t)fold32((uint32_t)(v >> 32)) << 32 | fold32((uint32_t)v);
}

static uint64_t alias(enum alias a)
{
	return ALIAS_BASE + (uint64_t)a * PAGE_SIZE;
}

static uint64_t value(uint64_t *s)
{
	static const uint64_t limits[] = {
		~0ull, ~0ull - 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
		1ull << 63, 0x00007ffffffff000ull, 0x0000800000000000ull, /* non-canonical */
		0xffff800000000000ull, 0xfffffffffffff000ull, 0x10000, 0xffff, 0x8000,
		1ull << 40, 1ull << 52, (1ull << 52) - PAGE_SIZE, /* beyond the address width */
		0xfee00000, 0xfec00000, 0xfee00, 0xfec00, /* LAPIC, IOAPIC */
		0x7fffffffffffffffull, 4095, 4097, 0xdead0000beefull,
	};
	uint64_t r = rnd(s);

	switch (rnd_n(s, 12)) {
	case 0:
	case 1:
		return r & 15;
	case 2:
		return limits[rnd_n(s, ARRAY_SIZE(limits))];
	case 3: /* a low address: 8-aligned, or just before a page end */
		return (r % LOW_GEN) & (r & 0x100 ? ~7ull : ~0ull);
	case 4:
		return (r >> 8) % LOW_GEN_FRAMES;
	case 5: { /* the special pages, as frames and addresses */
		/* The grant table's last: not as an address (its entries name our frames). */
		const uint64_t sp[] = { si_gfn, cons_pfn, store_pfn, win >> 12,
					(win >> 12) + (r & 63), ram_end >> 12,
					(ram_end >> 12) + (r & 0xffff), gt_gfn, gt_gfn + 1 };
		unsigned i = rnd_n(s, ARRAY_SIZE(sp));
		uint64_t f = sp[i];
		return r & 0x200 && i < ARRAY_SIZE(sp) - 2 ? f << 12 | (r & 0x10 ? 0xff8 : 0) : f;
	}
	case 6: { /* read-only aliases of the page tables, the hypercall page, the code */
		enum alias a = (enum alias)rnd_n(s, NR_ALIAS);
		return alias(a) + alias_lo[a] + ((r >> 4) % (alias_hi[a] - alias_lo[a]) & ~7ull);
	}
	case 7: /* unmapped (the aliases' slot beyond them) and port/ref sized */
		return r & 1 ? alias(NR_ALIAS) + (r & 0xffff8) : (r >> 16) & 0x1fff;
	case 8:
		return fold((uint32_t)r);
	case 9: /* a count that wraps when multiplied by a struct's size */
		return (~0ull / (8u << (r & 7))) + (r & 3);
	default:
		return fold(r);
	}
}

/*
 * The struct a legacy pointer names, when it is in the low 4 MiB (the
 * aliases are read-only, the rest is the hypervisor's to read): WINDOW_WORDS
 * fresh words, so that what the hypervisor wrote there earlier is never
 * read back as a pointer or a frame. At an odd address the words are
 * seen shifted, so there every byte below 0x40 gets bit 6: no shifted
 * field can then name one of our frames or addresses.
 */
static void fill_window(uint64_t *s, uint64_t p)
{
	/* Only where the generated addresses point: [LOW_GEN, +2 MiB) is the hole. */
	if (p >= LOW_GEN - WINDOW_WORDS * 8 - 8)
		return;
	volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)(p & ~7ull);
	for (unsigned i = 0; i <= WINDOW_WORDS; i++) {
		uint64_t v = value(s);
		if (p & 7) {
			uint64_t low = ~v & 0xc0c0c0c0c0c0c0c0ull;
			v |= (low & (low << 1)) >> 1 & 0x4040404040404040ull;
		}
		w[i] = v;
	}
}

/* PML4 slot 1 -> read-only 4 KiB aliases of what a guest must protect. */
static void aliases_init(void)
{
	const uint64_t what[NR_ALIAS] = {
		[AL_PML4] = (uintptr_t)pml4, [AL_PDPT] = (uintptr_t)pdpt, [AL_PD] = (uintptr_t)pd,
		[AL_HCALL] = (uintptr_t)hypercall_page,
		[AL_TEXT] = (uintptr_t)test_main & ~0xfffull,
	};
	for (unsigned i = 0; i < NR_ALIAS; i++)
		alias_pt[i] = what[i] | X86_PTE_P; /* no RW */
	alias_pd[0] = (uintptr_t)alias_pt | X86_PTE_P | X86_PTE_RW;
	alias_pdpt[0] = (uintptr_t)alias_pd | X86_PTE_P | X86_PTE_RW;
	pml4[1] = (uintptr_t)alias_pdpt | X86_PTE_P | X86_PTE_RW;
	/*
	 * [LOW_END, image) unmapped: an array that a legacy call walks up
	 * from the low memory (a count of 2^31 grant ops) faults there
	 * instead of reaching the image.
	 */
	pd[LOW_END >> 21] = 0;
	/*
	 * And [4, 6) MiB: a walk up from the generated addresses faults
	 * there, after at most 4 MiB of entries (a long walk through the
	 * rest, each step a continuation, takes minutes here).
	 */
	pd[LOW_GEN >> 21] = 0;
	write_cr3(read_cr3());
}

static void nmi(struct cpu_regs *regs)
{
	(void)regs;
	__atomic_fetch_add(&nmis, 1, __ATOMIC_RELAXED);
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };

	hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

/* Disarm what a random call may have armed: watchdogs and timers. */
static void disarm(void)
{
	for (uint32_t id = 1; id <= 2; id++) {
		struct sched_watchdog w = { .id = id, .timeout = 0 };
		hypercall_sched_op(SCHEDOP_watchdog, &w);
	}
}

/*
 * The exclusions (the comment at the top): a cmd that must not be called
 * is replaced by a harmless one of the same family. Xen's handlers take
 * cmd as an int, so only its lower half counts.
 */
static unsigned long tame(unsigned long nr, unsigned long cmd, unsigned long vcpu)
{
	uint32_t c = (uint32_t)cmd;

	switch ((uint32_t)nr) {
	case __HYPERVISOR_sched_op:
		if (c == SCHEDOP_shutdown || c == SCHEDOP_remote_shutdown || c == SCHEDOP_block)
			return SCHEDOP_yield;
		break;
	case __HYPERVISOR_vcpu_op:
		if (c == VCPUOP_down && (uint32_t)vcpu == 0)
			return VCPUOP_is_up;
		break;
	case __HYPERVISOR_console_io:
		if (c == CONSOLEIO_write)
			return CONSOLEIO_read;
		break;
	}
	return cmd;
}

static const unsigned known_legacy[] = {
	__HYPERVISOR_memory_op, __HYPERVISOR_multicall, __HYPERVISOR_set_timer_op,
	__HYPERVISOR_xen_version, __HYPERVISOR_console_io, __HYPERVISOR_grant_table_op,
	__HYPERVISOR_vm_assist, __HYPERVISOR_vcpu_op, __HYPERVISOR_sched_op,
	__HYPERVISOR_event_channel_op, __HYPERVISOR_physdev_op, __HYPERVISOR_hvm_op,
	__HYPERVISOR_sysctl, __HYPERVISOR_domctl, __HYPERVISOR_xsm_op, __HYPERVISOR_platform_op,
};
static const unsigned known_fast[] = { 12, 17, 20, 24, 29, 32, 34 };

static unsigned long subop(uint64_t *s, unsigned long nr)
{
	uint64_t r = rnd(s);

	switch (rnd_n(s, 8)) {
	case 0: /* continuation bits the hypervisor never gave */
		if (nr == __HYPERVISOR_memory_op)
			return (r & 31) | (r >> 20) << 6 /* Xen's MEMOP_EXTENT_SHIFT */;
		if (nr == __HYPERVISOR_grant_table_op)
			return (r & 15) | (r >> 20) << 12;
		return r;
	case 1:
		return value(s);
	default:
		return r & (r & 0x40 ? 0x43 : 0x1f);
	}
}

/* A legacy multicall list of 4 entries in the low memory, each checked. */
static unsigned long multicall_list(uint64_t *s, unsigned long p)
{
	p = (p % (LOW_GEN - PAGE_SIZE)) & ~63ull;
	struct multicall_entry *m = (void *)(uintptr_t)p;
	for (unsigned i = 0; i < 4; i++) {
		unsigned long nr = known_legacy[rnd_n(s, ARRAY_SIZE(known_legacy))];
		m[i].op = nr == __HYPERVISOR_sched_op ? __HYPERVISOR_xen_version : nr;
		m[i].args[0] = subop(s, nr);
		for (unsigned a = 1; a < 6; a++)
			m[i].args[a] = value(s);
		m[i].args[0] = tame(m[i].op, m[i].args[0], m[i].args[1]);
		fill_window(s, m[i].args[1]);
		fill_window(s, m[i].args[2]);
	}
	return p;
}

static void count(unsigned abi, long rc, const char *what, unsigned long nr, unsigned long cmd)
{
	calls[abi]++;
	if (!rc)
		ok[abi]++;
	else if (rc > 0)
		values[abi]++;
	else if (abi_errno(-rc))
		errs[abi]++;
	else
		xtf_failure("%s call %llu (nr %#lx cmd %#lx): %ld is not a Xen errno", what,
			    (unsigned long long)calls[abi], nr, cmd, rc);
}

static void legacy_one(uint64_t *s)
{
	unsigned long nr = rnd_n(s, 4) ? known_legacy[rnd_n(s, ARRAY_SIZE(known_legacy))]
				       : rnd_n(s, 2) ? rnd_n(s, 128) : value(s);
	unsigned long a[5] = { subop(s, nr), value(s), value(s), value(s), value(s) };
	long rc;

	a[0] = tame(nr, a[0], a[1]);
	if ((uint32_t)nr == __HYPERVISOR_sched_op && (uint32_t)a[0] == SCHEDOP_poll) {
		/* At most 1 ms: a random timeout would sleep for years. */
		static struct sched_poll sp;
		static evtchn_port_t ports[4];
		for (unsigned i = 0; i < 4; i++)
			ports[i] = (evtchn_port_t)value(s);
		sp.nr_ports = rnd_n(s, 5);
		set_xen_guest_handle(sp.ports, rnd_n(s, 4) ? ports : (void *)(uintptr_t)value(s));
		sp.timeout = rnd_n(s, 2) ? 1 : now_ns() + rnd_n(s, 1000000);
		a[1] = (uintptr_t)&sp;
	} else if ((uint32_t)nr == __HYPERVISOR_sched_op && (uint32_t)a[0] == SCHEDOP_watchdog) {
		/* A new watchdog with timeout 0 fires at once (as on Xen): at least 1 s. */
		static struct sched_watchdog wd;
		wd.id = (uint32_t)value(s);
		wd.timeout = (uint32_t)value(s) | !wd.id;
		a[1] = (uintptr_t)&wd;
	} else if (nr == __HYPERVISOR_multicall) {
		a[0] = multicall_list(s, a[0]);
		a[1] = rnd_n(s, 5);
	} else {
		/* Where every family's struct pointer is: a[1], or a[2] (vcpu_op, console_io). */
		fill_window(s, a[1]);
		fill_window(s, a[2]);
	}
	if (calls[0] >= trace_from)
		printf("legacy %llu: nr %#lx args %#lx %#lx %#lx %#lx %#lx\n",
		       (unsigned long long)calls[0], nr, a[0], a[1], a[2], a[3], a[4]);
	if ((uint32_t)nr < 128 && nr != __HYPERVISOR_multicall && rnd_n(s, 2))
		rc = hypercall_nr((unsigned)nr, a[0], a[1], a[2], a[3], a[4]);
	else /* the doorbell: any number, the FastABI bit included */
		rc = hypercall_doorbell(nr, a[0], a[1], a[2], a[3], a[4]);
	if ((uint32_t)nr == __HYPERVISOR_sched_op && (uint32_t)a[0] == SCHEDOP_watchdog)
		disarm();
	count(0, rc, "legacy", nr, a[0]);
}

static void fast_one(uint64_t *s)
{
	static const enum fastabi_reg args[] = { REG_RSI, REG_R8, REG_R9, REG_R10, REG_R11, REG_R12 };
	static const enum fastabi_reg kept[] = { REG_RBX, REG_RCX, REG_RDX, REG_RBP, REG_RDI,
						 REG_R13, REG_R14, REG_R15 };
	struct fastabi_regs r, before;
	unsigned long nr = rnd_n(s, 5) ? known_fast[rnd_n(s, ARRAY_SIZE(known_fast))]
				       : rnd_n(s, 64);

	for (unsigned i = 0; i < NR_FASTABI_REGS; i++)
		r.r[i] = 0x5a5a000000000000ull | rnd(s) >> 16;
	r.r[REG_RAX] = __HYPERVISOR_FASTABI_MASK | nr;
	r.r[REG_RDI] = rnd_n(s, 6) ? (rnd_n(s, 4) ? rnd_n(s, 16) : 64 + rnd_n(s, 3)) : value(s);
	for (unsigned i = 0; i < ARRAY_SIZE(args); i++)
		r.r[args[i]] = value(s);
	r.r[REG_RDI] = tame(nr, r.r[REG_RDI], r.r[REG_RSI]);
	if (nr == __HYPERVISOR_sched_op && (uint32_t)r.r[REG_RDI] == SCHEDOP_watchdog &&
	    !(uint32_t)r.r[REG_RSI])
		r.r[REG_R8] |= 1; /* a new watchdog with timeout 0 fires at once */
	if (nr == __HYPERVISOR_sched_op && (uint32_t)r.r[REG_RDI] == SCHEDOP_poll)
		r.r[REG_RSI] = rnd_n(s, 2) ? 1 : now_ns() + rnd_n(s, 1000000);
	before = r;
	if (calls[1] >= trace_from)
		printf("fast %llu: nr %lu sub-op %#llx args %#llx %#llx %#llx %#llx %#llx %#llx\n",
		       (unsigned long long)calls[1], nr, (unsigned long long)r.r[REG_RDI],
		       (unsigned long long)r.r[REG_RSI], (unsigned long long)r.r[REG_R8],
		       (unsigned long long)r.r[REG_R9], (unsigned long long)r.r[REG_R10],
		       (unsigned long long)r.r[REG_R11], (unsigned long long)r.r[REG_R12]);
	fastabi_raw_call(&r, fastabi_trap());
	if (nr == __HYPERVISOR_sched_op && (uint32_t)before.r[REG_RDI] == SCHEDOP_watchdog)
		disarm();
	for (unsigned i = 0; i < ARRAY_SIZE(kept); i++)
		if (r.r[kept[i]] != before.r[kept[i]])
			xtf_failure("fast call %llu (nr %lu sub-op %#llx): %s changed %#llx -> %#llx",
				    (unsigned long long)calls[1], nr,
				    (unsigned long long)before.r[REG_RDI],
				    fastabi_reg_names[kept[i]], (unsigned long long)before.r[kept[i]],
				    (unsigned long long)r.r[kept[i]]);
	count(1, (long)r.r[REG_RAX], "fast", nr, before.r[REG_RDI]);
}

/* A hostile ring: random words in the console or xenstore ring, and a kick. */
static void scribble_ring(uint64_t *s)
{
	bool cons = rnd_n(s, 2);
	uint64_t pfn = cons ? cons_pfn : store_pfn;
	if (!pfn || pfn >= (BOOT_MAP_GIB << 18))
		return;
	volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)(pfn << 12);
	for (unsigned i = 0; i < 4; i++)
		w[rnd_n(s, 512)] = rnd_n(s, 2) ? rnd(s) : rnd(s) & 0xfff;
	struct evtchn_send snd = { .port = cons ? cons_port : store_port };
	hypercall_event_channel_op(EVTCHNOP_send, &snd);
}

/*
 * Grant the pool pages to ourselves at refs POOL_REF.. (again: calls may
 * have changed them), in the table's layout: random calls may have left
 * it at version 2.
 */
static unsigned gt_version = 1;

static void pool_grant(void)
{
	for (unsigned i = 0; i < NR_POOL; i++) {
		uint16_t flags = GTF_permit_access | (i & 1 ? GTF_readonly : 0);
		uint64_t frame = (uintptr_t)pool_pages[i] >> 12;
		if (gt_version == 2) {
			volatile grant_entry_v2_t *e = (grant_entry_v2_t *)gt + POOL_REF + i;
			e->hdr.domid = (domid_t)xen_info.domid;
			e->full_page.frame = frame;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			e->hdr.flags = flags;
			continue;
		}
		volatile grant_entry_v1_t *e = &gt[POOL_REF + i];
		e->domid = (domid_t)xen_info.domid; /* granted to ourselves */
		e->frame = (uint32_t)frame;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		e->flags = flags;
	}
}

static uint8_t pool_byte(unsigned page, unsigned i)
{
	return (uint8_t)(page * 31 + i * 7 + 1);
}

static bool ap_rc(long rc)
{
	if (rc <= 0 && (rc == 0 || abi_errno(-rc)))
		return true;
	ap_bad_rc++;
	ap_last_bad = (uint64_t)rc;
	return false;
}

/*
 * vCPU 1: races on the pool's ports and grants (the same ports and refs
 * vCPU 0's random calls hit, and that vCPU 0 revokes and closes), through
 * both ABIs, until ap_stop. A copy that succeeds must give the granted
 * bytes if the entry named the pool page before and after it.
 */
static __noreturn void ap_main(void)
{
	/*
	 * As on Xen, VCPUOP_initialise's 64-bit context leaves every selector
	 * null; an iretq back from an NMI (random VCPUOP_send_nmi) to CS 0
	 * raises #GP. Our GDT and IDT, and its selectors, as on vCPU 0.
	 */
	__asm__ __volatile__("lgdt %0; lidt %1; mov %2, %%ss; mov %2, %%ds; mov %2, %%es\n\t"
			     "pushq %3; lea 1f(%%rip), %%rax; push %%rax; lretq; 1:"
			     : : "m"(gdtr), "m"(idtr), "r"(GDT_DS), "i"(GDT_CS64) : "rax", "memory");
	uint64_t s = 0x9e3779b97f4a7c15ull ^ rdtsc();

	while (!ap_stop) {
		unsigned k = rnd_n(&s, NR_POOL);
		bool fast = rnd_n(&s, 2);
		evtchn_port_t p = pool_port[k];
		long rc = 0;

		switch (rnd_n(&s, 9)) {
		case 0: {
			struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
			rc = fast ? xen_hypercall_event_channel_alloc_unbound(&a)
				  : hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &a);
			if (!rc)
				pool_port[k] = a.port;
			break;
		}
		case 1: {
			struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF, .remote_port = p };
			rc = fast ? xen_hypercall_event_channel_bind_interdomain(&b)
				  : hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &b);
			if (!rc)
				pool_port[(k + 1) % NR_POOL] = b.local_port;
			break;
		}
		case 2: {
			struct evtchn_send snd = { .port = p };
			rc = fast ? xen_hypercall_event_channel_send(&snd)
				  : hypercall_event_channel_op(EVTCHNOP_send, &snd);
			break;
		}
		case 3: {
			struct evtchn_close c = { .port = p };
			rc = fast ? xen_hypercall_event_channel_close(&c)
				  : hypercall_event_channel_op(EVTCHNOP_close, &c);
			break;
		}
		case 4: {
			struct evtchn_bind_vcpu b = { .port = p, .vcpu = rnd_n(&s, 3) };
			rc = fast ? xen_hypercall_event_channel_bind_vcpu(&b)
				  : hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &b);
			break;
		}
		case 5: {
			struct gnttab_map_grant_ref m = {
				.host_addr = win + (NR_POOL + k) * PAGE_SIZE, .dom = DOMID_SELF,
				.flags = GNTMAP_host_map | (k & 1 ? GNTMAP_readonly : 0),
				.ref = POOL_REF + k };
			rc = fast ? xen_hypercall_grant_table_map_grant_ref(&m)
				  : hypercall_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
			if (!rc && m.status == GNTST_okay)
				pool_handle[k] = m.handle;
			break;
		}
		case 6: {
			struct gnttab_unmap_grant_ref u = {
				.host_addr = win + (NR_POOL + k) * PAGE_SIZE, .handle = pool_handle[k] };
			rc = fast ? xen_hypercall_grant_table_unmap_grant_ref(&u)
				  : hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
			break;
		}
		case 7: {
			volatile grant_entry_v1_t *e = &gt[POOL_REF + k];
			uint32_t frame = (uint32_t)((uintptr_t)pool_pages[k] >> 12);
			bool named = e->frame == frame && e->domid == xen_info.domid;
			unsigned off = rnd_n(&s, 4000), len = 1 + rnd_n(&s, PAGE_SIZE - off);
			struct gnttab_copy c = {
				.source = { .u.ref = POOL_REF + k, .domid = DOMID_SELF,
					    .offset = (uint16_t)off },
				.dest = { .u.gmfn = (uintptr_t)ap_buf >> 12, .domid = DOMID_SELF },
				.len = (uint16_t)len, .flags = GNTCOPY_source_gref };
			rc = fast ? xen_hypercall_grant_table_copy(&c)
				  : hypercall_grant_table_op(GNTTABOP_copy, &c, 1);
			named = named && e->frame == frame && e->domid == xen_info.domid;
			if (!rc && c.status == GNTST_okay && named) {
				ap_copies++;
				for (unsigned i = 0; i < len; i++)
					if (ap_buf[i] != pool_byte(k, off + i))
						ap_bad_bytes++;
			}
			break;
		}
		default:
			rc = fast ? xen_hypercall_vcpu_is_up(0)
				  : hypercall_vcpu_op(VCPUOP_is_up, 0, NULL);
			break;
		}
		ap_rc(rc > 0 ? 0 : rc);
		ap_calls++;
	}
	ap_stopped = true;
	for (;;)
		__asm__ __volatile__("pause" ::: "memory");
}

static bool ap_start(void)
{
	for (unsigned i = 0; i < NR_POOL; i++)
		for (unsigned j = 0; j < PAGE_SIZE; j++)
			pool_pages[i][j] = pool_byte(i, j);
	pool_grant();
	__asm__ __volatile__("sidt %0; sgdt %1" : "=m"(idtr), "=m"(gdtr));
	vcpu_context_here(&ap_ctx.c, ap_main, ap_stack + sizeof(ap_stack));
	return CHECK_EQ(hypercall_vcpu_op(VCPUOP_initialise, 1, &ap_ctx.c), 0) &&
	       CHECK_EQ(hypercall_vcpu_op(VCPUOP_up, 1, NULL), 0);
}

/* vCPU 0's part of the race: vCPU 1 down and up, its grants revoked and given again. */
static void race(uint64_t *s, uint64_t i)
{
	if (i % 16 == 0) {
		unsigned k = rnd_n(s, NR_POOL);
		ACCESS_ONCE(gt[POOL_REF + k].flags) = rnd_n(s, 2) ? 0 : GTF_permit_access;
		struct evtchn_close c = { .port = pool_port[rnd_n(s, NR_POOL)] };
		hypercall_event_channel_op(EVTCHNOP_close, &c);
	}
	if (i % 64 == 32)
		pool_grant();
	if (i % 50 == 25) {
		/* Drawn with updown=0 too: vCPU 0's calls are then the same sequence. */
		bool fast = rnd_n(s, 2);
		if (!updown)
			return;
		long rc = fast ? xen_hypercall_vcpu_down(1)
			       : hypercall_vcpu_op(VCPUOP_down, 1, NULL);
		long rc2 = fast ? hypercall_vcpu_op(VCPUOP_up, 1, NULL)
				: xen_hypercall_vcpu_up(1);
		if (!CHECK_EQ(rc, 0) || !CHECK_EQ(rc2, 0))
			printf("hostile: vCPU 1 down %ld up %ld at call %llu\n", rc, rc2,
			       (unsigned long long)i);
		downs++;
	}
}

/* After the storm: what a well-behaved guest does must still work. */
static void known_good(void)
{

	disarm();
	hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);

	/* vCPU 1 takes an NMI through each ABI and goes on, then stops (brought up first if the storm left it down). */
	if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == 0)
		CHECK_EQ(xen_hypercall_vcpu_up(1), 0);
	uint64_t until = now_ns() + 5000000000ull;
	for (unsigned fast = 0; fast < 2; fast++) {
		uint64_t had = nmis, calls_before = ap_calls;
		CHECK_EQ(fast ? xen_hypercall_vcpu_send_nmi(1)
			      : hypercall_vcpu_op(VCPUOP_send_nmi, 1, NULL), 0);
		while ((nmis == had || ap_calls < calls_before + 4) && now_ns() < until)
			hypercall_sched_op(SCHEDOP_yield, NULL);
		CHECK(nmis > had);
		CHECK(ap_calls >= calls_before + 4);
	}
	ap_stop = true;
	while (!ap_stopped && now_ns() < until)
		hypercall_sched_op(SCHEDOP_yield, NULL);
	CHECK(ap_stopped);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_down, 1, NULL), 0);
	CHECK_EQ(xen_hypercall_vcpu_is_up(1), 0);
	CHECK_EQ(xen_hypercall_vcpu_up(1), 0);
	CHECK_EQ(hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 1);

	/* The special pages back where the memory map says. */
	struct xen_add_to_physmap xa = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					 .gpfn = si_gfn };
	CHECK_EQ(hypercall_memory_op(XENMEM_add_to_physmap, &xa), 0);
	xa = (struct xen_add_to_physmap){ .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
					  .idx = 0, .gpfn = gt_gfn };
	CHECK_EQ(hypercall_memory_op(XENMEM_add_to_physmap, &xa), 0);

	/* Versions agree. */
	long v = hypercall_xen_version(XENVER_version, NULL);
	CHECK_EQ(xen_hypercall_version_version(), v);
	CHECK(v > 0);

	/* Events: reset, then a loopback channel through both ABIs. */
	CHECK_EQ(xen_hypercall_event_channel_reset(&(struct evtchn_reset){ .dom = DOMID_SELF }), 0);
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &a), 0);
	struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF, .remote_port = a.port };
	CHECK_EQ(xen_hypercall_event_channel_bind_interdomain(&b), 0);
	CHECK_EQ(xen_hypercall_event_channel_send(&(struct evtchn_send){ .port = b.local_port }), 0);
	CHECK_EQ(evtchn_test_pending(si, a.port), 1);
	struct evtchn_status st = { .dom = DOMID_SELF, .port = a.port };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_status, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ(st.u.interdomain.port, b.local_port);
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_close, &(struct evtchn_close){ .port = a.port }), 0);
	CHECK_EQ(xen_hypercall_event_channel_close(&(struct evtchn_close){ .port = b.local_port }), 0);

	/*
	 * A grant copy from a pool page (granted again) into vCPU 1's buffer,
	 * in version 1 if the table can go back (nothing of ours mapped) or
	 * in the version the storm left.
	 */
	for (unsigned k = 0; k < NR_POOL; k++)
		hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &(struct gnttab_unmap_grant_ref){
			.host_addr = win + (NR_POOL + k) * PAGE_SIZE, .handle = pool_handle[k] }, 1);
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	CHECK_EQ(hypercall_grant_table_op(GNTTABOP_get_version, &gv, 1), 0);
	if (gv.version != 1 && !xen_hypercall_grant_table_set_version(&(struct gnttab_set_version){ .version = 1 }))
		gv.version = 1;
	gt_version = gv.version;
	if (gt_version != 1)
		printf("hostile: the grant table stays at version %u (grants of ours still mapped)\n",
		       gt_version);
	pool_grant();
	for (unsigned fast = 0; fast < 2; fast++) {
		struct gnttab_copy c = {
			.source = { .u.ref = POOL_REF + 2, .domid = DOMID_SELF, .offset = 100 },
			.dest = { .u.gmfn = (uintptr_t)ap_buf >> 12, .domid = DOMID_SELF },
			.len = 3000, .flags = GNTCOPY_source_gref };
		memset(ap_buf, 0, 3000);
		long rc = fast ? xen_hypercall_grant_table_copy(&c)
			       : hypercall_grant_table_op(GNTTABOP_copy, &c, 1);
		CHECK_EQ(rc, 0);
		CHECK_EQ(c.status, GNTST_okay);
		unsigned bad = 0;
		for (unsigned i = 0; i < 3000; i++)
			bad += ap_buf[i] != pool_byte(2, 100 + i);
		CHECK_EQ(bad, 0);
	}

	/* The memory map, as the start info has it. */
	static struct e820entry map[32];
	struct xen_memory_map mm = { .nr_entries = ARRAY_SIZE(map) };
	set_xen_guest_handle(mm.buffer, map);
	unsigned nr;
	memmap_entries(&nr);
	CHECK_EQ(hypercall_memory_op(XENMEM_memory_map, &mm), 0);
	CHECK_EQ(mm.nr_entries, nr);
}

void test_main(void)
{
	if (!xtf_both_abis_ready())
		return;
	const char *cl = start_info_cmdline();
	uint64_t seed = 1, n = 1000;
	const char *o;
	if ((o = cmdline_option(cl, "seed")))
		for (seed = 0; *o >= '0' && *o <= '9'; o++)
			seed = seed * 10 + (uint64_t)(*o - '0');
	if ((o = cmdline_option(cl, "calls")))
		for (n = 0; *o >= '0' && *o <= '9'; o++)
			n = n * 10 + (uint64_t)(*o - '0');
	if ((o = cmdline_option(cl, "trace")))
		for (trace_from = 0; *o >= '0' && *o <= '9'; o++)
			trace_from = trace_from * 10 + (uint64_t)(*o - '0');
	if ((o = cmdline_option(cl, "updown")) && *o == '0')
		updown = false;
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;

	if (image_start() < LOW_END + (2u << 20)) {
		xtf_error("linked at %#lx: must be at 480 MiB or above", (unsigned long)image_start());
		return;
	}
	const struct hvm_memmap_table_entry *e = memmap_find(XEN_HVM_MEMMAP_TYPE_SHARED_INFO);
	if (!e || !(gt = grant_frame0_map()) || !(win = foreign_window()) ||
	    !(si = shared_info_need())) {
		xtf_error("run with --fixed-mem-layout");
		return;
	}
	if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT) {
		xtf_error("run with --vcpus 2");
		return;
	}
	si_gfn = e->addr >> 12;
	gt_gfn = (uintptr_t)gt >> 12;
	ram_end = memmap_ram_end();
	struct xen_hvm_param hp = { .domid = DOMID_SELF };
	hp.index = HVM_PARAM_CONSOLE_PFN;
	cons_pfn = hypercall_hvm_op(HVMOP_get_param, &hp) ? 0 : hp.value;
	hp.index = HVM_PARAM_STORE_PFN;
	store_pfn = hypercall_hvm_op(HVMOP_get_param, &hp) ? 0 : hp.value;
	hp.index = HVM_PARAM_CONSOLE_EVTCHN;
	cons_port = hypercall_hvm_op(HVMOP_get_param, &hp) ? 0 : (evtchn_port_t)hp.value;
	hp.index = HVM_PARAM_STORE_EVTCHN;
	store_port = hypercall_hvm_op(HVMOP_get_param, &hp) ? 0 : (evtchn_port_t)hp.value;
	irq_register(X86_EXC_NMI, nmi);
	aliases_init();
	if (!ap_start())
		return;

	printf("hostile: seed=%llu calls=%llu per ABI, RAM end %#llx, vCPU 1 racing\n",
	       (unsigned long long)seed, (unsigned long long)n, (unsigned long long)ram_end);
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < 2 * n; i++) {
		if (i & 1)
			fast_one(&s);
		else
			legacy_one(&s);
		race(&s, i);
		if (i % 97 == 96)
			scribble_ring(&s);
		if (n >= 10 && i % (2 * n / 10) == 2 * n / 10 - 1)
			printf("hostile: %llu%% (%llu calls, vCPU 1 %llu)\n",
			       (unsigned long long)((i + 1) * 100 / (2 * n)),
			       (unsigned long long)(i + 1), (unsigned long long)ap_calls);
	}
	uint64_t ms = (now_ns() - t0) / 1000000;
	known_good();
	printf("hostile: legacy %llu calls: %llu 0, %llu values, %llu errnos\n",
	       (unsigned long long)calls[0], (unsigned long long)ok[0],
	       (unsigned long long)values[0], (unsigned long long)errs[0]);
	printf("hostile: FastABI %llu calls: %llu 0, %llu values, %llu errnos\n",
	       (unsigned long long)calls[1], (unsigned long long)ok[1],
	       (unsigned long long)values[1], (unsigned long long)errs[1]);
	printf("hostile: vCPU 1 %llu racing calls (%llu copies checked, %llu wrong bytes, %llu bad results, last %lld), %llu down/up cycles, %llu NMIs; %llu ms\n",
	       (unsigned long long)ap_calls, (unsigned long long)ap_copies,
	       (unsigned long long)ap_bad_bytes, (unsigned long long)ap_bad_rc,
	       (long long)ap_last_bad, (unsigned long long)downs, (unsigned long long)nmis,
	       (unsigned long long)ms);
	CHECK_EQ(ap_bad_bytes, 0);
	CHECK_EQ(ap_bad_rc, 0);
	if (xtf_result() < 0)
		xtf_success(NULL);
}
