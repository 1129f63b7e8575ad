/* test_proto.c - VRRPv3 wire format: vectors captured from keepalived,
 * round trips, one crafted packet per drop reason, truncation and
 * mutation sweeps (run under ASan: every decode gets an exact-size heap
 * copy, so a read past len is reported). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "proto.h"

/* Keepalived 2.2.7 (Debian 12), vrrp_version 3, VRID 51, priority 150,
 * advert_int 1, VIP 10.98.0.200/24, sent from 10.98.0.1 on a veth pair
 * and captured with tcpdump on the peer; Ethernet header stripped. */
static const uint8_t ka_v4[] = {
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x37,
	0x0a, 0x62, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x12,
	/* VRRP: checksum 0x424b covers the IPv4 pseudo-header. Without it
	 * the checksum would be 0x2d3d. */
	0x31, 0x33, 0x96, 0x01, 0x00, 0x64, 0x42, 0x4b, 0x0a, 0x62, 0x00, 0xc8,
};

/* Same daemon, second instance: VIP fd00:98::200/64, sent from the
 * link-local address of the veth to ff02::12. */
static const uint8_t ka_v6[] = {
	0x6c, 0x05, 0x2a, 0x64, 0x00, 0x18, 0x70, 0xff,
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x88, 0xaa, 0xb7, 0xff, 0xfe, 0xff, 0x5c, 0x53,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12,
	0x31, 0x33, 0x96, 0x01, 0x00, 0x64, 0x9e, 0xb2,
	0xfd, 0x00, 0x00, 0x98, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
};

#define KA_V4_PLAIN_CKSUM 0x2d3d
#define BUF_MAX 4200

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;
	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

/* Decode from an exact-size heap copy so ASan catches any over-read. */
static enum vrrp_drop decode(const uint8_t *pkt, size_t len, struct vrrp_packet *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, pkt, len);
	enum vrrp_drop r = proto_decode(copy, len, out);
	free(copy);
	return r;
}

/* An independent RFC 1071 checksum, to re-sign crafted packets. */
static uint16_t ref_cksum(const uint8_t *pre, size_t prelen, const uint8_t *msg, size_t len)
{
	uint8_t tmp[BUF_MAX + 64] = { 0 };
	if (prelen)
		memcpy(tmp, pre, prelen);
	if (len)
		memcpy(tmp + prelen, msg, len);
	uint64_t sum = 0;
	for (size_t i = 0; i < prelen + len; i += 2)
		sum += (uint64_t)(tmp[i] << 8 | tmp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Recompute the VRRP checksum of a whole IP packet in place. */
static void resign(uint8_t *pkt, bool pseudo)
{
	uint8_t ph[40] = { 0 };
	size_t phlen = 0, off, len;

	if (pkt[0] >> 4 == 4) {
		off = (size_t)(pkt[0] & 0x0f) * 4;
		len = (size_t)(pkt[2] << 8 | pkt[3]) - off;
		memcpy(ph, pkt + 12, 8);
		ph[9] = 112;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		phlen = pseudo ? 12 : 0;
	} else {
		off = 40;
		len = (size_t)(pkt[4] << 8 | pkt[5]);
		memcpy(ph, pkt + 8, 32);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[39] = 112;
		phlen = pseudo ? 40 : 0;
	}
	pkt[off + 6] = pkt[off + 7] = 0;
	uint16_t c = ref_cksum(ph, phlen, pkt + off, len);
	pkt[off + 6] = (uint8_t)(c >> 8);
	pkt[off + 7] = (uint8_t)c;
}

static void fill_advert(struct vrrp_advert *adv, int family, unsigned n)
{
	char s[IPADDR_STRLEN];
	memset(adv, 0, sizeof(*adv));
	adv->family = family;
	adv->vrid = 42;
	adv->priority = 100;
	adv->interval = 100;
	adv->naddrs = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		if (family == AF_INET)
			snprintf(s, sizeof(s), "10.%u.%u.%u", i / 200, i % 200, 200 - i % 100);
		else
			snprintf(s, sizeof(s), "fd00:%x::%x", i, 0x200 + i);
		adv->addrs[i] = addr(s);
	}
}

/* A valid packet with n addresses from 10.0.0.1 / fe80::1 to the group. */
static size_t build(uint8_t *buf, int family, unsigned n, enum vrrp_cksum mode)
{
	struct vrrp_advert adv;
	struct ipaddr src = addr(family == AF_INET ? "10.0.0.1" : "fe80::1"), dst;
	fill_advert(&adv, family, n);
	ipaddr_vrrp_group(family, &dst);
	ssize_t len = proto_encode_ip(&adv, &src, &dst, 255, mode, buf, BUF_MAX);
	assert_true(len > 0);
	return (size_t)len;
}

static void expect_drop(const uint8_t *pkt, size_t len, enum vrrp_drop want)
{
	struct vrrp_packet out;
	enum vrrp_drop got = decode(pkt, len, &out);
	if (got != want)
		fail_msg("got %s, want %s", proto_drop_name(got), proto_drop_name(want));
}

static void test_drop_names(void **state)
{
	(void)state;
	static const char *const want[] = { "none", "truncated", "bad_ip", "bad_ttl",
		"bad_version", "bad_type", "bad_checksum", "bad_length", "bad_interval",
		"unknown_vrid", "addr_mismatch", "own_packet", "bad_auth", "replay", "not_peer" };
	assert_int_equal(sizeof(want) / sizeof(want[0]), DROP__COUNT);
	for (int i = 0; i < DROP__COUNT; i++)
		assert_string_equal(proto_drop_name((enum vrrp_drop)i), want[i]);
	assert_string_equal(proto_drop_name(DROP__COUNT), "unknown");
	assert_string_equal(proto_drop_name((enum vrrp_drop)-1), "unknown");
}

static void test_keepalived_v4(void **state)
{
	(void)state;
	struct vrrp_packet p;
	struct ipaddr vip = addr("10.98.0.200"), src = addr("10.98.0.1"), dst = addr("224.0.0.18");

	assert_int_equal(decode(ka_v4, sizeof(ka_v4), &p), DROP_NONE);
	assert_true(ipaddr_equal(&p.src, &src));
	assert_true(ipaddr_equal(&p.dst, &dst));
	assert_int_equal(p.ttl, 255);
	assert_int_equal(p.cksum, VRRP_CKSUM_PSEUDO); /* keepalived's IPv4 variant */
	assert_int_equal(p.adv.family, AF_INET);
	assert_int_equal(p.adv.vrid, 51);
	assert_int_equal(p.adv.priority, 150);
	assert_int_equal(p.adv.interval, 100);
	assert_int_equal(p.adv.naddrs, 1);
	assert_true(ipaddr_equal(&p.adv.addrs[0], &vip));
	assert_int_equal(p.adv.addrs[1].family, 0);

	/* Encoding the same advert from scratch reproduces keepalived's bytes. */
	struct vrrp_advert adv = { .family = AF_INET, .vrid = 51, .priority = 150,
				   .interval = 100, .naddrs = 1, .addrs = { vip } };
	uint8_t buf[64];
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), 12);
	assert_memory_equal(buf, ka_v4 + 20, 12);

	/* RFC 9568 mode gives the other checksum, and decode recognises it. */
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), 12);
	assert_int_equal(buf[6] << 8 | buf[7], KA_V4_PLAIN_CKSUM);
	uint8_t plain[sizeof(ka_v4)];
	memcpy(plain, ka_v4, sizeof(ka_v4));
	plain[26] = KA_V4_PLAIN_CKSUM >> 8;
	plain[27] = KA_V4_PLAIN_CKSUM & 0xff;
	assert_int_equal(decode(plain, sizeof(plain), &p), DROP_NONE);
	assert_int_equal(p.cksum, VRRP_CKSUM_PLAIN);
}

static void test_keepalived_v4_padding(void **state)
{
	(void)state;
	/* Ethernet pads short frames; bytes past the IP total length are ignored. */
	uint8_t pkt[sizeof(ka_v4) + 14] = { 0 };
	struct vrrp_packet p;
	memcpy(pkt, ka_v4, sizeof(ka_v4));
	memset(pkt + sizeof(ka_v4), 0xee, 14);
	assert_int_equal(decode(pkt, sizeof(pkt), &p), DROP_NONE);
	assert_int_equal(p.adv.vrid, 51);
}

static void test_keepalived_v6(void **state)
{
	(void)state;
	struct vrrp_packet p;
	struct ipaddr vip = addr("fd00:98::200"), src = addr("fe80::88aa:b7ff:feff:5c53");
	struct ipaddr dst = addr("ff02::12");

	assert_int_equal(decode(ka_v6, sizeof(ka_v6), &p), DROP_NONE);
	assert_true(ipaddr_equal(&p.src, &src));
	assert_true(ipaddr_equal(&p.dst, &dst));
	assert_int_equal(p.ttl, 255);
	assert_int_equal(p.cksum, VRRP_CKSUM_PSEUDO);
	assert_int_equal(p.adv.family, AF_INET6);
	assert_int_equal(p.adv.vrid, 51);
	assert_int_equal(p.adv.priority, 150);
	assert_int_equal(p.adv.interval, 100);
	assert_int_equal(p.adv.naddrs, 1);
	assert_true(ipaddr_equal(&p.adv.addrs[0], &vip));

	struct vrrp_advert adv = { .family = AF_INET6, .vrid = 51, .priority = 150,
				   .interval = 100, .naddrs = 1, .addrs = { vip } };
	uint8_t buf[64];
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), 24);
	assert_memory_equal(buf, ka_v6 + 40, 24);
	/* IPv6 always uses the pseudo-header, whatever the mode says. */
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), 24);
	assert_memory_equal(buf, ka_v6 + 40, 24);
}

static void test_encode_ip_v4_header(void **state)
{
	(void)state;
	struct vrrp_advert adv = { .family = AF_INET, .vrid = 51, .priority = 150,
				   .interval = 100, .naddrs = 1, .addrs = { addr("10.98.0.200") } };
	struct ipaddr src = addr("10.98.0.1"), dst = addr("224.0.0.18");
	uint8_t buf[64];

	assert_int_equal(proto_encode_ip(&adv, &src, &dst, 255, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)),
			 sizeof(ka_v4));
	/* Same as keepalived's but for the IP id (it counts, we send 0) and
	 * hence the header checksum, which must still verify. */
	assert_memory_equal(buf, ka_v4, 4);
	assert_int_equal(buf[4] << 8 | buf[5], 0);
	assert_memory_equal(buf + 6, ka_v4 + 6, 4);
	assert_memory_equal(buf + 12, ka_v4 + 12, sizeof(ka_v4) - 12);
	assert_int_equal(ref_cksum(buf, 20, NULL, 0), 0);
}

static void test_encode_ip_v6_header(void **state)
{
	(void)state;
	struct vrrp_advert adv = { .family = AF_INET6, .vrid = 51, .priority = 150,
				   .interval = 100, .naddrs = 1, .addrs = { addr("fd00:98::200") } };
	struct ipaddr src = addr("fe80::88aa:b7ff:feff:5c53"), dst = addr("ff02::12");
	uint8_t buf[128];

	assert_int_equal(proto_encode_ip(&adv, &src, &dst, 255, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)),
			 sizeof(ka_v6));
	/* Same traffic class as keepalived; flow label 0 where it picks one. */
	assert_int_equal(buf[0], 0x6c);
	assert_int_equal(buf[1] & 0xf0, 0);
	assert_int_equal(buf[1] | buf[2] | buf[3], 0);
	assert_memory_equal(buf + 4, ka_v6 + 4, sizeof(ka_v6) - 4);
}

static void roundtrip(int family, unsigned n, enum vrrp_cksum mode, uint16_t interval)
{
	struct vrrp_advert adv;
	struct vrrp_packet p;
	struct ipaddr src = addr(family == AF_INET ? "192.0.2.7" : "fe80::7");
	struct ipaddr dst = addr(family == AF_INET ? "192.0.2.8" : "2001:db8::8");
	uint8_t buf[BUF_MAX];

	fill_advert(&adv, family, n);
	adv.vrid = 255;
	adv.priority = 0;
	adv.interval = interval;
	ssize_t len = proto_encode_ip(&adv, &src, &dst, 255, mode, buf, sizeof(buf));
	size_t asz = ipaddr_size(family);
	assert_int_equal(len, (family == AF_INET ? 20 : 40) + 8 + n * asz);
	assert_int_equal(decode(buf, (size_t)len, &p), DROP_NONE);
	assert_int_equal(p.cksum, family == AF_INET6 ? VRRP_CKSUM_PSEUDO : mode);
	assert_true(ipaddr_equal(&p.src, &src));
	assert_true(ipaddr_equal(&p.dst, &dst));
	assert_int_equal(p.adv.family, family);
	assert_int_equal(p.adv.vrid, 255);
	assert_int_equal(p.adv.priority, 0);
	assert_int_equal(p.adv.interval, interval);
	assert_int_equal(p.adv.naddrs, n);
	for (unsigned i = 0; i < n; i++)
		assert_true(ipaddr_equal(&p.adv.addrs[i], &adv.addrs[i]));
	assert_true(proto_addrs_match(&p.adv, adv.addrs, n));

	/* The VRRP part alone is what proto_encode writes. */
	uint8_t msg[BUF_MAX];
	assert_int_equal(proto_encode(&adv, &src, &dst, mode, msg, sizeof(msg)), 8 + n * asz);
	assert_memory_equal(msg, buf + (family == AF_INET ? 20 : 40), 8 + n * asz);
}

static void test_roundtrip_v4_pseudo(void **state)
{
	(void)state;
	roundtrip(AF_INET, 1, VRRP_CKSUM_PSEUDO, 100);
	roundtrip(AF_INET, 2, VRRP_CKSUM_PSEUDO, 1);
	roundtrip(AF_INET, 255, VRRP_CKSUM_PSEUDO, VRRP_MAX_INTERVAL);
}

static void test_roundtrip_v4_plain(void **state)
{
	(void)state;
	roundtrip(AF_INET, 1, VRRP_CKSUM_PLAIN, 100);
	roundtrip(AF_INET, 17, VRRP_CKSUM_PLAIN, 1);
	roundtrip(AF_INET, 255, VRRP_CKSUM_PLAIN, VRRP_MAX_INTERVAL);
}

static void test_roundtrip_v6(void **state)
{
	(void)state;
	roundtrip(AF_INET6, 1, VRRP_CKSUM_PSEUDO, 100);
	roundtrip(AF_INET6, 3, VRRP_CKSUM_PLAIN, 4000);
	roundtrip(AF_INET6, 255, VRRP_CKSUM_PSEUDO, VRRP_MAX_INTERVAL);
}

static void truncate_all(const uint8_t *pkt, size_t len)
{
	for (size_t n = 0; n < len; n++)
		expect_drop(pkt, n, DROP_TRUNCATED);
	expect_drop(pkt, len, DROP_NONE);
}

static void test_truncated_every_length(void **state)
{
	(void)state;
	uint8_t buf[BUF_MAX];
	truncate_all(ka_v4, sizeof(ka_v4));
	truncate_all(ka_v6, sizeof(ka_v6));
	truncate_all(buf, build(buf, AF_INET, 255, VRRP_CKSUM_PLAIN));
	truncate_all(buf, build(buf, AF_INET6, 255, VRRP_CKSUM_PSEUDO));
}

static void test_truncated_by_length_fields(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];

	/* VRRP message shorter than its fixed header, per the IP length. */
	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[3] = 20 + 7;
	expect_drop(pkt, sizeof(ka_v4), DROP_TRUNCATED);
	pkt[3] = 20;
	expect_drop(pkt, sizeof(ka_v4), DROP_TRUNCATED);
	memcpy(pkt, ka_v6, sizeof(ka_v6));
	pkt[5] = 0;
	expect_drop(pkt, sizeof(ka_v6), DROP_TRUNCATED);
	/* Length fields claiming more than was captured. */
	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[3] = sizeof(ka_v4) + 1;
	expect_drop(pkt, sizeof(ka_v4), DROP_TRUNCATED);
	pkt[3] = sizeof(ka_v4);
	pkt[0] = 0x4f; /* IHL 60 bytes > 32 captured */
	expect_drop(pkt, sizeof(ka_v4), DROP_TRUNCATED);
	memcpy(pkt, ka_v6, sizeof(ka_v6));
	pkt[4] = 0xff;
	expect_drop(pkt, sizeof(ka_v6), DROP_TRUNCATED);
}

/* Flip bits everywhere: decode may accept or drop, but never crash or
 * read out of bounds (ASan), and a drop never touches *out. */
static void test_mutations_never_crash(void **state)
{
	(void)state;
	static const uint8_t flips[] = { 0x01, 0x10, 0x80, 0xff };
	uint8_t buf[BUF_MAX], pkt[BUF_MAX];
	const struct { const uint8_t *p; size_t len; } cases[] = {
		{ ka_v4, sizeof(ka_v4) }, { ka_v6, sizeof(ka_v6) },
		{ buf, build(buf, AF_INET, 3, VRRP_CKSUM_PSEUDO) },
	};
	struct vrrp_packet out;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (size_t i = 0; i < cases[c].len; i++)
			for (size_t f = 0; f < sizeof(flips); f++) {
				memcpy(pkt, cases[c].p, cases[c].len);
				pkt[i] ^= flips[f];
				out.ttl = 7;
				if (decode(pkt, cases[c].len, &out) != DROP_NONE)
					assert_int_equal(out.ttl, 7);
			}
}

static void test_bad_ip(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];
#define MUTATE(base, off, val, want)                          \
	do {                                                  \
		memcpy(pkt, base, sizeof(base));              \
		pkt[off] = (val);                             \
		expect_drop(pkt, sizeof(base), want);         \
	} while (0)
	MUTATE(ka_v4, 0, 0x55, DROP_BAD_IP);  /* version 5 */
	MUTATE(ka_v4, 0, 0x05, DROP_BAD_IP);  /* version 0 */
	MUTATE(ka_v4, 0, 0x44, DROP_BAD_IP);  /* IHL 4 */
	MUTATE(ka_v4, 9, 17, DROP_BAD_IP);    /* UDP */
	MUTATE(ka_v4, 6, 0x20, DROP_BAD_IP);  /* MF: first fragment */
	MUTATE(ka_v4, 7, 0x01, DROP_BAD_IP);  /* fragment offset 8 */
	MUTATE(ka_v4, 6, 0x40, DROP_NONE);    /* DF is fine */
	MUTATE(ka_v4, 3, 19, DROP_BAD_IP);    /* total length < header length */
	MUTATE(ka_v6, 6, 0, DROP_BAD_IP);     /* hop-by-hop options header */
	MUTATE(ka_v6, 6, 44, DROP_BAD_IP);    /* fragment header */
	MUTATE(ka_v6, 0, 0x7c, DROP_BAD_IP);  /* version 7 */
#undef MUTATE
}

static void test_ipv4_options_accepted(void **state)
{
	(void)state;
	/* IHL 6: a 4-byte option (router alert) between header and VRRP. */
	uint8_t pkt[sizeof(ka_v4) + 4];
	struct vrrp_packet p;
	memcpy(pkt, ka_v4, 20);
	pkt[0] = 0x46;
	pkt[3] = sizeof(pkt);
	static const uint8_t ra[] = { 0x94, 0x04, 0x00, 0x00 };
	memcpy(pkt + 20, ra, 4);
	memcpy(pkt + 24, ka_v4 + 20, sizeof(ka_v4) - 20);
	assert_int_equal(decode(pkt, sizeof(pkt), &p), DROP_NONE);
	assert_int_equal(p.adv.vrid, 51);
	assert_int_equal(p.cksum, VRRP_CKSUM_PSEUDO);
}

static void test_bad_ttl(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];
	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[8] = 254;
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_TTL);
	pkt[8] = 1;
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_TTL);
	memcpy(pkt, ka_v6, sizeof(ka_v6));
	pkt[7] = 64;
	expect_drop(pkt, sizeof(ka_v6), DROP_BAD_TTL);

	/* Encoding with another TTL gives a packet the receiver rejects. */
	struct vrrp_advert adv;
	struct ipaddr src = addr("10.0.0.1"), dst = addr("10.0.0.2");
	fill_advert(&adv, AF_INET, 1);
	ssize_t n = proto_encode_ip(&adv, &src, &dst, 64, VRRP_CKSUM_PSEUDO, pkt, sizeof(pkt));
	assert_true(n > 0);
	expect_drop(pkt, (size_t)n, DROP_BAD_TTL);
}

static void test_bad_version(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];
	static const uint8_t versions[] = { 0x01, 0x21, 0x41, 0xf1 };
	for (size_t i = 0; i < sizeof(versions); i++) {
		memcpy(pkt, ka_v4, sizeof(ka_v4));
		pkt[20] = versions[i];
		resign(pkt, true);
		expect_drop(pkt, sizeof(ka_v4), DROP_BAD_VERSION);
		memcpy(pkt, ka_v6, sizeof(ka_v6));
		pkt[40] = versions[i];
		resign(pkt, true);
		expect_drop(pkt, sizeof(ka_v6), DROP_BAD_VERSION);
	}
}

static void test_bad_type(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];
	static const uint8_t types[] = { 0x30, 0x32, 0x3f };
	for (size_t i = 0; i < sizeof(types); i++) {
		memcpy(pkt, ka_v4, sizeof(ka_v4));
		pkt[20] = types[i];
		resign(pkt, true);
		expect_drop(pkt, sizeof(ka_v4), DROP_BAD_TYPE);
		memcpy(pkt, ka_v6, sizeof(ka_v6));
		pkt[40] = types[i];
		resign(pkt, true);
		expect_drop(pkt, sizeof(ka_v6), DROP_BAD_TYPE);
	}
}

static void test_bad_checksum(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];

	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[27] ^= 1;
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_CHECKSUM);
	/* A changed address, priority, or pseudo-header destination. */
	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[31] = 0xc9;
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_CHECKSUM);
	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[22] = 151;
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_CHECKSUM);
	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[19] = 0x13;
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_CHECKSUM);
	/* ...but in RFC 9568 mode the addresses are not covered. */
	resign(pkt, false);
	expect_drop(pkt, sizeof(ka_v4), DROP_NONE);

	memcpy(pkt, ka_v6, sizeof(ka_v6));
	pkt[47] ^= 0x80;
	expect_drop(pkt, sizeof(ka_v6), DROP_BAD_CHECKSUM);
	memcpy(pkt, ka_v6, sizeof(ka_v6));
	pkt[23] ^= 1; /* source address */
	expect_drop(pkt, sizeof(ka_v6), DROP_BAD_CHECKSUM);
	/* IPv6 never accepts a checksum without the pseudo-header. */
	memcpy(pkt, ka_v6, sizeof(ka_v6));
	resign(pkt, false);
	expect_drop(pkt, sizeof(ka_v6), DROP_BAD_CHECKSUM);
}

static void test_bad_length(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];
	size_t n;

	/* Count does not match the payload: too many, too few, zero. */
	static const uint8_t counts[] = { 0, 1, 3, 255 };
	for (size_t i = 0; i < sizeof(counts); i++) {
		n = build(pkt, AF_INET, 2, VRRP_CKSUM_PSEUDO);
		pkt[23] = counts[i];
		resign(pkt, true);
		expect_drop(pkt, n, DROP_BAD_LENGTH);
		n = build(pkt, AF_INET6, 2, VRRP_CKSUM_PSEUDO);
		pkt[43] = counts[i];
		resign(pkt, true);
		expect_drop(pkt, n, DROP_BAD_LENGTH);
	}
	/* 5.2.5: at least one address, even when the lengths agree. */
	n = build(pkt, AF_INET, 1, VRRP_CKSUM_PSEUDO);
	pkt[3] = 20 + 8;
	pkt[23] = 0;
	resign(pkt, true);
	expect_drop(pkt, 20 + 8, DROP_BAD_LENGTH);
	/* Trailing bytes inside the IP payload (not mere link padding). */
	n = build(pkt, AF_INET, 1, VRRP_CKSUM_PSEUDO);
	memset(pkt + n, 0, 4);
	pkt[3] = (uint8_t)(n + 4);
	resign(pkt, true);
	expect_drop(pkt, n + 4, DROP_BAD_LENGTH);
	/* An IPv4-sized address list in an IPv6 packet. */
	n = build(pkt, AF_INET6, 1, VRRP_CKSUM_PSEUDO);
	pkt[5] = 12;
	resign(pkt, true);
	expect_drop(pkt, 40 + 12, DROP_BAD_LENGTH);
}

static void test_bad_interval(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];
	static const uint8_t hi[] = { 0x00, 0x10, 0xf0 }; /* reserved bits only */
	for (size_t i = 0; i < sizeof(hi); i++) {
		memcpy(pkt, ka_v4, sizeof(ka_v4));
		pkt[24] = hi[i];
		pkt[25] = 0;
		resign(pkt, true);
		expect_drop(pkt, sizeof(ka_v4), DROP_BAD_INTERVAL);
		resign(pkt, false);
		expect_drop(pkt, sizeof(ka_v4), DROP_BAD_INTERVAL);
		memcpy(pkt, ka_v6, sizeof(ka_v6));
		pkt[44] = hi[i];
		pkt[45] = 0;
		resign(pkt, true);
		expect_drop(pkt, sizeof(ka_v6), DROP_BAD_INTERVAL);
	}
}

static void test_interval_reserved_bits(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];
	struct vrrp_packet p;

	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[24] = 0xf0; /* reserved nibble set, interval 100 */
	resign(pkt, true);
	assert_int_equal(decode(pkt, sizeof(ka_v4), &p), DROP_NONE);
	assert_int_equal(p.adv.interval, 100);
	assert_int_equal(p.cksum, VRRP_CKSUM_PSEUDO);
	resign(pkt, false);
	assert_int_equal(decode(pkt, sizeof(ka_v4), &p), DROP_NONE);
	assert_int_equal(p.adv.interval, 100);
	assert_int_equal(p.cksum, VRRP_CKSUM_PLAIN);

	memcpy(pkt, ka_v6, sizeof(ka_v6));
	pkt[44] = 0xaf;
	pkt[45] = 0xff;
	resign(pkt, true);
	assert_int_equal(decode(pkt, sizeof(ka_v6), &p), DROP_NONE);
	assert_int_equal(p.adv.interval, VRRP_MAX_INTERVAL);
}

/* Several faults at once: the earlier check in RFC 5798 7.1 order wins. */
static void test_check_order(void **state)
{
	(void)state;
	uint8_t pkt[BUF_MAX];

	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[8] = 1;
	pkt[9] = 17;
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_IP);
	pkt[9] = 112;
	pkt[20] = 0x22; /* version 2, type 2 */
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_TTL);
	pkt[8] = 255;
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_VERSION);
	pkt[20] = 0x32;
	pkt[23] = 9; /* and a bad count */
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_TYPE);
	pkt[20] = 0x31;
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_LENGTH);
	pkt[23] = 1;
	pkt[25] = 0; /* interval 0, checksum now wrong */
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_CHECKSUM);
	resign(pkt, true);
	expect_drop(pkt, sizeof(ka_v4), DROP_BAD_INTERVAL);
}

static void test_out_untouched_on_drop(void **state)
{
	(void)state;
	struct vrrp_packet *p = malloc(sizeof(*p)), *pattern = malloc(sizeof(*p));
	uint8_t pkt[BUF_MAX];
	assert_non_null(p);
	assert_non_null(pattern);
	memset(pattern, 0xa5, sizeof(*pattern));

	memcpy(pkt, ka_v4, sizeof(ka_v4));
	pkt[27] ^= 1;
	memcpy(p, pattern, sizeof(*p));
	assert_int_equal(decode(pkt, sizeof(ka_v4), p), DROP_BAD_CHECKSUM);
	assert_memory_equal(p, pattern, sizeof(*p));
	memcpy(p, pattern, sizeof(*p));
	assert_int_equal(decode(ka_v6, 10, p), DROP_TRUNCATED);
	assert_memory_equal(p, pattern, sizeof(*p));

	/* On success nothing stale survives past the decoded addresses. */
	memcpy(p, pattern, sizeof(*p));
	assert_int_equal(decode(ka_v4, sizeof(ka_v4), p), DROP_NONE);
	assert_int_equal(p->adv.addrs[1].family, 0);
	assert_int_equal(p->adv.addrs[VRRP_MAX_ADDRS - 1].u.bytes[15], 0);
	assert_int_equal(p->src.u.bytes[15], 0);
	free(p);
	free(pattern);
}

static void test_encode_errors(void **state)
{
	(void)state;
	struct vrrp_advert adv;
	struct ipaddr src = addr("10.0.0.1"), dst = addr("10.0.0.2"), src6 = addr("fe80::1");
	uint8_t buf[BUF_MAX];

	fill_advert(&adv, AF_INET, 3);
	for (size_t n = 0; n < 20; n++)
		assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, n), -1);
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, 20), 20);

	adv.naddrs = 0;
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), -1);
	fill_advert(&adv, AF_INET, 3);
	adv.addrs[2] = addr("fd00::1");
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), -1);
	fill_advert(&adv, AF_INET, 3);
	adv.addrs[1].family = 0;
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), -1);
	fill_advert(&adv, AF_INET, 1);
	adv.interval = 0;
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), -1);
	adv.interval = VRRP_MAX_INTERVAL + 1;
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), -1);
	adv.interval = 100;
	adv.family = 0;
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), -1);
	adv.family = AF_INET;
	assert_int_equal(proto_encode(&adv, &src, &dst, (enum vrrp_cksum)7, buf, sizeof(buf)), -1);

	/* The pseudo-header needs endpoints of the advert's family... */
	assert_int_equal(proto_encode(&adv, NULL, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), -1);
	assert_int_equal(proto_encode(&adv, &src6, &dst, VRRP_CKSUM_PSEUDO, buf, sizeof(buf)), -1);
	/* ...the RFC 9568 IPv4 checksum does not. */
	assert_int_equal(proto_encode(&adv, NULL, NULL, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), 12);
	assert_int_equal(ref_cksum(NULL, 0, buf, 12), 0);

	fill_advert(&adv, AF_INET6, 1);
	assert_int_equal(proto_encode(&adv, &src, &dst, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), -1);
	assert_int_equal(proto_encode(&adv, &src6, NULL, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), -1);
}

static void test_encode_ip_errors(void **state)
{
	(void)state;
	struct vrrp_advert adv;
	struct ipaddr src = addr("fe80::1"), dst = addr("ff02::12"), v4 = addr("10.0.0.1");
	uint8_t buf[BUF_MAX];

	fill_advert(&adv, AF_INET6, 2);
	size_t need = 40 + 8 + 32;
	for (size_t n = 0; n < need; n++)
		assert_int_equal(proto_encode_ip(&adv, &src, &dst, 255, VRRP_CKSUM_PSEUDO, buf, n), -1);
	assert_int_equal(proto_encode_ip(&adv, &src, &dst, 255, VRRP_CKSUM_PSEUDO, buf, need), need);
	/* IPv4 in plain mode still needs addresses for the IP header. */
	fill_advert(&adv, AF_INET, 1);
	assert_int_equal(proto_encode_ip(&adv, NULL, &v4, 255, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), -1);
	assert_int_equal(proto_encode_ip(&adv, &v4, &dst, 255, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), -1);
	adv.naddrs = 0;
	assert_int_equal(proto_encode_ip(&adv, &v4, &v4, 255, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), -1);
}

static void test_addrs_match(void **state)
{
	(void)state;
	struct vrrp_advert adv = { .family = AF_INET, .naddrs = 3,
		.addrs = { addr("10.0.0.1"), addr("10.0.0.2"), addr("10.0.0.3") } };
	struct ipaddr same[] = { addr("10.0.0.1"), addr("10.0.0.2"), addr("10.0.0.3") };
	struct ipaddr perm[] = { addr("10.0.0.3"), addr("10.0.0.1"), addr("10.0.0.2") };
	struct ipaddr other[] = { addr("10.0.0.3"), addr("10.0.0.1"), addr("10.0.0.4") };
	struct ipaddr dup[] = { addr("10.0.0.1"), addr("10.0.0.1"), addr("10.0.0.2") };
	struct ipaddr more[] = { addr("10.0.0.1"), addr("10.0.0.2"), addr("10.0.0.3"),
				 addr("10.0.0.4") };

	assert_true(proto_addrs_match(&adv, same, 3));
	assert_true(proto_addrs_match(&adv, perm, 3));
	assert_false(proto_addrs_match(&adv, other, 3));
	assert_false(proto_addrs_match(&adv, dup, 3));
	assert_false(proto_addrs_match(&adv, same, 2));
	assert_false(proto_addrs_match(&adv, more, 4));
	assert_false(proto_addrs_match(&adv, NULL, 0));

	/* Same leading bytes, other family. */
	struct vrrp_advert one = { .family = AF_INET, .naddrs = 1, .addrs = { addr("10.0.0.1") } };
	struct ipaddr v6 = addr("a00:1::");
	assert_false(proto_addrs_match(&one, &v6, 1));

	struct vrrp_advert six = { .family = AF_INET6, .naddrs = 2,
		.addrs = { addr("fd00::1"), addr("fd00::2") } };
	struct ipaddr six_rev[] = { addr("fd00::2"), addr("fd00::1") };
	assert_true(proto_addrs_match(&six, six_rev, 2));
}


/* ---- VRRPv2 and CARP, with packets captured from the peers we replace -- */

/* ucarp 1.5.2 (Debian 12): -v 7 -p secretpw -a 10.77.0.100 -k 10 -b 1,
 * from 10.77.0.1. */
static const uint8_t ucarp_v4[] = {
	0x45, 0x10, 0x00, 0x38, 0xf2, 0xb1, 0x40, 0x00, 0xff, 0x70, 0x9e, 0x33, 0x0a, 0x4d, 0x00, 0x01,
	0xe0, 0x00, 0x00, 0x12, 0x21, 0x07, 0x0a, 0x07, 0x00, 0x01, 0xaa, 0xe3, 0xd0, 0xf7, 0x77, 0xcb,
	0xa0, 0xf7, 0x31, 0x4a, 0xd0, 0x7f, 0x51, 0x7a, 0x98, 0x9e, 0xef, 0x10, 0xe3, 0xfe, 0xd7, 0x08,
	0xf6, 0x23, 0xa6, 0xa0, 0x67, 0xf1, 0xa5, 0xa0,
};

/* keepalived 2.2.7 with vrrp_version 2, vrid 9, priority 120, auth_type
 * PASS "s3cret", VIP 10.77.0.101, from 10.77.0.1. */
static const uint8_t ka_v2[] = {
	0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x44, 0x0a, 0x4d, 0x00, 0x01,
	0xe0, 0x00, 0x00, 0x12, 0x21, 0x09, 0x78, 0x01, 0x01, 0x01, 0x1f, 0x28, 0x0a, 0x4d, 0x00, 0x65,
	0x73, 0x33, 0x63, 0x72, 0x65, 0x74, 0x00, 0x00,
};

static struct vrrp_auth auth_for(enum vip_protocol proto, const char *key, const char *vaddr)
{
	struct vrrp_auth a = { .proto = proto };
	if (key) {
		memcpy(a.key, key, strlen(key));
		a.has_key = true;
	}
	if (vaddr)
		a.vaddr = addr(vaddr);
	return a;
}

static enum vrrp_drop decode_as(const uint8_t *pkt, size_t len, const struct vrrp_auth *a,
				struct vrrp_packet *out)
{
	uint8_t *copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, pkt, len);
	enum vrrp_drop r = proto_decode_as(copy, len, a, out);
	free(copy);
	return r;
}

static void test_ucarp_decode(void **state)
{
	struct vrrp_auth a = auth_for(VIP_PROTO_CARP, "secretpw", "10.77.0.100");
	struct vrrp_packet p;
	(void)state;
	assert_int_equal(decode_as(ucarp_v4, sizeof(ucarp_v4), &a, &p), DROP_NONE);
	assert_int_equal(p.proto, VIP_PROTO_CARP);
	assert_int_equal(p.adv.vrid, 7);
	assert_int_equal(p.adv.priority, 254 - 10); /* advskew 10 */
	assert_int_equal(p.adv.interval, 100 + 10 * 100 / 256);
	assert_true(p.counter == 0xd0f777cba0f7314aULL);
	struct ipaddr from = addr("10.77.0.1");
	assert_true(ipaddr_equal(&p.src, &from));
}

/* Our encoder reproduces ucarp's bytes: same HMAC, same checksum. */
static void test_ucarp_encode(void **state)
{
	struct vrrp_auth a = auth_for(VIP_PROTO_CARP, "secretpw", "10.77.0.100");
	struct vrrp_advert adv = { .family = AF_INET, .vrid = 7, .priority = 244, .interval = 100 };
	uint8_t buf[64];
	(void)state;
	assert_int_equal(proto_encode_as(&adv, &a, 0xd0f777cba0f7314aULL, NULL, NULL, VRRP_CKSUM_PLAIN, buf,
					 sizeof(buf)), CARP_HDR_LEN);
	assert_memory_equal(buf, ucarp_v4 + 20, CARP_HDR_LEN);
}

static void test_ucarp_forgeries(void **state)
{
	struct vrrp_auth wrong = auth_for(VIP_PROTO_CARP, "secretpx", "10.77.0.100");
	struct vrrp_auth other_vip = auth_for(VIP_PROTO_CARP, "secretpw", "10.77.0.101");
	struct vrrp_auth ok = auth_for(VIP_PROTO_CARP, "secretpw", "10.77.0.100");
	struct vrrp_packet p;
	uint8_t pkt[sizeof(ucarp_v4)];
	(void)state;
	assert_int_equal(decode_as(ucarp_v4, sizeof(ucarp_v4), &wrong, &p), DROP_BAD_AUTH);
	assert_int_equal(decode_as(ucarp_v4, sizeof(ucarp_v4), &other_vip, &p), DROP_BAD_AUTH);
	/* A raised advskew (a better claim) breaks the checksum; with the
	 * checksum fixed too, the HMAC still holds... over the counter only,
	 * as in ucarp: the claim is what the counter protects against
	 * replay, the key against strangers. */
	memcpy(pkt, ucarp_v4, sizeof(pkt));
	pkt[20 + 2] = 0;
	assert_int_equal(decode_as(pkt, sizeof(pkt), &ok, &p), DROP_BAD_CHECKSUM);
	memcpy(pkt, ucarp_v4, sizeof(pkt));
	pkt[20 + 8] ^= 1; /* counter changed: the HMAC fails (checksum too) */
	assert_true(decode_as(pkt, sizeof(pkt), &ok, &p) != DROP_NONE);
	memcpy(pkt, ucarp_v4, sizeof(pkt));
	pkt[8] = 64;
	assert_int_equal(decode_as(pkt, sizeof(pkt), &ok, &p), DROP_BAD_TTL);
	assert_int_equal(decode_as(ucarp_v4, 40, &ok, &p), DROP_TRUNCATED);
}

static void test_carp_priority_map(void **state)
{
	(void)state;
	assert_int_equal(proto_carp_priority(1, 0), 254);
	assert_int_equal(proto_carp_priority(1, 100), 154);
	assert_int_equal(proto_carp_priority(1, 253), 1);
	assert_int_equal(proto_carp_priority(1, 255), 1);
	assert_int_equal(proto_carp_priority(CARP_LEAVING, CARP_LEAVING), 0);
	for (int p = 1; p <= 254; p++)
		assert_int_equal(proto_carp_priority(1, proto_carp_advskew((uint8_t)p)), p);
	assert_int_equal(proto_carp_advskew(255), 0);
}

/* Priority 0 (leaving) goes out as ucarp's own goodbye: advbase and
 * advskew 255. */
static void test_carp_leaving(void **state)
{
	struct vrrp_auth a = auth_for(VIP_PROTO_CARP, "pw", "10.1.1.1");
	struct vrrp_advert adv = { .family = AF_INET, .vrid = 3, .priority = 0, .interval = 100 };
	uint8_t buf[64];
	uint8_t pkt[20 + CARP_HDR_LEN];
	struct ipaddr src = addr("10.1.1.2"), dst = addr("224.0.0.18");
	struct vrrp_packet p;
	(void)state;
	assert_int_equal(proto_encode_as(&adv, &a, 5, NULL, NULL, VRRP_CKSUM_PLAIN, buf, sizeof(buf)),
			 CARP_HDR_LEN);
	assert_int_equal(buf[2], 255);
	assert_int_equal(buf[5], 255);
	/* Wrapped in an IPv4 header, it decodes back as priority 0. */
	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	pkt[3] = sizeof(pkt);
	pkt[8] = 255;
	pkt[9] = 112;
	memcpy(pkt + 12, src.u.bytes, 4);
	memcpy(pkt + 16, dst.u.bytes, 4);
	memcpy(pkt + 20, buf, CARP_HDR_LEN);
	assert_int_equal(decode_as(pkt, sizeof(pkt), &a, &p), DROP_NONE);
	assert_int_equal(p.adv.priority, 0);
	assert_true(p.counter == 5);
}

static void test_vrrp2_keepalived(void **state)
{
	struct vrrp_auth a = auth_for(VIP_PROTO_VRRP2, "s3cret", NULL);
	struct vrrp_packet p;
	(void)state;
	assert_int_equal(decode_as(ka_v2, sizeof(ka_v2), &a, &p), DROP_NONE);
	assert_int_equal(p.proto, VIP_PROTO_VRRP2);
	assert_int_equal(p.adv.vrid, 9);
	assert_int_equal(p.adv.priority, 120);
	assert_int_equal(p.adv.interval, 100);
	assert_int_equal(p.adv.naddrs, 1);
	struct ipaddr vip = addr("10.77.0.101");
	assert_true(ipaddr_equal(&p.adv.addrs[0], &vip));
}

static void test_vrrp2_encode(void **state)
{
	struct vrrp_auth a = auth_for(VIP_PROTO_VRRP2, "s3cret", NULL);
	struct vrrp_advert adv = { .family = AF_INET, .vrid = 9, .priority = 120, .interval = 100, .naddrs = 1 };
	uint8_t buf[64];
	(void)state;
	adv.addrs[0] = addr("10.77.0.101");
	assert_int_equal(proto_encode_as(&adv, &a, 0, NULL, NULL, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), 20);
	assert_memory_equal(buf, ka_v2 + 20, 20);
	adv.interval = 150; /* VRRPv2 speaks whole seconds */
	assert_int_equal(proto_encode_as(&adv, &a, 0, NULL, NULL, VRRP_CKSUM_PLAIN, buf, sizeof(buf)), -1);
}

static void test_vrrp2_auth(void **state)
{
	struct vrrp_auth wrong = auth_for(VIP_PROTO_VRRP2, "s3creT", NULL);
	struct vrrp_auth none = auth_for(VIP_PROTO_VRRP2, NULL, NULL);
	struct vrrp_auth v3 = auth_for(VIP_PROTO_VRRP3, NULL, NULL);
	struct vrrp_packet p;
	(void)state;
	assert_int_equal(decode_as(ka_v2, sizeof(ka_v2), &wrong, &p), DROP_BAD_AUTH);
	assert_int_equal(decode_as(ka_v2, sizeof(ka_v2), &none, &p), DROP_BAD_AUTH);
	/* A VRRPv3 group reading it sees the wrong version. */
	assert_int_equal(decode_as(ka_v2, sizeof(ka_v2), &v3, &p), DROP_BAD_VERSION);
	assert_int_equal(decode_as(ka_v2, sizeof(ka_v2) - 1, &none, &p), DROP_TRUNCATED);
}


/* keepalived 2.2.7, vrrp_version 2, auth_type AH, auth_pass "s3cret", vrid
 * 40, priority 100, VIP 10.99.40.200, from 10.99.40.1 to 224.0.0.18: its
 * first advert (sequence number 1, IP ID 1) and one after it took over at
 * sequence number 100111 (ID 50). */
static const uint8_t ka_ah_mcast[] = {
	0x45, 0xc0, 0x00, 0x40, 0x00, 0x01, 0x00, 0x00, 0xff, 0x33, 0xa8, 0x53, 0x0a, 0x63, 0x28, 0x01,
	0xe0, 0x00, 0x00, 0x12, 0x70, 0x04, 0x00, 0x00, 0x0a, 0x63, 0x28, 0x01, 0x00, 0x00, 0x00, 0x01,
	0xeb, 0x81, 0xab, 0xcc, 0xce, 0x3c, 0xc0, 0xe7, 0xea, 0x92, 0xc3, 0x0a, 0x21, 0x28, 0x64, 0x01,
	0x02, 0x01, 0x45, 0xaa, 0x0a, 0x63, 0x28, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t ka_ah_seq100111[] = {
	0x45, 0xc0, 0x00, 0x40, 0x00, 0x32, 0x00, 0x00, 0xff, 0x33, 0xa8, 0x22, 0x0a, 0x63, 0x28, 0x01,
	0xe0, 0x00, 0x00, 0x12, 0x70, 0x04, 0x00, 0x00, 0x0a, 0x63, 0x28, 0x01, 0x00, 0x01, 0x87, 0x0f,
	0xed, 0x59, 0x18, 0x73, 0x95, 0x8c, 0xa5, 0x97, 0xe6, 0x14, 0x92, 0xe6, 0x21, 0x28, 0x64, 0x01,
	0x02, 0x01, 0x45, 0xaa, 0x0a, 0x63, 0x28, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* The same with unicast_peer 10.99.40.2, vrid 41, VIPs 10.99.40.201 and
 * .202, auth_pass "Abcdefgh12345" (keepalived keeps 8 bytes): the TTL is
 * left out of the digest. */
static const uint8_t ka_ah_ucast[] = {
	0x45, 0xc0, 0x00, 0x44, 0x00, 0x01, 0x00, 0x00, 0xff, 0x33, 0x55, 0xfd, 0x0a, 0x63, 0x28, 0x01,
	0x0a, 0x63, 0x28, 0x02, 0x70, 0x04, 0x00, 0x00, 0x0a, 0x63, 0x28, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x40, 0xfc, 0x80, 0x38, 0x77, 0x16, 0x2b, 0x3f, 0x55, 0x78, 0xab, 0x3c, 0x21, 0x29, 0x64, 0x02,
	0x02, 0x01, 0x12, 0x7a, 0x0a, 0x63, 0x28, 0xc9, 0x0a, 0x63, 0x28, 0xca, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

static struct vrrp_auth ah_auth(const char *key, bool unicast)
{
	struct vrrp_auth a = auth_for(VIP_PROTO_VRRP2, key, NULL);
	a.ah = true;
	a.ah_unicast = unicast;
	return a;
}

static void test_ah_keepalived_decode(void **state)
{
	struct vrrp_auth a = ah_auth("s3cret", false), u = ah_auth("Abcdefgh", true);
	struct vrrp_packet p;
	(void)state;
	assert_int_equal(decode_as(ka_ah_mcast, sizeof(ka_ah_mcast), &a, &p), DROP_NONE);
	assert_int_equal(p.proto, VIP_PROTO_VRRP2);
	assert_int_equal(p.adv.vrid, 40);
	assert_int_equal(p.adv.priority, 100);
	assert_int_equal(p.adv.interval, 100);
	assert_true(p.counter == 1);
	struct ipaddr vip = addr("10.99.40.200"), from = addr("10.99.40.1");
	assert_true(p.adv.naddrs == 1 && ipaddr_equal(&p.adv.addrs[0], &vip));
	assert_true(ipaddr_equal(&p.src, &from));
	assert_int_equal(decode_as(ka_ah_seq100111, sizeof(ka_ah_seq100111), &a, &p), DROP_NONE);
	assert_true(p.counter == 100111);
	assert_int_equal(decode_as(ka_ah_ucast, sizeof(ka_ah_ucast), &u, &p), DROP_NONE);
	assert_int_equal(p.adv.vrid, 41);
	assert_int_equal(p.adv.naddrs, 2);
	assert_true(p.counter == 1);
}

/* What vipd sends is what keepalived sent, byte for byte. */
static void test_ah_keepalived_encode(void **state)
{
	struct vrrp_auth a = ah_auth("s3cret", false), u = ah_auth("Abcdefgh", true);
	struct vrrp_advert adv = { .family = AF_INET, .vrid = 40, .priority = 100, .interval = 100, .naddrs = 1 };
	struct ipaddr src = addr("10.99.40.1"), group = addr("224.0.0.18"), peer = addr("10.99.40.2");
	uint8_t buf[256];
	(void)state;
	adv.addrs[0] = addr("10.99.40.200");
	ssize_t n = proto_encode_as(&adv, &a, 1, &src, &group, VRRP_CKSUM_PLAIN, buf, sizeof(buf));
	assert_int_equal(n, sizeof(ka_ah_mcast));
	assert_memory_equal(buf, ka_ah_mcast, sizeof(ka_ah_mcast));
	adv.vrid = 41;
	adv.naddrs = 2;
	adv.addrs[0] = addr("10.99.40.201");
	adv.addrs[1] = addr("10.99.40.202");
	n = proto_encode_as(&adv, &u, 1, &src, &peer, VRRP_CKSUM_PLAIN, buf, sizeof(buf));
	assert_int_equal(n, sizeof(ka_ah_ucast));
	assert_memory_equal(buf, ka_ah_ucast, sizeof(ka_ah_ucast));
	/* Too small a buffer, an IPv6 source: refused. */
	assert_true(proto_encode_as(&adv, &u, 1, &src, &peer, VRRP_CKSUM_PLAIN, buf, 40) < 0);
	struct ipaddr v6 = addr("fd00::1");
	assert_true(proto_encode_as(&adv, &u, 1, &v6, &peer, VRRP_CKSUM_PLAIN, buf, sizeof(buf)) < 0);
}

/* A wrong password, a changed byte anywhere the digest covers, an SPI that
 * is not the sender, AH to a group without it and the reverse: bad_auth. */
static void test_ah_forgeries(void **state)
{
	struct vrrp_auth a = ah_auth("s3cret", false), wrong = ah_auth("s3creT", false);
	struct vrrp_auth plain = auth_for(VIP_PROTO_VRRP2, "s3cret", NULL);
	struct vrrp_packet p;
	uint8_t pkt[sizeof(ka_ah_mcast)];
	(void)state;
	assert_int_equal(decode_as(ka_ah_mcast, sizeof(ka_ah_mcast), &wrong, &p), DROP_BAD_AUTH);
	assert_int_equal(decode_as(ka_ah_mcast, sizeof(ka_ah_mcast), &plain, &p), DROP_BAD_AUTH);
	assert_int_equal(decode_as(ka_v2, sizeof(ka_v2), &a, &p), DROP_BAD_AUTH);
	/* Covered: ID, TTL (multicast), addresses, SPI, sequence, the VRRP
	 * message. Not covered: TOS, flags, the IP checksum. */
	static const size_t covered[] = { 4, 5, 8, 12, 19, 24, 28, 31, 44, 46, 52, 56 };
	for (size_t i = 0; i < sizeof(covered) / sizeof(covered[0]); i++) {
		memcpy(pkt, ka_ah_mcast, sizeof(pkt));
		pkt[covered[i]] ^= 0x01;
		enum vrrp_drop r = decode_as(pkt, sizeof(pkt), &a, &p);
		assert_true(r == DROP_BAD_AUTH || (covered[i] == 8 && r == DROP_BAD_TTL));
	}
	memcpy(pkt, ka_ah_mcast, sizeof(pkt));
	pkt[1] = 0; /* TOS */
	assert_int_equal(decode_as(pkt, sizeof(pkt), &a, &p), DROP_NONE);
	/* Truncated AH, and an AH that does not carry VRRP. */
	memcpy(pkt, ka_ah_mcast, sizeof(pkt));
	pkt[20] = 6;
	assert_int_equal(decode_as(pkt, sizeof(pkt), &a, &p), DROP_BAD_IP);
	for (size_t len = 0; len < sizeof(ka_ah_mcast); len++)
		assert_int_not_equal(decode_as(ka_ah_mcast, len, &a, &p), DROP_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_keepalived_v4),
		cmocka_unit_test(test_ucarp_decode),
		cmocka_unit_test(test_ucarp_encode),
		cmocka_unit_test(test_ucarp_forgeries),
		cmocka_unit_test(test_carp_priority_map),
		cmocka_unit_test(test_carp_leaving),
		cmocka_unit_test(test_vrrp2_keepalived),
		cmocka_unit_test(test_vrrp2_encode),
		cmocka_unit_test(test_vrrp2_auth),
		cmocka_unit_test(test_ah_keepalived_decode),
		cmocka_unit_test(test_ah_keepalived_encode),
		cmocka_unit_test(test_ah_forgeries),
		cmocka_unit_test(test_keepalived_v4_padding),
		cmocka_unit_test(test_keepalived_v6),
		cmocka_unit_test(test_encode_ip_v4_header),
		cmocka_unit_test(test_encode_ip_v6_header),
		cmocka_unit_test(test_roundtrip_v4_pseudo),
		cmocka_unit_test(test_roundtrip_v4_plain),
		cmocka_unit_test(test_roundtrip_v6),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_truncated_by_length_fields),
		cmocka_unit_test(test_mutations_never_crash),
		cmocka_unit_test(test_bad_ip),
		cmocka_unit_test(test_ipv4_options_accepted),
		cmocka_unit_test(test_bad_ttl),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_bad_interval),
		cmocka_unit_test(test_interval_reserved_bits),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_out_untouched_on_drop),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_encode_ip_errors),
		cmocka_unit_test(test_addrs_match),
	};
	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
