/*
 * Path names (path.c): relative to absolute, and xenstored's validity rules
 * (is_valid_nodename): absolute, no trailing or double '/', only
 * [A-Za-z0-9-/_@], and at most max_path_len bytes after a leading
 * "/local/domain/<domid>/".
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static bool path__valid_chars(const char *p)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789-/_@";

	return strspn(p, ok) == strlen(p);
}

/* Length of a leading "/local/domain/<up to 5 digits>/", else 0
 * (xenstored's sscanf "/local/domain/%5u/%n"). */
static size_t path__local_prefix(const char *p)
{
	static const char pre[] = "/local/domain/";
	size_t i = sizeof(pre) - 1, d = 0;

	if (strncmp(p, pre, i))
		return 0;
	while (d < 5 && p[i + d] >= '0' && p[i + d] <= '9')
		d++;
	return d && p[i + d] == '/' ? i + d + 1 : 0;
}

static bool path__valid(const char *p, unsigned max_path_len)
{
	size_t len = strlen(p);

	if (p[0] != '/' && p[0] != '@')
		return false;
	if (len > 1 && p[len - 1] == '/')
		return false;
	if (strstr(p, "//"))
		return false;
	if (len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (len - path__local_prefix(p) > max_path_len)
		return false;
	return path__valid_chars(p);
}

char *path__canonical(unsigned domid, const char *path, unsigned max_path_len,
		      bool special, int *err)
{
	char *abs;

	*err = EINVAL;
	if (path[0] == '@') {
		/* Special names: "@" and the valid characters (xenstored's
		 * canonicalize), up to REL_PATH_MAX. */
		if (!special || strlen(path) > XENSTORE_REL_PATH_MAX)
			return NULL;
		abs = strdup(path);
	} else if (path[0] == '/') {
		abs = strdup(path);
	} else {
		/* Relative: "<home>/<path>" ("" gives a trailing '/': EINVAL). */
		if (strlen(path) > XENSTORE_ABS_PATH_MAX)
			return NULL;
		if (asprintf(&abs, "/local/domain/%u/%s", domid, path) < 0)
			abs = NULL;
	}
	if (!abs) {
		*err = ENOMEM;
		return NULL;
	}
	if (!path__valid(abs, max_path_len)) {
		free(abs);
		return NULL;
	}
	*err = 0;
	return abs;
}

/* xenstored's is_child: child is parent or below it; "/" is everyone's. */
bool path__is_child(const char *child, const char *parent)
{
	size_t len = strlen(parent);

	if (!strcmp(parent, "/"))
		return true;
	if (strncmp(child, parent, len))
		return false;
	return child[len] == '/' || child[len] == '\0';
}

char *path__parent(const char *name)
{
	const char *slash = strrchr(name, '/');

	if (!slash || !strcmp(name, "/"))
		return NULL;
	if (slash == name)
		return strdup("/");
	return strndup(name, slash - name);
}

const char *path__base(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash ? slash + 1 : name;
}

bool store__domain_path(unsigned domid, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/local/domain/%u", domid);

	return n > 0 && (size_t)n < size;
}
