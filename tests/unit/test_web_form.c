/* test_web_form.c - query strings, form bodies, cookies and integers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "form.h"

static int parse(struct form *fm, const char *s, size_t max, char *err)
{
	err[0] = '\0';
	return form_parse(fm, s, strlen(s), max, err, 128);
}

static void test_form_basic(void **state)
{
	struct form fm = FORM_INIT;
	char err[128];
	(void)state;
	assert_int_equal(parse(&fm, "a=1&b=x%20y+z&c=b=c", 10, err), 0);
	assert_int_equal(fm.n, 3);
	assert_string_equal(form_get(&fm, "a"), "1");
	assert_string_equal(form_get(&fm, "b"), "x y z");
	assert_int_equal(fm.f[1].vlen, 5);
	assert_string_equal(form_get(&fm, "c"), "b=c");
	assert_null(form_get(&fm, "d"));
	assert_null(form_get(&fm, "A"));
	form_free(&fm);
	assert_null(fm.f);
	assert_int_equal(fm.n, 0);
}

static void test_form_encoded_keys(void **state)
{
	struct form fm = FORM_INIT;
	char err[128];
	(void)state;
	assert_int_equal(parse(&fm, "first+name=Ada&%74itle=caf%C3%A9", 10, err), 0);
	assert_string_equal(form_get(&fm, "first name"), "Ada");
	assert_string_equal(form_get(&fm, "title"), "caf\xc3\xa9");
	form_free(&fm);
}

static void test_form_repeated_and_empty(void **state)
{
	struct form fm = FORM_INIT;
	char err[128];
	(void)state;
	assert_int_equal(parse(&fm, "&&k=1&&k=2&flag&e=&", 10, err), 0);
	assert_int_equal(fm.n, 4);
	/* The first value wins for form_get; all are kept in order. */
	assert_string_equal(form_get(&fm, "k"), "1");
	assert_string_equal(fm.f[1].val, "2");
	assert_string_equal(form_get(&fm, "flag"), "");
	assert_int_equal(fm.f[2].vlen, 0);
	assert_string_equal(form_get(&fm, "e"), "");
	form_free(&fm);
	assert_int_equal(parse(&fm, "", 10, err), 0);
	assert_int_equal(fm.n, 0);
	form_free(&fm);
}

static void test_form_length_bound(void **state)
{
	struct form fm = FORM_INIT;
	char err[128] = "";
	(void)state;
	assert_int_equal(form_parse(&fm, "a=1&b=2", 3, 10, err, sizeof(err)), 0);
	assert_int_equal(fm.n, 1);
	assert_string_equal(form_get(&fm, "a"), "1");
	assert_null(form_get(&fm, "b"));
	form_free(&fm);
}

static void test_form_too_many(void **state)
{
	struct form fm = FORM_INIT;
	char err[128];
	(void)state;
	assert_int_equal(parse(&fm, "a=1&b=2", 3, err), 0);
	assert_int_equal(parse(&fm, "c=3&d=4", 3, err), -1);
	assert_string_equal(err, "too many fields");
	/* The failed call leaves the fields of the earlier one alone. */
	assert_int_equal(fm.n, 2);
	assert_null(form_get(&fm, "c"));
	assert_int_equal(parse(&fm, "c=3", 3, err), 0);
	assert_int_equal(fm.n, 3);
	form_free(&fm);
	assert_int_equal(parse(&fm, "a&b&c&d", 3, err), -1);
	assert_int_equal(fm.n, 0);
	form_free(&fm);
}

static void check_bad(const char *in, const char *want_err)
{
	struct form fm = FORM_INIT;
	char err[128];

	assert_int_equal(parse(&fm, "keep=1", 10, err), 0);
	assert_int_equal(parse(&fm, in, 10, err), -1);
	assert_string_equal(err, want_err);
	assert_int_equal(fm.n, 1);
	assert_string_equal(form_get(&fm, "keep"), "1");
	form_free(&fm);
}

static void test_form_bad(void **state)
{
	char longkey[80];
	(void)state;
	check_bad("a=1&bad=%zz", "malformed %-escape in field bad");
	check_bad("bad=50%", "malformed %-escape in field bad");
	check_bad("nul=a%00b", "malformed %-escape in field nul");
	check_bad("b%g0d=1", "malformed %-escape in a field name");
	check_bad("t=%c0%af", "field t is not valid UTF-8 text");
	check_bad("t=%ed%a0%80", "field t is not valid UTF-8 text");
	check_bad("t=a%01b", "field t is not valid UTF-8 text");
	check_bad("%ff=1", "field name is not valid UTF-8 text");
	check_bad("=v", "empty field name");
	memset(longkey, 'k', 65);
	strcpy(longkey + 65, "=1");
	check_bad(longkey, "field name too long");
}

static void test_form_key_limit(void **state)
{
	struct form fm = FORM_INIT;
	char key[70], err[128];
	(void)state;
	memset(key, 'k', 64);
	key[64] = '\0';
	assert_int_equal(parse(&fm, key, 10, err), 0);
	assert_string_equal(form_get(&fm, key), "");
	form_free(&fm);
}

static void test_form_raw_nul(void **state)
{
	struct form fm = FORM_INIT;
	char err[128];
	(void)state;
	assert_int_equal(form_parse(&fm, "a=1\0b", 5, 10, err, sizeof(err)), -1);
	assert_int_equal(fm.n, 0);
	/* A NULL error buffer is allowed. */
	assert_int_equal(form_parse(&fm, "a=%", 3, 10, NULL, 0), -1);
	form_free(&fm);
}

static void test_cookie_get(void **state)
{
	char v[16];
	(void)state;
	assert_int_equal(cookie_get("a=1; auth=xyz", "auth", v, sizeof(v)), 0);
	assert_string_equal(v, "xyz");
	assert_int_equal(cookie_get("auth=abc;x=1", "auth", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(cookie_get("xauth=1; auth=2", "auth", v, sizeof(v)), 0);
	assert_string_equal(v, "2");
	assert_int_equal(cookie_get("auth=first; auth=second", "auth", v, sizeof(v)), 0);
	assert_string_equal(v, "first");
	assert_int_equal(cookie_get("a=1;   auth=\"q v\"  ", "auth", v, sizeof(v)), 0);
	assert_string_equal(v, "q v");
	assert_int_equal(cookie_get("auth=", "auth", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(cookie_get("auth=\"", "auth", v, sizeof(v)), 0);
	assert_string_equal(v, "\"");
	assert_int_equal(cookie_get("authx=1; xauth=2", "auth", v, sizeof(v)), -1);
	assert_int_equal(cookie_get("auth; a=1", "auth", v, sizeof(v)), -1);
	assert_int_equal(cookie_get("", "auth", v, sizeof(v)), -1);
	assert_int_equal(cookie_get("=1", "", v, sizeof(v)), -1);
	assert_int_equal(cookie_get("auth=0123456789abcdef", "auth", v, sizeof(v)), -1);
	assert_int_equal(cookie_get("auth=0123456789abcde", "auth", v, sizeof(v)), 0);
	assert_string_equal(v, "0123456789abcde");
}

static void test_parse_long(void **state)
{
	char s[32];
	long v = 7;
	(void)state;
	assert_int_equal(parse_long("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_long("-5", &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(parse_long("007", &v), 0);
	assert_int_equal(v, 7);
	snprintf(s, sizeof(s), "%ld", LONG_MAX);
	assert_int_equal(parse_long(s, &v), 0);
	assert_true(v == LONG_MAX);
	snprintf(s, sizeof(s), "%ld", LONG_MIN);
	assert_int_equal(parse_long(s, &v), 0);
	assert_true(v == LONG_MIN);
	v = 99;
	const char *bad[] = { "", "+", "+1", "-", "--1", " 1", "1 ", "1x", "0x10", "1.5",
			      "9223372036854775808", "-9223372036854775809",
			      "99999999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_long(bad[i], &v), -1);
	/* A failed parse leaves the output alone. */
	assert_int_equal(v, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_basic),	  cmocka_unit_test(test_form_encoded_keys),
		cmocka_unit_test(test_form_repeated_and_empty),
		cmocka_unit_test(test_form_length_bound), cmocka_unit_test(test_form_too_many),
		cmocka_unit_test(test_form_bad),	  cmocka_unit_test(test_form_key_limit),
		cmocka_unit_test(test_form_raw_nul),	  cmocka_unit_test(test_cookie_get),
		cmocka_unit_test(test_parse_long),
	};
	return cmocka_run_group_tests_name("web_form", tests, NULL, NULL);
}
