/* test_paths.c - the liveness of an instance's links (vrrpd/paths.c) on a
 * virtual clock, and the virtual router MAC and its interface name
 * (vrrpd/vrmac.c, RFC 5798 7.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "paths.h"
#include "vrmac.h"

#define SEC 1000000LL
#define T0 (1000 * SEC)
/* Master_Down_Interval of a priority-100 backup with 1 s adverts. */
#define MDI (3 * SEC + 609375)

/* Three paths: [0] the instance's own interface, [1] and [2] heartbeat
 * paths, all with a usable link at T0. */
static void three_up(struct path_live *p)
{
	struct path_change ch;

	path_init(p, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(path_link(p, 3, i, true, T0, &ch));
		assert_int_equal(ch.index, i);
		assert_true(ch.first);
		assert_int_equal(ch.to, PATH_UP);
	}
}

/* The master's adverts every second on each path in on[], from..to. */
static size_t adverts(struct path_live *p, const bool on[3], fsm_time from, fsm_time to, struct path_change *all,
		      size_t room)
{
	size_t n = 0;

	for (fsm_time t = from; t <= to; t += SEC)
		for (size_t i = 0; i < 3; i++) {
			struct path_change ch[3];
			if (!on[i])
				continue;
			size_t k = path_heard(p, 3, i, t, MDI, ch);
			for (size_t j = 0; j < k && n < room; j++)
				all[n++] = ch[j];
		}
	return n;
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(path_state_name(PATH_UP), "up");
	assert_string_equal(path_state_name(PATH_SILENT), "silent");
	assert_string_equal(path_state_name(PATH_DOWN), "down");
	assert_string_equal(path_state_name((enum path_state)7), "unknown");
}

static void test_unknown_until_link_known(void **state)
{
	struct path_live p[2];
	struct path_change ch;

	(void)state;
	path_init(p, 2);
	assert_false(p[0].known);
	/* A first verdict of down is a change too (the log says it once). */
	assert_true(path_link(p, 2, 1, false, T0, &ch));
	assert_true(ch.first);
	assert_int_equal(ch.to, PATH_DOWN);
	assert_int_equal(p[1].failures, 0);
	/* Said once only. */
	assert_false(path_link(p, 2, 1, false, T0 + SEC, &ch));
	/* Out of range: nothing. */
	assert_false(path_link(p, 2, 2, true, T0, &ch));
}

static void test_all_heard_all_up(void **state)
{
	struct path_live p[3];
	struct path_change all[16];
	const bool on[3] = { true, true, true };

	(void)state;
	three_up(p);
	assert_int_equal(adverts(p, on, T0 + SEC, T0 + 30 * SEC, all, 16), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(p[i].state, PATH_UP);
		assert_int_equal(p[i].adverts, 30);
		assert_int_equal(p[i].failures, 0);
	}
}

/* The main link loses the master, a path still hears it: the main link is
 * silent after Master_Down_Interval, not before, and counted once. */
static void test_one_path_goes_silent(void **state)
{
	struct path_live p[3];
	struct path_change all[16];
	const bool both[3] = { true, true, true }, paths_only[3] = { false, true, true };

	(void)state;
	three_up(p);
	adverts(p, both, T0 + SEC, T0 + 5 * SEC, all, 16);
	/* Last heard on [0] at T0 + 5 s. At 8 s, 3 s later: not yet. */
	assert_int_equal(adverts(p, paths_only, T0 + 6 * SEC, T0 + 8 * SEC, all, 16), 0);
	assert_int_equal(p[0].state, PATH_UP);
	/* At 9 s, 4 s > 3.61 s: silent. */
	size_t n = adverts(p, paths_only, T0 + 9 * SEC, T0 + 20 * SEC, all, 16);
	assert_int_equal(n, 1);
	assert_int_equal(all[0].index, 0);
	assert_int_equal(all[0].from, PATH_UP);
	assert_int_equal(all[0].to, PATH_SILENT);
	assert_false(all[0].first);
	assert_int_equal(p[0].state, PATH_SILENT);
	assert_int_equal(p[0].failures, 1);
	assert_int_equal(p[1].state, PATH_UP);
	assert_int_equal(p[2].state, PATH_UP);
	assert_int_equal(p[0].adverts, 5);
	assert_int_equal(p[1].adverts, 20);
}

/* Nobody heard at all: the master is gone, not a path. Nothing changes
 * (the state machine's down timer does the rest). */
static void test_total_silence_is_not_a_path_failure(void **state)
{
	struct path_live p[3];
	struct path_change all[16];
	const bool both[3] = { true, true, true }, none[3] = { false, false, false };

	(void)state;
	three_up(p);
	adverts(p, both, T0 + SEC, T0 + 3 * SEC, all, 16);
	assert_int_equal(adverts(p, none, T0 + 4 * SEC, T0 + 60 * SEC, all, 16), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(p[i].state, PATH_UP);
		assert_int_equal(p[i].failures, 0);
	}
}

static void test_silent_path_comes_back(void **state)
{
	struct path_live p[3];
	struct path_change all[16];
	const bool both[3] = { true, true, true }, no_path1[3] = { true, false, true };

	(void)state;
	three_up(p);
	adverts(p, no_path1, T0 + SEC, T0 + 10 * SEC, all, 16);
	assert_int_equal(p[1].state, PATH_SILENT);
	size_t n = adverts(p, both, T0 + 11 * SEC, T0 + 11 * SEC, all, 16);
	assert_int_equal(n, 1);
	assert_int_equal(all[0].index, 1);
	assert_int_equal(all[0].from, PATH_SILENT);
	assert_int_equal(all[0].to, PATH_UP);
	assert_int_equal(p[1].state, PATH_UP);
	/* A failure each time it goes. */
	adverts(p, no_path1, T0 + 12 * SEC, T0 + 30 * SEC, all, 16);
	assert_int_equal(p[1].state, PATH_SILENT);
	assert_int_equal(p[1].failures, 2);
}

/* A link that goes down is down at once, counted once even if it was
 * silent first; back up, it gets a fresh Master_Down_Interval. */
static void test_link_down_and_back(void **state)
{
	struct path_live p[3];
	struct path_change ch, all[16];
	const bool no_path2[3] = { true, true, false }, both[3] = { true, true, true };

	(void)state;
	three_up(p);
	assert_true(path_link(p, 3, 2, false, T0 + SEC, &ch));
	assert_int_equal(ch.from, PATH_UP);
	assert_int_equal(ch.to, PATH_DOWN);
	assert_int_equal(p[2].failures, 1);
	/* Adverts elsewhere do not make a down path silent. */
	assert_int_equal(adverts(p, no_path2, T0 + 2 * SEC, T0 + 20 * SEC, all, 16), 0);
	assert_int_equal(p[2].state, PATH_DOWN);
	assert_true(path_link(p, 3, 2, true, T0 + 21 * SEC, &ch));
	assert_int_equal(ch.from, PATH_DOWN);
	assert_int_equal(ch.to, PATH_UP);
	assert_int_equal(p[2].failures, 1);
	/* Heard again right away: stays up. */
	assert_int_equal(adverts(p, both, T0 + 22 * SEC, T0 + 40 * SEC, all, 16), 0);

	/* Silent first, then its link goes: one failure, not two. */
	adverts(p, no_path2, T0 + 41 * SEC, T0 + 50 * SEC, all, 16);
	assert_int_equal(p[2].state, PATH_SILENT);
	assert_int_equal(p[2].failures, 2);
	assert_true(path_link(p, 3, 2, false, T0 + 51 * SEC, &ch));
	assert_int_equal(ch.from, PATH_SILENT);
	assert_int_equal(p[2].failures, 2);
}

/* After a state change every path waits afresh: a backup that was master
 * (and heard nothing) does not call its paths silent at the first advert
 * of its new master. */
static void test_rearm(void **state)
{
	struct path_live p[3];
	struct path_change all[16];
	const bool main_only[3] = { true, false, false };

	(void)state;
	three_up(p);
	path_rearm(p, 3, T0 + 100 * SEC);
	assert_int_equal(adverts(p, main_only, T0 + 101 * SEC, T0 + 103 * SEC, all, 16), 0);
	/* Without the rearm the first advert would have made two silent. */
	path_init(p, 3);
	three_up(p);
	assert_int_equal(adverts(p, main_only, T0 + 101 * SEC, T0 + 101 * SEC, all, 16), 2);
}

/* An advert on a path thought down: it works, so it is up. */
static void test_heard_on_down_path(void **state)
{
	struct path_live p[2];
	struct path_change ch[2];

	(void)state;
	path_init(p, 2);
	path_link(p, 2, 0, true, T0, &ch[0]);
	path_link(p, 2, 1, false, T0, &ch[0]);
	assert_int_equal(path_heard(p, 2, 1, T0 + SEC, MDI, ch), 1);
	assert_int_equal(ch[0].to, PATH_UP);
	assert_int_equal(p[1].adverts, 1);
	assert_int_equal(path_heard(p, 2, 5, T0 + SEC, MDI, ch), 0);
}

static void test_vrmac(void **state)
{
	uint8_t mac[6];
	char name[VRMAC_NAME_MAX];
	static const uint8_t v4[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0xc8 }, v6[6] = { 0x00, 0x00, 0x5e, 0x00, 0x02, 0x07 };

	(void)state;
	assert_int_equal(vrmac_address(AF_INET, 200, mac), 0);
	assert_memory_equal(mac, v4, 6);
	assert_int_equal(vrmac_address(AF_INET6, 7, mac), 0);
	assert_memory_equal(mac, v6, 6);
	assert_int_equal(vrmac_address(AF_INET, 255, mac), 0);
	assert_int_equal(mac[5], 0xff);
	assert_int_equal(vrmac_address(AF_INET, 0, mac), -1);
	assert_int_equal(vrmac_address(AF_INET, 256, mac), -1);
	assert_int_equal(vrmac_address(AF_UNIX, 1, mac), -1);

	assert_int_equal(vrmac_ifname(AF_INET, 200, name), 0);
	assert_string_equal(name, "vrrp.200");
	assert_int_equal(vrmac_ifname(AF_INET6, 255, name), 0);
	assert_string_equal(name, "vrrp6.255");
	assert_true(strlen(name) < IF_NAMESIZE);
	assert_int_equal(vrmac_ifname(AF_INET6, 0, name), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_unknown_until_link_known),
		cmocka_unit_test(test_all_heard_all_up),
		cmocka_unit_test(test_one_path_goes_silent),
		cmocka_unit_test(test_total_silence_is_not_a_path_failure),
		cmocka_unit_test(test_silent_path_comes_back),
		cmocka_unit_test(test_link_down_and_back),
		cmocka_unit_test(test_rearm),
		cmocka_unit_test(test_heard_on_down_path),
		cmocka_unit_test(test_vrmac),
	};

	return cmocka_run_group_tests_name("paths", tests, NULL, NULL);
}
