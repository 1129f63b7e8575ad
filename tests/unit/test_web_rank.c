/* test_web_rank.c - ranking formula, age strings and karma rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rank.h"

#define DAY 86400L

static const struct rank_rules rr = {
	.age_padding = 8 * 3600,
	.aging_factor = 1.1,
	.log_start = 10,
	.log_booster = 2,
	.age_limit = 30 * DAY,
};

static const struct karma_rules kr = {
	.initial = 1,
	.incr_interval = 3600,
	.incr_amount = 1,
	.up_min = 1,
	.up_cost = 1,
	.down_min = 30,
	.down_cost = 6,
	.up_transfer = 1,
	.per_comment = 1,
};

static void test_score_plain(void **state)
{
	(void)state;
	assert_float_equal(rank_score(5, 2, &rr), 3.0, 1e-12);
	assert_float_equal(rank_score(0, 0, &rr), 0.0, 1e-12);
	assert_float_equal(rank_score(1, 4, &rr), -3.0, 1e-12);
	/* Exactly log_start votes: not past it yet, so no boost. */
	assert_float_equal(rank_score(5, 5, &rr), 0.0, 1e-12);
}

static void test_score_log_boost(void **state)
{
	(void)state;
	/* 11 votes: log(1) * 2 = 0. */
	assert_float_equal(rank_score(11, 0, &rr), 11.0, 1e-12);
	/* 100 votes: 0 + 2 * ln 90 = 2 * (ln 9 + ln 10) = 2 * 4.4998096703. */
	assert_float_equal(rank_score(50, 50, &rr), 8.9996193406, 1e-9);
	/* 22 votes: 18 + 2 * ln 12 = 18 + 2 * 2.4849066498. */
	assert_float_equal(rank_score(20, 2, &rr), 22.9698132996, 1e-9);
	assert_true(rank_score(50, 50, &rr) > rank_score(5, 5, &rr));
}

static void test_rank_value(void **state)
{
	const long now = 1700000000;
	(void)state;
	/* Age 0: 10e6 / 28800^1.1; 28800^0.1 = e^(1.02681306661) = 2.7921... */
	assert_float_equal(rank_news(10, now, now, &rr), 124.356435027, 1e-6);
	assert_float_equal(rank_news(0, now - 3600, now, &rr), 0.0, 1e-12);
	/* A story dated in the future ranks as if brand new. */
	assert_float_equal(rank_news(10, now + 500, now, &rr), rank_news(10, now, now, &rr),
			   1e-12);
}

static void test_rank_order(void **state)
{
	const long now = 1700000000;
	(void)state;
	assert_true(rank_news(10, now - 3600, now, &rr) > rank_news(10, now - 7200, now, &rr));
	assert_true(rank_news(10, now - 60, now, &rr) > rank_news(10, now - DAY, now, &rr));
	assert_true(rank_news(20, now - 3600, now, &rr) > rank_news(10, now - 3600, now, &rr));
	/* A negative score ranks below every story that is not downvoted. */
	assert_true(rank_news(-1, now - 60, now, &rr) < 0);
	assert_true(rank_news(-1, now - 60, now, &rr) < rank_news(0, now - 29 * DAY, now, &rr));
}

static void test_rank_age_limit(void **state)
{
	const long now = 1700000000;
	(void)state;
	assert_float_equal(rank_news(100, now - 31 * DAY, now, &rr), -31.0 * DAY, 1e-9);
	assert_float_equal(rank_news(100, now - 30 * DAY - 1, now, &rr), -(30.0 * DAY + 1), 1e-9);
	assert_true(rank_news(100, now - 30 * DAY, now, &rr) > 0);
	assert_true(rank_news(0.5, now - 29 * DAY, now, &rr) >
		    rank_news(1000, now - 31 * DAY, now, &rr));
}

static void test_rank_stale(void **state)
{
	(void)state;
	assert_false(rank_stale(1.0, 1.0));
	assert_false(rank_stale(1.0, 1.0000005));
	/* Within 0.1% of the real rank: left alone. */
	assert_false(rank_stale(1.0, 1.0005));
	assert_true(rank_stale(1.0, 1.002));
	assert_true(rank_stale(-5.0, 5.0));
	/* Tiny ranks still need the absolute drift. */
	assert_false(rank_stale(0.0, 0.0000005));
	assert_true(rank_stale(0.0, 0.00001));
}

static void check_elapsed(long ago, const char *want)
{
	char out[32];
	const long now = 1700000000;

	rank_elapsed(out, sizeof(out), now - ago, now);
	assert_string_equal(out, want);
}

static void test_elapsed(void **state)
{
	char small[4];
	(void)state;
	check_elapsed(0, "now");
	check_elapsed(1, "now");
	check_elapsed(-100, "now");
	check_elapsed(2, "2 seconds ago");
	check_elapsed(59, "59 seconds ago");
	check_elapsed(60, "1 minute ago");
	check_elapsed(119, "1 minute ago");
	check_elapsed(300, "5 minutes ago");
	check_elapsed(3600, "1 hour ago");
	check_elapsed(7199, "1 hour ago");
	check_elapsed(7200, "2 hours ago");
	check_elapsed(DAY - 1, "23 hours ago");
	check_elapsed(DAY, "1 day ago");
	check_elapsed(3 * DAY + 5, "3 days ago");
	rank_elapsed(small, sizeof(small), 0, 300);
	assert_string_equal(small, "5 m");
}

static void test_karma_refusal(void **state)
{
	(void)state;
	assert_string_equal(karma_vote_refusal(&kr, 0, 1, 0),
			    "You don't have enough karma to vote up");
	assert_null(karma_vote_refusal(&kr, 1, 1, 0));
	assert_string_equal(karma_vote_refusal(&kr, 29, 0, 0),
			    "You don't have enough karma to vote down");
	assert_null(karma_vote_refusal(&kr, 30, 0, 0));
	assert_null(karma_vote_refusal(&kr, 0, 0, 1));
	assert_null(karma_vote_refusal(&kr, -10, 1, 1));
}

static void test_karma_cost_transfer(void **state)
{
	(void)state;
	assert_int_equal(karma_vote_cost(&kr, 1, 0), 1);
	assert_int_equal(karma_vote_cost(&kr, 0, 0), 6);
	assert_int_equal(karma_vote_cost(&kr, 1, 1), 0);
	assert_int_equal(karma_vote_cost(&kr, 0, 1), 0);
	assert_int_equal(karma_vote_transfer(&kr, 1, 0), 1);
	assert_int_equal(karma_vote_transfer(&kr, 0, 0), 0);
	assert_int_equal(karma_vote_transfer(&kr, 1, 1), 0);
}

static void test_karma_visit(void **state)
{
	const long now = 1700000000;
	(void)state;
	assert_int_equal(karma_visit_increment(&kr, now - 3601, now), 1);
	assert_int_equal(karma_visit_increment(&kr, now - 3600, now), 0);
	assert_int_equal(karma_visit_increment(&kr, now - 10, now), 0);
	assert_int_equal(karma_visit_increment(&kr, 0, now), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_score_plain),	 cmocka_unit_test(test_score_log_boost),
		cmocka_unit_test(test_rank_value),	 cmocka_unit_test(test_rank_order),
		cmocka_unit_test(test_rank_age_limit),	 cmocka_unit_test(test_rank_stale),
		cmocka_unit_test(test_elapsed),		 cmocka_unit_test(test_karma_refusal),
		cmocka_unit_test(test_karma_cost_transfer), cmocka_unit_test(test_karma_visit),
	};
	return cmocka_run_group_tests_name("web_rank", tests, NULL, NULL);
}
