/*
 * How a guest test program reports its result to the VMM, XTF style. Shared
 * by the guest library (guest/lib/test.c) and the VMM (`fastabi run`).
 *
 * The guest prints "Test result: <NAME>" on its console, then writes the
 * code with `outl %eax, $FASTABI_RESULT_PORT`. The VMM stops the domain at
 * once and `fastabi run` turns the code into its exit status
 * (FASTABI_EXIT_*), so that meson (and any shell) can read the verdict.
 * Self-contained: no other header needed.
 */
#ifndef FASTABI_TEST_H
#define FASTABI_TEST_H

/* An 8-bit immediate port, free on PC-compatible machines (next to the doorbell). */
#define FASTABI_RESULT_PORT 0x9a

/* The value written to FASTABI_RESULT_PORT (32 bits, outl). */
enum fastabi_result {
	FASTABI_RESULT_SUCCESS = 0, /* the test ran and everything held */
	FASTABI_RESULT_SKIP = 1,    /* the test could not run here (feature absent) */
	FASTABI_RESULT_ERROR = 2,   /* the test itself went wrong (unexpected exception, bad setup) */
	FASTABI_RESULT_FAILURE = 3, /* the hypervisor did something wrong */
};

/* The names the console line "Test result: <NAME>" uses, indexed by the code. */
#define FASTABI_RESULT_NAMES { "SUCCESS", "SKIP", "ERROR", "FAILURE" }

/*
 * `fastabi run`'s exit status. 77 is what meson (and automake) read as
 * "skipped". Defined here so the guest side and the VMM agree; the VMM
 * documents them in its usage text.
 */
#define FASTABI_EXIT_SUCCESS 0  /* SUCCESS, or every domain powered off */
#define FASTABI_EXIT_FAILURE 1  /* FAILURE */
#define FASTABI_EXIT_ERROR 2    /* ERROR */
#define FASTABI_EXIT_CRASH 3    /* crash, triple fault, unhandled exit */
#define FASTABI_EXIT_TIMEOUT 4  /* --timeout expired */
#define FASTABI_EXIT_SKIP 77    /* SKIP */

#endif
