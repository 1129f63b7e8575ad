/* proto.c - VRRPv3 wire format (RFC 5798 section 5, RFC 9568).
 *
 * Every multi-byte field is read and written a byte at a time in network
 * order, so nothing here depends on alignment or host byte order. */
#include "proto.h"
#include "hmac.h"

#include <string.h>
#include <sys/socket.h>


#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40
#define IPV4_TOS_CS6 0xc0 /* network control (RFC 4594), as other VRRP speakers send */
#define IPV4_FRAG_MASK 0x3fff /* MF flag and fragment offset */

static const char *const drop_names[DROP__COUNT] = {
	[DROP_NONE] = "none",
	[DROP_TRUNCATED] = "truncated",
	[DROP_BAD_IP] = "bad_ip",
	[DROP_BAD_TTL] = "bad_ttl",
	[DROP_BAD_VERSION] = "bad_version",
	[DROP_BAD_TYPE] = "bad_type",
	[DROP_BAD_CHECKSUM] = "bad_checksum",
	[DROP_BAD_LENGTH] = "bad_length",
	[DROP_BAD_INTERVAL] = "bad_interval",
	[DROP_UNKNOWN_VRID] = "unknown_vrid",
	[DROP_ADDR_MISMATCH] = "addr_mismatch",
	[DROP_OWN_PACKET] = "own_packet",
	[DROP_BAD_AUTH] = "bad_auth",
	[DROP_REPLAY] = "replay",
	[DROP_NOT_PEER] = "not_peer",
};

const char *proto_drop_name(enum vrrp_drop reason)
{
	if ((unsigned)reason >= DROP__COUNT)
		return "unknown";
	return drop_names[reason];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Record why a packet is dropped, for the log, and drop it: every check
 * below is one line that names its field and the rule's value. */
static enum vrrp_drop drop(struct vrrp_drop_info *why, enum vrrp_drop r, const char *field, enum vrrp_rule rule,
			   unsigned long got, unsigned long want)
{
	why->reason = r;
	why->field = field;
	why->rule = rule;
	why->got = got;
	why->want = want;
	return r;
}

static void note_src(struct vrrp_drop_info *why, int family, const uint8_t *src)
{
	why->src.family = family;
	memcpy(why->src.u.bytes, src, ipaddr_size(family));
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Internet checksum arithmetic (RFC 1071): add big-endian 16-bit words to
 * a 32-bit accumulator and fold the carries at the end. VRRP messages are
 * at most 4 KiB, so the accumulator cannot overflow. */
static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n >= 2; p += 2, n -= 2)
		sum += get16(p);
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum of the pseudo-header in front of a VRRP message of len bytes.
 * IPv6: RFC 8200 8.1 (addresses, 32-bit length, three zeros, next header).
 * IPv4: the 12-byte layout of UDP/TCP (addresses, zero, protocol, 16-bit
 * length); this is what keepalived 2.2.7 puts on the wire (checked against
 * a captured advert in tests/unit/test_proto.c). */
static uint32_t pseudo_sum(int family, const uint8_t *src, const uint8_t *dst, size_t len)
{
	uint8_t ph[IPV6_HDR_LEN] = { 0 };
	size_t asz = ipaddr_size(family);

	memcpy(ph, src, asz);
	memcpy(ph + asz, dst, asz);
	if (family == AF_INET6) {
		put16(ph + 32, (uint32_t)(len >> 16));
		put16(ph + 34, (uint32_t)len);
		ph[39] = VRRP_IPPROTO;
		return sum_bytes(0, ph, 40);
	}
	ph[9] = VRRP_IPPROTO;
	put16(ph + 10, (uint32_t)len);
	return sum_bytes(0, ph, 12);
}

/* The facts the IP layer hands to the VRRP layer. */
struct ip_view {
	int family;
	const uint8_t *src, *dst;
	uint8_t ttl;
	const uint8_t *msg; /* the IP payload: the VRRP message */
	size_t msglen;
};

/* The checks of an IPv4 header that come before its protocol field. */
static enum vrrp_drop check_ipv4_lengths(const uint8_t *pkt, size_t len, struct vrrp_drop_info *why)
{
	if (len < IPV4_HDR_MIN)
		return drop(why, DROP_TRUNCATED, "length", RULE_AT_LEAST, len, IPV4_HDR_MIN);
	note_src(why, AF_INET, pkt + 12);
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4, total = get16(pkt + 2);
	if (ihl < IPV4_HDR_MIN)
		return drop(why, DROP_BAD_IP, "IP header length", RULE_AT_LEAST, ihl, IPV4_HDR_MIN);
	if (ihl > len)
		return drop(why, DROP_TRUNCATED, "IP header length", RULE_PAST_END, ihl, len);
	if (total > len)
		return drop(why, DROP_TRUNCATED, "IP total length", RULE_PAST_END, total, len);
	if (total < ihl)
		return drop(why, DROP_BAD_IP, "IP total length", RULE_AT_LEAST, total, ihl);
	return DROP_NONE;
}

/* A fragment cannot be checked on its own, and a VRRP message (at most
 * 1028 bytes for IPv4) never needs fragmenting. */
static enum vrrp_drop check_ipv4_fragment(const uint8_t *pkt, struct vrrp_drop_info *why)
{
	if (!(get16(pkt + 6) & IPV4_FRAG_MASK))
		return DROP_NONE;
	drop(why, DROP_BAD_IP, "fragment offset and MF flag", RULE_EQUAL, get16(pkt + 6) & IPV4_FRAG_MASK, 0);
	why->hex = true;
	return DROP_BAD_IP;
}

static enum vrrp_drop parse_ipv4(const uint8_t *pkt, size_t len, struct ip_view *ip, struct vrrp_drop_info *why)
{
	enum vrrp_drop r = check_ipv4_lengths(pkt, len, why);

	if (r != DROP_NONE)
		return r;
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4, total = get16(pkt + 2);
	if (pkt[9] != VRRP_IPPROTO)
		return drop(why, DROP_BAD_IP, "IP protocol", RULE_EQUAL, pkt[9], VRRP_IPPROTO);
	if ((r = check_ipv4_fragment(pkt, why)) != DROP_NONE)
		return r;
	/* Bytes past the total length are link-layer padding. */
	*ip = (struct ip_view){ .family = AF_INET, .src = pkt + 12, .dst = pkt + 16,
				.ttl = pkt[8], .msg = pkt + ihl, .msglen = total - ihl };
	return DROP_NONE;
}

static enum vrrp_drop parse_ipv6(const uint8_t *pkt, size_t len, struct ip_view *ip, struct vrrp_drop_info *why)
{
	if (len < IPV6_HDR_LEN)
		return drop(why, DROP_TRUNCATED, "length", RULE_AT_LEAST, len, IPV6_HDR_LEN);
	note_src(why, AF_INET6, pkt + 8);
	size_t plen = get16(pkt + 4);
	if (plen > len - IPV6_HDR_LEN)
		return drop(why, DROP_TRUNCATED, "IPv6 payload length", RULE_PAST_END, plen, len - IPV6_HDR_LEN);
	/* Adverts carry no extension headers; one here means something
	 * else (a fragment, a routing header) we will not interpret. */
	if (pkt[6] != VRRP_IPPROTO)
		return drop(why, DROP_BAD_IP, "IPv6 next header", RULE_EQUAL, pkt[6], VRRP_IPPROTO);
	*ip = (struct ip_view){ .family = AF_INET6, .src = pkt + 8, .dst = pkt + 24,
				.ttl = pkt[7], .msg = pkt + IPV6_HDR_LEN, .msglen = plen };
	return DROP_NONE;
}

static enum vrrp_drop parse_ip(const uint8_t *pkt, size_t len, struct ip_view *ip, struct vrrp_drop_info *why)
{
	if (len < 1)
		return drop(why, DROP_TRUNCATED, "length", RULE_AT_LEAST, 0, 1);
	switch (pkt[0] >> 4) {
	case 4:
		return parse_ipv4(pkt, len, ip, why);
	case 6:
		return parse_ipv6(pkt, len, ip, why);
	default:
		drop(why, DROP_BAD_IP, "IP version", RULE_EQUAL, pkt[0] >> 4, 4);
		why->alt = "IPv6";
		why->alt_want = 6;
		return DROP_BAD_IP;
	}
}

/* ---- IPsec AH around VRRPv2, as keepalived speaks it ------------------ */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The 96-bit ICV: HMAC-MD5, keyed by the password (at most 8 bytes), of
 * the IP header with the fields that change in transit zeroed (TOS,
 * flags and fragment offset, checksum; the TTL too for unicast adverts),
 * the AH header with the ICV zeroed, and the VRRP message (RFC 2402 3.3.3,
 * with keepalived's choice of mutable fields). */
static bool ah_icv(const struct vrrp_auth *auth, const uint8_t *pkt, size_t ihl, size_t total, uint8_t icv[12])
{
	uint8_t buf[60 + AH_LEN + VRRP_HDR_LEN + 255 * 4 + VRRP2_AUTH_LEN], md[16];

	if (total > sizeof(buf) || total < ihl + AH_LEN)
		return false;
	memcpy(buf, pkt, total);
	buf[1] = 0;
	buf[6] = buf[7] = 0;
	buf[10] = buf[11] = 0;
	if (auth->ah_unicast)
		buf[8] = 0;
	memset(buf + ihl + 12, 0, 12);
	if (hmac_md5(auth->key, strnlen((const char *)auth->key, VRRP2_AUTH_LEN), buf, total, md) < 0)
		return false;
	memcpy(icv, md, 12);
	return true;
}

/* An IPv4 packet for a VRRPv2 group: with AH exactly when the group uses
 * it, the SPI the sender's address, the ICV right. */
static enum vrrp_drop parse_ipv4_ah(const uint8_t *pkt, size_t len, const struct vrrp_auth *auth,
				    struct ip_view *ip, uint32_t *seq, struct vrrp_drop_info *why)
{
	uint8_t icv[12];
	enum vrrp_drop r = check_ipv4_lengths(pkt, len, why);

	if (r != DROP_NONE)
		return r;
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4, total = get16(pkt + 2);
	if (pkt[9] != AH_IPPROTO && pkt[9] != VRRP_IPPROTO) {
		drop(why, DROP_BAD_IP, "IP protocol", RULE_EQUAL, pkt[9], VRRP_IPPROTO);
		why->alt = "AH";
		why->alt_want = AH_IPPROTO;
		return DROP_BAD_IP;
	}
	/* RFC 2338 5.3.6: the group's authentication type, AH or not. */
	if ((pkt[9] == AH_IPPROTO) != auth->ah)
		return drop(why, DROP_BAD_AUTH, "IP protocol", RULE_EQUAL, pkt[9], auth->ah ? AH_IPPROTO : VRRP_IPPROTO);
	if ((r = check_ipv4_fragment(pkt, why)) != DROP_NONE)
		return r;
	if (!auth->ah) {
		*ip = (struct ip_view){ .family = AF_INET, .src = pkt + 12, .dst = pkt + 16,
					.ttl = pkt[8], .msg = pkt + ihl, .msglen = total - ihl };
		return DROP_NONE;
	}
	if (total < ihl + AH_LEN)
		return drop(why, DROP_TRUNCATED, "IP total length", RULE_AT_LEAST, total, ihl + AH_LEN);
	const uint8_t *ah = pkt + ihl;
	if (ah[0] != VRRP_IPPROTO)
		return drop(why, DROP_BAD_IP, "AH next header", RULE_EQUAL, ah[0], VRRP_IPPROTO);
	if (ah[1] != AH_LEN / 4 - 2)
		return drop(why, DROP_BAD_IP, "AH length", RULE_EQUAL, ah[1], AH_LEN / 4 - 2);
	if (memcmp(ah + 4, pkt + 12, 4) != 0)
		return drop(why, DROP_BAD_AUTH, "AH SPI is not the sender's address", RULE_TEXT, 0, 0);
	if (!ah_icv(auth, pkt, ihl, total, icv) || !equal_ct(icv, ah + 12, sizeof(icv)))
		return drop(why, DROP_BAD_AUTH, "AH ICV does not match the password", RULE_TEXT, 0, 0);
	*seq = get32(ah + 8);
	*ip = (struct ip_view){ .family = AF_INET, .src = pkt + 12, .dst = pkt + 16, .ttl = pkt[8],
				.msg = pkt + ihl + AH_LEN, .msglen = total - ihl - AH_LEN };
	return DROP_NONE;
}

/* The checksum a message of len bytes (at least 8; the field at bytes 6
 * and 7, as in VRRPv2, VRRPv3 and CARP) should carry over pseudo-header
 * sum ph: what the log line of a bad one shows as right. */
static unsigned long cksum_want(const uint8_t *m, size_t len, uint32_t ph)
{
	return (uint16_t)~sum_fold(sum_bytes(sum_bytes(ph, m, 6), m + 8, len - 8));
}

static enum vrrp_drop bad_cksum(struct vrrp_drop_info *why, const uint8_t *m, size_t len, uint32_t ph)
{
	drop(why, DROP_BAD_CHECKSUM, "checksum", RULE_EQUAL, get16(m + 6), cksum_want(m, len, ph));
	why->hex = true;
	return DROP_BAD_CHECKSUM;
}

/* RFC 5798 5.2.8 / RFC 9568 5.2.8: IPv6 always includes the pseudo-header.
 * For IPv4 the RFCs disagree, so accept either and report which one held;
 * the pseudo-header variant is tried first because deployed peers use it. */
static enum vrrp_drop check_cksum(const struct ip_view *ip, enum vrrp_cksum *mode, struct vrrp_drop_info *why)
{
	uint32_t ph = pseudo_sum(ip->family, ip->src, ip->dst, ip->msglen);

	if (sum_fold(sum_bytes(ph, ip->msg, ip->msglen)) == 0xffff) {
		*mode = VRRP_CKSUM_PSEUDO;
		return DROP_NONE;
	}
	if (ip->family == AF_INET && sum_fold(sum_bytes(0, ip->msg, ip->msglen)) == 0xffff) {
		*mode = VRRP_CKSUM_PLAIN;
		return DROP_NONE;
	}
	bad_cksum(why, ip->msg, ip->msglen, ph);
	if (ip->family == AF_INET) {
		why->alt = "RFC 9568";
		why->alt_want = cksum_want(ip->msg, ip->msglen, 0);
	}
	return DROP_BAD_CHECKSUM;
}

/* The VRRP message checks of the RFC 5798 7.1 receiver checklist that need
 * no configuration, in its order: version, completeness, checksum. The type
 * (5.2.2) sits with the version as both live in the first byte; the
 * interval comes last so a corrupted packet counts as a checksum error. */
static enum vrrp_drop check_vrrp(const struct ip_view *ip, enum vrrp_cksum *mode, struct vrrp_drop_info *why)
{
	const uint8_t *m = ip->msg;

	if (ip->msglen < 1)
		return drop(why, DROP_TRUNCATED, "VRRP message length", RULE_AT_LEAST, 0, VRRP_HDR_LEN);
	if (m[0] >> 4 != VRRP_VERSION)
		return drop(why, DROP_BAD_VERSION, "version", RULE_EQUAL, m[0] >> 4, VRRP_VERSION);
	if ((m[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return drop(why, DROP_BAD_TYPE, "type", RULE_EQUAL, m[0] & 0x0f, VRRP_TYPE_ADVERT);
	if (ip->msglen < VRRP_HDR_LEN)
		return drop(why, DROP_TRUNCATED, "VRRP message length", RULE_AT_LEAST, ip->msglen, VRRP_HDR_LEN);
	/* 5.2.5: the count is at least 1 and sizes the address list exactly. */
	size_t want = VRRP_HDR_LEN + m[3] * ipaddr_size(ip->family);
	if (m[3] == 0)
		return drop(why, DROP_BAD_LENGTH, "address count", RULE_AT_LEAST, 0, 1);
	if (ip->msglen != want)
		return drop(why, DROP_BAD_LENGTH, "VRRP message length", RULE_EQUAL, ip->msglen, want);
	enum vrrp_drop r = check_cksum(ip, mode, why);
	if (r != DROP_NONE)
		return r;
	/* 5.2.6, 5.2.7: the top 4 bits of the interval word are reserved
	 * and ignored on receipt; the interval proper has 12 bits. */
	if ((get16(m + 4) & VRRP_MAX_INTERVAL) == 0)
		return drop(why, DROP_BAD_INTERVAL, "Max Adver Int", RULE_AT_LEAST, 0, 1);
	return DROP_NONE;
}

static void fill_packet(const struct ip_view *ip, enum vrrp_cksum mode, struct vrrp_packet *out)
{
	const uint8_t *m = ip->msg;
	size_t asz = ipaddr_size(ip->family);

	memset(out, 0, sizeof(*out));
	out->src.family = out->dst.family = ip->family;
	memcpy(out->src.u.bytes, ip->src, asz);
	memcpy(out->dst.u.bytes, ip->dst, asz);
	out->ttl = ip->ttl;
	out->cksum = mode;
	out->adv.family = ip->family;
	out->adv.vrid = m[1];
	out->adv.priority = m[2];
	out->adv.naddrs = m[3];
	out->adv.interval = get16(m + 4) & VRRP_MAX_INTERVAL;
	for (size_t i = 0; i < m[3]; i++) {
		out->adv.addrs[i].family = ip->family;
		memcpy(out->adv.addrs[i].u.bytes, m + VRRP_HDR_LEN + i * asz, asz);
	}
}

/* RFC 5798 7.1: the first rule; off-link senders cannot forge 255. */
static enum vrrp_drop check_ttl(const struct ip_view *ip, struct vrrp_drop_info *why)
{
	if (ip->ttl == VRRP_TTL)
		return DROP_NONE;
	return drop(why, DROP_BAD_TTL, ip->family == AF_INET6 ? "hop limit" : "TTL", RULE_EQUAL, ip->ttl, VRRP_TTL);
}

static enum vrrp_drop decode_vrrp3(const uint8_t *pkt, size_t len, struct vrrp_packet *out, struct vrrp_drop_info *why)
{
	struct ip_view ip;
	enum vrrp_cksum mode;
	enum vrrp_drop r = parse_ip(pkt, len, &ip, why);

	if (r != DROP_NONE || (r = check_ttl(&ip, why)) != DROP_NONE)
		return r;
	r = check_vrrp(&ip, &mode, why);
	if (r == DROP_NONE)
		fill_packet(&ip, mode, out);
	return r;
}

enum vrrp_drop proto_decode(const uint8_t *pkt, size_t len, struct vrrp_packet *out)
{
	struct vrrp_drop_info why = { 0 };

	return decode_vrrp3(pkt, len, out, &why);
}

static bool advert_valid(const struct vrrp_advert *adv)
{
	if (!ipaddr_size(adv->family) || adv->naddrs == 0 || adv->interval == 0 ||
	    adv->interval > VRRP_MAX_INTERVAL)
		return false;
	for (size_t i = 0; i < adv->naddrs; i++)
		if (adv->addrs[i].family != adv->family)
			return false;
	return true;
}

static bool uses_pseudo(int family, enum vrrp_cksum mode)
{
	return family == AF_INET6 || mode == VRRP_CKSUM_PSEUDO;
}

static bool endpoint_valid(const struct ipaddr *a, int family)
{
	return a && a->family == family;
}

/* src and dst may be NULL when the checksum does not cover them
 * (IPv4 in VRRP_CKSUM_PLAIN mode). */
ssize_t proto_encode(const struct vrrp_advert *adv, const struct ipaddr *src,
		     const struct ipaddr *dst, enum vrrp_cksum mode,
		     uint8_t *buf, size_t buflen)
{
	if (!advert_valid(adv) || (mode != VRRP_CKSUM_PSEUDO && mode != VRRP_CKSUM_PLAIN))
		return -1;
	bool pseudo = uses_pseudo(adv->family, mode);
	if (pseudo && (!endpoint_valid(src, adv->family) || !endpoint_valid(dst, adv->family)))
		return -1;
	size_t asz = ipaddr_size(adv->family);
	size_t n = VRRP_HDR_LEN + adv->naddrs * asz;
	if (buflen < n)
		return -1;

	buf[0] = VRRP_VERSION << 4 | VRRP_TYPE_ADVERT;
	buf[1] = adv->vrid;
	buf[2] = adv->priority;
	buf[3] = adv->naddrs;
	put16(buf + 4, adv->interval); /* reserved bits stay zero (5.2.6) */
	put16(buf + 6, 0);
	for (size_t i = 0; i < adv->naddrs; i++)
		memcpy(buf + VRRP_HDR_LEN + i * asz, adv->addrs[i].u.bytes, asz);
	uint32_t sum = pseudo ? pseudo_sum(adv->family, src->u.bytes, dst->u.bytes, n) : 0;
	put16(buf + 6, (uint16_t)~sum_fold(sum_bytes(sum, buf, n)));
	return (ssize_t)n;
}

static void write_ipv4_hdr(uint8_t *h, const struct ipaddr *src, const struct ipaddr *dst,
			   uint8_t ttl, size_t msglen)
{
	memset(h, 0, IPV4_HDR_MIN);
	h[0] = 0x45;
	h[1] = IPV4_TOS_CS6;
	put16(h + 2, (uint32_t)(IPV4_HDR_MIN + msglen));
	h[8] = ttl;
	h[9] = VRRP_IPPROTO;
	memcpy(h + 12, src->u.bytes, 4);
	memcpy(h + 16, dst->u.bytes, 4);
	put16(h + 10, (uint16_t)~sum_fold(sum_bytes(0, h, IPV4_HDR_MIN)));
}

static void write_ipv6_hdr(uint8_t *h, const struct ipaddr *src, const struct ipaddr *dst,
			   uint8_t hlim, size_t msglen)
{
	memset(h, 0, IPV6_HDR_LEN);
	/* Version 6, traffic class CS6, flow label 0. */
	h[0] = 0x60 | IPV4_TOS_CS6 >> 4;
	put16(h + 4, (uint32_t)msglen);
	h[6] = VRRP_IPPROTO;
	h[7] = hlim;
	memcpy(h + 8, src->u.bytes, 16);
	memcpy(h + 24, dst->u.bytes, 16);
}

ssize_t proto_encode_ip(const struct vrrp_advert *adv, const struct ipaddr *src,
			const struct ipaddr *dst, uint8_t ttl, enum vrrp_cksum mode,
			uint8_t *buf, size_t buflen)
{
	if (!endpoint_valid(src, adv->family) || !endpoint_valid(dst, adv->family))
		return -1;
	size_t hlen = adv->family == AF_INET6 ? IPV6_HDR_LEN : IPV4_HDR_MIN;
	if (buflen < hlen)
		return -1;
	ssize_t n = proto_encode(adv, src, dst, mode, buf + hlen, buflen - hlen);
	if (n < 0)
		return -1;
	if (adv->family == AF_INET6)
		write_ipv6_hdr(buf, src, dst, ttl, (size_t)n);
	else
		write_ipv4_hdr(buf, src, dst, ttl, (size_t)n);
	return (ssize_t)hlen + n;
}

static bool addr_in(const struct ipaddr *a, const struct ipaddr *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ipaddr_equal(a, &set[i]))
			return true;
	return false;
}

/* Equal counts plus mutual inclusion: the order is free (RFC 5798 7.1),
 * and at most 255 x 255 comparisons make sorting not worth it. */
bool proto_addrs_match(const struct vrrp_advert *adv, const struct ipaddr *addrs, size_t n)
{
	if (n != adv->naddrs)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!addr_in(&addrs[i], adv->addrs, adv->naddrs) ||
		    !addr_in(&adv->addrs[i], addrs, n))
			return false;
	return true;
}

/* ---- VRRPv2 (RFC 3768) and CARP (as ucarp speaks it) ------------------- */

uint8_t proto_carp_priority(uint8_t advbase, uint8_t advskew)
{
	if (advbase == CARP_LEAVING && advskew == CARP_LEAVING)
		return 0;
	return advskew >= 253 ? 1 : (uint8_t)(254 - advskew);
}

uint8_t proto_carp_advskew(uint8_t priority)
{
	return priority >= 254 ? 0 : (uint8_t)(254 - priority);
}

/* ucarp's HMAC-SHA1: version, type, vhid, the virtual address, then the
 * 64-bit counter as sent; the key is the password, zero-padded. */
static bool carp_hmac(const struct vrrp_auth *auth, uint8_t vhid, const uint8_t counter[8], uint8_t md[20])
{
	uint8_t msg[3 + 4 + 8] = { CARP_VERSION, VRRP_TYPE_ADVERT, vhid };

	memcpy(msg + 3, auth->vaddr.u.bytes, 4);
	memcpy(msg + 7, counter, 8);
	/* Without libcrypto no digest can be made: every advert is refused
	 * (bad_auth) and none is sent. vipd says so at start. */
	if (hmac_sha1(auth->key, CARP_KEY_MAX + 1, msg, sizeof(msg), md) < 0) {
		memset(md, 0, 20);
		return false;
	}
	return true;
}

static enum vrrp_drop check_vrrp2(const struct ip_view *ip, const struct vrrp_auth *auth, struct vrrp_drop_info *why)
{
	const uint8_t *m = ip->msg;
	uint8_t key[VRRP2_AUTH_LEN] = { 0 };
	unsigned type = auth->ah ? VRRP2_AUTH_AH : auth->has_key ? VRRP2_AUTH_TEXT : VRRP2_AUTH_NONE;

	if (ip->msglen < 1)
		return drop(why, DROP_TRUNCATED, "VRRP message length", RULE_AT_LEAST, 0, VRRP_HDR_LEN);
	if (m[0] >> 4 != VRRP2_VERSION)
		return drop(why, DROP_BAD_VERSION, "version", RULE_EQUAL, m[0] >> 4, VRRP2_VERSION);
	if ((m[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return drop(why, DROP_BAD_TYPE, "type", RULE_EQUAL, m[0] & 0x0f, VRRP_TYPE_ADVERT);
	if (ip->msglen < VRRP_HDR_LEN)
		return drop(why, DROP_TRUNCATED, "VRRP message length", RULE_AT_LEAST, ip->msglen, VRRP_HDR_LEN);
	size_t want = VRRP_HDR_LEN + m[3] * 4u + VRRP2_AUTH_LEN;
	if (m[3] == 0)
		return drop(why, DROP_BAD_LENGTH, "address count", RULE_AT_LEAST, 0, 1);
	if (ip->msglen != want)
		return drop(why, DROP_BAD_LENGTH, "VRRP message length", RULE_EQUAL, ip->msglen, want);
	/* RFC 3768 5.3.8: the checksum covers the VRRP message only. */
	if (sum_fold(sum_bytes(0, m, ip->msglen)) != 0xffff)
		return bad_cksum(why, m, ip->msglen, 0);
	if (m[5] == 0)
		return drop(why, DROP_BAD_INTERVAL, "Adver Int", RULE_AT_LEAST, 0, 1);
	/* RFC 3768 7.1: the authentication type must match the group's. */
	if (m[4] != type)
		return drop(why, DROP_BAD_AUTH, "authentication type", RULE_EQUAL, m[4], type);
	memcpy(key, auth->key, VRRP2_AUTH_LEN);
	if (auth->has_key && !auth->ah && !equal_ct(m + ip->msglen - VRRP2_AUTH_LEN, key, VRRP2_AUTH_LEN))
		return drop(why, DROP_BAD_AUTH, "password does not match", RULE_TEXT, 0, 0);
	return DROP_NONE;
}

static enum vrrp_drop check_carp(const struct ip_view *ip, const struct vrrp_auth *auth, struct vrrp_drop_info *why)
{
	const uint8_t *m = ip->msg;
	uint8_t md[20];

	if (ip->msglen < 1)
		return drop(why, DROP_TRUNCATED, "CARP message length", RULE_AT_LEAST, 0, CARP_HDR_LEN);
	if (m[0] >> 4 != CARP_VERSION)
		return drop(why, DROP_BAD_VERSION, "version", RULE_EQUAL, m[0] >> 4, CARP_VERSION);
	if ((m[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return drop(why, DROP_BAD_TYPE, "type", RULE_EQUAL, m[0] & 0x0f, VRRP_TYPE_ADVERT);
	if (ip->msglen < CARP_HDR_LEN)
		return drop(why, DROP_TRUNCATED, "CARP message length", RULE_AT_LEAST, ip->msglen, CARP_HDR_LEN);
	if (sum_fold(sum_bytes(0, m, CARP_HDR_LEN)) != 0xffff)
		return bad_cksum(why, m, CARP_HDR_LEN, 0);
	if (m[5] == 0 && m[2] == 0)
		return drop(why, DROP_BAD_INTERVAL, "advbase and advskew both 0", RULE_TEXT, 0, 0);
	if (!carp_hmac(auth, m[1], m + 8, md))
		return drop(why, DROP_BAD_AUTH, "HMAC-SHA1 not available (libcrypto)", RULE_TEXT, 0, 0);
	if (!equal_ct(md, m + 16, sizeof(md)))
		return drop(why, DROP_BAD_AUTH, "HMAC-SHA1 does not match the password", RULE_TEXT, 0, 0);
	return DROP_NONE;
}

/* A checked VRRPv2 or CARP message into *out, mapped onto the VRRPv3
 * fields the FSM compares. */
static void fill_legacy(const struct ip_view *ip, const struct vrrp_auth *auth, uint32_t seq, struct vrrp_packet *out)
{
	const uint8_t *m = ip->msg;

	memset(out, 0, sizeof(*out));
	out->proto = auth->proto;
	out->src.family = out->dst.family = out->adv.family = AF_INET;
	memcpy(out->src.u.bytes, ip->src, 4);
	memcpy(out->dst.u.bytes, ip->dst, 4);
	out->ttl = ip->ttl;
	out->cksum = VRRP_CKSUM_PLAIN;
	out->adv.vrid = m[1];
	if (auth->proto == VIP_PROTO_CARP) {
		out->adv.priority = proto_carp_priority(m[5], m[2]);
		out->adv.interval = (uint16_t)(m[5] * 100u + m[2] * 100u / 256);
		for (int i = 0; i < 8; i++)
			out->counter = out->counter << 8 | m[8 + i];
		return;
	}
	out->counter = seq;
	out->adv.priority = m[2];
	out->adv.interval = (uint16_t)(m[5] * 100u);
	out->adv.naddrs = m[3];
	for (size_t i = 0; i < m[3]; i++) {
		out->adv.addrs[i].family = AF_INET;
		memcpy(out->adv.addrs[i].u.bytes, m + VRRP_HDR_LEN + i * 4, 4);
	}
}

enum vrrp_drop proto_decode_why(const uint8_t *pkt, size_t len, const struct vrrp_auth *auth,
				struct vrrp_packet *out, struct vrrp_drop_info *why)
{
	struct ip_view ip;
	enum vrrp_drop r;
	uint32_t seq = 0;

	memset(why, 0, sizeof(*why));
	if (!auth || auth->proto == VIP_PROTO_VRRP3) {
		r = decode_vrrp3(pkt, len, out, why);
		if (r == DROP_NONE)
			out->proto = VIP_PROTO_VRRP3;
		return r;
	}
	if (auth->proto == VIP_PROTO_VRRP2 && len >= 1 && pkt[0] >> 4 == 4)
		r = parse_ipv4_ah(pkt, len, auth, &ip, &seq, why);
	else
		r = parse_ip(pkt, len, &ip, why);
	if (r != DROP_NONE)
		return r;
	/* VRRPv2 (RFC 3768) and CARP as ucarp speaks it are IPv4 only. */
	if (ip.family != AF_INET)
		return drop(why, DROP_BAD_IP, "IP version", RULE_EQUAL, 6, 4);
	if ((r = check_ttl(&ip, why)) != DROP_NONE)
		return r;
	r = auth->proto == VIP_PROTO_CARP ? check_carp(&ip, auth, why) : check_vrrp2(&ip, auth, why);
	if (r == DROP_NONE)
		fill_legacy(&ip, auth, seq, out);
	return r;
}

static ssize_t encode_vrrp2(const struct vrrp_advert *adv, const struct vrrp_auth *auth, uint8_t *buf,
			    size_t buflen)
{
	size_t n = VRRP_HDR_LEN + adv->naddrs * 4u + VRRP2_AUTH_LEN;

	if (adv->naddrs == 0 || adv->interval % 100 || adv->interval / 100 == 0 || adv->interval / 100 > 255 ||
	    buflen < n)
		return -1;
	memset(buf, 0, n);
	buf[0] = VRRP2_VERSION << 4 | VRRP_TYPE_ADVERT;
	buf[1] = adv->vrid;
	buf[2] = adv->priority;
	buf[3] = adv->naddrs;
	buf[4] = auth->ah ? VRRP2_AUTH_AH : auth->has_key ? VRRP2_AUTH_TEXT : VRRP2_AUTH_NONE;
	buf[5] = (uint8_t)(adv->interval / 100);
	for (size_t i = 0; i < adv->naddrs; i++)
		memcpy(buf + VRRP_HDR_LEN + i * 4, adv->addrs[i].u.bytes, 4);
	if (auth->has_key && !auth->ah)
		memcpy(buf + n - VRRP2_AUTH_LEN, auth->key, VRRP2_AUTH_LEN);
	put16(buf + 6, (uint16_t)~sum_fold(sum_bytes(0, buf, n)));
	return (ssize_t)n;
}

static ssize_t encode_carp(const struct vrrp_advert *adv, const struct vrrp_auth *auth, uint64_t counter,
			   uint8_t *buf, size_t buflen)
{
	if (buflen < CARP_HDR_LEN || adv->interval % 100 || adv->interval / 100 == 0 ||
	    adv->interval / 100 >= CARP_LEAVING || auth->vaddr.family != AF_INET)
		return -1;
	memset(buf, 0, CARP_HDR_LEN);
	buf[0] = CARP_VERSION << 4 | VRRP_TYPE_ADVERT;
	buf[1] = adv->vrid;
	buf[2] = adv->priority ? proto_carp_advskew(adv->priority) : CARP_LEAVING;
	buf[3] = CARP_AUTHLEN;
	buf[5] = adv->priority ? (uint8_t)(adv->interval / 100) : CARP_LEAVING;
	for (int i = 0; i < 8; i++)
		buf[8 + i] = (uint8_t)(counter >> (56 - 8 * i));
	if (!carp_hmac(auth, adv->vrid, buf + 8, buf + 16))
		return -1;
	put16(buf + 6, (uint16_t)~sum_fold(sum_bytes(0, buf, CARP_HDR_LEN)));
	return CARP_HDR_LEN;
}

/* The whole IPv4 packet, as keepalived builds it: TOS network control,
 * no DF, TTL 255, an ID taken from the sequence number (the ICV covers
 * it, and the kernel would replace a zero). */
static ssize_t encode_vrrp2_ah(const struct vrrp_advert *adv, const struct vrrp_auth *auth, uint32_t seq,
			       const struct ipaddr *src, const struct ipaddr *dst, uint8_t *buf, size_t buflen)
{
	size_t hdr = IPV4_HDR_MIN + AH_LEN;
	uint8_t icv[12];

	if (buflen < hdr || src->family != AF_INET || dst->family != AF_INET)
		return -1;
	ssize_t n = encode_vrrp2(adv, auth, buf + hdr, buflen - hdr);
	if (n < 0)
		return -1;
	size_t total = hdr + (size_t)n;
	uint16_t id = (uint16_t)seq ? (uint16_t)seq : 1;
	memset(buf, 0, hdr);
	buf[0] = 0x45;
	buf[1] = IPV4_TOS_CS6;
	put16(buf + 2, (uint32_t)total);
	put16(buf + 4, id);
	buf[8] = VRRP_TTL;
	buf[9] = AH_IPPROTO;
	memcpy(buf + 12, src->u.bytes, 4);
	memcpy(buf + 16, dst->u.bytes, 4);
	buf[20] = VRRP_IPPROTO;
	buf[21] = AH_LEN / 4 - 2;
	memcpy(buf + 24, src->u.bytes, 4);
	put16(buf + 28, seq >> 16);
	put16(buf + 30, seq & 0xffff);
	if (!ah_icv(auth, buf, IPV4_HDR_MIN, total, icv))
		return -1;
	memcpy(buf + 32, icv, sizeof(icv));
	put16(buf + 10, (uint16_t)~sum_fold(sum_bytes(0, buf, IPV4_HDR_MIN)));
	return (ssize_t)total;
}

enum vrrp_drop proto_decode_as(const uint8_t *pkt, size_t len, const struct vrrp_auth *auth,
			       struct vrrp_packet *out)
{
	struct vrrp_drop_info why;

	return proto_decode_why(pkt, len, auth, out, &why);
}

ssize_t proto_encode_as(const struct vrrp_advert *adv, const struct vrrp_auth *auth, uint64_t counter,
			const struct ipaddr *src, const struct ipaddr *dst, enum vrrp_cksum mode,
			uint8_t *buf, size_t buflen)
{
	if (auth->proto == VIP_PROTO_VRRP3)
		return proto_encode(adv, src, dst, mode, buf, buflen);
	if (adv->family != AF_INET)
		return -1;
	if (auth->proto == VIP_PROTO_CARP)
		return encode_carp(adv, auth, counter, buf, buflen);
	return auth->ah ? encode_vrrp2_ah(adv, auth, (uint32_t)counter, src, dst, buf, buflen)
			: encode_vrrp2(adv, auth, buf, buflen);
}
