/*
 * The PVH loader: an ELF32 or ELF64 x86 image whose XEN_ELFNOTE_PHYS32_ENTRY
 * note (in a PT_NOTE segment, or in a SHT_NOTE section) gives the 32-bit
 * physical entry point. PT_LOAD segments go to their physical addresses in
 * guest RAM. Every size and offset is checked against the file and RAM
 * before it is used; each refusal names the file and the problem.
 *
 * The container. For a PVH kernel Xen's toolstack takes the ELF class from
 * the image alone (tools/libs/guest/xg_dom_elfloader.c: xc_dom_guest_type
 * answers "hvm-3.0-x86_32" for any image with a PHYS32_ENTRY note before it
 * looks at e_machine; xen/common/libelf/libelf-dominfo.c elf_xen_note_check
 * asks nothing more of a PVH image), and libelf reads ELF32 and ELF64
 * headers alike (libelf-loader.c elf_init). The CPU starts in 32-bit mode
 * whatever the container says, so a 64-bit kernel packaged as ELF32 with
 * e_machine EM_X86_64 (`objcopy -O elf32-x86-64`, an x32 container) boots
 * on Xen, and so does ELF64 with EM_386. Both x86 machines are accepted in
 * both classes here. Xen does not refuse other machines or big-endian
 * images for PVH (libelf byte-swaps, libelf-private.h); they cannot run on
 * an x86 vCPU, so they are refused up front with the reason instead of
 * crashing at the first instruction.
 *
 * Nothing of the VMM's lies in or below the image: the domain builder puts
 * the modules and hvm_start_info after its end (pvh.c), so a kernel may be
 * linked anywhere in RAM below 4 GiB, physical address 0 included.
 */
#include <stdint.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/elfnote.h>

#include "vmm.h"

/* A kernel file larger than this is refused before it is read. */
#define ELF_MAX_FILE (1ull << 30)

struct image {
	const char *path;
	const uint8_t *data;
	uint64_t size;
	bool is64;
	char *err;
	size_t errlen;
};

/* Program and section headers of either class, widened. */
struct phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};
struct shdr {
	uint32_t type;
	uint64_t offset, size;
};

__attribute__((format(printf, 2, 3))) static int fail(struct image *im, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(im->err, im->errlen, "%s: ", im->path);

	if (n < 0 || (size_t)n >= im->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(im->err + n, im->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* [off, off + len) lies inside the file. */
static bool in_file(const struct image *im, uint64_t off, uint64_t len)
{
	return off <= im->size && len <= im->size - off;
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386: return "i386";
	case EM_X86_64: return "x86-64";
	case EM_ARM: return "ARM";
	case EM_AARCH64: return "AArch64";
	case EM_RISCV: return "RISC-V";
	case EM_PPC: return "PowerPC";
	case EM_PPC64: return "PowerPC64";
	case EM_S390: return "s390";
	case EM_MIPS: return "MIPS";
	case EM_SPARCV9: return "SPARC64";
	default: return "another architecture";
	}
}

static void get_phdr(const struct image *im, uint64_t off, struct phdr *p)
{
	if (im->is64) {
		Elf64_Phdr h;
		memcpy(&h, im->data + off, sizeof(h));
		*p = (struct phdr){ h.p_type, h.p_offset, h.p_paddr, h.p_filesz, h.p_memsz };
	} else {
		Elf32_Phdr h;
		memcpy(&h, im->data + off, sizeof(h));
		*p = (struct phdr){ h.p_type, h.p_offset, h.p_paddr, h.p_filesz, h.p_memsz };
	}
}

static void get_shdr(const struct image *im, uint64_t off, struct shdr *s)
{
	if (im->is64) {
		Elf64_Shdr h;
		memcpy(&h, im->data + off, sizeof(h));
		*s = (struct shdr){ h.sh_type, h.sh_offset, h.sh_size };
	} else {
		Elf32_Shdr h;
		memcpy(&h, im->data + off, sizeof(h));
		*s = (struct shdr){ h.sh_type, h.sh_offset, h.sh_size };
	}
}

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~3ull;
}

/*
 * Look for the PVH note in the notes at [off, off + len). 1 found (*entry
 * set), 0 not there, -1 malformed (err set).
 */
static int scan_notes(struct image *im, uint64_t off, uint64_t len, const char *where,
		      uint32_t *entry)
{
	if (!in_file(im, off, len))
		return fail(im, "truncated: %s at offset %#llx (%llu bytes) runs past the end of "
			    "the file (%llu bytes)", where, (unsigned long long)off,
			    (unsigned long long)len, (unsigned long long)im->size);
	uint64_t pos = 0;
	while (len - pos >= 12) {
		uint32_t namesz, descsz, type;
		memcpy(&namesz, im->data + off + pos, 4);
		memcpy(&descsz, im->data + off + pos + 4, 4);
		memcpy(&type, im->data + off + pos + 8, 4);
		uint64_t name_off = pos + 12;
		uint64_t desc_off = name_off + align4(namesz);
		uint64_t next = desc_off + align4(descsz);
		if (next > len)
			return fail(im, "malformed note in %s: a note at offset %#llx runs past its end",
				    where, (unsigned long long)(off + pos));
		if (namesz == 4 && memcmp(im->data + off + name_off, "Xen", 4) == 0 &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY) {
			uint64_t v;
			if (descsz == 4) {
				uint32_t v32;
				memcpy(&v32, im->data + off + desc_off, 4);
				v = v32;
			} else if (descsz == 8) {
				memcpy(&v, im->data + off + desc_off, 8);
			} else {
				return fail(im, "XEN_ELFNOTE_PHYS32_ENTRY has %u bytes, not 4 or 8", descsz);
			}
			if (v > UINT32_MAX)
				return fail(im, "XEN_ELFNOTE_PHYS32_ENTRY %#llx is above 4 GiB: not a "
					    "32-bit entry point", (unsigned long long)v);
			*entry = (uint32_t)v;
			return 1;
		}
		pos = next;
	}
	return 0;
}

static int check_header(struct image *im, uint64_t *phoff, unsigned *phnum, uint64_t *shoff,
			unsigned *shnum, uint64_t *shentsize)
{
	if (im->size < EI_NIDENT || memcmp(im->data, ELFMAG, SELFMAG) != 0)
		return fail(im, "not an ELF file (no \\177ELF magic): a PVH kernel must be an ELF image");
	unsigned cls = im->data[EI_CLASS];
	if (cls != ELFCLASS32 && cls != ELFCLASS64)
		return fail(im, "unknown ELF class %u (neither ELF32 nor ELF64)", cls);
	if (im->data[EI_DATA] != ELFDATA2LSB)
		return fail(im, "big-endian ELF: not an x86 kernel");
	im->is64 = cls == ELFCLASS64;
	size_t ehsize = im->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (im->size < ehsize)
		return fail(im, "truncated: the ELF header needs %zu bytes, the file has %llu",
			    ehsize, (unsigned long long)im->size);

	unsigned machine, type, phentsize;
	if (im->is64) {
		Elf64_Ehdr h;
		memcpy(&h, im->data, sizeof(h));
		machine = h.e_machine, type = h.e_type, phentsize = h.e_phentsize;
		*phoff = h.e_phoff, *phnum = h.e_phnum;
		*shoff = h.e_shoff, *shnum = h.e_shnum, *shentsize = h.e_shentsize;
	} else {
		Elf32_Ehdr h;
		memcpy(&h, im->data, sizeof(h));
		machine = h.e_machine, type = h.e_type, phentsize = h.e_phentsize;
		*phoff = h.e_phoff, *phnum = h.e_phnum;
		*shoff = h.e_shoff, *shnum = h.e_shnum, *shentsize = h.e_shentsize;
	}
	/* Either x86 machine in either class: the entry is 32-bit code in both. */
	if (machine != EM_386 && machine != EM_X86_64)
		return fail(im, "wrong machine: an ELF%d image for %s (e_machine %u); fastabi runs "
			    "x86 kernels (e_machine i386 or x86-64, ELF32 or ELF64)",
			    im->is64 ? 64 : 32, machine_name(machine), machine);
	if (type != ET_EXEC && type != ET_DYN)
		return fail(im, "not an executable (ELF type %u): link the kernel as an executable",
			    type);
	size_t want_ph = im->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (*phnum == 0)
		return fail(im, "no program headers: nothing to load");
	if (phentsize != want_ph)
		return fail(im, "program header entries of %u bytes, expected %zu", phentsize, want_ph);
	if (!in_file(im, *phoff, (uint64_t)*phnum * want_ph))
		return fail(im, "truncated: the program headers (offset %#llx, %u entries) run past "
			    "the end of the file (%llu bytes)", (unsigned long long)*phoff, *phnum,
			    (unsigned long long)im->size);
	return 0;
}

static int find_entry(struct image *im, uint64_t phoff, unsigned phnum, uint64_t shoff,
		      unsigned shnum, uint64_t shentsize, uint32_t *entry)
{
	size_t phsz = im->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t shsz = im->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	char where[64];

	for (unsigned i = 0; i < phnum; i++) {
		struct phdr p;
		get_phdr(im, phoff + (uint64_t)i * phsz, &p);
		if (p.type != PT_NOTE)
			continue;
		snprintf(where, sizeof(where), "the PT_NOTE segment %u", i);
		int r = scan_notes(im, p.offset, p.filesz, where, entry);
		if (r)
			return r < 0 ? -1 : 0;
	}
	/* Some linkers leave notes out of PT_NOTE: look at the sections too. */
	if (shoff && shnum && shentsize == shsz && in_file(im, shoff, (uint64_t)shnum * shsz)) {
		for (unsigned i = 0; i < shnum; i++) {
			struct shdr s;
			get_shdr(im, shoff + (uint64_t)i * shsz, &s);
			if (s.type != SHT_NOTE)
				continue;
			snprintf(where, sizeof(where), "the note section %u", i);
			int r = scan_notes(im, s.offset, s.size, where, entry);
			if (r)
				return r < 0 ? -1 : 0;
		}
	}
	snprintf(im->err, im->errlen, "%s has no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel",
		 im->path);
	return -1;
}

static int load_segments(struct image *im, struct vmm_domain *vd, uint64_t phoff, unsigned phnum,
			 uint32_t entry)
{
	size_t phsz = im->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	unsigned loaded = 0;
	bool entry_inside = false;
	uint64_t image_end = 0;

	/* Check every segment before writing any. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < phnum; i++) {
			struct phdr p;
			get_phdr(im, phoff + (uint64_t)i * phsz, &p);
			if (p.type != PT_LOAD || p.memsz == 0)
				continue;
			uint64_t end = p.paddr + p.memsz;
			if (pass == 0) {
				if (p.filesz > p.memsz)
					return fail(im, "segment %u: %llu bytes in the file but only %llu in "
						    "memory", i, (unsigned long long)p.filesz,
						    (unsigned long long)p.memsz);
				if (!in_file(im, p.offset, p.filesz))
					return fail(im, "truncated: segment %u (offset %#llx, %llu bytes) "
						    "runs past the end of the file (%llu bytes)", i,
						    (unsigned long long)p.offset,
						    (unsigned long long)p.filesz,
						    (unsigned long long)im->size);
				if (end < p.paddr || !kvm_mem__ram(vd, p.paddr, p.memsz))
					return fail(im, "segment %u (physical %#llx-%#llx) lies outside guest "
						    "RAM (%llu MiB; see --memory)", i,
						    (unsigned long long)p.paddr,
						    (unsigned long long)(end - 1),
						    (unsigned long long)vd->cfg.memory_mib);
				if (end > image_end)
					image_end = end;
				if (entry >= p.paddr && entry < end)
					entry_inside = true;
				loaded++;
			} else {
				uint8_t *dst = kvm_mem__ram(vd, p.paddr, p.memsz);
				memcpy(dst, im->data + p.offset, p.filesz);
				memset(dst + p.filesz, 0, p.memsz - p.filesz);
			}
		}
		if (pass == 0 && !loaded)
			return fail(im, "no loadable (PT_LOAD) segments");
		if (pass == 0 && !entry_inside)
			return fail(im, "the PVH entry point %#x is not inside any loaded segment", entry);
	}
	/* What the domain builder places goes after this (pvh.c). */
	vd->kernel_end = image_end;
	return 0;
}

int elf__load(struct vmm_domain *vd, const char *path, char *err, size_t errlen)
{
	struct image im = { .path = path, .err = err, .errlen = errlen };
	struct stat st;
	uint8_t *buf = NULL;
	int ret = -1;

	/*
	 * O_NONBLOCK: a FIFO (or a device) must not hang the open; it is refused
	 * below as a directory is. It changes nothing for a regular file.
	 */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fail(&im, "cannot open the kernel: %s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		fail(&im, "cannot stat the kernel: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(&im, "not a regular file");
		goto out;
	}
	if (st.st_size == 0) {
		fail(&im, "empty file: not an ELF kernel");
		goto out;
	}
	if ((uint64_t)st.st_size > ELF_MAX_FILE) {
		fail(&im, "%llu bytes: larger than any kernel fastabi loads (1 GiB)",
		     (unsigned long long)st.st_size);
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		fail(&im, "out of memory reading the kernel");
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(&im, "cannot read the kernel: %s", n < 0 ? strerror(errno) : "short read");
			goto out;
		}
		got += (size_t)n;
	}
	im.data = buf;
	im.size = got;

	uint64_t phoff = 0, shoff = 0, shentsize = 0;
	unsigned phnum = 0, shnum = 0;
	uint32_t entry = 0;
	if (check_header(&im, &phoff, &phnum, &shoff, &shnum, &shentsize) ||
	    find_entry(&im, phoff, phnum, shoff, shnum, shentsize, &entry) ||
	    load_segments(&im, vd, phoff, phnum, entry))
		goto out;
	vd->entry = entry;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}
