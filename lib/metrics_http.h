/* metrics_http.h - GET /metrics over HTTP, for the programs that serve
 * Prometheus metrics from a thread of their own: newsd (metrics_listen)
 * and clusterctl watch and archive (--metrics). vipd serves its metrics
 * inside its own event loop instead (vrrpd/metrics.c).
 *
 * libmicrohttpd runs one thread with its own poll loop: the program's work
 * never waits for a scrape, and a scrape never waits for the work. The
 * program renders the text when a scrape comes, on that thread, so the
 * render reads what it shows under the program's own lock or from atomics. */
#ifndef LIB_METRICS_HTTP_H
#define LIB_METRICS_HTTP_H

#include <netinet/in.h>
#include <stddef.h>

/* The Content-Type of the Prometheus text format. */
#define METRICS_HTTP_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The exposition, malloc'd (the server frees it), its length in *len;
 * NULL when out of memory, and the scrape gets a 500. */
typedef char *metrics_http_render_fn(void *ctx, size_t *len);

/* text as an IPv4 ADDRESS:PORT (Prometheus scrapes over TCP; the address
 * is a literal, so nothing is looked up). 0, or -1 with err saying what is
 * wrong with it. */
int metrics_http_addr(const char *text, struct sockaddr_in *sa, char *err, size_t errlen);

struct metrics_http;

/* Listen on `listen` (as metrics_http_addr takes it) and answer GET and
 * HEAD /metrics with render(ctx); who names the program in the answer to
 * any other path. NULL with err ("127.0.0.1:9652: Address already in
 * use") when it cannot listen. */
struct metrics_http *metrics_http_start(const char *listen, const char *who, metrics_http_render_fn *render,
					void *ctx, char *err, size_t errlen);

/* Stop serving (a scrape in progress is finished first) and close. */
void metrics_http_stop(struct metrics_http *h);

#endif
