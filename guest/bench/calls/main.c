/*
 * The call benchmark (docs/benchmarks.md, scripts/bench.sh): guest-observed
 * round trips of the null exit, FastABI and the legacy ABI for the same
 * operations, 64-entry grant batches against 64 single calls, batched
 * 4 KiB grant copy bandwidth against memcpy, and what one interrupt
 * injection costs (an event to ourselves up to its upcall handler, against
 * a LAPIC self-IPI), all in one run.
 *
 * Each sample is `rdtsc; call; rdtsc`; the median of the same pair around
 * nothing (the loop overhead) is subtracted from every sample. Results are
 * lines the driver parses (bench/bench.py):
 *
 *	BENCH <metric> <abi> <op> <size> <unit> <median> <p10> <p90> <p99> <n> <cycles median>
 *
 * (unit ns, count, or kB/s for the bandwidths, which the driver turns into MB/s)
 *
 * The legacy figures are labelled "legacy"; the driver relabels them
 * "legacy-translate" when it ran the VMM with --legacy-translate. The
 * command line sets the sample count (n=, default 20 so that the
 * guest-bench-calls test stays short) and the batch sample count (nb=).
 * Always SUCCESS when every call succeeded: a measurement, not a check.
 */
#include "guest.h"

const char test_title[] = "bench-calls: round trips per ABI and operation";

#define MAXN 2000
#define NBATCH 64
#define REF_BASE 64 /* NBATCH refs granting src[] to ourselves */
#define BIG (NBATCH * PAGE_SIZE)

static uint32_t samples[MAXN];
static unsigned n = 20, nb = 5;
static uint64_t overhead; /* median cycles of an empty sample */
static uint64_t khz;
static bool failed;

static uint8_t src[BIG] __page_noinit, dst[BIG] __page_noinit;
static uint8_t batch[PAGE_SIZE] __page_noinit;
static struct gnttab_copy copy_l[16] __page_noinit;
static struct gnttab_map_grant_ref map_l[NBATCH] __page_noinit;
static struct gnttab_unmap_grant_ref unmap_l[NBATCH] __page_noinit;

/* Heap sort: O(n log n) guest instructions, which cost a microsecond each here. */
static void sift(uint32_t *a, unsigned i, unsigned len)
{
	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= len)
			return;
		if (c + 1 < len && a[c + 1] > a[c])
			c++;
		if (a[i] >= a[c])
			return;
		uint32_t x = a[i];
		a[i] = a[c], a[c] = x;
		i = c;
	}
}

static void sort(uint32_t *a, unsigned len)
{
	for (unsigned i = len / 2; i-- > 0;)
		sift(a, i, len);
	for (unsigned e = len; e-- > 1;) {
		uint32_t x = a[0];
		a[0] = a[e], a[e] = x;
		sift(a, 0, e);
	}
}

/* The p-th percentile (nearest rank) of sorted a[0..len). */
static uint64_t pct(const uint32_t *a, unsigned len, unsigned p)
{
	unsigned r = (p * len + 99) / 100;
	return a[r ? r - 1 : 0];
}

static uint64_t ns_of(uint64_t cycles)
{
	return cycles * 1000000 / khz;
}

/* Sorts samples[0..len), each less the overhead, divided by 'per'. */
static void stats(unsigned len, unsigned per, uint64_t q[4])
{
	for (unsigned i = 0; i < len; i++) {
		uint64_t c = samples[i] > overhead ? samples[i] - overhead : 0;
		samples[i] = (uint32_t)(c / per);
	}
	sort(samples, len);
	q[0] = pct(samples, len, 50), q[1] = pct(samples, len, 10);
	q[2] = pct(samples, len, 90), q[3] = pct(samples, len, 99);
}

/*
 * The result lines wait here until every measurement is done: printing is a
 * console hypercall whose output wakes the reader on the host, which would
 * compete with the measurements that follow for the machine's two CPUs.
 */
static char out[16384];
static size_t out_len;

static void line(const char *metric, const char *abi, const char *op, unsigned size,
		 const char *unit, const uint64_t v[4], unsigned len, uint64_t cycles)
{
	int k = snprintf(out + out_len, sizeof(out) - out_len,
			 "BENCH %s %s %s %u %s %llu %llu %llu %llu %u %llu\n", metric, abi, op, size,
			 unit, (unsigned long long)v[0], (unsigned long long)v[1],
			 (unsigned long long)v[2], (unsigned long long)v[3], len,
			 (unsigned long long)cycles);
	if (k < 0 || (size_t)k >= sizeof(out) - out_len) {
		xtf_error("result buffer full at %s %s %s", metric, abi, op);
		return;
	}
	out_len += (size_t)k;
}

/* A latency figure in ns from samples[0..len), 'per' operations each. */
static void report(const char *metric, const char *abi, const char *op, unsigned size,
		   unsigned len, unsigned per)
{
	uint64_t q[4], ns[4];

	stats(len, per, q);
	for (unsigned i = 0; i < 4; i++)
		ns[i] = ns_of(q[i]);
	line(metric, abi, op, size, "ns", ns, len, q[0]);
}

/*
 * A bandwidth figure in kB/s (bench.py makes it MB/s with three decimals:
 * whole MB/s would round the guest's emulated memcpy on a busy machine to
 * 0), 'bytes' per sample. A rate's percentiles come from the times'
 * opposite ones: its p10 from the 90th-percentile time, its p99 from the 1st.
 */
static void report_bw(const char *metric, const char *abi, const char *op, unsigned bytes,
		      unsigned len)
{
	uint64_t q[4], mb[4];

	stats(len, 1, q);
	const uint64_t times[4] = { q[0], q[2], q[1], pct(samples, len, 1) };
	for (unsigned i = 0; i < 4; i++) {
		uint64_t ns = ns_of(times[i]);
		mb[i] = (uint64_t)bytes * 1000000 / (ns ? ns : 1); /* bytes/ns is GB/s */
	}
	line(metric, abi, op, bytes, "kB/s", mb, len, q[0]);
}

#define SAMPLE(len, body)                                                       \
	do {                                                                    \
		for (unsigned i_ = 0; i_ < (len); i_++) {                       \
			uint64_t t0_ = rdtsc();                                 \
			body;                                                   \
			samples[i_] = (uint32_t)(rdtsc() - t0_);                \
		}                                                               \
	} while (0)

#define OK(rc)                                                                  \
	do {                                                                    \
		long rc_ = (long)(rc);                                          \
		if (rc_ < 0 && !failed) {                                       \
			failed = true;                                          \
			xtf_failure("%s:%d: %s = %ld", __FILE__, __LINE__, #rc, rc_); \
		}                                                               \
	} while (0)

/* The gmfn-to-gmfn copies of 'bytes' (at most a page each) from src to dst. */
static unsigned fill_copies(struct gnttab_copy *c, unsigned bytes)
{
	unsigned k = 0;

	for (unsigned off = 0; off < bytes; off += PAGE_SIZE, k++) {
		unsigned len = bytes - off < PAGE_SIZE ? bytes - off : PAGE_SIZE;
		c[k] = (struct gnttab_copy){
			.source = { .u.gmfn = ((uintptr_t)src + off) >> 12, .domid = DOMID_SELF },
			.dest = { .u.gmfn = ((uintptr_t)dst + off) >> 12, .domid = DOMID_SELF },
			.len = (uint16_t)len,
		};
	}
	return k;
}

static long copy_batch(unsigned count)
{
	struct fastabi_gnttab_batch b = { .page_gpa = (uintptr_t)batch, .count = count };
	return xen_hypercall_grant_table_copy_batch(&b);
}

static void copies(unsigned bytes)
{
	unsigned k = fill_copies(copy_l, bytes);

	SAMPLE(n, OK(hypercall_grant_table_op(GNTTABOP_copy, copy_l, k)));
	report("round_trip", "legacy", "grant_table.copy", bytes, n, 1);
	fill_copies((struct gnttab_copy *)batch, bytes);
	if (k == 1) /* the same prepared struct as the legacy call's (the stub writes status) */
		SAMPLE(n, OK(xen_hypercall_grant_table_copy(&copy_l[0])));
	else
		SAMPLE(n, OK(copy_batch(k)));
	report("round_trip", "fastabi", "grant_table.copy", bytes, n, 1);
}

static void ops(const char *abi, bool fast, unsigned port)
{
#define BOTH(op, legacy, fastcall)                                              \
	do {                                                                    \
		if (fast)                                                       \
			SAMPLE(n, OK(fastcall));                                \
		else                                                            \
			SAMPLE(n, OK(legacy));                                  \
		report("round_trip", abi, op, 0, n, 1);                         \
	} while (0)

	BOTH("version.version", hypercall_xen_version(XENVER_version, NULL),
	     xen_hypercall_version_version());
	if (port)
		BOTH("event_channel.send",
		     ({ struct evtchn_send s_ = { .port = port };
			hypercall_event_channel_op(EVTCHNOP_send, &s_); }),
		     ({ struct evtchn_send s_ = { .port = port };
			xen_hypercall_event_channel_send(&s_); }));
	BOTH("vcpu.get_runstate_info",
	     ({ struct vcpu_runstate_info r_;
		hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &r_); }),
	     ({ struct vcpu_runstate_info r_;
		xen_hypercall_vcpu_get_runstate_info(0, &r_); }));
	BOTH("hvm.get_param",
	     ({ struct xen_hvm_param p_ = { .domid = DOMID_SELF, .index = HVM_PARAM_CONSOLE_EVTCHN };
		hypercall_hvm_op(HVMOP_get_param, &p_); }),
	     ({ struct xen_hvm_param p_ = { .domid = DOMID_SELF, .index = HVM_PARAM_CONSOLE_EVTCHN };
		xen_hypercall_hvm_get_param(&p_); }));
	BOTH("hvm.get_time",
	     ({ struct xen_hvm_get_time g_; hypercall_hvm_op(HVMOP_get_time, &g_); }),
	     ({ struct xen_hvm_get_time g_; xen_hypercall_hvm_get_time(&g_); }));
	BOTH("grant_table.query_size",
	     ({ struct gnttab_query_size q_ = { .dom = DOMID_SELF };
		hypercall_grant_table_op(GNTTABOP_query_size, &q_, 1); }),
	     ({ struct gnttab_query_size q_ = { .dom = DOMID_SELF };
		xen_hypercall_grant_table_query_size(&q_); }));
	BOTH("sched.yield", hypercall_sched_op(SCHEDOP_yield, NULL), xen_hypercall_sched_yield());
#undef BOTH
}

/* 64 FastABI single calls against one 64-entry batch, per operation. */
static void batches(void)
{
	struct gnttab_copy *cb = (void *)batch;
	uint64_t win = foreign_window();
	grant_entry_v1_t *gt = grant_frame0_map();

	for (unsigned j = 0; j < NBATCH; j++)
		copy_l[0] = cb[j] = (struct gnttab_copy){
			.source = { .u.gmfn = ((uintptr_t)src >> 12) + j, .domid = DOMID_SELF },
			.dest = { .u.gmfn = ((uintptr_t)dst >> 12) + j, .domid = DOMID_SELF },
			.len = PAGE_SIZE,
		};
	SAMPLE(nb, for (unsigned j = 0; j < NBATCH; j++) {
		struct gnttab_copy c_ = cb[j];
		OK(xen_hypercall_grant_table_copy(&c_));
	});
	report("batch_per_op", "fastabi", "grant_copy_single", PAGE_SIZE, nb, NBATCH);
	SAMPLE(nb, OK(copy_batch(NBATCH)));
	report("batch_per_op", "fastabi", "grant_copy_batch", PAGE_SIZE, nb, NBATCH);

	/* Bandwidth: the same batch, whole call, against memcpy of the same bytes. */
	SAMPLE(nb, OK(copy_batch(NBATCH)));
	report_bw("bandwidth", "fastabi", "grant_table.copy_batch", BIG, nb);
	SAMPLE(nb, memcpy(dst, src, BIG));
	report_bw("memcpy_bandwidth", "none", "memcpy", BIG, nb);

	if (!win || win + NBATCH * PAGE_SIZE > (uint64_t)BOOT_MAP_GIB << 30 || !gt) {
		printf("no foreign window or grant frame (run with --fixed-mem-layout): "
		       "no map/unmap batches\n");
		return;
	}
	for (unsigned j = 0; j < NBATCH; j++) {
		gt[REF_BASE + j].domid = (domid_t)xen_info.domid;
		gt[REF_BASE + j].frame = (uint32_t)(((uintptr_t)src >> 12) + j);
		barrier();
		ACCESS_ONCE(gt[REF_BASE + j].flags) = GTF_permit_access | GTF_readonly;
		map_l[j] = (struct gnttab_map_grant_ref){
			.host_addr = win + (uint64_t)j * PAGE_SIZE,
			.flags = GNTMAP_host_map | GNTMAP_readonly,
			.ref = REF_BASE + j, .dom = DOMID_SELF,
		};
	}
	/* Singles: map then unmap each sample; the two timed apart. */
	static uint32_t unmaps[MAXN];
	for (unsigned i = 0; i < nb; i++) {
		uint64_t t0 = rdtsc();
		for (unsigned j = 0; j < NBATCH; j++) {
			struct gnttab_map_grant_ref m_ = map_l[j];
			OK(xen_hypercall_grant_table_map_grant_ref(&m_));
			OK(m_.status);
			unmap_l[j] = (struct gnttab_unmap_grant_ref){
				.host_addr = m_.host_addr, .handle = m_.handle };
		}
		uint64_t t1 = rdtsc();
		for (unsigned j = 0; j < NBATCH; j++) {
			struct gnttab_unmap_grant_ref u_ = unmap_l[j];
			OK(xen_hypercall_grant_table_unmap_grant_ref(&u_));
		}
		samples[i] = (uint32_t)(t1 - t0);
		unmaps[i] = (uint32_t)(rdtsc() - t1);
	}
	report("batch_per_op", "fastabi", "grant_map_single", 0, nb, NBATCH);
	memcpy(samples, unmaps, nb * sizeof(samples[0]));
	report("batch_per_op", "fastabi", "grant_unmap_single", 0, nb, NBATCH);
	for (unsigned i = 0; i < nb; i++) {
		memcpy(batch, map_l, sizeof(map_l));
		struct fastabi_gnttab_batch b = { .page_gpa = (uintptr_t)batch, .count = NBATCH };
		uint64_t t0 = rdtsc();
		OK(xen_hypercall_grant_table_map_batch(&b));
		uint64_t t1 = rdtsc();
		struct gnttab_map_grant_ref *mb = (void *)batch;
		for (unsigned j = 0; j < NBATCH; j++) {
			OK(mb[j].status);
			unmap_l[j] = (struct gnttab_unmap_grant_ref){
				.host_addr = mb[j].host_addr, .handle = mb[j].handle };
		}
		memcpy(batch, unmap_l, sizeof(unmap_l));
		b = (struct fastabi_gnttab_batch){ .page_gpa = (uintptr_t)batch, .count = NBATCH };
		uint64_t t2 = rdtsc();
		OK(xen_hypercall_grant_table_unmap_batch(&b));
		samples[i] = (uint32_t)(t1 - t0);
		unmaps[i] = (uint32_t)(rdtsc() - t2);
	}
	report("batch_per_op", "fastabi", "grant_map_batch", 0, nb, NBATCH);
	memcpy(samples, unmaps, nb * sizeof(samples[0]));
	report("batch_per_op", "fastabi", "grant_unmap_batch", 0, nb, NBATCH);
	for (unsigned j = 0; j < NBATCH; j++)
		ACCESS_ONCE(gt[REF_BASE + j].flags) = 0;
}

/*
 * One interrupt into the guest, the floor of the between-domains figures:
 * - ping_pong fastabi upcall_self: a FastABI event_channel send to an IPI
 *   port of our own, with a per-vCPU upcall vector and interrupts on, from
 *   the rdtsc before the call to the rdtsc that starts the upcall handler:
 *   the exit, the VMM's send and kick, its KVM_SIGNAL_MSI before re-entry,
 *   and the delivery through the IDT;
 * - ping_pong fastabi upcall_masked: the same send with the vCPU's upcalls
 *   masked (evtchn_upcall_mask), the whole call: no injection;
 * - ping_pong none self_ipi: a LAPIC self-IPI, from the rdtsc before the
 *   ICR write to the handler's, taken at the sti; hlt that follows: KVM's
 *   in-kernel LAPIC alone (two exits inside KVM), no VMM.
 * Both handlers start with the guest's common interrupt entry (registers
 * saved, emulated at ring 0 here) and EOI after taking their timestamp.
 */
#define V_UPCALL 0xf3
#define V_SELF_IPI 0xf4
#define V_SPURIOUS 0xff

static struct shared_info *si;
static volatile uint64_t irq_tsc;
static volatile unsigned irqs;

static void on_upcall(struct cpu_regs *regs)
{
	(void)regs;
	irq_tsc = rdtsc();
	irqs++;
	evtchn_take_pending(si, 0, NULL);
	apic_eoi();
}

static void on_self_ipi(struct cpu_regs *regs)
{
	(void)regs;
	irq_tsc = rdtsc();
	irqs++;
	apic_eoi();
}

/*
 * Interrupts on until the one in flight arrived; false if it never did.
 * With hlt, not sti; nop: ring-0 code is emulated here and a LAPIC
 * interrupt waiting for IF is taken only at the next entry with interrupts
 * on, which hlt gives (guest/tests/lapic); it returns at once when the
 * interrupt is already requested.
 */
static bool irq_arrived(unsigned before)
{
	for (unsigned i = 0; i < 3 && irqs == before; i++)
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	return irqs != before;
}

static evtchn_port_t ipi_port;

static void send_to_self(void)
{
	struct evtchn_send s = { .port = ipi_port };
	OK(xen_hypercall_event_channel_send(&s));
}

static void self_ipi(void)
{
	apic_send_self_ipi(V_SELF_IPI);
}

/*
 * n samples of one interrupt that raise() causes, each from the rdtsc before
 * it to the handler's; with irq_on, interrupts are on while raise() runs.
 */
static void irq_samples(const char *abi, const char *op, void (*raise)(void), bool irq_on)
{
	unsigned got = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned before = irqs;
		if (irq_on)
			__asm__ __volatile__("sti" ::: "memory");
		uint64_t t0 = rdtsc();
		raise();
		__asm__ __volatile__("cli" ::: "memory");
		if (!irq_arrived(before))
			break;
		samples[got++] = (uint32_t)(irq_tsc - t0);
	}
	if (got == n)
		report("ping_pong", abi, op, 0, n, 1);
	else
		xtf_failure("%s: interrupt %u of %u never arrived", op, got, n);
}

static void injections(void)
{
	si = shared_info_map();
	if (!si) {
		printf("no shared_info: no interrupt figures\n");
		return;
	}
	apic_enable(V_SPURIOUS);
	irq_register(V_UPCALL, on_upcall);
	irq_register(V_SELF_IPI, on_self_ipi);
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = V_UPCALL };
	OK(xen_hypercall_hvm_set_evtchn_upcall_vector(&uv));
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	OK(xen_hypercall_event_channel_bind_ipi(&ipi));
	if (failed)
		return;
	struct vcpu_info *vi = &si->vcpu_info[0];

	/* The call alone (the same function): upcalls masked, the event left pending, then cleared. */
	ipi_port = ipi.port;
	vi->evtchn_upcall_mask = 1;
	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = rdtsc();
		send_to_self();
		samples[i] = (uint32_t)(rdtsc() - t0);
		evtchn_clear_pending(si, ipi.port);
		vi->evtchn_upcall_pending = 0;
	}
	report("ping_pong", "fastabi", "upcall_masked", 0, n, 1);

	vi->evtchn_upcall_mask = 0;
	irq_samples("fastabi", "upcall_self", send_to_self, true);
	irq_samples("none", "self_ipi", self_ipi, false);
	vi->evtchn_upcall_mask = 1;
	struct evtchn_close c = { .port = ipi.port };
	OK(xen_hypercall_event_channel_close(&c));
}

/* Hypervisor clock (hvm get_time) in ns. */
static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };

	OK(xen_hypercall_hvm_get_time(&g));
	return g.now;
}

/*
 * One reading of the hypervisor's clock with the TSC at the same moment:
 * the middle of an rdtsc pair around the call. Of several tries the one
 * with the narrowest pair: on a busy host one call may wait milliseconds
 * for the VMM's thread, and that wait must not count as clock time.
 */
static void stamp(uint64_t *cycles, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < 5; i++) {
		uint64_t a = rdtsc(), n_ = now_ns(), b = rdtsc();
		if (b - a < best) {
			best = b - a;
			*cycles = a + (b - a) / 2;
			*ns = n_;
		}
	}
}

/*
 * TSC kHz: CPUID's leaf when it has one, else measured against the
 * hypervisor's clock over at least 5 ms between two stamps.
 */
static uint64_t calibrate(void)
{
	uint64_t k = tsc_khz();

	if (k)
		return k;
	uint64_t c0, n0, c1, n1;
	stamp(&c0, &n0);
	do
		stamp(&c1, &n1);
	while (n1 - n0 < 5000000 && n1 >= n0);
	if (n1 <= n0 || c1 <= c0)
		return 0;
	return (c1 - c0) * 1000000 / (n1 - n0);
}

/*
 * Guest instructions per call, counted by single-stepping (RFLAGS.TF, one
 * #DB per instruction): from the caller's arguments to the caller having
 * its results (read only when the call succeeded, as FastABI writes
 * outputs only then), each call wrapped in a function of its own; the same count
 * for an empty function (call, ret, the TF toggling) is subtracted.
 */
static volatile unsigned steps;
static volatile uint64_t sink;
static unsigned gi_port;

static void on_db(struct cpu_regs *regs)
{
	(void)regs;
	steps++;
}

static unsigned count_steps(uint64_t (*fn)(void))
{
	steps = 0;
	__asm__ __volatile__("pushfq; orq %[tf], (%%rsp); popfq"
			     : : [tf] "i"(X86_RFLAGS_TF) : "memory", "cc");
	uint64_t v = fn();
	__asm__ __volatile__("pushfq; andq %[ntf], (%%rsp); popfq"
			     : : [ntf] "i"(~X86_RFLAGS_TF) : "memory", "cc");
	sink = v;
	return steps;
}

#define GI(name, body)                                                          \
	static __attribute__((noinline)) uint64_t name(void) { return (uint64_t)(body); }

GI(gi_empty, 0)
GI(gi_f_version, xen_hypercall_version_version())
GI(gi_l_version, hypercall_xen_version(XENVER_version, NULL))
GI(gi_f_send, ({ struct evtchn_send s_ = { .port = gi_port };
		 xen_hypercall_event_channel_send(&s_); }))
GI(gi_l_send, ({ struct evtchn_send s_ = { .port = gi_port };
		 hypercall_event_channel_op(EVTCHNOP_send, &s_); }))
GI(gi_f_runstate, ({ struct vcpu_runstate_info r_;
		     xen_hypercall_vcpu_get_runstate_info(0, &r_) ? 0 : r_.state_entry_time; }))
GI(gi_l_runstate, ({ struct vcpu_runstate_info r_;
		     hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &r_) ? 0 : r_.state_entry_time; }))
GI(gi_f_param, ({ struct xen_hvm_param p_ = { .domid = DOMID_SELF,
					      .index = HVM_PARAM_CONSOLE_EVTCHN };
		  xen_hypercall_hvm_get_param(&p_) ? 0 : p_.value; }))
GI(gi_l_param, ({ struct xen_hvm_param p_ = { .domid = DOMID_SELF,
					      .index = HVM_PARAM_CONSOLE_EVTCHN };
		  hypercall_hvm_op(HVMOP_get_param, &p_) ? 0 : p_.value; }))
GI(gi_f_time, ({ struct xen_hvm_get_time g_; xen_hypercall_hvm_get_time(&g_) ? 0 : g_.now; }))
GI(gi_l_time, ({ struct xen_hvm_get_time g_; hypercall_hvm_op(HVMOP_get_time, &g_) ? 0 : g_.now; }))
GI(gi_f_query, ({ struct gnttab_query_size q_ = { .dom = DOMID_SELF };
		  xen_hypercall_grant_table_query_size(&q_) ? 0 : q_.nr_frames; }))
GI(gi_l_query, ({ struct gnttab_query_size q_ = { .dom = DOMID_SELF };
		  hypercall_grant_table_op(GNTTABOP_query_size, &q_, 1) ? 0 : q_.nr_frames; }))
GI(gi_f_yield, xen_hypercall_sched_yield())
GI(gi_l_yield, hypercall_sched_op(SCHEDOP_yield, NULL))
#define GI_COPY {                                                                \
	.source = { .u.gmfn = (uintptr_t)src >> 12, .domid = DOMID_SELF },       \
	.dest = { .u.gmfn = (uintptr_t)dst >> 12, .domid = DOMID_SELF }, .len = 64 }
GI(gi_f_copy, ({ struct gnttab_copy c_ = GI_COPY;
		 xen_hypercall_grant_table_copy(&c_) ? -1 : c_.status; }))
GI(gi_l_copy, ({ struct gnttab_copy c_ = GI_COPY;
		 hypercall_grant_table_op(GNTTABOP_copy, &c_, 1) ? -1 : c_.status; }))

static void guest_insns(void)
{
	static const struct {
		const char *op;
		unsigned size;
		uint64_t (*fast)(void), (*legacy)(void);
	} gi[] = {
		{ "version.version", 0, gi_f_version, gi_l_version },
		{ "event_channel.send", 0, gi_f_send, gi_l_send },
		{ "vcpu.get_runstate_info", 0, gi_f_runstate, gi_l_runstate },
		{ "hvm.get_param", 0, gi_f_param, gi_l_param },
		{ "hvm.get_time", 0, gi_f_time, gi_l_time },
		{ "grant_table.query_size", 0, gi_f_query, gi_l_query },
		{ "sched.yield", 0, gi_f_yield, gi_l_yield },
		{ "grant_table.copy", 64, gi_f_copy, gi_l_copy },
	};

	irq_register(X86_EXC_DB, on_db);
	(void)count_steps(gi_empty); /* the first pass also counts its cold start */
	unsigned base = count_steps(gi_empty);
	if (count_steps(gi_empty) != base || base == 0) {
		printf("single-stepping does not count steadily here (%u, then %u #DB for an empty call): no guest_insns\n", base, count_steps(gi_empty));
		irq_register(X86_EXC_DB, NULL);
		return;
	}
	for (unsigned i = 0; i < sizeof(gi) / sizeof(gi[0]); i++) {
		if (!gi_port && !strcmp(gi[i].op, "event_channel.send"))
			continue;
		for (unsigned k = 0; k < 2; k++) {
			uint64_t (*fn)(void) = k ? gi[i].legacy : gi[i].fast;
			unsigned a = count_steps(fn) - base, b = count_steps(fn) - base;
			const uint64_t v[4] = { a < b ? a : b, a < b ? a : b, a < b ? b : a,
						a < b ? b : a };
			line("guest_insns", k ? "legacy" : "fastabi", gi[i].op, gi[i].size, "count",
			     v, 2, 0);
		}
	}
	irq_register(X86_EXC_DB, NULL);
}

static unsigned option(const char *key, unsigned def, unsigned max)
{
	const char *v = cmdline_option(start_info_cmdline(), key);
	unsigned x = 0;

	if (!v || *v < '0' || *v > '9')
		return def;
	while (*v >= '0' && *v <= '9')
		x = x * 10 + (unsigned)(*v++ - '0');
	return x < 1 ? 1 : x > max ? max : x;
}

void test_main(void)
{
	if (!xtf_both_abis_ready())
		return;
	khz = calibrate();
	if (!khz) {
		xtf_error("the TSC does not advance with the hypervisor's clock");
		return;
	}
	n = option("n", n, MAXN);
	nb = option("nb", nb, MAXN);
	memset(src, 0x5a, BIG);

	SAMPLE(n, __asm__ __volatile__("" ::: "memory"));
	sort(samples, n);
	overhead = pct(samples, n, 50);

	SAMPLE(n, outb(0, 0x80));
	report("round_trip", "null", "null", 0, n, 1);

	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CONSOLE_EVTCHN };
	OK(xen_hypercall_hvm_get_param(&p));
	gi_port = (unsigned)p.value;
	guest_insns();
	ops("fastabi", true, (unsigned)p.value);
	ops("legacy", false, (unsigned)p.value);
	copies(64);
	copies(PAGE_SIZE);
	copies(16 * PAGE_SIZE);
	batches();
	/*
	 * inject=0 leaves them out: their FastABI sends to an IPI port would
	 * count in the run's --service-times figure of event_channel.send,
	 * which is the console port's (bench.py takes them from another run).
	 */
	const char *inject = cmdline_option(start_info_cmdline(), "inject");
	if (!inject || *inject != '0')
		injections();
	console_write(out, out_len);
	printf("BENCH-INFO tsc_khz %llu overhead_cycles %llu n %u nb %u\n",
	       (unsigned long long)khz, (unsigned long long)overhead, n, nb);
	if (!failed)
		xtf_success(NULL);
}
