/*
 * The world and its domains: creation, lookup, the fixed memory layout and
 * shutdown. Each family sets up its own per-domain state from here
 * (evtchn__domain_init, gnttab__domain_init); see docs/hv-core.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/errno.h>
#include <xen/vcpu.h>
#include <xen/arch-x86/hvm/start_info.h>

#include <fastabi/xen-ext.h>

#include "hv.h"
#include "lock.h"
#include "policy.h"

#define DOMAIN_KNOWN_FLAGS (DOMAIN_FASTABI | DOMAIN_CONFIDENTIAL | DOMAIN_FIXED_LAYOUT | \
			    DOMAIN_PRIVILEGED)

#define GIB (1ull << 30)
#define MIB (1ull << 20)
/* The foreign-mapping window of the fixed layout (docs/fastabi.md "The fixed memory layout"). */
#define FOREIGN_WINDOW_SIZE (512 * MIB)
#define FOREIGN_WINDOW_ALIGN (2 * MIB)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void hv__init(struct hv *hv, const struct hv_ops *ops)
{
	memset(hv, 0, sizeof(*hv));
	hv->ops = *ops;
	lock__init(&hv->domains_lock);
	hv->nr_host_cpus = sysconf(_SC_NPROCESSORS_ONLN);
}

void hv__destroy(struct hv *hv)
{
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
		if (hv->domains[i])
			domain__destroy(hv->domains[i]);
	pthread_mutex_destroy(&hv->domains_lock);
}

uint64_t hv__now(struct hv *hv)
{
	return hv->ops.now_ns ? hv->ops.now_ns(hv->ops.ctx) : 0;
}

static void vcpu_setup(struct domain *d, unsigned id, uint64_t now)
{
	struct hv_vcpu *v = &d->vcpus[id];

	memset(v, 0, sizeof(*v));
	v->d = d;
	v->id = id;
	v->phys_id = id;
	/* vCPU 0 boots running; the others wait for VCPUOP_initialise/up. */
	v->online = id == 0;
	v->initialised = id == 0;
	v->runstate.state = id == 0 ? RUNSTATE_running : RUNSTATE_offline;
	v->runstate.state_entry_time = now;
}

/* Undo a partly or fully built domain; d is not (or no longer) in hv->domains. */
static void domain_free(struct domain *d)
{
	if (d->gnttab)
		gnttab__domain_destroy(d, false);
	if (d->evtchn)
		evtchn__domain_destroy(d);
	guestmem__destroy(&d->mem);
	pthread_mutex_destroy(&d->lock);
	free(d->policy);
	free(d->shared_info);
	free(d);
}

int domain__create(struct hv *hv, const struct domain_config *cfg, struct domain **out)
{
	int ret;

	if (!cfg || !out || cfg->nr_vcpus < 1 || cfg->nr_vcpus > HV_MAX_VCPUS ||
	    (cfg->flags & ~DOMAIN_KNOWN_FLAGS))
		return -XEN_EINVAL;
	if (cfg->name && strlen(cfg->name) >= HV_NAME_MAX)
		return -XEN_EINVAL;
	if (cfg->paddr_bits && (cfg->paddr_bits < 32 || cfg->paddr_bits > GUESTMEM_MAXPHYADDR))
		return -XEN_EINVAL;

	lock__take(&hv->domains_lock);
	unsigned id = cfg->min_domid;
	while (id < HV_MAX_DOMAINS && hv->domains[id])
		id++;
	if (id == HV_MAX_DOMAINS) {
		ret = -XEN_ENOSPC;
		goto out_unlock;
	}

	struct domain *d = calloc(1, sizeof(*d));
	if (!d) {
		ret = -XEN_ENOMEM;
		goto out_unlock;
	}
	d->hv = hv;
	d->id = (domid_t)id;
	if (hv->domid_end <= id)
		hv->domid_end = id + 1;
	lock__init(&d->lock);
	if (cfg->name)
		snprintf(d->name, sizeof(d->name), "%s", cfg->name);
	else
		snprintf(d->name, sizeof(d->name), "dom%u", id);
	d->flags = cfg->flags;
	d->nr_vcpus = cfg->nr_vcpus;
	d->paddr_bits = cfg->paddr_bits ? cfg->paddr_bits : GUESTMEM_MAXPHYADDR;
	guestmem__init(&d->mem);
	guestmem__set_confidential(&d->mem, cfg->flags & DOMAIN_CONFIDENTIAL);

	uint64_t now = hv__now(hv);
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		vcpu_setup(d, i, now);

	ret = -XEN_ENOMEM;
	d->shared_info = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	d->policy = malloc(sizeof(*d->policy));
	if (!d->shared_info || !d->policy)
		goto out_free;
	memset(d->shared_info, 0, PAGE_SIZE);
	policy__init(d->policy, cfg->flags & DOMAIN_FASTABI);

	/* Families look at the config through the domain; keep it for them. */
	d->config = *cfg;
	d->config.name = NULL;

	/*
	 * Visible to lookups from here: families may resolve the domain by id.
	 * A call that holds every domain lock took them before this one existed
	 * and does not see it (domain__by_id).
	 */
	lock__domain(d);
	__atomic_store_n(&hv->domains[id], d, __ATOMIC_RELEASE);
	ret = evtchn__domain_init(d);
	if (ret == 0)
		ret = gnttab__domain_init(d);
	lock__release(hv);
	if (ret) {
		__atomic_store_n(&hv->domains[id], NULL, __ATOMIC_RELEASE);
		goto out_free;
	}
	*out = d;
	lock__drop(&hv->domains_lock);
	return 0;

out_free:
	domain_free(d);
out_unlock:
	lock__drop(&hv->domains_lock);
	return ret;
}

/* The families' links to d go (every domain lock held): see domain__kill. */
static void unlink_families(struct domain *d, bool memory_stays)
{
	if (d->gnttab)
		gnttab__domain_destroy(d, memory_stays);
	if (d->evtchn)
		evtchn__domain_destroy(d);
	d->gnttab = NULL;
	d->evtchn = NULL;
}

/*
 * The world lock, then every domain lock in domid order: d's links are in
 * the peers' state too, and no call can take d's lock afterwards.
 */
static void lock_world(struct hv *hv)
{
	lock__take(&hv->domains_lock);
	for (unsigned i = 0; i < hv->domid_end; i++)
		if (hv->domains[i])
			lock__domain(hv->domains[i]);
}

void domain__kill(struct domain *d)
{
	if (!d)
		return;
	struct hv *hv = d->hv;

	lock_world(hv);
	unlink_families(d, true);
	lock__release(hv);
	lock__drop(&hv->domains_lock);
}

void domain__destroy(struct domain *d)
{
	if (!d)
		return;
	struct hv *hv = d->hv;

	/*
	 * Families drop their links to this domain (bound channels, grants)
	 * while it can still be looked up; then it leaves the world.
	 */
	lock_world(hv);
	unlink_families(d, false);
	/* Its own lock is dropped first (nobody can wait for it: the world lock is held). */
	if (d->id < HV_MAX_DOMAINS && hv->domains[d->id] == d) {
		lock__drop_domain(d);
		__atomic_store_n(&hv->domains[d->id], NULL, __ATOMIC_RELEASE);
	}
	lock__release(hv);
	domain_free(d);
	lock__drop(&hv->domains_lock);
}

struct domain *domain__by_id(struct hv *hv, domid_t id)
{
	if (id >= HV_MAX_DOMAINS)
		return NULL;
	struct domain *d = __atomic_load_n(&hv->domains[id], __ATOMIC_ACQUIRE);
	/* A test or the builder calling a core function directly holds no lock: any domain. */
	if (!d || !lock__any() || lock__held(d))
		return d;
	/* Created after this call took every lock: the call came first. */
	if (lock__all_mode())
		return NULL;
	/* A call that may reach the one domain it names: take that one's lock too. */
	struct domain *caller = lock__target_caller();
	if (caller)
		return lock__peer(caller, id);
	/*
	 * A call that holds only its own domain's lock reached another domain:
	 * hypercall.c's classification of the call (CALL_SELF) is wrong.
	 */
	fprintf(stderr, "hv: a call under one domain's lock reached domain %u\n", id);
	abort();
}

struct domain *domain__lookup(struct domain *self, domid_t domid)
{
	if (domid == DOMID_SELF)
		return self;
	if (!self)
		return NULL;
	return domain__by_id(self->hv, domid);
}

int domain__target(struct hv_vcpu *caller, domid_t domid, struct domain **out)
{
	struct domain *d = domain__lookup(caller->d, domid);

	if (!d)
		return -XEN_ESRCH;
	if (d != caller->d && !(caller->d->flags & DOMAIN_PRIVILEGED))
		return -XEN_EPERM;
	*out = d;
	return 0;
}

static int memmap_add(struct domain *d, uint64_t addr, uint64_t size, uint32_t type)
{
	if (d->nr_memmap == HV_MEMMAP_MAX)
		return -XEN_ENOSPC;
	d->memmap[d->nr_memmap++] = (struct hv_memmap_entry){ addr, size, type };
	return 0;
}

/*
 * Registers host pages [first, first + n) of a special kind at gpa,
 * one region per run of pages that are contiguous in host memory too.
 */
static int add_special(struct domain *d, enum guestmem_kind kind, uint64_t gpa_start,
		       void *(*frame)(struct domain *, unsigned), unsigned n)
{
	unsigned i = 0;

	while (i < n) {
		uint8_t *host = frame(d, i);
		if (!host)
			return -XEN_EINVAL;
		unsigned run = 1;
		while (i + run < n && frame(d, i + run) == host + (uint64_t)run * PAGE_SIZE)
			run++;
		int ret = guestmem__add(&d->mem, kind, gpa(gpa_start + (uint64_t)i * PAGE_SIZE),
					(uint64_t)run * PAGE_SIZE, host);
		if (ret)
			return ret;
		i += run;
	}
	return 0;
}

/* Remember where RAM [start, start + size) lives (struct domain's ram_home). */
static int ram_home_add(struct domain *d, uint64_t start, uint64_t size, uint8_t *host)
{
	if (d->nr_ram_home == HV_RAM_HOMES)
		return -XEN_ENOSPC;
	d->ram_home[d->nr_ram_home++] = (struct hv_ram_home){ start, size, host };
	return 0;
}

int domain__finish_layout(struct domain *d)
{
	struct guestmem *gm = &d->mem;
	int ret = 0;

	lock__domain(d);
	d->nr_memmap = 0;
	d->max_pages = 0;
	d->nr_ram_home = 0;

	/* RAM, with adjacent regions merged into one entry. */
	uint64_t ram_end = 0;
	for (unsigned i = 0; i < gm->nr_regions; i++) {
		const struct guestmem_region *r = &gm->regions[i];
		if (r->kind != GUESTMEM_RAM)
			continue;
		d->max_pages += r->size >> PAGE_SHIFT;
		ram_end = r->start + r->size;
		ret = ram_home_add(d, r->start, r->size, r->host);
		if (ret)
			goto out;
		if (d->nr_memmap &&
		    d->memmap[d->nr_memmap - 1].type == XEN_HVM_MEMMAP_TYPE_RAM &&
		    d->memmap[d->nr_memmap - 1].addr + d->memmap[d->nr_memmap - 1].size == r->start) {
			d->memmap[d->nr_memmap - 1].size += r->size;
			continue;
		}
		ret = memmap_add(d, r->start, r->size, XEN_HVM_MEMMAP_TYPE_RAM);
		if (ret)
			goto out;
	}
	d->tot_pages = d->max_pages;

	if (!(d->flags & DOMAIN_FIXED_LAYOUT))
		goto out;
	if (d->shared_info_mapped) {
		ret = -XEN_EEXIST; /* laid out already */
		goto out;
	}

	/* The special area: first 1 GiB boundary at or above the end of RAM, above 4 GiB. */
	uint64_t base = align_up(ram_end > 4 * GIB ? ram_end : 4 * GIB, GIB);
	uint64_t at = base;

	ret = guestmem__add(gm, GUESTMEM_SHARED_INFO, gpa(at), PAGE_SIZE, d->shared_info);
	if (ret)
		goto out;
	d->shared_info_mapped = true;
	d->shared_info_gfn = gfn_of(gpa(at));
	ret = memmap_add(d, at, PAGE_SIZE, XEN_HVM_MEMMAP_TYPE_SHARED_INFO);
	if (ret)
		goto out;
	at += PAGE_SIZE;

	unsigned nr = gnttab__max_frames(d);
	if (nr) {
		ret = add_special(d, GUESTMEM_GRANT_TABLE, at, gnttab__frame, nr);
		for (unsigned i = 0; !ret && i < nr; i++)
			ret = gnttab__set_frame_gfn(d, false, i, gfn_of(gpa(at + (uint64_t)i * PAGE_SIZE)));
		if (!ret)
			ret = memmap_add(d, at, (uint64_t)nr * PAGE_SIZE, XEN_HVM_MEMMAP_TYPE_GRANT_TABLE);
		if (ret)
			goto out;
		at += (uint64_t)nr * PAGE_SIZE;
	}
	nr = gnttab__nr_status_frames(d);
	if (nr) {
		ret = add_special(d, GUESTMEM_GNTTAB_STATUS, at, gnttab__status_frame, nr);
		for (unsigned i = 0; !ret && i < nr; i++)
			ret = gnttab__set_frame_gfn(d, true, i, gfn_of(gpa(at + (uint64_t)i * PAGE_SIZE)));
		if (!ret)
			ret = memmap_add(d, at, (uint64_t)nr * PAGE_SIZE, XEN_HVM_MEMMAP_TYPE_GNTTAB_STATUS);
		if (ret)
			goto out;
		at += (uint64_t)nr * PAGE_SIZE;
	}
	at = align_up(at, FOREIGN_WINDOW_ALIGN);
	ret = memmap_add(d, at, FOREIGN_WINDOW_SIZE, XEN_HVM_MEMMAP_TYPE_FOREIGN_REG);
out:
	lock__release(d->hv);
	return ret;
}

int domain__add_reserved_ram(struct domain *d, gpa_t start, uint64_t size, void *host)
{
	int ret = -XEN_ENOSPC;

	lock__domain(d);
	if (d->nr_memmap < HV_MEMMAP_MAX && d->nr_ram_home < HV_RAM_HOMES) {
		ret = guestmem__add(&d->mem, GUESTMEM_RAM, start, size, host);
		if (!ret) {
			(void)ram_home_add(d, gpa_val(start), size, host); /* room checked above */
			unsigned i = d->nr_memmap;
			while (i > 0 && d->memmap[i - 1].addr > gpa_val(start)) {
				d->memmap[i] = d->memmap[i - 1];
				i--;
			}
			d->memmap[i] = (struct hv_memmap_entry){ gpa_val(start), size,
								 XEN_HVM_MEMMAP_TYPE_RESERVED };
			d->nr_memmap++;
			d->max_pages += size >> PAGE_SHIFT;
			d->tot_pages += size >> PAGE_SHIFT;
		}
	}
	lock__release(d->hv);
	return ret;
}

void domain__shutdown_locked(struct domain *d, unsigned reason)
{
	if (!d->shutdown) {
		__atomic_store_n(&d->shutdown, true, __ATOMIC_SEQ_CST); /* hv_vcpu__runnable */
		d->shutdown_reason = reason;
		lock__defer_shutdown(d);
	}
}

void domain__shutdown(struct domain *d, unsigned reason)
{
	lock__domain(d);
	domain__shutdown_locked(d, reason);
	lock__release(d->hv);
}

/* ---- the domain, for the VMM ---- */

domid_t hv_domain__id(const struct domain *d)
{
	return d->id;
}

unsigned hv_domain__flags(const struct domain *d)
{
	return d->flags;
}

int hv_domain__set_paddr_bits(struct domain *d, unsigned bits)
{
	int ret = 0;

	if (bits < 32 || bits > GUESTMEM_MAXPHYADDR)
		return -XEN_EINVAL;
	lock__domain(d);
	for (unsigned i = 0; i < d->mem.nr_regions; i++)
		if ((d->mem.regions[i].start + d->mem.regions[i].size - 1) >> bits)
			ret = -XEN_EINVAL;
	if (!ret)
		d->paddr_bits = bits;
	lock__release(d->hv);
	return ret;
}

struct hv_vcpu *hv_domain__vcpu(struct domain *d, unsigned id)
{
	return id < d->nr_vcpus ? &d->vcpus[id] : NULL;
}

int hv_domain__set_param(struct domain *d, unsigned idx, uint64_t value)
{
	if (idx >= HV_NR_HVM_PARAMS)
		return -XEN_EINVAL;
	lock__domain(d);
	d->hvm_params[idx] = value;
	lock__release(d->hv);
	return 0;
}

unsigned hv_domain__memmap(struct domain *d, struct hv_memmap_entry *out, unsigned max)
{
	lock__domain(d);
	unsigned n = d->nr_memmap < max ? d->nr_memmap : max;
	memcpy(out, d->memmap, n * sizeof(*out));
	lock__release(d->hv);
	return n;
}

bool hv_domain__stuck(struct domain *d, bool (*halted)(struct hv_vcpu *v, void *ctx), void *ctx)
{
	bool stuck = true;

	lock__domain(d);
	for (unsigned i = 0; i < d->nr_vcpus && stuck; i++) {
		struct hv_vcpu *v = &d->vcpus[i];
		if (v->online && (v->nmi_pending || !halted(v, ctx)))
			stuck = false;
	}
	lock__release(d->hv);
	return stuck;
}

unsigned hv_domain__shutdown_reason(struct domain *d)
{
	lock__domain(d);
	unsigned r = d->shutdown_reason;
	lock__release(d->hv);
	return r;
}

struct guestmem *hv_domain__mem_lock(struct domain *d)
{
	lock__domain(d);
	return &d->mem;
}

void hv_domain__mem_unlock(struct domain *d)
{
	lock__release(d->hv);
}

struct guestmem *hv_domain__mem(struct domain *d)
{
	if (!lock__held(d)) {
		fprintf(stderr, "hv: domain %u's memory map read without its lock\n", d->id);
		abort();
	}
	return &d->mem;
}

/* Xen's arch_vm_assist_valid_mask for an HVM domain (HVM_VM_ASSIST_MASK). */
#define HVM_VM_ASSIST_MASK (1ul << VMASST_TYPE_runstate_update_flag)

int64_t domain__vm_assist(struct domain *d, uint64_t cmd, uint64_t type)
{
	/* The type first, then the command: the order of Xen's checks. */
	if (type >= 64 || !((HVM_VM_ASSIST_MASK >> type) & 1))
		return -XEN_EINVAL;
	switch (cmd) {
	case VMASST_CMD_enable:
		d->vm_assist |= 1ul << type;
		return 0;
	case VMASST_CMD_disable:
		d->vm_assist &= ~(1ul << type);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

bool domain__runstate_update_flag(const struct domain *d)
{
	return (d->vm_assist >> VMASST_TYPE_runstate_update_flag) & 1;
}
