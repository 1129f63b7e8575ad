/* notify.h - an instance's notify hook calls: a queue run in order, one
 * call at a time, and the retry policy by exit code (as Redis Sentinel's
 * scripts): 0 done; 1, a signal or the timeout: run again later, a
 * bounded number of times; 2 or more: give up. Pure: the daemon spawns
 * the calls (proc.c) and feeds the results back. */
#ifndef VIPD_NOTIFY_H
#define VIPD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"
#include "proc.h"

#define NOTIFY_QUEUE_MAX 64
#define NOTIFY_RETRY_DELAY 1000000 /* microseconds before a retry */

struct notify_event {
	enum fsm_state from, to;
	uint8_t priority;
	char reason[160];
	unsigned attempt;            /* runs so far */
};

struct notify {
	struct notify_event q[NOTIFY_QUEUE_MAX]; /* a ring: q[head] is next */
	size_t head, len;
	bool running;
	fsm_time not_before;         /* a retry waits */
	uint64_t calls, succeeded, retried, failed, dropped;
};

enum notify_verdict { NOTIFY_DONE, NOTIFY_RETRY, NOTIFY_GIVE_UP };

void notify_init(struct notify *n);

/* Queue a state change. A full queue drops its oldest call (counted):
 * the newest state is what a hook most needs to hear. Returns false if
 * one was dropped. */
bool notify_push(struct notify *n, enum fsm_state from, enum fsm_state to, uint8_t priority,
		 const char *reason);

/* The call to run now, NULL if none is due (one is running, the queue is
 * empty, or a retry waits). */
struct notify_event *notify_due(struct notify *n, fsm_time now);

/* What to do after a call ended; retries: runs allowed after the first. */
enum notify_verdict notify_verdict(const struct proc_result *r, unsigned attempt, unsigned retries);

/* The running call ended with r: pops it or schedules its retry. Returns
 * the verdict. */
enum notify_verdict notify_finish(struct notify *n, const struct proc_result *r, unsigned retries, fsm_time now);

/* When the queue next needs the loop (a retry), FSM_NEVER if not. */
fsm_time notify_deadline(const struct notify *n);

#endif
