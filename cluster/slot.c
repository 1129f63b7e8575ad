/* slot.c - hash slots, node addresses, redirects and the slot map. */
#include "slot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc16.h"

uint16_t slot_of(const char *key, size_t len)
{
	const char *open = memchr(key, '{', len);

	/* Only the first '{' counts, and only the first '}' after it; "{}"
	 * is no tag, so the whole key is hashed. */
	if (open) {
		size_t rest = len - (size_t)(open - key) - 1;
		const char *close = memchr(open + 1, '}', rest);
		if (close && close > open + 1)
			return crc16_xmodem(open + 1, (size_t)(close - open - 1)) % SLOT_COUNT;
	}
	return crc16_xmodem(key, len) % SLOT_COUNT;
}

bool slot_addr_equal(const struct slot_addr *a, const struct slot_addr *b)
{
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}

int slot_addr_parse(const char *s, size_t len, struct slot_addr *out)
{
	struct hostport hp;

	if (hostport_parse(s, len, HOSTPORT_BARE_V6 | HOSTPORT_EMPTY_HOST, &hp) != HOSTPORT_OK)
		return -1;
	strcpy(out->host, hp.host);
	out->port = hp.port;
	return 0;
}

const char *slot_addr_str(const struct slot_addr *a, char *buf)
{
	return hostport_format(a->host, a->port, buf, HOSTPORT_STRLEN);
}

int slot_redirect_parse(const char *err, size_t len, struct slot_redirect *out)
{
	static const struct {
		const char *word;
		enum slot_redirect_kind kind;
	} kinds[] = { { "MOVED ", SLOT_REDIRECT_MOVED }, { "ASK ", SLOT_REDIRECT_ASK } };
	size_t i, wlen = 0;

	out->kind = SLOT_REDIRECT_NONE;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		wlen = strlen(kinds[i].word);
		if (len >= wlen && memcmp(err, kinds[i].word, wlen) == 0)
			break;
	}
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return SLOT_REDIRECT_NONE;

	/* "<slot> <host>:<port>", nothing after. */
	const char *p = err + wlen, *end = err + len;
	long slot = 0;
	if (p == end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		slot = slot * 10 + (*p - '0');
		if (slot >= SLOT_COUNT)
			return -1;
	}
	if (p == end || *p != ' ')
		return -1;
	p++;
	if (memchr(p, ' ', (size_t)(end - p)) || slot_addr_parse(p, (size_t)(end - p), &out->addr) < 0)
		return -1;
	out->slot = (uint16_t)slot;
	out->kind = kinds[i].kind;
	return out->kind;
}

struct slot_map *slot_map_new(void)
{
	struct slot_map *m = calloc(1, sizeof(*m));

	if (m)
		memset(m->owner, 0xff, sizeof(m->owner)); /* SLOT_NONE everywhere */
	return m;
}

void slot_map_free(struct slot_map *m)
{
	if (!m)
		return;
	free(m->nodes);
	free(m);
}

int slot_map_find(const struct slot_map *m, const struct slot_addr *a)
{
	for (size_t i = 0; i < m->nnodes; i++)
		if (slot_addr_equal(&m->nodes[i].addr, a))
			return (int)i;
	return -1;
}

int slot_map_add_node(struct slot_map *m, const struct slot_addr *a, bool master)
{
	int i = slot_map_find(m, a);

	if (i >= 0) {
		m->nodes[i].master |= master;
		return i;
	}
	if (m->nnodes >= SLOT_NONE)
		return -1;
	if (m->nnodes == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct slot_node *n = realloc(m->nodes, cap * sizeof(*n));
		if (!n)
			return -1;
		m->nodes = n;
		m->cap = cap;
	}
	m->nodes[m->nnodes].addr = *a;
	m->nodes[m->nnodes].master = master;
	return (int)m->nnodes++;
}

const struct slot_addr *slot_map_owner(const struct slot_map *m, uint16_t slot)
{
	uint16_t i = m->owner[slot % SLOT_COUNT];

	return i == SLOT_NONE ? NULL : &m->nodes[i].addr;
}

int slot_map_set_owner(struct slot_map *m, uint16_t slot, const struct slot_addr *a)
{
	int i = slot_map_add_node(m, a, true);

	if (i < 0)
		return -1;
	m->owner[slot % SLOT_COUNT] = (uint16_t)i;
	return 0;
}

size_t slot_map_covered(const struct slot_map *m)
{
	size_t n = 0;

	for (size_t s = 0; s < SLOT_COUNT; s++)
		n += m->owner[s] != SLOT_NONE;
	return n;
}

/* One node of a CLUSTER SLOTS range: [endpoint, port, id, ...]. A nil,
 * empty or "?" endpoint means "the host you asked". */
static int parse_node(const redisReply *r, const struct slot_addr *from, struct slot_addr *out)
{
	const redisReply *host, *port;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2)
		return -1;
	host = r->element[0];
	port = r->element[1];
	if (port->type != REDIS_REPLY_INTEGER || port->integer < 1 || port->integer > 65535)
		return -1;
	if (host->type == REDIS_REPLY_NIL || (host->type == REDIS_REPLY_STRING &&
	    (host->len == 0 || (host->len == 1 && host->str[0] == '?')))) {
		snprintf(out->host, sizeof(out->host), "%s", from->host);
	} else if (host->type == REDIS_REPLY_STRING && host->len < sizeof(out->host) &&
		   !memchr(host->str, '\0', host->len)) {
		memcpy(out->host, host->str, host->len);
		out->host[host->len] = '\0';
	} else {
		return -1;
	}
	out->port = (int)port->integer;
	return 0;
}

/* One range: [start, end, master, replica...]. */
static int parse_range(struct slot_map *m, const redisReply *r, const struct slot_addr *from,
		       char *err, size_t errlen, size_t n)
{
	struct slot_addr a;
	long long start, end;
	int owner;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER) {
		snprintf(err, errlen, "range %zu: not [start, end, master, ...]", n);
		return -1;
	}
	start = r->element[0]->integer;
	end = r->element[1]->integer;
	if (start < 0 || end >= SLOT_COUNT || start > end) {
		snprintf(err, errlen, "range %zu: bad slots %lld-%lld", n, start, end);
		return -1;
	}
	for (size_t i = 2; i < r->elements; i++) {
		if (parse_node(r->element[i], from, &a) < 0) {
			snprintf(err, errlen, "range %zu: node %zu is not [host, port, ...]", n, i - 2);
			return -1;
		}
		owner = slot_map_add_node(m, &a, i == 2);
		if (owner < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (i == 2)
			for (long long s = start; s <= end; s++)
				m->owner[s] = (uint16_t)owner;
	}
	return 0;
}

struct slot_map *slot_map_parse(const redisReply *r, const struct slot_addr *from, char *err,
				size_t errlen)
{
	struct slot_map *m;

	if (!r || r->type != REDIS_REPLY_ARRAY) {
		snprintf(err, errlen, "CLUSTER SLOTS: %s", r && r->type == REDIS_REPLY_ERROR ?
			 r->str : "reply is not an array");
		return NULL;
	}
	m = slot_map_new();
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < r->elements; i++) {
		char why[128];
		if (parse_range(m, r->element[i], from, why, sizeof(why), i) < 0) {
			snprintf(err, errlen, "CLUSTER SLOTS: %s", why);
			slot_map_free(m);
			return NULL;
		}
	}
	return m;
}

bool slot_map_redirect_allowed(const struct slot_map *m, const struct slot_addr *a)
{
	return a->host[0] && slot_map_find(m, a) >= 0;
}

/* Whether the comma-separated flags of a CLUSTER NODES line name one that
 * keeps the node out: not a member yet, or no address to reach it at. */
static bool member_flags_exclude(const char *f, size_t len)
{
	static const char *const out[] = { "handshake", "noaddr" };

	for (const char *end = f + len; f < end;) {
		const char *comma = memchr(f, ',', (size_t)(end - f));
		size_t n = comma ? (size_t)(comma - f) : (size_t)(end - f);
		for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
			if (n == strlen(out[i]) && memcmp(f, out[i], n) == 0)
				return true;
		f += n + 1;
	}
	return false;
}

/* One line: "id ip:port@cport[,hostname] flags ...". 1 added, 0 left
 * out, -1 malformed or out of memory. */
static int add_member_line(struct slot_map *m, const char *line, size_t len,
			   const struct slot_addr *from)
{
	const char *f[3], *end = line + len, *p = line;
	size_t flen[3];
	struct slot_addr a;

	for (int i = 0; i < 3; i++) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		if (!sp && i < 2)
			return -1;
		f[i] = p;
		flen[i] = (size_t)((sp ? sp : end) - p);
		p = sp ? sp + 1 : end;
	}
	if (!flen[0] || member_flags_exclude(f[2], flen[2]))
		return 0;

	/* ip:port before the '@' (Redis 3 has no @cport), a hostname after
	 * the ',' that follows the cport. */
	const char *at = memchr(f[1], '@', flen[1]);
	const char *comma = at ? memchr(at, ',', flen[1] - (size_t)(at - f[1])) : NULL;
	size_t alen = at ? (size_t)(at - f[1]) : flen[1];
	if (slot_addr_parse(f[1], alen, &a) < 0)
		return -1;
	if (!a.host[0])
		memcpy(a.host, from->host, sizeof(a.host));
	if (slot_map_add_node(m, &a, false) < 0)
		return -1;
	if (comma) {
		size_t hlen = flen[1] - (size_t)(comma + 1 - f[1]);
		if (hlen >= sizeof(a.host) || memchr(comma + 1, ':', hlen))
			return -1;
		if (hlen) {
			memcpy(a.host, comma + 1, hlen);
			a.host[hlen] = '\0';
			if (slot_map_add_node(m, &a, false) < 0)
				return -1;
		}
	}
	return 1;
}

int slot_map_add_members(struct slot_map *m, const char *text, size_t len,
			 const struct slot_addr *from)
{
	const char *p = text, *end = text + len;
	int found = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n) {
			int r = add_member_line(m, p, n, from);
			if (r < 0)
				return -1;
			found += r;
		}
		p = nl ? nl + 1 : end;
	}
	return found;
}
