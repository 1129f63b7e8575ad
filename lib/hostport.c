/* hostport.c - see hostport.h. */
#include "hostport.h"

#include <stdio.h>
#include <string.h>

int hostport_port(const char *s, size_t len)
{
	long port = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

enum hostport_error hostport_parse(const char *s, size_t len, unsigned flags, struct hostport *out)
{
	const char *host = s, *colon = NULL;
	size_t hostlen;
	int port;

	if (len > 0 && s[0] == '[') {
		/* [v6]:port: the brackets keep the address's colons apart from
		 * the port's. */
		const char *close = memchr(s, ']', len);
		if (!close || (size_t)(close - s) + 1 >= len || close[1] != ':')
			return HOSTPORT_NO_PORT;
		host = s + 1;
		hostlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		for (size_t i = len; i > 0 && !colon; i--)
			if (s[i - 1] == ':')
				colon = s + i - 1;
		if (!colon)
			return HOSTPORT_NO_PORT;
		hostlen = (size_t)(colon - s);
		if (memchr(s, ':', hostlen) && !(flags & HOSTPORT_BARE_V6))
			return HOSTPORT_BARE_V6_HOST;
	}
	if (hostlen == 0 && !(flags & HOSTPORT_EMPTY_HOST))
		return HOSTPORT_NO_HOST;
	if (hostlen >= sizeof(out->host) || memchr(host, '[', hostlen) || memchr(host, ']', hostlen))
		return HOSTPORT_BAD_HOST;
	port = hostport_port(colon + 1, (size_t)(s + len - colon - 1));
	if (port < 0)
		return HOSTPORT_BAD_PORT;
	memcpy(out->host, host, hostlen);
	out->host[hostlen] = '\0';
	out->port = port;
	return HOSTPORT_OK;
}

const char *hostport_strerror(enum hostport_error e)
{
	switch (e) {
	case HOSTPORT_OK:
		return "no error";
	case HOSTPORT_NO_PORT:
		return "not HOST:PORT";
	case HOSTPORT_BAD_PORT:
		return "the port must be a number from 1 to 65535";
	case HOSTPORT_NO_HOST:
		return "the host is missing";
	case HOSTPORT_BARE_V6_HOST:
		return "write an IPv6 address in brackets, [ADDR]:PORT";
	case HOSTPORT_BAD_HOST:
		return "the host is too long or holds a bracket";
	}
	return "malformed";
}

char *hostport_format(const char *host, int port, char *buf, size_t len)
{
	snprintf(buf, len, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
	return buf;
}
