/* addr.c - IPv4/IPv6 address values. */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

size_t ipaddr_size(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->u.bytes, b->u.bytes, ipaddr_size(a->family));
}

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return ipaddr_cmp(a, b) == 0;
}

int ipaddr_parse(const char *s, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->u.v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->u.v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

int ipprefix_parse(const char *s, struct ipprefix *out)
{
	char buf[IPADDR_STRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (ipaddr_parse(buf, &out->addr) < 0)
		return -1;
	unsigned max = out->addr.family == AF_INET ? 32 : 128;
	if (!slash) {
		out->len = (uint8_t)max;
		return 0;
	}
	char *end;
	const char *digits = slash + 1;
	if (*digits < '0' || *digits > '9')
		return -1;
	unsigned long len = strtoul(digits, &end, 10);
	if (*end != '\0' || len > max)
		return -1;
	out->len = (uint8_t)len;
	return 0;
}

const char *ipaddr_str(const struct ipaddr *a, char *buf)
{
	if (!a->family || !inet_ntop(a->family, a->u.bytes, buf, IPADDR_STRLEN))
		snprintf(buf, IPADDR_STRLEN, "(none)");
	return buf;
}

const char *ipprefix_str(const struct ipprefix *p, char *buf)
{
	/* An address is at most INET6_ADDRSTRLEN: "/128" always fits after it. */
	ipaddr_str(&p->addr, buf);
	size_t n = strlen(buf);
	snprintf(buf + n, IPADDR_STRLEN - n, "/%u", (unsigned)p->len);
	return buf;
}

void ipaddr_vrrp_group(int family, struct ipaddr *out)
{
	ipaddr_parse(family == AF_INET6 ? "ff02::12" : "224.0.0.18", out);
}
