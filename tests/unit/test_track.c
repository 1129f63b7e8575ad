/* test_track.c - health tracking, the pure part: rise and fall, and what
 * the tracks of an instance make of its priority, fault and readiness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "track.h"

static struct track_config cfg(const char *name, unsigned rise, unsigned fall, int weight, bool fault)
{
	struct track_config c = {
		.kind = TRACK_SCRIPT, .interval_ms = 1000, .timeout_ms = 1000,
		.rise = rise, .fall = fall, .weight = weight, .fault = fault,
	};

	snprintf(c.name, sizeof(c.name), "%s", name);
	return c;
}

static struct track fresh(const struct track_config *c)
{
	struct track t;

	memset(&t, 0, sizeof(t));
	t.cfg = c;
	return t;
}

/* A track already in state s (as if it had had its verdict). */
static struct track in_state(const struct track_config *c, enum track_state s)
{
	struct track t = fresh(c);

	t.state = s;
	return t;
}

/* ---- track_state_name -------------------------------------------------- */

static void test_state_name(void **state)
{
	(void)state;
	assert_string_equal(track_state_name(TRACK_UNKNOWN), "unknown");
	assert_string_equal(track_state_name(TRACK_UP), "up");
	assert_string_equal(track_state_name(TRACK_DOWN), "down");
	assert_string_equal(track_state_name((enum track_state)3), "invalid");
	assert_string_equal(track_state_name((enum track_state)-1), "invalid");
	assert_int_equal(TRACK_UNKNOWN, 0); /* a zeroed track has no verdict */
}

/* ---- track_result: rise and fall ---------------------------------------- */

static void test_rise_from_unknown(void **state)
{
	struct track_config c = cfg("web", 3, 2, 0, true);
	struct track t = fresh(&c);

	(void)state;
	assert_false(track_result(&t, true, NULL));
	assert_int_equal(t.state, TRACK_UNKNOWN);
	assert_int_equal(t.streak, 1);
	assert_false(track_result(&t, true, NULL));
	assert_int_equal(t.state, TRACK_UNKNOWN);
	assert_int_equal(t.streak, 2);
	assert_true(track_result(&t, true, NULL)); /* the third pass: up */
	assert_int_equal(t.state, TRACK_UP);
	assert_int_equal(t.streak, 3);
	assert_true(t.last_ok);
	assert_int_equal(t.passes, 3);
	assert_int_equal(t.failures, 0);
	assert_int_equal(t.changes, 0); /* the first verdict is no change */
	/* More passes: still up, no change reported. */
	assert_false(track_result(&t, true, NULL));
	assert_int_equal(t.state, TRACK_UP);
	assert_int_equal(t.streak, 4);
	assert_int_equal(t.passes, 4);
	assert_int_equal(t.changes, 0);
}

static void test_fall_from_unknown(void **state)
{
	struct track_config c = cfg("web", 2, 3, 0, true);
	struct track t = fresh(&c);

	(void)state;
	assert_false(track_result(&t, false, NULL));
	assert_false(track_result(&t, false, NULL));
	assert_int_equal(t.state, TRACK_UNKNOWN);
	assert_true(track_result(&t, false, NULL));
	assert_int_equal(t.state, TRACK_DOWN);
	assert_false(t.last_ok);
	assert_int_equal(t.streak, 3);
	assert_int_equal(t.failures, 3);
	assert_int_equal(t.passes, 0);
	assert_int_equal(t.changes, 0);
	assert_false(track_result(&t, false, NULL));
	assert_int_equal(t.state, TRACK_DOWN);
	assert_int_equal(t.changes, 0);
}

/* From unknown, whichever count is reached first decides. */
static void test_unknown_whichever_first(void **state)
{
	struct track_config c = cfg("web", 3, 1, 0, true);
	struct track t = fresh(&c);

	(void)state;
	assert_false(track_result(&t, true, NULL));
	assert_false(track_result(&t, true, NULL));
	assert_true(track_result(&t, false, NULL)); /* fall = 1 beats rise = 3 */
	assert_int_equal(t.state, TRACK_DOWN);
	assert_int_equal(t.streak, 1);
	assert_int_equal(t.changes, 0);
	assert_int_equal(t.passes, 2);
	assert_int_equal(t.failures, 1);
}

static void test_up_down_up(void **state)
{
	struct track_config c = cfg("web", 2, 3, 0, true);
	struct track t = fresh(&c);

	(void)state;
	track_result(&t, true, NULL);
	assert_true(track_result(&t, true, NULL));
	assert_int_equal(t.state, TRACK_UP);
	/* Two failures are not enough with fall = 3. */
	assert_false(track_result(&t, false, NULL));
	assert_int_equal(t.streak, 1);
	assert_false(track_result(&t, false, NULL));
	assert_int_equal(t.state, TRACK_UP);
	assert_int_equal(t.streak, 2);
	assert_true(track_result(&t, false, NULL));
	assert_int_equal(t.state, TRACK_DOWN);
	assert_int_equal(t.changes, 1);
	/* One pass is not enough with rise = 2. */
	assert_false(track_result(&t, true, NULL));
	assert_int_equal(t.state, TRACK_DOWN);
	assert_int_equal(t.streak, 1);
	assert_true(track_result(&t, true, NULL));
	assert_int_equal(t.state, TRACK_UP);
	assert_int_equal(t.changes, 2);
	assert_int_equal(t.passes, 4);
	assert_int_equal(t.failures, 3);
}

/* With rise and fall of 2 or more, a flapping check never moves the state. */
static void test_alternating_never_changes(void **state)
{
	static const unsigned counts[][2] = { { 2, 2 }, { 2, 5 }, { 5, 2 }, { 100, 100 } };

	(void)state;
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		struct track_config c = cfg("flap", counts[k][0], counts[k][1], -10, false);
		static const enum track_state starts[] = { TRACK_UNKNOWN, TRACK_UP, TRACK_DOWN };

		for (size_t s = 0; s < 3; s++) {
			struct track t = in_state(&c, starts[s]);

			for (int i = 0; i < 200; i++) {
				bool ok = (i + (int)s) % 2 == 0;
				assert_false(track_result(&t, ok, NULL));
				assert_int_equal(t.state, starts[s]);
				assert_int_equal(t.streak, 1);
				assert_int_equal(t.last_ok, ok);
			}
			assert_int_equal(t.passes, 100);
			assert_int_equal(t.failures, 100);
			assert_int_equal(t.changes, 0);
		}
	}
}

/* rise = fall = 1 follows every result. */
static void test_rise_fall_one(void **state)
{
	struct track_config c = cfg("if", 1, 1, 0, true);
	struct track t = fresh(&c);

	(void)state;
	assert_true(track_result(&t, true, NULL));
	assert_int_equal(t.state, TRACK_UP);
	assert_int_equal(t.changes, 0);
	assert_true(track_result(&t, false, NULL));
	assert_int_equal(t.state, TRACK_DOWN);
	assert_true(track_result(&t, true, NULL));
	assert_int_equal(t.state, TRACK_UP);
	assert_false(track_result(&t, true, NULL));
	assert_int_equal(t.changes, 2);
	assert_int_equal(t.passes, 3);
	assert_int_equal(t.failures, 1);

	/* From unknown, a single failure is a verdict and not a change. */
	t = fresh(&c);
	assert_true(track_result(&t, false, NULL));
	assert_int_equal(t.state, TRACK_DOWN);
	assert_int_equal(t.changes, 0);
}

/* A zero count (not something the configuration allows) acts as 1. */
static void test_zero_counts_act_as_one(void **state)
{
	struct track_config c = cfg("z", 0, 0, 0, true);
	struct track t = fresh(&c);

	(void)state;
	assert_true(track_result(&t, true, NULL));
	assert_int_equal(t.state, TRACK_UP);
	assert_true(track_result(&t, false, NULL));
	assert_int_equal(t.state, TRACK_DOWN);
	assert_int_equal(t.changes, 1);
}

/* Every result is counted, whatever the state does. */
static void test_counters(void **state)
{
	struct track_config c = cfg("web", 2, 2, 0, true);
	struct track t = fresh(&c);
	static const char pattern[] = "++-+--+++---+-++"; /* + pass, - failure */
	unsigned passes = 0, failures = 0, changes = 0;
	enum track_state prev = TRACK_UNKNOWN;

	(void)state;
	for (const char *p = pattern; *p; p++) {
		bool ok = *p == '+';
		bool changed = track_result(&t, ok, NULL);
		passes += ok;
		failures += !ok;
		assert_int_equal(changed, t.state != prev);
		if (changed && prev != TRACK_UNKNOWN)
			changes++;
		prev = t.state;
	}
	assert_int_equal(t.passes, passes);
	assert_int_equal(t.failures, failures);
	assert_int_equal(t.changes, changes);
	/* ++ up (the first verdict); -+ nothing; -- down; +++ up; --- down;
	 * +- nothing; ++ up: four changes. */
	assert_int_equal(t.changes, 4);
	assert_int_equal(t.state, TRACK_UP);
	assert_int_equal(t.streak, 2);
}

static void test_detail(void **state)
{
	struct track_config c = cfg("web", 2, 2, 0, true);
	struct track t = fresh(&c);
	char longer[400];

	(void)state;
	assert_string_equal(t.detail, "");
	track_result(&t, false, "HTTP 502");
	assert_string_equal(t.detail, "HTTP 502");
	/* NULL keeps what the last check said. */
	track_result(&t, false, NULL);
	assert_string_equal(t.detail, "HTTP 502");
	track_result(&t, true, "");
	assert_string_equal(t.detail, "");
	/* Long text is cut, NUL-terminated. */
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	track_result(&t, true, longer);
	assert_int_equal(strlen(t.detail), sizeof(t.detail) - 1);
	assert_int_equal(t.detail[0], 'x');
}

/* The streak does not wrap. */
static void test_streak_saturates(void **state)
{
	struct track_config c = cfg("web", 2, 2, 0, true);
	struct track t = fresh(&c);

	(void)state;
	track_result(&t, true, NULL);
	track_result(&t, true, NULL);
	assert_int_equal(t.state, TRACK_UP);
	t.streak = UINT32_MAX - 1;
	assert_false(track_result(&t, true, NULL));
	assert_true(t.streak == UINT32_MAX);
	assert_false(track_result(&t, true, NULL));
	assert_true(t.streak == UINT32_MAX);
	assert_int_equal(t.state, TRACK_UP);
	/* A failure after the longest streak starts a new one. */
	assert_false(track_result(&t, false, NULL));
	assert_int_equal(t.streak, 1);
	assert_true(track_result(&t, false, NULL));
	assert_int_equal(t.state, TRACK_DOWN);
}

/* ---- track_effect ----------------------------------------------------- */

static void test_effect_none(void **state)
{
	struct track_effect e;

	(void)state;
	memset(&e, 0xa5, sizeof(e)); /* whatever was there is overwritten */
	track_effect(NULL, 0, 100, &e);
	assert_int_equal(e.priority, 100);
	assert_null(e.fault);
	assert_null(e.lowest);
	assert_true(e.ready);
	track_effect(NULL, 0, 255, &e);
	assert_int_equal(e.priority, 255);
	track_effect(NULL, 0, 254, &e);
	assert_int_equal(e.priority, 254);
	track_effect(NULL, 0, 1, &e);
	assert_int_equal(e.priority, 1);
}

/* Positive weight adds while up, negative takes while down; unknown
 * does neither. */
static void test_effect_weights(void **state)
{
	static const struct {
		int weight;
		enum track_state s;
		int want;
	} cases[] = {
		{ 10, TRACK_UP, 110 },     { 10, TRACK_DOWN, 100 },   { 10, TRACK_UNKNOWN, 100 },
		{ -20, TRACK_UP, 100 },    { -20, TRACK_DOWN, 80 },   { -20, TRACK_UNKNOWN, 100 },
		{ 254, TRACK_UP, 254 },    { -254, TRACK_DOWN, 1 },   { 0, TRACK_DOWN, 100 },
		{ 0, TRACK_UP, 100 },      { 1, TRACK_UP, 101 },      { -1, TRACK_DOWN, 99 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct track_config c = cfg("t", 2, 2, cases[i].weight, cases[i].weight == 0);
		struct track t = in_state(&c, cases[i].s);
		struct track_effect e;

		track_effect(&t, 1, 100, &e);
		if (e.priority != cases[i].want)
			fail_msg("weight %d, %s: priority %u, want %d", cases[i].weight,
				 track_state_name(cases[i].s), e.priority, cases[i].want);
	}
}

static void test_effect_sum(void **state)
{
	struct track_config c[5] = {
		cfg("a", 2, 2, 30, false), cfg("b", 2, 2, -20, false), cfg("c", 2, 2, -15, false),
		cfg("d", 2, 2, 5, false),  cfg("e", 2, 2, -50, false),
	};
	struct track t[5] = {
		in_state(&c[0], TRACK_UP),   /* +30 */
		in_state(&c[1], TRACK_DOWN), /* -20 */
		in_state(&c[2], TRACK_DOWN), /* -15 */
		in_state(&c[3], TRACK_DOWN), /* 0: a bonus not earned */
		in_state(&c[4], TRACK_UNKNOWN), /* 0: no verdict yet */
	};
	struct track_effect e;

	(void)state;
	track_effect(t, 5, 100, &e);
	assert_int_equal(e.priority, 95);
	assert_ptr_equal(e.lowest, &t[1]);
	assert_null(e.fault);
	assert_false(e.ready);

	/* Only the first n count. */
	track_effect(t, 1, 100, &e);
	assert_int_equal(e.priority, 130);
	assert_null(e.lowest);
	assert_true(e.ready);
}

static void test_effect_clamp(void **state)
{
	struct track_config up = cfg("up", 2, 2, 200, false), down = cfg("down", 2, 2, -200, false);
	struct track t[2] = { in_state(&up, TRACK_UP), in_state(&down, TRACK_DOWN) };
	struct track_effect e;

	(void)state;
	/* Up to 254, never 255: that is the address owner's. */
	track_effect(&t[0], 1, 100, &e);
	assert_int_equal(e.priority, 254);
	track_effect(&t[0], 1, 254, &e);
	assert_int_equal(e.priority, 254);
	track_effect(&t[0], 1, 1, &e);
	assert_int_equal(e.priority, 201);
	/* Down to 1, never 0: that is a master's resignation. */
	track_effect(&t[1], 1, 100, &e);
	assert_int_equal(e.priority, 1);
	track_effect(&t[1], 1, 201, &e);
	assert_int_equal(e.priority, 1);
	track_effect(&t[1], 1, 202, &e);
	assert_int_equal(e.priority, 2);
	/* Both: the sum is clamped, not each step. */
	track_effect(t, 2, 100, &e);
	assert_int_equal(e.priority, 100);
	struct track_config big[3] = { cfg("a", 2, 2, 254, false), cfg("b", 2, 2, 254, false),
				       cfg("c", 2, 2, -254, false) };
	struct track many[3] = { in_state(&big[0], TRACK_UP), in_state(&big[1], TRACK_UP),
				 in_state(&big[2], TRACK_DOWN) };
	track_effect(many, 3, 100, &e);
	assert_int_equal(e.priority, 254); /* 100 + 254 + 254 - 254 */
	many[0].state = TRACK_DOWN;
	many[1].state = TRACK_DOWN;
	track_effect(many, 3, 100, &e);
	assert_int_equal(e.priority, 1);
}

/* The address owner's 255 does not move. */
static void test_effect_owner(void **state)
{
	struct track_config c[2] = { cfg("a", 2, 2, -100, false), cfg("b", 2, 2, 10, false) };
	struct track t[2] = { in_state(&c[0], TRACK_DOWN), in_state(&c[1], TRACK_UP) };
	struct track_effect e;

	(void)state;
	track_effect(t, 2, 255, &e);
	assert_int_equal(e.priority, 255);
	assert_ptr_equal(e.lowest, &t[0]); /* still named for the reason */
	track_effect(&t[1], 1, 255, &e);
	assert_int_equal(e.priority, 255);
	assert_null(e.lowest);
}

static void test_effect_fault(void **state)
{
	struct track_config c[4] = {
		cfg("w", 2, 2, -10, false), cfg("f1", 2, 2, 0, true), cfg("f2", 2, 2, 0, true),
		cfg("f3", 2, 2, 0, true),
	};
	struct track t[4] = {
		in_state(&c[0], TRACK_DOWN), /* a weight track is never the fault */
		in_state(&c[1], TRACK_UP),
		in_state(&c[2], TRACK_DOWN),
		in_state(&c[3], TRACK_DOWN),
	};
	struct track_effect e;

	(void)state;
	track_effect(t, 4, 100, &e);
	assert_ptr_equal(e.fault, &t[2]); /* the first failed one */
	assert_int_equal(e.priority, 90);
	assert_ptr_equal(e.lowest, &t[0]);
	assert_false(e.ready);

	t[2].state = TRACK_UP;
	track_effect(t, 4, 100, &e);
	assert_ptr_equal(e.fault, &t[3]);

	t[3].state = TRACK_UNKNOWN; /* no verdict: no fault yet */
	track_effect(t, 4, 100, &e);
	assert_null(e.fault);
	assert_false(e.ready);

	t[3].state = TRACK_UP;
	t[0].state = TRACK_UP;
	track_effect(t, 4, 100, &e);
	assert_null(e.fault);
	assert_null(e.lowest);
	assert_true(e.ready);
	assert_int_equal(e.priority, 100);

	/* A fault track takes nothing off the priority. */
	t[1].state = TRACK_DOWN;
	track_effect(t, 4, 100, &e);
	assert_ptr_equal(e.fault, &t[1]);
	assert_int_equal(e.priority, 100);
	assert_null(e.lowest);
	/* The address owner faults too. */
	track_effect(t, 4, 255, &e);
	assert_ptr_equal(e.fault, &t[1]);
	assert_int_equal(e.priority, 255);
}

static void test_effect_ready(void **state)
{
	struct track_config c[3] = { cfg("a", 2, 2, 0, true), cfg("b", 2, 2, 10, false),
				     cfg("c", 2, 2, -10, false) };
	struct track t[3] = { in_state(&c[0], TRACK_UP), in_state(&c[1], TRACK_UP),
			      in_state(&c[2], TRACK_UP) };
	struct track_effect e;
	static const enum track_state others[] = { TRACK_UNKNOWN, TRACK_DOWN };

	(void)state;
	track_effect(t, 3, 100, &e);
	assert_true(e.ready);
	assert_int_equal(e.priority, 110);
	for (size_t i = 0; i < 3; i++)
		for (size_t k = 0; k < 2; k++) {
			t[i].state = others[k];
			track_effect(t, 3, 100, &e);
			if (e.ready)
				fail_msg("track %zu %s: ready", i, track_state_name(others[k]));
			t[i].state = TRACK_UP;
		}
}

/* lowest: the track that took the most; the first of equals. */
static void test_effect_lowest(void **state)
{
	struct track_config c[4] = { cfg("a", 2, 2, -10, false), cfg("b", 2, 2, -30, false),
				     cfg("c", 2, 2, -30, false), cfg("d", 2, 2, -20, false) };
	struct track t[4] = { in_state(&c[0], TRACK_DOWN), in_state(&c[1], TRACK_DOWN),
			      in_state(&c[2], TRACK_DOWN), in_state(&c[3], TRACK_DOWN) };
	struct track_effect e;

	(void)state;
	track_effect(t, 4, 200, &e);
	assert_int_equal(e.priority, 110);
	assert_ptr_equal(e.lowest, &t[1]);
	t[1].state = TRACK_UP;
	track_effect(t, 4, 200, &e);
	assert_ptr_equal(e.lowest, &t[2]);
	t[2].state = TRACK_UNKNOWN;
	track_effect(t, 4, 200, &e);
	assert_ptr_equal(e.lowest, &t[3]);
	assert_int_equal(e.priority, 170);
	t[3].state = TRACK_UP;
	t[0].state = TRACK_UP;
	track_effect(t, 4, 200, &e);
	assert_null(e.lowest);
	assert_int_equal(e.priority, 200);
}

/* ---- track_describe --------------------------------------------------- */

static void test_describe(void **state)
{
	struct track_config fault = cfg("web", 2, 2, 0, true), minus = cfg("web", 2, 2, -60, false),
			    plus = cfg("db", 2, 2, 15, false);
	struct track t;
	char buf[200];

	(void)state;
	t = in_state(&fault, TRACK_DOWN);
	snprintf(t.detail, sizeof(t.detail), "HTTP 502");
	track_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "track web down (HTTP 502)");

	t.detail[0] = '\0';
	track_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "track web down");

	t = in_state(&fault, TRACK_UNKNOWN);
	track_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "track web unknown");

	t = in_state(&minus, TRACK_DOWN);
	snprintf(t.detail, sizeof(t.detail), "HTTP 502");
	track_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "track web down (HTTP 502), weight -60");

	t.detail[0] = '\0';
	track_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "track web down, weight -60");

	t = in_state(&plus, TRACK_UP);
	snprintf(t.detail, sizeof(t.detail), "exit 0");
	track_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "track db up (exit 0), weight +15");

	/* A small buffer gets a cut, terminated text. */
	track_describe(&t, buf, 9);
	assert_string_equal(buf, "track db");
	buf[0] = 'x';
	track_describe(&t, buf, 1);
	assert_string_equal(buf, "");
}

/* What the daemon does: results in, describe out. */
static void test_result_then_effect(void **state)
{
	struct track_config c[2] = { cfg("web", 2, 2, -60, false), cfg("disk", 1, 3, 0, true) };
	struct track t[2] = { fresh(&c[0]), fresh(&c[1]) };
	struct track_effect e;
	char buf[200];

	(void)state;
	track_effect(t, 2, 150, &e);
	assert_int_equal(e.priority, 150); /* not punished for starting */
	assert_false(e.ready);
	assert_null(e.fault);

	track_result(&t[0], false, "HTTP 502");
	track_result(&t[0], false, "HTTP 503");
	track_result(&t[1], true, "exit 0");
	track_effect(t, 2, 150, &e);
	assert_int_equal(e.priority, 90);
	assert_ptr_equal(e.lowest, &t[0]);
	track_describe(e.lowest, buf, sizeof(buf));
	assert_string_equal(buf, "track web down (HTTP 503), weight -60");
	assert_false(e.ready);

	track_result(&t[0], true, "HTTP 200");
	track_result(&t[0], true, "HTTP 200");
	track_effect(t, 2, 150, &e);
	assert_int_equal(e.priority, 150);
	assert_true(e.ready);

	track_result(&t[1], false, "exit 1");
	track_result(&t[1], false, "exit 1");
	track_effect(t, 2, 150, &e);
	assert_null(e.fault); /* fall = 3 */
	track_result(&t[1], false, "exit 2");
	track_effect(t, 2, 150, &e);
	assert_ptr_equal(e.fault, &t[1]);
	track_describe(e.fault, buf, sizeof(buf));
	assert_string_equal(buf, "track disk down (exit 2)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_name),
		cmocka_unit_test(test_rise_from_unknown),
		cmocka_unit_test(test_fall_from_unknown),
		cmocka_unit_test(test_unknown_whichever_first),
		cmocka_unit_test(test_up_down_up),
		cmocka_unit_test(test_alternating_never_changes),
		cmocka_unit_test(test_rise_fall_one),
		cmocka_unit_test(test_zero_counts_act_as_one),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_detail),
		cmocka_unit_test(test_streak_saturates),
		cmocka_unit_test(test_effect_none),
		cmocka_unit_test(test_effect_weights),
		cmocka_unit_test(test_effect_sum),
		cmocka_unit_test(test_effect_clamp),
		cmocka_unit_test(test_effect_owner),
		cmocka_unit_test(test_effect_fault),
		cmocka_unit_test(test_effect_ready),
		cmocka_unit_test(test_effect_lowest),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_result_then_effect),
	};

	return cmocka_run_group_tests_name("track", tests, NULL, NULL);
}
