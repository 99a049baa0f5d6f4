/*
 * A small printf. Output goes out in chunks (vformat's emit callback) so
 * that printf can hand a whole line to the console at once: with the
 * console_io backend that is one exit instead of one per byte.
 */
#include "console.h"
#include "string.h"

static unsigned divmod(uint64_t *n, unsigned base)
{
	uint32_t rem;

	*n = div_u64_rem(*n, base, &rem);
	return rem;
}

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
};

static void pad(format_emit_fn emit, void *ctx, char c, int n, int *count)
{
	char buf[16];

	if (n <= 0)
		return;
	memset(buf, c, sizeof(buf));
	*count += n;
	while (n > 0) {
		int k = n < (int)sizeof(buf) ? n : (int)sizeof(buf);
		emit(ctx, buf, (size_t)k);
		n -= k;
	}
}

/* Emit 'body' (len bytes) with an optional prefix, honouring width and flags. */
static void field(format_emit_fn emit, void *ctx, const struct spec *sp, const char *prefix,
		  int zeros, const char *body, int len, int *count)
{
	int plen = (int)strlen(prefix);
	int total = plen + zeros + len;

	if (!sp->left && !sp->zero)
		pad(emit, ctx, ' ', sp->width - total, count);
	if (plen) {
		emit(ctx, prefix, (size_t)plen);
		*count += plen;
	}
	if (!sp->left && sp->zero)
		pad(emit, ctx, '0', sp->width - total, count);
	pad(emit, ctx, '0', zeros, count);
	if (len) {
		emit(ctx, body, (size_t)len);
		*count += len;
	}
	if (sp->left)
		pad(emit, ctx, ' ', sp->width - total, count);
}

static void number(format_emit_fn emit, void *ctx, struct spec *sp, uint64_t v, bool neg,
		   unsigned base, bool upper, const char *alt_prefix, int *count)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int i = sizeof(buf);
	const char *prefix = "";

	if (neg)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	if (sp->alt && v && alt_prefix)
		prefix = alt_prefix;

	if (base == 16) {
		do {
			buf[--i] = digits[v & 15];
			v >>= 4;
		} while (v);
	} else if (base == 8) {
		do {
			buf[--i] = digits[v & 7];
			v >>= 3;
		} while (v);
	} else {
		do
			buf[--i] = digits[divmod(&v, 10)];
		while (v);
	}

	int len = (int)sizeof(buf) - i;
	int zeros = 0;

	if (sp->prec >= 0) {
		sp->zero = false; /* C: a precision cancels the 0 flag */
		if (sp->prec > len)
			zeros = sp->prec - len;
		else if (sp->prec == 0 && len == 1 && buf[i] == '0')
			len = 0;
	}
	field(emit, ctx, sp, prefix, zeros, buf + i, len, count);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

int vformat(format_emit_fn emit, void *ctx, const char *fmt, va_list ap)
{
	int count = 0;

	while (*fmt) {
		const char *lit = fmt;

		while (*fmt && *fmt != '%')
			fmt++;
		if (fmt != lit) {
			emit(ctx, lit, (size_t)(fmt - lit));
			count += (int)(fmt - lit);
		}
		if (!*fmt)
			break;
		fmt++; /* '%' */

		struct spec sp = { .prec = -1 };
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == ' ')
				sp.space = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		if (sp.left)
			sp.zero = false;

		enum length len = LEN_INT;
		if (*fmt == 'h') {
			len = LEN_SHORT;
			if (*++fmt == 'h') {
				len = LEN_CHAR;
				fmt++;
			}
		} else if (*fmt == 'l') {
			len = LEN_LONG;
			if (*++fmt == 'l') {
				len = LEN_LLONG;
				fmt++;
			}
		} else if (*fmt == 'z' || *fmt == 't') {
			len = LEN_SIZE;
			fmt++;
		} else if (*fmt == 'j') {
			len = LEN_LLONG;
			fmt++;
		}

		char conv = *fmt;
		if (!conv)
			break;
		fmt++;

		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v;
			switch (len) {
			case LEN_LLONG: v = va_arg(ap, long long); break;
			case LEN_LONG: v = va_arg(ap, long); break;
			case LEN_SIZE: v = va_arg(ap, long); break; /* ssize_t, ptrdiff_t */
			case LEN_SHORT: v = (short)va_arg(ap, int); break;
			case LEN_CHAR: v = (signed char)va_arg(ap, int); break;
			default: v = va_arg(ap, int); break;
			}
			bool neg = v < 0;
			uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			number(emit, ctx, &sp, u, neg, 10, false, NULL, &count);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v;
			switch (len) {
			case LEN_LLONG: v = va_arg(ap, unsigned long long); break;
			case LEN_LONG: v = va_arg(ap, unsigned long); break;
			case LEN_SIZE: v = va_arg(ap, size_t); break;
			case LEN_SHORT: v = (unsigned short)va_arg(ap, unsigned); break;
			case LEN_CHAR: v = (unsigned char)va_arg(ap, unsigned); break;
			default: v = va_arg(ap, unsigned); break;
			}
			sp.plus = sp.space = false;
			if (conv == 'u')
				number(emit, ctx, &sp, v, false, 10, false, NULL, &count);
			else if (conv == 'o')
				number(emit, ctx, &sp, v, false, 8, false, "0", &count);
			else
				number(emit, ctx, &sp, v, false, 16, conv == 'X',
				       conv == 'X' ? "0X" : "0x", &count);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			sp.plus = sp.space = false;
			sp.alt = true;
			number(emit, ctx, &sp, v, false, 16, false, "0x", &count);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = (int)(sp.prec >= 0 ? strnlen(s, (size_t)sp.prec) : strlen(s));
			sp.zero = false;
			field(emit, ctx, &sp, "", 0, s, n, &count);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			sp.zero = false;
			field(emit, ctx, &sp, "", 0, &c, 1, &count);
			break;
		}
		case '%':
			emit(ctx, "%", 1);
			count++;
			break;
		default: {
			/* Unknown conversion: show it as written. */
			char bad[2] = { '%', conv };
			emit(ctx, bad, 2);
			count += 2;
			break;
		}
		}
	}
	return count;
}

/* ---- into a buffer ---- */

struct sbuf {
	char *buf;
	size_t size, used;
};

static void sbuf_emit(void *ctx, const char *s, size_t n)
{
	struct sbuf *b = ctx;

	if (b->size && b->used < b->size - 1) {
		size_t room = b->size - 1 - b->used;
		size_t k = n < room ? n : room;
		memcpy(b->buf + b->used, s, k);
		b->used += k;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sbuf b = { buf, size, 0 };
	int n = vformat(sbuf_emit, &b, fmt, ap);

	if (size)
		buf[b.used] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- to the console: gather, flush when full and at the end ---- */

struct cbuf {
	char buf[256];
	size_t used;
};

static void cbuf_emit(void *ctx, const char *s, size_t n)
{
	struct cbuf *b = ctx;

	while (n) {
		if (b->used == sizeof(b->buf)) {
			console_write(b->buf, b->used);
			b->used = 0;
		}
		size_t room = sizeof(b->buf) - b->used;
		size_t k = n < room ? n : room;
		memcpy(b->buf + b->used, s, k);
		b->used += k;
		s += k;
		n -= k;
	}
}

int vprintf(const char *fmt, va_list ap)
{
	struct cbuf b;

	b.used = 0;
	int n = vformat(cbuf_emit, &b, fmt, ap);
	if (b.used)
		console_write(b.buf, b.used);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
