/*
 * elfcheck ELF CLASS [MACHINE [LOAD]]: check that a guest program is a
 * kernel the PVH loader can boot, before any VMM runs it: the ELF class
 * CLASS (32 or 64), e_machine MACHINE (i386 or x86-64; by default the
 * class's own), loadable segments at or above LOAD starting at LOAD (by
 * default 1 MiB), and a PT_NOTE segment with the note "Xen" /
 * XEN_ELFNOTE_PHYS32_ENTRY whose address is e_entry and lies in an
 * executable segment. Prints what it found; exit 0 or 1.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>

struct seg {
	uint32_t type, flags;
	uint64_t offset, paddr, vaddr, filesz, memsz;
};

static int fail(const char *path, const char *why)
{
	fprintf(stderr, "%s: %s\n", path, why);
	return 1;
}

static uint64_t rd(const unsigned char *p, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: elfcheck ELF 32|64 [i386|x86-64 [LOAD_ADDR]]\n");
		return 2;
	}
	const char *path = argv[1];
	int bits = atoi(argv[2]);
	unsigned want_machine = bits == 64 ? EM_X86_64 : EM_386;
	if (argc > 3)
		want_machine = !strcmp(argv[3], "x86-64") ? EM_X86_64 : EM_386;
	uint64_t load_addr = argc > 4 ? strtoull(argv[4], NULL, 0) : 0x100000u;

	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(path, "cannot open");
	static unsigned char img[4 << 20];
	size_t len = fread(img, 1, sizeof(img), f);
	fclose(f);

	if (len < sizeof(Elf32_Ehdr) || memcmp(img, ELFMAG, SELFMAG))
		return fail(path, "not an ELF file");
	int cls = img[EI_CLASS] == ELFCLASS64 ? 64 : img[EI_CLASS] == ELFCLASS32 ? 32 : 0;
	if (cls != bits)
		return fail(path, "wrong ELF class");

	uint64_t entry, phoff;
	unsigned phnum, phentsize, machine;
	if (cls == 64) {
		const Elf64_Ehdr *eh = (const void *)img;
		entry = eh->e_entry, phoff = eh->e_phoff, phnum = eh->e_phnum;
		phentsize = eh->e_phentsize, machine = eh->e_machine;
	} else {
		const Elf32_Ehdr *eh = (const void *)img;
		entry = eh->e_entry, phoff = eh->e_phoff, phnum = eh->e_phnum;
		phentsize = eh->e_phentsize, machine = eh->e_machine;
	}
	if (machine != want_machine)
		return fail(path, "wrong machine");
	printf("ELF%d, e_machine %s\n", cls, machine == EM_X86_64 ? "x86-64" : "i386");
	if (phoff + (uint64_t)phnum * phentsize > len || !phnum)
		return fail(path, "bad program headers");

	struct seg segs[16];
	unsigned nseg = 0;
	for (unsigned i = 0; i < phnum && nseg < 16; i++) {
		const unsigned char *p = img + phoff + (uint64_t)i * phentsize;
		struct seg *s = &segs[nseg++];
		if (cls == 64) {
			const Elf64_Phdr *ph = (const void *)p;
			*s = (struct seg){ ph->p_type, ph->p_flags, ph->p_offset, ph->p_paddr,
					   ph->p_vaddr, ph->p_filesz, ph->p_memsz };
		} else {
			const Elf32_Phdr *ph = (const void *)p;
			*s = (struct seg){ ph->p_type, ph->p_flags, ph->p_offset, ph->p_paddr,
					   ph->p_vaddr, ph->p_filesz, ph->p_memsz };
		}
		if (s->offset + s->filesz > len)
			return fail(path, "a segment lies beyond the file");
	}

	int bad = 0, loads = 0, found_note = 0;
	uint64_t lowest = UINT64_MAX, pvh_entry = 0;
	for (unsigned i = 0; i < nseg; i++) {
		struct seg *s = &segs[i];
		if (s->type == PT_LOAD) {
			loads++;
			printf("LOAD paddr %#llx filesz %#llx memsz %#llx %c%c%c\n",
			       (unsigned long long)s->paddr, (unsigned long long)s->filesz,
			       (unsigned long long)s->memsz, s->flags & PF_R ? 'R' : '-',
			       s->flags & PF_W ? 'W' : '-', s->flags & PF_X ? 'X' : '-');
			if (s->paddr < load_addr)
				bad = fail(path, "a segment below the load address");
			if (s->memsz < s->filesz)
				bad = fail(path, "memsz < filesz");
			if ((s->flags & (PF_W | PF_X)) == (PF_W | PF_X))
				bad = fail(path, "a writable and executable segment");
			if (s->paddr < lowest)
				lowest = s->paddr;
			for (unsigned j = 0; j < i; j++)
				if (segs[j].type == PT_LOAD && s->paddr < segs[j].paddr + segs[j].memsz &&
				    segs[j].paddr < s->paddr + s->memsz)
					bad = fail(path, "overlapping segments");
		} else if (s->type == PT_NOTE) {
			const unsigned char *n = img + s->offset, *end = n + s->filesz;
			while (n + 12 <= end) {
				uint32_t namesz = (uint32_t)rd(n, 4), descsz = (uint32_t)rd(n + 4, 4);
				uint32_t type = (uint32_t)rd(n + 8, 4);
				const unsigned char *name = n + 12;
				const unsigned char *desc = name + ((namesz + 3) & ~3u);
				if (desc + descsz > end)
					break;
				if (namesz == 4 && !memcmp(name, "Xen", 4) &&
				    type == XEN_ELFNOTE_PHYS32_ENTRY &&
				    (descsz == 4 || descsz == 8)) {
					found_note = 1;
					pvh_entry = rd(desc, descsz);
				}
				n = desc + ((descsz + 3) & ~3u);
			}
		}
	}
	if (!loads)
		bad = fail(path, "no PT_LOAD segment");
	else if (lowest != load_addr)
		bad = fail(path, "the image does not start at the load address");
	if (!found_note)
		return fail(path, "no Xen PHYS32_ENTRY note in a PT_NOTE segment");
	printf("PVH entry %#llx, e_entry %#llx\n", (unsigned long long)pvh_entry,
	       (unsigned long long)entry);
	if (pvh_entry != entry)
		bad = fail(path, "the PVH entry is not e_entry");
	int in_text = 0;
	for (unsigned i = 0; i < nseg; i++)
		if (segs[i].type == PT_LOAD && (segs[i].flags & PF_X) && pvh_entry >= segs[i].paddr &&
		    pvh_entry < segs[i].paddr + segs[i].filesz)
			in_text = 1;
	if (!in_text)
		bad = fail(path, "the PVH entry is not in an executable segment");
	if (pvh_entry > UINT32_MAX)
		bad = fail(path, "the PVH entry is above 4 GiB");
	return bad;
}
