/*
 * Guest addresses as the hypervisor core sees them.
 *
 * A guest-physical address, a guest-virtual address and a guest frame number
 * are each wrapped in a one-member struct. Host code cannot dereference one,
 * add it to a host pointer or pass one where another is expected without the
 * compiler refusing: every conversion is a named call below. The wrappers
 * cost nothing at run time.
 */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdint.h>

/*
 * x86 base pages. glibc's <sys/user.h> defines the same two macros with the
 * same text, so either header may come first.
 */
#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12
#endif
#ifndef PAGE_SIZE
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#endif
_Static_assert(PAGE_SHIFT == 12 && PAGE_SIZE == 4096, "x86 pages are 4 KiB");

typedef struct { uint64_t v; } gpa_t; /* guest-physical address */
typedef struct { uint64_t v; } gva_t; /* guest-virtual (linear) address */
typedef struct { uint64_t v; } gfn_t; /* guest frame number: gpa >> PAGE_SHIFT */

static inline gpa_t gpa(uint64_t v) { return (gpa_t){ v }; }
static inline uint64_t gpa_val(gpa_t a) { return a.v; }
static inline gva_t gva(uint64_t v) { return (gva_t){ v }; }
static inline uint64_t gva_val(gva_t a) { return a.v; }
static inline gfn_t gfn(uint64_t v) { return (gfn_t){ v }; }
static inline uint64_t gfn_val(gfn_t f) { return f.v; }

static inline gfn_t gfn_of(gpa_t a) { return gfn(a.v >> PAGE_SHIFT); }
static inline gpa_t gfn_to_gpa(gfn_t f) { return gpa(f.v << PAGE_SHIFT); }
static inline uint64_t gpa_page_offset(gpa_t a) { return a.v & (PAGE_SIZE - 1); }
static inline uint64_t gva_page_offset(gva_t a) { return a.v & (PAGE_SIZE - 1); }

#endif
