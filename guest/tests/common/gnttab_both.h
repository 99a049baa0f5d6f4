/*
 * Shared by the programs that do one grant-table operation through both
 * ABIs and compare (gnttab, gnttab-batch): linked in with
 * 'common' : ['gnttab_both.c'].
 */
#ifndef GUEST_TESTS_COMMON_GNTTAB_BOTH_H
#define GUEST_TESTS_COMMON_GNTTAB_BOTH_H

#include "guest.h"

/*
 * Print both calls' results and per-op statuses under 'what', then check
 * that both succeeded (GNTST_okay). Whether they did.
 */
bool gnttab_both_ok(const char *what, long lrc, int16_t lstatus, int64_t frc, int16_t fstatus);
/* The same, checking that both refused the entry alike: one negative status. */
bool gnttab_both_refused(const char *what, long lrc, int16_t lstatus, int64_t frc,
			 int16_t fstatus);

#endif
