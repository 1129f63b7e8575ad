/* test_node_addr.c - HOST:PORT[@LABEL] as typed on clusterctl's command
 * line, and the order of hosts and failure domains (cluster/node_addr.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "node_addr.h"

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
}

/* Each malformed address gets the message clusterctl has always given
 * for it, whichever part of the parser finds the fault. */
static void test_addr_messages(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "10.0.0.1", "'10.0.0.1' is not HOST:PORT[@LABEL]" },
		{ ":6379", "':6379' is not HOST:PORT[@LABEL]" },
		{ ":", "':' is not HOST:PORT[@LABEL]" },
		{ "[fd00::1]6379", "'[fd00::1]6379' is not HOST:PORT[@LABEL] ([IPV6]:PORT)" },
		{ "[fd00::1]", "'[fd00::1]' is not HOST:PORT[@LABEL] ([IPV6]:PORT)" },
		{ "[fd00::1", "'[fd00::1' is not HOST:PORT[@LABEL] ([IPV6]:PORT)" },
		{ "[a]b]:1", "'[a]b]:1' is not HOST:PORT[@LABEL] ([IPV6]:PORT)" },
		{ "[]:6379", "'[]:6379' has no usable HOST before the port" },
		{ "a]b:1", "'a]b:1' has no usable HOST before the port" },
		{ "a,b:6379", "'a,b:6379' has no usable HOST before the port" },
		{ "[a b]:6379", "'[a b]:6379' has no usable HOST before the port" },
		/* The host's fault is named before the port's. */
		{ "a/b:xyz", "'a/b:xyz' has no usable HOST before the port" },
		{ "fd00::1:6379", "'fd00::1:6379': write an IPv6 address in brackets, [ADDR]:PORT" },
		{ "::6379", "'::6379': write an IPv6 address in brackets, [ADDR]:PORT" },
		{ "10.0.0.1:", "'10.0.0.1:': the port must be a number from 1 to 65535" },
		{ "10.0.0.1:+1", "'10.0.0.1:+1': the port must be a number from 1 to 65535" },
		{ "[fd00::1]:", "'[fd00::1]:': the port must be a number from 1 to 65535" },
		{ "10.0.0.1:6379@", "'10.0.0.1:6379@': a LABEL after @ must have 1 to 63 characters" },
		{ "10.0.0.1:6379@a%b", "'10.0.0.1:6379@a%b': a LABEL may hold letters, digits and "
				       "._-:/ only" },
	};
	struct node_addr a;
	char err[400], host[300], text[400];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(node_addr_parse(cases[i].text, &a, err, sizeof(err)), -1);
		assert_string_equal(err, cases[i].err);
	}
	/* A host of 255 characters is the longest there is; 256 is too long. */
	memset(host, 'h', 256);
	host[256] = '\0';
	snprintf(text, sizeof(text), "%s:1", host);
	assert_int_equal(node_addr_parse(text, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has no usable HOST before the port"));
	assert_int_equal(node_addr_parse(text + 1, &a, err, sizeof(err)), 0);
	assert_int_equal(strlen(a.host), 255);
	/* Past what any address and label can be, the text is not quoted whole. */
	memset(text, 'x', 340);
	text[340] = '\0';
	assert_int_equal(node_addr_parse(text, &a, err, sizeof(err)), -1);
	assert_string_equal(err, "node address 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is too long");
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

static void test_domain_order(void **state)
{
	(void)state;
	/* Like hosts, but two spellings of one address are still two domains. */
	assert_int_equal(host_compare("fd00::1", "fd00:0::1"), 0);
	assert_int_not_equal(domain_compare("fd00::1", "fd00:0::1"), 0);
	assert_true(domain_compare("10.0.0.9", "10.0.0.10") < 0);
	assert_true(domain_compare("10.0.0.1", "rack-a") < 0);
	assert_true(domain_compare("rack-a", "rack-b") < 0);
	assert_int_equal(domain_compare("rack-a", "rack-a"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_addr_messages),
		cmocka_unit_test(test_host_order),
		cmocka_unit_test(test_domain_order),
	};
	return cmocka_run_group_tests_name("node_addr", tests, NULL, NULL);
}
