/*
 * A soak (docs/security.md, "Soak"): N domains in a ring pass a token for
 * a while, each hop an event and a grant copy:
 *
 *   soak id=<k> n=<N> gref=<G> secs=<S> [abi=fast|legacy] [fifo]
 *
 * Domain k grants its outbox page to its successor (k % N + 1) at ref G and
 * allocates a port for it; the successor finds the port by copying the
 * outbox's header (grant copy, retried until granted) and binds it. Domain
 * 1 starts each round: it writes round r into its outbox (header and a
 * body of words that depend on r and on the writer) and sends. Each domain
 * woken by its predecessor copies the predecessor's outbox (two copy ops
 * in one call, split at a place that moves with r), checks that the round
 * is the next one and that every body byte is right, writes its own
 * outbox for r and sends on. So each hop is one event and 1088 bytes of
 * copies; an event lost stops the ring (the deadline fails it), one given
 * twice or a wrong byte fails the check.
 *
 * Domain 1 marks the steady phase in XenStore for the test script, which
 * samples the VMM's memory: data/soak-phase = "steady" after 50 rounds,
 * then "end" after S seconds more; it then waits for the script's
 * data/soak-sampled before the last round, which carries the stop mark
 * round the ring. At the end each domain checks it received and sent
 * exactly one event per round.
 */
#include "guest.h"
#include "common/peer.h"
#include "xenbus.h"

const char test_title[] = "soak";

#define OUT_MAGIC 0x4b414f53u /* "SOAK" */
#define BODY_WORDS 128
#define HDR 64
#define WARMUP 50
#define STOP (1ull << 63)

struct outbox {
	uint32_t magic;
	uint32_t port; /* for the successor */
	uint64_t round;
	uint8_t pad[HDR - 16];
	uint64_t body[BODY_WORDS];
};

static struct outbox out __page_noinit;
static union {
	struct outbox o;
	uint8_t page[PAGE_SIZE];
} in __page_noinit;

static unsigned me, n, g, prev, succ;
static evtchn_port_t to_next, from_prev, sleep_port;
static uint64_t received, sent, bytes;

static uint64_t word(uint64_t round, unsigned writer, unsigned i)
{
	return round * 0x9e3779b97f4a7c15ull ^ (uint64_t)writer << 56 ^ i * 0x100000001ull;
}

static void write_out(uint64_t round)
{
	for (unsigned i = 0; i < BODY_WORDS; i++)
		out.body[i] = word(round & ~STOP, me, i);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	out.round = round;
}

/* The predecessor's outbox into 'in': header and body, split where r says. */
static int16_t copy_in(uint64_t r)
{
	const unsigned size = sizeof(struct outbox);
	unsigned split = 8 + (unsigned)(r % 16) * 64;
	struct gnttab_copy c[2];
	for (unsigned i = 0; i < 2; i++)
		c[i] = (struct gnttab_copy){
			.source = { .u.ref = g, .domid = (domid_t)prev,
				    .offset = (uint16_t)(i ? split : 0) },
			.dest = { .u.gmfn = (uintptr_t)in.page >> 12, .domid = DOMID_SELF,
				  .offset = (uint16_t)(i ? split : 0) },
			.len = (uint16_t)(i ? size - split : split), .flags = GNTCOPY_source_gref };
	long rc = peer_copy(c, 2);
	if (rc)
		return GNTST_general_error;
	return c[0].status != GNTST_okay ? c[0].status : c[1].status;
}

/* Wait for the predecessor's event and take its round; false after a failure. */
static bool receive(uint64_t *round)
{
	for (;;) {
		long rc = peer_poll(from_prev, peer_deadline);
		if (rc) {
			xtf_failure("poll on port %u: %ld (no event from domain %u in time)", from_prev,
				    rc, prev);
			return false;
		}
		peer_clear_event(from_prev);
		uint64_t want = received + 1;
		int16_t st = copy_in(want);
		if (st != GNTST_okay) {
			xtf_failure("copy of domain %u's outbox: status %d", prev, st);
			return false;
		}
		uint64_t r = in.o.round;
		if ((r & ~STOP) == received)
			continue; /* our own event, taken before the round changed: not a new one */
		if ((r & ~STOP) != want) {
			xtf_failure("round %llu from domain %u, %llu expected",
				    (unsigned long long)(r & ~STOP), prev, (unsigned long long)want);
			return false;
		}
		for (unsigned i = 0; i < BODY_WORDS; i++)
			if (in.o.body[i] != word(want, prev, i)) {
				xtf_failure("round %llu: word %u from domain %u wrong",
					    (unsigned long long)want, i, prev);
				return false;
			}
		received++;
		bytes += sizeof(struct outbox);
		*round = r;
		return true;
	}
}

static bool send(uint64_t round)
{
	write_out(round);
	long rc = peer_send(to_next);
	if (rc) {
		xtf_failure("send on port %u: %ld", to_next, rc);
		return false;
	}
	sent++;
	return true;
}

/* Domain 1's XenStore marks for the script (data/soak-phase), and its answer. */
static bool phase(const char *what)
{
	char path[64];
	snprintf(path, sizeof(path), "/local/domain/%u/data/soak-phase", xen_info.domid);
	long rc = xenbus_write(0, path, what);
	if (rc)
		xtf_error("writing %s: %ld", path, rc);
	printf("soak: phase %s (round %llu)\n", what, (unsigned long long)received);
	return !rc;
}

static bool await_sampled(void)
{
	char path[64], buf[16];
	snprintf(path, sizeof(path), "/local/domain/%u/data/soak-sampled", xen_info.domid);
	while (xenbus_read(0, path, buf, sizeof(buf)) < 0) {
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("no %s from the test script in time", path);
			return false;
		}
		peer_sleep_ms(sleep_port, 10);
	}
	return true;
}

/* Grant the outbox, find the predecessor's port, and wait until the successor is bound. */
static bool connect(void)
{
	grant_entry_v1_t *gt = grant_frame0_map();
	if (!gt) {
		xtf_error("grant frame 0 not available");
		return false;
	}
	if (!CHECK_EQ(peer_alloc_unbound((domid_t)succ, &to_next), 0))
		return false;
	out.port = to_next;
	out.round = 0;
	out.magic = OUT_MAGIC;
	gt[g].domid = (domid_t)succ;
	gt[g].frame = (uint32_t)((uintptr_t)&out >> 12);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ACCESS_ONCE(gt[g].flags) = GTF_permit_access | GTF_readonly;

	while (copy_in(0) != GNTST_okay || in.o.magic != OUT_MAGIC) {
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("domain %u's outbox never became readable", prev);
			return false;
		}
		peer_sleep_ms(sleep_port, 5);
	}
	if (!CHECK_EQ(peer_bind((domid_t)prev, (evtchn_port_t)in.o.port, &from_prev), 0))
		return false;
	peer_port = from_prev;
	struct evtchn_status st;
	while (CHECK_EQ(peer_status(to_next, &st), 0) && st.status != EVTCHNSTAT_interdomain) {
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("domain %u never bound port %u", succ, to_next);
			return false;
		}
		peer_sleep_ms(sleep_port, 2);
	}
	return true;
}

static void leader(uint64_t secs)
{
	uint64_t round = 0, end = 0, r;
	if (xenbus_init())
		return;
	while (!(round & STOP)) {
		round = received + 1;
		if (received == WARMUP) {
			if (!phase("steady"))
				return;
			end = peer_now_ns() + secs * 1000 * MS;
		}
		if (end && peer_now_ns() >= end) {
			if (!phase("end") || !await_sampled())
				return;
			round |= STOP;
		}
		if (!send(round) || !receive(&r))
			return;
	}
}

static void follower(void)
{
	uint64_t r = 0;
	while (!(r & STOP))
		if (!receive(&r) || !send(r))
			return;
}

void test_main(void)
{
	if (!peer_init())
		return;
	me = xen_info.domid;
	n = peer_opt_uint("n", 0);
	g = peer_opt_uint("gref", 0);
	uint64_t secs = peer_opt_uint("secs", 3);
	if (n < 2 || me < 1 || me > n || g < GNTTAB_NR_RESERVED_ENTRIES || g >= 512) {
		xtf_error("n=<domains> gref=<ref> expected, as domain 1..n (domain %u)", me);
		return;
	}
	prev = me == 1 ? n : me - 1;
	succ = me == n ? 1 : me + 1;
	if (!CHECK_EQ(peer_alloc_unbound(DOMID_SELF, &sleep_port), 0))
		return;
	/* The connection, the run and the script's sampling: generous, not a measure. */
	peer_deadline = peer_now_ns() + (secs + 240) * 1000 * MS;
	if (!connect())
		return;
	uint64_t t0 = peer_now_ns();
	if (me == 1)
		leader(secs);
	else
		follower();
	uint64_t ms = (peer_now_ns() - t0) / MS;
	printf("soak: domain %u (%s, %s): %llu events received, %llu sent, %llu bytes copied and checked in %llu ms\n",
	       me, peer_fast ? "FastABI" : "legacy", peer_fifo ? "FIFO" : "2-level",
	       (unsigned long long)received, (unsigned long long)sent, (unsigned long long)bytes,
	       (unsigned long long)ms);
	if (xtf_result() >= 0)
		return;
	/* One event each way per round; the last round is the stop mark's. */
	CHECK_EQ(received, sent);
	CHECK(received > WARMUP);
	CHECK_EQ(received, in.o.round & ~STOP);
	if (xtf_result() < 0)
		xtf_success("%llu rounds", (unsigned long long)received);
}
