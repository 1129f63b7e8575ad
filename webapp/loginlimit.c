/* loginlimit.c - the failed-login limiter's rules (see loginlimit.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "loginlimit.h"

#define NAME_KEY_MAX 256
#define LOG_NAME_MAX 64

/* Seconds this counter still refuses for, 0 when it does not. */
static long login_wait_of(long limit, long window, const struct login_tally *t, int *repair)
{
	*repair = 0;
	if (limit <= 0 || !t || t->fails < limit)
		return 0;
	if (t->ttl == -1) {
		*repair = 1;
		return window;
	}
	/* -2: the counter expired between the two reads. */
	if (t->ttl < 0)
		return 0;
	if (t->ttl == 0)
		return 1;
	return t->ttl > window ? window : t->ttl;
}

void login_limit_check(const struct login_limits *l, const struct login_tally *ip,
		       const struct login_tally *user, struct login_verdict *v)
{
	long window = l->window > 0 ? l->window : 1;
	long wip = login_wait_of(l->per_ip, window, ip, &v->repair_ip);
	long wuser = login_wait_of(l->per_user, window, user, &v->repair_user);

	v->by = wuser >= wip && wuser > 0 ? LOGIN_BY_USER : LOGIN_BY_IP;
	v->wait = wuser > wip ? wuser : wip;
}

void login_limit_after(const struct login_limits *l, int ok, struct login_update *u)
{
	u->incr_ip = !ok && l->per_ip > 0;
	u->incr_user = !ok && l->per_user > 0;
	u->reset_user = ok && l->per_user > 0;
}

int login_limit_key(char *out, size_t len, enum login_scope scope, const char *value)
{
	const char *prefix = scope == LOGIN_BY_IP ? "login:ip:{" : "login:user:{";
	size_t plen = strlen(prefix), n = strlen(value), i;

	if (scope == LOGIN_BY_USER && n > NAME_KEY_MAX)
		n = NAME_KEY_MAX;
	if (len < plen + n + 2)
		return -1;
	memcpy(out, prefix, plen);
	for (i = 0; i < n; i++)
		out[plen + i] = scope == LOGIN_BY_USER ? (char)tolower((unsigned char)value[i]) : value[i];
	out[plen + n] = '}';
	out[plen + n + 1] = '\0';
	return 0;
}

void login_log_name(char *out, size_t len, const char *name)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (!len)
		return;
	for (i = 0; name[i] && i < LOG_NAME_MAX; i++) {
		unsigned char c = (unsigned char)name[i];
		int plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';

		if (o + (plain ? 1 : 4) + 4 > len)
			break;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (name[i] && o + 4 <= len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}
