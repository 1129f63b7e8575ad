/* test_drops.c - why a packet was dropped (proto_decode_why() in
 * proto.c, drop_describe() in drop.c): the reason proto_decode() gives,
 * plus the sender, the offending value and the rule's, for the log line
 * "vip 200: dropped advert from 10.33.0.99: TTL 64, should be 255". Every
 * decode gets an exact-size heap copy, so ASan reports a read past len. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "drop.h"
#include "hmac.h"
#include "proto.h"

#define BUF_MAX 1200
#define SENDER "10.33.0.99"

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;
	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

/* A valid VRRPv3 advert (VRID 200, 10.33.0.200) from SENDER, or from
 * fe80::99 (fd00::200) for IPv6. */
static size_t build(uint8_t *buf, int family)
{
	struct vrrp_advert adv = { .family = family, .vrid = 200, .priority = 100, .interval = 100, .naddrs = 1 };
	struct ipaddr src = addr(family == AF_INET ? SENDER : "fe80::99"), dst;

	adv.addrs[0] = addr(family == AF_INET ? "10.33.0.200" : "fd00::200");
	ipaddr_vrrp_group(family, &dst);
	ssize_t n = proto_encode_ip(&adv, &src, &dst, 255, VRRP_CKSUM_PSEUDO, buf, BUF_MAX);
	assert_true(n > 0);
	return (size_t)n;
}

/* The VRRP checksum (over the IPv4 pseudo-header) of a packet, after a
 * change behind it. */
static void resign4(uint8_t *p)
{
	size_t len = (size_t)(p[2] << 8 | p[3]) - 20;
	uint8_t tmp[BUF_MAX + 12] = { 0 };
	uint32_t sum = 0;

	memcpy(tmp, p + 12, 8);
	tmp[9] = 112;
	tmp[10] = (uint8_t)(len >> 8);
	tmp[11] = (uint8_t)len;
	p[26] = p[27] = 0;
	memcpy(tmp + 12, p + 20, len);
	for (size_t i = 0; i < 12 + len; i += 2)
		sum += (uint32_t)(tmp[i] << 8 | tmp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[26] = (uint8_t)(~sum >> 8);
	p[27] = (uint8_t)~sum;
}

/* Decode with auth (NULL: VRRPv3) and check the reason, the message and
 * that proto_decode_as() agrees and leaves out untouched. */
static void expect_why(const uint8_t *pkt, size_t len, const struct vrrp_auth *auth, enum vrrp_drop reason,
		       const char *text, struct vrrp_drop_info *why)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct vrrp_packet out, out2, before;
	char buf[200];

	assert_non_null(copy);
	memcpy(copy, pkt, len);
	memset(&before, 0xa5, sizeof(before));
	out = out2 = before;
	assert_int_equal(proto_decode_why(copy, len, auth, &out, why), reason);
	assert_int_equal(why->reason, reason);
	assert_string_equal(drop_describe(why, buf, sizeof(buf)), text);
	assert_memory_equal(&out, &before, sizeof(out));
	if (auth)
		assert_int_equal(proto_decode_as(copy, len, auth, &out2), reason);
	else
		assert_int_equal(proto_decode(copy, len, &out2), reason);
	free(copy);
}

static void expect_sender(const struct vrrp_drop_info *why, const char *s)
{
	struct ipaddr a = addr(s);
	assert_true(ipaddr_equal(&why->src, &a));
}

static void test_bad_ttl(void **state)
{
	uint8_t p[BUF_MAX];
	size_t n = build(p, AF_INET);
	struct vrrp_drop_info why;
	(void)state;
	p[8] = 64;
	expect_why(p, n, NULL, DROP_BAD_TTL, "TTL 64, should be 255", &why);
	expect_sender(&why, SENDER);
	assert_string_equal(why.field, "TTL");
	assert_int_equal(why.got, 64);
	assert_int_equal(why.want, 255);
}

static void test_bad_hop_limit(void **state)
{
	uint8_t p[BUF_MAX];
	size_t n = build(p, AF_INET6);
	struct vrrp_drop_info why;
	(void)state;
	p[7] = 1;
	expect_why(p, n, NULL, DROP_BAD_TTL, "hop limit 1, should be 255", &why);
	expect_sender(&why, "fe80::99");
}

static void test_header_fields(void **state)
{
	uint8_t p[BUF_MAX];
	struct vrrp_drop_info why;
	size_t n;
	(void)state;
	n = build(p, AF_INET);
	p[20] = 0x21;
	expect_why(p, n, NULL, DROP_BAD_VERSION, "version 2, should be 3", &why);
	expect_sender(&why, SENDER);
	n = build(p, AF_INET);
	p[20] = 0x32;
	expect_why(p, n, NULL, DROP_BAD_TYPE, "type 2, should be 1", &why);
	n = build(p, AF_INET);
	p[23] = 2;
	expect_why(p, n, NULL, DROP_BAD_LENGTH, "VRRP message length 12, should be 16", &why);
	n = build(p, AF_INET);
	p[23] = 0;
	expect_why(p, n, NULL, DROP_BAD_LENGTH, "address count 0, should be at least 1", &why);
	n = build(p, AF_INET);
	p[24] = 0xf0; /* the reserved bits only: the interval is 0 */
	p[25] = 0;
	resign4(p);
	expect_why(p, n, NULL, DROP_BAD_INTERVAL, "Max Adver Int 0, should be at least 1", &why);
}

/* The right checksum is named, both ways IPv4 allows it. */
static void test_bad_checksum(void **state)
{
	uint8_t p[BUF_MAX], good[BUF_MAX];
	struct vrrp_drop_info why;
	char want[120];
	size_t n = build(p, AF_INET);
	(void)state;
	memcpy(good, p, n);
	unsigned sum = (unsigned)(p[26] << 8 | p[27]);
	p[26] ^= 0x12;
	/* The RFC 9568 sum: the message alone. */
	uint32_t plain = 0;
	for (size_t i = 20; i < n; i += 2)
		plain += i == 26 ? 0 : (uint32_t)(good[i] << 8 | good[i + 1]);
	while (plain >> 16)
		plain = (plain & 0xffff) + (plain >> 16);
	snprintf(want, sizeof(want), "checksum 0x%04x, should be 0x%04x or 0x%04x (RFC 9568)", sum ^ 0x1200, sum,
		 (uint16_t)~plain);
	expect_why(p, n, NULL, DROP_BAD_CHECKSUM, want, &why);
	assert_true(why.hex);
	assert_int_equal(why.want, sum);
}

static void test_ip_layer(void **state)
{
	uint8_t p[BUF_MAX];
	struct vrrp_drop_info why;
	size_t n;
	(void)state;
	n = build(p, AF_INET);
	expect_why(p, 10, NULL, DROP_TRUNCATED, "length 10, should be at least 20", &why);
	assert_int_equal(why.src.family, 0); /* not readable */
	expect_why(p, 0, NULL, DROP_TRUNCATED, "length 0, should be at least 1", &why);
	expect_why(p, n - 2, NULL, DROP_TRUNCATED, "IP total length 32, more than the 30 bytes received", &why);
	expect_sender(&why, SENDER);
	p[9] = 6;
	expect_why(p, n, NULL, DROP_BAD_IP, "IP protocol 6, should be 112", &why);
	n = build(p, AF_INET);
	p[6] = 0x20; /* more fragments */
	expect_why(p, n, NULL, DROP_BAD_IP, "fragment offset and MF flag 0x2000, should be 0x0000", &why);
	n = build(p, AF_INET);
	p[0] = 0x55;
	expect_why(p, n, NULL, DROP_BAD_IP, "IP version 5, should be 4 or 6 (IPv6)", &why);
	n = build(p, AF_INET);
	p[0] = 0x44;
	expect_why(p, n, NULL, DROP_BAD_IP, "IP header length 16, should be at least 20", &why);
	n = build(p, AF_INET6);
	p[6] = 0; /* a hop-by-hop header */
	expect_why(p, n, NULL, DROP_BAD_IP, "IPv6 next header 0, should be 112", &why);
	n = build(p, AF_INET6);
	expect_why(p, 30, NULL, DROP_TRUNCATED, "length 30, should be at least 40", &why);
}

/* An accepted packet: DROP_NONE, the sender known, out filled. */
static void test_accepted(void **state)
{
	uint8_t p[BUF_MAX];
	struct vrrp_packet out;
	struct vrrp_drop_info why;
	size_t n = build(p, AF_INET);
	(void)state;
	assert_int_equal(proto_decode_why(p, n, NULL, &out, &why), DROP_NONE);
	assert_int_equal(why.reason, DROP_NONE);
	expect_sender(&why, SENDER);
	assert_int_equal(out.adv.vrid, 200);
	assert_int_equal(out.proto, VIP_PROTO_VRRP3);
}

/* A whole IPv4 packet around a VRRPv2 or CARP message. */
static size_t wrap4(const uint8_t *msg, size_t len, uint8_t *p)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)((20 + len) >> 8);
	p[3] = (uint8_t)(20 + len);
	p[8] = 255;
	p[9] = 112;
	memcpy(p + 12, (uint8_t[]){ 10, 33, 0, 99, 224, 0, 0, 18 }, 8);
	memcpy(p + 20, msg, len);
	return 20 + len;
}

static struct vrrp_auth auth_for(enum vip_protocol proto, const char *key)
{
	struct vrrp_auth a = { .proto = proto };
	if (key) {
		memcpy(a.key, key, strlen(key));
		a.has_key = true;
	}
	a.vaddr = addr("10.33.0.200");
	return a;
}

static size_t build_as(const struct vrrp_auth *a, uint8_t *p)
{
	struct vrrp_advert adv = { .family = AF_INET, .vrid = 200, .priority = 100, .interval = 100, .naddrs = 1 };
	struct ipaddr src = addr(SENDER), dst = addr("224.0.0.18");
	uint8_t msg[200];

	adv.addrs[0] = addr("10.33.0.200");
	ssize_t n = proto_encode_as(&adv, a, 7, &src, &dst, VRRP_CKSUM_PLAIN, msg, sizeof(msg));
	assert_true(n > 0);
	return wrap4(msg, (size_t)n, p);
}

static void test_vrrp2_auth(void **state)
{
	struct vrrp_auth pw = auth_for(VIP_PROTO_VRRP2, "s3cret"), other = auth_for(VIP_PROTO_VRRP2, "s3creT");
	struct vrrp_auth none = auth_for(VIP_PROTO_VRRP2, NULL);
	struct vrrp_drop_info why;
	uint8_t p[BUF_MAX];
	size_t n = build_as(&pw, p);
	(void)state;
	expect_why(p, n, &other, DROP_BAD_AUTH, "password does not match", &why);
	expect_sender(&why, SENDER);
	expect_why(p, n, &none, DROP_BAD_AUTH, "authentication type 1, should be 0", &why);
	p[8] = 254;
	expect_why(p, n, &pw, DROP_BAD_TTL, "TTL 254, should be 255", &why);
	n = build(p, AF_INET);
	expect_why(p, n, &pw, DROP_BAD_VERSION, "version 3, should be 2", &why);
}

static void test_carp_auth(void **state)
{
	struct vrrp_auth pw = auth_for(VIP_PROTO_CARP, "secretpw"), other = auth_for(VIP_PROTO_CARP, "secretpx");
	struct vrrp_drop_info why;
	uint8_t p[BUF_MAX], md[20];
	(void)state;
	if (hmac_sha1("", 0, "", 0, md) < 0)
		skip();
	size_t n = build_as(&pw, p);
	expect_why(p, n, &other, DROP_BAD_AUTH, "HMAC-SHA1 does not match the password", &why);
	expect_why(p, n - 1, &pw, DROP_TRUNCATED, "IP total length 56, more than the 55 bytes received", &why);
}

/* Every reason has a describable drop: no field, the reason's name. */
static void test_describe_without_field(void **state)
{
	struct vrrp_drop_info why = { .reason = DROP_OWN_PACKET };
	char buf[64];
	(void)state;
	assert_string_equal(drop_describe(&why, buf, sizeof(buf)), "own_packet");
	why = (struct vrrp_drop_info){ .reason = DROP_REPLAY, .field = "AH sequence number", .rule = RULE_AT_LEAST,
				       .got = 5, .want = 8 };
	assert_string_equal(drop_describe(&why, buf, sizeof(buf)), "AH sequence number 5, should be at least 8");
	assert_string_equal(drop_describe(&why, buf, 8), "AH sequ"); /* cut, never overrun */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_ttl),
		cmocka_unit_test(test_bad_hop_limit),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_ip_layer),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_vrrp2_auth),
		cmocka_unit_test(test_carp_auth),
		cmocka_unit_test(test_describe_without_field),
	};
	return cmocka_run_group_tests_name("drops", tests, NULL, NULL);
}
