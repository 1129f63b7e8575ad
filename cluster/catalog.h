/* catalog.h - what an archive can restore, worked out from its histories'
 * bookkeeping: for every slot range the seconds it can be restored to,
 * the window every slot shares, and the gaps inside it with their cause.
 *
 * A restore "at second c" holds every write the archive received before
 * c.000 (redis-check-aof --truncate-to-timestamp c-1 keeps the
 * annotations up to c-1). A history can give that when its base and the
 * backlog after it were in by then (start <= c), it had received
 * everything up to c (covered >= c), and c does not fall in a blind span,
 * where writes made while the archive was away arrived after they were
 * made (c <= from or c >= to).
 *
 * Pure: histories in, seconds out; unit-tested with made-up histories. */
#ifndef CLUSTER_CATALOG_H
#define CLUSTER_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "history.h"

struct catalog_span {
	long long first, last; /* whole seconds, inclusive */
};

struct catalog_range {
	int slot_first, slot_last;
	struct catalog_span *spans; /* sorted, apart from one another */
	size_t nspans;
};

enum catalog_gap_kind {
	GAP_BLIND,     /* writes kept, but made while the archive was away: their second unknown */
	GAP_RESYNC,    /* writes lost: a full resync started a new base copy */
	GAP_UNCOVERED, /* no history holds these moments (the archive was not running) */
};

struct catalog_gap {
	int slot_first, slot_last;
	long long first, last; /* seconds inside the window these slots cannot be restored at */
	enum catalog_gap_kind kind;
	char why[240];
};

/* "blind", "resync", "uncovered". */
const char *catalog_gap_kind_name(enum catalog_gap_kind k);

struct catalog {
	struct catalog_range *ranges; /* all 16384 slots, neighbours differing */
	size_t nranges;
	long long earliest, latest;   /* the window; earliest > latest: nothing restorable */
	struct catalog_gap *gaps;
	size_t ngaps;
};

/* Whether history h can restore its slots (those of second cut) at cut. */
bool catalog_history_restores(const struct history *h, long long cut);

/* 0, or -1 out of memory. */
int catalog_build(const struct history *h, size_t n, struct catalog *c);
void catalog_free(struct catalog *c);

/* 0 when cut can be restored; -1 outside the window; -2 inside a gap (set
 * in *gap). */
int catalog_check(const struct catalog *c, long long cut, const struct catalog_gap **gap);

/* For each of the SLOT_COUNT slots, the history to restore it from at cut:
 * of those that can, the one with the newest base (the least to replay);
 * -1 for none. */
void catalog_choose(const struct history *h, size_t n, long long cut, int *choice);

#endif
