/* pool.h - cluster connections for the worker threads: one per request
 * in flight, opened lazily and reopened when the cluster comes back. */
#ifndef NEWSD_POOL_H
#define NEWSD_POOL_H

#include <stddef.h>

#include "client.h"

struct pool;

struct pool *pool_new(const struct cluster_opts *o, size_t size);
void pool_free(struct pool *p);
/* A connection for this request (waits while all are busy), or NULL with
 * err when the cluster cannot be reached. */
struct cluster *pool_get(struct pool *p, char *err, size_t errlen);
void pool_put(struct pool *p, struct cluster *c);

/* For the metrics: slots, those lent out, how many requests had to wait
 * for one, and the connections' counters as of their last return. */
struct pool_usage {
	size_t size, busy;
	unsigned long waits;
	struct cluster_stats stats;
};
void pool_usage(struct pool *p, struct pool_usage *out);

#endif
