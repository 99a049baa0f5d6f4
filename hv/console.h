/*
 * console_io (legacy only): guest output goes to the VMM (hv_ops
 * console_write), input comes from what the VMM queued (hv_console__input).
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "hv.h"

/*
 * A console_io write is copied in chunks of 127 bytes, as Xen's
 * guest_console_write does (its 128-byte kbuf less the NUL): a chunk that
 * cannot be read ends the call with -EFAULT, the chunks before it stay
 * written, so what a bad buffer leaves on the console is what Xen leaves.
 */
#define CONSOLE_WRITE_CHUNK 127u
/*
 * Bytes one trap moves before the call continues (whole chunks, so chunk
 * boundaries stay where Xen has them). Xen continues when its preemption
 * check says so; here every step ends the trap, so one huge write is many
 * short exits and the VMM serves signals, other vCPUs and domains between.
 */
#define CONSOLE_WRITE_STEP (8u * CONSOLE_WRITE_CHUNK)

/* Hand len bytes (len <= CONSOLE_WRITE_STEP) of v's output to the VMM. */
void console__write(struct hv_vcpu *v, const char *buf, size_t len);
/*
 * Copy up to len queued input bytes of v's domain (returns how many);
 * console__consume drops them once they reached the guest.
 */
size_t console__peek(struct hv_vcpu *v, char *buf, size_t len);
void console__consume(struct hv_vcpu *v, size_t len);

#endif
