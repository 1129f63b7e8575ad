/* status.c - what vipctl status shows: per instance its state, the
 * priorities and why they are what they are, the master, the VIPs, the
 * tracks and the counters; as text for people, as JSON for scripts. */
#include "status.h"

#include <stdio.h>

#include "heartbeat.h"
#include "bfd_io.h"
#include "instance.h"
#include "proto.h"
#include "vmac.h"

static const struct ipaddr *status_master(const struct instance *in)
{
	if (in->fsm.state == FSM_MASTER)
		return &in->self;
	if (in->fsm.state == FSM_BACKUP && in->fsm.master.family)
		return &in->fsm.master;
	return NULL;
}

static void status_instance_text(const struct instance *in, struct sbuf *b, fsm_time now)
{
	const struct fsm *f = &in->fsm;
	const struct ipaddr *m = status_master(in);
	char a[IPADDR_STRLEN];

	sbuf_printf(b, "%-10s %-7s %-8s vrid %-3u prio %3u/%-3u master %-16s %6llds  ", in->cfg->name,
		    fsm_state_name(f->state), in->cfg->ifname, in->cfg->vrid, in->cfg->priority, f->priority,
		    m ? ipaddr_str(m, a) : "-", (long long)((now - f->since) / 1000000));
	for (size_t i = 0; i < in->cfg->naddrs; i++)
		sbuf_printf(b, "%s%s", i ? "," : "", ipprefix_str(&in->cfg->addrs[i], a));
	sbuf_printf(b, "  (%s)%s%s\n", instance_reason(in), f->giveup ? " [giveup]" : "",
		    f->takeover ? " [takeover]" : "");
	if (in->prio_why[0])
		sbuf_printf(b, "    priority %u: %s\n", f->priority, in->prio_why);
	if (f->held)
		sbuf_printf(b, "    held as backup: %s\n", in->held_why);
	else if (f->no_preempt)
		sbuf_printf(b, "    not preempting: %s\n", in->held_why);
	for (size_t i = 0; i < in->ntracks; i++) {
		const struct track *t = &in->tracks[i];
		char effect[16];
		if (t->cfg->fault)
			snprintf(effect, sizeof(effect), "fault");
		else
			snprintf(effect, sizeof(effect), "weight %+d", t->cfg->weight);
		sbuf_printf(b, "    track %-12s %-9s %-7s %-10s %s  (%s)\n", t->cfg->name, config_track_kind(t->cfg->kind),
			    track_state_name(t->state), effect, t->cfg->target, t->detail[0] ? t->detail : "not checked yet");
	}
	hb_status_text(in, b);
}

/* "virtual_mac": the macvlan, its MAC and whether it is up; null without. */
static void status_vmac_json(const struct instance *in, struct sbuf *b)
{
	const struct vmac *v = in->vmac;

	if (!v) {
		sbuf_printf(b, ", \"virtual_mac\": null");
		return;
	}
	sbuf_printf(b, ", \"virtual_mac\": {\"interface\": \"%s\", \"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\", "
		    "\"exists\": %s, \"up\": %s}", v->name, v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4],
		    v->mac[5], v->ifindex ? "true" : "false", v->up ? "true" : "false");
}

static void status_tracks_json(const struct instance *in, struct sbuf *b)
{
	sbuf_printf(b, ", \"tracks\": [");
	for (size_t i = 0; i < in->ntracks; i++) {
		const struct track *t = &in->tracks[i];
		sbuf_printf(b, "%s{\"name\": ", i ? ", " : "");
		sbuf_json_string(b, t->cfg->name);
		sbuf_printf(b, ", \"kind\": \"%s\", \"target\": ", config_track_kind(t->cfg->kind));
		sbuf_json_string(b, t->cfg->target);
		sbuf_printf(b, ", \"state\": \"%s\", \"weight\": %d, \"fault\": %s, \"streak\": %u, \"last_ok\": %s, "
			    "\"passes\": %llu, \"failures\": %llu, \"changes\": %llu, \"detail\": ",
			    track_state_name(t->state), t->cfg->weight, t->cfg->fault ? "true" : "false", t->streak,
			    t->last_ok ? "true" : "false", (unsigned long long)t->passes,
			    (unsigned long long)t->failures, (unsigned long long)t->changes);
		sbuf_json_string(b, t->detail);
		sbuf_printf(b, "}");
	}
	sbuf_printf(b, "], \"priority_reason\": ");
	sbuf_json_string(b, in->prio_why);
	sbuf_printf(b, ", \"held\": %s, \"preempt_held\": %s, \"held_reason\": ", in->fsm.held ? "true" : "false",
		    in->fsm.no_preempt ? "true" : "false");
	sbuf_json_string(b, in->fsm.held || in->fsm.no_preempt ? in->held_why : "");
	sbuf_printf(b, ", \"group\": ");
	if (in->cfg->group >= 0 && (size_t)in->cfg->group < in->d->cfg.ngroups)
		sbuf_json_string(b, in->d->cfg.groups[in->cfg->group].name);
	else
		sbuf_printf(b, "null");
	static const struct notify none;
	const struct notify *n = in->notify ? in->notify : &none;
	sbuf_printf(b, ", \"notify\": {\"queued\": %zu, \"running\": %s, \"calls\": %llu, \"succeeded\": %llu, "
		    "\"retried\": %llu, \"failed\": %llu, \"dropped\": %llu}", n->len, n->running ? "true" : "false",
		    (unsigned long long)n->calls, (unsigned long long)n->succeeded, (unsigned long long)n->retried,
		    (unsigned long long)n->failed, (unsigned long long)n->dropped);
}

static void status_instance_json(const struct instance *in, struct sbuf *b)
{
	const struct fsm *f = &in->fsm;
	const struct ipaddr *m = status_master(in);
	char a[IPADDR_STRLEN];

	sbuf_printf(b, "{\"name\": ");
	sbuf_json_string(b, in->cfg->name);
	sbuf_printf(b, ", \"state\": \"%s\", \"priority\": %u, \"effective_priority\": %u, "
		    "\"advertised_priority\": %u, \"master\": ", fsm_state_name(f->state), in->cfg->priority,
		    f->priority, fsm_advert_priority(f));
	if (m)
		sbuf_printf(b, "\"%s\"", ipaddr_str(m, a));
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, ", \"master_priority\": %u, \"addresses\": [",
		    f->state == FSM_MASTER ? fsm_advert_priority(f) : f->master_priority);
	for (size_t i = 0; i < in->cfg->naddrs; i++)
		sbuf_printf(b, "%s\"%s\"", i ? ", " : "", ipprefix_str(&in->cfg->addrs[i], a));
	/* Whom the instance hears: empty, anyone. */
	sbuf_printf(b, "], \"peers\": [");
	for (size_t i = 0; i < in->cfg->nrouters; i++)
		sbuf_printf(b, "%s\"%s\"", i ? ", " : "", ipaddr_str(&in->cfg->routers[i], a));
	sbuf_printf(b, "], \"since\": %lld, \"interface\": ", (long long)in->since_wall);
	sbuf_json_string(b, in->cfg->ifname);
	sbuf_printf(b, ", \"bfd\": %s", in->cfg->bfd ? "true" : "false");
	sbuf_printf(b, ", \"vrid\": %u, \"advert_interval\": %.2f, \"master_advert_interval\": %.2f, "
		    "\"holding\": %s, \"giveup\": %s, \"takeover\": %s, \"reason\": ", in->cfg->vrid,
		    in->cfg->interval / 100.0, f->master_interval / 100.0, f->holding ? "true" : "false",
		    f->giveup ? "true" : "false", f->takeover ? "true" : "false");
	sbuf_json_string(b, instance_reason(in));
	status_tracks_json(in, b);
	hb_status_json(in, b);
	status_vmac_json(in, b);
	sbuf_printf(b, ", \"counters\": {\"adverts_sent\": %llu, \"adverts_received\": %llu, "
		    "\"transitions\": %llu, \"vip_restores\": %llu, \"checksum_pseudo_header\": %llu, "
		    "\"checksum_rfc9568\": %llu, \"drops\": {",
		    (unsigned long long)in->n.adverts_sent, (unsigned long long)in->n.adverts_received,
		    (unsigned long long)f->transitions, (unsigned long long)in->n.vip_restores,
		    (unsigned long long)in->n.cksum_pseudo, (unsigned long long)in->n.cksum_plain);
	for (int r = DROP_NONE + 1; r < DROP__COUNT; r++)
		sbuf_printf(b, "%s\"%s\": %llu", r > 1 ? ", " : "", proto_drop_name(r),
			    (unsigned long long)in->n.drops[r]);
	sbuf_printf(b, "}}}");
}

/* One line per BFD session: "bfd 10.33.0.22 eth0 up detect 30 ms ...". */
static void status_bfd_text(const struct vipd *d, struct sbuf *b, fsm_time now)
{
	char a[IPADDR_STRLEN];

	for (const struct bfd_peer *p = d->bfd ? d->bfd->peers : NULL; p; p = p->next)
		sbuf_printf(b, "bfd %-16s %-8s %-10s detect %lld ms  tx %u ms  flaps %llu  %llds%s%s%s\n",
			    ipaddr_str(&p->peer, a), p->ifname, bfd_state_name(p->s.state),
			    (long long)bfd_detect_time(&p->s) / 1000, bfd_tx_interval(&p->s) / 1000,
			    (unsigned long long)p->s.n.flaps, (long long)((now - p->s.since) / 1000000),
			    bfd_damped(&p->s, now) ? "  [damped]" : "", p->s.local_diag ? "  diag: " : "",
			    p->s.local_diag ? bfd_diag_name(p->s.local_diag) : "");
}

static void status_bfd_json(const struct vipd *d, struct sbuf *b, fsm_time now)
{
	char a[IPADDR_STRLEN];
	const char *sep = "";

	sbuf_printf(b, ", \"bfd\": [");
	for (const struct bfd_peer *p = d->bfd ? d->bfd->peers : NULL; p; p = p->next, sep = ", ") {
		const struct bfd_session *s = &p->s;
		sbuf_printf(b, "%s{\"peer\": \"%s\", \"interface\": ", sep, ipaddr_str(&p->peer, a));
		sbuf_json_string(b, p->ifname);
		sbuf_printf(b, ", \"source\": \"%s\", \"source_port\": %u, \"state\": \"%s\", \"remote_state\": \"%s\", "
			    "\"diag\": ", ipaddr_str(&p->self, a), p->sport, bfd_state_name(s->state),
			    bfd_state_name(s->remote_state));
		sbuf_json_string(b, bfd_diag_name(s->local_diag));
		sbuf_printf(b, ", \"local_discriminator\": %u, \"remote_discriminator\": %u, \"detect_ms\": %.1f, "
			    "\"tx_interval_ms\": %.1f, \"remote_min_rx_ms\": %.1f, \"remote_min_tx_ms\": %.1f, "
			    "\"multiplier\": %u, \"remote_multiplier\": %u, \"poll\": %s, \"flaps\": %llu, \"damped\": %s, "
			    "\"since\": %lld, \"packets_in\": %llu, \"packets_out\": %llu, \"send_errors\": %llu, "
			    "\"drops\": {", s->local_discr, s->remote_discr, bfd_detect_time(s) / 1000.0,
			    bfd_tx_interval(s) / 1000.0, s->remote_min_rx / 1000.0, s->remote_min_tx / 1000.0,
			    s->p.detect_mult, s->remote_detect_mult, s->poll ? "true" : "false",
			    (unsigned long long)s->n.flaps, bfd_damped(s, now) ? "true" : "false",
			    (long long)vipd_wall(s->since), (unsigned long long)s->n.rx, (unsigned long long)s->n.tx,
			    (unsigned long long)p->send_errors);
		for (int r = BFD_DROP_NONE + 1; r < BFD_DROP__COUNT; r++)
			sbuf_printf(b, "%s\"%s\": %llu", r > 1 ? ", " : "", bfd_drop_name(r),
				    (unsigned long long)s->n.drops[r]);
		sbuf_printf(b, "}}");
	}
	sbuf_printf(b, "], \"bfd_stray_drops\": {");
	for (int r = BFD_DROP_NONE + 1; r < BFD_DROP__COUNT; r++)
		sbuf_printf(b, "%s\"%s\": %llu", r > 1 ? ", " : "", bfd_drop_name(r),
			    (unsigned long long)(d->bfd ? d->bfd->stray_drops[r] : 0));
	sbuf_printf(b, "}");
}

void status_write(const struct vipd *d, bool json, struct sbuf *b, fsm_time now)
{
	if (!json) {
		for (size_t i = 0; i < d->ninst; i++)
			status_instance_text(d->inst[i], b, now);
		if (!d->ninst)
			sbuf_printf(b, "no instances configured\n");
		status_bfd_text(d, b, now);
		return;
	}
	sbuf_printf(b, "{\"instances\": [");
	for (size_t i = 0; i < d->ninst; i++) {
		sbuf_printf(b, "%s", i ? ", " : "");
		status_instance_json(d->inst[i], b);
	}
	sbuf_printf(b, "], \"stray_drops\": {");
	for (int r = DROP_NONE + 1; r < DROP__COUNT; r++)
		sbuf_printf(b, "%s\"%s\": %llu", r > 1 ? ", " : "", proto_drop_name(r),
			    (unsigned long long)d->stray_drops[r]);
	sbuf_printf(b, "}");
	status_bfd_json(d, b, now);
	sbuf_printf(b, "}\n");
}
