/* test_addr.c - address parsing, formatting and ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

static void test_parse_v4(void **state)
{
	struct ipprefix p;
	char buf[IPADDR_STRLEN];
	(void)state;
	assert_int_equal(ipprefix_parse("10.33.0.200/24", &p), 0);
	assert_int_equal(p.addr.family, AF_INET);
	assert_int_equal(p.len, 24);
	assert_string_equal(ipprefix_str(&p, buf), "10.33.0.200/24");
	assert_int_equal(ipprefix_parse("10.33.0.200", &p), 0);
	assert_int_equal(p.len, 32);
}

static void test_parse_v6(void **state)
{
	struct ipprefix p;
	char buf[IPADDR_STRLEN];
	(void)state;
	assert_int_equal(ipprefix_parse("fd00:33::200/64", &p), 0);
	assert_int_equal(p.addr.family, AF_INET6);
	assert_string_equal(ipprefix_str(&p, buf), "fd00:33::200/64");
	assert_int_equal(ipprefix_parse("fd00::1", &p), 0);
	assert_int_equal(p.len, 128);
}

static void test_parse_bad(void **state)
{
	struct ipprefix p;
	struct ipaddr a;
	(void)state;
	const char *bad[] = { "", "/24", "10.0.0.1/33", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/2x",
			      "fd00::1/129", "300.1.1.1", "eth0", "10.0.0.1/24/1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ipprefix_parse(bad[i], &p), -1);
	assert_int_equal(ipaddr_parse("10.0.0.1/24", &a), -1);
}

static void test_order(void **state)
{
	struct ipaddr a, b, c;
	(void)state;
	/* Network-order comparison: 10.0.0.9 < 10.0.0.10 < 10.0.1.1. */
	ipaddr_parse("10.0.0.9", &a);
	ipaddr_parse("10.0.0.10", &b);
	ipaddr_parse("10.0.1.1", &c);
	assert_true(ipaddr_cmp(&a, &b) < 0);
	assert_true(ipaddr_cmp(&b, &c) < 0);
	assert_true(ipaddr_cmp(&c, &a) > 0);
	assert_true(ipaddr_equal(&a, &a));
	ipaddr_parse("::1", &b);
	assert_false(ipaddr_equal(&a, &b));
}

static void test_group(void **state)
{
	struct ipaddr g;
	char buf[IPADDR_STRLEN];
	(void)state;
	ipaddr_vrrp_group(AF_INET, &g);
	assert_string_equal(ipaddr_str(&g, buf), "224.0.0.18");
	ipaddr_vrrp_group(AF_INET6, &g);
	assert_string_equal(ipaddr_str(&g, buf), "ff02::12");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_v4), cmocka_unit_test(test_parse_v6),
		cmocka_unit_test(test_parse_bad), cmocka_unit_test(test_order),
		cmocka_unit_test(test_group),
	};
	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
