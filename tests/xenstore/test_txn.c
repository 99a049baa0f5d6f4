/*
 * Transactions (xenstore/txn.c): isolation, commit, abort, EAGAIN on a
 * concurrent change of anything the transaction touched, and the wire
 * rules (EBUSY inside a transaction, ENOENT for an unknown id).
 */
#include "xs_test.h"

static void test_commit_and_isolation(void **state)
{
	struct fx *f = *state;
	uint32_t tx;
	int err;

	assert_int_equal(fx_write(f->d1, 0, "a", "old"), 0);
	assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	assert_true(tx != 0);
	assert_int_equal(fx_write(f->d1, tx, "a", "new"), 0);
	assert_int_equal(fx_write(f->d1, tx, "b/c", "made"), 0);
	/* Inside: the transaction's view; outside: the tree's. */
	fx_expect_value(f->d1, tx, "a", "new");
	fx_expect_value(f->d1, tx, "b/c", "made");
	fx_expect_value(f->d1, 0, "a", "old");
	assert_null(fx_read(f->d1, "b/c", &err));
	assert_int_equal(err, ENOENT);
	assert_int_equal(store__transaction_end(f->d1, tx, true), 0);
	fx_expect_value(f->d1, 0, "a", "new");
	fx_expect_value(f->d1, 0, "b/c", "made");
	/* The id is gone. */
	assert_int_equal(store__transaction_end(f->d1, tx, true), ENOENT);
}

static void test_abort(void **state)
{
	struct fx *f = *state;
	uint32_t tx;

	assert_int_equal(fx_write(f->d1, 0, "a", "old"), 0);
	assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	assert_int_equal(fx_write(f->d1, tx, "a", "new"), 0);
	assert_int_equal(store__rm(f->d1, tx, "a"), 0);
	/* Gone inside, still there outside. */
	{
		char *v;
		size_t len;

		assert_int_equal(store__read(f->d1, tx, "a", &v, &len), ENOENT);
	}
	fx_expect_value(f->d1, 0, "a", "old");
	assert_int_equal(store__transaction_end(f->d1, tx, false), 0);
	fx_expect_value(f->d1, 0, "a", "old");
}

/* A transaction that read a node another client then changed: EAGAIN. */
static void test_conflict_on_read_node(void **state)
{
	struct fx *f = *state;
	uint32_t tx;
	char *v;
	size_t len;

	assert_int_equal(fx_write(f->d1, 0, "a", "1"), 0);
	assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	assert_int_equal(store__read(f->d1, tx, "a", &v, &len), 0);
	free(v);
	assert_int_equal(fx_write(f->d1, tx, "b", "x"), 0);
	assert_int_equal(fx_write(f->d0, 0, "/local/domain/1/a", "2"), 0);
	assert_int_equal(store__transaction_end(f->d1, tx, true), EAGAIN);
	/* Nothing of it was applied. */
	assert_int_equal(store__read(f->d1, 0, "b", &v, &len), ENOENT);
	fx_expect_value(f->d1, 0, "a", "2");
}

static void test_conflict_kinds(void **state)
{
	struct fx *f = *state;
	uint32_t tx;
	char *v;
	size_t len;

	/* A write of the same node by someone else. */
	assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	assert_int_equal(fx_write(f->d1, tx, "w", "t"), 0);
	assert_int_equal(fx_write(f->d1, 0, "w", "o"), 0);
	assert_int_equal(store__transaction_end(f->d1, tx, true), EAGAIN);
	fx_expect_value(f->d1, 0, "w", "o");

	/* A node read as missing, created meanwhile. */
	assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	assert_int_equal(store__read(f->d1, tx, "late", &v, &len), ENOENT);
	assert_int_equal(fx_write(f->d1, 0, "late", "x"), 0);
	assert_int_equal(store__transaction_end(f->d1, tx, true), EAGAIN);

	/* A node removed meanwhile. */
	assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	assert_int_equal(store__read(f->d1, tx, "late", &v, &len), 0);
	free(v);
	assert_int_equal(store__rm(f->d1, 0, "late"), 0);
	assert_int_equal(store__transaction_end(f->d1, tx, true), EAGAIN);

	/* Two transactions on the same node: the first commit wins. */
	{
		uint32_t t1, t2;

		assert_int_equal(store__transaction_start(f->d1, &t1), 0);
		assert_int_equal(store__transaction_start(f->d2, &t2), 0);
		assert_int_equal(fx_write(f->d1, t1, "/local/domain/1/w", "1"), 0);
		assert_int_equal(fx_write(f->d0, 0, "/local/domain/2/ok", ""), 0);
		assert_int_equal(fx_write(f->d2, t2, "state", "2"), 0);
		assert_int_equal(store__transaction_end(f->d1, t1, true), 0);
		/* dom2's touched only its own nodes: unaffected. */
		assert_int_equal(store__transaction_end(f->d2, t2, true), 0);
	}
}

static void test_unrelated_change_commits(void **state)
{
	struct fx *f = *state;
	uint32_t tx;

	assert_int_equal(fx_write(f->d1, 0, "a", "1"), 0);
	assert_int_equal(fx_write(f->d1, 0, "other", "1"), 0);
	assert_int_equal(store__transaction_start(f->d1, &tx), 0);
	fx_expect_value(f->d1, tx, "a", "1");
	assert_int_equal(fx_write(f->d1, tx, "a", "2"), 0);
	assert_int_equal(fx_write(f->d1, 0, "other", "2"), 0);
	assert_int_equal(fx_write(f->d2, 0, "x", "2"), 0);
	assert_int_equal(store__transaction_end(f->d1, tx, true), 0);
	fx_expect_value(f->d1, 0, "a", "2");
}

static void test_wire_rules(void **state)
{
	struct fx *f = *state;
	struct store_reply r;
	uint32_t tx;

	assert_int_equal(fx_request(f->d1, XS_TRANSACTION_START, 0, "", 1, &r), 0);
	assert_int_equal(r.type, XS_TRANSACTION_START);
	tx = strtoul(r.payload, NULL, 10);
	assert_int_equal(r.len, strlen(r.payload) + 1);
	free(r.payload);
	/* No nesting. */
	fx_expect_error(f->d1, XS_TRANSACTION_START, tx, "", 1, "EBUSY");
	fx_expect_error(f->d1, XS_TRANSACTION_START, tx + 100, "", 1, "ENOENT");
	fx_expect_error(f->d1, XS_TRANSACTION_END, tx, "X", 2, "EINVAL");
	/* Another connection does not see it. */
	fx_expect_error(f->d2, XS_READ, tx, "/local/domain/1", 16, "ENOENT");
	assert_int_equal(fx_request(f->d1, XS_WRITE, tx, "k\0v", 3, &r), 0);
	free(r.payload);
	assert_int_equal(fx_write(f->d1, 0, "k", "other"), 0);
	fx_expect_error(f->d1, XS_TRANSACTION_END, tx, "T", 2, "EAGAIN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_and_isolation, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_abort, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_conflict_on_read_node, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_conflict_kinds, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_unrelated_change_commits, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wire_rules, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
