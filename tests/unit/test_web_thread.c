/* test_web_thread.c - comment trees: parsing the stored JSON, sibling
 * order, orphans, levels and whose vote a comment carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thread.h"

/* A thread from (id, JSON) pairs, as an HGETALL of news:{7}:thread gives
 * them; values that do not parse are left out, as the data layer does. */
static void build(struct thread *t, const char *const *kv, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->v = calloc(n, sizeof(*t->v));
	assert_non_null(t->v);
	for (size_t i = 0; i < n; i++)
		if (thread_parse_comment(&t->v[t->n], 7, kv[2 * i], kv[2 * i + 1]) == 0)
			t->n++;
	assert_int_equal(thread_link(t), 0);
}

/* Free what one parsed comment owns. */
static void clear_one(const struct comment *c)
{
	struct thread t = { .v = malloc(sizeof(*c)), .n = 1 };

	assert_non_null(t.v);
	memcpy(t.v, c, sizeof(*c));
	thread_clear(&t);
}

static void test_parse_fields(void **state)
{
	struct comment c;
	(void)state;
	assert_int_equal(thread_parse_comment(&c, 7, "3",
					      "{\"body\":\"hi <b>\",\"parent_id\":-1,\"user_id\":2,\"username\":\"bob\","
					      "\"ctime\":1700000000,\"up\":[2,5],\"down\":[9]}"),
			 0);
	assert_int_equal(c.id, 3);
	assert_int_equal(c.news_id, 7);
	assert_int_equal(c.parent_id, -1);
	assert_int_equal(c.user_id, 2);
	assert_int_equal(c.ctime, 1700000000);
	assert_int_equal(c.up, 2);
	assert_int_equal(c.down, 1);
	assert_false(c.del);
	assert_string_equal(c.body, "hi <b>");
	assert_string_equal(c.username, "bob");
	struct thread t = { .v = &c, .n = 1 };
	assert_int_equal(thread_link(&t), 0);
	assert_ptr_equal(t.top, &c);
	assert_null(c.replies);
	assert_int_equal(c.level, 0);
	clear_one(&c);
}

static void test_parse_loose(void **state)
{
	struct comment c;
	(void)state;
	/* Numbers as strings or reals, missing names, del set, votes that are
	 * not numbers: they count but match nobody. */
	assert_int_equal(thread_parse_comment(&c, 7, "12",
					      "{\"parent_id\":\"4\",\"user_id\":3.0,\"ctime\":\"99\",\"del\":1,"
					      "\"up\":[\"x\",8.0],\"down\":{}}"),
			 0);
	assert_int_equal(c.parent_id, 4);
	assert_int_equal(c.user_id, 3);
	assert_int_equal(c.ctime, 99);
	assert_true(c.del);
	assert_int_equal(c.up, 2);
	assert_int_equal(c.down, 0);
	assert_string_equal(c.body, "");
	assert_string_equal(c.username, "deleted_user");
	assert_string_equal(thread_comment_vote(&c, 8), "up");
	assert_null(thread_comment_vote(&c, 0));
	clear_one(&c);
}

static void test_parse_bad(void **state)
{
	struct comment c;
	(void)state;
	assert_int_equal(thread_parse_comment(&c, 7, "1", "not json"), -1);
	assert_int_equal(thread_parse_comment(&c, 7, "1", "[1,2]"), -1);
	assert_null(c.body);
	assert_null(c.voters);
}

static void test_votes(void **state)
{
	struct comment c;
	(void)state;
	assert_int_equal(thread_parse_comment(&c, 7, "1", "{\"up\":[1,2],\"down\":[3]}"), 0);
	assert_string_equal(thread_comment_vote(&c, 2), "up");
	assert_string_equal(thread_comment_vote(&c, 3), "down");
	assert_null(thread_comment_vote(&c, 4));
	clear_one(&c);
}

/* Better score first, then older, then lower id; replies nest under
 * their parent in the same order; a reply to a comment that is gone
 * shows at the top level. */
static void test_link_order(void **state)
{
	static const char *const kv[] = {
		"1", "{\"parent_id\":-1,\"ctime\":100,\"up\":[1],\"down\":[]}",
		"2", "{\"parent_id\":-1,\"ctime\":200,\"up\":[1,2,3],\"down\":[]}",
		"3", "{\"parent_id\":1,\"ctime\":300,\"up\":[1],\"down\":[]}",
		"4", "{\"parent_id\":1,\"ctime\":250,\"up\":[1],\"down\":[]}",
		"5", "{\"parent_id\":3,\"ctime\":400,\"up\":[],\"down\":[]}",
		"6", "{\"parent_id\":99,\"ctime\":50,\"up\":[1],\"down\":[]}",
		"7", "{\"parent_id\":-1,\"ctime\":100,\"up\":[1],\"down\":[]}",
		"8", "garbage",
	};
	struct thread t;
	(void)state;
	build(&t, kv, 8);
	assert_int_equal(t.n, 7);
	/* Top: 2 (score 3), then score 1 by age: 6 (50), 1 (100), 7 (100, higher id). */
	assert_int_equal(t.top->id, 2);
	assert_int_equal(t.top->next->id, 6);
	assert_int_equal(t.top->next->next->id, 1);
	assert_int_equal(t.top->next->next->next->id, 7);
	assert_null(t.top->next->next->next->next);
	const struct comment *one = thread_find(&t, 1);
	assert_int_equal(one->replies->id, 4);
	assert_int_equal(one->replies->next->id, 3);
	assert_int_equal(one->replies->next->replies->id, 5);
	assert_int_equal(one->level, 0);
	assert_int_equal(one->replies->level, 1);
	assert_int_equal(thread_find(&t, 5)->level, 2);
	assert_null(thread_find(&t, 8));
	thread_clear(&t);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
}

static void test_set_levels(void **state)
{
	static const char *const kv[] = {
		"1", "{\"parent_id\":-1,\"ctime\":1}",
		"2", "{\"parent_id\":1,\"ctime\":2}",
		"3", "{\"parent_id\":2,\"ctime\":3}",
	};
	struct thread t;
	(void)state;
	build(&t, kv, 3);
	struct comment *two = thread_find(&t, 2);
	/* A subthread shown on its own page starts again from 1. */
	thread_set_levels(two->replies, 1);
	assert_int_equal(thread_find(&t, 3)->level, 1);
	assert_int_equal(two->level, 1);
	thread_clear(&t);
}

static void test_empty(void **state)
{
	struct thread t = { 0 };
	(void)state;
	assert_int_equal(thread_link(&t), 0);
	assert_null(t.top);
	thread_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields), cmocka_unit_test(test_parse_loose),
		cmocka_unit_test(test_parse_bad),    cmocka_unit_test(test_votes),
		cmocka_unit_test(test_link_order),   cmocka_unit_test(test_set_levels),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests_name("web_thread", tests, NULL, NULL);
}
