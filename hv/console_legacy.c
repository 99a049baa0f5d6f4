/*
 * Legacy console_io(cmd, count, buffer). A long write moves
 * CONSOLE_WRITE_STEP bytes per trap and continues with the rest (count
 * reduced, buffer advanced), as Xen does, so no byte is lost or repeated;
 * a chunk (CONSOLE_WRITE_CHUNK) that cannot be read ends it with -EFAULT
 * after the chunks before it (Xen's guest_console_write). A read of more
 * than INT_MAX bytes is -E2BIG, as in Xen's do_console_io: the result
 * would not fit the return value.
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
	/* One write step, or all the queued input (a read returns it all, as Xen's). */
	char buf[CONSOLE_WRITE_STEP > HV_CONSOLE_IN_MAX ? CONSOLE_WRITE_STEP : HV_CONSOLE_IN_MAX];
	int ret;

	/* cmd too is an unsigned int there: the register's upper half is not looked at. */
	switch ((uint32_t)lc->arg[0]) {
	case CONSOLEIO_write: {
		uint32_t n = count < CONSOLE_WRITE_STEP ? count : CONSOLE_WRITE_STEP, got = 0;
		ret = 0;
		while (got < n && !ret) {
			uint32_t c = n - got < CONSOLE_WRITE_CHUNK ? n - got : CONSOLE_WRITE_CHUNK;
			uint64_t at = buffer + got;
			if (!lc->call->mode64)
				at &= UINT32_MAX; /* the handle wraps as a 32-bit pointer */
			ret = legacy__copy_from(lc, at, buf + got, c);
			if (!ret)
				got += c;
		}
		if (got)
			console__write(lc->v, buf, got);
		if (ret)
			return ret;
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
		if (count > INT32_MAX)
			return -XEN_E2BIG;
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
