/* test_hostport.c - "HOST:PORT" as every program parses it (lib/hostport.c):
 * the forms each caller accepts, every error, the port's edges, and the
 * text written back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hostport.h"

static enum hostport_error parse(const char *s, unsigned flags, struct hostport *hp)
{
	return hostport_parse(s, strlen(s), flags, hp);
}

static void assert_parses(const char *s, unsigned flags, const char *host, int port)
{
	struct hostport hp;

	if (parse(s, flags, &hp) != HOSTPORT_OK)
		fail_msg("'%s' (flags %u) was refused", s, flags);
	assert_string_equal(hp.host, host);
	assert_int_equal(hp.port, port);
}

static void assert_refused(const char *s, unsigned flags, enum hostport_error e)
{
	struct hostport hp;
	enum hostport_error got = parse(s, flags, &hp);

	if (got != e)
		fail_msg("'%s' (flags %u): error %d, expected %d", s, flags, got, e);
}

static void test_valid(void **state)
{
	(void)state;
	assert_parses("10.0.0.1:6379", 0, "10.0.0.1", 6379);
	assert_parses("redis01.lab:6380", 0, "redis01.lab", 6380);
	assert_parses("[fd00::1]:7000", 0, "fd00::1", 7000);
	assert_parses("[::1]:1", 0, "::1", 1);
	assert_parses("[10.0.0.1]:6379", 0, "10.0.0.1", 6379);
	/* Flags only widen what is accepted. */
	assert_parses("10.0.0.1:6379", HOSTPORT_BARE_V6 | HOSTPORT_EMPTY_HOST, "10.0.0.1", 6379);
	assert_parses("[fd00::1]:7000", HOSTPORT_BARE_V6, "fd00::1", 7000);
}

static void test_bare_v6(void **state)
{
	(void)state;
	/* Redis's MOVED and ASK: the last ':' separates the port. */
	assert_parses("fd00::1:6379", HOSTPORT_BARE_V6, "fd00::1", 6379);
	assert_parses("::1:7000", HOSTPORT_BARE_V6, "::1", 7000);
	assert_refused("fd00::1:6379", 0, HOSTPORT_BARE_V6_HOST);
	assert_refused("::6379", 0, HOSTPORT_BARE_V6_HOST);
	assert_refused("fd00::1:6379", HOSTPORT_EMPTY_HOST, HOSTPORT_BARE_V6_HOST);
}

static void test_empty_host(void **state)
{
	(void)state;
	assert_parses(":6379", HOSTPORT_EMPTY_HOST, "", 6379);
	assert_parses("[]:6379", HOSTPORT_EMPTY_HOST, "", 6379);
	assert_refused(":6379", 0, HOSTPORT_NO_HOST);
	assert_refused("[]:6379", 0, HOSTPORT_NO_HOST);
	assert_refused(":6379", HOSTPORT_BARE_V6, HOSTPORT_NO_HOST);
	assert_refused(":", 0, HOSTPORT_NO_HOST);
}

static void test_errors(void **state)
{
	(void)state;
	assert_refused("", 0, HOSTPORT_NO_PORT);
	assert_refused("10.0.0.1", 0, HOSTPORT_NO_PORT);
	assert_refused("[fd00::1]", 0, HOSTPORT_NO_PORT);
	assert_refused("[fd00::1]6379", 0, HOSTPORT_NO_PORT);
	assert_refused("[fd00::1", HOSTPORT_BARE_V6, HOSTPORT_NO_PORT);
	assert_refused("[a]b]:1", 0, HOSTPORT_NO_PORT);
	assert_refused("10.0.0.1:x", 0, HOSTPORT_BAD_PORT);
	assert_refused("a]b:1", 0, HOSTPORT_BAD_HOST);
	assert_refused("a[b:1", 0, HOSTPORT_BAD_HOST);
	assert_refused("[a[b]:1", 0, HOSTPORT_BAD_HOST);
	assert_refused("fd00::1]:1", HOSTPORT_BARE_V6, HOSTPORT_BAD_HOST);
}

/* 255 bytes is the longest host (Redis 7 hostnames); 256 is too long. */
static void test_long_host(void **state)
{
	char text[300], want[300];
	(void)state;
	memset(want, 'h', 255);
	want[255] = '\0';
	strcpy(text, want);
	strcat(text, ":1");
	assert_parses(text, 0, want, 1);
	memmove(text + 1, text, strlen(text) + 1);
	text[0] = 'h';
	assert_refused(text, 0, HOSTPORT_BAD_HOST);
}

static void test_port_edges(void **state)
{
	(void)state;
	assert_refused("h:0", 0, HOSTPORT_BAD_PORT);
	assert_parses("h:1", 0, "h", 1);
	assert_parses("h:65535", 0, "h", 65535);
	assert_refused("h:65536", 0, HOSTPORT_BAD_PORT);
	assert_refused("h:99999", 0, HOSTPORT_BAD_PORT);
	assert_refused("h:+1", 0, HOSTPORT_BAD_PORT);
	assert_refused("h:-1", 0, HOSTPORT_BAD_PORT);
	assert_refused("h: 1", 0, HOSTPORT_BAD_PORT);
	assert_refused("h:1 ", 0, HOSTPORT_BAD_PORT);
	assert_parses("h:080", 0, "h", 80);
	assert_parses("h:00001", 0, "h", 1);
	assert_refused("h:006379", 0, HOSTPORT_BAD_PORT); /* six digits, whatever their value */
	assert_refused("h:", 0, HOSTPORT_BAD_PORT);
	assert_refused("[fd00::1]:", 0, HOSTPORT_BAD_PORT);
	assert_refused("[fd00::1]:1:2", 0, HOSTPORT_BAD_PORT);

	assert_int_equal(hostport_port("6379", 4), 6379);
	assert_int_equal(hostport_port("63790", 4), 6379); /* only len bytes count */
	assert_int_equal(hostport_port("", 0), -1);
	assert_int_equal(hostport_port("0", 1), -1);
	assert_int_equal(hostport_port("65536", 5), -1);
	assert_int_equal(hostport_port("100000", 6), -1);
	assert_int_equal(hostport_port("+1", 2), -1);
}

/* The text need not end at len: a redirect is parsed inside its reply. */
static void test_length_bound(void **state)
{
	struct hostport hp;
	const char *s = "10.0.0.1:6379 trailing";
	(void)state;
	assert_int_equal(hostport_parse(s, 13, 0, &hp), HOSTPORT_OK);
	assert_string_equal(hp.host, "10.0.0.1");
	assert_int_equal(hp.port, 6379);
	assert_int_equal(hostport_parse(s, 14, 0, &hp), HOSTPORT_BAD_PORT);
	assert_int_equal(hostport_parse("[fd00::1]:7000", 9, 0, &hp), HOSTPORT_NO_PORT);
}

static void test_strerror(void **state)
{
	static const enum hostport_error all[] = { HOSTPORT_NO_PORT, HOSTPORT_BAD_PORT,
						   HOSTPORT_NO_HOST, HOSTPORT_BARE_V6_HOST,
						   HOSTPORT_BAD_HOST };
	size_t n = sizeof(all) / sizeof(all[0]);
	(void)state;
	/* clusterctl quotes these two in its own messages. */
	assert_string_equal(hostport_strerror(HOSTPORT_BAD_PORT),
			    "the port must be a number from 1 to 65535");
	assert_string_equal(hostport_strerror(HOSTPORT_BARE_V6_HOST),
			    "write an IPv6 address in brackets, [ADDR]:PORT");
	for (size_t i = 0; i < n; i++) {
		assert_non_null(hostport_strerror(all[i]));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(hostport_strerror(all[i]), hostport_strerror(all[j]));
	}
}

static void test_format(void **state)
{
	char buf[HOSTPORT_STRLEN], small[8];
	(void)state;
	assert_string_equal(hostport_format("10.0.0.1", 7000, buf, sizeof(buf)), "10.0.0.1:7000");
	assert_string_equal(hostport_format("redis01.lab", 6379, buf, sizeof(buf)), "redis01.lab:6379");
	assert_string_equal(hostport_format("fd00::1", 7000, buf, sizeof(buf)), "[fd00::1]:7000");
	assert_string_equal(hostport_format("", 6379, buf, sizeof(buf)), ":6379");
	/* Cut short, still a string. */
	assert_string_equal(hostport_format("10.0.0.1", 7000, small, sizeof(small)), "10.0.0.");

	/* What is written parses back to the same host and port. */
	struct hostport hp;
	hostport_format("fd00::1", 65535, buf, sizeof(buf));
	assert_int_equal(parse(buf, 0, &hp), HOSTPORT_OK);
	assert_string_equal(hp.host, "fd00::1");
	assert_int_equal(hp.port, 65535);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_bare_v6),
		cmocka_unit_test(test_empty_host),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_host),
		cmocka_unit_test(test_port_edges),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests_name("hostport", tests, NULL, NULL);
}
