/* ratelimit.h - at most one log line per period for a recurring cause,
 * with a count of what was left unsaid.
 *
 * Pure: the caller passes the time, so tests drive it with a virtual
 * clock. The first event is always reported; after a line, the events of
 * the next period are counted instead, and the first event after it is
 * reported with that count ("(+41 more since the last line)"). */
#ifndef VIPD_RATELIMIT_H
#define VIPD_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	bool reported;    /* a line was written (zero-initialised: none yet) */
	int64_t last;     /* ... at this time (microseconds) */
	uint64_t missed;  /* events counted, not reported, since that line */
};

/* One event at now (microseconds of a monotonic clock). True if a line
 * may be written; then *missed is the number of events held back since
 * the previous line, and the next line waits until now + period. */
bool ratelimit_allow(struct ratelimit *rl, int64_t now, int64_t period, uint64_t *missed);

#endif
