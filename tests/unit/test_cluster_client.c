/* test_cluster_client.c - batches without a server: splitting by node,
 * putting replies back in order, and retrying only what a redirect or a
 * failed node concerns.
 *
 * The "server" here reads each command back with hiredis's reader and
 * answers through hiredis's reader too, one RESP stream per node, as a
 * pipelined connection would deliver it.
 *
 * Redirects: one to a node outside the slot map is held, then followed or
 * refused against the map reloaded since (with the member list, where a
 * master without slots shows).
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Icluster -Ilib \
 *            cluster/crc16.c cluster/slot.c cluster/client_batch.c lib/hostport.c \
 *            tests/unit/test_cluster_client.c -lhiredis -lcmocka */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client_batch.h"

/* Three masters: A 0-5460, B 5461-10922, C 10923-16383, with one replica
 * each: 7004, 7005, 7006. */
static const char SLOTS[] =
	"*3\r\n"
	"*4\r\n:0\r\n:5460\r\n*2\r\n$9\r\n127.0.0.1\r\n:7001\r\n"
	"*2\r\n$9\r\n127.0.0.1\r\n:7004\r\n"
	"*4\r\n:5461\r\n:10922\r\n*2\r\n$9\r\n127.0.0.1\r\n:7002\r\n"
	"*2\r\n$9\r\n127.0.0.1\r\n:7005\r\n"
	"*4\r\n:10923\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:7003\r\n"
	"*2\r\n$9\r\n127.0.0.1\r\n:7006\r\n";

/* The same masters without their replicas. */
static const char SLOTS_MASTERS[] =
	"*3\r\n"
	"*3\r\n:0\r\n:5460\r\n*2\r\n$9\r\n127.0.0.1\r\n:7001\r\n"
	"*3\r\n:5461\r\n:10922\r\n*2\r\n$9\r\n127.0.0.1\r\n:7002\r\n"
	"*3\r\n:10923\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:7003\r\n";

static const struct slot_addr NODE_A = { "127.0.0.1", 7001 };
static const struct slot_addr NODE_B = { "127.0.0.1", 7002 };
static const struct slot_addr NODE_C = { "127.0.0.1", 7003 };
static const struct slot_addr NODE_R = { "127.0.0.1", 7004 }; /* A's replica: in the map */
static const struct slot_addr NODE_X = { "127.0.0.1", 7009 }; /* not in the map */

static redisReply *resp(const char *raw)
{
	redisReader *rd = redisReaderCreate();
	void *r = NULL;

	assert_int_equal(redisReaderFeed(rd, raw, strlen(raw)), REDIS_OK);
	assert_int_equal(redisReaderGetReply(rd, &r), REDIS_OK);
	assert_non_null(r);
	redisReaderFree(rd);
	return r;
}

static struct slot_map *map_from(const char *raw)
{
	struct slot_addr from = { "127.0.0.1", 7001 };
	char err[256];
	redisReply *r = resp(raw);
	struct slot_map *m = slot_map_parse(r, &from, err, sizeof(err));

	assert_non_null(m);
	freeReplyObject(r);
	return m;
}

/* A batch of n "SET k:i val-i". */
static struct cluster_batch *sets(size_t n)
{
	struct cluster_batch *b = cluster_batch_new();
	char k[32], v[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "k:%zu", i);
		snprintf(v, sizeof(v), "val-%zu", i);
		const char *argv[] = { "SET", k, v };
		assert_int_equal(cluster_batch_add(b, 1, 3, argv, NULL), 0);
	}
	return b;
}

/* Command i as the server reads it. */
static redisReply *args_of(const struct cluster_batch *b, size_t i)
{
	redisReader *rd = redisReaderCreate();
	void *r = NULL;

	assert_int_equal(redisReaderFeed(rd, b->cmds[i].buf, b->cmds[i].len), REDIS_OK);
	assert_int_equal(redisReaderGetReply(rd, &r), REDIS_OK);
	assert_non_null(r);
	redisReaderFree(rd);
	return r;
}

/* The server's answer to command i: its value with a "!" appended, unless
 * special says otherwise for that command. */
static void answer(const struct cluster_batch *b, size_t i, char *out, size_t outlen)
{
	redisReply *a = args_of(b, i);

	assert_int_equal(a->type, REDIS_REPLY_ARRAY);
	assert_true(a->elements >= 3);
	snprintf(out, outlen, "$%zu\r\n%s!\r\n", a->element[2]->len + 1, a->element[2]->str);
	freeReplyObject(a);
}

struct special {
	size_t idx;
	const char *raw;
};

/* Serve group g as one pipelined RESP stream and deliver every reply;
 * returns the outcome counts in out[BATCH_OUT_*]. */
static void serve(struct cluster_batch *b, const struct batch_group *g, struct slot_map *m,
		  const struct special *sp, size_t nsp, int out[5])
{
	redisReader *rd = redisReaderCreate();
	char one[256];

	for (size_t j = 0; j < g->n; j++) {
		const char *raw = NULL;
		for (size_t s = 0; s < nsp; s++)
			if (sp[s].idx == g->idx[j])
				raw = sp[s].raw;
		if (!raw) {
			answer(b, g->idx[j], one, sizeof(one));
			raw = one;
		}
		assert_int_equal(redisReaderFeed(rd, raw, strlen(raw)), REDIS_OK);
	}
	for (size_t j = 0; j < g->n; j++) {
		void *r = NULL;
		assert_int_equal(redisReaderGetReply(rd, &r), REDIS_OK);
		assert_non_null(r);
		out[batch_deliver(b, g->idx[j], r, g->addr, m)]++;
	}
	redisReaderFree(rd);
}

static void serve_all(struct cluster_batch *b, struct batch_plan *p, struct slot_map *m,
		      const struct special *sp, size_t nsp, int out[5])
{
	/* Last node first: arrival order across nodes must not matter. */
	for (size_t g = p->ngroups; g-- > 0;)
		serve(b, &p->groups[g], m, sp, nsp, out);
}

static void assert_in_order(const struct cluster_batch *b)
{
	char want[32];

	for (size_t i = 0; i < cluster_batch_count(b); i++) {
		const redisReply *r = cluster_batch_reply(b, i);
		snprintf(want, sizeof(want), "val-%zu!", i);
		assert_non_null(r);
		assert_int_equal(r->type, REDIS_REPLY_STRING);
		assert_string_equal(r->str, want);
		assert_null(cluster_batch_error(b, i));
	}
}

static const struct batch_group *group_of(const struct batch_plan *p, const struct cluster_batch *b,
					  const struct slot_addr *a)
{
	for (size_t g = 0; g < p->ngroups; g++)
		if (slot_addr_equal(&b->addrs[p->groups[g].addr], a))
			return &p->groups[g];
	return NULL;
}

static void test_add(void **state)
{
	struct cluster_batch *b = cluster_batch_new();
	const char *argv[] = { "GET", "k" };

	(void)state;
	assert_int_equal(cluster_batch_add(b, 0, 2, argv, NULL), -1);
	assert_int_equal(cluster_batch_add(b, 2, 2, argv, NULL), -1);
	assert_int_equal(cluster_batch_add(b, 1, 1, argv, NULL), -1);
	assert_int_equal(cluster_batch_count(b), 0);
	size_t lens[] = { 3, 1 };
	assert_int_equal(cluster_batch_add(b, 1, 2, argv, lens), 0);
	assert_int_equal(cluster_batch_count(b), 1);
	assert_int_equal(b->cmds[0].slot, slot_of("k", 1));
	assert_null(cluster_batch_reply(b, 0));
	assert_null(cluster_batch_reply(b, 1));
	/* Binary keys: the length, not the NUL, ends them. */
	const char *bin[] = { "GET", "a\0b" };
	size_t binlens[] = { 3, 3 };
	assert_int_equal(cluster_batch_add(b, 1, 2, bin, binlens), 0);
	assert_int_equal(b->cmds[1].slot, slot_of("a\0b", 3));
	cluster_batch_free(b);
}

static void test_formatted(void **state)
{
	struct cluster_batch *b = cluster_batch_new();
	char *buf;
	int len;

	(void)state;
	len = redisFormatCommand(&buf, "SET %s %b", "{user1000}.following", "v\0w", (size_t)3);
	assert_true(len > 0);
	assert_int_equal(batch_push_formatted(b, buf, (size_t)len), 0);
	assert_int_equal(b->cmds[0].slot, 3443);
	len = redisFormatCommand(&buf, "PING");
	assert_int_equal(batch_push_formatted(b, buf, (size_t)len), -1);
	assert_int_equal(cluster_batch_count(b), 1);
	cluster_batch_free(b);
}

static void test_plan_splits_by_node(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(300);
	struct batch_plan p;
	size_t seen[300] = { 0 };

	(void)state;
	assert_int_equal(batch_plan(b, m, &p), 300);
	assert_int_equal(p.ngroups, 3);
	for (size_t g = 0; g < p.ngroups; g++) {
		const struct batch_group *grp = &p.groups[g];
		assert_true(grp->n > 0);
		for (size_t j = 0; j < grp->n; j++) {
			size_t i = grp->idx[j];
			seen[i]++;
			if (j)
				assert_true(grp->idx[j - 1] < i);
			assert_true(slot_addr_equal(slot_map_owner(m, b->cmds[i].slot),
						    &b->addrs[grp->addr]));
		}
	}
	for (size_t i = 0; i < 300; i++)
		assert_int_equal(seen[i], 1);
	batch_plan_free(&p);
	cluster_batch_free(b);
	slot_map_free(m);
}

static void test_reassembly(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(1000);
	struct batch_plan p;
	int out[5] = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(batch_plan(b, m, &p), 1000);
	serve_all(b, &p, m, NULL, 0, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_REPLY], 1000);
	assert_in_order(b);
	assert_int_equal(batch_result(b, err, sizeof(err)), 0);
	assert_int_equal(batch_plan(b, m, &p), 0); /* nothing left to do */
	batch_plan_free(&p);

	/* Run again: everything pending, the old replies gone. */
	batch_reset(b);
	assert_null(cluster_batch_reply(b, 0));
	assert_int_equal(batch_result(b, err, sizeof(err)), -1);
	assert_int_equal(batch_plan(b, m, &p), 1000);
	serve_all(b, &p, m, NULL, 0, out);
	batch_plan_free(&p);
	assert_in_order(b);
	cluster_batch_free(b);
	slot_map_free(m);
}

/* Error replies are replies: kept in place, not retried. */
static void test_error_reply_kept(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(5);
	struct batch_plan p;
	struct special sp[] = { { 2, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" },
				{ 3, "-CLUSTERDOWN The cluster is down\r\n" } };
	int out[5] = { 0 };
	char err[256];

	(void)state;
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 2, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_REPLY], 5);
	assert_int_equal(cluster_batch_reply(b, 2)->type, REDIS_REPLY_ERROR);
	assert_string_equal(cluster_batch_reply(b, 3)->str, "CLUSTERDOWN The cluster is down");
	assert_int_equal(batch_result(b, err, sizeof(err)), 0);
	cluster_batch_free(b);
	slot_map_free(m);
}

static void test_moved_retries_one(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(20);
	struct batch_plan p;
	char moved[64], err[256];
	int out[5] = { 0 };
	uint16_t s = b->cmds[7].slot;
	const struct slot_addr *before = slot_map_owner(m, (uint16_t)(s + 1 < SLOT_COUNT ? s + 1 : s - 1));
	struct slot_addr neighbour = *before;

	(void)state;
	snprintf(moved, sizeof(moved), "-MOVED %u 127.0.0.1:7004\r\n", s);
	struct special sp[] = { { 7, moved } };
	assert_int_equal(batch_plan(b, m, &p), 20);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_MOVED], 1);
	assert_int_equal(out[BATCH_OUT_REPLY], 19);
	/* The map learnt the move, for that slot only. */
	assert_true(slot_addr_equal(slot_map_owner(m, s), &NODE_R));
	assert_true(slot_addr_equal(slot_map_owner(m, (uint16_t)(s + 1 < SLOT_COUNT ? s + 1 : s - 1)),
				    &neighbour));
	assert_int_equal(batch_result(b, err, sizeof(err)), -1);

	/* Next round: command 7 alone, to the new node. */
	assert_int_equal(batch_plan(b, m, &p), 1);
	assert_int_equal(p.ngroups, 1);
	assert_true(slot_addr_equal(&b->addrs[p.groups[0].addr], &NODE_R));
	assert_int_equal(p.groups[0].n, 1);
	assert_int_equal(p.groups[0].idx[0], 7);
	serve_all(b, &p, m, NULL, 0, out);
	batch_plan_free(&p);
	assert_in_order(b);
	assert_int_equal(batch_result(b, err, sizeof(err)), 0);
	cluster_batch_free(b);
	slot_map_free(m);
}

static void test_ask_leaves_map(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(20);
	struct batch_plan p;
	char ask[64];
	int out[5] = { 0 };
	uint16_t s = b->cmds[4].slot;
	struct slot_addr owner = *slot_map_owner(m, s);

	(void)state;
	snprintf(ask, sizeof(ask), "-ASK %u 127.0.0.1:7004\r\n", s);
	struct special sp[] = { { 4, ask } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_ASK], 1);
	assert_true(slot_addr_equal(slot_map_owner(m, s), &owner));
	assert_true(b->cmds[4].asking);

	/* Command 4 goes to the ASK target, after ASKING; the map stays. */
	assert_int_equal(batch_plan(b, m, &p), 1);
	assert_true(slot_addr_equal(&b->addrs[p.groups[0].addr], &NODE_R));
	assert_int_equal(p.groups[0].idx[0], 4);
	serve_all(b, &p, m, NULL, 0, out);
	batch_plan_free(&p);
	assert_false(b->cmds[4].asking);
	assert_true(slot_addr_equal(slot_map_owner(m, s), &owner));
	assert_in_order(b);

	/* A new run asks the owner again. */
	batch_reset(b);
	batch_plan(b, m, &p);
	assert_true(slot_addr_equal(&b->addrs[b->cmds[4].target], &owner));
	batch_plan_free(&p);
	cluster_batch_free(b);
	slot_map_free(m);
}

/* "MOVED 12 :7005": the endpoint is the host of the node that answered. */
static void test_moved_empty_host(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(1);
	struct batch_plan p;
	char moved[64];
	int out[5] = { 0 };
	struct slot_addr want = { "127.0.0.1", 7005 };

	(void)state;
	snprintf(moved, sizeof(moved), "-MOVED %u :7005\r\n", b->cmds[0].slot);
	struct special sp[] = { { 0, moved } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_true(slot_addr_equal(slot_map_owner(m, b->cmds[0].slot), &want));
	cluster_batch_free(b);
	slot_map_free(m);
}

static void test_tryagain(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(3);
	struct batch_plan p;
	int out[5] = { 0 };
	struct special sp[] = { { 1, "-TRYAGAIN Multiple keys request during rehashing of slot\r\n" } };

	(void)state;
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_TRYAGAIN], 1);
	assert_int_equal(batch_plan(b, m, &p), 1);
	assert_int_equal(p.groups[0].idx[0], 1);
	serve_all(b, &p, m, NULL, 0, out);
	batch_plan_free(&p);
	assert_in_order(b);
	cluster_batch_free(b);
	slot_map_free(m);
}

/* A node that cannot be reached fails its commands, naming it, unless a
 * refresh moved their slots: then they are retried there, and only they. */
static void test_unreached(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(50);
	struct batch_plan p;
	int out[5] = { 0 };
	char err[512];

	(void)state;
	batch_plan(b, m, &p);
	const struct batch_group *ga = group_of(&p, b, &NODE_A);
	assert_non_null(ga);
	size_t na = ga->n, first = ga->idx[0];
	for (size_t j = 0; j < ga->n; j++)
		batch_fail(b, ga->idx[j], true, "127.0.0.1:7001: connect: Connection refused");
	for (size_t g = 0; g < p.ngroups; g++)
		if (&p.groups[g] != ga)
			serve(b, &p.groups[g], m, NULL, 0, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_REPLY], 50 - na);

	/* Same map: no retry. */
	struct cluster_batch *b2 = sets(50);
	batch_plan(b2, m, &p);
	ga = group_of(&p, b2, &NODE_A);
	for (size_t j = 0; j < ga->n; j++)
		batch_fail(b2, ga->idx[j], true, "127.0.0.1:7001: connect: Connection refused");
	for (size_t g = 0; g < p.ngroups; g++)
		if (&p.groups[g] != ga)
			serve(b2, &p.groups[g], m, NULL, 0, out);
	batch_plan_free(&p);
	assert_int_equal(batch_plan(b2, m, &p), 0);
	batch_plan_free(&p);
	assert_int_equal(batch_result(b2, err, sizeof(err)), -1);
	char want[256];
	snprintf(want, sizeof(want), "%zu of 50 commands failed; first #%zu: "
		 "127.0.0.1:7001: connect: Connection refused", na, first);
	assert_string_equal(err, want);
	assert_string_equal(cluster_batch_error(b2, first), "127.0.0.1:7001: connect: Connection refused");
	assert_null(cluster_batch_reply(b2, first));
	cluster_batch_free(b2);

	/* After a failover the refreshed map names A's replica: retry there. */
	struct slot_map *after = map_from(
		"*3\r\n"
		"*3\r\n:0\r\n:5460\r\n*2\r\n$9\r\n127.0.0.1\r\n:7004\r\n"
		"*3\r\n:5461\r\n:10922\r\n*2\r\n$9\r\n127.0.0.1\r\n:7002\r\n"
		"*3\r\n:10923\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:7003\r\n");
	struct slot_addr replica = { "127.0.0.1", 7004 };
	assert_int_equal(batch_plan(b, after, &p), (int)na);
	assert_int_equal(p.ngroups, 1);
	assert_true(slot_addr_equal(&b->addrs[p.groups[0].addr], &replica));
	assert_null(cluster_batch_error(b, first));
	serve_all(b, &p, after, NULL, 0, out);
	batch_plan_free(&p);
	assert_in_order(b);
	assert_int_equal(batch_result(b, err, sizeof(err)), 0);
	cluster_batch_free(b);
	slot_map_free(after);
	slot_map_free(m);
}

/* A connection lost after sending: failed at once, never retried. */
static void test_failed_not_retried(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(2);
	struct batch_plan p;
	char err[256];

	(void)state;
	batch_plan(b, m, &p);
	batch_plan_free(&p);
	batch_fail(b, 0, false, "127.0.0.1:7003: read: timeout after 500 ms (the command may have run)");
	batch_fail(b, 1, false, "x");
	assert_int_equal(batch_plan(b, m, &p), 0);
	batch_plan_free(&p);
	assert_int_equal(batch_result(b, err, sizeof(err)), -1);
	assert_string_equal(err, "2 of 2 commands failed; first #0: "
			    "127.0.0.1:7003: read: timeout after 500 ms (the command may have run)");
	cluster_batch_free(b);
	slot_map_free(m);
}

static void test_unserved_slot(void **state)
{
	struct slot_map *m = map_from("*1\r\n*3\r\n:0\r\n:0\r\n*2\r\n$1\r\na\r\n:1\r\n");
	struct cluster_batch *b = sets(1);
	struct batch_plan p;
	char err[256], want[64];

	(void)state;
	assert_int_equal(batch_plan(b, m, &p), 0);
	batch_plan_free(&p);
	assert_int_equal(batch_result(b, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "slot %u is not served by any node", b->cmds[0].slot);
	assert_string_equal(err, want);
	cluster_batch_free(b);
	slot_map_free(m);
}

static void test_give_up(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(2);
	struct batch_plan p;
	char moved[64], want[128];
	int out[5] = { 0 };

	(void)state;
	snprintf(moved, sizeof(moved), "-MOVED %u 127.0.0.1:7004\r\n", b->cmds[1].slot);
	struct special sp[] = { { 1, moved } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	batch_give_up(b, 6);
	snprintf(want, sizeof(want), "slot %u: still redirected after 6 rounds (last: MOVED to "
		 "127.0.0.1:7004)", b->cmds[1].slot);
	assert_string_equal(cluster_batch_error(b, 1), want);
	assert_non_null(cluster_batch_reply(b, 0));
	assert_int_equal(batch_plan(b, m, &p), 0);
	batch_plan_free(&p);
	cluster_batch_free(b);
	slot_map_free(m);
}

/* A map reloaded from a node that has not heard of a move yet must not undo
 * a MOVED of the same round. */
static void test_reapply_moved(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(3);
	struct batch_plan p;
	char moved[64];
	int out[5] = { 0 };
	uint16_t s = b->cmds[2].slot;

	(void)state;
	snprintf(moved, sizeof(moved), "-MOVED %u 127.0.0.1:7004\r\n", s);
	struct special sp[] = { { 2, moved } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	slot_map_free(m);
	m = map_from(SLOTS); /* the stale view */
	assert_false(slot_addr_equal(slot_map_owner(m, s), &NODE_R));
	batch_reapply_moved(b, m);
	assert_true(slot_addr_equal(slot_map_owner(m, s), &NODE_R));
	cluster_batch_free(b);
	slot_map_free(m);
}

static void test_wait_ack(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(30);
	struct batch_plan p;
	int out[5] = { 0 };
	char moved[64];

	(void)state;
	cluster_batch_set_wait(b, 1, 100);
	snprintf(moved, sizeof(moved), "-MOVED %u 127.0.0.1:7004\r\n", b->cmds[0].slot);
	struct special sp[] = { { 0, moved } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	const struct batch_group *ga = group_of(&p, b, &NODE_A);
	const struct batch_group *gb = group_of(&p, b, &NODE_B);
	const struct batch_group *gc = group_of(&p, b, &NODE_C);
	assert_int_equal(p.ngroups, 3);
	assert_int_equal(b->cmds[0].target, (int)batch_addr_index(b, &NODE_R));
	redisReply *one = resp(":1\r\n"), *zero = resp(":0\r\n");
	redisReply *bad = resp("-ERR WAIT cannot be used with replica instances\r\n");
	batch_ack(b, gb, one, NULL);
	batch_ack(b, gc, zero, NULL);
	batch_ack(b, ga, NULL, "127.0.0.1:7001: WAIT: timeout after 1100 ms");
	for (size_t j = 0; j < gb->n; j++) {
		if (gb->idx[j] == 0)
			continue;
		assert_int_equal(cluster_batch_acked(b, gb->idx[j]), 1);
		assert_null(cluster_batch_error(b, gb->idx[j]));
	}
	for (size_t j = 0; j < gc->n; j++) {
		if (gc->idx[j] == 0)
			continue;
		assert_int_equal(cluster_batch_acked(b, gc->idx[j]), 0);
		assert_string_equal(cluster_batch_error(b, gc->idx[j]),
				    "127.0.0.1:7003: WAIT: 0 of 1 replicas confirmed within 100 ms");
	}
	/* The redirected command got no reply, so nothing to confirm. */
	assert_int_equal(cluster_batch_acked(b, 0), 0);
	assert_null(cluster_batch_error(b, 0));
	for (size_t j = 0; j < ga->n; j++)
		if (ga->idx[j] != 0)
			assert_string_equal(cluster_batch_error(b, ga->idx[j]),
					    "127.0.0.1:7001: WAIT: timeout after 1100 ms");
	batch_ack(b, gb, bad, NULL);
	assert_string_equal(cluster_batch_error(b, gb->idx[gb->idx[0] == 0]),
			    "127.0.0.1:7002: WAIT: ERR WAIT cannot be used with replica instances");
	/* Still replies: WAIT only says how durable they are. */
	char err[256];
	batch_plan_free(&p);
	assert_int_equal(batch_plan(b, m, &p), 1);
	serve_all(b, &p, m, NULL, 0, out);
	batch_ack(b, &p.groups[0], one, NULL);
	batch_plan_free(&p);
	assert_int_equal(cluster_batch_acked(b, 0), 1);
	assert_int_equal(batch_result(b, err, sizeof(err)), 0);
	freeReplyObject(one);
	freeReplyObject(zero);
	freeReplyObject(bad);
	cluster_batch_free(b);
	slot_map_free(m);
}

/* ---- redirects only to nodes of the map -------------------------------- */

/* A MOVED to an address the map does not know is held: the map keeps its
 * owner and does not learn the address. A map reloaded since that still
 * does not know it refuses it, naming the node that sent it and the
 * address; no plan ever sends anything there. */
static void test_moved_unknown_refused(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(20);
	struct batch_plan p;
	struct batch_vetting v;
	char moved[64], want[192], sender[HOSTPORT_STRLEN], err[512];
	int out[5] = { 0 };
	uint16_t s = b->cmds[7].slot;
	struct slot_addr owner = *slot_map_owner(m, s);
	size_t nnodes = m->nnodes;

	(void)state;
	snprintf(moved, sizeof(moved), "-MOVED %u 127.0.0.1:7009\r\n", s);
	struct special sp[] = { { 7, moved } };
	assert_int_equal(batch_plan(b, m, &p), 20);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_HELD], 1);
	assert_int_equal(out[BATCH_OUT_MOVED], 0);
	assert_int_equal(out[BATCH_OUT_REPLY], 19);
	assert_int_equal(b->cmds[7].state, BATCH_HELD);
	assert_true(slot_addr_equal(slot_map_owner(m, s), &owner));
	assert_int_equal(slot_map_find(m, &NODE_X), -1);
	assert_int_equal(m->nnodes, nnodes);

	slot_map_free(m);
	m = map_from(SLOTS); /* reloaded: still no 7009 */
	batch_vet_redirects(b, m, &v);
	assert_int_equal(v.refused, 1);
	assert_int_equal(v.first_refused, 7);
	assert_int_equal(v.moved + v.ask, 0);
	snprintf(want, sizeof(want), "%s: MOVED %u to 127.0.0.1:7009 refused: not a node of the "
		 "cluster's slot map", slot_addr_str(&owner, sender), s);
	assert_string_equal(cluster_batch_error(b, 7), want);
	assert_int_equal(slot_map_find(m, &NODE_X), -1);
	assert_int_equal(batch_plan(b, m, &p), 0);
	batch_plan_free(&p);
	assert_int_equal(batch_result(b, err, sizeof(err)), -1);
	assert_string_equal(err + strlen("1 of 20 commands failed; first #7: "), want);
	assert_memory_equal(err, "1 of 20 commands failed; first #7: ", 35);
	for (size_t i = 0; i < b->naddrs; i++)
		if (slot_addr_equal(&b->addrs[i], &NODE_X))
			for (size_t j = 0; j < b->n; j++)
				assert_int_not_equal(b->cmds[j].target, (int)i);
	cluster_batch_free(b);
	slot_map_free(m);
}

/* A command held and never vetted is never planned to the address: the
 * next plan fails it. */
static void test_held_never_planned(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(3);
	struct batch_plan p;
	char ask[64];
	int out[5] = { 0 };

	(void)state;
	snprintf(ask, sizeof(ask), "-ASK %u 10.9.9.9:6379\r\n", b->cmds[1].slot);
	struct special sp[] = { { 1, ask } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_HELD], 1);
	assert_false(b->cmds[1].asking);
	assert_int_equal(batch_plan(b, m, &p), 0);
	batch_plan_free(&p);
	assert_int_equal(b->cmds[1].state, BATCH_FAILED);
	assert_non_null(strstr(cluster_batch_error(b, 1), "redirect not verified"));
	cluster_batch_free(b);
	slot_map_free(m);
}

/* After a reshard the reloaded map names the node: the held MOVED is
 * followed, the map learns the owner, and the command goes there alone. */
static void test_moved_unknown_followed(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(20);
	struct batch_plan p;
	struct batch_vetting v;
	char moved[64], err[256];
	int out[5] = { 0 };
	uint16_t s = b->cmds[3].slot;

	(void)state;
	snprintf(moved, sizeof(moved), "-MOVED %u 127.0.0.1:7009\r\n", s);
	struct special sp[] = { { 3, moved } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_HELD], 1);

	slot_map_free(m);
	m = map_from(SLOTS);
	assert_int_equal(slot_map_set_owner(m, (uint16_t)(s ^ 1), &NODE_X), 0); /* 7009 joined */
	batch_vet_redirects(b, m, &v);
	assert_int_equal(v.moved, 1);
	assert_int_equal(v.refused + v.ask, 0);
	assert_int_equal(b->cmds[3].state, BATCH_PENDING);
	assert_true(slot_addr_equal(slot_map_owner(m, s), &NODE_X));
	assert_int_equal(batch_plan(b, m, &p), 1);
	assert_int_equal(p.ngroups, 1);
	assert_true(slot_addr_equal(&b->addrs[p.groups[0].addr], &NODE_X));
	assert_int_equal(p.groups[0].idx[0], 3);
	serve_all(b, &p, m, NULL, 0, out);
	batch_plan_free(&p);
	assert_in_order(b);
	assert_int_equal(batch_result(b, err, sizeof(err)), 0);
	cluster_batch_free(b);
	slot_map_free(m);
}

/* Node ids for CLUSTER NODES lines. */
#define ID1 "db5ea048f36a0aa3ce9d30766071111593a2a476"
#define ID2 "c6660a8f8de2acdea713b1470ff6a5772f51e8ed"
#define ID3 "3b77a750c94c4950ce5247acc78c1c360bdd8438"
#define ID4 "3c56f9ebd2c61eb9e7b255fcb941bed632e83289"
#define ID5 "75bc734536e381358fc6ade77c8afa0a89542628"
#define ID6 "67f17759da6e50156fdf5afdb091123d47b9aae9"
#define ID7 "0f17759da6e50156fdf5afdb091123d47b9aae90"
#define ID8 "1f17759da6e50156fdf5afdb091123d47b9aae90"

/* CLUSTER NODES of a cluster that has just met 7009, a master with no
 * slot yet, from 127.0.0.1:7001. */
static const char NODES_NEW_MASTER[] =
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460\n"
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635506000 2 connected 5461-10922\n"
	ID3 " 127.0.0.1:7003@17003 master - 0 1795635506000 3 connected 10923-16383\n"
	ID4 " 127.0.0.1:7009@17009 master - 0 1795635506000 0 connected\n";

/* ASK to a master with no slot: CLUSTER SLOTS leaves it out, the member
 * list has it, so the ASK is followed (after ASKING) and the map's owner
 * stays. */
static void test_ask_to_member(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(5);
	struct batch_plan p;
	struct batch_vetting v;
	char ask[64];
	int out[5] = { 0 };
	uint16_t s = b->cmds[2].slot;
	struct slot_addr owner = *slot_map_owner(m, s);

	(void)state;
	snprintf(ask, sizeof(ask), "-ASK %u 127.0.0.1:7009\r\n", s);
	struct special sp[] = { { 2, ask } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_HELD], 1);

	slot_map_free(m);
	m = map_from(SLOTS);
	assert_int_equal(slot_map_add_members(m, NODES_NEW_MASTER, strlen(NODES_NEW_MASTER), &NODE_A), 4);
	batch_vet_redirects(b, m, &v);
	assert_int_equal(v.ask, 1);
	assert_int_equal(v.moved + v.refused, 0);
	assert_true(b->cmds[2].asking);
	assert_true(slot_addr_equal(slot_map_owner(m, s), &owner));
	assert_int_equal(batch_plan(b, m, &p), 1);
	assert_true(slot_addr_equal(&b->addrs[p.groups[0].addr], &NODE_X));
	serve_all(b, &p, m, NULL, 0, out);
	batch_plan_free(&p);
	assert_in_order(b);
	cluster_batch_free(b);
	slot_map_free(m);
}

/* "MOVED 12 :7010": the sender's host, but a port no node of the map has. */
static void test_moved_empty_host_unknown(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(1);
	struct batch_plan p;
	struct batch_vetting v;
	char moved[64];
	int out[5] = { 0 };
	struct slot_addr unknown = { "127.0.0.1", 7010 };

	(void)state;
	snprintf(moved, sizeof(moved), "-MOVED %u :7010\r\n", b->cmds[0].slot);
	struct special sp[] = { { 0, moved } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_HELD], 1);
	assert_true(slot_addr_equal(&b->addrs[b->cmds[0].held], &unknown));
	batch_vet_redirects(b, m, &v);
	assert_int_equal(v.refused, 1);
	assert_non_null(strstr(cluster_batch_error(b, 0), "to 127.0.0.1:7010 refused"));
	assert_int_equal(slot_map_find(m, &unknown), -1);
	cluster_batch_free(b);
	slot_map_free(m);
}

/* A MOVED of this round is applied again on a reloaded map only when that
 * map knows the node. */
static void test_reapply_known_only(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct cluster_batch *b = sets(3);
	struct batch_plan p;
	char moved[64];
	int out[5] = { 0 };
	uint16_t s = b->cmds[2].slot;

	(void)state;
	snprintf(moved, sizeof(moved), "-MOVED %u 127.0.0.1:7004\r\n", s);
	struct special sp[] = { { 2, moved } };
	batch_plan(b, m, &p);
	serve_all(b, &p, m, sp, 1, out);
	batch_plan_free(&p);
	assert_int_equal(out[BATCH_OUT_MOVED], 1);
	slot_map_free(m);
	m = map_from(SLOTS_MASTERS); /* 7004 is gone from the cluster */
	struct slot_addr owner = *slot_map_owner(m, s);
	batch_reapply_moved(b, m);
	assert_true(slot_addr_equal(slot_map_owner(m, s), &owner));
	assert_int_equal(slot_map_find(m, &NODE_R), -1);
	cluster_batch_free(b);
	slot_map_free(m);
}

static void test_redirect_allowed(void **state)
{
	struct slot_map *m = map_from(SLOTS);
	struct slot_addr empty = { "", 7001 };
	struct slot_addr other_host = { "127.0.0.2", 7001 };

	(void)state;
	assert_true(slot_map_redirect_allowed(m, &NODE_A));
	assert_true(slot_map_redirect_allowed(m, &NODE_R)); /* a replica, promoted next */
	assert_false(slot_map_redirect_allowed(m, &NODE_X));
	assert_false(slot_map_redirect_allowed(m, &empty));
	assert_false(slot_map_redirect_allowed(m, &other_host));
	slot_map_free(m);
}

/* The member list: handshake and noaddr nodes left out, an empty host is
 * the sender's, IPv6 without brackets, a hostname added too, Redis 3
 * lines without @cport; nothing becomes a master or an owner. */
static void test_members(void **state)
{
	static const char text[] =
		ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-16383\r\n"
		ID2 " 127.0.0.1:7007@17007 master - 0 1 7 connected\r\n"
		ID3 " 127.0.0.1:7008@17008 handshake - 0 0 0 connected\r\n"
		ID4 " :0@0 master,fail,noaddr - 0 0 0 disconnected\r\n"
		ID5 " :7010@17010 slave " ID1 " 0 0 1 connected\r\n"
		ID6 " fd00::5:7011@17011 slave " ID1 " 0 0 1 connected\r\n"
		ID7 " 10.0.0.12:7012@17012,redis12.lab master,fail? - 0 0 2 connected\r\n"
		ID8 " 127.0.0.1:7013 master - 0 0 3 connected\r\n"
		"\r\n";
	struct slot_map *m = map_from("*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:7001\r\n");
	static const struct slot_addr in[] = {
		{ "127.0.0.1", 7001 }, { "127.0.0.1", 7007 }, { "127.0.0.1", 7010 },
		{ "fd00::5", 7011 }, { "10.0.0.12", 7012 }, { "redis12.lab", 7012 }, { "127.0.0.1", 7013 },
	};
	static const struct slot_addr out[] = { { "127.0.0.1", 7008 }, { "", 0 }, { "127.0.0.1", 0 } };

	(void)state;
	assert_int_equal(slot_map_add_members(m, text, strlen(text), &NODE_A), 6);
	assert_int_equal(m->nnodes, 7);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		int k = slot_map_find(m, &in[i]);
		assert_true(k >= 0);
		assert_int_equal(m->nodes[k].master, i == 0);
		assert_true(slot_map_redirect_allowed(m, &in[i]));
	}
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		assert_int_equal(slot_map_find(m, &out[i]), -1);
	assert_int_equal(slot_map_covered(m), SLOT_COUNT);
	for (size_t sl = 0; sl < SLOT_COUNT; sl++)
		assert_true(slot_addr_equal(slot_map_owner(m, (uint16_t)sl), &NODE_A));
	/* Again: nothing new. */
	assert_int_equal(slot_map_add_members(m, text, strlen(text), &NODE_A), 6);
	assert_int_equal(m->nnodes, 7);
	assert_int_equal(slot_map_add_members(m, "", 0, &NODE_A), 0);
	slot_map_free(m);
}

static void test_members_malformed(void **state)
{
	static const char *const bad[] = {
		"garbage\n",
		ID1 " 127.0.0.1:7001@17001\n",
		ID1 " 127.0.0.1@17001 master - 0 0 1 connected\n",
		ID1 " 127.0.0.1:99999@17001 master - 0 0 1 connected\n",
		ID1 " 127.0.0.1:7001@17001,a:b master - 0 0 1 connected\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct slot_map *m = slot_map_new();
		assert_int_equal(slot_map_add_members(m, bad[i], strlen(bad[i]), &NODE_A), -1);
		slot_map_free(m);
	}
	/* A hostname as long as Redis allows (255) fits; one longer does not. */
	char line[600], host[300];
	memset(host, 'h', sizeof(host));
	host[255] = '\0';
	snprintf(line, sizeof(line), ID1 " 127.0.0.1:7001@17001,%s "
		 "master - 0 0 1 connected\n", host);
	struct slot_map *m = slot_map_new();
	assert_int_equal(slot_map_add_members(m, line, strlen(line), &NODE_A), 1);
	host[255] = 'h';
	host[256] = '\0';
	snprintf(line, sizeof(line), ID1 " 127.0.0.1:7001@17001,%s "
		 "master - 0 0 1 connected\n", host);
	assert_int_equal(slot_map_add_members(m, line, strlen(line), &NODE_A), -1);
	slot_map_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_formatted),
		cmocka_unit_test(test_plan_splits_by_node),
		cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_error_reply_kept),
		cmocka_unit_test(test_moved_retries_one),
		cmocka_unit_test(test_ask_leaves_map),
		cmocka_unit_test(test_moved_empty_host),
		cmocka_unit_test(test_tryagain),
		cmocka_unit_test(test_unreached),
		cmocka_unit_test(test_failed_not_retried),
		cmocka_unit_test(test_unserved_slot),
		cmocka_unit_test(test_give_up),
		cmocka_unit_test(test_reapply_moved),
		cmocka_unit_test(test_wait_ack),
		cmocka_unit_test(test_moved_unknown_refused),
		cmocka_unit_test(test_held_never_planned),
		cmocka_unit_test(test_moved_unknown_followed),
		cmocka_unit_test(test_ask_to_member),
		cmocka_unit_test(test_moved_empty_host_unknown),
		cmocka_unit_test(test_reapply_known_only),
		cmocka_unit_test(test_redirect_allowed),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_members_malformed),
	};
	return cmocka_run_group_tests_name("cluster_client", tests, NULL, NULL);
}
