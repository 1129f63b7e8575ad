/* report.c - clusterctl check's output. See report.h. */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_addr.h"
#include "slot_count.h"

/* --- text ------------------------------------------------------------------ */

static void text_node(const struct ctable *t, const struct health_report *r, size_t i)
{
	const struct cnode *c = &t->nodes[i];
	char a[300], m[300], flags[100];
	int mi = *c->master_id ? ctable_find(t, c->master_id) : -1;

	cnode_flags_format(c->flags, flags, sizeof(flags));
	printf("    %s %-24s %.8s", c->flags & CN_SLAVE ? "S" : "M", cnode_name(c, a, sizeof(a)), c->id);
	if (c->flags & CN_SLAVE) {
		printf("  replica of %s", mi >= 0 ? cnode_name(&t->nodes[mi], m, sizeof(m)) : c->master_id);
		if (c->probe.probed && c->probe.reachable)
			printf(", link %s", c->probe.link_up ? "up" : "down");
		if (r->lag[i] >= 0)
			printf(", lag %lld", r->lag[i]);
	} else if (c->nslots) {
		printf("  slots");
		for (size_t s = 0; s < c->nslots && s < 8; s++)
			printf(s ? ",%d-%d" : " %d-%d", c->slots[s].first, c->slots[s].last);
		printf("%s (%d)", c->nslots > 8 ? ",..." : "", cnode_slot_count(c));
	} else {
		printf("  no slots");
	}
	if (cnode_failed(c))
		printf("  FAILED (%s%s%s)", flags, c->probe.error[0] ? "; " : "", c->probe.error);
	printf("\n");
}

static int text_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int text_problem(const char *fmt, ...)
{
	va_list ap;
	printf("[FAIL] ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 1;
}

/* Slots without a master, on failed masters, or half moved. */
static int text_slot_problems(const struct ctable *t, const struct health_report *r)
{
	char a[300];
	int problems = 0;

	if (r->nmissing)
		problems += text_problem("%d of %d slots have no master, first %d-%d",
					 SLOT_COUNT - r->assigned, SLOT_COUNT, r->missing[0].first,
					 r->missing[0].last);
	if (r->assigned != r->served)
		problems += text_problem("%d slots belong to failed masters", r->assigned - r->served);
	for (size_t i = 0; i < r->nopen; i++) {
		const struct cnode *c = &t->nodes[r->open[i]];
		problems += text_problem("%s has open slots: %d %s", cnode_name(c, a, sizeof(a)),
					 c->open[0].slot, c->open[0].importing ? "importing" : "migrating");
	}
	return problems;
}

/* Failed nodes, and replicas or masters that break anti-affinity. */
static int text_node_problems(const struct ctable *t, const struct health_report *r)
{
	char a[300], b[300];
	int problems = 0;

	for (size_t i = 0; i < r->nfailed; i++)
		problems += text_problem("%s (%s) is failed or unreachable",
					 cnode_name(&t->nodes[r->failed[i]], a, sizeof(a)),
					 t->nodes[r->failed[i]].domain);
	for (size_t i = 0; i < r->nviolations; i++) {
		const struct violation *v = &r->violations[i];
		const struct cnode *c = &t->nodes[v->node];
		if (v->kind == VIOL_REPLICA_IN_MASTER_DOMAIN)
			problems += text_problem("replica %s shares failure domain %s with its master %s",
						 cnode_name(c, a, sizeof(a)), c->domain,
						 cnode_name(&t->nodes[v->master], b, sizeof(b)));
		else
			problems += text_problem("master %s (%s) has no working replica in another "
						 "failure domain", cnode_name(c, a, sizeof(a)), c->domain);
	}
	for (size_t d = 0; d < r->ndomains; d++)
		if (r->domains[d].over_share)
			problems += text_problem("failure domain %s holds %d masters; its fair share is %d",
						 r->domains[d].name, r->domains[d].masters, r->fair_share);
	return problems;
}

/* One problem line per node of idx: before, the node, after. */
static int text_node_list(const struct ctable *t, const int *idx, size_t n, const char *before,
			  const char *after)
{
	char a[300];

	for (size_t i = 0; i < n; i++)
		text_problem("%s%s%s", before, cnode_name(&t->nodes[idx[i]], a, sizeof(a)), after);
	return (int)n;
}

static void text_verdict(const struct ctable *t, const struct health_report *r)
{
	int problems = text_slot_problems(t, r);

	problems += text_node_problems(t, r);
	problems += text_node_list(t, r->link_down, r->nlink_down, "replica ",
				   ": replication link down");
	problems += text_node_list(t, r->disagree, r->ndisagree, "",
				   " sees a different configuration than the seed");
	problems += text_node_list(t, r->state_fail, r->nstate_fail, "", " reports cluster_state:fail");
	if (problems)
		printf("degraded: %d problem(s)\n", problems);
	else
		printf("[OK] all %d slots served, no open slots, all nodes up and in agreement\n"
		       "[OK] every replica outside its master's failure domain; at most %d master(s) "
		       "per domain\nhealthy\n", SLOT_COUNT, r->fair_share);
}

static int cnode_addr_cmp(const void *x, const void *y, void *arg)
{
	const struct ctable *t = arg;
	const struct cnode *a = &t->nodes[*(const size_t *)x], *b = &t->nodes[*(const size_t *)y];
	int c = host_compare(a->host, b->host);
	return c ? c : a->port - b->port;
}

void report_print_text(const struct ctable *t, const struct health_report *r, const char *seed)
{
	printf("Cluster seen from %s: %zu nodes, %d working masters, %zu failure domains\n",
	       seed, t->n, r->masters, r->ndomains);
	size_t *order = malloc(sizeof(size_t) * (t->n + 1));

	if (!order)
		return;
	for (size_t i = 0; i < t->n; i++)
		order[i] = i;
	qsort_r(order, t->n, sizeof(size_t), cnode_addr_cmp, (void *)t);
	for (size_t d = 0; d < r->ndomains; d++) {
		const struct domain_stat *ds = &r->domains[d];
		printf("  %s: %d master(s), %d replica(s), %d failed\n", ds->name, ds->masters,
		       ds->replicas, ds->failed);
		for (size_t j = 0; j < t->n; j++) {
			const struct cnode *c = &t->nodes[order[j]];
			if (strcmp(c->domain, ds->name) == 0 && !(c->flags & CN_HANDSHAKE))
				text_node(t, r, order[j]);
		}
	}
	free(order);
	text_verdict(t, r);
}

/* --- JSON ------------------------------------------------------------------ */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_addr(const struct cnode *c)
{
	char a[300];
	json_string(cnode_name(c, a, sizeof(a)));
}

static void json_addr_list(const char *key, const struct ctable *t, const int *idx, size_t n)
{
	printf(",\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", stdout);
		json_addr(&t->nodes[idx[i]]);
	}
	printf("]");
}

static void json_node(const struct ctable *t, const struct health_report *r, size_t i)
{
	const struct cnode *c = &t->nodes[i];
	char flags[100];
	int mi = *c->master_id ? ctable_find(t, c->master_id) : -1;

	cnode_flags_format(c->flags, flags, sizeof(flags));
	printf("%s{\"id\":\"%s\",\"addr\":", i ? "," : "", c->id);
	json_addr(c);
	printf(",\"domain\":");
	json_string(c->domain);
	printf(",\"role\":\"%s\",\"flags\":", c->flags & CN_SLAVE ? "replica" : "master");
	json_string(flags);
	printf(",\"master\":");
	if (mi >= 0)
		json_addr(&t->nodes[mi]);
	else
		printf("null");
	printf(",\"slots\":[");
	for (size_t s = 0; s < c->nslots; s++)
		printf("%s[%d,%d]", s ? "," : "", c->slots[s].first, c->slots[s].last);
	printf("],\"slot_count\":%d,\"open_slots\":[", cnode_slot_count(c));
	for (size_t s = 0; s < c->nopen; s++)
		printf("%s{\"slot\":%d,\"state\":\"%s\",\"peer\":\"%s\"}", s ? "," : "", c->open[s].slot,
		       c->open[s].importing ? "importing" : "migrating", c->open[s].peer);
	printf("],\"failed\":%s,\"reachable\":%s,\"error\":", cnode_failed(c) ? "true" : "false",
	       c->probe.reachable ? "true" : "false");
	json_string(c->probe.error);
	if ((c->flags & CN_SLAVE) && c->probe.reachable)
		printf(",\"link\":\"%s\"", c->probe.link_up ? "up" : "down");
	else
		printf(",\"link\":null");
	if (r->lag[i] >= 0)
		printf(",\"lag\":%lld}", r->lag[i]);
	else
		printf(",\"lag\":null}");
}

static void json_violations(const struct ctable *t, const struct health_report *r)
{
	printf(",\"violations\":[");
	for (size_t i = 0; i < r->nviolations; i++) {
		const struct violation *v = &r->violations[i];
		printf("%s{\"type\":\"%s\",\"node\":", i ? "," : "",
		       v->kind == VIOL_REPLICA_IN_MASTER_DOMAIN ? "replica_in_master_domain"
								 : "master_without_remote_replica");
		json_addr(&t->nodes[v->node]);
		printf(",\"master\":");
		if (v->master >= 0)
			json_addr(&t->nodes[v->master]);
		else
			printf("null");
		printf(",\"domain\":");
		json_string(t->nodes[v->node].domain);
		printf("}");
	}
	printf("]");
}

static void json_domains(const struct health_report *r)
{
	printf(",\"masters\":%d,\"fair_share\":%d,\"domains\":[", r->masters, r->fair_share);
	for (size_t d = 0; d < r->ndomains; d++) {
		const struct domain_stat *ds = &r->domains[d];
		printf("%s{\"name\":", d ? "," : "");
		json_string(ds->name);
		printf(",\"nodes\":%d,\"failed\":%d,\"masters\":%d,\"replicas\":%d,\"over_share\":%s}",
		       ds->nodes, ds->failed, ds->masters, ds->replicas, ds->over_share ? "true" : "false");
	}
	printf("],\"over_share\":[");
	for (size_t d = 0, n = 0; d < r->ndomains; d++)
		if (r->domains[d].over_share) {
			fputs(n++ ? "," : "", stdout);
			json_string(r->domains[d].name);
		}
	printf("]");
}

void report_print_json(const struct ctable *t, const struct health_report *r, const char *seed)
{
	printf("{\"seed\":");
	json_string(seed);
	printf(",\"status\":\"%s\",\"nodes\":[", r->healthy ? "healthy" : "degraded");
	for (size_t i = 0; i < t->n; i++)
		json_node(t, r, i);
	printf("],\"slots\":{\"assigned\":%d,\"served\":%d,\"missing\":[", r->assigned, r->served);
	for (size_t i = 0; i < r->nmissing; i++)
		printf("%s[%d,%d]", i ? "," : "", r->missing[i].first, r->missing[i].last);
	printf("]}");
	json_addr_list("open_slots", t, r->open, r->nopen);
	json_addr_list("failed", t, r->failed, r->nfailed);
	json_violations(t, r);
	json_domains(r);
	json_addr_list("link_down", t, r->link_down, r->nlink_down);
	json_addr_list("disagree", t, r->disagree, r->ndisagree);
	json_addr_list("state_fail", t, r->state_fail, r->nstate_fail);
	printf("}\n");
}
