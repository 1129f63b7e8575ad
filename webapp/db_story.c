/* db_story.c - submitting, editing and deleting stories. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_cluster.h"
#include "rank.h"

static const char edit_refused[] = "Invalid parameters, news too old to be modified or url recently posted.";

/* *found when url:{url} is set (the URL was posted within the repost
 * window), and *id the story it names. */
static int db_story_by_url(struct req *r, const char *url, int *found, long *id)
{
	struct buf k = BUF_INIT;
	redisReply *x;

	*found = 0;
	*id = 0;
	buf_printf(&k, "url:{%s}", url);
	x = db_argv(r, 2, (const char *[]){ "GET", buf_str(&k) }, NULL);
	buf_free(&k);
	if (!x)
		return -1;
	if (x->type == REDIS_REPLY_STRING) {
		*found = 1;
		*id = strtol(x->str, NULL, 10);
	}
	freeReplyObject(x);
	return 0;
}

/* The story first (its poster's own upvote included), then the indexes
 * that make it visible: a reader never finds an id without its story. */
static int db_story_write_new(struct req *r, long nid, const char *title, const char *url, int textpost)
{
	const struct newsd_config *cfg = &r->site->cfg;
	char key[40], upkey[48], id[32], uid[32], now[32], score[64], rank[64], pkey[48], vkey[48];
	char skey[48], ttl[32];
	struct buf ukey = BUF_INIT;
	double sc = rank_score(1, 0, &cfg->rank);
	struct cluster_batch *b;
	int rc = -1;

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
	b = db_batch_new(r, 1);
	if (!b || DB_ADD(b, "HSET", key, "id", id, "title", title, "url", url, "user_id", uid, "username",
			 r->user->username, "ctime", now, "score", score, "rank", rank, "up", "1", "down", "0",
			 "comments", "0") < 0 ||
	    DB_ADD(b, "ZADD", upkey, now, uid) < 0 || db_batch_write(r, b) < 0)
		goto out;
	if (!(b = db_batch_new(r, 1)))
		goto out;
	if (DB_ADD(b, "ZADD", "news.cron", now, id) < 0 || DB_ADD(b, "ZADD", "news.top", rank, id) < 0 ||
	    DB_ADD(b, "ZADD", pkey, now, id) < 0 || DB_ADD(b, "HSET", vkey, id, "up") < 0 ||
	    DB_ADD(b, "ZADD", skey, now, id) < 0 ||
	    (!textpost && cfg->prevent_repost_time > 0 && DB_ADD(b, "SET", buf_str(&ukey), id, "EX", ttl) < 0)) {
		cluster_batch_free(b);
		goto out;
	}
	rc = db_batch_write(r, b);
out:
	buf_free(&ukey);
	return rc;
}

static int db_story_insert(struct req *r, const char *title, const char *url, int textpost, long *out_id)
{
	redisReply *x;
	long nid;

	if (!(x = db_cmd(r, "INCR news.count")))
		return -1;
	nid = db_reply_long(x);
	freeReplyObject(x);
	if (db_story_write_new(r, nid, title, url, textpost) < 0)
		return -1;
	*out_id = nid;
	db_stories_changed(r);
	return 0;
}

static int db_story_may_edit(struct req *r, const struct news *n, long window)
{
	if (r->user->admin)
		return 1;
	return n->user_id == r->user->id && n->ctime > r->now - window;
}

/* A new URL must not be one posted recently; the old one is then free
 * again. 0 and *why when the new one is taken. */
static int db_story_move_url(struct req *r, long news_id, const char *oldurl, const char *newurl,
			     const char **why)
{
	const struct newsd_config *cfg = &r->site->cfg;
	struct buf oldkey = BUF_INIT, newkey = BUF_INIT;
	struct cluster_batch *b = NULL;
	char id[32], ttl[32];
	long other;
	int taken, rc = -1;

	if (db_story_by_url(r, newurl, &taken, &other) < 0)
		return -1;
	if (taken) {
		*why = edit_refused;
		return 0;
	}
	snprintf(id, sizeof(id), "%ld", news_id);
	snprintf(ttl, sizeof(ttl), "%ld", cfg->prevent_repost_time);
	buf_printf(&newkey, "url:{%s}", newurl);
	buf_printf(&oldkey, "url:{%s}", oldurl);
	if (!(b = db_batch_new(r, 0)) || DB_ADD(b, "DEL", buf_str(&oldkey)) < 0 ||
	    (cfg->prevent_repost_time > 0 && DB_ADD(b, "SET", buf_str(&newkey), id, "EX", ttl) < 0)) {
		if (b)
			cluster_batch_free(b);
		goto out;
	}
	rc = db_batch_write(r, b) < 0 ? -1 : 1;
out:
	buf_free(&oldkey);
	buf_free(&newkey);
	return rc;
}

static int db_story_set(struct req *r, long news_id, const char *title, const char *url)
{
	struct cluster_batch *b = db_batch_new(r, 1);
	char key[40];

	snprintf(key, sizeof(key), "news:{%ld}", news_id);
	if (!b)
		return -1;
	if (DB_ADD(b, "HSET", key, "title", title, "url", url) < 0) {
		cluster_batch_free(b);
		return -1;
	}
	return db_batch_write(r, b);
}

/* The story into *l (free it with newslist_free() whatever the outcome)
 * when this user may still change it: 1; 0 with refused in *why when not;
 * -1 when the cluster could not say. */
static int db_story_load_editable(struct req *r, long news_id, struct newslist *l, const char *refused,
				  const char **why)
{
	if (db_news_get(r, news_id, l) < 0)
		return -1;
	if (l->n == 0 || l->v[0].del || !db_story_may_edit(r, &l->v[0], r->site->cfg.news_edit_time)) {
		*why = refused;
		return 0;
	}
	return 1;
}

static int db_story_edit(struct req *r, long news_id, const char *title, const char *url, int textpost,
			 long *out_id, const char **why)
{
	struct newslist l;
	int rc = db_story_load_editable(r, news_id, &l, edit_refused, why);

	if (rc <= 0)
		goto out;
	if (!textpost && strcmp(url, l.v[0].url) != 0) {
		rc = db_story_move_url(r, news_id, l.v[0].url, url, why);
		if (rc <= 0)
			goto out;
	}
	if ((rc = db_story_set(r, news_id, title, url)) == 0) {
		*out_id = news_id;
		db_stories_changed(r);
	}
out:
	newslist_free(&l);
	return rc;
}

/* A user waits news_submission_break seconds between stories; 0 and
 * *why while they must still wait. */
static int db_story_check_break(struct req *r, const char **why)
{
	static __thread char msg[128];
	redisReply *x;
	long ttl;

	if (r->user->admin || r->site->cfg.news_submission_break <= 0)
		return 1;
	if (!(x = db_cmd(r, "TTL u:{%ld}:submitted", r->user->id)))
		return -1;
	ttl = db_reply_long(x);
	freeReplyObject(x);
	if (ttl <= 0)
		return 1;
	snprintf(msg, sizeof(msg), "You have submitted a story too recently, please wait %ld seconds.", ttl);
	*why = msg;
	return 0;
}

static int db_story_new(struct req *r, const char *title, const char *url, int textpost, long *out_id,
			const char **why)
{
	long brk = r->site->cfg.news_submission_break, old;
	int ok, found;

	if ((ok = db_story_check_break(r, why)) <= 0)
		return ok;
	/* The same URL again within the repost window leads to the story
	 * that has it. */
	if (!textpost) {
		if (db_story_by_url(r, url, &found, &old) < 0)
			return -1;
		if (old > 0) {
			*out_id = old;
			return 0;
		}
	}
	if (db_story_insert(r, title, url, textpost, out_id) < 0)
		return -1;
	if (brk > 0)
		return db_exec(r, "SET u:{%ld}:submitted 1 EX %ld", r->user->id, brk);
	return 0;
}

int db_story_submit(struct req *r, long news_id, const char *title, const char *url, const char *text,
		    long *out_id, const char **why)
{
	struct buf u = BUF_INIT;
	int textpost = url[0] == '\0', rc = -1;

	*why = NULL;
	*out_id = 0;
	/* A text post keeps its text in the url field, as Lamer News does. */
	if (textpost)
		buf_printf(&u, "text://%s", text);
	else
		buf_puts(&u, url);
	if (!buf_failed(&u)) {
		if (news_id != -1)
			rc = db_story_edit(r, news_id, title, buf_str(&u), textpost, out_id, why);
		else
			rc = db_story_new(r, title, buf_str(&u), textpost, out_id, why);
	}
	buf_free(&u);
	return rc;
}

int db_story_delete(struct req *r, long news_id, const char **why)
{
	struct cluster_batch *b;
	struct newslist l;
	char key[40], id[32];
	int rc;

	*why = NULL;
	if ((rc = db_story_load_editable(r, news_id, &l, "News too old or wrong ID/owner.", why)) <= 0)
		goto out;
	rc = -1;
	snprintf(key, sizeof(key), "news:{%ld}", news_id);
	snprintf(id, sizeof(id), "%ld", news_id);
	if (!(b = db_batch_new(r, 1)))
		goto out;
	if (DB_ADD(b, "HSET", key, "del", "1") < 0 || DB_ADD(b, "ZREM", "news.top", id) < 0 ||
	    DB_ADD(b, "ZREM", "news.cron", id) < 0) {
		cluster_batch_free(b);
		goto out;
	}
	if ((rc = db_batch_write(r, b)) == 0)
		db_stories_changed(r);
out:
	newslist_free(&l);
	return rc;
}
