/* pool.c - see pool.h. */
#include "pool.h"
#include "mono.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* After a failed open, others fail fast for this long instead of each
 * waiting for its own connect timeout. */
#define RETRY_MS 250

struct slot {
	struct cluster *c;
	int busy;
	struct cluster_stats seen; /* c's counters already added to the pool's */
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct cluster_opts *o;
	struct slot *v;
	size_t n;
	long long failed_at; /* ms, monotonic; 0: no recent failure */
	char why[256];
	struct cluster_stats total; /* every connection's, up to its last return */
	unsigned long waits;
};

struct pool *pool_new(const struct cluster_opts *o, size_t size)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (!p || !(p->v = calloc(size, sizeof(*p->v)))) {
		free(p);
		return NULL;
	}
	p->n = size;
	p->o = o;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	return p;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].c)
			cluster_close(p->v[i].c);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->v);
	free(p);
}

static struct slot *take(struct pool *p)
{
	for (int waited = 0;; waited = 1) {
		struct slot *idle = NULL;
		for (size_t i = 0; i < p->n; i++) {
			if (p->v[i].busy)
				continue;
			if (p->v[i].c)
				return &p->v[i];
			if (!idle)
				idle = &p->v[i];
		}
		if (idle)
			return idle;
		if (!waited)
			p->waits++;
		pthread_cond_wait(&p->cv, &p->mu);
	}
}

struct cluster *pool_get(struct pool *p, char *err, size_t errlen)
{
	struct slot *s;
	struct cluster *c;

	pthread_mutex_lock(&p->mu);
	s = take(p);
	if (s->c) {
		s->busy = 1;
		pthread_mutex_unlock(&p->mu);
		return s->c;
	}
	if (p->failed_at && mono_ms() - p->failed_at < RETRY_MS) {
		snprintf(err, errlen, "%s", p->why);
		pthread_mutex_unlock(&p->mu);
		return NULL;
	}
	s->busy = 1;
	pthread_mutex_unlock(&p->mu);

	c = cluster_open(p->o, err, errlen);

	pthread_mutex_lock(&p->mu);
	s->c = c;
	if (!c) {
		s->busy = 0;
		p->failed_at = mono_ms();
		snprintf(p->why, sizeof(p->why), "%s", err);
		pthread_cond_signal(&p->cv);
	} else {
		p->failed_at = 0;
	}
	pthread_mutex_unlock(&p->mu);
	return c;
}

/* The counters grow while the borrower uses c; they are read here, by
 * the borrower, so that a scrape never reads a connection in use. */
static void add_stats(struct pool *p, struct slot *s)
{
	struct cluster_stats now;

	cluster_get_stats(s->c, &now);
	p->total.moved += now.moved - s->seen.moved;
	p->total.ask += now.ask - s->seen.ask;
	p->total.tryagain += now.tryagain - s->seen.tryagain;
	p->total.refreshes += now.refreshes - s->seen.refreshes;
	p->total.connects += now.connects - s->seen.connects;
	p->total.node_failures += now.node_failures - s->seen.node_failures;
	p->total.fast_failures += now.fast_failures - s->seen.fast_failures;
	p->total.redirects_refused += now.redirects_refused - s->seen.redirects_refused;
	s->seen = now;
}

void pool_put(struct pool *p, struct cluster *c)
{
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].c == c && p->v[i].busy) {
			add_stats(p, &p->v[i]);
			p->v[i].busy = 0;
			break;
		}
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void pool_usage(struct pool *p, struct pool_usage *out)
{
	pthread_mutex_lock(&p->mu);
	out->size = p->n;
	out->busy = 0;
	for (size_t i = 0; i < p->n; i++)
		out->busy += p->v[i].busy != 0;
	out->waits = p->waits;
	out->stats = p->total;
	pthread_mutex_unlock(&p->mu);
}
