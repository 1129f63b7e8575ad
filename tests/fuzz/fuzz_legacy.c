// sources: vrrpd/proto.c vrrpd/addr.c vrrpd/hmac.c vrrpd/dynlib.c
// libs: libcrypto
/* fuzz_legacy.c - libFuzzer target: proto_decode_as() for VRRPv2 and CARP
 * (vrrpd/proto.c).
 *
 * The first input byte picks the group: bit 0 CARP or VRRPv2, bit 1 a
 * password or none (VRRPv2); the rest is the IP packet, decoded from a heap
 * copy of its exact size so that ASan sees any read past it.
 * Oracles, each an abort():
 *   - a decoded packet keeps the promises: IPv4, TTL 255, an interval,
 *     CARP without addresses, VRRPv2 with 1..255;
 *   - round trip: proto_encode_as() of what was decoded gives back the
 *     received message but for its checksum (VRRPv2), or one that decodes to the
 *     same VRID, priority and counter (CARP, whose advbase and advskew
 *     come back from the mapped interval and priority). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_check.h"
#include "proto.h"

static void wrap_ipv4(const struct vrrp_packet *p, const uint8_t *msg, size_t n, uint8_t *out)
{
	memset(out, 0, 20);
	out[0] = 0x45;
	out[2] = (uint8_t)((20 + n) >> 8);
	out[3] = (uint8_t)(20 + n);
	out[8] = 255;
	out[9] = VRRP_IPPROTO;
	memcpy(out + 12, p->src.u.bytes, 4);
	memcpy(out + 16, p->dst.u.bytes, 4);
	memcpy(out + 20, msg, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrrp_auth auth = { .proto = VIP_PROTO_VRRP2 };
	struct vrrp_packet p, q;
	uint8_t msg[2048], again[2100];

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		/* The key and VIP of the ucarp packet in the seed corpus, so
		 * that mutations other than of the counter keep its HMAC. */
		auth.proto = VIP_PROTO_CARP;
		memcpy(auth.key, "secretpw", 8);
		auth.has_key = true;
		ipaddr_parse("10.77.0.100", &auth.vaddr);
	} else if (data[0] & 2) {
		memcpy(auth.key, "s3cret", 6);
		auth.has_key = true;
		/* IPsec AH as keepalived sends it (the key of the AH seed). */
		auth.ah = (data[0] & 4) != 0;
		auth.ah_unicast = auth.ah && (data[0] & 8);
	}
	uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	enum vrrp_drop r = proto_decode_as(copy, size - 1, &auth, &p);
	free(copy);
	if (r != DROP_NONE)
		return 0;

	CHECK(p.src.family == AF_INET && p.adv.family == AF_INET && p.ttl == 255);
	CHECK(p.proto == auth.proto);
	if (auth.proto == VIP_PROTO_CARP) {
		CHECK(p.adv.naddrs == 0);
		struct vrrp_advert adv = p.adv;
		adv.interval = (uint16_t)(adv.interval / 100 * 100);
		if (adv.interval == 0 || adv.interval / 100 >= CARP_LEAVING)
			return 0; /* an advbase vipd itself never sends */
		ssize_t n = proto_encode_as(&adv, &auth, p.counter, NULL, NULL, VRRP_CKSUM_PLAIN, msg, sizeof(msg));
		CHECK(n == CARP_HDR_LEN);
		wrap_ipv4(&p, msg, (size_t)n, again);
		CHECK(proto_decode_as(again, 20 + (size_t)n, &auth, &q) == DROP_NONE);
		CHECK(q.adv.vrid == p.adv.vrid && q.counter == p.counter);
		CHECK(q.adv.priority == p.adv.priority);
		return 0;
	}
	CHECK(p.adv.naddrs >= 1 && p.adv.interval >= 100 && p.adv.interval % 100 == 0);
	if (auth.ah) {
		/* What vipd would send back with that sequence number decodes
		 * to the same advert. */
		ssize_t n = proto_encode_as(&p.adv, &auth, p.counter, &p.src, &p.dst, VRRP_CKSUM_PLAIN, msg,
					    sizeof(msg));
		CHECK(n == (ssize_t)(20 + AH_LEN + VRRP_HDR_LEN + 4u * p.adv.naddrs + VRRP2_AUTH_LEN));
		CHECK(proto_decode_as(msg, (size_t)n, &auth, &q) == DROP_NONE);
		CHECK(q.counter == p.counter && q.adv.vrid == p.adv.vrid && q.adv.priority == p.adv.priority &&
		      q.adv.naddrs == p.adv.naddrs && q.adv.interval == p.adv.interval);
		return 0;
	}
	ssize_t n = proto_encode_as(&p.adv, &auth, 0, NULL, NULL, VRRP_CKSUM_PLAIN, msg, sizeof(msg));
	CHECK(n == (ssize_t)(VRRP_HDR_LEN + 4u * p.adv.naddrs + VRRP2_AUTH_LEN));
	/* The received message, after the IP header of the input: the same
	 * but for the checksum, and for the authentication data when there is
	 * no password (then nobody reads it). */
	const uint8_t *got = data + 1 + (size_t)(data[1] & 0x0f) * 4;
	size_t body = VRRP_HDR_LEN + 4u * p.adv.naddrs;
	CHECK(memcmp(msg, got, 6) == 0 && memcmp(msg + 8, got + 8, body - 8) == 0);
	CHECK(!auth.has_key || memcmp(msg + body, got + body, VRRP2_AUTH_LEN) == 0);
	return 0;
}
