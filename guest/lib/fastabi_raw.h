/* Raw FastABI calls with every register visible (fastabi_raw.S). 64-bit only. */
#ifndef GUEST_FASTABI_RAW_H
#define GUEST_FASTABI_RAW_H

#include <fastabi/trap.h>

#include "compiler.h"

/* Every general register but rsp, in this order (fastabi_raw.S uses the offsets). */
enum fastabi_reg {
	REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	NR_FASTABI_REGS
};

struct fastabi_regs {
	uint64_t r[NR_FASTABI_REGS];
};

extern const char *const fastabi_reg_names[NR_FASTABI_REGS];

/* Load every register from *r, trap with 'trap', store every register back. */
void fastabi_raw_call(struct fastabi_regs *r, enum fastabi_trap trap);

#endif
