/* metrics.h - Prometheus text format over HTTP (metrics = "ADDR:PORT"),
 * served by libmicrohttpd inside the daemon's own event loop: a scrape
 * reads the instances between two events, never while one changes. */
#ifndef VIPD_METRICS_H
#define VIPD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "control.h"
#include "fsm.h"

struct vipd;
struct metrics;

/* Listen on addr:port (the daemon's loop watches it). NULL with err. */
struct metrics *metrics_start(struct vipd *d, const struct ipaddr *addr, uint16_t port, char *err, size_t errlen);
void metrics_stop(struct metrics *m);

/* Already listening there? */
bool metrics_is(const struct metrics *m, const struct ipaddr *addr, uint16_t port);

/* libmicrohttpd's connection timeouts. */
fsm_time metrics_deadline(const struct metrics *m);
void metrics_timer(struct metrics *m);

/* The exposition itself. */
void metrics_render(const struct vipd *d, struct sbuf *b);

#endif
