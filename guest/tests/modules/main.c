/*
 * Boot modules, as Xen's domain builder hands them over (docs/vmm.md). Run
 * with --ramdisk (module 0, no command line) and two --module files with
 * command lines, the first given before the ramdisk and the second as
 * --module=FILE,CMDLINE with a comma inside the command line. The files
 * come from gen-module.py at build time. Checks nr_modules and the module
 * list; each module's place (a page boundary after the image, in order,
 * none overlapping the one before), its size, every byte and the zeroed
 * rest of its last page; each command line; and that the start info
 * follows the last module, as in Xen's order of segments.
 */
#include "guest.h"

const char test_title[] = "modules";

static const struct {
	unsigned seed;     /* gen-module.py's SEED */
	uint64_t size;     /* and SIZE (guest/tests/meson.build) */
	const char *cmdline;
} want[] = {
	{ 1, 5000, NULL },                  /* --ramdisk */
	{ 2, 4096, "first module arg=1" },  /* --module FILE,first module arg=1 */
	{ 3, 77, "second,module" },         /* --module=FILE,second,module */
};

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

/* gen-module.py's byte j of module 'seed'. */
static uint8_t pattern(unsigned seed, uint64_t j)
{
	return (uint8_t)(seed * 37 + j * 13 + (j >> 8));
}

static void check_contents(unsigned i, const struct hvm_modlist_entry *m)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)m->paddr;

	for (uint64_t j = 0; j < want[i].size; j++)
		if (p[j] != pattern(want[i].seed, j)) {
			xtf_failure("module %u: byte %llu is %#x, the file has %#x", i,
				    (unsigned long long)j, p[j], pattern(want[i].seed, j));
			return;
		}
	for (uint64_t j = want[i].size; j < page_up(want[i].size); j++)
		if (p[j]) {
			xtf_failure("module %u: byte %llu after its end is %#x, not 0", i,
				    (unsigned long long)j, p[j]);
			return;
		}
}

void test_main(void)
{
	const struct hvm_start_info *si = start_info;

	if (!si) {
		xtf_failure("no valid start info in %%ebx");
		return;
	}
	CHECK(!strcmp(start_info_cmdline(), "modules test"));
	if (!CHECK_EQ(si->nr_modules, ARRAY_SIZE(want)) || !CHECK(si->modlist_paddr) ||
	    !CHECK(si->modlist_paddr % 8 == 0))
		return;
	start_info_after_image();

	const struct hvm_modlist_entry *m = (const void *)(uintptr_t)si->modlist_paddr;
	uint64_t next = page_up(image_end());
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		const char *cl = m[i].cmdline_paddr ? (const char *)(uintptr_t)m[i].cmdline_paddr : NULL;
		printf("module %u: paddr %#llx size %llu cmdline %s%s%s\n", i,
		       (unsigned long long)m[i].paddr, (unsigned long long)m[i].size,
		       cl ? "\"" : "", cl ? cl : "none", cl ? "\"" : "");
		CHECK(m[i].paddr % PAGE_SIZE == 0);
		CHECK(m[i].paddr >= next); /* after the image, then after the module before */
		if (!CHECK_EQ(m[i].size, want[i].size))
			continue;
		next = m[i].paddr + page_up(m[i].size);
		check_contents(i, &m[i]);
		if (want[i].cmdline)
			CHECK(cl && !strcmp(cl, want[i].cmdline));
		else
			CHECK_EQ(m[i].cmdline_paddr, 0);
		CHECK_EQ(m[i].reserved, 0);
	}
	/* Xen's order: the start info segment after the last module. */
	CHECK((uintptr_t)si >= next);
	printf("start info %p after the modules (they end at %#llx)\n", (const void *)si,
	       (unsigned long long)next);
	if (xtf_result() < 0)
		xtf_success(NULL);
}
