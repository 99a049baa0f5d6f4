/* Legacy hvm_op(op, arg): arg is the GVA of the op's struct (none for flush_tlbs). */
#include <stdint.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "legacy.h"

/* Copy the struct in, run the core function, copy it back when 'out'. */
#define HVM_STRUCT_OP(lc, type, fn, out)                                        \
	({                                                                      \
		type a_;                                                        \
		int64_t r_ = legacy__copy_from((lc), (lc)->arg[1], &a_, sizeof(a_)); \
		if (r_ == 0)                                                    \
			r_ = fn((lc)->v, &a_);                                  \
		if (r_ == 0 && (out))                                           \
			r_ = legacy__copy_to((lc), (lc)->arg[1], &a_, sizeof(a_)); \
		r_;                                                             \
	})

int64_t legacy__hvm_op(struct legacy_call *lc)
{
	switch (lc->arg[0]) {
	case HVMOP_set_param:
		return HVM_STRUCT_OP(lc, struct xen_hvm_param, hvm__set_param, false);
	case HVMOP_get_param:
		return HVM_STRUCT_OP(lc, struct xen_hvm_param, hvm__get_param, true);
	case HVMOP_flush_tlbs:
		/* Xen takes no argument here and refuses one. */
		if (lc->arg[1])
			return -XEN_EINVAL;
		return hvm__flush_tlbs(lc->v);
	case HVMOP_get_time:
		return HVM_STRUCT_OP(lc, struct xen_hvm_get_time, hvm__get_time, true);
	case HVMOP_get_mem_type:
		return HVM_STRUCT_OP(lc, struct xen_hvm_get_mem_type, hvm__get_mem_type, true);
	case HVMOP_set_evtchn_upcall_vector:
		return HVM_STRUCT_OP(lc, struct xen_hvm_evtchn_upcall_vector,
				     hvm__set_evtchn_upcall_vector, false);
	case HVMOP_guest_request_vm_event:
		/*
		 * Xen: a null argument asks the domain's introspection monitor
		 * (monitor_guest_request), which does nothing while no monitor
		 * enabled guest requests, as here where there is none; anything
		 * else is -EINVAL.
		 */
		if (lc->arg[1]) {
			lc->call->why = "guest_request_vm_event takes no argument";
			return -XEN_EINVAL;
		}
		return 0;
	case HVMOP_altp2m:
		/*
		 * Xen's do_altp2m_op refuses at once, before reading its struct,
		 * unless altp2m is supported (the "altp2m" boot option, off by
		 * default, on hardware with EPT): -EOPNOTSUPP.
		 */
		lc->call->why = "altp2m is off";
		return -XEN_EOPNOTSUPP;
	default:
		lc->call->why = "unknown hvm_op";
		return -XEN_ENOSYS;
	}
}
