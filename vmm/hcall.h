/*
 * Names of hypercalls and sub-ops, for messages (hcall.c).
 */
#ifndef VMM_HCALL_H
#define VMM_HCALL_H

#include <stdbool.h>
#include <stdint.h>

const char *hcall__name(uint64_t nr);          /* "memory_op", or NULL */
bool hcall__has_subop(uint64_t nr);             /* its first argument is a command */
uint64_t hcall__legacy_subop(uint64_t nr, uint64_t arg0);
const char *hcall__subop_name(uint64_t nr, uint64_t subop); /* "XENMEM_...", or NULL */

#endif
