/* thread.c - comment trees (see thread.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "thread.h"

/* Numbers were written by different versions over time: an integer, a
 * real or a string all read as the same id or time. */
static long thread_json_long(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (json_is_real(v))
		return (long)json_real_value(v);
	if (json_is_string(v))
		return strtol(json_string_value(v), NULL, 10);
	return 0;
}

static size_t thread_list_size(json_t *arr)
{
	return json_is_array(arr) ? json_array_size(arr) : 0;
}

/* Append the numeric entries of arr to v; anything else in the list
 * counts as a vote but matches no user. */
static size_t thread_copy_voters(long *v, json_t *arr)
{
	size_t i, n = 0;
	json_t *x;

	if (!json_is_array(arr))
		return 0;
	json_array_foreach(arr, i, x) {
		if (json_is_integer(x))
			v[n++] = (long)json_integer_value(x);
		else if (json_is_real(x))
			v[n++] = (long)json_real_value(x);
	}
	return n;
}

static char *thread_json_strdup(json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return strdup(s ? s : dflt);
}

static void thread_comment_free(struct comment *c)
{
	free(c->body);
	free(c->username);
	free(c->voters);
	c->body = c->username = NULL;
	c->voters = NULL;
}

int thread_parse_comment(struct comment *c, long news_id, const char *id, const char *json)
{
	json_t *o = json_loads(json, 0, NULL), *up, *down;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	up = json_object_get(o, "up");
	down = json_object_get(o, "down");
	c->id = strtol(id, NULL, 10);
	c->news_id = news_id;
	c->parent_id = thread_json_long(o, "parent_id");
	c->user_id = thread_json_long(o, "user_id");
	c->ctime = thread_json_long(o, "ctime");
	c->del = thread_json_long(o, "del") != 0;
	c->up = (long)thread_list_size(up);
	c->down = (long)thread_list_size(down);
	c->body = thread_json_strdup(o, "body", "");
	c->username = thread_json_strdup(o, "username", "deleted_user");
	c->voters = malloc((thread_list_size(up) + thread_list_size(down) + 1) * sizeof(*c->voters));
	if (c->voters) {
		c->nvoters_up = thread_copy_voters(c->voters, up);
		c->nvoters_down = thread_copy_voters(c->voters + c->nvoters_up, down);
	}
	json_decref(o);
	if (!c->body || !c->username || !c->voters) {
		thread_comment_free(c);
		return -1;
	}
	return 0;
}

/* Siblings: better score first, then older first. */
static int thread_by_score(const void *a, const void *b)
{
	const struct comment *x = *(struct comment *const *)a, *y = *(struct comment *const *)b;
	long sx = x->up - x->down, sy = y->up - y->down;

	if (sx != sy)
		return sx < sy ? 1 : -1;
	if (x->ctime != y->ctime)
		return x->ctime < y->ctime ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

struct comment *thread_find(const struct thread *t, long id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].id == id)
			return &t->v[i];
	return NULL;
}

int thread_link(struct thread *t)
{
	struct comment **s = calloc(t->n + 1, sizeof(*s)), *top_tail = NULL;

	if (!s)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		s[i] = &t->v[i];
	qsort(s, t->n, sizeof(*s), thread_by_score);
	/* Appending in sorted order keeps every sibling list sorted. */
	for (size_t i = 0; i < t->n; i++) {
		struct comment *c = s[i], *p = c->parent_id >= 0 ? thread_find(t, c->parent_id) : NULL;
		struct comment **link = p ? &p->replies : (top_tail ? &top_tail->next : &t->top);

		if (p) {
			while (*link)
				link = &(*link)->next;
		} else {
			top_tail = c;
		}
		*link = c;
	}
	free(s);
	thread_set_levels(t->top, 0);
	return 0;
}

void thread_set_levels(struct comment *c, int level)
{
	for (; c; c = c->next) {
		c->level = level;
		thread_set_levels(c->replies, level + 1);
	}
}

static int thread_has_voter(const long *v, size_t n, long uid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == uid)
			return 1;
	return 0;
}

const char *thread_comment_vote(const struct comment *c, long uid)
{
	if (!c->voters)
		return NULL;
	if (thread_has_voter(c->voters, c->nvoters_up, uid))
		return "up";
	if (thread_has_voter(c->voters + c->nvoters_up, c->nvoters_down, uid))
		return "down";
	return NULL;
}

void thread_clear(struct thread *t)
{
	for (size_t i = 0; i < t->n; i++)
		thread_comment_free(&t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}
