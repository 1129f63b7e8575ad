/* notify.c - the notify queue and its retry policy (pure code). */
#include "notify.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

void notify_init(struct notify *n)
{
	memset(n, 0, sizeof(*n));
}

bool notify_push(struct notify *n, enum fsm_state from, enum fsm_state to, uint8_t priority,
		 const char *reason)
{
	bool kept = true;

	if (n->len == NOTIFY_QUEUE_MAX) {
		/* The oldest is the running one when a call runs: drop the
		 * next oldest instead, the running one cannot be taken back. */
		size_t victim = n->running ? 1 : 0;
		if (victim == 0)
			n->not_before = 0; /* a retry wait was the dropped call's */
		for (size_t i = victim; i + 1 < n->len; i++)
			n->q[(n->head + i) % NOTIFY_QUEUE_MAX] = n->q[(n->head + i + 1) % NOTIFY_QUEUE_MAX];
		n->len--;
		n->dropped++;
		kept = false;
	}
	struct notify_event *e = &n->q[(n->head + n->len) % NOTIFY_QUEUE_MAX];
	memset(e, 0, sizeof(*e));
	e->from = from;
	e->to = to;
	e->priority = priority;
	snprintf(e->reason, sizeof(e->reason), "%s", reason ? reason : "");
	n->len++;
	return kept;
}

struct notify_event *notify_due(struct notify *n, fsm_time now)
{
	if (n->running || n->len == 0 || now < n->not_before)
		return NULL;
	return &n->q[n->head];
}

enum notify_verdict notify_verdict(const struct proc_result *r, unsigned attempt, unsigned retries)
{
	bool again;

	if (!r->timed_out && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0)
		return NOTIFY_DONE;
	if (r->timed_out || WIFSIGNALED(r->status))
		again = true;
	else
		again = WIFEXITED(r->status) && WEXITSTATUS(r->status) == 1;
	return again && attempt <= retries ? NOTIFY_RETRY : NOTIFY_GIVE_UP;
}

enum notify_verdict notify_finish(struct notify *n, const struct proc_result *r, unsigned retries, fsm_time now)
{
	struct notify_event *e = &n->q[n->head];
	enum notify_verdict v = notify_verdict(r, e->attempt, retries);

	n->running = false;
	if (v == NOTIFY_RETRY) {
		n->retried++;
		n->not_before = now + NOTIFY_RETRY_DELAY;
		return v;
	}
	if (v == NOTIFY_DONE)
		n->succeeded++;
	else
		n->failed++;
	n->head = (n->head + 1) % NOTIFY_QUEUE_MAX;
	n->len--;
	n->not_before = 0;
	return v;
}

fsm_time notify_deadline(const struct notify *n)
{
	return !n->running && n->len ? n->not_before : FSM_NEVER;
}
