/* instance.h - one configured VIP instance: the glue between its state
 * machine and the daemon's edges (netlink, capture, sender). */
#ifndef VIPD_INSTANCE_H
#define VIPD_INSTANCE_H

#include "fsm.h"
#include "group.h"
#include "notify.h"
#include "peers.h"
#include "ratelimit.h"
#include "track.h"
#include "vipd.h"

struct instance_counters {
	uint64_t adverts_sent;
	uint64_t adverts_received;
	uint64_t cksum_pseudo;     /* IPv4 adverts whose checksum had the pseudo-header */
	uint64_t cksum_plain;      /* ... and those without it (RFC 9568) */
	uint64_t send_errors;
	uint64_t vip_restores;     /* VIPs put back after someone removed them */
	uint64_t drops[DROP__COUNT];
};

struct instance {
	struct vipd *d;               /* for the callbacks of checks and hooks */
	const struct vip_config *cfg; /* owned by d->cfg; repointed on reload */
	struct fsm fsm;
	struct iface *ifc;
	int ifindex;
	uint8_t mac[6];
	struct ipaddr self;           /* primary address while usable */
	char wait[320];               /* why not running (init/fault), "" when running */
	time_t since_wall;
	unsigned announce_left;       /* GARP/NA burst still to send */
	fsm_time announce_at;
	fsm_time next;                /* cached instance_deadline() */
	uint64_t carp_counter;        /* CARP: our advertisement counter */
	struct carp_counters carp_heard; /* CARP: each peer's counter, the last ones accepted */
	uint32_t ah_seq;              /* AH: the last sequence number sent or accepted */
	struct instance_counters n;
	struct ratelimit drop_log[DROP__COUNT]; /* its dropped adverts, logged (rx.c) */
	/* Tracking. */
	struct track *tracks;
	size_t ntracks;
	bool gate;                    /* wait_for_tracks: held until every track first passes */
	enum group_hold group_hold;   /* how its sync group holds it (groupsync.c) */
	enum fsm_state group_seen;    /* the state the group policy last saw */
	char held_why[200];           /* why it is held, "" if not */
	char fault_why[200];          /* the failed fault track, "" if none */
	char prio_why[200];           /* why the effective priority differs, "" if it does not */
	char sync_why[200];           /* the sync group's reason for the last forced change */
	/* Notify hook: the queue, once the instance has had a call. */
	struct notify *notify;
	struct heartbeat *hb;         /* heartbeat_paths, NULL without (heartbeat.h) */
	struct vmac *vmac;            /* virtual_mac, NULL without (vmac.h) */
	bool promote_warned;          /* promote_secondaries could not be set: said once */
	/* In an address batch (instance_batch_begin): the actions that wait
	 * for its VIPs to go in with the others'. */
	bool deferred;
	struct fsm_actions deferred_act;
	fsm_time deferred_now;
};

struct instance *instance_new(struct vipd *d, const struct vip_config *cfg, fsm_time now);
void instance_free(struct instance *in);

/* A reload kept the instance (same protocol definition) with cfg, whose
 * tracks, notify and group may differ: tracks that did not change keep
 * their state. */
void instance_reconfigure(struct vipd *d, struct instance *in, const struct vip_config *cfg, fsm_time now);

/* Sync groups (groupsync.c): follow another member, or be held back
 * (group.h says how). */
void instance_group_master(struct vipd *d, struct instance *in, fsm_time now, const char *reason);
void instance_group_backup(struct vipd *d, struct instance *in, fsm_time now, const char *reason);
void instance_set_group_held(struct instance *in, enum group_hold level, const char *why);

/* Re-check the link and addresses (after a netlink event, at start):
 * start, fault, or restore missing VIPs. */
void instance_refresh(struct vipd *d, struct instance *in, fsm_time now);

/* A decoded packet for this instance's interface, family and VRID.
 * DROP_NONE if the instance took it; else it counted the drop, and *why
 * says what was wrong (the addresses of a mismatch are the caller's to
 * show). */
enum vrrp_drop instance_packet(struct vipd *d, struct instance *in, const struct vrrp_packet *pkt, fsm_time now,
			       struct vrrp_drop_info *why);

/* Recompute the cached deadline (after a check or hook finished). */
void instance_schedule(struct instance *in);

/* Address batches: between begin and end, the VIPs of every instance
 * that becomes master are installed together, with one netlink batch,
 * and the rest of what each does then (announce, advertise, log, run
 * its hook) follows once they are all in: announcements first, for all
 * of them. Anything else that touches a waiting instance sends the
 * batch out first. */
void instance_batch_begin(struct vipd *d);
void instance_batch_end(struct vipd *d);

/* Run due deadlines; the next one the instance needs. */
void instance_timer(struct vipd *d, struct instance *in, fsm_time now);
fsm_time instance_deadline(const struct instance *in);

/* Operator and daemon verbs. until: monotonic, FSM_NEVER for no limit. */
void instance_giveup(struct vipd *d, struct instance *in, fsm_time now, fsm_time until);
void instance_resume(struct vipd *d, struct instance *in, fsm_time now);
void instance_takeover(struct vipd *d, struct instance *in, fsm_time now);
void instance_shutdown(struct vipd *d, struct instance *in, fsm_time now);
/* Drop the VIPs now (instance removed by a reload). */
void instance_stop(struct vipd *d, struct instance *in);

/* The BFD session with peer went down after it was Up: a master whose
 * routers include peer advertises at once; with lost (its detection time
 * ran out, no damping), a backup whose master peer is claims after a skew
 * scaled to detect (fsm_master_lost). */
void instance_bfd_down(struct vipd *d, struct instance *in, const struct ipaddr *peer, bool lost, fsm_time detect,
		       fsm_time now);

/* A claim that BFD brought forward is due: advertise it now, ahead of
 * the slower work of becoming master (instance_timer does that next). */
void instance_claim_early(struct vipd *d, struct instance *in, fsm_time now);

/* Whom the instance hears, for the log: "10.33.0.22, 10.33.0.23
 * (peers)", or "any sender (...)". Returns buf. */
char *instance_describe_peers(const struct vip_config *c, char *buf, size_t len);

/* Why the instance is in its state. */
const char *instance_reason(const struct instance *in);

#endif
