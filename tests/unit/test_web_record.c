/* test_web_record.c - user and story hashes into their structs, the
 * admin rule, and copying a story list's strings into one block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static struct user *user_from(const char *const *kv, size_t n)
{
	struct user *u = calloc(1, sizeof(*u));

	assert_non_null(u);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(record_user_field(u, kv[2 * i], kv[2 * i + 1]), 0);
	return u;
}

static void test_user_fields(void **state)
{
	static const char *const kv[] = {
		"id", "42", "username", "Alice", "salt", "s", "password", "h", "iter", "1000", "ctime", "1700000000",
		"karma", "-3", "about", "", "email", "a@b.test", "auth", "abc", "apisecret", "def", "flags", "",
		"karma_incr_time", "1699990000", "replies", "2", "pwd_reset", "5", "other", "ignored",
	};
	struct user *u = user_from(kv, sizeof(kv) / sizeof(kv[0]) / 2);
	(void)state;
	assert_int_equal(u->id, 42);
	assert_int_equal(u->iter, 1000);
	assert_int_equal(u->ctime, 1700000000);
	assert_int_equal(u->karma, -3);
	assert_int_equal(u->karma_incr_time, 1699990000);
	assert_int_equal(u->replies, 2);
	assert_int_equal(u->pwd_reset, 5);
	assert_string_equal(u->username, "Alice");
	assert_string_equal(u->salt, "s");
	assert_string_equal(u->password, "h");
	assert_string_equal(u->about, "");
	assert_string_equal(u->email, "a@b.test");
	assert_string_equal(u->auth, "abc");
	assert_string_equal(u->apisecret, "def");
	assert_false(record_user_is_admin(u, NULL, 0));
	assert_true(record_user_is_admin(u, (char *[]){ "alice" }, 1));
	assert_true(record_user_is_admin(u, (char *[]){ "bob", "ALICE" }, 2));
	assert_false(record_user_is_admin(u, (char *[]){ "bob" }, 1));
	assert_false(record_user_is_admin(u, (char *[]){ "bob", "alice" }, 1));
	assert_false(record_user_is_admin(u, (char *[]){ "alic", "alicee" }, 2));
	user_free(u);
	user_free(NULL);
}

static void test_user_missing(void **state)
{
	static const char *const kv[] = { "id", "7", "flags", "a" };
	struct user *u = user_from(kv, 2);
	(void)state;
	/* Absent is NULL, not "": an account without a token matches none. */
	assert_null(u->auth);
	assert_null(u->apisecret);
	assert_null(u->username);
	assert_int_equal(u->karma, 0);
	/* The flag makes an administrator whatever the list says; a user
	 * without a name matches no name. */
	assert_true(record_user_is_admin(u, NULL, 0));
	assert_true(record_user_is_admin(u, (char *[]){ "someone" }, 1));
	assert_int_equal(record_user_field(u, "flags", ""), 0);
	assert_false(record_user_is_admin(u, (char *[]){ "someone" }, 1));
	/* A field seen twice keeps the last value, without a leak. */
	assert_int_equal(record_user_field(u, "email", "x"), 0);
	assert_int_equal(record_user_field(u, "email", "y"), 0);
	assert_string_equal(u->email, "y");
	user_free(u);
}

static void test_news_fields(void **state)
{
	static const char *const kv[] = {
		"id", "3", "title", "T", "url", "http://x.test/", "user_id", "9", "username", "bob",
		"ctime", "100", "score", "2.5", "rank", "1.25e-3", "up", "4", "down", "1", "comments", "6", "del", "0",
	};
	struct news n;
	(void)state;
	record_news_init(&n);
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i += 2)
		record_news_field(&n, kv[i], kv[i + 1]);
	assert_int_equal(n.id, 3);
	assert_int_equal(n.user_id, 9);
	assert_int_equal(n.ctime, 100);
	assert_int_equal(n.up, 4);
	assert_int_equal(n.down, 1);
	assert_int_equal(n.comments, 6);
	assert_false(n.del);
	assert_float_equal(n.score, 2.5, 1e-12);
	assert_float_equal(n.rank, 0.00125, 1e-12);
	assert_string_equal(n.title, "T");
	assert_string_equal(n.url, "http://x.test/");
	assert_string_equal(n.username, "bob");
	assert_null(n.voted);
	record_news_field(&n, "del", "1");
	assert_true(n.del);
}

static void test_news_defaults(void **state)
{
	struct news n;
	(void)state;
	record_news_init(&n);
	assert_string_equal(n.title, "");
	assert_string_equal(n.url, "");
	assert_string_equal(n.username, "deleted_user");
	assert_int_equal(n.id, 0);
	assert_float_equal(n.rank, 0, 0);
}

static void test_news_copy(void **state)
{
	char t0[] = "first", t1[] = "second", u0[] = "http://a.test/", u1[] = "text://hello";
	struct news v[2], dst[2];
	(void)state;
	record_news_init(&v[0]);
	record_news_init(&v[1]);
	v[0].id = 1, v[0].title = t0, v[0].url = u0, v[0].voted = "up";
	v[1].id = 2, v[1].title = t1, v[1].url = u1;
	size_t size = record_news_strings_size(v, 2);
	assert_int_equal(size, sizeof(t0) + sizeof(t1) + sizeof(u0) + sizeof(u1) + 2 * sizeof("deleted_user"));
	char *block = malloc(size);
	assert_non_null(block);
	record_news_copy(dst, v, 2, block);
	/* The copies live in the block; the originals may go. */
	memset(t0, 'x', sizeof(t0) - 1);
	assert_string_equal(dst[0].title, "first");
	assert_true(dst[0].title >= block && dst[1].username < block + size);
	assert_string_equal(dst[1].url, "text://hello");
	assert_string_equal(dst[1].username, "deleted_user");
	assert_int_equal(dst[1].id, 2);
	assert_string_equal(dst[0].voted, "up");
	/* In place, as the data layer does once the replies are gone. */
	char *block2 = malloc(size);
	assert_non_null(block2);
	record_news_copy(dst, dst, 2, block2);
	free(block);
	assert_string_equal(dst[1].title, "second");
	free(block2);
	assert_int_equal(record_news_strings_size(v, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_fields),   cmocka_unit_test(test_user_missing),
		cmocka_unit_test(test_news_fields),   cmocka_unit_test(test_news_defaults),
		cmocka_unit_test(test_news_copy),
	};
	return cmocka_run_group_tests_name("web_record", tests, NULL, NULL);
}
