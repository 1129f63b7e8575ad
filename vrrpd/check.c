/* check.c - run tracks and feed their results back to the instance. */
#include "check.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "httpcheck.h"
#include "log.h"
#include "netlink.h"
#include "proc.h"

/* One result: log a change of state, and let the instance re-evaluate.
 * The track's owner is set when the instance builds its tracks. */
static void check_done(struct track *t, bool ok, const char *detail)
{
	struct instance *in = t->owner;
	fsm_time now = vipd_now();
	enum track_state before = t->state;

	t->running = false;
	t->job = NULL;
	t->next_run = now + (fsm_time)t->cfg->interval_ms * 1000;
	if (!track_result(t, ok, detail)) {
		instance_schedule(in);
		return;
	}
	if (before == TRACK_UNKNOWN && t->state == TRACK_UP)
		log_info("vip %s: track %s is up (%s)", in->cfg->name, t->cfg->name, t->detail);
	else
		log_notice("vip %s: track %s is %s after %u %s in a row (%s)", in->cfg->name, t->cfg->name,
			   track_state_name(t->state), t->streak, ok ? "passes" : "failures", t->detail);
	instance_refresh(in->d, in, now);
}

static void check_http_done(void *arg, long code, const char *error)
{
	struct track *t = arg;
	char detail[160];

	if (error)
		snprintf(detail, sizeof(detail), "%s", error);
	else
		snprintf(detail, sizeof(detail), "HTTP %ld", code);
	check_done(t, !error && code == t->cfg->expect, detail);
}

static void check_script_done(void *arg, const struct proc_result *r)
{
	struct track *t = arg;
	char detail[160], how[64];
	size_t n = strcspn(r->output, "\n");

	proc_describe(r, how, sizeof(how));
	/* The first line of what it said, if anything: operators write
	 * checks that explain themselves. */
	if (n)
		snprintf(detail, sizeof(detail), "%s: %.*s", how, (int)(n < 100 ? n : 100), r->output);
	else
		snprintf(detail, sizeof(detail), "%s", how);
	check_done(t, !r->timed_out && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, detail);
}

static void check_start(struct vipd *d, struct instance *in, struct track *t, fsm_time now)
{
	const struct track_config *c = t->cfg;
	char err[256];

	t->owner = in;
	if (c->kind == TRACK_HTTP) {
		struct httpcheck *hc = vipd_http(d);
		t->job = hc ? httpcheck_start(hc, c->target, c->timeout_ms, check_http_done, t, err, sizeof(err)) : NULL;
		if (!hc)
			snprintf(err, sizeof(err), "HTTP checks are not available");
	} else {
		char *argv[] = { "/bin/sh", "-c", c->target, NULL };
		pid_t pid = proc_spawn(d->procs, argv, now, (fsm_time)c->timeout_ms * 1000, check_script_done, t,
				       err, sizeof(err));
		t->job = pid > 0 ? t : NULL;
	}
	if (t->job) {
		t->running = true;
		return;
	}
	/* Could not even start: that is a failed check, and it is retried
	 * at the next interval. */
	t->next_run = now + (fsm_time)c->interval_ms * 1000;
	if (track_result(t, false, err)) {
		log_warn("vip %s: track %s is %s (%s)", in->cfg->name, c->name, track_state_name(t->state), err);
		instance_refresh(d, in, now);
	}
}

void check_run(struct vipd *d, struct instance *in, fsm_time now)
{
	for (size_t i = 0; i < in->ntracks; i++) {
		struct track *t = &in->tracks[i];
		if (t->cfg->kind != TRACK_INTERFACE && !t->running && t->next_run <= now)
			check_start(d, in, t, now);
	}
}

bool check_interfaces(struct vipd *d, struct instance *in)
{
	bool changed = false;

	for (size_t i = 0; i < in->ntracks; i++) {
		struct track *t = &in->tracks[i];
		struct link_info li;
		const char *detail;

		if (t->cfg->kind != TRACK_INTERFACE)
			continue;
		if (netlink_link(d->nl, t->cfg->target, &li) < 0)
			detail = "does not exist";
		else if (!li.up)
			detail = "down";
		else if (!li.running)
			detail = "no carrier";
		else
			detail = "up";
		bool ok = strcmp(detail, "up") == 0;
		/* Only changes count: a refresh is not a check. */
		if (t->state != TRACK_UNKNOWN && ok == (t->state == TRACK_UP))
			continue;
		if (track_result(t, ok, detail)) {
			changed = true;
			if (t->changes || !ok)
				log_notice("vip %s: tracked interface %s is %s", in->cfg->name, t->cfg->target, detail);
		}
	}
	return changed;
}

fsm_time check_deadline(const struct instance *in)
{
	fsm_time next = FSM_NEVER;

	for (size_t i = 0; i < in->ntracks; i++) {
		const struct track *t = &in->tracks[i];
		if (t->cfg->kind != TRACK_INTERFACE && !t->running && t->next_run < next)
			next = t->next_run;
	}
	return next;
}

void check_cancel(struct vipd *d, struct track *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!t[i].running)
			continue;
		if (t[i].cfg->kind == TRACK_HTTP)
			httpcheck_cancel(d->http, t[i].job);
		else
			proc_forget(d->procs, &t[i], true);
		t[i].running = false;
		t[i].job = NULL;
	}
}
