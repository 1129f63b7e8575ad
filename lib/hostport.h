/* hostport.h - "HOST:PORT" as operators and Redis write it, one parser for
 * every program: clusterctl's node addresses, the cluster client's
 * redirects, newsd's redis_nodes and listen, vipd's metrics address.
 *
 * Pure: strings in, values out. */
#ifndef LIB_HOSTPORT_H
#define LIB_HOSTPORT_H

#include <stddef.h>

/* A DNS name (253) or an IPv6 literal, plus NUL. Redis 7 allows hostnames
 * of up to 255 bytes. */
#define HOSTPORT_HOST_MAX 256
/* "[host]:port" with its NUL. */
#define HOSTPORT_STRLEN (HOSTPORT_HOST_MAX + 8)

struct hostport {
	char host[HOSTPORT_HOST_MAX]; /* name, IPv4 or IPv6 literal, no brackets */
	int port;                     /* 1..65535 */
};

/* What the caller accepts besides "host:port" and "[v6]:port". */
enum {
	/* "fd00::1:6379": the last ':' separates the port, as in the
	 * addresses Redis puts in MOVED and ASK. */
	HOSTPORT_BARE_V6 = 1 << 0,
	/* ":6379": Redis 7 sends an empty host when it does not know the
	 * endpoint ("the node you are talking to"). */
	HOSTPORT_EMPTY_HOST = 1 << 1,
};

enum hostport_error {
	HOSTPORT_OK = 0,
	HOSTPORT_NO_PORT,       /* no ':' (or "[v6]" not followed by ':') */
	HOSTPORT_BAD_PORT,      /* not 1..65535 in decimal digits */
	HOSTPORT_NO_HOST,       /* nothing before the ':' */
	HOSTPORT_BARE_V6_HOST,  /* an IPv6 literal without brackets, not allowed here */
	HOSTPORT_BAD_HOST,      /* too long, or brackets inside the host */
};

/* Parse the len bytes at s (no NUL needed) into *out. Returns HOSTPORT_OK,
 * or the reason it is malformed (*out is then unspecified). */
enum hostport_error hostport_parse(const char *s, size_t len, unsigned flags, struct hostport *out);

/* A short phrase for an error: "the port must be a number from 1 to 65535". */
const char *hostport_strerror(enum hostport_error e);

/* "host:port", or "[host]:port" when host holds a ':'; returns buf. */
char *hostport_format(const char *host, int port, char *buf, size_t len);

/* The decimal port in s[0..len): 1..65535, digits only, no sign, at most five
 * digits. Returns the port, or -1. */
int hostport_port(const char *s, size_t len);

#endif
