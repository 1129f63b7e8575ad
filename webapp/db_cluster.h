/* db_cluster.h - what the db_*.c files share: commands and pipelined
 * batches on the cluster, reading replies, and the login check that list
 * pages fold into their first round trip. Nothing outside the data layer
 * includes this. */
#ifndef NEWSD_DB_CLUSTER_H
#define NEWSD_DB_CLUSTER_H

#include <hiredis/hiredis.h>

#include "client.h"
#include "db.h"
#include "site.h"

/* A hash field of an HGETALL reply, NULL when absent. */
const char *db_reply_field(const redisReply *hash, const char *name);
/* An integer or numeric string reply; 0 for anything else. */
long db_reply_long(const redisReply *x);

/* One command; NULL after a failure or an error reply (r->cerr says why). */
redisReply *db_cmd(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
redisReply *db_argv(struct req *r, int argc, const char **argv, const size_t *lens);
/* Run a command whose reply does not matter beyond success. */
int db_exec(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error reply or none counts as a cluster failure: -1. */
int db_reply_error(struct req *r, const redisReply *x);

/* A batch; durable ones wait for durable_replicas (site config). */
struct cluster_batch *db_batch_new(struct req *r, int durable);
/* Append argv (NULL-terminated), routed by argv[key]. */
int db_batch_addv(struct cluster_batch *b, int key, const char **argv);
#define DB_ADD(b, ...) db_batch_addv(b, 1, (const char *[]){ __VA_ARGS__, NULL })
#define DB_EVAL(b, ...) db_batch_addv(b, 3, (const char *[]){ "EVAL", __VA_ARGS__, NULL })
/* Run b: every reply must be a non-error one. */
int db_batch_run(struct req *r, struct cluster_batch *b);
/* Run and free a batch of writes. */
int db_batch_write(struct req *r, struct cluster_batch *b);

/* This front-end changed a story: its cached lists are out of date. */
void db_stories_changed(struct req *r);

/* db_user.c, for the list pages' combined round trip: the auth cookie's
 * user id and token (0, or -1 when there is none that looks right), the
 * user from an HGETALL reply (consumed; NULL when there is none), and
 * taking u as the request's user when hex is its token (u is consumed). */
int db_auth_cookie(struct req *r, long *id, char *tok, size_t len, const char **hex);
struct user *db_user_from_reply(struct req *r, redisReply *x);
int db_auth_accept(struct req *r, struct user *u, const char *hex);

#endif
