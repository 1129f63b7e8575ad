/* fsm.c - one VRRP instance's state machine (RFC 9568 section 6.4).
 *
 * The machine is data: fsm_states[] holds, per state, what entering it
 * does and how an advertisement is handled; fsm_timers[] holds every
 * deadline with the rule that says when it counts and what firing it
 * does. change_state() is the one place that records a transition.
 *
 * Beyond the RFC the machine knows three operator/daemon modes, all of
 * them expressed through the priority it advertises (fsm_advert_priority):
 * stopping (0), giveup (1) and takeover (254, or 255 for the owner).
 * Leaving Master on shutdown or giveup is make-before-break: the VIPs
 * stay installed (holding) until another router is heard or a deadline
 * passes, so the addresses are never unserved in between. */
#include "fsm.h"

#include <sys/socket.h>

#include <string.h>

#define PRIO_LEAVING 0    /* RFC 9568 5.2.4: "stop participating" */
#define PRIO_GIVEUP 1     /* lowest real priority: anyone else wins */
#define PRIO_TAKEOVER 254 /* highest a non-owner may advertise */
#define PRIO_OWNER 255

struct fsm_state_ops {
	const char *name;
	void (*enter)(struct fsm *f, fsm_time now, struct fsm_actions *act);
	void (*advert)(struct fsm *f, fsm_time now, const struct vrrp_packet *pkt,
		       struct fsm_actions *act);
};

struct fsm_timer_ops {
	fsm_time (*deadline)(const struct fsm *f); /* FSM_NEVER when not armed here */
	void (*expire)(struct fsm *f, fsm_time now, struct fsm_actions *act);
};

static const struct fsm_state_ops fsm_states[FSM__COUNT];

/* ---- actions ---------------------------------------------------------- */

static void act_reset(const struct fsm *f, struct fsm_actions *act)
{
	memset(act, 0, sizeof(*act));
	act->old_state = f->state;
}

static void act_send(struct fsm_actions *act, uint8_t prio)
{
	act->flags |= FSM_ACT_SEND_ADVERT;
	act->advert_priority = prio;
}

/* holding is the machine's belief about what the caller did, so it moves
 * with the action. An ADD and a DEL in one call cancel to the last one. */
static void act_add_vips(struct fsm *f, struct fsm_actions *act)
{
	if (f->holding)
		return;
	act->flags = (act->flags & ~(unsigned)FSM_ACT_DEL_VIPS) | FSM_ACT_ADD_VIPS;
	f->holding = true;
}

static void act_del_vips(struct fsm *f, struct fsm_actions *act)
{
	f->release_timer = FSM_NEVER;
	if (!f->holding)
		return;
	act->flags = (act->flags & ~(unsigned)FSM_ACT_ADD_VIPS) | FSM_ACT_DEL_VIPS;
	f->holding = false;
}

/* ---- timing (RFC 9568 6.1) ---------------------------------------------- */

static fsm_time cs_to_us(uint32_t cs)
{
	return (fsm_time)cs * FSM_USEC_PER_CS;
}

/* Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, kept in
 * microseconds at full precision (100 cs, priority 100: 609375 us). The
 * priority is the advertised one, so a leaving or giving-up instance is
 * the slowest to claim the VIPs. */
fsm_time fsm_skew_time(const struct fsm *f)
{
	fsm_time prio = fsm_advert_priority(f);
	return (256 - prio) * cs_to_us(f->master_interval) / 256;
}

fsm_time fsm_master_down_interval(const struct fsm *f)
{
	return 3 * cs_to_us(f->master_interval) + fsm_skew_time(f);
}

uint8_t fsm_advert_priority(const struct fsm *f)
{
	if (f->stopping)
		return PRIO_LEAVING;
	if (f->giveup)
		return PRIO_GIVEUP;
	if (f->takeover)
		return f->p.priority == PRIO_OWNER ? PRIO_OWNER : PRIO_TAKEOVER;
	return f->priority;
}

/* ---- transitions -------------------------------------------------------- */

/* The one place a state changes: counters, timestamp, reason, then the new
 * state's entry work. act->old_state keeps the state the call started in. */
static void change_state(struct fsm *f, fsm_time now, enum fsm_state to, const char *reason,
			 struct fsm_actions *act)
{
	if (f->state == to)
		return;
	act->flags |= FSM_ACT_STATE;
	act->reason = reason;
	f->state = to;
	f->reason = reason;
	f->since = now;
	f->transitions++;
	if (fsm_states[to].enter)
		fsm_states[to].enter(f, now, act);
}

/* Advertise now and restart the Adver_Timer (RFC 9568 6.4.3). */
static void master_advertise(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	f->master_priority = fsm_advert_priority(f);
	act_send(act, f->master_priority);
	f->adver_timer = now + cs_to_us(f->p.interval);
}

/* RFC 9568 6.4.1 / 6.4.2: send an advertisement, install and announce the
 * VIPs (already installed when a make-before-break release was pending),
 * arm the Adver_Timer. */
static void enter_master(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	f->down_timer = FSM_NEVER;
	f->release_timer = FSM_NEVER;
	f->master_lost = false;
	f->master = f->self;
	f->master_interval = f->p.interval;
	master_advertise(f, now, act);
	act_add_vips(f, act);
	act->flags |= FSM_ACT_ANNOUNCE;
}

/* RFC 9568 6.4.1: Master_Adver_Interval starts as our own, the
 * Master_Down_Timer at Master_Down_Interval (never while stopping). The
 * VIPs are the caller's business: leaving Master may keep them. */
static void enter_backup(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	(void)act;
	f->adver_timer = FSM_NEVER;
	memset(&f->master, 0, sizeof(f->master));
	f->master_priority = 0;
	f->master_interval = f->p.interval;
	f->master_lost = false;
	f->down_timer = f->stopping ? FSM_NEVER : now + fsm_master_down_interval(f);
}

/* The link is gone: nobody can be answered, so the VIPs go at once and
 * no advertisement is sent. */
static void enter_fault(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	(void)now;
	act_del_vips(f, act);
	f->adver_timer = FSM_NEVER;
	f->down_timer = FSM_NEVER;
	f->master_lost = false;
	memset(&f->master, 0, sizeof(f->master));
	f->master_priority = 0;
}

/* Accept pkt's sender as the master (RFC 9568 6.4.2 and 6.4.3): learn its
 * interval, restart the Master_Down_Timer, and finish a pending
 * make-before-break release now that someone else answers for the VIPs. */
static void backup_learn(struct fsm *f, fsm_time now, const struct vrrp_packet *pkt,
			 struct fsm_actions *act)
{
	f->master = pkt->src;
	f->master_priority = pkt->adv.priority;
	f->master_interval = pkt->adv.interval;
	f->master_heard = now;
	f->master_lost = false;
	f->down_timer = f->stopping ? FSM_NEVER : now + fsm_master_down_interval(f);
	act_del_vips(f, act);
}

/* ---- advertisements ----------------------------------------------------- */

/* Whether a Backup may claim the VIPs from a lower-priority master. The
 * owner always preempts (RFC 9568 6.1), so does an operator takeover;
 * preempt_delay gives a freshly started instance time before it does. */
static bool backup_may_preempt(const struct fsm *f, fsm_time now)
{
	if (f->stopping || f->giveup)
		return false;
	if (f->takeover)
		return true;
	if (f->held || f->no_preempt)
		return false;
	if (!f->p.preempt && fsm_advert_priority(f) != PRIO_OWNER)
		return false;
	return now >= f->preempt_from;
}

/* RFC 9568 6.4.2. Equal priority is accepted whatever the sender's address:
 * the address tie-break applies only in Master (6.4.3). */
static void backup_advert(struct fsm *f, fsm_time now, const struct vrrp_packet *pkt,
			  struct fsm_actions *act)
{
	if (pkt->adv.priority == 0) {
		f->down_timer = now + fsm_skew_time(f);
		f->master_lost = false;
		return;
	}
	if (!backup_may_preempt(f, now) || pkt->adv.priority >= fsm_advert_priority(f))
		backup_learn(f, now, pkt, act);
	/* else discard: the Master_Down_Timer runs out and we preempt. */
}

/* ucarp compares two IPv4 addresses as the 32-bit integers their bytes
 * make in memory; on the little-endian hosts it runs on, the last octet
 * is the most significant. A compatible group must agree with it. */
static bool carp_addr_lower(const struct ipaddr *a, const struct ipaddr *b)
{
	uint32_t x = 0, y = 0;

	for (int i = 3; i >= 0; i--) {
		x = x << 8 | a->u.bytes[i];
		y = y << 8 | b->u.bytes[i];
	}
	return x < y;
}

/* Does an equal-priority master beat us? VRRP: the higher address wins
 * (RFC 9568 6.4.3); CARP: the lower one, as ucarp reads addresses. */
static bool peer_wins_tie(const struct fsm *f, const struct ipaddr *peer)
{
	if (f->p.carp_tiebreak && peer->family == AF_INET)
		return carp_addr_lower(peer, &f->self);
	return ipaddr_cmp(peer, &f->self) > 0;
}

/* RFC 9568 6.4.3. */
static void master_advert(struct fsm *f, fsm_time now, const struct vrrp_packet *pkt,
			  struct fsm_actions *act)
{
	uint8_t ours = fsm_advert_priority(f);
	uint8_t theirs = pkt->adv.priority;

	if (theirs == 0) {
		master_advertise(f, now, act);
		return;
	}
	if (theirs > ours || (theirs == ours && peer_wins_tie(f, &pkt->src))) {
		change_state(f, now, FSM_BACKUP,
			     theirs > ours ? "higher priority master" : "equal priority, preferred address master",
			     act);
		backup_learn(f, now, pkt, act);
		return;
	}
	/* RFC 9568 (new since 5798): answer a losing advertisement at once, to
	 * assert Master to its sender and refresh learning bridges. The
	 * sender believed it was master (a healed split), so hosts may have
	 * learned its MAC for the VIPs: announce them again too. */
	master_advertise(f, now, act);
	act->flags |= FSM_ACT_ANNOUNCE;
}

static const struct fsm_state_ops fsm_states[FSM__COUNT] = {
	[FSM_INIT] = { "init", NULL, NULL },
	[FSM_BACKUP] = { "backup", enter_backup, backup_advert },
	[FSM_MASTER] = { "master", enter_master, master_advert },
	[FSM_FAULT] = { "fault", enter_fault, NULL },
};

/* ---- timers ------------------------------------------------------------- */

static fsm_time giveup_deadline(const struct fsm *f)
{
	return f->giveup ? f->giveup_until : FSM_NEVER;
}

/* Giveup ends by itself: normal preemption resumes, and a master tells
 * the others its real priority at once. */
static void giveup_expire(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	f->giveup = false;
	f->giveup_until = FSM_NEVER;
	if (f->state == FSM_MASTER)
		master_advertise(f, now, act);
}

static fsm_time release_deadline(const struct fsm *f)
{
	return f->state == FSM_BACKUP && f->holding ? f->release_timer : FSM_NEVER;
}

/* Nobody was heard taking over within Master_Down_Interval of our
 * priority-0 advertisement: drop the VIPs anyway, we are leaving. */
static void release_expire(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	(void)now;
	act_del_vips(f, act);
}

/* Held, the timer keeps its time: released late, it fires at once. */
static fsm_time down_deadline(const struct fsm *f)
{
	return f->state == FSM_BACKUP && !f->stopping && (!f->held || f->takeover) ? f->down_timer : FSM_NEVER;
}

/* RFC 9568 6.4.2. An instance in giveup also comes back here when nobody
 * else took the VIPs, and then advertises priority 1. */
static void down_expire(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	const char *why = f->giveup ? "no other router took over" : "master down timer expired";
	if (f->master_lost && !f->giveup)
		why = "bfd: master lost";
	change_state(f, now, FSM_MASTER, why, act);
}

static fsm_time adver_deadline(const struct fsm *f)
{
	return f->state == FSM_MASTER ? f->adver_timer : FSM_NEVER;
}

static void adver_expire(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	master_advertise(f, now, act);
}

/* On equal deadlines the earlier entry runs first: giveup ends before the
 * down timer promotes us, so the promotion advertises the real priority. */
static const struct fsm_timer_ops fsm_timers[] = {
	{ giveup_deadline, giveup_expire },
	{ release_deadline, release_expire },
	{ down_deadline, down_expire },
	{ adver_deadline, adver_expire },
};

#define FSM_NTIMERS (sizeof(fsm_timers) / sizeof(fsm_timers[0]))

static const struct fsm_timer_ops *first_timer(const struct fsm *f, fsm_time *when)
{
	const struct fsm_timer_ops *first = NULL;

	*when = FSM_NEVER;
	for (size_t i = 0; i < FSM_NTIMERS; i++) {
		fsm_time d = fsm_timers[i].deadline(f);
		if (d < *when) {
			*when = d;
			first = &fsm_timers[i];
		}
	}
	return first;
}

fsm_time fsm_next_deadline(const struct fsm *f)
{
	fsm_time when;
	first_timer(f, &when);
	return when;
}

/* Runs passed deadlines in time order. Every expire function disarms its
 * deadline or moves it past now, so the loop ends. */
void fsm_timer(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	const struct fsm_timer_ops *t;
	fsm_time when;

	act_reset(f, act);
	while ((t = first_timer(f, &when)) && when <= now)
		t->expire(f, now, act);
}

/* ---- entry points ------------------------------------------------------- */

const char *fsm_state_name(enum fsm_state s)
{
	return (unsigned)s < FSM__COUNT ? fsm_states[s].name : "unknown";
}

void fsm_init(struct fsm *f, const struct fsm_params *p, fsm_time now)
{
	memset(f, 0, sizeof(*f));
	f->p = *p;
	/* Configuration guarantees 1..4095; a zero would spin the Adver_Timer. */
	if (f->p.interval == 0)
		f->p.interval = 1;
	f->state = FSM_INIT;
	f->priority = p->priority;
	f->master_interval = f->p.interval;
	f->since = now;
	f->adver_timer = FSM_NEVER;
	f->down_timer = FSM_NEVER;
	f->preempt_from = now;
	f->release_timer = FSM_NEVER;
	f->giveup_until = FSM_NEVER;
	f->reason = "not started";
}

void fsm_set_self(struct fsm *f, const struct ipaddr *self)
{
	f->self = *self;
	if (f->state == FSM_MASTER)
		f->master = *self;
}

/* RFC 9568 6.4.1. A restart after Fault joins as Backup like a first
 * start, so a link flap cannot leave two masters; only the owner (unless
 * giving up) claims Master at once. */
void fsm_startup(struct fsm *f, fsm_time now, const struct ipaddr *self, struct fsm_actions *act)
{
	act_reset(f, act);
	fsm_set_self(f, self);
	if ((f->state != FSM_INIT && f->state != FSM_FAULT) || f->stopping)
		return;
	f->preempt_from = now + f->p.preempt_delay;
	if (fsm_advert_priority(f) == PRIO_OWNER && !f->held)
		change_state(f, now, FSM_MASTER, "started as address owner", act);
	else
		change_state(f, now, FSM_BACKUP, "started", act);
}

void fsm_fault(struct fsm *f, fsm_time now, const char *reason, bool announce, struct fsm_actions *act)
{
	act_reset(f, act);
	if (announce && f->state == FSM_MASTER)
		act_send(act, PRIO_LEAVING);
	change_state(f, now, FSM_FAULT, reason, act);
}

void fsm_advert(struct fsm *f, fsm_time now, const struct vrrp_packet *pkt, struct fsm_actions *act)
{
	act_reset(f, act);
	/* Defensive: the daemon demultiplexes by VRID, proto_decode rejects a
	 * zero interval (RFC 9568 erratum 8301) and the daemon drops our own
	 * packets; each would otherwise corrupt the timers or, with the
	 * immediate answer to a losing advertisement, loop. */
	if (pkt->adv.vrid != f->p.vrid || pkt->adv.interval == 0 || ipaddr_equal(&pkt->src, &f->self))
		return;
	if (fsm_states[f->state].advert)
		fsm_states[f->state].advert(f, now, pkt, act);
}

/* RFC 9568 6.4.3 sends priority 0 and goes to Initialize; we wait in Backup
 * still holding the VIPs until a new master is heard or release_timer, one
 * Master_Down_Interval of priority 0 (longer than any Backup's), passes. */
void fsm_shutdown(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	act_reset(f, act);
	f->stopping = true;
	if (f->state == FSM_MASTER) {
		act_send(act, PRIO_LEAVING);
		f->release_timer = now + fsm_master_down_interval(f);
		change_state(f, now, FSM_BACKUP, "shutting down", act);
	} else if (f->holding && f->release_timer == FSM_NEVER) {
		/* A giveup's release was pending on the down timer, which is
		 * off while stopping: bound the wait the same way. */
		f->release_timer = now + fsm_master_down_interval(f);
	}
}

void fsm_giveup(struct fsm *f, fsm_time now, fsm_time until, struct fsm_actions *act)
{
	act_reset(f, act);
	f->giveup = true;
	f->giveup_until = until;
	f->takeover = false;
	if (f->state != FSM_MASTER)
		return;
	/* Priority 0 makes the Backups take over after their Skew_Time; our
	 * own down timer (priority 1, the longest) takes the VIPs back if
	 * none does. */
	act_send(act, PRIO_LEAVING);
	change_state(f, now, FSM_BACKUP, "giveup", act);
}

void fsm_resume(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	act_reset(f, act);
	f->giveup = false;
	f->giveup_until = FSM_NEVER;
	f->takeover = false;
	if (f->state == FSM_MASTER)
		master_advertise(f, now, act);
}

void fsm_takeover(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	act_reset(f, act);
	f->takeover = true;
	f->giveup = false;
	f->giveup_until = FSM_NEVER;
	if (f->state == FSM_BACKUP && !f->stopping)
		change_state(f, now, FSM_MASTER, "operator takeover", act);
	else if (f->state == FSM_MASTER)
		master_advertise(f, now, act);
}

void fsm_set_priority(struct fsm *f, fsm_time now, uint8_t prio, struct fsm_actions *act)
{
	uint8_t before = fsm_advert_priority(f);

	act_reset(f, act);
	f->priority = prio ? prio : 1; /* 0 is not a priority, it means "leaving" */
	if (f->state == FSM_MASTER && fsm_advert_priority(f) != before)
		master_advertise(f, now, act);
}

void fsm_set_held(struct fsm *f, bool held)
{
	f->held = held;
}

void fsm_set_no_preempt(struct fsm *f, bool no_preempt)
{
	f->no_preempt = no_preempt;
}

void fsm_group_master(struct fsm *f, fsm_time now, const char *reason, struct fsm_actions *act)
{
	act_reset(f, act);
	if (f->state == FSM_BACKUP && !f->stopping && !f->giveup && !f->held)
		change_state(f, now, FSM_MASTER, reason, act);
}

void fsm_group_backup(struct fsm *f, fsm_time now, const char *reason, struct fsm_actions *act)
{
	act_reset(f, act);
	if (f->state != FSM_MASTER || f->takeover)
		return;
	act_send(act, PRIO_LEAVING);
	change_state(f, now, FSM_BACKUP, reason, act);
	f->release_timer = now + fsm_master_down_interval(f);
}

fsm_time fsm_bfd_skew(const struct fsm *f, fsm_time detect)
{
	return (256 - (fsm_time)fsm_advert_priority(f)) * detect / 256;
}

void fsm_master_lost(struct fsm *f, fsm_time now, const struct ipaddr *lost, fsm_time detect)
{
	if (f->state != FSM_BACKUP || f->stopping || !f->master.family || !ipaddr_equal(&f->master, lost))
		return;
	if (now - f->master_heard < detect)
		return;
	fsm_time at = now + fsm_bfd_skew(f, detect);
	if (at < f->down_timer) {
		f->down_timer = at;
		f->master_lost = true;
	}
}

bool fsm_claim_due(const struct fsm *f, fsm_time now)
{
	return f->master_lost && down_deadline(f) <= now;
}

void fsm_advertise_now(struct fsm *f, fsm_time now, struct fsm_actions *act)
{
	act_reset(f, act);
	if (f->state == FSM_MASTER)
		master_advertise(f, now, act);
}

bool fsm_outranked(const struct fsm *f)
{
	uint8_t ours = fsm_advert_priority(f);

	if (f->state != FSM_BACKUP || !f->master.family)
		return false;
	return f->master_priority > ours || (f->master_priority == ours && peer_wins_tie(f, &f->master));
}
