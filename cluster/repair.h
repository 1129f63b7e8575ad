/* repair.h - clusterctl add, heal and watch: the talking side of repair.
 * What to do next is decided by heal_plan_next and heal_plan_add
 * (heal_plan.c) on a freshly read table; this side reads the cluster, runs
 * one step, waits until the cluster shows it done, and logs every decision
 * with its reason, one line each. The lease of heal and watch is watch.c's.
 * The commands return clusterctl's exit status (clusterctl.h). */
#ifndef CLUSTER_REPAIR_H
#define CLUSTER_REPAIR_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "ctl_metrics.h"
#include "heal_plan.h"
#include "hostport.h"
#include "node_addr.h"

struct repair {
	const char *cmd;                 /* "add", "heal", "watch": starts every message */
	const char *password;
	const struct node_addr *labels;  /* --label HOST:PORT=LABEL, as HOST:PORT@LABEL */
	size_t nlabels;
	const struct node_addr *seeds;   /* where to read the cluster, in order */
	size_t nseeds;
	char (*known)[HOSTPORT_STRLEN];  /* members seen last time: fallback seeds */
	size_t nknown;
	int timeout_s;                   /* bound on each wait */
	bool stamp;                      /* prefix log lines with the time (watch) */
	int forget_after_s;              /* forget failed nodes silent this long (watch); 0: at once */
	/* Called before each step; false stops the heal (watch: lease lost). */
	bool (*keep_going)(struct repair *r);
	void *lease;                     /* watch's */
	volatile sig_atomic_t *stop;     /* watch: set by SIGTERM/SIGINT */
	struct ctl_metrics *metrics;     /* watch --metrics: checks and steps counted; else NULL */
};

/* Log one line on stdout ("clusterctl heal: ..."), with the time when
 * r->stamp is set. */
void repair_say(const struct repair *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Heal until nothing is left to do; EXIT_OK when the cluster is then
 * balanced and healthy, EXIT_FAILED (saying why) when not, EXIT_UNREACHABLE
 * when no seed answers. */
int repair_heal(struct repair *r);

/* Join nodes (as replicas where anti-affinity wants them, or as empty
 * masters) to the cluster r->seeds[0] belongs to. */
int repair_add(struct repair *r, const struct node_addr *nodes, size_t n, bool as_masters);

/* Read the cluster once. 0 with *healthy, the next step and a line saying
 * what is wrong (or why nothing can be done); else an admin status with
 * the reason in line. */
int repair_look(struct repair *r, bool *healthy, struct heal_step *s, char *line, size_t len);

/* Check every interval_s seconds and heal under a lease until *r->stop. */
int repair_watch(struct repair *r, int interval_s);

/* clusterctl heal: repair_heal() under the watchers' lease, so that a
 * heal and a watch never move masters at once. A lease held by a watcher
 * is waited for (up to r->timeout_s); one that cannot be written at all
 * (its slot is down, when a heal is wanted most) is done without. */
int repair_heal_leased(struct repair *r);

#endif
