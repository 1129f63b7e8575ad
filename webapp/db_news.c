/* db_news.c - stories as the pages read them: a range of a story index
 * or one story, with the user's votes, from the cluster or from the
 * shared list cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_cluster.h"
#include "newscache.h"
#include "rank.h"

void newslist_free(struct newslist *l)
{
	free(l->v);
	free(l->strings);
	newscache_release(l->snap);
	memset(l, 0, sizeof(*l));
}

static int db_news_by_rank(const void *a, const void *b)
{
	const struct news *x = a, *y = b;

	return x->rank < y->rank ? 1 : x->rank > y->rank ? -1 : 0;
}

static void db_news_from_reply(struct news *n, const redisReply *h)
{
	record_news_init(n);
	for (size_t i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *k = h->element[i], *v = h->element[i + 1];

		if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING)
			record_news_field(n, k->str, v->str);
	}
}

/* Give the strings of l, borrowed from replies about to be freed, a home
 * of their own. */
static int db_news_own_strings(struct newslist *l)
{
	size_t size = record_news_strings_size(l->v, l->n);

	if (!(l->strings = malloc(size ? size : 1)))
		return -1;
	record_news_copy(l->v, l->v, l->n, l->strings);
	return 0;
}

/* Ranks age with time: rather than a job that rewrites them, the stories
 * a page shows get theirs refreshed when it has drifted. */
static int db_news_refresh_ranks(struct req *r, struct newslist *l)
{
	struct cluster_batch *w = NULL;
	char key[40], rank[64], id[32];

	for (size_t i = 0; i < l->n; i++) {
		struct news *n = &l->v[i];
		double real = rank_news(n->score, n->ctime, r->now, &r->site->cfg.rank);

		if (n->del || !rank_stale(n->rank, real))
			continue;
		n->rank = real;
		if (!w && !(w = db_batch_new(r, 0)))
			return -1;
		snprintf(key, sizeof(key), "news:{%ld}", n->id);
		snprintf(rank, sizeof(rank), "%.17g", real);
		snprintf(id, sizeof(id), "%ld", n->id);
		if (DB_ADD(w, "HSET", key, "rank", rank) < 0 || DB_ADD(w, "ZADD", "news.top", rank, id) < 0) {
			cluster_batch_free(w);
			return -1;
		}
	}
	return w ? db_batch_write(r, w) : 0;
}

/* The stories of ids, in their order; missing ones are left out. */
static int db_news_load(struct req *r, const char *const *ids, size_t n, int update_rank, struct newslist *out)
{
	struct cluster_batch *b;
	char key[64];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!(b = db_batch_new(r, 0)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "news:{%s}", ids[i]);
		if (DB_ADD(b, "HGETALL", key) < 0)
			goto out;
	}
	if (n && (db_batch_run(r, b) < 0 || !(out->v = calloc(n, sizeof(*out->v)))))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const redisReply *h = cluster_batch_reply(b, i);

		if (h && h->type == REDIS_REPLY_ARRAY && h->elements > 0)
			db_news_from_reply(&out->v[out->n++], h);
	}
	if (db_news_own_strings(out) < 0)
		goto out;
	rc = update_rank ? db_news_refresh_ranks(r, out) : 0;
out:
	cluster_batch_free(b);
	return rc;
}

/* The HMGET of the user's votes on the stories of l. */
static int db_news_add_votes(struct cluster_batch *b, long uid, const struct newslist *l)
{
	const char **argv = calloc(l->n + 2, sizeof(*argv));
	char vkey[40], (*ids)[24] = calloc(l->n, sizeof(*ids));
	int rc = -1;

	if (argv && ids) {
		snprintf(vkey, sizeof(vkey), "u:{%ld}:votes", uid);
		argv[0] = "HMGET";
		argv[1] = vkey;
		for (size_t i = 0; i < l->n; i++) {
			snprintf(ids[i], sizeof(ids[i]), "%ld", l->v[i].id);
			argv[2 + i] = ids[i];
		}
		rc = cluster_batch_add(b, 1, (int)l->n + 2, argv, NULL);
	}
	free(argv);
	free(ids);
	return rc;
}

static void db_news_set_votes(struct newslist *l, const redisReply *x)
{
	for (size_t i = 0; i < l->n && x->type == REDIS_REPLY_ARRAY && i < x->elements; i++) {
		const redisReply *v = x->element[i];

		if (v->type == REDIS_REPLY_STRING)
			l->v[i].voted = strcmp(v->str, "up") == 0 ? "up" : "down";
	}
}

/* The user's votes on the stories of l, in one HMGET. When the request's
 * login is still to be checked (a list page), the user's hash goes in the
 * same round trip: both keys share the user's hash tag. */
static int db_news_votes(struct req *r, struct newslist *l)
{
	char ukey[40], tok[128];
	const char *hex = NULL;
	struct cluster_batch *b;
	long uid;
	int rc = -1;

	if (r->auth_pending && db_auth_cookie(r, &uid, tok, sizeof(tok), &hex) < 0)
		r->auth_pending = 0;
	if (r->auth_pending && l->n == 0)
		return db_auth(r);
	if ((!r->user && !r->auth_pending) || l->n == 0)
		return 0;
	if (!r->auth_pending)
		uid = r->user->id;
	snprintf(ukey, sizeof(ukey), "u:{%ld}", uid);
	if (!(b = db_batch_new(r, 0)))
		return -1;
	if (db_news_add_votes(b, uid, l) < 0) {
		snprintf(r->cerr, sizeof(r->cerr), "out of memory");
		goto out;
	}
	if ((r->auth_pending && DB_ADD(b, "HGETALL", ukey) < 0) || db_batch_run(r, b) < 0)
		goto out;
	if (r->auth_pending) {
		r->auth_pending = 0;
		if (db_auth_accept(r, db_user_from_reply(r, cluster_batch_take_reply(b, 1)), hex) < 0)
			goto out;
	}
	if (r->user)
		db_news_set_votes(l, cluster_batch_reply(b, 0));
	rc = 0;
out:
	cluster_batch_free(b);
	return rc;
}

static int db_news_range_load(struct req *r, const char *zset, long start, long count, int update_rank,
			      struct newslist *out)
{
	struct cluster_batch *b = db_batch_new(r, 0);
	char s0[32], s1[32];
	const char **v = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	snprintf(s0, sizeof(s0), "%ld", start);
	snprintf(s1, sizeof(s1), "%ld", start + count - 1);
	if (!b || DB_ADD(b, "ZCARD", zset) < 0 || DB_ADD(b, "ZREVRANGE", zset, s0, s1) < 0 ||
	    db_batch_run(r, b) < 0)
		goto out;
	const redisReply *ids = cluster_batch_reply(b, 1);
	if (!(v = calloc(ids->elements + 1, sizeof(*v))))
		goto out;
	for (size_t i = 0; i < ids->elements; i++)
		v[i] = ids->element[i]->str;
	rc = db_news_load(r, v, ids->elements, update_rank, out);
	out->total = db_reply_long(cluster_batch_reply(b, 0));
	if (rc == 0 && update_rank && out->n > 1 && strcmp(zset, "news.top") == 0)
		qsort(out->v, out->n, sizeof(*out->v), db_news_by_rank);
out:
	free(v);
	if (b)
		cluster_batch_free(b);
	return rc;
}

/* ---- the list cache ---------------------------------------------------- */

/* A cached list: the stories and their strings in one block. */
struct listsnap {
	size_t n;
	long total;
	struct news v[];
};

static int db_news_cache_get(struct req *r, const char *key, struct newslist *out)
{
	struct newscache_snap *s;
	struct listsnap *l;
	void *obj;

	memset(out, 0, sizeof(*out));
	if (r->fresh || !(s = newscache_get(r->site->cache, key, &obj)))
		return 0;
	l = obj;
	/* The array is the request's own (it sets the vote arrows); the
	 * strings stay the snapshot's. */
	if (l->n && !(out->v = malloc(l->n * sizeof(*out->v)))) {
		newscache_release(s);
		return 0;
	}
	if (l->n)
		memcpy(out->v, l->v, l->n * sizeof(*out->v));
	out->n = l->n;
	out->total = l->total;
	out->snap = s;
	return 1;
}

static void db_news_cache_put(struct req *r, const char *key, const struct newslist *l)
{
	struct listsnap *c = malloc(sizeof(*c) + l->n * sizeof(c->v[0]) + record_news_strings_size(l->v, l->n));

	if (!c)
		return;
	c->n = l->n;
	c->total = l->total;
	record_news_copy(c->v, l->v, l->n, (char *)&c->v[l->n]);
	/* Votes are the request's user's, never shared. */
	for (size_t i = 0; i < l->n; i++)
		c->v[i].voted = NULL;
	newscache_put(r->site->cache, key, c, free);
}

/* ---- the calls --------------------------------------------------------- */

int db_news_range(struct req *r, const char *zset, long start, long count, int update_rank,
		  struct newslist *out)
{
	int shared = strcmp(zset, "news.top") == 0 || strcmp(zset, "news.cron") == 0;
	char key[64];

	if (start < 0)
		start = 0;
	snprintf(key, sizeof(key), "%s:%ld:%ld", zset, start, count);
	if (!shared || !db_news_cache_get(r, key, out)) {
		if (db_news_range_load(r, zset, start, count, update_rank, out) < 0)
			return -1;
		if (shared)
			db_news_cache_put(r, key, out);
	}
	return db_news_votes(r, out);
}

int db_news_get(struct req *r, long id, struct newslist *out)
{
	char s[32], key[48];
	const char *v[1] = { s };

	snprintf(s, sizeof(s), "%ld", id);
	snprintf(key, sizeof(key), "story:%ld", id);
	if (id <= 0 || !db_news_cache_get(r, key, out)) {
		if (db_news_load(r, v, id > 0 ? 1 : 0, 0, out) < 0)
			return -1;
		db_news_cache_put(r, key, out);
	}
	return db_news_votes(r, out);
}

int db_news_random(struct req *r, long *id)
{
	redisReply *x = db_cmd(r, "ZRANDMEMBER news.cron");

	*id = 0;
	if (!x)
		return -1;
	if (x->type == REDIS_REPLY_STRING)
		*id = strtol(x->str, NULL, 10);
	freeReplyObject(x);
	return 0;
}
