/* test_placement.c - the layout of a new cluster (cluster/placement.c):
 * every plan sound, the same whatever the input order, refused with a
 * reason when anti-affinity cannot be had, and healthy by the health
 * check once made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctable.h"
#include "health.h"
#include "placement.h"
#include "slot_count.h"

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
	int covered[SLOT_COUNT] = { 0 }, smallest = SLOT_COUNT, largest = 0;

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
	for (int s = 0; s < SLOT_COUNT; s++)
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
		struct health_report r;
		layout_shuffle(l);
		if (plan(l, replicas, false, roles, err, sizeof(err)) != 0)
			fail_msg("order %d: %s", round, err);
		assert_plan_sound(l, roles, replicas);
		plan_text(l, roles, text, sizeof(text));
		assert_string_equal(text, first);
		table_from_plan(l, roles, &t);
		assert_int_equal(health_check(&t, &r), 0);
		assert_int_equal(r.nviolations, 0);
		assert_int_equal(r.over_share, 0);
		assert_true(r.healthy);
		health_report_free(&r);
		ctable_free(&t);
	}
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_3_hosts_x_2),
		cmocka_unit_test(test_plan_4_hosts_x_2),
		cmocka_unit_test(test_plan_3_hosts_x_3_r2),
		cmocka_unit_test(test_plan_labels),
		cmocka_unit_test(test_plan_uneven),
		cmocka_unit_test(test_plan_slots_and_masters_first),
		cmocka_unit_test(test_plan_refuses),
		cmocka_unit_test(test_plan_colocated_on_request),
	};
	return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
