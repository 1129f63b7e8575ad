/* cluster-probe.c - drive the cluster client library from the shell.
 *
 *   cluster-probe [-a PASSWORD] [-u USER] [-c CONNECT_MS] [-t COMMAND_MS]
 *                 [-r MAX_REDIRECTS] SEED[,SEED...] COMMAND [ARGS...]
 *
 * COMMAND (each answers with exactly one line, "ok ..." or "fail ..."):
 *   get KEY                    ok <reply>
 *   set KEY VALUE              ok <reply>
 *   allslots PREFIX            SET then GET one key in every one of the 16384
 *                              slots, one command per call: ok allslots 16384
 *   batch PREFIX N             N SETs, then N GETs, as two batches; every
 *                              reply checked at its index: ok batch N
 *   durable KEY VALUE [REPLICAS [TIMEOUT_MS]]
 *                              ok acked=0|1 reply=<reply> [note=<why not acked>]
 *   bench N                    N SETs one per round trip, then N SETs as one
 *                              batch: ok bench n=N single_ms=.. pipelined_ms=..
 *                              single_ops=.. pipelined_ops=.. ratio=..
 *   timed N KEY SLOW_MS        N GETs of KEY back to back, each timed:
 *                              ok timed n=N replies=.. failed=.. down=..
 *                              slow=.. total_ms=.. max_ms=.. last=<error>
 *                              (down: failed at once, "node down"; slow:
 *                              took SLOW_MS or more)
 *   stats                      ok moved=.. ask=.. tryagain=.. refreshes=..
 *                              connects=.. node_failures=.. fast_failures=..
 *                              redirects_refused=..
 *   -                          read commands from stdin, one per line, and
 *                              answer each (one client for the whole session)
 *                              until end of input or a line "quit"
 *
 * A reply prints as string:TEXT, status:TEXT, int:N, nil, err:TEXT or
 * array:N. Exit status: 0 when every command succeeded, 1 when one failed,
 * 2 for a usage error or when the cluster cannot be opened (the reason, on
 * stderr, starts with "open:"). What the library logs (a refused redirect)
 * goes to stderr too, as "cluster-probe: ...".
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Icluster -Ilib \
 *            cluster/crc16.c cluster/slot.c cluster/backoff.c cluster/client_batch.c \
 *            cluster/client.c lib/hostport.c lib/log.c lib/mono.c \
 *            tests/tools/cluster-probe.c -lhiredis -o cluster-probe */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "slot.h"

#define ERRLEN 512

static void print_reply(FILE *f, const redisReply *r)
{
	switch (r->type) {
	case REDIS_REPLY_STRING: fprintf(f, "string:%.*s", (int)r->len, r->str); break;
	case REDIS_REPLY_STATUS: fprintf(f, "status:%.*s", (int)r->len, r->str); break;
	case REDIS_REPLY_ERROR: fprintf(f, "err:%.*s", (int)r->len, r->str); break;
	case REDIS_REPLY_INTEGER: fprintf(f, "int:%lld", r->integer); break;
	case REDIS_REPLY_NIL: fprintf(f, "nil"); break;
	case REDIS_REPLY_ARRAY: fprintf(f, "array:%zu", r->elements); break;
	default: fprintf(f, "type:%d", r->type); break;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmd_simple(struct cluster *c, int argc, const char **argv)
{
	char err[ERRLEN];
	redisReply *r = cluster_command_argv(c, argc, argv, NULL, err, sizeof(err));

	if (!r) {
		printf("fail %s\n", err);
		return -1;
	}
	printf("ok ");
	print_reply(stdout, r);
	printf("\n");
	freeReplyObject(r);
	return 0;
}

static bool is_status_ok(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0;
}

/* One key per slot: "PREFIX:n" for the first n that lands in each slot. */
static int cmd_allslots(struct cluster *c, const char *prefix)
{
	static char keys[SLOT_COUNT][64];
	char err[ERRLEN], val[80];
	size_t found = 0;

	memset(keys, 0, sizeof(keys));
	for (unsigned long n = 0; found < SLOT_COUNT; n++) {
		char k[64];
		int len = snprintf(k, sizeof(k), "%s:%lu", prefix, n);
		uint16_t s = slot_of(k, (size_t)len);
		if (!keys[s][0]) {
			memcpy(keys[s], k, (size_t)len + 1);
			found++;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t s = 0; s < SLOT_COUNT; s++) {
			snprintf(val, sizeof(val), "v-%s", keys[s]);
			redisReply *r = pass == 0 ?
				cluster_command(c, err, sizeof(err), "SET %s %s", keys[s], val) :
				cluster_command(c, err, sizeof(err), "GET %s", keys[s]);
			bool good = r && (pass == 0 ? is_status_ok(r) :
					  r->type == REDIS_REPLY_STRING && strcmp(r->str, val) == 0);
			if (!good) {
				printf("fail allslots: %s slot %zu key %s: ", pass ? "GET" : "SET", s, keys[s]);
				if (r)
					print_reply(stdout, r);
				else
					printf("%s", err);
				printf("\n");
				freeReplyObject(r);
				return -1;
			}
			freeReplyObject(r);
		}
	}
	printf("ok allslots %d\n", SLOT_COUNT);
	return 0;
}

/* A batch of n SETs (set) or GETs of PREFIX:i, value "val-i". */
static struct cluster_batch *make_batch(const char *prefix, long n, bool set)
{
	struct cluster_batch *b = cluster_batch_new();
	char k[64], v[64];

	for (long i = 0; b && i < n; i++) {
		snprintf(k, sizeof(k), "%s:%ld", prefix, i);
		snprintf(v, sizeof(v), "val-%ld", i);
		const char *argv[] = { set ? "SET" : "GET", k, v };
		if (cluster_batch_add(b, 1, set ? 3 : 2, argv, NULL) < 0) {
			cluster_batch_free(b);
			return NULL;
		}
	}
	return b;
}

static int cmd_batch(struct cluster *c, const char *prefix, long n)
{
	char err[ERRLEN], v[64];

	for (int set = 1; set >= 0; set--) {
		struct cluster_batch *b = make_batch(prefix, n, set);
		if (!b) {
			printf("fail out of memory\n");
			return -1;
		}
		if (cluster_batch_run(c, b, err, sizeof(err)) < 0) {
			printf("fail batch %s: %s\n", set ? "SET" : "GET", err);
			cluster_batch_free(b);
			return -1;
		}
		for (long i = 0; i < n; i++) {
			const redisReply *r = cluster_batch_reply(b, (size_t)i);
			snprintf(v, sizeof(v), "val-%ld", i);
			if (set ? !is_status_ok(r) :
			    !(r->type == REDIS_REPLY_STRING && strcmp(r->str, v) == 0)) {
				printf("fail batch %s: reply %ld out of place: ", set ? "SET" : "GET", i);
				print_reply(stdout, r);
				printf("\n");
				cluster_batch_free(b);
				return -1;
			}
		}
		cluster_batch_free(b);
	}
	printf("ok batch %ld\n", n);
	return 0;
}

static int cmd_durable(struct cluster *c, int argc, const char **argv)
{
	const char *cmd[] = { "SET", argv[1], argv[2] };
	int replicas = argc > 3 ? atoi(argv[3]) : 1, ms = argc > 4 ? atoi(argv[4]) : 1000, acked;
	char err[ERRLEN];
	redisReply *r;

	if (cluster_write_durable(c, 3, cmd, NULL, replicas, ms, &r, &acked, err, sizeof(err)) < 0) {
		printf("fail %s\n", err);
		return -1;
	}
	printf("ok acked=%d reply=", acked);
	print_reply(stdout, r);
	if (!acked)
		printf(" note=%s", err);
	printf("\n");
	freeReplyObject(r);
	return 0;
}

static int cmd_bench(struct cluster *c, long n)
{
	char err[ERRLEN], k[64];
	double t0 = now_ms();

	for (long i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "bench:%ld", i);
		redisReply *r = cluster_command(c, err, sizeof(err), "SET %s %ld", k, i);
		if (!r) {
			printf("fail bench single: %s\n", err);
			return -1;
		}
		freeReplyObject(r);
	}
	double t1 = now_ms();
	struct cluster_batch *b = make_batch("bench", n, true);
	if (!b || cluster_batch_run(c, b, err, sizeof(err)) < 0) {
		printf("fail bench pipelined: %s\n", b ? err : "out of memory");
		cluster_batch_free(b);
		return -1;
	}
	double t2 = now_ms();
	cluster_batch_free(b);
	double single = t1 - t0, piped = t2 - t1;
	printf("ok bench n=%ld single_ms=%.1f pipelined_ms=%.1f single_ops=%.0f pipelined_ops=%.0f "
	       "ratio=%.1f\n", n, single, piped, n / single * 1e3, n / piped * 1e3, single / piped);
	return 0;
}

/* How long calls for one key take, e.g. while its master is down. */
static int cmd_timed(struct cluster *c, long n, const char *key, double slow_ms)
{
	const char *cmd[] = { "GET", key };
	long replies = 0, failed = 0, down = 0, slow = 0;
	double t0 = now_ms(), max = 0;
	char err[ERRLEN], last[ERRLEN] = "";

	for (long i = 0; i < n; i++) {
		double t = now_ms();
		redisReply *r = cluster_command_argv(c, 2, cmd, NULL, err, sizeof(err));
		t = now_ms() - t;
		if (t > max)
			max = t;
		slow += t >= slow_ms;
		if (r) {
			replies++;
			freeReplyObject(r);
			continue;
		}
		failed++;
		down += strstr(err, ": node down, ") != NULL;
		snprintf(last, sizeof(last), "%s", err);
	}
	printf("ok timed n=%ld replies=%ld failed=%ld down=%ld slow=%ld total_ms=%.0f max_ms=%.0f "
	       "last=%s\n", n, replies, failed, down, slow, now_ms() - t0, max, last);
	return 0;
}

static int cmd_stats(struct cluster *c)
{
	struct cluster_stats s;

	cluster_get_stats(c, &s);
	printf("ok moved=%lu ask=%lu tryagain=%lu refreshes=%lu connects=%lu node_failures=%lu "
	       "fast_failures=%lu redirects_refused=%lu\n", s.moved, s.ask, s.tryagain, s.refreshes,
	       s.connects, s.node_failures, s.fast_failures, s.redirects_refused);
	return 0;
}

static const struct {
	const char *name;
	int min_args, max_args; /* after the name */
	const char *usage;
} COMMANDS[] = {
	{ "get", 1, 1, "get KEY" },
	{ "set", 2, 2, "set KEY VALUE" },
	{ "allslots", 1, 1, "allslots PREFIX" },
	{ "batch", 2, 2, "batch PREFIX N" },
	{ "durable", 2, 4, "durable KEY VALUE [REPLICAS [TIMEOUT_MS]]" },
	{ "bench", 1, 1, "bench N" },
	{ "stats", 0, 0, "stats" },
	{ "timed", 3, 3, "timed N KEY SLOW_MS" },
};

/* Run one command: 0 ok, -1 failed, -2 usage. */
static int run(struct cluster *c, int argc, const char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
		if (strcmp(argv[0], COMMANDS[i].name) == 0)
			break;
	if (i == sizeof(COMMANDS) / sizeof(COMMANDS[0]) || argc - 1 < COMMANDS[i].min_args ||
	    argc - 1 > COMMANDS[i].max_args) {
		printf("fail usage: %s\n", i < sizeof(COMMANDS) / sizeof(COMMANDS[0]) ?
		       COMMANDS[i].usage : "get set allslots batch durable bench stats timed");
		return -2;
	}
	switch (i) {
	case 0: {
		const char *cmd[] = { "GET", argv[1] };
		return cmd_simple(c, 2, cmd);
	}
	case 1: {
		const char *cmd[] = { "SET", argv[1], argv[2] };
		return cmd_simple(c, 3, cmd);
	}
	case 2: return cmd_allslots(c, argv[1]);
	case 3: return cmd_batch(c, argv[1], atol(argv[2]));
	case 4: return cmd_durable(c, argc, argv);
	case 5: return cmd_bench(c, atol(argv[1]));
	case 6: return cmd_stats(c);
	default: return cmd_timed(c, atol(argv[1]), argv[2], atof(argv[3]));
	}
}

static int repl(struct cluster *c)
{
	char line[1024];
	int rc = 0;

	while (fgets(line, sizeof(line), stdin)) {
		const char *argv[8];
		int argc = 0;
		for (char *save = NULL, *w = strtok_r(line, " \t\r\n", &save); w && argc < 8;
		     w = strtok_r(NULL, " \t\r\n", &save))
			argv[argc++] = w;
		if (!argc)
			continue;
		if (strcmp(argv[0], "quit") == 0)
			break;
		if (run(c, argc, argv) < 0)
			rc = 1;
		fflush(stdout);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct cluster_opts o = { 0 };
	const char *seeds[16];
	char err[ERRLEN], *list;
	int opt;

	/* hiredis writes with write(2): a node that dies mid-write must give
	 * an error, not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	log_init_plain("cluster-probe");
	while ((opt = getopt(argc, argv, "a:u:c:t:r:")) != -1) {
		switch (opt) {
		case 'a': o.password = optarg; break;
		case 'u': o.user = optarg; break;
		case 'c': o.connect_timeout_ms = atoi(optarg); break;
		case 't': o.command_timeout_ms = atoi(optarg); break;
		case 'r': o.max_redirects = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind < 2)
		goto usage;
	list = argv[optind++];
	for (char *save = NULL, *s = strtok_r(list, ",", &save); s && o.nseeds < 16;
	     s = strtok_r(NULL, ",", &save))
		seeds[o.nseeds++] = s;
	o.seeds = seeds;

	struct cluster *c = cluster_open(&o, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "open: %s\n", err);
		return 2;
	}
	int rc = strcmp(argv[optind], "-") == 0 ? repl(c) :
		 run(c, argc - optind, (const char **)argv + optind);
	cluster_close(c);
	return rc == -2 ? 2 : rc < 0 ? 1 : rc;
usage:
	fprintf(stderr, "usage: cluster-probe [-a PASSWORD] [-u USER] [-c CONNECT_MS] "
		"[-t COMMAND_MS] [-r MAX_REDIRECTS] SEED[,SEED...] COMMAND [ARGS...]\n");
	return 2;
}
