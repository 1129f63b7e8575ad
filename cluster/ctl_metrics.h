/* ctl_metrics.h - what clusterctl watch and archive tell Prometheus
 * (--metrics ADDR:PORT), and the text a scrape gets.
 *
 * Pure: figures in, with the times as arguments; text out. The verb's own
 * threads set the figures and the listener's thread (lib/metrics_http.c)
 * renders them, so one mutex keeps a scrape from seeing half an update.
 * Every label value comes from a fixed set, except the failure domains,
 * which are the cluster's own: at most CTL_METRICS_MAX_DOMAINS of them. */
#ifndef CLUSTER_CTL_METRICS_H
#define CLUSTER_CTL_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "heal_plan.h"
#include "health.h"

#define CTL_METRICS_MAX_DOMAINS 64

enum ctl_metrics_verb { CTL_METRICS_WATCH, CTL_METRICS_ARCHIVE };

/* A check's verdict: clusterctl check's exit status 0, 1 and 2. */
enum ctl_verdict { CTL_HEALTHY, CTL_DEGRADED, CTL_UNREACHABLE, CTL__VERDICTS };

/* The gaps of backups' report: writes lost to a full resync, writes that
 * arrived late (their second not known). */
enum ctl_gap { CTL_GAP_RESYNC, CTL_GAP_BLIND, CTL__GAPS };

struct ctl_metrics;

/* NULL when out of memory. version: the build_info label. */
struct ctl_metrics *ctl_metrics_new(enum ctl_metrics_verb verb, const char *version);
void ctl_metrics_free(struct ctl_metrics *m);

/* The exposition (text format 0.0.4), malloc'd, its length in *len; NULL
 * when out of memory. m is a struct ctl_metrics: this is the listener's
 * render callback (metrics_http_render_fn). */
char *ctl_metrics_render(void *m, size_t *len);

/* --- watch. Every setter takes m NULL (no --metrics) and does nothing. --- */

void ctl_metrics_watch_interval(struct ctl_metrics *m, int seconds);
/* One check, finished at now (unix seconds): its report, or NULL when the
 * cluster could not be read (unreachable; the other figures stay as the
 * last check that read it left them). */
void ctl_metrics_watch_checked(struct ctl_metrics *m, const struct health_report *k, double now);
/* A heal step is taken. */
void ctl_metrics_watch_step(struct ctl_metrics *m, enum heal_kind kind);
/* A heal under the lease ended, healthy or not. */
void ctl_metrics_watch_healed(struct ctl_metrics *m, bool healthy);
void ctl_metrics_watch_lease(struct ctl_metrics *m, bool held);
/* The reason label of a step: "replicate", "forget", "takeover",
 * "failover"; NULL for HEAL_NONE. */
const char *ctl_metrics_step_label(enum heal_kind kind);

/* --- archive --- */

/* One replication link as the archive's main thread sees it. */
struct ctl_link_view {
	bool streaming;           /* caught up and following its master */
	double covered;           /* every write before this moment is kept (0: none yet) */
	double since;             /* the link was made: its lag for want of covered */
	long long archived;       /* replication offset of its last checkpoint */
	double archived_at;       /* ... made at (0: none) */
	long long master_offset;  /* its master's own offset, last asked */
	double master_seen;       /* ... at (0: never) */
	double last_write;        /* the newest write it kept arrived at (0: none) */
};

struct ctl_archive_figures {
	double lag_seconds;       /* now minus the oldest moment a link not caught up is complete to */
	long long lag_bytes;      /* sum of the masters' offsets minus the archived ones */
	int links_up, links_down;
	int masters;              /* masters serving slots, in the last read of the cluster */
	double last_write;
};

/* The figures from the links that follow masters (not the ones retiring
 * or taking a fresh base copy alongside), at now. A streaming link lags in
 * bytes only when its checkpoint is newer than the master's offset: an
 * older checkpoint misses writes made since, which is no lag. */
void ctl_archive_figures(const struct ctl_link_view *v, size_t n, int masters, double now,
			 struct ctl_archive_figures *f);

void ctl_metrics_archive_set(struct ctl_metrics *m, const struct ctl_archive_figures *f);
/* A cluster read that failed, or a replication session that failed or
 * ended without being asked to. */
void ctl_metrics_archive_error(struct ctl_metrics *m);
void ctl_metrics_archive_gap(struct ctl_metrics *m, enum ctl_gap kind);

#endif
