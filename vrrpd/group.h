/* group.h - the sync group policy: instances that are master together or
 * not at all (vipd.conf: group NAME { members = { ... } }).
 *
 * Pure: each instance's state and flags in, one verdict per instance out.
 * No I/O, no clock; groupsync.c feeds it and carries the verdicts out. */
#ifndef VIPD_GROUP_H
#define VIPD_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "fsm.h"

/* How a member holds the others of its group back. Hard (not started,
 * faulted, in giveup, waiting for its tracks): they neither take Master
 * nor keep it. Soft (it lost its election to a higher master): they do
 * not preempt a lower master, but still replace a silent one. */
enum group_hold { GROUP_FREE = 0, GROUP_SOFT, GROUP_HARD };

/* What a member must do now. */
enum group_move {
	GROUP_STAY = 0,
	GROUP_STEP_DOWN, /* leave Master (priority 0, make-before-break) */
	GROUP_FOLLOW,    /* become Master with the group's master */
};

/* One instance as the policy sees it. */
struct group_member {
	int group;            /* its sync group, -1: none (or none any more) */
	enum fsm_state state; /* now */
	enum fsm_state seen;  /* when the policy last ran, after its verdicts were carried out */
	bool giveup;          /* operator giveup */
	bool gate;            /* wait_for_tracks: some track has not passed yet */
	bool outranked;       /* a backup that lost its election (fsm_outranked) */
};

struct group_verdict {
	enum group_hold hold; /* how the other members hold it */
	size_t hold_by;       /* ... the member that does (when hold) */
	enum group_move move;
	size_t cause;         /* STEP_DOWN: hold_by, or the member that left Master; FOLLOW: the master */
	bool cause_left;      /* STEP_DOWN because cause left Master */
};

/* How m holds the others of its group back. */
enum group_hold group_blocks(const struct group_member *m);

/* The verdicts for n instances (all of the daemon's: the group fields
 * say who belongs together). An instance in no group is held by nobody.
 * Afterwards the caller sets each seen to the state it left the instance
 * in: a master the policy took down has not left Master by itself. */
void group_decide(const struct group_member *m, size_t n, struct group_verdict *v);

#endif
