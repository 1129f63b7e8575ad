/* newscache.c - see newscache.h. */
#include "newscache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 16
#define KEY_MAX 64

/* One list: the stories and their strings in one block, shared by every
 * request that copied it until the last one lets go. */
struct newscache_snap {
	atomic_int refs;
	char key[KEY_MAX];
	long long at_ms;
	size_t n;
	long total;
	struct news v[];
};

struct newscache {
	pthread_mutex_t mu;
	long ttl_ms;
	struct newscache_snap *slot[SLOTS];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct newscache *newscache_new(long ttl_ms)
{
	struct newscache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	c->ttl_ms = ttl_ms;
	return c;
}

void newscache_release(struct newscache_snap *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		free(s);
}

void newscache_free(struct newscache *c)
{
	if (!c)
		return;
	for (int i = 0; i < SLOTS; i++)
		newscache_release(c->slot[i]);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int newscache_get(struct newscache *c, const char *key, struct newslist *out)
{
	struct newscache_snap *s = NULL;
	long long now = now_ms();

	memset(out, 0, sizeof(*out));
	if (!c || c->ttl_ms <= 0)
		return 0;
	pthread_mutex_lock(&c->mu);
	for (int i = 0; i < SLOTS; i++)
		if (c->slot[i] && strcmp(c->slot[i]->key, key) == 0 && now - c->slot[i]->at_ms < c->ttl_ms) {
			s = c->slot[i];
			atomic_fetch_add(&s->refs, 1);
			break;
		}
	pthread_mutex_unlock(&c->mu);
	if (!s)
		return 0;
	/* The array is the request's own (it sets the voted arrows); the
	 * strings stay the snapshot's. */
	if (s->n && !(out->v = malloc(s->n * sizeof(*out->v)))) {
		newscache_release(s);
		return 0;
	}
	if (s->n)
		memcpy(out->v, s->v, s->n * sizeof(*out->v));
	out->n = s->n;
	out->total = s->total;
	out->snap = s;
	return 1;
}

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *scopy(char **p, const char *s)
{
	char *d = *p;
	size_t n = slen(s);

	if (!s)
		return NULL;
	memcpy(d, s, n);
	*p += n;
	return d;
}

void newscache_put(struct newscache *c, const char *key, const struct newslist *l)
{
	size_t strings = 0;
	struct newscache_snap *s;
	char *p;

	if (!c || c->ttl_ms <= 0 || strlen(key) >= KEY_MAX)
		return;
	for (size_t i = 0; i < l->n; i++)
		strings += slen(l->v[i].title) + slen(l->v[i].url) + slen(l->v[i].username);
	if (!(s = malloc(sizeof(*s) + l->n * sizeof(s->v[0]) + strings)))
		return;
	atomic_init(&s->refs, 1);
	strcpy(s->key, key);
	s->at_ms = now_ms();
	s->n = l->n;
	s->total = l->total;
	p = (char *)&s->v[l->n];
	for (size_t i = 0; i < l->n; i++) {
		s->v[i] = l->v[i];
		s->v[i].voted = NULL;
		s->v[i].title = scopy(&p, l->v[i].title);
		s->v[i].url = scopy(&p, l->v[i].url);
		s->v[i].username = scopy(&p, l->v[i].username);
	}
	pthread_mutex_lock(&c->mu);
	int victim = 0;
	for (int i = 0; i < SLOTS; i++) {
		if (c->slot[i] && strcmp(c->slot[i]->key, key) == 0) {
			victim = i;
			break;
		}
		if (!c->slot[i] || (c->slot[victim] && c->slot[i]->at_ms < c->slot[victim]->at_ms))
			victim = i;
	}
	struct newscache_snap *old = c->slot[victim];
	c->slot[victim] = s;
	pthread_mutex_unlock(&c->mu);
	newscache_release(old);
}

void newscache_clear(struct newscache *c)
{
	struct newscache_snap *old[SLOTS];

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	memcpy(old, c->slot, sizeof(old));
	memset(c->slot, 0, sizeof(c->slot));
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < SLOTS; i++)
		newscache_release(old[i]);
}
