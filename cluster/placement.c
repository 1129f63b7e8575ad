/* placement.c - the layout of a new Redis Cluster: masters spread over the
 * failure domains, slots split evenly, replicas placed by a min-cost flow.
 * Pure: see placement.h. */
#include "placement.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_addr.h"
#include "slot_count.h"

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

/* Scratch space for the path search, one entry per vertex. */
struct flow_search {
	long long *dist;
	int *prev;       /* the edge that reached the vertex */
	int *queue;
	char *inq;
};

/* The cheapest path from s to t with room left, into fs->prev
 * (Bellman-Ford with a queue: residual edges have negative costs); false
 * when there is none. */
static bool flow_shortest(const struct flow *f, struct flow_search *fs, int s, int t)
{
	int qh = 0, qn = 0;

	for (int i = 0; i < f->nv; i++)
		fs->dist[i] = LLONG_MAX, fs->prev[i] = -1, fs->inq[i] = 0;
	fs->dist[s] = 0;
	fs->queue[qn++] = s;
	fs->inq[s] = 1;
	while (qn) {
		int u = fs->queue[qh];
		qh = (qh + 1) % f->nv;
		qn--;
		fs->inq[u] = 0;
		for (int i = f->head[u]; i >= 0; i = f->e[i].next) {
			const struct flow_edge *e = &f->e[i];
			if (e->cap <= 0 || fs->dist[u] + e->cost >= fs->dist[e->to])
				continue;
			fs->dist[e->to] = fs->dist[u] + e->cost;
			fs->prev[e->to] = i;
			if (!fs->inq[e->to]) {
				fs->queue[(qh + qn) % f->nv] = e->to;
				qn++;
				fs->inq[e->to] = 1;
			}
		}
	}
	return fs->dist[t] != LLONG_MAX;
}

/* Push as much as the path from s to t found by flow_shortest carries. */
static int flow_push(struct flow *f, const int *prev, int s, int t)
{
	int push = FLOW_INF;

	for (int v = t; v != s; v = f->e[prev[v] ^ 1].to)
		if (f->e[prev[v]].cap < push)
			push = f->e[prev[v]].cap;
	for (int v = t; v != s; v = f->e[prev[v] ^ 1].to) {
		f->e[prev[v]].cap -= push;
		f->e[prev[v] ^ 1].cap += push;
	}
	return push;
}

/* Successive shortest paths. Returns the flow pushed, or -1 when out of
 * memory. */
static int flow_run(struct flow *f, int s, int t)
{
	struct flow_search fs = {
		malloc(sizeof(long long) * (size_t)f->nv), malloc(sizeof(int) * (size_t)f->nv),
		malloc(sizeof(int) * (size_t)f->nv), malloc((size_t)f->nv),
	};
	int total = -1;

	if (fs.dist && fs.prev && fs.queue && fs.inq) {
		total = 0;
		while (flow_shortest(f, &fs, s, t))
			total += flow_push(f, fs.prev, s, t);
	}
	free(fs.dist);
	free(fs.prev);
	free(fs.queue);
	free(fs.inq);
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
	int base = SLOT_COUNT / (int)p->nmasters, extra = SLOT_COUNT % (int)p->nmasters;
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

/* The arrays and the vertices, a pair vertex for each domain with
 * masters and each other domain. */
static int pl_net_alloc(struct pl *p, struct pl_net *net)
{
	size_t M = p->nmasters, D = p->ndom, npairs = 0;
	int nv = 2 + (int)(M + D);

	memset(net, 0, sizeof(*net));
	net->pair = malloc(sizeof(int) * D * D);
	net->to_pair1 = malloc(sizeof(int) * M * D);
	net->to_pair2 = malloc(sizeof(int) * M * D);
	net->to_own = malloc(sizeof(int) * M * D);
	if (!net->pair || !net->to_pair1 || !net->to_pair2 || !net->to_own)
		return -1;
	for (size_t a = 0; a < D; a++)
		for (size_t d = 0; d < D; d++)
			net->pair[a * D + d] = p->dom[a].masters > 0 && a != d ? nv + (int)npairs++ : -1;
	net->src = 0;
	net->sink = 1;
	return flow_init(&net->f, nv + (int)npairs);
}

/* Domain -> sink: its spare nodes; pair -> domain: one edge per spare
 * node, each further replica that a domain's masters put in one other
 * domain costing a little more than the one before, so they spread out. */
static int pl_net_add_domains(struct pl *p, struct pl_net *net)
{
	size_t D = p->ndom;

	for (size_t d = 0; d < D; d++) {
		int spare = (int)p->dom[d].count - p->dom[d].masters;
		if (flow_add(&net->f, pl_vertex_domain(p, d), net->sink, spare, 0) < 0)
			return -1;
	}
	for (size_t a = 0; a < D; a++)
		for (size_t d = 0; d < D; d++) {
			int v = net->pair[a * D + d], spare = (int)p->dom[d].count - p->dom[d].masters;
			for (int k = 0; v >= 0 && k < spare; k++)
				if (flow_add(&net->f, v, pl_vertex_domain(p, d), 1, COST_PAIR * k) < 0)
					return -1;
		}
	return 0;
}

/* Source -> master: its replica count; master -> pair: the first replica
 * in a domain free, a second one there COST_SHARED; master -> own domain
 * only when colocation is allowed. */
static int pl_net_add_master(struct pl *p, struct pl_net *net, size_t r)
{
	size_t D = p->ndom, a = (size_t)p->master_dom[r];
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
	return 0;
}

static int pl_net_build(struct pl *p, struct pl_net *net)
{
	if (pl_net_alloc(p, net) < 0 || pl_net_add_domains(p, net) < 0)
		return -1;
	for (size_t r = 0; r < p->nmasters; r++)
		if (pl_net_add_master(p, net, r) < 0)
			return -1;
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
