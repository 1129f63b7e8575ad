/* health.h - whether a running cluster is healthy: every slot served, no
 * open slots, every node up and in agreement, replicas outside their
 * masters' failure domains, no domain above its share of masters.
 *
 * Pure: it judges a table (ctable.h) whose domains and probes the caller
 * filled in; clusterctl check prints the verdict (report.c), heal and watch
 * act on it (heal_plan.c, repair.c). */
#ifndef CLUSTER_HEALTH_H
#define CLUSTER_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "ctable.h"

enum violation_kind {
	VIOL_REPLICA_IN_MASTER_DOMAIN, /* node is a replica in its master's domain */
	VIOL_NO_REMOTE_REPLICA,        /* node is a master with no working replica elsewhere */
};

struct violation {
	enum violation_kind kind;
	int node;
	int master;                    /* VIOL_REPLICA_IN_MASTER_DOMAIN only, else -1 */
};

struct domain_stat {
	const char *name;              /* points into the table */
	int nodes, failed, masters, replicas;
	bool over_share;               /* more masters than the fair share */
};

struct health_report {
	int assigned;                  /* slots some master claims */
	int served;                    /* ...and that master is not failed */
	struct slot_range *missing;    /* slots no master claims */
	size_t nmissing;
	int *open;                     /* nodes with migrating/importing slots */
	size_t nopen;
	int *failed;                   /* failed or unreachable nodes */
	size_t nfailed;
	struct violation *violations;
	size_t nviolations;
	struct domain_stat *domains;   /* sorted by name */
	size_t ndomains;
	int masters;                   /* working masters with slots */
	int fair_share;                /* ceil(masters / domains) */
	int over_share;                /* domains above the fair share */
	int *link_down;                /* reachable replicas whose link is down */
	size_t nlink_down;
	int *disagree;                 /* reachable nodes whose configuration differs */
	size_t ndisagree;
	int *state_fail;               /* reachable nodes reporting cluster_state:fail */
	size_t nstate_fail;
	long long *lag;                /* per node: master offset - replica offset, -1 unknown */
	bool healthy;
};

/* Judge a cluster from the seed's table (domains and probes filled in).
 * Returns 0, or -1 when out of memory. */
int health_check(const struct ctable *t, struct health_report *r);
void health_report_free(struct health_report *r);

#endif
