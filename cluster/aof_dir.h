/* aof_dir.h - one history of the archive kept as Redis 7 keeps its own
 * append-only file: a directory with a manifest, the base copy (the RDB a
 * full resync sent) and an INCR file of the commands after it, with a
 * "#TS:<unix seconds>" annotation line wherever the second changes (the
 * format of aof-timestamp-enabled). So redis-server with appendonly yes
 * loads the directory as it is, and redis-check-aof
 * --truncate-to-timestamp cuts it at a second.
 *
 * The manifest text is pure (unit-tested); the writer appends to a file. */
#ifndef CLUSTER_AOF_DIR_H
#define CLUSTER_AOF_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "repl_stream.h"

/* The names redis-server uses for appenddirname "aof" and appendfilename
 * "appendonly.aof", so the directory needs no renaming to be loaded. */
#define AOF_DIR_NAME "aof"
#define AOF_FILE_NAME "appendonly.aof"
#define AOF_MANIFEST_FILE "appendonly.aof.manifest"
#define AOF_BASE_FILE "appendonly.aof.1.base.rdb"
#define AOF_INCR_FILE "appendonly.aof.1.incr.aof"

#define AOF_NAME_MAX 256
#define AOF_MAX_INCR 64

struct aof_manifest {
	char base[AOF_NAME_MAX];              /* "" when there is none */
	char incr[AOF_MAX_INCR][AOF_NAME_MAX]; /* in sequence order */
	size_t nincr;
};

/* The manifest of one base and one INCR file, as Redis writes it. */
size_t aof_manifest_format(const char *base, const char *incr, char *buf, size_t len);

/* Read a manifest ("file NAME seq N type b|i|h" lines; history files
 * are skipped). 0, or -1 with err naming the line. */
int aof_manifest_parse(const char *text, struct aof_manifest *m, char *err, size_t errlen);

/* Write dir/appendonly.aof.manifest for AOF_BASE_FILE and AOF_INCR_FILE:
 * a temporary file, fsync, rename, fsync of the directory. 0 or -1. */
int aof_manifest_write(const char *dir, char *err, size_t errlen);

/* The timestamp annotation line for second ts: "#TS:<ts>\r\n"; returns
 * its length. */
size_t aof_annotation(long long ts, char *buf, size_t len);

/* The INCR file being appended to. Commands are buffered and written by
 * aof_writer_flush (and whenever the buffer fills). */
struct aof_writer {
	int fd;
	char *buf;
	size_t len, cap;
	long long size;    /* bytes in the file, the buffered ones included */
	long long last_ts; /* second of the last annotation written; 0 none */
	bool in_multi;     /* no annotation may split a MULTI ... EXEC */
};

/* Open path for appending after its first keep bytes (the rest, written
 * after the last checkpoint, is cut off); keep < 0 keeps it all. last_ts
 * is the second of the last annotation in what is kept. 0 or -1. */
int aof_writer_open(struct aof_writer *w, const char *path, long long keep, long long last_ts,
		    char *err, size_t errlen);

/* Append one command received in second ts, preceded by an annotation
 * when the second changed (and not inside a transaction). A clock that
 * went back keeps the last second: annotations never decrease. 0 or -1
 * (write failed; errno set). */
int aof_writer_add(struct aof_writer *w, const char *cmd, size_t len, enum repl_cmd kind,
		   long long ts);

/* Write out what is buffered; with sync, fdatasync too. 0 or -1. */
int aof_writer_flush(struct aof_writer *w, bool sync, char *err, size_t errlen);

void aof_writer_close(struct aof_writer *w);

/* The second of the first annotation in the file at path: 0 when the file
 * is empty, -1 when unreadable or it does not start with one. */
long long aof_first_timestamp(const char *path);

#endif
