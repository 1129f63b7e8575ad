/* test_config.c - vipd.conf parsing and validation.
 *
 * Each test writes its file into a private temporary directory, so the
 * expected messages can name the exact path and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

static char tmpdir[] = "/tmp/test_config.XXXXXX";
static char path[256];
static char err[8192];

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(tmpdir);
}

static void write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/vipd.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void load_ok(const char *text, struct vipd_config *c)
{
	write_conf(text);
	err[0] = 'x';
	if (config_load(path, c, err, sizeof(err)) != 0)
		fail_msg("unexpected errors:\n%s", err);
}

/* Expect exactly these messages, in this order; each is ":LINE: ..." and
 * gets the file's path in front. */
static void load_fails_with(const char *text, const char *const *lines, size_t n)
{
	struct vipd_config c;
	char want[8192] = "";
	size_t len = 0;

	write_conf(text);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -1);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%s%s", i ? "\n" : "", path,
					lines[i]);
	assert_string_equal(err, want);
	/* A failed load leaves nothing behind to free, and freeing is safe. */
	assert_int_equal(c.nvips, 0);
	assert_null(c.vips);
	config_free(&c);
}

#define FAILS_WITH(text, ...)                                                                \
	do {                                                                                 \
		const char *const want_[] = { __VA_ARGS__ };                                 \
		load_fails_with(text, want_, sizeof(want_) / sizeof(want_[0]));              \
	} while (0)

static void assert_prefix(const struct ipprefix *p, const char *want)
{
	char buf[IPADDR_STRLEN];

	assert_string_equal(ipprefix_str(p, buf), want);
}

static void assert_addr(const struct ipaddr *a, const char *want)
{
	char buf[IPADDR_STRLEN];

	assert_string_equal(ipaddr_str(a, buf), want);
}

static const char full_conf[] =
	"# vipd test configuration\n"                           /* 1 */
	"socket    = \"/run/vipd/test.sock\"\n"                  /* 2 */
	"state_dir = \"/var/tmp/vipd\"\n"                        /* 3 */
	"\n"                                                     /* 4 */
	"vip 200 {\n"                                            /* 5 */
	"    interface       = \"eth0\"\n"                       /* 6 */
	"    vrid            = 200\n"                            /* 7 */
	"    priority        = 150\n"                            /* 8 */
	"    advert_interval = 0.5\n"                            /* 9 */
	"    preempt         = false\n"                          /* 10 */
	"    preempt_delay   = 2.5\n"                            /* 11 */
	"    protocol        = \"vrrp3\"\n"                      /* 12 */
	"    address         = { \"10.33.0.200/24\", \"10.33.0.201\" }\n" /* 13 */
	"    unicast_peers   = { \"10.33.0.21\", \"10.33.0.22\" }\n" /* 14 */
	"    checksum_mode   = \"rfc9568\"\n"                    /* 15 */
	"    accept_mode     = no\n"                             /* 16 */
	"    garp_count      = 5\n"                              /* 17 */
	"    garp_delay      = 0.25\n"                           /* 18 */
	"}\n"                                                    /* 19 */
	"\n"                                                     /* 20 */
	"vip web6 {\n"                                           /* 21 */
	"    interface = eth1\n"                                 /* 22 */
	"    vrid      = 200\n"                                  /* 23 */
	"    address   = { \"2001:db8::200/64\" }\n"             /* 24 */
	"}\n";

static void test_full(void **state)
{
	struct vipd_config c;
	const struct vip_config *v;

	(void)state;
	load_ok(full_conf, &c);
	assert_string_equal(c.path, path);
	assert_string_equal(c.socket, "/run/vipd/test.sock");
	assert_string_equal(c.state_dir, "/var/tmp/vipd");
	assert_int_equal(c.nvips, 2);

	v = config_find(&c, "200");
	assert_ptr_equal(v, &c.vips[0]);
	assert_string_equal(v->ifname, "eth0");
	assert_int_equal(v->family, AF_INET);
	assert_int_equal(v->vrid, 200);
	assert_int_equal(v->priority, 150);
	assert_int_equal(v->interval, 50);
	assert_false(v->preempt);
	assert_int_equal(v->preempt_delay_ms, 2500);
	assert_int_equal(v->protocol, VIP_PROTO_VRRP3);
	assert_int_equal(v->checksum_mode, VRRP_CKSUM_PLAIN);
	assert_false(v->accept_mode);
	assert_int_equal(v->garp_count, 5);
	assert_int_equal(v->garp_delay_ms, 250);
	assert_int_equal(v->naddrs, 2);
	assert_prefix(&v->addrs[0], "10.33.0.200/24");
	assert_prefix(&v->addrs[1], "10.33.0.201/32");
	assert_int_equal(v->npeers, 2);
	assert_addr(&v->peers[0], "10.33.0.21");
	assert_addr(&v->peers[1], "10.33.0.22");
	assert_int_equal(v->line, 5);

	v = config_find(&c, "web6");
	assert_ptr_equal(v, &c.vips[1]);
	assert_string_equal(v->ifname, "eth1");
	assert_int_equal(v->family, AF_INET6);
	assert_int_equal(v->vrid, 200); /* same VRID, other family: allowed */
	assert_int_equal(v->naddrs, 1);
	assert_prefix(&v->addrs[0], "2001:db8::200/64");
	assert_int_equal(v->line, 21);

	assert_null(config_find(&c, "201"));
	assert_null(config_find(&c, ""));
	config_free(&c);
	assert_null(c.vips);
	config_free(&c); /* twice is harmless */
}

static void test_defaults(void **state)
{
	struct vipd_config c;
	const struct vip_config *v;

	(void)state;
	load_ok("vip a { interface = eth0  vrid = 1  address = \"10.0.0.1/24\" }\n", &c);
	assert_string_equal(c.socket, CONFIG_DEFAULT_SOCKET);
	assert_string_equal(c.state_dir, CONFIG_DEFAULT_STATE_DIR);
	v = &c.vips[0];
	assert_string_equal(v->name, "a");
	assert_int_equal(v->priority, 100);
	assert_int_equal(v->interval, 100);
	assert_true(v->preempt);
	assert_int_equal(v->preempt_delay_ms, 0);
	assert_int_equal(v->protocol, VIP_PROTO_VRRP3);
	assert_int_equal(v->checksum_mode, VRRP_CKSUM_PSEUDO);
	assert_true(v->accept_mode);
	assert_int_equal(v->garp_count, 3);
	assert_int_equal(v->garp_delay_ms, 100);
	assert_int_equal(v->npeers, 0);
	assert_null(v->peers);
	config_free(&c);
}

static void test_empty_daemon(void **state)
{
	struct vipd_config c;

	(void)state;
	load_ok("", &c);
	assert_int_equal(c.nvips, 0);
	assert_string_equal(c.socket, CONFIG_DEFAULT_SOCKET);
	config_free(&c);
	load_ok("# nothing but\n/* comments */\n// here\n", &c);
	assert_int_equal(c.nvips, 0);
	config_free(&c);
}

/* Values and their stored units, at the edges of each range. */
static void test_units(void **state)
{
	static const struct {
		const char *key, *value;
		size_t offset;
		uint32_t want;
	} cases[] = {
		{ "advert_interval", "0.01", offsetof(struct vip_config, interval), 1 },
		{ "advert_interval", "40.95", offsetof(struct vip_config, interval), 4095 },
		{ "advert_interval", "0.015", offsetof(struct vip_config, interval), 2 },
		{ "advert_interval", "0.0149", offsetof(struct vip_config, interval), 1 },
		{ "advert_interval", "3", offsetof(struct vip_config, interval), 300 },
		{ "advert_interval", ".25", offsetof(struct vip_config, interval), 25 },
		{ "preempt_delay", "3600", offsetof(struct vip_config, preempt_delay_ms), 3600000 },
		{ "preempt_delay", "0.0005", offsetof(struct vip_config, preempt_delay_ms), 1 },
		{ "preempt_delay", "0.0004999", offsetof(struct vip_config, preempt_delay_ms), 0 },
		{ "preempt_delay", "0.00049999999999", offsetof(struct vip_config, preempt_delay_ms), 0 },
		{ "preempt_delay", "0.00050000000001", offsetof(struct vip_config, preempt_delay_ms), 1 },
		{ "preempt_delay", "+1", offsetof(struct vip_config, preempt_delay_ms), 1000 },
		{ "garp_delay", "10", offsetof(struct vip_config, garp_delay_ms), 10000 },
		{ "garp_delay", "0", offsetof(struct vip_config, garp_delay_ms), 0 },
		{ "garp_count", "0", offsetof(struct vip_config, garp_count), 0 },
		{ "garp_count", "100", offsetof(struct vip_config, garp_count), 100 },
		{ "priority", "255", offsetof(struct vip_config, priority), 255 },
		{ "priority", "1", offsetof(struct vip_config, priority), 1 },
		{ "vrid", "255", offsetof(struct vip_config, vrid), 255 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vipd_config c;
		char text[256];
		const char *field;
		uint32_t got;

		snprintf(text, sizeof(text),
			 "vip a { interface = eth0 vrid = 9 address = \"10.0.0.1\" %s = %s }\n",
			 cases[i].key, cases[i].value);
		load_ok(text, &c);
		field = (const char *)&c.vips[0] + cases[i].offset;
		if (strcmp(cases[i].key, "advert_interval") == 0)
			got = *(const uint16_t *)(const void *)field;
		else if (strcmp(cases[i].key, "priority") == 0 || strcmp(cases[i].key, "vrid") == 0)
			got = *(const uint8_t *)field;
		else if (strcmp(cases[i].key, "garp_count") == 0)
			got = *(const unsigned *)(const void *)field;
		else
			got = *(const uint32_t *)(const void *)field;
		if (got != cases[i].want)
			fail_msg("%s = %s: got %u, want %u", cases[i].key, cases[i].value, got,
				 cases[i].want);
		config_free(&c);
	}
}

static void test_booleans(void **state)
{
	static const char *const yes[] = { "true", "yes", "on", "TRUE", "Yes" };
	static const char *const no[] = { "false", "no", "off", "False" };
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]) + sizeof(no) / sizeof(no[0]); i++) {
		bool want = i < sizeof(yes) / sizeof(yes[0]);
		const char *word = want ? yes[i] : no[i - sizeof(yes) / sizeof(yes[0])];
		struct vipd_config c;
		char text[256];

		snprintf(text, sizeof(text),
			 "vip a { interface = eth0 vrid = 9 address = \"10.0.0.1\" preempt = %s "
			 "accept_mode = %s }\n", word, word);
		load_ok(text, &c);
		assert_int_equal(c.vips[0].preempt, want);
		assert_int_equal(c.vips[0].accept_mode, want);
		config_free(&c);
	}
}

/* One bad key at a time, on line 3 of an otherwise valid instance. */
static void test_each_error(void **state)
{
	static const struct {
		const char *line3, *message;
	} cases[] = {
		{ "vrid = 0", "vrid = 0: must be 1..255" },
		{ "vrid = 256", "vrid = 256: must be 1..255" },
		{ "vrid = 1.5", "vrid = 1.5: not an integer" },
		{ "vrid = 0x10", "vrid = 0x10: not an integer" },
		{ "priority = 300", "priority = 300: must be 1..255" },
		{ "priority = 0", "priority = 0: must be 1..255" },
		{ "priority = -1", "priority = -1: must be 1..255" },
		{ "priority = high", "priority = high: not an integer" },
		{ "priority = 99999999999999999999", "priority = 99999999999999999999: must be 1..255" },
		{ "advert_interval = 0", "advert_interval = 0: must be 0.01..40.95 seconds" },
		{ "advert_interval = 0.004", "advert_interval = 0.004: must be 0.01..40.95 seconds" },
		{ "advert_interval = 40.96", "advert_interval = 40.96: must be 0.01..40.95 seconds" },
		{ "advert_interval = 9999999999", "advert_interval = 9999999999: must be 0.01..40.95 seconds" },
		{ "garp_delay = 9595501104", "garp_delay = 9595501104: must be 0..10 seconds" },
		{ "advert_interval = 1,5", "unexpected token ','" },
		{ "advert_interval = 1s", "advert_interval = 1s: not a number of seconds" },
		{ "advert_interval = 1e1", "advert_interval = 1e1: not a number of seconds" },
		{ "advert_interval = nan", "advert_interval = nan: not a number of seconds" },
		{ "advert_interval = .", "advert_interval = .: not a number of seconds" },
		{ "preempt = maybe", "preempt = maybe: must be true or false" },
		{ "preempt_delay = 3600.01", "preempt_delay = 3600.01: must be 0..3600 seconds" },
		{ "preempt_delay = -1", "preempt_delay = -1: must be 0..3600 seconds" },
		{ "protocol = carp", "carp needs a password (the HMAC key, as ucarp's --pass)" },
		{ "protocol = vrrp2 password = \"longer_than_8\"",
		  "password = \"longer_than_8\": must be 1..8 bytes for this protocol" },
		{ "protocol = carp password = \"longer than nineteen\"",
		  "password = \"longer than nineteen\": must be 1..19 bytes for this protocol" },
		{ "protocol = vrrp2 advert_interval = 1.5", "vrrp2 advertises whole seconds: advert_interval must be 1..40" },
		{ "protocol = carp password = pw priority = 100", "priority = 100: carp uses advskew (lower wins) instead" },
		{ "protocol = carp password = pw advskew = 254", "advskew = 254: must be 0..253" },
		{ "protocol = carp password = pw advbase = 0", "advbase = 0: must be 1..254" },
		{ "password = \"pw\"", "password = \"pw\": needs protocol = \"vrrp2\" or \"carp\"" },
		{ "advskew = 10", "advskew = 10: needs protocol = \"carp\"" },
		{ "protocol = vrrp2 advbase = 2", "advbase = 2: needs protocol = \"carp\"" },
		{ "protocol = \"vrrp\"", "protocol = \"vrrp\": must be one of vrrp3, vrrp2, carp" },
		{ "checksum_mode = \"plain\"",
		  "checksum_mode = \"plain\": must be one of pseudo-header, rfc9568" },
		{ "accept_mode = 2", "accept_mode = 2: must be true or false" },
		{ "garp_count = 101", "garp_count = 101: must be 0..100" },
		{ "garp_count = -1", "garp_count = -1: must be 0..100" },
		{ "garp_delay = 10.001", "garp_delay = 10.001: must be 0..10 seconds" },
		{ "interface = \"eth0/1\"",
		  "interface = \"eth0/1\": must be 1..15 characters without '/', ':' or blanks" },
		{ "interface = \"eth0:1\"",
		  "interface = \"eth0:1\": must be 1..15 characters without '/', ':' or blanks" },
		{ "interface = \"my eth\"",
		  "interface = \"my eth\": must be 1..15 characters without '/', ':' or blanks" },
		{ "interface = \"\"",
		  "interface = \"\": must be 1..15 characters without '/', ':' or blanks" },
		{ "interface = \"abcdefghijklmnop\"",
		  "interface = \"abcdefghijklmnop\": must be 1..15 characters without '/', ':' or blanks" },
		{ "interface = \"a\\nb\"",
		  "interface = \"a\\x0ab\": must be 1..15 characters without '/', ':' or blanks" },
		{ "address += \"10.0.0.1/33\"", "address \"10.0.0.1/33\": not an IP address with an optional /LEN" },
		{ "address += \"10.0.0.300\"", "address \"10.0.0.300\": not an IP address with an optional /LEN" },
		{ "address += \"10.0.0.2/\"", "address \"10.0.0.2/\": not an IP address with an optional /LEN" },
		{ "address += \"eth0\"", "address \"eth0\": not an IP address with an optional /LEN" },
		{ "address += \"2001:db8::1\"",
		  "address \"2001:db8::1\": IPv6, but 10.0.0.1/24 is IPv4: one instance holds one family" },
		{ "address += \"10.0.0.1/32\"", "address \"10.0.0.1/32\": already listed on line 2" },
		{ "address += \"224.0.0.18\"", "address \"224.0.0.18\": not a unicast address" },
		{ "address += \"0.0.0.0\"", "address \"0.0.0.0\": not a unicast address" },
		{ "address += \"127.0.0.2\"", "address \"127.0.0.2\": not a unicast address" },
		{ "unicast_peers = \"10.0.0.2/32\"", "unicast_peers \"10.0.0.2/32\": not an IP address" },
		{ "unicast_peers = \"2001:db8::2\"",
		  "unicast_peers \"2001:db8::2\": IPv6, but the addresses are IPv4" },
		{ "unicast_peers = \"224.0.0.18\"", "unicast_peers \"224.0.0.18\": not a unicast address" },
		{ "unicast_peers = { \"10.0.0.2\", \"10.0.0.2\" }",
		  "unicast_peers \"10.0.0.2\": already listed on line 3" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512], want[512];

		snprintf(text, sizeof(text),
			 "vip 200 {\n"
			 "  interface = eth0  vrid = 200  address = \"10.0.0.1/24\"\n"
			 "  %s\n"
			 "}\n",
			 cases[i].line3);
		snprintf(want, sizeof(want), ":3: vip \"200\": %s", cases[i].message);
		FAILS_WITH(text, want);
	}
}

static void test_ipv6_rules(void **state)
{
	(void)state;
	FAILS_WITH("vip v6 {\n"
		   "  interface = eth0\n"
		   "  vrid = 1\n"
		   "  address = { \"2001:db8::1/64\",\n"
		   "              \"fe80::1/64\",\n"
		   "              \"ff02::12\", \"::1\", \"::\" }\n"
		   "  unicast_peers = { \"fe80::2\", \"ff02::1\", \"10.0.0.1\" }\n"
		   "}\n",
		   ":5: vip \"v6\": address \"fe80::1/64\": an IPv6 link-local address cannot be a VIP",
		   ":6: vip \"v6\": address \"ff02::12\": not a unicast address",
		   ":6: vip \"v6\": address \"::1\": not a unicast address",
		   ":6: vip \"v6\": address \"::\": not a unicast address",
		   ":7: vip \"v6\": unicast_peers \"ff02::1\": not a unicast address",
		   ":7: vip \"v6\": unicast_peers \"10.0.0.1\": IPv4, but the addresses are IPv6");
}

static void test_required(void **state)
{
	(void)state;
	FAILS_WITH("socket = \"/run/x.sock\"\n"
		   "vip empty\n"
		   "{\n"
		   "}\n"
		   "vip novip { interface = eth0 vrid = 3 address = { } }\n",
		   ":3: vip \"empty\": interface is required",
		   ":3: vip \"empty\": vrid is required",
		   ":3: vip \"empty\": address is required (at least one VIP)",
		   ":5: vip \"novip\": address is required (at least one VIP)");
}

static void test_names(void **state)
{
	char text[256];

	(void)state;
	FAILS_WITH("vip \"web server\" { interface = eth0 vrid = 1 address = \"10.0.0.1\" }\n"
		   "vip \"\" { interface = eth0 vrid = 2 address = \"10.0.0.2\" }\n",
		   ":1: vip \"web server\": the name must be 1..63 characters of A-Z a-z 0-9 _ . -",
		   ":2: vip \"\": the name must be 1..63 characters of A-Z a-z 0-9 _ . -");
	/* 63 characters is the most. */
	snprintf(text, sizeof(text), "vip %063d { interface = eth0 vrid = 1 address = \"10.0.0.1\" }\n", 7);
	struct vipd_config c;
	load_ok(text, &c);
	assert_int_equal(strlen(c.vips[0].name), 63);
	config_free(&c);
	snprintf(text, sizeof(text), "vip %064d { interface = eth0 vrid = 1 address = \"10.0.0.1\" }\n", 7);
	write_conf(text);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: vip \"0000"));
	assert_non_null(strstr(err, "the name must be 1..63 characters"));
}

static void test_globals(void **state)
{
	char text[512];
	char longpath[120];

	(void)state;
	memset(longpath, 'x', sizeof(longpath));
	longpath[0] = '/';
	longpath[108] = '\0';
	snprintf(text, sizeof(text), "\n# x\nsocket = \"%s\"\n", longpath);
	FAILS_WITH(text, ":3: socket = \"/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			 "...\": must be an absolute path shorter than 108 bytes");
	FAILS_WITH("socket = \"vipd.sock\"\nstate_dir = \"var/lib/vipd\"\n",
		   ":1: socket = \"vipd.sock\": must be an absolute path shorter than 108 bytes",
		   ":2: state_dir = \"var/lib/vipd\": must be an absolute path shorter than 4096 bytes");

	struct vipd_config c;
	longpath[107] = '\0'; /* 107 bytes and the NUL fit sun_path */
	snprintf(text, sizeof(text), "socket = \"%s\"\n", longpath);
	load_ok(text, &c);
	assert_int_equal(strlen(c.socket), 107);
	config_free(&c);
}

/* Every problem in one run, sorted by line, from several instances and
 * the checks across them. */
static void test_many_errors(void **state)
{
	(void)state;
	FAILS_WITH("vip a {\n"                                 /* 1 */
		   "  interface = eth0\n"                      /* 2 */
		   "  vrid = 10\n"                             /* 3 */
		   "  priority = 300\n"                        /* 4 */
		   "  address = \"10.0.0.1/24\"\n"             /* 5 */
		   "}\n"                                       /* 6 */
		   "vip b {\n"                                 /* 7 */
		   "  garp_count = 1000\n"                     /* 8 */
		   "  interface = eth0\n"                      /* 9 */
		   "  vrid = 10\n"                             /* 10 */
		   "  address = { \"10.0.0.2/24\",\n"          /* 11 */
		   "              \"10.0.0.1/24\" }\n"         /* 12 */
		   "  protocol = carp\n"                       /* 13 */
		   "}\n"                                       /* 14 */
		   "socket = \"relative\"\n",                  /* 15 */
		   ":4: vip \"a\": priority = 300: must be 1..255",
		   ":8: vip \"b\": garp_count = 1000: must be 0..100",
		   ":10: vip \"b\": vrid = 10: vip \"a\" (line 1) already uses VRID 10 for IPv4 on eth0",
		   ":12: vip \"b\": address \"10.0.0.1/24\": already a VIP of vip \"a\" (line 5)",
		   ":13: vip \"b\": carp needs a password (the HMAC key, as ucarp's --pass)",
		   ":15: socket = \"relative\": must be an absolute path shorter than 108 bytes");
}

static void test_duplicate_vrid(void **state)
{
	struct vipd_config c;

	(void)state;
	FAILS_WITH("vip a { interface = eth0 vrid = 5 address = \"10.0.0.1\" }\n"
		   "vip b { interface = eth0 vrid = 5 address = \"10.0.0.2\" }\n"
		   "vip c {\n interface = eth0\n vrid = 5\n address = \"10.0.0.3\"\n}\n",
		   ":2: vip \"b\": vrid = 5: vip \"a\" (line 1) already uses VRID 5 for IPv4 on eth0",
		   ":5: vip \"c\": vrid = 5: vip \"a\" (line 1) already uses VRID 5 for IPv4 on eth0",
		   ":5: vip \"c\": vrid = 5: vip \"b\" (line 2) already uses VRID 5 for IPv4 on eth0");
	/* Another interface or another family is another virtual router. */
	load_ok("vip a { interface = eth0 vrid = 5 address = \"10.0.0.1\" }\n"
		"vip b { interface = eth1 vrid = 5 address = \"10.0.1.1\" }\n"
		"vip c { interface = eth0 vrid = 5 address = \"2001:db8::1\" }\n", &c);
	assert_int_equal(c.nvips, 3);
	config_free(&c);
}

static void test_duplicate_vip_address(void **state)
{
	(void)state;
	FAILS_WITH("vip a { interface = eth0 vrid = 1 address = \"2001:db8::1/64\" }\n"
		   "vip b { interface = eth1 vrid = 2\n"
		   "  address = \"2001:db8::1/128\" }\n",
		   ":3: vip \"b\": address \"2001:db8::1/128\": already a VIP of vip \"a\" (line 1)");
}

static void test_mixed_families(void **state)
{
	(void)state;
	FAILS_WITH("vip m {\n"
		   "  interface = eth0\n"
		   "  vrid = 1\n"
		   "  address = { \"2001:db8::1/64\",\n"
		   "              \"10.0.0.1/24\" }\n"
		   "}\n",
		   ":5: vip \"m\": address \"10.0.0.1/24\": IPv4, but 2001:db8::1/64 is IPv6: one instance holds one family");
}

static void test_duplicate_names(void **state)
{
	(void)state;
	FAILS_WITH("vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\" }\n"
		   "\n"
		   "vip a { interface = eth0 vrid = 2 address = \"10.0.0.2\" }\n",
		   ":3: found duplicate title 'a'");
}

static void test_syntax_error(void **state)
{
	(void)state;
	FAILS_WITH("# a comment\n"
		   "vip a {\n"
		   "  interface = eth0\n"
		   "  vrid 1\n"
		   "}\n",
		   ":4: vip \"a\": missing equal sign after option 'vrid'");
	FAILS_WITH("vip a {\n  interface = eth0\n", ":1: '{' not closed");
	FAILS_WITH("vip a {\n  address = { \"10.0.0.1\",\n}\n", ":1: '{' not closed");
	FAILS_WITH("vip a {\n  interface = eth0\n}\n}\n", ":4: unexpected closing brace");
	FAILS_WITH("vip a {\n  interface = \"eth\\9\"\n}\n", ":2: vip \"a\": bad escape sequence '\\9'");
	FAILS_WITH("vip a { interface = eth0 }\n/* open\n\n", ":2: comment not closed (\"/*\" without \"*/\")");
	FAILS_WITH("vip a {\n  priority += 1\n}\n", ":2: vip \"a\": attempt to append to non-list option 'priority'");
}

static void test_unknown_key(void **state)
{
	(void)state;
	FAILS_WITH("/* a block comment\n   over two lines */\n"
		   "vip a {\n"
		   "  interface = eth0\n"
		   "  foo = 1\n"
		   "}\n",
		   ":5: vip \"a\": no such option 'foo'");
	FAILS_WITH("\n\nvrid = 1\n", ":3: no such option 'vrid'");
	FAILS_WITH("include(\"/etc/passwd\")\n", ":1: no such option 'include'");
	/* The hidden key that records where a section starts is unreachable. */
	FAILS_WITH("vip a {\n  \"vipd|section-line\" = 3\n}\n", ":2: vip \"a\": no sub-section title/index for 'vipd'");
}

/* libconfuse 3.3 miscounts lines after comments and refuses comments in
 * lists; config.c blanks comments out first. */
static void test_comments_keep_lines(void **state)
{
	struct vipd_config c;

	(void)state;
	FAILS_WITH("# one\n"
		   "// two\n"
		   "/* three\n"
		   "   four */ vip a { # five\n"
		   "  interface = eth0 // six\n"
		   "  vrid = 1 /* seven */\n"
		   "  address = { \"10.0.0.1\", # eight\n"
		   "              # nine\n"
		   "              \"10.0.0.1/8\" }\n"
		   "}\n",
		   ":9: vip \"a\": address \"10.0.0.1/8\": already listed on line 7");
	/* Comment characters inside quotes and unquoted words are data. */
	load_ok("socket = \"/run/a#b//c/*d\" # real comment\n"
		"state_dir = /var//lib/vipd\n"
		"vip a { interface = eth0 vrid = 1 address = { 10.0.0.1/24 # c\n } }\n", &c);
	assert_string_equal(c.socket, "/run/a#b//c/*d");
	assert_string_equal(c.state_dir, "/var//lib/vipd");
	assert_prefix(&c.vips[0].addrs[0], "10.0.0.1/24");
	assert_int_equal(c.vips[0].line, 3);
	config_free(&c);
}

static void test_missing_file(void **state)
{
	struct vipd_config c;
	char small[16];

	(void)state;
	assert_int_equal(config_load("/nonexistent/vipd.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/vipd.conf: cannot open: No such file or directory");
	assert_int_equal(config_load(tmpdir, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ": cannot read: Is a directory"));
	/* err may be small or absent. */
	assert_int_equal(config_load("/nonexistent/vipd.conf", &c, small, sizeof(small)), -1);
	assert_string_equal(small, "/nonexistent/vi");
	assert_int_equal(config_load("/nonexistent/vipd.conf", &c, NULL, 0), -1);
	config_free(&c);
}

static void test_nul_byte(void **state)
{
	struct vipd_config c;
	FILE *f;

	(void)state;
	write_conf("");
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("vip a {\0}\n", 1, 10, f);
	fclose(f);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "contains a NUL byte"));
}

/* A bad file leaves the parser usable for the next load (reload). */
static void test_load_after_failure(void **state)
{
	struct vipd_config c;

	(void)state;
	FAILS_WITH("vip a {\n  interface = \"unterminated\n}\n", ":2: quoted string not closed");
	FAILS_WITH("vip a {\n  interface = eth0\n", ":1: '{' not closed");
	FAILS_WITH("vip a {\n  interface = \"bad\\9\"\n}\n", ":2: vip \"a\": bad escape sequence '\\9'");
	load_ok(full_conf, &c);
	assert_int_equal(c.nvips, 2);
	config_free(&c);
}

static void test_address_limit(void **state)
{
	char *text = malloc(64 * 1024);
	size_t len;
	struct vipd_config c;

	(void)state;
	assert_non_null(text);
	len = (size_t)sprintf(text, "vip a {\n interface = eth0\n vrid = 1\n address = {\n");
	for (int i = 0; i < 255; i++)
		len += (size_t)sprintf(text + len, "%s\"10.0.%d.%d/16\"\n", i ? "," : "", i / 200, 1 + i % 200);
	strcpy(text + len, "}\n}\n");
	load_ok(text, &c);
	assert_int_equal(c.vips[0].naddrs, 255);
	config_free(&c);

	strcpy(text + len, ", \"10.0.9.9\"\n}\n}\n");
	FAILS_WITH(text, ":260: vip \"a\": address \"10.0.9.9\": more than 255 addresses");
	free(text);
}

static void test_equal(void **state)
{
	struct vipd_config a, b;
	struct vip_config v;

	(void)state;
	load_ok(full_conf, &a);
	/* The same definitions at other lines are the same instances. */
	char *moved = malloc(sizeof(full_conf) + 16);
	assert_non_null(moved);
	strcpy(moved, "\n\n\n");
	strcat(moved, full_conf);
	load_ok(moved, &b);
	free(moved);
	assert_int_not_equal(a.vips[0].line, b.vips[0].line);
	assert_true(config_vip_equal(&a.vips[0], &b.vips[0]));
	assert_true(config_vip_equal(&a.vips[1], &b.vips[1]));
	assert_false(config_vip_equal(&a.vips[0], &a.vips[1]));

	/* Every field counts. */
#define DIFFERS(mutation)                                                                   \
	do {                                                                                \
		v = b.vips[0];                                                              \
		mutation;                                                                   \
		assert_false(config_vip_equal(&a.vips[0], &v));                             \
		assert_false(config_vip_equal(&v, &a.vips[0]));                             \
	} while (0)
	DIFFERS(v.name[0] = 'x');
	DIFFERS(v.ifname[3] = '1');
	DIFFERS(v.family = AF_INET6);
	DIFFERS(v.vrid++);
	DIFFERS(v.priority++);
	DIFFERS(v.interval++);
	DIFFERS(v.preempt = !v.preempt);
	DIFFERS(v.preempt_delay_ms++);
	DIFFERS(v.accept_mode = !v.accept_mode);
	DIFFERS(v.checksum_mode = VRRP_CKSUM_PSEUDO);
	DIFFERS(v.garp_count++);
	DIFFERS(v.garp_delay_ms++);
	DIFFERS(v.naddrs--);
	DIFFERS(v.npeers--);
	struct ipprefix p[2];
	memcpy(p, b.vips[0].addrs, sizeof(p));
	DIFFERS(p[1].len = 31; v.addrs = p);
	memcpy(p, b.vips[0].addrs, sizeof(p));
	DIFFERS(p[1].addr.u.bytes[3]++; v.addrs = p);
	struct ipaddr peers[2];
	memcpy(peers, b.vips[0].peers, sizeof(peers));
	DIFFERS(peers[0].u.bytes[3]++; v.peers = peers);
#undef DIFFERS
	config_free(&a);
	config_free(&b);
}

static void test_example_config(void **state)
{
	struct vipd_config c;

	(void)state;
	if (config_load(SRCDIR "/provisioning/vipd.conf.example", &c, err, sizeof(err)) != 0)
		fail_msg("the shipped example does not load:\n%s", err);
	assert_true(c.nvips >= 1);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_daemon),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_each_error),
		cmocka_unit_test(test_ipv6_rules),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_globals),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_duplicate_vrid),
		cmocka_unit_test(test_duplicate_vip_address),
		cmocka_unit_test(test_mixed_families),
		cmocka_unit_test(test_duplicate_names),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_comments_keep_lines),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_load_after_failure),
		cmocka_unit_test(test_address_limit),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_example_config),
	};

	return cmocka_run_group_tests_name("config", tests, group_setup, group_teardown);
}
