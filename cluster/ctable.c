/* ctable.c - CLUSTER NODES and INFO text, parsed. See ctable.h.
 *
 * One CLUSTER NODES line per node: id addr flags master ping-sent
 * pong-recv config-epoch link-state slot... where addr is
 * ip:port@cport[,hostname] and a slot is N, N-M, [N->-id] (migrating) or
 * [N-<-id] (importing). */
#include "ctable.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_addr.h"
#include "slot_count.h"

static const struct {
	const char *name;
	unsigned flag;
} cnode_flags[] = {
	{ "myself", CN_MYSELF }, { "master", CN_MASTER }, { "slave", CN_SLAVE },
	{ "fail?", CN_PFAIL }, { "fail", CN_FAIL }, { "handshake", CN_HANDSHAKE },
	{ "noaddr", CN_NOADDR }, { "nofailover", CN_NOFAILOVER }, { "noflags", 0 },
};

static bool is_node_id(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n == NODE_ID_LEN;
}

static int parse_slot_number(const char *s, char **end)
{
	long v;
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, end, 10);
	return v >= 0 && v < SLOT_COUNT ? (int)v : -1;
}

static int parse_flags(char *s, unsigned *flags)
{
	char *save = NULL;
	*flags = 0;
	for (char *f = strtok_r(s, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		for (size_t i = 0; i < sizeof(cnode_flags) / sizeof(cnode_flags[0]); i++)
			if (strcmp(f, cnode_flags[i].name) == 0)
				*flags |= cnode_flags[i].flag;
		/* Unknown flags (from a later redis) are ignored, not fatal. */
	}
	return 0;
}

/* ip:port@cport[,hostname], as the node itself writes it: a bare IPv6
 * address, and port 0 with no host for a noaddr node (":0@0"), which no
 * operator would type, so this is not hostport_parse's job. */
static int parse_bus_addr(char *s, struct cnode *n)
{
	char *hostname = strchr(s, ','), *bus, *port;
	if (hostname) {
		*hostname++ = '\0';
		if (strlen(hostname) >= sizeof(n->hostname))
			return -1;
		strcpy(n->hostname, hostname);
	}
	bus = strchr(s, '@');
	if (bus) {
		*bus++ = '\0';
		n->cport = atoi(bus);
	}
	port = strrchr(s, ':');
	if (!port)
		return -1;
	*port++ = '\0';
	n->port = atoi(port);
	if (strlen(s) >= sizeof(n->host))
		return -1;
	strcpy(n->host, s);
	return 0;
}

static int cnode_add_range(struct cnode *n, int first, int last)
{
	struct slot_range *r = realloc(n->slots, sizeof(*r) * (n->nslots + 1));
	if (!r)
		return -1;
	n->slots = r;
	n->slots[n->nslots++] = (struct slot_range){ first, last };
	return 0;
}

static int parse_slot(const char *tok, struct cnode *n)
{
	char *end;
	int first = parse_slot_number(tok + (tok[0] == '['), &end);

	if (first < 0)
		return -1;
	if (tok[0] == '[') {
		/* [N->-id] migrating to id, [N-<-id] importing from id. */
		struct open_slot o = { .slot = first };
		if (strncmp(end, "->-", 3) != 0 && strncmp(end, "-<-", 3) != 0)
			return -1;
		o.importing = end[1] == '<';
		size_t len = strlen(end + 3);
		if (len != NODE_ID_LEN + 1 || end[3 + NODE_ID_LEN] != ']')
			return -1;
		memcpy(o.peer, end + 3, NODE_ID_LEN);
		if (!is_node_id(o.peer))
			return -1;
		struct open_slot *op = realloc(n->open, sizeof(*op) * (n->nopen + 1));
		if (!op)
			return -1;
		n->open = op;
		n->open[n->nopen++] = o;
		return 0;
	}
	int last = first;
	if (*end == '-') {
		last = parse_slot_number(end + 1, &end);
		if (last < first)
			return -1;
	}
	return *end ? -1 : cnode_add_range(n, first, last);
}

static int parse_node_line(char *line, struct cnode *n)
{
	char *tok[8], *save = NULL, *t;
	int i;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < 8; i++) {
		tok[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!tok[i])
			return -1;
	}
	if (!is_node_id(tok[0]) || parse_bus_addr(tok[1], n) < 0 || parse_flags(tok[2], &n->flags) < 0)
		return -1;
	strcpy(n->id, tok[0]);
	if (strcmp(tok[3], "-") != 0) {
		if (!is_node_id(tok[3]))
			return -1;
		strcpy(n->master_id, tok[3]);
	}
	n->pong_recv_ms = strtoll(tok[5], NULL, 10);
	n->config_epoch = strtoll(tok[6], NULL, 10);
	if (strcmp(tok[7], "connected") != 0 && strcmp(tok[7], "disconnected") != 0)
		return -1;
	n->connected = strcmp(tok[7], "connected") == 0;
	while ((t = strtok_r(NULL, " ", &save)))
		if (parse_slot(t, n) < 0)
			return -1;
	strcpy(n->domain, n->host);
	return 0;
}

static void cnode_free(struct cnode *n)
{
	free(n->slots);
	free(n->open);
}

int ctable_parse(const char *text, struct ctable *t, char *err, size_t errlen)
{
	char *copy = strdup(text), *line, *save = NULL;
	int lineno = 0;

	memset(t, 0, sizeof(*t));
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		lineno++;
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!len)
			continue;
		struct cnode *nodes = realloc(t->nodes, sizeof(*nodes) * (t->n + 1));
		if (!nodes) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		t->nodes = nodes;
		char quoted[80];
		snprintf(quoted, sizeof(quoted), "%s", line);
		if (parse_node_line(line, &t->nodes[t->n]) < 0) {
			cnode_free(&t->nodes[t->n]);
			snprintf(err, errlen, "CLUSTER NODES line %d is not understood: '%s%s'", lineno,
				 quoted, len >= sizeof(quoted) ? "..." : "");
			goto fail;
		}
		t->n++;
	}
	free(copy);
	return 0;
fail:
	free(copy);
	ctable_free(t);
	return -1;
}

void ctable_free(struct ctable *t)
{
	for (size_t i = 0; i < t->n; i++)
		cnode_free(&t->nodes[i]);
	free(t->nodes);
	t->nodes = NULL;
	t->n = 0;
}

int ctable_find(const struct ctable *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->nodes[i].id, id) == 0)
			return (int)i;
	return -1;
}

int ctable_find_addr(const struct ctable *t, const char *host, int port)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].port == port && host_compare(t->nodes[i].host, host) == 0)
			return (int)i;
	return -1;
}

int ctable_myself(const struct ctable *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].flags & CN_MYSELF)
			return (int)i;
	return -1;
}

int cnode_slot_count(const struct cnode *n)
{
	int count = 0;
	for (size_t i = 0; i < n->nslots; i++)
		count += n->slots[i].last - n->slots[i].first + 1;
	return count;
}

bool cnode_failed(const struct cnode *n)
{
	if (n->flags & (CN_FAIL | CN_PFAIL | CN_NOADDR | CN_HANDSHAKE))
		return true;
	return n->probe.probed && !n->probe.reachable;
}

const char *cnode_name(const struct cnode *n, char *buf, size_t len)
{
	if (!*n->host) {
		snprintf(buf, len, "%s", n->id);
		return buf;
	}
	return hostport_format(n->host, n->port, buf, len);
}

void cnode_flags_format(unsigned flags, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(cnode_flags) / sizeof(cnode_flags[0]); i++)
		if (cnode_flags[i].flag & flags)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 cnode_flags[i].name);
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct cnode *const *)a)->id, (*(const struct cnode *const *)b)->id);
}

static int range_cmp(const void *a, const void *b)
{
	return ((const struct slot_range *)a)->first - ((const struct slot_range *)b)->first;
}

/* Slot ranges sorted and merged, so "0-5 6-9" and "6-9 0-5" read "0-9". */
static size_t normalize_ranges(const struct cnode *n, struct slot_range *out)
{
	size_t k = 0;
	if (!n->nslots)
		return 0;
	memcpy(out, n->slots, sizeof(*out) * n->nslots);
	qsort(out, n->nslots, sizeof(*out), range_cmp);
	for (size_t i = 0; i < n->nslots; i++) {
		if (k && out[i].first <= out[k - 1].last + 1) {
			if (out[i].last > out[k - 1].last)
				out[k - 1].last = out[i].last;
		} else {
			out[k++] = out[i];
		}
	}
	return k;
}

/* The signature as it grows. */
struct sig_buf {
	char *s;
	size_t len, cap;
};

static int sig_append(struct sig_buf *b, const char *item, size_t w)
{
	if (b->len + w + 1 > b->cap) {
		size_t cap = (b->cap + w) * 2;
		char *bigger = realloc(b->s, cap);
		if (!bigger)
			return -1;
		b->s = bigger;
		b->cap = cap;
	}
	memcpy(b->s + b->len, item, w + 1);
	b->len += w;
	return 0;
}

/* One node: "id S|M master|- first-last...", on a line of its own. */
static int sig_add_node(struct sig_buf *b, const struct cnode *c, bool first)
{
	struct slot_range *r = malloc(sizeof(*r) * (c->nslots + 1));
	char item[160];
	size_t nr;
	int rc, w;

	if (!r)
		return -1;
	nr = normalize_ranges(c, r);
	w = snprintf(item, sizeof(item), "%s%s %s %s", first ? "" : "\n", c->id,
		     c->flags & CN_SLAVE ? "S" : "M", *c->master_id ? c->master_id : "-");
	rc = sig_append(b, item, (size_t)w);
	for (size_t j = 0; j < nr && rc == 0; j++) {
		w = snprintf(item, sizeof(item), " %d-%d", r[j].first, r[j].last);
		rc = sig_append(b, item, (size_t)w);
	}
	free(r);
	return rc;
}

/* The nodes a configuration is made of, sorted by id; returns how many. */
static size_t sig_members(const struct ctable *t, const struct cnode **sorted)
{
	size_t n = 0;

	/* A dead node that serves no slot is known to the nodes that saw it
	 * and unknown to those rebuilt since: leaving it out lets them agree
	 * while it waits to be forgotten (forgetting it is what heal does
	 * next, and that must not wait for an agreement it alone prevents). */
	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *c = &t->nodes[i];
		if (c->flags & CN_HANDSHAKE)
			continue;
		if ((c->flags & (CN_FAIL | CN_NOADDR)) && !c->nslots)
			continue;
		sorted[n++] = c;
	}
	qsort(sorted, n, sizeof(*sorted), id_cmp);
	return n;
}

char *ctable_signature(const struct ctable *t)
{
	const struct cnode **sorted = malloc(sizeof(*sorted) * (t->n + 1));
	struct sig_buf b = { malloc(256), 0, 256 };
	size_t n;

	if (!sorted || !b.s)
		goto oom;
	b.s[0] = '\0';
	n = sig_members(t, sorted);
	for (size_t i = 0; i < n; i++)
		if (sig_add_node(&b, sorted[i], i == 0) < 0)
			goto oom;
	free(sorted);
	return b.s;
oom:
	free(sorted);
	free(b.s);
	return NULL;
}

int info_field(const char *text, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, klen) != 0 || l[klen] != ':')
			continue;
		const char *v = l + klen + 1;
		size_t n = strcspn(v, "\r\n");
		if (n >= len)
			n = len - 1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}
