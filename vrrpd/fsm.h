/* fsm.h - one VRRP instance's state machine (RFC 5798 section 6.4,
 * RFC 9568), plus a Fault state for "the link is unusable".
 *
 * Pure code: every entry point takes the current monotonic time as an
 * argument and fills a struct fsm_actions telling the caller what to do
 * (send an advertisement, install or remove the VIPs, announce them).
 * The caller arms one timer for fsm_next_deadline(). Nothing here reads
 * a clock or touches a socket, so tests drive it with a virtual clock. */
#ifndef VIPD_FSM_H
#define VIPD_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "proto.h"

typedef int64_t fsm_time; /* microseconds of a monotonic clock */
#define FSM_NEVER INT64_MAX
#define FSM_USEC_PER_CS 10000 /* one centisecond */

enum fsm_state { FSM_INIT = 0, FSM_BACKUP, FSM_MASTER, FSM_FAULT, FSM__COUNT };

struct fsm_params {
	uint8_t vrid;
	uint8_t priority;       /* configured, 1..255; 255 = address owner */
	uint16_t interval;      /* Advertisement_Interval, centiseconds */
	bool preempt;           /* Preempt_Mode */
	fsm_time preempt_delay; /* after joining, tolerate a lower master this long */
	bool carp_tiebreak;     /* equal masters: the lower address wins, compared as ucarp does */
};

enum fsm_action {
	FSM_ACT_SEND_ADVERT = 1 << 0, /* send one advert with act->advert_priority */
	FSM_ACT_ADD_VIPS = 1 << 1,    /* install the VIPs on the interface */
	FSM_ACT_DEL_VIPS = 1 << 2,    /* remove the VIPs */
	FSM_ACT_ANNOUNCE = 1 << 3,    /* gratuitous ARP / unsolicited NA burst */
	FSM_ACT_STATE = 1 << 4,       /* state changed: old_state -> fsm->state */
};

struct fsm_actions {
	unsigned flags;             /* enum fsm_action bits */
	uint8_t advert_priority;    /* priority to put in the advert */
	enum fsm_state old_state;   /* with FSM_ACT_STATE */
	const char *reason;         /* static string: why this happened */
};

struct fsm {
	struct fsm_params p;
	enum fsm_state state;
	uint8_t priority;           /* effective priority (tracking may change it) */
	struct ipaddr self;         /* our primary address, for the tie-break */
	struct ipaddr master;       /* last master heard (family 0: none) */
	uint8_t master_priority;
	uint16_t master_interval;   /* Master_Adver_Interval, centiseconds */
	fsm_time master_heard;      /* when its last advert came (backup) */
	fsm_time since;             /* time of the last state change */
	fsm_time adver_timer;       /* Adver_Timer deadline (master) */
	fsm_time down_timer;        /* Master_Down_Timer deadline (backup) */
	fsm_time preempt_from;      /* no preemption of a lower master before this */
	bool holding;               /* VIPs installed (may outlast master: make-before-break) */
	fsm_time release_timer;     /* drop the VIPs at the latest at this time */
	bool giveup;                /* operator: stay backup, advertise no claim */
	fsm_time giveup_until;      /* FSM_NEVER: until resume */
	bool takeover;              /* operator: be master, advertise 254 */
	bool stopping;              /* shutdown: priority 0 sent, waiting to release */
	bool held;                  /* may not claim Master by itself (tracks not ready, sync group) */
	bool no_preempt;            /* may not preempt a lower master (sync group); the down timer runs */
	bool master_lost;           /* the down timer was brought forward: BFD lost the master */
	uint64_t transitions;
	const char *reason;         /* why the current state was entered */
};

const char *fsm_state_name(enum fsm_state s);

/* Set up in Init (the interface is not usable yet). */
void fsm_init(struct fsm *f, const struct fsm_params *p, fsm_time now);

/* The interface became usable with primary address self: Init/Fault ->
 * Backup (or Master for the address owner), RFC 5798 6.4.1. */
void fsm_startup(struct fsm *f, fsm_time now, const struct ipaddr *self, struct fsm_actions *act);

/* The interface became unusable (link down, no address) or a tracked
 * service failed: -> Fault, VIPs dropped at once (there is nobody to
 * answer for them). With announce (the link still works), a master says
 * so first with priority 0, so that a backup takes over after its
 * Skew_Time rather than its Master_Down_Interval. */
void fsm_fault(struct fsm *f, fsm_time now, const char *reason, bool announce, struct fsm_actions *act);

/* Our primary address changed while running (tie-break input). */
void fsm_set_self(struct fsm *f, const struct ipaddr *self);

/* A valid advertisement for this VRID arrived (already checked by
 * proto_decode and the daemon). */
void fsm_advert(struct fsm *f, fsm_time now, const struct vrrp_packet *pkt, struct fsm_actions *act);

/* Run whatever deadlines have passed at now. */
void fsm_timer(struct fsm *f, fsm_time now, struct fsm_actions *act);

/* The earliest pending deadline, FSM_NEVER if none. */
fsm_time fsm_next_deadline(const struct fsm *f);

/* Graceful shutdown: advertise priority 0 and keep answering for the VIPs
 * until another master is heard or Master_Down_Interval passes
 * (make-before-break). The caller exits once !f->holding. */
void fsm_shutdown(struct fsm *f, fsm_time now, struct fsm_actions *act);

/* Operator giveup: leave master (priority-0 advert, make-before-break),
 * stay backup and do not preempt until fsm_resume() or until (FSM_NEVER:
 * no limit). If nobody else takes over, the instance takes the VIPs back
 * when its Master_Down_Timer expires rather than leave them unserved. */
void fsm_giveup(struct fsm *f, fsm_time now, fsm_time until, struct fsm_actions *act);
void fsm_resume(struct fsm *f, fsm_time now, struct fsm_actions *act);

/* Operator takeover: become master now and advertise priority 254 (or 255
 * for the owner) until fsm_resume(). */
void fsm_takeover(struct fsm *f, fsm_time now, struct fsm_actions *act);

/* Change the effective priority (1..255), e.g. from health tracking. */
void fsm_set_priority(struct fsm *f, fsm_time now, uint8_t prio, struct fsm_actions *act);

/* Held: a Backup that must not become Master by itself (its down timer
 * and preemption wait) until released. An operator takeover still works.
 * Used while tracks are not ready and by sync groups. */
void fsm_set_held(struct fsm *f, bool held);

/* Softer: no preemption of a live lower master, but a master that goes
 * silent is still replaced when the down timer runs out. */
void fsm_set_no_preempt(struct fsm *f, bool no_preempt);

/* Sync groups: follow another member. To Master from Backup (not while
 * held, in giveup or stopping); from Master to Backup with priority 0,
 * keeping the VIPs until a successor is heard or one
 * Master_Down_Interval passes. reason must be a static string. */
void fsm_group_master(struct fsm *f, fsm_time now, const char *reason, struct fsm_actions *act);
void fsm_group_backup(struct fsm *f, fsm_time now, const char *reason, struct fsm_actions *act);

/* BFD (bfd.h) lost the session to lost, the peer at that address, after a
 * detection time of detect microseconds. A Backup whose master that is
 * acts as if its Master_Down_Timer had expired, after a skew scaled to the
 * detection time instead of the advert interval:
 * (256 - priority) * detect / 256, so that the best backup claims first
 * and its advert stops the others as usual. An advert from the master
 * within the last detection time (after the last BFD packet the session
 * had from it) proves it alive: the session failed, not the router, and
 * nothing changes. The timer only moves earlier; a held instance still
 * waits for its release. No actions: the caller reschedules
 * (fsm_next_deadline). */
void fsm_master_lost(struct fsm *f, fsm_time now, const struct ipaddr *lost, fsm_time detect);
fsm_time fsm_bfd_skew(const struct fsm *f, fsm_time detect);
/* Whether a claim brought forward by fsm_master_lost() is due at now
 * (fsm_timer() makes it). */
bool fsm_claim_due(const struct fsm *f, fsm_time now);

/* A Master advertises now (a no-op in any other state): when a peer's
 * BFD session goes down while we are alive, the backups hear that before
 * their shortened timers run out. */
void fsm_advertise_now(struct fsm *f, fsm_time now, struct fsm_actions *act);

/* A Backup whose master beats it on priority (or the tie-break): it lost
 * the election, as opposed to waiting for a lower master to time out. */
bool fsm_outranked(const struct fsm *f);

/* The priority this instance advertises now. */
uint8_t fsm_advert_priority(const struct fsm *f);

/* Skew_Time and Master_Down_Interval for the learned master interval. */
fsm_time fsm_skew_time(const struct fsm *f);
fsm_time fsm_master_down_interval(const struct fsm *f);

#endif
