/* heal_plan.h - the next step towards a healthy cluster, decided from one
 * table. clusterctl add, heal and watch (repair.c) re-read the cluster
 * after every change and ask these functions what to do next, so each
 * decision is made on what the cluster says now and one move happens at a
 * time.
 *
 * Pure: a table (ctable.h) with domains and probes set, as for
 * health_check, in; a step out. Running it is repair.c's job. */
#ifndef CLUSTER_HEAL_PLAN_H
#define CLUSTER_HEAL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "ctable.h"

/* The master a replica in `domain` should follow: a working master with
 * slots outside that domain (never inside it); among those the fewest
 * working replicas (extra[i], when extra is not NULL, adds replicas planned
 * for master i but not made yet; node `self`, when >= 0, is not counted),
 * then the one whose domain holds the most masters (its new replica can
 * take a master over later), then address order. Index, or -1 if none. */
int heal_plan_pick_master(const struct ctable *t, const char *domain, const int *extra, int self);

/* Masters for n new nodes (domains[i] is node i's failure domain), chosen
 * one after the other with heal_plan_pick_master so that they spread: out[i]
 * is a table index, or -1 when no master outside its domain exists.
 * Returns the number of nodes without a master, or -1 when out of memory. */
int heal_plan_add(const struct ctable *t, const char *const *domains, size_t n, int *out);

enum heal_kind {
	HEAL_NONE,          /* nothing to do, or nothing that can be done: see reason */
	HEAL_REPLICATE,     /* node: CLUSTER REPLICATE <target> (orphaned or misplaced replica) */
	HEAL_FORGET,        /* node: CLUSTER FORGET it on every live node */
	HEAL_TAKEOVER,      /* node: CLUSTER FAILOVER FORCE, its master target is dead */
	HEAL_FAILOVER,      /* node: CLUSTER FAILOVER, moving target's slots to its domain */
};

struct heal_step {
	enum heal_kind kind;
	int node, target;     /* table indexes; -1 when unused */
	bool balanced;        /* HEAL_NONE: no domain holds more than its share */
	char reason[600];     /* one line: why this step, or why none */
};

/* The next step, in this order: re-attach live replicas whose master is
 * gone, failed without slots, not a master, or in their own domain; forget
 * failed nodes that serve no slot (never one that does); promote a replica
 * of a failed master that still holds slots (FORCE: its master cannot take
 * part); then, while a domain holds more masters than its fair share, fail
 * over to a caught-up replica of one of its masters that sits in a domain
 * below its share (fewest masters first, then least lag). Returns 0, or -1
 * when out of memory. */
int heal_plan_next(const struct ctable *t, struct heal_step *s);

/* The same, for watch: a failed node is forgotten only once it has been
 * silent (no PONG to the reporting node) for forget_after_ms at now_ms
 * (unix ms), or when another node answers at its address or it is marked
 * noaddr (its host was rebuilt). A host that reboots comes back as the same nodes, which
 * rejoin by themselves; forgotten, they would be strangers to the
 * cluster. forget_after_ms 0: at once, as heal_plan_next. */
int heal_plan_next_at(const struct ctable *t, struct heal_step *s, long long now_ms,
		      long long forget_after_ms);

#endif
