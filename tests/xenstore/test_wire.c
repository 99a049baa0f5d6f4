/*
 * The xs_wire parser and encoder (xenstore/wire.c): the argument shapes of
 * each request type, the limits, and the bytes of replies and events.
 */
#include "xs_test.h"

static int parse(uint32_t type, const char *payload, size_t len,
		 struct wire_request *req)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = 3, .tx_id = 4, .len = len };

	return wire__parse(&hdr, payload, req);
}

static void test_one_string(void **state)
{
	struct wire_request req;
	(void)state;

	assert_int_equal(parse(XS_READ, "/a", 3, &req), 0);
	assert_int_equal(req.nargs, 1);
	assert_string_equal(req.arg[0], "/a");
	assert_int_equal(req.hdr.req_id, 3);
	assert_int_equal(req.hdr.tx_id, 4);
	/* Not terminated, two strings, nothing: EINVAL. */
	assert_int_equal(parse(XS_READ, "/a", 2, &req), EINVAL);
	assert_int_equal(parse(XS_READ, "/a\0b", 5, &req), EINVAL);
	assert_int_equal(parse(XS_RM, "", 0, &req), EINVAL);
	assert_int_equal(parse(XS_TRANSACTION_END, "T", 2, &req), 0);
	assert_int_equal(parse(XS_GET_DOMAIN_PATH, "1\0", 3, &req), EINVAL);
}

static void test_write_and_pairs(void **state)
{
	struct wire_request req;
	(void)state;

	assert_int_equal(parse(XS_WRITE, "/a\0v\0w", 6, &req), 0);
	assert_string_equal(req.arg[0], "/a");
	assert_int_equal(req.value_len, 3);
	assert_memory_equal(req.value, "v\0w", 3);
	assert_int_equal(parse(XS_WRITE, "/a", 3, &req), 0);
	assert_int_equal(req.value_len, 0);
	assert_int_equal(parse(XS_WRITE, "/a", 2, &req), EINVAL);

	assert_int_equal(parse(XS_WATCH, "/a\0tok", 7, &req), 0);
	assert_string_equal(req.arg[1], "tok");
	/* An unterminated tail is not a string (xenstored's get_strings). */
	assert_int_equal(parse(XS_WATCH, "/a\0tok", 6, &req), EINVAL);
	assert_int_equal(parse(XS_WATCH, "/a\0t\0x", 6, &req), 0);
	assert_int_equal(parse(XS_WATCH, "/a\0t\0x", 7, &req), EINVAL);
	assert_int_equal(parse(XS_DIRECTORY_PART, "/a\0" "12", 6, &req), 0);

	assert_int_equal(parse(XS_SET_PERMS, "/a", 3, &req), EINVAL);
	assert_int_equal(parse(XS_SET_PERMS, "/a\0r0\0b1", 9, &req), 0);
	assert_int_equal(req.nargs, 3);
	assert_int_equal(parse(XS_INTRODUCE, "1\0" "2", 4, &req), EINVAL);
	assert_int_equal(parse(XS_INTRODUCE, "1\0" "2\0" "3", 6, &req), 0);
	assert_int_equal(parse(XS_CONTROL, "", 0, &req), EINVAL);
	assert_int_equal(parse(XS_TRANSACTION_START, "junk", 4, &req), 0);
	assert_int_equal(parse(XS_RESET_WATCHES, "", 0, &req), 0);
}

static void test_types_and_limits(void **state)
{
	struct wire_request req;
	char *big = calloc(1, XENSTORE_PAYLOAD_MAX + 1);
	struct xsd_sockmsg hdr = { .type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1 };
	(void)state;

	/* Not a request a client sends: xenstored's ENOSYS. */
	assert_int_equal(parse(XS_WATCH_EVENT, "a\0b", 4, &req), ENOSYS);
	assert_int_equal(parse(XS_ERROR, "a", 2, &req), ENOSYS);
	assert_int_equal(parse(XS_SET_TARGET + 1, "a", 2, &req), ENOSYS);
	assert_int_equal(parse(XS_TYPE_COUNT, "a", 2, &req), ENOSYS);
	assert_int_equal(parse(XS_INVALID, "a", 2, &req), ENOSYS);
	assert_int_equal(wire__check_header(&hdr), E2BIG);
	assert_int_equal(wire__parse(&hdr, big, &req), E2BIG);
	memset(big, 'a', XENSTORE_PAYLOAD_MAX - 1);
	assert_int_equal(parse(XS_READ, big, XENSTORE_PAYLOAD_MAX, &req), 0);
	free(big);
	assert_string_equal(wire__type_name(XS_DIRECTORY_PART), "DIRECTORY_PART");
	assert_null(wire__type_name(XS_TYPE_COUNT));
}

static void test_encode(void **state)
{
	unsigned char out[WIRE_MSG_MAX];
	struct xsd_sockmsg h;
	size_t n;
	(void)state;

	n = wire__encode(XS_READ, 9, 2, "val", 3, out, sizeof(out));
	assert_int_equal(n, sizeof(h) + 3);
	memcpy(&h, out, sizeof(h));
	assert_int_equal(h.type, XS_READ);
	assert_int_equal(h.req_id, 9);
	assert_int_equal(h.tx_id, 2);
	assert_int_equal(h.len, 3);
	assert_memory_equal(out + sizeof(h), "val", 3);
	assert_int_equal(wire__encode(XS_READ, 0, 0, "val", 3, out, sizeof(h) + 2), 0);
	assert_int_equal(wire__encode(XS_READ, 0, 0, out, XENSTORE_PAYLOAD_MAX + 1,
				      out, sizeof(out)), 0);

	n = wire__error(5, 1, EAGAIN, out, sizeof(out));
	memcpy(&h, out, sizeof(h));
	assert_int_equal(h.type, XS_ERROR);
	assert_int_equal(h.req_id, 5);
	assert_int_equal(h.len, 7);
	assert_memory_equal(out + sizeof(h), "EAGAIN", 7);

	n = wire__watch_event("/a/b", "tok", out, sizeof(out));
	assert_int_equal(n, sizeof(h) + 9);
	memcpy(&h, out, sizeof(h));
	assert_int_equal(h.type, XS_WATCH_EVENT);
	assert_int_equal(h.req_id, 0);
	assert_int_equal(h.tx_id, 0);
	assert_memory_equal(out + sizeof(h), "/a/b\0tok", 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_string),
		cmocka_unit_test(test_write_and_pairs),
		cmocka_unit_test(test_types_and_limits),
		cmocka_unit_test(test_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
