/*
 * Event channels through both ABIs: every operation is done once by the
 * legacy hypercall page and once by FastABI, the answers are compared, and
 * the events are seen where they land (the 2-level pending bits in
 * shared_info). Loopback only: the domain binds its own unbound ports.
 */
#include "guest.h"

const char test_title[] = "evtchn";

static struct shared_info *si;

static void check_status(const char *what, evtchn_port_t port, unsigned want_status)
{
	struct evtchn_status l = { .dom = DOMID_SELF, .port = port };
	struct evtchn_status f = { .dom = DOMID_SELF, .port = port };
	long lrc = hypercall_event_channel_op(EVTCHNOP_status, &l);
	int64_t frc = xen_hypercall_event_channel_status(&f);

	printf("status %-16s port %3u: legacy %ld (%u vcpu %u words %#x %#x), fast %lld (%u vcpu %u words %#x %#x)\n",
	       what, port, lrc, l.status, l.vcpu, l.u.pirq, l.u.interdomain.port, (long long)frc,
	       f.status, f.vcpu, f.u.pirq, f.u.interdomain.port);
	CHECK_EQ(lrc, frc);
	if (lrc)
		return;
	CHECK_EQ(l.status, want_status);
	CHECK_EQ(f.status, l.status);
	CHECK_EQ(f.vcpu, l.vcpu);
	CHECK_EQ(f.u.pirq, l.u.pirq); /* first word of the union */
	if (l.status == EVTCHNSTAT_interdomain)
		CHECK_EQ(f.u.interdomain.port, l.u.interdomain.port);
}

static void check_delivery(const char *what, evtchn_port_t sender, evtchn_port_t receiver,
			   bool fast)
{
	evtchn_clear_pending(si, receiver);
	struct evtchn_send s = { .port = sender };
	long rc = fast ? xen_hypercall_event_channel_send(&s)
		       : hypercall_event_channel_op(EVTCHNOP_send, &s);
	bool pending = evtchn_test_pending(si, receiver);
	printf("send %-22s %s port %3u -> %3u: rc %ld, pending %d\n", what, fast ? "fast  " : "legacy",
	       sender, receiver, rc, pending);
	CHECK_EQ(rc, 0);
	CHECK(pending);
	evtchn_clear_pending(si, receiver);
}

static void close_port(evtchn_port_t port, bool fast)
{
	struct evtchn_close c = { .port = port };
	long rc = fast ? xen_hypercall_event_channel_close(&c)
		       : hypercall_event_channel_op(EVTCHNOP_close, &c);
	if (rc)
		xtf_failure("close port %u (%s): %ld", port, fast ? "fast" : "legacy", rc);
}

void test_main(void)
{
	if (!xtf_both_abis_ready() || !(si = shared_info_need()))
		return;

	/* Unbound ports, one per ABI. */
	struct evtchn_alloc_unbound al = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_alloc_unbound af = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	long lrc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &al);
	int64_t frc = xen_hypercall_event_channel_alloc_unbound(&af);
	printf("alloc_unbound: legacy %ld port %u, fast %lld port %u\n", lrc, al.port,
	       (long long)frc, af.port);
	if (!CHECK_EQ(lrc, 0) || !CHECK_EQ(frc, 0))
		return;
	CHECK(al.port && af.port && al.port != af.port);
	check_status("unbound", al.port, EVTCHNSTAT_unbound);
	check_status("unbound", af.port, EVTCHNSTAT_unbound);

	/* Loopback inter-domain channels. */
	struct evtchn_bind_interdomain bl = { .remote_dom = DOMID_SELF, .remote_port = al.port };
	struct evtchn_bind_interdomain bf = { .remote_dom = DOMID_SELF, .remote_port = af.port };
	lrc = hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &bl);
	frc = xen_hypercall_event_channel_bind_interdomain(&bf);
	printf("bind_interdomain: legacy %ld port %u, fast %lld port %u\n", lrc, bl.local_port,
	       (long long)frc, bf.local_port);
	if (!CHECK_EQ(lrc, 0) || !CHECK_EQ(frc, 0))
		return;
	check_status("interdomain", bl.local_port, EVTCHNSTAT_interdomain);
	check_status("interdomain", bf.local_port, EVTCHNSTAT_interdomain);
	check_delivery("interdomain", bl.local_port, al.port, false);
	check_delivery("interdomain", bf.local_port, af.port, true);
	check_delivery("interdomain (crossed)", bl.local_port, al.port, true);
	check_delivery("interdomain (back)", af.port, bf.local_port, false);

	/* IPIs to ourselves. */
	struct evtchn_bind_ipi il = { .vcpu = 0 }, ifa = { .vcpu = 0 };
	lrc = hypercall_event_channel_op(EVTCHNOP_bind_ipi, &il);
	frc = xen_hypercall_event_channel_bind_ipi(&ifa);
	printf("bind_ipi: legacy %ld port %u, fast %lld port %u\n", lrc, il.port, (long long)frc,
	       ifa.port);
	if (CHECK_EQ(lrc, 0) && CHECK_EQ(frc, 0)) {
		check_status("ipi", il.port, EVTCHNSTAT_ipi);
		check_delivery("ipi", il.port, il.port, true);
		check_delivery("ipi", ifa.port, ifa.port, false);
	}

	/* A VIRQ: bound once per vCPU, so the second binding must fail alike. */
	struct evtchn_bind_virq vl = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct evtchn_bind_virq vf = { .virq = VIRQ_TIMER, .vcpu = 0 };
	lrc = hypercall_event_channel_op(EVTCHNOP_bind_virq, &vl);
	frc = xen_hypercall_event_channel_bind_virq(&vf);
	printf("bind_virq(TIMER) twice: legacy %ld port %u, fast %lld\n", lrc, vl.port,
	       (long long)frc);
	CHECK_EQ(lrc, 0);
	CHECK_EQ(frc, -XEN_EEXIST);
	if (!lrc) {
		check_status("virq", vl.port, EVTCHNSTAT_virq);
		close_port(vl.port, true);
		frc = xen_hypercall_event_channel_bind_virq(&vf);
		printf("bind_virq(TIMER) after close: fast %lld port %u\n", (long long)frc, vf.port);
		if (CHECK_EQ(frc, 0)) {
			check_status("virq", vf.port, EVTCHNSTAT_virq);
			close_port(vf.port, false);
		}
	}

	/* unmask, both ways. */
	struct evtchn_unmask ul = { .port = al.port }, uf = { .port = af.port };
	CHECK_EQ(hypercall_event_channel_op(EVTCHNOP_unmask, &ul), 0);
	CHECK_EQ(xen_hypercall_event_channel_unmask(&uf), 0);

	/* Close everything, alternating ABIs; closed ports say so in both. */
	close_port(bl.local_port, true);
	close_port(bf.local_port, false);
	close_port(al.port, false);
	close_port(af.port, true);
	if (!lrc) {
		close_port(il.port, false);
		close_port(ifa.port, true);
	}
	check_status("closed", al.port, EVTCHNSTAT_closed);
	check_status("closed", bf.local_port, EVTCHNSTAT_closed);

	/* Errors agree too. */
	struct evtchn_send sl = { .port = al.port }, sf = { .port = al.port };
	lrc = hypercall_event_channel_op(EVTCHNOP_send, &sl);
	frc = xen_hypercall_event_channel_send(&sf);
	printf("send on a closed port: legacy %ld, fast %lld\n", lrc, (long long)frc);
	CHECK(lrc < 0);
	CHECK_EQ(lrc, frc);
	check_status("out of range", 0x7ffffff, EVTCHNSTAT_closed);

	if (xtf_result() < 0)
		xtf_success(NULL);
}
