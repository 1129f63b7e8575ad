/* paths.h - which of an instance's links still carry the master's
 * adverts (heartbeat_paths). Pure code: the caller says when a link
 * became usable or not and when an advert was heard on which path, with
 * the time; it is told which paths changed state, to log them.
 *
 * Path 0 is the instance's own interface, the others its heartbeat
 * paths. Any valid advert on any path resets the Master_Down_Timer (the
 * state machine sees them all), so the master is down only when every
 * path is silent. A path is silent when nothing was heard on it for
 * Master_Down_Interval while adverts kept arriving on another one: that
 * is the moment it can be told apart from "the master is gone". */
#ifndef VIPD_PATHS_H
#define VIPD_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

enum path_state {
	PATH_UP = 0,      /* the link is usable and not known to be silent */
	PATH_SILENT,      /* the link is up, but the master is heard elsewhere only */
	PATH_DOWN,        /* the link is unusable (missing, down, no carrier, no capture) */
};

struct path_live {
	enum path_state state;
	bool known;                 /* the link was looked at once */
	fsm_time last_heard;        /* the last advert, or when the wait was (re)started */
	uint64_t adverts;           /* valid adverts received on it */
	uint64_t failures;          /* times it went from up to silent or down */
};

/* A change of one path, for the log. */
struct path_change {
	size_t index;
	enum path_state from, to;
	bool first;                 /* the path's first verdict (from is meaningless) */
};

const char *path_state_name(enum path_state s);

/* Unknown until path_link() first says. */
void path_init(struct path_live *p, size_t n);

/* The link of path i is usable or not. A path that becomes usable is up
 * and gets a full Master_Down_Interval before it can be silent. Returns
 * whether its state changed (filled into *ch). */
bool path_link(struct path_live *p, size_t n, size_t i, bool usable, fsm_time now, struct path_change *ch);

/* A valid advert arrived on path i at now; mdi is the current
 * Master_Down_Interval. Path i is up again if it was silent; every other
 * up path that heard nothing for longer than mdi is silent now. Returns
 * the number of changes written to ch (room for n). */
size_t path_heard(struct path_live *p, size_t n, size_t i, fsm_time now, fsm_time mdi, struct path_change *ch);

/* The instance changed state (a new master may now be heard, or none at
 * all): every path waits afresh from now. */
void path_rearm(struct path_live *p, size_t n, fsm_time now);

#endif
