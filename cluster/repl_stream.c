/* repl_stream.c - the replica's side of the replication protocol, as
 * Redis 7.0 speaks it (replication.c: syncWithMaster, readSyncBulkPayload,
 * and the master client's RESP). See repl_stream.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "repl_stream.h"

/* Bulk strings and arrays can be large (a value of hundreds of MB, an MSET
 * of a million keys); these bounds only catch garbage. */
#define REPL_BULK_MAX (4LL << 30)
#define REPL_ARGC_MAX (64LL << 20)

void repl_stream_init(struct repl_stream *rs, long long offset)
{
	memset(rs, 0, sizeof(*rs));
	rs->phase = REPL_PHASE_REPLY;
	rs->offset = offset;
	rs->cmd_left = -1;
}

static size_t bad(struct repl_stream *rs, struct repl_event *ev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static size_t bad(struct repl_stream *rs, struct repl_event *ev, const char *fmt, ...)
{
	va_list ap;

	ev->kind = REPL_EV_BAD;
	va_start(ap, fmt);
	vsnprintf(ev->text, sizeof(ev->text), fmt, ap);
	va_end(ap);
	rs->phase = REPL_PHASE_BROKEN;
	return 0;
}

/* Up to 40 bytes of s[0..n) for a message: what is not printable shows
 * as '?', and a line's CRLF is left out. Returns out. */
static const char *shown(const char *s, long n, char *out)
{
	long i, m = n < 40 ? n : 40;

	for (i = 0; i < m && s[i] != '\r' && s[i] != '\n'; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	out[i] = '\0';
	return out;
}

/* The length of the line at buf including its "\n" (the "\r" before it
 * is part of the line): 0 when it is not all there yet, -1 when it runs
 * past REPL_LINE_MAX. */
static long line_len(const char *buf, size_t len)
{
	size_t max = len < REPL_LINE_MAX ? len : REPL_LINE_MAX;
	const char *nl = memchr(buf, '\n', max);

	if (nl)
		return nl - buf + 1;
	return len >= REPL_LINE_MAX ? -1 : 0;
}

/* The decimal number of a header line ("$123\r\n", "*3\r\n") after its
 * first character, into *v; -1 unless it is digits up to "\r\n". */
static int header_number(const char *line, long n, long long max, long long *v)
{
	*v = 0;
	if (n < 4 || line[n - 2] != '\r')
		return -1;
	for (long i = 1; i < n - 2; i++) {
		if (!isdigit((unsigned char)line[i]) || *v > max / 10)
			return -1;
		*v = *v * 10 + (line[i] - '0');
	}
	return *v <= max ? 0 : -1;
}

/* "\n" (or "\r\n") alone: the master keeping the link alive while it
 * prepares the payload. Bytes skipped. */
static size_t skip_keepalives(const char *buf, size_t len)
{
	size_t i = 0;

	for (;;) {
		if (i < len && buf[i] == '\n')
			i++;
		else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
			i += 2;
		else
			return i;
	}
}

static bool is_replid(const char *s, size_t n)
{
	if (n != REPL_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* +FULLRESYNC <replid> <offset> | +CONTINUE [<replid>] | -ERROR */
static size_t next_reply(struct repl_stream *rs, const char *buf, size_t len, struct repl_event *ev)
{
	size_t skip = skip_keepalives(buf, len);
	long n = line_len(buf + skip, len - skip);
	const char *l = buf + skip;
	long long off = 0;
	int text = (int)(n > 2 ? n - 2 : 0);
	char show[41];

	if (n < 0)
		return bad(rs, ev, "answer to PSYNC longer than %d bytes", REPL_LINE_MAX);
	if (n == 0) {
		ev->kind = REPL_EV_MORE;
		return skip;
	}
	if (n < 3 || l[n - 2] != '\r')
		return bad(rs, ev, "answer to PSYNC not ending in CRLF: '%s'", shown(l, n, show));
	if (l[0] == '-') {
		ev->kind = REPL_EV_REFUSED;
		snprintf(ev->text, sizeof(ev->text), "%.*s", text - 1, l + 1);
		rs->phase = REPL_PHASE_BROKEN;
		return skip + (size_t)n;
	}
	if (text >= 12 + REPL_ID_LEN + 2 && memcmp(l, "+FULLRESYNC ", 12) == 0 &&
	    is_replid(l + 12, REPL_ID_LEN) && l[12 + REPL_ID_LEN] == ' ' &&
	    header_number(l + 12 + REPL_ID_LEN, n - 12 - REPL_ID_LEN, 1LL << 62, &off) == 0) {
		ev->kind = REPL_EV_FULLRESYNC;
		memcpy(ev->replid, l + 12, REPL_ID_LEN);
		ev->replid[REPL_ID_LEN] = '\0';
		ev->offset = off;
		rs->offset = off;
		rs->phase = REPL_PHASE_RDB_SIZE;
		return skip + (size_t)n;
	}
	if (text >= 9 && memcmp(l, "+CONTINUE", 9) == 0 &&
	    (text == 9 || (l[9] == ' ' && is_replid(l + 10, (size_t)text - 10)))) {
		ev->kind = REPL_EV_CONTINUE;
		snprintf(ev->replid, sizeof(ev->replid), "%.*s", text > 9 ? text - 10 : 0, l + 10);
		rs->phase = REPL_PHASE_STREAM;
		return skip + (size_t)n;
	}
	return bad(rs, ev, "unexpected answer to PSYNC: '%s'", shown(l, n, show));
}

static size_t next_rdb_size(struct repl_stream *rs, const char *buf, size_t len, struct repl_event *ev)
{
	size_t skip = skip_keepalives(buf, len);
	const char *l = buf + skip;
	long n = line_len(l, len - skip);
	char show[41];

	if (n == 0) {
		ev->kind = REPL_EV_MORE;
		return skip;
	}
	if (n > 5 && memcmp(l, "$EOF:", 5) == 0)
		return bad(rs, ev, "the master sent its payload in the EOF-marked form, not asked for");
	if (n < 0 || l[0] != '$' || header_number(l, n, 1LL << 62, &rs->rdb_left) < 0)
		return bad(rs, ev, "expected the payload's size ($<bytes>), got '%s'",
			   shown(l, n > 0 ? n : (long)(len - skip), show));
	ev->kind = REPL_EV_RDB_BEGIN;
	ev->rdb_size = rs->rdb_left;
	rs->phase = rs->rdb_left ? REPL_PHASE_RDB : REPL_PHASE_RDB_DONE;
	return skip + (size_t)n;
}

static size_t next_rdb_data(struct repl_stream *rs, const char *buf, size_t len, struct repl_event *ev)
{
	size_t piece = (long long)len < rs->rdb_left ? len : (size_t)rs->rdb_left;

	if (piece == 0) {
		ev->kind = REPL_EV_MORE;
		return 0;
	}
	ev->kind = REPL_EV_RDB_DATA;
	ev->data = buf;
	ev->len = piece;
	rs->rdb_left -= (long long)piece;
	if (rs->rdb_left == 0)
		rs->phase = REPL_PHASE_RDB_DONE;
	return piece;
}

static enum repl_cmd classify(const char *name, size_t n)
{
	static const struct { const char *name; enum repl_cmd kind; } table[] = {
		{ "PING", REPL_CMD_PING }, { "REPLCONF", REPL_CMD_REPLCONF },
		{ "MULTI", REPL_CMD_MULTI }, { "EXEC", REPL_CMD_EXEC },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strlen(table[i].name) == n && strncasecmp(name, table[i].name, n) == 0)
			return table[i].kind;
	return REPL_CMD_WRITE;
}

/* One RESP array, resumed where the last call stopped. */
static size_t next_command(struct repl_stream *rs, const char *buf, size_t len, struct repl_event *ev)
{
	long n;
	long long v;
	char show[41];

	if (rs->cmd_left < 0) {
		if (len == 0) {
			ev->kind = REPL_EV_MORE;
			return 0;
		}
		if (buf[0] != '*')
			return bad(rs, ev, "expected a command ('*'), got '%s'", shown(buf, (long)len, show));
		if ((n = line_len(buf, len)) == 0) {
			ev->kind = REPL_EV_MORE;
			return 0;
		}
		if (n < 0 || header_number(buf, n, REPL_ARGC_MAX, &v) < 0 || v == 0)
			return bad(rs, ev, "bad command header '%s'", shown(buf, n > 0 ? n : (long)len, show));
		rs->cmd_scanned = (size_t)n;
		rs->cmd_argc = rs->cmd_left = v;
	}
	while (rs->cmd_left > 0) {
		const char *el = buf + rs->cmd_scanned;
		size_t avail = len - rs->cmd_scanned;
		if (avail == 0 || (n = line_len(el, avail)) == 0) {
			ev->kind = REPL_EV_MORE;
			return 0;
		}
		if (el[0] != '$' || n < 0 || header_number(el, n, REPL_BULK_MAX, &v) < 0)
			return bad(rs, ev, "bad argument header '%s'", shown(el, n > 0 ? n : (long)avail, show));
		if (avail < (size_t)n + (size_t)v + 2) {
			ev->kind = REPL_EV_MORE;
			return 0;
		}
		if (el[n + v] != '\r' || el[n + v + 1] != '\n')
			return bad(rs, ev, "argument not followed by CRLF");
		if (rs->cmd_left == rs->cmd_argc)
			rs->cmd_kind = classify(el + n, (size_t)v);
		rs->cmd_scanned += (size_t)n + (size_t)v + 2;
		rs->cmd_left--;
	}
	ev->kind = REPL_EV_COMMAND;
	ev->data = buf;
	ev->len = rs->cmd_scanned;
	ev->cmd = rs->cmd_kind;
	rs->offset += (long long)rs->cmd_scanned;
	rs->cmd_left = -1;
	rs->cmd_scanned = 0;
	return ev->len;
}

size_t repl_stream_next(struct repl_stream *rs, const char *buf, size_t len, struct repl_event *ev)
{
	ev->kind = REPL_EV_MORE;
	ev->data = NULL;
	ev->len = 0;
	ev->text[0] = '\0';
	ev->replid[0] = '\0';
	switch (rs->phase) {
	case REPL_PHASE_REPLY: return next_reply(rs, buf, len, ev);
	case REPL_PHASE_RDB_SIZE: return next_rdb_size(rs, buf, len, ev);
	case REPL_PHASE_RDB: return next_rdb_data(rs, buf, len, ev);
	case REPL_PHASE_RDB_DONE:
		ev->kind = REPL_EV_RDB_END;
		rs->phase = REPL_PHASE_STREAM;
		return 0;
	case REPL_PHASE_STREAM: return next_command(rs, buf, len, ev);
	case REPL_PHASE_BROKEN: break;
	}
	ev->kind = REPL_EV_BAD;
	snprintf(ev->text, sizeof(ev->text), "the stream is already broken");
	return 0;
}
