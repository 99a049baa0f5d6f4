/*
 * Legacy xen_version(cmd, arg): arg is a GVA for the commands that return
 * a struct or a string, ignored otherwise.
 */
#include <stdint.h>
#include <string.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "legacy.h"
#include "version.h"

int64_t legacy__xen_version(struct legacy_call *lc)
{
	struct hv_vcpu *v = lc->v;
	uint64_t arg = lc->arg[1];

	switch (lc->arg[0]) {
	case XENVER_version:
		return version__version(v);
	case XENVER_extraversion: {
		xen_extraversion_t s;
		version__extraversion(v, s);
		return legacy__copy_to(lc, arg, s, sizeof(s));
	}
	case XENVER_compile_info: {
		struct xen_compile_info ci;
		version__compile_info(v, &ci);
		return legacy__copy_to(lc, arg, &ci, sizeof(ci));
	}
	case XENVER_capabilities: {
		xen_capabilities_info_t s;
		version__capabilities(v, s);
		return legacy__copy_to(lc, arg, s, sizeof(s));
	}
	case XENVER_changeset: {
		xen_changeset_info_t s;
		version__changeset(v, s);
		return legacy__copy_to(lc, arg, s, sizeof(s));
	}
	case XENVER_platform_parameters: {
		/* 32-bit guests see the compat layout: one 32-bit virt_start. */
		uint64_t start = version__virt_start(v);
		if (!lc->call->mode64) {
			uint32_t start32 = (uint32_t)start;
			return legacy__copy_to(lc, arg, &start32, sizeof(start32));
		}
		struct xen_platform_parameters p = { .virt_start = start };
		return legacy__copy_to(lc, arg, &p, sizeof(p));
	}
	case XENVER_get_features: {
		struct xen_feature_info fi;
		int ret = legacy__copy_from(lc, arg, &fi, sizeof(fi));
		if (ret)
			return ret;
		int64_t r = version__get_features(v, &fi);
		if (r)
			return r;
		return legacy__copy_to(lc, arg, &fi, sizeof(fi));
	}
	case XENVER_pagesize:
		/* Xen refuses an argument here. */
		if (arg) {
			lc->call->why = "pagesize takes no argument";
			return -XEN_EINVAL;
		}
		return PAGE_SIZE;
	case XENVER_guest_handle: {
		xen_domain_handle_t hd;
		version__guest_handle(v, hd);
		return legacy__copy_to(lc, arg, hd, sizeof(hd));
	}
	case XENVER_commandline: {
		size_t len;
		const char *line = version__commandline(v, &len);
		return legacy__copy_to(lc, arg, line, len);
	}
	case XENVER_build_id:
		/*
		 * Xen: -EPERM for a refused caller; otherwise the struct is read
		 * (a zero len is -EINVAL) and the build has no build id here:
		 * xen_build_id's -ENODATA.
		 */
		if (version__denied(v)) {
			lc->call->why = "build_id: privileged domain only";
			return -XEN_EPERM;
		}
		if (arg) {
			uint32_t len;
			if (legacy__copy_from(lc, arg, &len, sizeof(len)))
				return -XEN_EFAULT;
			if (!len)
				return -XEN_EINVAL;
		}
		return -XEN_ENODATA;
	default:
		lc->call->why = "unknown xen_version command";
		return -XEN_ENOSYS;
	}
}
