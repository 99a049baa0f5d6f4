/*
 * Quotas (xenstore/quota.c and their checks): each limit hits the domain
 * that exceeds it and nobody else; dom0 is exempt. Small limits keep the
 * tests short; test_defaults checks xenstored's numbers.
 */
#include "xs_test.h"

static int small(void **state)
{
	struct store_quota q;

	quota__defaults(&q);
	q.nb_entry_per_domain = 5;
	q.nb_watch_per_domain = 3;
	q.max_transaction = 2;
	q.trans_nodes = 8;
	return fx_setup_quota(state, &q);
}

static void test_defaults(void **state)
{
	struct store_quota q;
	(void)state;

	quota__defaults(&q);
	assert_int_equal(q.nb_entry_per_domain, 1000);
	assert_int_equal(q.max_entry_size, 2048);
	assert_int_equal(q.nb_watch_per_domain, 128);
	assert_int_equal(q.max_transaction, 10);
	assert_int_equal(q.req_outstanding, 20);
	assert_int_equal(q.max_path_len, XENSTORE_REL_PATH_MAX);
	assert_int_equal(q.nb_perms_per_node, 5);
	assert_int_equal(q.trans_nodes, 1024);
}

static void test_nodes_per_domain(void **state)
{
	struct fx *f = *state;
	char name[16];

	/* dom1 owns its home already: 4 more fit, the 5th is ENOSPC. */
	assert_int_equal(store__domain_nodes(f->s, 1), 1);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(fx_write(f->d1, 0, name, "v"), 0);
	}
	assert_int_equal(fx_write(f->d1, 0, "n4", "v"), ENOSPC);
	/* A write creating several nodes is refused whole. */
	assert_int_equal(store__rm(f->d1, 0, "n3"), 0);
	assert_int_equal(fx_write(f->d1, 0, "p/q", "v"), ENOSPC);
	{
		char *v;
		size_t len;

		assert_int_equal(store__read(f->d1, 0, "p", &v, &len), ENOENT);
	}
	assert_int_equal(fx_write(f->d1, 0, "n3", "v"), 0);
	/* Overwriting is fine; dom2 and dom0 are unaffected. */
	assert_int_equal(fx_write(f->d1, 0, "n0", "again"), 0);
	assert_int_equal(fx_write(f->d2, 0, "a/b/c", "v"), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		assert_int_equal(fx_write(f->d0, 0, name, "v"), 0);
	}
	/* Through the wire: the string a guest sees. */
	fx_expect_error(f->d1, XS_WRITE, 0, "x\0\0", 3, "ENOSPC");
}

static void test_nodes_in_transaction(void **state)
{
	struct fx *f = *state;
	uint32_t tx;

	assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	assert_int_equal(fx_write(f->d1, tx, "a", "v"), 0);
	assert_int_equal(fx_write(f->d1, tx, "b", "v"), 0);
	assert_int_equal(fx_write(f->d1, tx, "c", "v"), 0);
	assert_int_equal(fx_write(f->d1, tx, "d", "v"), 0);
	assert_int_equal(fx_write(f->d1, tx, "e", "v"), ENOSPC);
	/* Meanwhile dom0 gives dom1 a node outside: the commit would make 6. */
	{
		struct xs_permissions p = { 1, XS_PERM_NONE };

		assert_int_equal(fx_write(f->d0, 0, "/gift", "v"), 0);
		assert_int_equal(store__set_perms(f->d0, 0, "/gift", &p, 1), 0);
	}
	assert_int_equal(store__transaction_end(f->d1, tx, true), ENOSPC);
	assert_int_equal(store__domain_nodes(f->s, 1), 2);
}

static void test_entry_size(void **state)
{
	struct fx *f = *state;
	char *big = malloc(4000);

	memset(big, 'x', 4000);
	/* xenstored's record: 24-byte header + 8 per permission + value +
	 * children; ENOSPC from 2048 on. One permission: 2015 bytes fit. */
	assert_int_equal(store__write(f->d1, 0, "v", big, 2048 - 24 - 8 - 1), 0);
	assert_int_equal(store__write(f->d1, 0, "v", big, 2048 - 24 - 8), ENOSPC);
	assert_int_equal(store__write(f->d2, 0, "v", big, 100), 0);
	/* Dom0 is exempt (up to what a message carries). */
	assert_int_equal(store__write(f->d0, 0, "/local/domain/1/v", big, 4000), 0);
	free(big);
}

static void test_perms_per_node(void **state)
{
	struct fx *f = *state;
	struct xs_permissions p[7] = { { 1, 0 }, { 2, 1 }, { 3, 1 }, { 4, 1 },
				       { 5, 1 }, { 6, 1 }, { 7, 1 } };

	assert_int_equal(fx_write(f->d1, 0, "k", "v"), 0);
	assert_int_equal(store__set_perms(f->d1, 0, "k", p, 5), 0);
	assert_int_equal(store__set_perms(f->d1, 0, "k", p, 6), ENOSPC);
	assert_int_equal(store__set_perms(f->d0, 0, "/local/domain/1/k", p, 7), 0);
}

static void test_watches_per_domain(void **state)
{
	struct fx *f = *state;
	struct store_conn *c;
	char tok[8];

	/* xenstored compares before adding: quota + 1 watches fit. */
	for (int i = 0; i < 4; i++) {
		snprintf(tok, sizeof(tok), "t%d", i);
		assert_int_equal(store__watch(f->d1, "x", tok), 0);
	}
	assert_int_equal(store__watch(f->d1, "x", "t4"), E2BIG);
	/* Per domain: another connection of dom1 counts too. */
	c = store__conn_new(f->s, 1, "c");
	assert_int_equal(store__watch(c, "x", "t9"), E2BIG);
	store__conn_free(c);
	fx_expect_error(f->d1, XS_WATCH, 0, "x\0t5", 5, "E2BIG");
	assert_int_equal(store__watch(f->d2, "x", "t4"), 0);
	for (int i = 0; i < 10; i++) {
		snprintf(tok, sizeof(tok), "t%d", i);
		assert_int_equal(store__watch(f->d0, "x", tok), 0);
	}
	/* Unwatching makes room. */
	assert_int_equal(store__unwatch(f->d1, "x", "t0"), 0);
	assert_int_equal(store__watch(f->d1, "x", "t4"), 0);
}

static void test_transactions_per_conn(void **state)
{
	struct fx *f = *state;
	uint32_t tx;

	/* As xenstored: max_transaction + 1 open ones fit. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	assert_int_equal(store__transaction_start(f->d1, &tx), ENOSPC);
	fx_expect_error(f->d1, XS_TRANSACTION_START, 0, "", 1, "ENOSPC");
	assert_int_equal(store__transaction_start(f->d2, &tx), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(store__transaction_start(f->d0, &tx), 0);
}

static void test_nodes_per_transaction(void **state)
{
	struct fx *f = *state;
	uint32_t tx;
	char name[8], *v;
	size_t len;

	/* The home (the parent) and 7 children: 8 nodes touched. */
	assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		assert_int_equal(store__read(f->d1, tx, name, &v, &len), ENOENT);
	}
	assert_int_equal(store__read(f->d1, tx, "r7", &v, &len), ENOSPC);
	assert_int_equal(store__transaction_end(f->d1, tx, false), 0);
	assert_int_equal(store__transaction_start(f->d0, &tx), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "/r%d", i);
		assert_int_equal(store__read(f->d0, tx, name, &v, &len), ENOENT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_nodes_per_domain, small, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nodes_in_transaction, small, fx_teardown),
		cmocka_unit_test_setup_teardown(test_entry_size, small, fx_teardown),
		cmocka_unit_test_setup_teardown(test_perms_per_node, small, fx_teardown),
		cmocka_unit_test_setup_teardown(test_watches_per_domain, small, fx_teardown),
		cmocka_unit_test_setup_teardown(test_transactions_per_conn, small, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nodes_per_transaction, small, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
