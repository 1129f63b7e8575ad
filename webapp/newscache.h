/* newscache.h - recent story lists shared by the worker threads.
 *
 * The top and latest pages are the same for everybody but the arrows of
 * the user's own votes; rebuilding them from the cluster on every view is
 * most of a page's cost. A list is kept for ttl_ms (votes and new stories
 * show up within that), the user's votes are always read fresh. */
#ifndef NEWSD_NEWSCACHE_H
#define NEWSD_NEWSCACHE_H

#include "site.h"

struct newscache *newscache_new(long ttl_ms);
void newscache_free(struct newscache *c);
/* 1 and *out filled with a copy that shares the cached strings (release it
 * with newslist_free), or 0 when there is no fresh entry for key. */
int newscache_get(struct newscache *c, const char *key, struct newslist *out);
/* Keep a copy of l (without the user's votes) under key. */
void newscache_put(struct newscache *c, const char *key, const struct newslist *l);
/* Forget every list: this front-end changed a story, and its own users
 * see the change at once (the others within ttl_ms). */
void newscache_clear(struct newscache *c);
void newscache_release(struct newscache_snap *s);

#endif
