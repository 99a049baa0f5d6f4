/*
 * The special pages a test needs: shared_info and the grant-table frames.
 * With the fixed memory layout they are where the memory map says; without
 * it they are placed the legacy way, with XENMEM_add_to_physmap, over a page
 * of the guest's own.
 */
#ifndef GUEST_XENMEM_H
#define GUEST_XENMEM_H

#include "compiler.h"

struct shared_info;

/* shared_info, mapped; NULL (and a message) if it cannot be. */
struct shared_info *shared_info_map(void);
/* The same for a program that cannot go on without it: NULL is also an ERROR. */
struct shared_info *shared_info_need(void);
/* Grant-table frame 0 (v1 entries), mapped; NULL if it cannot be. */
void *grant_frame0_map(void);
/* The start of the FOREIGN_REG window (fixed layout), or 0. */
uint64_t foreign_window(void);

/* 2-level event channel bits in shared_info. */
bool evtchn_test_pending(struct shared_info *s, unsigned port);
void evtchn_clear_pending(struct shared_info *s, unsigned port);
void evtchn_set_mask(struct shared_info *s, unsigned port);
/*
 * What a 2-level upcall handler does for 'vcpu': clear its
 * evtchn_upcall_pending, take its pending selector, and clear every
 * pending unmasked port the selector names, calling fn(port) for each
 * (fn may be NULL).
 */
void evtchn_take_pending(struct shared_info *s, unsigned vcpu, void (*fn)(unsigned port));

#endif
