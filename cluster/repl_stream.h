/* repl_stream.h - what a Redis master sends a replica after PSYNC, taken
 * apart: the +FULLRESYNC or +CONTINUE reply, the RDB payload of a full
 * resync ("$<size>\r\n" and that many bytes, no CRLF after them: the
 * replica asked without "capa eof"), then the command stream, one RESP
 * array per command, counted into the replication offset.
 *
 * Pure: the caller reads the socket and hands the bytes over; nothing here
 * does I/O or reads a clock, so the unit tests feed it captured streams,
 * cut at every byte.
 *
 *   struct repl_stream rs;
 *   repl_stream_init(&rs, -1);
 *   while ((used = repl_stream_next(&rs, buf, len, &ev)), ev.kind != REPL_EV_MORE) {
 *           ... act on ev ...
 *           buf += used, len -= used;
 *   }
 *   ... keep the len bytes left (an unfinished command), read more, go on ... */
#ifndef CLUSTER_REPL_STREAM_H
#define CLUSTER_REPL_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#define REPL_ID_LEN 40   /* a replication id: 40 hex characters */
/* No reply line or command header is longer; a longer one is garbage. */
#define REPL_LINE_MAX 1024

enum repl_phase {
	REPL_PHASE_REPLY,    /* waiting for PSYNC's answer */
	REPL_PHASE_RDB_SIZE, /* after +FULLRESYNC: "\n" keepalives, then "$<size>" */
	REPL_PHASE_RDB,      /* the payload */
	REPL_PHASE_RDB_DONE, /* the payload is all there: RDB_END next */
	REPL_PHASE_STREAM,   /* commands */
	REPL_PHASE_BROKEN,   /* after REPL_EV_BAD or REPL_EV_REFUSED */
};

enum repl_event_kind {
	REPL_EV_MORE,       /* nothing complete in the bytes given: read more */
	REPL_EV_FULLRESYNC, /* replid, offset: a base copy follows */
	REPL_EV_CONTINUE,   /* replid ("" when the master kept its id): the stream goes on */
	REPL_EV_REFUSED,    /* text: the master's error reply (-NOMASTERLINK, -LOADING, -NOPERM) */
	REPL_EV_RDB_BEGIN,  /* rdb_size */
	REPL_EV_RDB_DATA,   /* data, len: the next piece of the payload */
	REPL_EV_RDB_END,
	REPL_EV_COMMAND,    /* data, len: one whole command; cmd says which */
	REPL_EV_BAD,        /* text: what was wrong; nothing more can be read */
};

/* What a command is to an archive: replication's own traffic (PING,
 * REPLCONF) counts into the offset but changes no data. */
enum repl_cmd {
	REPL_CMD_WRITE,     /* anything that changes data, SELECT included */
	REPL_CMD_PING,
	REPL_CMD_REPLCONF,  /* REPLCONF GETACK * */
	REPL_CMD_MULTI,
	REPL_CMD_EXEC,
};

struct repl_event {
	enum repl_event_kind kind;
	const char *data;              /* in the caller's buffer */
	size_t len;
	enum repl_cmd cmd;
	char replid[REPL_ID_LEN + 1];
	long long offset;              /* FULLRESYNC: the master's offset */
	long long rdb_size;
	char text[200];
};

struct repl_stream {
	enum repl_phase phase;
	long long offset;       /* replication offset after the last whole command */
	long long rdb_left;
	/* Progress through an unfinished command, so a large one arriving in
	 * pieces is scanned once: where its next element starts, and how many
	 * elements are still to come (-1: the header is not read yet). */
	size_t cmd_scanned;
	long long cmd_argc, cmd_left;
	enum repl_cmd cmd_kind;
};

/* Ready for PSYNC's answer. offset is the last offset already held (the
 * PSYNC asked for offset + 1); a full resync replaces it. */
void repl_stream_init(struct repl_stream *rs, long long offset);

/* Look at buf[0..len) and return how many bytes were used, with what they
 * were in *ev. A command is used only whole: for REPL_EV_MORE, keep the
 * bytes not used and call again with them followed by more. */
size_t repl_stream_next(struct repl_stream *rs, const char *buf, size_t len, struct repl_event *ev);

#endif
