/* test_ratelimit.c - one log line per period (vrrpd/ratelimit.c), on a
 * virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ratelimit.h"

#define SEC 1000000LL
#define PERIOD (10 * SEC)
#define T0 (5000 * SEC)

static void test_first_event_is_reported(void **state)
{
	struct ratelimit rl = { 0 };
	uint64_t missed = 99;
	(void)state;
	assert_true(ratelimit_allow(&rl, T0, PERIOD, &missed));
	assert_int_equal(missed, 0);
}

/* A clock that starts at zero is no special case. */
static void test_time_zero(void **state)
{
	struct ratelimit rl = { 0 };
	uint64_t missed;
	(void)state;
	assert_true(ratelimit_allow(&rl, 0, PERIOD, &missed));
	assert_false(ratelimit_allow(&rl, 0, PERIOD, &missed));
	assert_true(ratelimit_allow(&rl, PERIOD, PERIOD, &missed));
	assert_int_equal(missed, 1);
}

/* Within the period events are counted, not reported; the first one
 * after it carries the count, and the count starts over. */
static void test_held_back_events_ride_on_the_next_line(void **state)
{
	struct ratelimit rl = { 0 };
	uint64_t missed;
	(void)state;
	assert_true(ratelimit_allow(&rl, T0, PERIOD, &missed));
	for (int i = 1; i <= 41; i++)
		assert_false(ratelimit_allow(&rl, T0 + i * 1000, PERIOD, &missed));
	assert_false(ratelimit_allow(&rl, T0 + PERIOD - 1, PERIOD, &missed));
	assert_true(ratelimit_allow(&rl, T0 + PERIOD, PERIOD, &missed));
	assert_int_equal(missed, 42);
	assert_false(ratelimit_allow(&rl, T0 + PERIOD + 1, PERIOD, &missed));
	assert_true(ratelimit_allow(&rl, T0 + 3 * PERIOD, PERIOD, &missed));
	assert_int_equal(missed, 1);
}

/* After a quiet spell the next event is reported at once, with nothing
 * held back. */
static void test_quiet_spell(void **state)
{
	struct ratelimit rl = { 0 };
	uint64_t missed;
	(void)state;
	assert_true(ratelimit_allow(&rl, T0, PERIOD, &missed));
	assert_true(ratelimit_allow(&rl, T0 + 100 * PERIOD, PERIOD, &missed));
	assert_int_equal(missed, 0);
}

/* A flood of one event per millisecond for 35 s: a line at 0, 10, 20 and
 * 30 s, and every event accounted for. */
static void test_flood_is_bounded(void **state)
{
	struct ratelimit rl = { 0 };
	uint64_t missed, reported = 0, lines = 0;
	const int64_t n = 35000;
	(void)state;
	for (int64_t i = 0; i < n; i++) {
		if (ratelimit_allow(&rl, T0 + i * 1000, PERIOD, &missed)) {
			lines++;
			reported += 1 + missed;
		}
	}
	assert_int_equal(lines, 4);
	assert_int_equal(reported + rl.missed, n);
}

/* Two causes (two instances, two reasons) do not share a budget. */
static void test_limiters_are_independent(void **state)
{
	struct ratelimit a = { 0 }, b = { 0 };
	uint64_t missed;
	(void)state;
	assert_true(ratelimit_allow(&a, T0, PERIOD, &missed));
	assert_false(ratelimit_allow(&a, T0 + 1, PERIOD, &missed));
	assert_true(ratelimit_allow(&b, T0 + 1, PERIOD, &missed));
	assert_int_equal(missed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_event_is_reported),
		cmocka_unit_test(test_time_zero),
		cmocka_unit_test(test_held_back_events_ride_on_the_next_line),
		cmocka_unit_test(test_quiet_spell),
		cmocka_unit_test(test_flood_is_bounded),
		cmocka_unit_test(test_limiters_are_independent),
	};
	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
