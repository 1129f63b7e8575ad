/* test_peers.c - whom an instance listens to (vrrpd/peers.c): the peer
 * check, and the CARP counter rule on a virtual clock, with the counters
 * ucarp sends (random until it hears another router, then one up per
 * advert). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "peers.h"

#define SEC 1000000LL
#define T0 (1000 * SEC)

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

/* One CARP advert from src with advbase 1. */
static enum carp_verdict hear(struct carp_counters *t, const char *src, uint64_t counter, fsm_time now)
{
	struct ipaddr a = addr(src);
	uint64_t last = 0;

	return carp_counter_check(t, &a, counter, 1, now, &last);
}

/* ---- the peer check ----------------------------------------------------- */

static void test_no_peers_accepts_anyone(void **state)
{
	struct ipaddr a = addr("10.33.0.100");
	(void)state;
	assert_true(peers_allow(NULL, 0, &a));
}

static void test_only_peers(void **state)
{
	struct ipaddr set[] = { addr("10.33.0.22"), addr("10.33.0.23") };
	struct ipaddr peer = addr("10.33.0.23"), client = addr("10.33.0.100");
	struct ipaddr v6 = addr("fe80::22"), v6_peer[] = { addr("fe80::22") };
	(void)state;
	assert_true(peers_allow(set, 2, &peer));
	assert_false(peers_allow(set, 2, &client));
	/* The whole list is looked at, not only its first entry. */
	assert_false(peers_allow(set, 1, &peer));
	assert_true(peers_allow(v6_peer, 1, &v6));
	assert_false(peers_allow(v6_peer, 1, &peer));
	/* The same bytes in the other family are another address. */
	struct ipaddr mapped = v6;
	memset(&mapped.u, 0, sizeof(mapped.u));
	memcpy(mapped.u.bytes, &set[0].u.bytes, 4);
	assert_false(peers_allow(set, 2, &mapped));
}

/* ---- CARP counters ------------------------------------------------------ */

/* A peer that counts (ucarp once it has heard a router, vipd always) must
 * move forward: a recording of any earlier advert is refused, however old,
 * and a priority-0 one too (its counter is what counts). */
static void test_counting_peer_moves_forward(void **state)
{
	struct carp_counters t = { 0 };
	struct ipaddr p = addr("10.81.0.12");
	uint64_t last = 0, c = 5000;
	fsm_time now = T0;
	(void)state;

	assert_int_equal(carp_counter_check(&t, &p, c, 1, now, &last), CARP_ACCEPT);
	/* Two more than CARP_RECENT_MAX adverts, one a second. */
	for (int i = 1; i < CARP_RECENT_MAX + 2; i++)
		assert_int_equal(carp_counter_check(&t, &p, c + (uint64_t)i, 1, now += SEC, &last), CARP_ACCEPT);
	uint64_t top = c + CARP_RECENT_MAX + 1;
	/* A recent one: heard before. */
	assert_int_equal(carp_counter_check(&t, &p, top, 1, now, &last), CARP_HEARD_BEFORE);
	/* The first one, long out of the ring of recent counters: not forward. */
	last = 0;
	assert_int_equal(carp_counter_check(&t, &p, c, 1, now + SEC / 2, &last), CARP_NOT_FORWARD);
	assert_int_equal(last, top);
	/* A leaving advert (advbase 0 here) recorded earlier: the same. */
	assert_int_equal(carp_counter_check(&t, &p, c + 1, 0, now + SEC / 2, &last), CARP_NOT_FORWARD);
	/* The peer goes on: a step forward, however large, is fine (ucarp
	 * takes over the counter of a router it hears). */
	assert_int_equal(carp_counter_check(&t, &p, top + 1, 1, now += SEC, &last), CARP_ACCEPT);
	assert_int_equal(carp_counter_check(&t, &p, top + 1000000, 1, now += SEC, &last), CARP_ACCEPT);
	assert_int_equal(carp_counter_check(&t, &p, top + 1000000, 1, now += SEC, &last), CARP_HEARD_BEFORE);
}

/* ucarp before it has heard another router: a fresh random counter each
 * advert (random() << 32 | random()). Going back is what it does, so only
 * a counter heard before is refused, until it is seen counting. */
static void test_random_peer(void **state)
{
	static const uint64_t draws[] = { 0x6b8b456700000000ULL | 0x327b23c6, 0x643c986900000000ULL | 0x66334873,
					  0x74b0dc5100000000ULL | 0x19495cff, 0x2ae8944a00000000ULL | 0x625558ec,
					  0x238e1f2900000000ULL | 0x46e87ccd, 0x3d1b58ba00000000ULL | 0x507ed7ab };
	struct carp_counters t = { 0 };
	fsm_time now = T0;
	(void)state;

	for (size_t i = 0; i < sizeof(draws) / sizeof(draws[0]); i++)
		assert_int_equal(hear(&t, "10.81.0.12", draws[i], now += SEC), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.12", draws[2], now + SEC / 2), CARP_HEARD_BEFORE);
	/* It hears us and goes on from our counter (here below its last
	 * draw), one up per advert: from the second one on it counts. */
	assert_int_equal(hear(&t, "10.81.0.12", 0x1000, now += SEC), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.12", 0x1001, now += SEC), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.12", draws[0] + 5, now += SEC), CARP_ACCEPT); /* forward: fine */
	assert_int_equal(hear(&t, "10.81.0.12", draws[0] + 6, now += SEC), CARP_ACCEPT);
	/* Now anything behind is a recording, random or not, recent or not. */
	assert_int_equal(hear(&t, "10.81.0.12", 0x1111, now + SEC / 2), CARP_NOT_FORWARD);
	assert_int_equal(hear(&t, "10.81.0.12", draws[0] + 4, now + SEC / 2), CARP_NOT_FORWARD);
	assert_int_equal(hear(&t, "10.81.0.12", 0x1001, now + SEC / 2), CARP_HEARD_BEFORE);
}

/* A big step is not counting: two random draws are far apart. */
static void test_counting_needs_a_small_step(void **state)
{
	struct carp_counters t = { 0 };
	fsm_time now = T0;
	(void)state;

	assert_int_equal(hear(&t, "10.81.0.12", 100, now += SEC), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.12", 100 + CARP_COUNT_STEP + 1, now += SEC), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.12", 50, now += SEC), CARP_ACCEPT); /* still random */
	assert_int_equal(hear(&t, "10.81.0.12", 50 + CARP_COUNT_STEP, now += SEC), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.12", 60, now += SEC), CARP_NOT_FORWARD);
}

/* A peer silent for its dead interval (3 x advbase, less the slack) has
 * stopped; when it is heard again it may have restarted with a new
 * counter anywhere, and is a new sender. Until then it is not. */
static void test_restarted_peer(void **state)
{
	struct ipaddr p = addr("10.81.0.12");
	uint64_t last;
	(void)state;

	for (unsigned advbase = 1; advbase <= 3; advbase++) {
		struct carp_counters t = { 0 };
		fsm_time now = T0, dead = (fsm_time)CARP_DEAD_RATIO * advbase * SEC - CARP_SILENCE_SLACK;

		assert_int_equal(carp_counter_check(&t, &p, 900, advbase, now, &last), CARP_ACCEPT);
		assert_int_equal(carp_counter_check(&t, &p, 901, advbase, now += advbase * SEC, &last), CARP_ACCEPT);
		/* Its leaving advert tells nothing of its advbase (255). */
		assert_int_equal(carp_counter_check(&t, &p, 902, 0, now += SEC / 10, &last), CARP_ACCEPT);
		/* Just short of the dead interval: the same sender, counting. */
		assert_int_equal(carp_counter_check(&t, &p, 17, advbase, now + dead - 1, &last), CARP_NOT_FORWARD);
		assert_int_equal(last, 902);
		/* Those refusals did not count as hearing it: silence is
		 * measured from the last accepted advert. */
		assert_int_equal(carp_counter_check(&t, &p, 17, advbase, now + dead, &last), CARP_ACCEPT);
		/* And it is new: random again until seen counting. */
		assert_int_equal(carp_counter_check(&t, &p, 5, advbase, now + dead + SEC, &last), CARP_ACCEPT);
	}
}

/* A replay under another peer's address (the HMAC does not cover the IP
 * header): caught while the counter is among the recent ones. */
static void test_other_source(void **state)
{
	struct carp_counters t = { 0 };
	(void)state;

	assert_int_equal(hear(&t, "10.81.0.12", 777, T0), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.13", 777, T0 + SEC), CARP_HEARD_BEFORE);
	assert_int_equal(hear(&t, "10.81.0.13", 778, T0 + SEC), CARP_ACCEPT);
}

/* More senders than slots (only without peers): the one heard longest
 * ago is forgotten; the others keep their rule. */
static void test_full_table(void **state)
{
	struct carp_counters t = { 0 };
	char a[32];
	fsm_time now = T0;
	(void)state;

	for (int i = 0; i < CARP_PEERS_MAX; i++) {
		snprintf(a, sizeof(a), "10.81.1.%d", i + 1);
		assert_int_equal(hear(&t, a, 1000 * (uint64_t)i + 1, now), CARP_ACCEPT);
		assert_int_equal(hear(&t, a, 1000 * (uint64_t)i + 2, now + SEC / 2), CARP_ACCEPT);
		now += SEC / CARP_PEERS_MAX;
	}
	assert_int_equal(hear(&t, "10.81.2.1", 99999, now), CARP_ACCEPT);
	/* 10.81.1.1 was the quietest: its slot went to 10.81.2.1, and it is
	 * a new sender again; the others are still known. */
	assert_int_equal(hear(&t, "10.81.1.1", 0, now + 1), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.1.9", 8000, now + 1), CARP_NOT_FORWARD);
}

/* A reload that takes a router off the list forgets it. */
static void test_keep(void **state)
{
	struct carp_counters t = { 0 };
	struct ipaddr keep[] = { addr("10.81.0.12") };
	(void)state;

	assert_int_equal(hear(&t, "10.81.0.12", 10, T0), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.12", 11, T0 + SEC), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.13", 500, T0), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.13", 501, T0 + SEC), CARP_ACCEPT);
	carp_counters_keep(&t, keep, 0); /* no list: everyone stays */
	assert_int_equal(hear(&t, "10.81.0.13", 400, T0 + 2 * SEC), CARP_NOT_FORWARD);
	carp_counters_keep(&t, keep, 1);
	assert_int_equal(hear(&t, "10.81.0.13", 400, T0 + 2 * SEC), CARP_ACCEPT);
	assert_int_equal(hear(&t, "10.81.0.12", 9, T0 + 2 * SEC), CARP_NOT_FORWARD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_peers_accepts_anyone),
		cmocka_unit_test(test_only_peers),
		cmocka_unit_test(test_counting_peer_moves_forward),
		cmocka_unit_test(test_random_peer),
		cmocka_unit_test(test_counting_needs_a_small_step),
		cmocka_unit_test(test_restarted_peer),
		cmocka_unit_test(test_other_source),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_keep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
