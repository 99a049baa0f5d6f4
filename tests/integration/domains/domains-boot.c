/*
 * domains-boot: several domains in one VMM for the integration tests of
 * tests/integration/domains/, built from the VMM's own objects. Until
 * `fastabi create FILE.cfg ...` (xl configuration files) is merged, this is
 * how the tests start domains together; each domain is one argument group,
 * groups separated by "--", domain IDs from 1 in group order:
 *
 *   domains-boot [--timeout S] name=N kernel=ELF [cmdline=STR] [memory=MiB]
 *                [fixed_mem_layout=0|1] [fastabi=0|1] [confidential=0|1]
 *                -- name=... kernel=...
 *
 * The keys are the config files' (docs/domains.md). The exit status is
 * vmm__run's: 0 when every domain succeeded, else the first failure's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

#define MAX_DOMS 16

static bool flag(const char *v, const char *key, bool *out)
{
	if (strcmp(v, "0") && strcmp(v, "1")) {
		fprintf(stderr, "domains-boot: %s=%s: 0 or 1 expected\n", key, v);
		return false;
	}
	*out = v[0] == '1';
	return true;
}

int main(int argc, char **argv)
{
	struct vmm_domain_config cfg[MAX_DOMS];
	unsigned n = 0, timeout = 60;
	int i = 1;

	if (i + 1 < argc && !strcmp(argv[i], "--timeout")) {
		timeout = (unsigned)strtoul(argv[i + 1], NULL, 10);
		i += 2;
	}
	cfg[0] = vmm_domain_config__default(NULL);
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			if (++n == MAX_DOMS) {
				fprintf(stderr, "domains-boot: at most %d domains\n", MAX_DOMS);
				return VMM_EXIT_ERROR;
			}
			cfg[n] = vmm_domain_config__default(NULL);
			continue;
		}
		const char *eq = strchr(a, '=');
		if (!eq) {
			fprintf(stderr, "domains-boot: '%s': key=value expected\n", a);
			return VMM_EXIT_ERROR;
		}
		size_t kl = (size_t)(eq - a);
		const char *v = eq + 1;
		struct vmm_domain_config *c = &cfg[n];
		bool ok = true;
		if (kl == 4 && !strncmp(a, "name", kl))
			c->name = v;
		else if (kl == 6 && !strncmp(a, "kernel", kl))
			c->kernel = v;
		else if (kl == 7 && !strncmp(a, "cmdline", kl))
			c->cmdline = v;
		else if (kl == 6 && !strncmp(a, "memory", kl))
			c->memory_mib = strtoull(v, NULL, 10);
		else if (kl == 16 && !strncmp(a, "fixed_mem_layout", kl))
			ok = flag(v, "fixed_mem_layout", &c->fixed_mem_layout);
		else if (kl == 7 && !strncmp(a, "fastabi", kl))
			ok = flag(v, "fastabi", &c->fastabi);
		else if (kl == 12 && !strncmp(a, "confidential", kl))
			ok = flag(v, "confidential", &c->confidential);
		else {
			fprintf(stderr, "domains-boot: unknown key in '%s'\n", a);
			return VMM_EXIT_ERROR;
		}
		if (!ok)
			return VMM_EXIT_ERROR;
	}
	n++;
	for (unsigned d = 0; d < n; d++)
		if (!cfg[d].kernel) {
			fprintf(stderr, "domains-boot: domain %u has no kernel=\n", d + 1);
			return VMM_EXIT_ERROR;
		}

	struct vmm vmm;
	if (vmm__init(&vmm)) {
		vmm__destroy(&vmm);
		return VMM_EXIT_ERROR;
	}
	for (unsigned d = 0; d < n; d++) {
		struct vmm_domain *vd;
		if (vmm__add_domain(&vmm, &cfg[d], &vd)) {
			vmm__destroy(&vmm);
			return VMM_EXIT_ERROR;
		}
	}
	int r = vmm__run(&vmm, timeout);
	vmm__destroy(&vmm);
	return r;
}
