/* Legacy vm_assist(cmd, type) (Xen's common/kernel.c do_vm_assist): the core is domain__vm_assist. */
#include <stdint.h>

#include <xen/errno.h>

#include "hv.h"
#include "legacy.h"

int64_t legacy__vm_assist(struct legacy_call *lc)
{
	/* Both are unsigned int in Xen's prototype. */
	int64_t ret = domain__vm_assist(lc->v->d, (uint32_t)lc->arg[0], (uint32_t)lc->arg[1]);
	if (ret)
		lc->call->why = ret == -XEN_EINVAL ? "vm_assist type an HVM domain may not set"
						   : "unknown vm_assist command";
	return ret;
}
