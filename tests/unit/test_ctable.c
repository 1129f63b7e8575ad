/* test_ctable.c - CLUSTER NODES and INFO text, parsed (cluster/ctable.c),
 * on output captured from real servers (cluster_vectors.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_vectors.h"
#include "ctable.h"

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

static void test_node_name_and_flags(void **state)
{
	struct ctable t;
	char buf[300];
	(void)state;
	parse_ok(v_healthy, &t);
	assert_string_equal(cnode_name(&t.nodes[0], buf, sizeof(buf)), "127.0.0.1:7002");
	cnode_flags_format(t.nodes[4].flags, buf, sizeof(buf));
	assert_string_equal(buf, "myself,master");
	ctable_free(&t);

	/* A node without an address is named by its id. */
	parse_ok(ID3 " :0@0 master,noaddr - 1795635512415 1795635511407 4 disconnected\n", &t);
	assert_string_equal(cnode_name(&t.nodes[0], buf, sizeof(buf)), ID3);
	cnode_flags_format(t.nodes[0].flags, buf, sizeof(buf));
	assert_string_equal(buf, "master,noaddr");
	ctable_free(&t);

	/* Redis writes an IPv6 address bare; a report puts it in brackets. */
	parse_ok(ID1 " fd00::1:7001@17001 myself,master - 0 0 0 connected\n", &t);
	assert_string_equal(t.nodes[0].host, "fd00::1");
	assert_string_equal(cnode_name(&t.nodes[0], buf, sizeof(buf)), "[fd00::1]:7001");
	ctable_free(&t);

	cnode_flags_format(CN_SLAVE | CN_PFAIL | CN_FAIL | CN_HANDSHAKE | CN_NOFAILOVER, buf, sizeof(buf));
	assert_string_equal(buf, "slave,fail?,fail,handshake,nofailover");
	cnode_flags_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_healthy),
		cmocka_unit_test(test_parse_states),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_info_field),
		cmocka_unit_test(test_node_name_and_flags),
	};
	return cmocka_run_group_tests_name("ctable", tests, NULL, NULL);
}
