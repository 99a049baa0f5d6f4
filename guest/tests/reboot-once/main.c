/*
 * xl's on_reboot = "restart": the domain asks for a reboot
 * (SCHEDOP_shutdown reboot) when its domain id (CPUID base+4 ECX) is the
 * one named by "reboot-on-domid=N" on its command line, and powers off
 * otherwise. A restarted domain has fresh memory and, as with xl, a new
 * domain id: so under `fastabi create` with restart it reboots once, comes
 * back as another domain and powers off (tests/integration/config/).
 */
#include "guest.h"

const char test_title[] = "reboot-once";

static unsigned number(const char *s)
{
	unsigned v = 0;
	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (unsigned)(*s++ - '0');
	return v;
}

void test_main(void)
{
	if (!(xen_info.hvm_features & XEN_HVM_CPUID_DOMID_PRESENT)) {
		xtf_error("CPUID does not give the domain id");
		return;
	}
	hypercall_init();
	const char *want = cmdline_option(start_info_cmdline(), "reboot-on-domid");
	unsigned domid = xen_info.domid;
	if (want && number(want) == domid) {
		printf("domain %u: rebooting\n", domid);
		hypercall_shutdown(SHUTDOWN_reboot);
		xtf_failure("still running after SHUTDOWN_reboot");
		return;
	}
	printf("domain %u: powering off\n", domid);
	hypercall_shutdown(SHUTDOWN_poweroff);
	xtf_failure("still running after SHUTDOWN_poweroff");
}
