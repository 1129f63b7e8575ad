/* test_web_loginlimit.c - the failed-login limiter: when an attempt is
 * refused and for how long, per address and per name, what a failure and
 * a success change, a counter that lost its expiry, the counters' keys
 * and the user name as the log lines quote it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "loginlimit.h"

static const struct login_limits lim = { .per_ip = 30, .per_user = 5, .window = 900 };
static const struct login_tally none = { 0, -2 };

static struct login_verdict check(const struct login_limits *l, long ip_fails, long ip_ttl, long user_fails,
				  long user_ttl)
{
	struct login_tally ip = { ip_fails, ip_ttl }, user = { user_fails, user_ttl };
	struct login_verdict v;

	memset(&v, 0x55, sizeof(v));
	login_limit_check(l, &ip, &user, &v);
	return v;
}

static void test_fresh_attempts_pass(void **state)
{
	struct login_verdict v;
	(void)state;
	login_limit_check(&lim, &none, &none, &v);
	assert_int_equal(v.wait, 0);
	assert_false(v.repair_ip);
	assert_false(v.repair_user);
	/* Up to one below the limit, the attempt goes ahead. */
	v = check(&lim, 29, 100, 4, 100);
	assert_int_equal(v.wait, 0);
}

static void test_per_user(void **state)
{
	struct login_verdict v;
	(void)state;
	/* The fifth failure of a name stops the sixth attempt, whatever the
	 * address: the address's own count is low. */
	v = check(&lim, 1, 880, 5, 640);
	assert_int_equal(v.wait, 640);
	assert_int_equal(v.by, LOGIN_BY_USER);
	v = check(&lim, 0, -2, 7, 12);
	assert_int_equal(v.wait, 12);
	assert_int_equal(v.by, LOGIN_BY_USER);
}

static void test_per_ip(void **state)
{
	struct login_verdict v;
	(void)state;
	/* Many names from one address: the name is fresh, the address not. */
	v = check(&lim, 30, 300, 0, -2);
	assert_int_equal(v.wait, 300);
	assert_int_equal(v.by, LOGIN_BY_IP);
	/* Both over: the longer wait is the answer. */
	v = check(&lim, 31, 100, 6, 700);
	assert_int_equal(v.wait, 700);
	assert_int_equal(v.by, LOGIN_BY_USER);
	v = check(&lim, 31, 800, 6, 700);
	assert_int_equal(v.wait, 800);
	assert_int_equal(v.by, LOGIN_BY_IP);
}

static void test_window_edges(void **state)
{
	struct login_verdict v;
	(void)state;
	/* The counter expired between GET and TTL: nothing refuses. */
	v = check(&lim, 0, -2, 9, -2);
	assert_int_equal(v.wait, 0);
	/* The last second of a window still refuses, for a second. */
	v = check(&lim, 0, -2, 5, 0);
	assert_int_equal(v.wait, 1);
	/* A counter set by a front-end with a longer window waits no longer
	 * than this one's. */
	v = check(&lim, 0, -2, 5, 86400);
	assert_int_equal(v.wait, 900);
}

static void test_lost_expiry_is_repaired(void **state)
{
	struct login_verdict v;
	(void)state;
	/* A counter without expiry would refuse forever: it gets the window
	 * again and the wait is that window, not "forever". */
	v = check(&lim, 0, -2, 5, -1);
	assert_int_equal(v.wait, 900);
	assert_true(v.repair_user);
	assert_false(v.repair_ip);
	v = check(&lim, 40, -1, 0, -2);
	assert_int_equal(v.wait, 900);
	assert_true(v.repair_ip);
	assert_false(v.repair_user);
	/* Under its limit a counter needs no repair: the next failure's
	 * increment gives it its expiry. */
	v = check(&lim, 2, -1, 1, -1);
	assert_int_equal(v.wait, 0);
	assert_false(v.repair_ip);
	assert_false(v.repair_user);
}

static void test_limits_off(void **state)
{
	struct login_limits off = { .per_ip = 0, .per_user = 0, .window = 900 };
	struct login_limits only_user = { .per_ip = 0, .per_user = 3, .window = 60 };
	struct login_verdict v;
	(void)state;
	v = check(&off, 1000, 500, 1000, 500);
	assert_int_equal(v.wait, 0);
	v = check(&only_user, 1000, 500, 2, 50);
	assert_int_equal(v.wait, 0);
	v = check(&only_user, 1000, 500, 3, 50);
	assert_int_equal(v.wait, 50);
	assert_int_equal(v.by, LOGIN_BY_USER);
}

static void test_after(void **state)
{
	struct login_limits only_ip = { .per_ip = 10, .per_user = 0, .window = 60 };
	struct login_update u;
	(void)state;
	/* A failure counts for both; a success forgets the name's failures
	 * but never the address's. */
	login_limit_after(&lim, 0, &u);
	assert_true(u.incr_ip);
	assert_true(u.incr_user);
	assert_false(u.reset_user);
	login_limit_after(&lim, 1, &u);
	assert_false(u.incr_ip);
	assert_false(u.incr_user);
	assert_true(u.reset_user);
	/* A limit that is off keeps no counter. */
	login_limit_after(&only_ip, 0, &u);
	assert_true(u.incr_ip);
	assert_false(u.incr_user);
	login_limit_after(&only_ip, 1, &u);
	assert_false(u.reset_user);
}

/* Five failures, then the right password is refused; after the window
 * it is taken, and the count starts again. */
static void test_sequence(void **state)
{
	struct login_limits l = { .per_ip = 100, .per_user = 5, .window = 60 };
	struct login_tally ip = { 0, -2 }, user = { 0, -2 };
	struct login_verdict v;
	struct login_update u;
	long t = 0, started = 0;
	(void)state;
	for (int i = 0; i < 5; i++, t += 2) {
		login_limit_check(&l, &ip, &user, &v);
		assert_int_equal(v.wait, 0);
		login_limit_after(&l, 0, &u);
		if (u.incr_user && user.fails++ == 0)
			started = t;
		user.ttl = l.window - (t - started);
		ip.fails += u.incr_ip;
	}
	login_limit_check(&l, &ip, &user, &v);
	assert_int_equal(v.wait, 60 - 8);
	assert_int_equal(v.by, LOGIN_BY_USER);
	/* The window passes: the counter is gone. */
	user = none;
	login_limit_check(&l, &ip, &user, &v);
	assert_int_equal(v.wait, 0);
	login_limit_after(&l, 1, &u);
	assert_true(u.reset_user);
	assert_int_equal(ip.fails, 5);
}

static void test_keys(void **state)
{
	char k[300], small[16], longname[400];
	(void)state;
	assert_int_equal(login_limit_key(k, sizeof(k), LOGIN_BY_USER, "AlIcE"), 0);
	assert_string_equal(k, "login:user:{alice}");
	assert_int_equal(login_limit_key(k, sizeof(k), LOGIN_BY_IP, "10.82.1.7"), 0);
	assert_string_equal(k, "login:ip:{10.82.1.7}");
	assert_int_equal(login_limit_key(k, sizeof(k), LOGIN_BY_IP, "fd00::AB"), 0);
	assert_string_equal(k, "login:ip:{fd00::AB}");
	/* Names are cut to 256 bytes: the key stays bounded. */
	memset(longname, 'B', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(login_limit_key(k, sizeof(k), LOGIN_BY_USER, longname), 0);
	assert_int_equal(strlen(k), strlen("login:user:{}") + 256);
	assert_int_equal(k[12], 'b');
	assert_int_equal(login_limit_key(small, sizeof(small), LOGIN_BY_USER, "abcdefgh"), -1);
}

static void test_log_name(void **state)
{
	char out[300], tiny[8], longname[100];
	(void)state;
	login_log_name(out, sizeof(out), "alice_B-1");
	assert_string_equal(out, "alice_B-1");
	/* A name cannot close the quotes or start a new line. */
	login_log_name(out, sizeof(out), "x\" from 6.6.6.6\nlogin failed");
	assert_string_equal(out, "x\\x22 from 6.6.6.6\\x0alogin failed");
	login_log_name(out, sizeof(out), "a\\b\t\xc3\xa9");
	assert_string_equal(out, "a\\x5cb\\x09\\xc3\\xa9");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	login_log_name(out, sizeof(out), longname);
	assert_int_equal(strlen(out), 64 + 3);
	assert_string_equal(out + 64, "...");
	/* A small buffer cuts, and still ends the string. */
	login_log_name(tiny, sizeof(tiny), "abcdefghij");
	assert_string_equal(tiny, "abcd...");
	login_log_name(tiny, sizeof(tiny), "\"\"\"");
	assert_string_equal(tiny, "\\x22...");
	login_log_name(out, sizeof(out), "");
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_attempts_pass),
		cmocka_unit_test(test_per_user),
		cmocka_unit_test(test_per_ip),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_lost_expiry_is_repaired),
		cmocka_unit_test(test_limits_off),
		cmocka_unit_test(test_after),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_log_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
