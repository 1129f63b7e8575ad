/* db_user.c - users and sessions: accounts, logins and their tokens,
 * profiles, and the per-user indexes the pages show. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_cluster.h"
#include "rank.h"
#include "token.h"

#define TOKEN_BYTES 20

static const char name_taken[] = "Username is already taken, please try a different one.";

struct user *db_user_from_reply(struct req *r, redisReply *x)
{
	struct user *u = NULL;

	if (!x || x->type != REDIS_REPLY_ARRAY || x->elements == 0 || !db_reply_field(x, "id"))
		goto out;
	if (!(u = calloc(1, sizeof(*u))))
		goto out;
	for (size_t i = 0; i + 1 < x->elements; i += 2) {
		const redisReply *k = x->element[i], *v = x->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (record_user_field(u, k->str, v->str) < 0) {
			user_free(u);
			u = NULL;
			goto out;
		}
	}
	/* A hash without a name is no account anyone can use or see. */
	if (!u->username) {
		user_free(u);
		u = NULL;
		goto out;
	}
	u->admin = record_user_is_admin(u, r->site->cfg.admins, r->site->cfg.nadmins);
out:
	if (x)
		freeReplyObject(x);
	return u;
}

int db_user_by_id(struct req *r, long id, struct user **out)
{
	redisReply *x = db_cmd(r, "HGETALL u:{%ld}", id);

	*out = NULL;
	if (!x)
		return -1;
	*out = db_user_from_reply(r, x);
	return 0;
}

/* User names are unique regardless of case: username:{} holds them
 * lower-cased. */
static void db_user_lower(char *dst, const char *src, size_t len)
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
	db_user_lower(low, name, sizeof(low));
	if (!(x = db_cmd(r, "GET username:{%s}", low)))
		return -1;
	id = x->type == REDIS_REPLY_STRING ? strtol(x->str, NULL, 10) : 0;
	freeReplyObject(x);
	return id > 0 ? db_user_by_id(r, id, out) : 0;
}

/* ---- sessions ---------------------------------------------------------- */

int db_auth_cookie(struct req *r, long *id, char *tok, size_t len, const char **hex)
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

/* Users earn karma by visiting, at most once an interval. */
static int db_user_pay_visit(struct req *r, struct user *u)
{
	long due = karma_visit_increment(&r->site->cfg.karma, u->karma_incr_time, r->now);
	char now[32], inc[32], key[40];
	struct cluster_batch *b;

	if (!due)
		return 0;
	snprintf(now, sizeof(now), "%ld", r->now);
	snprintf(inc, sizeof(inc), "%ld", due);
	snprintf(key, sizeof(key), "u:{%ld}", u->id);
	if (!(b = db_batch_new(r, 0)))
		return -1;
	if (DB_ADD(b, "HSET", key, "karma_incr_time", now) < 0 || DB_ADD(b, "HINCRBY", key, "karma", inc) < 0) {
		cluster_batch_free(b);
		return -1;
	}
	if (db_batch_write(r, b) < 0)
		return -1;
	u->karma += due;
	return 0;
}

int db_auth_accept(struct req *r, struct user *u, const char *hex)
{
	/* Constant time: the token is the only secret a cookie carries. An
	 * account without an apisecret could not sign a form: no session. */
	if (!u || !u->apisecret || !token_equal(u->auth, hex)) {
		user_free(u);
		return 0;
	}
	r->user = u;
	return db_user_pay_visit(r, u);
}

int db_auth(struct req *r)
{
	char tok[128];
	const char *hex;
	struct user *u;
	long id;

	r->auth_pending = 0;
	if (db_auth_cookie(r, &id, tok, sizeof(tok), &hex) < 0)
		return 0;
	if (db_user_by_id(r, id, &u) < 0)
		return -1;
	return db_auth_accept(r, u, hex);
}

static int db_user_make_token(char *out, size_t len, long id)
{
	char hex[2 * TOKEN_BYTES + 1];

	if (token_random_hex(hex, sizeof(hex), TOKEN_BYTES) < 0)
		return -1;
	snprintf(out, len, "%ld-%s", id, hex);
	return 0;
}

/* A new auth token and apisecret, into token and secret when they are
 * not NULL, and into hex and sec as the user's hash stores them. */
static int db_user_new_session(struct req *r, long uid, char *token, size_t tlen, char *secret, size_t slen,
			       char *hex, char *sec)
{
	char buf[128];

	if (!token) {
		token = buf;
		tlen = sizeof(buf);
	}
	if (db_user_make_token(token, tlen, uid) < 0 || token_random_hex(sec, 2 * TOKEN_BYTES + 1, TOKEN_BYTES) < 0) {
		snprintf(r->cerr, sizeof(r->cerr), "cannot make random tokens");
		return -1;
	}
	snprintf(hex, 2 * TOKEN_BYTES + 1, "%s", strchr(token, '-') + 1);
	if (secret)
		snprintf(secret, slen, "%s", sec);
	return 0;
}

int db_user_rotate(struct req *r, long uid, char *token, size_t tlen, char *secret, size_t slen)
{
	char hex[2 * TOKEN_BYTES + 1], sec[2 * TOKEN_BYTES + 1];

	if (db_user_new_session(r, uid, token, tlen, secret, slen, hex, sec) < 0)
		return -1;
	return db_exec(r, "HSET u:{%ld} auth %s apisecret %s", uid, hex, sec);
}

int db_user_password_ok(const struct user *u, const char *password)
{
	return u->salt && u->password && u->auth && u->apisecret &&
	       password_check(password, u->salt, (int)u->iter, u->password);
}

/* ---- accounts ---------------------------------------------------------- */

/* 1 when the lower-cased name is free and this address may create an
 * account now; else 0 and *why. */
static int db_user_may_create(struct req *r, const char *low, const char **why)
{
	char tag[96];
	redisReply *x;
	long taken;
	int limited;

	if (!(x = db_cmd(r, "EXISTS username:{%s}", low)))
		return -1;
	taken = db_reply_long(x);
	freeReplyObject(x);
	if (taken) {
		*why = name_taken;
		return 0;
	}
	snprintf(tag, sizeof(tag), "create_user:%s", r->ip);
	if (db_rate_limit(r, tag, r->site->cfg.user_creation_delay, &limited) < 0)
		return -1;
	if (limited) {
		*why = "Please wait some time before creating a new user.";
		return 0;
	}
	return 1;
}

/* A new id, claimed for the name: 0 and *why when another request
 * claimed the name first. */
static int db_user_claim_name(struct req *r, const char *low, long *id, const char **why)
{
	char idstr[32];
	redisReply *x;
	int taken;

	if (!(x = db_cmd(r, "INCR users.count")))
		return -1;
	*id = db_reply_long(x);
	freeReplyObject(x);
	snprintf(idstr, sizeof(idstr), "%ld", *id);
	if (!(x = db_cmd(r, "SET username:{%s} %s NX", low, idstr)))
		return -1;
	taken = x->type == REDIS_REPLY_NIL;
	freeReplyObject(x);
	if (taken) {
		*why = name_taken;
		return 0;
	}
	return 1;
}

/* The hash of a new account: an ordinary user (administrators are named
 * in newsd.conf, or made with newsd --grant-admin). */
static int db_user_write_new(struct req *r, long id, const char *name, const char *password, const char *token,
			     const char *secret)
{
	const struct newsd_config *cfg = &r->site->cfg;
	char salt[2 * TOKEN_BYTES + 1], hash[65];
	char key[40], idstr[32], now[32], karma[32], iter[32];
	struct cluster_batch *b;

	if (token_random_hex(salt, sizeof(salt), TOKEN_BYTES) < 0 ||
	    password_hash(password, salt, (int)cfg->password_iterations, hash, sizeof(hash)) < 0) {
		snprintf(r->cerr, sizeof(r->cerr), "cannot make random tokens");
		return -1;
	}
	snprintf(key, sizeof(key), "u:{%ld}", id);
	snprintf(idstr, sizeof(idstr), "%ld", id);
	snprintf(now, sizeof(now), "%ld", r->now);
	snprintf(karma, sizeof(karma), "%ld", cfg->karma.initial);
	snprintf(iter, sizeof(iter), "%ld", cfg->password_iterations);
	if (!(b = db_batch_new(r, 1)))
		return -1;
	if (DB_ADD(b, "HSET", key, "id", idstr, "username", name, "salt", salt, "password", hash, "iter", iter,
		   "ctime", now, "karma", karma, "about", "", "email", "", "auth", strchr(token, '-') + 1,
		   "apisecret", secret, "flags", "", "karma_incr_time", now, "replies", "0") < 0) {
		cluster_batch_free(b);
		return -1;
	}
	return db_batch_write(r, b);
}

int db_user_create(struct req *r, const char *name, const char *password, char *token, size_t tlen,
		   char *secret, size_t slen, const char **why)
{
	char low[300], hex[2 * TOKEN_BYTES + 1], sec[2 * TOKEN_BYTES + 1];
	long id;
	int ok;

	*why = NULL;
	db_user_lower(low, name, sizeof(low));
	if ((ok = db_user_may_create(r, low, why)) <= 0 || (ok = db_user_claim_name(r, low, &id, why)) <= 0)
		return ok;
	if (db_user_new_session(r, id, token, tlen, secret, slen, hex, sec) < 0)
		return -1;
	return db_user_write_new(r, id, name, password, token, sec);
}

int db_user_set_password(struct req *r, const struct user *u, const char *password, char *token, size_t tlen,
			 char *secret, size_t slen)
{
	const struct newsd_config *cfg = &r->site->cfg;
	char salt[2 * TOKEN_BYTES + 1], hash[65], hex[2 * TOKEN_BYTES + 1], sec[2 * TOKEN_BYTES + 1];
	char key[40], iter[32];
	redisReply *x;

	if (token_random_hex(salt, sizeof(salt), TOKEN_BYTES) < 0 ||
	    password_hash(password, salt, (int)cfg->password_iterations, hash, sizeof(hash)) < 0) {
		snprintf(r->cerr, sizeof(r->cerr), "cannot hash the password");
		return -1;
	}
	if (db_user_new_session(r, u->id, token, tlen, secret, slen, hex, sec) < 0)
		return -1;
	/* One HSET: the new password never stands with the old session. */
	snprintf(key, sizeof(key), "u:{%ld}", u->id);
	snprintf(iter, sizeof(iter), "%ld", cfg->password_iterations);
	x = db_argv(r, 12, (const char *[]){ "HSET", key, "salt", salt, "password", hash, "iter", iter, "auth", hex,
					     "apisecret", sec }, NULL);
	if (!x)
		return -1;
	freeReplyObject(x);
	return 0;
}

int db_user_set_admin(struct req *r, const struct user *u, int admin)
{
	char key[40], flags[64];
	size_t n = 0;
	redisReply *x;

	for (const char *f = u->flags ? u->flags : ""; *f && n + 2 < sizeof(flags); f++)
		if (*f != 'a')
			flags[n++] = *f;
	if (admin)
		flags[n++] = 'a';
	flags[n] = '\0';
	snprintf(key, sizeof(key), "u:{%ld}", u->id);
	if (!(x = db_argv(r, 4, (const char *[]){ "HSET", key, "flags", flags }, NULL)))
		return -1;
	freeReplyObject(x);
	return 0;
}

int db_user_set_profile(struct req *r, long uid, const char *about, const char *email)
{
	char key[40];
	redisReply *x;

	/* argv, not a format: the values are the user's own text. */
	snprintf(key, sizeof(key), "u:{%ld}", uid);
	if (!(x = db_argv(r, 6, (const char *[]){ "HSET", key, "about", about, "email", email }, NULL)))
		return -1;
	freeReplyObject(x);
	return 0;
}

int db_user_mark_reset(struct req *r, long uid)
{
	return db_exec(r, "HSET u:{%ld} pwd_reset %ld", uid, r->now);
}

int db_user_clear_replies(struct req *r, long uid)
{
	return db_exec(r, "HSET u:{%ld} replies 0", uid);
}

/* ---- what a user posted ------------------------------------------------ */

static int db_zcard(struct req *r, const char *key, long *out)
{
	redisReply *x = db_cmd(r, "ZCARD %s", key);

	if (!x)
		return -1;
	*out = (long)x->integer;
	freeReplyObject(x);
	return 0;
}

int db_user_counts(struct req *r, long uid, long *posted, long *comments)
{
	char k1[48], k2[48];

	snprintf(k1, sizeof(k1), "u:{%ld}:posted", uid);
	snprintf(k2, sizeof(k2), "u:{%ld}:comments", uid);
	if (db_zcard(r, k1, posted) < 0)
		return -1;
	return db_zcard(r, k2, comments);
}

int db_user_comments(struct req *r, long uid, long start, long count, struct comment_ref **out, size_t *n,
		     long *total)
{
	char key[48], s0[32], s1[32];
	redisReply *x;

	*out = NULL;
	*n = 0;
	snprintf(key, sizeof(key), "u:{%ld}:comments", uid);
	snprintf(s0, sizeof(s0), "%ld", start);
	snprintf(s1, sizeof(s1), "%ld", start + count - 1);
	if (db_zcard(r, key, total) < 0 || !(x = db_cmd(r, "ZREVRANGE %s %s %s", key, s0, s1)))
		return -1;
	if (x->elements && !(*out = calloc(x->elements, sizeof(**out)))) {
		snprintf(r->cerr, sizeof(r->cerr), "out of memory");
		freeReplyObject(x);
		return -1;
	}
	/* Members are "N-C"; anything else is skipped. */
	for (size_t i = 0; i < x->elements; i++) {
		struct comment_ref *c = &(*out)[*n];

		if (sscanf(x->element[i]->str, "%ld-%ld", &c->news_id, &c->comment_id) == 2)
			(*n)++;
	}
	freeReplyObject(x);
	return 0;
}
