/*
 * Decoding with Zydis in the mode the guest runs in: 64-bit when CS.L is
 * set in long mode, 32-bit when CS.D is set in protected mode. Encodings
 * the CPU itself rejects with #UD (a LOCK prefix where none is allowed, a
 * legacy or REX prefix before VEX) are reported as such; anything Zydis
 * cannot decode otherwise is refused, since a newer instruction the
 * decoder does not know must not turn into a #UD the hardware would not
 * raise.
 */
#include <stdarg.h>
#include <stdio.h>

#include "insn.h"

bool insn__long_mode(const struct kvm_sregs *s)
{
	return (s->efer & X86_EFER_LMA) && s->cs.l;
}

int insn__decode(const struct kvm_sregs *s, const uint8_t *bytes, unsigned len,
		 struct insn_decoded *d, char *why, size_t whylen)
{
	ZydisDecoder dec;
	ZydisMachineMode mode;

	if (insn__long_mode(s)) {
		mode = ZYDIS_MACHINE_MODE_LONG_64;
		ZydisDecoderInit(&dec, mode, ZYDIS_STACK_WIDTH_64);
	} else if (s->efer & X86_EFER_LMA) {
		snprintf(why, whylen, "compatibility mode");
		return -1;
	} else if (s->cs.db) {
		mode = ZYDIS_MACHINE_MODE_LEGACY_32;
		ZydisDecoderInit(&dec, mode, s->ss.db ? ZYDIS_STACK_WIDTH_32 : ZYDIS_STACK_WIDTH_16);
	} else {
		snprintf(why, whylen, "16-bit code");
		return -1;
	}
	d->mode = mode;
	ZyanStatus st = ZydisDecoderDecodeFull(&dec, bytes, len, &d->i, d->op);
	if (ZYAN_SUCCESS(st))
		return 0;
	switch (st) {
	case ZYDIS_STATUS_ILLEGAL_LOCK:
	case ZYDIS_STATUS_ILLEGAL_LEGACY_PFX:
	case ZYDIS_STATUS_ILLEGAL_REX:
		return 1;
	case ZYDIS_STATUS_NO_MORE_DATA:
		snprintf(why, whylen, "the instruction is cut short (%u bytes)", len);
		return -1;
	default:
		snprintf(why, whylen, "the decoder does not know the instruction (Zydis status %#x)",
			 (unsigned)st);
		return -1;
	}
}
