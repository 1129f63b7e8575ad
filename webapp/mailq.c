/* mailq.c - see mailq.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailq.h"

struct mailq_entry {
	struct mailq_msg m;
	long long due_ms; /* not tried before this (monotonic) */
	int used;
};

struct mailq {
	struct mailq_opts o;
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* a push, or the stop */
	pthread_t thread;
	struct mailq_entry *v; /* o.capacity slots; an entry never moves */
	size_t n;              /* slots used */
	int stopping;
	long long deadline_ms; /* stopping: the end of the wait */
	size_t dropped;
};

static long long mailq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mailq_entry_clear(struct mailq *q, struct mailq_entry *e)
{
	free(e->m.what);
	free(e->m.to);
	free(e->m.subject);
	free(e->m.body);
	memset(e, 0, sizeof(*e));
	q->n--;
}

/* The queued message due first (a new one is due at once), or NULL. */
static struct mailq_entry *mailq_next(struct mailq *q)
{
	struct mailq_entry *best = NULL;

	for (size_t i = 0; i < q->o.capacity; i++)
		if (q->v[i].used && (!best || q->v[i].due_ms < best->due_ms))
			best = &q->v[i];
	return best;
}

/* Sleep on the condition until ms (monotonic) at the latest. */
static void mailq_wait_until(struct mailq *q, long long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	pthread_cond_timedwait(&q->cv, &q->mu, &ts);
}

static long mailq_backoff(const struct mailq_opts *o, int tries)
{
	long d = o->backoff_ms;

	for (int i = 1; i < tries && d < o->backoff_max_ms; i++)
		d *= 2;
	return d < o->backoff_max_ms ? d : o->backoff_max_ms;
}

static int mailq_cancelled_locked(const struct mailq *q)
{
	return q->stopping && mailq_now_ms() >= q->deadline_ms;
}

/* Report without the lock: the report logs, and may be slow. */
static void mailq_report(struct mailq *q, const struct mailq_msg *m, enum mailq_outcome o, long delay_ms,
			 const char *err)
{
	if (!q->o.report)
		return;
	pthread_mutex_unlock(&q->mu);
	q->o.report(q->o.arg, m, o, delay_ms, err);
	pthread_mutex_lock(&q->mu);
}

/* One try of e, the lock held on entry and on return. */
static void mailq_try(struct mailq *q, struct mailq_entry *e)
{
	char err[512] = "";
	int rc;

	pthread_mutex_unlock(&q->mu);
	rc = q->o.send(q->o.arg, q, &e->m, err, sizeof(err));
	pthread_mutex_lock(&q->mu);
	e->m.tries++;
	if (rc == 0) {
		mailq_report(q, &e->m, MAILQ_SENT, 0, "");
		mailq_entry_clear(q, e);
	} else if (mailq_cancelled_locked(q)) {
		/* Left queued: the thread stops now and drops it with the rest. */
	} else if (rc == MAILQ_FATAL || e->m.tries >= q->o.attempts) {
		mailq_report(q, &e->m, MAILQ_FAILED, 0, err);
		mailq_entry_clear(q, e);
	} else {
		long delay = mailq_backoff(&q->o, e->m.tries);

		e->due_ms = mailq_now_ms() + delay;
		mailq_report(q, &e->m, MAILQ_RETRYING, delay, err);
	}
}

static void *mailq_run(void *arg)
{
	struct mailq *q = arg;
	struct mailq_entry *e;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		long long now = mailq_now_ms();

		if (!(e = mailq_next(q))) {
			if (q->stopping)
				break;
			pthread_cond_wait(&q->cv, &q->mu);
			continue;
		}
		/* Stopping: no retry is waited for past the deadline. */
		if (q->stopping && (now >= q->deadline_ms || e->due_ms >= q->deadline_ms))
			break;
		if (e->due_ms > now) {
			mailq_wait_until(q, e->due_ms);
			continue;
		}
		mailq_try(q, e);
	}
	for (size_t i = 0; i < q->o.capacity; i++) {
		e = &q->v[i];
		if (!e->used)
			continue;
		q->dropped++;
		mailq_report(q, &e->m, MAILQ_DROPPED, 0, "");
		mailq_entry_clear(q, e);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct mailq *mailq_start(const struct mailq_opts *o)
{
	struct mailq *q;
	pthread_condattr_t ca;
	int rc;

	if (!o->send || o->capacity == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!(q = calloc(1, sizeof(*q))) || !(q->v = calloc(o->capacity, sizeof(*q->v)))) {
		free(q);
		errno = ENOMEM;
		return NULL;
	}
	q->o = *o;
	if (q->o.attempts < 1)
		q->o.attempts = 1;
	if (q->o.backoff_max_ms < q->o.backoff_ms)
		q->o.backoff_max_ms = q->o.backoff_ms;
	pthread_mutex_init(&q->mu, NULL);
	/* Backoffs are intervals: a clock set back must not stretch them. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&q->thread, NULL, mailq_run, q)) != 0) {
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		free(q->v);
		free(q);
		errno = rc;
		return NULL;
	}
	return q;
}

int mailq_push(struct mailq *q, const char *what, const char *to, const char *subject, const char *body)
{
	struct mailq_entry *e = NULL;
	int rc = 0;

	pthread_mutex_lock(&q->mu);
	if (q->stopping)
		rc = MAILQ_STOPPED;
	else if (q->n >= q->o.capacity)
		rc = MAILQ_FULL;
	for (size_t i = 0; rc == 0 && !e && i < q->o.capacity; i++)
		if (!q->v[i].used)
			e = &q->v[i];
	if (e) {
		e->used = 1;
		q->n++;
		e->m.what = strdup(what ? what : "mail");
		e->m.to = strdup(to);
		e->m.subject = strdup(subject);
		e->m.body = strdup(body);
		if (!e->m.what || !e->m.to || !e->m.subject || !e->m.body) {
			mailq_entry_clear(q, e);
			rc = MAILQ_NOMEM;
		} else {
			pthread_cond_signal(&q->cv);
		}
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

size_t mailq_length(struct mailq *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->n;
	pthread_mutex_unlock(&q->mu);
	return n;
}

int mailq_cancelled(struct mailq *q)
{
	int c;

	pthread_mutex_lock(&q->mu);
	c = mailq_cancelled_locked(q);
	pthread_mutex_unlock(&q->mu);
	return c;
}

size_t mailq_stop(struct mailq *q, long wait_ms)
{
	size_t dropped;

	if (!q)
		return 0;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	q->deadline_ms = mailq_now_ms() + (wait_ms > 0 ? wait_ms : 0);
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	dropped = q->dropped;
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->v);
	free(q);
	return dropped;
}

void mailq_relay_label(const char *url, char *out, size_t len)
{
	const char *host = url ? strstr(url, "://") : NULL;
	size_t scheme, auth;

	if (!len)
		return;
	if (!host) {
		snprintf(out, len, "%s", url ? url : "");
		return;
	}
	host += 3;
	scheme = (size_t)(host - url);
	/* The login is whatever ends with the authority's last '@'. */
	auth = strcspn(host, "/?#");
	for (size_t i = auth; i > 0; i--)
		if (host[i - 1] == '@') {
			host += i;
			break;
		}
	snprintf(out, len, "%.*s%s", (int)scheme, url, host);
}
