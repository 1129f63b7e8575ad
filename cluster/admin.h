/* admin.h - clusterctl's side of one Redis Cluster node: connect with a
 * timeout, authenticate, run the cluster commands, and say which node
 * failed and why. One blocking hiredis connection per node; the decisions
 * are made elsewhere (placement.c, health.c, heal_plan.c). */
#ifndef CLUSTER_ADMIN_H
#define CLUSTER_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "ctable.h"
#include "hostport.h"

enum admin_status {
	ADMIN_OK = 0,
	ADMIN_UNREACHABLE = -1, /* no connection, or it broke */
	ADMIN_AUTH = -2,        /* password wrong or missing */
	ADMIN_REFUSED = -3,     /* the node answered with an error, or is unfit for the job */
};

struct redisContext;

struct admin_node {
	char name[HOSTPORT_STRLEN];   /* "host:port" as given; every message starts with it */
	char host[HOSTPORT_HOST_MAX];
	int port;
	char ip[64];                  /* the address actually connected to */
	char id[NODE_ID_LEN + 1];     /* its node id, once asked */
	struct redisContext *ctx;
	char err[320];                /* the last failure, naming the node */
};

/* The ACL user admin_open logs in as (NULL or "": the default user); the
 * program sets it once, before any connection ($CLUSTERCTL_USER). */
void admin_set_user(const char *user);
const char *admin_user(void);

/* Connect (giving up after timeout_ms), AUTH when password is set, PING,
 * as the user admin_set_user named.
 * The node's name is set even on failure, for the message in n->err. */
int admin_open(struct admin_node *n, const char *host, int port, const char *password,
	       int timeout_ms);
/* The same as the ACL user `user` (NULL or "": the default user). */
int admin_open_as(struct admin_node *n, const char *host, int port, const char *user,
		  const char *password, int timeout_ms);
void admin_close(struct admin_node *n);

/* Run a command that answers +OK (or anything but an error). */
int admin_run(struct admin_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fetch and parse CLUSTER NODES; refuses (ADMIN_REFUSED) when cluster
 * support is off. Sets n->id from the "myself" line. */
int admin_cluster_nodes(struct admin_node *n, struct ctable *t);

/* CLUSTER INFO says cluster_state:ok: 1, not ok: 0, or a negative status. */
int admin_cluster_ok(struct admin_node *n);

/* Create's precondition: cluster support on, no keys, no slots, knows no
 * other node. */
int admin_check_empty(struct admin_node *n);

/* Fill c->probe for the check: reachable, cluster_state, replication link
 * and offset, and whether its configuration matches seed_signature. */
void admin_probe(struct admin_node *n, struct cnode *c, const char *seed_signature);

/* A replica's master_link_status:up: 1, down: 0, or a negative status. */
int admin_link_up(struct admin_node *n);

/* One integer field of INFO replication (master_repl_offset,
 * slave_repl_offset, ...) into *value. */
int admin_repl_field(struct admin_node *n, const char *field, long long *value);

/* admin_probe every node of t; the seed's connection is used for the
 * "myself" line, the others are opened (and closed) with password. */
void admin_probe_all(struct ctable *t, struct admin_node *seed, const char *password,
		     int timeout_ms);

#endif
