/*
 * Guest memory on the KVM side. RAM is one memfd, mapped once into the VMM
 * and registered with the core (guestmem__add); KVM memslots are a mirror
 * of the core's guestmem regions (RAM pieces and the special pages the core
 * owns: shared_info, grant frames) plus the grant mappings, rebuilt by
 * kvm_mem__sync whenever the core moves a page (XENMEM_add_to_physmap) or
 * the guest balloons (kvm_mem__ram_changed).
 *
 * Ballooning: a frame the guest gives back leaves the memslots, so that it
 * is unbacked for KVM as it is for Xen (an access is an MMIO exit that
 * kvm_cpu.c answers as Xen answers an access to an empty gfn: reads all-ones,
 * writes dropped), and its memfd pages are punched out (FALLOC_FL_PUNCH_HOLE),
 * which gives the memory back to the host. Only punching, with the memslot
 * kept, would be cheaper but wrong: the guest touching the frame again would
 * silently get a fresh zero page and host memory with it, where Xen faults.
 * The cost is a memslot change per call (not per page: the core hands over
 * contiguous runs, and a run populated again joins its neighbours).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/errno.h>
#include <xen/grant_table.h>

#include "vmm.h"

/* MemAvailable + SwapFree of /proc/meminfo in MiB, or 0 if unknown. */
static uint64_t host_backable_mib(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	unsigned long long kb, avail = 0, swap = 0;
	bool have = false;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			avail = kb;
			have = true;
		} else if (sscanf(line, "SwapFree: %llu kB", &kb) == 1) {
			swap = kb;
		}
	}
	fclose(f);
	return have ? (avail + swap) >> 10 : 0;
}

/*
 * The host-memory rule (docs/security.md): the RAM of every domain of the
 * process, the new one included, must fit in what the host could back when
 * the first domain was built (MemAvailable + SwapFree), or a guest touching
 * all of its RAM would push the host into the OOM killer. Guest RAM is
 * allocated on first touch, so nothing else stops it. --overcommit lifts
 * the rule. Read once: /proc is out of reach after setup (a restart
 * rebuilds a domain under the sandbox) and the domains' own pages would be
 * counted twice later.
 */
static int host_check(struct vmm_domain *vd)
{
	struct vmm *vmm = vd->vmm;
	uint64_t others = 0;

	if (vmm->sandbox.overcommit)
		return 0;
	if (!vmm->host_backable_mib)
		vmm->host_backable_mib = host_backable_mib();
	if (!vmm->host_backable_mib)
		return 0; /* no /proc/meminfo (a --jail without /proc): said in docs/security.md */
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++)
		if (vmm->doms[i] && !vmm->doms[i]->killed)
			others += vmm->doms[i]->cfg.memory_mib;
	for (unsigned i = 0; i < vmm->nr_retired; i++)
		others += vmm->retired[i]->cfg.memory_mib;
	if (others + vd->cfg.memory_mib <= vmm->host_backable_mib)
		return 0;
	util__err("[%s] not enough host memory: the domain's %llu MiB and the other domains' %llu "
		  "MiB exceed the %llu MiB the host can back (MemAvailable + SwapFree when the "
		  "first domain was built); give it less memory, or allow it with --overcommit "
		  "(docs/security.md)", vd->name, (unsigned long long)vd->cfg.memory_mib,
		  (unsigned long long)others, (unsigned long long)vmm->host_backable_mib);
	return -1;
}

int kvm_mem__init(struct vmm_domain *vd)
{
	char name[64];
	uint64_t size = vd->cfg.memory_mib << 20;
	/* The ring pages (ring__setup) live in the same memfd, after RAM. */
	uint64_t total = size + (uint64_t)VMM_RING_PAGES * PAGE_SIZE;

	if (host_check(vd))
		return -1;
	snprintf(name, sizeof(name), "fastabi-%s", vd->name);
	vd->memfd = memfd_create(name, MFD_CLOEXEC);
	if (vd->memfd < 0) {
		util__err("memfd_create: %s", strerror(errno));
		return -1;
	}
	if (ftruncate(vd->memfd, (off_t)total) < 0) {
		util__err("cannot size guest RAM to %llu MiB: %s",
			 (unsigned long long)vd->cfg.memory_mib, strerror(errno));
		return -1;
	}
	void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, vd->memfd, 0);
	if (p == MAP_FAILED) {
		util__err("cannot map %llu MiB of guest RAM: %s",
			 (unsigned long long)vd->cfg.memory_mib, strerror(errno));
		return -1;
	}
	vd->ram = p;
	vd->ram_size = size;
	vd->ring_pages = vd->ram + size;

	/* Below 3 GiB, then the rest above 4 GiB: [3 GiB, 4 GiB) stays a hole. */
	uint64_t low = size < VMM_LOW_RAM_END ? size : VMM_LOW_RAM_END;
	struct guestmem *gm = hv_domain__mem_lock(vd->d);
	int ret = guestmem__add(gm, GUESTMEM_RAM, gpa(0), low, vd->ram);
	if (!ret && size > low)
		ret = guestmem__add(gm, GUESTMEM_RAM, gpa(VMM_HIGH_RAM_START), size - low,
				    vd->ram + low);
	hv_domain__mem_unlock(vd->d);
	if (ret) {
		util__err("the core refused guest RAM (Xen errno %d)", ret);
		return -1;
	}
	return 0;
}

void kvm_mem__destroy(struct vmm_domain *vd)
{
	if (vd->ram)
		munmap(vd->ram, vd->ram_size + (uint64_t)VMM_RING_PAGES * PAGE_SIZE);
	if (vd->memfd > 0)
		close(vd->memfd);
	vd->ram = NULL;
	vd->memfd = -1;
}

void *kvm_mem__ram(struct vmm_domain *vd, uint64_t a, uint64_t len)
{
	const struct guestmem_region *r = guestmem__lookup(hv_domain__mem_lock(vd->d), gpa(a));
	void *host = NULL;

	if (r && r->kind == GUESTMEM_RAM && len <= r->start + r->size - a)
		host = r->host + (a - r->start);
	hv_domain__mem_unlock(vd->d);
	return host;
}

static int set_slot(struct vmm_domain *vd, unsigned id, const struct memslot *s)
{
	struct kvm_userspace_memory_region mr = {
		.slot = id,
		.flags = s && s->readonly ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = s ? s->gpa : 0,
		.memory_size = s ? s->size : 0,
		.userspace_addr = s ? (uint64_t)(uintptr_t)s->host : 0,
	};
	if (!s) /* deleting: KVM wants the old address back */
		mr.guest_phys_addr = vd->slots[id].gpa;
	if (ioctl(vd->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
		vmm_domain__log(vd, "KVM_SET_USER_MEMORY_REGION slot %u gpa %#llx size %#llx: %s", id,
			 (unsigned long long)mr.guest_phys_addr,
			 (unsigned long long)mr.memory_size, strerror(errno));
		return -1;
	}
	return 0;
}

static bool same(const struct memslot *a, const struct memslot *b)
{
	return a->gpa == b->gpa && a->size == b->size && a->host == b->host &&
	       a->readonly == b->readonly;
}

/* Whether slot s stays as it is among the n slots wanted. */
static bool kept(const struct memslot *s, const struct memslot *want, unsigned n)
{
	for (unsigned j = 0; j < n; j++)
		if (want[j].used && same(&want[j], s))
			return true;
	return false;
}

/* Whether some of slot s's guest-physical pages are in one of the n slots wanted. */
static bool remapped(const struct memslot *s, const struct memslot *want, unsigned n)
{
	for (unsigned j = 0; j < n; j++)
		if (want[j].used && want[j].gpa < s->gpa + s->size && s->gpa < want[j].gpa + want[j].size)
			return true;
	return false;
}

/* The used grant mappings, by guest-physical address. */
static unsigned grants_by_gpa(struct vmm_domain *vd, const struct grant_map *out[])
{
	unsigned n = 0;

	for (unsigned i = 0; i < VMM_MAX_GRANT_MAPS; i++) {
		const struct grant_map *g = &vd->grants[i];
		if (!g->used)
			continue;
		unsigned j = n++;
		for (; j > 0 && out[j - 1]->gpa > g->gpa; j--)
			out[j] = out[j - 1];
		out[j] = g;
	}
	return n;
}

/* Whether mapping g continues a run that ends at 'gpa' with host 'host'. */
static bool continues(const struct grant_map *g, uint64_t gpa, const uint8_t *host, bool ro)
{
	return g->gpa == gpa && (const uint8_t *)g->host == host && g->readonly == ro;
}

/*
 * The memslots the grant mappings want: a grant slot already set stays as
 * long as every page it covers is still mapped the same way (so a single
 * map or unmap changes one slot, not its neighbours'); the mappings it no
 * longer covers, and new ones, become maximal runs (a batch of 64 maps of
 * consecutive frames into consecutive pages is one KVM_SET_USER_MEMORY_REGION).
 */
static unsigned grant_slots(struct vmm_domain *vd, struct memslot *want)
{
	const struct grant_map *by[VMM_MAX_GRANT_MAPS];
	bool covered[VMM_MAX_GRANT_MAPS] = { false };
	unsigned nr = grants_by_gpa(vd, by), n = 0;

	for (unsigned id = 0; id < VMM_MAX_MEMSLOTS; id++) {
		const struct memslot *s = &vd->slots[id];
		if (!s->used || !s->grant)
			continue;
		unsigned first = 0, pages = (unsigned)(s->size / PAGE_SIZE), k = 0;
		while (first < nr && by[first]->gpa < s->gpa)
			first++;
		while (k < pages && first + k < nr &&
		       continues(by[first + k], s->gpa + (uint64_t)k * PAGE_SIZE,
				 (uint8_t *)s->host + (uint64_t)k * PAGE_SIZE, s->readonly))
			k++;
		if (k != pages)
			continue; /* a page of it was unmapped or changed: deleted */
		want[n++] = *s;
		for (k = 0; k < pages; k++)
			covered[first + k] = true;
	}
	for (unsigned i = 0; i < nr; i++) {
		if (covered[i])
			continue;
		struct memslot run = { .used = true, .grant = true, .gpa = by[i]->gpa,
				       .size = PAGE_SIZE, .host = by[i]->host,
				       .readonly = by[i]->readonly };
		while (i + 1 < nr && !covered[i + 1] &&
		       continues(by[i + 1], run.gpa + run.size, (uint8_t *)run.host + run.size,
				 run.readonly)) {
			run.size += PAGE_SIZE;
			i++;
		}
		want[n++] = run;
	}
	return n;
}

/*
 * Make the KVM memslots what the core's map says. Slots that changed are
 * deleted first, then the new ones added. When a page that stays mapped
 * moves to another slot (RAM cut anew), the domain's other vCPUs are held
 * out of KVM_RUN meanwhile (kvm_cpu__pause_others); otherwise another vCPU
 * may touch a page that is briefly unmapped, which ends in an MMIO exit
 * that kvm_cpu.c serves from the core's map once the change is done. The
 * caller holds the domain's memory map: a map callback of the core runs
 * with it, the builder takes it (hv_domain__mem_lock).
 */
int kvm_mem__sync(struct vmm_domain *vd)
{
	struct memslot want[GUESTMEM_MAX_REGIONS + VMM_MAX_GRANT_MAPS];
	unsigned n = 0;
	int ret = 0;

	atomic_fetch_add(&vd->memslot_gen, 1);
	const struct guestmem *gm = hv_domain__mem(vd->d);
	for (unsigned i = 0; i < gm->nr_regions; i++)
		want[n++] = (struct memslot){ .used = true, .gpa = gm->regions[i].start,
					      .size = gm->regions[i].size,
					      .host = gm->regions[i].host };
	n += grant_slots(vd, want + n);

	/*
	 * Memory that stays mapped but under another slot disappears between
	 * the delete and the add: no vCPU may run meanwhile (kvm_cpu.c,
	 * kvm_cpu__pause_others). A slot that only goes (an unmapped grant,
	 * a ballooned run on its own) or only comes needs no pause: an access
	 * to it either way is what the core's map says.
	 */
	bool paused = false;
	for (unsigned id = 0; id < VMM_MAX_MEMSLOTS && !paused; id++)
		if (vd->slots[id].used && !kept(&vd->slots[id], want, n) &&
		    remapped(&vd->slots[id], want, n)) {
			kvm_cpu__pause_others(vd);
			paused = true;
		}

	for (unsigned id = 0; id < VMM_MAX_MEMSLOTS; id++) {
		if (!vd->slots[id].used || kept(&vd->slots[id], want, n))
			continue;
		if (set_slot(vd, id, NULL) < 0) {
			ret = -1;
			goto out;
		}
		vd->slots[id].used = false;
	}
	for (unsigned j = 0; j < n; j++) {
		bool have = false;
		for (unsigned id = 0; id < VMM_MAX_MEMSLOTS && !have; id++)
			have = vd->slots[id].used && same(&want[j], &vd->slots[id]);
		if (have)
			continue;
		unsigned id = 0;
		while (id < VMM_MAX_MEMSLOTS && vd->slots[id].used)
			id++;
		if (id == VMM_MAX_MEMSLOTS) {
			vmm_domain__log(vd, "out of KVM memslots");
			ret = -1;
			goto out;
		}
		if (set_slot(vd, id, &want[j]) < 0) {
			ret = -1;
			goto out;
		}
		vd->slots[id] = want[j];
	}
out:
	atomic_fetch_add(&vd->memslot_gen, 1);
	if (paused)
		kvm_cpu__resume_others(vd);
	return ret;
}

/* hv_ops.map_special: the core moved a special page; its map is already updated. */
int kvm_mem__map_special(struct domain *d, enum guestmem_kind kind, void *host, gfn_t old_gfn,
			 bool had_old, gfn_t gfn, void *ctx)
{
	struct vmm_domain *vd = vmm__domain_of(ctx, d);

	(void)kind;
	(void)host;
	(void)old_gfn;
	(void)had_old;
	(void)gfn;
	if (!vd)
		return 0; /* not built yet: the first sync picks it up */
	return kvm_mem__sync(vd) ? -XEN_ENOMEM : 0;
}

/* Bytes the memfd has allocated (st_blocks is in 512-byte units), or 0 if unknown. */
static uint64_t memfd_bytes(struct vmm_domain *vd)
{
	struct stat st;
	return fstat(vd->memfd, &st) ? 0 : (uint64_t)st.st_blocks * 512;
}

/* Give the memfd pages behind [host, host + len) back: they read as zeros afterwards. */
static int punch(struct vmm_domain *vd, uint8_t *host, uint64_t len)
{
	uint64_t off = (uint64_t)(host - vd->ram);
	if (fallocate(vd->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)len) == 0)
		return 0;
	vmm_domain__log(vd, "cannot release guest memory at memfd offset %#llx (+%#llx): %s",
		 (unsigned long long)off, (unsigned long long)len, strerror(errno));
	return -1;
}

/*
 * Whether a grant mapping of any domain shows the host page at p. Called
 * from ram_changed, a memory_op, which holds every domain's lock: the
 * grants[] of the others change only in map_grant/unmap_grant, under them.
 */
static bool grant_mapped(struct vmm *vmm, const uint8_t *p)
{
	for (unsigned i = 0; i < HV_MAX_DOMAINS; i++) {
		struct vmm_domain *m = vmm->doms[i];
		for (unsigned j = 0; m && j < VMM_MAX_GRANT_MAPS; j++)
			if (m->grants[j].used && m->grants[j].host == p)
				return true;
	}
	return false;
}

/*
 * Give back [h, h + len) but the pages another domain still maps through a
 * grant: on Xen such a page lives on, referenced by the mapping, after the
 * granter released it, and the mapper keeps seeing its contents.
 */
static void release(struct vmm_domain *vd, uint8_t *h, uint64_t len)
{
	uint64_t run = 0;

	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		if (!grant_mapped(vd->vmm, h + off)) {
			run += PAGE_SIZE;
			continue;
		}
		if (run)
			(void)punch(vd, h + off - run, run);
		run = 0;
	}
	if (run)
		(void)punch(vd, h + len - run, run);
}

int kvm_mem__ram_changed(struct domain *d, gfn_t gfn, uint64_t nr, void *host, bool populated,
			 void *ctx)
{
	struct vmm_domain *vd = vmm__domain_of(ctx, d);
	uint8_t *h = host;
	uint64_t len = nr << PAGE_SHIFT;

	(void)gfn;
	if (!vd || h < vd->ram ||
	    len > vd->ram_size + (uint64_t)VMM_RING_PAGES * PAGE_SIZE - (uint64_t)(h - vd->ram))
		return -XEN_EINVAL; /* not memory of ours */
	if (populated) {
		/* Zeroed first, then visible to KVM. */
		if (punch(vd, h, len))
			memset(h, 0, len);
		vd->balloon_populated_pages += nr;
		return kvm_mem__sync(vd) ? -XEN_ENOMEM : 0;
	}
	/* Unmapped from KVM first, so no vCPU can fault the page back in between. */
	int ret = kvm_mem__sync(vd) ? -XEN_ENOMEM : 0;
	uint64_t before = memfd_bytes(vd);
	release(vd, h, len);
	uint64_t after = memfd_bytes(vd);
	vd->balloon_freed_bytes += before > after ? before - after : 0;
	vd->balloon_released_pages += nr;
	return ret;
}

static struct grant_map *grant_find(struct vmm_domain *vd, uint64_t at)
{
	for (unsigned i = 0; i < VMM_MAX_GRANT_MAPS; i++)
		if (vd->grants[i].used && vd->grants[i].gpa == at)
			return &vd->grants[i];
	return NULL;
}

/*
 * hv_ops.map_grant: the granter's frame becomes a page of the mapper at
 * 'at', which must be a free, page-aligned guest-physical page (the
 * FOREIGN_REG window of the fixed layout is meant for this): a memslot of
 * its own, or of a run with its neighbours when a batch maps them together.
 */
int kvm_mem__map_grant(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
		       bool readonly, void *ctx)
{
	struct vmm_domain *vd = vmm__domain_of(ctx, mapper);
	const struct guestmem_region *r =
		guestmem__lookup(hv_domain__mem(granter), gfn_to_gpa(frame));

	if (!vd || !r || r->kind != GUESTMEM_RAM)
		return GNTST_general_error;
	if (gpa_page_offset(at) || gpa_val(at) >> GUESTMEM_MAXPHYADDR)
		return GNTST_general_error;
	if (guestmem__lookup(hv_domain__mem(mapper), at) || grant_find(vd, gpa_val(at)))
		return GNTST_general_error; /* something is there already */
	struct grant_map *g = NULL;
	for (unsigned i = 0; i < VMM_MAX_GRANT_MAPS && !g; i++)
		if (!vd->grants[i].used)
			g = &vd->grants[i];
	if (!g)
		return GNTST_no_device_space; /* the core's max_host_maps stops this first */
	*g = (struct grant_map){ .used = true, .gpa = gpa_val(at), .readonly = readonly,
				 .host = r->host + (gpa_val(gfn_to_gpa(frame)) - r->start) };
	if (vd->grant_batch) {
		vd->grants_dirty = true; /* the memslot comes when the batch ends */
		return 0;
	}
	if (kvm_mem__sync(vd)) {
		g->used = false;
		(void)kvm_mem__sync(vd);
		return GNTST_general_error;
	}
	return 0;
}

int kvm_mem__unmap_grant(struct domain *mapper, gpa_t at, struct domain *granter, gfn_t frame,
			 void *ctx)
{
	struct vmm_domain *vd = vmm__domain_of(ctx, mapper);

	(void)granter;
	(void)frame;
	if (!vd)
		return 0;
	struct grant_map *g = grant_find(vd, gpa_val(at));
	if (!g)
		return 0; /* never mapped by us (the domain was being built) */
	g->used = false;
	if (vd->grant_batch) {
		vd->grants_dirty = true;
		return 0;
	}
	return kvm_mem__sync(vd) ? GNTST_general_error : 0;
}

/*
 * A batch of maps or unmaps (hv_ops.grant_batch), under the mapper's lock
 * like each map and unmap: while it is open they only record the mapping,
 * and the memslots follow once at its end (the core releases the unmapped
 * grants only after that, as Xen flushes before unmap_common_complete).
 * Only KVM can fail then (its memory for the slots; everything it could
 * refuse was checked when each entry was recorded): the domain's view of
 * its memory is then unknown, so it is stopped, as a crash with the reason.
 */
void kvm_mem__grant_batch(struct domain *mapper, bool open, void *ctx)
{
	struct vmm_domain *vd = vmm__domain_of(ctx, mapper);

	if (!vd)
		return;
	if (open) {
		vd->grant_batch = true;
		return;
	}
	vd->grant_batch = false;
	if (!vd->grants_dirty)
		return;
	vd->grants_dirty = false;
	if (kvm_mem__sync(vd))
		vmm_domain__stop(vd, VMM_EXIT_CRASH, "KVM refused the memslots of a batch of grant "
				 "mappings (above)");
}
