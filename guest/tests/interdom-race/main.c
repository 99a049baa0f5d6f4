/*
 * Two hostile domains (docs/security.md, "Inter-domain races"):
 *
 *   granter: role=granter peer=<domid> gref=<G> [abi=fast|legacy] [fifo] [copies=N]
 *   mapper:  role=mapper  peer=<domid> gref=<G> [abi=fast|legacy] [fifo] [copies=N]
 *
 * The granter grants a control page (ref G), R read-write (G+1), S
 * read-only (G+2), and E (G+3) naming a frame beyond its RAM; it allocates
 * two ports for the mapper: one to step through the phases (in the control
 * page) and one to race on. Each phase, and what Xen does
 * (xen/common/grant_table.c, event_channel.c):
 *
 *   1. revoke while mapped: the mapper maps R; the granter's
 *      gnttab_end_foreign_access (a compare-exchange of the flags to 0)
 *      fails, as the entry is busy (GTF_reading|GTF_writing); the granter
 *      then revokes by force (flags 0, another frame). The mapping stays;
 *      a copy from R and a second map of R still succeed with R's page
 *      (Xen uses the active entry of a pinned ref, never the entry again);
 *      both unmaps succeed, a third unmap of a handle is GNTST_bad_handle,
 *      and with no pin left a map is GNTST_general_error;
 *   2. revoke while copying: the mapper copies from S while the granter
 *      flips S's entry between granted and revoked: each copy is
 *      GNTST_okay with S's bytes or GNTST_general_error, nothing else; the
 *      busy bits are clear afterwards (nothing held);
 *   3. close while the peer sends: the mapper sends on the race port while
 *      the granter closes its end: every send returns 0 (to an unbound
 *      port Xen drops the event), the mapper sees its port unbound; the
 *      granter's second close and send, and the mapper's after its own
 *      close, are -EINVAL;
 *   4. limits: maps of R until the VMM refuses (its per-domain limit of
 *      grant mappings, GNTST_no_device_space), at a host address beyond the physical address
 *      width (refused), of E (GNTST_bad_page), and of a ref beyond the
 *      table (GNTST_bad_gntref); all unmapped, then as many maps again:
 *      nothing leaked;
 *   5. the mapper unmaps the control page and closes its ports; the
 *      granter sees its ports unbound and every entry's busy bits clear.
 */
#include "guest.h"
#include "common/peer.h"

const char test_title[] = "interdom-race";

#define CTL_MAGIC 0x45434152u /* "RACE" */
enum { P_CTL, P_R, P_S, P_E, NPAGES };
enum { ST_START, ST_MAPPED, ST_REVOKED, ST_RACE_COPY, ST_COPIED, ST_RACE_SEND, ST_CLOSED,
       ST_LIMITS, ST_DONE };
#define MAX_MAPS 128

struct ctl {
	uint32_t magic;
	uint32_t step_port, race_port;
	uint32_t pad;
	uint64_t step;
	uint64_t sent;     /* the mapper's sends on the race port so far */
	uint64_t copies_ok, copies_refused;
};

static uint8_t pages[NPAGES][PAGE_SIZE] __page_noinit;
static uint8_t local[PAGE_SIZE] __page_noinit;

static uint8_t s_byte(unsigned page, unsigned i)
{
	return (uint8_t)(page * 41 + i * 3 + 9);
}

/* Say the step, without waiting for an answer. */
static void tell(struct ctl *c, uint64_t step)
{
	ACCESS_ONCE(c->step) = step;
	peer_send(peer_port);
}

static bool next(struct ctl *c, uint64_t step)
{
	ACCESS_ONCE(c->step) = step;
	peer_send(peer_port);
	return peer_wait_change(&c->step, step);
}

/* Sleep on the step port until the step is 'want' (the peer moved on). */
static bool wait_step(struct ctl *c, uint64_t want)
{
	while (ACCESS_ONCE(c->step) != want)
		if (!peer_wait_change(&c->step, ACCESS_ONCE(c->step)))
			return false;
	return true;
}

static void grant(grant_entry_v1_t *gt, unsigned ref, unsigned peer, uint64_t frame, uint16_t flags)
{
	gt[ref].domid = (domid_t)peer;
	gt[ref].frame = (uint32_t)frame;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ACCESS_ONCE(gt[ref].flags) = flags;
}

static void granter(unsigned peer, unsigned g)
{
	grant_entry_v1_t *gt = grant_frame0_map();
	struct ctl *c = (struct ctl *)pages[P_CTL];
	evtchn_port_t race;

	if (!gt) {
		xtf_error("grant frame 0 not available");
		return;
	}
	if (!CHECK_EQ(peer_alloc_unbound((domid_t)peer, &peer_port), 0) ||
	    !CHECK_EQ(peer_alloc_unbound((domid_t)peer, &race), 0))
		return;
	for (unsigned p = P_R; p <= P_S; p++)
		for (unsigned i = 0; i < PAGE_SIZE; i++)
			pages[p][i] = s_byte(p, i);
	*c = (struct ctl){ .step_port = peer_port, .race_port = race };
	barrier();
	c->magic = CTL_MAGIC;
	uint64_t beyond = (memmap_ram_end() >> 12) + 0x100000; /* no RAM there */
	grant(gt, g + P_R, peer, (uintptr_t)pages[P_R] >> 12, GTF_permit_access);
	grant(gt, g + P_S, peer, (uintptr_t)pages[P_S] >> 12, GTF_permit_access | GTF_readonly);
	grant(gt, g + P_E, peer, beyond, GTF_permit_access);
	grant(gt, g + P_CTL, peer, (uintptr_t)pages[P_CTL] >> 12, GTF_permit_access);
	printf("granter: refs %u..%u to domain %u, step port %u, race port %u\n", g, g + NPAGES - 1,
	       peer, peer_port, race);
	peer_deadline = peer_now_ns() + 60000 * MS;

	/* 1: R mapped by the peer: end access fails, then a forced revoke. */
	if (!wait_step(c, ST_MAPPED))
		return;
	uint16_t want = GTF_permit_access;
	uint16_t fl = ACCESS_ONCE(gt[g + P_R].flags);
	CHECK_EQ(fl, GTF_permit_access | GTF_reading | GTF_writing);
	CHECK(!__atomic_compare_exchange_n(&gt[g + P_R].flags, &want, 0, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST));
	grant(gt, g + P_R, peer, (uintptr_t)local >> 12, 0);
	printf("granter: R busy (flags %#x), end of access refused; revoked by force under the mapping\n",
	       fl);
	if (!next(c, ST_REVOKED))
		return;

	/* 2: S flipped between granted and revoked while the peer copies from it. */
	if (!wait_step(c, ST_RACE_COPY))
		return;
	grant(gt, g + P_R, peer, (uintptr_t)pages[P_R] >> 12, GTF_permit_access);
	unsigned flips = 0;
	while (ACCESS_ONCE(c->step) == ST_RACE_COPY && peer_now_ns() < peer_deadline) {
		uint16_t f = flips & 1 ? 0 : GTF_permit_access | GTF_readonly;
		/* Keep the busy bits a copy in progress set: only the grant bits change. */
		uint16_t old = ACCESS_ONCE(gt[g + P_S].flags);
		__atomic_compare_exchange_n(&gt[g + P_S].flags, &old,
					    (uint16_t)((old & (GTF_reading | GTF_writing)) | f), false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		flips++;
		if (flips % 32 == 0)
			peer_poll(peer_port, peer_now_ns() + MS / 4);
	}
	if (!CHECK_EQ(c->step, ST_COPIED))
		return;
	fl = ACCESS_ONCE(gt[g + P_S].flags);
	printf("granter: S flipped %u times during the copies (%llu done, %llu refused); flags now %#x\n",
	       flips, (unsigned long long)c->copies_ok, (unsigned long long)c->copies_refused, fl);
	CHECK_EQ(fl & (GTF_reading | GTF_writing), 0);
	grant(gt, g + P_S, peer, (uintptr_t)pages[P_S] >> 12, GTF_permit_access | GTF_readonly);
	tell(c, ST_RACE_SEND);

	/* 3: close the race port while the peer sends on it. */
	uint64_t sent_before = ACCESS_ONCE(c->sent);
	while (ACCESS_ONCE(c->sent) < sent_before + 20 && peer_now_ns() < peer_deadline)
		peer_poll(peer_port, peer_now_ns() + MS / 4);
	CHECK_EQ(peer_close(race), 0);
	uint64_t at_close = ACCESS_ONCE(c->sent);
	CHECK_EQ(peer_close(race), -XEN_EINVAL);
	CHECK_EQ(peer_send(race), -XEN_EINVAL);
	printf("granter: race port %u closed after %llu sends; closed again and sent on: -EINVAL\n",
	       race, (unsigned long long)at_close);
	tell(c, ST_CLOSED);

	/* 4 and 5: the peer's limits, then its teardown. */
	if (!wait_step(c, ST_DONE))
		return;
	struct evtchn_status st;
	while (CHECK_EQ(peer_status(peer_port, &st), 0) && st.status != EVTCHNSTAT_unbound &&
	       peer_now_ns() < peer_deadline)
		peer_poll(peer_port, peer_now_ns() + 2 * MS);
	CHECK_EQ(st.status, EVTCHNSTAT_unbound);
	unsigned busy = 0;
	for (unsigned p = 0; p < NPAGES; p++)
		busy += !!(ACCESS_ONCE(gt[g + p].flags) & (GTF_reading | GTF_writing));
	printf("granter: the mapper is done: step port unbound, %u entries still busy\n", busy);
	CHECK_EQ(busy, 0);
	for (unsigned p = 0; p < NPAGES; p++)
		ACCESS_ONCE(gt[g + p].flags) = 0;
	CHECK_EQ(peer_close(peer_port), 0);
	if (xtf_result() < 0)
		xtf_success(NULL);
}

static struct map_res {
	int16_t status;
	grant_handle_t handle;
} map(unsigned peer, unsigned ref, uint64_t at, bool ro)
{
	struct gnttab_map_grant_ref m = { .host_addr = at, .ref = ref, .dom = (domid_t)peer,
					  .flags = GNTMAP_host_map | (ro ? GNTMAP_readonly : 0) };
	long rc = peer_map(&m);
	if (rc)
		xtf_failure("map of ref %u at %#llx: hypercall %ld", ref, (unsigned long long)at, rc);
	return (struct map_res){ rc ? GNTST_general_error : m.status, m.handle };
}

static int16_t unmap(uint64_t at, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = at, .handle = h };
	long rc = peer_unmap(&u);
	return rc ? GNTST_general_error : u.status;
}

static int16_t copy_from(unsigned peer, unsigned ref, unsigned off, unsigned len)
{
	struct gnttab_copy c = {
		.source = { .u.ref = ref, .domid = (domid_t)peer, .offset = (uint16_t)off },
		.dest = { .u.gmfn = (uintptr_t)local >> 12, .domid = DOMID_SELF },
		.len = (uint16_t)len, .flags = GNTCOPY_source_gref };
	long rc = peer_copy(&c, 1);
	return rc ? GNTST_general_error : c.status;
}

static unsigned wrong_bytes(unsigned page, unsigned off, unsigned len)
{
	unsigned bad = 0;
	for (unsigned i = 0; i < len; i++)
		bad += local[i] != s_byte(page, off + i);
	return bad;
}

/* 4: the limits, and that nothing stays held. Returns the maps that fit. */
static unsigned limits(unsigned peer, unsigned g, uint64_t win)
{
	static grant_handle_t h[MAX_MAPS];
	unsigned n = 0;
	int16_t st = GNTST_okay;

	while (n < MAX_MAPS) {
		struct map_res m = map(peer, g + P_R, win + (8 + n) * PAGE_SIZE, n & 1);
		if ((st = m.status) != GNTST_okay)
			break;
		h[n++] = m.handle;
	}
	printf("mapper: %u maps of R, then status %d\n", n, st);
	CHECK_EQ(st, GNTST_no_device_space);
	CHECK(n >= 16 && n < MAX_MAPS);
	int16_t far = map(peer, g + P_R, 1ull << 52, false).status;
	int16_t bad_page = map(peer, g + P_E, win + 4 * PAGE_SIZE, false).status;
	CHECK_EQ(unmap(win + 8 * PAGE_SIZE, h[0]), GNTST_okay);
	int16_t bad_page2 = map(peer, g + P_E, win + 4 * PAGE_SIZE, false).status;
	int16_t bad_copy = copy_from(peer, g + P_E, 0, 16);
	int16_t bad_ref = map(peer, 1u << 30, win + 4 * PAGE_SIZE, false).status;
	printf("mapper: at 2^52: %d; E (a frame beyond RAM): %d, %d with a free slot, copy %d; ref 2^30: %d\n",
	       far, bad_page, bad_page2, bad_copy, bad_ref);
	CHECK(far < 0);
	CHECK(bad_page < 0);
	CHECK_EQ(bad_page2, GNTST_bad_page);
	CHECK_EQ(bad_copy, GNTST_bad_page);
	CHECK_EQ(bad_ref, GNTST_bad_gntref);
	for (unsigned i = 1; i < n; i++)
		CHECK_EQ(unmap(win + (8 + i) * PAGE_SIZE, h[i]), GNTST_okay);
	/* All given back: as many fit again. */
	unsigned again = 0;
	while (again < n) {
		struct map_res m = map(peer, g + P_R, win + (8 + again) * PAGE_SIZE, false);
		if (m.status != GNTST_okay)
			break;
		h[again++] = m.handle;
	}
	for (unsigned i = 0; i < again; i++)
		CHECK_EQ(unmap(win + (8 + i) * PAGE_SIZE, h[i]), GNTST_okay);
	printf("mapper: all unmapped; %u of %u maps fit again and went\n", again, n);
	CHECK_EQ(again, n);
	return n;
}

static void mapper(unsigned peer, unsigned g)
{
	uint64_t win = foreign_window();
	evtchn_port_t sleep_port, race;
	unsigned copies = peer_opt_uint("copies", 400);

	if (!win) {
		xtf_error("no foreign window (fixed_mem_layout = 1 needed)");
		return;
	}
	if (!CHECK_EQ(peer_alloc_unbound(DOMID_SELF, &sleep_port), 0))
		return;
	peer_deadline = peer_now_ns() + 60000 * MS;
	struct map_res mc;
	while ((mc = map(peer, g + P_CTL, win, false)).status != GNTST_okay) {
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("ref %u of domain %u never became mappable", g, peer);
			return;
		}
		peer_poll(sleep_port, peer_now_ns() + 5 * MS);
	}
	struct ctl *c = (struct ctl *)(uintptr_t)win;
	if (!CHECK_EQ(c->magic, CTL_MAGIC) ||
	    !CHECK_EQ(peer_bind((domid_t)peer, c->step_port, &peer_port), 0) ||
	    !CHECK_EQ(peer_bind((domid_t)peer, c->race_port, &race), 0))
		return;

	/* 1 */
	uint64_t at_r = win + PAGE_SIZE, at_r2 = win + 2 * PAGE_SIZE;
	struct map_res mr = map(peer, g + P_R, at_r, false);
	if (!CHECK_EQ(mr.status, GNTST_okay) || !next(c, ST_MAPPED))
		return;
	volatile uint8_t *r = (volatile uint8_t *)(uintptr_t)at_r;
	int16_t cp = copy_from(peer, g + P_R, 100, 200);
	unsigned bad = wrong_bytes(P_R, 100, 200);
	struct map_res mr2 = map(peer, g + P_R, at_r2, false);
	volatile uint8_t *r2 = (volatile uint8_t *)(uintptr_t)at_r2;
	printf("mapper: R revoked under the mapping: reads %#x, copy %d (%u wrong bytes), second map %d (reads %#x)\n",
	       r[5], cp, bad, mr2.status, mr2.status ? 0 : r2[5]);
	CHECK_EQ(r[5], s_byte(P_R, 5));
	CHECK_EQ(cp, GNTST_okay);
	CHECK_EQ(bad, 0);
	CHECK_EQ(mr2.status, GNTST_okay);
	if (mr2.status == GNTST_okay) {
		CHECK_EQ(r2[5], s_byte(P_R, 5));
		CHECK_EQ(unmap(at_r2, mr2.handle), GNTST_okay);
	}
	CHECK_EQ(unmap(at_r, mr.handle), GNTST_okay);
	int16_t again = unmap(at_r, mr.handle);
	int16_t remap = map(peer, g + P_R, at_r, false).status;
	printf("mapper: unmapped; again: %d; a new map: %d; the address reads %#x\n", again, remap,
	       r[5]);
	CHECK_EQ(again, GNTST_bad_handle);
	CHECK_EQ(remap, GNTST_general_error);
	CHECK_EQ(r[5], 0xff);

	/* 2: copies while the granter flips S. */
	tell(c, ST_RACE_COPY);
	uint64_t ok = 0, refused = 0;
	for (unsigned i = 0; i < copies; i++) {
		unsigned off = (i * 37) % 3800, len = 1 + (i * 13) % 256;
		int16_t s = copy_from(peer, g + P_S, off, len);
		if (s == GNTST_okay) {
			ok++;
			unsigned w = wrong_bytes(P_S, off, len);
			if (w)
				xtf_failure("copy %u from S: %u wrong bytes", i, w);
		} else if (s == GNTST_general_error) {
			refused++;
		} else {
			xtf_failure("copy %u from S: status %d", i, s);
		}
	}
	c->copies_ok = ok;
	c->copies_refused = refused;
	printf("mapper: %u copies from S while it flipped: %llu done, %llu refused\n", copies,
	       (unsigned long long)ok, (unsigned long long)refused);
	tell(c, ST_COPIED);
	if (!wait_step(c, ST_RACE_SEND))
		return;

	/* 3: send until the granter's close makes our port unbound, then some more. */
	struct evtchn_status st = { 0 };
	unsigned after = 0, bad_sends = 0;
	while (after < 20 && peer_now_ns() < peer_deadline) {
		long rc = peer_send(race);
		bad_sends += rc != 0;
		ACCESS_ONCE(c->sent)++;
		if (c->sent % 8 == 0)
			peer_send(peer_port);
		if (st.status == EVTCHNSTAT_unbound)
			after++;
		else
			CHECK_EQ(peer_status(race, &st), 0);
	}
	printf("mapper: %llu sends on race port %u, %u of them after it became unbound (status %u), %u not 0\n",
	       (unsigned long long)c->sent, race, after, st.status, bad_sends);
	CHECK_EQ(st.status, EVTCHNSTAT_unbound);
	CHECK_EQ(bad_sends, 0);
	CHECK_EQ(peer_close(race), 0);
	CHECK_EQ(peer_send(race), -XEN_EINVAL);
	CHECK_EQ(peer_close(race), -XEN_EINVAL);
	if (!wait_step(c, ST_CLOSED))
		return;

	/* 4 */
	limits(peer, g, win);

	/* 5 */
	tell(c, ST_DONE);
	CHECK_EQ(unmap(win, mc.handle), GNTST_okay);
	CHECK_EQ(peer_close(peer_port), 0);
	CHECK_EQ(peer_close(sleep_port), 0);
	/* Our ports are gone (closed), not left bound or reserved. */
	evtchn_port_t mine[] = { peer_port, race, sleep_port };
	for (unsigned i = 0; i < ARRAY_SIZE(mine); i++) {
		struct evtchn_status ps;
		CHECK_EQ(peer_status(mine[i], &ps), 0);
		CHECK_EQ(ps.status, EVTCHNSTAT_closed);
	}
	if (xtf_result() < 0)
		xtf_success(NULL);
}

void test_main(void)
{
	peer_granter_mapper(NPAGES, granter, mapper);
}
