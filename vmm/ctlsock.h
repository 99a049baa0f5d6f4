/*
 * The control socket (ctlsock.c): host-side access to the running VMM's
 * XenStore, as domain 0, for `fastabi xenstore-ls|read|write|rm`
 * (xsclient.c). A unix socket only its owner can open: mode 0600 in
 * $XDG_RUNTIME_DIR (or /run/user/<uid>), named fastabi-<pid>.sock, and each
 * connection's peer must have the VMM's uid (SO_PEERCRED).
 *
 * One request per connection: "<command>\0<path>\0[value]" (command ls,
 * read, write or rm; the value is the rest, any bytes), the client then
 * shuts its side down. The answer: "OK\n" and the value (read) or the
 * `xenstore-ls -f -p` lines (ls), or "ERR <errno string>\n".
 */
#ifndef VMM_CTLSOCK_H
#define VMM_CTLSOCK_H

#include <pthread.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

struct vmm;

#define CTLSOCK_REQ_MAX (8 + 3072 + 4096) /* command, XENSTORE_ABS_PATH_MAX, a value */

struct ctlsock {
	pthread_t thread;
	bool started;
	int fd, stop_pipe[2];
	int dir_fd;  /* the sockets' folder, opened before the privileges go: the socket is removed through it */
	const char *name; /* the socket's name in that folder (in path) */
	uid_t owner; /* who may connect: the uid that started fastabi (before any --user switch) */
	char path[256];
};

/* The folder of the sockets into dir; false if there is none. */
bool ctlsock__dir(char *dir, size_t len);
/*
 * Listen (if there is a folder for it), before the process gives up its
 * privileges (sandbox__process); 0, or -1 after saying why.
 */
int ctlsock__open(struct vmm *vmm);
/* Serve it on a thread of its own (after sandbox__process: the thread inherits the drop). */
int ctlsock__start(struct vmm *vmm);
void ctlsock__stop(struct vmm *vmm);

#endif
