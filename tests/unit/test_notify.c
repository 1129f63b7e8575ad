/* test_notify.c - the notify hook queue: order, one call at a time, the
 * retry policy by exit status, and the bounded queue.
 *
 * The daemon's side is played by start(): as instance_notify_run() does,
 * it takes the due call, counts the run (attempt, calls) and marks the
 * queue running before the child is spawned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>

#include "notify.h"

#define SEC 1000000LL
#define T0 (1000 * SEC)

static struct notify_event *start(struct notify *n, fsm_time now)
{
	struct notify_event *e = notify_due(n, now);

	if (!e)
		return NULL;
	e->attempt++;
	n->calls++;
	n->running = true;
	return e;
}

static struct proc_result exited(int code)
{
	return (struct proc_result){ .status = W_EXITCODE(code, 0), .output = "" };
}

static struct proc_result killed(int sig)
{
	return (struct proc_result){ .status = W_EXITCODE(0, sig), .output = "" };
}

static struct proc_result timed_out(void)
{
	return (struct proc_result){ .status = W_EXITCODE(0, SIGKILL), .timed_out = true, .output = "" };
}

static void push_n(struct notify *n, int from, int count)
{
	for (int i = from; i < from + count; i++) {
		char reason[32];
		snprintf(reason, sizeof(reason), "call %d", i);
		notify_push(n, FSM_BACKUP, FSM_MASTER, 100, reason);
	}
}

/* Run every queued call to success and check they come in order. */
static void drain_expect(struct notify *n, fsm_time now, int first, int last)
{
	for (int i = first; i <= last; i++) {
		char want[32];
		struct notify_event *e = start(n, now);
		struct proc_result ok = exited(0);

		if (!e)
			fail_msg("call %d: nothing due", i);
		snprintf(want, sizeof(want), "call %d", i);
		assert_string_equal(e->reason, want);
		assert_int_equal(notify_finish(n, &ok, 3, now), NOTIFY_DONE);
	}
	assert_null(notify_due(n, now));
	assert_int_equal(n->len, 0);
}

static void test_init(void **state)
{
	struct notify n;

	(void)state;
	memset(&n, 0x5a, sizeof(n));
	notify_init(&n);
	assert_int_equal(n.head, 0);
	assert_int_equal(n.len, 0);
	assert_false(n.running);
	assert_int_equal(n.not_before, 0);
	assert_int_equal(n.calls, 0);
	assert_int_equal(n.succeeded, 0);
	assert_int_equal(n.retried, 0);
	assert_int_equal(n.failed, 0);
	assert_int_equal(n.dropped, 0);
	assert_null(notify_due(&n, T0));
	assert_true(notify_deadline(&n) == FSM_NEVER);
}

static void test_push_fields(void **state)
{
	struct notify n;
	struct notify_event *e;
	char longer[300];

	(void)state;
	notify_init(&n);
	assert_true(notify_push(&n, FSM_BACKUP, FSM_MASTER, 150, "higher priority"));
	assert_int_equal(n.len, 1);
	e = notify_due(&n, T0);
	assert_non_null(e);
	assert_ptr_equal(e, &n.q[n.head]);
	assert_int_equal(e->from, FSM_BACKUP);
	assert_int_equal(e->to, FSM_MASTER);
	assert_int_equal(e->priority, 150);
	assert_string_equal(e->reason, "higher priority");
	assert_int_equal(e->attempt, 0);
	/* notify_due only looks: the call is still there, still not running. */
	assert_ptr_equal(notify_due(&n, T0), e);
	assert_false(n.running);
	assert_int_equal(n.len, 1);

	/* NULL reason is empty; a long one is cut. */
	assert_true(notify_push(&n, FSM_MASTER, FSM_FAULT, 0, NULL));
	assert_string_equal(n.q[(n.head + 1) % NOTIFY_QUEUE_MAX].reason, "");
	memset(longer, 'r', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_true(notify_push(&n, FSM_FAULT, FSM_BACKUP, 255, longer));
	e = &n.q[(n.head + 2) % NOTIFY_QUEUE_MAX];
	assert_int_equal(strlen(e->reason), sizeof(e->reason) - 1);
	assert_int_equal(e->priority, 255);
	assert_int_equal(e->from, FSM_FAULT);
	assert_int_equal(e->to, FSM_BACKUP);
	assert_int_equal(n.len, 3);
}

/* First in, first out, one at a time. */
static void test_fifo_one_at_a_time(void **state)
{
	struct notify n;
	struct notify_event *e;
	struct proc_result ok = exited(0);

	(void)state;
	notify_init(&n);
	notify_push(&n, FSM_INIT, FSM_BACKUP, 100, "a");
	notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "b");
	assert_true(notify_deadline(&n) <= T0); /* due now */

	e = start(&n, T0);
	assert_string_equal(e->reason, "a");
	assert_int_equal(e->from, FSM_INIT);
	/* While it runs nothing else is due, however late, and the loop
	 * need not wake for the queue. */
	assert_null(notify_due(&n, T0));
	assert_null(notify_due(&n, T0 + 3600 * SEC));
	assert_true(notify_deadline(&n) == FSM_NEVER);
	/* A state change while it runs queues behind. */
	notify_push(&n, FSM_MASTER, FSM_BACKUP, 90, "c");
	assert_null(notify_due(&n, T0));
	assert_ptr_equal(&n.q[n.head], e);
	assert_string_equal(e->reason, "a");

	assert_int_equal(notify_finish(&n, &ok, 3, T0 + 1), NOTIFY_DONE);
	assert_false(n.running);
	assert_int_equal(n.len, 2);
	assert_true(notify_deadline(&n) <= T0 + 1);
	e = start(&n, T0 + 1);
	assert_string_equal(e->reason, "b");
	assert_int_equal(e->attempt, 1);
	assert_int_equal(notify_finish(&n, &ok, 3, T0 + 2), NOTIFY_DONE);
	e = start(&n, T0 + 2);
	assert_string_equal(e->reason, "c");
	assert_int_equal(e->from, FSM_MASTER);
	assert_int_equal(e->to, FSM_BACKUP);
	assert_int_equal(e->priority, 90);
	assert_int_equal(notify_finish(&n, &ok, 3, T0 + 3), NOTIFY_DONE);

	assert_null(notify_due(&n, T0 + 3));
	assert_true(notify_deadline(&n) == FSM_NEVER);
	assert_int_equal(n.len, 0);
	assert_int_equal(n.calls, 3);
	assert_int_equal(n.succeeded, 3);
	assert_int_equal(n.retried, 0);
	assert_int_equal(n.failed, 0);
	assert_int_equal(n.dropped, 0);
}

/* The policy: 0 done; 1, a signal or the timeout again while runs are
 * left; 2 and up give up at once. */
static void test_verdict(void **state)
{
	static const struct {
		int status;
		bool timed_out;
		unsigned attempt, retries;
		enum notify_verdict want;
		const char *what;
	} cases[] = {
		{ W_EXITCODE(0, 0), false, 1, 3, NOTIFY_DONE, "exit 0" },
		{ W_EXITCODE(0, 0), false, 4, 3, NOTIFY_DONE, "exit 0, the last run" },
		{ W_EXITCODE(0, 0), false, 1, 0, NOTIFY_DONE, "exit 0, no retries" },
		{ 0 << 8, false, 9, 3, NOTIFY_DONE, "exit 0, past the runs" },
		{ W_EXITCODE(1, 0), false, 1, 3, NOTIFY_RETRY, "exit 1, first run" },
		{ W_EXITCODE(1, 0), false, 3, 3, NOTIFY_RETRY, "exit 1, third run of four" },
		{ W_EXITCODE(1, 0), false, 4, 3, NOTIFY_GIVE_UP, "exit 1, fourth run of four" },
		{ W_EXITCODE(1, 0), false, 5, 3, NOTIFY_GIVE_UP, "exit 1, past the runs" },
		{ W_EXITCODE(1, 0), false, 1, 0, NOTIFY_GIVE_UP, "exit 1, no retries" },
		{ 1 << 8, false, 1, 1, NOTIFY_RETRY, "status 256" },
		{ 1 << 8, false, 2, 1, NOTIFY_GIVE_UP, "status 256, second run of two" },
		{ W_EXITCODE(1, 0), false, 100, 100, NOTIFY_RETRY, "exit 1, run 100 of 101" },
		{ W_EXITCODE(2, 0), false, 1, 3, NOTIFY_GIVE_UP, "exit 2" },
		{ W_EXITCODE(3, 0), false, 1, 3, NOTIFY_GIVE_UP, "exit 3" },
		{ W_EXITCODE(126, 0), false, 1, 3, NOTIFY_GIVE_UP, "exit 126" },
		{ 127 << 8, false, 1, 3, NOTIFY_GIVE_UP, "exit 127" },
		{ W_EXITCODE(255, 0), false, 1, 3, NOTIFY_GIVE_UP, "exit 255" },
		{ W_EXITCODE(0, SIGTERM), false, 1, 3, NOTIFY_RETRY, "SIGTERM" },
		{ W_EXITCODE(0, SIGKILL), false, 3, 3, NOTIFY_RETRY, "SIGKILL, third run of four" },
		{ W_EXITCODE(0, SIGKILL), false, 4, 3, NOTIFY_GIVE_UP, "SIGKILL, fourth run of four" },
		{ W_EXITCODE(0, SIGSEGV) | 0x80, false, 1, 3, NOTIFY_RETRY, "SIGSEGV, core dumped" },
		{ W_EXITCODE(0, SIGINT), false, 1, 0, NOTIFY_GIVE_UP, "SIGINT, no retries" },
		{ W_EXITCODE(0, SIGKILL), true, 1, 3, NOTIFY_RETRY, "timed out" },
		{ W_EXITCODE(0, SIGKILL), true, 4, 3, NOTIFY_GIVE_UP, "timed out, last run" },
		{ W_EXITCODE(0, SIGKILL), true, 1, 0, NOTIFY_GIVE_UP, "timed out, no retries" },
		/* Killed at the deadline, whatever the status says. */
		{ W_EXITCODE(0, 0), true, 1, 3, NOTIFY_RETRY, "timed out, exit 0" },
		{ W_EXITCODE(2, 0), true, 1, 3, NOTIFY_RETRY, "timed out, exit 2" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proc_result r = { .status = cases[i].status, .timed_out = cases[i].timed_out, .output = "" };
		enum notify_verdict got = notify_verdict(&r, cases[i].attempt, cases[i].retries);

		if (got != cases[i].want)
			fail_msg("%s (attempt %u, retries %u): verdict %d, want %d", cases[i].what,
				 cases[i].attempt, cases[i].retries, got, cases[i].want);
	}
}

/* Exit 1 each time: the call runs 1 + retries times, a retry waits
 * NOTIFY_RETRY_DELAY, then it is given up and the next one runs at once. */
static void test_retry_then_give_up(void **state)
{
	struct notify n;
	struct notify_event *e;
	struct proc_result one = exited(1), ok = exited(0);
	fsm_time now = T0;

	(void)state;
	notify_init(&n);
	notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "first");
	notify_push(&n, FSM_MASTER, FSM_BACKUP, 100, "second");

	for (unsigned run = 1; run <= 2; run++) {
		e = start(&n, now);
		assert_non_null(e);
		assert_string_equal(e->reason, "first");
		assert_int_equal(e->attempt, run);
		now += 5000;
		assert_int_equal(notify_finish(&n, &one, 2, now), NOTIFY_RETRY);
		assert_false(n.running);
		assert_int_equal(n.len, 2); /* still queued, still first */
		assert_ptr_equal(&n.q[n.head], e);
		assert_int_equal(e->attempt, run);
		assert_true(n.not_before == now + NOTIFY_RETRY_DELAY);
		assert_true(notify_deadline(&n) == now + NOTIFY_RETRY_DELAY);
		/* It waits, and the ones behind wait with it. */
		assert_null(notify_due(&n, now));
		assert_null(notify_due(&n, now + NOTIFY_RETRY_DELAY - 1));
		now += NOTIFY_RETRY_DELAY;
		assert_ptr_equal(notify_due(&n, now), e);
	}
	e = start(&n, now);
	assert_int_equal(e->attempt, 3);
	assert_int_equal(notify_finish(&n, &one, 2, now), NOTIFY_GIVE_UP);
	assert_int_equal(n.len, 1);
	assert_int_equal(n.not_before, 0);
	/* The next one does not wait for the given-up call's delay. */
	assert_true(notify_deadline(&n) <= now);
	e = start(&n, now);
	assert_non_null(e);
	assert_string_equal(e->reason, "second");
	assert_int_equal(e->attempt, 1);
	assert_int_equal(notify_finish(&n, &ok, 2, now), NOTIFY_DONE);

	assert_int_equal(n.calls, 4);
	assert_int_equal(n.retried, 2);
	assert_int_equal(n.failed, 1);
	assert_int_equal(n.succeeded, 1);
	assert_true(notify_deadline(&n) == FSM_NEVER);
}

static void test_retry_then_success(void **state)
{
	struct notify n;
	struct notify_event *e;
	struct proc_result r;

	(void)state;
	notify_init(&n);
	notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "x");
	e = start(&n, T0);
	r = killed(SIGTERM);
	assert_int_equal(notify_finish(&n, &r, 3, T0), NOTIFY_RETRY);
	e = start(&n, T0 + NOTIFY_RETRY_DELAY);
	assert_int_equal(e->attempt, 2);
	r = timed_out();
	assert_int_equal(notify_finish(&n, &r, 3, T0 + 2 * SEC), NOTIFY_RETRY);
	assert_true(notify_deadline(&n) == T0 + 2 * SEC + NOTIFY_RETRY_DELAY);
	e = start(&n, T0 + 3 * SEC);
	assert_int_equal(e->attempt, 3);
	r = exited(0);
	assert_int_equal(notify_finish(&n, &r, 3, T0 + 3 * SEC), NOTIFY_DONE);
	assert_int_equal(n.len, 0);
	assert_int_equal(n.not_before, 0);
	assert_int_equal(n.calls, 3);
	assert_int_equal(n.retried, 2);
	assert_int_equal(n.succeeded, 1);
	assert_int_equal(n.failed, 0);
}

/* Exit 2 and up: no retry, even with retries left. */
static void test_give_up_at_once(void **state)
{
	static const int codes[] = { 2, 3, 64, 126, 127, 255 };
	struct notify n;

	(void)state;
	notify_init(&n);
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		notify_push(&n, FSM_BACKUP, FSM_FAULT, 100, "down");
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct proc_result r = exited(codes[i]);
		struct notify_event *e = start(&n, T0);

		assert_non_null(e);
		assert_int_equal(e->attempt, 1);
		assert_int_equal(notify_finish(&n, &r, 100, T0), NOTIFY_GIVE_UP);
		assert_int_equal(n.len, sizeof(codes) / sizeof(codes[0]) - i - 1);
	}
	assert_int_equal(n.failed, sizeof(codes) / sizeof(codes[0]));
	assert_int_equal(n.retried, 0);
	assert_int_equal(n.succeeded, 0);
}

/* retries = 0: exit 1, a signal or the timeout are given up at once. */
static void test_no_retries(void **state)
{
	struct notify n;
	struct proc_result r[3] = { exited(1), killed(SIGKILL), timed_out() };

	(void)state;
	notify_init(&n);
	push_n(&n, 0, 3);
	for (int i = 0; i < 3; i++) {
		start(&n, T0);
		assert_int_equal(notify_finish(&n, &r[i], 0, T0), NOTIFY_GIVE_UP);
	}
	assert_int_equal(n.failed, 3);
	assert_int_equal(n.retried, 0);
	assert_int_equal(n.len, 0);
}

/* A full queue drops its oldest call and keeps the newest. */
static void test_full_queue_drops_oldest(void **state)
{
	struct notify n;

	(void)state;
	notify_init(&n);
	for (int i = 0; i < NOTIFY_QUEUE_MAX; i++) {
		char reason[32];
		snprintf(reason, sizeof(reason), "call %d", i);
		assert_true(notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, reason));
	}
	assert_int_equal(n.len, NOTIFY_QUEUE_MAX);
	assert_int_equal(n.dropped, 0);
	assert_false(notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "call 64"));
	assert_int_equal(n.len, NOTIFY_QUEUE_MAX);
	assert_int_equal(n.dropped, 1);
	assert_false(notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "call 65"));
	assert_int_equal(n.dropped, 2);
	drain_expect(&n, T0, 2, 65);
	assert_int_equal(n.succeeded, NOTIFY_QUEUE_MAX);
	assert_int_equal(n.dropped, 2);
	/* Room again. */
	assert_true(notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "call 66"));
	drain_expect(&n, T0, 66, 66);
}

/* The running call cannot be taken back: the oldest waiting one goes. */
static void test_full_queue_keeps_running(void **state)
{
	struct notify n;
	struct notify_event *e;
	struct proc_result ok = exited(0);

	(void)state;
	notify_init(&n);
	push_n(&n, 0, NOTIFY_QUEUE_MAX);
	e = start(&n, T0);
	assert_string_equal(e->reason, "call 0");
	assert_false(notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "call 64"));
	assert_false(notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "call 65"));
	assert_int_equal(n.dropped, 2);
	assert_int_equal(n.len, NOTIFY_QUEUE_MAX);
	/* The running call is untouched, where notify_finish looks for it. */
	assert_true(n.running);
	assert_ptr_equal(&n.q[n.head], e);
	assert_string_equal(e->reason, "call 0");
	assert_int_equal(e->attempt, 1);
	assert_int_equal(notify_finish(&n, &ok, 3, T0), NOTIFY_DONE);
	/* call 1 and call 2 were the oldest waiting. */
	drain_expect(&n, T0, 3, 65);
	assert_int_equal(n.succeeded, NOTIFY_QUEUE_MAX);
	assert_int_equal(n.calls, NOTIFY_QUEUE_MAX);
}

/* The same across the end of the ring. */
static void test_full_queue_wraps(void **state)
{
	struct notify n;
	struct notify_event *e;
	struct proc_result ok = exited(0), one = exited(1);

	(void)state;
	notify_init(&n);
	push_n(&n, 0, 40);
	drain_expect(&n, T0, 0, 39);
	assert_int_equal(n.head, 40);
	push_n(&n, 100, NOTIFY_QUEUE_MAX); /* 100..163, from q[40] around to q[39] */
	assert_int_equal(n.len, NOTIFY_QUEUE_MAX);
	assert_false(notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "call 164"));
	/* 101..164 now; run 101, which fails and waits to run again. */
	e = start(&n, T0);
	assert_string_equal(e->reason, "call 101");
	assert_false(notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "call 165"));
	assert_string_equal(n.q[n.head].reason, "call 101");
	assert_int_equal(notify_finish(&n, &one, 3, T0), NOTIFY_RETRY);
	e = start(&n, T0 + NOTIFY_RETRY_DELAY);
	assert_string_equal(e->reason, "call 101");
	assert_int_equal(e->attempt, 2);
	assert_int_equal(notify_finish(&n, &ok, 3, T0 + NOTIFY_RETRY_DELAY), NOTIFY_DONE);
	drain_expect(&n, T0 + NOTIFY_RETRY_DELAY, 103, 165);
	assert_int_equal(n.dropped, 2); /* call 100 and call 102 */
	assert_int_equal(n.retried, 1);
	assert_int_equal(n.succeeded, 40 + NOTIFY_QUEUE_MAX);
	assert_int_equal(n.failed, 0);
}

/* A call waiting for its retry is not running: a full queue may drop it. */
static void test_full_queue_drops_waiting_retry(void **state)
{
	struct notify n;
	struct notify_event *e;
	struct proc_result one = exited(1);

	(void)state;
	notify_init(&n);
	push_n(&n, 0, NOTIFY_QUEUE_MAX);
	start(&n, T0);
	assert_int_equal(notify_finish(&n, &one, 3, T0), NOTIFY_RETRY);
	assert_false(notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "call 64"));
	assert_int_equal(n.dropped, 1);
	e = &n.q[n.head];
	assert_string_equal(e->reason, "call 1");
	assert_int_equal(e->attempt, 0);
	/* The retry wait went with the dropped call: call 1 is due at once. */
	assert_true(notify_due(&n, T0) == e);
	drain_expect(&n, T0, 1, 64);
	assert_int_equal(n.retried, 1);
	assert_int_equal(n.failed, 0);
}

static void test_deadline(void **state)
{
	struct notify n;
	struct proc_result r = killed(SIGTERM), ok = exited(0);

	(void)state;
	notify_init(&n);
	assert_true(notify_deadline(&n) == FSM_NEVER); /* empty */
	notify_push(&n, FSM_BACKUP, FSM_MASTER, 100, "x");
	assert_true(notify_deadline(&n) == 0);         /* due at once */
	start(&n, T0);
	assert_true(notify_deadline(&n) == FSM_NEVER); /* running: the child's end wakes us */
	notify_finish(&n, &r, 3, T0 + 7);
	assert_true(notify_deadline(&n) == T0 + 7 + NOTIFY_RETRY_DELAY);
	start(&n, T0 + 7 + NOTIFY_RETRY_DELAY);
	assert_true(notify_deadline(&n) == FSM_NEVER);
	notify_finish(&n, &ok, 3, T0 + 8 + NOTIFY_RETRY_DELAY);
	assert_true(notify_deadline(&n) == FSM_NEVER);
}

/* All the counters over a mixed run. */
static void test_counters(void **state)
{
	struct notify n;
	fsm_time now = T0;
	const struct proc_result outcomes[] = {
		exited(0),                   /* call 0: done */
		exited(1), exited(0),        /* call 1: retried, done */
		exited(2),                   /* call 2: failed */
		timed_out(), exited(1),      /* call 3: retried twice (retries 2) ... */
		killed(SIGKILL),             /* ... and given up */
		exited(0),                   /* call 4: done */
	};

	(void)state;
	notify_init(&n);
	push_n(&n, 0, 5);
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		now += NOTIFY_RETRY_DELAY;
		assert_non_null(start(&n, now));
		notify_finish(&n, &outcomes[i], 2, now);
	}
	assert_int_equal(n.len, 0);
	assert_int_equal(n.calls, 8);
	assert_int_equal(n.succeeded, 3);
	assert_int_equal(n.retried, 3);
	assert_int_equal(n.failed, 2);
	assert_int_equal(n.dropped, 0);
	assert_int_equal(n.calls, n.succeeded + n.retried + n.failed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_push_fields),
		cmocka_unit_test(test_fifo_one_at_a_time),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_retry_then_give_up),
		cmocka_unit_test(test_retry_then_success),
		cmocka_unit_test(test_give_up_at_once),
		cmocka_unit_test(test_no_retries),
		cmocka_unit_test(test_full_queue_drops_oldest),
		cmocka_unit_test(test_full_queue_keeps_running),
		cmocka_unit_test(test_full_queue_wraps),
		cmocka_unit_test(test_full_queue_drops_waiting_retry),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_counters),
	};

	return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
