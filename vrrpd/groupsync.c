/* groupsync.c - the sync group policy (group.c) applied: each instance
 * described to it, each verdict carried out and explained in the
 * instance's status and log. */
#include "groupsync.h"

#include <stdio.h>
#include <stdlib.h>

#include "group.h"
#include "instance.h"
#include "log.h"

static const char *groupsync_name(const struct vipd *d, const struct instance *in)
{
	return d->cfg.groups[in->cfg->group].name;
}

static void groupsync_describe(const struct vipd *d, const struct instance *in, struct group_member *m)
{
	bool grouped = in->cfg->group >= 0 && (size_t)in->cfg->group < d->cfg.ngroups;

	*m = (struct group_member){
		.group = grouped ? in->cfg->group : -1,
		.state = in->fsm.state,
		.seen = in->group_seen,
		.giveup = in->fsm.giveup,
		.gate = in->gate,
		.outranked = fsm_outranked(&in->fsm),
	};
}

/* "sync group web: vip a is fault (track flag down)". */
static void groupsync_why_held(const struct vipd *d, const struct instance *by, char *buf, size_t len)
{
	snprintf(buf, len, "sync group %s: vip %s is %s (%s)", groupsync_name(d, by), by->cfg->name,
		 fsm_state_name(by->fsm.state), instance_reason(by));
}

static void groupsync_apply(struct vipd *d, struct instance *in, const struct group_verdict *v, fsm_time now)
{
	struct instance *by = d->inst[v->hold_by], *cause = d->inst[v->cause];
	char why[200];

	/* A hold is refreshed while it lasts: its reason may change. */
	if (v->hold)
		groupsync_why_held(d, by, why, sizeof(why));
	if (v->hold != in->group_hold || v->hold)
		instance_set_group_held(in, v->hold, v->hold ? why : NULL);
	if (v->move == GROUP_STEP_DOWN) {
		if (v->cause_left)
			snprintf(why, sizeof(why), "sync group %s: vip %s left master", groupsync_name(d, in),
				 cause->cfg->name);
		log_notice("vip %s: leaving master with its %s", in->cfg->name, why);
		instance_group_backup(d, in, now, why);
	} else if (v->move == GROUP_FOLLOW) {
		snprintf(why, sizeof(why), "sync group %s: vip %s is master", groupsync_name(d, in), cause->cfg->name);
		instance_group_master(d, in, now, why);
	}
}

void groupsync_run(struct vipd *d, fsm_time now)
{
	struct group_member *m;
	struct group_verdict *v;

	if (d->stopping || !d->ninst)
		return;
	m = calloc(d->ninst, sizeof(*m));
	v = calloc(d->ninst, sizeof(*v));
	if (!m || !v) {
		log_err("out of memory: sync groups not checked");
		free(m);
		free(v);
		return;
	}
	for (size_t i = 0; i < d->ninst; i++)
		groupsync_describe(d, d->inst[i], &m[i]);
	group_decide(m, d->ninst, v);
	for (size_t i = 0; i < d->ninst; i++)
		groupsync_apply(d, d->inst[i], &v[i], now);
	/* After the verdicts: a master this took down did not leave by itself. */
	for (size_t i = 0; i < d->ninst; i++)
		d->inst[i]->group_seen = d->inst[i]->fsm.state;
	free(m);
	free(v);
}
