/*
 * xl.cfg(5) files for `fastabi create`: read with Xen's own parser
 * (libxlutil), interpreted the way xl's tools/xl/xl_parse.c interprets the
 * keys we support, into a struct vmm_domain_config. See docs/config.md.
 */
#ifndef VMM_XLCFG_H
#define VMM_XLCFG_H

#include <stdio.h>

#include "domain_config.h"

/* xl's actions on a domain's shutdown (on_poweroff, on_reboot, on_crash, on_watchdog). */
enum xlcfg_action {
	XLCFG_DESTROY,  /* the domain is gone; the others go on */
	XLCFG_PRESERVE, /* the domain stays in its shutdown state, not running */
	XLCFG_RESTART,  /* built again from the same configuration, with a new domain id */
};

enum xlcfg_event { XLCFG_ON_POWEROFF, XLCFG_ON_REBOOT, XLCFG_ON_CRASH, XLCFG_ON_WATCHDOG,
		   XLCFG_NR_EVENTS };

/* xl's defaults when there is no memory= (libxl: 32 MiB). */
#define XLCFG_DEFAULT_MEMORY_MIB 32u

struct xlcfg {
	const char *path;               /* the file, as given */
	struct vmm_domain_config cfg;   /* its strings point into the fields below */
	enum xlcfg_action on[XLCFG_NR_EVENTS];
	int name_line;                  /* where name= is (for duplicate names) */
	int vif_line;                   /* where vif= is (backends named there) */
	char *name, *kernel, *ramdisk, *cmdline;
	unsigned nr_warnings;           /* keys reported as not supported and ignored */
};

/*
 * Read path into x. Errors and warnings go to report as
 * "FILE:LINE: ..." (libxlutil's own format). 0, or -1 after saying why.
 */
int xlcfg__read(const char *path, FILE *report, struct xlcfg *x);
void xlcfg__free(struct xlcfg *x);
/*
 * The vifs' backend= of nr files read together (one `fastabi create`): a
 * domain name or id of another of them (ids 1..nr in file order), made the
 * backend's name. 0, or -1 after saying which "FILE:LINE: ..." is wrong.
 */
int xlcfg__resolve_backends(struct xlcfg *x, unsigned nr, FILE *report);
const char *xlcfg__action_name(enum xlcfg_action a);
const char *xlcfg__event_key(enum xlcfg_event e);

#endif
