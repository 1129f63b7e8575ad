/* client.c - connections, AUTH, slot map refresh and the batch rounds.
 *
 * Every call is a batch (a single command is a batch of one), so MOVED,
 * ASK, TRYAGAIN and unreachable nodes are handled in one place: run_rounds.
 * Connections are blocking hiredis contexts with SO_RCVTIMEO/SO_SNDTIMEO
 * set to the command timeout, one per node, opened on first use.
 *
 * Two rules keep a bad node from costing more than it must. A redirect is
 * followed only to a node of the slot map (a held one waits for a reload
 * of the map, see client_batch.h), so the password goes only to nodes the
 * cluster itself names. A node that failed is down for a while
 * (backoff.h): commands for it fail at once, and the map is reloaded at
 * most every BACKOFF_REFRESH_MS so that a replica promoted in its place
 * takes its commands as soon as the cluster says so. */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "client_batch.h"
#include "log.h"
#include "mono.h"
#include "slot.h"

#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_REDIRECTS 5
#define TRYAGAIN_PAUSE_MS 25
/* A refused redirect is logged at most this often per client; the ones in
 * between are counted in the next line. */
#define REFUSAL_LOG_MS 1000

struct client_conn {
	struct slot_addr addr;
	redisContext *ctx;   /* NULL: not connected */
	bool failed;         /* the last attempt to reach it failed */
	struct backoff bo;   /* down until bo.until_ms after a connect or I/O failure */
	char last_err[256];  /* why it is down, without the node's name */
};

struct cluster {
	struct slot_addr *seeds;
	size_t nseeds;
	char *user, *password;
	int connect_ms, command_ms, max_redirects;
	struct slot_map *map;
	struct client_conn *conns;
	size_t nconns, conncap;
	size_t next_refresh; /* rotates the node a refresh asks first */
	long long refreshed_at;       /* mono ms of the last refresh started */
	long long refusal_logged_at;  /* mono ms of the last refused redirect logged */
	unsigned long refusals_unlogged;
	struct cluster_stats stats;
};

static struct timeval ms_tv(int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

static struct client_conn *conn_find(struct cluster *c, const struct slot_addr *a)
{
	for (size_t i = 0; i < c->nconns; i++)
		if (slot_addr_equal(&c->conns[i].addr, a))
			return &c->conns[i];
	return NULL;
}

static struct client_conn *conn_slot(struct cluster *c, const struct slot_addr *a)
{
	struct client_conn *n = conn_find(c, a);

	if (n)
		return n;
	if (c->nconns == c->conncap) {
		size_t cap = c->conncap ? c->conncap * 2 : 8;
		n = realloc(c->conns, cap * sizeof(*n));
		if (!n)
			return NULL;
		c->conns = n;
		c->conncap = cap;
	}
	n = &c->conns[c->nconns++];
	memset(n, 0, sizeof(*n));
	n->addr = *a;
	return n;
}

static void conn_drop(struct client_conn *n)
{
	if (n->ctx)
		redisFree(n->ctx);
	n->ctx = NULL;
}

/* A connect or I/O failure on n (err names it): count it, and keep the
 * node down until its backoff deadline. */
static void conn_down(struct cluster *c, struct client_conn *n, const char *err)
{
	char node[HOSTPORT_STRLEN];
	size_t len = strlen(slot_addr_str(&n->addr, node));

	if (strncmp(err, node, len) == 0 && strncmp(err + len, ": ", 2) == 0)
		err += len + 2;
	snprintf(n->last_err, sizeof(n->last_err), "%s", err);
	n->failed = true;
	backoff_fail(&n->bo, mono_ms());
	c->stats.node_failures++;
}

/* The node answered: up again. */
static void conn_up(struct client_conn *n)
{
	n->failed = false;
	backoff_ok(&n->bo);
}

/* Describe a failed call on n's context (made with a timeout of ms) and
 * close it: a context that failed, or timed out half-way through a reply,
 * is not reusable. */
static void conn_failed(struct cluster *c, struct client_conn *n, const char *what, int ms,
			char *err, size_t errlen)
{
	char node[HOSTPORT_STRLEN];
	int e = errno;

	slot_addr_str(&n->addr, node);
	if (n->ctx && n->ctx->err == REDIS_ERR_IO && (e == EAGAIN || e == EWOULDBLOCK))
		snprintf(err, errlen, "%s: %s: timeout after %d ms", node, what, ms);
	else if (n->ctx && n->ctx->err == REDIS_ERR_EOF)
		snprintf(err, errlen, "%s: %s: connection closed by the server", node, what);
	else
		snprintf(err, errlen, "%s: %s: %s", node, what, n->ctx && n->ctx->err ?
			 n->ctx->errstr : "out of memory");
	conn_drop(n);
	conn_down(c, n, err);
}

static int conn_auth(struct cluster *c, struct client_conn *n, char *err, size_t errlen)
{
	char node[HOSTPORT_STRLEN];
	redisReply *r;

	if (!c->password)
		return 0;
	if (c->user)
		r = redisCommand(n->ctx, "AUTH %s %s", c->user, c->password);
	else
		r = redisCommand(n->ctx, "AUTH %s", c->password);
	if (!r) {
		conn_failed(c, n, "AUTH", c->command_ms, err, errlen);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s: AUTH%s%s failed: %s", slot_addr_str(&n->addr, node),
			 c->user ? " as " : "", c->user ? c->user : "", r->str);
		freeReplyObject(r);
		conn_drop(n);
		/* The node answered: a wrong password is no reason to back
		 * off, and every call says so at once anyway. */
		n->failed = true;
		c->stats.node_failures++;
		return -1;
	}
	freeReplyObject(r);
	conn_up(n);
	return 0;
}

/* An idle blocking connection has nothing to read: if poll says otherwise,
 * the server closed it (restart, kill, idle timeout) and sending on it would
 * only fail after the fact. */
static bool conn_stale(const redisContext *ctx)
{
	struct pollfd p = { .fd = ctx->fd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

/* A connected, authenticated context for a, or NULL with err; *down
 * (when not NULL) tells whether that is because a is down, in which case
 * nothing was tried. */
static redisContext *conn_get(struct cluster *c, const struct slot_addr *a, char *err, size_t errlen,
			      bool *down)
{
	char node[HOSTPORT_STRLEN];
	struct client_conn *n = conn_slot(c, a);
	long long wait;

	if (down)
		*down = false;
	if (!n) {
		snprintf(err, errlen, "%s: out of memory", slot_addr_str(a, node));
		return NULL;
	}
	wait = backoff_wait_ms(&n->bo, mono_ms());
	if (wait > 0) {
		snprintf(err, errlen, "%s: node down, next try in %lld ms (%u failure%s in a row; last: %s)",
			 slot_addr_str(a, node), wait, n->bo.failures, n->bo.failures == 1 ? "" : "s",
			 n->last_err);
		if (down)
			*down = true;
		return NULL;
	}
	if (n->ctx && conn_stale(n->ctx))
		conn_drop(n);
	if (n->ctx)
		return n->ctx;

	n->ctx = redisConnectWithTimeout(a->host, a->port, ms_tv(c->connect_ms));
	if (!n->ctx || n->ctx->err) {
		if (n->ctx && n->ctx->err == REDIS_ERR_IO && strstr(n->ctx->errstr, "timed out"))
			snprintf(err, errlen, "%s: connect: timeout after %d ms",
				 slot_addr_str(a, node), c->connect_ms);
		else
			snprintf(err, errlen, "%s: connect: %s", slot_addr_str(a, node),
				 n->ctx ? n->ctx->errstr : "out of memory");
		conn_drop(n);
		conn_down(c, n, err);
		return NULL;
	}
	if (redisSetTimeout(n->ctx, ms_tv(c->command_ms)) != REDIS_OK) {
		conn_failed(c, n, "setting the timeout", c->command_ms, err, errlen);
		return NULL;
	}
	if (conn_auth(c, n, err, errlen) < 0)
		return NULL;
	n->failed = false;
	c->stats.connects++;
	return n->ctx;
}

/* Add the cluster's members to m, as the node at a lists them, so that a
 * redirect to a master that serves no slot yet is followed. Best effort:
 * without them such a redirect is refused, which is the safe side. */
static void load_members(struct cluster *c, const struct slot_addr *a, struct slot_map *m)
{
	struct client_conn *n = conn_find(c, a);
	char err[512];
	redisReply *r = redisCommand(n->ctx, "CLUSTER NODES");

	if (!r) {
		conn_failed(c, n, "CLUSTER NODES", c->command_ms, err, sizeof(err));
		return;
	}
	if (r->type == REDIS_REPLY_STRING)
		(void)slot_map_add_members(m, r->str, r->len, a);
	freeReplyObject(r);
}

/* Ask one node for the slot map, and for the member list too when
 * members is set. */
static struct slot_map *load_map(struct cluster *c, const struct slot_addr *a, bool members,
				 char *err, size_t errlen)
{
	char node[HOSTPORT_STRLEN], why[256];
	redisContext *ctx = conn_get(c, a, err, errlen, NULL);
	struct slot_map *m;
	redisReply *r;

	if (!ctx)
		return NULL;
	r = redisCommand(ctx, "CLUSTER SLOTS");
	if (!r) {
		conn_failed(c, conn_find(c, a), "CLUSTER SLOTS", c->command_ms, err, errlen);
		return NULL;
	}
	conn_up(conn_find(c, a));
	m = slot_map_parse(r, a, why, sizeof(why));
	freeReplyObject(r);
	if (m && !slot_map_covered(m)) {
		slot_map_free(m);
		m = NULL;
		snprintf(why, sizeof(why), "CLUSTER SLOTS: no slot is assigned");
	}
	if (!m)
		snprintf(err, errlen, "%s: %s", slot_addr_str(a, node), why);
	else if (members)
		load_members(c, a, m);
	return m;
}

/* Candidate nodes for a refresh: the map's masters, its replicas, then the
 * seeds; within each, nodes that did not fail last come first. */
static size_t refresh_candidates(struct cluster *c, struct slot_addr **out)
{
	size_t max = (c->map ? c->map->nnodes : 0) + c->nseeds, n = 0;
	struct slot_addr *list = malloc((max ? max : 1) * sizeof(*list));

	*out = list;
	if (!list)
		return 0;
	for (int pass = 0; pass < 6; pass++) {
		bool want_master = pass % 3 == 0, from_seeds = pass % 3 == 2, want_failed = pass >= 3;
		size_t count = from_seeds ? c->nseeds : (c->map ? c->map->nnodes : 0);
		for (size_t k = 0; k < count; k++) {
			/* Rotate, so the load of refreshes spreads over the nodes. */
			size_t i = (k + c->next_refresh) % count;
			const struct slot_addr *a;
			if (from_seeds) {
				a = &c->seeds[i];
			} else {
				if (c->map->nodes[i].master != want_master)
					continue;
				a = &c->map->nodes[i].addr;
			}
			struct client_conn *cn = conn_find(c, a);
			if ((cn && cn->failed) != want_failed)
				continue;
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = slot_addr_equal(&list[j], a);
			if (!dup)
				list[n++] = *a;
		}
	}
	c->next_refresh++;
	return n;
}

/* Close connections to nodes the new map does not mention. */
static void prune_conns(struct cluster *c)
{
	size_t keep = 0;

	for (size_t i = 0; i < c->nconns; i++) {
		if (slot_map_find(c->map, &c->conns[i].addr) < 0) {
			conn_drop(&c->conns[i]);
			continue;
		}
		c->conns[keep++] = c->conns[i];
	}
	c->nconns = keep;
}

/* Reload the slot map from the first node that answers (a node that is
 * down is passed over at once), with the member list when members is set. */
static int cluster_refresh(struct cluster *c, bool members, char *err, size_t errlen)
{
	struct slot_addr *cand;
	size_t n = refresh_candidates(c, &cand);
	struct slot_map *m = NULL;
	char last[512] = "no node to ask for the slot map";
	size_t tried = 0;

	c->refreshed_at = mono_ms();
	for (; tried < n && !m; tried++)
		m = load_map(c, &cand[tried], members, last, sizeof(last));
	free(cand);
	if (!m) {
		if (tried > 1)
			snprintf(err, errlen, "%s (%zu nodes tried, none answered)", last, tried);
		else
			snprintf(err, errlen, "%s", last);
		return -1;
	}
	slot_map_free(c->map);
	c->map = m;
	c->stats.refreshes++;
	prune_conns(c);
	return 0;
}

/* Queue group g's commands (and a WAIT) on its node's connection and write
 * them out. -1 when the node cannot be reached or written to; the group's
 * commands then carry the error.
 *
 * Writing a whole group before reading any reply cannot deadlock: Redis
 * keeps reading while the replies queue up on its side (normal clients have
 * no output buffer limit by default). */
static int send_group(struct cluster *c, struct cluster_batch *b, const struct batch_group *g)
{
	const struct slot_addr *a = &b->addrs[g->addr];
	char err[512];
	bool down;
	redisContext *ctx = conn_get(c, a, err, sizeof(err), &down);
	int done = 0;

	if (!ctx) {
		/* Nothing was sent: safe to retry elsewhere if the slot moves. */
		for (size_t j = 0; j < g->n; j++)
			batch_fail(b, g->idx[j], true, "%s", err);
		if (down)
			c->stats.fast_failures += g->n;
		return -1;
	}
	for (size_t j = 0; j < g->n; j++) {
		const struct batch_cmd *cmd = &b->cmds[g->idx[j]];
		if ((cmd->asking && redisAppendCommand(ctx, "ASKING") != REDIS_OK) ||
		    redisAppendFormattedCommand(ctx, cmd->buf, cmd->len) != REDIS_OK)
			goto fail;
	}
	if (b->wait_replicas &&
	    redisAppendCommand(ctx, "WAIT %d %d", b->wait_replicas, b->wait_ms) != REDIS_OK)
		goto fail;
	while (!done)
		if (redisBufferWrite(ctx, &done) != REDIS_OK)
			goto fail;
	return 0;
fail:
	conn_failed(c, conn_find(c, a), "write", c->command_ms, err, sizeof(err));
	for (size_t j = 0; j < g->n; j++)
		batch_fail(b, g->idx[j], false, "%s (the command may have run)", err);
	return -1;
}

/* What one round found out. */
struct round {
	bool refresh;   /* the map is stale: reload it before the next round */
	bool node_down; /* a node failed or is down: reload it, at most every BACKOFF_REFRESH_MS */
	bool held;      /* redirects to unknown nodes: reload it with the members, then vet */
	bool tryagain;  /* pause before the next round */
};

/* Read group g's replies in order and hand each to its command. */
static void read_group(struct cluster *c, struct cluster_batch *b, const struct batch_group *g,
		       struct round *rd)
{
	struct client_conn *n = conn_find(c, &b->addrs[g->addr]);
	char err[512];
	size_t j = 0;
	void *r;

	for (; j < g->n; j++) {
		struct batch_cmd *cmd = &b->cmds[g->idx[j]];
		if (cmd->asking) {
			if (redisGetReply(n->ctx, &r) != REDIS_OK)
				goto fail;
			freeReplyObject(r); /* an ASKING refused shows in the reply that follows */
		}
		if (redisGetReply(n->ctx, &r) != REDIS_OK)
			goto fail;
		switch (batch_deliver(b, g->idx[j], r, g->addr, c->map)) {
		case BATCH_OUT_MOVED: c->stats.moved++; rd->refresh = true; break;
		case BATCH_OUT_ASK: c->stats.ask++; break;
		case BATCH_OUT_TRYAGAIN: c->stats.tryagain++; rd->tryagain = true; break;
		case BATCH_OUT_HELD: rd->held = true; break;
		case BATCH_OUT_REPLY: break;
		}
	}
	conn_up(n);
	if (!b->wait_replicas)
		return;
	/* WAIT blocks up to its own timeout: give the read that much more. */
	redisSetTimeout(n->ctx, ms_tv(c->command_ms + b->wait_ms));
	if (redisGetReply(n->ctx, &r) != REDIS_OK) {
		conn_failed(c, n, "WAIT", c->command_ms + b->wait_ms, err, sizeof(err));
		batch_ack(b, g, NULL, err);
		rd->node_down = true;
		return;
	}
	redisSetTimeout(n->ctx, ms_tv(c->command_ms));
	batch_ack(b, g, r, NULL);
	freeReplyObject(r);
	return;
fail:
	conn_failed(c, n, "read", c->command_ms, err, sizeof(err));
	for (; j < g->n; j++)
		batch_fail(b, g->idx[j], false, "%s (the command may have run)", err);
	rd->node_down = true;
}

/* Follow or refuse the redirects held this round, against the map just
 * reloaded (or the old one, when nothing answered: refused then). A
 * refusal is counted and logged, naming the address, at most once per
 * REFUSAL_LOG_MS with a count of those in between. */
static void vet_redirects(struct cluster *c, struct cluster_batch *b)
{
	struct batch_vetting v;
	long long now;

	batch_vet_redirects(b, c->map, &v);
	c->stats.moved += v.moved;
	c->stats.ask += v.ask;
	c->stats.redirects_refused += v.refused;
	if (!v.refused)
		return;
	now = mono_ms();
	if (c->refusal_logged_at && now - c->refusal_logged_at < REFUSAL_LOG_MS) {
		c->refusals_unlogged += v.refused;
		return;
	}
	c->refusals_unlogged += v.refused - 1;
	if (c->refusals_unlogged)
		log_warn("redis cluster: %s (and %lu more redirects refused since the last report)",
			 cluster_batch_error(b, v.first_refused), c->refusals_unlogged);
	else
		log_warn("redis cluster: %s", cluster_batch_error(b, v.first_refused));
	c->refusal_logged_at = now;
	c->refusals_unlogged = 0;
}

/* Whether the plan sends to a node that failed (down, or to be tried
 * again). */
static bool plan_meets_failed_node(struct cluster *c, const struct cluster_batch *b,
				   const struct batch_plan *p)
{
	long long now = mono_ms();

	for (size_t g = 0; g < p->ngroups; g++) {
		const struct client_conn *n = conn_find(c, &b->addrs[p->groups[g].addr]);
		if (n && backoff_state(&n->bo, now) != BACKOFF_UP)
			return true;
	}
	return false;
}

/* Plan a round. Before sending to a node that failed (failing at once, or
 * trying it again at the cost of a timeout), reload the map if one is
 * due: a replica promoted since then takes the commands straight away. */
static int plan_round(struct cluster *c, struct cluster_batch *b, struct batch_plan *p)
{
	char why[512];
	int planned = batch_plan(b, c->map, p);

	if (planned <= 0 || !plan_meets_failed_node(c, b, p) ||
	    !backoff_refresh_due(c->refreshed_at, mono_ms()))
		return planned;
	batch_plan_free(p);
	(void)cluster_refresh(c, false, why, sizeof(why)); /* failing: keep the old map */
	return batch_plan(b, c->map, p);
}

static int run_rounds(struct cluster *c, struct cluster_batch *b, char *err, size_t errlen)
{
	struct batch_plan p;
	int round;

	batch_reset(b);
	for (round = 0;; round++) {
		int planned = plan_round(c, b, &p);
		if (planned < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (!planned)
			break;
		if (round > c->max_redirects) {
			batch_plan_free(&p);
			batch_give_up(b, round);
			break;
		}
		struct round rd = { false, false, false, false };
		/* Write to every node before reading from any, so the nodes
		 * work in parallel. */
		bool *sent = calloc(p.ngroups, sizeof(*sent));
		if (!sent) {
			batch_plan_free(&p);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t g = 0; g < p.ngroups; g++) {
			sent[g] = send_group(c, b, &p.groups[g]) == 0;
			rd.node_down |= !sent[g];
		}
		for (size_t g = 0; g < p.ngroups; g++)
			if (sent[g])
				read_group(c, b, &p.groups[g], &rd);
		free(sent);
		batch_plan_free(&p);
		/* A dead node would otherwise have every command for it reload
		 * the map: once per BACKOFF_REFRESH_MS is enough to see its
		 * replica promoted. */
		if (rd.refresh || rd.held ||
		    (rd.node_down && backoff_refresh_due(c->refreshed_at, mono_ms()))) {
			char why[512];
			/* Failing, it keeps the old map. */
			if (cluster_refresh(c, rd.held, why, sizeof(why)) == 0)
				batch_reapply_moved(b, c->map);
		}
		if (rd.held)
			vet_redirects(c, b);
		if (rd.tryagain)
			sleep_ms(TRYAGAIN_PAUSE_MS);
	}
	return batch_result(b, err, errlen);
}

int cluster_batch_run(struct cluster *c, struct cluster_batch *b, char *err, size_t errlen)
{
	return run_rounds(c, b, err, errlen);
}

/* Run a batch of one and hand its reply over. */
static redisReply *run_one(struct cluster *c, struct cluster_batch *b, char *err, size_t errlen)
{
	redisReply *r = NULL;

	if (run_rounds(c, b, err, errlen) == 0)
		r = batch_take_reply(b, 0);
	cluster_batch_free(b);
	return r;
}

int cluster_batch_waits(const struct cluster_batch *b)
{
	return b->wait_replicas;
}

redisReply *cluster_batch_take_reply(struct cluster_batch *b, size_t i)
{
	return batch_take_reply(b, i);
}

redisReply *cluster_vcommand(struct cluster *c, char *err, size_t errlen, const char *fmt, va_list ap)
{
	struct cluster_batch *b = cluster_batch_new();
	char *buf = NULL;
	int len;

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	len = redisvFormatCommand(&buf, fmt, ap);
	if (len < 0) {
		snprintf(err, errlen, "\"%s\": cannot format the command", fmt);
		cluster_batch_free(b);
		return NULL;
	}
	if (batch_push_formatted(b, buf, (size_t)len) < 0) {
		snprintf(err, errlen, "\"%s\": no key to route the command by", fmt);
		cluster_batch_free(b);
		return NULL;
	}
	return run_one(c, b, err, errlen);
}

redisReply *cluster_command(struct cluster *c, char *err, size_t errlen, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = cluster_vcommand(c, err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

redisReply *cluster_command_argv(struct cluster *c, int argc, const char **argv,
				 const size_t *lens, char *err, size_t errlen)
{
	struct cluster_batch *b = cluster_batch_new();

	if (!b || cluster_batch_add(b, 1, argc, argv, lens) < 0) {
		snprintf(err, errlen, b ? "a command needs a name and a key" : "out of memory");
		cluster_batch_free(b);
		return NULL;
	}
	return run_one(c, b, err, errlen);
}

int cluster_write_durable(struct cluster *c, int argc, const char **argv, const size_t *lens,
			  int replicas, int timeout_ms, redisReply **reply, int *acked,
			  char *err, size_t errlen)
{
	struct cluster_batch *b = cluster_batch_new();

	*reply = NULL;
	*acked = 0;
	if (!b || cluster_batch_add(b, 1, argc, argv, lens) < 0) {
		snprintf(err, errlen, b ? "a command needs a name and a key" : "out of memory");
		cluster_batch_free(b);
		return -1;
	}
	cluster_batch_set_wait(b, replicas > 0 ? replicas : 1,
			       timeout_ms > 0 ? timeout_ms : c->command_ms);
	if (run_rounds(c, b, err, errlen) < 0) {
		cluster_batch_free(b);
		return -1;
	}
	*acked = cluster_batch_acked(b, 0);
	if (!*acked)
		snprintf(err, errlen, "%s", cluster_batch_error(b, 0));
	*reply = batch_take_reply(b, 0);
	cluster_batch_free(b);
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

struct cluster *cluster_open(const struct cluster_opts *o, char *err, size_t errlen)
{
	struct cluster *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DEFAULT_TIMEOUT_MS;
	c->command_ms = o->command_timeout_ms > 0 ? o->command_timeout_ms : DEFAULT_TIMEOUT_MS;
	c->max_redirects = o->max_redirects > 0 ? o->max_redirects : DEFAULT_REDIRECTS;
	c->user = dup_or_null(o->user);
	c->password = dup_or_null(o->password);
	c->seeds = calloc(o->nseeds ? o->nseeds : 1, sizeof(*c->seeds));
	if (!c->seeds || (o->user && *o->user && !c->user) ||
	    (o->password && *o->password && !c->password)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (c->user && !c->password) {
		snprintf(err, errlen, "user %s: no password", c->user);
		goto fail;
	}
	for (size_t i = 0; i < o->nseeds; i++) {
		if (slot_addr_parse(o->seeds[i], strlen(o->seeds[i]), &c->seeds[i]) < 0 ||
		    !c->seeds[i].host[0]) {
			snprintf(err, errlen, "seed \"%s\": not host:port", o->seeds[i]);
			goto fail;
		}
	}
	c->nseeds = o->nseeds;
	if (!c->nseeds) {
		snprintf(err, errlen, "no seed node given");
		goto fail;
	}
	if (cluster_refresh(c, false, err, errlen) < 0)
		goto fail;
	return c;
fail:
	cluster_close(c);
	return NULL;
}

void cluster_close(struct cluster *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nconns; i++)
		conn_drop(&c->conns[i]);
	free(c->conns);
	slot_map_free(c->map);
	free(c->seeds);
	free(c->user);
	free(c->password);
	free(c);
}

void cluster_get_stats(const struct cluster *c, struct cluster_stats *out)
{
	*out = c->stats;
}
