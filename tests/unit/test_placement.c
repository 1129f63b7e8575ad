/* test_placement.c - cluster layout, CLUSTER NODES parsing and the health
 * check (cluster/placement.c). The CLUSTER NODES vectors are real output
 * captured from redis-server 7.0.15 (Debian 12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"

#define ORDERS 128 /* random input orders per layout */

/* --- helpers ------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
	/* xorshift64*: fixed seed, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

struct layout {
	size_t n;
	char host[64][48];
	int port[64];
	char domain[64][48];
};

/* hosts x per_host nodes, host i at 10.0.0.(i+1), ports 6379.., no labels. */
static void layout_hosts(struct layout *l, int hosts, int per_host)
{
	memset(l, 0, sizeof(*l));
	for (int h = 0; h < hosts; h++)
		for (int k = 0; k < per_host; k++) {
			snprintf(l->host[l->n], sizeof(l->host[0]), "10.0.0.%d", h + 1);
			strcpy(l->domain[l->n], l->host[l->n]);
			l->port[l->n++] = 6379 + k;
		}
}

/* One IP per instance; the label says which machine (or rack) it is on. */
static void layout_labels(struct layout *l, int labels, int per_label)
{
	memset(l, 0, sizeof(*l));
	for (int h = 0; h < labels; h++)
		for (int k = 0; k < per_label; k++) {
			snprintf(l->host[l->n], sizeof(l->host[0]), "192.168.7.%zu", 10 + l->n);
			snprintf(l->domain[l->n], sizeof(l->domain[0]), "rack-%c", 'a' + h);
			l->port[l->n++] = 6379;
		}
}

static void layout_shuffle(struct layout *l)
{
	for (size_t i = l->n - 1; i > 0; i--) {
		size_t j = rng() % (i + 1);
		char h[48], d[48];
		int p = l->port[i];
		memcpy(h, l->host[i], sizeof(h));
		memcpy(d, l->domain[i], sizeof(d));
		memcpy(l->host[i], l->host[j], sizeof(h));
		memcpy(l->domain[i], l->domain[j], sizeof(d));
		l->port[i] = l->port[j];
		memcpy(l->host[j], h, sizeof(h));
		memcpy(l->domain[j], d, sizeof(d));
		l->port[j] = p;
	}
}

static int plan(const struct layout *l, int replicas, bool colocated, struct placement_role *roles,
		char *err, size_t errlen)
{
	struct placement_node nodes[64];
	for (size_t i = 0; i < l->n; i++)
		nodes[i] = (struct placement_node){ l->host[i], l->port[i], l->domain[i] };
	return placement_plan(nodes, l->n, replicas, colocated, roles, err, errlen);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plan as sorted text lines, independent of the input order. */
static void plan_text(const struct layout *l, const struct placement_role *roles, char *out,
		      size_t len)
{
	char lines[64][128], *sorted[64];
	for (size_t i = 0; i < l->n; i++) {
		const struct placement_role *r = &roles[i];
		if (r->master < 0)
			snprintf(lines[i], sizeof(lines[i]), "%s:%d M %d-%d", l->host[i], l->port[i],
				 r->slot_first, r->slot_last);
		else
			snprintf(lines[i], sizeof(lines[i]), "%s:%d S %s:%d", l->host[i], l->port[i],
				 l->host[r->master], l->port[r->master]);
		sorted[i] = lines[i];
	}
	qsort(sorted, l->n, sizeof(char *), line_cmp);
	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s\n", sorted[i]);
}

static int ndomains(const struct layout *l)
{
	int n = 0;
	for (size_t i = 0; i < l->n; i++) {
		size_t j = 0;
		while (j < i && strcmp(l->domain[j], l->domain[i]) != 0)
			j++;
		n += j == i;
	}
	return n;
}

/* Everything a good plan promises, checked from the roles alone. */
static void assert_plan_sound(const struct layout *l, const struct placement_role *roles,
			      int replicas)
{
	size_t masters = 0;
	int covered[CLUSTER_SLOTS] = { 0 }, smallest = CLUSTER_SLOTS, largest = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct placement_role *r = &roles[i];
		assert_true(r->master >= -1 && r->master < (int)l->n);
		if (r->master >= 0) {
			assert_int_equal(roles[r->master].master, -1);
			assert_string_not_equal(l->domain[i], l->domain[r->master]);
			assert_false(r->colocated);
			continue;
		}
		masters++;
		int size = r->slot_last - r->slot_first + 1;
		smallest = size < smallest ? size : smallest;
		largest = size > largest ? size : largest;
		for (int s = r->slot_first; s <= r->slot_last; s++)
			covered[s]++;
	}
	assert_int_equal(masters, l->n / (size_t)(replicas + 1));
	for (int s = 0; s < CLUSTER_SLOTS; s++)
		assert_int_equal(covered[s], 1);
	assert_true(largest - smallest <= 1);

	int share = ((int)masters + ndomains(l) - 1) / ndomains(l);
	for (size_t i = 0; i < l->n; i++) {
		int in_domain = 0, count = 0, distinct = 0;
		for (size_t j = 0; j < l->n; j++)
			in_domain += roles[j].master == -1 && strcmp(l->domain[j], l->domain[i]) == 0;
		assert_true(in_domain <= share);
		if (roles[i].master >= 0)
			continue;
		/* Each master: at least `replicas` replicas, in as many domains. */
		for (size_t j = 0; j < l->n; j++) {
			if (roles[j].master != (int)i)
				continue;
			size_t k = 0;
			while (k < j && !(roles[k].master == (int)i && strcmp(l->domain[k], l->domain[j]) == 0))
				k++;
			distinct += k == j;
			count++;
		}
		assert_true(count >= replicas);
		assert_true(count <= replicas + 1);
		assert_true(distinct >= replicas);
	}
}

/* The plan as a live cluster would report it, for the check. */
static void table_from_plan(const struct layout *l, const struct placement_role *roles,
			    struct ctable *t)
{
	t->n = l->n;
	t->nodes = calloc(l->n, sizeof(*t->nodes));
	assert_non_null(t->nodes);
	for (size_t i = 0; i < l->n; i++) {
		struct cnode *c = &t->nodes[i];
		snprintf(c->id, sizeof(c->id), "%040zx", i + 1);
		strcpy(c->host, l->host[i]);
		c->port = l->port[i];
		strcpy(c->domain, l->domain[i]);
		c->connected = true;
		c->probe = (struct cnode_probe){ .probed = true, .reachable = true, .state_ok = true,
						 .agrees = true, .link_up = true, .repl_offset = 100 };
		if (roles[i].master >= 0) {
			c->flags = CN_SLAVE;
			snprintf(c->master_id, sizeof(c->master_id), "%040x", roles[i].master + 1);
			continue;
		}
		c->flags = CN_MASTER;
		c->slots = malloc(sizeof(*c->slots));
		assert_non_null(c->slots);
		c->slots[0] = (struct slot_range){ roles[i].slot_first, roles[i].slot_last };
		c->nslots = 1;
	}
}

/* ORDERS shuffles of one layout: always the same plan, always sound, and
 * the check finds the resulting cluster healthy. */
static void plan_many_orders(struct layout *l, int replicas)
{
	struct placement_role roles[64];
	char err[256], first[4096], text[4096];

	assert_int_equal(plan(l, replicas, false, roles, err, sizeof(err)), 0);
	plan_text(l, roles, first, sizeof(first));
	for (int round = 0; round < ORDERS; round++) {
		struct ctable t;
		struct check_report r;
		layout_shuffle(l);
		if (plan(l, replicas, false, roles, err, sizeof(err)) != 0)
			fail_msg("order %d: %s", round, err);
		assert_plan_sound(l, roles, replicas);
		plan_text(l, roles, text, sizeof(text));
		assert_string_equal(text, first);
		table_from_plan(l, roles, &t);
		assert_int_equal(check_cluster(&t, &r), 0);
		assert_int_equal(r.nviolations, 0);
		assert_int_equal(r.over_share, 0);
		assert_true(r.healthy);
		check_report_free(&r);
		ctable_free(&t);
	}
}

/* --- node addresses ------------------------------------------------------ */

static void test_addr_parse(void **state)
{
	struct node_addr a;
	char err[200];
	(void)state;
	assert_int_equal(node_addr_parse("10.0.0.1:6379", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "10.0.0.1");
	assert_int_equal(a.port, 6379);
	assert_string_equal(a.label, "");
	assert_int_equal(node_addr_parse("redis01.lab:6380@rack-1", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "redis01.lab");
	assert_int_equal(a.port, 6380);
	assert_string_equal(a.label, "rack-1");
	assert_int_equal(node_addr_parse("[fd00::1]:7000@dc2", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "fd00::1");
	assert_int_equal(a.port, 7000);
	assert_string_equal(a.label, "dc2");

	const char *bad[] = { "", "10.0.0.1", "10.0.0.1:", ":6379", "10.0.0.1:0", "10.0.0.1:65536",
			      "10.0.0.1:63x9", "10.0.0.1:6379@", "fd00::1:6379", "[fd00::1]6379",
			      "10.0.0.1:6379@a b", "a b:6379", "10.0.0.1:-1", NULL };
	for (int i = 0; bad[i]; i++) {
		err[0] = '\0';
		if (node_addr_parse(bad[i], &a, err, sizeof(err)) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err, bad[i]));
	}
	char buf[80];
	assert_string_equal(node_addr_format("fd00::1", 7000, buf, sizeof(buf)), "[fd00::1]:7000");
	assert_string_equal(node_addr_format("10.0.0.1", 7000, buf, sizeof(buf)), "10.0.0.1:7000");
}

static void test_host_order(void **state)
{
	(void)state;
	assert_true(host_compare("10.0.0.9", "10.0.0.10") < 0);
	assert_true(host_compare("10.0.0.10", "9.0.0.1") > 0);
	assert_true(host_compare("10.0.0.1", "fd00::1") < 0);
	assert_true(host_compare("fd00::2", "fd00::10") < 0);
	assert_true(host_compare("fd00::1", "alpha") < 0);
	assert_true(host_compare("alpha", "beta") < 0);
	assert_int_equal(host_compare("10.0.0.1", "10.0.0.1"), 0);
}

/* --- placement ----------------------------------------------------------- */

static void test_plan_3_hosts_x_2(void **state)
{
	struct layout l;
	(void)state;
	layout_hosts(&l, 3, 2);
	plan_many_orders(&l, 1);
}

static void test_plan_4_hosts_x_2(void **state)
{
	struct layout l;
	(void)state;
	layout_hosts(&l, 4, 2);
	plan_many_orders(&l, 1);
}

static void test_plan_3_hosts_x_3_r2(void **state)
{
	struct layout l;
	(void)state;
	layout_hosts(&l, 3, 3);
	plan_many_orders(&l, 2);
}

static void test_plan_labels(void **state)
{
	struct layout l;
	(void)state;
	layout_labels(&l, 3, 2);
	plan_many_orders(&l, 1);
	layout_labels(&l, 3, 3);
	plan_many_orders(&l, 2);
	layout_labels(&l, 5, 2);
	plan_many_orders(&l, 1);
}

/* More nodes than masters x (replicas + 1), several masters per host: the
 * leftovers spread, and a host's masters keep their replicas apart. */
static void test_plan_uneven(void **state)
{
	struct layout l;
	struct placement_role roles[64];
	char err[256];
	(void)state;
	layout_hosts(&l, 3, 2);
	strcpy(l.host[l.n], "10.0.0.1");
	strcpy(l.domain[l.n], "10.0.0.1");
	l.port[l.n++] = 6381; /* 7 nodes: 3 masters, 4 replicas */
	plan_many_orders(&l, 1);

	layout_hosts(&l, 3, 4); /* 6 masters, 2 per host */
	plan_many_orders(&l, 1);
	assert_int_equal(plan(&l, 1, false, roles, err, sizeof(err)), 0);
	for (size_t i = 0; i < l.n; i++) {
		/* The two masters of a host have their replicas on two different hosts. */
		for (size_t j = i + 1; j < l.n; j++)
			if (roles[i].master >= 0 && roles[j].master >= 0 &&
			    strcmp(l.domain[roles[i].master], l.domain[roles[j].master]) == 0 &&
			    roles[i].master != roles[j].master)
				assert_string_not_equal(l.domain[i], l.domain[j]);
	}

	layout_hosts(&l, 5, 2); /* 10 nodes, R=2: 3 masters, 7 replicas */
	plan_many_orders(&l, 2);
}

static void test_plan_slots_and_masters_first(void **state)
{
	struct layout l;
	struct placement_role roles[64];
	char err[256];
	(void)state;
	layout_hosts(&l, 3, 2);
	assert_int_equal(plan(&l, 1, false, roles, err, sizeof(err)), 0);
	/* Masters are each host's first port; slots 0-5461, 5462-10922, 10923-16383. */
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(roles[i].master == -1, l.port[i] == 6379);
	assert_int_equal(roles[0].slot_first, 0);
	assert_int_equal(roles[0].slot_last, 5461);
	assert_int_equal(roles[2].slot_first, 5462);
	assert_int_equal(roles[4].slot_last, 16383);

	layout_hosts(&l, 3, 1); /* R=0: three masters and nothing else */
	assert_int_equal(plan(&l, 0, false, roles, err, sizeof(err)), 0);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(roles[i].master, -1);
}

static void expect_refusal(struct layout *l, int replicas, const char *needle)
{
	struct placement_role roles[64];
	char err[512] = "";
	assert_int_equal(plan(l, replicas, false, roles, err, sizeof(err)), -1);
	if (!strstr(err, needle))
		fail_msg("expected '%s' in: %s", needle, err);
}

static void test_plan_refuses(void **state)
{
	struct layout l;
	(void)state;
	layout_hosts(&l, 1, 6);
	expect_refusal(&l, 1, "all 6 nodes are in one failure domain (10.0.0.1)");
	layout_labels(&l, 1, 6);
	expect_refusal(&l, 1, "one failure domain (rack-a)");
	layout_hosts(&l, 2, 6);
	expect_refusal(&l, 2, "need 3 failure domains");
	layout_hosts(&l, 2, 5);
	expect_refusal(&l, 2, "need 3 failure domains");
	layout_hosts(&l, 5, 1);
	expect_refusal(&l, 1, "make 2 masters; a cluster needs at least 3");
	layout_hosts(&l, 3, 2);
	strcpy(l.host[1], l.host[0]);
	l.port[1] = l.port[0];
	expect_refusal(&l, 1, "10.0.0.1:6379 is given twice");
	layout_hosts(&l, 3, 2);
	expect_refusal(&l, -1, "0 or more");

	/* One host holds most nodes: its masters cannot all find replicas elsewhere. */
	layout_hosts(&l, 1, 4);
	strcpy(l.host[4], "10.0.0.2");
	strcpy(l.domain[4], "10.0.0.2");
	l.port[4] = 6379;
	strcpy(l.host[5], "10.0.0.3");
	strcpy(l.domain[5], "10.0.0.3");
	l.port[5] = 6379;
	l.n = 6;
	expect_refusal(&l, 1, "failure domain 10.0.0.1 holds 4 of the 6 nodes");
	for (int round = 0; round < ORDERS; round++) {
		layout_shuffle(&l);
		expect_refusal(&l, 1, "failure domain 10.0.0.1 holds 4 of the 6 nodes");
	}
}

static void test_plan_colocated_on_request(void **state)
{
	struct layout l;
	struct placement_role roles[64];
	char err[256];
	int colocated = 0;
	(void)state;
	layout_hosts(&l, 1, 6);
	assert_int_equal(plan(&l, 1, true, roles, err, sizeof(err)), 0);
	for (size_t i = 0; i < l.n; i++)
		colocated += roles[i].colocated;
	assert_int_equal(colocated, 3);

	/* Where anti-affinity is possible, --allow-colocated changes nothing. */
	char a[4096], b[4096];
	layout_hosts(&l, 3, 2);
	assert_int_equal(plan(&l, 1, false, roles, err, sizeof(err)), 0);
	plan_text(&l, roles, a, sizeof(a));
	assert_int_equal(plan(&l, 1, true, roles, err, sizeof(err)), 0);
	plan_text(&l, roles, b, sizeof(b));
	assert_string_equal(a, b);

	/* Two hosts, two replicas per master: both replicas of a master share the
	 * other host, which beats putting one next to the master. */
	layout_hosts(&l, 2, 6);
	assert_int_equal(plan(&l, 2, true, roles, err, sizeof(err)), 0);
	colocated = 0;
	for (size_t i = 0; i < l.n; i++)
		colocated += roles[i].colocated;
	assert_int_equal(colocated, 0);
}

/* --- CLUSTER NODES ------------------------------------------------------- */

#define ID1 "db5ea048f36a0aa3ce9d30766071111593a2a476" /* 127.0.0.1:7001 */
#define ID2 "c6660a8f8de2acdea713b1470ff6a5772f51e8ed" /* 7002 */
#define ID3 "3b77a750c94c4950ce5247acc78c1c360bdd8438" /* 7003 */
#define ID4 "3c56f9ebd2c61eb9e7b255fcb941bed632e83289" /* 7004 */
#define ID5 "75bc734536e381358fc6ade77c8afa0a89542628" /* 7005 */
#define ID6 "67f17759da6e50156fdf5afdb091123d47b9aae9" /* 7006 */

/* Healthy: three masters, three replicas, as seen by 7001 ... */
static const char v_healthy[] =
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635506000 1 connected 5461-10922\n"
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635506073 0 connected\n"
	ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 1795635506375 1 connected\n"
	ID5 " 127.0.0.1:7005@17005 slave " ID3 " 0 1795635506073 4 connected\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 1795635506000 0 connected 0-5460\n"
	ID3 " 127.0.0.1:7003@17003 master - 0 1795635506375 4 connected 10923-16383\n";

/* ... and by 7004, in another order. */
static const char v_healthy_7004[] =
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635506088 0 connected\n"
	ID3 " 127.0.0.1:7003@17003 master - 0 1795635506088 4 connected 10923-16383\n"
	ID5 " 127.0.0.1:7005@17005 slave " ID3 " 0 1795635506088 4 connected\n"
	ID4 " 127.0.0.1:7004@17004 myself,slave " ID2 " 0 1795635506000 1 connected\n"
	ID1 " 127.0.0.1:7001@17001 master - 0 1795635506088 0 connected 0-5460\n"
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635506390 1 connected 5461-10922\n";

/* Slot 100 migrating from 7001 to 7002 (7001's view) and importing (7002's). */
static const char v_migrating[] =
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635510098 1 connected 5461-10922\n"
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635510098 0 connected\n"
	ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 1795635510098 1 connected\n"
	ID5 " 127.0.0.1:7005@17005 slave " ID3 " 0 1795635510098 4 connected\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 1795635509000 0 connected 0-5460 "
	"[100->-" ID2 "]\n"
	ID3 " 127.0.0.1:7003@17003 master - 0 1795635509394 4 connected 10923-16383\n";
static const char v_importing_line[] =
	ID2 " 127.0.0.1:7002@17002 myself,master - 0 1795635510000 1 connected 5461-10922 "
	"[100-<-" ID1 "]\n";

/* 7003 killed: one second later only the link is down ... */
static const char v_disconnected[] =
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635512113 1 connected 5461-10922\n"
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635512113 0 connected\n"
	ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 1795635512113 1 connected\n"
	ID5 " 127.0.0.1:7005@17005 slave " ID3 " 0 1795635512416 4 connected\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 1795635511000 0 connected 0-5460\n"
	ID3 " 127.0.0.1:7003@17003 master - 1795635512415 1795635511407 4 disconnected "
	"10923-16383\n";

/* ... four seconds later it is failed and 7005 took its slots. */
static const char v_failover[] =
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635515040 1 connected 5461-10922\n"
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635515141 0 connected\n"
	ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 1795635515446 1 connected\n"
	ID5 " 127.0.0.1:7005@17005 master - 0 1795635515446 6 connected 10923-16383\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 1795635515000 0 connected 0-5460\n"
	ID3 " 127.0.0.1:7003@17003 master,fail - 1795635512415 1795635511407 4 disconnected\n";

/* 7006 killed too, caught while only 7001 suspects it (fail?). */
static const char v_pfail_line[] =
	ID6 " 127.0.0.1:7006@17006 slave,fail? " ID1 " 1795635518169 1795635517162 0 disconnected\n";

/* 7001 announcing a hostname (cluster-announce-hostname), seen by 7002. */
static const char v_hostname_line[] =
	ID1 " 127.0.0.1:7001@17001,redis01.lab master - 0 1795635526536 0 connected 0-5460\n";

/* Right after CLUSTER MEET: the new peers are still in handshake. */
static const char v_handshake[] =
	"f78912f6fc31fcf2a8775799d15c6e8cec22565f 127.0.0.1:7003@17003 handshake - 0 0 0 "
	"disconnected\n"
	"91e13db00e81e15a64b1131b70740f229e0ac37f 127.0.0.1:7002@17002 handshake - 0 0 0 "
	"disconnected\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 0-5460\n";

/* After CLUSTER RESET HARD: a new id, alone, no slots. */
static const char v_reset[] =
	"ad6f35529d2cae182ae7df8a8a972044166b2bde 127.0.0.1:7001@17001,redis01.lab myself,master - 0 "
	"1795635526000 0 connected\n";

/* A cluster made by clusterctl create on three addresses (two instances
 * each), after both instances of 127.0.0.13 were SIGKILLed: its master's
 * replica on 127.0.0.12 took over, so 127.0.0.12 holds two masters. */
static const char v_host_down[] =
	"d2ea5432338c8e047d1e6c922d688160463a9e3f 127.0.0.13:6380@16380 slave,fail "
	"c639d1a3259f606c1cb7434209f8135d73aaa648 1795636205138 1795636204130 1 disconnected\n"
	"c639d1a3259f606c1cb7434209f8135d73aaa648 127.0.0.11:6379@16379 myself,master - 0 "
	"1795636211000 1 connected 0-5461\n"
	"c067fc0d5c6685591ff3b1f26cbdcb7632b5c1fb 127.0.0.12:6379@16379 master - 0 1795636212000 2 "
	"connected 5462-10922\n"
	"455d290786e55832bc9770f35b54998ec268fe29 127.0.0.11:6380@16380 slave "
	"c067fc0d5c6685591ff3b1f26cbdcb7632b5c1fb 0 1795636212808 2 connected\n"
	"e032486ce2f223c942fd8a4b232120a98eea3afd 127.0.0.12:6380@16380 master - 0 1795636212202 7 "
	"connected 10923-16383\n"
	"26927cae59de00338c6961544a42c363b904659b 127.0.0.13:6379@16379 master,fail - 1795636205138 "
	"1795636204130 3 disconnected\n";

static void parse_ok(const char *text, struct ctable *t)
{
	char err[256];
	if (ctable_parse(text, t, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void test_parse_healthy(void **state)
{
	struct ctable t;
	(void)state;
	parse_ok(v_healthy, &t);
	assert_int_equal(t.n, 6);
	int me = ctable_myself(&t);
	assert_int_equal(me, 4);
	const struct cnode *n = &t.nodes[me];
	assert_string_equal(n->id, ID1);
	assert_string_equal(n->host, "127.0.0.1");
	assert_int_equal(n->port, 7001);
	assert_int_equal(n->cport, 17001);
	assert_int_equal(n->flags, CN_MYSELF | CN_MASTER);
	assert_string_equal(n->master_id, "");
	assert_true(n->connected);
	assert_int_equal(n->nslots, 1);
	assert_int_equal(n->slots[0].first, 0);
	assert_int_equal(n->slots[0].last, 5460);
	assert_int_equal(cnode_slot_count(n), 5461);
	assert_string_equal(n->domain, "127.0.0.1");

	int r = ctable_find(&t, ID6);
	assert_int_equal(r, 1);
	assert_int_equal(t.nodes[r].flags, CN_SLAVE);
	assert_string_equal(t.nodes[r].master_id, ID1);
	assert_int_equal(t.nodes[r].nslots, 0);
	assert_int_equal(ctable_find_addr(&t, "127.0.0.1", 7003), 5);
	assert_int_equal(t.nodes[5].config_epoch, 4);
	assert_int_equal(ctable_find(&t, "0000000000000000000000000000000000000000"), -1);
	ctable_free(&t);
}

static void test_parse_states(void **state)
{
	struct ctable t;
	(void)state;
	parse_ok(v_migrating, &t);
	assert_int_equal(t.nodes[4].nopen, 1);
	assert_int_equal(t.nodes[4].open[0].slot, 100);
	assert_false(t.nodes[4].open[0].importing);
	assert_string_equal(t.nodes[4].open[0].peer, ID2);
	assert_int_equal(t.nodes[4].nslots, 1);
	ctable_free(&t);

	parse_ok(v_importing_line, &t);
	assert_true(t.nodes[0].open[0].importing);
	assert_string_equal(t.nodes[0].open[0].peer, ID1);
	ctable_free(&t);

	parse_ok(v_failover, &t);
	assert_int_equal(t.nodes[5].flags, CN_MASTER | CN_FAIL);
	assert_false(t.nodes[5].connected);
	assert_int_equal(t.nodes[5].nslots, 0);
	assert_true(cnode_failed(&t.nodes[5]));
	assert_false(cnode_failed(&t.nodes[3]));
	ctable_free(&t);

	parse_ok(v_pfail_line, &t);
	assert_int_equal(t.nodes[0].flags, CN_SLAVE | CN_PFAIL);
	assert_true(cnode_failed(&t.nodes[0]));
	ctable_free(&t);

	parse_ok(v_hostname_line, &t);
	assert_string_equal(t.nodes[0].host, "127.0.0.1");
	assert_string_equal(t.nodes[0].hostname, "redis01.lab");
	assert_int_equal(t.nodes[0].cport, 17001);
	ctable_free(&t);

	parse_ok(v_handshake, &t);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.nodes[0].flags, CN_HANDSHAKE);
	ctable_free(&t);

	parse_ok(v_reset, &t);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.nodes[0].nslots, 0);
	ctable_free(&t);

	/* noaddr (a node forgotten by its address) and CRLF line ends. */
	parse_ok(ID3 " :0@0 master,noaddr - 1795635512415 1795635511407 4 disconnected\r\n", &t);
	assert_string_equal(t.nodes[0].host, "");
	assert_true(t.nodes[0].flags & CN_NOADDR);
	ctable_free(&t);

	parse_ok("", &t);
	assert_int_equal(t.n, 0);
	ctable_free(&t);
}

static void test_parse_bad(void **state)
{
	struct ctable t;
	char err[256];
	const char *bad[] = {
		"xyz 127.0.0.1:7001@17001 myself,master - 0 0 0 connected\n",
		ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0\n",
		ID1 " 127.0.0.1@17001 myself,master - 0 0 0 connected\n",
		ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 sideways\n",
		ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 0-16384\n",
		ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 500-100\n",
		ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 12x\n",
		ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected [100->-abc]\n",
		ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected [100-?-" ID2 "]\n",
		ID1 " 127.0.0.1:7001@17001 myself,slave nothex 0 0 0 connected\n",
		NULL,
	};
	(void)state;
	for (int i = 0; bad[i]; i++) {
		char text[512];
		snprintf(text, sizeof(text), "%s%s", v_reset, bad[i]);
		if (ctable_parse(text, &t, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(err, "line 2"));
		assert_null(t.nodes);
	}
}

static void test_signature(void **state)
{
	struct ctable a, b;
	char *sa, *sb;
	(void)state;
	/* Two nodes' views of one configuration agree; a failover changes it. */
	parse_ok(v_healthy, &a);
	parse_ok(v_healthy_7004, &b);
	sa = ctable_signature(&a);
	sb = ctable_signature(&b);
	assert_string_equal(sa, sb);
	free(sb);
	ctable_free(&b);
	parse_ok(v_disconnected, &b);  /* link state and ping times do not matter */
	sb = ctable_signature(&b);
	assert_string_equal(sa, sb);
	free(sb);
	ctable_free(&b);
	parse_ok(v_failover, &b);
	sb = ctable_signature(&b);
	assert_string_not_equal(sa, sb);
	free(sb);
	ctable_free(&b);
	/* Split ranges read like the merged range. */
	ctable_free(&a);
	parse_ok(ID1 " 127.0.0.1:7001@17001 master - 0 0 0 connected 6-9 0-5\n", &a);
	parse_ok(ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 0-9\n", &b);
	free(sa);
	sa = ctable_signature(&a);
	sb = ctable_signature(&b);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	ctable_free(&a);
	ctable_free(&b);
}

static void test_info_field(void **state)
{
	char v[64];
	const char info[] = "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\n"
			    "master_link_status:up\r\nslave_repl_offset:1234\r\nmaster_repl_offset:1234\r\n";
	(void)state;
	assert_int_equal(info_field(info, "role", v, sizeof(v)), 0);
	assert_string_equal(v, "slave");
	assert_int_equal(info_field(info, "master_link_status", v, sizeof(v)), 0);
	assert_string_equal(v, "up");
	assert_int_equal(info_field(info, "slave_repl_offset", v, sizeof(v)), 0);
	assert_string_equal(v, "1234");
	assert_int_equal(info_field(info, "master", v, sizeof(v)), -1);
	assert_int_equal(info_field(info, "repl_offset", v, sizeof(v)), -1);
	assert_int_equal(info_field("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n",
				    "cluster_state", v, sizeof(v)), 0);
	assert_string_equal(v, "ok");
}

/* --- the check ----------------------------------------------------------- */

/* The captured cluster ran on one machine; give it three pretend hosts so
 * that replicas sit away from their masters: h1 = 7001 7005, h2 = 7002
 * 7006, h3 = 7003 7004. Every node answered the probes. */
static void label_and_probe(struct ctable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct cnode *n = &t->nodes[i];
		int h = n->port == 7001 || n->port == 7005 ? 1 : n->port == 7002 || n->port == 7006 ? 2 : 3;
		snprintf(n->domain, sizeof(n->domain), "h%d", h);
		n->probe = (struct cnode_probe){ .probed = true, .reachable = !cnode_failed(n),
						 .state_ok = true, .agrees = true, .link_up = true,
						 .repl_offset = 5000 - (n->flags & CN_SLAVE ? n->port - 7000 : 0) };
	}
}

static void test_check_healthy(void **state)
{
	struct ctable t;
	struct check_report r;
	(void)state;
	parse_ok(v_healthy, &t);
	label_and_probe(&t);
	assert_int_equal(check_cluster(&t, &r), 0);
	assert_true(r.healthy);
	assert_int_equal(r.assigned, CLUSTER_SLOTS);
	assert_int_equal(r.served, CLUSTER_SLOTS);
	assert_int_equal(r.nmissing, 0);
	assert_int_equal(r.nfailed, 0);
	assert_int_equal(r.nviolations, 0);
	assert_int_equal(r.ndomains, 3);
	assert_int_equal(r.masters, 3);
	assert_int_equal(r.fair_share, 1);
	assert_string_equal(r.domains[0].name, "h1");
	assert_int_equal(r.domains[0].masters, 1);
	assert_int_equal(r.domains[0].replicas, 1);
	assert_int_equal(r.lag[ctable_find(&t, ID6)], 6); /* 5000 - 4994 */
	assert_int_equal(r.lag[ctable_find(&t, ID1)], -1);
	check_report_free(&r);

	/* Without labels all six share 127.0.0.1: every replica is misplaced. */
	for (size_t i = 0; i < t.n; i++)
		strcpy(t.nodes[i].domain, t.nodes[i].host);
	assert_int_equal(check_cluster(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.nviolations, 6); /* three replicas, three unbacked masters */
	assert_int_equal(r.violations[0].kind, VIOL_REPLICA_IN_MASTER_DOMAIN);
	assert_int_equal(r.fair_share, 3);
	assert_int_equal(r.over_share, 0);
	check_report_free(&r);
	ctable_free(&t);
}

static void test_check_failover(void **state)
{
	struct ctable t;
	struct check_report r;
	(void)state;
	/* Just after the kill: 7003 does not answer, its slots are unserved. */
	parse_ok(v_disconnected, &t);
	label_and_probe(&t);
	int dead = ctable_find(&t, ID3);
	t.nodes[dead].probe.reachable = false;
	t.nodes[ctable_find(&t, ID5)].probe.link_up = false;
	assert_int_equal(check_cluster(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.nfailed, 1);
	assert_int_equal(r.failed[0], dead);
	assert_int_equal(r.assigned, CLUSTER_SLOTS);
	assert_int_equal(r.served, 10923);
	assert_int_equal(r.nlink_down, 1);
	check_report_free(&r);
	ctable_free(&t);

	/* After the failover: 7005 (h1) is a master next to 7001, with no replica. */
	parse_ok(v_failover, &t);
	label_and_probe(&t);
	assert_int_equal(check_cluster(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.served, CLUSTER_SLOTS);
	assert_int_equal(r.nfailed, 1);
	assert_int_equal(r.failed[0], ctable_find(&t, ID3));
	assert_int_equal(r.fair_share, 1);
	assert_int_equal(r.over_share, 1);
	assert_string_equal(r.domains[0].name, "h1");
	assert_int_equal(r.domains[0].masters, 2);
	assert_true(r.domains[0].over_share);
	assert_int_equal(r.domains[2].failed, 1);
	assert_int_equal(r.nviolations, 1);
	assert_int_equal(r.violations[0].kind, VIOL_NO_REMOTE_REPLICA);
	assert_int_equal(r.violations[0].node, ctable_find(&t, ID5));
	check_report_free(&r);
	ctable_free(&t);
}

/* Domains are the IPs (no labels), as check uses them by default. */
static void test_check_host_down(void **state)
{
	struct ctable t;
	struct check_report r;
	(void)state;
	parse_ok(v_host_down, &t);
	for (size_t i = 0; i < t.n; i++)
		t.nodes[i].probe = (struct cnode_probe){ .probed = true,
							 .reachable = strcmp(t.nodes[i].host, "127.0.0.13") != 0,
							 .state_ok = true, .agrees = true, .link_up = true };
	assert_int_equal(check_cluster(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.served, CLUSTER_SLOTS);
	assert_int_equal(r.nmissing, 0);
	assert_int_equal(r.nfailed, 2);
	for (size_t i = 0; i < r.nfailed; i++)
		assert_string_equal(t.nodes[r.failed[i]].host, "127.0.0.13");
	assert_int_equal(r.ndomains, 3);
	assert_int_equal(r.masters, 3);
	assert_int_equal(r.fair_share, 1);
	assert_int_equal(r.over_share, 1);
	assert_string_equal(r.domains[1].name, "127.0.0.12");
	assert_int_equal(r.domains[1].masters, 2);
	assert_true(r.domains[1].over_share);
	assert_int_equal(r.domains[2].failed, 2);
	/* 127.0.0.11:6379 lost its replica with the host; 127.0.0.12:6380 never had one. */
	assert_int_equal(r.nviolations, 2);
	for (size_t i = 0; i < r.nviolations; i++)
		assert_int_equal(r.violations[i].kind, VIOL_NO_REMOTE_REPLICA);
	assert_int_equal(t.nodes[r.violations[0].node].port, 6379);
	assert_string_equal(t.nodes[r.violations[0].node].host, "127.0.0.11");
	assert_string_equal(t.nodes[r.violations[1].node].host, "127.0.0.12");
	assert_int_equal(t.nodes[r.violations[1].node].port, 6380);
	check_report_free(&r);
	ctable_free(&t);
}

static void test_check_slots_and_views(void **state)
{
	struct ctable t;
	struct check_report r;
	(void)state;
	parse_ok(v_migrating, &t);
	label_and_probe(&t);
	t.nodes[0].probe.agrees = false;
	t.nodes[1].probe.state_ok = false;
	assert_int_equal(check_cluster(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.nopen, 1);
	assert_int_equal(r.open[0], 4);
	assert_int_equal(r.ndisagree, 1);
	assert_int_equal(r.nstate_fail, 1);
	check_report_free(&r);
	ctable_free(&t);

	parse_ok(v_reset, &t);
	assert_int_equal(check_cluster(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.nmissing, 1);
	assert_int_equal(r.missing[0].first, 0);
	assert_int_equal(r.missing[0].last, 16383);
	check_report_free(&r);
	ctable_free(&t);

	parse_ok(ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 0-99 200 202-16383\n", &t);
	assert_int_equal(check_cluster(&t, &r), 0);
	assert_int_equal(r.nmissing, 2);
	assert_int_equal(r.missing[0].first, 100);
	assert_int_equal(r.missing[0].last, 199);
	assert_int_equal(r.missing[1].first, 201);
	assert_int_equal(r.missing[1].last, 201);
	assert_int_equal(r.assigned, CLUSTER_SLOTS - 101);
	check_report_free(&r);
	ctable_free(&t);
}

/* --- Repair: add, heal, watch ------------------------------------------- */

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

static void test_repair_host_rebuilt(void **state)
{
	struct ctable t;
	struct repair_step s;
	(void)state;

	/* Right after the loss: the dead host's nodes go first. */
	parse_ok(v_host_down, &t);
	probe_alive(&t, "127.0.0.13");
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_FORGET);
	assert_string_equal(t.nodes[s.node].host, "127.0.0.13");
	assert_non_null(strstr(s.reason, "serves no slot"));
	ctable_free(&t);

	/* Forgotten, not rebuilt: two domains left, at most two masters each. */
	parse_ok(v_survivors, &t);
	probe_alive(&t, NULL);
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_NONE);
	assert_true(s.balanced);
	ctable_free(&t);

	/* Rebuilt and joined: 127.0.0.12 holds two masters; the replica of one
	 * of them on the empty host takes over, not 127.0.0.11:6380 (its host
	 * already has its master). */
	parse_cat(v_survivors, v_rebuilt_lines, &t);
	probe_alive(&t, NULL);
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_FAILOVER);
	assert_string_equal(t.nodes[s.node].id, NEW2);
	assert_string_equal(t.nodes[s.target].id, HD_M12B);
	assert_non_null(strstr(s.reason, "fair share 1"));
	/* A replica whose link is down is not promoted. */
	t.nodes[ctable_find(&t, NEW2)].probe.link_up = false;
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_NONE);
	assert_false(s.balanced);
	assert_non_null(strstr(s.reason, "127.0.0.12 holds 2 masters"));
	ctable_free(&t);

	/* The dead nodes still listed next to the rebuilt ones: forget first. */
	char text[8192];
	snprintf(text, sizeof(text), "%s%s", v_host_down, v_rebuilt_lines);
	parse_ok(text, &t);
	probe_alive(&t, NULL);
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_FORGET);
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
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_NONE);
	assert_true(s.balanced);
	ctable_free(&t);
}

static void test_repair_orphan(void **state)
{
	struct ctable t;
	struct repair_step s;
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
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_REPLICATE);
	assert_int_equal(s.node, orphan);
	assert_string_equal(t.nodes[s.target].id, HD_M12B);
	assert_non_null(strstr(s.reason, "failed and serves no slot"));
	ctable_free(&t);

	/* A replica in its master's domain moves to a master elsewhere. */
	parse_ok(v_healthy, &t);
	label_and_probe(&t);
	strcpy(t.nodes[ctable_find(&t, ID5)].domain, "h3"); /* 7005 replicates 7003 (h3) */
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_REPLICATE);
	assert_int_equal(s.node, ctable_find(&t, ID5));
	assert_true(strcmp(t.nodes[s.target].domain, "h3") != 0);
	ctable_free(&t);
}

static void test_repair_add(void **state)
{
	struct ctable t;
	int out[4];
	(void)state;

	/* Every master has one replica: three new nodes on h1 go to the
	 * masters outside h1, spread before any gets a third. */
	parse_ok(v_healthy, &t);
	label_and_probe(&t);
	const char *h1[] = { "h1", "h1", "h1" };
	assert_int_equal(repair_plan_add(&t, h1, 3, out), 0);
	assert_string_equal(t.nodes[out[0]].id, ID2);
	assert_string_equal(t.nodes[out[1]].id, ID3);
	assert_string_equal(t.nodes[out[2]].id, ID2);
	const char *h4[] = { "h4" };
	assert_int_equal(repair_plan_add(&t, h4, 1, out), 0);
	assert_string_equal(t.nodes[out[0]].id, ID1);
	ctable_free(&t);

	/* After the loss: the two masters without a replica first, the one on
	 * the crowded host before the other; never a master on the node's own
	 * host. */
	parse_ok(v_host_down, &t);
	probe_alive(&t, "127.0.0.13");
	const char *rebuilt[] = { "127.0.0.13", "127.0.0.13", "127.0.0.13" };
	assert_int_equal(repair_plan_add(&t, rebuilt, 3, out), 0);
	assert_string_equal(t.nodes[out[0]].id, HD_M12B);
	assert_string_equal(t.nodes[out[1]].id, HD_M11);
	assert_string_equal(t.nodes[out[2]].id, HD_M12); /* all have one now: the crowded host's */
	const char *on12[] = { "127.0.0.12" };
	assert_int_equal(repair_plan_add(&t, on12, 1, out), 0);
	assert_string_equal(t.nodes[out[0]].id, HD_M11);
	ctable_free(&t);

	/* One domain only: nowhere to go. */
	parse_ok(v_healthy, &t);
	const char *same[] = { "127.0.0.1" };
	assert_int_equal(repair_plan_add(&t, same, 1, out), 1);
	assert_int_equal(out[0], -1);
	ctable_free(&t);
}

static void test_repair_takeover_and_stuck(void **state)
{
	struct ctable t;
	struct repair_step s;
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
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_TAKEOVER);
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
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_NONE);
	assert_false(s.balanced);
	assert_non_null(strstr(s.reason, "failure domain h1 holds 2 masters"));

	/* Healthy: balanced, nothing to do. */
	ctable_free(&t);
	parse_ok(v_healthy, &t);
	label_and_probe(&t);
	assert_int_equal(repair_next(&t, &s), 0);
	assert_int_equal(s.kind, REPAIR_NONE);
	assert_true(s.balanced);
	ctable_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_host_order),
		cmocka_unit_test(test_plan_3_hosts_x_2),
		cmocka_unit_test(test_plan_4_hosts_x_2),
		cmocka_unit_test(test_plan_3_hosts_x_3_r2),
		cmocka_unit_test(test_plan_labels),
		cmocka_unit_test(test_plan_uneven),
		cmocka_unit_test(test_plan_slots_and_masters_first),
		cmocka_unit_test(test_plan_refuses),
		cmocka_unit_test(test_plan_colocated_on_request),
		cmocka_unit_test(test_parse_healthy),
		cmocka_unit_test(test_parse_states),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_info_field),
		cmocka_unit_test(test_check_healthy),
		cmocka_unit_test(test_check_failover),
		cmocka_unit_test(test_check_host_down),
		cmocka_unit_test(test_check_slots_and_views),
		cmocka_unit_test(test_repair_host_rebuilt),
		cmocka_unit_test(test_repair_orphan),
		cmocka_unit_test(test_repair_add),
		cmocka_unit_test(test_repair_takeover_and_stuck),
	};
	return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
