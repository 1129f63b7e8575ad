/* heartbeat.c - links, captures and log lines of an instance's
 * heartbeat paths (heartbeat.h); the liveness rules are in paths.c. */
#include "heartbeat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "iface.h"
#include "instance.h"
#include "log.h"
#include "netlink.h"

int hb_configure(struct vipd *d, struct instance *in, const struct vip_config *cfg, fsm_time now)
{
	struct heartbeat *old = in->hb, *hb;

	if (!cfg->npaths) {
		hb_free(in);
		return 0;
	}
	hb = calloc(1, sizeof(*hb));
	if (!hb || !(hb->path = calloc(cfg->npaths + 1, sizeof(*hb->path))) ||
	    !(hb->live = calloc(cfg->npaths + 1, sizeof(*hb->live)))) {
		if (hb)
			free(hb->path);
		free(hb);
		return -1;
	}
	hb->n = cfg->npaths + 1;
	path_init(hb->live, hb->n);
	for (size_t i = 0; i < hb->n; i++) {
		const char *name = i ? cfg->paths[i - 1] : cfg->ifname;
		snprintf(hb->path[i].name, sizeof(hb->path[i].name), "%s", name);
		hb->path[i].ifc = iface_get(d, name);
		hb->live[i].last_heard = now;
		for (size_t j = 0; old && j < old->n; j++)
			if (strcmp(old->path[j].name, name) == 0) {
				hb->path[i] = old->path[j];
				hb->live[i] = old->live[j];
			}
	}
	hb_free(in);
	in->hb = hb;
	return 0;
}

void hb_free(struct instance *in)
{
	if (!in->hb)
		return;
	free(in->hb->path);
	free(in->hb->live);
	free(in->hb);
	in->hb = NULL;
}

static const char *hb_what(const struct instance *in, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, i ? "heartbeat path %s" : "interface %s (its own)", in->hb->path[i].name);
	return buf;
}

/* Another path that still hears the master, for the log. */
static const char *hb_hearing(const struct heartbeat *hb, size_t not)
{
	for (size_t i = 0; i < hb->n; i++)
		if (i != not && hb->live[i].state == PATH_UP)
			return hb->path[i].name;
	return "another path";
}

static void hb_log(const struct instance *in, const struct path_change *ch, fsm_time mdi)
{
	const struct heartbeat *hb = in->hb;
	const struct hb_path *p = &hb->path[ch->index];
	const struct path_live *l = &hb->live[ch->index];
	char what[IF_NAMESIZE + 32];

	hb_what(in, ch->index, what, sizeof(what));
	if (ch->to == PATH_SILENT)
		log_warn("vip %s: %s is silent: no advert on it for %.1f s while %s still hears the master "
			 "(failures %llu)", in->cfg->name, what, (double)mdi / 1e6, hb_hearing(hb, ch->index),
			 (unsigned long long)l->failures);
	else if (ch->to == PATH_DOWN && ch->index == 0)
		; /* the instance itself says why it cannot run */
	else if (ch->to == PATH_DOWN)
		log_warn("vip %s: %s is down: %s", in->cfg->name, what, p->why);
	else if (ch->first)
		log_info("vip %s: %s is up", in->cfg->name, what);
	else if (ch->index || ch->from == PATH_SILENT)
		log_notice("vip %s: %s is back: %s", in->cfg->name, what,
			   ch->from == PATH_SILENT ? "adverts heard on it again" : "its link is usable again");
}

/* Why path i cannot carry adverts now, NULL if it can (src and ifindex
 * filled in). */
static const char *hb_blocker(struct vipd *d, struct instance *in, struct hb_path *p, char *buf, size_t len)
{
	struct link_info li;

	if (netlink_link(d->nl, p->name, &li) < 0)
		snprintf(buf, len, "interface %s does not exist", p->name);
	else if (!li.up)
		snprintf(buf, len, "interface %s is down", p->name);
	else if (!li.running)
		snprintf(buf, len, "interface %s has no carrier", p->name);
	else if (in->cfg->family == AF_INET6 &&
		 netlink_primary_addr(d->nl, li.ifindex, AF_INET6, NULL, 0, &p->src) < 0)
		snprintf(buf, len, "%s has no IPv6 link-local address", p->name);
	else if (!iface_ready(d, p->ifc, li.ifindex))
		snprintf(buf, len, "capture on %s failed: %.200s", p->name, p->ifc->error);
	else {
		if (in->cfg->family == AF_INET)
			p->src = in->self;
		p->ifindex = li.ifindex;
		return NULL;
	}
	p->ifindex = 0;
	return buf;
}

bool hb_refresh(struct vipd *d, struct instance *in, bool main_usable, fsm_time now)
{
	struct heartbeat *hb = in->hb;
	struct path_change ch;
	fsm_time mdi = fsm_master_down_interval(&in->fsm);
	bool back = false;

	if (!hb)
		return false;
	for (size_t i = 0; i < hb->n; i++) {
		struct hb_path *p = &hb->path[i];
		bool usable = i ? !hb_blocker(d, in, p, p->why, sizeof(p->why)) : main_usable;
		if (!i)
			snprintf(p->why, sizeof(p->why), "%s", usable ? "" : in->wait);
		else if (usable)
			p->why[0] = '\0';
		if (!path_link(hb->live, hb->n, i, usable, now, &ch))
			continue;
		hb_log(in, &ch, mdi);
		back |= i && !ch.first && ch.to == PATH_UP;
	}
	return back;
}

void hb_heard(struct instance *in, const struct iface *ifc, fsm_time now)
{
	struct heartbeat *hb = in->hb;
	fsm_time mdi = fsm_master_down_interval(&in->fsm);

	/* Init and Fault take no adverts (instance_packet()). */
	if (!hb || (in->fsm.state != FSM_BACKUP && in->fsm.state != FSM_MASTER))
		return;
	for (size_t i = 0; i < hb->n; i++) {
		if (hb->path[i].ifc != ifc)
			continue;
		struct path_change ch[CONFIG_MAX_PATHS + 1];
		size_t n = path_heard(hb->live, hb->n, i, now, mdi, ch);
		for (size_t k = 0; k < n; k++)
			hb_log(in, &ch[k], mdi);
		return;
	}
}

void hb_rearm(struct instance *in, fsm_time now)
{
	if (in->hb)
		path_rearm(in->hb->live, in->hb->n, now);
}

bool hb_uses(const struct instance *in, const struct iface *ifc)
{
	for (size_t i = 1; in->hb && i < in->hb->n; i++)
		if (in->hb->path[i].ifc == ifc)
			return true;
	return false;
}

void hb_index(struct instance *in)
{
	for (size_t i = 1; in->hb && i < in->hb->n; i++)
		in->hb->path[i].ifc->by_vrid[in->cfg->family == AF_INET6][in->cfg->vrid] = in;
}

void hb_status_json(const struct instance *in, struct sbuf *b)
{
	const struct heartbeat *hb = in->hb;

	sbuf_printf(b, ", \"paths\": [");
	for (size_t i = 0; hb && i < hb->n; i++) {
		const struct path_live *l = &hb->live[i];
		sbuf_printf(b, "%s{\"interface\": ", i ? ", " : "");
		sbuf_json_string(b, hb->path[i].name);
		sbuf_printf(b, ", \"main\": %s, \"state\": \"%s\", \"adverts_received\": %llu, \"failures\": %llu, "
			    "\"reason\": ", i ? "false" : "true", path_state_name(l->state),
			    (unsigned long long)l->adverts, (unsigned long long)l->failures);
		sbuf_json_string(b, l->state == PATH_DOWN ? hb->path[i].why : "");
		sbuf_printf(b, "}");
	}
	sbuf_printf(b, "]");
}

void hb_status_text(const struct instance *in, struct sbuf *b)
{
	const struct heartbeat *hb = in->hb;

	for (size_t i = 0; hb && i < hb->n; i++) {
		const struct path_live *l = &hb->live[i];
		sbuf_printf(b, "    path  %-12s %-6s %-6s adverts %llu, failures %llu%s%s\n", hb->path[i].name,
			    i ? "" : "(main)", path_state_name(l->state), (unsigned long long)l->adverts,
			    (unsigned long long)l->failures, l->state == PATH_DOWN && i ? "  " : "",
			    l->state == PATH_DOWN && i ? hb->path[i].why : "");
	}
}
