/* metrics.c - see metrics.h. */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

const uint64_t metrics_bucket_us[METRICS_NBUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

/* The codes newsd answers with (pages.c, api.c, newsd.c), and a few a
 * future route may; anything else is "other", so a bug cannot grow the
 * label set. */
static const int statuses[] = { 200, 301, 302, 303, 304, 400, 401, 403, 404, 405,
				413, 414, 415, 429, 500, 502, 503, 504 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
static const char *const status_labels[NSTATUS] = { "200", "301", "302", "303", "304", "400", "401", "403", "404",
						     "405", "413", "414", "415", "429", "500", "502", "503", "504" };

static const char *const method_labels[METRICS__METHODS] = { "GET", "HEAD", "POST", METRICS_OTHER };

struct route_stats {
	atomic_ulong requests[METRICS__METHODS][NSTATUS + 1]; /* the last: "other" */
	atomic_ulong buckets[METRICS_NBUCKETS + 1];           /* not cumulative; the last: +Inf */
	atomic_ullong sum_us;
};

struct metrics {
	const char *const *patterns;
	size_t n;                  /* routes; stats[n] is for the unmatched */
	struct route_stats *stats;
	atomic_ulong events[METRICS__EVENTS];
};

typedef unsigned long long ull;

struct metrics *metrics_new(const char *const *patterns, size_t n)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m || !(m->stats = calloc(n + 1, sizeof(*m->stats)))) {
		free(m);
		return NULL;
	}
	m->patterns = patterns;
	m->n = n;
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->stats);
	free(m);
}

/* ---- labels ------------------------------------------------------------ */

static size_t route_slot(const struct metrics *m, int route)
{
	return route >= 0 && (size_t)route < m->n ? (size_t)route : m->n;
}

const char *metrics_route_label(const struct metrics *m, int route)
{
	size_t s = route_slot(m, route);

	return s < m->n ? m->patterns[s] : METRICS_UNMATCHED;
}

enum metrics_method metrics_method(const char *method)
{
	for (int i = 0; i < METRICS_METHOD_OTHER; i++)
		if (method && strcmp(method, method_labels[i]) == 0)
			return (enum metrics_method)i;
	return METRICS_METHOD_OTHER;
}

const char *metrics_method_label(enum metrics_method me)
{
	return (unsigned)me < METRICS__METHODS ? method_labels[me] : METRICS_OTHER;
}

static size_t status_slot(int status)
{
	for (size_t i = 0; i < NSTATUS; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS;
}

const char *metrics_status_label(int status)
{
	size_t s = status_slot(status);

	return s < NSTATUS ? status_labels[s] : METRICS_OTHER;
}

size_t metrics_bucket(uint64_t us)
{
	size_t i = 0;

	while (i < METRICS_NBUCKETS && us > metrics_bucket_us[i])
		i++;
	return i;
}

/* ---- counting ---------------------------------------------------------- */

void metrics_observe(struct metrics *m, int route, const char *method, int status, uint64_t us)
{
	if (!m)
		return;
	struct route_stats *st = &m->stats[route_slot(m, route)];
	atomic_fetch_add_explicit(&st->requests[metrics_method(method)][status_slot(status)], 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&st->buckets[metrics_bucket(us)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->sum_us, us, memory_order_relaxed);
}

void metrics_count(struct metrics *m, enum metrics_event e)
{
	if (m && (unsigned)e < METRICS__EVENTS)
		atomic_fetch_add_explicit(&m->events[e], 1, memory_order_relaxed);
}

/* ---- the exposition ---------------------------------------------------- */

static void head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name="value", backslash, quote and newline escaped. */
static void label(struct buf *b, const char *name, const char *v)
{
	buf_printf(b, "%s=\"", name);
	for (; *v; v++)
		if (*v == '\\' || *v == '"')
			buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *v);
	buf_putc(b, '"');
}

static void render_requests(const struct metrics *m, struct buf *b)
{
	head(b, "newsd_http_requests_total", "counter", "Requests answered, by route pattern, method and status.");
	for (size_t r = 0; r <= m->n; r++)
		for (int me = 0; me < METRICS__METHODS; me++)
			for (size_t s = 0; s <= NSTATUS; s++) {
				ull v = atomic_load_explicit(&m->stats[r].requests[me][s], memory_order_relaxed);
				if (!v)
					continue;
				buf_puts(b, "newsd_http_requests_total{");
				label(b, "route", metrics_route_label(m, (int)r));
				buf_putc(b, ',');
				label(b, "method", method_labels[me]);
				buf_putc(b, ',');
				label(b, "code", s < NSTATUS ? status_labels[s] : METRICS_OTHER);
				buf_printf(b, "} %llu\n", v);
			}
}

/* The buckets are read once and summed here, so that +Inf and _count
 * agree even when a request ends during the scrape. */
static void render_latency(const struct metrics *m, struct buf *b)
{
	static const char *const name = "newsd_http_request_duration_seconds";

	head(b, name, "histogram", "Time from a request's headers to its answer, by route pattern.");
	for (size_t r = 0; r <= m->n; r++) {
		const struct route_stats *st = &m->stats[r];
		ull cum = 0, n[METRICS_NBUCKETS + 1];
		for (size_t i = 0; i <= METRICS_NBUCKETS; i++)
			cum += n[i] = atomic_load_explicit(&st->buckets[i], memory_order_relaxed);
		if (!cum)
			continue;
		const char *route = metrics_route_label(m, (int)r);
		cum = 0;
		for (size_t i = 0; i <= METRICS_NBUCKETS; i++) {
			cum += n[i];
			buf_printf(b, "%s_bucket{", name);
			label(b, "route", route);
			if (i < METRICS_NBUCKETS)
				buf_printf(b, ",le=\"%g\"} %llu\n", (double)metrics_bucket_us[i] / 1e6, cum);
			else
				buf_printf(b, ",le=\"+Inf\"} %llu\n", cum);
		}
		buf_printf(b, "%s_sum{", name);
		label(b, "route", route);
		buf_printf(b, "} %.6f\n%s_count{", (double)atomic_load_explicit(&st->sum_us, memory_order_relaxed) / 1e6,
			   name);
		label(b, "route", route);
		buf_printf(b, "} %llu\n", cum);
	}
}

/* The figures kept elsewhere: one sample each, no labels. */
static const struct {
	const char *name, *type, *help;
	size_t off;
} figures[] = {
#define FIG(name, type, field, help) { name, type, help, offsetof(struct metrics_figures, field) }
	FIG("newsd_cluster_failures_total", "counter", cluster_failures,
	    "Requests the cluster failed (no node reachable, an error or a timeout)."),
	FIG("newsd_unavailable_total", "counter", unavailable, "Requests answered 503 because of the cluster."),
	FIG("newsd_unconfirmed_writes_total", "counter", unconfirmed_writes,
	    "Durable writes made but not confirmed by a replica in time."),
	FIG("newsd_cluster_node_failures_total", "counter", node_failures,
	    "Connect, I/O and timeout failures on cluster nodes."),
	FIG("newsd_cluster_fast_failures_total", "counter", fast_failures,
	    "Cluster commands failed at once because their node was backed off after a failure."),
	FIG("newsd_cluster_redirects_refused_total", "counter", redirects_refused,
	    "MOVED or ASK redirects to a node outside the slot map, refused."),
	FIG("newsd_cluster_slot_map_loads_total", "counter", slot_map_loads, "Cluster slot maps loaded."),
	FIG("newsd_cluster_connects_total", "counter", connects, "Connections to cluster nodes opened."),
	FIG("newsd_workers", "gauge", workers, "Threads serving requests."),
	FIG("newsd_requests_in_flight", "gauge", in_flight, "Requests being served."),
	FIG("newsd_pool_connections", "gauge", pool_size, "Cluster connection slots, one per worker."),
	FIG("newsd_pool_connections_busy", "gauge", pool_busy, "Cluster connection slots lent to a request."),
	FIG("newsd_pool_waits_total", "counter", pool_waits, "Requests that waited for a free connection slot."),
#undef FIG
};

static void render_figures(const struct metrics_figures *f, struct buf *b)
{
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		head(b, figures[i].name, figures[i].type, figures[i].help);
		buf_printf(b, "%s %lu\n", figures[i].name,
			   *(const unsigned long *)((const char *)f + figures[i].off));
	}
	head(b, "newsd_cluster_redirects_total", "counter",
	     "Redirects and retries followed, by kind (MOVED, ASK, TRYAGAIN).");
	buf_printf(b, "newsd_cluster_redirects_total{kind=\"moved\"} %lu\n", f->moved);
	buf_printf(b, "newsd_cluster_redirects_total{kind=\"ask\"} %lu\n", f->ask);
	buf_printf(b, "newsd_cluster_redirects_total{kind=\"tryagain\"} %lu\n", f->tryagain);
}

static const struct {
	enum metrics_event e;
	const char *label;
} mail_results[] = {
	{ METRICS_MAIL_SENT, "sent" },
	{ METRICS_MAIL_FAILED, "failed" },
	{ METRICS_MAIL_DROPPED, "dropped" },
	{ METRICS_MAIL_REJECTED, "rejected" },
};

void metrics_render(const struct metrics *m, const struct metrics_figures *f, struct buf *b)
{
	render_requests(m, b);
	render_latency(m, b);
	render_figures(f, b);
	head(b, "newsd_mails_queued_total", "counter", "Password reset mails queued for the relay.");
	buf_printf(b, "newsd_mails_queued_total %lu\n",
		   atomic_load_explicit(&m->events[METRICS_MAIL_QUEUED], memory_order_relaxed));
	head(b, "newsd_mails_total", "counter",
	     "Password reset mails by outcome: sent, failed at the relay, dropped at shutdown, "
	     "rejected (the queue was full).");
	for (size_t i = 0; i < sizeof(mail_results) / sizeof(mail_results[0]); i++)
		buf_printf(b, "newsd_mails_total{result=\"%s\"} %lu\n", mail_results[i].label,
			   atomic_load_explicit(&m->events[mail_results[i].e], memory_order_relaxed));
}
