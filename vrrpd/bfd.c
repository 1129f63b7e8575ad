/* bfd.c - BFD control packets and one session's state machine (RFC 5880
 * asynchronous mode, RFC 5881 single hop), pure: see bfd.h.
 *
 * The state changes are a table, bfd_next[][], and change_state() is the
 * one place a session changes state: it counts flaps, starts damping and
 * reports the change with its reason. */
#include "bfd.h"

#include <string.h>

#define A_BIT_MIN_LEN 26 /* a packet with the A bit set carries at least this much */

/* ---- names -------------------------------------------------------------- */

const char *bfd_state_name(enum bfd_state s)
{
	static const char *const names[] = { "admin_down", "down", "init", "up" };
	return (unsigned)s < 4 ? names[s] : "unknown";
}

const char *bfd_diag_name(uint8_t diag)
{
	static const char *const names[] = {
		"none", "detection time expired", "echo function failed", "neighbor signaled session down",
		"forwarding plane reset", "path down", "concatenated path down", "administratively down",
		"reverse concatenated path down",
	};
	return diag < sizeof(names) / sizeof(names[0]) ? names[diag] : "unknown";
}

const char *bfd_drop_name(enum bfd_drop r)
{
	static const char *const names[BFD_DROP__COUNT] = {
		[BFD_DROP_NONE] = "none",
		[BFD_DROP_TTL] = "ttl",
		[BFD_DROP_SHORT] = "short",
		[BFD_DROP_VERSION] = "version",
		[BFD_DROP_LENGTH] = "length",
		[BFD_DROP_DETECT_MULT] = "detect_mult",
		[BFD_DROP_MULTIPOINT] = "multipoint",
		[BFD_DROP_MY_DISC] = "my_discriminator",
		[BFD_DROP_YOUR_DISC] = "your_discriminator",
		[BFD_DROP_ZERO_YOUR_DISC] = "zero_your_discriminator",
		[BFD_DROP_AUTH] = "authentication",
		[BFD_DROP_NO_SESSION] = "no_session",
		[BFD_DROP_ADMIN_DOWN] = "admin_down",
	};
	return (unsigned)r < BFD_DROP__COUNT ? names[r] : "unknown";
}

/* ---- wire format (RFC 5880 4.1) ------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t bfd_encode(const struct bfd_packet *pkt, uint8_t *buf, size_t len)
{
	if (len < BFD_LEN)
		return 0;
	buf[0] = (uint8_t)(pkt->version << 5 | (pkt->diag & 0x1f));
	buf[1] = (uint8_t)((unsigned)pkt->state << 6 | pkt->poll << 5 | pkt->final << 4 | pkt->cpi << 3 |
			   pkt->auth << 2 | pkt->demand << 1 | pkt->multipoint);
	buf[2] = pkt->detect_mult;
	buf[3] = BFD_LEN;
	put32(buf + 4, pkt->my_disc);
	put32(buf + 8, pkt->your_disc);
	put32(buf + 12, pkt->desired_min_tx);
	put32(buf + 16, pkt->required_min_rx);
	put32(buf + 20, pkt->required_min_echo_rx);
	return BFD_LEN;
}

/* The checks of RFC 5880 6.8.6 that need no session, in its order, after
 * RFC 5881 5's TTL: no authentication is in use, so it must be 255. */
enum bfd_drop bfd_decode(const uint8_t *buf, size_t len, int ttl, struct bfd_packet *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	if (ttl != BFD_TTL)
		return BFD_DROP_TTL;
	if (len < BFD_LEN)
		return BFD_DROP_SHORT;
	pkt->version = buf[0] >> 5;
	pkt->diag = buf[0] & 0x1f;
	pkt->state = (enum bfd_state)(buf[1] >> 6);
	pkt->poll = buf[1] & 0x20;
	pkt->final = buf[1] & 0x10;
	pkt->cpi = buf[1] & 0x08;
	pkt->auth = buf[1] & 0x04;
	pkt->demand = buf[1] & 0x02;
	pkt->multipoint = buf[1] & 0x01;
	pkt->detect_mult = buf[2];
	pkt->length = buf[3];
	pkt->my_disc = get32(buf + 4);
	pkt->your_disc = get32(buf + 8);
	pkt->desired_min_tx = get32(buf + 12);
	pkt->required_min_rx = get32(buf + 16);
	pkt->required_min_echo_rx = get32(buf + 20);
	if (pkt->version != BFD_VERSION)
		return BFD_DROP_VERSION;
	if (pkt->length < (pkt->auth ? A_BIT_MIN_LEN : BFD_LEN) || pkt->length > len)
		return BFD_DROP_LENGTH;
	if (pkt->detect_mult == 0)
		return BFD_DROP_DETECT_MULT;
	if (pkt->multipoint)
		return BFD_DROP_MULTIPOINT;
	if (pkt->my_disc == 0)
		return BFD_DROP_MY_DISC;
	return BFD_DROP_NONE;
}

/* ---- timers ------------------------------------------------------------- */

static uint32_t max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* RFC 5880 6.8.3: below one second only once Up. */
static uint32_t wanted_tx(const struct bfd_session *s)
{
	return s->state == BFD_UP ? s->p.interval : max32(s->p.interval, BFD_SLOW_TX);
}

uint32_t bfd_tx_interval(const struct bfd_session *s)
{
	if (s->remote_min_rx == 0)
		return 0; /* 6.8.3: the remote wants none */
	return max32(s->tx_in_effect, s->remote_min_rx);
}

fsm_time bfd_detect_time(const struct bfd_session *s)
{
	if (!s->remote_detect_mult)
		return 0;
	return (fsm_time)s->remote_detect_mult * max32(s->rx_in_effect, s->remote_min_tx);
}

/* xorshift64*: jitter needs spread, not secrecy. */
static uint32_t next_random(struct bfd_session *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)((s->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

/* RFC 5880 6.8.7: 0..25% less than the interval, 10..25% with a Detect
 * Mult of 1 so that one late packet does not end the session. */
static fsm_time jittered(struct bfd_session *s, uint32_t ival)
{
	unsigned pct = s->p.detect_mult == 1 ? 75 + next_random(s) % 16 : 75 + next_random(s) % 26;
	return (fsm_time)ival * pct / 100;
}

/* 6.8.7 and the demand rule of 6.8.6: a remote in Demand mode with both
 * sides Up gets no periodic packets. */
static void schedule_tx(struct bfd_session *s, fsm_time now)
{
	uint32_t ival = bfd_tx_interval(s);

	if (!ival || (s->remote_demand && s->state == BFD_UP && s->remote_state == BFD_UP))
		s->next_tx = FSM_NEVER;
	else
		s->next_tx = now + jittered(s, ival);
}

/* A faster pace takes effect at once: bring the next packet forward. */
static void reschedule_tx(struct bfd_session *s, fsm_time now)
{
	fsm_time was = s->next_tx;

	schedule_tx(s, now);
	if (was < s->next_tx && s->next_tx != FSM_NEVER)
		s->next_tx = was;
}

/* What we advertise follows the state and the parameters; a change while
 * Up starts a Poll Sequence (6.8.3). An increase of our TX interval and a
 * decrease of our RX interval take effect when the Poll ends; the others
 * at once. */
static void update_advertised(struct bfd_session *s, fsm_time now)
{
	uint32_t tx = wanted_tx(s), rx = s->p.interval;

	if (tx == s->adv_tx && rx == s->adv_rx)
		return;
	if (s->state == BFD_UP)
		s->poll = true;
	s->adv_tx = tx;
	s->adv_rx = rx;
	if (s->state != BFD_UP || tx < s->tx_in_effect)
		s->tx_in_effect = tx;
	if (s->state != BFD_UP || rx > s->rx_in_effect)
		s->rx_in_effect = rx;
	reschedule_tx(s, now);
}

static void poll_done(struct bfd_session *s)
{
	s->poll = false;
	s->tx_in_effect = s->adv_tx;
	s->rx_in_effect = s->adv_rx;
}

/* ---- transitions -------------------------------------------------------- */

/* RFC 5880 6.8.6: the next state for a received State, -1 for none.
 * AdminDown discards before this table is consulted. */
static const int8_t bfd_next[4][4] = {
	/* received:        AdminDown  Down       Init      Up */
	[BFD_ADMIN_DOWN] = { -1, -1, -1, -1 },
	[BFD_DOWN] = { -1, BFD_INIT, BFD_UP, -1 },
	[BFD_INIT] = { BFD_DOWN, -1, BFD_UP, BFD_UP },
	[BFD_UP] = { BFD_DOWN, BFD_DOWN, -1, -1 },
};

/* Damping: the flap is recorded; the BFD_DAMP_FLAPS-th within the window
 * starts the hold (this flap included). */
static void record_flap(struct bfd_session *s, fsm_time now, struct bfd_events *ev)
{
	s->n.flaps++;
	s->flap_at[s->nflap++ % BFD_DAMP_FLAPS] = now;
	if (s->nflap < BFD_DAMP_FLAPS)
		return;
	fsm_time oldest = s->flap_at[s->nflap % BFD_DAMP_FLAPS];
	if (now - oldest <= BFD_DAMP_WINDOW) {
		if (!bfd_damped(s, now))
			ev->flags |= BFD_EV_DAMPED;
		s->damped_until = now + BFD_DAMP_HOLD;
	}
}

static void change_state(struct bfd_session *s, fsm_time now, enum bfd_state to, uint8_t diag, const char *reason,
			 struct bfd_events *ev)
{
	if (s->state == to)
		return;
	if (!(ev->flags & BFD_EV_STATE))
		ev->old_state = s->state;
	ev->flags |= BFD_EV_STATE;
	ev->reason = reason;
	if (s->state == BFD_UP && to != BFD_UP) {
		s->lost_discr = s->remote_discr;
		record_flap(s, now, ev);
		if (diag == BFD_DIAG_EXPIRED)
			ev->flags |= BFD_EV_LOST;
	}
	if (to == BFD_UP && s->lost_discr && s->remote_discr != s->lost_discr) {
		/* A new incarnation of the peer: it restarted, nothing flapped. */
		s->nflap = 0;
		s->damped_until = 0;
	}
	s->state = to;
	s->local_diag = to == BFD_UP ? BFD_DIAG_NONE : diag;
	s->since = now;
	if (to != BFD_UP)
		s->poll = false;
	update_advertised(s, now);
}

/* ---- packets out -------------------------------------------------------- */

static void build(const struct bfd_session *s, bool final, struct bfd_packet *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->version = BFD_VERSION;
	pkt->diag = s->local_diag;
	pkt->state = s->state;
	/* 6.5: never both; a Final goes out alone, the next packet polls. */
	pkt->final = final;
	pkt->poll = s->poll && !final;
	pkt->detect_mult = s->p.detect_mult;
	pkt->length = BFD_LEN;
	pkt->my_disc = s->local_discr;
	pkt->your_disc = s->remote_discr;
	pkt->desired_min_tx = s->adv_tx;
	pkt->required_min_rx = s->adv_rx;
	pkt->required_min_echo_rx = 0; /* no Echo function */
}

static void emit(struct bfd_session *s, bool final, struct bfd_events *ev)
{
	build(s, final, &ev->tx);
	ev->flags |= BFD_EV_SEND;
	s->n.tx++;
}

/* ---- entry points ------------------------------------------------------- */

void bfd_init(struct bfd_session *s, const struct bfd_params *p, uint32_t discr, uint64_t seed, fsm_time now)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	if (s->p.detect_mult == 0)
		s->p.detect_mult = 1;
	s->state = BFD_DOWN;
	s->remote_state = BFD_DOWN;
	s->local_discr = discr;
	s->remote_min_rx = 1; /* 6.8.1: initialised to 1 */
	s->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	s->since = now;
	s->detect_at = FSM_NEVER;
	s->adv_tx = s->tx_in_effect = wanted_tx(s);
	s->adv_rx = s->rx_in_effect = s->p.interval;
	s->next_tx = now;
	s->last_tx = now - BFD_SLOW_TX;
}

void bfd_set_params(struct bfd_session *s, const struct bfd_params *p, fsm_time now)
{
	if (p->detect_mult && p->detect_mult != s->p.detect_mult && s->state == BFD_UP)
		s->poll = true;
	s->p = *p;
	if (s->p.detect_mult == 0)
		s->p.detect_mult = 1;
	update_advertised(s, now);
}

/* 6.8.6 from the discriminator checks on; bfd_decode() did the rest. */
static enum bfd_drop rx_check(const struct bfd_session *s, const struct bfd_packet *pkt)
{
	if (pkt->your_disc && pkt->your_disc != s->local_discr)
		return BFD_DROP_YOUR_DISC;
	if (!pkt->your_disc && pkt->state != BFD_DOWN && pkt->state != BFD_ADMIN_DOWN)
		return BFD_DROP_ZERO_YOUR_DISC;
	if (pkt->auth)
		return BFD_DROP_AUTH;
	return BFD_DROP_NONE;
}

static const char *rx_reason(enum bfd_state to, enum bfd_state received)
{
	if (to == BFD_DOWN)
		return received == BFD_ADMIN_DOWN ? "neighbor admin down" : "neighbor signaled session down";
	if (to == BFD_INIT)
		return "neighbor down";
	return received == BFD_INIT ? "neighbor init" : "neighbor up";
}

enum bfd_drop bfd_rx(struct bfd_session *s, const struct bfd_packet *pkt, fsm_time now, struct bfd_events *ev)
{
	enum bfd_drop r = rx_check(s, pkt);

	memset(ev, 0, sizeof(*ev));
	ev->old_state = s->state;
	if (r != BFD_DROP_NONE) {
		s->n.drops[r]++;
		return r;
	}
	s->remote_discr = pkt->my_disc;
	s->remote_state = pkt->state;
	s->remote_demand = pkt->demand;
	s->remote_min_rx = pkt->required_min_rx;
	s->remote_min_tx = pkt->desired_min_tx;
	s->remote_detect_mult = pkt->detect_mult;
	if (pkt->final && s->poll)
		poll_done(s);
	/* 6.8.4: the detection timer restarts with every accepted packet. */
	s->detect_at = now + bfd_detect_time(s);
	if (s->state == BFD_ADMIN_DOWN) {
		s->n.drops[BFD_DROP_ADMIN_DOWN]++;
		return BFD_DROP_ADMIN_DOWN;
	}
	s->n.rx++;
	int8_t to = bfd_next[s->state][pkt->state];
	if (to >= 0)
		change_state(s, now, (enum bfd_state)to,
			     to == BFD_DOWN ? BFD_DIAG_NEIGHBOR_DOWN : BFD_DIAG_NONE, rx_reason(to, pkt->state), ev);
	reschedule_tx(s, now);
	/* 6.8.6: a Poll is answered with a Final at once, whatever the pace. */
	if (pkt->poll)
		emit(s, true, ev);
	return BFD_DROP_NONE;
}

fsm_time bfd_next_deadline(const struct bfd_session *s)
{
	return s->next_tx < s->detect_at ? s->next_tx : s->detect_at;
}

void bfd_timer(struct bfd_session *s, fsm_time now, struct bfd_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->old_state = s->state;
	/* 6.8.4: no valid packet for a detection time. The remote's
	 * discriminator is forgotten (6.8.1), in Down too. */
	if (s->detect_at <= now) {
		s->detect_at = FSM_NEVER;
		if (s->state == BFD_INIT || s->state == BFD_UP)
			change_state(s, now, BFD_DOWN, BFD_DIAG_EXPIRED, "detection time expired", ev);
		s->remote_discr = 0;
		s->remote_state = BFD_DOWN;
		s->remote_demand = false;
	}
	if (s->next_tx <= now) {
		emit(s, false, ev);
		s->last_tx = now;
		schedule_tx(s, now);
	}
}

bool bfd_tx_may_send(const struct bfd_session *s, fsm_time now)
{
	uint32_t ival = bfd_tx_interval(s);

	if (s->next_tx == FSM_NEVER || !ival)
		return false;
	return s->next_tx <= now || now - s->last_tx >= (fsm_time)ival * 75 / 100;
}

void bfd_tx_now(struct bfd_session *s, fsm_time now, struct bfd_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->old_state = s->state;
	emit(s, false, ev);
	s->last_tx = now;
	schedule_tx(s, now);
}

void bfd_admin_down(struct bfd_session *s, fsm_time now, struct bfd_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->old_state = s->state;
	change_state(s, now, BFD_ADMIN_DOWN, BFD_DIAG_ADMIN_DOWN, "administratively down", ev);
	s->detect_at = FSM_NEVER;
	emit(s, false, ev);
}

bool bfd_damped(const struct bfd_session *s, fsm_time now)
{
	return s->damped_until && now < s->damped_until;
}
