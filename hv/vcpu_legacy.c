/*
 * The legacy decoder of vcpu_op (24): vcpu_op(cmd, vcpuid, arg) with arg
 * the guest-virtual address of the sub-op's Xen struct. It copies structs
 * in and out (in the i386 layout for 32-bit code where that differs) and
 * calls the core functions of vcpu.c, the same ones the FastABI decoders
 * call.
 */
#include <stdint.h>
#include <string.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "hv.h"
#include "legacy.h"
#include "sched_vcpu.h"

/* struct vcpu_set_singleshot_timer for 32-bit code: no tail padding. */
struct vcpu_set_singleshot_timer_compat {
	uint64_t timeout_abs_ns;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct vcpu_set_singleshot_timer_compat) == 12,
	       "i386 vcpu_set_singleshot_timer is 12 bytes");

static int copy_in(struct legacy_call *lc, void *buf, size_t len)
{
	memset(buf, 0, len);
	return legacy__copy_from(lc, lc->arg[2], buf, len);
}

static int64_t get_runstate_info(struct legacy_call *lc, uint32_t vcpuid)
{
	struct vcpu_runstate_info rs;
	int64_t ret = vcpu__get_runstate_info(lc->v, vcpuid, &rs);
	if (ret)
		return ret;
	if (lc->call->mode64)
		return legacy__copy_to(lc, lc->arg[2], &rs, sizeof(rs));
	uint8_t c[VCPU_RUNSTATE_COMPAT_SIZE];
	int32_t state = rs.state;
	memcpy(c, &state, 4);
	memcpy(c + 4, &rs.state_entry_time, 8);
	memcpy(c + 12, rs.time, sizeof(rs.time));
	return legacy__copy_to(lc, lc->arg[2], c, sizeof(c));
}

static int64_t set_singleshot_timer(struct legacy_call *lc, uint32_t vcpuid)
{
	struct vcpu_set_singleshot_timer s;
	int ret;

	memset(&s, 0, sizeof(s));
	if (lc->call->mode64) {
		ret = copy_in(lc, &s, sizeof(s));
	} else {
		struct vcpu_set_singleshot_timer_compat c;
		ret = copy_in(lc, &c, sizeof(c));
		s.timeout_abs_ns = c.timeout_abs_ns;
		s.flags = c.flags;
	}
	if (ret)
		return ret;
	return vcpu__set_singleshot_timer(lc->v, vcpuid, &s);
}

int64_t legacy__vcpu_op(struct legacy_call *lc)
{
	struct hv_vcpu *v = lc->v;
	uint64_t cmd = lc->arg[0];
	int ret;

	switch (cmd) {
	case VCPUOP_initialise:
	case VCPUOP_up:
	case VCPUOP_down:
	case VCPUOP_is_up:
	case VCPUOP_get_runstate_info:
	case VCPUOP_register_runstate_memory_area:
	case VCPUOP_set_periodic_timer:
	case VCPUOP_stop_periodic_timer:
	case VCPUOP_set_singleshot_timer:
	case VCPUOP_stop_singleshot_timer:
	case VCPUOP_register_vcpu_info:
	case VCPUOP_send_nmi:
	case VCPUOP_get_physid:
	case VCPUOP_register_vcpu_time_memory_area:
	case VCPUOP_register_runstate_phys_area:
	case VCPUOP_register_vcpu_time_phys_area:
		break;
	default:
		lc->call->why = "unknown vcpu_op";
		return -XEN_ENOSYS;
	}
	/*
	 * As Xen, the vCPU is looked up before the argument is read, so a bad
	 * id gives -ENOENT whatever the pointer. An id that does not fit the
	 * 32 bits of the parameter is refused as the FastABI decoder refuses it.
	 */
	if (lc->arg[1] > UINT32_MAX) {
		lc->call->why = "vcpuid does not fit 32 bits";
		return -XEN_EINVAL;
	}
	uint32_t vcpuid = (uint32_t)lc->arg[1];
	if (!vcpu__lookup(v->d, vcpuid))
		return -XEN_ENOENT;

	switch (cmd) {
	case VCPUOP_initialise: {
		struct vcpu_hvm_context ctx;
		ret = copy_in(lc, &ctx, sizeof(ctx));
		if (ret)
			return ret;
		/* The frame the context came from, for the VMM's log. */
		gpa_t where = gpa(0);
		(void)guestmem__translate(&v->d->mem, &lc->call->paging, gva(lc->arg[2]), 0, &where,
					  NULL);
		return vcpu__initialise_context(v, vcpuid, &ctx, gfn_val(gfn_of(where)));
	}
	case VCPUOP_up:
		return vcpu__up(v, vcpuid);
	case VCPUOP_down:
		return vcpu__down(v, vcpuid);
	case VCPUOP_is_up:
		return vcpu__is_up(v, vcpuid);
	case VCPUOP_get_runstate_info:
		return get_runstate_info(lc, vcpuid);
	case VCPUOP_register_runstate_memory_area:
	case VCPUOP_register_runstate_phys_area: {
		struct vcpu_register_runstate_memory_area a;
		ret = copy_in(lc, &a, sizeof(a));
		if (ret)
			return ret;
		return cmd == VCPUOP_register_runstate_phys_area
			       ? vcpu__register_runstate_phys_area(v, vcpuid, &a)
			       : vcpu__register_runstate_memory_area(v, vcpuid, &a);
	}
	case VCPUOP_set_periodic_timer: {
		struct vcpu_set_periodic_timer p;
		ret = copy_in(lc, &p, sizeof(p));
		if (ret)
			return ret;
		return vcpu__set_periodic_timer(v, vcpuid, &p);
	}
	case VCPUOP_stop_periodic_timer:
		return vcpu__stop_periodic_timer(v, vcpuid);
	case VCPUOP_set_singleshot_timer:
		return set_singleshot_timer(lc, vcpuid);
	case VCPUOP_stop_singleshot_timer:
		return vcpu__stop_singleshot_timer(v, vcpuid);
	case VCPUOP_register_vcpu_info: {
		struct vcpu_register_vcpu_info r;
		ret = copy_in(lc, &r, sizeof(r));
		if (ret)
			return ret;
		return vcpu__register_vcpu_info(v, vcpuid, &r);
	}
	case VCPUOP_send_nmi:
		/* As Xen: no argument. */
		if (lc->arg[2])
			return -XEN_EINVAL;
		return vcpu__send_nmi(v, vcpuid);
	case VCPUOP_get_physid: {
		struct vcpu_get_physid p = { 0 };
		int64_t r = vcpu__get_physid(v, vcpuid, &p);
		if (r)
			return r;
		return legacy__copy_to(lc, lc->arg[2], &p, sizeof(p));
	}
	case VCPUOP_register_vcpu_time_memory_area:
	case VCPUOP_register_vcpu_time_phys_area: {
		struct vcpu_register_time_memory_area a;
		ret = copy_in(lc, &a, sizeof(a));
		if (ret)
			return ret;
		return cmd == VCPUOP_register_vcpu_time_phys_area
			       ? vcpu__register_vcpu_time_phys_area(v, vcpuid, &a)
			       : vcpu__register_vcpu_time_memory_area(v, vcpuid, &a);
	}
	}
	return -XEN_ENOSYS; /* not reached: every cmd of the first switch is served */
}
