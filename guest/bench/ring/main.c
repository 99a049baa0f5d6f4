/*
 * Ring throughput between two domains by message size (docs/benchmarks.md,
 * "Between domains"): a frontend and a backend, booted together by
 * `fastabi create` (bench/bench.py), meet as guest/tests/interdom-ring's
 * do (numbers agreed in their configs' `extra`), share a request ring and
 * 16 data pages through grants and signal through an inter-domain event
 * channel. For each message size the frontend posts N requests, one at a
 * time; the backend takes each message's bytes from the frontend's granted
 * pages with grant copies into its own buffer (one call: a legacy array,
 * or a FastABI copy_batch when the message spans pages; as a netback takes
 * a packet), answers and notifies. The guest never copies the bytes itself
 * (ring-0 `rep movs` is emulated one iteration at a time here).
 *
 *   frontend: role=frontend backend=<domid> gref=<ref> [abi=fast|legacy] [msgs=N]
 *   backend:  role=backend frontend=<domid> gref=<ref> [abi=fast|legacy]
 *
 * The frontend prints one line per size for bench.py, the rate percentiles
 * from the per-message times (rate p10 from the time p90):
 *
 *	BENCH ring_throughput <abi> ring <size> MB/s <median> <p10> <p90> <p99> <n> <msgs/s>
 *
 * (rates with three decimals; messages/s over the whole run of that size).
 */
#include "guest.h"
#include "common/peer.h"

const char test_title[] = "bench-ring: ring throughput by message size";

#define RING_MAGIC 0x42474e52u /* "RNGB" */
#define DATA_PAGES 16
#define MAX_MSGS 2000u
#define REQ_STOP UINT32_MAX

static const unsigned sizes[] = { 64, 256, 1024, 4096, 16384, 65536 };

struct ring {
	uint32_t magic;
	uint32_t port;      /* the frontend's unbound port, for the backend's bind */
	uint32_t connected; /* set by the backend once bound */
	uint32_t pad;
	uint64_t req_prod, rsp_prod;
	uint32_t req_len;   /* bytes of the current message (REQ_STOP: the end) */
	int32_t rsp_status; /* the backend's copy result: 0, or the first failure */
};

static uint8_t ring_page[PAGE_SIZE] __page_noinit;
static uint8_t data[DATA_PAGES * PAGE_SIZE] __page_noinit;  /* the frontend's messages */
static uint8_t local[DATA_PAGES * PAGE_SIZE] __page_noinit; /* where the backend copies them */
static uint32_t samples[MAX_MSGS];

static void sort(uint32_t *a, unsigned n)
{
	for (unsigned gap = n / 2; gap; gap /= 2) /* Shell sort: few instructions, n <= 2000 */
		for (unsigned i = gap; i < n; i++)
			for (unsigned j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
				uint32_t x = a[j];
				a[j] = a[j - gap], a[j - gap] = x;
			}
}

static uint64_t pct(unsigned n, unsigned p)
{
	unsigned r = (p * n + 99) / 100;
	return samples[r ? r - 1 : 0];
}

/* bytes per message over the time of one, in thousandths of MB/s (bytes/ns is GB/s). */
static uint64_t rate(unsigned bytes, uint64_t cycles)
{
	uint64_t ns = peer_pvclock_ns(cycles);
	return (uint64_t)bytes * 1000000 / (ns ? ns : 1);
}

/* A rate in thousandths as a decimal with three places. */
#define MBS(v) (unsigned long long)((v) / 1000), (unsigned)((v) % 1000)

/* One message of 'len' bytes: post, notify, wait for the answer. */
static bool one(struct ring *r, uint32_t len)
{
	uint64_t prod = r->req_prod;

	r->req_len = len;
	barrier();
	ACCESS_ONCE(r->req_prod) = prod + 1;
	peer_send(peer_port);
	if (!peer_wait_change(&r->rsp_prod, prod))
		return false;
	if (ACCESS_ONCE(r->rsp_status) != 0) {
		xtf_failure("the backend's copy of %u bytes failed: %d", len, r->rsp_status);
		return false;
	}
	return true;
}

static void frontend(void)
{
	unsigned backend = peer_opt_uint("backend", ~0u), ref = peer_opt_uint("gref", ~0u);
	unsigned msgs = peer_opt_uint("msgs", 20);
	struct ring *r = (struct ring *)ring_page;
	grant_entry_v1_t *gt = grant_frame0_map();

	if (backend == ~0u || ref < GNTTAB_NR_RESERVED_ENTRIES || ref + DATA_PAGES >= 512 ||
	    !msgs || msgs > MAX_MSGS) {
		xtf_error("frontend needs backend=<domid> gref=<%u..%u> (msgs=1..%u)",
			  GNTTAB_NR_RESERVED_ENTRIES, 511 - DATA_PAGES - 1, MAX_MSGS);
		return;
	}
	if (!gt) {
		xtf_error("grant frame 0 not available");
		return;
	}
	if (!CHECK_EQ(peer_alloc_unbound((domid_t)backend, &peer_port), 0))
		return;
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	r->port = peer_port;
	r->connected = 0;
	r->req_prod = r->rsp_prod = 0;
	barrier();
	r->magic = RING_MAGIC;
	/* ref: the ring page (mapped); ref + 1 + i: data page i (read-only, copied from). */
	for (unsigned i = 0; i <= DATA_PAGES; i++) {
		gt[ref + i].domid = (domid_t)backend;
		gt[ref + i].frame = (uint32_t)((uintptr_t)(i ? data + (i - 1) * PAGE_SIZE : ring_page) >> 12);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ACCESS_ONCE(gt[ref + i].flags) = GTF_permit_access | (i ? GTF_readonly : 0);
	}
	peer_deadline = peer_now_ns() + 20000 * MS;
	if (!peer_wait_flag(&r->connected, "connection from the backend"))
		return;
	printf("frontend: backend %u connected (%s); %u messages per size\n", backend,
	       peer_fast ? "FastABI" : "legacy ABI", msgs);

	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]) && xtf_result() < 0; s++) {
		unsigned len = sizes[s];
		uint64_t total = 0;
		if (!one(r, len)) /* the first, untimed: both sides warm */
			return;
		for (unsigned i = 0; i < msgs; i++) {
			uint64_t t0 = rdtsc();
			if (!one(r, len))
				return;
			uint64_t c = rdtsc() - t0;
			samples[i] = (uint32_t)c;
			total += c;
			if ((i & 255) == 255)
				peer_deadline = peer_now_ns() + 20000 * MS;
		}
		sort(samples, msgs);
		uint64_t ns = peer_pvclock_ns(total);
		uint64_t per_s = ns ? (uint64_t)msgs * 1000000000ull / ns : 0;
		printf("BENCH ring_throughput %s ring %u MB/s %llu.%03u %llu.%03u %llu.%03u %llu.%03u %u %llu\n",
		       peer_fast ? "fastabi" : "legacy", len, MBS(rate(len, pct(msgs, 50))),
		       MBS(rate(len, pct(msgs, 90))), MBS(rate(len, pct(msgs, 10))),
		       MBS(rate(len, pct(msgs, 1))), msgs, (unsigned long long)per_s);
	}
	r->req_len = REQ_STOP;
	barrier();
	ACCESS_ONCE(r->req_prod) = r->req_prod + 1;
	peer_send(peer_port);
	/* The backend unmaps the ring page before it stops: then the grants can end. */
	while (ACCESS_ONCE(gt[ref].flags) & (GTF_reading | GTF_writing)) {
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("the backend never unmapped the ring");
			return;
		}
		peer_poll(peer_port, peer_now_ns() + 2 * MS);
		peer_clear_event(peer_port);
	}
	for (unsigned i = 0; i <= DATA_PAGES; i++)
		ACCESS_ONCE(gt[ref + i].flags) = 0;
	if (xtf_result() < 0)
		xtf_success("%u sizes, %u messages each, with domain %u",
			    (unsigned)(sizeof(sizes) / sizeof(sizes[0])), msgs, backend);
}

static void backend(void)
{
	unsigned front = peer_opt_uint("frontend", ~0u), ref = peer_opt_uint("gref", ~0u);
	uint64_t win = foreign_window();
	struct gnttab_copy c[DATA_PAGES];

	if (front == ~0u || ref == ~0u) {
		xtf_error("backend needs frontend=<domid> gref=<ref> on its command line");
		return;
	}
	if (!win) {
		xtf_error("no foreign window to map the ring at (the backend needs fixed_mem_layout=1)");
		return;
	}
	evtchn_port_t sleep_port; /* a port of our own to sleep on between tries */
	if (!CHECK_EQ(peer_alloc_unbound(DOMID_SELF, &sleep_port), 0))
		return;
	struct gnttab_map_grant_ref m;
	long rc;
	peer_deadline = peer_now_ns() + 20000 * MS;
	for (;;) {
		m = (struct gnttab_map_grant_ref){ .host_addr = win, .flags = GNTMAP_host_map,
						    .ref = ref, .dom = (domid_t)front };
		rc = peer_map(&m);
		if (!rc && m.status == GNTST_okay)
			break;
		if (peer_now_ns() >= peer_deadline) {
			xtf_failure("map ref %u of domain %u: rc %ld status %d", ref, front, rc,
				    m.status);
			return;
		}
		peer_poll(sleep_port, peer_now_ns() + 5 * MS);
	}
	struct ring *r = (struct ring *)(uintptr_t)m.host_addr;
	if (!CHECK_EQ(r->magic, RING_MAGIC))
		return;
	evtchn_port_t port;
	if (!CHECK_EQ(peer_bind((domid_t)front, r->port, &port), 0))
		return;
	peer_port = port;
	ACCESS_ONCE(r->connected) = 1;
	peer_send(peer_port);

	uint64_t served = 0;
	unsigned checked = 0;
	for (;;) {
		if (!peer_wait_change(&r->req_prod, served))
			return;
		uint32_t len = ACCESS_ONCE(r->req_len);
		if (len == REQ_STOP)
			break;
		int32_t status = 0;
		if (len > sizeof(local)) {
			status = GNTST_bad_copy_arg;
		} else {
			unsigned n = 0;
			for (unsigned off = 0; off < len; off += PAGE_SIZE, n++)
				c[n] = (struct gnttab_copy){
					.source = { .u.ref = ref + 1 + n, .domid = (domid_t)front },
					.dest = { .u.gmfn = ((uintptr_t)local >> 12) + n,
						  .domid = DOMID_SELF },
					.len = (uint16_t)(len - off < PAGE_SIZE ? len - off : PAGE_SIZE),
					.flags = GNTCOPY_source_gref,
				};
			rc = peer_copy(c, n);
			status = rc ? (int32_t)rc : 0;
			for (unsigned i = 0; i < n && !status; i++)
				status = c[i].status;
			/* The bytes arrived: checked at the first message of each size. */
			if (!status && len != checked) {
				checked = len;
				for (unsigned i = 0; i < len; i += 61)
					if (local[i] != (uint8_t)(i * 7 + 3)) {
						status = -1;
						xtf_failure("byte %u of a %u-byte message: %#x", i, len,
							    local[i]);
						break;
					}
			}
		}
		r->rsp_status = status;
		barrier();
		served++;
		ACCESS_ONCE(r->rsp_prod) = served;
		peer_send(peer_port);
		if ((served & 255) == 0)
			peer_deadline = peer_now_ns() + 20000 * MS;
	}
	struct gnttab_unmap_grant_ref u = { .host_addr = m.host_addr, .handle = m.handle };
	CHECK_EQ(peer_unmap(&u), 0);
	CHECK_EQ(u.status, GNTST_okay);
	peer_send(peer_port); /* the frontend waits for the unmap */
	CHECK_EQ(peer_close(peer_port), 0);
	if (xtf_result() < 0)
		xtf_success("served %llu messages of domain %u", (unsigned long long)served, front);
}

void test_main(void)
{
	if (!peer_init())
		return;
	if (peer_opt_is("role", "frontend"))
		frontend();
	else if (peer_opt_is("role", "backend"))
		backend();
	else
		xtf_error("role=frontend or role=backend expected on the command line");
}
