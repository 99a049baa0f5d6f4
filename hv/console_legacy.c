/*
 * Legacy console_io(cmd, count, buffer). A long write moves
 * CONSOLE_WRITE_STEP bytes per call and continues with the rest (count
 * reduced, buffer advanced), as Xen does, so no byte is lost or repeated.
 */
#include <stdint.h>

#include <xen/errno.h>
#include <xen/xen.h>

#include "console.h"
#include "legacy.h"

int64_t legacy__console_io(struct legacy_call *lc)
{
	/* count is an unsigned int in Xen's prototype. */
	uint32_t count = (uint32_t)lc->arg[1];
	uint64_t buffer = lc->arg[2];
	char buf[CONSOLE_WRITE_STEP];
	int ret;

	switch (lc->arg[0]) {
	case CONSOLEIO_write: {
		uint32_t n = count < CONSOLE_WRITE_STEP ? count : CONSOLE_WRITE_STEP;
		ret = legacy__copy_from(lc, buffer, buf, n);
		if (ret)
			return ret;
		console__write(lc->v, buf, n);
		if (n < count) {
			lc->arg[1] = count - n;
			lc->arg[2] = buffer + n;
			if (!lc->call->mode64)
				lc->arg[2] &= UINT32_MAX;
			lc->restart = true;
		}
		return 0;
	}
	case CONSOLEIO_read: {
		uint32_t n = count < sizeof(buf) ? count : (uint32_t)sizeof(buf);
		/* Input is dropped only once it reached the guest: a bad buffer loses none. */
		size_t got = console__peek(lc->v, buf, n);
		ret = legacy__copy_to(lc, buffer, buf, got);
		if (ret)
			return ret;
		console__consume(lc->v, got);
		return (int64_t)got;
	}
	default:
		lc->call->why = "unknown console_io command";
		return -XEN_ENOSYS;
	}
}
