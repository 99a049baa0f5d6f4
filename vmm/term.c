/*
 * A domain's console on the VMM's stdout: bytes from port 0xe9 and from
 * console_io writes are collected into lines, and each line goes out whole
 * as "[name] text", so the output of several vCPUs and domains never
 * interleaves within a line. A line longer than the buffer is cut into
 * several; a partial line is written when the domain stops.
 *
 * The guest's bytes must not drive the operator's terminal (escape
 * sequences set the window title, clear the screen, write the clipboard
 * with OSC 52...), so by default only printable ASCII and tab pass as they
 * are; every other byte is shown as "\xNN" (two lower-case hex digits)
 * and a backslash as "\\", so the escaped text reads back to exactly the
 * guest's bytes. Bytes >= 0x80 are escaped too: checking UTF-8 would need
 * state across writes, and some terminals act on C1 controls (U+0080..
 * U+009F) even when UTF-8 encoded. `--console raw` passes the bytes as
 * they are (term->raw). In both modes '\n' ends the line and '\r' and NUL
 * are dropped, as before (CRLF line ends, padding).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

void term__init(struct term *c, const char *name, bool raw)
{
	pthread_mutex_init(&c->lock, NULL);
	c->raw = raw;
	snprintf(c->prefix, sizeof(c->prefix), "[%s] ", name);
	c->len = 0;
}

/* Lines of all consoles go out one write each. */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void emit(struct term *c)
{
	char out[sizeof(c->prefix) + CONSOLE_LINE_MAX + 1];
	size_t pl = strlen(c->prefix);

	memcpy(out, c->prefix, pl);
	memcpy(out + pl, c->line, c->len);
	out[pl + c->len] = '\n';
	pthread_mutex_lock(&out_lock);
	fwrite(out, 1, pl + c->len + 1, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	c->len = 0;
}

unsigned term__render(char ch, bool raw, char out[4])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b = (unsigned char)ch;

	if (raw || b == '\t' || (b >= 0x20 && b < 0x7f && b != '\\')) {
		out[0] = ch;
		return 1;
	}
	out[0] = '\\';
	if (b == '\\') {
		out[1] = '\\';
		return 2;
	}
	out[1] = 'x';
	out[2] = hex[b >> 4];
	out[3] = hex[b & 15];
	return 4;
}

void term__put(struct term *c, const char *buf, size_t len)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < len; i++) {
		char ch = buf[i];
		if (ch == '\n') {
			emit(c);
			continue;
		}
		if (ch == '\r' || ch == '\0')
			continue;
		char shown[4];
		unsigned n = term__render(ch, c->raw, shown);
		/* An escape is never cut between two lines. */
		if (c->len + n > CONSOLE_LINE_MAX)
			emit(c);
		memcpy(c->line + c->len, shown, n);
		c->len += n;
		if (c->len == CONSOLE_LINE_MAX)
			emit(c);
	}
	pthread_mutex_unlock(&c->lock);
}

void term__flush(struct term *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->len)
		emit(c);
	pthread_mutex_unlock(&c->lock);
}

void term__destroy(struct term *c)
{
	term__flush(c);
	pthread_mutex_destroy(&c->lock);
}

/* Port 0xe9 (Bochs' debug port): each byte written goes to the console. */
static void port_out(struct vmm_vcpu *vc, uint16_t port, const uint8_t *data, unsigned size,
		     unsigned count)
{
	char buf[256];
	unsigned n = 0;

	(void)port;
	for (unsigned i = 0; i < count; i++) {
		buf[n++] = (char)data[(size_t)i * size];
		if (n == sizeof(buf) || i + 1 == count) {
			term__put(&vc->dom->console, buf, n);
			n = 0;
		}
	}
}

/* It reads back 0xe9, which is how a guest detects it (Bochs, QEMU). */
static void port_in(struct vmm_vcpu *vc, uint16_t port, uint8_t *data, unsigned size,
		    unsigned count)
{
	(void)vc;
	(void)port;
	memset(data, 0xe9, (size_t)size * count);
}

const struct ioport_ops term__port = {
	.name = "console",
	.out = port_out,
	.in = port_in,
};
