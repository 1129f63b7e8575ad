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
	/* IPv4 unicast peers are whom it hears. */
	assert_int_equal(v->peers_from, PEERS_UNICAST);
	assert_int_equal(v->nrouters, 2);
	assert_addr(&v->routers[0], "10.33.0.21");
	assert_addr(&v->routers[1], "10.33.0.22");
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
	/* No peers anywhere: adverts from anyone, as before the key. */
	assert_int_equal(v->peers_from, PEERS_NONE);
	assert_int_equal(v->nrouters, 0);
	assert_int_equal(c.npeers, 0);
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
/* Each case: one line 3 in an otherwise valid instance, one message. */
struct line3_case {
	const char *line3, *message;
};

static void each_line3_fails(const struct line3_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
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

static void test_each_error(void **state)
{
	static const struct line3_case cases[] = {
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
		{ "peers = \"10.0.0.2/32\"", "peers \"10.0.0.2/32\": not an IP address" },
		{ "peers = \"front02\"", "peers \"front02\": not an IP address" },
		{ "peers = \"2001:db8::2\"", "peers \"2001:db8::2\": IPv6, but the addresses are IPv4" },
		{ "peers = \"224.0.0.18\"", "peers \"224.0.0.18\": not a unicast address" },
		{ "peers = \"0.0.0.0\"", "peers \"0.0.0.0\": not a unicast address" },
		{ "peers = \"127.0.0.1\"", "peers \"127.0.0.1\": not a unicast address" },
		{ "peers = { \"10.0.0.2\", \"10.0.0.2\" }", "peers \"10.0.0.2\": already listed on line 3" },
		{ "peers = \"10.0.0.1\"",
		  "peers \"10.0.0.1\": a VIP (vip \"200\", line 2), not a router's own address" },
	};
	(void)state;
	each_line3_fails(cases, sizeof(cases) / sizeof(cases[0]));
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

/* bfd { } and bfd = true: the timers, their defaults and limits, and the
 * peers a session needs. */
static void test_bfd(void **state)
{
	struct vipd_config c;

	(void)state;
	load_ok("peers = { \"10.0.0.2\" }\n"
		"bfd { interval = 0.01  multiplier = 5 }\n"
		"vip a { interface = eth0  vrid = 1  bfd = true  address = { \"10.0.0.200/24\" } }\n"
		"vip b { interface = eth0  vrid = 2  address = { \"10.0.0.201/24\" } }\n", &c);
	assert_int_equal(c.bfd.interval_us, 10000);
	assert_int_equal(c.bfd.multiplier, 5);
	assert_int_equal(c.bfd.line, 2);
	assert_true(c.vips[0].bfd);
	assert_false(c.vips[1].bfd);
	config_free(&c);
	/* No section: the defaults. */
	load_ok("vip a { interface = eth0  vrid = 1  bfd = yes  peers = { \"10.0.0.2\" }\n"
		"        address = { \"10.0.0.200/24\" } }\n", &c);
	assert_int_equal(c.bfd.interval_us, CONFIG_BFD_INTERVAL_US);
	assert_int_equal(c.bfd.multiplier, CONFIG_BFD_MULTIPLIER);
	assert_int_equal(c.bfd.line, 0);
	assert_true(c.vips[0].bfd);
	config_free(&c);
	/* unicast_peers name the routers too. */
	load_ok("vip a { interface = eth0  vrid = 1  bfd = true  unicast_peers = { \"10.0.0.2\" }\n"
		"        address = { \"10.0.0.200/24\" } }\n", &c);
	assert_int_equal(c.vips[0].nrouters, 1);
	config_free(&c);
	FAILS_WITH("bfd {\n interval = 0\n multiplier = 0\n}\n",
		   ":2: interval = 0: must be 0.001..10 seconds", ":3: multiplier = 0: must be 1..255");
	FAILS_WITH("bfd { interval = 11  multiplier = 256 }\n",
		   ":1: interval = 11: must be 0.001..10 seconds", ":1: multiplier = 256: must be 1..255");
	FAILS_WITH("bfd { interval = fast }\n", ":1: interval = fast: not a number of seconds");
	FAILS_WITH("bfd { }\n\nbfd { }\n", ":3: bfd: a second section (the first is on line 1)");
	FAILS_WITH("bfd { interval = 0.01 echo = true }\n", ":1: no such option 'echo'");
	FAILS_WITH("vip a {\n interface = eth0\n vrid = 1\n bfd = true\n address = { \"10.0.0.200/24\" }\n}\n",
		   ":4: vip \"a\": bfd = true: no peer to run BFD sessions with: list the other routers in peers, "
		   "unicast_peers or the global peers");
	FAILS_WITH("peers = { \"10.0.0.2\" }\nvip a {\n interface = eth0\n vrid = 1\n bfd = true\n peers = { }\n"
		   " address = { \"10.0.0.200/24\" }\n}\n",
		   ":5: vip \"a\": bfd = true: peers = { } names no router to run BFD sessions with: list the other routers");
	FAILS_WITH("vip a {\n interface = eth0\n vrid = 1\n bfd = sometimes\n peers = { \"10.0.0.2\" }\n"
		   " address = { \"10.0.0.200/24\" }\n}\n",
		   ":4: vip \"a\": bfd = sometimes: must be true or false");
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

/* ---- tracks, notify, metrics, groups ------------------------------------ */

static const char track_conf[] =
	"metrics = \"127.0.0.1:9650\"\n"                              /* 1 */
	"vip web {\n"                                                 /* 2 */
	"    interface = eth0\n"                                      /* 3 */
	"    vrid      = 10\n"                                        /* 4 */
	"    address   = \"10.0.0.10/24\"\n"                          /* 5 */
	"    track_interface = { \"eth1\", \"eth2 weight -20\" }\n"   /* 6 */
	"    track_http api {\n"                                      /* 7 */
	"        url      = \"http://127.0.0.1:8080/health\"\n"       /* 8 */
	"        expect   = 204\n"                                    /* 9 */
	"        interval = 0.5\n"                                    /* 10 */
	"        timeout  = 0.25\n"                                   /* 11 */
	"        rise     = 3\n"                                      /* 12 */
	"        fall     = 4\n"                                      /* 13 */
	"        weight   = -60\n"                                    /* 14 */
	"    }\n"                                                     /* 15 */
	"    track_script db {\n"                                     /* 16 */
	"        command  = \"/usr/local/bin/check-db --quick\"\n"    /* 17 */
	"        interval = 2\n"                                      /* 18 */
	"        fault    = true\n"                                   /* 19 */
	"    }\n"                                                     /* 20 */
	"    track_http cache {\n"                                    /* 21 */
	"        url    = \"https://cache.example/ping\"\n"           /* 22 */
	"        weight = 15\n"                                       /* 23 */
	"    }\n"                                                     /* 24 */
	"    wait_for_tracks = true\n"                                /* 25 */
	"    notify          = \"/bin/true\"\n"                       /* 26 */
	"    notify_timeout  = 2.5\n"                                 /* 27 */
	"    notify_retries  = 5\n"                                   /* 28 */
	"}\n"                                                         /* 29 */
	"vip db   { interface = eth0 vrid = 11 address = \"10.0.0.11/24\" }\n" /* 30 */
	"vip mail { interface = eth0 vrid = 12 address = \"10.0.0.12/24\" }\n" /* 31 */
	"vip v6   { interface = eth0 vrid = 13 address = \"2001:db8::13\" }\n" /* 32 */
	"group pair {\n"                                              /* 33 */
	"    members = { web, \"db\" }\n"                             /* 34 */
	"}\n"                                                         /* 35 */
	"group solo { members = v6 }\n";                              /* 36 */

static void assert_track(const struct track_config *t, enum track_kind kind, const char *name,
			 const char *target, int expect, uint32_t interval_ms, uint32_t timeout_ms,
			 unsigned rise, unsigned fall, int weight, bool fault, int line)
{
	assert_int_equal(t->kind, kind);
	assert_string_equal(t->name, name);
	assert_non_null(t->target);
	assert_string_equal(t->target, target);
	assert_int_equal(t->expect, expect);
	assert_int_equal(t->interval_ms, interval_ms);
	assert_int_equal(t->timeout_ms, timeout_ms);
	assert_int_equal(t->rise, rise);
	assert_int_equal(t->fall, fall);
	assert_int_equal(t->weight, weight);
	assert_int_equal(t->fault, fault);
	assert_int_equal(t->line, line);
}

static void test_tracking_full(void **state)
{
	struct vipd_config c;
	const struct vip_config *v;

	(void)state;
	load_ok(track_conf, &c);
	assert_int_equal(c.nvips, 4);

	v = config_find(&c, "web");
	assert_non_null(v);
	/* track_interface first, then the track_http, then the track_script sections. */
	assert_int_equal(v->ntracks, 5);
	assert_track(&v->tracks[0], TRACK_INTERFACE, "eth1", "eth1", 0, 1000, 1000, 1, 1, 0, true, 6);
	assert_track(&v->tracks[1], TRACK_INTERFACE, "eth2", "eth2", 0, 1000, 1000, 1, 1, -20, false, 6);
	assert_track(&v->tracks[2], TRACK_HTTP, "api", "http://127.0.0.1:8080/health", 204, 500, 250, 3, 4,
		     -60, false, 7);
	assert_track(&v->tracks[3], TRACK_HTTP, "cache", "https://cache.example/ping", 200, 1000, 1000, 2, 2,
		     15, false, 21);
	assert_track(&v->tracks[4], TRACK_SCRIPT, "db", "/usr/local/bin/check-db --quick", 0, 2000, 1000, 2,
		     2, 0, true, 16);
	assert_true(v->wait_for_tracks);
	assert_non_null(v->notify);
	assert_string_equal(v->notify, "/bin/true");
	assert_int_equal(v->notify_timeout_ms, 2500);
	assert_int_equal(v->notify_retries, 5);

	/* A vip without any of it. */
	v = config_find(&c, "mail");
	assert_int_equal(v->ntracks, 0);
	assert_null(v->tracks);
	assert_false(v->wait_for_tracks);
	assert_null(v->notify);
	assert_int_equal(v->notify_timeout_ms, 10000);
	assert_int_equal(v->notify_retries, 3);

	/* metrics */
	assert_non_null(c.metrics);
	assert_string_equal(c.metrics, "127.0.0.1:9650");
	assert_addr(&c.metrics_addr, "127.0.0.1");
	assert_int_equal(c.metrics_addr.family, AF_INET);
	assert_int_equal(c.metrics_port, 9650);

	/* groups */
	assert_int_equal(c.ngroups, 2);
	assert_string_equal(c.groups[0].name, "pair");
	assert_int_equal(c.groups[0].line, 33);
	assert_int_equal(c.groups[0].nmembers, 2);
	assert_int_equal(c.groups[0].members[0], 0);
	assert_int_equal(c.groups[0].members[1], 1);
	assert_string_equal(c.groups[1].name, "solo");
	assert_int_equal(c.groups[1].line, 36);
	assert_int_equal(c.groups[1].nmembers, 1);
	assert_int_equal(c.groups[1].members[0], 3);
	assert_int_equal(config_find(&c, "web")->group, 0);
	assert_int_equal(config_find(&c, "db")->group, 0);
	assert_int_equal(config_find(&c, "mail")->group, -1);
	assert_int_equal(config_find(&c, "v6")->group, 1);
	config_free(&c);
	assert_null(c.groups);
	assert_null(c.metrics);
	config_free(&c);
}

static void test_tracking_defaults(void **state)
{
	struct vipd_config c;
	const struct vip_config *v;

	(void)state;
	load_ok("vip a {\n"
		"  interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
		"  track_http h { url = \"http://10.0.0.1/\" }\n"
		"  track_script s { command = \"exit 0\" }\n"
		"  notify = \"/bin/true\"\n"
		"}\n"
		"vip b { interface = eth0 vrid = 2 address = \"10.0.0.2\" }\n", &c);
	v = &c.vips[0];
	assert_int_equal(v->ntracks, 2);
	assert_track(&v->tracks[0], TRACK_HTTP, "h", "http://10.0.0.1/", 200, 1000, 1000, 2, 2, 0, true, 3);
	assert_track(&v->tracks[1], TRACK_SCRIPT, "s", "exit 0", 0, 1000, 1000, 2, 2, 0, true, 4);
	assert_false(v->wait_for_tracks);
	assert_string_equal(v->notify, "/bin/true");
	assert_int_equal(v->notify_timeout_ms, 10000);
	assert_int_equal(v->notify_retries, 3);
	assert_int_equal(v->group, -1);
	v = &c.vips[1];
	assert_int_equal(v->ntracks, 0);
	assert_null(v->tracks);
	assert_null(v->notify);
	assert_int_equal(v->notify_timeout_ms, 10000);
	assert_int_equal(v->notify_retries, 3);
	assert_int_equal(v->group, -1);
	assert_null(c.metrics);
	assert_int_equal(c.metrics_port, 0);
	assert_int_equal(c.ngroups, 0);
	assert_null(c.groups);
	config_free(&c);
}

/* The effect keys: a weight, or fault, or (by default) fault. */
static void test_track_effect_keys(void **state)
{
	static const struct {
		const char *keys;
		int weight;
		bool fault;
	} cases[] = {
		{ "", 0, true },
		{ "fault = true", 0, true },
		{ "fault = yes", 0, true },
		{ "weight = -10", -10, false },
		{ "weight = 10", 10, false },
		{ "weight = +10", 10, false },
		{ "weight = 254", 254, false },
		{ "weight = -254", -254, false },
		{ "weight = -1 fault = false", -1, false },
		{ "fault = no weight = 5", 5, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vipd_config c;
		char text[256];

		for (int kind = 0; kind < 2; kind++) {
			snprintf(text, sizeof(text),
				 "vip a { interface = eth0 vrid = 9 address = \"10.0.0.1\"\n"
				 "  %s t { %s %s }\n}\n",
				 kind ? "track_script" : "track_http",
				 kind ? "command = \"true\"" : "url = \"http://x/\"", cases[i].keys);
			load_ok(text, &c);
			assert_int_equal(c.vips[0].ntracks, 1);
			if (c.vips[0].tracks[0].weight != cases[i].weight ||
			    c.vips[0].tracks[0].fault != cases[i].fault)
				fail_msg("%s: weight %d fault %d, want %d %d", cases[i].keys,
					 c.vips[0].tracks[0].weight, c.vips[0].tracks[0].fault, cases[i].weight,
					 cases[i].fault);
			config_free(&c);
		}
	}
}

/* Values of the track and notify keys at the edges of their ranges. */
static void test_track_units(void **state)
{
	static const struct {
		const char *key, *value;
		long want;
	} cases[] = {
		{ "interval", "0.01", 10 },      { "interval", "3600", 3600000 },
		{ "interval", "0.0105", 11 },    { "interval", ".25", 250 },
		{ "timeout", "0.01", 10 },       { "timeout", "3600", 3600000 },
		{ "timeout", "1.5", 1500 },      { "rise", "1", 1 },
		{ "rise", "100", 100 },          { "fall", "1", 1 },
		{ "fall", "100", 100 },          { "expect", "100", 100 },
		{ "expect", "599", 599 },        { "expect", "301", 301 },
		{ "notify_timeout", "0.1", 100 }, { "notify_timeout", "3600", 3600000 },
		{ "notify_retries", "0", 0 },    { "notify_retries", "100", 100 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vipd_config c;
		const struct track_config *t;
		char text[512];
		bool vip_key = strncmp(cases[i].key, "notify_", 7) == 0;
		long got;

		/* The key and its value go where they belong. */
		snprintf(text, sizeof(text),
			 "vip a { interface = eth0 vrid = 9 address = \"10.0.0.1\" notify = \"/bin/true\"\n"
			 "  %s%s%s\n"
			 "  track_http h { url = \"http://x/\" %s%s%s }\n}\n",
			 vip_key ? cases[i].key : "", vip_key ? " = " : "", vip_key ? cases[i].value : "",
			 vip_key ? "" : cases[i].key, vip_key ? "" : " = ", vip_key ? "" : cases[i].value);
		load_ok(text, &c);
		t = &c.vips[0].tracks[0];
		if (strcmp(cases[i].key, "interval") == 0)
			got = t->interval_ms;
		else if (strcmp(cases[i].key, "timeout") == 0)
			got = t->timeout_ms;
		else if (strcmp(cases[i].key, "rise") == 0)
			got = t->rise;
		else if (strcmp(cases[i].key, "fall") == 0)
			got = t->fall;
		else if (strcmp(cases[i].key, "expect") == 0)
			got = t->expect;
		else if (strcmp(cases[i].key, "notify_timeout") == 0)
			got = c.vips[0].notify_timeout_ms;
		else
			got = c.vips[0].notify_retries;
		if (got != cases[i].want)
			fail_msg("%s = %s: got %ld, want %ld", cases[i].key, cases[i].value, got, cases[i].want);
		config_free(&c);
	}
}

/* One bad track or notify setting at a time, on line 3 of an otherwise
 * valid instance. */
static void test_tracking_each_error(void **state)
{
	static const struct line3_case cases[] = {
		/* weight and fault */
		{ "track_http h { url = \"http://x/\" weight = 0 }",
		  "weight = 0: must not be 0 (a track that changes nothing)" },
		{ "track_script s { command = \"x\" weight = -0 }",
		  "weight = -0: must not be 0 (a track that changes nothing)" },
		{ "track_http h { url = \"http://x/\" weight = 255 }", "weight = 255: must be -254..254" },
		{ "track_http h { url = \"http://x/\" weight = -255 }", "weight = -255: must be -254..254" },
		{ "track_script s { command = \"x\" weight = 99999999999999999999 }",
		  "weight = 99999999999999999999: must be -254..254" },
		{ "track_http h { url = \"http://x/\" weight = heavy }", "weight = heavy: not an integer" },
		{ "track_http h { url = \"http://x/\" weight = 1.5 }", "weight = 1.5: not an integer" },
		{ "track_http h { url = \"http://x/\" weight = 10 fault = true }",
		  "fault = true and weight = 10: a track has one or the other" },
		{ "track_script s { command = \"x\" fault = on weight = -10 }",
		  "fault = true and weight = -10: a track has one or the other" },
		{ "track_http h { url = \"http://x/\" fault = false }",
		  "fault = false: a track without fault needs a weight" },
		{ "track_script s { command = \"x\" fault = off }",
		  "fault = off: a track without fault needs a weight" },
		{ "track_http h { url = \"http://x/\" fault = maybe }", "fault = maybe: must be true or false" },
		/* url and command */
		{ "track_http h { }", "track_http h: url is required" },
		{ "track_http h { expect = 200 weight = 5 }", "track_http h: url is required" },
		{ "track_script s { }", "track_script s: command is required" },
		{ "track_script s { interval = 5 }", "track_script s: command is required" },
		{ "track_http h { url = \"ftp://x/\" }", "url = \"ftp://x/\": must start with http:// or https://" },
		{ "track_http h { url = \"x.example/\" }",
		  "url = \"x.example/\": must start with http:// or https://" },
		{ "track_http h { url = \"http:/x/\" }", "url = \"http:/x/\": must start with http:// or https://" },
		{ "track_http h { url = \"\" }", "url = \"\": must be 1..1023 printable characters" },
		{ "track_http h { url = \"http://x/\\ny\" }",
		  "url = \"http://x/\\x0ay\": must be 1..1023 printable characters" },
		{ "track_script s { command = \"\" }", "command = \"\": must be 1..1023 printable characters" },
		{ "track_script s { command = \"a\\nb\" }",
		  "command = \"a\\x0ab\": must be 1..1023 printable characters" },
		/* expect, interval, timeout, rise, fall */
		{ "track_http h { url = \"http://x/\" expect = 99 }", "expect = 99: must be 100..599" },
		{ "track_http h { url = \"http://x/\" expect = 600 }", "expect = 600: must be 100..599" },
		{ "track_http h { url = \"http://x/\" expect = ok }", "expect = ok: not an integer" },
		{ "track_http h { url = \"http://x/\" interval = 0 }", "interval = 0: must be 0.01..3600 seconds" },
		{ "track_http h { url = \"http://x/\" interval = 0.004 }",
		  "interval = 0.004: must be 0.01..3600 seconds" },
		{ "track_script s { command = \"x\" interval = 3600.001 }",
		  "interval = 3600.001: must be 0.01..3600 seconds" },
		{ "track_script s { command = \"x\" interval = -1 }", "interval = -1: must be 0.01..3600 seconds" },
		{ "track_script s { command = \"x\" interval = soon }", "interval = soon: not a number of seconds" },
		{ "track_http h { url = \"http://x/\" timeout = 0 }", "timeout = 0: must be 0.01..3600 seconds" },
		{ "track_script s { command = \"x\" timeout = 3601 }", "timeout = 3601: must be 0.01..3600 seconds" },
		{ "track_http h { url = \"http://x/\" rise = 0 }", "rise = 0: must be 1..100" },
		{ "track_script s { command = \"x\" rise = 101 }", "rise = 101: must be 1..100" },
		{ "track_http h { url = \"http://x/\" fall = 0 }", "fall = 0: must be 1..100" },
		{ "track_script s { command = \"x\" fall = 101 }", "fall = 101: must be 1..100" },
		{ "track_script s { command = \"x\" fall = two }", "fall = two: not an integer" },
		/* track names */
		{ "track_http \"a b\" { url = \"http://x/\" }",
		  "track \"a b\": the name must be 1..63 characters of A-Z a-z 0-9 _ . -" },
		{ "track_script \"\" { command = \"x\" }",
		  "track \"\": the name must be 1..63 characters of A-Z a-z 0-9 _ . -" },
		{ "track_script \"a/b\" { command = \"x\" }",
		  "track \"a/b\": the name must be 1..63 characters of A-Z a-z 0-9 _ . -" },
		/* track_interface */
		{ "track_interface = \"eth1 weight\"",
		  "track_interface \"eth1 weight\": must be \"IFNAME\" or \"IFNAME weight N\"" },
		{ "track_interface = \"eth1 prio 10\"",
		  "track_interface \"eth1 prio 10\": must be \"IFNAME\" or \"IFNAME weight N\"" },
		{ "track_interface = \"eth1 weight 10 more\"",
		  "track_interface \"eth1 weight 10 more\": must be \"IFNAME\" or \"IFNAME weight N\"" },
		{ "track_interface = \"eth1 weight 10x\"",
		  "track_interface \"eth1 weight 10x\": must be \"IFNAME\" or \"IFNAME weight N\"" },
		{ "track_interface = \"eth1 weight ten\"",
		  "track_interface \"eth1 weight ten\": must be \"IFNAME\" or \"IFNAME weight N\"" },
		{ "track_interface = \"eth1 eth2\"",
		  "track_interface \"eth1 eth2\": must be \"IFNAME\" or \"IFNAME weight N\"" },
		{ "track_interface = \"\"", "track_interface \"\": must be \"IFNAME\" or \"IFNAME weight N\"" },
		{ "track_interface = \"   \"", "track_interface \"   \": must be \"IFNAME\" or \"IFNAME weight N\"" },
		{ "track_interface = \"eth1 weight 0\"",
		  "track_interface \"eth1 weight 0\": the weight must be -254..254 and not 0" },
		{ "track_interface = \"eth1 weight 255\"",
		  "track_interface \"eth1 weight 255\": the weight must be -254..254 and not 0" },
		{ "track_interface = \"eth1 weight -255\"",
		  "track_interface \"eth1 weight -255\": the weight must be -254..254 and not 0" },
		{ "track_interface = \"eth1/2\"", "track_interface \"eth1/2\": not an interface name" },
		{ "track_interface = \"eth1:2\"", "track_interface \"eth1:2\": not an interface name" },
		{ "track_interface = \"..\"", "track_interface \"..\": not an interface name" },
		{ "track_interface = \"abcdefghijklmnop\"",
		  "track_interface \"abcdefghijklmnop\": not an interface name" },
		{ "track_interface = { \"eth1\", \"eth2 weight\" }",
		  "track_interface \"eth2 weight\": must be \"IFNAME\" or \"IFNAME weight N\"" },
		/* the address owner */
		{ "priority = 255 track_interface = \"eth1 weight -10\"",
		  "track \"eth1\": the address owner's priority (255) never changes: use fault = true" },
		{ "priority = 255 track_http h { url = \"http://x/\" weight = 5 }",
		  "track \"h\": the address owner's priority (255) never changes: use fault = true" },
		/* wait_for_tracks */
		{ "wait_for_tracks = true", "wait_for_tracks = true needs a track to wait for" },
		{ "wait_for_tracks = yes", "wait_for_tracks = true needs a track to wait for" },
		{ "wait_for_tracks = maybe", "wait_for_tracks = maybe: must be true or false" },
		/* notify */
		{ "notify = \"bin/true\"", "notify = \"bin/true\": must be an absolute path" },
		{ "notify = \"true\"", "notify = \"true\": must be an absolute path" },
		{ "notify = \"\"", "notify = \"\": must be an absolute path" },
		{ "notify = \"/bin/true\\n\"", "notify = \"/bin/true\\x0a\": must be an absolute path" },
		{ "notify = \"/etc/passwd\"", "notify = \"/etc/passwd\": cannot be run: Permission denied" },
		{ "notify = \"/nonexistent/hook\"",
		  "notify = \"/nonexistent/hook\": cannot be run: No such file or directory" },
		/* A directory passes access(X_OK): it is refused all the same. */
		{ "notify = \"/tmp\"", "notify = \"/tmp\": not a file" },
		{ "notify_timeout = 5", "notify_timeout = 5: needs notify" },
		{ "notify_retries = 1", "notify_retries = 1: needs notify" },
		{ "notify = \"/bin/true\" notify_timeout = 0.09",
		  "notify_timeout = 0.09: must be 0.1..3600 seconds" },
		{ "notify = \"/bin/true\" notify_timeout = 0", "notify_timeout = 0: must be 0.1..3600 seconds" },
		{ "notify = \"/bin/true\" notify_timeout = 3600.5",
		  "notify_timeout = 3600.5: must be 0.1..3600 seconds" },
		{ "notify = \"/bin/true\" notify_timeout = 2s", "notify_timeout = 2s: not a number of seconds" },
		{ "notify = \"/bin/true\" notify_retries = 101", "notify_retries = 101: must be 0..100" },
		{ "notify = \"/bin/true\" notify_retries = -1", "notify_retries = -1: must be 0..100" },
		{ "notify = \"/bin/true\" notify_retries = many", "notify_retries = many: not an integer" },
	};
	(void)state;
	each_line3_fails(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Problems that come in pairs, and a whole instance's worth at once. */
static void test_tracking_many_errors(void **state)
{
	(void)state;
	/* Without notify, notify_timeout is both unwanted and checked. */
	FAILS_WITH("vip a {\n"
		   "  interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
		   "  notify_timeout = 0.01 notify_retries = 1\n"
		   "}\n",
		   ":3: vip \"a\": notify_timeout = 0.01: needs notify",
		   ":3: vip \"a\": notify_retries = 1: needs notify",
		   ":3: vip \"a\": notify_timeout = 0.01: must be 0.1..3600 seconds");
	/* A bad weight with fault = true: both said. */
	FAILS_WITH("vip a {\n"
		   "  interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
		   "  track_http h {\n"
		   "    url = \"http://x/\"\n"
		   "    weight = 300\n"
		   "    fault = true\n"
		   "  }\n"
		   "}\n",
		   ":5: vip \"a\": weight = 300: must be -254..254",
		   ":6: vip \"a\": fault = true and weight = 300: a track has one or the other");
	/* A control character in the weight is shown escaped in both messages. */
	FAILS_WITH("vip a {\n"
		   "  interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
		   "  track_http h { url = \"http://x/\"\n"
		   "    weight = \"5\\n\" fault = true }\n"
		   "}\n",
		   ":4: vip \"a\": weight = 5\\x0a: not an integer",
		   ":4: vip \"a\": fault = true and weight = 5\\x0a: a track has one or the other");
	/* libconfuse's own errors inside a track section name that section. */
	FAILS_WITH("vip a {\n"
		   "  interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
		   "  track_script s { command = \"true\"\n"
		   "    expect = 200 }\n"
		   "}\n",
		   ":4: track_script \"s\": no such option 'expect'");
	FAILS_WITH("vip a {\n"                                            /* 1 */
		   "  interface = eth0 vrid = 1 address = \"10.0.0.1\"\n" /* 2 */
		   "  priority = 255\n"                                   /* 3 */
		   "  track_interface = { \"eth1\",\n"                    /* 4 */
		   "                      \"eth2 weight 5\",\n"           /* 5 */
		   "                      \"eth 3\" }\n"                  /* 6 */
		   "  track_http web {\n"                                 /* 7 */
		   "    url = \"gopher://x/\"\n"                          /* 8 */
		   "    rise = 0\n"                                       /* 9 */
		   "  }\n"                                                /* 10 */
		   "  track_script check {\n"                             /* 11 */
		   "    fault = true\n"                                   /* 12 */
		   "    weight = -30\n"                                   /* 13 */
		   "  }\n"                                                /* 14 */
		   "  notify = \"relative\"\n"                            /* 15 */
		   "  notify_retries = 1000\n"                            /* 16 */
		   "}\n"                                                  /* 17 */
		   "vip b { interface = eth1 vrid = 2 address = \"10.0.0.2\"\n" /* 18 */
		   "  wait_for_tracks = true }\n",                        /* 19 */
		   ":5: vip \"a\": track \"eth2\": the address owner's priority (255) never changes: use fault = true",
		   ":6: vip \"a\": track_interface \"eth 3\": must be \"IFNAME\" or \"IFNAME weight N\"",
		   ":8: vip \"a\": url = \"gopher://x/\": must start with http:// or https://",
		   ":9: vip \"a\": rise = 0: must be 1..100",
		   ":11: vip \"a\": track_script check: command is required",
		   ":11: vip \"a\": track \"check\": the address owner's priority (255) never changes: use fault = true",
		   ":12: vip \"a\": fault = true and weight = -30: a track has one or the other",
		   ":15: vip \"a\": notify = \"relative\": must be an absolute path",
		   ":16: vip \"a\": notify_retries = 1000: must be 0..100",
		   ":19: vip \"b\": wait_for_tracks = true needs a track to wait for");
}

/* One name per track in an instance, whatever the kinds. */
static void test_track_duplicates(void **state)
{
	struct vipd_config c;

	(void)state;
	FAILS_WITH("vip a {\n"                                                  /* 1 */
		   "  interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"       /* 2 */
		   "  track_interface = { \"eth1\", \"eth1 weight -5\" }\n"     /* 3 */
		   "  track_http eth1 { url = \"http://x/\" }\n"                /* 4 */
		   "  track_http web { url = \"http://x/\" }\n"                 /* 5 */
		   "  track_script web { command = \"true\" }\n"                /* 6 */
		   "}\n",
		   ":3: vip \"a\": track \"eth1\": the name is taken by the track on line 3 (interface)",
		   ":4: vip \"a\": track \"eth1\": the name is taken by the track on line 3 (interface)",
		   ":6: vip \"a\": track \"web\": the name is taken by the track on line 5 (http)");
	/* Two sections of one kind and one title: libconfuse says so. */
	FAILS_WITH("vip a {\n"
		   "  interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
		   "  track_script s { command = \"true\" }\n"
		   "  track_script s { command = \"false\" }\n"
		   "}\n",
		   ":4: vip \"a\": found duplicate title 's'");
	/* Names are per instance, and a track may share its vip's name. */
	load_ok("vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
		"  track_http a { url = \"http://x/\" } track_interface = eth1 }\n"
		"vip b { interface = eth0 vrid = 2 address = \"10.0.0.2\"\n"
		"  track_script a { command = \"true\" } track_interface = eth1 }\n", &c);
	assert_int_equal(c.vips[0].ntracks, 2);
	assert_int_equal(c.vips[1].ntracks, 2);
	assert_string_equal(c.vips[1].tracks[1].name, "a");
	config_free(&c);
}

/* What the address owner may and may not track; wait_for_tracks with tracks. */
static void test_tracking_owner_and_wait(void **state)
{
	struct vipd_config c;

	(void)state;
	load_ok("vip a {\n"
		"  interface = eth0 vrid = 1 address = \"10.0.0.1\" priority = 255\n"
		"  track_interface = eth1\n"
		"  track_http h { url = \"http://x/\" fault = true }\n"
		"  track_script s { command = \"true\" }\n"
		"  wait_for_tracks = on\n"
		"}\n"
		"vip b {\n"
		"  interface = eth0 vrid = 2 address = \"10.0.0.2\" priority = 254\n"
		"  track_interface = \"eth1 weight 254\"\n"
		"  wait_for_tracks = false\n"
		"}\n"
		"vip c { interface = eth0 vrid = 3 address = \"10.0.0.3\" wait_for_tracks = no }\n", &c);
	assert_int_equal(c.vips[0].priority, 255);
	assert_int_equal(c.vips[0].ntracks, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(c.vips[0].tracks[i].fault);
		assert_int_equal(c.vips[0].tracks[i].weight, 0);
	}
	assert_true(c.vips[0].wait_for_tracks);
	assert_int_equal(c.vips[1].tracks[0].weight, 254);
	assert_false(c.vips[1].wait_for_tracks);
	assert_false(c.vips[2].wait_for_tracks);
	config_free(&c);
}

/* Longest url and command: 1023 bytes. */
static void test_track_target_length(void **state)
{
	char *text = malloc(4096), target[1100];
	struct vipd_config c;

	(void)state;
	assert_non_null(text);
	memset(target, 'a', sizeof(target));
	memcpy(target, "http://", 7);
	target[1023] = '\0';
	snprintf(text, 4096, "vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
			     "  track_http h { url = \"%s\" } }\n", target);
	load_ok(text, &c);
	assert_int_equal(strlen(c.vips[0].tracks[0].target), 1023);
	config_free(&c);
	target[1023] = 'a';
	target[1024] = '\0';
	snprintf(text, 4096, "vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
			     "  track_script s { command = \"%s\" } }\n", target);
	char want[160];
	/* The message shows the first 72 bytes. */
	snprintf(want, sizeof(want), ":2: vip \"a\": command = \"%.72s...\": must be 1..1023 printable characters",
		 target);
	FAILS_WITH(text, want);
	free(text);
}

static void test_metrics(void **state)
{
	static const struct {
		const char *value, *addr;
		uint16_t port;
	} good[] = {
		{ "127.0.0.1:9650", "127.0.0.1", 9650 },
		{ "[::1]:9650", "::1", 9650 },
		{ "0.0.0.0:1", "0.0.0.0", 1 },
		{ "[::]:65535", "::", 65535 },
		{ "10.1.2.3:080", "10.1.2.3", 80 },
		{ "[2001:db8::9]:9100", "2001:db8::9", 9100 },
	};
	static const struct {
		const char *value, *problem;
	} bad[] = {
		{ "127.0.0.1", "must be ADDR:PORT or [ADDR6]:PORT" },
		{ "[::1]", "must be ADDR:PORT or [ADDR6]:PORT" },
		{ "[::1]9650", "must be ADDR:PORT or [ADDR6]:PORT" },
		{ "[::1:9650", "must be ADDR:PORT or [ADDR6]:PORT" },
		{ "::1:9650", "must be ADDR:PORT or [ADDR6]:PORT" },
		{ "2001:db8::1:9650", "must be ADDR:PORT or [ADDR6]:PORT" },
		{ "9650", "must be ADDR:PORT or [ADDR6]:PORT" },
		{ "", "must be ADDR:PORT or [ADDR6]:PORT" },
		{ ":9650", "the address is missing (127.0.0.1:PORT for this host only)" },
		{ "127.0.0.1:0", "the port must be 1..65535" },
		{ "127.0.0.1:65536", "the port must be 1..65535" },
		{ "127.0.0.1:70000", "the port must be 1..65535" },
		{ "127.0.0.1:", "the port must be 1..65535" },
		{ "127.0.0.1:+80", "the port must be 1..65535" },
		{ "127.0.0.1:-1", "the port must be 1..65535" },
		{ "127.0.0.1:http", "the port must be 1..65535" },
		{ "[::1]:0", "the port must be 1..65535" },
		{ "[::1]:abc", "the port must be 1..65535" },
		{ "localhost:9650", "localhost is not an IP address" },
		{ "metrics.example:9650", "metrics.example is not an IP address" },
		{ "[localhost]:9650", "localhost is not an IP address" },
		{ "10.0.0.256:9650", "10.0.0.256 is not an IP address" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct vipd_config c;
		char text[128];

		snprintf(text, sizeof(text), "metrics = \"%s\"\n", good[i].value);
		load_ok(text, &c);
		assert_string_equal(c.metrics, good[i].value);
		assert_addr(&c.metrics_addr, good[i].addr);
		assert_int_equal(c.metrics_addr.family, strchr(good[i].addr, ':') ? AF_INET6 : AF_INET);
		assert_int_equal(c.metrics_port, good[i].port);
		config_free(&c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], want[256];

		snprintf(text, sizeof(text), "\nmetrics = \"%s\"\n", bad[i].value);
		snprintf(want, sizeof(want), ":2: metrics = \"%s\": %s", bad[i].value, bad[i].problem);
		FAILS_WITH(text, want);
	}
}

static void test_groups(void **state)
{
	struct vipd_config c;

	(void)state;
	/* A group may come before its members; one member is enough. */
	load_ok("group g { members = { b } }\n"
		"vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\" }\n"
		"vip b { interface = eth0 vrid = 2 address = \"10.0.0.2\" }\n", &c);
	assert_int_equal(c.ngroups, 1);
	assert_int_equal(c.groups[0].nmembers, 1);
	assert_int_equal(c.groups[0].members[0], 1);
	assert_int_equal(c.groups[0].line, 1);
	assert_int_equal(c.vips[0].group, -1);
	assert_int_equal(c.vips[1].group, 0);
	config_free(&c);

	FAILS_WITH("vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\" }\n" /* 1 */
		   "vip b { interface = eth0 vrid = 2 address = \"10.0.0.2\" }\n"  /* 2 */
		   "group g1 { members = { a, nosuch } }\n"                        /* 3 */
		   "group g2 {\n"                                                  /* 4 */
		   "  members = { b,\n"                                            /* 5 */
		   "              b, a }\n"                                        /* 6 */
		   "}\n"                                                           /* 7 */
		   "group g3 { }\n"                                                /* 8 */
		   "group g4 { members = { } }\n"                                  /* 9 */
		   "group \"bad name\" { members = a }\n"                          /* 10 */
		   "group g5 { members = \"\" }\n",                                /* 11 */
		   ":3: group \"g1\": no vip named \"nosuch\"",
		   ":6: group \"g2\": vip \"b\" is listed twice",
		   ":6: group \"g2\": vip \"a\" is already in group \"g1\" (line 3)",
		   ":8: group \"g3\": members is required (the vip names)",
		   ":9: group \"g4\": members is required (the vip names)",
		   ":10: group \"bad name\": the name must be 1..63 characters of A-Z a-z 0-9 _ . -",
		   ":11: group \"g5\": no vip named \"\"");
	/* Without any vip, a group can name none. */
	FAILS_WITH("\ngroup g { members = a }\n", ":2: group \"g\": no vip named \"a\"");
	FAILS_WITH("vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\" }\n"
		   "group g { members = a }\n"
		   "group g { members = a }\n",
		   ":3: found duplicate title 'g'");
	/* Group and instance problems come sorted by line. */
	FAILS_WITH("group g { members = { a, b } }\n"
		   "vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\"\n"
		   "  notify = \"relative\" }\n",
		   ":1: group \"g\": no vip named \"b\"",
		   ":3: vip \"a\": notify = \"relative\": must be an absolute path");
}

static void test_track_kind(void **state)
{
	(void)state;
	assert_string_equal(config_track_kind(TRACK_INTERFACE), "interface");
	assert_string_equal(config_track_kind(TRACK_HTTP), "http");
	assert_string_equal(config_track_kind(TRACK_SCRIPT), "script");
	assert_string_equal(config_track_kind((enum track_kind)3), "unknown");
	assert_string_equal(config_track_kind((enum track_kind)-1), "unknown");
}

static void test_track_equal(void **state)
{
	struct vipd_config a, b;
	struct track_config t;

	(void)state;
	load_ok(track_conf, &a);
	/* The same tracks at other lines are the same checks. */
	char *moved = malloc(sizeof(track_conf) + 16);
	assert_non_null(moved);
	strcpy(moved, "\n\n");
	strcat(moved, track_conf);
	load_ok(moved, &b);
	free(moved);
	assert_int_equal(a.vips[0].ntracks, b.vips[0].ntracks);
	for (size_t i = 0; i < a.vips[0].ntracks; i++) {
		assert_int_not_equal(a.vips[0].tracks[i].line, b.vips[0].tracks[i].line);
		assert_true(config_track_equal(&a.vips[0].tracks[i], &b.vips[0].tracks[i]));
		for (size_t j = 0; j < a.vips[0].ntracks; j++)
			if (i != j)
				assert_false(config_track_equal(&a.vips[0].tracks[i], &b.vips[0].tracks[j]));
	}

	/* Every field but line counts. */
	const struct track_config *base = &a.vips[0].tracks[2]; /* track_http api */
	char other[] = "http://127.0.0.1:8080/healthz";
#define DIFFERS(mutation)                                                                   \
	do {                                                                                \
		t = *base;                                                                  \
		mutation;                                                                   \
		assert_false(config_track_equal(base, &t));                                 \
		assert_false(config_track_equal(&t, base));                                 \
	} while (0)
	DIFFERS(t.kind = TRACK_SCRIPT);
	DIFFERS(t.name[0] = 'A');
	DIFFERS(t.target = other);
	DIFFERS(t.target = NULL);
	DIFFERS(t.expect++);
	DIFFERS(t.interval_ms++);
	DIFFERS(t.timeout_ms++);
	DIFFERS(t.rise++);
	DIFFERS(t.fall++);
	DIFFERS(t.weight = -t.weight);
	DIFFERS(t.fault = !t.fault);
#undef DIFFERS
	t = *base;
	t.line += 100;
	assert_true(config_track_equal(base, &t));
	/* The target is compared by value, and no target equals an empty one. */
	char copy[64];
	snprintf(copy, sizeof(copy), "%s", base->target);
	t.target = copy;
	assert_true(config_track_equal(base, &t));
	struct track_config x = *base, y = *base;
	x.target = NULL;
	y.target = NULL;
	assert_true(config_track_equal(&x, &y));
	y.target = (char *)"";
	assert_true(config_track_equal(&x, &y));
	config_free(&a);
	config_free(&b);
}

/* Tracks, wait_for_tracks, notify and groups change under a running
 * instance: they are not part of its definition. */
static void test_vip_equal_ignores_tracking(void **state)
{
	struct vipd_config a, b;

	(void)state;
	load_ok("vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\" priority = 120 }\n"
		"vip b { interface = eth0 vrid = 2 address = \"10.0.0.2\" }\n", &a);
	load_ok("vip a { interface = eth0 vrid = 1 address = \"10.0.0.1\" priority = 120\n"
		"  track_interface = { \"eth1\", \"eth2 weight -20\" }\n"
		"  track_http h { url = \"http://x/\" weight = -50 }\n"
		"  track_script s { command = \"true\" }\n"
		"  wait_for_tracks = true\n"
		"  notify = \"/bin/true\" notify_timeout = 1 notify_retries = 0\n"
		"}\n"
		"vip b { interface = eth0 vrid = 2 address = \"10.0.0.2\" }\n"
		"group g { members = { a, b } }\n"
		"metrics = \"127.0.0.1:9650\"\n", &b);
	assert_int_equal(b.vips[0].ntracks, 4);
	assert_int_equal(b.vips[0].group, 0);
	assert_true(config_vip_equal(&a.vips[0], &b.vips[0]));
	assert_true(config_vip_equal(&b.vips[0], &a.vips[0]));
	assert_true(config_vip_equal(&a.vips[1], &b.vips[1]));
	assert_false(config_vip_equal(&a.vips[0], &b.vips[1]));
	/* By hand, field by field. */
	struct vip_config v = a.vips[0];
	struct track_config tr = b.vips[0].tracks[0];
	v.ntracks = 1;
	v.tracks = &tr;
	v.wait_for_tracks = true;
	v.notify = (char *)"/bin/false";
	v.notify_timeout_ms = 1;
	v.notify_retries = 99;
	v.group = 7;
	v.line = 1000;
	assert_true(config_vip_equal(&a.vips[0], &v));
	config_free(&a);
	config_free(&b);
}

/* ---- peers -------------------------------------------------------------- */

static void test_peers(void **state)
{
	struct vipd_config c;
	const struct vip_config *v;

	(void)state;
	load_ok("peers = { \"10.33.0.22\", \"fe80::22\", \"10.33.0.23\" }\n"       /* 1 */
		"vip 200 { interface = eth0  vrid = 200  address = \"10.33.0.200/24\" }\n"  /* 2 */
		"vip 201 { interface = eth0  vrid = 201  address = \"10.33.0.201/24\"\n"    /* 3 */
		"          peers = { \"10.33.0.24\" } }\n"                                 /* 4 */
		"vip 202 { interface = eth0  vrid = 202  address = \"10.33.0.202/24\"\n"    /* 5 */
		"          peers = { } }\n"                                               /* 6 */
		"vip 203 { interface = eth0  vrid = 203  address = \"10.33.0.203/24\"\n"    /* 7 */
		"          unicast_peers = { \"10.33.0.25\" } }\n"                         /* 8 */
		"vip v6 { interface = eth0  vrid = 200  address = \"fd00::200/64\" }\n"     /* 9 */
		"vip v6u { interface = eth0  vrid = 201  address = \"fd00::201/64\"\n"      /* 10 */
		"          unicast_peers = { \"fd00::22\" } }\n"                           /* 11 */
		"vip v6l { interface = eth0  vrid = 202  address = \"fd00::202/64\"\n"      /* 12 */
		"          unicast_peers = { \"fe80::23\" } }\n",                          /* 13 */
		&c);
	assert_int_equal(c.npeers, 3);
	assert_int_equal(c.peer_lines[2], 1);
	/* The global peers of its family. */
	v = config_find(&c, "200");
	assert_int_equal(v->peers_from, PEERS_GLOBAL);
	assert_int_equal(v->nrouters, 2);
	assert_addr(&v->routers[0], "10.33.0.22");
	assert_addr(&v->routers[1], "10.33.0.23");
	/* Its own replace them. */
	v = config_find(&c, "201");
	assert_int_equal(v->peers_from, PEERS_OWN);
	assert_int_equal(v->nrouters, 1);
	assert_addr(&v->routers[0], "10.33.0.24");
	assert_int_equal(v->router_lines[0], 4);
	/* peers = { }: anyone, whatever the global list says. */
	v = config_find(&c, "202");
	assert_int_equal(v->peers_from, PEERS_ANY);
	assert_int_equal(v->nrouters, 0);
	/* IPv4 unicast peers are the senders. */
	v = config_find(&c, "203");
	assert_int_equal(v->peers_from, PEERS_UNICAST);
	assert_int_equal(v->nrouters, 1);
	assert_addr(&v->routers[0], "10.33.0.25");
	/* IPv6 adverts come from link-local addresses: global unicast peers
	 * do not name the senders, the global list does. */
	v = config_find(&c, "v6");
	assert_int_equal(v->peers_from, PEERS_GLOBAL);
	assert_int_equal(v->nrouters, 1);
	assert_addr(&v->routers[0], "fe80::22");
	v = config_find(&c, "v6u");
	assert_int_equal(v->peers_from, PEERS_GLOBAL);
	assert_addr(&v->routers[0], "fe80::22");
	v = config_find(&c, "v6l");
	assert_int_equal(v->peers_from, PEERS_UNICAST);
	assert_addr(&v->routers[0], "fe80::23");
	config_free(&c);
	assert_null(c.peers);

	/* Global unicast IPv6 peers and nothing else: anyone, as before. */
	load_ok("vip v6u { interface = eth0  vrid = 201  address = \"fd00::201/64\"\n"
		"          unicast_peers = { \"fd00::22\" } }\n", &c);
	assert_int_equal(c.vips[0].peers_from, PEERS_NONE);
	assert_int_equal(c.vips[0].nrouters, 0);
	config_free(&c);
}

static void test_peers_errors(void **state)
{
	(void)state;
	FAILS_WITH("peers = { \"10.33.0.22\", \"10.33.0.300\", \"ff02::12\",\n"              /* 1 */
		   "          \"10.33.0.22\", \"10.33.0.201\", \"::1\" }\n"                      /* 2 */
		   "vip 200 { interface = eth0  vrid = 200  address = \"10.33.0.200/24\"\n"       /* 3 */
		   "          peers = { \"fd00::1\", \"10.33.0.200\" } }\n"                     /* 4 */
		   "vip 201 { interface = eth0  vrid = 201  address = \"10.33.0.201/24\" }\n"     /* 5 */
		   "vip v6 { interface = eth0  vrid = 1  address = \"fd00::1/64\" }\n",           /* 6 */
		   ":1: peers \"10.33.0.300\": not an IP address",
		   ":1: peers \"ff02::12\": not a unicast address",
		   ":2: peers \"10.33.0.22\": already listed on line 1",
		   ":2: peers \"::1\": not a unicast address",
		   ":2: peers \"10.33.0.201\": a VIP (vip \"201\", line 5), not a router's own address",
		   ":4: vip \"200\": peers \"fd00::1\": IPv6, but the addresses are IPv4",
		   ":4: vip \"200\": peers \"10.33.0.200\": a VIP (vip \"200\", line 3), not a router's own address",
		   ":6: vip \"v6\": the global peers (line 1) list no IPv6 router: give this instance peers of its "
		   "own (peers = { } accepts adverts from anyone)");
}

/* A changed list of peers is put into effect under the running instance:
 * it is not part of the definition a reload compares. */
static void test_peers_not_in_definition(void **state)
{
	struct vipd_config a, b;

	(void)state;
	load_ok("vip 200 { interface = eth0  vrid = 200  address = \"10.33.0.200/24\"\n"
		"          peers = { \"10.33.0.22\" } }\n", &a);
	load_ok("peers = { \"10.33.0.22\", \"10.33.0.23\" }\n"
		"vip 200 { interface = eth0  vrid = 200  address = \"10.33.0.200/24\" }\n", &b);
	assert_int_not_equal(a.vips[0].nrouters, b.vips[0].nrouters);
	assert_true(config_vip_equal(&a.vips[0], &b.vips[0]));
	config_free(&a);
	config_free(&b);
}

static bool fake_own(const struct ipaddr *a, void *arg)
{
	struct ipaddr own;

	assert_int_equal(ipaddr_parse(arg, &own), 0);
	return ipaddr_equal(a, &own);
}

/* The host's own address among the peers: FILE:LINE, for the global list
 * and each section's; unicast_peers keep their old freedom. */
static void test_peers_own_address(void **state)
{
	struct vipd_config c;
	char want[1024];

	(void)state;
	load_ok("peers = { \"10.33.0.21\", \"10.33.0.22\" }\n"                               /* 1 */
		"vip 200 { interface = eth0  vrid = 200  address = \"10.33.0.200/24\" }\n"     /* 2 */
		"vip 201 { interface = eth0  vrid = 201  address = \"10.33.0.201/24\"\n"       /* 3 */
		"          peers = { \"10.33.0.23\",\n"                                       /* 4 */
		"                    \"10.33.0.21\" } }\n"                                     /* 5 */
		"vip 202 { interface = eth0  vrid = 202  address = \"10.33.0.202/24\"\n"       /* 6 */
		"          unicast_peers = { \"10.33.0.21\" } }\n",                           /* 7 */
		&c);
	assert_int_equal(config_check_own(&c, fake_own, "10.33.0.21", err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "%s:1: peers \"10.33.0.21\": an address of this host: list the other routers\n"
		 "%s:5: vip \"201\": peers \"10.33.0.21\": an address of this host: list the other routers",
		 path, path);
	assert_string_equal(err, want);
	assert_int_equal(config_check_own(&c, fake_own, "10.33.0.29", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	config_free(&c);
}

/* ---- heartbeat_paths and virtual_mac ------------------------------------ */

static void test_paths_and_vmac(void **state)
{
	struct vipd_config c;

	(void)state;
	load_ok("vip 200 {\n"                                                     /* 1 */
		"  interface = eth0  vrid = 200  address = \"10.33.0.200/24\"\n"  /* 2 */
		"  heartbeat_paths = { \"eth1\",\n"                               /* 3 */
		"                      \"bond0.12\" }\n"                          /* 4 */
		"  virtual_mac = true\n"                                          /* 5 */
		"}\n"
		"vip 201 { interface = eth0  vrid = 201  address = \"10.33.0.201/24\" }\n", &c);
	assert_int_equal(c.vips[0].npaths, 2);
	assert_string_equal(c.vips[0].paths[0], "eth1");
	assert_string_equal(c.vips[0].paths[1], "bond0.12");
	assert_int_equal(c.vips[0].path_lines[0], 3);
	assert_int_equal(c.vips[0].path_lines[1], 4);
	assert_true(c.vips[0].virtual_mac);
	/* Defaults: no paths, no virtual MAC. */
	assert_int_equal(c.vips[1].npaths, 0);
	assert_null(c.vips[1].paths);
	assert_false(c.vips[1].virtual_mac);
	config_free(&c);
}

static void test_paths_errors(void **state)
{
	static const struct line3_case cases[] = {
		{ "heartbeat_paths = { \"eth0\" }",
		  "heartbeat_paths \"eth0\": the instance's own interface: a path is another link" },
		{ "heartbeat_paths = { \"eth1\", \"eth2\", \"eth1\" }", "heartbeat_paths \"eth1\": already listed on line 3" },
		{ "heartbeat_paths = { \"a/b\" }",
		  "heartbeat_paths \"a/b\": not an interface name (1..15 characters without '/', ':' or blanks)" },
		{ "heartbeat_paths = { \"abcdefghijklmnop\" }",
		  "heartbeat_paths \"abcdefghijklmnop\": not an interface name (1..15 characters without '/', ':' or "
		  "blanks)" },
		{ "heartbeat_paths = { \"\" }",
		  "heartbeat_paths \"\": not an interface name (1..15 characters without '/', ':' or blanks)" },
		{ "protocol = carp password = pw heartbeat_paths = { \"eth1\" }",
		  "heartbeat_paths: not with protocol = \"carp\", whose counters accept each advert once (the copy "
		  "heard on a second path would be a replay)" },
		{ "protocol = vrrp2 password = pw auth_type = ah heartbeat_paths = { \"eth1\" }",
		  "heartbeat_paths: not with auth_type = \"ah\", whose counters accept each advert once (the copy "
		  "heard on a second path would be a replay)" },
		{ "virtual_mac = maybe", "virtual_mac = maybe: must be true or false" },
		{ "priority = 255 virtual_mac = true",
		  "virtual_mac = true: the address owner (priority 255) answers from its own interface" },
	};
	struct vipd_config c;

	char text[1024], want[256];
	size_t o;

	(void)state;
	each_line3_fails(cases, sizeof(cases) / sizeof(cases[0]));
	/* At most CONFIG_MAX_PATHS; the one after is named. */
	o = (size_t)snprintf(text, sizeof(text), "vip 200 {\n  interface = eth0  vrid = 200  address = \"10.0.0.1/24\"\n"
			     "  heartbeat_paths = {");
	for (int i = 1; i <= CONFIG_MAX_PATHS + 1; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s\"p%d\"", i > 1 ? ", " : " ", i);
	snprintf(text + o, sizeof(text) - o, " }\n}\n");
	snprintf(want, sizeof(want), ":3: vip \"200\": heartbeat_paths \"p%d\": more than %d paths", CONFIG_MAX_PATHS + 1,
		 CONFIG_MAX_PATHS);
	FAILS_WITH(text, want);
	text[o] = '\0';
	for (char *comma = strrchr(text, ','); comma; comma = NULL)
		*comma = '\0';
	snprintf(text + strlen(text), sizeof(text) - strlen(text), " }\n}\n");
	load_ok(text, &c);
	assert_int_equal(c.vips[0].npaths, CONFIG_MAX_PATHS);
	config_free(&c);
	/* vrrp2 with a text password is fine; the owner without virtual_mac too. */
	load_ok("vip a { interface = eth0 vrid = 5 address = \"10.0.0.1\" protocol = vrrp2 password = pw\n"
		"        heartbeat_paths = { \"eth1\" } }\n"
		"vip b { interface = eth0 vrid = 6 address = \"10.0.0.2\" priority = 255 virtual_mac = false }\n", &c);
	config_free(&c);
}

/* A packet on a link finds its instance by family and VRID: a path may
 * not put a second instance of one VRID on a link; one macvlan per
 * family and VRID. */
static void test_paths_across(void **state)
{
	struct vipd_config c;

	(void)state;
	FAILS_WITH("vip a { interface = eth1 vrid = 5 address = \"10.0.1.1\" }\n"                  /* 1 */
		   "vip b { interface = eth0 vrid = 5 address = \"10.0.0.1\"\n"                    /* 2 */
		   "        heartbeat_paths = { \"eth2\", \"eth1\" } }\n"                         /* 3 */
		   "vip c { interface = eth3 vrid = 5 address = \"10.0.3.1\"\n"                    /* 4 */
		   "        heartbeat_paths = { \"eth2\" } }\n",                                 /* 5 */
		   ":3: vip \"b\": heartbeat_paths \"eth1\": vip \"a\" (line 1) already uses VRID 5 for IPv4 on eth1",
		   ":5: vip \"c\": heartbeat_paths \"eth2\": vip \"b\" (line 2) already uses VRID 5 for IPv4 on eth2");
	FAILS_WITH("vip a { interface = eth0 vrid = 5 address = \"10.0.0.1\" virtual_mac = true }\n"
		   "vip b { interface = eth1 vrid = 5 address = \"10.0.1.1\" virtual_mac = yes }\n",
		   ":2: vip \"b\": virtual_mac: vip \"a\" (line 1) already uses vrrp.5 (VRID 5, IPv4)");
	/* Another family or VRID: another link index entry, another macvlan. */
	load_ok("vip a { interface = eth0 vrid = 5 address = \"10.0.0.1\" virtual_mac = true\n"
		"        heartbeat_paths = { \"eth1\" } }\n"
		"vip b { interface = eth0 vrid = 5 address = \"2001:db8::1\" virtual_mac = true\n"
		"        heartbeat_paths = { \"eth1\" } }\n"
		"vip c { interface = eth1 vrid = 6 address = \"10.0.1.1\" virtual_mac = true }\n", &c);
	assert_int_equal(c.nvips, 3);
	config_free(&c);
}

static bool fake_exists(const char *ifname, void *arg)
{
	return strcmp(ifname, arg) == 0;
}

static void test_paths_exist(void **state)
{
	struct vipd_config c;
	char want[1024];

	(void)state;
	load_ok("vip a { interface = eth0 vrid = 5 address = \"10.0.0.1\"\n"      /* 1 */
		"        heartbeat_paths = { \"eth1\",\n"                          /* 2 */
		"                            \"eth9\" } }\n", &c);                 /* 3 */
	assert_int_equal(config_check_paths_exist(&c, fake_exists, "eth1", err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: vip \"a\": heartbeat_paths \"eth9\": no such interface on this host", path);
	assert_string_equal(err, want);
	assert_int_equal(config_check_paths_exist(&c, fake_exists, "eth9", err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: vip \"a\": heartbeat_paths \"eth1\": no such interface on this host", path);
	assert_string_equal(err, want);
	config_free(&c);
}

/* A reload keeps an instance whose paths changed (they change under it),
 * not one whose virtual_mac did (its VIPs move to another interface). */
static void test_paths_equal(void **state)
{
	struct vipd_config a, b;

	(void)state;
	load_ok("vip a { interface = eth0 vrid = 5 address = \"10.0.0.1\" heartbeat_paths = { \"eth1\" } }\n", &a);
	load_ok("vip a { interface = eth0 vrid = 5 address = \"10.0.0.1\" heartbeat_paths = { \"eth2\" } }\n", &b);
	assert_true(config_vip_equal(&a.vips[0], &b.vips[0]));
	config_free(&b);
	load_ok("vip a { interface = eth0 vrid = 5 address = \"10.0.0.1\" virtual_mac = true }\n", &b);
	assert_false(config_vip_equal(&a.vips[0], &b.vips[0]));
	config_free(&b);
	config_free(&a);
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
		cmocka_unit_test(test_bfd),
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
		cmocka_unit_test(test_tracking_full),
		cmocka_unit_test(test_tracking_defaults),
		cmocka_unit_test(test_track_effect_keys),
		cmocka_unit_test(test_track_units),
		cmocka_unit_test(test_tracking_each_error),
		cmocka_unit_test(test_tracking_many_errors),
		cmocka_unit_test(test_track_duplicates),
		cmocka_unit_test(test_tracking_owner_and_wait),
		cmocka_unit_test(test_track_target_length),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_track_kind),
		cmocka_unit_test(test_track_equal),
		cmocka_unit_test(test_vip_equal_ignores_tracking),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_peers_errors),
		cmocka_unit_test(test_peers_not_in_definition),
		cmocka_unit_test(test_peers_own_address),
		cmocka_unit_test(test_paths_and_vmac),
		cmocka_unit_test(test_paths_errors),
		cmocka_unit_test(test_paths_across),
		cmocka_unit_test(test_paths_exist),
		cmocka_unit_test(test_paths_equal),
		cmocka_unit_test(test_example_config),
	};

	return cmocka_run_group_tests_name("config", tests, group_setup, group_teardown);
}
