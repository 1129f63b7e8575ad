/* test_web_vote.c - the score and rank a vote writes (rank_after_vote):
 * the vote script stores exactly these, so they must be the ranking
 * formula applied to the counters after the vote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rank.h"

#define DAY 86400L

static const struct rank_rules rr = {
	.age_padding = 8 * 3600,
	.aging_factor = 1.1,
	.log_start = 10,
	.log_booster = 2,
	.age_limit = 30 * DAY,
};

static const long now = 1700000000;

static void check(long up, long down, int vote_up, long age, double want_score, double want_rank)
{
	double score, rank;

	rank_after_vote(up, down, vote_up, now - age, now, &rr, &score, &rank);
	assert_float_equal(score, want_score, 1e-9);
	assert_float_equal(rank, want_rank, 1e-6);
}

static void test_vectors(void **state)
{
	(void)state;
	/* A new story's second upvote: score 2 at age 0; 2e6 / 28800^1.1. */
	check(1, 0, 1, 0, 2.0, 24.8712870054);
	/* Its first downvote: score 0, rank 0 at any age under the limit. */
	check(1, 0, 0, 3600, 0.0, 0.0);
	/* Crossing log_start: 11 votes after the vote, log(1) * 2 = 0. */
	check(10, 0, 1, 0, 11.0, 11 * 12.4356435027);
	/* 100 votes after the vote: 0 + 2 ln 90. */
	check(49, 50, 1, 0, 8.9996193406, 8.9996193406 * 12.4356435027);
	check(50, 49, 0, 0, 8.9996193406, 8.9996193406 * 12.4356435027);
	/* Past the age limit the rank is minus the age, whatever the votes. */
	check(5, 0, 1, 31 * DAY, 6.0, -31.0 * DAY);
}

/* The same numbers as the two functions it stands for, over a grid. */
static void test_same_formula(void **state)
{
	static const long ages[] = { 0, 1, 3600, 7 * DAY, 30 * DAY, 30 * DAY + 1 };
	(void)state;
	for (long up = 0; up < 30; up += 3)
		for (long down = 0; down < 30; down += 4)
			for (size_t a = 0; a < sizeof(ages) / sizeof(ages[0]); a++)
				for (int v = 0; v < 2; v++) {
					double score, rank;
					double s = rank_score(up + v, down + !v, &rr);

					rank_after_vote(up, down, v, now - ages[a], now, &rr, &score, &rank);
					assert_float_equal(score, s, 0);
					assert_float_equal(rank, rank_news(s, now - ages[a], now, &rr), 0);
				}
}

/* More votes up never rank a story lower. */
static void test_monotonic(void **state)
{
	double prev = -1e300;
	(void)state;
	for (long up = 0; up < 200; up++) {
		double score, rank;

		rank_after_vote(up, 7, 1, now - 3600, now, &rr, &score, &rank);
		assert_true(rank > prev);
		prev = rank;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_same_formula),
		cmocka_unit_test(test_monotonic),
	};
	return cmocka_run_group_tests_name("web_vote", tests, NULL, NULL);
}
