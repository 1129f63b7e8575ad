/* restore.h - clusterctl restore's work on one history (restore_load.c):
 * its base and INCR copied into a working directory, cut at the second
 * with redis-check-aof --truncate-to-timestamp, loaded by a temporary
 * redis-server (appendonly yes on that directory, a unix socket, no
 * port), and every key of the slots it gives copied into the new cluster
 * with DUMP and RESTORE. restore.c decides which history gives which
 * slots and builds the cluster. */
#ifndef CLUSTER_RESTORE_H
#define CLUSTER_RESTORE_H

#include <stddef.h>
#include <sys/types.h>

#include "create.h"
#include "history.h"

struct restore_source {
	const struct history *h;
	char hist_dir[4096];       /* in the archive */
	struct slotset slots;      /* the slots this history gives */
	char work[4096];           /* its working directory */
	pid_t pid;                 /* the temporary redis-server, 0 none */
	long long keys;            /* copied */
	long long seen;            /* keys of its slots found */
};

/* Copy the history into a new working directory under tmp_base and cut
 * it so that it holds the writes received before second `cut`. 0, or -1
 * with err. */
int restore_prepare(struct restore_source *s, const char *tmp_base, long long cut, char *err,
		    size_t errlen);

/* Start the temporary server on the working directory. 0, or -1. */
int restore_start(struct restore_source *s, char *err, size_t errlen);

/* Wait until the server has loaded its data (at most timeout_s). 0, or -1
 * with err (the end of its log when it died). */
int restore_wait_loaded(struct restore_source *s, int timeout_s, char *err, size_t errlen);

/* Copy every key of s->slots into the new cluster c (its masters, by the
 * plan's slot ranges). 0, or -1 with err. */
int restore_copy(struct restore_source *s, struct create *c, char *err, size_t errlen);

/* Stop the server and remove the working directory. */
void restore_cleanup(struct restore_source *s);

#endif
