/*
 * One end of a split device's xenbus handshake (xsdev.h), as Linux's
 * xenbus_probe_frontend / _backend and xenbus_switch_state do it.
 */
#include "common/xsdev.h"
#include "string.h"
#include "xenbus.h"

#define MS 1000000ull
#define WAIT_NS (20000 * MS)

const char *xsdev_state_name(unsigned s)
{
	static const char *const names[] = { "Unknown",     "Initialising", "InitWait",
					     "Initialised", "Connected",    "Closing",
					     "Closed",      "Reconfiguring", "Reconfigured" };

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* path's value into buf (a string); false after xtf_error. */
static bool read_str(const char *path, char *buf, unsigned size)
{
	long n = xenbus_read(0, path, buf, size);

	if (n < 0) {
		xtf_error("%s: %s", path, xenbus_error());
		return false;
	}
	return true;
}

/* The other end: its directory from our key, its domain from our key_id, its state watched. */
static bool find_other(struct xsdev *d, const char *key, const char *key_id)
{
	char path[128];
	uint64_t id;

	snprintf(path, sizeof(path), "%s/%s", d->dir, key);
	if (!read_str(path, d->other, sizeof(d->other)))
		return false;
	snprintf(path, sizeof(path), "%s/%s", d->dir, key_id);
	if (xenbus_read_uint(0, path, &id)) {
		xtf_error("%s: %s", path, xenbus_error());
		return false;
	}
	d->other_id = (unsigned)id;
	snprintf(d->other_state, sizeof(d->other_state), "%s/state", d->other);
	if (!CHECK_EQ(xenbus_watch(d->other_state, d->who), 0))
		return false;
	d->state = XenbusStateInitialising; /* what the toolstack wrote */
	return true;
}

bool xsdev_frontend(struct xsdev *d, const char *type, unsigned devid)
{
	char path[128];

	d->who = "frontend";
	snprintf(d->dir, sizeof(d->dir), "/local/domain/%u/device/%s/%u", xen_info.domid, type,
		 devid);
	snprintf(path, sizeof(path), "%s/backend", d->dir);
	if (xenbus_read(0, path, d->other, sizeof(d->other)) == -XEN_ENOENT) {
		xtf_error("no %s in XenStore: the domain's config needs %s = [ 'backend=<domain>' ]",
			  d->dir, type);
		return false;
	}
	if (!find_other(d, "backend", "backend-id"))
		return false;
	printf("frontend: device %s, backend %s (domain %u)\n", d->dir, d->other, d->other_id);
	return true;
}

bool xsdev_backend(struct xsdev *d, const char *type)
{
	char path[96], list[64];
	uint64_t deadline = xenbus_now() + WAIT_NS;
	long n;

	d->who = "backend";
	snprintf(path, sizeof(path), "/local/domain/%u/backend/%s", xen_info.domid, type);
	/* As a xenbus backend watches its backend/ directory for new devices. */
	if (!CHECK_EQ(xenbus_watch(path, "backends"), 0))
		return false;
	while ((n = xenbus_directory(0, path, list, sizeof(list))) <= 0) {
		char wp[96], wt[16];
		if (xenbus_now() >= deadline) {
			xtf_failure("no frontend under %s after 20 s (no other domain's config names "
				    "this one as a %s backend)", path, type);
			return false;
		}
		xenbus_wait_watch(wp, sizeof(wp), wt, sizeof(wt), 100 * MS);
	}
	CHECK_EQ(xenbus_unwatch(path, "backends"), 0);
	/* backend/<type>/<front>: its first device. */
	char devs[64];
	snprintf(d->dir, sizeof(d->dir), "%s/%s", path, list);
	if (xenbus_directory(0, d->dir, devs, sizeof(devs)) <= 0) {
		xtf_error("%s: no device", d->dir);
		return false;
	}
	size_t len = strlen(d->dir);
	snprintf(d->dir + len, sizeof(d->dir) - len, "/%s", devs);
	if (!find_other(d, "frontend", "frontend-id"))
		return false;
	printf("backend: device %s, frontend %s (domain %u)\n", d->dir, d->other, d->other_id);
	return true;
}

bool xsdev_switch(struct xsdev *d, enum xenbus_state to)
{
	char path[112], v[8];

	snprintf(path, sizeof(path), "%s/state", d->dir);
	snprintf(v, sizeof(v), "%u", (unsigned)to);
	if (!CHECK_EQ(xenbus_write(0, path, v), 0))
		return false;
	printf("%s: state %s -> %s\n", d->who, xsdev_state_name(d->state), xsdev_state_name(to));
	d->state = to;
	return true;
}

bool xsdev_wait(struct xsdev *d, enum xenbus_state want, bool gone_ok)
{
	uint64_t deadline = xenbus_now() + WAIT_NS, v = 0;
	long r = 0;

	for (;;) {
		r = xenbus_read_uint(0, d->other_state, &v);
		if (!r && v == want) {
			printf("%s: the %s is %s\n", d->who,
			       !strcmp(d->who, "frontend") ? "backend" : "frontend",
			       xsdev_state_name(want));
			return true;
		}
		/*
		 * Gone: the other domain ended and the toolstack removed its
		 * directory (ENOENT), or its whole home (EACCES: we may not read
		 * /local/domain).
		 */
		if (gone_ok && (r == -XEN_ENOENT || r == -XEN_EACCES)) {
			printf("%s: the other end is gone\n", d->who);
			return true;
		}
		if (xenbus_now() >= deadline)
			break;
		char wp[112], wt[16];
		xenbus_wait_watch(wp, sizeof(wp), wt, sizeof(wt), 100 * MS);
	}
	xtf_failure("%s never became %s (%u) (last: %ld, %llu)", d->other_state,
		    xsdev_state_name(want), (unsigned)want, r, (unsigned long long)v);
	return false;
}

bool xsdev_read_other(struct xsdev *d, const char *key, uint64_t *v)
{
	char path[112];

	snprintf(path, sizeof(path), "%s/%s", d->other, key);
	return CHECK_EQ(xenbus_read_uint(0, path, v), 0);
}
