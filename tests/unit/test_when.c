/* test_when.c - TIME as clusterctl restore takes it: unix seconds or ISO
 * 8601 in UTC, and the moments written back (cluster/when.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "when.h"

static double parse_ok(const char *text)
{
	char err[200] = "";
	double t = -1;
	if (when_parse(text, &t, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", text, err);
	return t;
}

static void test_unix_seconds(void **state)
{
	(void)state;
	assert_true(parse_ok("1796652309") == 1796652309.0);
	assert_true(parse_ok("0") == 0.0);
	assert_true(parse_ok("1796652309.5") == 1796652309.5);
	assert_true(parse_ok("1796652309.25") == 1796652309.25);
	assert_true(parse_ok("1796652309.123456789") - 1796652309.123456789 < 1e-6);
}

static void test_iso(void **state)
{
	(void)state;
	/* The moment the contract names, and the same with an offset of zero. */
	assert_true(parse_ok("2026-12-07T14:05:09Z") == 1796652309.0);
	assert_true(parse_ok("2026-12-07T14:05:09+00:00") == 1796652309.0);
	assert_true(parse_ok("2026-12-07T14:05:09.250Z") == 1796652309.25);
	assert_true(parse_ok("1970-01-01T00:00:00Z") == 0.0);
	assert_true(parse_ok("2024-02-29T00:00:00Z") == 1709164800.0);
	assert_int_equal(when_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(when_days_from_civil(2100, 3, 1) * 86400, 4107542400LL);
}

static void test_refused(void **state)
{
	const char *bad[] = { "", "now", "yesterday", "-5", "1e9", "12:00", "1796652309.", "1796652309.x",
			      "2026-12-07", "2026-12-07 14:05:09Z", "2026-12-07T14:05:09",
			      "2026-12-07T14:05Z", "2026-12-07T14:05:09.Z", "2026-12-07T14:05:09ZZ",
			      "99999999999999", "2026-12-07t14:05:09z", NULL };
	char err[200];
	double t;
	(void)state;
	for (int i = 0; bad[i]; i++) {
		err[0] = '\0';
		if (when_parse(bad[i], &t, err, sizeof(err)) != -1)
			fail_msg("'%s' was accepted as %f", bad[i], t);
		assert_non_null(strstr(err, bad[i]));
		assert_non_null(strstr(err, "TIME"));
	}
}

static void test_messages(void **state)
{
	char err[200];
	double t;
	(void)state;
	/* A time zone other than UTC, and a date that does not exist, say so. */
	assert_int_equal(when_parse("2026-12-07T14:05:09+01:00", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "UTC"));
	const char *out_of_range[] = { "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
				       "2026-12-07T24:00:00Z", "2026-12-07T14:60:00Z",
				       "2026-12-07T14:05:60Z", "2026-04-31T00:00:00Z", NULL };
	for (int i = 0; out_of_range[i]; i++) {
		assert_int_equal(when_parse(out_of_range[i], &t, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "out of range"));
	}
	assert_int_equal(when_parse("soon", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "2026-12-07T14:05:09Z"));
}

static void test_format(void **state)
{
	char buf[WHEN_STRLEN];
	(void)state;
	assert_string_equal(when_format(1796652309.0, buf, sizeof(buf)), "2026-12-07T14:05:09Z");
	assert_string_equal(when_format(1796652309.25, buf, sizeof(buf)), "2026-12-07T14:05:09.250Z");
	assert_string_equal(when_format(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	assert_string_equal(when_format(1709164800.9996, buf, sizeof(buf)), "2024-02-29T00:00:01Z");
	/* Every day of four years written and read back. */
	for (double t = 1704067200; t < 1704067200 + 4 * 366 * 86400.0; t += 86400 + 3661) {
		double back;
		char err[200];
		when_format(t, buf, sizeof(buf));
		assert_int_equal(when_parse(buf, &back, err, sizeof(err)), 0);
		assert_true(back == t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unix_seconds),
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests_name("when", tests, NULL, NULL);
}
