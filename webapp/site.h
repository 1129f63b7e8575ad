/* site.h - what the parts of newsd share: the site and a request being
 * served. The data layer, its records and the key layout are in db.h. */
#ifndef NEWSD_SITE_H
#define NEWSD_SITE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "buf.h"
#include "client.h"
#include "config.h"
#include "db.h"
#include "form.h"
#include "metrics.h"

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
	atomic_ulong unavailable;    /* answered 503 for the cluster */
	atomic_ulong in_flight;      /* requests being served */
	struct metrics *metrics;     /* NULL without metrics_listen */
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
	int https;                  /* the client came over HTTPS (X-Forwarded-Proto from a trusted proxy) */
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
	int route;                  /* the route's number (metrics), -1: none matched */
};

/* Route handlers: 0 when the response is built; -1 after a cluster
 * failure (r->cerr says which node): the caller answers 503. */
typedef int (*handler_fn)(struct req *r);

/* --- newsd.c: parameters and responses --- */
const char *req_param(const struct req *r, const char *name); /* body, then query */
void req_redirect(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void req_set_auth_cookie(struct req *r, const char *token); /* NULL: clear it */

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

/* --- metrics_listen.c: the metrics listener (s->cfg.metrics_listen);
 * NULL, logged, when it cannot listen. metrics_http_stop() ends it. --- */
struct metrics_http;
struct metrics_http *metrics_listen_start(struct site *s);

/* --- admin.c: newsd --grant-admin / --revoke-admin; the exit status --- */
int admin_command(struct site *s, const char *name, int grant);

/* --- mail.c: mail is queued, and sent by a thread of its own. mail_queue
 * never waits for the relay: 0, MAIL_FULL (too many wait: try again
 * later) or MAIL_ERROR, with err for the log. `what` names the mail in the
 * log ("reset mail for user alice"). mail_stop(), at shutdown, waits a
 * few seconds for what is queued and drops the rest. --- */
#define MAIL_ERROR (-1)
#define MAIL_FULL (-2)
int mail_queue(const struct site *s, const char *what, const char *to, const char *subject,
	       const char *body, char *err, size_t errlen);
void mail_stop(void);

#endif
