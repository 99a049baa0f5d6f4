/*
 * The tree the toolstack writes (xenstore.h): what libxl writes for each
 * domain at its creation and removes at its destruction, and the device
 * directories of the config's vifs (libxl__device_generic_add with
 * libxl_nic.c's keys), with libxl's permissions. The store's lock held.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>

#include <xen/io/xenbus.h>

#include "vmm.h"
#include "store.h"

/* One write of the toolstack; the first error is kept in *err. */
static void tool_write(struct xenstore_world *w, int *err, const char *val, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void tool_write(struct xenstore_world *w, int *err, const char *val, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	int e = store__write(w->tool, 0, path, val, strlen(val));
	if (e && !*err)
		*err = e;
}

/* libxl__xs_mknod: an empty node with these permissions. */
static void tool_mknod(struct xenstore_world *w, int *err, const struct xs_permissions *p,
		       unsigned n, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void tool_mknod(struct xenstore_world *w, int *err, const struct xs_permissions *p,
		       unsigned n, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	int e = store__write(w->tool, 0, path, "", 0);
	if (!e)
		e = store__set_perms(w->tool, 0, path, p, n);
	if (e && !*err)
		*err = e;
}

/* A random (version 4) UUID, as xl makes for a config without one. */
static void make_uuid(char *out, size_t len)
{
	uint8_t u[16] = { 0 };

	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u)) {
		struct timeval tv;
		gettimeofday(&tv, NULL);
		memcpy(u, &tv, sizeof(tv) < sizeof(u) ? sizeof(tv) : sizeof(u));
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	snprintf(out, len,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
}

/*
 * What libxl writes for a PVH domU (libxl__domain_make, libxl__build_post,
 * the primary console's frontend), in its order, with its permissions:
 * roperm (owner dom0, the domain may read) on the home and what the domain
 * must not change, rwperm (owned by the domain) where it writes.
 */
static int write_tree(struct vmm_domain *vd)
{
	struct xenstore_world *w = &vd->vmm->xsw;
	unsigned id = hv_domain__id(vd->d);
	const struct xs_permissions roperm[2] = { { .id = 0, .perms = XS_PERM_NONE },
						  { .id = id, .perms = XS_PERM_READ } };
	const struct xs_permissions rwperm[1] = { { .id = id, .perms = XS_PERM_NONE } };
	const struct xs_permissions noperm[1] = { { .id = 0, .perms = XS_PERM_NONE } };
	char dom[32], uuid[40], buf[64];
	int err = 0;

	snprintf(dom, sizeof(dom), "/local/domain/%u", id);
	make_uuid(uuid, sizeof(uuid));
	snprintf(vd->xs.vm_path, sizeof(vd->xs.vm_path), "/vm/%s", uuid);

	/* libxl__domain_make */
	(void)store__rm(w->tool, 0, dom);
	tool_mknod(w, &err, roperm, 2, "%s", dom);
	tool_mknod(w, &err, roperm, 2, "%s", vd->xs.vm_path);
	tool_mknod(w, &err, noperm, 1, "/libxl/%u", id);
	tool_mknod(w, &err, noperm, 1, "/libxl/%u/device", id);
	tool_write(w, &err, "pvh", "/libxl/%u/type", id);
	tool_write(w, &err, vd->xs.vm_path, "%s/vm", dom);
	tool_write(w, &err, vd->name, "%s/name", dom);
	tool_write(w, &err, "1", "%s/control/platform-feature-multiprocessor-suspend", dom);
	tool_write(w, &err, "1", "%s/control/platform-feature-xs_reset_watches", dom);
	tool_mknod(w, &err, rwperm, 1, "%s/device/suspend/event-channel", dom);
	tool_mknod(w, &err, roperm, 2, "%s/device", dom);
	tool_mknod(w, &err, roperm, 2, "%s/control", dom);
	static const char *const rw_control[] = { "shutdown", "feature-poweroff",
						  "feature-reboot", "feature-suspend", "sysrq" };
	for (unsigned i = 0; i < sizeof(rw_control) / sizeof(rw_control[0]); i++)
		tool_mknod(w, &err, rwperm, 1, "%s/control/%s", dom, rw_control[i]);
	static const char *const rw_dirs[] = { "data", "drivers", "feature", "attr", "error" };
	for (unsigned i = 0; i < sizeof(rw_dirs) / sizeof(rw_dirs[0]); i++)
		tool_mknod(w, &err, rwperm, 1, "%s/%s", dom, rw_dirs[i]);
	tool_write(w, &err, uuid, "%s/uuid", vd->xs.vm_path);
	tool_write(w, &err, vd->name, "%s/name", vd->xs.vm_path);

	/* libxl__build_post */
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)vd->cfg.memory_mib * 1024);
	tool_write(w, &err, buf, "%s/memory/static-max", dom);
	tool_write(w, &err, buf, "%s/memory/target", dom);
	/* LIBXL_MEMKB_DEFAULT as libxl prints it: a PVH domain has no video memory. */
	tool_write(w, &err, "-1", "%s/memory/videoram", dom);
	snprintf(buf, sizeof(buf), "%u", id);
	tool_write(w, &err, buf, "%s/domid", dom);
	snprintf(buf, sizeof(buf), "%u", vd->xs.ring.port);
	tool_write(w, &err, buf, "%s/store/port", dom);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(vd->xs.ring.gpa >> PAGE_SHIFT));
	tool_write(w, &err, buf, "%s/store/ring-ref", dom);
	for (unsigned i = 0; i < vd->nr_vcpus; i++)
		tool_write(w, &err, "online", "%s/cpu/%u/availability", dom, i);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	snprintf(buf, sizeof(buf), "%lu.%02d", (unsigned long)tv.tv_sec, (int)(tv.tv_usec / 10000));
	tool_write(w, &err, buf, "%s/start_time", vd->xs.vm_path);

	/*
	 * The primary console (libxl__device_console_add): its backend
	 * directory, the VMM's (domain 0's), readable by the domain, and its
	 * frontend, owned by the domain, readable by the backend.
	 */
	const struct xs_permissions bperm[2] = { { .id = 0, .perms = XS_PERM_NONE },
						 { .id = id, .perms = XS_PERM_READ } };
	const struct xs_permissions fperm[2] = { { .id = id, .perms = XS_PERM_NONE },
						 { .id = 0, .perms = XS_PERM_READ } };
	char back[64];
	snprintf(back, sizeof(back), "/local/domain/0/backend/console/%u/0", id);
	tool_mknod(w, &err, bperm, 2, "%s", back);
	tool_write(w, &err, dom, "%s/frontend", back);
	snprintf(buf, sizeof(buf), "%u", id);
	tool_write(w, &err, buf, "%s/frontend-id", back);
	tool_write(w, &err, "1", "%s/online", back);
	tool_write(w, &err, "1", "%s/state", back); /* XenbusStateInitialising */
	tool_write(w, &err, "vt100", "%s/protocol", back);
	tool_mknod(w, &err, fperm, 2, "%s/console", dom);
	tool_write(w, &err, back, "%s/console/backend", dom);
	tool_write(w, &err, "0", "%s/console/backend-id", dom);
	tool_write(w, &err, "1048576", "%s/console/limit", dom);
	tool_write(w, &err, "xenconsoled", "%s/console/type", dom);
	tool_write(w, &err, "pty", "%s/console/output", dom);
	snprintf(buf, sizeof(buf), "%u", vd->xcons.ring.port);
	tool_write(w, &err, buf, "%s/console/port", dom);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(vd->xcons.ring.gpa >> PAGE_SHIFT));
	tool_write(w, &err, buf, "%s/console/ring-ref", dom);
	return err;
}


/* ---- the vifs' device directories ---- */

/* A connected domain of this process by name (the backend a vif names); NULL if none. */
static struct vmm_domain *domain_named(struct vmm *vmm, const char *name)
{
	for (unsigned id = 0; id < HV_MAX_DOMAINS; id++) {
		struct vmm_domain *d = vmm->doms[id];
		if (d && d->xs.conn && !strcmp(d->name, name))
			return d;
	}
	return NULL;
}

/*
 * libxl__device_generic_add for a vif of fe served by be: the frontend
 * directory (owned by fe, readable by be; mtu owned by be, readable by fe:
 * libxl's ro_fents), the backend directory (owned by be, readable by fe),
 * and libxl's own copy under /libxl/<fe>/device/vif/<devid>, each key in
 * libxl's order (libxl__device_add_async's common keys, then
 * libxl__set_xenstore_nic's).
 */
static int write_vif(struct xenstore_world *w, struct vmm_domain *fe, struct vmm_domain *be,
		     const struct vmm_vif_config *v)
{
	unsigned f = hv_domain__id(fe->d), b = hv_domain__id(be->d);
	const struct xs_permissions fperm[2] = { { .id = f, .perms = XS_PERM_NONE },
						 { .id = b, .perms = XS_PERM_READ } };
	const struct xs_permissions bperm[2] = { { .id = b, .perms = XS_PERM_NONE },
						 { .id = f, .perms = XS_PERM_READ } };
	char fpath[64], bpath[80], lpath[64], val[64];
	int err = 0;

	snprintf(fpath, sizeof(fpath), "/local/domain/%u/device/vif/%u", f, v->devid);
	snprintf(bpath, sizeof(bpath), "/local/domain/%u/backend/vif/%u/%u", b, f, v->devid);
	snprintf(lpath, sizeof(lpath), "/libxl/%u/device/vif/%u", f, v->devid);
	char mac[18];
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
		 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);

	(void)store__rm(w->tool, 0, lpath);
	tool_write(w, &err, fpath, "%s/frontend", lpath);
	tool_write(w, &err, bpath, "%s/backend", lpath);

	(void)store__rm(w->tool, 0, fpath);
	tool_mknod(w, &err, fperm, 2, "%s", fpath);
	tool_write(w, &err, bpath, "%s/backend", fpath);
	snprintf(val, sizeof(val), "%u", b);
	tool_write(w, &err, val, "%s/backend-id", fpath);
	snprintf(val, sizeof(val), "%d", XenbusStateInitialising);
	tool_write(w, &err, val, "%s/state", fpath);
	snprintf(val, sizeof(val), "%u", v->devid);
	tool_write(w, &err, val, "%s/handle", fpath);
	tool_write(w, &err, mac, "%s/mac", fpath);
	tool_write(w, &err, "1", "%s/trusted", fpath);
	snprintf(val, sizeof(val), "%u", v->mtu);
	tool_write(w, &err, val, "%s/mtu", fpath);
	char mtu[96];
	snprintf(mtu, sizeof(mtu), "%s/mtu", fpath);
	if (!err)
		err = store__set_perms(w->tool, 0, mtu, bperm, 2);

	/* The backend's keys, in its directory and in libxl's copy. */
	const char *const dirs[2] = { bpath, lpath };
	(void)store__rm(w->tool, 0, bpath);
	tool_mknod(w, &err, bperm, 2, "%s", bpath);
	tool_write(w, &err, fpath, "%s/frontend", bpath);
	for (unsigned i = 0; i < 2; i++) {
		const char *d = dirs[i];
		snprintf(val, sizeof(val), "%u", f);
		tool_write(w, &err, val, "%s/frontend-id", d);
		tool_write(w, &err, "1", "%s/online", d);
		snprintf(val, sizeof(val), "%d", XenbusStateInitialising);
		tool_write(w, &err, val, "%s/state", d);
		tool_write(w, &err, v->script, "%s/script", d);
		if (v->vifname[0])
			tool_write(w, &err, v->vifname, "%s/vifname", d);
		tool_write(w, &err, mac, "%s/mac", d);
		if (v->ip[0])
			tool_write(w, &err, v->ip, "%s/ip", d);
		if (v->mtu != 1500) {
			snprintf(val, sizeof(val), "%u", v->mtu);
			tool_write(w, &err, val, "%s/mtu", d);
		}
		tool_write(w, &err, v->bridge, "%s/bridge", d);
		snprintf(val, sizeof(val), "%u", v->devid);
		tool_write(w, &err, val, "%s/handle", d);
		tool_write(w, &err, "vif", "%s/type", d);
		tool_write(w, &err, "", "%s/hotplug-status", d);
	}
	return err;
}

/*
 * The devices that involve vd, once both ends exist: its own vifs whose
 * backend is connected, and the vifs of connected domains whose backend
 * is vd (its tree was just written afresh: a restarted driver domain
 * gets its backend directories again).
 */
static int write_devices(struct vmm_domain *vd)
{
	struct xenstore_world *w = &vd->vmm->xsw;
	int err = 0;

	for (unsigned k = 0; k < vd->cfg.nr_vifs && !err; k++) {
		struct vmm_domain *be = domain_named(vd->vmm, vd->cfg.vifs[k].backend);
		if (be && be != vd)
			err = write_vif(w, vd, be, &vd->cfg.vifs[k]);
	}
	for (unsigned id = 0; id < HV_MAX_DOMAINS && !err; id++) {
		struct vmm_domain *fe = vd->vmm->doms[id];
		if (!fe || fe == vd || !fe->xs.conn)
			continue;
		for (unsigned k = 0; k < fe->cfg.nr_vifs && !err; k++)
			if (!strcmp(fe->cfg.vifs[k].backend, vd->name))
				err = write_vif(w, fe, vd, &fe->cfg.vifs[k]);
	}
	return err;
}

/* libxl__xs_path_cleanup: path removed, then each parent left empty, up to (not) stop. */
static void path_cleanup(struct xenstore_world *w, char *path, const char *stop)
{
	(void)store__rm(w->tool, 0, path);
	for (char *slash = strrchr(path, '/'); slash && slash != path; slash = strrchr(path, '/')) {
		*slash = '\0';
		if (!strcmp(path, stop))
			return;
		char *list = NULL;
		size_t len = 0;
		int e = store__directory(w->tool, 0, path, &list, &len);
		free(list);
		if (e || len)
			return;
		(void)store__rm(w->tool, 0, path);
	}
}

int xenstore_tree__domain(struct vmm_domain *vd)
{
	int err = write_tree(vd);

	return err ? err : write_devices(vd);
}

int xenstore_tree__dom0(struct xenstore_world *w)
{
	int err = 0;

	/* What xencommons writes for the toolstack's own domain. */
	tool_write(w, &err, "0", "/local/domain/0/domid");
	tool_write(w, &err, "Domain-0", "/local/domain/0/name");
	return err;
}

void xenstore_tree__remove(struct vmm_domain *vd)
{
	struct xenstore_world *w = &vd->vmm->xsw;
	unsigned id = hv_domain__id(vd->d);
	char path[96], stop[32];

	/*
	 * Its vifs' backend directories in the driver domains (libxl__device_destroy
	 * for a backend that is not the toolstack's), then its own tree.
	 */
	for (unsigned k = 0; k < vd->cfg.nr_vifs; k++) {
		struct vmm_domain *be = domain_named(vd->vmm, vd->cfg.vifs[k].backend);
		if (!be || be == vd)
			continue;
		unsigned b = hv_domain__id(be->d);
		snprintf(path, sizeof(path), "/local/domain/%u/backend/vif/%u/%u", b, id,
			 vd->cfg.vifs[k].devid);
		snprintf(stop, sizeof(stop), "/local/domain/%u", b);
		path_cleanup(w, path, stop);
	}
	snprintf(path, sizeof(path), "/local/domain/%u", id);
	(void)store__rm(w->tool, 0, path);
	(void)store__rm(w->tool, 0, vd->xs.vm_path);
	snprintf(path, sizeof(path), "/libxl/%u", id);
	(void)store__rm(w->tool, 0, path);
	snprintf(path, sizeof(path), "/local/domain/0/backend/console/%u", id);
	(void)store__rm(w->tool, 0, path);
}
