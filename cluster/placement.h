/* placement.h - where a new Redis Cluster's masters, replicas and slots go.
 *
 * Pure: it takes a node list and returns each node's role; nothing here
 * opens a socket, so the unit tests drive every rule with plain arrays.
 * clusterctl create does the talking (create.c).
 *
 * A failure domain is what a master and its replicas must not share: the
 * operator's LABEL for a node, or its IP address when there is none. */
#ifndef CLUSTER_PLACEMENT_H
#define CLUSTER_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>

#define PLACEMENT_MAX_NODES 1000
#define PLACEMENT_MIN_MASTERS 3

struct placement_node {
	const char *host;
	int port;
	const char *domain;        /* failure domain: label, else IP */
};

struct placement_role {
	int master;                /* -1: a master; else the index of its master */
	int rank;                  /* masters: 0.. in slot order; replicas: -1 */
	int slot_first, slot_last; /* masters only; -1 for replicas */
	bool colocated;            /* a replica in its master's domain (allowed only on request) */
};

/* Decide the role of each of the n nodes (roles has n entries, indexed like
 * nodes). Masters go one per failure domain in turn, fullest domains first;
 * the 16384 slots are split into contiguous ranges whose sizes differ by at
 * most one; each master gets `replicas` replicas, each outside its domain and
 * in a domain of their own, and the replicas left over are spread one per
 * master. The result depends only on the set of nodes, not their order.
 * Returns 0, or -1 with the reason in err when the input is unusable or the
 * anti-affinity rules cannot be met (unless allow_colocated). */
int placement_plan(const struct placement_node *nodes, size_t n, int replicas,
		   bool allow_colocated, struct placement_role *roles, char *err, size_t errlen);

#endif
