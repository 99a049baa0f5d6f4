/*
 * The control socket's server (ctlsock.h says what it serves and to whom):
 * a thread of its own that accepts one connection at a time and answers it
 * through xenstore__tool_*, which take the store's lock like any ring.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm.h"
#include "store.h"

bool ctlsock__dir(char *dir, size_t len)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (x && *x && stat(x, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(dir, len, "%s/fastabi", x);
		return true;
	}
	snprintf(dir, len, "/run/user/%u", (unsigned)geteuid());
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return false;
	snprintf(dir, len, "/run/user/%u/fastabi", (unsigned)geteuid());
	return true;
}

/*
 * The sockets' own folder, mode 0700, owned by whoever the VMM runs as once
 * setup is over: started as root, the sandbox becomes another user
 * (sandbox.c), which must still be able to remove its socket at the end,
 * and a removal needs write access to the folder, not to the file.
 */
static int make_dir(struct vmm *vmm, const char *dir)
{
	bool drop = geteuid() == 0 && !vmm->sandbox.disabled;
	uid_t uid = drop ? vmm->sandbox.uid : geteuid();
	gid_t gid = drop ? vmm->sandbox.gid : getegid();
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	if (lstat(dir, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_uid != uid) {
		if (geteuid() != 0) { /* another user's folder: never ours to use */
			errno = EPERM;
			return -1;
		}
		if (chown(dir, uid, gid))
			return -1;
	}
	return chmod(dir, 0700);
}

static void answer(struct vmm *vmm, int c, char *req, size_t n)
{
	FILE *out = fdopen(dup(c), "w");
	const char *cmd = req, *path = NULL, *val = NULL;
	size_t vlen = 0;

	if (!out)
		return;
	req[n] = '\0';
	const char *z = memchr(req, '\0', n);
	if (z && (size_t)(z + 1 - req) < n) {
		path = z + 1;
		const char *z2 = memchr(path, '\0', n - (size_t)(path - req));
		if (z2) {
			val = z2 + 1;
			vlen = n - (size_t)(val - req);
		}
	}
	int e = EINVAL;
	if (!path || !val) {
		e = EINVAL;
	} else if (!strcmp(cmd, "read")) {
		char *v = NULL;
		size_t l = 0;
		e = xenstore__tool_read(vmm, path, &v, &l);
		if (!e) {
			fputs("OK\n", out);
			fwrite(v, 1, l, out);
		}
		free(v);
	} else if (!strcmp(cmd, "write")) {
		e = xenstore__tool_write(vmm, path, val, vlen);
		if (!e)
			fputs("OK\n", out);
	} else if (!strcmp(cmd, "rm")) {
		e = xenstore__tool_rm(vmm, path);
		if (!e)
			fputs("OK\n", out);
	} else if (!strcmp(cmd, "ls")) {
		char *v = NULL;
		size_t l = 0;
		e = xenstore__tool_read(vmm, path, &v, &l); /* ENOENT for a missing node */
		free(v);
		if (!e) {
			fputs("OK\n", out);
			xenstore__tool_dump(vmm, path, out);
		}
	}
	if (e)
		fprintf(out, "ERR %s\n", store__errstring(e));
	fclose(out);
}

static void serve_one(struct vmm *vmm, int c)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	static char req[CTLSOCK_REQ_MAX + 1];
	size_t n = 0;

	/* Only the VMM's own user, even if the folder's mode let someone else in. */
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != vmm->ctl.owner) {
		util__err("control socket: a connection from uid %u refused",
			 (unsigned)cred.uid);
		return;
	}
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (n < CTLSOCK_REQ_MAX) {
		ssize_t r = read(c, req + n, CTLSOCK_REQ_MAX - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	answer(vmm, c, req, n);
}

static void *ctlsock_main(void *arg)
{
	struct vmm *vmm = arg;
	struct ctlsock *cs = &vmm->ctl;

	sandbox__enter(vmm, SANDBOX_CONTROL);
	for (;;) {
		struct pollfd p[2] = { { .fd = cs->fd, .events = POLLIN },
				       { .fd = cs->stop_pipe[0], .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		int c = accept(cs->fd, NULL, NULL);
		if (c < 0)
			continue;
		serve_one(vmm, c);
		close(c);
	}
	return NULL;
}

int ctlsock__open(struct vmm *vmm)
{
	struct ctlsock *cs = &vmm->ctl;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[200];

	cs->fd = -1;
	cs->owner = geteuid();
	if (!ctlsock__dir(dir, sizeof(dir)))
		return 0; /* no runtime folder: no socket (docs/xenstore.md) */
	if (make_dir(vmm, dir)) {
		util__err("control socket: %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(cs->path, sizeof(cs->path), "%s/fastabi-%d.sock", dir, (int)getpid());
	cs->name = strrchr(cs->path, '/') + 1;
	/*
	 * Through this fd the socket can be removed at the end even when the
	 * user the VMM becomes may not search the folders above it.
	 */
	cs->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cs->dir_fd < 0) {
		util__err("control socket: %s: %s", dir, strerror(errno));
		return -1;
	}
	if (strlen(cs->path) >= sizeof(a.sun_path)) {
		util__err("control socket: %s: path too long", cs->path);
		return -1;
	}
	memcpy(a.sun_path, cs->path, strlen(cs->path) + 1);
	unlink(cs->path);
	cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	mode_t old = umask(077); /* created 0600: no window where others may connect */
	int r = cs->fd < 0 ? -1 : bind(cs->fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r || chmod(cs->path, 0600) || listen(cs->fd, 4) || pipe2(cs->stop_pipe, O_CLOEXEC)) {
		util__err("control socket: %s: %s", cs->path, strerror(errno));
		if (cs->fd >= 0)
			close(cs->fd);
		cs->fd = -1;
		unlink(cs->path);
		close(cs->dir_fd);
		return -1;
	}
	return 0;
}

int ctlsock__start(struct vmm *vmm)
{
	struct ctlsock *cs = &vmm->ctl;

	if (cs->fd < 0)
		return 0;
	int r = pthread_create(&cs->thread, NULL, ctlsock_main, vmm);
	if (r) {
		util__err("control socket: cannot start its thread: %s", strerror(r));
		return -1;
	}
	cs->started = true;
	return 0;
}

void ctlsock__stop(struct vmm *vmm)
{
	struct ctlsock *cs = &vmm->ctl;

	if (!cs->started)
		return;
	if (write(cs->stop_pipe[1], "x", 1) != 1)
		util__err("control socket: cannot stop its thread");
	pthread_join(cs->thread, NULL);
	close(cs->stop_pipe[0]);
	close(cs->stop_pipe[1]);
	close(cs->fd);
	if (unlinkat(cs->dir_fd, cs->name, 0))
		util__err("control socket: cannot remove %s: %s", cs->path, strerror(errno));
	close(cs->dir_fd);
	cs->started = false;
}
