/* site.h - what the parts of newsd share: the site, a request being
 * served, and the data layer's records.
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
 *   site:secret       the key that signs password reset links, made once
 * The auth token is "U-HEX": the id says where the user lives, the hex
 * must equal the user's auth field, which logout replaces. */
#ifndef NEWSD_SITE_H
#define NEWSD_SITE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "client.h"
#include "config.h"
#include "form.h"

struct pool;
struct newscache;

struct site {
	struct newsd_config cfg;
	struct cluster_opts copts;
	struct pool *pool;
	struct newscache *cache;     /* recent top and latest lists */
	pthread_mutex_t secret_lock;
	unsigned char secret[32];    /* site:secret, once loaded */
	int have_secret;
	atomic_ulong requests, errors_5xx, cluster_failures, unconfirmed_writes;
};

/* A loaded user: the fields of u:{id}. */
struct user {
	long id;
	redisReply *r;   /* HGETALL reply, owned */
	long karma;
	int admin;
};

#define REQ_MAX_ARGS 4

struct req {
	struct site *site;
	const char *method;
	const char *path;           /* raw, without the query */
	const char *arg[REQ_MAX_ARGS]; /* decoded :params of the route */
	char *argbuf;
	struct form query, body;
	const char *cookie;         /* Cookie header, or NULL */
	const char *host;           /* Host header, or NULL */
	char ip[64];                /* the client: X-Forwarded-For from a trusted proxy */
	long now;
	struct cluster *c;          /* borrowed from the pool for this request */
	char cerr[256];             /* the last cluster failure */
	struct user *user;          /* logged in, or NULL */
	int auth_pending;           /* the login is checked with the page's first read */
	int fresh;                  /* anonymous: bypass the shared cache (nginx caches these pages) */

	/* the response */
	int status;
	const char *ctype;
	struct buf out;
	char *location;
	char *set_cookie;
	int api;                    /* JSON errors instead of HTML pages */
};

/* Route handlers: 0 when the response is built; -1 after a cluster
 * failure (r->cerr says which node): the caller answers 503. */
typedef int (*handler_fn)(struct req *r);

/* --- newsd.c: parameters and responses --- */
const char *req_param(const struct req *r, const char *name); /* body, then query */
void req_redirect(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void req_set_auth_cookie(struct req *r, const char *token); /* NULL: clear it */

/* --- db.c: the data layer --- */
const char *rfield(const redisReply *hash, const char *name);  /* HGETALL reply field */
long rlong(const redisReply *hash, const char *name);
redisReply *db_cmd(struct req *r, const char *fmt, ...);        /* NULL on failure (cerr) */
redisReply *db_argv(struct req *r, int argc, const char **argv, const size_t *lens);
int db_reply_error(struct req *r, const redisReply *x);          /* an error reply counts as failure */
int db_auth(struct req *r);             /* from the auth cookie; -1 on cluster failure */
int db_user_by_name(struct req *r, const char *name, struct user **out);
int db_user_by_id(struct req *r, long id, struct user **out);
void user_free(struct user *u);
int db_is_admin(const struct site *s, const redisReply *u);
int db_secret(struct req *r);

/* A story as pages and the API show it. */
struct news {
	long id, user_id, ctime, up, down, comments;
	double score, rank;
	int del;
	const char *title, *url, *username;
	const char *voted;  /* "up", "down" or NULL */
};
struct newscache_snap;
struct newslist {
	struct news *v;
	size_t n;
	long total;
	struct cluster_batch *b;      /* owns the strings, or */
	struct newscache_snap *snap;  /* does, for a list from the cache */
};
int db_news_range(struct req *r, const char *zset, long start, long count, int update_rank,
		  struct newslist *out);
int db_news_ids(struct req *r, const char *const *ids, size_t n, int update_rank, struct newslist *out);
int db_news_get(struct req *r, long id, struct newslist *out); /* out->n is 0 if none */
void newslist_free(struct newslist *l);

struct comment {
	long id, news_id, parent_id, user_id, ctime, up, down;
	int del, level;
	const char *body, *username;
	struct comment *replies; /* first child, in order */
	struct comment *next;    /* next sibling */
	void *json;              /* json_t owning the strings */
};
struct thread {
	struct comment *v;   /* all comments */
	size_t n;
	struct comment *top; /* first top-level comment */
	struct newscache_snap *snap; /* set: a shared, read-only thread */
};
int db_thread(struct req *r, long news_id, struct thread *out);
/* The same, possibly shared with other requests: never modify it. */
int db_thread_shared(struct req *r, long news_id, struct thread *out);
/* "up", "down" or NULL: the logged-in user's vote on c. */
const char *db_comment_voted(const struct req *r, const struct comment *c);
int db_comment(struct req *r, long news_id, long comment_id, struct thread *out); /* one, n=0 if none */
void thread_free(struct thread *t);

int db_create_user(struct req *r, const char *name, const char *password, char *token, size_t tlen,
		   const char **why);
int db_login(struct req *r, const char *name, const char *password, char *token, size_t tlen,
	     char *apisecret, size_t alen);
int db_rotate_auth(struct req *r, long uid, char *token, size_t tlen);
int db_set_password(struct req *r, const redisReply *u, const char *password);
int db_submit(struct req *r, long news_id, const char *title, const char *url, const char *text,
	      long *out_id, const char **why);
int db_delnews(struct req *r, long news_id, const char **why);
int db_vote_news(struct req *r, long news_id, int up, const char **why);
int db_post_comment(struct req *r, long news_id, long comment_id, long parent_id, const char *body,
		    const char **op, long *out_cid, const char **why);
int db_vote_comment(struct req *r, long news_id, long comment_id, int up, const char **why);
int db_rate_limit(struct req *r, const char *tag, long delay, int *limited);

/* --- pages.c / api.c: the routes --- */
struct route {
	const char *method;   /* "GET" also answers HEAD */
	const char *pattern;  /* "/news/:id" */
	handler_fn fn;
	int api;
	int lazy_auth;        /* the handler checks the login itself, in its first round trip */
};
extern const struct route page_routes[], api_routes[];
void page_error(struct req *r, int status, const char *msg);
void api_error(struct req *r, const char *msg);
void render_unavailable(struct req *r);

/* --- mail.c --- */
int mail_send(const struct site *s, const char *to, const char *subject, const char *body,
	      char *err, size_t errlen);

#endif
