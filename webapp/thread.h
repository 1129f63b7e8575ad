/* thread.h - a story's comments as a tree: each comment parsed from the
 * JSON it is stored as, siblings ordered, replies linked under their
 * parent. Pure: the data layer feeds it what the cluster returned. */
#ifndef NEWSD_THREAD_H
#define NEWSD_THREAD_H

#include <stddef.h>

struct newscache_snap;

struct comment {
	long id, news_id, parent_id, user_id, ctime;
	long up, down;           /* the lengths of the stored up and down lists */
	int del, level;
	char *body, *username;   /* owned; "" and "deleted_user" when missing */
	long *voters;            /* the up voters, then the down voters */
	size_t nvoters_up, nvoters_down;
	struct comment *replies; /* first child, in order */
	struct comment *next;    /* next sibling */
};

struct thread {
	struct comment *v;   /* all comments */
	size_t n;
	struct comment *top; /* first top-level comment */
	struct newscache_snap *snap; /* set: a shared, read-only thread */
};

/* Fill c from the JSON stored under comment id `id` of story news_id:
 * {"body","parent_id","user_id","username","ctime","up":[uid...],
 * "down":[uid...],"del"}. 0, or -1 when it is not a JSON object or memory
 * ran out (c then owns nothing). */
int thread_parse_comment(struct comment *c, long news_id, const char *id, const char *json);

/* Link t->v into a tree: better score (up - down) first, then older
 * first; a comment whose parent is gone goes to the top level. Sets the
 * levels from 0. -1 when memory ran out. */
int thread_link(struct thread *t);

/* Set the level of c, its siblings after it and all their replies, from
 * `level` down: a subthread shown on its own is indented from where it
 * starts, not from the story. */
void thread_set_levels(struct comment *c, int level);

/* The comment with this id, or NULL. */
struct comment *thread_find(const struct thread *t, long id);

/* "up", "down" or NULL: how user uid voted on c. */
const char *thread_comment_vote(const struct comment *c, long uid);

/* Free the comments t owns (not a shared snapshot: see db.h). */
void thread_clear(struct thread *t);

#endif
