/* db.h - newsd's data layer: what the pages and the API read and write,
 * as plain structs. Only the db_*.c files talk to the cluster.
 *
 * Data model (Redis Cluster). A story's keys share the hash tag of its id,
 * a user's keys the tag of theirs, so the writes that must go together run
 * as one script on one node; nothing spans slots.
 *   news:{N}          hash  id title url user_id username ctime score rank up down comments [del]
 *   news:{N}:up/down  zset  voter id -> time
 *   news:{N}:thread   hash  nextid, comment id -> JSON (body parent_id user_id username ctime up down [del])
 *   news.top          zset  story id -> rank       news.cron  zset  story id -> ctime
 *   news.count        counter of story ids
 *   u:{U}             hash  id username salt password ctime karma about email auth apisecret
 *                           flags karma_incr_time replies pwd_reset
 *   u:{U}:votes       hash  story id -> "up" | "down"
 *   u:{U}:saved / :posted  zset  story id -> time;   u:{U}:comments  zset "N-C" -> time
 *   u:{U}:submitted   string with a TTL: the submission break
 *   username:{name}   lower-cased user name -> id (SET NX claims it)
 *   users.count       counter of user ids
 *   url:{URL}         recently posted URL -> story id, with a TTL
 *   limit:{...}       rate limit markers, with a TTL
 *   login:ip:{ADDR}, login:user:{name}
 *                     failed logins of a client address and of a lower-cased
 *                     user name, with a TTL: the window (see loginlimit.h)
 *   site:secret       the key that signs password reset links, made once
 *   healthz:{host}    a front-end's health probe, with a TTL
 * The auth token is "U-HEX": the id says where the user lives, the hex
 * must equal the user's auth field. Logout and a new password replace it
 * and the apisecret together. flags holds 'a' for an administrator made
 * with newsd --grant-admin.
 *
 * Every call returns -1 after a cluster failure (r->cerr says which node;
 * the caller answers 503) and 0 otherwise. A refusal the user should read
 * comes back in *why, NULL when the change was made. */
#ifndef NEWSD_DB_H
#define NEWSD_DB_H

#include <stddef.h>

#include "record.h"
#include "thread.h"

struct req;
struct newscache_snap;

/* ---- db_user.c: users and sessions ---- */

/* Check the auth cookie and set r->user; the user's visit karma is paid
 * here. A missing or wrong cookie is not an error: r->user stays NULL. */
int db_auth(struct req *r);
/* *out is NULL when there is no such user; free it with user_free. */
int db_user_by_name(struct req *r, const char *name, struct user **out);
int db_user_by_id(struct req *r, long id, struct user **out);
/* A new account, logged in: token is its auth cookie value, secret its
 * apisecret. An ordinary user: the first account is no exception. */
int db_user_create(struct req *r, const char *name, const char *password, char *token, size_t tlen,
		   char *secret, size_t slen, const char **why);
/* Whether password is u's (PBKDF2, constant-time compare); 0 too for an
 * account without a token or an apisecret. Not a cluster call. */
int db_user_password_ok(const struct user *u, const char *password);
/* A new auth token and apisecret: every session and every page's forms
 * of the user stop working. token and secret (the new ones) may be NULL. */
int db_user_rotate(struct req *r, long uid, char *token, size_t tlen, char *secret, size_t slen);
/* A new password (and salt), with a new token and apisecret, at once. */
int db_user_set_password(struct req *r, const struct user *u, const char *password, char *token, size_t tlen,
			 char *secret, size_t slen);
/* Set or clear u's administrator flag ('a' in flags). */
int db_user_set_admin(struct req *r, const struct user *u, int admin);
int db_user_set_profile(struct req *r, long uid, const char *about, const char *email);
/* Remember now as the time of u's last password reset mail. */
int db_user_mark_reset(struct req *r, long uid);
/* The user has read their replies. */
int db_user_clear_replies(struct req *r, long uid);
int db_user_counts(struct req *r, long uid, long *posted, long *comments);

/* A comment a user posted, as u:{U}:comments lists it. */
struct comment_ref {
	long news_id, comment_id;
};
/* The user's comments, newest first, from start; *total of them in all.
 * Free *out. */
int db_user_comments(struct req *r, long uid, long start, long count, struct comment_ref **out, size_t *n,
		     long *total);

/* ---- db_login.c: password checks under the failed-login limiter ---- */

enum login_outcome { LOGIN_OK, LOGIN_WRONG, LOGIN_REFUSED };
/* Check password for the account called name, unless the client address
 * or the name has too many recent failures (then LOGIN_REFUSED and *wait
 * seconds, without hashing anything). known is that account when the
 * caller has it; else it is looked up and, on LOGIN_OK, handed over in
 * *found (free it). A failure counts against the address and the name, a
 * success clears the name's count. Failed and refused attempts are logged
 * for fail2ban (never the password). -1 when the counters cannot be read:
 * no password is checked without them. */
int db_login_attempt(struct req *r, const char *name, const char *password, const struct user *known,
		     struct user **found, enum login_outcome *outcome, long *wait);
/* Forget the failures of the name: its password was just reset. */
int db_login_forget(struct req *r, const char *name);

/* ---- db.c: the site ---- */

/* *limited when tag was seen less than delay seconds ago. */
int db_rate_limit(struct req *r, const char *tag, long delay, int *limited);
/* Load the key signing reset links into r->site->secret. */
int db_secret(struct req *r);
/* Write and read back a key of this front-end's own. */
int db_health_check(struct req *r, const char *host);

struct db_stats {
	long users, news;
	unsigned long redirects, slot_map_loads, node_failures; /* this request's connection */
};
int db_stats(struct req *r, struct db_stats *out);

/* ---- db_news.c: stories as lists ---- */

struct newslist {
	struct news *v;
	size_t n;
	long total;
	char *strings;                /* owns the strings of v, or */
	struct newscache_snap *snap;  /* does, for a list from the cache */
};
/* count stories of a story index (news.top, news.cron, u:{U}:saved ...)
 * from start, with the user's votes; update_rank refreshes drifted ranks
 * (and sorts news.top by them). news.top and news.cron may come from the
 * list cache. r->auth_pending is settled in the same round trip. */
int db_news_range(struct req *r, const char *zset, long start, long count, int update_rank,
		  struct newslist *out);
/* One story: out->n is 0 when there is none. */
int db_news_get(struct req *r, long id, struct newslist *out);
/* A random story's id in *id, or 0 when there are none. */
int db_news_random(struct req *r, long *id);
void newslist_free(struct newslist *l);

/* ---- db_story.c: submitting, editing, deleting ---- */

/* news_id -1 submits, anything else edits; url "" posts text. *out_id is
 * the story (an older one with the same URL, when it was just posted). */
int db_story_submit(struct req *r, long news_id, const char *title, const char *url, const char *text,
		    long *out_id, const char **why);
int db_story_delete(struct req *r, long news_id, const char **why);

/* ---- db_vote.c ---- */

int db_vote_news(struct req *r, long news_id, int up, const char **why);

/* ---- db_comment.c: comments ---- */

int db_thread(struct req *r, long news_id, struct thread *out);
/* The same, possibly shared with other requests: never modify it. */
int db_thread_shared(struct req *r, long news_id, struct thread *out);
/* One comment: out->n is 0 when there is none. */
int db_comment(struct req *r, long news_id, long comment_id, struct thread *out);
/* Lets go of a thread from any of the three. */
void thread_free(struct thread *t);
/* comment_id -1 posts (under parent_id, or -1 for the top level); else
 * edits, or deletes when body is "". *op says which ("insert", "update",
 * "delete"), *out_cid the comment. */
int db_comment_post(struct req *r, long news_id, long comment_id, long parent_id, const char *body,
		    const char **op, long *out_cid, const char **why);
int db_comment_vote(struct req *r, long news_id, long comment_id, int up, const char **why);

#endif
