/* bfd.h - Bidirectional Forwarding Detection (RFC 5880), single hop
 * (RFC 5881), asynchronous mode, without authentication or echo.
 *
 * Pure code, like fsm.c: the wire format, the reception checks of RFC
 * 5880 6.8.6 and one session's state machine and timers. Every entry
 * point takes the current time; what the caller must do (send a packet,
 * log a state change, tell the VRRP instances) comes back in a struct
 * bfd_events. Sockets and the event loop are bfd_io.c's. */
#ifndef VIPD_BFD_H
#define VIPD_BFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

#define BFD_PORT 3784            /* RFC 5881 4: single-hop control packets */
#define BFD_SRC_PORT_MIN 49152   /* ... sent from 49152..65535 */
#define BFD_TTL 255              /* RFC 5881 5: sent with, required on receipt */
#define BFD_VERSION 1
#define BFD_LEN 24               /* a control packet without authentication */
#define BFD_SLOW_TX 1000000      /* RFC 5880 6.8.3: at most one a second until Up */

/* Damping: this many Up -> Down within BFD_DAMP_WINDOW suspend the
 * session's say in failover for BFD_DAMP_HOLD (microseconds). A peer that
 * comes back Up with another discriminator restarted: its losses were
 * real failures, not flaps, and its record starts afresh. */
#define BFD_DAMP_FLAPS 3
#define BFD_DAMP_WINDOW (60 * 1000000LL)
#define BFD_DAMP_HOLD (120 * 1000000LL)

enum bfd_state { BFD_ADMIN_DOWN = 0, BFD_DOWN = 1, BFD_INIT = 2, BFD_UP = 3 };

/* RFC 5880 4.1, the diagnostic codes. */
enum bfd_diag {
	BFD_DIAG_NONE = 0,
	BFD_DIAG_EXPIRED = 1,        /* Control Detection Time Expired */
	BFD_DIAG_ECHO_FAILED = 2,
	BFD_DIAG_NEIGHBOR_DOWN = 3,  /* Neighbor Signaled Session Down */
	BFD_DIAG_FWD_RESET = 4,
	BFD_DIAG_PATH_DOWN = 5,
	BFD_DIAG_CONCAT_DOWN = 6,
	BFD_DIAG_ADMIN_DOWN = 7,
	BFD_DIAG_REV_CONCAT_DOWN = 8,
};

/* Why a packet was discarded, in the order RFC 5880 6.8.6 checks. */
enum bfd_drop {
	BFD_DROP_NONE = 0,
	BFD_DROP_TTL,                /* RFC 5881 5: TTL / hop limit not 255 */
	BFD_DROP_SHORT,              /* fewer bytes than a control packet */
	BFD_DROP_VERSION,
	BFD_DROP_LENGTH,             /* Length below the minimum or beyond the payload */
	BFD_DROP_DETECT_MULT,        /* Detect Mult zero */
	BFD_DROP_MULTIPOINT,         /* M bit set */
	BFD_DROP_MY_DISC,            /* My Discriminator zero */
	BFD_DROP_YOUR_DISC,          /* Your Discriminator is not this session's */
	BFD_DROP_ZERO_YOUR_DISC,     /* Your Discriminator zero, State not Down or AdminDown */
	BFD_DROP_AUTH,               /* A bit set: no authentication is configured */
	BFD_DROP_NO_SESSION,         /* no session with the sender on that interface */
	BFD_DROP_ADMIN_DOWN,         /* the session is AdminDown */
	BFD_DROP__COUNT
};

struct bfd_packet {
	uint8_t version;
	uint8_t diag;
	enum bfd_state state;
	bool poll, final, cpi, auth, demand, multipoint;
	uint8_t detect_mult;
	uint8_t length;
	uint32_t my_disc, your_disc;
	uint32_t desired_min_tx;     /* microseconds */
	uint32_t required_min_rx;
	uint32_t required_min_echo_rx;
};

/* What the operator sets: bfd { interval, multiplier }. */
struct bfd_params {
	uint32_t interval;           /* desired min TX and required min RX, microseconds */
	uint8_t detect_mult;
};

struct bfd_counters {
	uint64_t rx, tx;             /* control packets accepted and built for sending */
	uint64_t drops[BFD_DROP__COUNT];
	uint64_t flaps;              /* Up -> Down */
};

/* One session; the names follow RFC 5880 6.8.1. */
struct bfd_session {
	struct bfd_params p;
	enum bfd_state state;        /* bfd.SessionState */
	enum bfd_state remote_state; /* bfd.RemoteSessionState */
	uint32_t local_discr, remote_discr;
	uint8_t local_diag;
	bool remote_demand;
	uint32_t remote_min_rx;      /* bfd.RemoteMinRxInterval */
	uint32_t remote_min_tx;      /* the remote's Desired Min TX, for the detection time */
	uint8_t remote_detect_mult;
	uint32_t adv_tx, adv_rx;     /* bfd.DesiredMinTxInterval, bfd.RequiredMinRxInterval */
	uint32_t tx_in_effect;       /* what paces us: an increase waits for the Poll to end */
	uint32_t rx_in_effect;       /* what times the remote out: a decrease waits too */
	bool poll;                   /* a Poll Sequence is under way */
	bool final_due;              /* a Poll was heard: answer with Final at once */
	fsm_time next_tx;            /* the next periodic packet, FSM_NEVER: none */
	fsm_time last_tx;            /* the last periodic packet */
	fsm_time detect_at;          /* the detection timer, FSM_NEVER: off */
	fsm_time since;              /* last state change */
	fsm_time flap_at[BFD_DAMP_FLAPS]; /* the last Up -> Down, a ring */
	uint32_t lost_discr;         /* the remote's discriminator when it last went down */
	unsigned nflap;
	fsm_time damped_until;       /* 0: not damped */
	uint64_t rng;                /* jitter (xorshift64*), seeded by the caller */
	struct bfd_counters n;
};

enum bfd_event {
	BFD_EV_SEND = 1 << 0,        /* send ev->tx */
	BFD_EV_STATE = 1 << 1,       /* state changed: old_state -> s->state, reason */
	BFD_EV_LOST = 1 << 2,        /* Up -> Down by detection time: the peer is gone */
	BFD_EV_DAMPED = 1 << 3,      /* this flap started damping */
};

struct bfd_events {
	unsigned flags;
	enum bfd_state old_state;
	const char *reason;          /* static string */
	struct bfd_packet tx;        /* with BFD_EV_SEND */
};

const char *bfd_state_name(enum bfd_state s);
const char *bfd_diag_name(uint8_t diag);
const char *bfd_drop_name(enum bfd_drop r);

/* The wire format. encode writes BFD_LEN bytes (0 if len is short). */
size_t bfd_encode(const struct bfd_packet *pkt, uint8_t *buf, size_t len);

/* RFC 5881 5 and RFC 5880 6.8.6 up to the lookup of the session: ttl is
 * the received TTL or hop limit. BFD_DROP_NONE with *pkt filled. */
enum bfd_drop bfd_decode(const uint8_t *buf, size_t len, int ttl, struct bfd_packet *pkt);

/* A session in Down with a nonzero local discriminator; seed feeds the
 * jitter. Its first packet is due at now. */
void bfd_init(struct bfd_session *s, const struct bfd_params *p, uint32_t discr, uint64_t seed, fsm_time now);

/* New interval or multiplier: in Up, a Poll Sequence carries them. */
void bfd_set_params(struct bfd_session *s, const struct bfd_params *p, fsm_time now);

/* A decoded packet from this session's peer: the rest of 6.8.6. Counted
 * as a drop (and nothing else happens) unless BFD_DROP_NONE. */
enum bfd_drop bfd_rx(struct bfd_session *s, const struct bfd_packet *pkt, fsm_time now, struct bfd_events *ev);

/* Run due deadlines: detection time, periodic transmission. */
void bfd_timer(struct bfd_session *s, fsm_time now, struct bfd_events *ev);
fsm_time bfd_next_deadline(const struct bfd_session *s);

/* Whether the next periodic packet may go out already at now: 6.8.7
 * allows any time from 75% of the interval after the last one. The
 * caller uses it to send the packets of its sessions on one link
 * together, so that every peer hears the last packet of a router that
 * dies at the same moment and their detection times run out together. */
bool bfd_tx_may_send(const struct bfd_session *s, fsm_time now);
/* Send the next periodic packet now (check bfd_tx_may_send first). */
void bfd_tx_now(struct bfd_session *s, fsm_time now, struct bfd_events *ev);

/* Take the session AdminDown (diag 7) and return the packet that says
 * so, for a session being removed or a daemon leaving. */
void bfd_admin_down(struct bfd_session *s, fsm_time now, struct bfd_events *ev);

/* Detection time of the remote system, microseconds: its Detect Mult
 * times max(our required min RX, its desired min TX); 0 until heard. */
fsm_time bfd_detect_time(const struct bfd_session *s);

/* The transmit interval before jitter (6.8.7), 0 when none is sent. */
uint32_t bfd_tx_interval(const struct bfd_session *s);

/* Whether flapping suspends the session's say in failover at now. */
bool bfd_damped(const struct bfd_session *s, fsm_time now);

#endif
