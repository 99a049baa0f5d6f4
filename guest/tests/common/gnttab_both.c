/* A grant-table operation's results through both ABIs, compared (gnttab_both.h). */
#include "common/gnttab_both.h"

static void show(const char *what, long lrc, int16_t lstatus, int64_t frc, int16_t fstatus)
{
	printf("%s: legacy %ld status %d, fast %lld status %d\n", what, lrc, lstatus,
	       (long long)frc, fstatus);
}

bool gnttab_both_ok(const char *what, long lrc, int16_t lstatus, int64_t frc, int16_t fstatus)
{
	show(what, lrc, lstatus, frc, fstatus);
	bool ok = CHECK_EQ(lrc, 0);
	ok &= CHECK_EQ(frc, 0);
	ok &= CHECK_EQ(lstatus, GNTST_okay);
	ok &= CHECK_EQ(fstatus, GNTST_okay);
	return ok;
}

bool gnttab_both_refused(const char *what, long lrc, int16_t lstatus, int64_t frc,
			 int16_t fstatus)
{
	show(what, lrc, lstatus, frc, fstatus);
	bool ok = CHECK(lstatus < 0);
	ok &= CHECK_EQ(lstatus, fstatus);
	return ok;
}
