/*
 * The I/O port registry (ioport.h). Registrations happen before any vCPU
 * runs; the exit loop only looks them up, so lookups take no lock.
 */
#include <stddef.h>

#include "ioport.h"
#include "util.h"

static struct ioport_range {
	uint16_t first;
	unsigned nr;
	const struct ioport_ops *ops;
} ranges[IOPORT_MAX];
static unsigned nr_ranges;

int ioport__register(uint16_t first, unsigned nr, const struct ioport_ops *ops)
{
	uint32_t end = (uint32_t)first + nr;

	if (!nr || end > 0x10000u) {
		util__err("I/O ports %s: [%#x, +%u) is not a port range", ops->name, first, nr);
		return -1;
	}
	for (unsigned i = 0; i < nr_ranges; i++) {
		const struct ioport_range *r = &ranges[i];
		if (first < r->first + r->nr && r->first < end) {
			util__err("I/O ports %s: %#x..%#x overlap %s's", ops->name, first, end - 1,
				  r->ops->name);
			return -1;
		}
	}
	if (nr_ranges == IOPORT_MAX) {
		util__err("I/O ports %s: no room (IOPORT_MAX %u)", ops->name, IOPORT_MAX);
		return -1;
	}
	ranges[nr_ranges++] = (struct ioport_range){ .first = first, .nr = nr, .ops = ops };
	return 0;
}

void ioport__reset(void)
{
	nr_ranges = 0;
}

const struct ioport_ops *ioport__find(uint16_t port)
{
	for (unsigned i = 0; i < nr_ranges; i++)
		if (port >= ranges[i].first && (unsigned)(port - ranges[i].first) < ranges[i].nr)
			return ranges[i].ops;
	return NULL;
}
