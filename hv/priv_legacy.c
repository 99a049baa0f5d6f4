/*
 * The control hypercalls an unprivileged domain may call but not use:
 * platform_op, sysctl, domctl, dm_op, hypfs_op, paging_domctl_cont (arch_1)
 * and xenpmu_op. Each answers as Xen 4.17 answers a domU under the default
 * (dummy) XSM policy, reading only what Xen reads before it refuses, in
 * Xen's order: the struct (-EFAULT), the interface version (-EACCES), the
 * domain it names (-ESRCH), then the XSM check (-EPERM). The privileged
 * domain passes those checks and gets -ENOSYS: nothing behind them is
 * served here (no physical platform, no toolstack operations).
 */
#include <stdint.h>
#include <string.h>

/* sysctl.h and domctl.h are for the toolstack; their structs are what Xen reads. */
#define __XEN_TOOLS__ 1
#include <xen/errno.h>
#include <xen/xen.h>
#include <xen/platform.h>
#include <xen/sysctl.h>
#include <xen/domctl.h>
#include <xen/hvm/dm_op.h>

#include "hv.h"
#include "legacy.h"

static int64_t not_served(struct legacy_call *lc)
{
	lc->call->why = "control operation not served here";
	return -XEN_ENOSYS;
}

/* Xen's XSM_PRIV under the dummy policy: the control domain only. */
static int64_t xsm_priv(struct legacy_call *lc)
{
	if (lc->v->d->flags & DOMAIN_PRIVILEGED)
		return not_served(lc);
	lc->call->why = "control operation: privileged domain only";
	return -XEN_EPERM;
}

/* Read a control struct of len bytes and check its interface version (at offset 4). */
static int64_t read_versioned(struct legacy_call *lc, void *buf, size_t len, uint32_t version)
{
	if (legacy__copy_from(lc, lc->arg[0], buf, len))
		return -XEN_EFAULT;
	uint32_t got;
	memcpy(&got, (const char *)buf + 4, sizeof(got));
	if (got != version) {
		lc->call->why = "wrong interface version";
		return -XEN_EACCES;
	}
	return 0;
}

/* x86 platform_hypercall.c do_platform_op. */
int64_t legacy__platform_op(struct legacy_call *lc)
{
	struct xen_platform_op op;
	int64_t ret = read_versioned(lc, &op, sizeof(op), XENPF_INTERFACE_VERSION);
	return ret ? ret : xsm_priv(lc);
}

/* common/sysctl.c do_sysctl. */
int64_t legacy__sysctl(struct legacy_call *lc)
{
	struct xen_sysctl op;
	int64_t ret = read_versioned(lc, &op, sizeof(op), XEN_SYSCTL_INTERFACE_VERSION);
	return ret ? ret : xsm_priv(lc);
}

/* The domain a domctl names, as rcu_lock_domain_by_id: a real id (DOMID_SELF is none). */
static int64_t domctl_domain(struct legacy_call *lc, domid_t id)
{
	if (id >= HV_MAX_DOMAINS || !domain__lookup(lc->v->d, id)) {
		lc->call->why = "no such domain";
		return -XEN_ESRCH;
	}
	return 0;
}

/* common/domctl.c do_domctl: which commands name no domain, then XSM (XSM_PRIV for a domU). */
int64_t legacy__domctl(struct legacy_call *lc)
{
	struct xen_domctl op;
	int64_t ret = read_versioned(lc, &op, sizeof(op), XEN_DOMCTL_INTERFACE_VERSION);
	if (ret)
		return ret;
	switch (op.cmd) {
	case XEN_DOMCTL_createdomain:
	case XEN_DOMCTL_gdbsx_guestmemio:
		break;
	case XEN_DOMCTL_assign_device:
	case XEN_DOMCTL_deassign_device:
		if (op.domain == DOMID_IO)
			break;
		if (op.domain == DOMID_INVALID) {
			lc->call->why = "no such domain";
			return -XEN_ESRCH;
		}
		ret = domctl_domain(lc, op.domain);
		break;
	case XEN_DOMCTL_test_assign_device:
	case XEN_DOMCTL_vm_event_op:
		if (op.domain != DOMID_INVALID)
			ret = domctl_domain(lc, op.domain);
		break;
	default:
		ret = domctl_domain(lc, op.domain);
	}
	return ret ? ret : xsm_priv(lc);
}

/* x86 mm/paging.c do_paging_domctl_cont: no version check, the domain, then XSM. */
int64_t legacy__paging_domctl_cont(struct legacy_call *lc)
{
	struct xen_domctl op;
	if (legacy__copy_from(lc, lc->arg[0], &op, sizeof(op)))
		return -XEN_EFAULT;
	int64_t ret = domctl_domain(lc, op.domain);
	return ret ? ret : xsm_priv(lc);
}

/* common/hypfs.c do_hypfs_op: XSM first, nothing read. */
int64_t legacy__hypfs_op(struct legacy_call *lc)
{
	return xsm_priv(lc);
}

/*
 * x86 cpu/vpmu.c do_xenpmu_op: -EOPNOTSUPP while the vPMU is off (Xen's
 * default) and always for a domain with an emulated local APIC (HVM and
 * PVH), before anything else.
 */
int64_t legacy__xenpmu_op(struct legacy_call *lc)
{
	lc->call->why = "no vPMU for a domain with a local APIC";
	return -XEN_EOPNOTSUPP;
}

/* Xen's struct dmop_args holds two buffers. */
#define DM_OP_MAX_BUFS 2

/* The i386 layout of xen_dm_op_buf (a 32-bit handle and size). */
struct xen_dm_op_buf_compat {
	uint32_t h;
	uint32_t size;
};

/*
 * arch/x86/hvm/dm.c do_dm_op(domid, nr_bufs, bufs): too many buffers
 * -E2BIG, the buffer list -EFAULT, then rcu_lock_remote_domain_by_id (no
 * such domain, DOMID_SELF included: -ESRCH; the caller itself: -EPERM),
 * then XSM_DM_PRIV (a domU is no domain's device model: -EPERM).
 */
int64_t legacy__dm_op(struct legacy_call *lc)
{
	domid_t domid = (domid_t)lc->arg[0];
	uint32_t nr_bufs = (uint32_t)lc->arg[1];

	if (nr_bufs > DM_OP_MAX_BUFS) {
		lc->call->why = "dm_op: too many buffers";
		return -XEN_E2BIG;
	}
	if (lc->call->mode64) {
		struct xen_dm_op_buf bufs[DM_OP_MAX_BUFS];
		if (nr_bufs && legacy__copy_from(lc, lc->arg[2], bufs, nr_bufs * sizeof(bufs[0])))
			return -XEN_EFAULT;
	} else {
		struct xen_dm_op_buf_compat bufs[DM_OP_MAX_BUFS];
		if (nr_bufs && legacy__copy_from(lc, lc->arg[2], bufs, nr_bufs * sizeof(bufs[0])))
			return -XEN_EFAULT;
	}
	if (domid >= HV_MAX_DOMAINS || !domain__lookup(lc->v->d, domid)) {
		lc->call->why = "no such domain";
		return -XEN_ESRCH;
	}
	if (domid == lc->v->d->id) {
		lc->call->why = "dm_op on the caller itself";
		return -XEN_EPERM;
	}
	return xsm_priv(lc);
}
