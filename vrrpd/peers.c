/* peers.c - whom an instance listens to: its peers only, and from a CARP
 * peer only a counter that is not a recording (see peers.h). */
#include "peers.h"

#include <string.h>

bool peers_allow(const struct ipaddr *set, size_t n, const struct ipaddr *src)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (ipaddr_equal(&set[i], src))
			return true;
	return false;
}

static struct carp_peer *carp_find(struct carp_counters *t, const struct ipaddr *src)
{
	for (size_t i = 0; i < CARP_PEERS_MAX; i++)
		if (t->peer[i].addr.family && ipaddr_equal(&t->peer[i].addr, src))
			return &t->peer[i];
	return NULL;
}

/* A free slot, else the sender heard longest ago: with more senders than
 * slots (only without a list of peers) the quietest one is forgotten. */
static struct carp_peer *carp_slot(struct carp_counters *t)
{
	struct carp_peer *oldest = &t->peer[0];

	for (size_t i = 0; i < CARP_PEERS_MAX; i++) {
		if (!t->peer[i].addr.family)
			return &t->peer[i];
		if (t->peer[i].heard < oldest->heard)
			oldest = &t->peer[i];
	}
	return oldest;
}

static bool carp_recent(const struct carp_counters *t, uint64_t counter)
{
	size_t n = t->nrecent < CARP_RECENT_MAX ? (size_t)t->nrecent : CARP_RECENT_MAX;

	for (size_t i = 0; i < n; i++)
		if (t->recent[i] == counter)
			return true;
	return false;
}

enum carp_verdict carp_counter_check(struct carp_counters *t, const struct ipaddr *src, uint64_t counter,
				     unsigned advbase_s, fsm_time now, uint64_t *last)
{
	struct carp_peer *p = carp_find(t, src);
	/* A sender silent for its dead interval has stopped; when it speaks
	 * again it may have restarted, with a counter anywhere. */
	bool known = p && now - p->heard < p->forget_after;

	/* Also catches a recording sent under another peer's address: the
	 * HMAC does not cover the IP header. */
	if (carp_recent(t, counter))
		return CARP_HEARD_BEFORE;
	if (known && p->counting && counter <= p->last) {
		*last = p->last;
		return CARP_NOT_FORWARD;
	}
	if (!known) {
		if (!p)
			p = carp_slot(t);
		memset(p, 0, sizeof(*p));
		p->addr = *src;
		p->forget_after = (fsm_time)CARP_DEAD_RATIO * 1000000 - CARP_SILENCE_SLACK;
	} else if (counter > p->last && counter - p->last <= CARP_COUNT_STEP) {
		/* Two random draws this close do not happen: it counts. */
		p->counting = true;
	}
	p->last = counter;
	p->heard = now;
	if (advbase_s)
		p->forget_after = (fsm_time)CARP_DEAD_RATIO * advbase_s * 1000000 - CARP_SILENCE_SLACK;
	t->recent[t->nrecent++ % CARP_RECENT_MAX] = counter;
	return CARP_ACCEPT;
}

void carp_counters_keep(struct carp_counters *t, const struct ipaddr *set, size_t n)
{
	for (size_t i = 0; i < CARP_PEERS_MAX; i++)
		if (t->peer[i].addr.family && !peers_allow(set, n, &t->peer[i].addr))
			memset(&t->peer[i], 0, sizeof(t->peer[i]));
}
