/* ctl_metrics.c - see ctl_metrics.h. */
#include "ctl_metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_addr.h"
#include "slot_count.h"

typedef unsigned long long ull;

static const char *const verdict_labels[CTL__VERDICTS] = { "healthy", "degraded", "unreachable" };
static const char *const gap_labels[CTL__GAPS] = { "resync", "blind" };
/* Indexed by enum heal_kind; HEAL_NONE is no step. */
static const char *const step_labels[] = { NULL, "replicate", "forget", "takeover", "failover" };
#define NSTEPS (sizeof(step_labels) / sizeof(step_labels[0]))

struct domain_masters {
	char name[HOSTPORT_HOST_MAX];
	int masters;
};

struct watch_figures {
	int interval_s;
	ull checks;
	bool checked;                    /* a verdict exists */
	enum ctl_verdict verdict;
	double last_check;
	struct domain_masters domains[CTL_METRICS_MAX_DOMAINS]; /* in domain order */
	size_t ndomains;
	int slots_failing, nodes_failed;
	ull steps[NSTEPS];
	ull heals[2];                    /* not healthy, healthy */
	bool lease;
};

struct ctl_metrics {
	enum ctl_metrics_verb verb;
	char version[64];
	pthread_mutex_t lock;            /* everything below */
	struct watch_figures w;
	struct ctl_archive_figures a;
	ull errors;
	ull gaps[CTL__GAPS];
};

struct ctl_metrics *ctl_metrics_new(enum ctl_metrics_verb verb, const char *version)
{
	struct ctl_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->verb = verb;
	snprintf(m->version, sizeof(m->version), "%s", version);
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void ctl_metrics_free(struct ctl_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const char *ctl_metrics_step_label(enum heal_kind kind)
{
	return (unsigned)kind < NSTEPS ? step_labels[kind] : NULL;
}

/* ---- watch ------------------------------------------------------------- */

void ctl_metrics_watch_interval(struct ctl_metrics *m, int seconds)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->w.interval_s = seconds;
	pthread_mutex_unlock(&m->lock);
}

/* The domain's entry, made (in domain order) when new; NULL once the
 * table is full, so that a cluster that renames its hosts without end
 * cannot grow the label set without end. */
static struct domain_masters *domain_entry(struct watch_figures *w, const char *name)
{
	size_t i = 0;
	int c = 1;

	while (i < w->ndomains && (c = domain_compare(w->domains[i].name, name)) < 0)
		i++;
	if (i < w->ndomains && c == 0)
		return &w->domains[i];
	if (w->ndomains == CTL_METRICS_MAX_DOMAINS)
		return NULL;
	memmove(&w->domains[i + 1], &w->domains[i], (w->ndomains - i) * sizeof(w->domains[0]));
	w->ndomains++;
	memset(&w->domains[i], 0, sizeof(w->domains[i]));
	snprintf(w->domains[i].name, sizeof(w->domains[i].name), "%s", name);
	return &w->domains[i];
}

/* A domain seen once keeps its series, at 0 when it holds no master now:
 * a host that lost its masters is what an alert looks for. */
static void watch_set_domains(struct watch_figures *w, const struct health_report *k)
{
	for (size_t i = 0; i < w->ndomains; i++)
		w->domains[i].masters = 0;
	for (size_t d = 0; d < k->ndomains; d++) {
		struct domain_masters *e = domain_entry(w, k->domains[d].name);
		if (e)
			e->masters = k->domains[d].masters;
	}
}

void ctl_metrics_watch_checked(struct ctl_metrics *m, const struct health_report *k, double now)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->w.checks++;
	m->w.checked = true;
	m->w.last_check = now;
	m->w.verdict = !k ? CTL_UNREACHABLE : k->healthy ? CTL_HEALTHY : CTL_DEGRADED;
	if (k) {
		watch_set_domains(&m->w, k);
		m->w.slots_failing = SLOT_COUNT - k->served;
		m->w.nodes_failed = (int)k->nfailed;
	}
	pthread_mutex_unlock(&m->lock);
}

void ctl_metrics_watch_step(struct ctl_metrics *m, enum heal_kind kind)
{
	if (!m || !ctl_metrics_step_label(kind))
		return;
	pthread_mutex_lock(&m->lock);
	m->w.steps[kind]++;
	pthread_mutex_unlock(&m->lock);
}

void ctl_metrics_watch_healed(struct ctl_metrics *m, bool healthy)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->w.heals[healthy]++;
	pthread_mutex_unlock(&m->lock);
}

void ctl_metrics_watch_lease(struct ctl_metrics *m, bool held)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->w.lease = held;
	pthread_mutex_unlock(&m->lock);
}

/* ---- archive ----------------------------------------------------------- */

void ctl_archive_figures(const struct ctl_link_view *v, size_t n, int masters, double now,
			 struct ctl_archive_figures *f)
{
	*f = (struct ctl_archive_figures){ .masters = masters };
	for (size_t i = 0; i < n; i++) {
		const struct ctl_link_view *l = &v[i];
		if (l->last_write > f->last_write)
			f->last_write = l->last_write;
		if (l->streaming)
			f->links_up++;
		else
			f->links_down++;
		if (!l->streaming) {
			double from = l->covered > 0 ? l->covered : l->since;
			if (now - from > f->lag_seconds)
				f->lag_seconds = now - from;
		}
		bool fresh = !l->streaming || l->archived_at >= l->master_seen;
		if (l->master_seen > 0 && fresh && l->master_offset > l->archived)
			f->lag_bytes += l->master_offset - l->archived;
	}
}

void ctl_metrics_archive_set(struct ctl_metrics *m, const struct ctl_archive_figures *f)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->a = *f;
	pthread_mutex_unlock(&m->lock);
}

void ctl_metrics_archive_error(struct ctl_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->errors++;
	pthread_mutex_unlock(&m->lock);
}

void ctl_metrics_archive_gap(struct ctl_metrics *m, enum ctl_gap kind)
{
	if (!m || (unsigned)kind >= CTL__GAPS)
		return;
	pthread_mutex_lock(&m->lock);
	m->gaps[kind]++;
	pthread_mutex_unlock(&m->lock);
}

/* ---- the exposition ---------------------------------------------------- */

static void head(FILE *o, const char *name, const char *type, const char *help)
{
	fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name="value", backslash, quote and newline escaped. */
static void label(FILE *o, const char *name, const char *v)
{
	fprintf(o, "%s=\"", name);
	for (; *v; v++)
		if (*v == '\\' || *v == '"')
			fprintf(o, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", o);
		else
			fputc(*v, o);
	fputc('"', o);
}

static void render_watch(FILE *o, const struct watch_figures *w)
{
	head(o, "clusterctl_watch_interval_seconds", "gauge", "Time between two checks (--interval).");
	fprintf(o, "clusterctl_watch_interval_seconds %d\n", w->interval_s);
	head(o, "clusterctl_watch_checks_total", "counter", "Checks of the cluster made.");
	fprintf(o, "clusterctl_watch_checks_total %llu\n", w->checks);
	head(o, "clusterctl_watch_check_verdict", "gauge",
	     "1 for the last check's verdict (clusterctl check's exit status 0, 1, 2), 0 for the others.");
	for (int v = 0; v < CTL__VERDICTS; v++)
		fprintf(o, "clusterctl_watch_check_verdict{verdict=\"%s\"} %d\n", verdict_labels[v],
			w->checked && w->verdict == (enum ctl_verdict)v);
	head(o, "clusterctl_watch_last_check_timestamp_seconds", "gauge", "Unix time of the last check (0: none yet).");
	fprintf(o, "clusterctl_watch_last_check_timestamp_seconds %.3f\n", w->last_check);
	head(o, "clusterctl_watch_masters", "gauge",
	     "Masters serving slots and not failed, per failure domain seen, at the last check that read the cluster.");
	for (size_t i = 0; i < w->ndomains; i++) {
		fputs("clusterctl_watch_masters{", o);
		label(o, "domain", w->domains[i].name);
		fprintf(o, "} %d\n", w->domains[i].masters);
	}
	head(o, "clusterctl_watch_slots_failing", "gauge", "Hash slots not served by a live master.");
	fprintf(o, "clusterctl_watch_slots_failing %d\n", w->slots_failing);
	head(o, "clusterctl_watch_nodes_failed", "gauge", "Nodes failed or unreachable.");
	fprintf(o, "clusterctl_watch_nodes_failed %d\n", w->nodes_failed);
	head(o, "clusterctl_watch_heal_decisions_total", "counter", "Heal steps taken, by kind.");
	for (size_t k = 1; k < NSTEPS; k++)
		fprintf(o, "clusterctl_watch_heal_decisions_total{reason=\"%s\"} %llu\n", step_labels[k], w->steps[k]);
	head(o, "clusterctl_watch_heals_total", "counter", "Heals run under the lease, by how the cluster was left.");
	fprintf(o, "clusterctl_watch_heals_total{result=\"healthy\"} %llu\n", w->heals[1]);
	fprintf(o, "clusterctl_watch_heals_total{result=\"not_healthy\"} %llu\n", w->heals[0]);
	head(o, "clusterctl_watch_lease_held", "gauge", "1 while this watcher holds the healing lease.");
	fprintf(o, "clusterctl_watch_lease_held %d\n", w->lease);
}

static void render_archive(FILE *o, const struct ctl_metrics *m)
{
	const struct ctl_archive_figures *a = &m->a;

	head(o, "clusterctl_archive_lag_seconds", "gauge",
	     "Seconds since every master's stream was last complete in the archive; 0 while all are caught up.");
	fprintf(o, "clusterctl_archive_lag_seconds %.3f\n", a->lag_seconds);
	head(o, "clusterctl_archive_lag_bytes", "gauge",
	     "Sum over the masters of their replication offset, as last asked, minus the archived one.");
	fprintf(o, "clusterctl_archive_lag_bytes %lld\n", a->lag_bytes);
	head(o, "clusterctl_archive_links", "gauge",
	     "Replication links to masters: up (caught up and streaming) or down (waiting or syncing).");
	fprintf(o, "clusterctl_archive_links{state=\"up\"} %d\n", a->links_up);
	fprintf(o, "clusterctl_archive_links{state=\"down\"} %d\n", a->links_down);
	head(o, "clusterctl_archive_masters", "gauge", "Masters serving slots, in the last read of the cluster.");
	fprintf(o, "clusterctl_archive_masters %d\n", a->masters);
	head(o, "clusterctl_archive_errors_total", "counter",
	     "Failed reads of the cluster, and replication sessions that failed or broke.");
	fprintf(o, "clusterctl_archive_errors_total %llu\n", m->errors);
	head(o, "clusterctl_archive_gaps_total", "counter",
	     "Gaps in the restorable window: full resyncs (resync), writes that arrived late (blind).");
	for (int g = 0; g < CTL__GAPS; g++)
		fprintf(o, "clusterctl_archive_gaps_total{kind=\"%s\"} %llu\n", gap_labels[g], m->gaps[g]);
	head(o, "clusterctl_archive_last_write_timestamp_seconds", "gauge",
	     "Unix time the newest write kept in the archive arrived (0: none yet).");
	fprintf(o, "clusterctl_archive_last_write_timestamp_seconds %.3f\n", a->last_write);
}

char *ctl_metrics_render(void *ctx, size_t *len)
{
	struct ctl_metrics *m = ctx;
	char *text = NULL;
	FILE *o = open_memstream(&text, len);

	if (!o)
		return NULL;
	head(o, "clusterctl_build_info", "gauge", "clusterctl's version, as a label; always 1.");
	fputs("clusterctl_build_info{", o);
	label(o, "version", m->version);
	fputs("} 1\n", o);
	pthread_mutex_lock(&m->lock);
	if (m->verb == CTL_METRICS_WATCH)
		render_watch(o, &m->w);
	else
		render_archive(o, m);
	pthread_mutex_unlock(&m->lock);
	if (ferror(o)) {
		fclose(o);
		free(text);
		return NULL;
	}
	if (fclose(o) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
