/* heal_plan.c - the next step of add, heal and watch. Pure: see
 * heal_plan.h.
 *
 * Each function looks at the whole table every time: tables are small (a
 * few dozen nodes) and re-reading beats keeping state that can go stale. */
#include "heal_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "node_addr.h"

static bool cnode_serves(const struct cnode *n)
{
	return (n->flags & CN_MASTER) && n->nslots > 0;
}

/* The log names a node without an address by its short id, and says so. */
static const char *heal_addr(const struct cnode *n, char *buf, size_t len)
{
	if (*n->host)
		return hostport_format(n->host, n->port, buf, len);
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
static int heal_replicas_of(const struct ctable *t, size_t m, int self)
{
	int count = 0;
	for (size_t j = 0; j < t->n; j++)
		count += (int)j != self && (t->nodes[j].flags & CN_SLAVE) && !cnode_failed(&t->nodes[j]) &&
			 strcmp(t->nodes[j].master_id, t->nodes[m].id) == 0;
	return count;
}

static int heal_domain_masters(const struct ctable *t, const char *domain)
{
	int count = 0;
	for (size_t j = 0; j < t->n; j++)
		count += cnode_serves(&t->nodes[j]) && !cnode_failed(&t->nodes[j]) &&
			 strcmp(t->nodes[j].domain, domain) == 0;
	return count;
}

int heal_plan_pick_master(const struct ctable *t, const char *domain, const int *extra, int self)
{
	int best = -1, best_reps = 0, best_dm = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *m = &t->nodes[i];
		if (!cnode_serves(m) || cnode_failed(m) || (int)i == self || strcmp(m->domain, domain) == 0)
			continue;
		int reps = heal_replicas_of(t, i, self) + (extra ? extra[i] : 0);
		int dm = heal_domain_masters(t, m->domain);
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

int heal_plan_add(const struct ctable *t, const char *const *domains, size_t n, int *out)
{
	int *extra = calloc(t->n + 1, sizeof(int)), missing = 0;

	if (!extra)
		return -1;
	for (size_t i = 0; i < n; i++) {
		out[i] = heal_plan_pick_master(t, domains[i], extra, -1);
		if (out[i] >= 0)
			extra[out[i]]++;
		else
			missing++;
	}
	free(extra);
	return missing;
}

static int heal_step_set(struct heal_step *s, enum heal_kind kind, int node, int target,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int heal_step_set(struct heal_step *s, enum heal_kind kind, int node, int target,
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
static const char *heal_orphan_reason(const struct ctable *t, size_t i, char *buf, size_t len)
{
	const struct cnode *n = &t->nodes[i];
	int m = *n->master_id ? ctable_find(t, n->master_id) : -1;
	char a[300];

	if (m < 0) {
		snprintf(buf, len, "its master %.8s is not in the cluster", *n->master_id ? n->master_id : "-");
		return buf;
	}
	const struct cnode *mn = &t->nodes[m];
	heal_addr(mn, a, sizeof(a));
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

static int heal_plan_replicate(const struct ctable *t, struct heal_step *s, char *blocked, size_t blen)
{
	char why[400], a[300], b[300];

	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		if (!(n->flags & CN_SLAVE) || cnode_failed(n) || !heal_orphan_reason(t, i, why, sizeof(why)))
			continue;
		int m = heal_plan_pick_master(t, n->domain, NULL, (int)i);
		if (m < 0) {
			if (!*blocked)
				snprintf(blocked, blen, "replica %.100s needs a new master (%.160s) but no "
					 "working master is outside failure domain %.64s", heal_addr(n, a, sizeof(a)),
					 why, n->domain);
			continue;
		}
		return heal_step_set(s, HEAL_REPLICATE, (int)i, m, "re-attach replica %s to %s (%s): %s",
				     heal_addr(n, a, sizeof(a)), heal_addr(&t->nodes[m], b, sizeof(b)),
				     t->nodes[m].domain, why);
	}
	return -1;
}

/* Another live node answers at n's address: n's host was rebuilt. */
static bool heal_replaced(const struct ctable *t, const struct cnode *n)
{
	for (size_t j = 0; j < t->n; j++)
		if (&t->nodes[j] != n && !cnode_failed(&t->nodes[j]) && t->nodes[j].port == n->port &&
		    *n->host && strcmp(t->nodes[j].host, n->host) == 0)
			return true;
	return false;
}

/* Silent long enough to be given up (or no time to go by). A node marked
 * noaddr lost its address to another node: replaced too. */
static bool heal_forgettable(const struct ctable *t, const struct cnode *n, long long now_ms,
			     long long forget_after_ms)
{
	if (forget_after_ms <= 0 || n->pong_recv_ms <= 0 || (n->flags & CN_NOADDR) || heal_replaced(t, n))
		return true;
	return now_ms - n->pong_recv_ms >= forget_after_ms;
}

static int heal_plan_forget(const struct ctable *t, struct heal_step *s, long long now_ms,
			    long long forget_after_ms)
{
	char a[300];

	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		bool followed = false;
		if (!(n->flags & (CN_FAIL | CN_NOADDR)) || (n->flags & CN_MYSELF) || n->nslots)
			continue;
		if (!heal_forgettable(t, n, now_ms, forget_after_ms))
			continue;
		/* A live replica still following it keeps it: forgetting its own
		 * master is refused, and that replica is re-attached first. */
		for (size_t j = 0; j < t->n && !followed; j++)
			followed = !cnode_failed(&t->nodes[j]) && strcmp(t->nodes[j].master_id, n->id) == 0;
		if (followed)
			continue;
		return heal_step_set(s, HEAL_FORGET, (int)i, -1, "forget %s %.8s: %s and serves no slot",
				     heal_addr(n, a, sizeof(a)), n->id,
				     n->flags & CN_FAIL ? "failed" : "has no address");
	}
	return -1;
}

static long long heal_lag(const struct cnode *m, const struct cnode *c)
{
	if (!m->probe.probed || !c->probe.probed)
		return 0;
	long long lag = m->probe.repl_offset - c->probe.repl_offset;
	return lag > 0 ? lag : 0;
}

/* A replica that can be promoted now: alive and, when probed, linked. */
static bool heal_promotable(const struct cnode *c)
{
	return !cnode_failed(c) && (!c->probe.probed || (c->probe.reachable && c->probe.link_up));
}

static int heal_plan_takeover(const struct ctable *t, struct heal_step *s, char *blocked, size_t blen)
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
					 "working replica is left to take them over", heal_addr(mn, a, sizeof(a)),
					 cnode_slot_count(mn));
			continue;
		}
		return heal_step_set(s, HEAL_TAKEOVER, best, (int)m, "promote %s: its master %s is failed "
				     "and still holds %d slots (FORCE: the master cannot take part)",
				     heal_addr(&t->nodes[best], a, sizeof(a)), heal_addr(mn, b, sizeof(b)),
				     cnode_slot_count(mn));
	}
	return -1;
}

struct heal_candidate {
	int node, master, dom_masters;
	long long lag;
};

static bool heal_candidate_better(const struct ctable *t, const struct heal_candidate *x,
				  const struct heal_candidate *y)
{
	if (x->dom_masters != y->dom_masters)
		return x->dom_masters < y->dom_masters;
	if (x->lag != y->lag)
		return x->lag < y->lag;
	return cnode_addr_order(&t->nodes[x->node], &t->nodes[y->node]) < 0;
}

/* The best replica of master m to take its slots to a domain below its
 * share, if better than *best. */
static void heal_consider_replicas(const struct ctable *t, const struct health_report *r, size_t m,
				   struct heal_candidate *best)
{
	const struct cnode *mn = &t->nodes[m];

	for (size_t j = 0; j < t->n; j++) {
		const struct cnode *c = &t->nodes[j];
		if (!(c->flags & CN_SLAVE) || strcmp(c->master_id, mn->id) != 0 || !heal_promotable(c))
			continue;
		int dm = heal_domain_masters(t, c->domain);
		if (dm >= r->fair_share)
			continue;
		struct heal_candidate k = { (int)j, (int)m, dm, heal_lag(mn, c) };
		if (best->node < 0 || heal_candidate_better(t, &k, best))
			*best = k;
	}
}

static int heal_plan_balance(const struct ctable *t, const struct health_report *r, struct heal_step *s)
{
	struct heal_candidate best = { -1, -1, 0, 0 };
	const struct domain_stat *over = NULL;
	char a[300], b[300];

	for (size_t d = 0; d < r->ndomains; d++) {
		if (!r->domains[d].over_share)
			continue;
		over = over ? over : &r->domains[d];
		for (size_t m = 0; m < t->n; m++) {
			const struct cnode *mn = &t->nodes[m];
			if (cnode_serves(mn) && !cnode_failed(mn) && strcmp(mn->domain, r->domains[d].name) == 0)
				heal_consider_replicas(t, r, m, &best);
		}
	}
	if (!over)
		return -1;
	if (best.node < 0) {
		s->balanced = false;
		return heal_step_set(s, HEAL_NONE, -1, -1, "failure domain %s holds %d masters (fair "
				     "share %d) but no working replica of them sits in a domain below its share",
				     over->name, over->masters, r->fair_share);
	}
	const struct cnode *c = &t->nodes[best.node], *mn = &t->nodes[best.master];
	return heal_step_set(s, HEAL_FAILOVER, best.node, best.master, "failover to %s (%s, %d "
			     "master(s)) from %s: failure domain %s holds %d masters, fair share %d; lag %lld",
			     heal_addr(c, a, sizeof(a)), c->domain, best.dom_masters,
			     heal_addr(mn, b, sizeof(b)), mn->domain, heal_domain_masters(t, mn->domain),
			     r->fair_share, best.lag);
}

int heal_plan_next(const struct ctable *t, struct heal_step *s)
{
	return heal_plan_next_at(t, s, 0, 0);
}

int heal_plan_next_at(const struct ctable *t, struct heal_step *s, long long now_ms,
		      long long forget_after_ms)
{
	struct health_report r;
	char blocked[600] = "";

	*s = (struct heal_step){ HEAL_NONE, -1, -1, true, "" };
	if (heal_plan_replicate(t, s, blocked, sizeof(blocked)) == 0 ||
	    heal_plan_forget(t, s, now_ms, forget_after_ms) == 0 ||
	    heal_plan_takeover(t, s, blocked, sizeof(blocked)) == 0)
		return 0;
	if (health_check(t, &r) < 0)
		return -1;
	if (heal_plan_balance(t, &r, s) < 0) {
		if (*blocked)
			heal_step_set(s, HEAL_NONE, -1, -1, "%s", blocked);
		else
			heal_step_set(s, HEAL_NONE, -1, -1, "balanced: at most %d master(s) per failure "
				      "domain", r.fair_share);
	}
	health_report_free(&r);
	return 0;
}
