/* test_health.c - the health check (cluster/health.c) on clusters
 * captured healthy, migrating, losing a node and losing a host
 * (cluster_vectors.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cluster_vectors.h"
#include "ctable.h"
#include "health.h"
#include "slot_count.h"

static void test_check_healthy(void **state)
{
	struct ctable t;
	struct health_report r;
	(void)state;
	parse_ok(v_healthy, &t);
	label_and_probe(&t);
	assert_int_equal(health_check(&t, &r), 0);
	assert_true(r.healthy);
	assert_int_equal(r.assigned, SLOT_COUNT);
	assert_int_equal(r.served, SLOT_COUNT);
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
	health_report_free(&r);

	/* Without labels all six share 127.0.0.1: every replica is misplaced. */
	for (size_t i = 0; i < t.n; i++)
		strcpy(t.nodes[i].domain, t.nodes[i].host);
	assert_int_equal(health_check(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.nviolations, 6); /* three replicas, three unbacked masters */
	assert_int_equal(r.violations[0].kind, VIOL_REPLICA_IN_MASTER_DOMAIN);
	assert_int_equal(r.fair_share, 3);
	assert_int_equal(r.over_share, 0);
	health_report_free(&r);
	ctable_free(&t);
}

static void test_check_failover(void **state)
{
	struct ctable t;
	struct health_report r;
	(void)state;
	/* Just after the kill: 7003 does not answer, its slots are unserved. */
	parse_ok(v_disconnected, &t);
	label_and_probe(&t);
	int dead = ctable_find(&t, ID3);
	t.nodes[dead].probe.reachable = false;
	t.nodes[ctable_find(&t, ID5)].probe.link_up = false;
	assert_int_equal(health_check(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.nfailed, 1);
	assert_int_equal(r.failed[0], dead);
	assert_int_equal(r.assigned, SLOT_COUNT);
	assert_int_equal(r.served, 10923);
	assert_int_equal(r.nlink_down, 1);
	health_report_free(&r);
	ctable_free(&t);

	/* After the failover: 7005 (h1) is a master next to 7001, with no replica. */
	parse_ok(v_failover, &t);
	label_and_probe(&t);
	assert_int_equal(health_check(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.served, SLOT_COUNT);
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
	health_report_free(&r);
	ctable_free(&t);
}

/* Domains are the IPs (no labels), as check uses them by default. */
static void test_check_host_down(void **state)
{
	struct ctable t;
	struct health_report r;
	(void)state;
	parse_ok(v_host_down, &t);
	for (size_t i = 0; i < t.n; i++)
		t.nodes[i].probe = (struct cnode_probe){ .probed = true,
							 .reachable = strcmp(t.nodes[i].host, "127.0.0.13") != 0,
							 .state_ok = true, .agrees = true, .link_up = true };
	assert_int_equal(health_check(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.served, SLOT_COUNT);
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
	health_report_free(&r);
	ctable_free(&t);
}

static void test_check_slots_and_views(void **state)
{
	struct ctable t;
	struct health_report r;
	(void)state;
	parse_ok(v_migrating, &t);
	label_and_probe(&t);
	t.nodes[0].probe.agrees = false;
	t.nodes[1].probe.state_ok = false;
	assert_int_equal(health_check(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.nopen, 1);
	assert_int_equal(r.open[0], 4);
	assert_int_equal(r.ndisagree, 1);
	assert_int_equal(r.nstate_fail, 1);
	health_report_free(&r);
	ctable_free(&t);

	parse_ok(v_reset, &t);
	assert_int_equal(health_check(&t, &r), 0);
	assert_false(r.healthy);
	assert_int_equal(r.nmissing, 1);
	assert_int_equal(r.missing[0].first, 0);
	assert_int_equal(r.missing[0].last, 16383);
	health_report_free(&r);
	ctable_free(&t);

	parse_ok(ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 0-99 200 202-16383\n", &t);
	assert_int_equal(health_check(&t, &r), 0);
	assert_int_equal(r.nmissing, 2);
	assert_int_equal(r.missing[0].first, 100);
	assert_int_equal(r.missing[0].last, 199);
	assert_int_equal(r.missing[1].first, 201);
	assert_int_equal(r.missing[1].last, 201);
	assert_int_equal(r.assigned, SLOT_COUNT - 101);
	health_report_free(&r);
	ctable_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_healthy),
		cmocka_unit_test(test_check_failover),
		cmocka_unit_test(test_check_host_down),
		cmocka_unit_test(test_check_slots_and_views),
	};
	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
