/*
 * The control socket's client (xsclient.h): finds the socket of the
 * running VMM (--pid PID, or the only fastabi-*.sock of the user's runtime
 * folder), sends one request and prints the answer as xenstore-ls,
 * xenstore-read, xenstore-write and xenstore-rm do.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm.h"
#include "xsclient.h"

__attribute__((format(printf, 2, 3))) static int fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fastabi %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return VMM_EXIT_ERROR;
}

/* The socket's path: of pid, or the only one in the folder. 0 or an exit status. */
static int find_socket(const char *cmd, const char *pid, char *path, size_t len)
{
	char dir[200];

	if (!ctlsock__dir(dir, sizeof(dir)))
		return fail(cmd, "no runtime folder ($XDG_RUNTIME_DIR or /run/user/%u)",
			    (unsigned)geteuid());
	if (pid) {
		snprintf(path, len, "%s/fastabi-%s.sock", dir, pid);
		return 0;
	}
	DIR *d = opendir(dir);
	if (!d)
		return fail(cmd, "%s: %s", dir, strerror(errno));
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (strncmp(e->d_name, "fastabi-", 8) || l < 14 || strcmp(e->d_name + l - 5, ".sock"))
			continue;
		if (n++ == 0)
			snprintf(path, len, "%s/%s", dir, e->d_name);
		else
			fprintf(stderr, "fastabi %s: %s/%s too\n", cmd, dir, e->d_name);
	}
	closedir(d);
	if (n == 0)
		return fail(cmd, "no running fastabi (no fastabi-*.sock in %s)", dir);
	if (n > 1)
		return fail(cmd, "%u running fastabi instances: choose one with --pid PID", n);
	return 0;
}

int xsclient__main(int argc, char **argv)
{
	const char *cmd = argv[0], *pid = NULL, *args[2] = { NULL, NULL };
	unsigned nargs = 0;
	const char *op = !strcmp(cmd, "xenstore-ls")      ? "ls"
			 : !strcmp(cmd, "xenstore-read")  ? "read"
			 : !strcmp(cmd, "xenstore-write") ? "write"
			 : !strcmp(cmd, "xenstore-rm")    ? "rm"
							  : NULL;
	unsigned want = !op ? 0 : !strcmp(op, "write") ? 2 : !strcmp(op, "ls") ? 0 : 1;

	if (!op)
		return fail(cmd, "unknown command");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pid") && i + 1 < argc)
			pid = argv[++i];
		else if (nargs < 2 && argv[i][0] != '-')
			args[nargs++] = argv[i];
		else
			return fail(cmd, "unexpected argument '%s'", argv[i]);
	}
	if (!strcmp(op, "ls") && nargs <= 1) {
		if (!nargs)
			args[nargs++] = "/";
	} else if (nargs != want) {
		return fail(cmd, "usage: fastabi %s [--pid PID] %s", cmd,
			    want == 2 ? "PATH VALUE" : "PATH");
	}

	char path[256];
	int r = find_socket(cmd, pid, path, sizeof(path));
	if (r)
		return r;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path))
		return fail(cmd, "%s: path too long", path);
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return fail(cmd, "%s: %s", path, strerror(errno));

	/* "<op>\0<path>\0[value]" */
	const char *value = nargs == 2 ? args[1] : "";
	size_t lo = strlen(op) + 1, lp = strlen(args[0]) + 1, lv = strlen(value);
	char *req = malloc(lo + lp + lv);
	if (!req)
		return fail(cmd, "out of memory");
	memcpy(req, op, lo);
	memcpy(req + lo, args[0], lp);
	memcpy(req + lo + lp, value, lv);
	bool sent = write(fd, req, lo + lp + lv) == (ssize_t)(lo + lp + lv);
	free(req);
	shutdown(fd, SHUT_WR);
	if (!sent)
		return fail(cmd, "%s: %s", path, strerror(errno));

	FILE *in = fdopen(fd, "r");
	char line[64];
	if (!in || !fgets(line, sizeof(line), in)) {
		if (in)
			fclose(in);
		return fail(cmd, "%s: no answer", path);
	}
	if (strncmp(line, "OK\n", 3)) {
		line[strcspn(line, "\n")] = '\0';
		fclose(in);
		fprintf(stderr, "fastabi %s: %s: %s\n", cmd, args[0],
			!strncmp(line, "ERR ", 4) ? line + 4 : line);
		return VMM_EXIT_FAILURE;
	}
	char buf[4096];
	size_t n, total = 0;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		fwrite(buf, 1, n, stdout);
		total += n;
	}
	fclose(in);
	if (!strcmp(op, "read"))
		putchar('\n');
	(void)total;
	return 0;
}
