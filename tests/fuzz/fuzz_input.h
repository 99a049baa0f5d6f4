/*
 * For the fuzz targets that read their input as a sequence of fields
 * (insn_fuzz.c, xencons_fuzz.c, xenstore_store_fuzz.c): front to back,
 * zeros once it is used up, so that every input is a complete one.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

/* The next 'bytes' bytes (at most 8) as a little-endian number. */
static inline uint64_t fuzz__take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

#endif
