/* test_group.c - the sync group policy (vrrpd/group.c): members' states
 * and flags in, verdicts out. Each test is one moment of a group; the
 * multi-step ones carry out the verdicts by hand, as groupsync.c does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "group.h"

enum { A, B, C, D, N };

/* Every member in group 0, settled in state st (seen as it is). */
static void settle(struct group_member *m, size_t n, enum fsm_state st)
{
	for (size_t i = 0; i < n; i++)
		m[i] = (struct group_member){ .group = 0, .state = st, .seen = st };
}

/* Carry out the verdicts the simple way the FSM would, then remember the
 * states, as groupsync.c does after every run. */
static void carry_out(struct group_member *m, size_t n, const struct group_verdict *v)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].move == GROUP_STEP_DOWN)
			m[i].state = FSM_BACKUP;
		else if (v[i].move == GROUP_FOLLOW)
			m[i].state = FSM_MASTER;
		m[i].seen = m[i].state;
	}
}

static void expect(const struct group_verdict *v, enum group_hold hold, enum group_move move)
{
	assert_int_equal(v->hold, hold);
	assert_int_equal(v->move, move);
}

static void test_blocks(void **state)
{
	struct group_member m = { .group = 0, .state = FSM_BACKUP };
	(void)state;
	assert_int_equal(group_blocks(&m), GROUP_FREE);
	m.state = FSM_MASTER;
	assert_int_equal(group_blocks(&m), GROUP_FREE);
	m.state = FSM_INIT;
	assert_int_equal(group_blocks(&m), GROUP_HARD);
	m.state = FSM_FAULT;
	assert_int_equal(group_blocks(&m), GROUP_HARD);
	m = (struct group_member){ .state = FSM_BACKUP, .giveup = true };
	assert_int_equal(group_blocks(&m), GROUP_HARD);
	m = (struct group_member){ .state = FSM_BACKUP, .gate = true };
	assert_int_equal(group_blocks(&m), GROUP_HARD);
	m = (struct group_member){ .state = FSM_BACKUP, .outranked = true };
	assert_int_equal(group_blocks(&m), GROUP_SOFT);
}

/* Nobody holds anybody: the master pulls the backups of its group up,
 * and no one else's. */
static void test_master_pulls_backups_up(void **state)
{
	struct group_member m[N];
	struct group_verdict v[N];
	(void)state;
	settle(m, N, FSM_BACKUP);
	m[B].state = m[B].seen = FSM_MASTER;
	m[D].group = 1;
	group_decide(m, N, v);
	expect(&v[A], GROUP_FREE, GROUP_FOLLOW);
	assert_int_equal(v[A].cause, B);
	expect(&v[B], GROUP_FREE, GROUP_STAY);
	expect(&v[C], GROUP_FREE, GROUP_FOLLOW);
	expect(&v[D], GROUP_FREE, GROUP_STAY);
	carry_out(m, N, v);
	group_decide(m, N, v);
	for (size_t i = 0; i < N; i++)
		expect(&v[i], GROUP_FREE, GROUP_STAY);
}

/* One member that cannot be master (not started, in fault, given up,
 * waiting for its tracks) holds the others hard, and a master among them
 * steps down because of it. */
static void hard_holder(struct group_member *holder)
{
	struct group_member m[N];
	struct group_verdict v[N];

	settle(m, N, FSM_BACKUP);
	m[A] = *holder;
	m[B].state = m[B].seen = FSM_MASTER;
	group_decide(m, N, v);
	expect(&v[A], GROUP_FREE, GROUP_STAY); /* never held by itself */
	expect(&v[B], GROUP_HARD, GROUP_STEP_DOWN);
	assert_int_equal(v[B].hold_by, A);
	assert_int_equal(v[B].cause, A);
	assert_false(v[B].cause_left);
	expect(&v[C], GROUP_HARD, GROUP_STAY); /* held, not pulled up */
	assert_int_equal(v[C].hold_by, A);
	/* The hold lasts as long as its reason; nobody takes Master. */
	carry_out(m, N, v);
	group_decide(m, N, v);
	for (size_t i = B; i < N; i++)
		expect(&v[i], GROUP_HARD, GROUP_STAY);
}

static void test_not_started_holds_hard(void **state)
{
	struct group_member h = { .group = 0, .state = FSM_INIT, .seen = FSM_INIT };
	(void)state;
	hard_holder(&h);
}

static void test_fault_holds_hard(void **state)
{
	struct group_member h = { .group = 0, .state = FSM_FAULT, .seen = FSM_MASTER };
	(void)state;
	hard_holder(&h);
}

static void test_giveup_holds_hard(void **state)
{
	struct group_member h = { .group = 0, .state = FSM_BACKUP, .seen = FSM_BACKUP, .giveup = true };
	(void)state;
	hard_holder(&h);
}

static void test_waiting_for_tracks_holds_hard(void **state)
{
	struct group_member h = { .group = 0, .state = FSM_BACKUP, .seen = FSM_BACKUP, .gate = true };
	(void)state;
	hard_holder(&h);
}

/* Once the holder is ready again, the group comes back as one. */
static void test_hard_hold_ends(void **state)
{
	struct group_member m[N];
	struct group_verdict v[N];
	(void)state;
	settle(m, N, FSM_BACKUP);
	m[A].state = m[A].seen = FSM_FAULT;
	group_decide(m, N, v);
	expect(&v[B], GROUP_HARD, GROUP_STAY);
	/* A's track passes: it joins as backup, then wins its election. */
	m[A].state = FSM_BACKUP;
	group_decide(m, N, v);
	for (size_t i = 0; i < N; i++)
		expect(&v[i], GROUP_FREE, GROUP_STAY);
	carry_out(m, N, v);
	m[A].state = FSM_MASTER;
	group_decide(m, N, v);
	for (size_t i = B; i < N; i++) {
		expect(&v[i], GROUP_FREE, GROUP_FOLLOW);
		assert_int_equal(v[i].cause, A);
	}
}

/* The hard hold is named after the first member that holds that hard,
 * whatever softer holds come before it. */
static void test_hold_names_the_hardest(void **state)
{
	struct group_member m[N];
	struct group_verdict v[N];
	(void)state;
	settle(m, N, FSM_BACKUP);
	m[A].outranked = true;
	m[B].state = m[B].seen = FSM_FAULT;
	m[C].state = m[C].seen = FSM_INIT;
	group_decide(m, N, v);
	expect(&v[D], GROUP_HARD, GROUP_STAY);
	assert_int_equal(v[D].hold_by, B);
	expect(&v[A], GROUP_HARD, GROUP_STAY);
	assert_int_equal(v[A].hold_by, B);
	expect(&v[B], GROUP_HARD, GROUP_STAY);
	assert_int_equal(v[B].hold_by, C);
}

/* A member that loses its election (a higher master preempted it) takes
 * the others' masters along, once, and holds them softly after that. */
static void test_lost_election_takes_masters_along(void **state)
{
	struct group_member m[N];
	struct group_verdict v[N];
	(void)state;
	settle(m, N, FSM_MASTER);
	m[A].state = FSM_BACKUP;
	m[A].outranked = true;
	group_decide(m, N, v);
	expect(&v[A], GROUP_FREE, GROUP_STAY);
	for (size_t i = B; i < N; i++) {
		expect(&v[i], GROUP_SOFT, GROUP_STEP_DOWN);
		assert_int_equal(v[i].hold_by, A);
		assert_int_equal(v[i].cause, A);
		assert_true(v[i].cause_left);
	}
	carry_out(m, N, v);
	group_decide(m, N, v);
	for (size_t i = B; i < N; i++)
		expect(&v[i], GROUP_SOFT, GROUP_STAY);
}

/* A soft hold does not take a live master down by itself: only a member
 * seen leaving Master does. */
static void test_soft_hold_keeps_a_master(void **state)
{
	struct group_member m[N];
	struct group_verdict v[N];
	(void)state;
	settle(m, N, FSM_BACKUP);
	m[A].outranked = true;
	m[B].state = m[B].seen = FSM_MASTER;
	group_decide(m, N, v);
	expect(&v[B], GROUP_SOFT, GROUP_STAY);
	expect(&v[C], GROUP_SOFT, GROUP_STAY); /* not pulled up either */
}

/* Every member lost its election to the same peer group, whose master
 * then dies. Each must still take over when its own down timer runs out:
 * a soft hold never stops a silent master from being replaced, and a
 * member that got there first is not sent back by the ones still waiting
 * (holding each other hard here was a deadlock: nobody took over). */
static void test_winner_dies_no_deadlock(void **state)
{
	struct group_member m[N];
	struct group_verdict v[N];
	(void)state;
	settle(m, N, FSM_BACKUP);
	for (size_t i = 0; i < N; i++)
		m[i].outranked = true;
	group_decide(m, N, v);
	for (size_t i = 0; i < N; i++) {
		expect(&v[i], GROUP_SOFT, GROUP_STAY);
		assert_int_not_equal(v[i].hold, GROUP_HARD);
	}
	/* The winner is silent: A's down timer fires first. The others still
	 * believe in the dead master for a moment. */
	m[A].state = FSM_MASTER;
	m[A].outranked = false;
	group_decide(m, N, v);
	expect(&v[A], GROUP_SOFT, GROUP_STAY);
	for (size_t i = B; i < N; i++)
		expect(&v[i], GROUP_SOFT, GROUP_STAY);
	carry_out(m, N, v);
	/* B's timer fires too; C and D learn the master is gone (their own
	 * timers are about to fire): A pulls them up at once. */
	m[B].state = FSM_MASTER;
	m[B].outranked = m[C].outranked = m[D].outranked = false;
	group_decide(m, N, v);
	expect(&v[A], GROUP_FREE, GROUP_STAY);
	expect(&v[B], GROUP_FREE, GROUP_STAY);
	expect(&v[C], GROUP_FREE, GROUP_FOLLOW);
	expect(&v[D], GROUP_FREE, GROUP_FOLLOW);
	carry_out(m, N, v);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(m[i].state, FSM_MASTER);
}

/* A master the policy took down is not "a member that left Master" the
 * next time: no cascade from one step down. */
static void test_step_down_is_not_leaving(void **state)
{
	struct group_member m[N];
	struct group_verdict v[N];
	(void)state;
	settle(m, N, FSM_MASTER);
	m[A].state = FSM_FAULT;
	group_decide(m, N, v);
	carry_out(m, N, v);
	m[A].state = m[A].seen = FSM_BACKUP; /* back, a backup */
	group_decide(m, N, v);
	for (size_t i = 0; i < N; i++)
		assert_int_not_equal(v[i].move, GROUP_STEP_DOWN);
}

/* A reload that takes an instance out of its group frees it, even while
 * the group holds it back; it no longer holds the others either. */
static void test_reload_out_of_group_frees(void **state)
{
	struct group_member m[N];
	struct group_verdict v[N];
	(void)state;
	settle(m, N, FSM_BACKUP);
	m[A].state = m[A].seen = FSM_FAULT;
	group_decide(m, N, v);
	expect(&v[B], GROUP_HARD, GROUP_STAY);
	m[B].group = -1;
	group_decide(m, N, v);
	expect(&v[B], GROUP_FREE, GROUP_STAY);
	/* Free, B wins its own election; the group does not pull it back. */
	m[B].state = FSM_MASTER;
	group_decide(m, N, v);
	expect(&v[B], GROUP_FREE, GROUP_STAY);
	expect(&v[C], GROUP_HARD, GROUP_STAY);
	/* And a fault of B's is nobody else's business now. */
	m[A].state = m[A].seen = FSM_MASTER;
	m[B].state = FSM_FAULT;
	group_decide(m, N, v);
	expect(&v[A], GROUP_FREE, GROUP_STAY);
	expect(&v[C], GROUP_FREE, GROUP_FOLLOW);
}

/* Two groups never hold each other. */
static void test_groups_are_independent(void **state)
{
	struct group_member m[N];
	struct group_verdict v[N];
	(void)state;
	settle(m, N, FSM_MASTER);
	m[C].group = m[D].group = 1;
	m[A].state = FSM_FAULT;
	group_decide(m, N, v);
	expect(&v[B], GROUP_HARD, GROUP_STEP_DOWN);
	expect(&v[C], GROUP_FREE, GROUP_STAY);
	expect(&v[D], GROUP_FREE, GROUP_STAY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_master_pulls_backups_up),
		cmocka_unit_test(test_not_started_holds_hard),
		cmocka_unit_test(test_fault_holds_hard),
		cmocka_unit_test(test_giveup_holds_hard),
		cmocka_unit_test(test_waiting_for_tracks_holds_hard),
		cmocka_unit_test(test_hard_hold_ends),
		cmocka_unit_test(test_hold_names_the_hardest),
		cmocka_unit_test(test_lost_election_takes_masters_along),
		cmocka_unit_test(test_soft_hold_keeps_a_master),
		cmocka_unit_test(test_winner_dies_no_deadlock),
		cmocka_unit_test(test_step_down_is_not_leaving),
		cmocka_unit_test(test_reload_out_of_group_frees),
		cmocka_unit_test(test_groups_are_independent),
	};
	return cmocka_run_group_tests_name("group", tests, NULL, NULL);
}
