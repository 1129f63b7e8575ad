/* history.h - the bookkeeping of one history of the archive: which
 * replication stream it follows (replid, offset), which slots it holds
 * and since when, and which moments it can restore (from start, once the
 * base copy and its backlog were in, to covered; minus the blind spans
 * after a reconnect, when writes arrived late and their times are not
 * known). The data itself is the AOF directory beside it (aof_dir.h).
 *
 * Kept as a small text file of "key value" lines, rewritten whole (a
 * temporary file, fsync, rename) after every checkpoint. Parsing and
 * formatting are pure; history_load and history_save do the file I/O. */
#ifndef CLUSTER_HISTORY_H
#define CLUSTER_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctable.h"
#include "hostport.h"
#include "repl_stream.h"
#include "slot_count.h"

#define HISTORY_FILE "history"

/* A set of hash slots. */
struct slotset {
	uint64_t bits[SLOT_COUNT / 64];
};

void slotset_clear(struct slotset *s);
void slotset_add_range(struct slotset *s, int first, int last);
bool slotset_has(const struct slotset *s, int slot);
int slotset_count(const struct slotset *s);
bool slotset_equal(const struct slotset *a, const struct slotset *b);
bool slotset_overlaps(const struct slotset *a, const struct slotset *b);
/* "0-5460,5462,5470-5480"; "" is the empty set. 0, or -1 when malformed. */
int slotset_parse(const char *text, struct slotset *s);
/* The same text; "-" for the empty set. Returns buf (truncated when small). */
char *slotset_format(const struct slotset *s, char *buf, size_t len);

struct history_slots {
	double since;        /* first seen serving these */
	struct slotset set;
};

struct history_blind {
	double from, to;     /* disconnected at, caught up again at */
	char why[160];
};

struct history {
	char name[64];                   /* its directory in the archive */
	char replid[REPL_ID_LEN + 1];
	long long offset;                /* replication offset after the last command kept */
	long long aof_size;              /* INCR bytes that hold exactly those commands */
	long long last_ts;               /* second of the INCR's last annotation (0: none) */
	double base_time;                /* +FULLRESYNC arrived: the base copy predates it */
	double start;                    /* base and backlog in: restorable from here (0: not yet) */
	double covered;                  /* every write before this moment is kept */
	double last_write;               /* the last command arrived (0: none yet) */
	double closed;                   /* replaced by a newer history at (0: still open) */
	char source_id[NODE_ID_LEN + 1]; /* the master it reads from, last time */
	char source_addr[HOSTPORT_STRLEN];
	long long master_offset;         /* that master's own offset, last asked */
	double master_seen;              /* ... at this moment (0: never) */
	char began[200];                 /* why it began: first copy, or the full resync's cause */
	struct history_slots *slots;     /* in order of since */
	size_t nslots;
	struct history_blind *blind;
	size_t nblind;
	long long bytes;                 /* not stored: its files' size, for backups */
};

void history_init(struct history *h, const char *name);
void history_free(struct history *h);

/* Record the slots served from `since`: appended only when they changed.
 * 0, or -1 out of memory. */
int history_set_slots(struct history *h, double since, const struct slotset *s);
/* The slots served at moment t (the first set before the first change). */
const struct slotset *history_slots_at(const struct history *h, double t);
int history_add_blind(struct history *h, double from, double to, const char *why);

/* Text <-> struct. history_format's result is malloc'd (NULL: out of
 * memory); history_parse returns 0, or -1 with err naming the line. */
char *history_format(const struct history *h);
int history_parse(const char *text, struct history *h, char *err, size_t errlen);

/* dir/history: read, or write atomically. 0, or -1 with err. */
int history_load(const char *dir, struct history *h, char *err, size_t errlen);
int history_save(const char *dir, const struct history *h, char *err, size_t errlen);

#endif
