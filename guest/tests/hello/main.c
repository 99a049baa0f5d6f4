/* The smallest guest program: print, report SUCCESS. */
#include "guest.h"

const char test_title[] = "hello";

void test_main(void)
{
	printf("Hello from a fastabi guest: start_info %p, cmdline \"%s\"\n",
	       (const void *)start_info, start_info_cmdline());
	if (!start_info)
		xtf_failure("no valid hvm_start_info in %%ebx (bad magic)");
	xtf_success(NULL);
}
