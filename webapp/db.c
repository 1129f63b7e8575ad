/* db.c - what the data layer shares (see db_cluster.h) and the keys of
 * the site as a whole. Reads of many keys go out as one pipelined batch
 * per node; story and comment writes wait for a replica
 * (durable_replicas); changes that must be atomic are Lua scripts on the
 * keys of one hash tag. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_cluster.h"
#include "log.h"
#include "newscache.h"
#include "token.h"

/* ---- replies ----------------------------------------------------------- */

const char *db_reply_field(const redisReply *h, const char *name)
{
	if (!h || h->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (size_t i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->type == REDIS_REPLY_STRING && strcmp(h->element[i]->str, name) == 0)
			return h->element[i + 1]->type == REDIS_REPLY_STRING ? h->element[i + 1]->str : NULL;
	return NULL;
}

long db_reply_long(const redisReply *x)
{
	if (!x)
		return 0;
	if (x->type == REDIS_REPLY_INTEGER)
		return (long)x->integer;
	if (x->type == REDIS_REPLY_STRING)
		return strtol(x->str, NULL, 10);
	return 0;
}

static void db_count_failure(struct req *r)
{
	atomic_fetch_add(&r->site->cluster_failures, 1);
}

int db_reply_error(struct req *r, const redisReply *x)
{
	if (x && x->type != REDIS_REPLY_ERROR)
		return 0;
	if (x)
		snprintf(r->cerr, sizeof(r->cerr), "%s", x->str);
	db_count_failure(r);
	return -1;
}

static redisReply *db_checked(struct req *r, redisReply *x)
{
	if (db_reply_error(r, x) < 0) {
		if (x)
			freeReplyObject(x);
		return NULL;
	}
	return x;
}

static redisReply *db_vcmd(struct req *r, const char *fmt, va_list ap)
{
	return db_checked(r, cluster_vcommand(r->c, r->cerr, sizeof(r->cerr), fmt, ap));
}

redisReply *db_cmd(struct req *r, const char *fmt, ...)
{
	redisReply *x;
	va_list ap;

	va_start(ap, fmt);
	x = db_vcmd(r, fmt, ap);
	va_end(ap);
	return x;
}

int db_exec(struct req *r, const char *fmt, ...)
{
	redisReply *x;
	va_list ap;

	va_start(ap, fmt);
	x = db_vcmd(r, fmt, ap);
	va_end(ap);
	if (!x)
		return -1;
	freeReplyObject(x);
	return 0;
}

redisReply *db_argv(struct req *r, int argc, const char **argv, const size_t *lens)
{
	return db_checked(r, cluster_command_argv(r->c, argc, argv, lens, r->cerr, sizeof(r->cerr)));
}

/* ---- batches ----------------------------------------------------------- */

int db_batch_addv(struct cluster_batch *b, int key, const char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return cluster_batch_add(b, key, n, argv, NULL);
}

struct cluster_batch *db_batch_new(struct req *r, int durable)
{
	struct cluster_batch *b = cluster_batch_new();

	if (!b)
		snprintf(r->cerr, sizeof(r->cerr), "out of memory");
	else if (durable && r->site->cfg.durable_replicas > 0)
		cluster_batch_set_wait(b, (int)r->site->cfg.durable_replicas,
				       (int)r->site->cfg.durable_timeout_ms);
	return b;
}

/* A durable write that no replica confirmed in time has still been made:
 * it is answered as done, and logged, since losing its master now would
 * lose it. */
static void db_batch_log_unconfirmed(struct req *r, struct cluster_batch *b)
{
	for (size_t i = 0; i < cluster_batch_count(b); i++)
		if (!cluster_batch_acked(b, i)) {
			const char *e = cluster_batch_error(b, i);

			atomic_fetch_add(&r->site->unconfirmed_writes, 1);
			log_warn("%s %s: write not confirmed by a replica: %s", r->method,
				r->path ? r->path : "?", e ? e : "");
			return;
		}
}

int db_batch_run(struct req *r, struct cluster_batch *b)
{
	if (!b)
		return -1;
	if (cluster_batch_run(r->c, b, r->cerr, sizeof(r->cerr)) < 0) {
		db_count_failure(r);
		return -1;
	}
	for (size_t i = 0; i < cluster_batch_count(b); i++)
		if (db_reply_error(r, cluster_batch_reply(b, i)) < 0)
			return -1;
	if (cluster_batch_waits(b))
		db_batch_log_unconfirmed(r, b);
	return 0;
}

int db_batch_write(struct req *r, struct cluster_batch *b)
{
	int rc = db_batch_run(r, b);

	if (b)
		cluster_batch_free(b);
	return rc;
}

void db_stories_changed(struct req *r)
{
	newscache_clear(r->site->cache);
}

/* ---- the site ---------------------------------------------------------- */

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

/* Whichever front-end asks first makes the key, then it is the same
 * everywhere: a link mailed by one front-end opens on any other. */
static int db_secret_load(struct req *r)
{
	struct site *s = r->site;
	char hex[65];
	redisReply *x;

	if (token_random_hex(hex, sizeof(hex), 32) < 0 || db_exec(r, "SET site:secret %s NX", hex) < 0 ||
	    !(x = db_cmd(r, "GET site:secret")))
		return -1;
	if (x->type != REDIS_REPLY_STRING || x->len != 64) {
		snprintf(r->cerr, sizeof(r->cerr), "site:secret is not 64 hex digits");
		freeReplyObject(x);
		return -1;
	}
	for (int i = 0; i < 32; i++)
		sscanf(x->str + 2 * i, "%2hhx", &s->secret[i]);
	s->have_secret = 1;
	freeReplyObject(x);
	return 0;
}

int db_secret(struct req *r)
{
	struct site *s = r->site;
	int rc = 0;

	pthread_mutex_lock(&s->secret_lock);
	if (!s->have_secret)
		rc = db_secret_load(r);
	pthread_mutex_unlock(&s->secret_lock);
	return rc;
}

int db_health_check(struct req *r, const char *host)
{
	char key[96];

	snprintf(key, sizeof(key), "healthz:{%s}", host);
	if (db_exec(r, "SET %s %ld PX 60000", key, r->now) < 0)
		return -1;
	return db_exec(r, "GET %s", key);
}

int db_stats(struct req *r, struct db_stats *out)
{
	struct cluster_stats st;
	redisReply *x;

	memset(out, 0, sizeof(*out));
	if (!(x = db_cmd(r, "GET users.count")))
		return -1;
	out->users = x->type == REDIS_REPLY_STRING ? strtol(x->str, NULL, 10) : 0;
	freeReplyObject(x);
	if (!(x = db_cmd(r, "ZCARD news.cron")))
		return -1;
	out->news = (long)x->integer;
	freeReplyObject(x);
	cluster_get_stats(r->c, &st);
	out->redirects = st.moved + st.ask;
	out->slot_map_loads = st.refreshes;
	out->node_failures = st.node_failures;
	return 0;
}
