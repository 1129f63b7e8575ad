/* test_ctl_metrics.c - clusterctl watch's and archive's metrics: the whole
 * text of a first scrape, the verdict and the failure domains after
 * checks, bounded labels, the archive's lag from its links, and the
 * --metrics address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_metrics.h"
#include "metrics_http.h"

static int watch_setup(void **state)
{
	*state = ctl_metrics_new(CTL_METRICS_WATCH, "1.2.3");
	return *state ? 0 : -1;
}

static int archive_setup(void **state)
{
	*state = ctl_metrics_new(CTL_METRICS_ARCHIVE, "1.2.3");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	ctl_metrics_free(*state);
	return 0;
}

/* The text a scrape gets now; the caller frees it. */
static char *scrape(struct ctl_metrics *m)
{
	size_t len = 0;
	char *t = ctl_metrics_render(m, &len);

	assert_non_null(t);
	assert_int_equal(len, strlen(t));
	return t;
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n += strncmp(l, prefix, strlen(prefix)) == 0;
	return n;
}

static void assert_has(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("missing line '%s' in:\n%s", line, text);
}

/* Every sample's family is announced by HELP and TYPE before it, once. */
static void assert_well_formed(const char *text)
{
	char family[128] = "";

	assert_int_equal(text[strlen(text) - 1], '\n');
	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		size_t n = strcspn(l, "\n");
		if (strncmp(l, "# TYPE ", 7) == 0) {
			snprintf(family, sizeof(family), "%.*s", (int)strcspn(l + 7, " "), l + 7);
			char help[160];
			snprintf(help, sizeof(help), "# HELP %s ", family);
			assert_int_equal(count_lines(text, help), 1);
		} else if (l[0] != '#') {
			assert_true(family[0]);
			assert_memory_equal(l, family, strlen(family));
			assert_true(strchr("{ ", l[strlen(family)]) != NULL);
		}
		assert_true(n > 0);
	}
}

static const char first_watch_scrape[] =
	"# HELP clusterctl_build_info clusterctl's version, as a label; always 1.\n"
	"# TYPE clusterctl_build_info gauge\n"
	"clusterctl_build_info{version=\"1.2.3\"} 1\n"
	"# HELP clusterctl_watch_interval_seconds Time between two checks (--interval).\n"
	"# TYPE clusterctl_watch_interval_seconds gauge\n"
	"clusterctl_watch_interval_seconds 0\n"
	"# HELP clusterctl_watch_checks_total Checks of the cluster made.\n"
	"# TYPE clusterctl_watch_checks_total counter\n"
	"clusterctl_watch_checks_total 0\n"
	"# HELP clusterctl_watch_check_verdict 1 for the last check's verdict (clusterctl check's exit status 0, 1, "
	"2), 0 for the others.\n"
	"# TYPE clusterctl_watch_check_verdict gauge\n"
	"clusterctl_watch_check_verdict{verdict=\"healthy\"} 0\n"
	"clusterctl_watch_check_verdict{verdict=\"degraded\"} 0\n"
	"clusterctl_watch_check_verdict{verdict=\"unreachable\"} 0\n"
	"# HELP clusterctl_watch_last_check_timestamp_seconds Unix time of the last check (0: none yet).\n"
	"# TYPE clusterctl_watch_last_check_timestamp_seconds gauge\n"
	"clusterctl_watch_last_check_timestamp_seconds 0.000\n"
	"# HELP clusterctl_watch_masters Masters serving slots and not failed, per failure domain seen, at the last "
	"check that read the cluster.\n"
	"# TYPE clusterctl_watch_masters gauge\n"
	"# HELP clusterctl_watch_slots_failing Hash slots not served by a live master.\n"
	"# TYPE clusterctl_watch_slots_failing gauge\n"
	"clusterctl_watch_slots_failing 0\n"
	"# HELP clusterctl_watch_nodes_failed Nodes failed or unreachable.\n"
	"# TYPE clusterctl_watch_nodes_failed gauge\n"
	"clusterctl_watch_nodes_failed 0\n"
	"# HELP clusterctl_watch_heal_decisions_total Heal steps taken, by kind.\n"
	"# TYPE clusterctl_watch_heal_decisions_total counter\n"
	"clusterctl_watch_heal_decisions_total{reason=\"replicate\"} 0\n"
	"clusterctl_watch_heal_decisions_total{reason=\"forget\"} 0\n"
	"clusterctl_watch_heal_decisions_total{reason=\"takeover\"} 0\n"
	"clusterctl_watch_heal_decisions_total{reason=\"failover\"} 0\n"
	"# HELP clusterctl_watch_heals_total Heals run under the lease, by how the cluster was left.\n"
	"# TYPE clusterctl_watch_heals_total counter\n"
	"clusterctl_watch_heals_total{result=\"healthy\"} 0\n"
	"clusterctl_watch_heals_total{result=\"not_healthy\"} 0\n"
	"# HELP clusterctl_watch_lease_held 1 while this watcher holds the healing lease.\n"
	"# TYPE clusterctl_watch_lease_held gauge\n"
	"clusterctl_watch_lease_held 0\n";

/* Before the first check: every family, every fixed label, no verdict. */
static void test_watch_first_scrape(void **state)
{
	char *t = scrape(*state);

	assert_string_equal(t, first_watch_scrape);
	assert_well_formed(t);
	free(t);
}

static void test_step_labels(void **state)
{
	(void)state;
	assert_null(ctl_metrics_step_label(HEAL_NONE));
	assert_string_equal(ctl_metrics_step_label(HEAL_REPLICATE), "replicate");
	assert_string_equal(ctl_metrics_step_label(HEAL_FORGET), "forget");
	assert_string_equal(ctl_metrics_step_label(HEAL_TAKEOVER), "takeover");
	assert_string_equal(ctl_metrics_step_label(HEAL_FAILOVER), "failover");
	assert_null(ctl_metrics_step_label((enum heal_kind)99));
}

/* A report as health_check leaves it, for the fields the metrics read. */
static struct health_report report(struct domain_stat *d, size_t n, bool healthy, int served, size_t nfailed)
{
	return (struct health_report){ .domains = d, .ndomains = n, .healthy = healthy, .served = served,
				       .nfailed = nfailed };
}

static void test_watch_checks(void **state)
{
	struct ctl_metrics *m = *state;
	struct domain_stat three[] = { { .name = "redis01", .masters = 1 }, { .name = "redis02", .masters = 1 },
				       { .name = "redis03", .masters = 1 } };
	struct domain_stat two[] = { { .name = "redis01", .masters = 2 }, { .name = "redis03", .masters = 1 } };
	struct health_report k = report(three, 3, true, 16384, 0);
	char *t;

	ctl_metrics_watch_interval(m, 5);
	ctl_metrics_watch_checked(m, &k, 1796652400.25);
	t = scrape(m);
	assert_has(t, "clusterctl_watch_interval_seconds 5");
	assert_has(t, "clusterctl_watch_checks_total 1");
	assert_has(t, "clusterctl_watch_check_verdict{verdict=\"healthy\"} 1");
	assert_has(t, "clusterctl_watch_check_verdict{verdict=\"degraded\"} 0");
	assert_has(t, "clusterctl_watch_check_verdict{verdict=\"unreachable\"} 0");
	assert_has(t, "clusterctl_watch_last_check_timestamp_seconds 1796652400.250");
	assert_has(t, "clusterctl_watch_masters{domain=\"redis01\"} 1");
	assert_has(t, "clusterctl_watch_masters{domain=\"redis02\"} 1");
	assert_has(t, "clusterctl_watch_masters{domain=\"redis03\"} 1");
	assert_has(t, "clusterctl_watch_slots_failing 0");
	free(t);

	/* redis02 lost its master: its series stays, at 0; a third of the
	 * slots wait for a failover. */
	k = report(two, 2, false, 16384 - 5461, 2);
	ctl_metrics_watch_checked(m, &k, 1796652405);
	t = scrape(m);
	assert_has(t, "clusterctl_watch_checks_total 2");
	assert_has(t, "clusterctl_watch_check_verdict{verdict=\"healthy\"} 0");
	assert_has(t, "clusterctl_watch_check_verdict{verdict=\"degraded\"} 1");
	assert_has(t, "clusterctl_watch_masters{domain=\"redis01\"} 2");
	assert_has(t, "clusterctl_watch_masters{domain=\"redis02\"} 0");
	assert_has(t, "clusterctl_watch_masters{domain=\"redis03\"} 1");
	assert_has(t, "clusterctl_watch_slots_failing 5461");
	assert_has(t, "clusterctl_watch_nodes_failed 2");
	assert_int_equal(count_lines(t, "clusterctl_watch_masters{"), 3);
	free(t);

	/* Unreachable: the verdict changes, the figures stay as last read. */
	ctl_metrics_watch_checked(m, NULL, 1796652410);
	t = scrape(m);
	assert_has(t, "clusterctl_watch_checks_total 3");
	assert_has(t, "clusterctl_watch_check_verdict{verdict=\"degraded\"} 0");
	assert_has(t, "clusterctl_watch_check_verdict{verdict=\"unreachable\"} 1");
	assert_has(t, "clusterctl_watch_last_check_timestamp_seconds 1796652410.000");
	assert_has(t, "clusterctl_watch_masters{domain=\"redis01\"} 2");
	assert_has(t, "clusterctl_watch_slots_failing 5461");
	assert_well_formed(t);
	free(t);
}

/* Domains in domain order (IPs numerically), label values escaped, and
 * no more than CTL_METRICS_MAX_DOMAINS series whatever the cluster does. */
static void test_watch_domains(void **state)
{
	struct ctl_metrics *m = *state;
	struct domain_stat odd[] = { { .name = "10.0.0.10", .masters = 1 }, { .name = "10.0.0.9", .masters = 1 },
				     { .name = "rack \"b\"\\2", .masters = 3 } };
	struct domain_stat many[CTL_METRICS_MAX_DOMAINS + 10];
	char names[CTL_METRICS_MAX_DOMAINS + 10][16];
	struct health_report k = report(odd, 3, false, 16384, 0);
	char *t;

	ctl_metrics_watch_checked(m, &k, 1);
	t = scrape(m);
	const char *a = strstr(t, "clusterctl_watch_masters{domain=\"10.0.0.9\"} 1\n");
	const char *b = strstr(t, "clusterctl_watch_masters{domain=\"10.0.0.10\"} 1\n");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	assert_has(t, "clusterctl_watch_masters{domain=\"rack \\\"b\\\"\\\\2\"} 3");
	free(t);

	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++) {
		snprintf(names[i], sizeof(names[i]), "host%03zu", i);
		many[i] = (struct domain_stat){ .name = names[i], .masters = 1 };
	}
	k = report(many, sizeof(many) / sizeof(many[0]), true, 16384, 0);
	ctl_metrics_watch_checked(m, &k, 2);
	t = scrape(m);
	assert_int_equal(count_lines(t, "clusterctl_watch_masters{"), CTL_METRICS_MAX_DOMAINS);
	assert_well_formed(t);
	free(t);
}

static void test_watch_heal(void **state)
{
	struct ctl_metrics *m = *state;
	char *t;

	ctl_metrics_watch_lease(m, true);
	ctl_metrics_watch_step(m, HEAL_FORGET);
	ctl_metrics_watch_step(m, HEAL_FORGET);
	ctl_metrics_watch_step(m, HEAL_FAILOVER);
	ctl_metrics_watch_step(m, HEAL_NONE);            /* no step: not counted */
	ctl_metrics_watch_step(m, (enum heal_kind)42);   /* no such kind */
	t = scrape(m);
	assert_has(t, "clusterctl_watch_lease_held 1");
	assert_has(t, "clusterctl_watch_heal_decisions_total{reason=\"replicate\"} 0");
	assert_has(t, "clusterctl_watch_heal_decisions_total{reason=\"forget\"} 2");
	assert_has(t, "clusterctl_watch_heal_decisions_total{reason=\"takeover\"} 0");
	assert_has(t, "clusterctl_watch_heal_decisions_total{reason=\"failover\"} 1");
	assert_int_equal(count_lines(t, "clusterctl_watch_heal_decisions_total{"), 4);
	free(t);
	ctl_metrics_watch_lease(m, false);
	ctl_metrics_watch_healed(m, true);
	ctl_metrics_watch_healed(m, false);
	ctl_metrics_watch_healed(m, true);
	t = scrape(m);
	assert_has(t, "clusterctl_watch_lease_held 0");
	assert_has(t, "clusterctl_watch_heals_total{result=\"healthy\"} 2");
	assert_has(t, "clusterctl_watch_heals_total{result=\"not_healthy\"} 1");
	free(t);
}

/* Without --metrics the verbs pass NULL: every setter is a no-op. */
static void test_null_is_off(void **state)
{
	struct ctl_archive_figures f = { 0 };

	(void)state;
	ctl_metrics_watch_interval(NULL, 1);
	ctl_metrics_watch_checked(NULL, NULL, 1);
	ctl_metrics_watch_step(NULL, HEAL_FAILOVER);
	ctl_metrics_watch_healed(NULL, true);
	ctl_metrics_watch_lease(NULL, true);
	ctl_metrics_archive_set(NULL, &f);
	ctl_metrics_archive_error(NULL);
	ctl_metrics_archive_gap(NULL, CTL_GAP_RESYNC);
	ctl_metrics_free(NULL);
}

/* ---- archive ------------------------------------------------------------ */

static void test_archive_all_current(void **state)
{
	(void)state;
	/* Three caught-up links; the second's checkpoint predates the
	 * master's offset it is compared with: the writes since are no lag. */
	struct ctl_link_view v[] = {
		{ .streaming = true, .covered = 999.5, .since = 10, .archived = 5000, .archived_at = 999.6,
		  .master_offset = 5000, .master_seen = 998, .last_write = 990 },
		{ .streaming = true, .covered = 999.5, .since = 10, .archived = 7000, .archived_at = 997,
		  .master_offset = 7300, .master_seen = 998, .last_write = 999.2 },
		{ .streaming = true, .covered = 999.5, .since = 10, .archived = 100, .archived_at = 999,
		  .master_offset = 0, .master_seen = 0 },
	};
	struct ctl_archive_figures f;

	ctl_archive_figures(v, 3, 3, 1000, &f);
	assert_true(f.lag_seconds == 0);
	assert_int_equal(f.lag_bytes, 0);
	assert_int_equal(f.links_up, 3);
	assert_int_equal(f.links_down, 0);
	assert_int_equal(f.masters, 3);
	assert_true(f.last_write == 999.2);
}

static void test_archive_behind(void **state)
{
	(void)state;
	struct ctl_link_view v[] = {
		/* Streaming, but its fresh checkpoint is 300 bytes short. */
		{ .streaming = true, .covered = 999, .archived = 7000, .archived_at = 999,
		  .master_offset = 7300, .master_seen = 998 },
		/* Down since it was complete to 940: 60 s behind, 50 bytes. */
		{ .streaming = false, .covered = 940, .since = 10, .archived = 4950, .archived_at = 941,
		  .master_offset = 5000, .master_seen = 939 },
		/* A new master's first base copy, begun at 980, none yet. */
		{ .streaming = false, .covered = 0, .since = 980 },
	};
	struct ctl_archive_figures f;

	ctl_archive_figures(v, 3, 3, 1000, &f);
	assert_true(f.lag_seconds == 60);
	assert_int_equal(f.lag_bytes, 350);
	assert_int_equal(f.links_up, 1);
	assert_int_equal(f.links_down, 2);
	/* Only the base copy left behind: 20 s. */
	ctl_archive_figures(v + 2, 1, 1, 1000, &f);
	assert_true(f.lag_seconds == 20);
	assert_int_equal(f.lag_bytes, 0);
	/* No links at all. */
	ctl_archive_figures(NULL, 0, 0, 1000, &f);
	assert_true(f.lag_seconds == 0);
	assert_int_equal(f.links_up + f.links_down, 0);
}

static const char archive_scrape[] =
	"# HELP clusterctl_build_info clusterctl's version, as a label; always 1.\n"
	"# TYPE clusterctl_build_info gauge\n"
	"clusterctl_build_info{version=\"1.2.3\"} 1\n"
	"# HELP clusterctl_archive_lag_seconds Seconds since every master's stream was last complete in the archive; "
	"0 while all are caught up.\n"
	"# TYPE clusterctl_archive_lag_seconds gauge\n"
	"clusterctl_archive_lag_seconds 60.000\n"
	"# HELP clusterctl_archive_lag_bytes Sum over the masters of their replication offset, as last asked, minus "
	"the archived one.\n"
	"# TYPE clusterctl_archive_lag_bytes gauge\n"
	"clusterctl_archive_lag_bytes 350\n"
	"# HELP clusterctl_archive_links Replication links to masters: up (caught up and streaming) or down "
	"(waiting or syncing).\n"
	"# TYPE clusterctl_archive_links gauge\n"
	"clusterctl_archive_links{state=\"up\"} 2\n"
	"clusterctl_archive_links{state=\"down\"} 1\n"
	"# HELP clusterctl_archive_masters Masters serving slots, in the last read of the cluster.\n"
	"# TYPE clusterctl_archive_masters gauge\n"
	"clusterctl_archive_masters 3\n"
	"# HELP clusterctl_archive_errors_total Failed reads of the cluster, and replication sessions that failed or "
	"broke.\n"
	"# TYPE clusterctl_archive_errors_total counter\n"
	"clusterctl_archive_errors_total 2\n"
	"# HELP clusterctl_archive_gaps_total Gaps in the restorable window: full resyncs (resync), writes that "
	"arrived late (blind).\n"
	"# TYPE clusterctl_archive_gaps_total counter\n"
	"clusterctl_archive_gaps_total{kind=\"resync\"} 1\n"
	"clusterctl_archive_gaps_total{kind=\"blind\"} 0\n"
	"# HELP clusterctl_archive_last_write_timestamp_seconds Unix time the newest write kept in the archive "
	"arrived (0: none yet).\n"
	"# TYPE clusterctl_archive_last_write_timestamp_seconds gauge\n"
	"clusterctl_archive_last_write_timestamp_seconds 1796652399.125\n";

static void test_archive_render(void **state)
{
	struct ctl_metrics *m = *state;
	struct ctl_archive_figures f = { .lag_seconds = 60, .lag_bytes = 350, .links_up = 2, .links_down = 1,
					 .masters = 3, .last_write = 1796652399.125 };
	char *t;

	ctl_metrics_archive_set(m, &f);
	ctl_metrics_archive_error(m);
	ctl_metrics_archive_error(m);
	ctl_metrics_archive_gap(m, CTL_GAP_RESYNC);
	ctl_metrics_archive_gap(m, (enum ctl_gap)7); /* no such kind */
	t = scrape(m);
	assert_string_equal(t, archive_scrape);
	assert_well_formed(t);
	assert_null(strstr(t, "clusterctl_watch_"));
	free(t);
}

/* --metrics takes an IPv4 literal and a port. */
static void test_metrics_addr(void **state)
{
	struct sockaddr_in sa;
	char err[300];

	(void)state;
	assert_int_equal(metrics_http_addr("127.0.0.1:9652", &sa, err, sizeof(err)), 0);
	assert_int_equal(ntohs(sa.sin_port), 9652);
	assert_int_equal(ntohl(sa.sin_addr.s_addr), 0x7f000001);
	assert_int_equal(metrics_http_addr("0.0.0.0:1", &sa, err, sizeof(err)), 0);
	static const char *const bad[] = { "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
					   ":9652", "localhost:9652", "[::1]:9652", "9652", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(metrics_http_addr(bad[i], &sa, err, sizeof(err)), -1);
		assert_non_null(strstr(err, bad[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_watch_first_scrape, watch_setup, teardown),
		cmocka_unit_test(test_step_labels),
		cmocka_unit_test_setup_teardown(test_watch_checks, watch_setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_domains, watch_setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_heal, watch_setup, teardown),
		cmocka_unit_test(test_null_is_off),
		cmocka_unit_test(test_archive_all_current),
		cmocka_unit_test(test_archive_behind),
		cmocka_unit_test_setup_teardown(test_archive_render, archive_setup, teardown),
		cmocka_unit_test(test_metrics_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
