/*
 * What one domain is made of, as the command line (and, later, a
 * configuration file with several domains) describes it. The VMM builds a
 * domain from this alone, so a parser only has to fill it in.
 */
#ifndef VMM_DOMAIN_CONFIG_H
#define VMM_DOMAIN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define VMM_DEFAULT_MEMORY_MIB 64u
#define VMM_MIN_MEMORY_MIB 2u
/* RAM above the 1 GiB hole below 4 GiB goes above 4 GiB; the memfd is sparse. */
#define VMM_MAX_MEMORY_MIB (64u * 1024u)

/*
 * Boot modules (hvm_start_info.modlist): the ramdisk is module 0, as xl's
 * `ramdisk=`; `--module` files follow in their order. Xen's toolstack leaves
 * room for 2 modules in the PVH start info (HVMLOADER_MODULE_MAX_COUNT in
 * tools/libs/guest/xg_dom_x86.c); the VMM allows this many.
 */
#define VMM_MAX_MODULES 16u

struct vmm_module_config {
	const char *path;
	const char *cmdline; /* NULL: none (cmdline_paddr 0) */
};

/*
 * A vif of the config (xl.cfg's vif = [ '...' ], tools/xl/xl_parse.c's
 * keys): the toolstack writes its frontend and backend directories as
 * libxl does (vmm/xenstore_dev.c). Its backend is another domain of the
 * same `fastabi create` (a driver domain), named here.
 */
#define VMM_MAX_VIFS 8u
#define VMM_VIF_STR 64u
struct vmm_vif_config {
	char backend[VMM_VIF_STR]; /* the backend domain's name */
	unsigned devid;
	uint8_t mac[6];
	unsigned mtu;
	char bridge[VMM_VIF_STR];
	char script[VMM_VIF_STR]; /* as libxl writes it: absolute */
	char ip[VMM_VIF_STR];     /* "": none */
	char vifname[VMM_VIF_STR]; /* "": none */
};

struct vmm_domain_config {
	const char *name;       /* console prefix and domain name; NULL: from the kernel's file name */
	const char *kernel;     /* PVH ELF image */
	const char *cmdline;    /* NULL: none (cmdline_paddr 0, as xl without cmdline=) */
	uint64_t memory_mib;
	unsigned vcpus;
	bool fixed_mem_layout;  /* special pages placed at boot, announced in the memmap */
	bool fastabi;           /* FastABI calls served (default on) */
	bool confidential;      /* the core touches only pages the guest shared */
	const char *ramdisk;    /* module 0 without a command line; NULL: none */
	struct vmm_module_config modules[VMM_MAX_MODULES - 1]; /* --module, after the ramdisk */
	unsigned nr_modules;
	unsigned min_domid;     /* the domain gets the lowest free id at or above this */
	unsigned restart_on;    /* 1 << SHUTDOWN_* reasons after which it is built again (xl restart) */
	/*
	 * 1 << SHUTDOWN_* reasons after which it stays as it stopped (xl
	 * preserve); after any other stop (destroy) the others see it gone:
	 * its channels closed, its grant mappings released (domain__kill).
	 */
	unsigned preserve_on;
	struct vmm_vif_config vifs[VMM_MAX_VIFS];
	unsigned nr_vifs;
};

/* The defaults for a domain running 'kernel'. */
static inline struct vmm_domain_config vmm_domain_config__default(const char *kernel)
{
	return (struct vmm_domain_config){
		.kernel = kernel,
		.memory_mib = VMM_DEFAULT_MEMORY_MIB,
		.vcpus = 1,
		.fastabi = true,
	};
}

#endif
