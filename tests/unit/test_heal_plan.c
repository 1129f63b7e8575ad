/* test_heal_plan.c - the next step of add, heal and watch
 * (cluster/heal_plan.c): a host lost and rebuilt, orphaned and misplaced
 * replicas, new nodes, a master that failed with its slots, and a cluster
 * that cannot be balanced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cluster_vectors.h"
#include "ctable.h"
#include "heal_plan.h"

#define HD_M11 "c639d1a3259f606c1cb7434209f8135d73aaa648" /* 127.0.0.11:6379 */
#define HD_M12 "c067fc0d5c6685591ff3b1f26cbdcb7632b5c1fb" /* 127.0.0.12:6379 */
#define HD_M12B "e032486ce2f223c942fd8a4b232120a98eea3afd" /* 127.0.0.12:6380, promoted */
#define HD_DEAD "26927cae59de00338c6961544a42c363b904659b" /* 127.0.0.13:6379, gone */
#define NEW1 "aaaa000000000000000000000000000000000001"
#define NEW2 "aaaa000000000000000000000000000000000002"

/* v_host_down's survivors, as 127.0.0.11:6379 sees them. */
static const char v_survivors[] =
	HD_M11 " 127.0.0.11:6379@16379 myself,master - 0 1795636211000 1 connected 0-5461\n"
	HD_M12 " 127.0.0.12:6379@16379 master - 0 1795636212000 2 connected 5462-10922\n"
	"455d290786e55832bc9770f35b54998ec268fe29 127.0.0.11:6380@16380 slave " HD_M12
	" 0 1795636212808 2 connected\n"
	HD_M12B " 127.0.0.12:6380@16380 master - 0 1795636212202 7 connected 10923-16383\n";

/* 127.0.0.13 rebuilt: two fresh nodes joined as replicas of the two
 * masters that had none. */
static const char v_rebuilt_lines[] =
	NEW1 " 127.0.0.13:6379@16379 slave " HD_M11 " 0 1795636300000 7 connected\n"
	NEW2 " 127.0.0.13:6380@16380 slave " HD_M12B " 0 1795636300000 7 connected\n";

/* Domains are the IPs; every live node answers, linked, offsets equal. */
static void probe_alive(struct ctable *t, const char *dead_host)
{
	for (size_t i = 0; i < t->n; i++) {
		bool alive = !dead_host || strcmp(t->nodes[i].host, dead_host) != 0;
		alive = alive && !cnode_failed(&t->nodes[i]);
		t->nodes[i].probe = (struct cnode_probe){ .probed = true, .reachable = alive,
							  .state_ok = true, .agrees = true,
							  .link_up = alive, .repl_offset = 9000 };
	}
}

static void parse_cat(const char *a, const char *b, struct ctable *t)
{
	char text[4096];
	snprintf(text, sizeof(text), "%s%s", a, b);
	parse_ok(text, t);
}

static void test_heal_host_rebuilt(void **state)
{
	struct ctable t;
	struct heal_step s;
	(void)state;

	/* Right after the loss: the dead host's nodes go first. */
	parse_ok(v_host_down, &t);
	probe_alive(&t, "127.0.0.13");
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_FORGET);
	assert_string_equal(t.nodes[s.node].host, "127.0.0.13");
	assert_non_null(strstr(s.reason, "serves no slot"));
	ctable_free(&t);

	/* Forgotten, not rebuilt: two domains left, at most two masters each. */
	parse_ok(v_survivors, &t);
	probe_alive(&t, NULL);
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_NONE);
	assert_true(s.balanced);
	ctable_free(&t);

	/* Rebuilt and joined: 127.0.0.12 holds two masters; the replica of one
	 * of them on the empty host takes over, not 127.0.0.11:6380 (its host
	 * already has its master). */
	parse_cat(v_survivors, v_rebuilt_lines, &t);
	probe_alive(&t, NULL);
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_FAILOVER);
	assert_string_equal(t.nodes[s.node].id, NEW2);
	assert_string_equal(t.nodes[s.target].id, HD_M12B);
	assert_non_null(strstr(s.reason, "fair share 1"));
	/* A replica whose link is down is not promoted. */
	t.nodes[ctable_find(&t, NEW2)].probe.link_up = false;
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_NONE);
	assert_false(s.balanced);
	assert_non_null(strstr(s.reason, "127.0.0.12 holds 2 masters"));
	ctable_free(&t);

	/* The dead nodes still listed next to the rebuilt ones: forget first. */
	char text[8192];
	snprintf(text, sizeof(text), "%s%s", v_host_down, v_rebuilt_lines);
	parse_ok(text, &t);
	probe_alive(&t, NULL);
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_FORGET);
	assert_true(t.nodes[s.node].flags & CN_FAIL);
	ctable_free(&t);

	/* After the failover: one master per host, nothing left to do. */
	parse_ok(HD_M11 " 127.0.0.11:6379@16379 myself,master - 0 0 1 connected 0-5461\n"
		 HD_M12 " 127.0.0.12:6379@16379 master - 0 0 2 connected 5462-10922\n"
		 "455d290786e55832bc9770f35b54998ec268fe29 127.0.0.11:6380@16380 slave " HD_M12
		 " 0 0 2 connected\n"
		 HD_M12B " 127.0.0.12:6380@16380 slave " NEW2 " 0 0 8 connected\n"
		 NEW1 " 127.0.0.13:6379@16379 slave " HD_M11 " 0 0 7 connected\n"
		 NEW2 " 127.0.0.13:6380@16380 master - 0 0 8 connected 10923-16383\n", &t);
	probe_alive(&t, NULL);
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_NONE);
	assert_true(s.balanced);
	ctable_free(&t);
}

/* watch's grace: the lost host's nodes are kept while they might be
 * rebooting, forgotten once silent long enough, or at once when new nodes
 * answer at their addresses. */
static void test_heal_forget_after(void **state)
{
	struct ctable t;
	struct heal_step s;
	long long pong = 0;
	(void)state;

	parse_ok(v_host_down, &t);
	probe_alive(&t, "127.0.0.13");
	for (size_t i = 0; i < t.n; i++)
		if (strcmp(t.nodes[i].host, "127.0.0.13") == 0 && t.nodes[i].pong_recv_ms > pong)
			pong = t.nodes[i].pong_recv_ms;
	assert_true(pong > 1795636000000LL);   /* the capture's own times */
	assert_int_equal(heal_plan_next_at(&t, &s, pong + 60000, 120000), 0);
	assert_int_not_equal(s.kind, HEAL_FORGET);
	assert_int_equal(heal_plan_next_at(&t, &s, pong + 121000, 120000), 0);
	assert_int_equal(s.kind, HEAL_FORGET);
	assert_string_equal(t.nodes[s.node].host, "127.0.0.13");
	assert_int_equal(heal_plan_next_at(&t, &s, pong + 60000, 0), 0);
	assert_int_equal(s.kind, HEAL_FORGET);
	ctable_free(&t);

	/* Rebuilt: fresh nodes at 127.0.0.13 make the dead ones forgettable now. */
	parse_cat(v_host_down, v_rebuilt_lines, &t);
	probe_alive(&t, NULL);
	assert_int_equal(heal_plan_next_at(&t, &s, pong + 1000, 120000), 0);
	assert_int_equal(s.kind, HEAL_FORGET);
	assert_string_equal(t.nodes[s.node].host, "127.0.0.13");
	ctable_free(&t);
}

static void test_heal_orphan(void **state)
{
	struct ctable t;
	struct heal_step s;
	(void)state;

	/* A live replica on 127.0.0.13 still follows the dead master, which lost
	 * its slots: it goes to the master outside its host with the fewest
	 * replicas, the one on the host with two masters first; the dead master
	 * is not forgotten before that. */
	parse_cat(v_host_down, "bbbb000000000000000000000000000000000003 127.0.0.13:6381@16381 slave "
		  HD_DEAD " 0 0 3 connected\n", &t);
	probe_alive(&t, "127.0.0.13");
	int orphan = ctable_find(&t, "bbbb000000000000000000000000000000000003");
	t.nodes[orphan].probe.reachable = true;
	/* The other failed node on 127.0.0.13 is forgettable; the replicate comes first. */
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_REPLICATE);
	assert_int_equal(s.node, orphan);
	assert_string_equal(t.nodes[s.target].id, HD_M12B);
	assert_non_null(strstr(s.reason, "failed and serves no slot"));
	ctable_free(&t);

	/* A replica in its master's domain moves to a master elsewhere. */
	parse_ok(v_healthy, &t);
	label_and_probe(&t);
	strcpy(t.nodes[ctable_find(&t, ID5)].domain, "h3"); /* 7005 replicates 7003 (h3) */
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_REPLICATE);
	assert_int_equal(s.node, ctable_find(&t, ID5));
	assert_true(strcmp(t.nodes[s.target].domain, "h3") != 0);
	ctable_free(&t);
}

static void test_heal_add(void **state)
{
	struct ctable t;
	int out[4];
	(void)state;

	/* Every master has one replica: three new nodes on h1 go to the
	 * masters outside h1, spread before any gets a third. */
	parse_ok(v_healthy, &t);
	label_and_probe(&t);
	const char *h1[] = { "h1", "h1", "h1" };
	assert_int_equal(heal_plan_add(&t, h1, 3, out), 0);
	assert_string_equal(t.nodes[out[0]].id, ID2);
	assert_string_equal(t.nodes[out[1]].id, ID3);
	assert_string_equal(t.nodes[out[2]].id, ID2);
	const char *h4[] = { "h4" };
	assert_int_equal(heal_plan_add(&t, h4, 1, out), 0);
	assert_string_equal(t.nodes[out[0]].id, ID1);
	ctable_free(&t);

	/* After the loss: the two masters without a replica first, the one on
	 * the crowded host before the other; never a master on the node's own
	 * host. */
	parse_ok(v_host_down, &t);
	probe_alive(&t, "127.0.0.13");
	const char *rebuilt[] = { "127.0.0.13", "127.0.0.13", "127.0.0.13" };
	assert_int_equal(heal_plan_add(&t, rebuilt, 3, out), 0);
	assert_string_equal(t.nodes[out[0]].id, HD_M12B);
	assert_string_equal(t.nodes[out[1]].id, HD_M11);
	assert_string_equal(t.nodes[out[2]].id, HD_M12); /* all have one now: the crowded host's */
	const char *on12[] = { "127.0.0.12" };
	assert_int_equal(heal_plan_add(&t, on12, 1, out), 0);
	assert_string_equal(t.nodes[out[0]].id, HD_M11);
	ctable_free(&t);

	/* One domain only: nowhere to go. */
	parse_ok(v_healthy, &t);
	const char *same[] = { "127.0.0.1" };
	assert_int_equal(heal_plan_add(&t, same, 1, out), 1);
	assert_int_equal(out[0], -1);
	ctable_free(&t);
}

static void test_heal_takeover_and_stuck(void **state)
{
	struct ctable t;
	struct heal_step s;
	(void)state;

	/* 7003 agreed failed but still holding its slots: its replica 7005 is
	 * promoted with FORCE. */
	parse_ok(ID2 " 127.0.0.1:7002@17002 master - 0 0 1 connected 5461-10922\n"
		 ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 0 0 connected\n"
		 ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 0 1 connected\n"
		 ID5 " 127.0.0.1:7005@17005 slave " ID3 " 0 0 4 connected\n"
		 ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 0-5460\n"
		 ID3 " 127.0.0.1:7003@17003 master,fail - 0 0 4 disconnected 10923-16383\n", &t);
	label_and_probe(&t);
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_TAKEOVER);
	assert_int_equal(s.node, ctable_find(&t, ID5));
	assert_int_equal(s.target, ctable_find(&t, ID3));
	ctable_free(&t);

	/* h1 holds two masters, but the only replica of them sits on h2, which
	 * has its share already: nothing to do, and it says so. */
	parse_ok(ID2 " 127.0.0.1:7002@17002 master - 0 0 1 connected 5461-10922\n"
		 ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 0 0 connected\n"
		 ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 0 1 connected\n"
		 ID5 " 127.0.0.1:7005@17005 master - 0 0 6 connected 10923-16383\n"
		 ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 0-5460\n", &t);
	label_and_probe(&t);
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_NONE);
	assert_false(s.balanced);
	assert_non_null(strstr(s.reason, "failure domain h1 holds 2 masters"));

	/* Healthy: balanced, nothing to do. */
	ctable_free(&t);
	parse_ok(v_healthy, &t);
	label_and_probe(&t);
	assert_int_equal(heal_plan_next(&t, &s), 0);
	assert_int_equal(s.kind, HEAL_NONE);
	assert_true(s.balanced);
	ctable_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heal_host_rebuilt),
		cmocka_unit_test(test_heal_forget_after),
		cmocka_unit_test(test_heal_orphan),
		cmocka_unit_test(test_heal_add),
		cmocka_unit_test(test_heal_takeover_and_stuck),
	};
	return cmocka_run_group_tests_name("heal_plan", tests, NULL, NULL);
}
