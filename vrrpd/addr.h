/* addr.h - IPv4/IPv6 addresses and prefixes as plain values.
 *
 * Every module that speaks about addresses (wire format, state machine,
 * configuration, netlink) uses these two types, so no module needs to
 * know another's representation. */
#ifndef VIPD_ADDR_H
#define VIPD_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Large enough for "ffff:...:255.255.255.255/128". */
#define IPADDR_STRLEN 64

struct ipaddr {
	int family; /* AF_INET or AF_INET6; 0 = unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} u;
};

struct ipprefix {
	struct ipaddr addr;
	uint8_t len;
};

/* Length in bytes of an address of this family (4, 16, or 0). */
size_t ipaddr_size(int family);

/* Order by family, then by address as unsigned network-order bytes
 * (RFC 5798 6.4.3 "primary IP address is higher"). */
int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b);
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);

/* Parse a literal address (no prefix). 0 on success, -1 otherwise. */
int ipaddr_parse(const char *s, struct ipaddr *out);

/* Parse "ADDR" or "ADDR/LEN"; a missing length means a host prefix
 * (32 or 128). 0 on success, -1 otherwise. */
int ipprefix_parse(const char *s, struct ipprefix *out);

/* Format into buf (IPADDR_STRLEN bytes); returns buf. */
const char *ipaddr_str(const struct ipaddr *a, char *buf);
const char *ipprefix_str(const struct ipprefix *p, char *buf);

/* The all-routers VRRP multicast group of the family (224.0.0.18, ff02::12). */
void ipaddr_vrrp_group(int family, struct ipaddr *out);

#endif
