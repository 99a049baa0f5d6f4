/*
 * vCPUs: VCPUOP_* (bringing vCPUs up and down, the register context, the
 * timers, vcpu_info and the runstate and time areas the guest registers),
 * the runstate accounting, and the timer entry points the VMM calls.
 *
 * The core never sleeps and owns no thread: a timer is an absolute deadline
 * (ns of hv__now) that the VMM arms from hv_vcpu__next_deadline and reports
 * with hv_vcpu__timer_expired. Everything runs under the domain's lock: the
 * hv_vcpu__* entry points take it, the vcpu__* functions expect it held.
 * Kicks and timer changes are made once it is dropped (lock.h).
 * See docs/hv-sched-vcpu.md.
 */
#include <stdint.h>
#include <string.h>

#include <fastabi/x86.h>

#include "fastabi_hv.h"

#include <xen/errno.h>

#include "hv.h"
#include "lock.h"
#include "sched_vcpu.h"

/* A 1 GHz counter: ((delta << 1) * 2^31) >> 32 == delta ns. */
#define TIME_TSC_SHIFT 1
#define TIME_TSC_MUL 0x80000000u

static void lock(struct domain *d)
{
	lock__domain(d);
}

/* Drop the lock; the kicks and timer changes decided under it are made now. */
static void unlock(struct domain *d)
{
	lock__release(d->hv);
}

struct hv_vcpu *vcpu__lookup(struct domain *d, uint64_t vcpuid)
{
	return vcpuid < d->nr_vcpus ? &d->vcpus[vcpuid] : NULL;
}

void vcpu__kick(struct hv_vcpu *v)
{
	lock__defer_kick(v);
}

void vcpu__timer_changed(struct hv_vcpu *v)
{
	lock__defer_timer(v);
}

/* ---- vcpu_info ---- */

struct vcpu_info *vcpu__vcpu_info(struct hv_vcpu *v)
{
	struct domain *d = v->d;

	if (v->vcpu_info_registered) {
		const struct guestmem_region *r = guestmem__lookup(&d->mem, v->vcpu_info_gpa);
		uint8_t probe;
		/* The read refuses (and counts) a page the guest made private since. */
		if (!r || r->kind != GUESTMEM_RAM ||
		    guestmem__read(&d->mem, v->vcpu_info_gpa, &probe, sizeof(probe)))
			return NULL;
		return (struct vcpu_info *)(r->host + (gpa_val(v->vcpu_info_gpa) - r->start));
	}
	if (!d->shared_info || v->id >= XEN_LEGACY_MAX_VCPUS)
		return NULL;
	return &d->shared_info->vcpu_info[v->id];
}

/* ---- guest areas: the runstate and vcpu_time_info copies ---- */

/* One registered area: by GPA (phys forms) or by GVA under a kept paging (legacy forms). */
struct area {
	bool virt;
	gpa_t gpa;
	gva_t va;
	const struct x86_paging *pg;
};

static int area_write(struct domain *d, const struct area *a, uint64_t off, const void *buf,
		      size_t len)
{
	if (a->virt)
		return guestmem__copy_to_gva(&d->mem, a->pg, gva(gva_val(a->va) + off), buf, len,
					     NULL);
	return guestmem__write(&d->mem, gpa(gpa_val(a->gpa) + off), buf, len);
}

static int area_read(struct domain *d, const struct area *a, uint64_t off, void *buf, size_t len)
{
	if (a->virt)
		return guestmem__copy_from_gva(&d->mem, a->pg, gva(gva_val(a->va) + off), buf, len,
					       NULL);
	return guestmem__read(&d->mem, gpa(gpa_val(a->gpa) + off), buf, len);
}

/* The guest's layout of a runstate: 48 bytes, or 44 for 32-bit code. Returns the size. */
static size_t runstate_encode(const struct vcpu_runstate_info *rs, bool compat, uint64_t entry,
			      uint8_t out[sizeof(struct vcpu_runstate_info)])
{
	memset(out, 0, sizeof(struct vcpu_runstate_info));
	if (!compat) {
		struct vcpu_runstate_info n = *rs;
		n.state_entry_time = entry;
		memcpy(out, &n, sizeof(n));
		return sizeof(n);
	}
	int32_t state = rs->state;
	memcpy(out, &state, 4);
	memcpy(out + 4, &entry, 8);
	memcpy(out + 12, rs->time, sizeof(rs->time));
	return VCPU_RUNSTATE_COMPAT_SIZE;
}

/*
 * Write the runstate to one area. The phys form follows Xen's
 * VMASST_TYPE_runstate_update_flag protocol (XEN_RUNSTATE_UPDATE set in
 * state_entry_time while the rest changes); the legacy GVA form follows it
 * once the domain enabled that assist (vm_assist), and is written plainly
 * otherwise, as Xen's update_runstate_area does.
 */
static int runstate_write(struct hv_vcpu *v, const struct area *a, bool update_flag)
{
	struct vcpu_runstate_info rs = {
		.state = v->runstate.state,
		.state_entry_time = v->runstate.state_entry_time,
	};
	memcpy(rs.time, v->runstate.time, sizeof(rs.time));
	bool compat = v->runstate_area_compat;
	uint64_t entry_off = compat ? 4 : offsetof(struct vcpu_runstate_info, state_entry_time);
	uint8_t buf[sizeof(struct vcpu_runstate_info)];
	int ret;

	if (!update_flag) {
		size_t len = runstate_encode(&rs, compat, rs.state_entry_time, buf);
		return area_write(v->d, a, 0, buf, len);
	}
	uint64_t busy = rs.state_entry_time | XEN_RUNSTATE_UPDATE;
	ret = area_write(v->d, a, entry_off, &busy, sizeof(busy));
	if (ret)
		return ret;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	size_t len = runstate_encode(&rs, compat, busy, buf);
	ret = area_write(v->d, a, 0, buf, len);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (!ret)
		ret = area_write(v->d, a, entry_off, &rs.state_entry_time,
				 sizeof(rs.state_entry_time));
	return ret;
}

static struct area runstate_phys(struct hv_vcpu *v)
{
	return (struct area){ .gpa = v->runstate_area };
}

static struct area runstate_virt(struct hv_vcpu *v)
{
	return (struct area){ .virt = true, .va = v->runstate_area_va, .pg = &v->runstate_area_paging };
}

/* Refresh the registered runstate copies; a copy the guest broke is its own problem. */
static void runstate_publish(struct hv_vcpu *v)
{
	if (v->runstate_area_phys) {
		struct area a = runstate_phys(v);
		(void)runstate_write(v, &a, true);
	}
	if (v->runstate_area_virt) {
		struct area a = runstate_virt(v);
		(void)runstate_write(v, &a, domain__runstate_update_flag(v->d));
	}
}

void hv_time__scale(uint32_t khz, uint32_t *mul, int8_t *shift)
{
	/* ns per tick = 10^6 / khz; mul = that * 2^(32 - shift), kept in [2^31, 2^32). */
	const unsigned __int128 num = (unsigned __int128)1000000 << 32;
	int s = 0;

	if (!khz) {
		*mul = TIME_TSC_MUL;
		*shift = TIME_TSC_SHIFT;
		return;
	}
	for (;;) {
		unsigned __int128 m = s >= 0 ? num / ((unsigned __int128)khz << s)
					     : (num << -s) / khz;
		if (m >= ((unsigned __int128)1 << 32) && s < 40) {
			s++;
		} else if (m < ((unsigned __int128)1 << 31) && s > -40) {
			s--;
		} else {
			*mul = (uint32_t)m;
			*shift = (int8_t)s;
			return;
		}
	}
}

uint64_t hv_vcpu__guest_tsc(const struct hv_vcpu *v, uint64_t ns)
{
	const struct hv_tsc *m = &v->tsc;
	if (!m->khz)
		return 0;
	__int128 ticks = (__int128)(int64_t)(ns - m->ns) * m->khz / 1000000;
	return m->tsc + (uint64_t)(int64_t)ticks;
}

static void time_fill(const struct hv_vcpu *v, struct vcpu_time_info *t, uint64_t now)
{
	const struct hv_tsc *m = &v->tsc;

	memset(t, 0, sizeof(*t));
	if (!m->khz) {
		/*
		 * Until the VMM tells the guest's TSC frequency, the time info
		 * describes a 1 GHz counter that reads as system time itself.
		 */
		t->tsc_timestamp = now;
		t->system_time = now;
		t->tsc_to_system_mul = TIME_TSC_MUL;
		t->tsc_shift = TIME_TSC_SHIFT;
		return;
	}
	/*
	 * The TSC at now, and the system time of exactly that tick (at most one
	 * tick before now): the pair lies on the VMM's line, so a guest's
	 * estimate carries no rounding of the stamp, only the scaling's.
	 */
	uint64_t tsc = hv_vcpu__guest_tsc(v, now);
	__int128 back = (__int128)(int64_t)(tsc - m->tsc) * 1000000 / m->khz;
	t->tsc_timestamp = tsc;
	t->system_time = m->ns + (uint64_t)(int64_t)back;
	hv_time__scale(m->khz, &t->tsc_to_system_mul, &t->tsc_shift);
	t->flags = m->stable ? XEN_PVCLOCK_TSC_STABLE_BIT : 0;
}

/* Xen's version protocol: odd while the fields change, even when they are whole. */
static int time_write(struct domain *d, const struct area *a, const struct vcpu_time_info *t)
{
	uint32_t version;
	int ret = area_read(d, a, 0, &version, sizeof(version));
	if (ret)
		return ret;
	version = (version + 1) | 1;
	ret = area_write(d, a, 0, &version, sizeof(version));
	if (ret)
		return ret;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ret = area_write(d, a, sizeof(version), (const uint8_t *)t + sizeof(version),
			 sizeof(*t) - sizeof(version));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	version++;
	int ret2 = area_write(d, a, 0, &version, sizeof(version));
	return ret ? ret : ret2;
}

static struct area time_phys(struct hv_vcpu *v)
{
	return (struct area){ .gpa = v->time_area };
}

static struct area time_virt(struct hv_vcpu *v)
{
	return (struct area){ .virt = true, .va = v->time_area_va, .pg = &v->time_area_paging };
}

void vcpu__update_time(struct hv_vcpu *v)
{
	struct vcpu_time_info t;
	time_fill(v, &t, hv__now(v->d->hv));

	struct vcpu_info *vi = vcpu__vcpu_info(v);
	if (vi) {
		struct vcpu_time_info *g = &vi->time;
		uint32_t version = (__atomic_load_n(&g->version, __ATOMIC_RELAXED) + 1) | 1;
		__atomic_store_n(&g->version, version, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		memcpy((uint8_t *)g + sizeof(version), (const uint8_t *)&t + sizeof(version),
		       sizeof(t) - sizeof(version));
		__atomic_store_n(&g->version, version + 1, __ATOMIC_RELEASE);
	}
	if (v->time_area_phys) {
		struct area a = time_phys(v);
		(void)time_write(v->d, &a, &t);
	}
	if (v->time_area_virt) {
		struct area a = time_virt(v);
		(void)time_write(v->d, &a, &t);
	}
}

void hv_vcpu__update_time(struct hv_vcpu *v)
{
	lock(v->d);
	vcpu__update_time(v);
	unlock(v->d);
}

void hv_vcpu__set_tsc(struct hv_vcpu *v, const struct hv_tsc *tsc)
{
	lock(v->d);
	v->tsc = *tsc;
	vcpu__update_time(v);
	unlock(v->d);
}

void hv_domain__set_wallclock(struct domain *d, uint64_t sec, uint32_t nsec)
{
	lock(d);
	struct shared_info *s = d->shared_info;
	if (s) {
		uint32_t version = (__atomic_load_n(&s->wc_version, __ATOMIC_RELAXED) + 1) | 1;
		__atomic_store_n(&s->wc_version, version, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		s->wc_sec = (uint32_t)sec;
		s->wc_nsec = nsec;
		s->wc_sec_hi = (uint32_t)(sec >> 32);
		__atomic_store_n(&s->wc_version, version + 1, __ATOMIC_RELEASE);
	}
	unlock(d);
}

/* ---- runstate accounting ---- */

static void runstate_set(struct hv_vcpu *v, int state)
{
	struct hv_runstate *rs = &v->runstate;
	uint64_t now = hv__now(v->d->hv);

	/* A clock that stood still (or a VMM's late reading) adds nothing. */
	if (now > rs->state_entry_time) {
		if (rs->state >= 0 && rs->state < 4)
			rs->time[rs->state] += now - rs->state_entry_time;
		rs->state_entry_time = now;
	}
	rs->state = state;
	runstate_publish(v);
}

void vcpu__set_runstate(struct hv_vcpu *v, int state)
{
	if (state >= RUNSTATE_running && state <= RUNSTATE_offline)
		runstate_set(v, state);
}

void hv_vcpu__set_runstate(struct hv_vcpu *v, int state)
{
	lock(v->d);
	vcpu__set_runstate(v, state);
	unlock(v->d);
}

void vcpu__runstate_get(struct hv_vcpu *v, struct vcpu_runstate_info *out)
{
	const struct hv_runstate *rs = &v->runstate;
	uint64_t now = hv__now(v->d->hv);

	memset(out, 0, sizeof(*out));
	out->state = rs->state;
	out->state_entry_time = rs->state_entry_time;
	memcpy(out->time, rs->time, sizeof(out->time));
	if (now > rs->state_entry_time && rs->state >= 0 && rs->state < 4)
		out->time[rs->state] += now - rs->state_entry_time;
}

/* ---- timers, for the VMM ---- */

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

uint64_t hv_vcpu__next_deadline(struct hv_vcpu *v)
{
	struct domain *d = v->d;
	uint64_t t = 0;

	lock(d);
	if (!d->shutdown) {
		t = v->singleshot_deadline;
		if (v->periodic_period)
			t = earliest(t, v->periodic_next);
		if (v->polling)
			t = earliest(t, v->poll_deadline);
		/* Watchdogs belong to the domain: every vCPU's timer carries them. */
		for (unsigned i = 0; i < HV_NR_WATCHDOGS; i++)
			t = earliest(t, d->watchdog_deadline[i]);
	}
	unlock(d);
	return t;
}

/* VIRQ_TIMER for v, with its time info fresh for the handler that reads it. */
static void timer_fire(struct hv_vcpu *v)
{
	vcpu__update_time(v);
	(void)evtchn__raise_virq_locked(v, VIRQ_TIMER);
}

void hv_vcpu__timer_expired(struct hv_vcpu *v)
{
	struct domain *d = v->d;

	lock(d);
	if (d->shutdown)
		goto out;
	uint64_t now = hv__now(d->hv);
	bool fire = false;

	if (v->singleshot_deadline && v->singleshot_deadline <= now) {
		v->singleshot_deadline = 0;
		fire = true;
	}
	if (v->periodic_period && v->periodic_next <= now) {
		/* As Xen: missed periods are not made up, the next one counts from now. */
		v->periodic_next = now + v->periodic_period;
		fire = true;
	}
	if (fire)
		timer_fire(v);
	if (v->polling && v->poll_deadline && v->poll_deadline <= now) {
		sched__end_block(v);
		vcpu__kick(v);
	}
	for (unsigned i = 0; i < HV_NR_WATCHDOGS; i++) {
		if (d->watchdog_deadline[i] && d->watchdog_deadline[i] <= now) {
			sched__shutdown_domain(d, SHUTDOWN_watchdog);
			break;
		}
	}
out:
	unlock(d);
}

bool hv_vcpu__runnable(struct hv_vcpu *v)
{
	/*
	 * The vCPU loop asks before every entry: without the lock. The three
	 * flags change under the lock, stored atomically, and whoever changes
	 * them for another thread's vCPU kicks it (or stops the domain)
	 * afterwards; under the lock the answer would be as stale once it was
	 * dropped. The loads and those stores are sequentially consistent, as
	 * the loop's clearing of its kick flag before asking is: so a change
	 * this misses comes before the kick in that one order, and the kick
	 * is not lost (the lock's fence gave the same before).
	 */
	return __atomic_load_n(&v->online, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&v->blocked, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&v->d->shutdown, __ATOMIC_SEQ_CST);
}

bool hv_vcpu__blocked(struct hv_vcpu *v)
{
	lock(v->d);
	bool r = v->online && v->blocked && !v->d->shutdown;
	unlock(v->d);
	return r;
}

void hv_vcpu__interrupted(struct hv_vcpu *v)
{
	lock(v->d);
	sched__end_block(v);
	unlock(v->d);
}

bool vcpu__upcall_pending(struct hv_vcpu *v)
{
	struct vcpu_info *vi = vcpu__vcpu_info(v);
	return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE);
}

bool hv_vcpu__upcall_pending(struct hv_vcpu *v)
{
	lock(v->d);
	bool r = vcpu__upcall_pending(v);
	unlock(v->d);
	return r;
}

void hv_vcpu__upcall(struct hv_vcpu *v, struct hv_upcall *out)
{
	lock(v->d);
	out->vector = hvm__upcall_vector(v);
	out->per_vcpu = v->upcall_vector != 0;
	out->pending = vcpu__upcall_pending(v);
	unlock(v->d);
}

unsigned hv_vcpu__id(const struct hv_vcpu *v)
{
	return v->id;
}

struct domain *hv_vcpu__domain(const struct hv_vcpu *v)
{
	return v->d;
}

bool hv_vcpu__take_nmi(struct hv_vcpu *v)
{
	/*
	 * The vCPU loop asks before every entry and the answer is nearly always
	 * no: look without the lock first. Only this vCPU's thread clears the
	 * flag; whoever sets it (vcpu__send_nmi, atomically, under the lock)
	 * kicks the vCPU afterwards, so a set missed here is seen on the loop's
	 * next turn, before the vCPU enters the guest (sequentially consistent,
	 * as in hv_vcpu__runnable).
	 */
	if (!__atomic_load_n(&v->nmi_pending, __ATOMIC_SEQ_CST))
		return false;
	lock(v->d);
	bool r = v->nmi_pending;
	v->nmi_pending = false;
	unlock(v->d);
	return r;
}

bool hv_vcpu__take_context(struct hv_vcpu *v, struct vcpu_hvm_context *out)
{
	lock(v->d);
	bool r = v->online && v->context_pending;
	if (r) {
		*out = v->context;
		v->context_pending = false;
	}
	unlock(v->d);
	return r;
}

/* ---- VCPUOP_* ---- */

int64_t vcpu__initialise(struct hv_vcpu *hv_vcpu, uint32_t vcpuid, uint64_t context_gfn)
{
	struct domain *d = hv_vcpu->d;
	struct vcpu_hvm_context ctx;

	if (!vcpu__lookup(d, vcpuid))
		return -XEN_ENOENT;
	if (context_gfn > (UINT64_MAX >> PAGE_SHIFT))
		return -XEN_EFAULT;
	int ret = guestmem__read(&d->mem, gfn_to_gpa(gfn(context_gfn)), &ctx, sizeof(ctx));
	if (ret)
		return ret;
	return vcpu__initialise_context(hv_vcpu, vcpuid, &ctx, context_gfn);
}

/* What Xen's arch_set_info_hvm_guest refuses before it touches the vCPU. */
static bool context_valid(const struct vcpu_hvm_context *ctx)
{
	if (ctx->pad)
		return false;
	switch (ctx->mode) {
	case VCPU_HVM_MODE_32B: {
		const struct vcpu_hvm_x86_32 *r = &ctx->cpu_regs.x86_32;
		return !r->pad1 && !r->pad2[0] && !r->pad2[1] && !r->pad2[2];
	}
	case VCPU_HVM_MODE_64B: {
		const struct vcpu_hvm_x86_64 *r = &ctx->cpu_regs.x86_64;
		return pagewalk__canonical(r->rip, 0) && (r->cr0 & X86_CR0_PG) &&
		       (r->cr0 & X86_CR0_PE) &&
		       (r->cr4 & X86_CR4_PAE) && (r->efer & X86_EFER_LME);
	}
	default:
		return false;
	}
}

int64_t vcpu__initialise_context(struct hv_vcpu *v, uint32_t vcpuid,
				 const struct vcpu_hvm_context *ctx, uint64_t context_gfn)
{
	struct hv_vcpu *t = vcpu__lookup(v->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	if (t->initialised)
		return -XEN_EEXIST;
	if (!context_valid(ctx))
		return -XEN_EINVAL;
	t->context = *ctx;
	t->context_gfn = context_gfn;
	t->context_pending = true;
	t->initialised = true;
	return 0;
}

int64_t vcpu__up(struct hv_vcpu *hv_vcpu, uint32_t vcpuid)
{
	struct hv_vcpu *t = vcpu__lookup(hv_vcpu->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	if (!t->initialised)
		return -XEN_EINVAL;
	if (!t->online) {
		__atomic_store_n(&t->online, true, __ATOMIC_SEQ_CST); /* hv_vcpu__runnable */
		runstate_set(t, t->blocked ? RUNSTATE_blocked : RUNSTATE_running);
		vcpu__update_time(t);
		vcpu__kick(t); /* the VMM starts (or resumes) its thread */
	}
	return 0;
}

int64_t vcpu__down(struct hv_vcpu *hv_vcpu, uint32_t vcpuid)
{
	struct domain *d = hv_vcpu->d;
	struct hv_vcpu *t = vcpu__lookup(d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	bool others = false;
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		if (i != vcpuid && d->vcpus[i].online)
			others = true;
	if (!others) {
		/* As Xen: the last vCPU going down powers the domain off. */
		sched__shutdown_domain(d, SHUTDOWN_poweroff);
		return 0;
	}
	if (t->online) {
		__atomic_store_n(&t->online, false, __ATOMIC_SEQ_CST); /* hv_vcpu__runnable */
		runstate_set(t, RUNSTATE_offline);
		vcpu__kick(t); /* out of the guest: the VMM parks its thread */
	}
	return 0;
}

int64_t vcpu__is_up(struct hv_vcpu *hv_vcpu, uint32_t vcpuid)
{
	struct hv_vcpu *t = vcpu__lookup(hv_vcpu->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	return t->online ? 1 : 0;
}

int64_t vcpu__get_runstate_info(struct hv_vcpu *hv_vcpu, uint32_t vcpuid,
				struct vcpu_runstate_info *arg)
{
	struct hv_vcpu *t = vcpu__lookup(hv_vcpu->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	vcpu__runstate_get(t, arg);
	return 0;
}

int64_t vcpu__set_periodic_timer(struct hv_vcpu *hv_vcpu, uint32_t vcpuid,
				 struct vcpu_set_periodic_timer *arg)
{
	struct hv_vcpu *t = vcpu__lookup(hv_vcpu->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	if (arg->period_ns < VCPU_PERIODIC_MIN_NS || arg->period_ns > VCPU_PERIODIC_MAX_NS)
		return -XEN_EINVAL;
	t->periodic_period = arg->period_ns;
	t->periodic_next = hv__now(t->d->hv) + arg->period_ns;
	vcpu__timer_changed(t);
	return 0;
}

int64_t vcpu__stop_periodic_timer(struct hv_vcpu *hv_vcpu, uint32_t vcpuid)
{
	struct hv_vcpu *t = vcpu__lookup(hv_vcpu->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	if (t->periodic_period) {
		t->periodic_period = 0;
		t->periodic_next = 0;
		vcpu__timer_changed(t);
	}
	return 0;
}

int64_t vcpu__set_singleshot_timer(struct hv_vcpu *hv_vcpu, uint32_t vcpuid,
				   struct vcpu_set_singleshot_timer *arg)
{
	struct hv_vcpu *t = vcpu__lookup(hv_vcpu->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	/* As Xen: a vCPU sets only its own single-shot timer. */
	if (t != hv_vcpu)
		return -XEN_EINVAL;
	uint64_t now = hv__now(t->d->hv);
	if ((arg->flags & VCPU_SSHOTTMR_future) && arg->timeout_abs_ns < now)
		return -XEN_ETIME;
	vcpu__singleshot_arm(t, arg->timeout_abs_ns);
	return 0;
}

void vcpu__singleshot_arm(struct hv_vcpu *v, uint64_t deadline)
{
	bool was = v->singleshot_deadline != 0;

	if (deadline <= hv__now(v->d->hv)) {
		/* Already due: the event now, as a timer set in the past fires at once. */
		v->singleshot_deadline = 0;
		timer_fire(v);
		if (was)
			vcpu__timer_changed(v);
		return;
	}
	v->singleshot_deadline = deadline;
	vcpu__timer_changed(v);
}

void vcpu__singleshot_stop(struct hv_vcpu *v)
{
	if (v->singleshot_deadline) {
		v->singleshot_deadline = 0;
		vcpu__timer_changed(v);
	}
}

int64_t vcpu__stop_singleshot_timer(struct hv_vcpu *hv_vcpu, uint32_t vcpuid)
{
	struct hv_vcpu *t = vcpu__lookup(hv_vcpu->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	if (t != hv_vcpu)
		return -XEN_EINVAL;
	vcpu__singleshot_stop(t);
	return 0;
}

int64_t vcpu__register_vcpu_info(struct hv_vcpu *hv_vcpu, uint32_t vcpuid,
				 struct vcpu_register_vcpu_info *arg)
{
	struct domain *d = hv_vcpu->d;
	struct hv_vcpu *t = vcpu__lookup(d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	/*
	 * The structure must not cross a page boundary (vcpu.h), and must be
	 * naturally aligned: the hypervisor updates its words atomically, which
	 * a misaligned placement would make impossible.
	 */
	if (arg->offset > PAGE_SIZE - sizeof(struct vcpu_info) ||
	    arg->offset % _Alignof(struct vcpu_info) != 0)
		return -XEN_EINVAL;
	if (t->vcpu_info_registered)
		return -XEN_EEXIST;
	/* As Xen: for yourself, or for a vCPU that is down. */
	if (t != hv_vcpu && t->online)
		return -XEN_EINVAL;
	if (arg->mfn > (UINT64_MAX >> PAGE_SHIFT))
		return -XEN_EINVAL;
	gpa_t where = gpa(gpa_val(gfn_to_gpa(gfn(arg->mfn))) + arg->offset);
	const struct guestmem_region *r = guestmem__lookup(&d->mem, where);
	if (!r || r->kind != GUESTMEM_RAM)
		return -XEN_EINVAL;

	/* The new place starts as a copy of the old one (masked and empty if none). */
	struct vcpu_info copy;
	struct vcpu_info *old = vcpu__vcpu_info(t);
	if (old) {
		memcpy(&copy, old, sizeof(copy));
	} else {
		memset(&copy, 0, sizeof(copy));
		copy.evtchn_upcall_mask = 1;
	}
	int ret = guestmem__write(&d->mem, where, &copy, sizeof(copy));
	if (ret)
		return ret;
	t->vcpu_info_registered = true;
	t->vcpu_info_gpa = where;

	/*
	 * As Xen: everything pending, so that the guest rescans and no event
	 * that arrived during the move is lost (a spurious upcall it copes with).
	 */
	struct vcpu_info *vi = vcpu__vcpu_info(t);
	if (vi) {
		__atomic_store_n(&vi->evtchn_pending_sel, ~(xen_ulong_t)0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
	}
	vcpu__update_time(t);
	vcpu__kick(t);
	return 0;
}

int64_t vcpu__send_nmi(struct hv_vcpu *hv_vcpu, uint32_t vcpuid)
{
	struct hv_vcpu *t = vcpu__lookup(hv_vcpu->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	if (!t->nmi_pending) {
		/* The VMM injects it and clears the flag; hv_vcpu__take_nmi looks without the lock. */
		__atomic_store_n(&t->nmi_pending, true, __ATOMIC_SEQ_CST);
		vcpu__kick(t);
	}
	return 0;
}

int64_t vcpu__get_physid(struct hv_vcpu *hv_vcpu, uint32_t vcpuid, struct vcpu_get_physid *arg)
{
	struct hv_vcpu *t = vcpu__lookup(hv_vcpu->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	/*
	 * Xen answers only for the hardware domain's (pinned) vCPUs and gives
	 * -EINVAL, "not a valid operation for this VCPU", to everyone else.
	 */
	if (!(hv_vcpu->d->flags & DOMAIN_PRIVILEGED))
		return -XEN_EINVAL;
	arg->phys_id = t->phys_id;
	return 0;
}

/*
 * Where a phys-form area may go (Xen's map_guest_area): within one page,
 * aligned like an unsigned long of the caller's mode (-ENXIO), in RAM (-EINVAL).
 */
static int64_t phys_area_check(struct domain *d, uint64_t a, size_t size, size_t align)
{
	if ((a & (PAGE_SIZE - 1)) + size > PAGE_SIZE || (a & (align - 1)))
		return -XEN_ENXIO;
	const struct guestmem_region *r = guestmem__lookup(&d->mem, gpa(a));
	if (!r || r->kind != GUESTMEM_RAM)
		return -XEN_EINVAL;
	return 0;
}

/* The mode of the call being served: 32-bit code gets the i386 layouts. */
static bool call_compat(const struct hv_vcpu *v)
{
	return v->call && !v->call->mode64;
}

int64_t vcpu__register_runstate_phys_area(struct hv_vcpu *hv_vcpu, uint32_t vcpuid,
					  struct vcpu_register_runstate_memory_area *arg)
{
	struct domain *d = hv_vcpu->d;
	struct hv_vcpu *t = vcpu__lookup(d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	uint64_t a = arg->addr.p;
	if (a == UINT64_MAX) { /* ~0: unregister */
		t->runstate_area_phys = false;
		return 0;
	}
	bool compat = call_compat(hv_vcpu);
	int64_t ret = phys_area_check(d, a, compat ? VCPU_RUNSTATE_COMPAT_SIZE :
					 sizeof(struct vcpu_runstate_info), compat ? 4 : 8);
	if (ret)
		return ret;
	bool old_compat = t->runstate_area_compat;
	t->runstate_area_compat = compat;
	struct area area = { .gpa = gpa(a) };
	ret = runstate_write(t, &area, true);
	if (ret) {
		t->runstate_area_compat = old_compat;
		return ret;
	}
	t->runstate_area_phys = true;
	t->runstate_area = gpa(a);
	return 0;
}

int64_t vcpu__register_vcpu_time_phys_area(struct hv_vcpu *hv_vcpu, uint32_t vcpuid,
					   struct vcpu_register_time_memory_area *arg)
{
	struct domain *d = hv_vcpu->d;
	struct hv_vcpu *t = vcpu__lookup(d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	uint64_t a = arg->addr.p;
	if (a == UINT64_MAX) {
		t->time_area_phys = false;
		return 0;
	}
	int64_t ret = phys_area_check(d, a, sizeof(struct vcpu_time_info),
				      call_compat(hv_vcpu) ? 4 : 8);
	if (ret)
		return ret;
	struct vcpu_time_info ti;
	struct area area = { .gpa = gpa(a) };
	time_fill(t, &ti, hv__now(d->hv));
	ret = time_write(d, &area, &ti);
	if (ret)
		return ret;
	t->time_area_phys = true;
	t->time_area = gpa(a);
	return 0;
}

/* The legacy GVA forms: the address as the guest's mode sees it (a 32-bit handle in 32-bit code). */
static uint64_t legacy_handle(const struct hv_vcpu *v, uint64_t p)
{
	return call_compat(v) ? (uint32_t)p : p;
}

int64_t vcpu__register_runstate_memory_area(struct hv_vcpu *v, uint32_t vcpuid,
					    struct vcpu_register_runstate_memory_area *arg)
{
	struct hv_vcpu *t = vcpu__lookup(v->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	if (!v->call) /* the GVA needs the paging of a legacy call */
		return -XEN_EINVAL;
	uint64_t va = legacy_handle(v, arg->addr.p);
	if (!va) { /* a null handle: no area */
		t->runstate_area_virt = false;
		return 0;
	}
	bool old_compat = t->runstate_area_compat;
	t->runstate_area_compat = call_compat(v);
	struct area area = { .virt = true, .va = gva(va), .pg = &v->call->paging };
	int ret = runstate_write(t, &area, domain__runstate_update_flag(t->d));
	if (ret) {
		/* Xen would take any address it can range-check; we refuse what we cannot reach. */
		t->runstate_area_compat = old_compat;
		return ret;
	}
	t->runstate_area_virt = true;
	t->runstate_area_va = gva(va);
	t->runstate_area_paging = v->call->paging;
	return 0;
}

int64_t vcpu__register_vcpu_time_memory_area(struct hv_vcpu *v, uint32_t vcpuid,
					     struct vcpu_register_time_memory_area *arg)
{
	struct hv_vcpu *t = vcpu__lookup(v->d, vcpuid);

	if (!t)
		return -XEN_ENOENT;
	if (!v->call)
		return -XEN_EINVAL;
	uint64_t va = legacy_handle(v, arg->addr.p);
	if (!va) {
		t->time_area_virt = false;
		return 0;
	}
	struct vcpu_time_info ti;
	struct area area = { .virt = true, .va = gva(va), .pg = &v->call->paging };
	time_fill(t, &ti, hv__now(v->d->hv));
	int ret = time_write(v->d, &area, &ti);
	if (ret)
		return ret;
	t->time_area_virt = true;
	t->time_area_va = gva(va);
	t->time_area_paging = v->call->paging;
	return 0;
}
