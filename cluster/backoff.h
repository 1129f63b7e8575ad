/* backoff.h - when the cluster client tries a failed node again, and how
 * often it may reload the slot map because of one.
 *
 * A node is up until a connect or I/O failure; it is then down until a
 * deadline, and a command for it fails at once instead of waiting for a
 * connect or command timeout. Once the deadline has passed, the next
 * command tries the node (trial): a reply makes it up again, another
 * failure makes it down for twice as long as before, from
 * BACKOFF_FIRST_MS up to BACKOFF_MAX_MS.
 *
 *   state   event                    next    deadline
 *   up      failure                  down    now + 100 ms
 *   down    (time reaches deadline)  trial   -
 *   trial   failure                  down    now + twice the last delay (5 s at most)
 *   trial   reply                    up      -
 *   down    failure (a call begun    down    now + the same delay
 *           before the deadline)
 *   down    reply                    up      -
 *
 * Pure: the caller passes the monotonic time (mono_ms), so the unit tests
 * drive it with a virtual clock. One struct backoff per node per client;
 * nothing is shared, so it needs no lock. */
#ifndef CLUSTER_BACKOFF_H
#define CLUSTER_BACKOFF_H

#include <stdbool.h>

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
/* While a node is down, the slot map is reloaded at most this often, so a
 * replica promoted in its place is found by the next command after it. */
#define BACKOFF_REFRESH_MS 200

enum backoff_state {
	BACKOFF_UP,    /* no failure since the last reply */
	BACKOFF_DOWN,  /* failed: commands for it fail at once until the deadline */
	BACKOFF_TRIAL, /* the deadline has passed: the next command tries it */
};

struct backoff {
	unsigned failures;  /* in a row; 0: up */
	long long until_ms; /* monotonic ms before which the node is not tried */
};

/* The delay after the n-th failure in a row (n >= 1; 0 for n == 0). */
int backoff_delay_ms(unsigned failures);

enum backoff_state backoff_state(const struct backoff *b, long long now_ms);

/* A connect or I/O failure at now_ms; returns the new deadline. */
long long backoff_fail(struct backoff *b, long long now_ms);

/* The node answered: up again, and the next failure starts over. */
void backoff_ok(struct backoff *b);

/* Milliseconds until the node may be tried again; 0 when it may be now. */
long long backoff_wait_ms(const struct backoff *b, long long now_ms);

/* Whether a reload of the slot map because of a node failure may start at
 * now_ms, the last one having started at last_ms (0: none yet). */
bool backoff_refresh_due(long long last_ms, long long now_ms);

#endif
