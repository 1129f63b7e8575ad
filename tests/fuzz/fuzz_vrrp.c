// sources: vrrpd/proto.c vrrpd/drop.c vrrpd/addr.c vrrpd/hmac.c vrrpd/dynlib.c
// libs: libcrypto
/* fuzz_vrrp.c - libFuzzer target: proto_decode() on IPv4/IPv6 packets
 * carrying VRRPv3 advertisements (vrrpd/proto.c).
 *
 * Each input is decoded twice, both times from a heap copy of its exact
 * size so that ASan sees any read past len:
 *   - as it is;
 *   - with its VRRP checksum recomputed by the independent RFC 1071 code
 *     below, so that mutations get past the checksum to the checks behind
 *     it: over the pseudo-header, or without it when bit 0 of a field the
 *     decoder ignores is set (IPv4: the identification's first byte;
 *     IPv6: the flow label's last byte).
 * Oracles, each an abort() that libFuzzer reports as a crash:
 *   - the two results agree: only the checksum and what follows it may
 *     differ; a packet refused for its checksum alone is accepted once
 *     signed right, and an IPv6 one signed without the pseudo-header is
 *     refused (this checks the decoder's checksum against ours);
 *   - a decoded packet keeps proto.h's promises (TTL 255, one family,
 *     1..255 addresses, interval 1..4095, nothing past naddrs);
 *   - round trip: proto_encode_ip() of what was decoded decodes again to
 *     the same VRID, priority, interval, addresses, endpoints and TTL, and
 *     its VRRP message is the received one but for the reserved bits and
 *     the checksum; proto_encode() refuses a buffer one byte short
 *     without writing past it;
 *   - proto_addrs_match() holds for a list of up to 16 addresses against
 *     itself reversed, and not against one address fewer;
 *   - proto_decode_why() reaches proto_decode()'s verdict, says why with
 *     the same reason, and drop_describe() makes one printable line of it
 *     (it goes into the log). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "drop.h"
#include "proto.h"
#include "fuzz_check.h"

#define ENC_MAX (40 + VRRP_HDR_LEN + VRRP_MAX_ADDRS * 16)


static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Where the VRRP message lies, by the IP framing rules proto.c documents
 * (IPv4: IHL >= 5, total length within the packet, payload after IHL;
 * IPv6: payload length within the packet, payload after 40 bytes). Only
 * messages long enough to hold the checksum field count. */
struct frame {
	int family;
	size_t off, len; /* the VRRP message */
	const uint8_t *src, *dst;
};

static bool locate(const uint8_t *p, size_t n, struct frame *f)
{
	if (n < 1)
		return false;
	if (p[0] >> 4 == 4) {
		if (n < 20)
			return false;
		size_t ihl = (size_t)(p[0] & 0x0f) * 4, total = be16(p + 2);
		if (ihl < 20 || total > n || total < ihl + VRRP_HDR_LEN)
			return false;
		*f = (struct frame){ AF_INET, ihl, total - ihl, p + 12, p + 16 };
		return true;
	}
	if (p[0] >> 4 == 6) {
		if (n < 40)
			return false;
		size_t plen = be16(p + 4);
		if (plen > n - 40 || plen < VRRP_HDR_LEN)
			return false;
		*f = (struct frame){ AF_INET6, 40, plen, p + 8, p + 24 };
		return true;
	}
	return false;
}

/* RFC 1071 one's complement sum of a byte string taken as big-endian
 * 16-bit words (an odd last byte is padded with zero), not folded. */
static uint64_t ones_sum(uint64_t acc, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc += i % 2 ? b[i] : (uint64_t)b[i] << 8;
	return acc;
}

static uint16_t fold(uint64_t s)
{
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Sum of the pseudo-header (RFC 8200 8.1 for IPv6; for IPv4 the layout
 * of UDP's, as keepalived sends it), or 0 for none. */
static uint64_t pseudo(const struct frame *f, bool use)
{
	uint8_t ph[40] = { 0 };
	size_t a = f->family == AF_INET ? 4 : 16;

	if (!use)
		return 0;
	memcpy(ph, f->src, a);
	memcpy(ph + a, f->dst, a);
	if (f->family == AF_INET6) {
		ph[32] = (uint8_t)(f->len >> 24);
		ph[33] = (uint8_t)(f->len >> 16);
		ph[34] = (uint8_t)(f->len >> 8);
		ph[35] = (uint8_t)f->len;
		ph[39] = VRRP_IPPROTO;
		return ones_sum(0, ph, 40);
	}
	ph[9] = VRRP_IPPROTO;
	ph[10] = (uint8_t)(f->len >> 8);
	ph[11] = (uint8_t)f->len;
	return ones_sum(0, ph, 12);
}

static bool cksum_ok(const uint8_t *p, const struct frame *f, bool use_pseudo)
{
	return fold(ones_sum(pseudo(f, use_pseudo), p + f->off, f->len)) == 0xffff;
}

/* Write a valid checksum into a copy of the packet. */
static void resign(uint8_t *p, const struct frame *f, bool use_pseudo)
{
	uint8_t *m = p + f->off;

	m[6] = m[7] = 0;
	uint16_t c = (uint16_t)~fold(ones_sum(pseudo(f, use_pseudo), m, f->len));
	m[6] = (uint8_t)(c >> 8);
	m[7] = (uint8_t)c;
}

static enum vrrp_drop decode_copy(const uint8_t *data, size_t n, struct vrrp_packet *out)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy)
		abort();
	if (n)
		memcpy(copy, data, n);
	enum vrrp_drop r = proto_decode(copy, n, out);
	struct vrrp_packet again;
	struct vrrp_drop_info why;
	char line[160];

	CHECK((unsigned)r < DROP__COUNT);
	CHECK(strcmp(proto_drop_name(r), "unknown") != 0);
	/* The reason the log gives is the verdict's, in one printable line. */
	CHECK(proto_decode_why(copy, n, NULL, &again, &why) == r);
	CHECK(why.reason == r);
	if (r != DROP_NONE) {
		drop_describe(&why, line, sizeof(line));
		CHECK(line[0] != '\0');
		for (const char *c = line; *c; c++)
			CHECK(*c >= 0x20 && *c < 0x7f);
	}
	free(copy);
	return r;
}

/* What proto.h promises of a decoded packet. */
static void check_decoded(const struct vrrp_packet *p)
{
	const struct vrrp_advert *a = &p->adv;

	CHECK(a->family == AF_INET || a->family == AF_INET6);
	CHECK(p->src.family == a->family && p->dst.family == a->family);
	CHECK(p->ttl == VRRP_TTL);
	CHECK(p->cksum == VRRP_CKSUM_PSEUDO || (p->cksum == VRRP_CKSUM_PLAIN && a->family == AF_INET));
	CHECK(a->naddrs >= 1);
	CHECK(a->interval >= 1 && a->interval <= VRRP_MAX_INTERVAL);
	for (size_t i = 0; i < VRRP_MAX_ADDRS; i++)
		CHECK(a->addrs[i].family == (i < a->naddrs ? a->family : 0));
}

static bool same_advert(const struct vrrp_packet *x, const struct vrrp_packet *y)
{
	if (x->adv.family != y->adv.family || x->adv.vrid != y->adv.vrid ||
	    x->adv.priority != y->adv.priority || x->adv.interval != y->adv.interval ||
	    x->adv.naddrs != y->adv.naddrs || x->ttl != y->ttl || !ipaddr_equal(&x->src, &y->src) ||
	    !ipaddr_equal(&x->dst, &y->dst))
		return false;
	for (size_t i = 0; i < x->adv.naddrs; i++)
		if (!ipaddr_equal(&x->adv.addrs[i], &y->adv.addrs[i]))
			return false;
	return true;
}

/* The advertisement survives proto_encode_ip() and proto_decode(). rx is
 * the packet it was decoded from, f where its VRRP message lies. */
static void round_trip(const struct vrrp_packet *p, const uint8_t *rx, const struct frame *f)
{
	static uint8_t buf[ENC_MAX];
	struct vrrp_packet q;
	size_t asz = ipaddr_size(p->adv.family);
	size_t hlen = p->adv.family == AF_INET ? 20 : 40;
	size_t mlen = VRRP_HDR_LEN + p->adv.naddrs * asz;

	CHECK(f->len == mlen);
	ssize_t n = proto_encode_ip(&p->adv, &p->src, &p->dst, p->ttl, p->cksum, buf, sizeof(buf));
	CHECK(n == (ssize_t)(hlen + mlen));
	CHECK(decode_copy(buf, (size_t)n, &q) == DROP_NONE);
	check_decoded(&q);
	CHECK(same_advert(p, &q));
	/* The mode we encoded with verifies; the decoder tries the
	 * pseudo-header first, so an IPv4 message whose two checksums
	 * coincide may come back as that one. */
	struct frame g;
	CHECK(locate(buf, (size_t)n, &g) && g.off == hlen && g.len == mlen);
	CHECK(cksum_ok(buf, &g, p->cksum == VRRP_CKSUM_PSEUDO || p->adv.family == AF_INET6));
	if (q.cksum != p->cksum)
		CHECK(p->cksum == VRRP_CKSUM_PLAIN && q.cksum == VRRP_CKSUM_PSEUDO &&
		      cksum_ok(buf, &g, true));

	/* Byte for byte the received message, but for what the sender may
	 * choose: the reserved high bits of the interval word (5.2.6) and
	 * the checksum (0x0000 and 0xffff are both a sum of zero). */
	const uint8_t *m = rx + f->off, *e = buf + hlen;
	for (size_t i = 0; i < mlen; i++) {
		if (i == 6 || i == 7)
			continue;
		if (i == 4)
			CHECK((m[4] & 0x0f) == e[4]);
		else
			CHECK(m[i] == e[i]);
	}

	/* The message alone, into a buffer one byte short: refused, and
	 * ASan watches the bytes past it. */
	uint8_t *tight = malloc(mlen - 1);
	if (!tight)
		abort();
	CHECK(proto_encode(&p->adv, &p->src, &p->dst, p->cksum, tight, mlen - 1) == -1);
	free(tight);

	/* Quadratic by design, and every comparison is traced for the
	 * fuzzer: long lists would cut the executions a hundredfold. */
	if (p->adv.naddrs <= 16) {
		struct ipaddr rev[16];
		for (size_t i = 0; i < p->adv.naddrs; i++)
			rev[i] = p->adv.addrs[p->adv.naddrs - 1 - i];
		CHECK(proto_addrs_match(&p->adv, rev, p->adv.naddrs));
		CHECK(!proto_addrs_match(&p->adv, rev, p->adv.naddrs - 1u));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vrrp_packet p1, p2;
	struct frame f;
	bool framed = locate(data, size, &f);
	enum vrrp_drop r1 = decode_copy(data, size, &p1);

	if (r1 == DROP_NONE) {
		check_decoded(&p1);
		CHECK(framed);
		/* Our checksum agrees with the decoder's verdict. */
		CHECK(cksum_ok(data, &f, p1.cksum == VRRP_CKSUM_PSEUDO));
		round_trip(&p1, data, &f);
	}
	if (!framed) {
		/* Nothing the decoder reads as a complete message. */
		CHECK(r1 != DROP_NONE && r1 != DROP_BAD_CHECKSUM && r1 != DROP_BAD_INTERVAL);
		return 0;
	}

	/* Sign with the pseudo-header, or without it when a bit the decoder
	 * ignores is set: IPv4 identification, IPv6 flow label. Without is
	 * right for IPv4 only; IPv6 must refuse it (unless the pseudo-header
	 * happens to sum to zero, and the checksum is right either way). */
	uint8_t *fixed = malloc(size);
	if (!fixed)
		abort();
	memcpy(fixed, data, size);
	bool v6 = f.family == AF_INET6;
	bool use_pseudo = !(data[v6 ? 3 : 4] & 1);
	resign(fixed, &f, use_pseudo);
	bool valid = use_pseudo || !v6 || cksum_ok(fixed, &f, true);
	enum vrrp_drop r2 = decode_copy(fixed, size, &p2);

	switch (r1) {
	case DROP_NONE:
	case DROP_BAD_CHECKSUM:
	case DROP_BAD_INTERVAL:
		/* Everything before the checksum passed; with a right one
		 * only the interval check is left. */
		if (!valid)
			CHECK(r2 == DROP_BAD_CHECKSUM);
		else if (r1 == DROP_BAD_CHECKSUM)
			CHECK(r2 == DROP_NONE || r2 == DROP_BAD_INTERVAL);
		else
			CHECK(r2 == r1);
		if (r1 == DROP_NONE && r2 == DROP_NONE)
			CHECK(same_advert(&p1, &p2));
		break;
	default:
		/* Refused before the checksum. */
		CHECK(r2 == r1);
		break;
	}
	if (r2 == DROP_NONE) {
		check_decoded(&p2);
		CHECK(cksum_ok(fixed, &f, p2.cksum == VRRP_CKSUM_PSEUDO));
		round_trip(&p2, fixed, &f);
	}
	free(fixed);
	return 0;
}
