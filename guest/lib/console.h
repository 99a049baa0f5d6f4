/*
 * The guest console: formatted output to the VMM's console. Two ways out:
 * the debug port 0xe9 (one `outb` exit per byte, works from the first
 * instruction) and the console_io hypercall (one exit per printf, once the
 * hypercall page is set up; guest_start switches to it when it works).
 * The VMM prefixes each line with the domain name.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include "compiler.h"

#define CONSOLE_DEBUG_PORT 0xe9

enum console_backend {
	CONSOLE_PORT_E9,   /* outb to port 0xe9 */
	CONSOLE_HYPERCALL, /* console_io write through the hypercall page */
};

void console_set_backend(enum console_backend b);
enum console_backend console_backend(void);
void console_write(const char *s, size_t n);
/* Use console_io if a probe write succeeds (guest_start does, after hypercall_init). */
void console_try_hypercall(void);

int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/*
 * The formatter underneath: calls emit(ctx, chunk, len) for each piece.
 * Conversions: %d %i %u %x %X %o %p %s %c %%; flags '-' '0' '+' ' ' '#';
 * width and precision (numbers or '*'); lengths hh h l ll z t j.
 * Returns the number of characters produced.
 */
typedef void (*format_emit_fn)(void *ctx, const char *s, size_t n);
int vformat(format_emit_fn emit, void *ctx, const char *fmt, va_list ap);

#endif
