/* The console backends (console.h). */
#include "guest.h"

static enum console_backend backend = CONSOLE_PORT_E9;

void console_set_backend(enum console_backend b)
{
	backend = b;
}

enum console_backend console_backend(void)
{
	return backend;
}

static void port_write(const char *s, size_t n)
{
	/* One exit per byte: outsb would need the VMM to handle string I/O. */
	for (size_t i = 0; i < n; i++)
		outb((uint8_t)s[i], CONSOLE_DEBUG_PORT);
}

void console_write(const char *s, size_t n)
{
	if (backend == CONSOLE_HYPERCALL &&
	    hypercall_console_io(CONSOLEIO_write, (unsigned)n, s) >= 0)
		return;
	port_write(s, n);
}

/* Switch to console_io writes if one works (guest_start, after hypercall_init). */
void console_try_hypercall(void)
{
	static const char probe[] = "";

	if (hypercall_console_io(CONSOLEIO_write, 0, probe) == 0)
		backend = CONSOLE_HYPERCALL;
}
