/*
 * Memory that stays mapped while the VMM re-cuts its KVM memslots
 * (docs/security.md, "Memslot changes under a running vCPU"): vCPU 1 runs
 * in the guest without a hypercall, walking our own pages, while vCPU 0
 * gives a frame of ours back and takes it again (XENMEM_decrease_reservation,
 * XENMEM_populate_physmap) ROUNDS times. Each call cuts guest RAM anew
 * around the frame, so the VMM deletes the KVM memslot that holds this
 * program, its page tables and its IDT, and adds it again. On Xen a p2m
 * entry that stays valid never reads as empty; here, had vCPU 1 kept
 * running meanwhile, its next instruction fetch would walk page tables KVM
 * cannot read (a page fault at rip injected by KVM itself) and the
 * delivery through an IDT it cannot read either would triple-fault the
 * domain: the hostile guest's long run with vCPU 1 going down and up ended
 * that way. Checked: vCPU 1 keeps counting through every round and
 * afterwards, and the frame is back, zeroed, each round.
 */
#include "guest.h"
#include <xen/hvm/hvm_vcpu.h>

const char test_title[] = "memslot-race";

#define ROUNDS 400
#define WALK_PAGES 16

static union {
	struct vcpu_hvm_context c;
	uint8_t page[PAGE_SIZE];
} ap_ctx __page_noinit;
static uint8_t ap_stack[2 * PAGE_SIZE] __page_noinit;
static uint8_t walk[WALK_PAGES][PAGE_SIZE] __page_noinit;
static uint8_t victim[PAGE_SIZE] __page_noinit; /* the frame given back and taken again */
static struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
static volatile uint64_t ap_loops;

static __noreturn void ap_main(void)
{
	__asm__ __volatile__("lidt %0" : : "m"(idtr));
	for (uint64_t i = 0;; i++) {
		/* A new page every turn: fetches and data both need the page tables. */
		volatile uint64_t *w = (volatile uint64_t *)walk[i % WALK_PAGES];
		w[i % 512] += i;
		ap_loops = i;
	}
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };

	hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

/* Whether vCPU 1 goes on counting (within 5 s: the machine may be loaded). */
static bool ap_alive(void)
{
	uint64_t had = ap_loops, until = now_ns() + 5000000000ull;

	while (ap_loops == had && now_ns() < until)
		hypercall_sched_op(SCHEDOP_yield, NULL);
	return ap_loops != had;
}

static long reservation(unsigned cmd, xen_pfn_t *frame)
{
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };

	set_xen_guest_handle(r.extent_start, frame);
	return hypercall_memory_op(cmd, &r);
}

void test_main(void)
{
	if (hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT) {
		xtf_error("run with --vcpus 2");
		return;
	}
	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	vcpu_context_here(&ap_ctx.c, ap_main, ap_stack + sizeof(ap_stack));
	if (!CHECK_EQ(hypercall_vcpu_op(VCPUOP_initialise, 1, &ap_ctx.c), 0) ||
	    !CHECK_EQ(hypercall_vcpu_op(VCPUOP_up, 1, NULL), 0) || !CHECK(ap_alive()))
		return;

	xen_pfn_t frame = (uintptr_t)victim >> 12;
	unsigned rounds = 0, not_zero = 0;
	for (; rounds < ROUNDS && xtf_result() < 0; rounds++) {
		victim[rounds % PAGE_SIZE] = 0xa5;
		xen_pfn_t f = frame;
		if (!CHECK_EQ(reservation(XENMEM_decrease_reservation, &f), 1))
			break;
		f = frame;
		if (!CHECK_EQ(reservation(XENMEM_populate_physmap, &f), 1) || !CHECK_EQ(f, frame))
			break;
		not_zero += victim[rounds % PAGE_SIZE] != 0;
		if (rounds % 50 == 49 && !CHECK(ap_alive()))
			break;
	}
	printf("memslot-race: %u rounds of giving a frame back and taking it again, vCPU 1 %llu loops\n",
	       rounds, (unsigned long long)ap_loops);
	CHECK_EQ(not_zero, 0);
	CHECK(ap_alive());
	if (xtf_result() < 0)
		xtf_success(NULL);
}
