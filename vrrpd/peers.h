/* peers.h - whom an instance listens to.
 *
 * vipd reads adverts through libpcap, which sees a packet before the
 * host's firewall does, so no nftables rule keeps a stranger's claim away
 * from it: the instance itself accepts adverts only from its peers, the
 * other routers of the virtual router. And an authentic CARP advert can
 * still be a recording played back later, so each CARP peer's counter
 * must move forward.
 *
 * Pure: the caller passes the time, so tests drive it with a virtual
 * clock. */
#ifndef VIPD_PEERS_H
#define VIPD_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "fsm.h"

/* Whether src is one of the n addresses of set; with n 0, anyone is. */
bool peers_allow(const struct ipaddr *set, size_t n, const struct ipaddr *src);

/* CARP senders and counters remembered per instance. */
#define CARP_PEERS_MAX 16
#define CARP_RECENT_MAX 64
/* A sender is counting (not drawing at random) once two of its adverts in
 * a row moved forward by at most this: a counter steps by one per advert,
 * by one per destination when it is sent to several. */
#define CARP_COUNT_STEP 256
/* A sender silent this many advbases has stopped or restarted: ucarp
 * declares a master down after three (its dead ratio), and a restarted
 * ucarp or vipd waits that long as a backup before it claims anything. */
#define CARP_DEAD_RATIO 3
/* Less than that by this much, for the jitter of two receive times. */
#define CARP_SILENCE_SLACK 100000 /* microseconds */

struct carp_peer {
	struct ipaddr addr;       /* family 0: a free slot */
	uint64_t last;            /* its last accepted counter */
	fsm_time heard;           /* when that advert came */
	fsm_time forget_after;    /* silence that makes it a new sender again */
	bool counting;            /* seen to step forward: from now on only forward */
};

struct carp_counters {
	struct carp_peer peer[CARP_PEERS_MAX];
	uint64_t recent[CARP_RECENT_MAX]; /* the last counters accepted, from anyone (a ring) */
	uint64_t nrecent;                 /* how many were ever put in */
};

enum carp_verdict {
	CARP_ACCEPT,
	CARP_HEARD_BEFORE,        /* the counter is among the last accepted */
	CARP_NOT_FORWARD,         /* a counting sender's counter did not move forward */
};

/* An authentic CARP advert from src with counter at now; advbase_s is the
 * advert's advbase in seconds, 0 for a leaving advert (advbase 255), which
 * says nothing of the sender's pace. Accepted adverts are remembered; a
 * replay changes nothing. With CARP_NOT_FORWARD, *last is the sender's
 * last accepted counter.
 *
 * The rule, for ucarp's sake: ucarp draws a fresh random counter for every
 * advert until it hears another router's, then continues from the last
 * counter it heard, one up per advert, until it exits. So:
 *   - a counter among the last CARP_RECENT_MAX accepted is a replay;
 *   - a sender that counts must send a counter above its last;
 *   - a new sender, one silent for CARP_DEAD_RATIO advbases (it restarted),
 *     or one that has not been seen counting is accepted. */
enum carp_verdict carp_counter_check(struct carp_counters *t, const struct ipaddr *src, uint64_t counter,
				     unsigned advbase_s, fsm_time now, uint64_t *last);

/* Forget the senders that are no longer in set (n addresses; n 0 keeps
 * them all), as after a reload changed the peers. */
void carp_counters_keep(struct carp_counters *t, const struct ipaddr *set, size_t n);

#endif
