/* rank.h - the ranking and karma rules, pure and unit-tested.
 *
 * score = up - down, plus log(votes - log_start) * log_booster once the
 * total of votes passes log_start (a story with 50 up and 50 down is more
 * interesting than one with 5 and 5).
 * rank  = score * 1e6 / (age + age_padding) ^ aging_factor, or -age once
 * the story is older than age_limit (it drops off the top page). */
#ifndef NEWSD_RANK_H
#define NEWSD_RANK_H

#include <stddef.h>

struct rank_rules {
	long age_padding;     /* seconds; Lamer News: 8 h */
	double aging_factor;  /* 1.1 */
	long log_start;       /* 10 */
	double log_booster;   /* 2 */
	long age_limit;       /* seconds; 30 days */
};

struct karma_rules {
	long initial;          /* new accounts: 1 */
	long incr_interval;    /* seconds between visit increments: 3600 */
	long incr_amount;      /* 1 */
	long up_min, up_cost;  /* karma needed to upvote news, and its cost: 1, 1 */
	long down_min, down_cost; /* 30, 6 */
	long up_transfer;      /* karma the author gets per upvote: 1 */
	long per_comment;      /* karma for posting a comment: 1 */
};

double rank_score(long up, long down, const struct rank_rules *r);
double rank_news(double score, long ctime, long now, const struct rank_rules *r);
/* The score and rank of a story that has `up` and `down` votes once one
 * more (up when vote_up) is counted: what a vote writes. The vote script
 * takes both from here, so the formula exists only in rank.c. */
void rank_after_vote(long up, long down, int vote_up, long ctime, long now, const struct rank_rules *r,
		     double *score, double *rank);
/* A stored rank is refreshed when it differs from the real one by more
 * than 1e-6 and by more than 0.1% of the real one. */
int rank_stale(double stored, double real);

/* "now", "1 second ago", "5 minutes ago", "2 hours ago", "3 days ago". */
void rank_elapsed(char *out, size_t outlen, long then, long now);

/* May a user with `karma` vote news up (up=1) or down? Voting one's own
 * news costs nothing and needs no karma. NULL when allowed, else the
 * message ("You don't have enough karma to vote down"). */
const char *karma_vote_refusal(const struct karma_rules *k, long karma, int up, int own);
/* The karma the voter pays for a vote (0 on one's own news). */
long karma_vote_cost(const struct karma_rules *k, int up, int own);
/* The karma the author receives for a vote (0 on one's own news). */
long karma_vote_transfer(const struct karma_rules *k, int up, int own);
/* The visit increment due now: incr_amount when last_incr is more than
 * incr_interval seconds ago, else 0. */
long karma_visit_increment(const struct karma_rules *k, long last_incr, long now);

#endif
