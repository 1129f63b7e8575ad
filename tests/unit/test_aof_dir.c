/* test_aof_dir.c - a history's AOF directory (cluster/aof_dir.c): the
 * manifest as Redis 7 writes and reads it, and the INCR file with its
 * "#TS:" annotations, which redis-check-aof --truncate-to-timestamp cuts
 * at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aof_dir.h"

static void test_manifest(void **state)
{
	char buf[512], err[200];
	struct aof_manifest m;
	(void)state;
	aof_manifest_format(AOF_BASE_FILE, AOF_INCR_FILE, buf, sizeof(buf));
	assert_string_equal(buf, "file appendonly.aof.1.base.rdb seq 1 type b\n"
				 "file appendonly.aof.1.incr.aof seq 1 type i\n");
	assert_int_equal(aof_manifest_parse(buf, &m, err, sizeof(err)), 0);
	assert_string_equal(m.base, AOF_BASE_FILE);
	assert_int_equal(m.nincr, 1);
	assert_string_equal(m.incr[0], AOF_INCR_FILE);
	/* The example in Redis's aof.c: history files are skipped, INCR files
	 * kept in order. */
	const char *redis = "file appendonly.aof.2.base.rdb seq 2 type b\n"
			    "file appendonly.aof.1.incr.aof seq 1 type h\n"
			    "file appendonly.aof.2.incr.aof seq 2 type h\n"
			    "file appendonly.aof.3.incr.aof seq 3 type h\n"
			    "file appendonly.aof.4.incr.aof seq 4 type i\n"
			    "file appendonly.aof.5.incr.aof seq 5 type i\n";
	assert_int_equal(aof_manifest_parse(redis, &m, err, sizeof(err)), 0);
	assert_string_equal(m.base, "appendonly.aof.2.base.rdb");
	assert_int_equal(m.nincr, 2);
	assert_string_equal(m.incr[1], "appendonly.aof.5.incr.aof");
	/* Keys in another order, a comment, CRLF. */
	assert_int_equal(aof_manifest_parse("# c\r\nseq 1 type i file x.aof\r\n", &m, err, sizeof(err)), 0);
	assert_string_equal(m.incr[0], "x.aof");

	const char *bad[] = { "", "file a seq 1\n", "file a seq 1 type z\n", "file a/b seq 1 type b\n",
			      "file a seq 1 type b\nfile b seq 2 type b\n",
			      "file a seq 2 type i\nfile b seq 1 type i\n", "file a seq 0 type b\n", NULL };
	for (int i = 0; bad[i]; i++) {
		err[0] = '\0';
		if (aof_manifest_parse(bad[i], &m, err, sizeof(err)) != -1)
			fail_msg("manifest %d accepted", i);
		assert_true(err[0] != '\0');
	}
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

#define SET "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
#define MULTI "*1\r\n$5\r\nMULTI\r\n"
#define EXEC "*1\r\n$4\r\nEXEC\r\n"

static void test_writer(void **state)
{
	char dir[] = "/tmp/test_aof_dir.XXXXXX", path[200], err[200];
	struct aof_writer w;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, AOF_INCR_FILE);
	assert_int_equal(aof_writer_open(&w, path, -1, 0, err, sizeof(err)), 0);
	assert_int_equal(aof_first_timestamp(path), 0);
	assert_int_equal(aof_writer_add(&w, SET, strlen(SET), REPL_CMD_WRITE, 100), 0);
	assert_int_equal(aof_writer_add(&w, SET, strlen(SET), REPL_CMD_WRITE, 100), 0);
	assert_int_equal(aof_writer_add(&w, SET, strlen(SET), REPL_CMD_WRITE, 101), 0);
	/* No annotation inside a transaction; the clock going back keeps the
	 * last second. */
	assert_int_equal(aof_writer_add(&w, MULTI, strlen(MULTI), REPL_CMD_MULTI, 101), 0);
	assert_int_equal(aof_writer_add(&w, SET, strlen(SET), REPL_CMD_WRITE, 102), 0);
	assert_int_equal(aof_writer_add(&w, EXEC, strlen(EXEC), REPL_CMD_EXEC, 102), 0);
	assert_int_equal(aof_writer_add(&w, SET, strlen(SET), REPL_CMD_WRITE, 99), 0);
	assert_int_equal(aof_writer_add(&w, SET, strlen(SET), REPL_CMD_WRITE, 103), 0);
	const char *want = "#TS:100\r\n" SET SET "#TS:101\r\n" SET MULTI SET EXEC SET "#TS:103\r\n" SET;
	assert_int_equal(w.size, (long long)strlen(want));
	assert_int_equal(aof_writer_flush(&w, true, err, sizeof(err)), 0);
	assert_string_equal(slurp(path), want);
	assert_int_equal(aof_first_timestamp(path), 100);
	aof_writer_close(&w);

	/* Reopened at a checkpoint: what came after it is cut off. */
	size_t keep = strlen("#TS:100\r\n" SET SET);
	assert_int_equal(aof_writer_open(&w, path, (long long)keep, 100, err, sizeof(err)), 0);
	assert_int_equal(w.size, (long long)keep);
	assert_int_equal(aof_writer_add(&w, SET, strlen(SET), REPL_CMD_WRITE, 100), 0);
	assert_int_equal(aof_writer_add(&w, SET, strlen(SET), REPL_CMD_WRITE, 104), 0);
	assert_int_equal(aof_writer_flush(&w, false, err, sizeof(err)), 0);
	assert_string_equal(slurp(path), "#TS:100\r\n" SET SET SET "#TS:104\r\n" SET);
	aof_writer_close(&w);

	assert_int_equal(aof_manifest_write(dir, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, AOF_MANIFEST_FILE);
	assert_string_equal(slurp(path), "file appendonly.aof.1.base.rdb seq 1 type b\n"
					 "file appendonly.aof.1.incr.aof seq 1 type i\n");
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, AOF_INCR_FILE);
	unlink(path);
	rmdir(dir);
	assert_int_equal(aof_first_timestamp("/nonexistent/x"), -1);
	assert_int_equal(aof_writer_open(&w, "/nonexistent/x", -1, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_writer),
	};
	return cmocka_run_group_tests_name("aof_dir", tests, NULL, NULL);
}
