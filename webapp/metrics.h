/* metrics.h - what newsd counts for Prometheus (metrics_listen), and the
 * text it serves at GET /metrics.
 *
 * Pure: counters (C11 atomics, bumped by any worker thread) and the
 * rendering into a buffer. The listener is newsd.c's. Every label value
 * comes from a fixed set: a route's pattern ("/news/:news_id", never the
 * path asked for), one of four methods, one of a list of status codes. */
#ifndef NEWSD_METRICS_H
#define NEWSD_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Label values for what did not match a route, and for the rest. */
#define METRICS_UNMATCHED "unmatched"
#define METRICS_OTHER "other"

/* The latency histogram's upper bounds, in microseconds (le is
 * inclusive); a last, implicit bucket is +Inf. */
#define METRICS_NBUCKETS 13
extern const uint64_t metrics_bucket_us[METRICS_NBUCKETS];

enum metrics_method { METRICS_GET, METRICS_HEAD, METRICS_POST, METRICS_METHOD_OTHER, METRICS__METHODS };

/* Events counted outside the request path. */
enum metrics_event {
	METRICS_MAIL_SENT,
	METRICS_MAIL_FAILED,
	METRICS_MAIL_DROPPED,   /* still queued when newsd stopped */
	METRICS_MAIL_REJECTED,  /* not queued: the queue was full */
	METRICS_MAIL_QUEUED,
	METRICS__EVENTS
};

/* Figures kept elsewhere (the site, the pool, the cluster connections),
 * read when a scrape comes. */
struct metrics_figures {
	unsigned long cluster_failures;    /* requests the cluster failed */
	unsigned long unavailable;         /* answered 503 for it */
	unsigned long unconfirmed_writes;  /* durable writes no replica confirmed in time */
	unsigned long moved, ask, tryagain; /* redirects and retries followed */
	unsigned long slot_map_loads, connects, node_failures;
	unsigned long fast_failures;       /* commands failed at once: their node backed off */
	unsigned long redirects_refused;   /* MOVED/ASK to a node outside the slot map */
	unsigned long workers;             /* threads serving requests */
	unsigned long in_flight;           /* requests being served */
	unsigned long pool_size, pool_busy; /* cluster connections, and those lent out */
	unsigned long pool_waits;          /* requests that waited for a connection */
};

struct metrics;

/* The routes' patterns, in the order the router numbers them (route id
 * 0..n-1); the strings must outlive the metrics. NULL when out of memory. */
struct metrics *metrics_new(const char *const *patterns, size_t n);
void metrics_free(struct metrics *m);

/* The pieces a request's labels are made of. */
const char *metrics_route_label(const struct metrics *m, int route); /* -1: unmatched */
enum metrics_method metrics_method(const char *method);
const char *metrics_method_label(enum metrics_method me);
const char *metrics_status_label(int status); /* "404", or "other" */
/* The bucket a duration falls in: 0..METRICS_NBUCKETS (the last is +Inf). */
size_t metrics_bucket(uint64_t us);

/* One request answered: route id (-1 when none matched), the method as
 * asked, the status, the time from its headers to its answer. Any thread;
 * m may be NULL (metrics off). */
void metrics_observe(struct metrics *m, int route, const char *method, int status, uint64_t us);
void metrics_count(struct metrics *m, enum metrics_event e);

/* The whole exposition (text format 0.0.4). */
void metrics_render(const struct metrics *m, const struct metrics_figures *f, struct buf *b);

#endif
