/* test_bfd.c - BFD (RFC 5880, 5881): the wire format, every reception
 * check of 6.8.6, and sessions driven by a virtual clock over a virtual
 * wire that can be cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bfd.h"

#define MS 1000LL
#define SEC 1000000LL
#define T0 (1000 * SEC)

static const struct bfd_params FAST = { .interval = 10 * MS, .detect_mult = 3 };

/* ---- wire format --------------------------------------------------------- */

/* A packet written out by hand from RFC 5880 4.1: version 1, diag 3,
 * state Up with the Poll bit, mult 3, length 24, discriminators
 * 0x11223344 and 0x55667788, 10 ms / 20 ms, no echo. */
static const uint8_t VECTOR[24] = {
	0x23, 0xe0, 0x03, 0x18, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x00, 0x00, 0x27, 0x10, 0x00, 0x00, 0x4e, 0x20, 0x00, 0x00, 0x00, 0x00,
};

static void test_decode_vector(void **state)
{
	struct bfd_packet p;
	(void)state;
	assert_int_equal(bfd_decode(VECTOR, sizeof(VECTOR), 255, &p), BFD_DROP_NONE);
	assert_int_equal(p.version, 1);
	assert_int_equal(p.diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(p.state, BFD_UP);
	assert_true(p.poll);
	assert_false(p.final || p.cpi || p.auth || p.demand || p.multipoint);
	assert_int_equal(p.detect_mult, 3);
	assert_int_equal(p.length, 24);
	assert_int_equal(p.my_disc, 0x11223344);
	assert_int_equal(p.your_disc, 0x55667788);
	assert_int_equal(p.desired_min_tx, 10000);
	assert_int_equal(p.required_min_rx, 20000);
	assert_int_equal(p.required_min_echo_rx, 0);
}

static void test_encode_vector(void **state)
{
	struct bfd_packet p = {
		.version = 1, .diag = 3, .state = BFD_UP, .poll = true, .detect_mult = 3, .length = 24,
		.my_disc = 0x11223344, .your_disc = 0x55667788, .desired_min_tx = 10000, .required_min_rx = 20000,
	};
	uint8_t buf[64];
	(void)state;
	assert_int_equal(bfd_encode(&p, buf, sizeof(buf)), 24);
	assert_memory_equal(buf, VECTOR, 24);
	assert_int_equal(bfd_encode(&p, buf, 23), 0);
}

static void test_roundtrip_flags(void **state)
{
	uint8_t buf[24];
	struct bfd_packet in = { .version = 1, .state = BFD_INIT, .final = true, .cpi = true, .demand = true,
				 .detect_mult = 255, .my_disc = 1, .desired_min_tx = 0xffffffff }, out;
	(void)state;
	bfd_encode(&in, buf, sizeof(buf));
	assert_int_equal(bfd_decode(buf, sizeof(buf), 255, &out), BFD_DROP_NONE);
	assert_true(out.final && out.cpi && out.demand);
	assert_false(out.poll || out.auth || out.multipoint);
	assert_int_equal(out.state, BFD_INIT);
	assert_int_equal(out.detect_mult, 255);
	assert_int_equal(out.desired_min_tx, 0xffffffff);
}

static enum bfd_drop decode_with(size_t byte, uint8_t value, size_t len, int ttl)
{
	uint8_t buf[40] = { 0 };
	struct bfd_packet p;
	memcpy(buf, VECTOR, sizeof(VECTOR));
	if (byte < sizeof(buf))
		buf[byte] = value;
	return bfd_decode(buf, len, ttl, &p);
}

/* RFC 5881 5, then RFC 5880 6.8.6 in order, one rule each. */
static void test_decode_drops(void **state)
{
	(void)state;
	assert_int_equal(decode_with(99, 0, 24, 255), BFD_DROP_NONE);
	assert_int_equal(decode_with(99, 0, 24, 254), BFD_DROP_TTL);
	assert_int_equal(decode_with(99, 0, 24, 1), BFD_DROP_TTL);
	assert_int_equal(decode_with(99, 0, 23, 255), BFD_DROP_SHORT);
	assert_int_equal(decode_with(99, 0, 0, 255), BFD_DROP_SHORT);
	assert_int_equal(decode_with(0, 0x43, 24, 255), BFD_DROP_VERSION);  /* version 2 */
	assert_int_equal(decode_with(0, 0x03, 24, 255), BFD_DROP_VERSION);  /* version 0 */
	assert_int_equal(decode_with(3, 23, 24, 255), BFD_DROP_LENGTH);     /* below 24 */
	assert_int_equal(decode_with(3, 28, 24, 255), BFD_DROP_LENGTH);     /* beyond the payload */
	assert_int_equal(decode_with(3, 28, 28, 255), BFD_DROP_NONE);       /* trailing bytes are fine */
	assert_int_equal(decode_with(1, 0xe4, 24, 255), BFD_DROP_LENGTH);   /* A bit: at least 26 */
	assert_int_equal(decode_with(2, 0, 24, 255), BFD_DROP_DETECT_MULT);
	assert_int_equal(decode_with(1, 0xe1, 24, 255), BFD_DROP_MULTIPOINT);
	uint8_t buf[24];
	struct bfd_packet p;
	memcpy(buf, VECTOR, 24);
	memset(buf + 4, 0, 4);
	assert_int_equal(bfd_decode(buf, 24, 255, &p), BFD_DROP_MY_DISC);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(bfd_state_name(BFD_ADMIN_DOWN), "admin_down");
	assert_string_equal(bfd_state_name(BFD_UP), "up");
	assert_string_equal(bfd_diag_name(BFD_DIAG_EXPIRED), "detection time expired");
	assert_string_equal(bfd_diag_name(200), "unknown");
	for (int r = 0; r < BFD_DROP__COUNT; r++)
		assert_non_null(bfd_drop_name(r));
	assert_string_equal(bfd_drop_name(BFD_DROP_TTL), "ttl");
}

/* ---- a virtual wire ------------------------------------------------------- */

struct wire {
	struct bfd_session a, b;
	bool cut_ab, cut_ba;        /* packets lost in that direction */
	int ttl;                    /* what arrives */
	unsigned lost_a, lost_b;    /* BFD_EV_LOST seen */
	unsigned state_a, state_b;  /* BFD_EV_STATE seen */
	unsigned damped_a;
	struct bfd_packet last_ab, last_ba;
	unsigned polls_ab, finals_ba;
};

static void deliver(struct wire *w, bool from_a, const struct bfd_packet *pkt, fsm_time now, int depth);

static void note(struct wire *w, bool a, const struct bfd_events *ev, fsm_time now, int depth)
{
	if (ev->flags & BFD_EV_LOST)
		a ? w->lost_a++ : w->lost_b++;
	if (ev->flags & BFD_EV_STATE)
		a ? w->state_a++ : w->state_b++;
	if (a && (ev->flags & BFD_EV_DAMPED))
		w->damped_a++;
	if (ev->flags & BFD_EV_SEND)
		deliver(w, a, &ev->tx, now, depth + 1);
}

static void deliver(struct wire *w, bool from_a, const struct bfd_packet *pkt, fsm_time now, int depth)
{
	uint8_t buf[BFD_LEN];
	struct bfd_packet got;
	struct bfd_events ev;

	assert_true(depth < 4); /* a Final never asks for an answer */
	assert_false(pkt->poll && pkt->final);
	if (from_a) {
		w->last_ab = *pkt;
		w->polls_ab += pkt->poll;
	} else {
		w->last_ba = *pkt;
		w->finals_ba += pkt->final;
	}
	if (from_a ? w->cut_ab : w->cut_ba)
		return;
	assert_int_equal(bfd_encode(pkt, buf, sizeof(buf)), BFD_LEN);
	if (bfd_decode(buf, sizeof(buf), w->ttl, &got) != BFD_DROP_NONE)
		return;
	struct bfd_session *to = from_a ? &w->b : &w->a;
	if (bfd_rx(to, &got, now, &ev) == BFD_DROP_NONE)
		note(w, !from_a, &ev, now, depth);
}

/* Run both sessions' deadlines until `until`, 100 us at a time. */
static void run(struct wire *w, fsm_time from, fsm_time until)
{
	struct bfd_events ev;

	for (fsm_time now = from; now <= until; now += 100) {
		if (bfd_next_deadline(&w->a) <= now) {
			bfd_timer(&w->a, now, &ev);
			note(w, true, &ev, now, 0);
		}
		if (bfd_next_deadline(&w->b) <= now) {
			bfd_timer(&w->b, now, &ev);
			note(w, false, &ev, now, 0);
		}
	}
}

static void wire_init(struct wire *w, const struct bfd_params *pa, const struct bfd_params *pb)
{
	memset(w, 0, sizeof(*w));
	w->ttl = 255;
	bfd_init(&w->a, pa, 0xa, 1, T0);
	bfd_init(&w->b, pb, 0xb, 2, T0 + 300 * MS);
}

static void test_init_state(void **state)
{
	struct bfd_session s;
	(void)state;
	bfd_init(&s, &FAST, 42, 7, T0);
	assert_int_equal(s.state, BFD_DOWN);
	assert_int_equal(s.local_discr, 42);
	assert_int_equal(s.remote_discr, 0);
	assert_int_equal(s.remote_min_rx, 1);
	/* 6.8.3: one a second until Up, whatever is configured. */
	assert_int_equal(s.adv_tx, BFD_SLOW_TX);
	assert_int_equal(s.adv_rx, 10 * MS);
	assert_int_equal(bfd_tx_interval(&s), BFD_SLOW_TX);
	assert_int_equal(bfd_next_deadline(&s), T0);
	assert_int_equal(bfd_detect_time(&s), 0);
	struct bfd_events ev;
	bfd_timer(&s, T0, &ev);
	assert_true(ev.flags & BFD_EV_SEND);
	assert_int_equal(ev.tx.state, BFD_DOWN);
	assert_int_equal(ev.tx.your_disc, 0);
	assert_int_equal(ev.tx.my_disc, 42);
	assert_int_equal(ev.tx.desired_min_tx, BFD_SLOW_TX);
	assert_int_equal(ev.tx.detect_mult, 3);
	assert_false(ev.tx.poll);
}

/* Down -> Init -> Up on both sides, then the Poll that takes the fast
 * pace into use, answered by a Final. */
static void test_three_way_handshake(void **state)
{
	struct wire w;
	(void)state;
	wire_init(&w, &FAST, &FAST);
	run(&w, T0, T0 + 3 * SEC);
	assert_int_equal(w.a.state, BFD_UP);
	assert_int_equal(w.b.state, BFD_UP);
	assert_int_equal(w.a.remote_discr, 0xb);
	assert_int_equal(w.b.remote_discr, 0xa);
	assert_true(w.polls_ab > 0);
	assert_true(w.finals_ba > 0);
	assert_false(w.a.poll);
	assert_false(w.b.poll);
	assert_int_equal(w.a.adv_tx, 10 * MS);
	assert_int_equal(bfd_tx_interval(&w.a), 10 * MS);
	assert_int_equal(bfd_detect_time(&w.a), 30 * MS);
	assert_int_equal(w.lost_a + w.lost_b, 0);
	assert_int_equal(w.a.n.flaps, 0);
	/* Up for a while: nothing changes, packets flow at about 100/s. */
	uint64_t tx = w.a.n.tx;
	run(&w, T0 + 3 * SEC, T0 + 4 * SEC);
	assert_int_equal(w.a.state, BFD_UP);
	assert_in_range(w.a.n.tx - tx, 100, 134);
}

/* Until Up, packets are at least 750 ms apart (1 s less 25% jitter). */
static void test_slow_until_up(void **state)
{
	struct bfd_session s;
	struct bfd_events ev;
	fsm_time last = 0;
	unsigned sent = 0;
	(void)state;
	bfd_init(&s, &FAST, 1, 3, T0);
	for (fsm_time now = T0; now < T0 + 10 * SEC; now += 100) {
		if (bfd_next_deadline(&s) > now)
			continue;
		bfd_timer(&s, now, &ev);
		if (ev.flags & BFD_EV_SEND) {
			if (sent++)
				assert_in_range(now - last, 750 * MS, 1000 * MS);
			last = now;
		}
	}
	assert_in_range(sent, 10, 14);
	assert_int_equal(s.state, BFD_DOWN);
}

/* 6.8.7: jitter of 0..25%, 10..25% with a Detect Mult of 1. */
static void test_jitter(void **state)
{
	struct bfd_params one = { .interval = 100 * MS, .detect_mult = 1 };
	fsm_time lo[2] = { FSM_NEVER, FSM_NEVER }, hi[2] = { 0, 0 };
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct bfd_session s;
		struct bfd_events ev;
		bfd_init(&s, k ? &one : &(struct bfd_params){ .interval = 100 * MS, .detect_mult = 3 }, 1, 99, T0);
		s.state = BFD_UP; /* pace at the configured interval */
		s.adv_tx = s.tx_in_effect = 100 * MS;
		s.remote_min_rx = 100 * MS;
		fsm_time now = T0;
		for (int i = 0; i < 2000; i++) {
			bfd_timer(&s, now, &ev);
			fsm_time gap = bfd_next_deadline(&s) - now;
			if (gap < lo[k])
				lo[k] = gap;
			if (gap > hi[k])
				hi[k] = gap;
			now += gap;
		}
	}
	assert_in_range(lo[0], 75 * MS, 76 * MS);
	assert_in_range(hi[0], 99 * MS, 100 * MS);
	assert_in_range(lo[1], 75 * MS, 76 * MS);
	assert_in_range(hi[1], 89 * MS, 90 * MS);
}

/* Detection time: the remote's Detect Mult times the larger of our
 * required min RX and its desired min TX. */
static void test_detection_time(void **state)
{
	struct bfd_session s;
	struct bfd_events ev;
	struct bfd_packet p = { .version = 1, .state = BFD_DOWN, .detect_mult = 5, .length = 24, .my_disc = 9,
				.desired_min_tx = 40 * MS, .required_min_rx = 20 * MS };
	(void)state;
	bfd_init(&s, &FAST, 1, 3, T0);
	assert_int_equal(bfd_rx(&s, &p, T0, &ev), BFD_DROP_NONE);
	assert_int_equal(bfd_detect_time(&s), 5 * 40 * MS);
	assert_int_equal(s.detect_at, T0 + 200 * MS);
	p.desired_min_tx = 2 * MS; /* below our required min RX: ours counts */
	bfd_rx(&s, &p, T0 + MS, &ev);
	assert_int_equal(bfd_detect_time(&s), 5 * 10 * MS);
	/* The TX interval is the larger of ours and the remote's min RX
	 * (here, still slow: not Up). */
	assert_int_equal(bfd_tx_interval(&s), BFD_SLOW_TX);
}

/* Cut the wire: the detection time runs out, Up -> Down with diag 1,
 * reported as a lost peer on both sides; the remote's discriminator is
 * forgotten and the pace falls back to 1 s. */
static void test_detection_expires(void **state)
{
	struct wire w;
	(void)state;
	wire_init(&w, &FAST, &FAST);
	run(&w, T0, T0 + 3 * SEC);
	assert_int_equal(w.a.state, BFD_UP);
	fsm_time cut = T0 + 3 * SEC + 100;
	w.cut_ab = w.cut_ba = true;
	/* The last packet came at most one interval before the cut. */
	fsm_time expiry = w.a.detect_at;
	assert_in_range(expiry, cut + 20 * MS - 100, cut + 30 * MS);
	run(&w, cut, expiry - 100);
	assert_int_equal(w.a.state, BFD_UP);
	run(&w, expiry, cut + 31 * MS);
	assert_int_equal(w.a.state, BFD_DOWN);
	assert_int_equal(w.b.state, BFD_DOWN);
	assert_int_equal(w.a.local_diag, BFD_DIAG_EXPIRED);
	assert_int_equal(w.lost_a, 1);
	assert_int_equal(w.lost_b, 1);
	assert_int_equal(w.a.remote_discr, 0);
	assert_int_equal(w.a.n.flaps, 1);
	assert_int_equal(w.a.adv_tx, BFD_SLOW_TX);
	run(&w, cut + 31 * MS, cut + 45 * MS);
	assert_int_equal(w.last_ab.diag, BFD_DIAG_EXPIRED);
	assert_int_equal(w.last_ab.state, BFD_DOWN);
	/* The wire heals: the session comes back. */
	w.cut_ab = w.cut_ba = false;
	run(&w, cut + 46 * MS, cut + 4 * SEC);
	assert_int_equal(w.a.state, BFD_UP);
	assert_int_equal(w.b.state, BFD_UP);
}

/* One direction cut: the side that stops hearing expires (lost); the
 * other hears "Down" and goes down with diag 3, which is not a loss. */
static void test_neighbor_signals_down(void **state)
{
	struct wire w;
	(void)state;
	wire_init(&w, &FAST, &FAST);
	run(&w, T0, T0 + 3 * SEC);
	w.cut_ab = true;
	run(&w, T0 + 3 * SEC, T0 + 3 * SEC + 100 * MS);
	assert_int_equal(w.b.state, BFD_DOWN);
	assert_int_equal(w.b.local_diag, BFD_DIAG_EXPIRED);
	assert_int_equal(w.lost_b, 1);
	assert_int_equal(w.a.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(w.lost_a, 0);
	assert_int_equal(w.a.n.flaps, 1);
}

static void test_admin_down(void **state)
{
	struct wire w;
	struct bfd_events ev;
	(void)state;
	wire_init(&w, &FAST, &FAST);
	run(&w, T0, T0 + 3 * SEC);
	fsm_time now = T0 + 3 * SEC + 50;
	bfd_admin_down(&w.a, now, &ev);
	assert_int_equal(w.a.state, BFD_ADMIN_DOWN);
	assert_true(ev.flags & BFD_EV_SEND);
	assert_true(ev.flags & BFD_EV_STATE);
	assert_false(ev.flags & BFD_EV_LOST);
	assert_int_equal(ev.tx.state, BFD_ADMIN_DOWN);
	assert_int_equal(ev.tx.diag, BFD_DIAG_ADMIN_DOWN);
	note(&w, true, &ev, now, 0);
	/* 6.8.6: AdminDown received takes the remote Down, diag 3, and is
	 * not a failure of the path (RFC 5882 3.2). */
	assert_int_equal(w.b.state, BFD_DOWN);
	assert_int_equal(w.b.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
	assert_int_equal(w.lost_b, 0);
	/* A session in AdminDown discards what it receives. */
	struct bfd_packet p = w.last_ba;
	p.state = BFD_DOWN;
	p.your_disc = 0xa;
	assert_int_equal(bfd_rx(&w.a, &p, now + MS, &ev), BFD_DROP_ADMIN_DOWN);
	assert_int_equal(w.a.state, BFD_ADMIN_DOWN);
}

/* 6.8.6 checks that need the session. */
static void test_rx_drops(void **state)
{
	struct bfd_session s;
	struct bfd_events ev;
	struct bfd_packet p = { .version = 1, .state = BFD_INIT, .detect_mult = 3, .length = 24, .my_disc = 9,
				.your_disc = 0, .desired_min_tx = BFD_SLOW_TX, .required_min_rx = 10 * MS };
	(void)state;
	bfd_init(&s, &FAST, 77, 3, T0);
	assert_int_equal(bfd_rx(&s, &p, T0, &ev), BFD_DROP_ZERO_YOUR_DISC);
	p.state = BFD_UP;
	assert_int_equal(bfd_rx(&s, &p, T0, &ev), BFD_DROP_ZERO_YOUR_DISC);
	p.your_disc = 78;
	assert_int_equal(bfd_rx(&s, &p, T0, &ev), BFD_DROP_YOUR_DISC);
	p.your_disc = 77;
	p.auth = true;
	assert_int_equal(bfd_rx(&s, &p, T0, &ev), BFD_DROP_AUTH);
	assert_int_equal(s.n.drops[BFD_DROP_ZERO_YOUR_DISC], 2);
	assert_int_equal(s.n.drops[BFD_DROP_YOUR_DISC], 1);
	assert_int_equal(s.n.drops[BFD_DROP_AUTH], 1);
	/* Nothing of a dropped packet was taken in. */
	assert_int_equal(s.state, BFD_DOWN);
	assert_int_equal(s.remote_discr, 0);
	assert_int_equal(s.detect_at, FSM_NEVER);
	assert_int_equal(s.n.rx, 0);
	/* Zero Your Discriminator with Down or AdminDown is the start. */
	p.auth = false;
	p.your_disc = 0;
	p.state = BFD_DOWN;
	assert_int_equal(bfd_rx(&s, &p, T0, &ev), BFD_DROP_NONE);
	assert_int_equal(s.state, BFD_INIT);
	assert_int_equal(s.remote_discr, 9);
}

/* The state table of 6.8.6, every (local, received) pair. */
static void test_state_table(void **state)
{
	static const int want[4][4] = {
		/* received: AdminDown, Down, Init, Up */
		[BFD_DOWN] = { BFD_DOWN, BFD_INIT, BFD_UP, BFD_DOWN },
		[BFD_INIT] = { BFD_DOWN, BFD_INIT, BFD_UP, BFD_UP },
		[BFD_UP] = { BFD_DOWN, BFD_DOWN, BFD_UP, BFD_UP },
	};
	(void)state;
	for (int local = BFD_DOWN; local <= BFD_UP; local++)
		for (int got = BFD_ADMIN_DOWN; got <= BFD_UP; got++) {
			struct bfd_session s;
			struct bfd_events ev;
			struct bfd_packet p = { .version = 1, .state = got, .detect_mult = 3, .length = 24,
						.my_disc = 9, .your_disc = 77, .desired_min_tx = BFD_SLOW_TX,
						.required_min_rx = 10 * MS };
			bfd_init(&s, &FAST, 77, 3, T0);
			s.state = local;
			assert_int_equal(bfd_rx(&s, &p, T0, &ev), BFD_DROP_NONE);
			assert_int_equal(s.state, want[local][got]);
			assert_int_equal(!!(ev.flags & BFD_EV_STATE), local != want[local][got]);
			assert_false(ev.flags & BFD_EV_LOST);
			if (s.state == BFD_DOWN && local != BFD_DOWN)
				assert_int_equal(s.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
		}
}

/* A Poll is answered at once with a Final that does not poll, even with
 * a Poll of our own under way. */
static void test_poll_final(void **state)
{
	struct bfd_session s;
	struct bfd_events ev;
	struct bfd_packet p = { .version = 1, .state = BFD_UP, .poll = true, .detect_mult = 3, .length = 24,
				.my_disc = 9, .your_disc = 77, .desired_min_tx = 10 * MS, .required_min_rx = 10 * MS };
	(void)state;
	bfd_init(&s, &FAST, 77, 3, T0);
	s.state = BFD_INIT;
	assert_int_equal(bfd_rx(&s, &p, T0, &ev), BFD_DROP_NONE);
	assert_int_equal(s.state, BFD_UP);
	assert_true(s.poll); /* Up: our pace changed, a Poll of ours starts */
	assert_true(ev.flags & BFD_EV_SEND);
	assert_true(ev.tx.final);
	assert_false(ev.tx.poll);
	assert_int_equal(ev.tx.state, BFD_UP);
	assert_int_equal(ev.tx.desired_min_tx, 10 * MS);
	/* Our next periodic packet polls. */
	bfd_timer(&s, bfd_next_deadline(&s), &ev);
	assert_true(ev.flags & BFD_EV_SEND);
	assert_true(ev.tx.poll);
	assert_false(ev.tx.final);
	/* The remote's Final ends our Poll. */
	p.poll = false;
	p.final = true;
	bfd_rx(&s, &p, T0 + 20 * MS, &ev);
	assert_false(s.poll);
	assert_false(ev.flags & BFD_EV_SEND);
	bfd_timer(&s, bfd_next_deadline(&s), &ev);
	assert_false(ev.tx.poll);
}

/* New parameters while Up: a Poll carries them; a slower TX pace and a
 * shorter RX interval wait for the Final, a faster pace does not. */
static void test_set_params_polls(void **state)
{
	struct wire w;
	struct bfd_params slow = { .interval = 50 * MS, .detect_mult = 3 };
	(void)state;
	wire_init(&w, &FAST, &FAST);
	run(&w, T0, T0 + 3 * SEC);
	fsm_time now = T0 + 3 * SEC + 100;
	w.cut_ab = true; /* hold the Poll back */
	bfd_set_params(&w.a, &slow, now);
	assert_true(w.a.poll);
	assert_int_equal(w.a.adv_tx, 50 * MS);
	assert_int_equal(w.a.tx_in_effect, 10 * MS);
	assert_int_equal(w.a.rx_in_effect, 50 * MS); /* longer: at once */
	w.cut_ab = false;
	run(&w, now, now + 100 * MS);
	assert_false(w.a.poll);
	assert_int_equal(w.a.tx_in_effect, 50 * MS);
	assert_int_equal(bfd_tx_interval(&w.a), 50 * MS);
	assert_int_equal(bfd_detect_time(&w.b), 150 * MS);
	assert_int_equal(w.a.state, BFD_UP);
	/* Faster again: the pace changes at once, the RX interval later. */
	bfd_set_params(&w.a, &FAST, now + 200 * MS);
	assert_int_equal(w.a.tx_in_effect, 10 * MS);
	assert_int_equal(w.a.rx_in_effect, 50 * MS);
	run(&w, now + 200 * MS, now + 400 * MS);
	assert_int_equal(w.a.rx_in_effect, 10 * MS);
	assert_int_equal(w.b.state, BFD_UP);
}

/* A remote that wants no packets (Required Min RX 0) gets none; one in
 * Demand mode with both sides Up neither. */
static void test_no_periodic_tx(void **state)
{
	struct bfd_session s;
	struct bfd_events ev;
	struct bfd_packet p = { .version = 1, .state = BFD_DOWN, .detect_mult = 3, .length = 24, .my_disc = 9,
				.desired_min_tx = BFD_SLOW_TX, .required_min_rx = 0 };
	(void)state;
	bfd_init(&s, &FAST, 77, 3, T0);
	bfd_timer(&s, T0, &ev);
	bfd_rx(&s, &p, T0 + MS, &ev);
	assert_int_equal(bfd_tx_interval(&s), 0);
	assert_int_equal(s.next_tx, FSM_NEVER);
	bfd_init(&s, &FAST, 77, 3, T0);
	s.state = BFD_UP;
	p.state = BFD_UP;
	p.your_disc = 77;
	p.required_min_rx = 10 * MS;
	p.demand = true;
	bfd_rx(&s, &p, T0 + MS, &ev);
	assert_int_equal(s.next_tx, FSM_NEVER);
}

/* Three flaps within 60 s: damped for the hold time, said once. */
static void test_damping(void **state)
{
	struct wire w;
	fsm_time t = T0;
	(void)state;
	wire_init(&w, &FAST, &FAST);
	for (int i = 0; i < 4; i++) {
		run(&w, t, t + 3 * SEC);
		assert_int_equal(w.a.state, BFD_UP);
		w.cut_ab = w.cut_ba = true;
		run(&w, t + 3 * SEC, t + 3 * SEC + 100 * MS);
		assert_int_equal(w.a.state, BFD_DOWN);
		w.cut_ab = w.cut_ba = false;
		t += 3 * SEC + 100 * MS;
		assert_int_equal(bfd_damped(&w.a, t), i >= 2);
	}
	assert_int_equal(w.a.n.flaps, 4);
	assert_int_equal(w.lost_a, 4);
	assert_int_equal(w.damped_a, 1);
	assert_true(bfd_damped(&w.a, t + BFD_DAMP_HOLD - 4 * SEC));
	assert_false(bfd_damped(&w.a, t + BFD_DAMP_HOLD));
}

/* A peer that crashes and restarts (a new discriminator each time) did
 * not flap: its record starts afresh and damping never comes. */
static void test_restarted_peer_is_no_flap(void **state)
{
	struct wire w;
	fsm_time t = T0;
	(void)state;
	wire_init(&w, &FAST, &FAST);
	for (int i = 0; i < 5; i++) {
		run(&w, t, t + 3 * SEC);
		assert_int_equal(w.a.state, BFD_UP);
		w.cut_ab = w.cut_ba = true;
		run(&w, t + 3 * SEC, t + 3 * SEC + 100 * MS);
		assert_int_equal(w.a.state, BFD_DOWN);
		assert_int_equal(w.a.lost_discr, w.b.local_discr);
		assert_false(bfd_damped(&w.a, t + 3 * SEC + 100 * MS));
		t += 3 * SEC + 100 * MS;
		/* b crashed: it comes back as a new session. */
		bfd_init(&w.b, &FAST, 0x100 + (uint32_t)i, 5 + (uint64_t)i, t);
		w.cut_ab = w.cut_ba = false;
	}
	assert_int_equal(w.a.n.flaps, 5);
	assert_int_equal(w.lost_a, 5);
	assert_int_equal(w.damped_a, 0);
	/* Damped by flaps of one incarnation, lifted when the peer restarts. */
	for (int i = 0; i < 3; i++) {
		run(&w, t, t + 3 * SEC);
		w.cut_ab = w.cut_ba = true;
		run(&w, t + 3 * SEC, t + 3 * SEC + 100 * MS);
		w.cut_ab = w.cut_ba = false;
		t += 3 * SEC + 100 * MS;
	}
	assert_true(bfd_damped(&w.a, t));
	bfd_init(&w.b, &FAST, 0x200, 9, t);
	run(&w, t, t + 3 * SEC);
	assert_int_equal(w.a.state, BFD_UP);
	assert_false(bfd_damped(&w.a, t + 3 * SEC));
}

/* Flaps further apart than the window never damp. */
static void test_no_damping_when_spread(void **state)
{
	struct wire w;
	fsm_time t = T0;
	(void)state;
	wire_init(&w, &FAST, &FAST);
	for (int i = 0; i < 4; i++) {
		run(&w, t, t + 3 * SEC);
		w.cut_ab = w.cut_ba = true;
		run(&w, t + 3 * SEC, t + 3 * SEC + 100 * MS);
		w.cut_ab = w.cut_ba = false;
		assert_false(bfd_damped(&w.a, t + 3 * SEC + 100 * MS));
		t += 31 * SEC;
	}
	assert_int_equal(w.a.n.flaps, 4);
	assert_int_equal(w.damped_a, 0);
}

/* A packet with the wrong TTL never reaches the session. */
static void test_gtsm_keeps_down(void **state)
{
	struct wire w;
	(void)state;
	wire_init(&w, &FAST, &FAST);
	w.ttl = 254;
	run(&w, T0, T0 + 5 * SEC);
	assert_int_equal(w.a.state, BFD_DOWN);
	assert_int_equal(w.b.state, BFD_DOWN);
	assert_int_equal(w.a.n.rx, 0);
}

/* Sending together: a packet may go early once 75% of the interval has
 * passed since the last one, never sooner. */
static void test_tx_may_send(void **state)
{
	struct wire w;
	struct bfd_events ev;
	(void)state;
	wire_init(&w, &FAST, &FAST);
	run(&w, T0, T0 + 3 * SEC);
	assert_int_equal(w.a.state, BFD_UP);
	fsm_time last = w.a.last_tx;
	assert_false(bfd_tx_may_send(&w.a, last + 7 * MS));
	assert_true(bfd_tx_may_send(&w.a, last + 7500));
	uint64_t tx = w.a.n.tx;
	bfd_tx_now(&w.a, last + 7500, &ev);
	assert_true(ev.flags & BFD_EV_SEND);
	assert_int_equal(ev.tx.state, BFD_UP);
	assert_int_equal(w.a.n.tx, tx + 1);
	assert_int_equal(w.a.last_tx, last + 7500);
	assert_in_range(w.a.next_tx, last + 7500 + 7500, last + 7500 + 10 * MS);
	assert_false(bfd_tx_may_send(&w.a, last + 8 * MS));
	/* No interval (the remote wants none): never. */
	w.a.remote_min_rx = 0;
	assert_false(bfd_tx_may_send(&w.a, last + SEC));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_vector),
		cmocka_unit_test(test_encode_vector),
		cmocka_unit_test(test_roundtrip_flags),
		cmocka_unit_test(test_decode_drops),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_init_state),
		cmocka_unit_test(test_three_way_handshake),
		cmocka_unit_test(test_slow_until_up),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_detection_time),
		cmocka_unit_test(test_detection_expires),
		cmocka_unit_test(test_neighbor_signals_down),
		cmocka_unit_test(test_admin_down),
		cmocka_unit_test(test_rx_drops),
		cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_poll_final),
		cmocka_unit_test(test_set_params_polls),
		cmocka_unit_test(test_no_periodic_tx),
		cmocka_unit_test(test_damping),
		cmocka_unit_test(test_no_damping_when_spread),
		cmocka_unit_test(test_restarted_peer_is_no_flap),
		cmocka_unit_test(test_gtsm_keeps_down),
		cmocka_unit_test(test_tx_may_send),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
