/* node_addr.c - HOST:PORT[@LABEL] and host order. See node_addr.h. */
#include "node_addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Characters no host name or address holds, though hostport_parse lets
 * them through: a blank or a comma means a list typed as one address, a
 * '/' a network prefix typed instead of a node. */
#define NODE_HOST_REJECT " \t/,"

static bool label_char_ok(char c)
{
	return isalnum((unsigned char)c) || strchr("._-:/", c) != NULL;
}

static int node_label_check(const char *text, const char *label, char *err, size_t errlen)
{
	size_t len = strlen(label);

	if (len == 0 || len >= NODE_LABEL_MAX) {
		snprintf(err, errlen, "'%s': a LABEL after @ must have 1 to %d characters", text,
			 NODE_LABEL_MAX - 1);
		return -1;
	}
	for (const char *c = label; *c; c++)
		if (!label_char_ok(*c)) {
			snprintf(err, errlen, "'%s': a LABEL may hold letters, digits and ._-:/ only", text);
			return -1;
		}
	return 0;
}

/* The host part of addr (before the ']' or the last ':') holds none of
 * NODE_HOST_REJECT. Called when hostport_parse found the host well formed,
 * including when only the port was wrong: a bad host is said first. */
static bool node_host_usable(const char *addr)
{
	const char *sep = addr[0] == '[' ? strchr(addr, ']') : strrchr(addr, ':');

	return strcspn(addr, NODE_HOST_REJECT) >= (size_t)(sep - addr);
}

/* The message for a malformed address, in clusterctl's words. A missing
 * host reads "not HOST:PORT" for ":6379" but "no usable HOST" for
 * "[]:6379", whose brackets show a host was meant. */
static int node_addr_error(const char *text, bool bracketed, enum hostport_error e, char *err,
			   size_t errlen)
{
	switch (e) {
	case HOSTPORT_NO_PORT:
		snprintf(err, errlen, bracketed ? "'%s' is not HOST:PORT[@LABEL] ([IPV6]:PORT)"
						: "'%s' is not HOST:PORT[@LABEL]", text);
		break;
	case HOSTPORT_NO_HOST:
		snprintf(err, errlen, bracketed ? "'%s' has no usable HOST before the port"
						: "'%s' is not HOST:PORT[@LABEL]", text);
		break;
	case HOSTPORT_BAD_HOST:
		snprintf(err, errlen, "'%s' has no usable HOST before the port", text);
		break;
	default: /* HOSTPORT_BARE_V6_HOST, HOSTPORT_BAD_PORT */
		snprintf(err, errlen, "'%s': %s", text, hostport_strerror(e));
		break;
	}
	return -1;
}

int node_addr_parse(const char *text, struct node_addr *a, char *err, size_t errlen)
{
	char buf[HOSTPORT_STRLEN + NODE_LABEL_MAX + 8];
	struct hostport hp;
	enum hostport_error e;
	char *label;

	memset(a, 0, sizeof(*a));
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "node address '%.40s...' is too long", text);
		return -1;
	}
	strcpy(buf, text);
	label = strchr(buf, '@');
	if (label) {
		*label++ = '\0';
		if (node_label_check(text, label, err, errlen) < 0)
			return -1;
		strcpy(a->label, label);
	}
	e = hostport_parse(buf, strlen(buf), 0, &hp);
	if ((e == HOSTPORT_OK || e == HOSTPORT_BAD_PORT) && !node_host_usable(buf))
		e = HOSTPORT_BAD_HOST;
	if (e != HOSTPORT_OK)
		return node_addr_error(text, buf[0] == '[', e, err, errlen);
	strcpy(a->host, hp.host);
	a->port = hp.port;
	return 0;
}

int host_compare(const char *a, const char *b)
{
	unsigned char ba[16], bb[16];
	int fa = 0, fb = 0;

	if (inet_pton(AF_INET, a, ba) == 1)
		fa = 4;
	else if (inet_pton(AF_INET6, a, ba) == 1)
		fa = 16;
	if (inet_pton(AF_INET, b, bb) == 1)
		fb = 4;
	else if (inet_pton(AF_INET6, b, bb) == 1)
		fb = 16;
	/* IPv4 first, then IPv6, then names: a stable, readable order. */
	int ra = fa == 4 ? 0 : fa == 16 ? 1 : 2, rb = fb == 4 ? 0 : fb == 16 ? 1 : 2;
	if (ra != rb)
		return ra - rb;
	if (fa)
		return memcmp(ba, bb, (size_t)fa);
	return strcmp(a, b);
}

int domain_compare(const char *a, const char *b)
{
	int c = host_compare(a, b);
	return c ? c : strcmp(a, b);
}
