/*
 * The few string and memory functions the guest needs. gcc may also call
 * memcpy/memset/memmove/memcmp itself (struct copies), so they must exist.
 */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include "compiler.h"

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
void *memchr(const void *s, int c, size_t n);
/* n / d and the remainder, without libgcc (32-bit code has no 64-bit divide). */
uint64_t div_u64_rem(uint64_t n, uint32_t d, uint32_t *rem);
/* The value of "key=value" (or just "key") in a space-separated command line. */
const char *cmdline_option(const char *cmdline, const char *key);

#endif
