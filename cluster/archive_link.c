/* archive_link.c - one replication link of clusterctl archive: a thread
 * that acts as a replica of the master the main thread assigns (the
 * handshake is replica_conn.c's, then PSYNC), and keeps what it receives
 * as one history: the base copy of a full resync, then every command in
 * the INCR file with the second it arrived, taken from the kernel's
 * receive timestamp so that a busy thread does not make writes look later
 * than they were.
 *
 * Every second, and whenever a session ends, a checkpoint: the INCR file
 * is flushed and synced, then the history's bookkeeping records the
 * offset and size reached. A session always resumes from the last
 * checkpoint (PSYNC <replid> <offset+1>), so what follows it in the file
 * is cut off first. The checkpoint never falls inside MULTI ... EXEC. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "archive.h"
#include "mono.h"
#include "replica_conn.h"
#include "when.h"

#define LINK_ADMIN_MS 2000
/* Each ACK the peer's kernel acknowledges vouches that the stream is
 * complete up to then (confirmed_until): often enough that a checkpoint
 * records a moment well under a second old. */
#define LINK_ACK_EVERY_S 0.25

/* What a link carries from one session to the next. */
struct run {
	struct link *l;
	struct aof_writer w;
	double disconnected_at;      /* the last session that had caught up ended (0: none) */
	char away[200];              /* ... because */
	char cause[200];             /* why the last attempt ended */
	/* The session's. */
	struct replica_conn c;
	int base_fd;
	struct repl_stream rs;
	bool catching_up, new_base;
	double last_rx, last_check, last_ack;
	/* Writes in the backlog after a PSYNC continuation, and those of them
	 * from before the target's promotion (below its second_repl_offset). */
	long long late_writes, late_old_writes, second_offset;
	/* The master's offset just after a PSYNC continuation: the catch-up
	 * ends only once the stream has reached it (-1: unknown). */
	long long catchup_target;
	double promoted_after;
	char logged[200];            /* the last failure logged, said once */
	/* The last point outside MULTI ... EXEC: what a checkpoint records. */
	long long clean_offset, clean_size, clean_ts;
};

static void run_fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void run_fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->cause, sizeof(r->cause), fmt, ap);
	va_end(ap);
}

/* --- checkpoints ------------------------------------------------------------ */

static void link_publish(struct link *l)
{
	pthread_mutex_lock(&l->a->lock);
	l->started = l->h.start > 0;
	l->started_at = l->h.start;
	snprintf(l->name, sizeof(l->name), "%s", l->h.name);
	if (l->h.nslots)
		l->slots = l->h.slots[l->h.nslots - 1].set;
	l->covered = l->h.covered;
	l->last_write = l->h.last_write;
	l->archived_offset = l->h.offset;
	l->archived_at = archive_now();
	pthread_mutex_unlock(&l->a->lock);
}

/* Flush and sync the INCR file, then record where it stands. */
static int checkpoint(struct run *r, double now)
{
	struct link *l = r->l;
	char err[300];
	struct slotset slots;
	bool changed;

	if (!l->has_base)
		return 0;
	if (aof_writer_flush(&r->w, true, err, sizeof(err)) < 0) {
		archive_say("history %s: %s", l->h.name, err);
		return -1;
	}
	l->h.offset = r->clean_offset;
	l->h.aof_size = r->clean_size;
	l->h.last_ts = r->clean_ts;
	pthread_mutex_lock(&l->a->lock);
	changed = l->slots_changed;
	slots = l->new_slots;
	l->slots_changed = false;
	l->h.master_offset = l->master_offset;
	l->h.master_seen = l->master_seen;
	pthread_mutex_unlock(&l->a->lock);
	if (changed) {
		char text[200];
		history_set_slots(&l->h, now, &slots);
		archive_say("history %s: now serves slots %s", l->h.name,
			    slotset_format(&slots, text, sizeof(text)));
	}
	if (history_save(l->dir, &l->h, err, sizeof(err)) < 0) {
		archive_say("history %s: %s", l->h.name, err);
		return -1;
	}
	link_publish(l);
	r->last_check = now;
	return 0;
}

/* Back to the last checkpoint: the file cut there, the writer reopened. */
static void rewind_to_checkpoint(struct run *r)
{
	char path[4200], err[300];

	if (!r->l->has_base)
		return;
	aof_writer_close(&r->w);
	snprintf(path, sizeof(path), "%s/%s/%s", r->l->dir, AOF_DIR_NAME, AOF_INCR_FILE);
	if (aof_writer_open(&r->w, path, r->l->h.aof_size, r->l->h.last_ts, err, sizeof(err)) < 0)
		archive_say("history %s: %s", r->l->h.name, err);
	r->clean_offset = r->l->h.offset;
	r->clean_size = r->l->h.aof_size;
	r->clean_ts = r->l->h.last_ts;
}

/* --- what the master sends ------------------------------------------------------ */

static void history_name(char *buf, size_t len, double t, const char *replid)
{
	char when[WHEN_STRLEN], compact[WHEN_STRLEN];
	size_t k = 0;

	when_format((double)(long long)t, when, sizeof(when));
	for (const char *p = when; *p && k + 1 < sizeof(compact); p++)
		if (*p != '-' && *p != ':')
			compact[k++] = *p;
	compact[k] = '\0';
	snprintf(buf, len, "%s-%.8s", compact, replid);
}

/* +FULLRESYNC: a new history, and for a link that had one, a gap. */
static int on_fullresync(struct run *r, const struct repl_event *ev, double rx)
{
	struct link *l = r->l;
	char name[64], began[200], err[300], path[4200], when[WHEN_STRLEN];
	struct slotset slots;

	if (l->has_base) {
		ctl_metrics_archive_gap(l->a->metrics, CTL_GAP_RESYNC);
		snprintf(began, sizeof(began), "full resync: %.60s could not continue history %.40s after "
			 "offset %lld (it ended at %s)", r->c.peer, l->h.name, l->h.offset,
			 when_format(l->h.covered, when, sizeof(when)));
		archive_say("GAP: %s answered PSYNC %s %lld with a full resync; history %s ends at %s, "
			    "a new base copy follows", r->c.peer, l->h.replid, l->h.offset + 1, l->h.name, when);
		l->h.closed = l->h.covered;
		if (history_save(l->dir, &l->h, err, sizeof(err)) < 0)
			archive_say("history %s: %s", l->h.name, err);
		aof_writer_close(&r->w);
		l->has_base = false;
	} else {
		snprintf(began, sizeof(began), "first base copy from %.100s", r->c.peer);
	}
	pthread_mutex_lock(&l->a->lock);
	slots = l->slots;
	pthread_mutex_unlock(&l->a->lock);
	history_free(&l->h);
	history_name(name, sizeof(name), rx, ev->replid);
	snprintf(path, sizeof(path), "%s/%s", l->a->dir, name);
	for (int i = 2; access(path, F_OK) == 0; i++)
		snprintf(path, sizeof(path), "%s/%s.%d", l->a->dir, name, i);
	pthread_mutex_lock(&l->a->lock);
	snprintf(l->dir, sizeof(l->dir), "%.4000s", path);
	pthread_mutex_unlock(&l->a->lock);
	history_init(&l->h, strrchr(l->dir, '/') + 1);
	snprintf(l->h.replid, sizeof(l->h.replid), "%s", ev->replid);
	l->h.offset = ev->offset;
	l->h.base_time = rx;
	snprintf(l->h.began, sizeof(l->h.began), "%s", began);
	snprintf(l->h.source_addr, sizeof(l->h.source_addr), "%s", r->c.peer);
	pthread_mutex_lock(&l->a->lock);
	snprintf(l->h.source_id, sizeof(l->h.source_id), "%s", l->target_id);
	pthread_mutex_unlock(&l->a->lock);
	history_set_slots(&l->h, rx, &slots);
	snprintf(path, sizeof(path), "%s/%s", l->dir, AOF_DIR_NAME);
	if (mkdir(l->dir, 0700) < 0 || mkdir(path, 0700) < 0) {
		run_fail(r, "%.150s: %s", l->dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s/temp-%s", l->dir, AOF_DIR_NAME, AOF_BASE_FILE);
	r->base_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (r->base_fd < 0) {
		run_fail(r, "%.150s: %s", path, strerror(errno));
		return -1;
	}
	archive_say("history %s: base copy from %s (replid %s, offset %lld)", l->h.name, r->c.peer,
		    ev->replid, ev->offset);
	link_publish(l);
	return 0;
}

static int on_rdb_end(struct run *r)
{
	struct link *l = r->l;
	char tmp[4300], path[4300], aof[4150], err[300];

	snprintf(aof, sizeof(aof), "%s/%s", l->dir, AOF_DIR_NAME);
	snprintf(tmp, sizeof(tmp), "%s/temp-%s", aof, AOF_BASE_FILE);
	snprintf(path, sizeof(path), "%s/%s", aof, AOF_BASE_FILE);
	if (fsync(r->base_fd) < 0 || close(r->base_fd) < 0 || rename(tmp, path) < 0) {
		r->base_fd = -1;
		run_fail(r, "%.150s: %s", path, strerror(errno));
		return -1;
	}
	r->base_fd = -1;
	snprintf(path, sizeof(path), "%s/%s", aof, AOF_INCR_FILE);
	if (aof_writer_open(&r->w, path, 0, 0, err, sizeof(err)) < 0 ||
	    aof_manifest_write(aof, err, sizeof(err)) < 0) {
		run_fail(r, "%s", err);
		return -1;
	}
	l->has_base = true;
	l->h.aof_size = 0;
	r->clean_offset = r->rs.offset;
	r->clean_size = 0;
	r->clean_ts = 0;
	r->catching_up = r->new_base = true;
	archive_say("history %s: base copy complete; following the stream from offset %lld",
		    l->h.name, r->rs.offset);
	return history_save(l->dir, &l->h, err, sizeof(err)) < 0 ? (run_fail(r, "%s", err), -1) : 0;
}

/* One integer of the peer's INFO replication, over a connection of its
 * own; -1 unknown. */
static long long ask_repl_field(struct run *r, const char *field)
{
	struct archive *a = r->l->a;
	struct node_addr t;
	struct admin_node n;
	long long v = -1;
	char err[40];

	if (node_addr_parse(r->c.peer, &t, err, sizeof(err)) < 0)
		return -1;
	if (admin_open_as(&n, t.host, t.port, a->user, a->password, LINK_ADMIN_MS) != ADMIN_OK ||
	    admin_repl_field(&n, field, &v) != ADMIN_OK)
		v = -1;
	admin_close(&n);
	return v;
}

static int on_continue(struct run *r, const struct repl_event *ev)
{
	struct link *l = r->l;

	if (ev->replid[0] && strcmp(ev->replid, l->h.replid) != 0) {
		archive_say("history %s: %s continues it under replid %s (was %s)", l->h.name, r->c.peer,
			    ev->replid, l->h.replid);
		snprintf(l->h.replid, sizeof(l->h.replid), "%s", ev->replid);
	}
	archive_say("history %s: %s continues it after offset %lld", l->h.name, r->c.peer, l->h.offset);
	pthread_mutex_lock(&l->a->lock);
	snprintf(l->h.source_id, sizeof(l->h.source_id), "%s", l->target_id);
	r->promoted_after = l->promoted_after;
	pthread_mutex_unlock(&l->a->lock);
	/* second_repl_offset: a promoted replica's first offset of its own
	 * history, before which the stream is its old master's. */
	r->second_offset = ev->replid[0] ? ask_repl_field(r, "second_repl_offset") : -1;
	/* Every write made while the archive was away is in the backlog below
	 * this offset. An empty socket is no proof that it has all come: on a
	 * busy machine the rest can still be on its way, and would be stamped
	 * with the second it arrives in, as if written then. */
	r->catchup_target = ask_repl_field(r, "master_repl_offset");
	r->late_writes = r->late_old_writes = 0;
	snprintf(l->h.source_addr, sizeof(l->h.source_addr), "%s", r->c.peer);
	r->catching_up = true;
	return 0;
}

static int on_command(struct run *r, const struct repl_event *ev, double rx)
{
	if (ev->cmd != REPL_CMD_PING && ev->cmd != REPL_CMD_REPLCONF) {
		if (aof_writer_add(&r->w, ev->data, ev->len, ev->cmd, (long long)rx) < 0) {
			run_fail(r, "history %s: writing the INCR file: %s", r->l->h.name, strerror(errno));
			return -1;
		}
		r->l->h.last_write = rx;
		if (r->catching_up && !r->new_base) {
			r->late_writes++;
			r->late_old_writes += r->second_offset < 0 || r->rs.offset < r->second_offset;
		}
	}
	if (!r->w.in_multi) {
		r->clean_offset = r->rs.offset;
		r->clean_size = r->w.size;
		r->clean_ts = r->w.last_ts;
	}
	return 0;
}

/* Everything whole in the buffer. -1 ends the session. */
static int consume(struct run *r, double rx)
{
	size_t off = 0, used;
	struct repl_event ev;
	int rc = 0;

	while (rc == 0) {
		used = repl_stream_next(&r->rs, r->c.buf + off, r->c.len - off, &ev);
		switch (ev.kind) {
		case REPL_EV_MORE: goto done;
		case REPL_EV_FULLRESYNC: rc = on_fullresync(r, &ev, rx); break;
		case REPL_EV_CONTINUE: rc = on_continue(r, &ev); break;
		case REPL_EV_REFUSED:
			run_fail(r, "%s refused PSYNC: %s", r->c.peer, ev.text);
			rc = -1;
			break;
		case REPL_EV_RDB_BEGIN:
			archive_say("history %s: receiving %lld bytes of base copy from %s", r->l->h.name,
				    ev.rdb_size, r->c.peer);
			break;
		case REPL_EV_RDB_DATA:
			for (size_t k = 0; k < ev.len && rc == 0;) {
				ssize_t n = write(r->base_fd, ev.data + k, ev.len - k);
				if (n < 0 && errno != EINTR) {
					run_fail(r, "history %s: writing the base copy: %s", r->l->h.name,
						 strerror(errno));
					rc = -1;
				}
				k += n > 0 ? (size_t)n : 0;
			}
			break;
		case REPL_EV_RDB_END: rc = on_rdb_end(r); break;
		case REPL_EV_COMMAND: rc = on_command(r, &ev, rx); break;
		case REPL_EV_BAD:
			run_fail(r, "%s: replication stream unreadable: %s", r->c.peer, ev.text);
			rc = -1;
			break;
		}
		off += used;
	}
done:
	memmove(r->c.buf, r->c.buf + off, r->c.len - off);
	r->c.len -= off;
	return rc;
}

/* Where the blind span after a reconnect starts. The writes that waited
 * in the backlog were made after the stream was last known complete; when
 * all came from a promoted replica's own history, also after the moment
 * it last said it was a replica. */
static double blind_from(const struct run *r)
{
	if (!r->late_old_writes && r->promoted_after > r->disconnected_at)
		return r->promoted_after;
	return r->disconnected_at;
}

/* The backlog is in once nothing more waits to be read: from then on a
 * write's arrival is its time. A backlog without writes leaves no blind
 * span: nothing arrived late. */
static void check_caught_up(struct run *r, double now)
{
	struct link *l = r->l;
	char when[WHEN_STRLEN], until[WHEN_STRLEN];

	if (!r->catching_up || r->rs.phase != REPL_PHASE_STREAM || rconn_pending(&r->c) != 0)
		return;
	if (r->catchup_target >= 0 && r->rs.offset < r->catchup_target)
		return;
	r->catching_up = false;
	if (l->h.start <= 0) {
		l->h.start = now;
		archive_say("history %s: restorable from %s", l->h.name, when_format(now, when, sizeof(when)));
	} else if (r->late_writes && r->disconnected_at > 0 &&
		   (long long)blind_from(r) + 1 < (long long)now + (now > (long long)now)) {
		double from = blind_from(r);
		history_add_blind(&l->h, from, now, r->away);
		ctl_metrics_archive_gap(l->a->metrics, CTL_GAP_BLIND);
		archive_say("history %s: caught up with %s; %lld writes made between %s and %s arrived "
			    "late, so the seconds between cannot be restored", l->h.name, r->c.peer,
			    r->late_writes, when_format(from, when, sizeof(when)),
			    when_format(now, until, sizeof(until)));
	} else {
		archive_say("history %s: caught up with %s (%lld writes were waiting)", l->h.name,
			    r->c.peer, r->late_writes);
	}
	l->h.covered = now;
	pthread_mutex_lock(&l->a->lock);
	l->state = LINK_STREAMING;
	pthread_mutex_unlock(&l->a->lock);
	checkpoint(r, now);
}

static bool link_should_end(struct link *l)
{
	bool end;

	pthread_mutex_lock(&l->a->lock);
	end = *l->a->stop || l->retire;
	pthread_mutex_unlock(&l->a->lock);
	return end;
}

enum stream_end {
	END_ASKED,  /* stopped or retired: the link is alive */
	END_CLOSED, /* end of stream: everything the peer sent came first */
	END_BROKEN, /* reset (which may drop what was in flight), timeout, or
		     * something we could not read or keep */
};

/* Read and keep until the stream breaks or the link is told to end. */
static enum stream_end stream(struct run *r)
{
	const char *ack[] = { "REPLCONF", "ACK", "0" };

	for (;;) {
		struct pollfd p = { r->c.fd, POLLIN, 0 };
		double now, rx = 0;
		int rc = poll(&p, 1, 200);

		if (link_should_end(r->l)) {
			run_fail(r, "the archive was stopped");
			return END_ASKED;
		}
		if (rc > 0) {
			rc = rconn_receive(&r->c, &rx);
			if (rc <= 0) {
				int e = errno;
				run_fail(r, "%s closed the connection%s%s", r->c.peer, rc < 0 ? ": " : "",
					 rc < 0 ? strerror(e) : "");
				return rc == 0 ? END_CLOSED : END_BROKEN;
			}
			r->last_rx = rx;
			if (consume(r, rx) < 0)
				return END_BROKEN;
		}
		now = archive_now();
		check_caught_up(r, now);
		if (now - r->last_check >= 1.0) {
			if (r->l->h.start > 0 && !r->catching_up)
				r->l->h.covered = rconn_confirmed_until(&r->c, r->last_rx, now);
			if (checkpoint(r, now) < 0)
				return END_BROKEN;
		}
		/* An ACK of offset 0, as redis-cli --replica sends: it keeps the
		 * link alive (repl-timeout) without counting for WAIT, which
		 * must mean that a replica able to take over holds the write. */
		if (r->rs.phase == REPL_PHASE_STREAM && now - r->last_ack >= LINK_ACK_EVERY_S) {
			if (rconn_send(&r->c, 3, ack) < 0) {
				run_fail(r, "%s", r->c.err);
				return END_BROKEN;
			}
			r->last_ack = now;
		}
	}
}

/* A base copy cut short is no history: remove what there was. */
static void drop_partial_base(struct run *r)
{
	struct link *l = r->l;
	char path[4200];

	close(r->base_fd);
	r->base_fd = -1;
	archive_say("history %s: base copy from %s cut short; it will start over", l->h.name, r->c.peer);
	snprintf(path, sizeof(path), "%s/%s/temp-%s", l->dir, AOF_DIR_NAME, AOF_BASE_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s/%s", l->dir, AOF_DIR_NAME, AOF_MANIFEST_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", l->dir, HISTORY_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", l->dir, AOF_DIR_NAME);
	rmdir(path);
	rmdir(l->dir);
	pthread_mutex_lock(&l->a->lock);
	l->dir[0] = '\0';
	pthread_mutex_unlock(&l->a->lock);
	history_free(&l->h);
	history_init(&l->h, "");
}

static void set_state(struct link *l, enum link_state st)
{
	pthread_mutex_lock(&l->a->lock);
	l->state = st;
	pthread_mutex_unlock(&l->a->lock);
}

/* An attempt that failed: said once per cause, not at every retry. */
static void link_failed(struct run *r)
{
	const char *name = r->l->h.name[0] ? r->l->h.name : "(new)";

	if (strcmp(r->logged, r->cause) == 0)
		return;
	archive_say("history %s: %s%s", name, r->cause, r->logged[0] ? "" : " (retrying)");
	snprintf(r->logged, sizeof(r->logged), "%s", r->cause);
}

/* One connection to the assigned master, from connect to the end. */
static void session(struct run *r, const struct node_addr *t)
{
	struct link *l = r->l;
	char off[32], want[NODE_ID_LEN + 1];
	const char *psync[] = { "PSYNC", l->has_base ? l->h.replid : "?", off };
	enum stream_end end = END_BROKEN;
	bool streamed;
	double now;

	snprintf(off, sizeof(off), "%lld", l->has_base ? l->h.offset + 1 : -1LL);
	r->base_fd = -1;
	r->catching_up = r->new_base = false;
	r->catchup_target = -1;
	r->last_check = r->last_ack = r->last_rx = archive_now();
	repl_stream_init(&r->rs, l->has_base ? l->h.offset : -1);
	if (rconn_open(&r->c, t) < 0) {
		run_fail(r, "%s", r->c.err);
		ctl_metrics_archive_error(l->a->metrics);
		link_failed(r);
		return;
	}
	pthread_mutex_lock(&l->a->lock);
	snprintf(want, sizeof(want), "%s", l->target_id);
	l->state = LINK_SYNCING;
	pthread_mutex_unlock(&l->a->lock);
	if (rconn_handshake(&r->c, l->a->user, l->a->password, want) == 0 &&
	    rconn_send(&r->c, 3, psync) == 0)
		end = stream(r);
	else
		run_fail(r, "%s", r->c.err);
	now = archive_now();
	pthread_mutex_lock(&l->a->lock);
	streamed = l->state == LINK_STREAMING;
	l->state = LINK_WAITING;
	pthread_mutex_unlock(&l->a->lock);
	if (streamed)
		l->h.covered = end == END_CLOSED ? now : rconn_confirmed_until(&r->c, r->last_rx, now);
	if (r->base_fd >= 0)
		drop_partial_base(r);
	else if (l->has_base && checkpoint(r, now) == 0)
		rewind_to_checkpoint(r);
	else if (l->has_base)
		rewind_to_checkpoint(r);
	rconn_close(&r->c);
	/* The blind span after a reconnect runs from the last moment known
	 * complete; a session that never caught up does not move it. */
	if (streamed) {
		r->disconnected_at = l->h.covered;
		snprintf(r->away, sizeof(r->away), "%s", r->cause);
	}
	if (end != END_ASKED)
		ctl_metrics_archive_error(l->a->metrics);
	if (end != END_ASKED && streamed) {
		archive_say("history %s: %s", l->h.name, r->cause);
		r->logged[0] = '\0';
	} else if (end != END_ASKED) {
		link_failed(r);
	}
}

/* Wait for the main thread's next assignment. false when the link is to
 * end instead. */
static bool next_target(struct link *l, unsigned *seen, struct node_addr *t)
{
	for (;;) {
		pthread_mutex_lock(&l->a->lock);
		bool end = *l->a->stop || l->retire, fresh = l->target_gen != *seen;
		if (fresh) {
			*seen = l->target_gen;
			*t = l->target;
		}
		pthread_mutex_unlock(&l->a->lock);
		if (end)
			return false;
		if (fresh)
			return true;
		sleep_ms(50);
	}
}

static void *link_main(void *arg)
{
	struct run r = { .l = arg, .base_fd = -1 };
	struct link *l = r.l;
	struct node_addr t;
	unsigned seen = 0;
	bool retired;

	r.w.fd = -1;
	rconn_init(&r.c);
	if (l->has_base) {
		rewind_to_checkpoint(&r);
		r.disconnected_at = l->h.covered;
		snprintf(r.away, sizeof(r.away), "the archive was not running");
	}
	while (next_target(l, &seen, &t))
		session(&r, &t);
	pthread_mutex_lock(&l->a->lock);
	retired = l->retire;
	pthread_mutex_unlock(&l->a->lock);
	if (retired && l->has_base) {
		char err[300];
		l->h.closed = l->h.covered;
		if (history_save(l->dir, &l->h, err, sizeof(err)) < 0)
			archive_say("history %s: %s", l->h.name, err);
		archive_say("history %s: closed at %.3f; a newer base copy carries on", l->h.name,
			    l->h.closed);
	}
	aof_writer_close(&r.w);
	rconn_free(&r.c);
	set_state(l, LINK_DONE);
	return NULL;
}

int link_start(struct link *l)
{
	if (pthread_create(&l->thread, NULL, link_main, l) != 0)
		return -1;
	l->running = true;
	return 0;
}

struct link *link_new(struct archive *a, const char *dir, const struct slotset *slots)
{
	struct link *l = calloc(1, sizeof(*l));
	char err[400], aof[4200];

	if (!l)
		return NULL;
	l->a = a;
	l->state = LINK_WAITING;
	l->since = archive_now();
	history_init(&l->h, "");
	if (slots)
		l->slots = *slots;
	if (!dir)
		return l;
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	snprintf(aof, sizeof(aof), "%s/%s/%s", dir, AOF_DIR_NAME, AOF_MANIFEST_FILE);
	if (history_load(dir, &l->h, err, sizeof(err)) < 0 || access(aof, R_OK) < 0) {
		archive_say("%s: cannot resume: %s", dir, access(aof, R_OK) < 0 ? "no base copy" : err);
		history_free(&l->h);
		free(l);
		return NULL;
	}
	snprintf(l->h.name, sizeof(l->h.name), "%s", strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir);
	l->has_base = true;
	link_publish(l);
	return l;
}
