/* record.h - users and stories as plain structs, and the pure mapping of
 * their Redis hash fields (u:{U}, news:{N}; see db.h) onto them. */
#ifndef NEWSD_RECORD_H
#define NEWSD_RECORD_H

#include <stddef.h>

/* A user: the fields of u:{id}. The strings are owned and NULL when the
 * hash has no such field: an account without an auth token or apisecret
 * must not match an empty one. */
struct user {
	long id, ctime, karma, iter, karma_incr_time, replies, pwd_reset;
	int admin;   /* flags has 'a', or the name is one of the configured admins */
	char *username, *salt, *password, *auth, *apisecret, *about, *email, *flags;
};

/* Take one field of the hash into u; unknown fields are ignored. -1 when
 * memory ran out. */
int record_user_field(struct user *u, const char *name, const char *value);
/* Whether u administers the site: the 'a' flag (newsd --grant-admin sets
 * it), or its name among the n names of admins (case-insensitive). */
int record_user_is_admin(const struct user *u, char *const *admins, size_t n);
void user_free(struct user *u);

/* A story as pages and the API show it. */
struct news {
	long id, user_id, ctime, up, down, comments;
	double score, rank;
	int del;
	const char *title, *url, *username;
	const char *voted;  /* "up", "down" or NULL: the request's user's vote */
};

/* A story with no fields yet: "" title and url, "deleted_user". */
void record_news_init(struct news *n);
/* Take one field of news:{N} into n; the strings are borrowed from the
 * caller until record_news_copy gives them a home. */
void record_news_field(struct news *n, const char *name, const char *value);

/* The bytes record_news_copy needs for the strings of v[0..n). */
size_t record_news_strings_size(const struct news *v, size_t n);
/* Copy v[0..n) to dst (which may be v itself) with the strings in
 * `strings`, which holds record_news_strings_size(v, n) bytes. */
void record_news_copy(struct news *dst, const struct news *v, size_t n, char *strings);

#endif
