/* metrics_listen.c - the metrics listener (metrics_listen in newsd.conf):
 * GET /metrics answered with metrics_render() over the site's figures. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostport.h"
#include "log.h"
#include "pool.h"
#include "site.h"

static void metrics_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("metrics: libmicrohttpd: %s", msg);
}

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
		.workers = (unsigned long)s->cfg.workers,
		.in_flight = atomic_load(&s->in_flight),
		.pool_size = u.size,
		.pool_busy = u.busy,
		.pool_waits = u.waits,
	};
}

static enum MHD_Result on_metrics(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct site *s = cls;
	struct buf b = BUF_INIT;
	unsigned code = MHD_HTTP_OK;
	const char *type = "text/plain; version=0.0.4; charset=utf-8";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		buf_puts(&b, "only GET\n");
		type = "text/plain; charset=utf-8";
	} else if (strcmp(url, "/metrics") == 0) {
		struct metrics_figures f;
		metrics_figures_read(s, &f);
		metrics_render(s->metrics, &f, &b);
	} else {
		code = MHD_HTTP_NOT_FOUND;
		buf_puts(&b, "newsd: the metrics are at /metrics\n");
		type = "text/plain; charset=utf-8";
	}
	size_t len = b.len;
	char *body = buf_steal(&b);
	if (!body || !(resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE))) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
	ret = MHD_queue_response(con, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Its own daemon with one thread: a scrape never waits for a worker, and
 * a flood of page requests cannot keep the metrics from being read.
 * metrics_listen was checked as IPv4 ADDRESS:PORT by the configuration. */
struct MHD_Daemon *metrics_listen_start(struct site *s)
{
	const char *l = s->cfg.metrics_listen;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct hostport hp;
	struct MHD_Daemon *d;

	if (hostport_parse(l, strlen(l), 0, &hp) != HOSTPORT_OK || inet_pton(AF_INET, hp.host, &sa.sin_addr) != 1) {
		log_err("metrics_listen %s: not an IPv4 ADDRESS:PORT", l);
		return NULL;
	}
	sa.sin_port = htons((unsigned short)hp.port);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, on_metrics, s,
			     MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_CONNECTION_LIMIT, 16u,
			     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_EXTERNAL_LOGGER, metrics_mhd_log, NULL,
			     MHD_OPTION_END);
	if (!d)
		log_err("metrics_listen: cannot listen on %s (in use, or not an address of this host?)", l);
	return d;
}
