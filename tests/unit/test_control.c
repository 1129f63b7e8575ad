/* test_control.c - control socket framing: request splitting, the verb
 * table and the parser both sides use (vipctl before sending, vipd on
 * receipt), and the answer buffer's JSON strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
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

/* Parse a request line as vipd does: split, then control_parse(). */
static int parse(const char *text, struct control_request *req, char *err, size_t errlen)
{
	static char line[CONTROL_MAX_REQUEST];
	char *argv[CONTROL_MAX_ARGS];

	snprintf(line, sizeof(line), "%s", text);
	int argc = control_split(line, argv, CONTROL_MAX_ARGS);
	assert_true(argc >= 0);
	return control_parse(argc, argv, req, err, errlen);
}

static void expect_ok(const char *text, enum control_cmd cmd, const char *name, bool opt, double value)
{
	struct control_request req;
	char err[256] = "";

	if (parse(text, &req, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", text, err);
	assert_int_equal(req.verb->cmd, cmd);
	if (name)
		assert_string_equal(req.name, name);
	else
		assert_null(req.name);
	assert_int_equal(req.has_option, opt);
	assert_true(req.value == value);
}

static void expect_bad(const char *text, int rc, const char *words)
{
	struct control_request req;
	char err[256] = "";

	assert_int_equal(parse(text, &req, err, sizeof(err)), rc);
	if (!strstr(err, words))
		fail_msg("'%s': error '%s' does not say '%s'", text, err, words);
}

/* Every verb of the contract parses in each of its forms. */
static void test_parse_every_verb(void **state)
{
	(void)state;
	expect_ok("status", CONTROL_STATUS, NULL, false, 0);
	expect_ok("status --json", CONTROL_STATUS, NULL, true, 0);
	expect_ok("giveup 200", CONTROL_GIVEUP, "200", false, 0);
	expect_ok("giveup web --for 60", CONTROL_GIVEUP, "web", true, 60);
	expect_ok("giveup 200 --for 0.5", CONTROL_GIVEUP, "200", true, 0.5);
	expect_ok("resume 200", CONTROL_RESUME, "200", false, 0);
	expect_ok("takeover 200", CONTROL_TAKEOVER, "200", false, 0);
	expect_ok("reload", CONTROL_RELOAD, NULL, false, 0);
	/* Each verb of the table, in the simplest form its usage shows. */
	for (const struct control_verb *v = control_verbs; v->name; v++) {
		char line[128];
		snprintf(line, sizeof(line), "%s%s", v->name, v->needs_name ? " x" : "");
		expect_ok(line, v->cmd, v->needs_name ? "x" : NULL, false, 0);
	}
}

static void test_parse_refuses(void **state)
{
	(void)state;
	expect_bad("frob", CONTROL_BAD_VERB, "unknown command 'frob'");
	expect_bad("", CONTROL_BAD_VERB, "unknown command ''");
	expect_bad("giveup", CONTROL_BAD_ARGS, "NAME is missing");
	expect_bad("giveup --for 5", CONTROL_BAD_ARGS, "NAME is missing");
	expect_bad("resume", CONTROL_BAD_ARGS, "NAME is missing");
	expect_bad("resume 200 201", CONTROL_BAD_ARGS, "unexpected '201'");
	expect_bad("status --JSON", CONTROL_BAD_ARGS, "unexpected '--JSON'");
	expect_bad("status --json --json", CONTROL_BAD_ARGS, "unexpected '--json'");
	expect_bad("reload now", CONTROL_BAD_ARGS, "unexpected 'now'");
	expect_bad("takeover 200 --for 5", CONTROL_BAD_ARGS, "unexpected '--for'");
	expect_bad("giveup 200 --for", CONTROL_BAD_ARGS, "--for wants SECONDS");
	expect_bad("giveup 200 --for soon", CONTROL_BAD_ARGS, "not 'soon'");
	expect_bad("giveup 200 --for 5 6", CONTROL_BAD_ARGS, "unexpected '6'");
	expect_bad("giveup 200 5", CONTROL_BAD_ARGS, "unexpected '5'");
}

/* The --for limit is one constant: the table carries it, the parser both
 * sides run applies it, and NaN, infinity, zero and negatives fail. */
static void test_for_limit(void **state)
{
	char line[128];
	(void)state;
	assert_true(control_find_verb("giveup")->option.max == CONTROL_FOR_MAX_SECONDS);
	snprintf(line, sizeof(line), "giveup 200 --for %d", CONTROL_FOR_MAX_SECONDS);
	expect_ok(line, CONTROL_GIVEUP, "200", true, CONTROL_FOR_MAX_SECONDS);
	snprintf(line, sizeof(line), "giveup 200 --for %d.5", CONTROL_FOR_MAX_SECONDS);
	expect_bad(line, CONTROL_BAD_ARGS, "at most 31536000");
	expect_bad("giveup 200 --for 0", CONTROL_BAD_ARGS, "above 0");
	expect_bad("giveup 200 --for -1", CONTROL_BAD_ARGS, "above 0");
	expect_bad("giveup 200 --for nan", CONTROL_BAD_ARGS, "not 'nan'");
	expect_bad("giveup 200 --for inf", CONTROL_BAD_ARGS, "not 'inf'");
	expect_bad("giveup 200 --for 5s", CONTROL_BAD_ARGS, "not '5s'");
}

/* The table is the help: each usage string says what the parser wants,
 * and each command has one verb. */
static void test_table_is_consistent(void **state)
{
	bool seen[CONTROL__COUNT] = { false };
	(void)state;
	for (const struct control_verb *v = control_verbs; v->name; v++) {
		const struct control_option *o = &v->option;
		assert_true(v->cmd >= 0 && v->cmd < CONTROL__COUNT);
		assert_false(seen[v->cmd]);
		seen[v->cmd] = true;
		assert_int_equal(strncmp(v->usage, "NAME", 4) == 0, v->needs_name);
		if (o->flag)
			assert_non_null(strstr(v->usage, o->flag));
		if (o->value) {
			assert_non_null(strstr(v->usage, o->value));
			assert_true(o->max > 0);
		}
	}
	for (int c = 0; c < CONTROL__COUNT; c++)
		assert_true(seen[c]);
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
		cmocka_unit_test(test_verbs), cmocka_unit_test(test_parse_every_verb),
		cmocka_unit_test(test_parse_refuses), cmocka_unit_test(test_for_limit),
		cmocka_unit_test(test_table_is_consistent), cmocka_unit_test(test_sbuf_grows_and_escapes),
	};
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
