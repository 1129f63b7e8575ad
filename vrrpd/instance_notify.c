/* instance_notify.c - an instance's notify hook: its state changes
 * queued and run one at a time, in order, retried as the configuration
 * says, never blocking the daemon. */
#include "instance_part.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proc.h"

static void instance_notify_done(void *arg, const struct proc_result *r)
{
	struct instance *in = arg;
	struct notify_event *e = &in->notify->q[in->notify->head];
	fsm_time now = vipd_now();
	char how[64], what[96];
	size_t n = strcspn(r->output, "\n");
	unsigned attempt = e->attempt;

	proc_describe(r, how, sizeof(how));
	snprintf(what, sizeof(what), "notify %s -> %s", fsm_state_name(e->from), fsm_state_name(e->to));
	switch (notify_finish(in->notify, r, in->cfg->notify_retries, now)) {
	case NOTIFY_DONE:
		log_debug("vip %s: %s: done", in->cfg->name, what);
		break;
	case NOTIFY_RETRY:
		log_warn("vip %s: %s: %s%s%.*s; run %u of %u again in 1 s", in->cfg->name, what, how, n ? ": " : "",
			 (int)(n < 200 ? n : 200), r->output, attempt + 1, in->cfg->notify_retries + 1);
		break;
	case NOTIFY_GIVE_UP:
		log_err("vip %s: %s: %s%s%.*s; giving up after %u run(s)", in->cfg->name, what, how, n ? ": " : "",
			(int)(n < 200 ? n : 200), r->output, attempt);
		break;
	}
	instance_notify_run(in->d, in, now);
}

/* Start the next call if one is due: one at a time, in order. */
void instance_notify_run(struct vipd *d, struct instance *in, fsm_time now)
{
	struct notify_event *e;
	char prio[8], err[256];

	while (in->cfg->notify && in->notify && (e = notify_due(in->notify, now))) {
		char *argv[] = { in->cfg->notify, (char *)in->cfg->name, (char *)fsm_state_name(e->from),
				 (char *)fsm_state_name(e->to), prio, e->reason, NULL };
		snprintf(prio, sizeof(prio), "%u", e->priority);
		e->attempt++;
		in->notify->calls++;
		if (proc_spawn(d->procs, argv, now, (fsm_time)in->cfg->notify_timeout_ms * 1000, instance_notify_done,
			       in, err, sizeof(err)) > 0) {
			in->notify->running = true;
			break;
		}
		/* Not even started (the file went away): no retry helps. */
		struct proc_result r = { .status = 127 << 8, .output = "" };
		log_err("vip %s: notify %s -> %s: %s", in->cfg->name, fsm_state_name(e->from), fsm_state_name(e->to),
			err);
		in->notify->running = true;
		e->attempt = in->cfg->notify_retries + 1;
		notify_finish(in->notify, &r, in->cfg->notify_retries, now);
	}
	instance_schedule(in);
}

void instance_notify(struct vipd *d, struct instance *in, enum fsm_state from, const char *reason, fsm_time now)
{
	if (!in->cfg->notify)
		return;
	/* The queue is allocated for instances that have a hook only. */
	if (!in->notify) {
		if (!(in->notify = malloc(sizeof(*in->notify)))) {
			log_err("vip %s: out of memory: notify %s -> %s not run", in->cfg->name,
				fsm_state_name(from), fsm_state_name(in->fsm.state));
			return;
		}
		notify_init(in->notify);
	}
	if (!notify_push(in->notify, from, in->fsm.state, fsm_advert_priority(&in->fsm), reason))
		log_err("vip %s: notify queue full (%d calls): the oldest waiting call was dropped", in->cfg->name,
			NOTIFY_QUEUE_MAX);
	instance_notify_run(d, in, now);
}
