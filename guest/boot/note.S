/*
 * The PVH ELF note: tells the loader (the VMM's PVH boot, or Xen's) the
 * 32-bit physical entry point. Xen's note layout: namesz, descsz, type, the
 * name "Xen" padded to 4 bytes, then the descriptor, a 32-bit address here.
 * The section is allocated ("a") so that the linker puts it in a PT_NOTE
 * segment, where loaders look.
 */
#include <xen/elfnote.h>

	.section .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f		/* namesz */
	.long 4f - 3f		/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.balign 4
3:	.long pvh_start32
4:	.balign 4

	.section .note.GNU-stack, "", @progbits
