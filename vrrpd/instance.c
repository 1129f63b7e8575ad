/* instance.c - one VIP instance: feeds its state machine with link
 * events, packets and time, and carries out what the machine decides
 * (advertise, install or remove VIPs, announce them). */
#include "instance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "bfd_io.h"
#include "check.h"
#include "heartbeat.h"
#include "instance_part.h"
#include "iface.h"
#include "log.h"
#include "netlink.h"
#include "proc.h"
#include "send.h"
#include "vmac.h"

static struct sender *instance_sender(struct vipd *d, const struct instance *in)
{
	return in->cfg->family == AF_INET6 ? d->send6 : d->send4;
}

/* The address owner (priority 255) owns its addresses: they are the
 * interface's own, and vipd must never remove them. */
/* One advert out of ifindex from src to dst. errors counts the failures
 * in a row of this way out. */
static void instance_advert_to(struct vipd *d, struct instance *in, const struct vrrp_advert *adv, int ifindex,
			       const struct ipaddr *src, const struct ipaddr *dst, uint64_t *errors)
{
	const struct vip_config *c = in->cfg;
	uint8_t msg[60 + AH_LEN + VRRP_HDR_LEN + VRRP_MAX_ADDRS * 16];
	char err[256], a[IPADDR_STRLEN];
	uint64_t counter = c->auth.ah ? in->ah_seq : ++in->carp_counter;
	ssize_t len = proto_encode_as(adv, &c->auth, counter, src, dst, c->checksum_mode, msg, sizeof(msg));

	if (len < 0) {
		log_err("vip %s: cannot encode an advertisement%s", c->name,
			c->auth.ah || c->protocol == VIP_PROTO_CARP ? " (is libcrypto there?)" : "");
		return;
	}
	int rc = c->auth.ah ? sender_packet(instance_sender(d, in), ifindex, src, dst, msg, (size_t)len, err, sizeof(err))
			    : sender_advert(instance_sender(d, in), ifindex, src, dst, msg, (size_t)len, err, sizeof(err));
	if (rc < 0) {
		/* Rate limit: one line per failure streak, counted always. */
		if ((*errors)++ == 0)
			log_warn("vip %s: advertisement to %s failed: %s", c->name, ipaddr_str(dst, a), err);
		return;
	}
	*errors = 0;
	in->n.adverts_sent++;
}

static void instance_send_advert(struct vipd *d, struct instance *in, uint8_t prio)
{
	const struct vip_config *c = in->cfg;
	struct vrrp_advert adv = {
		.family = c->family, .vrid = c->vrid, .priority = prio,
		.interval = c->interval, .naddrs = (uint8_t)c->naddrs,
	};
	struct ipaddr group;
	/* RFC 5798 7.3: a master with the virtual MAC advertises from it, so
	 * the switches learn where it lives. */
	int ifindex = in->vmac && in->vmac->up ? in->vmac->ifindex : in->ifindex;

	for (size_t i = 0; i < c->naddrs; i++)
		adv.addrs[i] = c->addrs[i].addr;
	ipaddr_vrrp_group(c->family, &group);
	/* AH: one sequence number per round, above any heard (as
	 * keepalived: it stops short of the top rather than wrap). */
	if (c->auth.ah && in->ah_seq < 0xfffffffeu)
		in->ah_seq++;
	size_t ndst = c->npeers ? c->npeers : 1;
	for (size_t i = 0; i < ndst; i++)
		instance_advert_to(d, in, &adv, ifindex, &in->self, c->npeers ? &c->peers[i] : &group,
				   &in->n.send_errors);
	/* The heartbeat paths: to the group, from each path's source
	 * (heartbeat.h says why). */
	for (size_t i = 1; in->hb && i < in->hb->n; i++) {
		struct hb_path *p = &in->hb->path[i];
		if (p->ifindex && in->hb->live[i].state != PATH_DOWN)
			instance_advert_to(d, in, &adv, p->ifindex, &p->src, &group, &p->send_errors);
	}
}

/* The next time this instance needs the loop, cached: the daemon asks
 * for it after every event, for every instance. */
void instance_schedule(struct instance *in)
{
	fsm_time t = fsm_next_deadline(&in->fsm), c = check_deadline(in);
	fsm_time n = in->notify ? notify_deadline(in->notify) : FSM_NEVER;
	if (in->announce_left && in->fsm.holding && in->announce_at < t)
		t = in->announce_at;
	if (in->cfg->notify && n < t)
		t = n;
	in->next = c < t ? c : t;
}

static void instance_announce(struct vipd *d, struct instance *in, fsm_time now)
{
	char err[256];

	for (size_t i = 0; i < in->cfg->naddrs; i++)
		if (sender_announce(instance_sender(d, in), instance_vip_ifindex(in), in->vmac ? in->vmac->mac : in->mac,
				    &in->cfg->addrs[i].addr, err, sizeof(err)) < 0)
			log_warn("vip %s: announcement failed: %s", in->cfg->name, err);
	in->announce_left--;
	in->announce_at = now + (fsm_time)in->cfg->garp_delay_ms * 1000;
	instance_schedule(in);
}

static void instance_log_state(const struct instance *in, const struct fsm_actions *a)
{
	const struct fsm *f = &in->fsm;
	char m[IPADDR_STRLEN];

	if (f->state == FSM_BACKUP && f->master.family)
		log_notice("vip %s: %s -> %s (%s; master %s, priority %u)", in->cfg->name,
			   fsm_state_name(a->old_state), fsm_state_name(f->state), a->reason ? a->reason : "",
			   ipaddr_str(&f->master, m), f->master_priority);
	else
		log_notice("vip %s: %s -> %s (%s)", in->cfg->name, fsm_state_name(a->old_state),
			   fsm_state_name(f->state), a->reason ? a->reason : "");
}

/* Notify hook */

/* Carry out what the state machine decided. Order matters: addresses go
 * up first; the announcements go before the advertisement, so that when
 * a leaving master hears us and drops its VIPs (make-before-break) the
 * hosts already send to us; addresses come down last. first does the
 * state's stamps, the addresses and the announcements, rest the others
 * (an address batch runs the two apart, instance_batch_flush). */
static void instance_apply_part(struct vipd *d, struct instance *in, const struct fsm_actions *a, fsm_time now,
				bool first, bool rest)
{
	if (first && (a->flags & FSM_ACT_STATE)) {
		in->since_wall = vipd_wall(now);
		hb_rearm(in, now);
	}
	if (first && (a->flags & FSM_ACT_ADD_VIPS))
		instance_add_vips(d, in);
	/* Announce now. A burst under way is brought forward, not restarted:
	 * when a transient second master (its backup timer fired a moment
	 * before ours was heard) has just pulled the segment's ARP entries to
	 * itself, waiting garp_delay for our next one would be the outage; a
	 * stream of triggers still costs one announcement each, not a burst
	 * each. */
	if (first && (a->flags & FSM_ACT_ANNOUNCE) && in->cfg->garp_count) {
		if (!in->announce_left)
			in->announce_left = in->cfg->garp_count;
		instance_announce(d, in, now);
	}
	if (rest && (a->flags & FSM_ACT_SEND_ADVERT))
		instance_send_advert(d, in, a->advert_priority);
	if (rest && (a->flags & FSM_ACT_DEL_VIPS)) {
		in->announce_left = 0;
		instance_del_vips(d, in);
	}
	/* Logged last: the packets above are what clients wait for. */
	if (rest && (a->flags & FSM_ACT_STATE)) {
		instance_log_state(in, a);
		instance_notify(d, in, a->old_state, a->reason, now);
	}
	instance_schedule(in);
}

static void instance_batch_flush(struct vipd *d);

/* Wait in the batch; false if it cannot (out of memory). */
static bool instance_defer(struct vipd *d, struct instance *in, const struct fsm_actions *a, fsm_time now)
{
	if (d->ndeferred == d->deferred_cap) {
		size_t cap = d->deferred_cap ? 2 * d->deferred_cap : 64;
		struct instance **l = realloc(d->deferred, cap * sizeof(*l));
		if (!l)
			return false;
		d->deferred = l;
		d->deferred_cap = cap;
	}
	d->deferred[d->ndeferred++] = in;
	in->deferred = true;
	in->deferred_act = *a;
	in->deferred_now = now;
	return true;
}

static void instance_apply(struct vipd *d, struct instance *in, const struct fsm_actions *a, fsm_time now)
{
	/* What comes next must find the VIPs the batch holds for it. */
	if (in->deferred)
		instance_batch_flush(d);
	/* Still waiting after that, it is in the batch being sent out now:
	 * what it waits to do stays as it is, and this goes at once. */
	if (d->vip_batch && (a->flags & FSM_ACT_ADD_VIPS) && !in->deferred && instance_defer(d, in, a, now))
		return;
	instance_apply_part(d, in, a, now, true, true);
}

/* The VIPs of every waiting instance in one netlink batch; then each
 * one's announcements; then the rest, instance by instance, reading the
 * BFD sockets between them as the timer loop does. */
static void instance_batch_flush(struct vipd *d)
{
	struct instance **list = d->deferred;
	size_t n = d->ndeferred, cap = d->deferred_cap;

	if (!n)
		return;
	/* Taken out: what runs below may start a batch of its own. */
	d->deferred = NULL;
	d->ndeferred = d->deferred_cap = 0;
	instance_install(d, list, n);
	for (size_t i = 0; i < n; i++) {
		struct fsm_actions a = list[i]->deferred_act;
		a.flags &= ~(unsigned)FSM_ACT_ADD_VIPS;
		instance_apply_part(d, list[i], &a, list[i]->deferred_now, true, false);
	}
	for (size_t i = 0; i < n; i++) {
		list[i]->deferred = false;
		instance_apply_part(d, list[i], &list[i]->deferred_act, list[i]->deferred_now, false, true);
		bfd_io_poll(d);
	}
	if (!d->deferred) {
		d->deferred = list;
		d->deferred_cap = cap;
	} else {
		free(list);
	}
}

void instance_batch_begin(struct vipd *d)
{
	d->vip_batch = true;
}

void instance_batch_end(struct vipd *d)
{
	while (d->ndeferred)
		instance_batch_flush(d);
	d->vip_batch = false;
}

/* Tracks for cfg, keeping the state of those in old that did not change. */
static struct track *instance_build_tracks(struct instance *in, const struct vip_config *cfg,
					   struct track *old, size_t nold, fsm_time now)
{
	struct track *t = calloc(cfg->ntracks ? cfg->ntracks : 1, sizeof(*t));

	if (!t)
		return NULL;
	for (size_t i = 0; i < cfg->ntracks; i++) {
		for (size_t j = 0; j < nold; j++)
			if (old[j].cfg && config_track_equal(old[j].cfg, &cfg->tracks[i])) {
				/* A check in flight points at the old slot: it is
				 * started again from the new one. */
				if (old[j].running) {
					check_cancel(in->d, &old[j], 1);
					old[j].next_run = now;
				}
				t[i] = old[j];
				old[j].cfg = NULL; /* taken */
				break;
			}
		t[i].cfg = &cfg->tracks[i];
		t[i].owner = in;
		if (!t[i].passes && !t[i].failures && !t[i].running)
			t[i].next_run = now; /* a new track checks at once */
	}
	return t;
}

struct instance *instance_new(struct vipd *d, const struct vip_config *cfg, fsm_time now)
{
	struct instance *in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	in->d = d;
	in->tracks = instance_build_tracks(in, cfg, NULL, 0, now);
	if (!in->tracks) {
		free(in);
		return NULL;
	}
	in->ntracks = cfg->ntracks;
	in->gate = cfg->wait_for_tracks;
	struct fsm_params p = {
		.vrid = cfg->vrid, .priority = cfg->priority, .interval = cfg->interval,
		.preempt = cfg->preempt, .preempt_delay = (fsm_time)cfg->preempt_delay_ms * 1000,
		.carp_tiebreak = cfg->protocol == VIP_PROTO_CARP,
	};
	in->cfg = cfg;
	/* CARP: a counter that starts anywhere, as ucarp's does. */
	if (getrandom(&in->carp_counter, sizeof(in->carp_counter), GRND_NONBLOCK) != sizeof(in->carp_counter))
		in->carp_counter = (uint64_t)now;
	in->carp_counter >>= 1;
	in->ifc = iface_get(d, cfg->ifname);
	if ((cfg->virtual_mac && !(in->vmac = vmac_new(cfg->family, cfg->vrid))) || hb_configure(d, in, cfg, now) < 0) {
		instance_free(in);
		return NULL;
	}
	fsm_init(&in->fsm, &p, now);
	fsm_set_held(&in->fsm, in->gate);
	instance_schedule(in);
	in->since_wall = vipd_wall(now);
	snprintf(in->wait, sizeof(in->wait), "starting");
	return in;
}

void instance_free(struct instance *in)
{
	if (!in)
		return;
	for (size_t i = 0; in->deferred && i < in->d->ndeferred; i++)
		if (in->d->deferred[i] == in) {
			in->d->deferred[i] = in->d->deferred[--in->d->ndeferred];
			break;
		}
	check_cancel(in->d, in->tracks, in->ntracks);
	/* A hook call under way runs to its end, unwatched. */
	proc_forget(in->d->procs, in, false);
	free(in->notify);
	free(in->tracks);
	hb_free(in);
	vmac_free(in->vmac);
	free(in);
}

static bool instance_same_peers(const struct vip_config *a, const struct vip_config *b)
{
	if (a->nrouters != b->nrouters || a->peers_from != b->peers_from)
		return false;
	for (size_t i = 0; i < a->nrouters; i++)
		if (!ipaddr_equal(&a->routers[i], &b->routers[i]))
			return false;
	return true;
}

char *instance_describe_peers(const struct vip_config *c, char *buf, size_t len)
{
	static const char *const from[] = {
		[PEERS_NONE] = "any sender (no peers or unicast_peers: set peers to refuse the others)",
		[PEERS_ANY] = "any sender (peers = { })",
		[PEERS_OWN] = "peers",
		[PEERS_UNICAST] = "unicast_peers",
		[PEERS_GLOBAL] = "the global peers",
	};
	char a[IPADDR_STRLEN];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->nrouters && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", ipaddr_str(&c->routers[i], a));
	if (o < len)
		snprintf(buf + o, len - o, c->nrouters ? " (%s)" : "%s", from[c->peers_from]);
	return buf;
}

void instance_reconfigure(struct vipd *d, struct instance *in, const struct vip_config *cfg, fsm_time now)
{
	struct track *t = instance_build_tracks(in, cfg, in->tracks, in->ntracks, now);
	char peers[1024];

	if (!instance_same_peers(in->cfg, cfg)) {
		log_notice("vip %s: adverts are now accepted from %s", cfg->name,
			   instance_describe_peers(cfg, peers, sizeof(peers)));
		/* A router taken off the list is a stranger: when it comes
		 * back, it starts afresh. */
		carp_counters_keep(&in->carp_heard, cfg->routers, cfg->nrouters);
	}
	in->cfg = cfg;
	if (hb_configure(d, in, cfg, now) < 0)
		log_err("vip %s: out of memory: the heartbeat paths stay as they were", cfg->name);
	if (!t) {
		log_err("vip %s: out of memory: the tracks keep their old definitions", cfg->name);
		return;
	}
	/* What was not carried over stops. */
	for (size_t i = 0; i < in->ntracks; i++)
		if (in->tracks[i].cfg)
			check_cancel(d, &in->tracks[i], 1);
	free(in->tracks);
	in->tracks = t;
	in->ntracks = cfg->ntracks;
	if (!cfg->wait_for_tracks)
		in->gate = false;
	if (!cfg->notify && in->notify && !in->notify->running) {
		free(in->notify);
		in->notify = NULL;
	}
	instance_refresh(d, in, now);
}

/* Why the instance cannot run on its interface now; NULL if it can. */
static const char *instance_blocker(struct vipd *d, struct instance *in, char *buf, size_t len, bool *link_ok)
{
	*link_ok = false;
	const struct vip_config *c = in->cfg;
	struct link_info li;
	struct ipprefix *vips = c->addrs;

	if (netlink_link(d->nl, c->ifname, &li) < 0)
		snprintf(buf, len, "interface %s does not exist", c->ifname);
	else if (!li.up)
		snprintf(buf, len, "interface %s is down", c->ifname);
	else if (!li.running)
		snprintf(buf, len, "interface %s has no carrier", c->ifname);
	else if (netlink_primary_addr(d->nl, li.ifindex, c->family, vips, c->naddrs, &in->self) < 0)
		snprintf(buf, len, c->family == AF_INET6 ? "%s has no IPv6 link-local address"
							 : "%s has no IPv4 address", c->ifname);
	else if (!iface_ready(d, in->ifc, li.ifindex))
		snprintf(buf, len, "capture on %s failed: %s", c->ifname, in->ifc->error);
	else if (in->vmac && vmac_ensure(in->vmac, d->nl, li.ifindex, c->ifname, buf, len) < 0)
		; /* buf says why */
	else {
		in->ifindex = li.ifindex;
		memcpy(in->mac, li.mac, sizeof(in->mac));
		if (!in->fault_why[0])
			return NULL;
		*link_ok = true;
		snprintf(buf, len, "%s", in->fault_why);
	}
	return buf;
}

/* Something else (networkd, NetworkManager, an operator) may delete a VIP
 * the master holds: put it back and tell the segment again at once. */
static void instance_guard_vips(struct vipd *d, struct instance *in, fsm_time now)
{
	bool restored = false;
	char err[256];
	struct link_info li;

	/* Its VIPs may still wait in a batch: not missing, only not sent. */
	if (in->deferred)
		instance_batch_flush(d);
	if (in->vmac && in->fsm.holding && netlink_link(d->nl, in->vmac->name, &li) == 0 && !li.up &&
	    !vmac_kernel_up(in->vmac)) {
		log_warn("vip %s: %s was set down by someone else; setting it up", in->cfg->name, in->vmac->name);
		if (vmac_set_up(in->vmac, true, err, sizeof(err)) < 0)
			log_err("vip %s: %s", in->cfg->name, err);
		restored = true;
	}
	if (instance_restore_vips(d, in))
		restored = true;
	if (restored && in->fsm.state == FSM_MASTER) {
		instance_send_advert(d, in, fsm_advert_priority(&in->fsm));
		if (in->cfg->garp_count) {
			in->announce_left = in->cfg->garp_count;
			instance_announce(d, in, now);
		}
	}
}

static void instance_update_held(struct instance *in)
{
	bool held = in->gate || in->group_hold == GROUP_HARD;

	if (in->gate) {
		size_t o = (size_t)snprintf(in->held_why, sizeof(in->held_why), "waiting for tracks:");
		for (size_t i = 0; i < in->ntracks && o < sizeof(in->held_why); i++)
			if (in->tracks[i].state != TRACK_UP)
				o += (size_t)snprintf(in->held_why + o, sizeof(in->held_why) - o, " %s %s",
						      in->tracks[i].cfg->name, track_state_name(in->tracks[i].state));
	} else if (!in->group_hold) {
		in->held_why[0] = '\0';
	}
	if (held != in->fsm.held) {
		fsm_set_held(&in->fsm, held);
		if (held)
			log_info("vip %s: held as backup: %s", in->cfg->name, in->held_why);
		else
			log_info("vip %s: no longer held", in->cfg->name);
	}
}

/* What the tracks make of the instance now: its effective priority, a
 * failed fault track (the blocker faults it), the readiness gate. */
static void instance_evaluate(struct vipd *d, struct instance *in, fsm_time now)
{
	struct track_effect e;
	struct fsm_actions a = { 0 };

	check_interfaces(d, in);
	track_effect(in->tracks, in->ntracks, in->cfg->priority, &e);
	if (e.fault)
		track_describe(e.fault, in->fault_why, sizeof(in->fault_why));
	else
		in->fault_why[0] = '\0';
	size_t o = 0;
	in->prio_why[0] = '\0';
	for (size_t i = 0; i < in->ntracks && o < sizeof(in->prio_why); i++) {
		const struct track *t = &in->tracks[i];
		char one[200];
		if (!((t->cfg->weight > 0 && t->state == TRACK_UP) || (t->cfg->weight < 0 && t->state == TRACK_DOWN)))
			continue;
		track_describe(t, one, sizeof(one));
		o += (size_t)snprintf(in->prio_why + o, sizeof(in->prio_why) - o, "%s%s", o ? "; " : "", one);
	}
	if (in->gate && e.ready) {
		in->gate = false;
		log_notice("vip %s: every track passes: it may become master now", in->cfg->name);
	}
	instance_update_held(in);
	if (e.priority != in->fsm.priority) {
		log_notice("vip %s: priority %u -> %u (%s)", in->cfg->name, in->fsm.priority, e.priority,
			   in->prio_why[0] ? in->prio_why : "tracks pass again");
		fsm_set_priority(&in->fsm, now, e.priority, &a);
		instance_apply(d, in, &a, now);
	}
}

static void instance_refresh_state(struct vipd *d, struct instance *in, fsm_time now);

/* Whatever changed (a track's verdict releasing the readiness gate, a
 * link), the cached deadline must follow: a held backup's down timer
 * comes back into it here. */
void instance_refresh(struct vipd *d, struct instance *in, fsm_time now)
{
	instance_refresh_state(d, in, now);
	/* A path back after a partition: the other side may have been master
	 * meanwhile and drawn the hosts' ARP entries; a master draws them
	 * back now rather than when their entries age out. */
	if (hb_refresh(d, in, !in->wait[0] && (in->fsm.state == FSM_BACKUP || in->fsm.state == FSM_MASTER), now) &&
	    in->fsm.state == FSM_MASTER && in->fsm.holding && in->cfg->garp_count) {
		in->announce_left = in->cfg->garp_count;
		instance_announce(d, in, now);
	}
	instance_schedule(in);
}

static void instance_refresh_state(struct vipd *d, struct instance *in, fsm_time now)
{
	struct fsm_actions a = { 0 };
	char why[sizeof(in->wait)];
	bool link_ok;

	instance_evaluate(d, in, now);
	if (instance_blocker(d, in, why, sizeof(why), &link_ok)) {
		if (strcmp(why, in->wait) != 0) {
			log_warn("vip %s: not running: %s", in->cfg->name, why);
			snprintf(in->wait, sizeof(in->wait), "%s", why);
		}
		if (in->fsm.state == FSM_BACKUP || in->fsm.state == FSM_MASTER) {
			fsm_fault(&in->fsm, now, in->wait, link_ok, &a);
			instance_apply(d, in, &a, now);
		}
		return;
	}
	fsm_set_self(&in->fsm, &in->self);
	if (in->fsm.state == FSM_INIT || in->fsm.state == FSM_FAULT) {
		char a4[IPADDR_STRLEN];
		log_info("vip %s: %s is usable (primary address %s)%s, joining as backup", in->cfg->name,
			 in->cfg->ifname, ipaddr_str(&in->self, a4),
			 in->ntracks ? " and no fault track fails" : "");
		in->wait[0] = '\0';
		/* Before any VIP comes or goes on the interface. */
		instance_promote(d, in);
		/* VIPs left behind by a crashed predecessor would answer for
		 * an address another router now owns. */
		instance_del_vips(d, in);
		fsm_startup(&in->fsm, now, &in->self, &a);
		instance_apply(d, in, &a, now);
		return;
	}
	if (in->fsm.holding)
		instance_guard_vips(d, in, now);
}

/* Count a drop and say why: "FIELD GOT, should be at least WANT", or
 * the field alone (RULE_TEXT) when there is no number to show. */
static enum vrrp_drop instance_drop(struct instance *in, const struct vrrp_packet *pkt, enum vrrp_drop r,
				    const char *field, unsigned long got, unsigned long want, struct vrrp_drop_info *why)
{
	in->n.drops[r]++;
	*why = (struct vrrp_drop_info){ .reason = r, .src = pkt->src, .field = field,
					.rule = want ? RULE_AT_LEAST : RULE_TEXT, .got = got, .want = want };
	return r;
}

/* CARP: an authentic advert can still be a recording played back (the
 * HMAC covers the counter, not the time), so each peer's counter must
 * move forward (peers.h has the rule, and how it suits ucarp). A leaving
 * advert says nothing of the sender's advbase. */
static bool instance_carp_replay(struct instance *in, const struct vrrp_packet *pkt, fsm_time now,
				 struct vrrp_drop_info *why)
{
	unsigned advbase = pkt->adv.priority ? pkt->adv.interval / 100u : 0;
	uint64_t last = 0;

	switch (carp_counter_check(&in->carp_heard, &pkt->src, pkt->counter, advbase, now, &last)) {
	case CARP_HEARD_BEFORE:
		instance_drop(in, pkt, DROP_REPLAY, "CARP counter heard before", 0, 0, why);
		return true;
	case CARP_NOT_FORWARD:
		instance_drop(in, pkt, DROP_REPLAY, "CARP counter", (unsigned long)pkt->counter,
			      (unsigned long)last + 1, why);
		return true;
	case CARP_ACCEPT:
		break;
	}
	/* ucarp goes on from the last counter it hears, ours included: ours
	 * never falls behind one we accepted, so it never goes back. */
	if (pkt->counter > in->carp_counter)
		in->carp_counter = pkt->counter;
	return false;
}

enum vrrp_drop instance_packet(struct vipd *d, struct instance *in, const struct vrrp_packet *pkt, fsm_time now,
			       struct vrrp_drop_info *why)
{
	struct ipaddr vips[VRRP_MAX_ADDRS];
	struct fsm_actions a = { 0 };

	/* Before anything else looks at it: a stranger's advert must not
	 * move a timer, a master address or a sequence number. */
	if (!peers_allow(in->cfg->routers, in->cfg->nrouters, &pkt->src))
		return instance_drop(in, pkt, DROP_NOT_PEER, "the sender is not one of its peers", 0, 0, why);
	if (in->fsm.state == FSM_INIT || in->fsm.state == FSM_FAULT)
		return DROP_NONE;
	/* AH: an authentic advert spends its sequence number whatever comes
	 * next (as keepalived does); one not above the last heard or sent is
	 * a replay. */
	if (in->cfg->auth.ah) {
		if (pkt->counter <= in->ah_seq)
			return instance_drop(in, pkt, DROP_REPLAY, "AH sequence number", pkt->counter,
					     (unsigned long)in->ah_seq + 1, why);
		in->ah_seq = (uint32_t)pkt->counter;
	}
	for (size_t i = 0; i < in->cfg->naddrs; i++)
		vips[i] = in->cfg->addrs[i].addr;
	/* A CARP advert lists no addresses: its HMAC covers the VIP instead. */
	if (pkt->proto != VIP_PROTO_CARP && !proto_addrs_match(&pkt->adv, vips, in->cfg->naddrs))
		return instance_drop(in, pkt, DROP_ADDR_MISMATCH, "address list", 0, 0, why);
	if (pkt->proto == VIP_PROTO_CARP && instance_carp_replay(in, pkt, now, why))
		return DROP_REPLAY;
	in->n.adverts_received++;
	if (pkt->src.family == AF_INET)
		pkt->cksum == VRRP_CKSUM_PSEUDO ? in->n.cksum_pseudo++ : in->n.cksum_plain++;
	fsm_advert(&in->fsm, now, pkt, &a);
	instance_apply(d, in, &a, now);
	return DROP_NONE;
}

void instance_timer(struct vipd *d, struct instance *in, fsm_time now)
{
	struct fsm_actions a = { 0 };

	if (in->next > now)
		return;
	if (fsm_next_deadline(&in->fsm) <= now) {
		fsm_timer(&in->fsm, now, &a);
		instance_apply(d, in, &a, now);
	}
	if (in->announce_left && in->announce_at <= now && in->fsm.holding && !in->deferred)
		instance_announce(d, in, now);
	if (check_deadline(in) <= now)
		check_run(d, in, now);
	if (in->notify && notify_deadline(in->notify) <= now)
		instance_notify_run(d, in, now);
	instance_schedule(in);
}

void instance_group_master(struct vipd *d, struct instance *in, fsm_time now, const char *reason)
{
	struct fsm_actions a = { 0 };

	snprintf(in->sync_why, sizeof(in->sync_why), "%s", reason);
	fsm_group_master(&in->fsm, now, in->sync_why, &a);
	instance_apply(d, in, &a, now);
}

void instance_group_backup(struct vipd *d, struct instance *in, fsm_time now, const char *reason)
{
	struct fsm_actions a = { 0 };

	snprintf(in->sync_why, sizeof(in->sync_why), "%s", reason);
	fsm_group_backup(&in->fsm, now, in->sync_why, &a);
	instance_apply(d, in, &a, now);
}

void instance_set_group_held(struct instance *in, enum group_hold level, const char *why)
{
	in->group_hold = level;
	if (level && !in->gate)
		snprintf(in->held_why, sizeof(in->held_why), "%s", why);
	fsm_set_no_preempt(&in->fsm, level == GROUP_SOFT);
	instance_update_held(in);
	instance_schedule(in);
}

fsm_time instance_deadline(const struct instance *in)
{
	return in->next;
}

void instance_giveup(struct vipd *d, struct instance *in, fsm_time now, fsm_time until)
{
	struct fsm_actions a = { 0 };
	fsm_giveup(&in->fsm, now, until, &a);
	instance_apply(d, in, &a, now);
}

void instance_resume(struct vipd *d, struct instance *in, fsm_time now)
{
	struct fsm_actions a = { 0 };
	fsm_resume(&in->fsm, now, &a);
	instance_apply(d, in, &a, now);
}

void instance_takeover(struct vipd *d, struct instance *in, fsm_time now)
{
	struct fsm_actions a = { 0 };
	fsm_takeover(&in->fsm, now, &a);
	instance_apply(d, in, &a, now);
}

void instance_shutdown(struct vipd *d, struct instance *in, fsm_time now)
{
	struct fsm_actions a = { 0 };
	fsm_shutdown(&in->fsm, now, &a);
	instance_apply(d, in, &a, now);
}

void instance_bfd_down(struct vipd *d, struct instance *in, const struct ipaddr *peer, bool lost, fsm_time detect,
		       fsm_time now)
{
	struct fsm_actions a = { 0 };
	char m[IPADDR_STRLEN];

	if (in->fsm.state == FSM_MASTER && peers_allow(in->cfg->routers, in->cfg->nrouters, peer)) {
		fsm_advertise_now(&in->fsm, now, &a);
		instance_apply(d, in, &a, now);
		return;
	}
	if (!lost || in->fsm.state != FSM_BACKUP || !ipaddr_equal(&in->fsm.master, peer))
		return;
	fsm_master_lost(&in->fsm, now, peer, detect);
	if (in->fsm.master_lost)
		log_info("vip %s: bfd lost master %s: claiming in %lld us unless a better router speaks first%s",
			 in->cfg->name, ipaddr_str(peer, m), (long long)fsm_bfd_skew(&in->fsm, detect),
			 in->fsm.held ? " (held: not before its release)" : "");
	instance_schedule(in);
}

void instance_claim_early(struct vipd *d, struct instance *in, fsm_time now)
{
	if (fsm_claim_due(&in->fsm, now))
		instance_send_advert(d, in, fsm_advert_priority(&in->fsm));
}

void instance_stop(struct vipd *d, struct instance *in)
{
	if (in->fsm.state == FSM_MASTER)
		instance_send_advert(d, in, 0);
	if (in->fsm.holding)
		instance_del_vips(d, in);
	in->fsm.holding = false;
	vmac_remove(in->vmac);
	instance_schedule(in);
}

/* For status and the sync groups' messages. */
const char *instance_reason(const struct instance *in)
{
	if (in->wait[0])
		return in->wait;
	return in->fsm.reason ? in->fsm.reason : "";
}
