/* rank.c - news ranking and karma rules (see rank.h for the formulas). */
#include <math.h>
#include <stdio.h>

#include "rank.h"

double rank_score(long up, long down, const struct rank_rules *r)
{
	double score = (double)up - (double)down;
	double votes = (double)up + (double)down;

	if (votes > (double)r->log_start)
		score += log(votes - (double)r->log_start) * r->log_booster;
	return score;
}

double rank_news(double score, long ctime, long now, const struct rank_rules *r)
{
	/* A clock step backwards must not give a story an infinite rank. */
	double age = now > ctime ? (double)now - (double)ctime : 0.0;

	if (age > (double)r->age_limit)
		return -age;
	return score * 1000000.0 / pow(age + (double)r->age_padding, r->aging_factor);
}

void rank_after_vote(long up, long down, int vote_up, long ctime, long now, const struct rank_rules *r,
		     double *score, double *rank)
{
	*score = rank_score(vote_up ? up + 1 : up, vote_up ? down : down + 1, r);
	*rank = rank_news(*score, ctime, now, r);
}

/* A rank moves every second as its story ages; rewriting it on every view
 * would turn each page view into dozens of writes. A drift of 0.1% is
 * reached after about half a minute for a fresh story, which keeps the
 * stored order close to the real one at a small write rate. */
int rank_stale(double stored, double real)
{
	double d = fabs(stored - real);

	return d > 0.000001 && d > 0.001 * fabs(real);
}

void rank_elapsed(char *out, size_t outlen, long then, long now)
{
	static const struct {
		long secs;
		const char *name;
	} units[] = { { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" } };
	long d;

	/* Garbage timestamps must not overflow; they just read as "now". */
	if (__builtin_sub_overflow(now, then, &d) || d <= 1) {
		snprintf(out, outlen, "now");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		long n = d / units[i].secs;

		if (n >= 1) {
			snprintf(out, outlen, "%ld %s%s ago", n, units[i].name, n > 1 ? "s" : "");
			return;
		}
	}
}

const char *karma_vote_refusal(const struct karma_rules *k, long karma, int up, int own)
{
	if (own)
		return NULL;
	if (up && karma < k->up_min)
		return "You don't have enough karma to vote up";
	if (!up && karma < k->down_min)
		return "You don't have enough karma to vote down";
	return NULL;
}

long karma_vote_cost(const struct karma_rules *k, int up, int own)
{
	if (own)
		return 0;
	return up ? k->up_cost : k->down_cost;
}

long karma_vote_transfer(const struct karma_rules *k, int up, int own)
{
	/* Downvotes cost the voter but do not punish the author directly. */
	if (own || !up)
		return 0;
	return k->up_transfer;
}

long karma_visit_increment(const struct karma_rules *k, long last_incr, long now)
{
	long d;

	if (__builtin_sub_overflow(now, last_incr, &d))
		return 0;
	return d > k->incr_interval ? k->incr_amount : 0;
}
