/*
 * Guest memory as the CPU sees it (gview.c).
 */
#ifndef VMM_GVIEW_H
#define VMM_GVIEW_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct vmm_domain;

int gview__read_phys(struct vmm_domain *vd, uint64_t gpa, void *buf, size_t len);
int gview__write_phys(struct vmm_domain *vd, uint64_t gpa, const void *buf, size_t len);
/* Linear-address copies (may cross pages); 0 or -1 with nothing written on failure. */
int gview__read(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t la, void *buf,
		size_t len);
int gview__write(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t la, const void *buf,
		 size_t len);
/*
 * A CPL0 data access of an instruction the VMM completes: 0; -1 with the
 * #PF error code (X86_PFEC_*) and address in *f; -2 when a page is not
 * guest memory. GVIEW_PROBE only translates. Accessed/dirty bits are set
 * on success.
 */
#define GVIEW_WRITE 1u
#define GVIEW_PROBE 2u
struct gview_fault {
	uint64_t addr;
	uint32_t pfec;
};
int gview__access(struct vmm_domain *vd, const struct kvm_sregs *s, uint64_t rflags, uint64_t la,
		  void *buf, size_t len, unsigned flags, struct gview_fault *f);

#endif
