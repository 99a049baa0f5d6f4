/*
 * XTF-style test results. A test program defines
 *
 *	const char test_title[] = "...";
 *	void test_main(void) { ... xtf_success(NULL); }
 *
 * and reports with xtf_success / xtf_skip / xtf_error / xtf_failure. Those
 * print their message and record the verdict; the worst one wins (SUCCESS <
 * SKIP < ERROR < FAILURE, as in XTF), and the test goes on unless it
 * returns. When test_main returns, the library prints "Test result: NAME"
 * and writes the code to FASTABI_RESULT_PORT, which ends the domain. A test
 * that returns without any verdict reports ERROR.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <fastabi/test.h>

#include "compiler.h"

extern const char test_title[];
void test_main(void);
/*
 * Optional: runs before the library reads the start info, with the IDT in
 * place and nothing else (no console). The default does nothing; a program
 * that defines it may rearrange memory first, as some kernels do.
 */
void test_pre_start_info(void);

/*
 * Optional: what guest_start sets up before test_main (GUEST_SETUP_*); the
 * default is GUEST_SETUP_ALL. A program that tests the setup itself (the
 * VMM's own test guest: running without an IDT, legacy calls through the
 * doorbell before any hypercall page, every byte on port 0xe9) returns
 * less and calls the pieces when it wants them: traps_init(),
 * hypercall_init(), console_try_hypercall(). The start info, the CPUID
 * discovery (xen_info) and the banner are always there.
 */
enum guest_setup {
	GUEST_SETUP_IDT = 1 << 0,            /* traps_init() */
	GUEST_SETUP_HYPERCALL_PAGE = 1 << 1, /* hypercall_init(), unless "no-hypercall-page" */
	GUEST_SETUP_CONSOLE_IO = 1 << 2,     /* console_io output, unless "console=e9" */
	GUEST_SETUP_ALL = (1 << 3) - 1,
};
unsigned test_setup(void);

void xtf_success(const char *fmt, ...) __printf(1, 2);
void xtf_skip(const char *fmt, ...) __printf(1, 2);
void xtf_error(const char *fmt, ...) __printf(1, 2);
void xtf_failure(const char *fmt, ...) __printf(1, 2);

/*
 * For programs that compare the legacy ABI with FastABI: true when both can
 * be called (the hypercall page is set up and FastABI is offered); otherwise
 * reports ERROR (no hypercall page) or SKIP (no FastABI) and returns false.
 */
bool xtf_both_abis_ready(void);

/* The verdict so far (FASTABI_RESULT_*), or -1 if none yet. */
int xtf_result(void);
/* Print the result and report it now; never returns. */
void test_exit(void) __noreturn;

/*
 * Check helpers: report a FAILURE naming the expression and go on. They
 * return whether the check held, so a test can stop when one does not.
 */
#define CHECK(cond)                                                           \
	({                                                                    \
		bool check_ok_ = (cond);                                      \
		if (!check_ok_)                                               \
			xtf_failure("%s:%d: check failed: %s", __FILE__, __LINE__, #cond); \
		check_ok_;                                                    \
	})
#define CHECK_EQ(a, b)                                                        \
	({                                                                    \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
		bool check_ok_ = check_a_ == check_b_;                        \
		if (!check_ok_)                                               \
			xtf_failure("%s:%d: %s == %s: %lld (%#llx) != %lld (%#llx)", \
				    __FILE__, __LINE__, #a, #b, check_a_, check_a_, \
				    check_b_, check_b_);                     \
		check_ok_;                                                    \
	})

/* Elapsed time from the TSC (the VMM does not change its frequency). */
uint64_t tsc_khz(void);
uint64_t tsc_to_us(uint64_t cycles);

#endif
