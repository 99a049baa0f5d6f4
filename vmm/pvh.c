/*
 * PVH boot: the domain builder's placement of the boot modules and
 * hvm_start_info (version 1, with the memory map) after the kernel, and
 * vCPU 0 in 32-bit flat protected mode with paging off at the kernel's
 * XEN_ELFNOTE_PHYS32_ENTRY, %ebx pointing at hvm_start_info, as Xen's PVH
 * ABI describes. Secondary vCPUs start from the context the guest gave
 * VCPUOP_initialise.
 *
 * Where things go, as Xen's toolstack does it. xc_dom_build_image
 * (tools/libs/guest/xg_dom_core.c) allocates segments one after the other
 * with xc_dom_alloc_segment, each starting on a page boundary and rounded
 * up to whole zeroed pages: first the kernel (from its lowest to its
 * highest PT_LOAD address), then each module in order (xc_dom_build_module;
 * libxl makes the ramdisk module 0), then alloc_magic_pages_hvm
 * (xg_dom_x86.c) allocates one segment for the start info, which
 * bootlate_hvm fills: struct hvm_start_info, the kernel command line
 * (rounded up to 8 bytes), the module list, the modules' command lines and
 * the memory map, in that order, version 1, magic XEN_HVM_START_MAGIC_VALUE,
 * no RSDP without ACPI. Xen's own PVH dom0 builder does the same
 * (xen/arch/x86/hvm/dom0_build.c: the initrd at the page after the kernel's
 * end, the start info after it). Nothing the VMM writes lies below or inside
 * the kernel image, so a guest may unmap everything below its .text before
 * it reads the start info, and a kernel may be linked at address 0.
 *
 * Where this differs from libxc: the module list and the modules' command
 * lines take the room they need (libxc reserves 2 entries and 2 x 1024
 * bytes: HVMLOADER_MODULE_MAX_COUNT), up to VMM_MAX_MODULES modules; and a
 * module's size is its length in bytes (libxc reports the page-rounded
 * segment, Xen's dom0 builder the length). An empty module is left out of
 * the list, as add_module_to_list does. Everything stays below 4 GiB
 * (start_info.h: "Xen on x86 will always try to place all the data below
 * the 4GiB boundary"), where a 32-bit guest with paging off reaches it.
 */
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <xen/arch-x86/hvm/start_info.h>

#include <fastabi/x86.h>

#include "vmm.h"

/*
 * The ring pages (ring__setup) and the fixed layout's special pages lie in
 * the hole below 4 GiB and above 4 GiB, never in the RAM below 3 GiB where
 * everything here is placed.
 */
_Static_assert(VMM_STORE_GPA >= VMM_LOW_RAM_END, "the ring pages are in low RAM");

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

static uint64_t round8(uint64_t v)
{
	return (v + 7) & ~7ull;
}

/*
 * The next segment: len bytes at *next, which must lie in RAM below 4 GiB;
 * *next moves past its last page. The host address, or NULL with err set.
 */
static uint8_t *place(struct vmm_domain *vd, uint64_t *next, uint64_t len, const char *what,
		      char *err, size_t errlen)
{
	uint64_t at = *next, pages = page_up(len);
	uint64_t low_end = vd->ram_size < VMM_LOW_RAM_END ? vd->ram_size : VMM_LOW_RAM_END;
	uint8_t *host = NULL;

	if (at < low_end && pages <= low_end - at)
		host = kvm_mem__ram(vd, at, pages);
	if (!host) {
		snprintf(err, errlen, "%s: %llu bytes do not fit at %#llx, after the kernel "
			 "(which ends at %#llx)%s: guest RAM below 4 GiB ends at %#llx (%llu MiB; "
			 "see --memory)", what, (unsigned long long)len, (unsigned long long)at,
			 (unsigned long long)vd->kernel_end,
			 at > page_up(vd->kernel_end) ? " and the modules before it" : "",
			 (unsigned long long)low_end, (unsigned long long)vd->cfg.memory_mib);
		return NULL;
	}
	memset(host, 0, pages); /* whole zeroed pages, as xc_dom_alloc_segment */
	*next = at + pages;
	return host;
}

/* The modules in Xen's order: the ramdisk, then each --module. */
static int open_modules(struct vmm_domain *vd, struct module_file *m, unsigned *nr, char *err,
			size_t errlen)
{
	const struct vmm_domain_config *c = &vd->cfg;

	*nr = 0;
	if (c->nr_modules > VMM_MAX_MODULES - 1) {
		snprintf(err, errlen, "%u modules: at most %u besides the ramdisk", c->nr_modules,
			 VMM_MAX_MODULES - 1);
		return -1;
	}
	if (c->ramdisk && module__open(&m[(*nr)++], "--ramdisk", c->ramdisk, NULL, err, errlen))
		return -1;
	for (unsigned i = 0; i < c->nr_modules; i++)
		if (module__open(&m[(*nr)++], "--module", c->modules[i].path, c->modules[i].cmdline,
				 err, errlen))
			return -1;
	return 0;
}

static int build(struct vmm_domain *vd, struct module_file *mods, unsigned nr_files, char *err,
		 size_t errlen)
{
	const char *cmdline = vd->cfg.cmdline;
	struct hvm_modlist_entry modlist[VMM_MAX_MODULES];
	struct hvm_memmap_table_entry memmap[HV_MEMMAP_MAX];
	unsigned nr_mods = 0, nr_memmap = 0;
	uint64_t next = page_up(vd->kernel_end);
	char what[PATH_MAX + 32];

	if (cmdline && strlen(cmdline) > PVH_CMDLINE_MAX) {
		snprintf(err, errlen, "--cmdline is too long: %zu bytes, at most %llu",
			 strlen(cmdline), (unsigned long long)PVH_CMDLINE_MAX);
		return -1;
	}
	/*
	 * The modules, each from a page boundary, right after the kernel. Every
	 * placement starts at the kernel's end: no segment can overlap it.
	 */
	for (unsigned i = 0; i < nr_files; i++) {
		struct module_file *m = &mods[i];
		if (!m->size)
			continue; /* left out of the list, as Xen's add_module_to_list does */
		snprintf(what, sizeof(what), "%s %s (module %u)", m->option, m->path, nr_mods);
		uint64_t at = next;
		uint8_t *host = place(vd, &next, m->size, what, err, errlen);
		if (!host || module__read(m, host, err, errlen))
			return -1;
		modlist[nr_mods++] = (struct hvm_modlist_entry){ .paddr = at, .size = m->size };
	}

	/* The memory map the core serves through XENMEM_memory_map too. */
	struct hv_memmap_entry map[HV_MEMMAP_MAX];
	unsigned n = hv_domain__memmap(vd->d, map, HV_MEMMAP_MAX);
	for (unsigned i = 0; i < n; i++)
		memmap[nr_memmap++] = (struct hvm_memmap_table_entry){
			.addr = map[i].addr, .size = map[i].size, .type = map[i].type,
		};

	/* The start info segment: bootlate_hvm's order, every piece 8-byte aligned. */
	uint64_t cmdline_off = sizeof(struct hvm_start_info);
	uint64_t modlist_off = cmdline_off + (cmdline ? round8(strlen(cmdline) + 1) : 0);
	uint64_t modcmd_off = modlist_off + nr_mods * sizeof(struct hvm_modlist_entry);
	uint64_t memmap_off = modcmd_off;
	for (unsigned i = 0; i < nr_files; i++)
		if (mods[i].size && mods[i].cmdline)
			memmap_off += round8(strlen(mods[i].cmdline) + 1);
	uint64_t total = memmap_off + nr_memmap * sizeof(struct hvm_memmap_table_entry);
	uint64_t base = next;
	uint8_t *seg = place(vd, &next, total, "hvm_start_info", err, errlen);
	if (!seg)
		return -1;

	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = 1, /* what Xen 4.17's bootlate_hvm writes: with the memory map */
		.nr_modules = nr_mods,
		.modlist_paddr = nr_mods ? base + modlist_off : 0,
		.cmdline_paddr = cmdline ? base + cmdline_off : 0,
		.memmap_paddr = nr_memmap ? base + memmap_off : 0,
		.memmap_entries = nr_memmap,
	};
	if (cmdline)
		memcpy(seg + cmdline_off, cmdline, strlen(cmdline) + 1);
	uint64_t cpos = modcmd_off;
	for (unsigned i = 0, j = 0; i < nr_files; i++) {
		if (!mods[i].size)
			continue;
		if (mods[i].cmdline) {
			memcpy(seg + cpos, mods[i].cmdline, strlen(mods[i].cmdline) + 1);
			modlist[j].cmdline_paddr = base + cpos;
			cpos += round8(strlen(mods[i].cmdline) + 1);
		}
		j++;
	}
	memcpy(seg, &si, sizeof(si));
	memcpy(seg + modlist_off, modlist, nr_mods * sizeof(modlist[0]));
	memcpy(seg + memmap_off, memmap, nr_memmap * sizeof(memmap[0]));
	vd->start_info_gpa = base;
	return 0;
}

int pvh__setup(struct vmm_domain *vd, char *err, size_t errlen)
{
	struct module_file mods[VMM_MAX_MODULES];
	unsigned nr = 0;

	/* Every file is checked before anything is placed. */
	int ret = open_modules(vd, mods, &nr, err, errlen);
	if (!ret)
		ret = build(vd, mods, nr, err, errlen);
	for (unsigned i = 0; i < nr; i++)
		module__close(&mods[i]);
	return ret;
}

static struct kvm_segment flat(uint16_t sel, uint8_t type, bool l)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type, .present = 1,
		.dpl = 0, .db = !l, .s = 1, .l = l, .g = 1,
	};
}

static struct kvm_segment busy_tss(void)
{
	return (struct kvm_segment){ .limit = 0x67, .type = X86_DESC_TSS_BUSY, .present = 1 };
}

static int set_state(struct vmm_vcpu *vc, struct kvm_sregs *s, struct kvm_regs *r)
{
	if (ioctl(vc->fd, KVM_SET_SREGS, s) < 0 || ioctl(vc->fd, KVM_SET_REGS, r) < 0) {
		vmm_vcpu__log(vc, "cannot set the boot registers: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int pvh__boot_vcpu(struct vmm_vcpu *vc)
{
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };

	if (ioctl(vc->fd, KVM_GET_SREGS, &s) < 0) {
		util__err("KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	s.cs = flat(0x08, X86_SEG_TYPE_CODE, false);
	s.ds = s.es = s.fs = s.gs = s.ss = flat(0x10, X86_SEG_TYPE_DATA, false);
	s.tr = busy_tss();
	s.ldt = (struct kvm_segment){ .type = X86_DESC_LDT, .present = 1, .unusable = 1 };
	s.gdt = (struct kvm_dtable){ 0 };
	s.idt = (struct kvm_dtable){ 0 };
	s.cr0 = X86_CR0_PE | X86_CR0_ET;
	s.cr3 = s.cr4 = s.efer = 0;
	r.rip = vc->dom->entry;
	r.rflags = X86_RFLAGS_FIXED;
	r.rbx = vc->dom->start_info_gpa;
	return set_state(vc, &s, &r);
}

/* Xen's packed segment attributes (type, s, dpl, p, avl, l, db, g) into KVM's. */
static struct kvm_segment seg(uint32_t base, uint32_t limit, uint16_t ar)
{
	return (struct kvm_segment){
		.base = base, .limit = limit, .type = ar & 0xf, .s = (ar >> 4) & 1,
		.dpl = (ar >> 5) & 3, .present = (ar >> 7) & 1, .avl = (ar >> 8) & 1,
		.l = (ar >> 9) & 1, .db = (ar >> 10) & 1, .g = (ar >> 11) & 1,
		.unusable = !((ar >> 7) & 1),
	};
}

int pvh__load_context(struct vmm_vcpu *vc, const struct vcpu_hvm_context *ctx)
{
	struct kvm_sregs s;
	struct kvm_regs r = { 0 };

	if (ioctl(vc->fd, KVM_GET_SREGS, &s) < 0) {
		vmm_vcpu__log(vc, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	s.ldt = (struct kvm_segment){ .type = X86_DESC_LDT, .present = 1, .unusable = 1 };
	s.gdt = (struct kvm_dtable){ 0 };
	s.idt = (struct kvm_dtable){ 0 };
	if (ctx->mode == VCPU_HVM_MODE_32B) {
		const struct vcpu_hvm_x86_32 *c = &ctx->cpu_regs.x86_32;
		r = (struct kvm_regs){ .rax = c->eax, .rcx = c->ecx, .rdx = c->edx, .rbx = c->ebx,
				       .rsp = c->esp, .rbp = c->ebp, .rsi = c->esi, .rdi = c->edi,
				       .rip = c->eip, .rflags = c->eflags | X86_RFLAGS_FIXED };
		s.cr0 = c->cr0;
		s.cr3 = c->cr3;
		s.cr4 = c->cr4;
		s.efer = c->efer;
		s.cs = seg(c->cs_base, c->cs_limit, c->cs_ar);
		s.ds = seg(c->ds_base, c->ds_limit, c->ds_ar);
		s.ss = seg(c->ss_base, c->ss_limit, c->ss_ar);
		s.es = seg(c->es_base, c->es_limit, c->es_ar);
		s.fs = s.gs = s.ds;
		s.tr = c->tr_ar ? seg(c->tr_base, c->tr_limit, c->tr_ar) : busy_tss();
	} else {
		const struct vcpu_hvm_x86_64 *c = &ctx->cpu_regs.x86_64;
		r = (struct kvm_regs){ .rax = c->rax, .rcx = c->rcx, .rdx = c->rdx, .rbx = c->rbx,
				       .rsp = c->rsp, .rbp = c->rbp, .rsi = c->rsi, .rdi = c->rdi,
				       .rip = c->rip, .rflags = c->rflags | X86_RFLAGS_FIXED };
		s.cr0 = c->cr0;
		s.cr3 = c->cr3;
		s.cr4 = c->cr4;
		s.efer = c->efer;
		s.cs = flat(0, X86_SEG_TYPE_CODE, true);
		s.ds = s.es = s.fs = s.gs = s.ss = flat(0, X86_SEG_TYPE_DATA, false);
		s.tr = busy_tss();
	}
	if ((s.efer & X86_EFER_LME) && (s.cr0 & X86_CR0_PG))
		s.efer |= X86_EFER_LMA;
	return set_state(vc, &s, &r);
}
