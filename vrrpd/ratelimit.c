/* ratelimit.c - one log line per period for a recurring cause. */
#include "ratelimit.h"

bool ratelimit_allow(struct ratelimit *rl, int64_t now, int64_t period, uint64_t *missed)
{
	/* A flood must not become a flood of lines, yet its size must not
	 * vanish either: the held-back events ride on the next line. */
	if (rl->reported && now - rl->last < period) {
		rl->missed++;
		return false;
	}
	*missed = rl->missed;
	rl->missed = 0;
	rl->last = now;
	rl->reported = true;
	return true;
}
