/* health.c - the health check. Pure: see health.h. */
#include "health.h"

#include <stdlib.h>
#include <string.h>

#include "node_addr.h"
#include "slot_count.h"

static bool cnode_counts(const struct cnode *n)
{
	return !(n->flags & CN_HANDSHAKE);
}

static bool cnode_is_replica(const struct cnode *n)
{
	return (n->flags & CN_SLAVE) && *n->master_id;
}

/* Which master claims each slot; the holes become missing ranges. */
static int health_check_slots(const struct ctable *t, struct health_report *r)
{
	int *owner = malloc(sizeof(int) * SLOT_COUNT);
	if (!owner)
		return -1;
	for (int s = 0; s < SLOT_COUNT; s++)
		owner[s] = -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *n = &t->nodes[i];
		if (!(n->flags & CN_MASTER) || !cnode_counts(n))
			continue;
		for (size_t k = 0; k < n->nslots; k++)
			for (int s = n->slots[k].first; s <= n->slots[k].last; s++)
				owner[s] = (int)i;
	}
	r->missing = malloc(sizeof(*r->missing) * (SLOT_COUNT / 2 + 1));
	if (!r->missing) {
		free(owner);
		return -1;
	}
	for (int s = 0; s < SLOT_COUNT; s++) {
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

static int domain_index(struct health_report *r, const char *name)
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
static void health_check_domains(const struct ctable *t, struct health_report *r)
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
static void health_check_affinity(const struct ctable *t, struct health_report *r)
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
static void health_check_probes(const struct ctable *t, struct health_report *r)
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

int health_check(const struct ctable *t, struct health_report *r)
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
	    !r->disagree || !r->state_fail || !r->lag || health_check_slots(t, r) < 0) {
		health_report_free(r);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		if (t->nodes[i].nopen)
			r->open[r->nopen++] = (int)i;
		if (cnode_failed(&t->nodes[i]))
			r->failed[r->nfailed++] = (int)i;
	}
	health_check_domains(t, r);
	health_check_affinity(t, r);
	health_check_probes(t, r);
	r->healthy = r->nmissing == 0 && r->served == SLOT_COUNT && r->nopen == 0 &&
		     r->nfailed == 0 && r->nviolations == 0 && r->over_share == 0 &&
		     r->nlink_down == 0 && r->ndisagree == 0 && r->nstate_fail == 0;
	return 0;
}

void health_report_free(struct health_report *r)
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
