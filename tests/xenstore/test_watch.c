/*
 * Watches (xenstore/watch.c): the initial event, which changes fire which
 * watches with which path and token, relative watches, removal, the
 * permission filter, transactions (on commit only), the special watches
 * and release.
 */
#include "xs_test.h"

static void test_initial_event_and_ancestors(void **state)
{
	struct fx *f = *state;

	assert_int_equal(store__watch(f->d1, "/local/domain/1/dev", "tok"), 0);
	/* Fired at once with the path as given, even if absent. */
	fx_expect_events(f, f->d1, "/local/domain/1/dev", "tok", NULL);
	assert_int_equal(store__watch(f->d0, "/", "root"), 0);
	fx_expect_events(f, f->d0, "/", "root", NULL);

	/* A change below the watch: the changed path, the watch's token. */
	assert_int_equal(fx_write(f->d1, 0, "dev/vif/0/state", "1"), 0);
	fx_expect_events(f, f->d0, "/local/domain/1/dev/vif/0/state", "root",
			 f->d1, "/local/domain/1/dev/vif/0/state", "tok", NULL);
	/* The node itself. */
	assert_int_equal(fx_write(f->d1, 0, "dev", "x"), 0);
	fx_expect_events(f, f->d0, "/local/domain/1/dev", "root",
			 f->d1, "/local/domain/1/dev", "tok", NULL);
	/* A change above or beside it: not this watch. */
	assert_int_equal(fx_write(f->d1, 0, "devices", "x"), 0);
	assert_int_equal(fx_write(f->d1, 0, "/local/domain/1", "x"), 0);
	fx_expect_events(f, f->d0, "/local/domain/1/devices", "root",
			 f->d0, "/local/domain/1", "root", NULL);
	/* MKDIR of an existing node changes nothing, fires nothing. */
	assert_int_equal(store__mkdir(f->d1, 0, "dev"), 0);
	fx_expect_events(f, NULL);
}

static void test_relative_watch(void **state)
{
	struct fx *f = *state;

	assert_int_equal(store__watch(f->d1, "control/shutdown", "sd"), 0);
	fx_expect_events(f, f->d1, "control/shutdown", "sd", NULL);
	assert_int_equal(fx_write(f->d0, 0, "/local/domain/1/control/shutdown",
				  "poweroff"), 0);
	fx_expect_events(f, f->d1, "control/shutdown", "sd", NULL);
	/* The same watch whichever way the path is given. */
	assert_int_equal(store__watch(f->d1, "/local/domain/1/control/shutdown", "sd"),
			 EEXIST);
	assert_int_equal(store__unwatch(f->d1, "/local/domain/1/control/shutdown", "sd"), 0);
	assert_int_equal(store__unwatch(f->d1, "control/shutdown", "sd"), ENOENT);
}

static void test_rm_fires_subtree(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_write(f->d1, 0, "d/a/x", "1"), 0);
	assert_int_equal(fx_write(f->d1, 0, "d/b", "2"), 0);
	assert_int_equal(store__watch(f->d1, "d", "top"), 0);
	assert_int_equal(store__watch(f->d1, "d/a/x", "leaf"), 0);
	assert_int_equal(store__watch(f->d1, "d/a/x/none", "below"), 0);
	store__events_free(store__events_take(f->s));
	assert_int_equal(store__rm(f->d1, 0, "d"), 0);
	/* Children first, each only to its own watches; the removed root
	 * to the watches on it and above. */
	fx_expect_events(f, f->d1, "d/a/x", "leaf", f->d1, "d", "top", NULL);
}

static void test_permission_filter(void **state)
{
	struct fx *f = *state;
	struct xs_permissions p[2] = { { 0, XS_PERM_NONE }, { 2, XS_PERM_READ } };

	assert_int_equal(store__watch(f->d2, "/secret", "s"), 0);
	assert_int_equal(store__watch(f->d2, "/local/domain/1", "other"), 0);
	fx_expect_events(f, f->d2, "/secret", "s", f->d2, "/local/domain/1", "other", NULL);
	/* dom2 may read neither the node nor its parent: no event. */
	assert_int_equal(fx_write(f->d0, 0, "/secret/x/y", "v"), 0);
	assert_int_equal(fx_write(f->d1, 0, "k", "v"), 0);
	fx_expect_events(f, NULL);
	/* Readable parent is enough. */
	assert_int_equal(store__set_perms(f->d0, 0, "/secret/x", p, 2), 0);
	fx_expect_events(f, f->d2, "/secret/x", "s", NULL);
	assert_int_equal(fx_write(f->d0, 0, "/secret/x/y", "w"), 0);
	fx_expect_events(f, f->d2, "/secret/x/y", "s", NULL);
	/* Losing access still tells (the old permissions count). */
	p[1].perms = XS_PERM_NONE;
	assert_int_equal(store__set_perms(f->d0, 0, "/secret/x", p, 2), 0);
	fx_expect_events(f, f->d2, "/secret/x", "s", NULL);
}

static void test_transaction_fires_on_commit(void **state)
{
	struct fx *f = *state;
	uint32_t tx;

	assert_int_equal(store__watch(f->d2, "/local/domain/2", "w"), 0);
	store__events_free(store__events_take(f->s));
	assert_int_equal(store__transaction_start(f->d2, &tx), 0);
	assert_int_equal(fx_write(f->d2, tx, "a", "1"), 0);
	assert_int_equal(fx_write(f->d2, tx, "b", "2"), 0);
	fx_expect_events(f, NULL);
	assert_int_equal(store__transaction_end(f->d2, tx, true), 0);
	fx_expect_events(f, f->d2, "/local/domain/2/a", "w",
			 f->d2, "/local/domain/2/b", "w", NULL);
	/* Aborted or failed: nothing. */
	assert_int_equal(store__transaction_start(f->d2, &tx), 0);
	assert_int_equal(fx_write(f->d2, tx, "a", "x"), 0);
	assert_int_equal(store__transaction_end(f->d2, tx, false), 0);
	assert_int_equal(store__transaction_start(f->d2, &tx), 0);
	assert_int_equal(fx_write(f->d2, tx, "a", "x"), 0);
	assert_int_equal(fx_write(f->d0, 0, "/local/domain/2/a", "y"), 0);
	fx_expect_events(f, f->d2, "/local/domain/2/a", "w", NULL);
	assert_int_equal(store__transaction_end(f->d2, tx, true), EAGAIN);
	fx_expect_events(f, NULL);
	/* A removal in a transaction, told at commit. */
	assert_int_equal(store__transaction_start(f->d2, &tx), 0);
	assert_int_equal(store__rm(f->d2, tx, "b"), 0);
	assert_int_equal(store__transaction_end(f->d2, tx, true), 0);
	fx_expect_events(f, f->d2, "/local/domain/2/b", "w", NULL);
}

static void test_special_watches(void **state)
{
	struct fx *f = *state;
	struct xs_permissions r1[2] = { { 0, XS_PERM_NONE }, { 1, XS_PERM_READ } };

	assert_int_equal(store__watch(f->d0, "@introduceDomain", "i"), 0);
	assert_int_equal(store__watch(f->d0, "@releaseDomain", "r"), 0);
	assert_int_equal(store__watch(f->d1, "@releaseDomain", "r1"), 0);
	fx_expect_events(f, f->d0, "@introduceDomain", "i", f->d0, "@releaseDomain", "r",
			 f->d1, "@releaseDomain", "r1", NULL);
	assert_int_equal(store__introduce(f->s, 7), 0);
	assert_int_equal(store__introduce(f->s, 7), EEXIST);
	assert_true(store__is_introduced(f->s, 7));
	fx_expect_events(f, f->d0, "@introduceDomain", "i", NULL);
	/* dom1 hears of releases once dom0 lets it read @releaseDomain. */
	assert_int_equal(store__release(f->s, 7), 0);
	fx_expect_events(f, f->d0, "@releaseDomain", "r", NULL);
	assert_int_equal(store__set_perms(f->d0, 0, "@releaseDomain", r1, 2), 0);
	assert_int_equal(store__introduce(f->s, 7), 0);
	fx_expect_events(f, f->d0, "@introduceDomain", "i", NULL);
	assert_int_equal(store__release(f->s, 7), 0);
	fx_expect_events(f, f->d0, "@releaseDomain", "r", f->d1, "@releaseDomain", "r1", NULL);
	assert_false(store__is_introduced(f->s, 7));
	assert_int_equal(store__release(f->s, 7), ENOENT);
}

static void test_release_cleans_up(void **state)
{
	struct fx *f = *state;
	struct store_stats st;
	struct xs_permissions acl[2] = { { 0, XS_PERM_NONE }, { 2, XS_PERM_READ } };
	struct xs_permissions *p;
	unsigned n;
	uint32_t tx;
	char *v;
	size_t len;

	assert_int_equal(fx_write(f->d0, 0, "/shared", "v"), 0);
	assert_int_equal(store__set_perms(f->d0, 0, "/shared", acl, 2), 0);
	assert_int_equal(fx_write(f->d2, 0, "data", "v"), 0);
	assert_int_equal(store__watch(f->d2, "data", "t"), 0);
	assert_int_equal(store__transaction_start(f->d2, &tx), 0);
	assert_int_equal(store__watch(f->d0, "/local/domain/2", "home"), 0);
	store__events_free(store__events_take(f->s));
	assert_int_equal(store__release(f->s, 2), 0);
	store__stats(f->s, &st);
	assert_int_equal(st.transactions, 0);
	assert_int_equal(st.watches, 1);
	/* Its nodes are gone (xenstored since XSA-419); the removed
	 * descendants fire only watches on themselves. */
	assert_int_equal(store__read(f->d0, 0, "/local/domain/2/data", &v, &len), ENOENT);
	assert_int_equal(store__read(f->d0, 0, "/local/domain/2", &v, &len), ENOENT);
	assert_int_equal(store__domain_nodes(f->s, 2), 0);
	fx_expect_events(f, f->d0, "/local/domain/2", "home", NULL);
	/* ...and its ACL entries too. */
	assert_int_equal(store__get_perms(f->d0, 0, "/shared", &p, &n), 0);
	assert_int_equal(n, 1);
	free(p);
}

static void test_conn_free_drops_events(void **state)
{
	struct fx *f = *state;
	struct store_conn *c = store__conn_new(f->s, 1, "c");

	assert_int_equal(store__watch(c, "x", "t"), 0);
	assert_int_equal(store__watch(f->d1, "x", "t"), 0);
	store__conn_free(c);
	fx_expect_events(f, f->d1, "x", "t", NULL);
	assert_int_equal(store__reset_watches(f->d1), 0);
	assert_int_equal(fx_write(f->d1, 0, "x", "v"), 0);
	fx_expect_events(f, NULL);
}

static void test_overlong_event_dropped(void **state)
{
	struct fx *f = *state;
	char *token = malloc(3001), *path = malloc(1200);

	memset(token, 't', 3000);
	token[3000] = '\0';
	/* The initial event fits: "/a" + token. */
	assert_int_equal(store__watch(f->d0, "/a", token), 0);
	assert_int_equal(store__watch(f->d0, "/a", "short"), 0);
	store__events_free(store__events_take(f->s));
	/* "/a/bbb...": 1100 bytes + 3000 of token do not fit in 4096. */
	strcpy(path, "/a/");
	memset(path + 3, 'b', 1097);
	path[1100] = '\0';
	assert_int_equal(fx_write(f->d0, 0, path, "v"), 0);
	fx_expect_events(f, f->d0, path, "short", NULL);
	free(token);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initial_event_and_ancestors, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_relative_watch, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rm_fires_subtree, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_permission_filter, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_transaction_fires_on_commit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_special_watches, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_release_cleans_up, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_conn_free_drops_events, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_overlong_event_dropped, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
