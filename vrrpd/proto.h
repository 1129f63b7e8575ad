/* proto.h - VRRPv3 wire format (RFC 5798 section 5, RFC 9568).
 *
 * Pure code: bytes in, structs out and back. No sockets, no clock. */
#ifndef VIPD_PROTO_H
#define VIPD_PROTO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

#define VRRP_IPPROTO 112
#define VRRP_TTL 255
#define VRRP_VERSION 3
#define VRRP_TYPE_ADVERT 1
#define VRRP_MAX_ADDRS 255
#define VRRP_HDR_LEN 8
#define VRRP_MAX_INTERVAL 4095 /* centiseconds: the field has 12 bits */

/* IPv4 checksum variant. RFC 5798 is read by keepalived and FRR as
 * covering an IPv6-style pseudo-header for IPv4 too; RFC 9568 says the
 * IPv4 checksum covers the VRRP message only. IPv6 always uses the
 * pseudo-header (RFC 8200 section 8.1, 32-bit upper-layer length). */
enum vrrp_cksum {
	VRRP_CKSUM_PSEUDO = 0, /* default: what a stock keepalived accepts */
	VRRP_CKSUM_PLAIN = 1,  /* RFC 9568: no pseudo-header for IPv4 */
};

/* The wire formats a group may speak: VRRPv3, VRRPv2 (RFC 3768) or CARP
 * as ucarp speaks it. All three share the FSM; only the bytes differ. */
enum vip_protocol { VIP_PROTO_VRRP3 = 0, VIP_PROTO_VRRP2, VIP_PROTO_CARP };

#define VRRP2_VERSION 2
#define VRRP2_AUTH_LEN 8       /* the authentication data after the addresses */
#define VRRP2_AUTH_NONE 0
#define VRRP2_AUTH_TEXT 1
#define VRRP2_AUTH_AH 2        /* IPsec AH (RFC 2338), as keepalived sends it */
#define AH_IPPROTO 51
#define AH_LEN 24              /* next header, length, SPI, sequence, 96-bit ICV */
#define CARP_VERSION 2
#define CARP_HDR_LEN 36        /* header, 64-bit counter, SHA1 HMAC */
#define CARP_AUTHLEN 7         /* counter + HMAC, in 32-bit words */
#define CARP_KEY_MAX 19        /* ucarp: the password and its NUL fit in 20 bytes */
#define CARP_LEAVING 255       /* advbase and advskew both 255: the sender leaves */

/* What a group authenticates with. VRRPv2: an 8-byte text password
 * (has_key) or none. CARP: the HMAC-SHA1 key, and the virtual address the
 * HMAC covers. */
struct vrrp_auth {
	enum vip_protocol proto;
	uint8_t key[CARP_KEY_MAX + 1]; /* zero-padded */
	bool has_key;
	bool ah;                       /* vrrp2: IPsec AH with HMAC-MD5-96 keyed by key */
	bool ah_unicast;               /* ... sent unicast: the TTL is not covered */
	struct ipaddr vaddr;
};

struct vrrp_advert {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t vrid;      /* 1..255 */
	uint8_t priority;  /* 0 = leaving, 255 = address owner */
	uint16_t interval; /* Max Adver Int, centiseconds (12 bits) */
	uint8_t naddrs;
	struct ipaddr addrs[VRRP_MAX_ADDRS];
};

/* A decoded packet: the IP header facts the receiver checks, and the
 * advertisement itself. */
struct vrrp_packet {
	struct ipaddr src;
	struct ipaddr dst;
	uint8_t ttl;              /* TTL or hop limit */
	enum vrrp_cksum cksum;    /* which variant verified */
	enum vip_protocol proto;
	uint64_t counter;         /* CARP: the sender's advertisement counter; AH: its sequence number */
	struct vrrp_advert adv;   /* CARP: advskew and advbase mapped, no addresses */
};

/* Why a packet was dropped. proto_decode() returns the first four groups;
 * the daemon adds the ones it checks against configuration. */
enum vrrp_drop {
	DROP_NONE = 0,
	DROP_TRUNCATED,       /* shorter than its headers or its length fields */
	DROP_BAD_IP,          /* not IPv4/IPv6, bad header length, not protocol 112, fragment */
	DROP_BAD_TTL,         /* TTL / hop limit is not 255 (RFC 5798 7.1) */
	DROP_BAD_VERSION,     /* version is not 3 */
	DROP_BAD_TYPE,        /* type is not 1 (advertisement) */
	DROP_BAD_CHECKSUM,
	DROP_BAD_LENGTH,      /* address count does not match the payload length */
	DROP_BAD_INTERVAL,    /* Max Adver Int is zero */
	DROP_UNKNOWN_VRID,    /* no instance for this VRID on this interface */
	DROP_ADDR_MISMATCH,   /* address list differs from the configured VIPs */
	DROP_OWN_PACKET,      /* source is one of this host's own addresses */
	DROP_BAD_AUTH,        /* wrong password, HMAC or authentication type */
	DROP_REPLAY,          /* a recorded advert sent again: AH sequence or CARP counter not forward */
	DROP_NOT_PEER,        /* the sender is not one of the instance's peers */
	DROP__COUNT
};

/* Short snake_case name of a drop reason ("bad_ttl"), for counters. */
const char *proto_drop_name(enum vrrp_drop reason);

/* How the offending value of a dropped packet compares with the rule. */
enum vrrp_rule {
	RULE_EQUAL,     /* "TTL 64, should be 255" */
	RULE_AT_LEAST,  /* "address count 0, should be at least 1" */
	RULE_PAST_END,  /* "IP total length 60, more than the 40 bytes received" */
	RULE_TEXT,      /* no number: the field's text says it all ("password does not match") */
};

/* What was wrong with a dropped packet, for a log line that names the
 * sender and the offending value (drop.h writes the line). */
struct vrrp_drop_info {
	enum vrrp_drop reason;
	struct ipaddr src;      /* the sender; family 0 if the IP header did not get that far */
	const char *field;      /* static: "TTL", "checksum", ... */
	enum vrrp_rule rule;
	bool hex;               /* show the values in hex (checksums, fragment bits) */
	unsigned long got;      /* the packet's value */
	unsigned long want;     /* what the rule wants */
	const char *alt;        /* static, may be NULL: another accepted value's name ... */
	unsigned long alt_want; /* ... and the value: "or 0x1c2e (RFC 9568)" */
};

/* Decode an IP packet (IPv4 or IPv6 header first) carrying a VRRPv3
 * advertisement. Checks, in the RFC's order, everything that needs no
 * configuration. On DROP_NONE *out is filled. Never reads past len. */
enum vrrp_drop proto_decode(const uint8_t *pkt, size_t len, struct vrrp_packet *out);

/* Encode the VRRP message (no IP header) for adv, computing the checksum
 * over src/dst as the family and mode require. Returns the length, or -1
 * if buf is too small or adv is invalid. */
ssize_t proto_encode(const struct vrrp_advert *adv, const struct ipaddr *src,
		     const struct ipaddr *dst, enum vrrp_cksum mode,
		     uint8_t *buf, size_t buflen);

/* Encode a whole IP packet (IPv4 header with its checksum, or IPv6
 * header) around proto_encode()'s message, with the given TTL/hop limit.
 * Used by test tools and the fuzzer corpus generator. */
ssize_t proto_encode_ip(const struct vrrp_advert *adv, const struct ipaddr *src,
			const struct ipaddr *dst, uint8_t ttl, enum vrrp_cksum mode,
			uint8_t *buf, size_t buflen);

/* Decode an advertisement of auth->proto, checking its authentication:
 * VRRPv3 is proto_decode(); VRRPv2 and CARP are IPv4 only. A CARP advert
 * has no address list; its advskew becomes the priority (254 - advskew,
 * 0 when advbase and advskew are both 255) and advbase + advskew/256
 * seconds the interval, so the same FSM compares them. */
enum vrrp_drop proto_decode_as(const uint8_t *pkt, size_t len, const struct vrrp_auth *auth,
			       struct vrrp_packet *out);

/* proto_decode_as() (auth NULL: proto_decode()) that also says why a
 * packet was dropped: on a drop *why is filled (and *out untouched); on
 * DROP_NONE only why->reason and why->src are. */
enum vrrp_drop proto_decode_why(const uint8_t *pkt, size_t len, const struct vrrp_auth *auth,
				struct vrrp_packet *out, struct vrrp_drop_info *why);

/* Encode the message (no IP header) in auth->proto. VRRPv2 wants whole
 * seconds; CARP puts priority 254 - advskew (priority 0: advbase and
 * advskew 255) and counter in. With auth->ah the result is a whole IPv4
 * packet (IP header, AH with sequence number counter, the message), to
 * be sent as it is: the AH's digest covers the IP header. Returns the
 * length, or -1. */
ssize_t proto_encode_as(const struct vrrp_advert *adv, const struct vrrp_auth *auth, uint64_t counter,
			const struct ipaddr *src, const struct ipaddr *dst, enum vrrp_cksum mode,
			uint8_t *buf, size_t buflen);

/* The priority a CARP advskew stands for, and back. */
uint8_t proto_carp_priority(uint8_t advbase, uint8_t advskew);
uint8_t proto_carp_advskew(uint8_t priority);

/* True if the advertisement's address list equals the given set, in any
 * order (RFC 5798 7.1: the receiver MAY check it). */
bool proto_addrs_match(const struct vrrp_advert *adv, const struct ipaddr *addrs, size_t n);

#endif
