/*
 * Grants between two domains, as Xen keeps them:
 *
 *   granter: role=granter peer=<domid> gref=<G> [abi=fast|legacy] [fifo]
 *   mapper:  role=mapper  peer=<domid> gref=<G> [abi=fast|legacy] [fifo]
 *
 * The granter grants five pages at refs G..G+4: a control page (the steps
 * and its port), A read-write, B read-only, S read-only (a copy source), D
 * read-write (a copy destination). The mapper maps the control page, A and
 * B, and they go through these steps, each announced by an event:
 *   1. the mapper writes into A and tries to write into B; the granter sees
 *      A's bytes in its own page (one page, not a copy) and B unchanged
 *      (the write to a read-only grant mapping is dropped here; Xen injects
 *      #GP, docs/domains.md); A's entry shows GTF_reading|GTF_writing and
 *      B's only GTF_reading, so the granter cannot end access to either
 *      (gnttab_end_foreign_access_ref's compare-exchange fails);
 *   2. the granter writes into A, the mapper reads it through its mapping;
 *      then grant copies: from S at every source and destination alignment
 *      0..15 (batched: 16 ops per call, the legacy array or FastABI's
 *      copy_batch), single copies,
 *      an op crossing the end of a page refused (GNTST_bad_copy_arg), and
 *      into D;
 *   3. the granter checks D;
 *   4. the mapper unmaps A and B and reads A's address again: all ones
 *      (nothing is there any more);
 *   5. the granter sees the busy bits gone and ends access;
 *   6. the mapper's new map of A is refused; it closes its port and the
 *      granter's port becomes unbound.
 * With 'crash' the mapper crashes once it has mapped A and B and bound its
 * port, and the granter ('peer_crashes') checks what Xen's destruction of a
 * domain leaves to its peer (with 'preserved' too: on_crash = "preserve"
 * keeps the crashed domain's port bound and its mappings). The other way
 * round, the granter crashes ('crash' on the granter) with A and B mapped,
 * and the mapper ('granter_crashes') sees its port become unbound while A
 * and B stay mapped, as on Xen, where a mapped page outlives its granter
 * until the mapper unmaps it; the unmaps succeed, and a new map fails.
 */
#include "guest.h"
#include "common/peer.h"

const char test_title[] = "interdom-grant";

#define CTL_MAGIC 0x544e5247u /* "GRNT" */
#define NPAGES 5
enum { P_CTL, P_A, P_B, P_S, P_D };
#define ALIGNS 16
#define CLEN 64

struct ctl {
	uint32_t magic;
	uint32_t port;
	uint64_t step;
	uint8_t ro_seen;     /* B[0] as the mapper read it after its write */
	uint8_t gone_seen;   /* A[0] as the mapper read it after unmapping */
};

static uint8_t pages[NPAGES][PAGE_SIZE] __page_noinit;
static uint8_t local[2][PAGE_SIZE] __page_noinit;

static uint8_t s_byte(unsigned i)
{
	return (uint8_t)(i * 13 + 5);
}

static bool next(struct ctl *c, uint64_t step)
{
	ACCESS_ONCE(c->step) = step;
	peer_send(peer_port);
	return peer_wait_change(&c->step, step);
}

/* Sleep until the port has status 'want' and A's and B's busy bits are set ('busy') or clear. */
static bool await(grant_entry_v1_t *gt, unsigned g, unsigned want, bool busy,
		  struct evtchn_status *st)
{
	for (;;) {
		CHECK_EQ(peer_status(peer_port, st), 0);
		uint16_t fa = ACCESS_ONCE(gt[g + P_A].flags), fb = ACCESS_ONCE(gt[g + P_B].flags);
		bool b = (fa & GTF_reading) && (fb & GTF_reading);
		bool none = !((fa | fb) & (GTF_reading | GTF_writing));
		if (st->status == want && (busy ? b : none))
			return true;
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("port %u status %u (want %u), flags A %#x B %#x", peer_port,
				    st->status, want, fa, fb);
			return false;
		}
		peer_poll(peer_port, peer_now_ns() + 2 * MS);
		peer_clear_event(peer_port);
	}
}

/* Sleep until our port is unbound (the peer closed it, or is gone); false after the deadline. */
static bool await_unbound(struct evtchn_status *st, const char *when)
{
	for (;;) {
		CHECK_EQ(peer_status(peer_port, st), 0);
		if (st->status == EVTCHNSTAT_unbound)
			return true;
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("port %u still %u %s", peer_port, st->status, when);
			return false;
		}
		peer_poll(peer_port, peer_now_ns() + 2 * MS);
		peer_clear_event(peer_port);
	}
}

/*
 * peer_crashes: the mapper maps A and B, binds, and crashes (its config's
 * on_crash = "destroy"). As Xen's domain destruction does (evtchn_destroy
 * closes every port; gnttab_release_mappings drops its maps), our port
 * becomes unbound and the busy bits go; we go on running.
 */
static void peer_crashed(grant_entry_v1_t *gt, unsigned g)
{
	struct evtchn_status st;
	struct ctl *c = (struct ctl *)pages[P_CTL];

	/* The mapper says so (step 1) just before it crashes. */
	if (!peer_wait_change(&c->step, 0))
		return;
	printf("granter: the mapper has A and B mapped and port %u bound, and crashes now\n",
	       peer_port);
	if (cmdline_option(start_info_cmdline(), "preserved")) {
		/* on_crash = "preserve": the domain stays as it crashed, links and all. */
		peer_sleep_ms(peer_port, 300);
		if (!await(gt, g, EVTCHNSTAT_interdomain, true, &st))
			return;
		printf("granter: 300 ms later the preserved mapper still holds port %u's other end (its port %u) and A and B\n",
		       peer_port, st.u.interdomain.port);
		if (xtf_result() < 0)
			xtf_success("the preserved mapper keeps its links");
		return;
	}
	if (!await(gt, g, EVTCHNSTAT_unbound, false, &st))
		return;
	printf("granter: the mapper is gone: port %u unbound (remote domain %u), A and B no longer mapped\n",
	       peer_port, st.u.unbound.dom);
	uint16_t want = GTF_permit_access;
	CHECK(__atomic_compare_exchange_n(&gt[g + P_A].flags, &want, 0, false, __ATOMIC_SEQ_CST,
					  __ATOMIC_SEQ_CST));
	for (unsigned p = 0; p < NPAGES; p++)
		ACCESS_ONCE(gt[g + p].flags) = 0;
	CHECK_EQ(peer_close(peer_port), 0);
	if (xtf_result() < 0)
		xtf_success("still running after the mapper's crash");
}

static void granter(unsigned peer, unsigned g)
{
	grant_entry_v1_t *gt = grant_frame0_map();
	struct ctl *c = (struct ctl *)pages[P_CTL];

	if (!gt) {
		xtf_error("grant frame 0 not available");
		return;
	}
	if (!CHECK_EQ(peer_alloc_unbound((domid_t)peer, &peer_port), 0))
		return;
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		pages[P_S][i] = s_byte(i);
	pages[P_B][0] = 0xb0;
	c->port = peer_port;
	c->step = 0;
	barrier();
	c->magic = CTL_MAGIC;
	/*
	 * The control page last: once the mapper can map it (it retries until
	 * then), every other page is granted too.
	 */
	for (unsigned i = 1; i <= NPAGES; i++) {
		unsigned p = i % NPAGES;
		gt[g + p].domid = (domid_t)peer;
		gt[g + p].frame = (uint32_t)((uintptr_t)pages[p] >> 12);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ACCESS_ONCE(gt[g + p].flags) =
			GTF_permit_access | (p == P_B || p == P_S ? GTF_readonly : 0);
	}
	printf("granter: domain %u granted refs %u..%u to domain %u, port %u\n", xen_info.domid, g,
	       g + NPAGES - 1, peer, peer_port);
	peer_deadline = peer_now_ns() + 20000 * MS;
	if (cmdline_option(start_info_cmdline(), "peer_crashes")) {
		peer_crashed(gt, g);
		return;
	}
	if (cmdline_option(start_info_cmdline(), "crash")) {
		/* The mapper has A and B mapped and its port bound (step 1). */
		if (!peer_wait_change(&c->step, 0))
			return;
		pages[P_A][200] = 0x3c;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		printf("granter: crashing with A and B mapped by domain %u\n", peer);
		struct sched_shutdown sd = { .reason = SHUTDOWN_crash };
		if (peer_fast)
			xen_hypercall_sched_shutdown(&sd);
		else
			hypercall_sched_op(SCHEDOP_shutdown, &sd);
		xtf_error("SCHEDOP_shutdown(crash) returned");
		return;
	}
	if (!peer_wait_change(&c->step, 0))
		return;

	/* 1: one page on both sides; read-only stays read-only; busy bits. */
	uint16_t fa = ACCESS_ONCE(gt[g + P_A].flags), fb = ACCESS_ONCE(gt[g + P_B].flags);
	printf("granter: A[0..2] %#x %#x %#x as the mapper wrote them; B[0] %#x (mapper read %#x); flags A %#x B %#x\n",
	       pages[P_A][0], pages[P_A][1], pages[P_A][2], pages[P_B][0], c->ro_seen, fa, fb);
	for (unsigned i = 0; i < 64; i++)
		CHECK_EQ(pages[P_A][i], (uint8_t)(0x40 + i));
	CHECK_EQ(pages[P_B][0], 0xb0);
	CHECK_EQ(c->ro_seen, 0xb0);
	CHECK_EQ(fa & (GTF_reading | GTF_writing), GTF_reading | GTF_writing);
	CHECK_EQ(fb & (GTF_reading | GTF_writing), GTF_reading);
	/* gnttab_end_foreign_access_ref: only an entry nobody uses goes to 0. */
	uint16_t want = GTF_permit_access;
	CHECK(!__atomic_compare_exchange_n(&gt[g + P_A].flags, &want, 0, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST));
	pages[P_A][100] = 0xa5;
	if (!next(c, 2))
		return;

	/* 3: the copies into D. */
	if (!CHECK_EQ(c->step, 3))
		return;
	unsigned bad = 0;
	for (unsigned k = 0; k < ALIGNS; k++)
		for (unsigned i = 0; i < CLEN; i++)
			if (pages[P_D][k * 130 + k + i] != (uint8_t)(k + i * 3))
				bad++;
	printf("granter: %u copies into D checked, %u wrong bytes\n", ALIGNS, bad);
	CHECK_EQ(bad, 0);
	if (!next(c, 4))
		return;

	/* 5: unmapped: the busy bits are gone, access can end. */
	fa = ACCESS_ONCE(gt[g + P_A].flags);
	fb = ACCESS_ONCE(gt[g + P_B].flags);
	printf("granter: after the unmap: flags A %#x B %#x; the mapper read %#x at A's address\n", fa,
	       fb, c->gone_seen);
	CHECK_EQ(fa & (GTF_reading | GTF_writing), 0);
	CHECK_EQ(fb & (GTF_reading | GTF_writing), 0);
	CHECK_EQ(c->gone_seen, 0xff);
	want = GTF_permit_access;
	CHECK(__atomic_compare_exchange_n(&gt[g + P_A].flags, &want, 0, false, __ATOMIC_SEQ_CST,
					  __ATOMIC_SEQ_CST));
	ACCESS_ONCE(gt[g + P_B].flags) = 0;
	ACCESS_ONCE(c->step) = 6;
	peer_send(peer_port);

	/* The mapper closes its port: ours becomes unbound (Xen's evtchn_close). */
	struct evtchn_status st;
	if (!await_unbound(&st, "after the mapper closed"))
		return;
	printf("granter: port %u unbound again (remote domain %u)\n", peer_port, st.u.unbound.dom);
	for (unsigned p = 0; p < NPAGES; p++)
		ACCESS_ONCE(gt[g + p].flags) = 0;
	if (xtf_result() < 0)
		xtf_success(NULL);
}

static bool map_at(unsigned peer, unsigned ref, uint64_t at, bool ro,
		   struct gnttab_map_grant_ref *m)
{
	*m = (struct gnttab_map_grant_ref){ .host_addr = at,
					    .flags = GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
					    .ref = ref, .dom = (domid_t)peer };
	long rc = peer_map(m);
	return !rc && m->status == GNTST_okay;
}

static bool unmap(struct gnttab_map_grant_ref *m)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = m->host_addr, .handle = m->handle };
	long rc = peer_unmap(&u);
	return CHECK_EQ(rc, 0) && CHECK_EQ(u.status, GNTST_okay);
}

/* Copies from S at every alignment pair, batched by 16, and into D. */
static void copies(unsigned peer, unsigned g)
{
	struct gnttab_copy ops[ALIGNS];
	unsigned bad = 0, nops = 0;
	uint64_t dst = (uintptr_t)local[0] >> 12;

	for (unsigned so = 0; so < ALIGNS; so++) {
		for (unsigned d = 0; d < ALIGNS; d++)
			ops[d] = (struct gnttab_copy){
				.source = { .u.ref = g + P_S, .domid = (domid_t)peer,
					    .offset = (uint16_t)(so * 257) },
				.dest = { .u.gmfn = dst, .domid = DOMID_SELF,
					  .offset = (uint16_t)(d * 256 + d) },
				.len = CLEN, .flags = GNTCOPY_source_gref };
		long rc = peer_copy(ops, ALIGNS);
		nops += ALIGNS;
		if (!CHECK_EQ(rc, 0))
			return;
		for (unsigned d = 0; d < ALIGNS; d++) {
			if (!CHECK_EQ(ops[d].status, GNTST_okay))
				return;
			for (unsigned i = 0; i < CLEN; i++)
				if (local[0][d * 256 + d + i] != s_byte(so * 257 + i))
					bad++;
		}
	}
	printf("mapper: %u copies from S (source and destination offsets 0..15 past a 257/256 stride), %u wrong bytes\n",
	       nops, bad);
	CHECK_EQ(bad, 0);

	/* One op may not cross the end of a page (Xen: GNTST_bad_copy_arg). */
	ops[0] = (struct gnttab_copy){
		.source = { .u.ref = g + P_S, .domid = (domid_t)peer, .offset = 4000 },
		.dest = { .u.gmfn = dst, .domid = DOMID_SELF, .offset = 0 },
		.len = 200, .flags = GNTCOPY_source_gref };
	long rc = peer_copy(ops, 1);
	printf("mapper: a copy across the end of S: rc %ld status %d\n", rc, ops[0].status);
	CHECK_EQ(ops[0].status, GNTST_bad_copy_arg);
	/* The same bytes in two ops, one per page side: fine. */
	ops[0].len = 96;
	ops[1] = ops[0];
	ops[1].source.offset = 0;
	ops[1].dest.offset = 96;
	ops[1].len = 104;
	ops[1].source.u.ref = g + P_S;
	CHECK_EQ(peer_copy(ops, 2), 0);
	CHECK_EQ(ops[0].status, GNTST_okay);
	CHECK_EQ(ops[1].status, GNTST_okay);
	CHECK_EQ(local[0][0], s_byte(4000));
	CHECK_EQ(local[0][95], s_byte(4095));
	CHECK_EQ(local[0][96], s_byte(0));

	/* Into D (read-write grant) at 16 alignments. */
	for (unsigned k = 0; k < ALIGNS; k++)
		ops[k] = (struct gnttab_copy){
			.source = { .u.gmfn = (uintptr_t)local[1] >> 12, .domid = DOMID_SELF,
				    .offset = (uint16_t)(k * 7) },
			.dest = { .u.ref = g + P_D, .domid = (domid_t)peer,
				  .offset = (uint16_t)(k * 130 + k) },
			.len = CLEN, .flags = GNTCOPY_dest_gref };
	/* The sources overlap: each op's bytes written just before it runs. */
	for (unsigned k = 0; k < ALIGNS; k++) {
		for (unsigned i = 0; i < CLEN; i++)
			local[1][k * 7 + i] = (uint8_t)(k + i * 3);
		rc = peer_copy(&ops[k], 1);
		CHECK_EQ(rc, 0);
		CHECK_EQ(ops[k].status, GNTST_okay);
	}
}

/*
 * granter_crashes: the granter crashes (on_crash = "destroy") once we have A
 * and B mapped and our port bound. Our end of the channel becomes unbound
 * (Xen's evtchn_destroy); A and B stay mapped, with what the granter last
 * wrote, until we unmap them (Xen keeps a mapped page of a dying domain);
 * the unmaps succeed and take the pages away; a new map of a dead domain's
 * grant is refused.
 */
static void granter_crashed(unsigned peer, unsigned g, struct gnttab_map_grant_ref *ma,
			    struct gnttab_map_grant_ref *mb, struct gnttab_map_grant_ref *mc,
			    uint64_t win)
{
	struct ctl *c = (struct ctl *)(uintptr_t)win;
	volatile uint8_t *a = (volatile uint8_t *)(uintptr_t)ma->host_addr;
	volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)mb->host_addr;
	struct evtchn_status st;

	ACCESS_ONCE(c->step) = 1;
	peer_send(peer_port);
	if (!await_unbound(&st, "after the granter crashed"))
		return;
	printf("mapper: the granter is gone: port %u unbound; A[200] %#x, B[0] %#x still mapped\n",
	       peer_port, a[200], b[0]);
	CHECK_EQ(a[200], 0x3c);
	CHECK_EQ(b[0], 0xb0);
	a[201] = 0x77;
	CHECK_EQ(a[201], 0x77); /* still the page, writable as granted */
	if (!unmap(ma) || !unmap(mb) || !unmap(mc))
		return;
	printf("mapper: unmapped; A's address now reads %#x\n", a[200]);
	CHECK_EQ(a[200], 0xff);
	struct gnttab_map_grant_ref again;
	bool ok = map_at(peer, g + P_A, win + PAGE_SIZE, false, &again);
	printf("mapper: a new map of the dead granter's ref: status %d\n", again.status);
	CHECK(!ok);
	CHECK_EQ(peer_close(peer_port), 0);
	if (xtf_result() < 0)
		xtf_success("the granter's pages outlived it until unmapped");
}

static void mapper(unsigned peer, unsigned g)
{
	uint64_t win = foreign_window();
	struct gnttab_map_grant_ref mc, ma, mb;
	evtchn_port_t sleep_port;

	if (!win) {
		xtf_error("no foreign window (the mapper needs fixed_mem_layout = 1)");
		return;
	}
	if (!CHECK_EQ(peer_alloc_unbound(DOMID_SELF, &sleep_port), 0))
		return;
	peer_deadline = peer_now_ns() + 20000 * MS;
	unsigned tries = 1;
	while (!map_at(peer, g + P_CTL, win, false, &mc)) {
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("ref %u of domain %u never became mappable", g, peer);
			return;
		}
		peer_poll(sleep_port, peer_now_ns() + 5 * MS);
		tries++;
	}
	struct ctl *c = (struct ctl *)(uintptr_t)win;
	printf("mapper: domain %u mapped the control page after %u tries (%s ABI)\n",
	       xen_info.domid, tries, peer_fast ? "FastABI" : "legacy");
	if (!CHECK_EQ(c->magic, CTL_MAGIC) || !CHECK(map_at(peer, g + P_A, win + PAGE_SIZE, false, &ma)) ||
	    !CHECK(map_at(peer, g + P_B, win + 2 * PAGE_SIZE, true, &mb)))
		return;
	if (!CHECK_EQ(peer_bind((domid_t)peer, c->port, &peer_port), 0))
		return;
	if (cmdline_option(start_info_cmdline(), "crash")) {
		printf("mapper: crashing with A and B mapped and port %u bound\n", peer_port);
		ACCESS_ONCE(c->step) = 1;
		peer_send(peer_port);
		struct sched_shutdown sd = { .reason = SHUTDOWN_crash };
		if (peer_fast)
			xen_hypercall_sched_shutdown(&sd);
		else
			hypercall_sched_op(SCHEDOP_shutdown, &sd);
		xtf_error("SCHEDOP_shutdown(crash) returned");
		return;
	}

	volatile uint8_t *a = (volatile uint8_t *)(uintptr_t)ma.host_addr;
	volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)mb.host_addr;
	if (cmdline_option(start_info_cmdline(), "granter_crashes")) {
		granter_crashed(peer, g, &ma, &mb, &mc, win);
		return;
	}
	for (unsigned i = 0; i < 64; i++)
		a[i] = (uint8_t)(0x40 + i);
	b[0] = 0x55; /* read-only: must not reach the granter's page */
	c->ro_seen = b[0];
	if (!next(c, 1))
		return;

	/* 2 */
	printf("mapper: A[100] %#x as the granter wrote it\n", a[100]);
	CHECK_EQ(a[100], 0xa5);
	copies(peer, g);
	if (!next(c, 3))
		return;

	/* 4: unmap, then nothing is at A's address. */
	CHECK_EQ(c->step, 4);
	if (!unmap(&ma) || !unmap(&mb))
		return;
	c->gone_seen = a[0];
	if (!next(c, 5))
		return;

	/* 6: access ended: a new map is refused. */
	CHECK_EQ(c->step, 6);
	struct gnttab_map_grant_ref again;
	bool ok = map_at(peer, g + P_A, win + PAGE_SIZE, false, &again);
	printf("mapper: map of A after the granter ended access: status %d\n", again.status);
	CHECK(!ok);
	CHECK_EQ(again.status, GNTST_general_error);
	if (!unmap(&mc))
		return;
	CHECK_EQ(peer_close(peer_port), 0);
	if (xtf_result() < 0)
		xtf_success(NULL);
}

void test_main(void)
{
	peer_granter_mapper(NPAGES, granter, mapper);
}
