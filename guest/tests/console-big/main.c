/*
 * One console_io write of 2 MiB (docs/security.md, "Console output"): the
 * hypervisor moves CONSOLE_WRITE_STEP bytes per trap and re-executes the
 * call with the rest (count reduced, buffer advanced), so the call is many
 * short exits; here it must return 0 once, and run-guest-check.sh's
 * 'console-big' check finds every line of the buffer in the VMM's output,
 * once and in order. The text is the ramdisk (gen-text.py), not written
 * by the guest: ring-0 guest code is emulated on these hosts, and filling
 * 2 MiB would take minutes.
 */
#include "guest.h"

const char test_title[] = "console-big";

#define TEXT_SIZE (2u << 20)

void test_main(void)
{
	const struct hvm_start_info *si = start_info;

	if (!xen_info.hypercall_page_ready) {
		xtf_error("no hypercall page");
		return;
	}
	if (!si || si->nr_modules != 1 || !si->modlist_paddr) {
		xtf_error("no ramdisk (the text to write): boot with --ramdisk");
		return;
	}
	const struct hvm_modlist_entry *m = (const void *)(uintptr_t)si->modlist_paddr;
	if (m->size != TEXT_SIZE) {
		xtf_error("the ramdisk has %llu bytes, not %u", (unsigned long long)m->size,
			  TEXT_SIZE);
		return;
	}
	long rc = hypercall_console_io(CONSOLEIO_write, TEXT_SIZE,
				       (const char *)(uintptr_t)m->paddr);
	if (rc) {
		xtf_failure("console_io write of %u bytes: %ld", TEXT_SIZE, rc);
		return;
	}
	xtf_success(NULL);
}
