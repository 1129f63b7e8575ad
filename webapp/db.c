/* db.c - newsd's data layer on the Redis Cluster (the key layout is in
 * site.h). Reads of many keys go out as one pipelined batch per node;
 * story and comment writes wait for a replica (durable_replicas); changes
 * that must be atomic are Lua scripts on the keys of one hash tag. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "newscache.h"
#include "rank.h"
#include "site.h"
#include "token.h"

#define TOKEN_BYTES 20

/* ---- replies ----------------------------------------------------------- */

const char *rfield(const redisReply *h, const char *name)
{
	if (!h || h->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (size_t i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->type == REDIS_REPLY_STRING && strcmp(h->element[i]->str, name) == 0)
			return h->element[i + 1]->type == REDIS_REPLY_STRING ? h->element[i + 1]->str : NULL;
	return NULL;
}

long rlong(const redisReply *h, const char *name)
{
	const char *s = rfield(h, name);
	return s ? strtol(s, NULL, 10) : 0;
}

static long reply_long(const redisReply *x)
{
	if (!x)
		return 0;
	if (x->type == REDIS_REPLY_INTEGER)
		return (long)x->integer;
	if (x->type == REDIS_REPLY_STRING)
		return strtol(x->str, NULL, 10);
	return 0;
}

static void failed(struct req *r)
{
	atomic_fetch_add(&r->site->cluster_failures, 1);
}

int db_reply_error(struct req *r, const redisReply *x)
{
	if (x && x->type != REDIS_REPLY_ERROR)
		return 0;
	if (x)
		snprintf(r->cerr, sizeof(r->cerr), "%s", x->str);
	failed(r);
	return -1;
}

redisReply *db_cmd(struct req *r, const char *fmt, ...)
{
	redisReply *x;
	va_list ap;

	va_start(ap, fmt);
	x = cluster_vcommand(r->c, r->cerr, sizeof(r->cerr), fmt, ap);
	va_end(ap);
	if (db_reply_error(r, x) < 0) {
		if (x)
			freeReplyObject(x);
		return NULL;
	}
	return x;
}

redisReply *db_argv(struct req *r, int argc, const char **argv, const size_t *lens)
{
	redisReply *x = cluster_command_argv(r->c, argc, argv, lens, r->cerr, sizeof(r->cerr));

	if (db_reply_error(r, x) < 0) {
		if (x)
			freeReplyObject(x);
		return NULL;
	}
	return x;
}

/* ---- batches ----------------------------------------------------------- */

/* Append argv (NULL-terminated), routed by argv[key]. */
static int badd_v(struct cluster_batch *b, int key, const char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return cluster_batch_add(b, key, n, argv, NULL);
}
#define BADD(b, ...) badd_v(b, 1, (const char *[]){ __VA_ARGS__, NULL })
#define BEVAL(b, ...) badd_v(b, 3, (const char *[]){ "EVAL", __VA_ARGS__, NULL })

static struct cluster_batch *batch_new(struct req *r, int durable)
{
	struct cluster_batch *b = cluster_batch_new();

	if (!b)
		snprintf(r->cerr, sizeof(r->cerr), "out of memory");
	else if (durable && r->site->cfg.durable_replicas > 0)
		cluster_batch_set_wait(b, (int)r->site->cfg.durable_replicas,
				       (int)r->site->cfg.durable_timeout_ms);
	return b;
}

/* Run b; every command must have a non-error reply. A durable write that
 * no replica confirmed in time has still been made: it is answered as
 * done, and logged, since losing its master now would lose it. */
static int batch_run(struct req *r, struct cluster_batch *b)
{
	if (!b)
		return -1;
	if (cluster_batch_run(r->c, b, r->cerr, sizeof(r->cerr)) < 0) {
		failed(r);
		return -1;
	}
	for (size_t i = 0; i < cluster_batch_count(b); i++)
		if (db_reply_error(r, cluster_batch_reply(b, i)) < 0)
			return -1;
	if (cluster_batch_waits(b))
		for (size_t i = 0; i < cluster_batch_count(b); i++)
			if (!cluster_batch_acked(b, i)) {
				atomic_fetch_add(&r->site->unconfirmed_writes, 1);
				fprintf(stderr, "newsd: %s %s: write not confirmed by a replica: %s\n", r->method,
					r->path ? r->path : "?", cluster_batch_error(b, i) ? cluster_batch_error(b, i) : "");
				break;
			}
	return 0;
}

/* Run and free a batch of writes. */
static int batch_write(struct req *r, struct cluster_batch *b)
{
	int rc = batch_run(r, b);

	cluster_batch_free(b);
	return rc;
}

/* A story changed: lists cached here are out of date. */
static void stories_changed(struct req *r)
{
	newscache_clear(r->site->cache);
}

static const redisReply *brep(const struct cluster_batch *b, size_t i)
{
	return cluster_batch_reply(b, i);
}

/* ---- users ------------------------------------------------------------- */

void user_free(struct user *u)
{
	if (!u)
		return;
	if (u->r)
		freeReplyObject(u->r);
	free(u);
}

int db_is_admin(const struct site *s, const redisReply *u)
{
	const char *flags = rfield(u, "flags"), *name = rfield(u, "username");

	if (flags && strchr(flags, 'a'))
		return 1;
	return s->cfg.admin_user && name && strcasecmp(name, s->cfg.admin_user) == 0;
}

static struct user *user_wrap(struct req *r, redisReply *x)
{
	struct user *u;

	if (!x || x->type != REDIS_REPLY_ARRAY || x->elements == 0 || !rfield(x, "id")) {
		if (x)
			freeReplyObject(x);
		return NULL;
	}
	if (!(u = calloc(1, sizeof(*u)))) {
		freeReplyObject(x);
		return NULL;
	}
	u->r = x;
	u->id = rlong(x, "id");
	u->karma = rlong(x, "karma");
	u->admin = db_is_admin(r->site, x);
	return u;
}

int db_user_by_id(struct req *r, long id, struct user **out)
{
	redisReply *x = db_cmd(r, "HGETALL u:{%ld}", id);

	*out = NULL;
	if (!x)
		return -1;
	*out = user_wrap(r, x);
	return 0;
}

static void lower(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

int db_user_by_name(struct req *r, const char *name, struct user **out)
{
	char low[300];
	redisReply *x;
	long id;

	*out = NULL;
	if (strlen(name) >= sizeof(low))
		return 0;
	lower(low, name, sizeof(low));
	if (!(x = db_cmd(r, "GET username:{%s}", low)))
		return -1;
	id = x->type == REDIS_REPLY_STRING ? strtol(x->str, NULL, 10) : 0;
	freeReplyObject(x);
	return id > 0 ? db_user_by_id(r, id, out) : 0;
}

/* The auth cookie is "ID-HEX": the user's id and a token that is good
 * while it equals the user's auth field. 0 and *id, *hex set when the
 * request carries one that looks right. */
static int auth_cookie(struct req *r, long *id, char *tok, size_t len, const char **hex)
{
	char *dash;

	if (!r->cookie || cookie_get(r->cookie, "auth", tok, len) < 0)
		return -1;
	*id = strtol(tok, &dash, 10);
	if (*id <= 0 || *dash != '-')
		return -1;
	*hex = dash + 1;
	return 0;
}

/* Take u as the request's user when hex is its token (u is consumed). */
static int auth_accept(struct req *r, struct user *u, const char *hex)
{
	const struct newsd_config *cfg = &r->site->cfg;
	const char *mine = u ? rfield(u->r, "auth") : NULL;

	if (!mine || strlen(mine) != strlen(hex) || CRYPTO_memcmp(mine, hex, strlen(hex)) != 0) {
		user_free(u);
		return 0;
	}
	r->user = u;
	/* Users earn karma by visiting, at most once an interval. */
	long due = karma_visit_increment(&cfg->karma, rlong(u->r, "karma_incr_time"), r->now);
	if (due) {
		struct cluster_batch *b = batch_new(r, 0);
		char now[32], inc[32], key[40];
		snprintf(now, sizeof(now), "%ld", r->now);
		snprintf(inc, sizeof(inc), "%ld", due);
		snprintf(key, sizeof(key), "u:{%ld}", u->id);
		if (!b || BADD(b, "HSET", key, "karma_incr_time", now) < 0 ||
		    BADD(b, "HINCRBY", key, "karma", inc) < 0 || batch_write(r, b) < 0)
			return -1;
		u->karma += due;
	}
	return 0;
}

int db_auth(struct req *r)
{
	char tok[128];
	const char *hex;
	struct user *u;
	long id;

	r->auth_pending = 0;
	if (auth_cookie(r, &id, tok, sizeof(tok), &hex) < 0)
		return 0;
	if (db_user_by_id(r, id, &u) < 0)
		return -1;
	return auth_accept(r, u, hex);
}

static int make_token(char *out, size_t len, long id)
{
	char hex[2 * TOKEN_BYTES + 1];

	if (token_random_hex(hex, sizeof(hex), TOKEN_BYTES) < 0)
		return -1;
	snprintf(out, len, "%ld-%s", id, hex);
	return 0;
}

int db_create_user(struct req *r, const char *name, const char *password, char *token, size_t tlen,
		   const char **why)
{
	const struct newsd_config *cfg = &r->site->cfg;
	char low[300], key[40], idstr[32], now[32], karma[32], iter[32];
	char salt[2 * TOKEN_BYTES + 1], secret[2 * TOKEN_BYTES + 1], hash[65];
	redisReply *x;
	long id;
	int limited;

	*why = NULL;
	lower(low, name, sizeof(low));
	if (!(x = db_cmd(r, "EXISTS username:{%s}", low)))
		return -1;
	id = reply_long(x);
	freeReplyObject(x);
	if (id) {
		*why = "Username is already taken, please try a different one.";
		return 0;
	}
	char tag[96];
	snprintf(tag, sizeof(tag), "create_user:%s", r->ip);
	if (db_rate_limit(r, tag, cfg->user_creation_delay, &limited) < 0)
		return -1;
	if (limited) {
		*why = "Please wait some time before creating a new user.";
		return 0;
	}
	if (!(x = db_cmd(r, "INCR users.count")))
		return -1;
	id = reply_long(x);
	freeReplyObject(x);
	snprintf(idstr, sizeof(idstr), "%ld", id);
	if (!(x = db_cmd(r, "SET username:{%s} %s NX", low, idstr)))
		return -1;
	int taken = x->type == REDIS_REPLY_NIL;
	freeReplyObject(x);
	if (taken) {
		*why = "Username is already taken, please try a different one.";
		return 0;
	}
	if (make_token(token, tlen, id) < 0 || token_random_hex(salt, sizeof(salt), TOKEN_BYTES) < 0 ||
	    token_random_hex(secret, sizeof(secret), TOKEN_BYTES) < 0 ||
	    password_hash(password, salt, (int)cfg->password_iterations, hash, sizeof(hash)) < 0) {
		snprintf(r->cerr, sizeof(r->cerr), "cannot make random tokens");
		return -1;
	}
	snprintf(key, sizeof(key), "u:{%ld}", id);
	snprintf(now, sizeof(now), "%ld", r->now);
	snprintf(karma, sizeof(karma), "%ld", cfg->karma.initial);
	snprintf(iter, sizeof(iter), "%ld", cfg->password_iterations);
	struct cluster_batch *b = batch_new(r, 1);
	if (!b || BADD(b, "HSET", key, "id", idstr, "username", name, "salt", salt, "password", hash,
		       "iter", iter, "ctime", now, "karma", karma, "about", "", "email", "",
		       "auth", strchr(token, '-') + 1, "apisecret", secret,
		       "flags", id == 1 ? "a" : "", "karma_incr_time", now, "replies", "0") < 0)
		return cluster_batch_free(b), -1;
	return batch_write(r, b);
}

int db_login(struct req *r, const char *name, const char *password, char *token, size_t tlen,
	     char *apisecret, size_t alen)
{
	struct user *u;
	const char *salt, *hash, *auth, *secret;
	int ok = 0;

	if (db_user_by_name(r, name, &u) < 0)
		return -1;
	if (!u)
		return 0;
	salt = rfield(u->r, "salt");
	hash = rfield(u->r, "password");
	auth = rfield(u->r, "auth");
	secret = rfield(u->r, "apisecret");
	if (salt && hash && auth && secret &&
	    password_check(password, salt, (int)rlong(u->r, "iter"), hash)) {
		snprintf(token, tlen, "%ld-%s", u->id, auth);
		snprintf(apisecret, alen, "%s", secret);
		ok = 1;
	}
	user_free(u);
	return ok;
}

int db_rotate_auth(struct req *r, long uid, char *token, size_t tlen)
{
	char buf[128];
	redisReply *x;

	if (!token) {
		token = buf;
		tlen = sizeof(buf);
	}
	if (make_token(token, tlen, uid) < 0)
		return -1;
	if (!(x = db_cmd(r, "HSET u:{%ld} auth %s", uid, strchr(token, '-') + 1)))
		return -1;
	freeReplyObject(x);
	return 0;
}

int db_set_password(struct req *r, const redisReply *u, const char *password)
{
	const struct newsd_config *cfg = &r->site->cfg;
	char hash[65];
	const char *salt = rfield(u, "salt");
	redisReply *x;

	if (!salt || password_hash(password, salt, (int)cfg->password_iterations, hash, sizeof(hash)) < 0) {
		snprintf(r->cerr, sizeof(r->cerr), "cannot hash the password");
		return -1;
	}
	if (!(x = db_cmd(r, "HSET u:{%ld} password %s iter %ld", rlong(u, "id"), hash,
			 cfg->password_iterations)))
		return -1;
	freeReplyObject(x);
	return 0;
}

int db_rate_limit(struct req *r, const char *tag, long delay, int *limited)
{
	redisReply *x;

	*limited = 0;
	if (delay <= 0)
		return 0;
	if (!(x = db_cmd(r, "SET limit:{%s} 1 NX EX %ld", tag, delay)))
		return -1;
	*limited = x->type == REDIS_REPLY_NIL;
	freeReplyObject(x);
	return 0;
}

/* The key signing reset links: made once by whichever front-end asks
 * first, then the same everywhere. */
int db_secret(struct req *r)
{
	struct site *s = r->site;
	char hex[65];
	redisReply *x;
	int rc = -1;

	pthread_mutex_lock(&s->secret_lock);
	if (s->have_secret) {
		pthread_mutex_unlock(&s->secret_lock);
		return 0;
	}
	if (token_random_hex(hex, sizeof(hex), 32) < 0)
		goto out;
	if (!(x = db_cmd(r, "SET site:secret %s NX", hex)))
		goto out;
	freeReplyObject(x);
	if (!(x = db_cmd(r, "GET site:secret")))
		goto out;
	if (x->type == REDIS_REPLY_STRING && x->len == 64) {
		for (int i = 0; i < 32; i++)
			sscanf(x->str + 2 * i, "%2hhx", &s->secret[i]);
		s->have_secret = 1;
		rc = 0;
	} else {
		snprintf(r->cerr, sizeof(r->cerr), "site:secret is not 64 hex digits");
	}
	freeReplyObject(x);
out:
	pthread_mutex_unlock(&s->secret_lock);
	return rc;
}

/* ---- news -------------------------------------------------------------- */

void newslist_free(struct newslist *l)
{
	free(l->v);
	if (l->b)
		cluster_batch_free(l->b);
	newscache_release(l->snap);
	memset(l, 0, sizeof(*l));
}

static int by_rank(const void *a, const void *b)
{
	const struct news *x = a, *y = b;

	return x->rank < y->rank ? 1 : x->rank > y->rank ? -1 : 0;
}

static void news_fill(struct news *n, const redisReply *h)
{
	n->id = rlong(h, "id");
	n->user_id = rlong(h, "user_id");
	n->ctime = rlong(h, "ctime");
	n->up = rlong(h, "up");
	n->down = rlong(h, "down");
	n->comments = rlong(h, "comments");
	n->del = rlong(h, "del") != 0;
	n->score = rfield(h, "score") ? strtod(rfield(h, "score"), NULL) : 0;
	n->rank = rfield(h, "rank") ? strtod(rfield(h, "rank"), NULL) : 0;
	n->title = rfield(h, "title") ? rfield(h, "title") : "";
	n->url = rfield(h, "url") ? rfield(h, "url") : "";
	n->username = rfield(h, "username") ? rfield(h, "username") : "deleted_user";
}

/* Ranks age with time: rather than a job that rewrites them, the stories
 * a page shows get theirs refreshed when it has drifted. */
static int refresh_ranks(struct req *r, struct newslist *l)
{
	struct cluster_batch *w = NULL;
	char key[40], rank[64], id[32];

	for (size_t i = 0; i < l->n; i++) {
		struct news *n = &l->v[i];
		double real = rank_news(n->score, n->ctime, r->now, &r->site->cfg.rank);
		if (n->del || !rank_stale(n->rank, real))
			continue;
		n->rank = real;
		if (!w && !(w = batch_new(r, 0)))
			return -1;
		snprintf(key, sizeof(key), "news:{%ld}", n->id);
		snprintf(rank, sizeof(rank), "%.17g", real);
		snprintf(id, sizeof(id), "%ld", n->id);
		if (BADD(w, "HSET", key, "rank", rank) < 0 || BADD(w, "ZADD", "news.top", rank, id) < 0) {
			cluster_batch_free(w);
			return -1;
		}
	}
	return w ? batch_write(r, w) : 0;
}

/* The user's votes on the stories of l, in one HMGET. When the request's
 * login is still to be checked (a list page), the user's hash goes in the
 * same round trip: both keys share the user's hash tag. */
static int news_votes(struct req *r, struct newslist *l)
{
	const char **argv;
	char vkey[40], ukey[40], tok[128], (*ids)[24];
	const char *hex = NULL;
	struct cluster_batch *b;
	long uid;
	int rc = -1;

	if (r->auth_pending && auth_cookie(r, &uid, tok, sizeof(tok), &hex) < 0)
		r->auth_pending = 0;
	if (r->auth_pending && l->n == 0)
		return db_auth(r);
	if ((!r->user && !r->auth_pending) || l->n == 0)
		return 0;
	if (!r->auth_pending)
		uid = r->user->id;
	argv = calloc(l->n + 2, sizeof(*argv));
	ids = calloc(l->n, sizeof(*ids));
	b = batch_new(r, 0);
	if (!argv || !ids || !b) {
		snprintf(r->cerr, sizeof(r->cerr), "out of memory");
		goto out;
	}
	snprintf(vkey, sizeof(vkey), "u:{%ld}:votes", uid);
	snprintf(ukey, sizeof(ukey), "u:{%ld}", uid);
	argv[0] = "HMGET";
	argv[1] = vkey;
	for (size_t i = 0; i < l->n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%ld", l->v[i].id);
		argv[2 + i] = ids[i];
	}
	if (cluster_batch_add(b, 1, (int)l->n + 2, argv, NULL) < 0 ||
	    (r->auth_pending && BADD(b, "HGETALL", ukey) < 0) || batch_run(r, b) < 0)
		goto out;
	if (r->auth_pending) {
		redisReply *h = cluster_batch_take_reply(b, 1);
		r->auth_pending = 0;
		if (auth_accept(r, user_wrap(r, h), hex) < 0)
			goto out;
	}
	const redisReply *x = brep(b, 0);
	for (size_t i = 0; r->user && i < l->n && x->type == REDIS_REPLY_ARRAY && i < x->elements; i++) {
		const redisReply *v = x->element[i];
		if (v->type == REDIS_REPLY_STRING)
			l->v[i].voted = strcmp(v->str, "up") == 0 ? "up" : "down";
	}
	rc = 0;
out:
	free(argv);
	free(ids);
	if (b)
		cluster_batch_free(b);
	return rc;
}

static int news_load(struct req *r, const char *const *ids, size_t n, int update_rank, struct newslist *out)
{
	struct cluster_batch *b = batch_new(r, 0);
	char key[64];

	memset(out, 0, sizeof(*out));
	if (!b)
		return -1;
	out->b = b;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "news:{%s}", ids[i]);
		if (BADD(b, "HGETALL", key) < 0)
			return -1;
	}
	if (batch_run(r, b) < 0)
		return -1;
	if (!(out->v = calloc(n, sizeof(*out->v))))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const redisReply *h = brep(b, i);
		if (h && h->type == REDIS_REPLY_ARRAY && h->elements > 0)
			news_fill(&out->v[out->n++], h);
	}
	if (update_rank && refresh_ranks(r, out) < 0)
		return -1;
	return 0;
}

int db_news_ids(struct req *r, const char *const *ids, size_t n, int update_rank, struct newslist *out)
{
	if (news_load(r, ids, n, update_rank, out) < 0)
		return -1;
	return news_votes(r, out);
}

static int news_range_load(struct req *r, const char *zset, long start, long count, int update_rank,
			   struct newslist *out)
{
	char s0[32], s1[32];
	struct cluster_batch *b = batch_new(r, 0);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	snprintf(s0, sizeof(s0), "%ld", start);
	snprintf(s1, sizeof(s1), "%ld", start + count - 1);
	if (!b || BADD(b, "ZCARD", zset) < 0 || BADD(b, "ZREVRANGE", zset, s0, s1) < 0 ||
	    batch_run(r, b) < 0)
		goto out;
	const redisReply *ids = brep(b, 1);
	const char **v = calloc(ids->elements + 1, sizeof(*v));
	if (!v)
		goto out;
	for (size_t i = 0; i < ids->elements; i++)
		v[i] = ids->element[i]->str;
	rc = news_load(r, v, ids->elements, update_rank, out);
	free(v);
	out->total = reply_long(brep(b, 0));
	if (rc == 0 && update_rank && out->n > 1 && strcmp(zset, "news.top") == 0)
		qsort(out->v, out->n, sizeof(*out->v), by_rank);
out:
	if (b)
		cluster_batch_free(b);
	return rc;
}

/* A cached list: the stories and their strings in one block. */
struct listsnap {
	size_t n;
	long total;
	struct news v[];
};

static int list_get(struct req *r, const char *key, struct newslist *out)
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

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *scopy(char **p, const char *s)
{
	char *d = *p;

	if (!s)
		return NULL;
	memcpy(d, s, slen(s));
	*p += slen(s);
	return d;
}

static void list_put(struct req *r, const char *key, const struct newslist *l)
{
	size_t strings = 0;
	struct listsnap *c;
	char *p;

	for (size_t i = 0; i < l->n; i++)
		strings += slen(l->v[i].title) + slen(l->v[i].url) + slen(l->v[i].username);
	if (!(c = malloc(sizeof(*c) + l->n * sizeof(c->v[0]) + strings)))
		return;
	c->n = l->n;
	c->total = l->total;
	p = (char *)&c->v[l->n];
	for (size_t i = 0; i < l->n; i++) {
		c->v[i] = l->v[i];
		c->v[i].voted = NULL;
		c->v[i].title = scopy(&p, l->v[i].title);
		c->v[i].url = scopy(&p, l->v[i].url);
		c->v[i].username = scopy(&p, l->v[i].username);
	}
	newscache_put(r->site->cache, key, c, free);
}

/* A range of a story index: news.top and news.cron come from the list
 * cache when it has them fresh, anything else from the cluster. */
int db_news_range(struct req *r, const char *zset, long start, long count, int update_rank,
		  struct newslist *out)
{
	int shared = strcmp(zset, "news.top") == 0 || strcmp(zset, "news.cron") == 0;
	char key[64];

	if (start < 0)
		start = 0;
	snprintf(key, sizeof(key), "%s:%ld:%ld", zset, start, count);
	if (!shared || !list_get(r, key, out)) {
		if (news_range_load(r, zset, start, count, update_rank, out) < 0)
			return -1;
		if (shared)
			list_put(r, key, out);
	}
	return news_votes(r, out);
}

int db_news_get(struct req *r, long id, struct newslist *out)
{
	char s[32];
	const char *v[1] = { s };

	char key[48];

	snprintf(s, sizeof(s), "%ld", id);
	snprintf(key, sizeof(key), "story:%ld", id);
	if (id <= 0 || !list_get(r, key, out)) {
		if (news_load(r, v, id > 0 ? 1 : 0, 0, out) < 0)
			return -1;
		list_put(r, key, out);
	}
	return news_votes(r, out);
}

/* Cast a vote on a story: no double votes, karma checked against the
 * story's author inside the script, the score updated with it. */
static const char vote_news_lua[] =
	"if redis.call('HEXISTS', KEYS[1], 'id') == 0 or redis.call('HGET', KEYS[1], 'del') == '1' then return {-1} end\n"
	"if redis.call('ZSCORE', KEYS[2], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) then return {0} end\n"
	"local author = redis.call('HGET', KEYS[1], 'user_id')\n"
	"if ARGV[4] == '1' and author ~= ARGV[1] then return {-2} end\n"
	"local up = ARGV[2] == 'up'\n"
	"redis.call('ZADD', up and KEYS[2] or KEYS[3], ARGV[3], ARGV[1])\n"
	"local nu = redis.call('HINCRBY', KEYS[1], 'up', up and 1 or 0)\n"
	"local nd = redis.call('HINCRBY', KEYS[1], 'down', up and 0 or 1)\n"
	"local score = nu - nd\n"
	"local votes = nu + nd\n"
	"if votes > tonumber(ARGV[5]) then score = score + math.log(votes - tonumber(ARGV[5])) * tonumber(ARGV[6]) end\n"
	"redis.call('HSET', KEYS[1], 'score', tostring(score))\n"
	"return {1, author, redis.call('HGET', KEYS[1], 'ctime'), tostring(score)}\n";

int db_vote_news(struct req *r, long news_id, int up, const char **why)
{
	const struct newsd_config *cfg = &r->site->cfg;
	char k1[40], k2[48], k3[48], uid[32], now[32], ls[32], lb[32], nid[32];
	const char *type = up ? "up" : "down";
	/* The author is only known inside the script: tell it whether the
	 * voter could vote on somebody else's story. */
	const char *refused = karma_vote_refusal(&cfg->karma, r->user->karma, up, 0);
	struct cluster_batch *b = batch_new(r, 0);
	int rc = -1;

	*why = NULL;
	snprintf(k1, sizeof(k1), "news:{%ld}", news_id);
	snprintf(k2, sizeof(k2), "news:{%ld}:up", news_id);
	snprintf(k3, sizeof(k3), "news:{%ld}:down", news_id);
	snprintf(uid, sizeof(uid), "%ld", r->user->id);
	snprintf(now, sizeof(now), "%ld", r->now);
	snprintf(ls, sizeof(ls), "%ld", cfg->rank.log_start);
	snprintf(lb, sizeof(lb), "%.17g", cfg->rank.log_booster);
	snprintf(nid, sizeof(nid), "%ld", news_id);
	if (!b || BEVAL(b, vote_news_lua, "3", k1, k2, k3, uid, type, now, refused ? "1" : "0", ls, lb) < 0 ||
	    batch_run(r, b) < 0)
		goto out;
	const redisReply *x = brep(b, 0);
	long res = x->type == REDIS_REPLY_ARRAY && x->elements ? reply_long(x->element[0]) : -1;
	if (res == -1) {
		*why = "No such news or user.";
	} else if (res == 0) {
		*why = "Duplicated vote.";
	} else if (res == -2) {
		*why = refused;
	} else if (x->elements >= 4) {
		long author = reply_long(x->element[1]), ctime = reply_long(x->element[2]);
		double score = strtod(x->element[3]->str ? x->element[3]->str : "0", NULL);
		int own = author == r->user->id;
		char rank[64], ukey[40], vkey[48], skey[48], akey[40], cost[32], gain[32];
		snprintf(rank, sizeof(rank), "%.17g", rank_news(score, ctime, r->now, &cfg->rank));
		snprintf(ukey, sizeof(ukey), "u:{%ld}", r->user->id);
		snprintf(vkey, sizeof(vkey), "u:{%ld}:votes", r->user->id);
		snprintf(skey, sizeof(skey), "u:{%ld}:saved", r->user->id);
		snprintf(akey, sizeof(akey), "u:{%ld}", author);
		snprintf(cost, sizeof(cost), "%ld", -karma_vote_cost(&cfg->karma, up, own));
		snprintf(gain, sizeof(gain), "%ld", karma_vote_transfer(&cfg->karma, up, own));
		struct cluster_batch *w = batch_new(r, 0);
		if (!w || BADD(w, "HSET", k1, "rank", rank) < 0 || BADD(w, "ZADD", "news.top", rank, nid) < 0 ||
		    BADD(w, "HSET", vkey, nid, type) < 0 ||
		    (up && BADD(w, "ZADD", skey, now, nid) < 0) ||
		    (!own && BADD(w, "HINCRBY", ukey, "karma", cost) < 0) ||
		    (!own && up && BADD(w, "HINCRBY", akey, "karma", gain) < 0)) {
			cluster_batch_free(w);
			goto out;
		}
		if (batch_write(r, w) < 0)
			goto out;
		r->user->karma -= karma_vote_cost(&cfg->karma, up, own);
		stories_changed(r);
	}
	rc = 0;
out:
	if (b)
		cluster_batch_free(b);
	return rc;
}

static int news_insert(struct req *r, const char *title, const char *url, int textpost, long *out_id)
{
	const struct newsd_config *cfg = &r->site->cfg;
	char key[40], upkey[48], id[32], uid[32], now[32], score[64], rank[64], pkey[48], vkey[48];
	char skey[48], ttl[32];
	struct buf ukey = BUF_INIT;
	redisReply *x;
	long nid;
	int rc = -1;

	if (!(x = db_cmd(r, "INCR news.count")))
		return -1;
	nid = reply_long(x);
	freeReplyObject(x);
	double sc = rank_score(1, 0, &cfg->rank);
	snprintf(key, sizeof(key), "news:{%ld}", nid);
	snprintf(upkey, sizeof(upkey), "news:{%ld}:up", nid);
	snprintf(id, sizeof(id), "%ld", nid);
	snprintf(uid, sizeof(uid), "%ld", r->user->id);
	snprintf(now, sizeof(now), "%ld", r->now);
	snprintf(score, sizeof(score), "%.17g", sc);
	snprintf(rank, sizeof(rank), "%.17g", rank_news(sc, r->now, r->now, &cfg->rank));
	snprintf(pkey, sizeof(pkey), "u:{%ld}:posted", r->user->id);
	snprintf(vkey, sizeof(vkey), "u:{%ld}:votes", r->user->id);
	snprintf(skey, sizeof(skey), "u:{%ld}:saved", r->user->id);
	snprintf(ttl, sizeof(ttl), "%ld", cfg->prevent_repost_time);
	buf_printf(&ukey, "url:{%s}", url);
	/* The story first (its poster's own upvote included), then the
	 * indexes that make it visible. */
	struct cluster_batch *b = batch_new(r, 1);
	if (!b || BADD(b, "HSET", key, "id", id, "title", title, "url", url, "user_id", uid,
		       "username", rfield(r->user->r, "username"), "ctime", now, "score", score,
		       "rank", rank, "up", "1", "down", "0", "comments", "0") < 0 ||
	    BADD(b, "ZADD", upkey, now, uid) < 0 || batch_write(r, b) < 0)
		goto out;
	b = batch_new(r, 1);
	if (!b || BADD(b, "ZADD", "news.cron", now, id) < 0 || BADD(b, "ZADD", "news.top", rank, id) < 0 ||
	    BADD(b, "ZADD", pkey, now, id) < 0 || BADD(b, "HSET", vkey, id, "up") < 0 ||
	    BADD(b, "ZADD", skey, now, id) < 0 ||
	    (!textpost && cfg->prevent_repost_time > 0 &&
	     BADD(b, "SET", buf_str(&ukey), id, "EX", ttl) < 0)) {
		cluster_batch_free(b);
		goto out;
	}
	if (batch_write(r, b) < 0)
		goto out;
	*out_id = nid;
	stories_changed(r);
	rc = 0;
out:
	buf_free(&ukey);
	return rc;
}

static int may_edit(struct req *r, const struct news *n, long window)
{
	if (r->user->admin)
		return 1;
	return n->user_id == r->user->id && n->ctime > r->now - window;
}

static int news_edit(struct req *r, long news_id, const char *title, const char *url, int textpost,
		     long *out_id, const char **why)
{
	const struct newsd_config *cfg = &r->site->cfg;
	struct newslist l;
	char key[40], id[32], ttl[32];
	struct buf oldkey = BUF_INIT, newkey = BUF_INIT;
	redisReply *x;
	int rc = -1;

	if (db_news_get(r, news_id, &l) < 0)
		goto out;
	if (l.n == 0 || l.v[0].del || !may_edit(r, &l.v[0], cfg->news_edit_time)) {
		*why = "Invalid parameters, news too old to be modified or url recently posted.";
		rc = 0;
		goto out;
	}
	snprintf(key, sizeof(key), "news:{%ld}", news_id);
	snprintf(id, sizeof(id), "%ld", news_id);
	snprintf(ttl, sizeof(ttl), "%ld", cfg->prevent_repost_time);
	/* A new URL must not be one posted recently; the old one is then
	 * free again. */
	if (!textpost && strcmp(url, l.v[0].url) != 0) {
		buf_printf(&newkey, "url:{%s}", url);
		buf_printf(&oldkey, "url:{%s}", l.v[0].url);
		if (!(x = db_argv(r, 2, (const char *[]){ "GET", buf_str(&newkey) }, NULL)))
			goto out;
		int taken = x->type == REDIS_REPLY_STRING;
		freeReplyObject(x);
		if (taken) {
			*why = "Invalid parameters, news too old to be modified or url recently posted.";
			rc = 0;
			goto out;
		}
		struct cluster_batch *b = batch_new(r, 0);
		if (!b || BADD(b, "DEL", buf_str(&oldkey)) < 0 ||
		    (cfg->prevent_repost_time > 0 && BADD(b, "SET", buf_str(&newkey), id, "EX", ttl) < 0)) {
			cluster_batch_free(b);
			goto out;
		}
		if (batch_write(r, b) < 0)
			goto out;
	}
	struct cluster_batch *b = batch_new(r, 1);
	if (!b || BADD(b, "HSET", key, "title", title, "url", url) < 0) {
		cluster_batch_free(b);
		goto out;
	}
	if (batch_write(r, b) < 0)
		goto out;
	*out_id = news_id;
	stories_changed(r);
	rc = 0;
out:
	buf_free(&oldkey);
	buf_free(&newkey);
	newslist_free(&l);
	return rc;
}

int db_submit(struct req *r, long news_id, const char *title, const char *url, const char *text,
	      long *out_id, const char **why)
{
	const struct newsd_config *cfg = &r->site->cfg;
	struct buf u = BUF_INIT;
	int textpost = url[0] == '\0', rc = -1;
	redisReply *x;

	*why = NULL;
	*out_id = 0;
	if (textpost)
		buf_printf(&u, "text://%s", text);
	else
		buf_puts(&u, url);
	if (buf_failed(&u))
		goto out;
	if (news_id != -1) {
		rc = news_edit(r, news_id, title, buf_str(&u), textpost, out_id, why);
		goto out;
	}
	if (!r->user->admin && cfg->news_submission_break > 0) {
		if (!(x = db_cmd(r, "TTL u:{%ld}:submitted", r->user->id)))
			goto out;
		long ttl = reply_long(x);
		freeReplyObject(x);
		if (ttl > 0) {
			static __thread char msg[128];
			snprintf(msg, sizeof(msg), "You have submitted a story too recently, please wait %ld seconds.", ttl);
			*why = msg;
			rc = 0;
			goto out;
		}
	}
	/* The same URL again within the repost window leads to the story
	 * that has it. */
	if (!textpost) {
		struct buf k = BUF_INIT;
		buf_printf(&k, "url:{%s}", url);
		x = db_argv(r, 2, (const char *[]){ "GET", buf_str(&k) }, NULL);
		buf_free(&k);
		if (!x)
			goto out;
		long old = x->type == REDIS_REPLY_STRING ? strtol(x->str, NULL, 10) : 0;
		freeReplyObject(x);
		if (old > 0) {
			*out_id = old;
			rc = 0;
			goto out;
		}
	}
	if (news_insert(r, title, buf_str(&u), textpost, out_id) < 0)
		goto out;
	if (cfg->news_submission_break > 0) {
		if (!(x = db_cmd(r, "SET u:{%ld}:submitted 1 EX %ld", r->user->id, cfg->news_submission_break)))
			goto out;
		freeReplyObject(x);
	}
	rc = 0;
out:
	buf_free(&u);
	return rc;
}

int db_delnews(struct req *r, long news_id, const char **why)
{
	struct newslist l;
	char key[40], id[32];
	int rc = -1;

	*why = NULL;
	if (db_news_get(r, news_id, &l) < 0)
		goto out;
	if (l.n == 0 || l.v[0].del || !may_edit(r, &l.v[0], r->site->cfg.news_edit_time)) {
		*why = "News too old or wrong ID/owner.";
		rc = 0;
		goto out;
	}
	snprintf(key, sizeof(key), "news:{%ld}", news_id);
	snprintf(id, sizeof(id), "%ld", news_id);
	struct cluster_batch *b = batch_new(r, 1);
	if (!b || BADD(b, "HSET", key, "del", "1") < 0 || BADD(b, "ZREM", "news.top", id) < 0 ||
	    BADD(b, "ZREM", "news.cron", id) < 0) {
		cluster_batch_free(b);
		goto out;
	}
	if ((rc = batch_write(r, b)) == 0)
		stories_changed(r);
out:
	newslist_free(&l);
	return rc;
}

/* ---- comments ---------------------------------------------------------- */

void thread_free(struct thread *t)
{
	if (t->snap) {
		newscache_release(t->snap);
		memset(t, 0, sizeof(*t));
		return;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].json)
			json_decref(t->v[i].json);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static long json_long(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (json_is_real(v))
		return (long)json_real_value(v);
	if (json_is_string(v))
		return strtol(json_string_value(v), NULL, 10);
	return 0;
}

static int json_has_uid(json_t *arr, long uid)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return 0;
	json_array_foreach(arr, i, v)
		if ((json_is_integer(v) && json_integer_value(v) == uid) ||
		    (json_is_real(v) && (long)json_real_value(v) == uid))
			return 1;
	return 0;
}

const char *db_comment_voted(const struct req *r, const struct comment *c)
{
	if (!r->user || !c->json)
		return NULL;
	if (json_has_uid(json_object_get(c->json, "up"), r->user->id))
		return "up";
	if (json_has_uid(json_object_get(c->json, "down"), r->user->id))
		return "down";
	return NULL;
}

static int comment_parse(struct comment *c, long news_id, const char *id, const char *js)
{
	json_t *o = json_loads(js, 0, NULL);

	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	c->json = o;
	c->id = strtol(id, NULL, 10);
	c->news_id = news_id;
	c->parent_id = json_long(o, "parent_id");
	c->user_id = json_long(o, "user_id");
	c->ctime = json_long(o, "ctime");
	c->del = json_long(o, "del") != 0;
	json_t *up = json_object_get(o, "up"), *down = json_object_get(o, "down");
	c->up = json_is_array(up) ? (long)json_array_size(up) : 0;
	c->down = json_is_array(down) ? (long)json_array_size(down) : 0;
	c->body = json_string_value(json_object_get(o, "body"));
	c->username = json_string_value(json_object_get(o, "username"));
	if (!c->body)
		c->body = "";
	if (!c->username)
		c->username = "deleted_user";
	return 0;
}

/* Siblings: better score first, then older first. */
static int by_score(const void *a, const void *b)
{
	const struct comment *x = *(struct comment *const *)a, *y = *(struct comment *const *)b;
	long sx = x->up - x->down, sy = y->up - y->down;

	if (sx != sy)
		return sx < sy ? 1 : -1;
	if (x->ctime != y->ctime)
		return x->ctime < y->ctime ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static struct comment *find(struct thread *t, long id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].id == id)
			return &t->v[i];
	return NULL;
}

/* Link the comments into a tree: children sorted under their parent, a
 * comment whose parent is gone under the top level. */
static int thread_link(struct thread *t)
{
	struct comment **s = calloc(t->n + 1, sizeof(*s));
	size_t k = 0;

	if (!s)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		s[k++] = &t->v[i];
	qsort(s, k, sizeof(*s), by_score);
	/* Appending in sorted order keeps every sibling list sorted. */
	struct comment *top_tail = NULL;
	for (size_t i = 0; i < k; i++) {
		struct comment *c = s[i], *p = c->parent_id >= 0 ? find(t, c->parent_id) : NULL;
		struct comment **link = p ? &p->replies : (top_tail ? &top_tail->next : &t->top);
		if (p) {
			while (*link)
				link = &(*link)->next;
		} else {
			top_tail = c;
		}
		*link = c;
	}
	free(s);
	return 0;
}

static void set_levels(struct comment *c, int level)
{
	for (; c; c = c->next) {
		c->level = level;
		set_levels(c->replies, level + 1);
	}
}

int db_thread(struct req *r, long news_id, struct thread *out)
{
	redisReply *x = db_cmd(r, "HGETALL news:{%ld}:thread", news_id);
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!x)
		return -1;
	if (x->type == REDIS_REPLY_ARRAY && x->elements >= 2 &&
	    !(out->v = calloc(x->elements / 2, sizeof(*out->v))))
		rc = -1;
	for (size_t i = 0; rc == 0 && x->type == REDIS_REPLY_ARRAY && i + 1 < x->elements; i += 2) {
		const char *id = x->element[i]->str;
		if (!id || strcmp(id, "nextid") == 0 || !x->element[i + 1]->str)
			continue;
		if (comment_parse(&out->v[out->n], news_id, id, x->element[i + 1]->str) == 0)
			out->n++;
	}
	freeReplyObject(x);
	if (rc == 0 && thread_link(out) < 0)
		rc = -1;
	set_levels(out->top, 0);
	if (rc < 0)
		snprintf(r->cerr, sizeof(r->cerr), "out of memory");
	return rc;
}

static void thread_destroy(void *obj)
{
	thread_free(obj);
	free(obj);
}

static int thread_borrow(struct req *r, const char *key, struct thread *out)
{
	void *obj;

	memset(out, 0, sizeof(*out));
	if (r->fresh || !(out->snap = newscache_get(r->site->cache, key, &obj)))
		return 0;
	out->v = ((struct thread *)obj)->v;
	out->n = ((struct thread *)obj)->n;
	out->top = ((struct thread *)obj)->top;
	return 1;
}

int db_thread_shared(struct req *r, long news_id, struct thread *out)
{
	struct thread *t;
	char key[48];

	snprintf(key, sizeof(key), "thread:%ld", news_id);
	if (r->site->cfg.list_cache_ms <= 0 || r->fresh)
		return db_thread(r, news_id, out);
	if (thread_borrow(r, key, out))
		return 0;
	if (!(t = calloc(1, sizeof(*t))) || db_thread(r, news_id, t) < 0) {
		free(t);
		return -1;
	}
	newscache_put(r->site->cache, key, t, thread_destroy);
	/* Taken back out of the cache, so that it is freed by whoever lets
	 * go last; gone already only when others crowded it out. */
	if (thread_borrow(r, key, out))
		return 0;
	return db_thread(r, news_id, out);
}

int db_comment(struct req *r, long news_id, long comment_id, struct thread *out)
{
	redisReply *x = db_cmd(r, "HGET news:{%ld}:thread %ld", news_id, comment_id);
	char id[32];

	memset(out, 0, sizeof(*out));
	if (!x)
		return -1;
	snprintf(id, sizeof(id), "%ld", comment_id);
	if (x->type == REDIS_REPLY_STRING && comment_id > 0 && (out->v = calloc(1, sizeof(*out->v))) &&
	    comment_parse(&out->v[0], news_id, id, x->str) == 0) {
		out->n = 1;
		out->top = &out->v[0];
	}
	freeReplyObject(x);
	return 0;
}

static const char insert_comment_lua[] =
	"if redis.call('HEXISTS', KEYS[1], 'id') == 0 or redis.call('HGET', KEYS[1], 'del') == '1' then return -1 end\n"
	"if ARGV[1] ~= '-1' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return -2 end\n"
	"local id = redis.call('HINCRBY', KEYS[2], 'nextid', 1)\n"
	"redis.call('HSET', KEYS[2], id, ARGV[2])\n"
	"redis.call('HINCRBY', KEYS[1], 'comments', 1)\n"
	"return id\n";

/* ARGV: comment id, op (up, down, body, del), argument. */
static const char update_comment_lua[] =
	"local j = redis.call('HGET', KEYS[2], ARGV[1])\n"
	"if not j then return -1 end\n"
	"local c = cjson.decode(j)\n"
	"local op = ARGV[2]\n"
	"if op == 'up' or op == 'down' then\n"
	"  local uid = tonumber(ARGV[3])\n"
	"  for _, k in ipairs({'up', 'down'}) do\n"
	"    if type(c[k]) == 'table' then\n"
	"      for _, v in ipairs(c[k]) do if v == uid then return 0 end end\n"
	"    end\n"
	"  end\n"
	"  if type(c[op]) ~= 'table' then c[op] = {} end\n"
	"  table.insert(c[op], uid)\n"
	"elseif op == 'body' then\n"
	"  c.body = ARGV[3]\n"
	"  c.del = 0\n"
	"elseif op == 'del' then\n"
	"  if c.del == 1 then return 0 end\n"
	"  c.del = 1\n"
	"  redis.call('HINCRBY', KEYS[1], 'comments', -1)\n"
	"end\n"
	"redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(c))\n"
	"return 1\n";

static int comment_script(struct req *r, const char *script, long news_id, const char *a1,
			  const char *a2, const char *a3, int durable, long *res)
{
	char k1[40], k2[48];
	struct cluster_batch *b = batch_new(r, durable);
	int rc = -1;

	snprintf(k1, sizeof(k1), "news:{%ld}", news_id);
	snprintf(k2, sizeof(k2), "news:{%ld}:thread", news_id);
	if (b && (a3 ? BEVAL(b, script, "2", k1, k2, a1, a2, a3) : BEVAL(b, script, "2", k1, k2, a1, a2)) == 0 &&
	    batch_run(r, b) == 0) {
		*res = reply_long(brep(b, 0));
		stories_changed(r);
		rc = 0;
	}
	if (b)
		cluster_batch_free(b);
	return rc;
}

static int comment_new(struct req *r, long news_id, long parent_id, const char *body, long *out_cid,
		       const char **why)
{
	const struct newsd_config *cfg = &r->site->cfg;
	json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:I, s:[I], s:[]}", "body", body, "parent_id",
			      (json_int_t)parent_id, "user_id", (json_int_t)r->user->id, "username",
			      rfield(r->user->r, "username"), "ctime", (json_int_t)r->now, "up",
			      (json_int_t)r->user->id, "down");
	char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
	char pid[32];
	long res;
	int rc = -1;

	json_decref(o);
	if (!js) {
		snprintf(r->cerr, sizeof(r->cerr), "out of memory");
		return -1;
	}
	snprintf(pid, sizeof(pid), "%ld", parent_id);
	if (comment_script(r, insert_comment_lua, news_id, pid, js, NULL, 1, &res) < 0)
		goto out;
	rc = 0;
	if (res < 0) {
		*why = "Invalid news, comment, or edit time expired.";
		goto out;
	}
	*out_cid = res;
	/* The parent's author gets a reply to read; the poster, karma. */
	struct thread p = { 0 };
	if (parent_id != -1 && db_comment(r, news_id, parent_id, &p) < 0) {
		rc = -1;
		goto out;
	}
	char ckey[48], member[64], now[32], inc[32], ukey[40], pkey[40];
	snprintf(ckey, sizeof(ckey), "u:{%ld}:comments", r->user->id);
	snprintf(member, sizeof(member), "%ld-%ld", news_id, res);
	snprintf(now, sizeof(now), "%ld", r->now);
	snprintf(inc, sizeof(inc), "%ld", cfg->karma.per_comment);
	snprintf(ukey, sizeof(ukey), "u:{%ld}", r->user->id);
	snprintf(pkey, sizeof(pkey), "u:{%ld}", p.n ? p.v[0].user_id : 0);
	struct cluster_batch *b = batch_new(r, 0);
	if (!b || BADD(b, "ZADD", ckey, now, member) < 0 ||
	    (cfg->karma.per_comment && BADD(b, "HINCRBY", ukey, "karma", inc) < 0) ||
	    (p.n && p.v[0].user_id != r->user->id && BADD(b, "HINCRBY", pkey, "replies", "1") < 0) ||
	    batch_write(r, b) < 0)
		rc = -1;
	thread_free(&p);
out:
	free(js);
	return rc;
}

int db_post_comment(struct req *r, long news_id, long comment_id, long parent_id, const char *body,
		    const char **op, long *out_cid, const char **why)
{
	const char *bad = "Invalid news, comment, or edit time expired.";
	struct thread t;
	char cid[32];
	long res;
	int rc;

	*why = NULL;
	*op = NULL;
	if (comment_id == -1) {
		*op = "insert";
		if (body[0] == '\0') {
			*why = "Please write a comment.";
			return 0;
		}
		return comment_new(r, news_id, parent_id, body, out_cid, why);
	}
	/* Edits and deletes: the author's own comment, within the window. */
	if (db_comment(r, news_id, comment_id, &t) < 0)
		return -1;
	int ok = t.n && t.v[0].user_id == r->user->id && t.v[0].ctime > r->now - r->site->cfg.comment_edit_time;
	thread_free(&t);
	if (!ok) {
		*why = bad;
		return 0;
	}
	snprintf(cid, sizeof(cid), "%ld", comment_id);
	*op = body[0] ? "update" : "delete";
	rc = comment_script(r, update_comment_lua, news_id, cid, body[0] ? "body" : "del", body[0] ? body : "-", 1,
			    &res);
	if (rc == 0 && res < 0)
		*why = bad;
	*out_cid = comment_id;
	return rc;
}

int db_vote_comment(struct req *r, long news_id, long comment_id, int up, const char **why)
{
	char cid[32], uid[32];
	long res;

	*why = NULL;
	snprintf(cid, sizeof(cid), "%ld", comment_id);
	snprintf(uid, sizeof(uid), "%ld", r->user->id);
	if (comment_script(r, update_comment_lua, news_id, cid, up ? "up" : "down", uid, 0, &res) < 0)
		return -1;
	if (res != 1)
		*why = "Invalid parameters or duplicated vote.";
	return 0;
}
