/* loginlimit.h - failed logins, counted per client address and per user
 * name: the limiter's rules, the names of its counters and the user name
 * as its log lines quote it. Pure: db_login.c keeps the counters in the
 * cluster and feeds them here.
 *
 * A counter counts the failures of one address or one (lower-cased) name
 * in a fixed window that starts with its first failure and ends when the
 * counter expires. While either counter of an attempt is at its limit,
 * the attempt is refused before the password is hashed, even with the
 * right password. A successful login starts the name's count again; the
 * address's count only ends with its window, so logging in to one's own
 * account does not buy more guesses at others. */
#ifndef NEWSD_LOGINLIMIT_H
#define NEWSD_LOGINLIMIT_H

#include <stddef.h>

struct login_limits {
	long per_ip;    /* failures per client address in a window; 0: no limit */
	long per_user;  /* failures per user name in a window; 0: no limit */
	long window;    /* seconds, at least 1 */
};

/* A counter as the cluster holds it: fails from GET (0 when missing),
 * ttl from TTL (-2: no counter, -1: a counter without expiry). */
struct login_tally {
	long fails;
	long ttl;
};

enum login_scope { LOGIN_BY_IP, LOGIN_BY_USER };

struct login_verdict {
	long wait;            /* 0: go ahead; else refused, seconds until it may be tried again */
	enum login_scope by;  /* which counter refused it (the longer wait when both do) */
	int repair_ip, repair_user; /* that counter has no expiry: give it the window again */
};

/* Decide about an attempt before the password is checked. A counter
 * without expiry (a lost EXPIRE) would refuse forever: it is reported for
 * repair and counts as if its window had just begun. */
void login_limit_check(const struct login_limits *l, const struct login_tally *ip,
		       const struct login_tally *user, struct login_verdict *v);

/* What to change after a checked attempt: on a failure, count it for the
 * address and the name (each only when its limit is on); on a success,
 * forget the name's failures. */
struct login_update {
	int incr_ip, incr_user, reset_user;
};
void login_limit_after(const struct login_limits *l, int ok, struct login_update *u);

/* The counter's key: "login:ip:{ADDR}" or "login:user:{name}", the name
 * lower-cased (names are case-insensitive) and cut to 256 bytes. Each key
 * is its own hash tag. 0, or -1 when out is too small. */
int login_limit_key(char *out, size_t len, enum login_scope scope, const char *value);

/* name as log lines quote it between double quotes: printable ASCII
 * except '"' and '\' as it is, every other byte as \xNN, cut after 64
 * bytes with "..." so that a crafted name can neither break the line nor
 * pass for the rest of it. out needs 4 * 64 + 4 bytes to never cut. */
void login_log_name(char *out, size_t len, const char *name);

#endif
