/* test_repl_stream.c - what a master sends a replica after PSYNC
 * (cluster/repl_stream.c): the reply, the base copy, the command stream
 * and its offsets, fed whole and one byte at a time, and the ways it can
 * be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl_stream.h"

#define REPLID "8d2b2fbd0e1c1f6f2c5f1c7a0d0b6e5f4a3b2c1d"

/* What a full resync looks like on the wire: keepalive newlines while the
 * master forks, the reply, more newlines, the payload with no CRLF after
 * it, then commands. */
static const char full[] =
	"\n+FULLRESYNC " REPLID " 1000\r\n\n\n$10\r\nREDIS0010X"
	"*1\r\n$4\r\nPING\r\n"
	"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
	"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$5\r\nv\r\nxy\r\n"
	"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
	"*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*1\r\n$4\r\nEXEC\r\n";

/* The events of a stream, as text, fed in pieces of `step` bytes the way
 * archive_link.c does: keep what was not used, add more, go on. */
static char *events(const char *wire, size_t len, size_t step, long long *offset)
{
	static char log[4096];
	struct repl_stream rs;
	char *buf = malloc(len + 1);
	size_t have = 0, fed = 0, n = 0;
	struct repl_event ev;

	repl_stream_init(&rs, -1);
	log[0] = '\0';
	while (fed < len || have) {
		size_t add = len - fed < step ? len - fed : step;
		memcpy(buf + have, wire + fed, add);
		have += add;
		fed += add;
		size_t off = 0;
		for (;;) {
			size_t used = repl_stream_next(&rs, buf + off, have - off, &ev);
			if (ev.kind == REPL_EV_MORE)
				break;
			switch (ev.kind) {
			case REPL_EV_FULLRESYNC:
				n += snprintf(log + n, sizeof(log) - n, "full %s %lld|", ev.replid, ev.offset);
				break;
			case REPL_EV_CONTINUE: n += snprintf(log + n, sizeof(log) - n, "continue %s|", ev.replid); break;
			case REPL_EV_REFUSED: n += snprintf(log + n, sizeof(log) - n, "refused %s|", ev.text); break;
			case REPL_EV_RDB_BEGIN: n += snprintf(log + n, sizeof(log) - n, "rdb %lld:", ev.rdb_size); break;
			case REPL_EV_RDB_DATA: n += snprintf(log + n, sizeof(log) - n, "%.*s", (int)ev.len, ev.data); break;
			case REPL_EV_RDB_END: n += snprintf(log + n, sizeof(log) - n, "|end|"); break;
			case REPL_EV_COMMAND:
				n += snprintf(log + n, sizeof(log) - n, "cmd%d:%zu|", (int)ev.cmd, ev.len);
				break;
			case REPL_EV_BAD: n += snprintf(log + n, sizeof(log) - n, "bad %s|", ev.text); break;
			default: break;
			}
			off += used;
			if (ev.kind == REPL_EV_BAD || ev.kind == REPL_EV_REFUSED)
				goto out;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		if (fed == len && off == 0)
			break;
	}
out:
	free(buf);
	*offset = rs.offset;
	return log;
}

static void test_full_resync(void **state)
{
	long long off;
	const char *want = "full " REPLID " 1000|rdb 10:REDIS0010X|end|cmd1:14|cmd0:23|cmd0:31|"
			   "cmd2:37|cmd3:15|cmd0:21|cmd4:14|";
	(void)state;
	assert_string_equal(events(full, sizeof(full) - 1, sizeof(full), &off), want);
	/* The offset counts every byte of every command, PING and REPLCONF too. */
	assert_int_equal(off, 1000 + 14 + 23 + 31 + 37 + 15 + 21 + 14);
	for (size_t step = 1; step < 40; step++) {
		assert_string_equal(events(full, sizeof(full) - 1, step, &off), want);
		assert_int_equal(off, 1155);
	}
}

static void test_continue(void **state)
{
	static const char with_id[] = "+CONTINUE " REPLID "\r\n*1\r\n$4\r\nPING\r\n";
	static const char without[] = "+CONTINUE\r\n*1\r\n$4\r\nPING\r\n";
	struct repl_stream rs;
	struct repl_event ev;
	long long off;
	(void)state;
	assert_string_equal(events(with_id, sizeof(with_id) - 1, 1, &off), "continue " REPLID "|cmd1:14|");
	assert_string_equal(events(without, sizeof(without) - 1, 3, &off), "continue |cmd1:14|");
	/* Continuing from offset 500: the next command ends at 514. */
	repl_stream_init(&rs, 500);
	size_t used = repl_stream_next(&rs, with_id, sizeof(with_id) - 1, &ev);
	assert_int_equal(ev.kind, REPL_EV_CONTINUE);
	repl_stream_next(&rs, with_id + used, sizeof(with_id) - 1 - used, &ev);
	assert_int_equal(ev.kind, REPL_EV_COMMAND);
	assert_int_equal(rs.offset, 514);
}

static void test_refused(void **state)
{
	static const char r[] = "-NOMASTERLINK Can't SYNC while not connected with my master\r\n";
	long long off;
	(void)state;
	assert_string_equal(events(r, sizeof(r) - 1, 5, &off),
			    "refused NOMASTERLINK Can't SYNC while not connected with my master|");
}

static void test_bad(void **state)
{
	static const struct {
		const char *wire, *want;
	} cases[] = {
		{ "+OK\r\n", "bad unexpected answer to PSYNC: '+OK'|" },
		{ "+FULLRESYNC 123 5\r\n", "bad unexpected answer to PSYNC: '+FULLRESYNC 123 5'|" },
		{ "+FULLRESYNC " REPLID " 1\r\n$EOF:0123456789012345678901234567890123456789\r\n",
		  "full " REPLID " 1|bad the master sent its payload in the EOF-marked form, not asked for|" },
		{ "+FULLRESYNC " REPLID " 1\r\nREDIS\r\n", "full " REPLID " 1|bad expected the payload's size ($<bytes>), got 'REDIS'|" },
		{ "+CONTINUE\r\nSET a b\r\n", "continue |bad expected a command ('*'), got 'SET a b'|" },
		{ "+CONTINUE\r\n*1\r\n$x\r\nPING\r\n", "continue |bad bad argument header '$x'|" },
		{ "+CONTINUE\r\n*1\r\n$4\r\nPINGxx", "continue |bad argument not followed by CRLF|" },
		{ "+CONTINUE\r\n*0\r\n", "continue |bad bad command header '*0'|" },
		{ "+CONTINUE\r\n*-1\r\n", "continue |bad bad command header '*-1'|" },
	};
	long long off;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(events(cases[i].wire, strlen(cases[i].wire), 1000, &off), cases[i].want);
		/* Fed a byte at a time the message quotes what had come so far. */
		const char *got = events(cases[i].wire, strlen(cases[i].wire), 1, &off);
		const char *quote = strstr(cases[i].want, "got '");
		size_t same = quote ? (size_t)(quote - cases[i].want) : strlen(cases[i].want) + 1;
		assert_memory_equal(got, cases[i].want, same);
	}
}

/* A command far larger than any one read, arriving in pieces: used only
 * once whole, and scanned once (the parser resumes where it stopped). */
static void test_large_command(void **state)
{
	size_t args = 20000, cap = args * 32 + 64, len = 0;
	char *wire = malloc(cap);
	long long off;
	(void)state;
	len += snprintf(wire + len, cap - len, "+CONTINUE\r\n*%zu\r\n$4\r\nMSET\r\n", args + 1);
	for (size_t i = 0; i < args; i++)
		len += snprintf(wire + len, cap - len, "$6\r\nk%05zu\r\n", i);
	char want[64];
	snprintf(want, sizeof(want), "continue |cmd0:%zu|", len - 11);
	assert_string_equal(events(wire, len, 4096, &off), want);
	assert_string_equal(events(wire, len, 7, &off), want);
	assert_int_equal(off, -1 + (long long)(len - 11));
	/* Not whole yet: nothing used. */
	struct repl_stream rs;
	struct repl_event ev;
	repl_stream_init(&rs, 0);
	size_t used = repl_stream_next(&rs, wire, len, &ev);
	assert_int_equal(repl_stream_next(&rs, wire + used, len - used - 1, &ev), 0);
	assert_int_equal(ev.kind, REPL_EV_MORE);
	free(wire);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_resync),
		cmocka_unit_test(test_continue),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_large_command),
	};
	return cmocka_run_group_tests_name("repl_stream", tests, NULL, NULL);
}
