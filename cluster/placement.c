/* placement.c - the layout of a new Redis Cluster and the health of a
 * running one. Pure: see placement.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"

/* --- Node addresses ------------------------------------------------------ */

static bool label_char_ok(char c)
{
	return isalnum((unsigned char)c) || strchr("._-:/", c) != NULL;
}

static int parse_port(const char *s, int *port)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int node_addr_parse(const char *text, struct node_addr *a, char *err, size_t errlen)
{
	char buf[NODE_HOST_MAX + NODE_LABEL_MAX + 16];
	char *host, *port, *label;

	memset(a, 0, sizeof(*a));
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "node address '%.40s...' is too long", text);
		return -1;
	}
	strcpy(buf, text);
	label = strchr(buf, '@');
	if (label) {
		*label++ = '\0';
		size_t len = strlen(label);
		if (len == 0 || len >= NODE_LABEL_MAX) {
			snprintf(err, errlen, "'%s': a LABEL after @ must have 1 to %d characters",
				 text, NODE_LABEL_MAX - 1);
			return -1;
		}
		for (const char *c = label; *c; c++)
			if (!label_char_ok(*c)) {
				snprintf(err, errlen, "'%s': a LABEL may hold letters, digits and ._-:/ only",
					 text);
				return -1;
			}
		strcpy(a->label, label);
	}
	if (buf[0] == '[') {
		/* [v6]:port: the brackets keep the address's colons apart from the port's. */
		char *close = strchr(buf, ']');
		if (!close || close[1] != ':') {
			snprintf(err, errlen, "'%s' is not HOST:PORT[@LABEL] ([IPV6]:PORT)", text);
			return -1;
		}
		*close = '\0';
		host = buf + 1;
		port = close + 2;
	} else {
		port = strrchr(buf, ':');
		if (!port || port == buf) {
			snprintf(err, errlen, "'%s' is not HOST:PORT[@LABEL]", text);
			return -1;
		}
		*port++ = '\0';
		host = buf;
		if (strchr(host, ':')) {
			snprintf(err, errlen, "'%s': write an IPv6 address in brackets, [ADDR]:PORT", text);
			return -1;
		}
	}
	if (!*host || strlen(host) >= NODE_HOST_MAX || strpbrk(host, " \t[]/@,")) {
		snprintf(err, errlen, "'%s' has no usable HOST before the port", text);
		return -1;
	}
	if (parse_port(port, &a->port) < 0) {
		snprintf(err, errlen, "'%s': the port must be a number from 1 to 65535", text);
		return -1;
	}
	strcpy(a->host, host);
	return 0;
}

char *node_addr_format(const char *host, int port, char *buf, size_t len)
{
	if (strchr(host, ':'))
		snprintf(buf, len, "[%s]:%d", host, port);
	else
		snprintf(buf, len, "%s:%d", host, port);
	return buf;
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

/* Domains are IPs or labels: order them like hosts, and never call two
 * different names equal. */
static int domain_compare(const char *a, const char *b)
{
	int c = host_compare(a, b);
	return c ? c : strcmp(a, b);
}

/* --- Min-cost flow --------------------------------------------------------
 * Replica placement is a transport problem: masters ask for replicas, failure
 * domains offer spare nodes, and some pairings are forbidden or costly. A
 * small min-cost max-flow solves it exactly (a greedy pass can strand the
 * last spare node in the last master's own domain), and with a fixed edge
 * order it is deterministic. The graphs are tiny: a few hundred edges. */

struct flow_edge {
	int to, next, cap;
	long long cost;
};

struct flow {
	struct flow_edge *e;
	int ne, alloc, nv;
	int *head;
};

#define FLOW_INF (INT_MAX / 2)

static int flow_init(struct flow *f, int nv)
{
	memset(f, 0, sizeof(*f));
	f->nv = nv;
	f->head = malloc(sizeof(int) * (size_t)nv);
	if (!f->head)
		return -1;
	for (int i = 0; i < nv; i++)
		f->head[i] = -1;
	return 0;
}

static void flow_free(struct flow *f)
{
	free(f->e);
	free(f->head);
}

/* Add u->v; returns the edge's index (its residual twin is index ^ 1). */
static int flow_add(struct flow *f, int u, int v, int cap, long long cost)
{
	if (f->ne + 2 > f->alloc) {
		int n = f->alloc ? f->alloc * 2 : 64;
		struct flow_edge *e = realloc(f->e, sizeof(*e) * (size_t)n);
		if (!e)
			return -1;
		f->e = e;
		f->alloc = n;
	}
	f->e[f->ne] = (struct flow_edge){ v, f->head[u], cap, cost };
	f->head[u] = f->ne++;
	f->e[f->ne] = (struct flow_edge){ u, f->head[v], 0, -cost };
	f->head[v] = f->ne++;
	return f->ne - 2;
}

static int flow_used(const struct flow *f, int edge)
{
	return edge < 0 ? 0 : f->e[edge ^ 1].cap;
}

/* Successive shortest paths (Bellman-Ford with a queue: residual edges have
 * negative costs). Returns the flow pushed, or -1 when out of memory. */
static int flow_run(struct flow *f, int s, int t)
{
	long long *dist = malloc(sizeof(long long) * (size_t)f->nv);
	int *prev = malloc(sizeof(int) * (size_t)f->nv);
	int *queue = malloc(sizeof(int) * (size_t)f->nv);
	char *inq = malloc((size_t)f->nv);
	int total = -1;

	if (!dist || !prev || !queue || !inq)
		goto out;
	total = 0;
	for (;;) {
		int qh = 0, qn = 0;
		for (int i = 0; i < f->nv; i++)
			dist[i] = LLONG_MAX, prev[i] = -1, inq[i] = 0;
		dist[s] = 0;
		queue[qn++] = s;
		inq[s] = 1;
		while (qn) {
			int u = queue[qh];
			qh = (qh + 1) % f->nv;
			qn--;
			inq[u] = 0;
			for (int i = f->head[u]; i >= 0; i = f->e[i].next) {
				struct flow_edge *e = &f->e[i];
				if (e->cap <= 0 || dist[u] + e->cost >= dist[e->to])
					continue;
				dist[e->to] = dist[u] + e->cost;
				prev[e->to] = i;
				if (!inq[e->to]) {
					queue[(qh + qn) % f->nv] = e->to;
					qn++;
					inq[e->to] = 1;
				}
			}
		}
		if (dist[t] == LLONG_MAX)
			break;
		int push = FLOW_INF;
		for (int v = t; v != s; v = f->e[prev[v] ^ 1].to)
			if (f->e[prev[v]].cap < push)
				push = f->e[prev[v]].cap;
		for (int v = t; v != s; v = f->e[prev[v] ^ 1].to) {
			f->e[prev[v]].cap -= push;
			f->e[prev[v] ^ 1].cap += push;
		}
		total += push;
	}
out:
	free(dist);
	free(prev);
	free(queue);
	free(inq);
	return total;
}

/* --- Placement ------------------------------------------------------------ */

/* Costs, each tier far above everything the tiers below can add up to (at
 * most PLACEMENT_MAX_NODES units): a replica in its master's domain, then
 * two replicas of one master in one domain, then the replicas of one
 * domain's masters piling up in one other domain, then leftover replicas
 * piling up on one master. */
#define COST_COLOCATED 1000000000000000LL
#define COST_SHARED 1000000000LL
#define COST_PAIR 1000LL
#define COST_EXTRA 1LL

struct pl_domain {
	const char *name;
	size_t first, count;  /* a run in the sorted order */
	int masters;
};

struct pl {
	const struct placement_node *nodes;
	size_t n, nmasters;
	int replicas;
	bool colocated;       /* allow_colocated */
	size_t *order;        /* node indices, sorted by domain, host, port */
	struct pl_domain *dom; /* by name */
	size_t ndom;
	int *master_node;     /* rank -> node index */
	int *master_dom;      /* rank -> domain index */
	char *err;
	size_t errlen;
};

static int order_cmp(const void *x, const void *y, void *arg)
{
	const struct placement_node *nodes = arg;
	const struct placement_node *a = &nodes[*(const size_t *)x], *b = &nodes[*(const size_t *)y];
	int c = domain_compare(a->domain, b->domain);
	if (!c)
		c = host_compare(a->host, b->host);
	return c ? c : a->port - b->port;
}

static int pl_fail(struct pl *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pl_fail(struct pl *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int pl_validate(struct pl *p)
{
	if (p->n == 0)
		return pl_fail(p, "no nodes given");
	if (p->n > PLACEMENT_MAX_NODES)
		return pl_fail(p, "%zu nodes: at most %d are supported", p->n, PLACEMENT_MAX_NODES);
	if (p->replicas < 0)
		return pl_fail(p, "the replica count must be 0 or more");
	for (size_t i = 0; i < p->n; i++) {
		const struct placement_node *a = &p->nodes[i];
		if (!a->host || !*a->host || !a->domain || !*a->domain || a->port < 1 || a->port > 65535)
			return pl_fail(p, "node %zu has no usable address or failure domain", i + 1);
		for (size_t j = 0; j < i; j++)
			if (p->nodes[j].port == a->port && host_compare(p->nodes[j].host, a->host) == 0)
				return pl_fail(p, "node %s:%d is given twice", a->host, a->port);
	}
	p->nmasters = p->n / (size_t)(p->replicas + 1);
	if (p->nmasters < PLACEMENT_MIN_MASTERS)
		return pl_fail(p, "%zu nodes with %d replicas per master make %zu masters; a cluster "
			       "needs at least %d, that is %d nodes", p->n, p->replicas, p->nmasters,
			       PLACEMENT_MIN_MASTERS, PLACEMENT_MIN_MASTERS * (p->replicas + 1));
	return 0;
}

/* Sort the nodes and cut the order into failure domains. */
static int pl_group(struct pl *p)
{
	p->order = malloc(sizeof(size_t) * p->n);
	p->dom = calloc(p->n, sizeof(*p->dom));
	if (!p->order || !p->dom)
		return pl_fail(p, "out of memory");
	for (size_t i = 0; i < p->n; i++)
		p->order[i] = i;
	qsort_r(p->order, p->n, sizeof(size_t), order_cmp, (void *)p->nodes);
	for (size_t i = 0; i < p->n; i++) {
		const char *d = p->nodes[p->order[i]].domain;
		if (p->ndom == 0 || strcmp(p->dom[p->ndom - 1].name, d) != 0)
			p->dom[p->ndom++] = (struct pl_domain){ d, i, 0, 0 };
		p->dom[p->ndom - 1].count++;
	}
	return 0;
}

/* "a, b, c" (shortened past a few names) for messages. */
static void pl_domain_list(const struct pl *p, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t d = 0; d < p->ndom && used < len; d++) {
		if (d == 6) {
			snprintf(buf + used, len - used, ", ...");
			return;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%s", d ? ", " : "", p->dom[d].name);
	}
}

/* Refuse early, with the reason an operator can act on, what no layout can
 * satisfy: replicas need other domains, one per replica. */
static int pl_check_domains(struct pl *p)
{
	char names[200];

	if (p->colocated || p->replicas == 0)
		return 0;
	pl_domain_list(p, names, sizeof(names));
	if (p->ndom == 1)
		return pl_fail(p, "all %zu nodes are in one failure domain (%s), so every replica would "
			       "share its master's; label the nodes (HOST:PORT@LABEL) by host or rack, or "
			       "pass --allow-colocated", p->n, names);
	if (p->ndom < (size_t)p->replicas + 1)
		return pl_fail(p, "%d replicas per master need %d failure domains (the master's and one "
			       "per replica) but there are %zu (%s); lower --replicas, add nodes in other "
			       "domains, or pass --allow-colocated", p->replicas, p->replicas + 1,
			       p->ndom, names);
	return 0;
}

/* The k masters of domain d find enough spare nodes in the other domains
 * for their replicas (Hall's condition, one domain at a time). */
static bool pl_room_for(const struct pl *p, const struct pl_domain *d, int k)
{
	long spare_elsewhere = (long)(p->n - p->nmasters) - (long)(d->count - (size_t)k);
	return (long)p->replicas * k <= spare_elsewhere;
}

/* Masters one per domain in turn, fullest domains first, so the nodes left
 * for replicas spread over the domains too. (A search over every layout of
 * up to 5 domains of up to 6 nodes, 1 to 3 replicas, found no case where
 * another choice of master domains succeeds when this one fails.) */
static int pl_pick_masters(struct pl *p)
{
	size_t *visit = malloc(sizeof(size_t) * p->ndom), picked = 0;

	p->master_node = malloc(sizeof(int) * p->nmasters);
	p->master_dom = malloc(sizeof(int) * p->nmasters);
	if (!visit || !p->master_node || !p->master_dom) {
		free(visit);
		return pl_fail(p, "out of memory");
	}
	for (size_t i = 0; i < p->ndom; i++) {
		size_t j = i;
		for (; j > 0 && p->dom[visit[j - 1]].count < p->dom[i].count; j--)
			visit[j] = visit[j - 1];
		visit[j] = i;
	}
	/* Each pass over the domains takes at most one master from each. */
	while (picked < p->nmasters)
		for (size_t v = 0; v < p->ndom && picked < p->nmasters; v++) {
			struct pl_domain *d = &p->dom[visit[v]];
			if ((size_t)d->masters >= d->count)
				continue;
			p->master_node[picked] = (int)p->order[d->first + (size_t)d->masters];
			p->master_dom[picked++] = (int)visit[v];
			d->masters++;
		}
	free(visit);
	return 0;
}

static void pl_assign_slots(struct pl *p, struct placement_role *roles)
{
	int base = CLUSTER_SLOTS / (int)p->nmasters, extra = CLUSTER_SLOTS % (int)p->nmasters;
	int next = 0;

	for (size_t r = 0; r < p->nmasters; r++) {
		struct placement_role *role = &roles[p->master_node[r]];
		int size = base + ((int)r < extra);
		*role = (struct placement_role){ -1, (int)r, next, next + size - 1, false };
		next += size;
	}
}

/* The replica flow network: source -> master (its replica count) ->
 * (master's domain, replica's domain) pair -> replica's domain (its spare
 * nodes) -> sink, plus master -> own domain when colocation is allowed. */
struct pl_net {
	struct flow f;
	int src, sink;
	int *to_pair1, *to_pair2, *to_own; /* per master x domain: edge indices, -1 if none */
	int *pair;                         /* per domain x domain: vertex, -1 if none */
};

/* Vertices: 0 source, 1 sink, then the masters by rank, then the domains,
 * then the (master's domain, replica's domain) pairs. */
static int pl_vertex_master(size_t r) { return 2 + (int)r; }
static int pl_vertex_domain(const struct pl *p, size_t d) { return 2 + (int)p->nmasters + (int)d; }

static int pl_net_build(struct pl *p, struct pl_net *net)
{
	size_t M = p->nmasters, D = p->ndom, npairs = 0;
	int nv;

	memset(net, 0, sizeof(*net));
	net->pair = malloc(sizeof(int) * D * D);
	net->to_pair1 = malloc(sizeof(int) * M * D);
	net->to_pair2 = malloc(sizeof(int) * M * D);
	net->to_own = malloc(sizeof(int) * M * D);
	if (!net->pair || !net->to_pair1 || !net->to_pair2 || !net->to_own)
		return -1;
	nv = 2 + (int)(M + D);
	for (size_t a = 0; a < D; a++)
		for (size_t d = 0; d < D; d++)
			net->pair[a * D + d] = p->dom[a].masters > 0 && a != d ? nv + (int)npairs++ : -1;
	if (flow_init(&net->f, nv + (int)npairs) < 0)
		return -1;
	net->src = 0;
	net->sink = 1;
	for (size_t d = 0; d < D; d++) {
		int spare = (int)p->dom[d].count - p->dom[d].masters;
		if (flow_add(&net->f, pl_vertex_domain(p, d), net->sink, spare, 0) < 0)
			return -1;
	}
	/* Each further replica that a domain's masters put in one other domain
	 * costs a little more than the one before, so they spread out. */
	for (size_t a = 0; a < D; a++)
		for (size_t d = 0; d < D; d++) {
			int v = net->pair[a * D + d], spare = (int)p->dom[d].count - p->dom[d].masters;
			for (int k = 0; v >= 0 && k < spare; k++)
				if (flow_add(&net->f, v, pl_vertex_domain(p, d), 1, COST_PAIR * k) < 0)
					return -1;
		}
	for (size_t r = 0; r < M; r++) {
		size_t a = (size_t)p->master_dom[r];
		int mv = pl_vertex_master(r);
		if (flow_add(&net->f, net->src, mv, p->replicas, 0) < 0)
			return -1;
		for (size_t d = 0; d < D; d++) {
			size_t i = r * D + d;
			net->to_pair1[i] = net->to_pair2[i] = net->to_own[i] = -1;
			if (d == a) {
				if (p->colocated &&
				    (net->to_own[i] = flow_add(&net->f, mv, pl_vertex_domain(p, d), FLOW_INF,
							       COST_COLOCATED)) < 0)
					return -1;
				continue;
			}
			net->to_pair1[i] = flow_add(&net->f, mv, net->pair[a * D + d], 1, 0);
			net->to_pair2[i] = flow_add(&net->f, mv, net->pair[a * D + d], FLOW_INF, COST_SHARED);
			if (net->to_pair1[i] < 0 || net->to_pair2[i] < 0)
				return -1;
		}
	}
	return 0;
}

static void pl_net_free(struct pl_net *net)
{
	flow_free(&net->f);
	free(net->pair);
	free(net->to_pair1);
	free(net->to_pair2);
	free(net->to_own);
}

/* Explain why the masters could not all get their replicas elsewhere. */
static int pl_fail_short(struct pl *p)
{
	for (size_t d = 0; d < p->ndom; d++) {
		const struct pl_domain *dm = &p->dom[d];
		if (dm->masters && !pl_room_for(p, dm, dm->masters)) {
			long spare = (long)(p->n - p->nmasters) - (long)(dm->count - (size_t)dm->masters);
			return pl_fail(p, "failure domain %s holds %zu of the %zu nodes: its %d master(s) need "
				       "%d replicas in other domains, which have only %ld spare node(s); add "
				       "nodes elsewhere, lower --replicas, or pass --allow-colocated",
				       dm->name, dm->count, p->n, dm->masters, dm->masters * p->replicas, spare);
		}
	}
	return pl_fail(p, "cannot give each of the %zu masters %d replicas in %d failure domains other "
		       "than its own; add nodes in other domains, lower --replicas, or pass "
		       "--allow-colocated", p->nmasters, p->replicas, p->replicas);
}

/* Turn the flow into roles: in each domain, the spare nodes in sorted order
 * go to the masters in rank order. */
static int pl_flow_to_roles(struct pl *p, struct pl_net *net, struct placement_role *roles)
{
	size_t D = p->ndom;

	for (size_t d = 0; d < D; d++) {
		size_t next = p->dom[d].first + (size_t)p->dom[d].masters;
		for (size_t r = 0; r < p->nmasters; r++) {
			size_t i = r * D + d;
			int units = flow_used(&net->f, net->to_pair1[i]) + flow_used(&net->f, net->to_pair2[i]) +
				    flow_used(&net->f, net->to_own[i]);
			for (; units > 0; units--) {
				size_t node = p->order[next++];
				roles[node] = (struct placement_role){ p->master_node[r], -1, -1, -1,
								       (int)d == p->master_dom[r] };
			}
		}
		if (next != p->dom[d].first + p->dom[d].count) {
			const struct placement_node *left = &p->nodes[p->order[next]];
			return pl_fail(p, "node %s:%d (failure domain %s) cannot be a replica outside its "
				       "master's domain; pass --allow-colocated to accept that", left->host,
				       left->port, p->dom[d].name);
		}
	}
	return 0;
}

/* Phase one gives every master its `replicas` replicas; phase two adds the
 * leftover nodes, one per master before any master gets two. Augmenting
 * paths never take flow back from the source's edges, so phase two keeps
 * what phase one achieved. */
static int pl_place_replicas(struct pl *p, struct placement_role *roles)
{
	struct pl_net net;
	size_t spare = p->n - p->nmasters, want = p->nmasters * (size_t)p->replicas;
	int rc = -1, got;

	if (spare == 0)
		return 0;
	if (pl_net_build(p, &net) < 0) {
		pl_fail(p, "out of memory");
		goto out;
	}
	got = flow_run(&net.f, net.src, net.sink);
	if (got < 0) {
		pl_fail(p, "out of memory");
		goto out;
	}
	if ((size_t)got < want) {
		pl_fail_short(p);
		goto out;
	}
	for (size_t i = 0; !p->colocated && i < p->nmasters * p->ndom; i++)
		if (flow_used(&net.f, net.to_pair2[i]) > 0) {
			pl_fail_short(p);
			goto out;
		}
	if (spare > want) {
		for (size_t r = 0; r < p->nmasters; r++) {
			int mv = pl_vertex_master(r);
			if (flow_add(&net.f, net.src, mv, 1, 0) < 0 ||
			    flow_add(&net.f, net.src, mv, FLOW_INF, COST_EXTRA) < 0) {
				pl_fail(p, "out of memory");
				goto out;
			}
		}
		if (flow_run(&net.f, net.src, net.sink) < 0) {
			pl_fail(p, "out of memory");
			goto out;
		}
	}
	rc = pl_flow_to_roles(p, &net, roles);
out:
	pl_net_free(&net);
	return rc;
}

int placement_plan(const struct placement_node *nodes, size_t n, int replicas,
		   bool allow_colocated, struct placement_role *roles, char *err, size_t errlen)
{
	struct pl p = { .nodes = nodes, .n = n, .replicas = replicas, .colocated = allow_colocated,
			.err = err, .errlen = errlen };
	int rc = -1;

	if (pl_validate(&p) < 0 || pl_group(&p) < 0 || pl_check_domains(&p) < 0 ||
	    pl_pick_masters(&p) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		roles[i] = (struct placement_role){ -2, -1, -1, -1, false };
	pl_assign_slots(&p, roles);
	rc = pl_place_replicas(&p, roles);
out:
	free(p.order);
	free(p.dom);
	free(p.master_node);
	free(p.master_dom);
	return rc;
}

/* --- CLUSTER NODES --------------------------------------------------------
 * One line per node: id addr flags master ping-sent pong-recv config-epoch
 * link-state slot... where addr is ip:port@cport[,hostname] and a slot is
 * N, N-M, [N->-id] (migrating) or [N-<-id] (importing). */

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
	return v >= 0 && v < CLUSTER_SLOTS ? (int)v : -1;
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

static int parse_node_addr(char *s, struct cnode *n)
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
	if (!is_node_id(tok[0]) || parse_node_addr(tok[1], n) < 0 || parse_flags(tok[2], &n->flags) < 0)
		return -1;
	strcpy(n->id, tok[0]);
	if (strcmp(tok[3], "-") != 0) {
		if (!is_node_id(tok[3]))
			return -1;
		strcpy(n->master_id, tok[3]);
	}
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

char *ctable_signature(const struct ctable *t)
{
	const struct cnode **sorted = malloc(sizeof(*sorted) * (t->n + 1));
	size_t cap = 256, len = 0, n = 0;
	char *out = malloc(cap);
	struct slot_range *r = NULL;

	if (!sorted || !out)
		goto oom;
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
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct cnode *c = sorted[i];
		size_t nr;
		free(r);
		r = malloc(sizeof(*r) * (c->nslots + 1));
		if (!r)
			goto oom;
		nr = normalize_ranges(c, r);
		for (size_t j = 0; j <= nr; j++) {
			char item[160];
			int w = j == 0 ? snprintf(item, sizeof(item), "%s%s %s %s", i ? "\n" : "", c->id,
						  c->flags & CN_SLAVE ? "S" : "M",
						  *c->master_id ? c->master_id : "-")
				       : snprintf(item, sizeof(item), " %d-%d", r[j - 1].first, r[j - 1].last);
			if (len + (size_t)w + 1 > cap) {
				char *bigger = realloc(out, cap = (cap + (size_t)w) * 2);
				if (!bigger)
					goto oom;
				out = bigger;
			}
			memcpy(out + len, item, (size_t)w + 1);
			len += (size_t)w;
		}
	}
	free(r);
	free(sorted);
	return out;
oom:
	free(r);
	free(sorted);
	free(out);
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

/* --- The health check ---------------------------------------------------- */

static bool cnode_counts(const struct cnode *n)
{
	return !(n->flags & CN_HANDSHAKE);
}

static bool cnode_is_replica(const struct cnode *n)
{
	return (n->flags & CN_SLAVE) && *n->master_id;
}

/* Which master claims each slot; the holes become missing ranges. */
static int check_slots(const struct ctable *t, struct check_report *r)
{
	int *owner = malloc(sizeof(int) * CLUSTER_SLOTS);
	if (!owner)
		return -1;
	for (int s = 0; s < CLUSTER_SLOTS; s++)
		owner[s] = -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		if (!(n->flags & CN_MASTER) || !cnode_counts(n))
			continue;
		for (size_t k = 0; k < n->nslots; k++)
			for (int s = n->slots[k].first; s <= n->slots[k].last; s++)
				owner[s] = (int)i;
	}
	r->missing = malloc(sizeof(*r->missing) * (CLUSTER_SLOTS / 2 + 1));
	if (!r->missing) {
		free(owner);
		return -1;
	}
	for (int s = 0; s < CLUSTER_SLOTS; s++) {
		if (owner[s] < 0) {
			if (r->nmissing && r->missing[r->nmissing - 1].last == s - 1)
				r->missing[r->nmissing - 1].last = s;
			else
				r->missing[r->nmissing++] = (struct slot_range){ s, s };
			continue;
		}
		r->assigned++;
		if (!cnode_failed(&t->nodes[owner[s]]))
			r->served++;
	}
	free(owner);
	return 0;
}

static int domain_index(struct check_report *r, const char *name)
{
	for (size_t d = 0; d < r->ndomains; d++)
		if (strcmp(r->domains[d].name, name) == 0)
			return (int)d;
	return -1;
}

static int domain_name_cmp(const void *a, const void *b)
{
	return domain_compare(((const struct domain_stat *)a)->name, ((const struct domain_stat *)b)->name);
}

/* Masters, replicas and failures per failure domain, and which domains hold
 * more masters than their fair share. Every known domain counts, a dead
 * host's too: after it fails, the survivors should still share its load. */
static void check_domains(const struct ctable *t, struct check_report *r)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		if (!cnode_counts(n))
			continue;
		int d = domain_index(r, n->domain);
		if (d < 0) {
			d = (int)r->ndomains++;
			r->domains[d] = (struct domain_stat){ .name = n->domain };
		}
		struct domain_stat *ds = &r->domains[d];
		ds->nodes++;
		if (cnode_failed(n))
			ds->failed++;
		else if ((n->flags & CN_MASTER) && n->nslots)
			ds->masters++, r->masters++;
		else if (n->flags & CN_SLAVE)
			ds->replicas++;
	}
	qsort(r->domains, r->ndomains, sizeof(*r->domains), domain_name_cmp);
	if (!r->ndomains)
		return;
	r->fair_share = (r->masters + (int)r->ndomains - 1) / (int)r->ndomains;
	for (size_t d = 0; d < r->ndomains; d++)
		if (r->domains[d].masters > r->fair_share) {
			r->domains[d].over_share = true;
			r->over_share++;
		}
}

/* Anti-affinity: a replica never in its master's domain, and every working
 * master with slots backed by a working replica in another domain. */
static void check_affinity(const struct ctable *t, struct check_report *r)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		int m = cnode_is_replica(n) ? ctable_find(t, n->master_id) : -1;
		if (cnode_counts(n) && m >= 0 && strcmp(t->nodes[m].domain, n->domain) == 0)
			r->violations[r->nviolations++] =
				(struct violation){ VIOL_REPLICA_IN_MASTER_DOMAIN, (int)i, m };
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		bool backed = false;
		if (!(n->flags & CN_MASTER) || !n->nslots || cnode_failed(n))
			continue;
		for (size_t j = 0; j < t->n && !backed; j++) {
			const struct cnode *c = &t->nodes[j];
			backed = cnode_is_replica(c) && strcmp(c->master_id, n->id) == 0 &&
				 !cnode_failed(c) && strcmp(c->domain, n->domain) != 0;
		}
		if (!backed)
			r->violations[r->nviolations++] =
				(struct violation){ VIOL_NO_REMOTE_REPLICA, (int)i, -1 };
	}
}

static bool probed_ok(const struct cnode *n)
{
	return n->probe.probed && n->probe.reachable;
}

/* What the nodes said about themselves: replication links, lag, whether
 * they agree with the seed and think the cluster is up. */
static void check_probes(const struct ctable *t, struct check_report *r)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		int m = cnode_is_replica(n) ? ctable_find(t, n->master_id) : -1;
		r->lag[i] = -1;
		if (!probed_ok(n))
			continue;
		if (!n->probe.agrees)
			r->disagree[r->ndisagree++] = (int)i;
		if (!n->probe.state_ok)
			r->state_fail[r->nstate_fail++] = (int)i;
		if (m < 0)
			continue;
		if (!n->probe.link_up)
			r->link_down[r->nlink_down++] = (int)i;
		else if (probed_ok(&t->nodes[m])) {
			long long lag = t->nodes[m].probe.repl_offset - n->probe.repl_offset;
			r->lag[i] = lag > 0 ? lag : 0;
		}
	}
}

int check_cluster(const struct ctable *t, struct check_report *r)
{
	size_t n = t->n + 1;

	memset(r, 0, sizeof(*r));
	r->open = malloc(sizeof(int) * n);
	r->failed = malloc(sizeof(int) * n);
	r->violations = malloc(sizeof(*r->violations) * 2 * n);
	r->domains = calloc(n, sizeof(*r->domains));
	r->link_down = malloc(sizeof(int) * n);
	r->disagree = malloc(sizeof(int) * n);
	r->state_fail = malloc(sizeof(int) * n);
	r->lag = malloc(sizeof(long long) * n);
	if (!r->open || !r->failed || !r->violations || !r->domains || !r->link_down ||
	    !r->disagree || !r->state_fail || !r->lag || check_slots(t, r) < 0) {
		check_report_free(r);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		if (t->nodes[i].nopen)
			r->open[r->nopen++] = (int)i;
		if (cnode_failed(&t->nodes[i]))
			r->failed[r->nfailed++] = (int)i;
	}
	check_domains(t, r);
	check_affinity(t, r);
	check_probes(t, r);
	r->healthy = r->nmissing == 0 && r->served == CLUSTER_SLOTS && r->nopen == 0 &&
		     r->nfailed == 0 && r->nviolations == 0 && r->over_share == 0 &&
		     r->nlink_down == 0 && r->ndisagree == 0 && r->nstate_fail == 0;
	return 0;
}

void check_report_free(struct check_report *r)
{
	free(r->missing);
	free(r->open);
	free(r->failed);
	free(r->violations);
	free(r->domains);
	free(r->link_down);
	free(r->disagree);
	free(r->state_fail);
	free(r->lag);
	memset(r, 0, sizeof(*r));
}

/* --- Repair ---------------------------------------------------------------
 * The next step of add, heal and watch, decided from one table. Each
 * function looks at the whole table every time: tables are small (a few
 * dozen nodes) and re-reading beats keeping state that can go stale. */

static bool cnode_serves(const struct cnode *n)
{
	return (n->flags & CN_MASTER) && n->nslots > 0;
}

static const char *repair_addr(const struct cnode *n, char *buf, size_t len)
{
	if (*n->host)
		return node_addr_format(n->host, n->port, buf, len);
	snprintf(buf, len, "%.8s (no address)", n->id);
	return buf;
}

static int cnode_addr_order(const struct cnode *a, const struct cnode *b)
{
	int c = host_compare(a->host, b->host);
	if (!c)
		c = a->port - b->port;
	return c ? c : strcmp(a->id, b->id);
}

/* Working replicas of master m, not counting node `self`. */
static int repair_replicas_of(const struct ctable *t, size_t m, int self)
{
	int count = 0;
	for (size_t j = 0; j < t->n; j++)
		count += (int)j != self && (t->nodes[j].flags & CN_SLAVE) && !cnode_failed(&t->nodes[j]) &&
			 strcmp(t->nodes[j].master_id, t->nodes[m].id) == 0;
	return count;
}

static int repair_domain_masters(const struct ctable *t, const char *domain)
{
	int count = 0;
	for (size_t j = 0; j < t->n; j++)
		count += cnode_serves(&t->nodes[j]) && !cnode_failed(&t->nodes[j]) &&
			 strcmp(t->nodes[j].domain, domain) == 0;
	return count;
}

int repair_pick_master(const struct ctable *t, const char *domain, const int *extra, int self)
{
	int best = -1, best_reps = 0, best_dm = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *m = &t->nodes[i];
		if (!cnode_serves(m) || cnode_failed(m) || (int)i == self || strcmp(m->domain, domain) == 0)
			continue;
		int reps = repair_replicas_of(t, i, self) + (extra ? extra[i] : 0);
		int dm = repair_domain_masters(t, m->domain);
		if (best < 0 || reps < best_reps ||
		    (reps == best_reps && (dm > best_dm ||
					   (dm == best_dm && cnode_addr_order(m, &t->nodes[best]) < 0)))) {
			best = (int)i;
			best_reps = reps;
			best_dm = dm;
		}
	}
	return best;
}

int repair_plan_add(const struct ctable *t, const char *const *domains, size_t n, int *out)
{
	int *extra = calloc(t->n + 1, sizeof(int)), missing = 0;

	if (!extra)
		return -1;
	for (size_t i = 0; i < n; i++) {
		out[i] = repair_pick_master(t, domains[i], extra, -1);
		if (out[i] >= 0)
			extra[out[i]]++;
		else
			missing++;
	}
	free(extra);
	return missing;
}

static int repair_set(struct repair_step *s, enum repair_kind kind, int node, int target,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int repair_set(struct repair_step *s, enum repair_kind kind, int node, int target,
		      const char *fmt, ...)
{
	va_list ap;
	s->kind = kind;
	s->node = node;
	s->target = target;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* Why replica i needs another master, or NULL when its master is fine. A
 * failed master that still holds slots is not a reason: the replica is
 * what will take those slots over. */
static const char *repair_orphan_reason(const struct ctable *t, size_t i, char *buf, size_t len)
{
	const struct cnode *n = &t->nodes[i];
	int m = *n->master_id ? ctable_find(t, n->master_id) : -1;
	char a[300];

	if (m < 0) {
		snprintf(buf, len, "its master %.8s is not in the cluster", *n->master_id ? n->master_id : "-");
		return buf;
	}
	const struct cnode *mn = &t->nodes[m];
	repair_addr(mn, a, sizeof(a));
	if (!(mn->flags & CN_MASTER))
		snprintf(buf, len, "its master %.200s is itself a replica", a);
	else if (!mn->nslots)
		snprintf(buf, len, "its master %.200s %sserves no slot", a, cnode_failed(mn) ? "failed and " : "");
	else if (!cnode_failed(mn) && strcmp(mn->domain, n->domain) == 0)
		snprintf(buf, len, "it shares failure domain %.64s with its master %.200s", n->domain, a);
	else
		return NULL;
	return buf;
}

static int repair_replicate(const struct ctable *t, struct repair_step *s, char *blocked, size_t blen)
{
	char why[400], a[300], b[300];

	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		if (!(n->flags & CN_SLAVE) || cnode_failed(n) || !repair_orphan_reason(t, i, why, sizeof(why)))
			continue;
		int m = repair_pick_master(t, n->domain, NULL, (int)i);
		if (m < 0) {
			if (!*blocked)
				snprintf(blocked, blen, "replica %.100s needs a new master (%.160s) but no "
					 "working master is outside failure domain %.64s", repair_addr(n, a, sizeof(a)),
					 why, n->domain);
			continue;
		}
		return repair_set(s, REPAIR_REPLICATE, (int)i, m, "re-attach replica %s to %s (%s): %s",
				  repair_addr(n, a, sizeof(a)), repair_addr(&t->nodes[m], b, sizeof(b)),
				  t->nodes[m].domain, why);
	}
	return -1;
}

static int repair_forget(const struct ctable *t, struct repair_step *s)
{
	char a[300];

	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		bool followed = false;
		if (!(n->flags & (CN_FAIL | CN_NOADDR)) || (n->flags & CN_MYSELF) || n->nslots)
			continue;
		/* A live replica still following it keeps it: forgetting its own
		 * master is refused, and that replica is re-attached first. */
		for (size_t j = 0; j < t->n && !followed; j++)
			followed = !cnode_failed(&t->nodes[j]) && strcmp(t->nodes[j].master_id, n->id) == 0;
		if (followed)
			continue;
		return repair_set(s, REPAIR_FORGET, (int)i, -1, "forget %s %.8s: %s and serves no slot",
				  repair_addr(n, a, sizeof(a)), n->id,
				  n->flags & CN_FAIL ? "failed" : "has no address");
	}
	return -1;
}

static long long repair_lag(const struct cnode *m, const struct cnode *c)
{
	if (!m->probe.probed || !c->probe.probed)
		return 0;
	long long lag = m->probe.repl_offset - c->probe.repl_offset;
	return lag > 0 ? lag : 0;
}

/* A replica that can be promoted now: alive and, when probed, linked. */
static bool repair_promotable(const struct cnode *c)
{
	return !cnode_failed(c) && (!c->probe.probed || (c->probe.reachable && c->probe.link_up));
}

static int repair_takeover(const struct ctable *t, struct repair_step *s, char *blocked, size_t blen)
{
	char a[300], b[300];

	for (size_t m = 0; m < t->n; m++) {
		const struct cnode *mn = &t->nodes[m];
		int best = -1;
		if (!cnode_serves(mn) || !(mn->flags & (CN_FAIL | CN_NOADDR)))
			continue;
		for (size_t j = 0; j < t->n; j++) {
			const struct cnode *c = &t->nodes[j];
			if (!(c->flags & CN_SLAVE) || cnode_failed(c) || strcmp(c->master_id, mn->id) != 0)
				continue;
			if (best < 0 || c->probe.repl_offset > t->nodes[best].probe.repl_offset ||
			    (c->probe.repl_offset == t->nodes[best].probe.repl_offset &&
			     cnode_addr_order(c, &t->nodes[best]) < 0))
				best = (int)j;
		}
		if (best < 0) {
			if (!*blocked)
				snprintf(blocked, blen, "master %s is failed and holds %d slots, and no "
					 "working replica is left to take them over", repair_addr(mn, a, sizeof(a)),
					 cnode_slot_count(mn));
			continue;
		}
		return repair_set(s, REPAIR_TAKEOVER, best, (int)m, "promote %s: its master %s is failed "
				  "and still holds %d slots (FORCE: the master cannot take part)",
				  repair_addr(&t->nodes[best], a, sizeof(a)), repair_addr(mn, b, sizeof(b)),
				  cnode_slot_count(mn));
	}
	return -1;
}

struct repair_candidate {
	int node, master, dom_masters;
	long long lag;
};

static bool repair_candidate_better(const struct ctable *t, const struct repair_candidate *x,
				    const struct repair_candidate *y)
{
	if (x->dom_masters != y->dom_masters)
		return x->dom_masters < y->dom_masters;
	if (x->lag != y->lag)
		return x->lag < y->lag;
	return cnode_addr_order(&t->nodes[x->node], &t->nodes[y->node]) < 0;
}

static int repair_balance(const struct ctable *t, const struct check_report *r, struct repair_step *s)
{
	struct repair_candidate best = { -1, -1, 0, 0 };
	const struct domain_stat *over = NULL;
	char a[300], b[300];

	for (size_t d = 0; d < r->ndomains; d++) {
		if (!r->domains[d].over_share)
			continue;
		over = over ? over : &r->domains[d];
		for (size_t m = 0; m < t->n; m++) {
			const struct cnode *mn = &t->nodes[m];
			if (!cnode_serves(mn) || cnode_failed(mn) || strcmp(mn->domain, r->domains[d].name) != 0)
				continue;
			for (size_t j = 0; j < t->n; j++) {
				const struct cnode *c = &t->nodes[j];
				if (!(c->flags & CN_SLAVE) || strcmp(c->master_id, mn->id) != 0 ||
				    !repair_promotable(c))
					continue;
				int dm = repair_domain_masters(t, c->domain);
				if (dm >= r->fair_share)
					continue;
				struct repair_candidate k = { (int)j, (int)m, dm, repair_lag(mn, c) };
				if (best.node < 0 || repair_candidate_better(t, &k, &best))
					best = k;
			}
		}
	}
	if (!over)
		return -1;
	if (best.node < 0) {
		s->balanced = false;
		return repair_set(s, REPAIR_NONE, -1, -1, "failure domain %s holds %d masters (fair "
				  "share %d) but no working replica of them sits in a domain below its share",
				  over->name, over->masters, r->fair_share);
	}
	const struct cnode *c = &t->nodes[best.node], *mn = &t->nodes[best.master];
	return repair_set(s, REPAIR_FAILOVER, best.node, best.master, "failover to %s (%s, %d "
			  "master(s)) from %s: failure domain %s holds %d masters, fair share %d; lag %lld",
			  repair_addr(c, a, sizeof(a)), c->domain, best.dom_masters,
			  repair_addr(mn, b, sizeof(b)), mn->domain, repair_domain_masters(t, mn->domain),
			  r->fair_share, best.lag);
}

int repair_next(const struct ctable *t, struct repair_step *s)
{
	struct check_report r;
	char blocked[600] = "";

	*s = (struct repair_step){ REPAIR_NONE, -1, -1, true, "" };
	if (repair_replicate(t, s, blocked, sizeof(blocked)) == 0 || repair_forget(t, s) == 0 ||
	    repair_takeover(t, s, blocked, sizeof(blocked)) == 0)
		return 0;
	if (check_cluster(t, &r) < 0)
		return -1;
	if (repair_balance(t, &r, s) < 0) {
		if (*blocked)
			repair_set(s, REPAIR_NONE, -1, -1, "%s", blocked);
		else
			repair_set(s, REPAIR_NONE, -1, -1, "balanced: at most %d master(s) per failure "
				   "domain", r.fair_share);
	}
	check_report_free(&r);
	return 0;
}
