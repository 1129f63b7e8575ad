/* test_conf.c - lib/conf.c: the one way vipd.conf and newsd.conf report
 * their problems (every one, FILE:LINE:, in line order), and the value
 * parsers both use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

static char tmpdir[] = "/tmp/test_conf.XXXXXX";
static char path[256];
static char err[4096];

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/x.conf", tmpdir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(tmpdir);
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static cfg_opt_t item_opts[] = { CONF_KEY("size"), CONF_SECTION_LINE, CFG_END() };
static cfg_opt_t opts[] = {
	CONF_KEY("count"),  CONF_KEY("ratio"), CONF_KEY("enabled"), CONF_KEY("delay"),
	CONF_KEY("mode"),   CONF_LIST("names"), CONF_LIST("more"),
	CFG_SEC("item", item_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

static const struct conf_choice modes[] = { { "fast", 1, true }, { "slow", 2, true }, { "old", 3, false } };

struct vals {
	long count;
	double ratio;
	bool enabled;
	uint32_t delay_ms;
	int mode;
	long size;
};

/* Load path with every getter; the messages land in err. */
static int load(struct vals *v)
{
	struct conf_ctx c = { .path = path, .scope_section = "item" };
	cfg_t *cfg = conf_parse_file(&c, opts, 4096);
	int rc;

	if (cfg) {
		conf_get_int(&c, cfg, "count", 1, 10, &v->count);
		conf_get_double(&c, cfg, "ratio", 0.5, 2, &v->ratio);
		conf_get_bool(&c, cfg, "enabled", &v->enabled);
		conf_get_seconds(&c, cfg, "delay", 1000000, 10, 5000, "0.01..5", &v->delay_ms);
		conf_get_choice(&c, cfg, "mode", modes, 3, &v->mode);
		for (unsigned i = 0; i < cfg_size(cfg, "item"); i++) {
			cfg_t *it = cfg_getnsec(cfg, "item", i);
			c.scope = cfg_title(it);
			conf_get_int(&c, it, "size", 0, 99, &v->size);
			if (!conf_scalar(it, "size"))
				conf_msg(&c, conf_section_line(it), "size is required");
			c.scope = NULL;
		}
		if (conf_list_set_empty(cfg, "names"))
			conf_msg(&c, conf_key_line(&c, "names"), "names = { }: at least one is needed");
		cfg_free(cfg);
	}
	rc = conf_failed(&c) ? -1 : 0;
	conf_flush(&c, err, sizeof(err));
	return rc;
}

/* err holds exactly these lines, each "PATH" + the given suffix. */
static void expect_lines(const char *const *want, size_t n)
{
	char all[4096] = "";

	for (size_t i = 0; i < n; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s%s", i ? "\n" : "", path, want[i]);
	assert_string_equal(err, all);
}

static void test_good_file(void **state)
{
	struct vals v = { .count = 3, .ratio = 1, .mode = 1 };

	(void)state;
	write_file("count = 7\nratio = 1.25\nenabled = yes\ndelay = 0.25\nmode = \"slow\"\n"
		   "names = { \"a\", \"b\" }\nitem x { size = 5 }\n");
	assert_int_equal(load(&v), 0);
	assert_string_equal(err, "");
	assert_int_equal(v.count, 7);
	assert_true(v.ratio > 1.2499 && v.ratio < 1.2501);
	assert_true(v.enabled);
	assert_int_equal(v.delay_ms, 250);
	assert_int_equal(v.mode, 2);
	assert_int_equal(v.size, 5);
}

/* Defaults stay where the file is silent; an empty file is valid. */
static void test_defaults_kept(void **state)
{
	struct vals v = { .count = 3, .ratio = 1, .mode = 1, .size = 42 };

	(void)state;
	write_file("");
	assert_int_equal(load(&v), 0);
	assert_int_equal(v.count, 3);
	assert_int_equal(v.mode, 1);
	assert_int_equal(v.size, 42);
}

/* Every problem, not only the first, each with the value's own line, sorted
 * by line although found in another order; items name their section. */
static void test_every_problem_in_line_order(void **state)
{
	struct vals v = { 0 };
	static const char *const want[] = {
		":2: item \"b\": size = 100: must be 0..99",
		":3: names = { }: at least one is needed",
		":4: mode = \"old\": not supported by this version",
		":5: delay = 9: must be 0.01..5 seconds",
		":6: enabled = maybe: must be true or false",
		":7: ratio = 3: must be 0.5..2",
		":8: count = ten: not an integer",
		":9: item \"c\": size is required",
	};

	(void)state;
	write_file("# a comment\nitem b { size = 100 }\nnames = { }\nmode = \"old\"\ndelay = 9\n"
		   "enabled = maybe\nratio = 3\ncount = ten\nitem c {\n}\n");
	assert_int_equal(load(&v), -1);
	expect_lines(want, sizeof(want) / sizeof(want[0]));
}

static void test_unknown_choice_lists_the_choices(void **state)
{
	struct vals v = { 0 };
	static const char *const want[] = { ":1: mode = \"quick\": must be one of fast, slow, old" };

	(void)state;
	write_file("mode = \"quick\"\n");
	assert_int_equal(load(&v), -1);
	expect_lines(want, 1);
}

/* Syntax errors come from libconfuse through the same report, with the
 * line the lexer stood on. */
static void test_syntax_errors(void **state)
{
	struct vals v = { 0 };

	(void)state;
	write_file("count = 2\nfrobnicate = 1\n");
	assert_int_equal(load(&v), -1);
	assert_non_null(strstr(err, ":2: "));
	assert_non_null(strstr(err, "frobnicate"));
	assert_non_null(strncmp(err, path, strlen(path)) == 0 ? err : NULL);

	write_file("count = 2\nitem z {\n  size = 3\n");
	assert_int_equal(load(&v), -1);
	assert_non_null(strstr(err, path));
}

static void test_missing_file(void **state)
{
	struct vals v = { 0 };
	char want[512];

	(void)state;
	unlink(path);
	assert_int_equal(load(&v), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_string_equal(err, want);
}

/* Control characters never reach a one-line message raw. */
static void test_show_escapes(void **state)
{
	char buf[CONF_SHOW_MAX], longer[200];

	(void)state;
	assert_string_equal(conf_show("a\nb\x7f", false, buf, sizeof(buf)), "a\\x0ab\\x7f");
	assert_string_equal(conf_show("say \"hi\" \\", true, buf, sizeof(buf)), "say \\\"hi\\\" \\\\");
	assert_string_equal(conf_show("say \"hi\"", false, buf, sizeof(buf)), "say \"hi\"");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	conf_show(longer, false, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	assert_string_equal(buf + strlen(buf) - 3, "...");
}

static void test_parse_long(void **state)
{
	long n = 0;

	(void)state;
	assert_true(conf_parse_long("42", &n));
	assert_int_equal(n, 42);
	assert_true(conf_parse_long("-7", &n));
	assert_int_equal(n, -7);
	assert_true(conf_parse_long("+7", &n));
	assert_int_equal(n, 7);
	assert_false(conf_parse_long("", &n));
	assert_false(conf_parse_long("-", &n));
	assert_false(conf_parse_long("1.5", &n));
	assert_false(conf_parse_long("12a", &n));
	/* Huge magnitudes clamp instead of overflowing: still out of any range. */
	assert_true(conf_parse_long("99999999999999999999999", &n));
	assert_true(n >= 1000000000L);
}

static void test_parse_nanos(void **state)
{
	long long ns = 0;

	(void)state;
	assert_true(conf_parse_nanos("1", &ns));
	assert_int_equal(ns, 1000000000LL);
	assert_true(conf_parse_nanos(".5", &ns));
	assert_int_equal(ns, 500000000LL);
	assert_true(conf_parse_nanos("0.000000001", &ns));
	assert_int_equal(ns, 1);
	assert_true(conf_parse_nanos("-0.25", &ns));
	assert_int_equal(ns, -250000000LL);
	assert_false(conf_parse_nanos(".", &ns));
	assert_false(conf_parse_nanos("1,5", &ns));
	assert_false(conf_parse_nanos("1e3", &ns));
	assert_true(conf_parse_nanos("10000000000000000000", &ns));
	assert_true(ns > 0);
}

static void test_parse_bool(void **state)
{
	bool b = false;

	(void)state;
	assert_true(conf_parse_bool("YES", &b) && b);
	assert_true(conf_parse_bool("off", &b) && !b);
	assert_true(conf_parse_bool("True", &b) && b);
	assert_false(conf_parse_bool("1", &b));
	assert_false(conf_parse_bool("", &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults_kept),
		cmocka_unit_test(test_every_problem_in_line_order),
		cmocka_unit_test(test_unknown_choice_lists_the_choices),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_show_escapes),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_parse_nanos),
		cmocka_unit_test(test_parse_bool),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
