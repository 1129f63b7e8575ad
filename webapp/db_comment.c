/* db_comment.c - comments: a story's thread (news:{N}:thread, one JSON
 * value per comment), posting, editing, deleting and voting. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_cluster.h"
#include "newscache.h"

static const char comment_refused[] = "Invalid news, comment, or edit time expired.";

void thread_free(struct thread *t)
{
	if (t->snap) {
		newscache_release(t->snap);
		memset(t, 0, sizeof(*t));
		return;
	}
	thread_clear(t);
}

/* ---- reading ----------------------------------------------------------- */

/* The comments of an HGETALL of the thread; nextid is the counter, and a
 * value that does not parse is left out. */
static int db_thread_from_reply(struct thread *t, long news_id, const redisReply *x)
{
	if (x->type != REDIS_REPLY_ARRAY || x->elements < 2)
		return 0;
	if (!(t->v = calloc(x->elements / 2, sizeof(*t->v))))
		return -1;
	for (size_t i = 0; i + 1 < x->elements; i += 2) {
		const char *id = x->element[i]->str, *js = x->element[i + 1]->str;

		if (!id || strcmp(id, "nextid") == 0 || !js)
			continue;
		if (thread_parse_comment(&t->v[t->n], news_id, id, js) == 0)
			t->n++;
	}
	return 0;
}

int db_thread(struct req *r, long news_id, struct thread *out)
{
	redisReply *x = db_cmd(r, "HGETALL news:{%ld}:thread", news_id);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!x)
		return -1;
	rc = db_thread_from_reply(out, news_id, x);
	freeReplyObject(x);
	if (rc == 0)
		rc = thread_link(out);
	if (rc < 0)
		snprintf(r->cerr, sizeof(r->cerr), "out of memory");
	return rc;
}

static void db_thread_destroy(void *obj)
{
	thread_free(obj);
	free(obj);
}

static int db_thread_borrow(struct req *r, const char *key, struct thread *out)
{
	const struct thread *t;
	void *obj;

	memset(out, 0, sizeof(*out));
	if (r->fresh || !(out->snap = newscache_get(r->site->cache, key, &obj)))
		return 0;
	t = obj;
	out->v = t->v;
	out->n = t->n;
	out->top = t->top;
	return 1;
}

int db_thread_shared(struct req *r, long news_id, struct thread *out)
{
	struct thread *t;
	char key[48];

	snprintf(key, sizeof(key), "thread:%ld", news_id);
	if (r->site->cfg.list_cache_ms <= 0 || r->fresh)
		return db_thread(r, news_id, out);
	if (db_thread_borrow(r, key, out))
		return 0;
	if (!(t = calloc(1, sizeof(*t))) || db_thread(r, news_id, t) < 0) {
		if (t)
			thread_free(t);
		free(t);
		return -1;
	}
	newscache_put(r->site->cache, key, t, db_thread_destroy);
	/* Taken back out of the cache, so that it is freed by whoever lets
	 * go last; gone already only when others crowded it out. */
	if (db_thread_borrow(r, key, out))
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
	if (x->type == REDIS_REPLY_STRING && comment_id > 0 && (out->v = calloc(1, sizeof(*out->v)))) {
		if (thread_parse_comment(&out->v[0], news_id, id, x->str) == 0) {
			out->n = 1;
			out->top = &out->v[0];
		}
	}
	freeReplyObject(x);
	return 0;
}

/* ---- writing ----------------------------------------------------------- */

/* KEYS: news:{N}, news:{N}:thread. ARGV: parent id (-1 for none), JSON.
 * The new comment's id, or -1 when the story is gone, -2 the parent. */
static const char insert_comment_lua[] =
	"if redis.call('HEXISTS', KEYS[1], 'id') == 0 or redis.call('HGET', KEYS[1], 'del') == '1' then return -1 end\n"
	"if ARGV[1] ~= '-1' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return -2 end\n"
	"local id = redis.call('HINCRBY', KEYS[2], 'nextid', 1)\n"
	"redis.call('HSET', KEYS[2], id, ARGV[2])\n"
	"redis.call('HINCRBY', KEYS[1], 'comments', 1)\n"
	"return id\n";

/* KEYS as above. ARGV: comment id, op (up, down, body, del), argument.
 * 1 when done, 0 for a second vote or delete, -1 for no such comment. */
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

static int db_comment_script(struct req *r, const char *script, long news_id, const char *a1, const char *a2,
			     const char *a3, int durable, long *res)
{
	char k1[40], k2[48];
	struct cluster_batch *b = db_batch_new(r, durable);
	int rc = -1;

	snprintf(k1, sizeof(k1), "news:{%ld}", news_id);
	snprintf(k2, sizeof(k2), "news:{%ld}:thread", news_id);
	if (b && (a3 ? DB_EVAL(b, script, "2", k1, k2, a1, a2, a3) : DB_EVAL(b, script, "2", k1, k2, a1, a2)) == 0 &&
	    db_batch_run(r, b) == 0) {
		*res = db_reply_long(cluster_batch_reply(b, 0));
		db_stories_changed(r);
		rc = 0;
	}
	if (b)
		cluster_batch_free(b);
	return rc;
}

/* The JSON a new comment is stored as; its author's upvote included. */
static char *db_comment_json(struct req *r, long parent_id, const char *body)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:I, s:[I], s:[]}", "body", body, "parent_id",
			      (json_int_t)parent_id, "user_id", (json_int_t)r->user->id, "username",
			      r->user->username, "ctime", (json_int_t)r->now, "up", (json_int_t)r->user->id, "down");
	char *js = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return js;
}

/* After a new comment: the poster's index and karma, and a reply to read
 * for the parent's author. */
static int db_comment_notify(struct req *r, long news_id, long cid, long parent_id)
{
	const struct newsd_config *cfg = &r->site->cfg;
	char ckey[48], member[64], now[32], inc[32], ukey[40], pkey[40];
	struct thread p = { 0 };
	struct cluster_batch *b;
	int rc = -1;

	if (parent_id != -1 && db_comment(r, news_id, parent_id, &p) < 0)
		return -1;
	snprintf(ckey, sizeof(ckey), "u:{%ld}:comments", r->user->id);
	snprintf(member, sizeof(member), "%ld-%ld", news_id, cid);
	snprintf(now, sizeof(now), "%ld", r->now);
	snprintf(inc, sizeof(inc), "%ld", cfg->karma.per_comment);
	snprintf(ukey, sizeof(ukey), "u:{%ld}", r->user->id);
	snprintf(pkey, sizeof(pkey), "u:{%ld}", p.n ? p.v[0].user_id : 0);
	if (!(b = db_batch_new(r, 0)))
		goto out;
	if (DB_ADD(b, "ZADD", ckey, now, member) < 0 ||
	    (cfg->karma.per_comment && DB_ADD(b, "HINCRBY", ukey, "karma", inc) < 0) ||
	    (p.n && p.v[0].user_id != r->user->id && DB_ADD(b, "HINCRBY", pkey, "replies", "1") < 0)) {
		cluster_batch_free(b);
		goto out;
	}
	rc = db_batch_write(r, b);
out:
	thread_free(&p);
	return rc;
}

static int db_comment_new(struct req *r, long news_id, long parent_id, const char *body, long *out_cid,
			  const char **why)
{
	char *js = db_comment_json(r, parent_id, body), pid[32];
	long res;
	int rc = -1;

	if (!js) {
		snprintf(r->cerr, sizeof(r->cerr), "out of memory");
		return -1;
	}
	snprintf(pid, sizeof(pid), "%ld", parent_id);
	if (db_comment_script(r, insert_comment_lua, news_id, pid, js, NULL, 1, &res) < 0)
		goto out;
	rc = 0;
	if (res < 0) {
		*why = comment_refused;
		goto out;
	}
	*out_cid = res;
	rc = db_comment_notify(r, news_id, res, parent_id);
out:
	free(js);
	return rc;
}

/* Edits and deletes: the author's own comment, within the window. */
static int db_comment_editable(struct req *r, long news_id, long comment_id)
{
	struct thread t;
	int ok;

	if (db_comment(r, news_id, comment_id, &t) < 0)
		return -1;
	ok = t.n && t.v[0].user_id == r->user->id && t.v[0].ctime > r->now - r->site->cfg.comment_edit_time;
	thread_free(&t);
	return ok;
}

int db_comment_post(struct req *r, long news_id, long comment_id, long parent_id, const char *body,
		    const char **op, long *out_cid, const char **why)
{
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
		return db_comment_new(r, news_id, parent_id, body, out_cid, why);
	}
	if ((rc = db_comment_editable(r, news_id, comment_id)) <= 0) {
		if (rc == 0)
			*why = comment_refused;
		return rc;
	}
	snprintf(cid, sizeof(cid), "%ld", comment_id);
	*op = body[0] ? "update" : "delete";
	rc = db_comment_script(r, update_comment_lua, news_id, cid, body[0] ? "body" : "del", body[0] ? body : "-",
			       1, &res);
	if (rc == 0 && res < 0)
		*why = comment_refused;
	*out_cid = comment_id;
	return rc;
}

int db_comment_vote(struct req *r, long news_id, long comment_id, int up, const char **why)
{
	char cid[32], uid[32];
	long res;

	*why = NULL;
	snprintf(cid, sizeof(cid), "%ld", comment_id);
	snprintf(uid, sizeof(uid), "%ld", r->user->id);
	if (db_comment_script(r, update_comment_lua, news_id, cid, up ? "up" : "down", uid, 0, &res) < 0)
		return -1;
	if (res != 1)
		*why = "Invalid parameters or duplicated vote.";
	return 0;
}
