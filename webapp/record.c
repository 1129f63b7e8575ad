/* record.c - hash fields to plain structs (see record.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record.h"

/* The fields of u:{U} and where they go; a field not listed is ignored. */
static const struct {
	const char *name;
	size_t off;
	int is_string;
} user_fields[] = {
	{ "id", offsetof(struct user, id), 0 },
	{ "ctime", offsetof(struct user, ctime), 0 },
	{ "karma", offsetof(struct user, karma), 0 },
	{ "iter", offsetof(struct user, iter), 0 },
	{ "karma_incr_time", offsetof(struct user, karma_incr_time), 0 },
	{ "replies", offsetof(struct user, replies), 0 },
	{ "pwd_reset", offsetof(struct user, pwd_reset), 0 },
	{ "username", offsetof(struct user, username), 1 },
	{ "salt", offsetof(struct user, salt), 1 },
	{ "password", offsetof(struct user, password), 1 },
	{ "auth", offsetof(struct user, auth), 1 },
	{ "apisecret", offsetof(struct user, apisecret), 1 },
	{ "about", offsetof(struct user, about), 1 },
	{ "email", offsetof(struct user, email), 1 },
	{ "flags", offsetof(struct user, flags), 1 },
};

int record_user_field(struct user *u, const char *name, const char *value)
{
	for (size_t i = 0; i < sizeof(user_fields) / sizeof(user_fields[0]); i++) {
		char *p = (char *)u + user_fields[i].off;

		if (strcmp(user_fields[i].name, name) != 0)
			continue;
		if (!user_fields[i].is_string) {
			*(long *)p = strtol(value, NULL, 10);
			return 0;
		}
		char *copy = strdup(value);
		if (!copy)
			return -1;
		free(*(char **)p);
		*(char **)p = copy;
		return 0;
	}
	return 0;
}

int record_user_is_admin(const struct user *u, char *const *admins, size_t n)
{
	if (u->flags && strchr(u->flags, 'a'))
		return 1;
	for (size_t i = 0; u->username && i < n; i++)
		if (admins[i] && strcasecmp(u->username, admins[i]) == 0)
			return 1;
	return 0;
}

void user_free(struct user *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < sizeof(user_fields) / sizeof(user_fields[0]); i++)
		if (user_fields[i].is_string)
			free(*(char **)((char *)u + user_fields[i].off));
	free(u);
}

void record_news_init(struct news *n)
{
	memset(n, 0, sizeof(*n));
	n->title = "";
	n->url = "";
	n->username = "deleted_user";
}

void record_news_field(struct news *n, const char *name, const char *value)
{
	static const struct {
		const char *name;
		size_t off;
	} longs[] = {
		{ "id", offsetof(struct news, id) },     { "user_id", offsetof(struct news, user_id) },
		{ "ctime", offsetof(struct news, ctime) }, { "up", offsetof(struct news, up) },
		{ "down", offsetof(struct news, down) }, { "comments", offsetof(struct news, comments) },
	};

	for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
		if (strcmp(longs[i].name, name) == 0) {
			*(long *)((char *)n + longs[i].off) = strtol(value, NULL, 10);
			return;
		}
	if (strcmp(name, "del") == 0)
		n->del = strtol(value, NULL, 10) != 0;
	else if (strcmp(name, "score") == 0)
		n->score = strtod(value, NULL);
	else if (strcmp(name, "rank") == 0)
		n->rank = strtod(value, NULL);
	else if (strcmp(name, "title") == 0)
		n->title = value;
	else if (strcmp(name, "url") == 0)
		n->url = value;
	else if (strcmp(name, "username") == 0)
		n->username = value;
}

static size_t record_slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

size_t record_news_strings_size(const struct news *v, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += record_slen(v[i].title) + record_slen(v[i].url) + record_slen(v[i].username);
	return total;
}

static const char *record_scopy(char **p, const char *s)
{
	char *d = *p;

	if (!s)
		return NULL;
	memcpy(d, s, record_slen(s));
	*p += record_slen(s);
	return d;
}

void record_news_copy(struct news *dst, const struct news *v, size_t n, char *strings)
{
	for (size_t i = 0; i < n; i++) {
		struct news tmp = v[i];

		tmp.title = record_scopy(&strings, v[i].title);
		tmp.url = record_scopy(&strings, v[i].url);
		tmp.username = record_scopy(&strings, v[i].username);
		dst[i] = tmp;
	}
}
