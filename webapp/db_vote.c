/* db_vote.c - votes on stories.
 *
 * The vote, the counters, the score and the rank of a story change
 * together, in one script on the story's slot. The score and rank come
 * from rank.c, not from the script: newsd reads the counters, computes
 * both for one more vote, and the script applies them only if the
 * counters are still the ones they were computed for. When another vote
 * came in between, the script answers with the new counters and newsd
 * computes again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_cluster.h"
#include "rank.h"

/* Each retry means another vote on the story was counted in between, so
 * a vote retries at most once per request running at the same time on
 * all front-ends; this many means something is wrong. */
#define VOTE_TRIES 100

/* KEYS: news:{N}, news:{N}:up, news:{N}:down.
 * ARGV: voter id, "up" or "down", time, "1" when the voter may only vote
 * on their own story (not enough karma), the up and down counters the
 * score and rank were computed for, the score, the rank.
 * Answers {-1} no such story, {0} voted before, {-2} karma refused,
 * {-3, up, down} counters changed, {1, author id} done. */
static const char vote_news_lua[] =
	"if redis.call('HEXISTS', KEYS[1], 'id') == 0 or redis.call('HGET', KEYS[1], 'del') == '1' then return {-1} end\n"
	"if redis.call('ZSCORE', KEYS[2], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) then return {0} end\n"
	"local author = redis.call('HGET', KEYS[1], 'user_id')\n"
	"if ARGV[4] == '1' and author ~= ARGV[1] then return {-2} end\n"
	"local nu = tonumber(redis.call('HGET', KEYS[1], 'up')) or 0\n"
	"local nd = tonumber(redis.call('HGET', KEYS[1], 'down')) or 0\n"
	"if nu ~= tonumber(ARGV[5]) or nd ~= tonumber(ARGV[6]) then return {-3, nu, nd} end\n"
	"local up = ARGV[2] == 'up'\n"
	"redis.call('ZADD', up and KEYS[2] or KEYS[3], ARGV[3], ARGV[1])\n"
	"redis.call('HINCRBY', KEYS[1], 'up', up and 1 or 0)\n"
	"redis.call('HINCRBY', KEYS[1], 'down', up and 0 or 1)\n"
	"redis.call('HSET', KEYS[1], 'score', ARGV[7], 'rank', ARGV[8])\n"
	"return {1, author}\n";

/* What a vote is computed from: the story's counters and its age. */
struct vote {
	long news_id, up, down, ctime;
	int vote_up;
	const char *refused; /* the karma refusal, should the story not be the voter's */
	long result, author;
	double rank;
};

static long db_vote_element(const redisReply *x, size_t i)
{
	return x->type == REDIS_REPLY_ARRAY && i < x->elements ? db_reply_long(x->element[i]) : 0;
}

static int db_vote_read(struct req *r, struct vote *v)
{
	redisReply *x = db_cmd(r, "HMGET news:{%ld} up down ctime", v->news_id);

	if (!x)
		return -1;
	v->up = db_vote_element(x, 0);
	v->down = db_vote_element(x, 1);
	v->ctime = db_vote_element(x, 2);
	freeReplyObject(x);
	return 0;
}

/* One run of the script for the counters in v. */
static int db_vote_try(struct req *r, struct vote *v)
{
	char k1[40], k2[48], k3[48], uid[32], now[32], up[32], down[32], score[64], rank[64];
	struct cluster_batch *b = db_batch_new(r, 0);
	double sc;
	int rc = -1;

	rank_after_vote(v->up, v->down, v->vote_up, v->ctime, r->now, &r->site->cfg.rank, &sc, &v->rank);
	snprintf(k1, sizeof(k1), "news:{%ld}", v->news_id);
	snprintf(k2, sizeof(k2), "news:{%ld}:up", v->news_id);
	snprintf(k3, sizeof(k3), "news:{%ld}:down", v->news_id);
	snprintf(uid, sizeof(uid), "%ld", r->user->id);
	snprintf(now, sizeof(now), "%ld", r->now);
	snprintf(up, sizeof(up), "%ld", v->up);
	snprintf(down, sizeof(down), "%ld", v->down);
	snprintf(score, sizeof(score), "%.17g", sc);
	snprintf(rank, sizeof(rank), "%.17g", v->rank);
	if (!b || DB_EVAL(b, vote_news_lua, "3", k1, k2, k3, uid, v->vote_up ? "up" : "down", now,
			  v->refused ? "1" : "0", up, down, score, rank) < 0 ||
	    db_batch_run(r, b) < 0)
		goto out;
	const redisReply *x = cluster_batch_reply(b, 0);
	v->result = x->type == REDIS_REPLY_ARRAY && x->elements ? db_reply_long(x->element[0]) : -1;
	if (v->result == -3) {
		v->up = db_vote_element(x, 1);
		v->down = db_vote_element(x, 2);
	} else if (v->result == 1) {
		v->author = db_vote_element(x, 1);
	}
	rc = 0;
out:
	if (b)
		cluster_batch_free(b);
	return rc;
}

/* Counted: the story's place on the top page, the voter's record of the
 * vote (an upvote saves the story too) and the karma that changes hands. */
static int db_vote_settle(struct req *r, const struct vote *v)
{
	const struct karma_rules *k = &r->site->cfg.karma;
	const char *type = v->vote_up ? "up" : "down";
	int own = v->author == r->user->id;
	long cost = karma_vote_cost(k, v->vote_up, own);
	char rank[64], nid[32], now[32], ukey[40], vkey[48], skey[48], akey[40], dec[32], gain[32];
	struct cluster_batch *w = db_batch_new(r, 0);

	snprintf(rank, sizeof(rank), "%.17g", v->rank);
	snprintf(nid, sizeof(nid), "%ld", v->news_id);
	snprintf(now, sizeof(now), "%ld", r->now);
	snprintf(ukey, sizeof(ukey), "u:{%ld}", r->user->id);
	snprintf(vkey, sizeof(vkey), "u:{%ld}:votes", r->user->id);
	snprintf(skey, sizeof(skey), "u:{%ld}:saved", r->user->id);
	snprintf(akey, sizeof(akey), "u:{%ld}", v->author);
	snprintf(dec, sizeof(dec), "%ld", -cost);
	snprintf(gain, sizeof(gain), "%ld", karma_vote_transfer(k, v->vote_up, own));
	if (!w || DB_ADD(w, "ZADD", "news.top", rank, nid) < 0 || DB_ADD(w, "HSET", vkey, nid, type) < 0 ||
	    (v->vote_up && DB_ADD(w, "ZADD", skey, now, nid) < 0) ||
	    (!own && DB_ADD(w, "HINCRBY", ukey, "karma", dec) < 0) ||
	    (!own && v->vote_up && DB_ADD(w, "HINCRBY", akey, "karma", gain) < 0)) {
		if (w)
			cluster_batch_free(w);
		return -1;
	}
	if (db_batch_write(r, w) < 0)
		return -1;
	r->user->karma -= cost;
	db_stories_changed(r);
	return 0;
}

int db_vote_news(struct req *r, long news_id, int up, const char **why)
{
	/* The author is only known inside the script: tell it whether the
	 * voter could vote on somebody else's story. */
	struct vote v = { .news_id = news_id, .vote_up = up,
			  .refused = karma_vote_refusal(&r->site->cfg.karma, r->user->karma, up, 0) };
	int tries = 0;

	*why = NULL;
	if (db_vote_read(r, &v) < 0)
		return -1;
	do {
		if (++tries > VOTE_TRIES) {
			snprintf(r->cerr, sizeof(r->cerr), "news:{%ld}: its votes changed %d times during one vote",
				 news_id, VOTE_TRIES);
			return -1;
		}
		if (db_vote_try(r, &v) < 0)
			return -1;
	} while (v.result == -3);
	switch (v.result) {
	case -1: *why = "No such news or user."; return 0;
	case 0: *why = "Duplicated vote."; return 0;
	case -2: *why = v.refused; return 0;
	case 1: return db_vote_settle(r, &v);
	default: return 0;
	}
}
