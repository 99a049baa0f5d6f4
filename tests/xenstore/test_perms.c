/*
 * Permissions (xenstore/perms.c and their use in store.c): owner, ACL
 * entries, the default, dom0, ENOENT vs EACCES for missing nodes, who may
 * SET_PERMS, the string form and the special nodes.
 */
#include "xs_test.h"

static void set(struct fx *f, const char *path, const char *perms, size_t len)
{
	struct xs_permissions *p;
	unsigned n;

	assert_int_equal(perms__parse(perms, len, &p, &n), 0);
	assert_int_equal(store__set_perms(f->d0, 0, path, p, n), 0);
	free(p);
}

static void test_owner_acl_default(void **state)
{
	struct fx *f = *state;
	int err;

	assert_int_equal(fx_write(f->d0, 0, "/shared/x", "v"), 0);
	/* "n0": only dom0. */
	assert_null(fx_read(f->d1, "/shared/x", &err));
	assert_int_equal(err, EACCES);
	/* Default read for all, dom2 gets nothing through its ACL entry. */
	set(f, "/shared/x", "r0\0n2", 6);
	free(fx_read(f->d1, "/shared/x", &err));
	assert_int_equal(err, 0);
	assert_null(fx_read(f->d2, "/shared/x", &err));
	assert_int_equal(err, EACCES);
	assert_int_equal(fx_write(f->d1, 0, "/shared/x", "w"), EACCES);
	/* Write only: no read. */
	set(f, "/shared/x", "n0\0w1", 6);
	assert_int_equal(fx_write(f->d1, 0, "/shared/x", "w"), 0);
	assert_null(fx_read(f->d1, "/shared/x", &err));
	assert_int_equal(err, EACCES);
	/* The owner may do everything whatever the default says. */
	set(f, "/shared/x", "n2", 3);
	fx_expect_value(f->d2, 0, "/shared/x", "w");
	assert_int_equal(fx_write(f->d2, 0, "/shared/x", "2"), 0);
	/* "b" is both. */
	set(f, "/shared/x", "n0\0b1", 6);
	assert_int_equal(fx_write(f->d1, 0, "/shared/x", "1"), 0);
	fx_expect_value(f->d1, 0, "/shared/x", "1");
	/* Dom0 ignores permissions. */
	set(f, "/shared/x", "n5", 3);
	fx_expect_value(f->d0, 0, "/shared/x", "1");
}

static void test_missing_enoent_or_eacces(void **state)
{
	struct fx *f = *state;
	int err;

	/* Below a node dom1 cannot read: EACCES, it learns nothing. */
	assert_null(fx_read(f->d1, "/local/domain/2/nothing/deeper", &err));
	assert_int_equal(err, EACCES);
	assert_null(fx_read(f->d1, "/local/domain/1/nothing/deeper", &err));
	assert_int_equal(err, ENOENT);
	/* Creating needs write on the nearest existing ancestor. */
	assert_int_equal(fx_write(f->d1, 0, "/local/domain/2/x/y", "v"), EACCES);
	assert_int_equal(fx_write(f->d1, 0, "/newtop", "v"), EACCES);
	set(f, "/local/domain/2", "n2\0w1", 6);
	assert_int_equal(fx_write(f->d1, 0, "/local/domain/2/x/y", "v"), 0);
	/* ...and it owns what it made (xenstored: creators own). */
	{
		struct xs_permissions *p;
		unsigned n;

		assert_int_equal(store__get_perms(f->d1, 0, "/local/domain/2/x", &p, &n), 0);
		assert_int_equal(p[0].id, 1);
		assert_int_equal(n, 2);
		free(p);
	}
	/* rm needs write on the node itself. */
	set(f, "/local/domain/2/x/y", "r2", 3);
	assert_int_equal(store__rm(f->d1, 0, "/local/domain/2/x/y"), EACCES);
}

static void test_set_perms_rules(void **state)
{
	struct fx *f = *state;
	struct xs_permissions mine[2] = { { 1, XS_PERM_NONE }, { 2, XS_PERM_READ } };
	struct xs_permissions theirs = { 2, XS_PERM_NONE };

	assert_int_equal(fx_write(f->d1, 0, "k", "v"), 0);
	/* The owner may change the ACL... */
	assert_int_equal(store__set_perms(f->d1, 0, "k", mine, 2), 0);
	fx_expect_value(f->d2, 0, "/local/domain/1/k", "v");
	/* ...but not give the node away (EPERM)... */
	assert_int_equal(store__set_perms(f->d1, 0, "k", &theirs, 1), EPERM);
	/* ...and others may not touch it, even with write access. */
	mine[1].perms = XS_PERM_READ | XS_PERM_WRITE;
	assert_int_equal(store__set_perms(f->d1, 0, "k", mine, 2), 0);
	assert_int_equal(store__set_perms(f->d2, 0, "/local/domain/1/k", mine, 2), EACCES);
	/* Dom0 may give it away. */
	assert_int_equal(store__set_perms(f->d0, 0, "/local/domain/1/k", &theirs, 1), 0);
	assert_int_equal(store__set_perms(f->d0, 0, "/local/domain/1/k", mine, 0), EINVAL);
}

static void test_string_form(void **state)
{
	struct xs_permissions *p;
	unsigned n;
	char *s;
	size_t len;
	(void)state;

	assert_int_equal(perms__parse("r0\0b5\0w7\0n65535", 16, &p, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(p[0].perms, XS_PERM_READ);
	assert_int_equal(p[1].perms, XS_PERM_READ | XS_PERM_WRITE);
	assert_int_equal(p[1].id, 5);
	assert_int_equal(p[2].perms, XS_PERM_WRITE);
	assert_int_equal(p[3].perms, XS_PERM_NONE);
	assert_int_equal(p[3].id, 65535);
	assert_int_equal(perms__format(p, n, &s, &len), 0);
	assert_int_equal(len, 16);
	assert_memory_equal(s, "r0\0b5\0w7\0n65535", 16);
	free(s);
	free(p);
	assert_int_equal(perms__parse("x0", 3, &p, &n), EINVAL);
	assert_int_equal(perms__parse("r", 2, &p, &n), EINVAL);
	assert_int_equal(perms__parse("r1x", 4, &p, &n), EINVAL);
	assert_int_equal(perms__parse("r65536", 7, &p, &n), EINVAL);
	assert_int_equal(perms__parse("r1", 2, &p, &n), EINVAL); /* no NUL */
}

static void test_special_nodes(void **state)
{
	struct fx *f = *state;
	struct xs_permissions *p, r1[2] = { { 0, XS_PERM_NONE }, { 1, XS_PERM_READ } };
	unsigned n;

	assert_int_equal(store__get_perms(f->d0, 0, "@releaseDomain", &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].id, 0);
	assert_int_equal(p[0].perms, XS_PERM_NONE);
	free(p);
	assert_int_equal(store__get_perms(f->d1, 0, "@releaseDomain", &p, &n), EACCES);
	assert_int_equal(store__set_perms(f->d1, 0, "@releaseDomain", r1, 2), EACCES);
	assert_int_equal(store__set_perms(f->d0, 0, "@releaseDomain", r1, 2), 0);
	assert_int_equal(store__get_perms(f->d1, 0, "@releaseDomain", &p, &n), 0);
	assert_int_equal(n, 2);
	free(p);
	/* Unknown special names: looked up as nodes below "/" ("n0"). */
	assert_int_equal(store__get_perms(f->d0, 0, "@other", &p, &n), ENOENT);
	assert_int_equal(store__get_perms(f->d1, 0, "@other", &p, &n), EACCES);
	assert_int_equal(store__get_perms(f->d0, 0, "@a b", &p, &n), EINVAL);
	assert_int_equal(store__set_perms(f->d0, 0, "@other", r1, 2), ENOENT);
	assert_int_equal(store__watch(f->d0, "@bad/", "t"), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_owner_acl_default, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_missing_enoent_or_eacces, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_set_perms_rules, fx_setup, fx_teardown),
		cmocka_unit_test(test_string_form),
		cmocka_unit_test_setup_teardown(test_special_nodes, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
