/*
 * Memory and string functions. Ring-0 guest code is emulated here, one
 * instruction at a time, and a `rep` string instruction one iteration at a
 * time (about 0.7 us each, whatever the width): memset and memcpy move a
 * word per iteration and finish the tail byte by byte.
 */
#include "string.h"

#ifdef __x86_64__
#define WORD_SUFFIX "q"
#define WORD_BYTES 8
#define BYTE_PATTERN 0x0101010101010101ul
#else
#define WORD_SUFFIX "l"
#define WORD_BYTES 4
#define BYTE_PATTERN 0x01010101ul
#endif

void *memset(void *s, int c, size_t n)
{
	void *d = s;
	size_t words = n / WORD_BYTES, tail = n % WORD_BYTES;
	unsigned long v = (unsigned char)c * BYTE_PATTERN;

	__asm__ __volatile__("rep stos" WORD_SUFFIX "\n\t"
			     "mov %[tail], %[count]\n\t"
			     "rep stosb"
			     : "+D"(d), [count] "+c"(words)
			     : "a"(v), [tail] "rm"(tail)
			     : "memory");
	return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t words = n / WORD_BYTES, tail = n % WORD_BYTES;

	__asm__ __volatile__("rep movs" WORD_SUFFIX "\n\t"
			     "mov %[tail], %[count]\n\t"
			     "rep movsb"
			     : "+D"(d), "+S"(src), [count] "+c"(words)
			     : [tail] "rm"(tail)
			     : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	/* Overlapping with dst above src: copy backwards. */
	d += n - 1;
	s += n - 1;
	__asm__ __volatile__("std\n\trep movsb\n\tcld"
			     : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

const char *cmdline_option(const char *cmdline, const char *key)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	if (!p)
		return NULL;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && (p[klen] == '=' || p[klen] == ' ' || !p[klen]))
			return p[klen] == '=' ? p + klen + 1 : p + klen;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

uint64_t div_u64_rem(uint64_t n, uint32_t d, uint32_t *rem)
{
#ifdef __x86_64__
	*rem = (uint32_t)(n % d);
	return n / d;
#else
	uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
	uint32_t qhi = hi / d, r = hi % d, qlo;

	/* r < d, so edx:eax / d fits in 32 bits. */
	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
	*rem = r;
	return ((uint64_t)qhi << 32) | qlo;
#endif
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}
