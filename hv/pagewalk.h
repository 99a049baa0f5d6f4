/*
 * The x86 page walk, once for the whole tree: a pure function of the
 * paging registers and of a callback that reads guest-physical memory. It
 * knows no KVM, no domain and no policy, so the core (guestmem.c, for the
 * guest-virtual pointers of legacy hypercalls) and the VMM (vmm/gview.c,
 * for the accesses it makes in the CPU's place) walk the same way, and the
 * host tests (tests/hv/pagewalk/) drive it with page tables in an array.
 *
 * Paging off, 32-bit paging (4 MiB pages with CR4.PSE, PSE-36 addresses),
 * PAE, 4- and 5-level paging. For each walk: the translation, the leaf's
 * combined permissions, or the fault with the exact #PF error code
 * (X86_PFEC_*), the entry that decided and why. Reserved bits are checked
 * at every level against MAXPHYADDR, the NX bit against EFER.NXE.
 *
 * Two modes (docs/hv-guestmem.md, "The page walk"):
 *   PAGEWALK_POLICY  the page-level rules only: present, reserved bits,
 *                    R/W (with CR0.WP), U/S, NX. Nothing is written. What
 *                    the core adds (confidential memory) is its read
 *                    callback's: a refused entry read ends the walk.
 *   PAGEWALK_CPU     as the CPU would: also SMEP, SMAP (EFLAGS.AC, implicit
 *                    accesses), protection keys for user pages (CR4.PKE,
 *                    PKRU), and on success the accessed bit of every entry
 *                    used and the dirty bit of the leaf for a write.
 * Not modelled: supervisor protection keys (CR4.PKS), shadow stacks, the
 * PAT/MTRR memory types, the TLB (every walk reads the tables).
 */
#ifndef HV_PAGEWALK_H
#define HV_PAGEWALK_H

#include <stdbool.h>
#include <stdint.h>

#include <fastabi/x86.h>

/* The vCPU's paging state, as the VMM finds it in the synced sregs. */
struct x86_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* The access being checked (flags; 0 = a supervisor data read). */
#define PAGEWALK_WRITE (1u << 0)
#define PAGEWALK_USER (1u << 1)     /* CPL 3; hypercalls come from CPL 0 */
#define PAGEWALK_FETCH (1u << 2)    /* instruction fetch */
#define PAGEWALK_IMPLICIT (1u << 3) /* a supervisor access the CPU makes itself: SMAP ignores AC */

enum pagewalk_mode {
	PAGEWALK_POLICY,
	PAGEWALK_CPU,
};

struct pagewalk_env {
	struct x86_paging pg;
	enum pagewalk_mode mode;
	uint64_t rflags;     /* CPU mode: AC, for SMAP */
	uint32_t pkru;       /* CPU mode with CR4.PKE */
	unsigned maxphyaddr; /* entry address bits from here to 51 are reserved (32..52) */
	void *ctx;
	/*
	 * Reads the entry of 'size' bytes (4 or 8) at guest-physical 'gpa'
	 * into *entry: 0, or a negative value that ends the walk with
	 * PAGEWALK_FAULT_READ and comes back in read_err.
	 */
	int (*read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *entry);
	/*
	 * CPU mode: ORs 'bits' (X86_PTE_A, X86_PTE_D: all in the entry's
	 * first byte) into the entry at 'gpa', atomically. NULL: no updates.
	 */
	void (*set_ad)(void *ctx, uint64_t gpa, uint8_t bits);
};

enum pagewalk_fault {
	PAGEWALK_OK,
	PAGEWALK_FAULT_NOT_PRESENT,   /* an entry has P = 0 */
	PAGEWALK_FAULT_RESERVED,      /* an entry has a reserved bit set */
	PAGEWALK_FAULT_USER,          /* user access to a supervisor page */
	PAGEWALK_FAULT_WRITE,         /* write to a read-only page (user, or CR0.WP) */
	PAGEWALK_FAULT_NX,            /* instruction fetch from a no-execute page */
	PAGEWALK_FAULT_SMEP,          /* CPU mode: supervisor fetch from a user page */
	PAGEWALK_FAULT_SMAP,          /* CPU mode: supervisor data access to a user page */
	PAGEWALK_FAULT_PKEY,          /* CPU mode: PKRU forbids the access */
	PAGEWALK_FAULT_NON_CANONICAL, /* long mode address not sign-extended: #GP, not #PF */
	PAGEWALK_FAULT_READ,          /* the read callback failed on an entry */
};

struct pagewalk_result {
	enum pagewalk_fault fault;
	uint64_t gpa;       /* PAGEWALK_OK: the translation */
	uint64_t page_size; /* PAGEWALK_OK: 4 KiB, 2 MiB, 4 MiB or 1 GiB (4 KiB with paging off) */
	bool writable, user, nx; /* PAGEWALK_OK: the leaf's permissions, all levels combined */
	uint32_t pfec;      /* a #PF (NOT_PRESENT .. PKEY): the error code the CPU pushes */
	unsigned level;     /* the entry that decided: 1 = PTE .. 5 = PML5E; 0 = none */
	uint64_t entry_gpa; /* its guest-physical address, when level > 0 */
	int read_err;       /* PAGEWALK_FAULT_READ: what the callback returned */
};

/*
 * Translates linear address 'la' for 'access' (PAGEWALK_*): 0 with r
 * filled, or -1 with r->fault set. Outside long mode the address is
 * truncated to 32 bits, as the CPU does.
 */
int pagewalk__translate(const struct pagewalk_env *env, uint64_t la, unsigned access,
			struct pagewalk_result *r);

/* Long mode (CR0.PG and EFER.LMA): linear addresses are 64 bits wide. */
bool pagewalk__long_mode(const struct x86_paging *pg);

/* 'la' is canonical for the paging depth CR4 selects (48 or 57 bits). */
static inline bool pagewalk__canonical(uint64_t la, uint64_t cr4)
{
	unsigned shift = (cr4 & X86_CR4_LA57) ? 64 - 57 : 64 - 48;

	return (uint64_t)((int64_t)(la << shift) >> shift) == la;
}

/* A short lower-case name of a fault, for logs. */
const char *pagewalk__fault_name(enum pagewalk_fault fault);

#endif
