/* test_backoff.c - a failed node's backoff on a virtual clock: the delays,
 * the up/down/trial states of backoff.h's table, and the rate limit of the
 * map reloads a down node asks for.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Icluster \
 *            cluster/backoff.c tests/unit/test_backoff.c -lcmocka */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"

static void test_delays(void **state)
{
	static const int want[] = { 0, 100, 200, 400, 800, 1600, 3200, 5000, 5000 };

	(void)state;
	for (unsigned n = 0; n < sizeof(want) / sizeof(want[0]); n++)
		assert_int_equal(backoff_delay_ms(n), want[n]);
	assert_int_equal(backoff_delay_ms(1000), BACKOFF_MAX_MS);
	assert_int_equal(backoff_delay_ms(UINT_MAX), BACKOFF_MAX_MS);
}

static void test_up_down_trial(void **state)
{
	struct backoff b = { 0 };
	long long t = 50000;

	(void)state;
	assert_int_equal(backoff_state(&b, t), BACKOFF_UP);
	assert_int_equal(backoff_wait_ms(&b, t), 0);

	/* up --failure--> down for 100 ms */
	assert_int_equal(backoff_fail(&b, t), t + 100);
	assert_int_equal(b.failures, 1);
	assert_int_equal(backoff_state(&b, t), BACKOFF_DOWN);
	assert_int_equal(backoff_wait_ms(&b, t), 100);
	assert_int_equal(backoff_state(&b, t + 99), BACKOFF_DOWN);
	assert_int_equal(backoff_wait_ms(&b, t + 99), 1);

	/* down --deadline--> trial */
	assert_int_equal(backoff_state(&b, t + 100), BACKOFF_TRIAL);
	assert_int_equal(backoff_wait_ms(&b, t + 100), 0);

	/* trial --failure--> down for twice as long */
	assert_int_equal(backoff_fail(&b, t + 150), t + 150 + 200);
	assert_int_equal(b.failures, 2);
	assert_int_equal(backoff_wait_ms(&b, t + 200), 150);

	/* down --failure of a call begun before--> down, the same delay */
	assert_int_equal(backoff_fail(&b, t + 300), t + 300 + 200);
	assert_int_equal(b.failures, 2);

	/* trial --reply--> up, and the next failure starts over */
	assert_int_equal(backoff_state(&b, t + 500), BACKOFF_TRIAL);
	backoff_ok(&b);
	assert_int_equal(backoff_state(&b, t + 500), BACKOFF_UP);
	assert_int_equal(b.failures, 0);
	assert_int_equal(backoff_fail(&b, t + 600), t + 700);
	assert_int_equal(b.failures, 1);

	/* down --reply--> up */
	backoff_ok(&b);
	assert_int_equal(backoff_state(&b, t + 601), BACKOFF_UP);
	assert_int_equal(backoff_wait_ms(&b, t + 601), 0);
}

/* A node that never comes back: tried at each deadline, failing each time,
 * the wait grows to the cap and stays there. */
static void test_capped(void **state)
{
	static const long long want[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000 };
	struct backoff b = { 0 };
	long long t = 1000;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_not_equal(backoff_state(&b, t), BACKOFF_DOWN);
		long long until = backoff_fail(&b, t);
		assert_int_equal(until - t, want[i]);
		assert_int_equal(backoff_state(&b, until - 1), BACKOFF_DOWN);
		t = until;
	}
	/* Tried late (no command came at the deadline): counted from then. */
	t += 60000;
	assert_int_equal(backoff_fail(&b, t) - t, BACKOFF_MAX_MS);
}

/* Time 0 is a valid monotonic reading: deadlines near it work too. */
static void test_clock_at_zero(void **state)
{
	struct backoff b = { 0 };

	(void)state;
	assert_int_equal(backoff_fail(&b, 0), 100);
	assert_int_equal(backoff_state(&b, 0), BACKOFF_DOWN);
	assert_int_equal(backoff_state(&b, 100), BACKOFF_TRIAL);
}

static void test_refresh_due(void **state)
{
	(void)state;
	assert_true(backoff_refresh_due(0, 5));          /* none yet */
	assert_false(backoff_refresh_due(1000, 1000));
	assert_false(backoff_refresh_due(1000, 1000 + BACKOFF_REFRESH_MS - 1));
	assert_true(backoff_refresh_due(1000, 1000 + BACKOFF_REFRESH_MS));
	assert_true(backoff_refresh_due(1000, 99999));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delays),
		cmocka_unit_test(test_up_down_trial),
		cmocka_unit_test(test_capped),
		cmocka_unit_test(test_clock_at_zero),
		cmocka_unit_test(test_refresh_due),
	};
	return cmocka_run_group_tests_name("backoff", tests, NULL, NULL);
}
