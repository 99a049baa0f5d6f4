/*
 * What guest work costs under this hypervisor: prints the time of a few
 * guest-side patterns (an empty loop, `rep stos`, printf) and of one call
 * per ABI, so that programs and the docs can plan around them. Always
 * SUCCESS (a measurement, not a check); SKIP without a clock.
 */
#include "guest.h"

const char test_title[] = "costs: what guest work and calls cost here";

static uint8_t buf[PAGE_SIZE] __page_noinit;

/* Nanoseconds from the hypervisor's clock (one FastABI or legacy call). */
static uint64_t now_ns(void)
{
	struct xen_hvm_get_time g = { 0 };

	if (fastabi_usable())
		xen_hypercall_hvm_get_time(&g);
	else
		hypercall_hvm_op(HVMOP_get_time, &g);
	return g.now;
}

static uint64_t khz; /* TSC kHz, calibrated against the hypervisor's clock */

static uint64_t cycles_to_ns(uint64_t c)
{
	uint32_t rem;

	return div_u64_rem(c * 1000, (uint32_t)khz, &rem) * 1000 +
	       div_u64_rem((uint64_t)rem * 1000, (uint32_t)khz, &rem);
}

#define MEASURE(name, n, body)                                                     \
	do {                                                                       \
		uint64_t t0_ = rdtsc();                                            \
		for (unsigned i_ = 0; i_ < (n); i_++) {                           \
			body;                                                      \
		}                                                                  \
		uint64_t ns_ = cycles_to_ns(rdtsc() - t0_);                       \
		printf("%-40s %6llu ns each (%u runs)\n", name,                  \
		       (unsigned long long)(ns_ / (n)), (unsigned)(n));            \
	} while (0)

void test_main(void)
{
	if (!xen_info.hypercall_page_ready) {
		xtf_skip("no hypercall page: no clock to measure with");
		return;
	}
	uint64_t c0 = rdtsc(), n0 = now_ns();
	for (volatile unsigned i = 0; i < 200; i++)
		;
	uint64_t c1 = rdtsc(), n1 = now_ns();
	if (n1 <= n0 || c1 <= c0) {
		xtf_skip("no usable clock");
		return;
	}
	khz = (c1 - c0) * 1000000 / (n1 - n0);
	printf("TSC about %llu kHz (CPUID says %llu)\n", (unsigned long long)khz,
	       (unsigned long long)tsc_khz());

	MEASURE("empty loop iteration", 100, __asm__ __volatile__("" ::: "memory"));
	MEASURE("loop with one store", 100, ACCESS_ONCE(buf[i_]) = 1);
	MEASURE("function call", 20, ACCESS_ONCE(buf[0]) = (uint8_t)xtf_result());
	MEASURE("strlen, 40 characters", 10,
		ACCESS_ONCE(buf[0]) = (uint8_t)strlen(test_title + (i_ & 1)));
	MEASURE("rep stosb, 0 bytes", 20, ({ void *d_ = buf; unsigned long c_ = 0;
		__asm__ __volatile__("rep stosb" : "+D"(d_), "+c"(c_) : "a"(0ul) : "memory"); }));
	MEASURE("rep stosb, 4096 bytes", 5, ({ void *d_ = buf; unsigned long c_ = 4096;
		__asm__ __volatile__("rep stosb" : "+D"(d_), "+c"(c_) : "a"(0ul) : "memory"); }));
	MEASURE("memset, 4096 bytes (rep stosq)", 10, memset(buf, 0, PAGE_SIZE));
	MEASURE("memcpy, 4096 bytes (rep movsq)", 10, memcpy(buf, buf + 0, PAGE_SIZE));
	MEASURE("snprintf, empty", 10, snprintf((char *)buf, 64, "%s", ""));
	MEASURE("snprintf, %d", 10, snprintf((char *)buf, 64, "%d", 12345));
	MEASURE("snprintf, a 40-character line", 10,
		snprintf((char *)buf, 64, "value %d at %#lx: %s", (int)i_, 0x1234ul, "text"));
	MEASURE("cpuid", 20, cpuid(0));
	MEASURE("outb to port 0x80 (an exit)", 20, outb(0, 0x80));
	MEASURE("legacy xen_version (hypercall page)", 50,
		hypercall_xen_version(XENVER_version, NULL));
	MEASURE("legacy xen_version(get_features) (struct copy)", 50,
		({ struct xen_feature_info f = { 0 }; hypercall_xen_version(XENVER_get_features, &f); }));
	if (fastabi_usable()) {
		MEASURE("FastABI version", 50, xen_hypercall_version_version());
		MEASURE("FastABI get_features", 50,
			({ struct xen_feature_info f = { 0 };
			   xen_hypercall_version_get_features(&f); }));
	}
	xtf_success(NULL);
}
