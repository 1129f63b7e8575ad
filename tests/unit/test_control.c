/* test_control.c - control socket framing: request splitting, the verb
 * table both sides use, and the answer buffer's JSON strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "control.h"

static void test_split(void **state)
{
	char line[] = "  giveup\t200 --for 60\r\n";
	char *argv[CONTROL_MAX_ARGS];
	(void)state;
	assert_int_equal(control_split(line, argv, CONTROL_MAX_ARGS), 4);
	assert_string_equal(argv[0], "giveup");
	assert_string_equal(argv[1], "200");
	assert_string_equal(argv[2], "--for");
	assert_string_equal(argv[3], "60");
}

static void test_split_limits(void **state)
{
	char empty[] = " \n";
	char many[] = "a b c d";
	char *argv[3];
	(void)state;
	assert_int_equal(control_split(empty, argv, 3), 0);
	assert_int_equal(control_split(many, argv, 3), -1);
}

static void test_verbs(void **state)
{
	(void)state;
	/* The contract's verbs, each with help text. */
	const char *names[] = { "status", "giveup", "resume", "takeover", "reload" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct control_verb *v = control_find_verb(names[i]);
		assert_non_null(v);
		assert_true(strlen(v->help) > 0);
	}
	assert_true(control_find_verb("giveup")->needs_name);
	assert_false(control_find_verb("status")->needs_name);
	assert_null(control_find_verb("frob"));
	assert_null(control_find_verb(""));
}

static void test_sbuf_grows_and_escapes(void **state)
{
	struct sbuf b = { 0 };
	(void)state;
	for (int i = 0; i < 2000; i++)
		sbuf_printf(&b, "%04d", i);
	assert_int_equal(b.len, 8000);
	assert_memory_equal(b.data + 7996, "1999", 4);
	sbuf_free(&b);
	sbuf_json_string(&b, "a\"b\\c\nd");
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000ad\"");
	sbuf_free(&b);
	assert_null(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split), cmocka_unit_test(test_split_limits),
		cmocka_unit_test(test_verbs), cmocka_unit_test(test_sbuf_grows_and_escapes),
	};
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
