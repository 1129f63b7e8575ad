/* test_web_metrics.c - newsd's metrics: labels from fixed sets only, the
 * latency buckets' edges, and the text a scrape gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static const char *const patterns[] = { "/api/login", "/news/:news_id", "/user/:username" };
#define NPAT (sizeof(patterns) / sizeof(patterns[0]))

static int setup(void **state)
{
	*state = metrics_new(patterns, NPAT);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	metrics_free(*state);
	return 0;
}

static void test_route_label(void **state)
{
	const struct metrics *m = *state;

	assert_string_equal(metrics_route_label(m, 0), "/api/login");
	assert_string_equal(metrics_route_label(m, 1), "/news/:news_id");
	assert_string_equal(metrics_route_label(m, 2), "/user/:username");
	/* Nothing matched, or a number the router never gives. */
	assert_string_equal(metrics_route_label(m, -1), METRICS_UNMATCHED);
	assert_string_equal(metrics_route_label(m, 3), METRICS_UNMATCHED);
	assert_string_equal(metrics_route_label(m, 1000), METRICS_UNMATCHED);
}

static void test_method_and_status(void **state)
{
	(void)state;
	assert_string_equal(metrics_method_label(metrics_method("GET")), "GET");
	assert_string_equal(metrics_method_label(metrics_method("HEAD")), "HEAD");
	assert_string_equal(metrics_method_label(metrics_method("POST")), "POST");
	assert_string_equal(metrics_method_label(metrics_method("get")), "other");
	assert_string_equal(metrics_method_label(metrics_method("BREW")), "other");
	assert_string_equal(metrics_method_label(metrics_method(NULL)), "other");
	assert_string_equal(metrics_status_label(200), "200");
	assert_string_equal(metrics_status_label(404), "404");
	assert_string_equal(metrics_status_label(503), "503");
	assert_string_equal(metrics_status_label(418), "other");
	assert_string_equal(metrics_status_label(-1), "other");
}

static void test_buckets(void **state)
{
	(void)state;
	assert_int_equal(metrics_bucket(0), 0);
	assert_int_equal(metrics_bucket(1000), 0);   /* le is inclusive: 1 ms is in le="0.001" */
	assert_int_equal(metrics_bucket(1001), 1);
	assert_int_equal(metrics_bucket(2500), 1);
	assert_int_equal(metrics_bucket(99999), 6);  /* le="0.1" */
	assert_int_equal(metrics_bucket(10000000), METRICS_NBUCKETS - 1);
	assert_int_equal(metrics_bucket(10000001), METRICS_NBUCKETS); /* +Inf */
	assert_int_equal(metrics_bucket(UINT64_MAX), METRICS_NBUCKETS);
	for (size_t i = 1; i < METRICS_NBUCKETS; i++)
		assert_true(metrics_bucket_us[i] > metrics_bucket_us[i - 1]);
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n += strncmp(l, prefix, strlen(prefix)) == 0;
	return n;
}

static void test_render(void **state)
{
	struct metrics *m = *state;
	struct metrics_figures f = { .cluster_failures = 3, .unavailable = 2, .workers = 4, .pool_size = 4,
				     .pool_busy = 1, .moved = 5, .tryagain = 1 };
	struct buf b = BUF_INIT;

	metrics_observe(m, 1, "GET", 200, 800);       /* 0.8 ms */
	metrics_observe(m, 1, "GET", 200, 30000);     /* 30 ms */
	metrics_observe(m, 1, "HEAD", 200, 1000);
	metrics_observe(m, 0, "POST", 200, 20000000); /* 20 s: +Inf only */
	metrics_observe(m, -1, "GET", 404, 100);
	metrics_observe(m, -1, "PROPFIND", 405, 100);
	metrics_observe(m, 2, "GET", 418, 100);
	metrics_observe(NULL, 1, "GET", 200, 100);    /* metrics off: nothing */
	metrics_count(m, METRICS_MAIL_SENT);
	metrics_count(m, METRICS_MAIL_FAILED);
	metrics_count(m, METRICS_MAIL_FAILED);
	metrics_count(m, METRICS_MAIL_DROPPED);
	metrics_count(m, METRICS_MAIL_REJECTED);
	metrics_count(m, METRICS_MAIL_REJECTED);
	metrics_count(m, METRICS_MAIL_REJECTED);
	for (int i = 0; i < 4; i++)
		metrics_count(m, METRICS_MAIL_QUEUED);
	metrics_count(m, METRICS__EVENTS);            /* not an event: ignored */
	metrics_render(m, &f, &b);
	const char *t = buf_str(&b);

	assert_non_null(strstr(t, "# TYPE newsd_http_requests_total counter\n"));
	assert_non_null(strstr(t, "\nnewsd_http_requests_total{route=\"/news/:news_id\",method=\"GET\",code=\"200\"} 2\n"));
	assert_non_null(strstr(t, "\nnewsd_http_requests_total{route=\"/news/:news_id\",method=\"HEAD\",code=\"200\"} 1\n"));
	assert_non_null(strstr(t, "\nnewsd_http_requests_total{route=\"/api/login\",method=\"POST\",code=\"200\"} 1\n"));
	assert_non_null(strstr(t, "\nnewsd_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1\n"));
	assert_non_null(strstr(t, "\nnewsd_http_requests_total{route=\"unmatched\",method=\"other\",code=\"405\"} 1\n"));
	assert_non_null(strstr(t, "\nnewsd_http_requests_total{route=\"/user/:username\",method=\"GET\",code=\"other\"} 1\n"));
	/* Only what happened: 6 series, no zeros. */
	assert_int_equal(count_lines(t, "newsd_http_requests_total{"), 6);

	/* Cumulative buckets; +Inf and _count agree. */
	const char *h = "newsd_http_request_duration_seconds";
	char want[256];
	snprintf(want, sizeof(want), "\n%s_bucket{route=\"/news/:news_id\",le=\"0.001\"} 2\n", h);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "\n%s_bucket{route=\"/news/:news_id\",le=\"0.025\"} 2\n", h);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "\n%s_bucket{route=\"/news/:news_id\",le=\"0.05\"} 3\n", h);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "\n%s_bucket{route=\"/news/:news_id\",le=\"+Inf\"} 3\n", h);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "\n%s_sum{route=\"/news/:news_id\"} 0.031800\n", h);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "\n%s_count{route=\"/news/:news_id\"} 3\n", h);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "\n%s_bucket{route=\"/api/login\",le=\"10\"} 0\n", h);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "\n%s_bucket{route=\"/api/login\",le=\"+Inf\"} 1\n", h);
	assert_non_null(strstr(t, want));
	/* 4 routes seen (3 and the unmatched), each 13 bounds and +Inf. */
	snprintf(want, sizeof(want), "%s_bucket{", h);
	assert_int_equal(count_lines(t, want), 4 * (METRICS_NBUCKETS + 1));

	assert_non_null(strstr(t, "\nnewsd_cluster_failures_total 3\n"));
	assert_non_null(strstr(t, "\nnewsd_unavailable_total 2\n"));
	assert_non_null(strstr(t, "\nnewsd_unconfirmed_writes_total 0\n"));
	assert_non_null(strstr(t, "\nnewsd_pool_connections_busy 1\n"));
	assert_non_null(strstr(t, "\nnewsd_cluster_redirects_total{kind=\"moved\"} 5\n"));
	assert_non_null(strstr(t, "\nnewsd_cluster_redirects_total{kind=\"tryagain\"} 1\n"));
	assert_non_null(strstr(t, "\nnewsd_mails_total{result=\"sent\"} 1\n"));
	assert_non_null(strstr(t, "\nnewsd_mails_total{result=\"failed\"} 2\n"));
	assert_non_null(strstr(t, "\nnewsd_mails_total{result=\"dropped\"} 1\n"));
	assert_non_null(strstr(t, "\nnewsd_mails_total{result=\"rejected\"} 3\n"));
	assert_int_equal(count_lines(t, "newsd_mails_total{"), 4);
	assert_non_null(strstr(t, "\nnewsd_mails_queued_total 4\n"));
	assert_int_equal(count_lines(t, "# TYPE newsd_mails_queued_total counter"), 1);
	/* Every family is announced once, and every line ends. */
	assert_int_equal(count_lines(t, "# TYPE newsd_http_requests_total "), 1);
	assert_int_equal(count_lines(t, "# HELP newsd_mails_total "), 1);
	assert_int_equal(t[strlen(t) - 1], '\n');
	buf_free(&b);
}

/* A fresh scrape: the families are there, with no samples for requests. */
static void test_render_empty(void **state)
{
	struct metrics_figures f = { 0 };
	struct buf b = BUF_INIT;

	metrics_render(*state, &f, &b);
	const char *t = buf_str(&b);
	assert_non_null(strstr(t, "# TYPE newsd_http_request_duration_seconds histogram\n"));
	assert_int_equal(count_lines(t, "newsd_http_requests_total{"), 0);
	assert_int_equal(count_lines(t, "newsd_http_request_duration_seconds_bucket{"), 0);
	assert_non_null(strstr(t, "\nnewsd_mails_total{result=\"sent\"} 0\n"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_route_label, setup, teardown),
		cmocka_unit_test(test_method_and_status),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test_setup_teardown(test_render, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_empty, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
