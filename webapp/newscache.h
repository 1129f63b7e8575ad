/* newscache.h - short-lived objects shared by the worker threads.
 *
 * The top and latest lists and a story's comment thread are the same for
 * every user but for the arrows of the user's own votes; rebuilding them
 * from the cluster on every view is most of a page's cost. An object is
 * kept for ttl_ms (other front-ends' votes and stories show up within
 * that); this front-end's own writes clear the cache at once. Objects are
 * read-only once cached and freed when the last reader lets go. */
#ifndef NEWSD_NEWSCACHE_H
#define NEWSD_NEWSCACHE_H

struct newscache;
struct newscache_snap;

struct newscache *newscache_new(long ttl_ms);
void newscache_free(struct newscache *c);
/* The fresh entry under key with its object in *obj (a reference: give it
 * back with newscache_release), or NULL. */
struct newscache_snap *newscache_get(struct newscache *c, const char *key, void **obj);
/* Keep obj under key; destroy(obj) runs when the entry is dropped and no
 * reader holds it any more. Without a cache, obj is destroyed at once. */
void newscache_put(struct newscache *c, const char *key, void *obj, void (*destroy)(void *));
/* Forget everything: this front-end changed a story. */
void newscache_clear(struct newscache *c);
void newscache_release(struct newscache_snap *s);

#endif
