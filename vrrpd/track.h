/* track.h - health tracking, the pure part: how check results become a
 * track's state (rise and fall counts), and how the tracks of an
 * instance become its effective priority, a fault, or readiness.
 * Running the checks is the daemon's business (check.c). */
#ifndef VIPD_TRACK_H
#define VIPD_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum track_state { TRACK_UNKNOWN = 0, TRACK_UP, TRACK_DOWN };

struct track {
	const struct track_config *cfg; /* owned by the configuration; repointed on reload */
	enum track_state state;
	bool last_ok;                   /* the latest result */
	unsigned streak;                /* results in a row equal to last_ok */
	char detail[160];               /* what the latest check said */
	uint64_t passes, failures;      /* checks, by result */
	uint64_t changes;               /* state changes (up <-> down) */
	/* Run state, kept by check.c. */
	int64_t next_run;               /* monotonic microseconds */
	bool running;
	void *job;                      /* the check in flight */
	void *owner;                    /* the instance */
};

const char *track_state_name(enum track_state s);

/* Record one result. Up after cfg->rise passes in a row, down after
 * cfg->fall failures in a row; from unknown, whichever comes first.
 * Returns true when the state changed. detail may be NULL. */
bool track_result(struct track *t, bool ok, const char *detail);

struct track_effect {
	uint8_t priority;               /* base moved by the weights, 1..254 (255 stays) */
	const struct track *fault;      /* the first failed fault track, NULL if none */
	const struct track *lowest;     /* the track that took most off the priority, for the reason */
	bool ready;                     /* every track up */
};

/* What the tracks make of base priority. A track in unknown state (no
 * verdict yet) neither adds nor takes: an instance is not punished for
 * starting. */
void track_effect(const struct track *t, size_t n, uint8_t base, struct track_effect *e);

/* "track web down (HTTP 502), weight -60" style text for the status
 * reason (no weight for a fault track). */
void track_describe(const struct track *t, char *buf, size_t len);

#endif
