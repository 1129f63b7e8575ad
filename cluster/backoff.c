/* backoff.c - see backoff.h. */
#include "backoff.h"

int backoff_delay_ms(unsigned failures)
{
	int ms = BACKOFF_FIRST_MS;

	if (!failures)
		return 0;
	/* Doubling stops at the cap, so no count of failures overflows. */
	for (unsigned i = 1; i < failures && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

enum backoff_state backoff_state(const struct backoff *b, long long now_ms)
{
	if (!b->failures)
		return BACKOFF_UP;
	return now_ms < b->until_ms ? BACKOFF_DOWN : BACKOFF_TRIAL;
}

long long backoff_fail(struct backoff *b, long long now_ms)
{
	/* A failure while down comes from a call that was already under way
	 * (a reply read on an older connection): it says nothing new about
	 * the node, so the delay does not grow for it. */
	if (backoff_state(b, now_ms) != BACKOFF_DOWN)
		b->failures++;
	b->until_ms = now_ms + backoff_delay_ms(b->failures);
	return b->until_ms;
}

void backoff_ok(struct backoff *b)
{
	b->failures = 0;
	b->until_ms = 0;
}

long long backoff_wait_ms(const struct backoff *b, long long now_ms)
{
	return backoff_state(b, now_ms) == BACKOFF_DOWN ? b->until_ms - now_ms : 0;
}

bool backoff_refresh_due(long long last_ms, long long now_ms)
{
	return !last_ms || now_ms - last_ms >= BACKOFF_REFRESH_MS;
}
