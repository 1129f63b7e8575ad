/* client.h - a small blocking Redis Cluster client on top of hiredis.
 *
 *   struct cluster_opts o = { .seeds = seeds, .nseeds = 2, .password = "secret" };
 *   struct cluster *c = cluster_open(&o, err, sizeof(err));
 *   redisReply *r = cluster_command(c, err, sizeof(err), "GET %s", key);
 *   ...
 *   freeReplyObject(r);
 *   cluster_close(c);
 *
 * Commands are routed by the hash slot of their key to the master that
 * serves it. MOVED updates the slot map and retries; ASK retries once on the
 * named node (after ASKING) without touching the map; a node that cannot be
 * reached makes the client reload the map from another node and retry when
 * the slot has moved. Every connect and every call has a timeout.
 *
 * Redirects are followed only to nodes of the slot map (CLUSTER SLOTS of a
 * node the client already trusts). A MOVED or ASK naming any other address
 * makes the client reload the map, with the members CLUSTER NODES lists
 * (a new master without slots is one), and follow it only if the node is
 * there; otherwise the command fails ("127.0.0.1:7101: MOVED 866 to
 * 10.9.9.9:6379 refused: not a node of the cluster's slot map"), the
 * refusal is counted and logged (log.h), and nothing ever connects, or
 * sends AUTH, to that address.
 *
 * A node that failed to connect or to answer is down for a while (100 ms,
 * doubled on each failure in a row up to 5 s, see backoff.h; a reply ends
 * it): commands for its slots fail at once ("127.0.0.1:7103: node down,
 * next try in 80 ms (2 failures in a row; last: connect: Connection
 * refused)") instead of each waiting for a timeout, and the map is
 * reloaded at most every 200 ms meanwhile, so a replica promoted in its
 * place serves them as soon as the cluster says so.
 *
 * Failures come back as NULL (or -1) with a message in err that names the
 * node ("127.0.0.1:7101: connect: Connection refused"). Error replies from
 * the server (WRONGTYPE, CLUSTERDOWN, ...) are replies, not failures.
 *
 * A struct cluster is not thread-safe: use one per thread, or lend it to
 * one thread at a time (newsd's pool). Its state, node backoff included,
 * is its own: there is nothing global to lock. hiredis writes with
 * write(2), so the process must ignore SIGPIPE (signal(SIGPIPE,
 * SIG_IGN)), or a node dying mid-write kills it instead of failing a call. */
#ifndef CLUSTER_CLIENT_H
#define CLUSTER_CLIENT_H

#include <stdarg.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

struct cluster_opts {
	const char **seeds;      /* "host:port" or "[v6]:port"; any reachable member will do */
	size_t nseeds;
	const char *user;        /* ACL user, or NULL for the default user */
	const char *password;    /* NULL or "": no AUTH */
	int connect_timeout_ms;  /* 0: 1000 */
	int command_timeout_ms;  /* per call, and per read or write of a batch; 0: 1000 */
	int max_redirects;       /* retry rounds for MOVED, ASK, TRYAGAIN and moved slots; 0: 5 */
};

/* Counters since cluster_open, for logs and metrics. */
struct cluster_stats {
	unsigned long moved, ask, tryagain; /* redirects and retries followed */
	unsigned long refreshes;            /* slot maps loaded */
	unsigned long connects;             /* connections opened (and authenticated) */
	unsigned long node_failures;        /* connect, I/O and timeout failures */
	unsigned long fast_failures;        /* commands failed at once: their node was down */
	unsigned long redirects_refused;    /* MOVED/ASK to a node outside the slot map */
};

struct cluster;
struct cluster_batch;

/* Connect to the first seed that answers and load the slot map from it.
 * NULL with a message in err when no seed answers or AUTH fails. */
struct cluster *cluster_open(const struct cluster_opts *o, char *err, size_t errlen);
void cluster_close(struct cluster *c);

/* A command in hiredis's format ("SET %s %b", ...), routed by its first
 * argument after the command name. The reply is the caller's to free with
 * freeReplyObject; NULL with a message in err on failure. */
redisReply *cluster_command(struct cluster *c, char *err, size_t errlen, const char *fmt, ...);

redisReply *cluster_vcommand(struct cluster *c, char *err, size_t errlen, const char *fmt, va_list ap);

/* The same with an argument vector; lens may be NULL for C strings. */
redisReply *cluster_command_argv(struct cluster *c, int argc, const char **argv,
				 const size_t *lens, char *err, size_t errlen);

/* A write followed by WAIT <replicas> <timeout_ms> on the same connection
 * (pipelined: one round trip), so that an acknowledged write survives the
 * loss of its master. replicas <= 0 means 1; timeout_ms <= 0 means the
 * command timeout (WAIT 0 would block forever). Routed by argv[1].
 * 0 when the write ran (*reply is set, the caller frees it; an error reply
 * such as WRONGTYPE counts as run); *acked is 1 when at least `replicas`
 * replicas confirmed it within timeout_ms, else 0 and err says why
 * ("127.0.0.1:7105: WAIT: 0 of 1 replicas confirmed within 300 ms").
 * -1 with err when the write did not run or its fate is unknown. */
int cluster_write_durable(struct cluster *c, int argc, const char **argv, const size_t *lens,
			  int replicas, int timeout_ms, redisReply **reply, int *acked,
			  char *err, size_t errlen);

/* Batches: commands are split by node, pipelined to each, and their replies
 * are kept in the order the commands were added. A redirect or a node
 * failure is retried for the commands it concerns only.
 *
 *   struct cluster_batch *b = cluster_batch_new();
 *   cluster_batch_add(b, 1, 3, (const char *[]){ "SET", "k", "v" }, NULL);
 *   if (cluster_batch_run(c, b, err, sizeof(err)) < 0) ... some commands failed
 *   const redisReply *r = cluster_batch_reply(b, 0);
 *   cluster_batch_free(b);
 */
struct cluster_batch *cluster_batch_new(void);
void cluster_batch_free(struct cluster_batch *b);

/* Append a command routed by argv[key_index] (1 <= key_index < argc); the
 * arguments are copied. 0, or -1 for a bad key_index or out of memory. */
int cluster_batch_add(struct cluster_batch *b, int key_index, int argc, const char **argv,
		      const size_t *lens);

/* Follow every node's part of the batch with WAIT <replicas> <timeout_ms>
 * (0 replicas: no WAIT, the default); see cluster_batch_acked. */
void cluster_batch_set_wait(struct cluster_batch *b, int replicas, int timeout_ms);

/* Run (or run again) every command. 0 when every command has a reply, -1
 * when some have none (err names the first and its node); the others'
 * replies are still there. */
int cluster_batch_run(struct cluster *c, struct cluster_batch *b, char *err, size_t errlen);

size_t cluster_batch_count(const struct cluster_batch *b);
/* The reply to the i-th command added (owned by the batch), or NULL. */
const redisReply *cluster_batch_reply(const struct cluster_batch *b, size_t i);
/* The same, handed over to the caller (who frees it); NULL if none. */
redisReply *cluster_batch_take_reply(struct cluster_batch *b, size_t i);
/* Why the i-th command has no reply (names the node), or NULL. */
const char *cluster_batch_error(const struct cluster_batch *b, size_t i);
/* The replicas set with cluster_batch_set_wait (0: no WAIT). */
int cluster_batch_waits(const struct cluster_batch *b);
/* With a WAIT: 1 when enough replicas confirmed the i-th command, else 0. */
int cluster_batch_acked(const struct cluster_batch *b, size_t i);

void cluster_get_stats(const struct cluster *c, struct cluster_stats *out);

#endif
