/*
 * xenstore/store.c: paths, nodes, DIRECTORY(_PART) and the error strings,
 * through the API and through wire requests, as xenstored answers them.
 */
#include "xs_test.h"

static void test_write_read_relative(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_write(f->d1, 0, "name", "guest"), 0);
	fx_expect_value(f->d1, 0, "/local/domain/1/name", "guest");
	fx_expect_value(f->d1, 0, "name", "guest");
	fx_expect_value(f->d0, 0, "/local/domain/1/name", "guest");
	/* Dom0's relative paths are under /local/domain/0. */
	assert_int_equal(fx_write(f->d0, 0, "x", "0"), 0);
	fx_expect_value(f->d0, 0, "/local/domain/0/x", "0");
}

static void test_values_are_bytes(void **state)
{
	struct fx *f = *state;
	static const char v[] = { 'a', 0, 'b', 0 };
	char *got;
	size_t len;

	assert_int_equal(store__write(f->d1, 0, "bin", v, sizeof(v)), 0);
	assert_int_equal(store__read(f->d1, 0, "bin", &got, &len), 0);
	assert_int_equal(len, sizeof(v));
	assert_memory_equal(got, v, sizeof(v));
	free(got);
	/* An empty value. */
	assert_int_equal(store__write(f->d1, 0, "empty", "", 0), 0);
	fx_expect_value(f->d1, 0, "empty", "");
}

static void test_invalid_paths(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"/local/domain/1/", "/local//domain", "/local/domain/1/a b",
		"/local/domain/1/a.b", "/local/domain/1/\xc3\xa9", "", "@x",
		"@introduceDomain",
	};
	char *big;
	int err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fx_write(f->d0, 0, bad[i], "v"), EINVAL);
		assert_null(fx_read(f->d0, bad[i], &err));
		assert_int_equal(err, EINVAL);
	}
	/* Valid characters: letters, digits, - / _ @ */
	assert_int_equal(fx_write(f->d1, 0, "a-b_c@d/E9", "v"), 0);

	/* At most XENSTORE_REL_PATH_MAX after /local/domain/<id>/ (dom0 here:
	 * a guest's 2048-byte name would overflow its parent's record). */
	big = malloc(XENSTORE_ABS_PATH_MAX + 2);
	strcpy(big, "/local/domain/1/");
	memset(big + 16, 'a', XENSTORE_REL_PATH_MAX);
	big[16 + XENSTORE_REL_PATH_MAX] = '\0';
	assert_int_equal(fx_write(f->d0, 0, big, "v"), 0);
	big[16 + XENSTORE_REL_PATH_MAX] = 'a';
	big[17 + XENSTORE_REL_PATH_MAX] = '\0';
	assert_int_equal(fx_write(f->d0, 0, big, "v"), EINVAL);
	/* Relative paths the same. */
	assert_int_equal(fx_write(f->d1, 0, big + 16, "v"), EINVAL);
	memset(big, 'a', XENSTORE_REL_PATH_MAX + 1);
	/* Elsewhere the whole path counts. */
	big[0] = '/';
	big[XENSTORE_REL_PATH_MAX] = '\0';
	assert_int_equal(fx_write(f->d0, 0, big, "v"), 0);
	big[XENSTORE_REL_PATH_MAX] = 'a';
	big[XENSTORE_REL_PATH_MAX + 1] = '\0';
	assert_int_equal(fx_write(f->d0, 0, big, "v"), EINVAL);
	free(big);
}

static void test_create_parents_inherit(void **state)
{
	struct fx *f = *state;
	struct xs_permissions acl[2] = {
		{ .id = 1, .perms = XS_PERM_NONE }, { .id = 2, .perms = XS_PERM_READ },
	};
	struct xs_permissions *p;
	unsigned n;

	assert_int_equal(store__set_perms(f->d0, 0, "/local/domain/1", acl, 2), 0);
	/* dom1 creates a/b/c: a and a/b come too, each dom1's with the ACL. */
	assert_int_equal(fx_write(f->d1, 0, "a/b/c", "v"), 0);
	fx_expect_value(f->d1, 0, "a/b", "");
	assert_int_equal(store__get_perms(f->d1, 0, "a/b/c", &p, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].id, 1);
	assert_int_equal(p[1].id, 2);
	assert_int_equal(p[1].perms, XS_PERM_READ);
	free(p);
	fx_expect_value(f->d2, 0, "/local/domain/1/a/b/c", "v");

	/* Dom0 creating under a guest's node keeps the parent's owner. */
	assert_int_equal(fx_write(f->d0, 0, "/local/domain/1/t", "v"), 0);
	assert_int_equal(store__get_perms(f->d0, 0, "/local/domain/1/t", &p, &n), 0);
	assert_int_equal(p[0].id, 1);
	free(p);
	/* And a dom0-created node elsewhere is dom0's, "n0". */
	assert_int_equal(fx_write(f->d0, 0, "/vm/u/name", "x"), 0);
	assert_int_equal(store__get_perms(f->d0, 0, "/vm/u", &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].id, 0);
	assert_int_equal(p[0].perms, XS_PERM_NONE);
	free(p);
}

static void test_mkdir_rm_directory(void **state)
{
	struct fx *f = *state;
	char *list;
	size_t len;
	int err;

	assert_int_equal(store__mkdir(f->d1, 0, "dev"), 0);
	assert_int_equal(fx_write(f->d1, 0, "dev/z", "1"), 0);
	assert_int_equal(fx_write(f->d1, 0, "dev/a", "2"), 0);
	assert_int_equal(fx_write(f->d1, 0, "dev/m/x", "3"), 0);
	/* MKDIR of an existing node leaves its value. */
	assert_int_equal(store__mkdir(f->d1, 0, "dev/z"), 0);
	fx_expect_value(f->d1, 0, "dev/z", "1");
	/* Children in creation order, as xenstored. */
	assert_int_equal(store__directory(f->d1, 0, "dev", &list, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(list, "z\0a\0m\0", 6);
	free(list);

	assert_int_equal(store__rm(f->d1, 0, "dev/m"), 0);
	assert_null(fx_read(f->d1, "dev/m/x", &err));
	assert_int_equal(err, ENOENT);
	assert_int_equal(store__directory(f->d1, 0, "dev", &list, &len), 0);
	assert_memory_equal(list, "z\0a\0", 4);
	assert_int_equal(len, 4);
	free(list);
	/* Removing what is gone is fine while the parent exists... */
	assert_int_equal(store__rm(f->d1, 0, "dev/m"), 0);
	/* ...and ENOENT when it does not. */
	assert_int_equal(store__rm(f->d1, 0, "dev/m/x"), ENOENT);
	assert_int_equal(store__rm(f->d0, 0, "/"), EINVAL);
	assert_int_equal(store__directory(f->d1, 0, "nothing", &list, &len), ENOENT);
}

static void test_directory_part(void **state)
{
	struct fx *f = *state;
	char name[64], gen0[24] = "", *r;
	size_t len, off = 0;
	unsigned seen = 0, parts = 0;
	bool end = false;

	/* 300 children of 40 bytes with the NUL: 12000 bytes, three parts. */
	for (unsigned i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/big/child-%033u", i);
		assert_int_equal(fx_write(f->d0, 0, name, ""), 0);
	}
	while (!end) {
		size_t gl, p;

		assert_int_equal(store__directory_part(f->d0, 0, "/big", off, &r, &len), 0);
		assert_true(len <= XENSTORE_PAYLOAD_MAX);
		parts++;
		/* Every part starts with the same generation count. */
		gl = strlen(r) + 1;
		assert_true(gl > 1 && r[0] >= '0' && r[0] <= '9');
		if (!gen0[0])
			strcpy(gen0, r);
		assert_string_equal(r, gen0);
		for (p = gl; p < len;) {
			if (!r[p]) { /* the end marker */
				end = true;
				p++;
				break;
			}
			snprintf(name, sizeof(name), "child-%033u", seen++);
			assert_string_equal(r + p, name);
			p += strlen(name) + 1;
			off += strlen(name) + 1;
		}
		assert_int_equal(p, len);
		free(r);
	}
	assert_int_equal(seen, 300);
	assert_int_equal(parts, 3);
	/* An offset beyond the list: generation and an empty string. */
	assert_int_equal(store__directory_part(f->d0, 0, "/big", 99999, &r, &len), 0);
	assert_int_equal(len, strlen(gen0) + 2);
	assert_string_equal(r, gen0);
	assert_int_equal(r[len - 1], '\0');
	free(r);
	/* A change of the list changes the generation count. */
	assert_int_equal(fx_write(f->d0, 0, "/big/more", ""), 0);
	assert_int_equal(store__directory_part(f->d0, 0, "/big", 0, &r, &len), 0);
	assert_string_not_equal(r, gen0);
	free(r);
	/* DIRECTORY itself refuses the 12000-byte list. */
	assert_int_equal(store__directory(f->d0, 0, "/big", &r, &len), E2BIG);
}

static void test_wire_requests(void **state)
{
	struct fx *f = *state;
	struct store_reply r;

	assert_int_equal(fx_request(f->d1, XS_WRITE, 0, "k\0val", 5, &r), 0);
	assert_int_equal(r.type, XS_WRITE);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.payload, "OK", 3);
	free(r.payload);
	assert_int_equal(fx_request(f->d1, XS_READ, 0, "k", 2, &r), 0);
	assert_int_equal(r.type, XS_READ);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.payload, "val", 3);
	free(r.payload);
	assert_int_equal(fx_request(f->d1, XS_GET_DOMAIN_PATH, 0, "5", 2, &r), 0);
	assert_string_equal(r.payload, "/local/domain/5");
	free(r.payload);
	assert_int_equal(fx_request(f->d1, XS_GET_PERMS, 0, "k", 2, &r), 0);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.payload, "n1", 3);
	free(r.payload);

	fx_expect_error(f->d1, XS_READ, 0, "missing", 8, "ENOENT");
	fx_expect_error(f->d1, XS_READ, 0, "/local/domain/2/x", 18, "EACCES");
	fx_expect_error(f->d1, XS_READ, 0, "bad path", 9, "EINVAL");
	fx_expect_error(f->d1, XS_READ, 42, "k", 2, "ENOENT"); /* unknown tx */
	fx_expect_error(f->d1, XS_IS_DOMAIN_INTRODUCED, 0, "1", 2, "EACCES");
	fx_expect_error(f->d1, XS_SET_PERMS, 0, "k\0x1", 5, "EINVAL");
	fx_expect_error(f->d1, XS_SET_PERMS, 0, "k\0n0", 5, "EPERM");
	fx_expect_error(f->d1, XS_TRANSACTION_END, 0, "T", 2, "ENOENT");
	fx_expect_error(f->d1, XS_UNWATCH, 0, "k\0t", 4, "ENOENT");
	fx_expect_error(f->d0, XS_RM, 0, "/", 2, "EINVAL");

	assert_int_equal(fx_request(f->d0, XS_IS_DOMAIN_INTRODUCED, 0, "1", 2, &r), 0);
	assert_string_equal(r.payload, "T");
	free(r.payload);
	assert_int_equal(fx_request(f->d0, XS_IS_DOMAIN_INTRODUCED, 0, "9", 2, &r), 0);
	assert_string_equal(r.payload, "F");
	free(r.payload);

	/* WATCH and UNWATCH ignore the transaction id. */
	assert_int_equal(fx_request(f->d1, XS_WATCH, 99, "k\0t", 4, &r), 0);
	assert_int_equal(r.type, XS_WATCH);
	free(r.payload);
	store__events_free(store__events_take(f->s));

	/* The privileged requests: EACCES for guests (before the tx_id),
	 * left to the connection layer for dom0 (after it). */
	fx_expect_error(f->d1, XS_INTRODUCE, 0, "1\0" "2\0" "3", 6, "EACCES");
	fx_expect_error(f->d1, XS_RELEASE, 99, "1", 2, "EACCES");
	fx_expect_error(f->d1, XS_CONTROL, 0, "log", 4, "EACCES");
	fx_expect_error(f->d0, XS_RELEASE, 99, "1", 2, "ENOENT");
	{
		struct xsd_sockmsg h = { .type = XS_INTRODUCE, .len = 6 };
		struct wire_request req;

		assert_int_equal(wire__parse(&h, "1\0002\0003", &req), 0);
		assert_false(store__request(f->d0, &req, &r));
		h.type = XS_SET_TARGET;
		h.len = 4;
		assert_int_equal(wire__parse(&h, "1\0002", &req), 0);
		assert_false(store__request(f->d0, &req, &r));
	}
}

static void test_errstrings(void **state)
{
	(void)state;
	assert_string_equal(store__errstring(ENOENT), "ENOENT");
	assert_string_equal(store__errstring(EACCES), "EACCES");
	assert_string_equal(store__errstring(EAGAIN), "EAGAIN");
	assert_string_equal(store__errstring(E2BIG), "E2BIG");
	assert_string_equal(store__errstring(ENOSPC), "ENOSPC");
	assert_string_equal(store__errstring(EPERM), "EPERM");
	assert_string_equal(store__errstring(EBUSY), "EBUSY");
	/* Untranslatable: the table's first entry, as xenstored. */
	assert_string_equal(store__errstring(EDOM), "EINVAL");
}

static void test_initial_tree_and_dump(void **state)
{
	struct fx *f = *state;
	char *buf = NULL, *list;
	size_t size = 0, len;
	FILE *out = open_memstream(&buf, &size);

	assert_int_equal(store__directory(f->d0, 0, "/", &list, &len), 0);
	assert_memory_equal(list, "tool\0local\0", 11);
	free(list);
	assert_int_equal(store__write(f->d1, 0, "v", "a\"\n", 3), 0);
	store__dump(f->s, "/local/domain/1", out);
	fclose(out);
	assert_string_equal(buf, "/local/domain/1 = \"\"  (n1)\n"
				 "/local/domain/1/v = \"a\\\"\\x0a\"  (n1)\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read_relative, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_values_are_bytes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_paths, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_create_parents_inherit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_rm_directory, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_directory_part, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wire_requests, fx_setup, fx_teardown),
		cmocka_unit_test(test_errstrings),
		cmocka_unit_test_setup_teardown(test_initial_tree_and_dump, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
