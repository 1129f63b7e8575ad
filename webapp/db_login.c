/* db_login.c - password checks under the failed-login limiter: its
 * counters live in the cluster (login:ip:{ADDR}, login:user:{name}, each
 * expiring with its window), so that every front-end counts the same
 * failures; the rules are loginlimit.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_cluster.h"
#include "log.h"
#include "loginlimit.h"

/* Count one failure; the window starts with the first, and a counter
 * found without expiry gets one again. */
static const char incr_script[] =
	"local n = redis.call('INCR', KEYS[1]) "
	"if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
	"return n";

struct login_keys {
	char ip[128], user[300];
};

static void db_login_limits(const struct req *r, struct login_limits *l)
{
	const struct newsd_config *cfg = &r->site->cfg;

	l->per_ip = cfg->login_fail_limit_ip;
	l->per_user = cfg->login_fail_limit_user;
	l->window = cfg->login_fail_window;
}

static int db_login_keys(struct req *r, const char *name, struct login_keys *k)
{
	if (login_limit_key(k->ip, sizeof(k->ip), LOGIN_BY_IP, r->ip) < 0 ||
	    login_limit_key(k->user, sizeof(k->user), LOGIN_BY_USER, name) < 0) {
		snprintf(r->cerr, sizeof(r->cerr), "login counter key too long");
		return -1;
	}
	return 0;
}

static void db_login_tally(const redisReply *count, const redisReply *ttl, struct login_tally *t)
{
	t->fails = count && count->type == REDIS_REPLY_STRING ? strtol(count->str, NULL, 10) : 0;
	t->ttl = ttl && ttl->type == REDIS_REPLY_INTEGER ? (long)ttl->integer : -2;
}

/* argv, not a format: a user name may hold anything. */
static int db_login_expire(struct req *r, const char *key, long window)
{
	char secs[32];
	redisReply *x;

	snprintf(secs, sizeof(secs), "%ld", window);
	if (!(x = db_argv(r, 3, (const char *[]){ "EXPIRE", key, secs }, NULL)))
		return -1;
	freeReplyObject(x);
	return 0;
}

/* Read both counters (one round trip per node) and decide; a counter
 * that lost its expiry gets it back, so nobody stays locked out. */
static int db_login_check(struct req *r, const struct login_limits *l, const struct login_keys *k,
			  struct login_verdict *v)
{
	struct login_tally ip, user;
	struct cluster_batch *b;

	memset(v, 0, sizeof(*v));
	if (l->per_ip <= 0 && l->per_user <= 0)
		return 0;
	if (!(b = db_batch_new(r, 0)))
		return -1;
	if (DB_ADD(b, "GET", k->ip) < 0 || DB_ADD(b, "TTL", k->ip) < 0 || DB_ADD(b, "GET", k->user) < 0 ||
	    DB_ADD(b, "TTL", k->user) < 0 || db_batch_run(r, b) < 0) {
		cluster_batch_free(b);
		return -1;
	}
	db_login_tally(cluster_batch_reply(b, 0), cluster_batch_reply(b, 1), &ip);
	db_login_tally(cluster_batch_reply(b, 2), cluster_batch_reply(b, 3), &user);
	cluster_batch_free(b);
	login_limit_check(l, &ip, &user, v);
	if (v->repair_ip && db_login_expire(r, k->ip, l->window) < 0)
		return -1;
	if (v->repair_user && db_login_expire(r, k->user, l->window) < 0)
		return -1;
	return 0;
}

/* After the password was checked. The answer does not wait on this: a
 * failure here is logged and the attempt answered as it came out. */
static void db_login_count(struct req *r, const struct login_limits *l, const struct login_keys *k, int ok)
{
	struct login_update u;
	struct cluster_batch *b;
	char window[32];
	int rc = 0;

	login_limit_after(l, ok, &u);
	if (!u.incr_ip && !u.incr_user && !u.reset_user)
		return;
	snprintf(window, sizeof(window), "%ld", l->window);
	if (!(b = db_batch_new(r, 0)))
		return;
	if (u.incr_ip)
		rc |= DB_EVAL(b, incr_script, "1", k->ip, window);
	if (u.incr_user)
		rc |= DB_EVAL(b, incr_script, "1", k->user, window);
	if (u.reset_user)
		rc |= DB_ADD(b, "DEL", k->user);
	if (rc < 0 || db_batch_run(r, b) < 0)
		log_warn("login counters for %s: %s", r->ip, r->cerr[0] ? r->cerr : "out of memory");
	cluster_batch_free(b);
	r->cerr[0] = '\0';
}

int db_login_attempt(struct req *r, const char *name, const char *password, const struct user *known,
		     struct user **found, enum login_outcome *outcome, long *wait)
{
	struct login_limits l;
	struct login_verdict v;
	struct login_keys k;
	struct user *mine = NULL;
	char shown[300];
	int ok;

	*found = NULL;
	*wait = 0;
	db_login_limits(r, &l);
	if (db_login_keys(r, name, &k) < 0 || db_login_check(r, &l, &k, &v) < 0)
		return -1;
	login_log_name(shown, sizeof(shown), name);
	if (v.wait > 0) {
		log_notice("login refused (too many failures) for user \"%s\" from %s", shown, r->ip);
		*outcome = LOGIN_REFUSED;
		*wait = v.wait;
		return 0;
	}
	if (!known && db_user_by_name(r, name, &mine) < 0)
		return -1;
	if (!known)
		known = mine;
	ok = known && db_user_password_ok(known, password);
	db_login_count(r, &l, &k, ok);
	if (!ok) {
		log_notice("login failed for user \"%s\" from %s", shown, r->ip);
		user_free(mine);
		*outcome = LOGIN_WRONG;
		return 0;
	}
	*found = mine;
	*outcome = LOGIN_OK;
	return 0;
}

int db_login_forget(struct req *r, const char *name)
{
	struct login_keys k;
	redisReply *x;

	if (db_login_keys(r, name, &k) < 0 || !(x = db_argv(r, 2, (const char *[]){ "DEL", k.user }, NULL)))
		return -1;
	freeReplyObject(x);
	return 0;
}
