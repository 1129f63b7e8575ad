/* archive.h - clusterctl archive: what its main loop (archive.c) and its
 * replication links (archive_link.c) share.
 *
 * One link per history, each a thread acting as a replica of the master
 * that serves the history's slots: it writes the base copy and the
 * command stream into the history's AOF directory and checkpoints the
 * history's bookkeeping every second. The main thread reads the cluster,
 * tells each link which master to follow (its own, or the node that
 * serves its slots after a failover), starts links for new masters,
 * takes fresh base copies and prunes what fell out of the retention. */
#ifndef CLUSTER_ARCHIVE_H
#define CLUSTER_ARCHIVE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "aof_dir.h"
#include "ctl_metrics.h"
#include "history.h"
#include "node_addr.h"

struct link;

struct replica_seen {
	char id[NODE_ID_LEN + 1];
	double at;
};

struct archive {
	const char *dir;
	const char *user, *password;
	double retain_s;                 /* --retain */
	double base_every_s;             /* --base-every */
	const struct node_addr *seeds;
	size_t nseeds;
	char (*known)[HOSTPORT_STRLEN];  /* members seen last time: fallback seeds */
	size_t nknown;
	volatile sig_atomic_t *stop;
	/* Replicas of masters that went away, and when each last said it was
	 * a replica: the one promoted took writes only after that. The main
	 * thread's alone. */
	struct replica_seen *seen;
	size_t nseen;
	pthread_mutex_t lock;            /* guards the links' shared fields below */
	struct link **links;
	size_t nlinks;
	int masters;                     /* serving slots at the last read (main thread) */
	struct ctl_metrics *metrics;     /* --metrics, else NULL; it has its own lock */
};

enum link_state {
	LINK_WAITING,   /* for a master to follow */
	LINK_SYNCING,   /* connected: handshake, base copy, backlog */
	LINK_STREAMING, /* caught up: times are exact */
	LINK_DONE,      /* thread finished */
};

struct link {
	struct archive *a;
	pthread_t thread;
	bool running;
	/* The link thread's own. */
	struct history h;
	char dir[4096];                  /* the history's directory; "" before its first base
					  * copy (written under a->lock, for the pruning) */
	bool has_base;
	/* Shared under a->lock. Set by the main thread: */
	struct node_addr target;
	char target_id[NODE_ID_LEN + 1];
	unsigned target_gen;             /* bumped at every (re)assignment */
	struct slotset new_slots;        /* the master's slots now, when slots_changed */
	bool slots_changed;
	long long master_offset;
	double master_seen;
	/* The target last said it was a replica at this moment (0: not
	 * known): a promoted replica took writes only after it. */
	double promoted_after;
	bool retire;                     /* a newer base copy took over: close and stop */
	struct link *successor;
	/* Set by the link thread: */
	enum link_state state;
	struct slotset slots;
	bool started;                    /* its history is restorable (start > 0) */
	double started_at;
	char name[64];                   /* the history's name, for the logs */
	/* ...at each checkpoint, for the metrics: */
	double covered, last_write;      /* the history's */
	long long archived_offset;       /* the offset the checkpoint recorded */
	double archived_at;              /* ... at this moment */
	double since;                    /* made at (set once, before its thread starts) */
};

/* One line on stdout: "<UTC time> clusterctl archive: ...". */
void archive_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wall-clock time, unix seconds with a fraction. */
double archive_now(void);

/* Start l's thread (archive_link.c); 0 or -1. */
int link_start(struct link *l);

/* A new link for a master not followed yet, or resuming the history in
 * dir (NULL: none yet). NULL when out of memory or the history does not
 * load (said). */
struct link *link_new(struct archive *a, const char *dir, const struct slotset *slots);

#endif
