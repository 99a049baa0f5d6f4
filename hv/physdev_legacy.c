/*
 * physdev_op (33), legacy only (FastABI has no physdev operations), with
 * the answers Xen's hvm_physdev_op gives an HVM/PVH domain that has no
 * physical IRQs (no X86_EMU_USE_PIRQ, no passthrough device), which every
 * domain here is:
 *
 *   map_pirq, unmap_pirq: reach do_physdev_op; the struct is read (-EFAULT),
 *     a multi-MSI map with a table base is -EINVAL, the domain is looked up
 *     (-ESRCH), then the XSM check for a device-model-privileged caller
 *     refuses a domU (-EPERM).
 *   eoi, irq_status_query, get_free_pirq: need a pirq-capable domain: -ENOSYS.
 *   setup_gsi, pci_mmcfg_reserved, pci_device_add/remove/reset, dbgp_op:
 *     hardware domain only: -ENOSYS for others.
 *   anything else: -ENOSYS.
 *
 * A privileged domain passes those checks on Xen and reaches the physical
 * interrupt code; there are no physical interrupts or devices here, so it
 * gets -ENOSYS too (with a reason in the trace).
 */
#include <stdint.h>
#include <string.h>

#include <xen/errno.h>
#include <xen/physdev.h>

#include "hv.h"
#include "legacy.h"

/* Not in Debian's 4.17 headers' list of HVM sub-ops we name; Xen's numbers. */
#ifndef PHYSDEVOP_pci_device_reset
#define PHYSDEVOP_pci_device_reset 32
#endif

/* struct physdev_map_pirq as 32-bit code lays it out: table_base aligned to 4. */
struct compat_physdev_map_pirq {
	domid_t domid;
	uint16_t pad;
	int32_t type, index, pirq, bus, devfn, entry_nr;
	uint64_t table_base;
} __attribute__((packed));
_Static_assert(sizeof(struct compat_physdev_map_pirq) == 36, "i386 layout");

static int64_t no_physical_irqs(struct legacy_call *lc)
{
	lc->call->why = "no physical interrupts or devices to manage here";
	return -XEN_ENOSYS;
}

/* Xen's physdev_{map,unmap}_pirq for a domain without pirqs: lookup, then XSM. */
static int64_t pirq_target(struct legacy_call *lc, domid_t domid)
{
	struct domain *d = domain__lookup(lc->v->d, domid);

	if (!d)
		return -XEN_ESRCH;
	if (!(lc->v->d->flags & DOMAIN_PRIVILEGED)) {
		lc->call->why = "pirq mapping needs a device-model or control domain";
		return -XEN_EPERM;
	}
	return no_physical_irqs(lc);
}

static int64_t map_pirq(struct legacy_call *lc, uint64_t va)
{
	struct physdev_map_pirq m;
	int ret;

	if (lc->call->mode64) {
		ret = legacy__copy_from(lc, va, &m, sizeof(m));
	} else {
		struct compat_physdev_map_pirq c;
		ret = legacy__copy_from(lc, va, &c, sizeof(c));
		memset(&m, 0, sizeof(m));
		m.domid = c.domid;
		m.type = c.type;
		m.table_base = c.table_base;
	}
	if (ret)
		return ret;
	if (m.type == MAP_PIRQ_TYPE_MULTI_MSI && m.table_base)
		return -XEN_EINVAL;
	return pirq_target(lc, m.domid);
}

static int64_t unmap_pirq(struct legacy_call *lc, uint64_t va)
{
	struct physdev_unmap_pirq u; /* two ints after the domid: one layout for both modes */
	int ret = legacy__copy_from(lc, va, &u, sizeof(u));

	if (ret)
		return ret;
	return pirq_target(lc, u.domid);
}

int64_t legacy__physdev_op(struct legacy_call *lc)
{
	uint64_t va = lc->arg[1];

	/* Xen's cmd is an int: 64-bit code's upper half is not part of it. */
	switch ((uint32_t)lc->arg[0]) {
	case PHYSDEVOP_map_pirq:
		return map_pirq(lc, va);
	case PHYSDEVOP_unmap_pirq:
		return unmap_pirq(lc, va);
	case PHYSDEVOP_eoi:
	case PHYSDEVOP_irq_status_query:
	case PHYSDEVOP_get_free_pirq:
		lc->call->why = "the domain has no pirqs (Xen: has_pirq)";
		return -XEN_ENOSYS;
	case PHYSDEVOP_setup_gsi:
	case PHYSDEVOP_pci_mmcfg_reserved:
	case PHYSDEVOP_pci_device_add:
	case PHYSDEVOP_pci_device_remove:
	case PHYSDEVOP_pci_device_reset:
	case PHYSDEVOP_dbgp_op:
		if (lc->v->d->flags & DOMAIN_PRIVILEGED)
			return no_physical_irqs(lc);
		lc->call->why = "physdev op for the hardware domain only";
		return -XEN_ENOSYS;
	default:
		lc->call->why = "physdev op not offered to HVM/PVH guests";
		return -XEN_ENOSYS;
	}
}
