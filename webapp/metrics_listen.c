/* metrics_listen.c - the metrics listener (metrics_listen in newsd.conf):
 * GET /metrics answered with metrics_render() over the site's figures. */
#include <stdlib.h>

#include "log.h"
#include "metrics_http.h"
#include "pool.h"
#include "site.h"

/* The figures kept outside the metrics, read for one scrape. */
static void metrics_figures_read(struct site *s, struct metrics_figures *f)
{
	struct pool_usage u;

	pool_usage(s->pool, &u);
	*f = (struct metrics_figures){
		.cluster_failures = atomic_load(&s->cluster_failures),
		.unavailable = atomic_load(&s->unavailable),
		.unconfirmed_writes = atomic_load(&s->unconfirmed_writes),
		.moved = u.stats.moved,
		.ask = u.stats.ask,
		.tryagain = u.stats.tryagain,
		.slot_map_loads = u.stats.refreshes,
		.connects = u.stats.connects,
		.node_failures = u.stats.node_failures,
		.fast_failures = u.stats.fast_failures,
		.redirects_refused = u.stats.redirects_refused,
		.workers = (unsigned long)s->cfg.workers,
		.in_flight = atomic_load(&s->in_flight),
		.pool_size = u.size,
		.pool_busy = u.busy,
		.pool_waits = u.waits,
	};
}

/* Called by the listener's thread for each scrape. */
static char *metrics_listen_render(void *ctx, size_t *len)
{
	struct site *s = ctx;
	struct metrics_figures f;
	struct buf b = BUF_INIT;

	metrics_figures_read(s, &f);
	metrics_render(s->metrics, &f, &b);
	*len = b.len;
	return buf_steal(&b);
}

/* Its own thread: a scrape never waits for a worker, and a flood of page
 * requests cannot keep the metrics from being read. metrics_listen was
 * checked as IPv4 ADDRESS:PORT by the configuration. */
struct metrics_http *metrics_listen_start(struct site *s)
{
	char err[300];
	struct metrics_http *h =
		metrics_http_start(s->cfg.metrics_listen, "newsd", metrics_listen_render, s, err, sizeof(err));

	if (!h)
		log_err("metrics_listen: cannot listen on %s", err);
	return h;
}
