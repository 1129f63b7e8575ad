/* newscache.c - see newscache.h. */
#include "newscache.h"
#include "mono.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 64
#define KEY_MAX 64

struct newscache_snap {
	atomic_int refs;
	char key[KEY_MAX];
	long long at_ms;
	void *obj;
	void (*destroy)(void *);
};

struct newscache {
	pthread_mutex_t mu;
	long ttl_ms;
	struct newscache_snap *slot[SLOTS];
};

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
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		s->destroy(s->obj);
		free(s);
	}
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

void newscache_free(struct newscache *c)
{
	if (!c)
		return;
	newscache_clear(c);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

struct newscache_snap *newscache_get(struct newscache *c, const char *key, void **obj)
{
	struct newscache_snap *s = NULL;
	long long now = mono_ms();

	if (!c || c->ttl_ms <= 0)
		return NULL;
	pthread_mutex_lock(&c->mu);
	for (int i = 0; i < SLOTS; i++)
		if (c->slot[i] && strcmp(c->slot[i]->key, key) == 0 && now - c->slot[i]->at_ms < c->ttl_ms) {
			s = c->slot[i];
			atomic_fetch_add(&s->refs, 1);
			*obj = s->obj;
			break;
		}
	pthread_mutex_unlock(&c->mu);
	return s;
}

void newscache_put(struct newscache *c, const char *key, void *obj, void (*destroy)(void *))
{
	struct newscache_snap *s;
	int victim = 0;

	if (!c || c->ttl_ms <= 0 || strlen(key) >= KEY_MAX || !(s = malloc(sizeof(*s)))) {
		destroy(obj);
		return;
	}
	atomic_init(&s->refs, 1);
	strcpy(s->key, key);
	s->at_ms = mono_ms();
	s->obj = obj;
	s->destroy = destroy;
	pthread_mutex_lock(&c->mu);
	/* The same key, else an empty slot, else the oldest entry. */
	for (int i = 0; i < SLOTS; i++) {
		if (c->slot[i] && strcmp(c->slot[i]->key, key) == 0) {
			victim = i;
			break;
		}
		if (c->slot[victim] && (!c->slot[i] || c->slot[i]->at_ms < c->slot[victim]->at_ms))
			victim = i;
	}
	struct newscache_snap *old = c->slot[victim];
	c->slot[victim] = s;
	pthread_mutex_unlock(&c->mu);
	newscache_release(old);
}
