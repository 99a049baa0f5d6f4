/*
 * console_io (legacy only): guest output goes to the VMM (hv_ops
 * console_write), input comes from what the VMM queued (hv_console__input).
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "hv.h"

/* Bytes one console_io write moves per call before it continues. */
#define CONSOLE_WRITE_STEP 1024u

/* Hand len bytes (len <= CONSOLE_WRITE_STEP) of v's output to the VMM. */
void console__write(struct hv_vcpu *v, const char *buf, size_t len);
/*
 * Copy up to len queued input bytes of v's domain (returns how many);
 * console__consume drops them once they reached the guest.
 */
size_t console__peek(struct hv_vcpu *v, char *buf, size_t len);
void console__consume(struct hv_vcpu *v, size_t len);

#endif
