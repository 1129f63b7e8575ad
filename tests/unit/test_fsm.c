/* test_fsm.c - the VRRP state machine driven by a virtual clock.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ivrrpd \
 *            vrrpd/addr.c vrrpd/fsm.c tests/unit/test_fsm.c -lcmocka */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fsm.h"

#define SEC 1000000LL
#define T0 (1000 * SEC) /* the virtual clock starts far from zero */
#define VRID 7

/* SEND_ADVERT | ADD_VIPS | ANNOUNCE | STATE: what becoming master does. */
#define BECOME_MASTER (FSM_ACT_SEND_ADVERT | FSM_ACT_ADD_VIPS | FSM_ACT_ANNOUNCE | FSM_ACT_STATE)

static const char *SELF = "10.0.0.11";
static const char *LOWER = "10.0.0.10"; /* address below SELF */
static const char *HIGHER = "10.0.0.12"; /* address above SELF */

static struct fsm_params params(uint8_t prio)
{
	struct fsm_params p = {
		.vrid = VRID, .priority = prio, .interval = 100, .preempt = true, .preempt_delay = 0,
	};
	return p;
}

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;
	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static struct vrrp_packet pkt(const char *src, uint8_t prio, uint16_t interval)
{
	struct vrrp_packet p;
	memset(&p, 0, sizeof(p));
	p.src = addr(src);
	ipaddr_vrrp_group(p.src.family, &p.dst);
	p.ttl = VRRP_TTL;
	p.adv.family = p.src.family;
	p.adv.vrid = VRID;
	p.adv.priority = prio;
	p.adv.interval = interval;
	return p;
}

/* Skew_Time and Master_Down_Interval in microseconds, by the v3 formula. */
static fsm_time skew(unsigned prio, unsigned interval_cs)
{
	return (fsm_time)(256 - prio) * interval_cs * 10000 / 256;
}

static fsm_time mdi(unsigned prio, unsigned interval_cs)
{
	return 3 * (fsm_time)interval_cs * 10000 + skew(prio, interval_cs);
}

static void start_with(struct fsm *f, const struct fsm_params *p, const char *self, fsm_time now,
		       struct fsm_actions *act)
{
	struct ipaddr s = addr(self);
	fsm_init(f, p, now);
	fsm_startup(f, now, &s, act);
}

/* A started backup (priority prio, preempt on, 100 cs) at T0. */
static void start_backup(struct fsm *f, uint8_t prio)
{
	struct fsm_params p = params(prio);
	struct fsm_actions a;
	start_with(f, &p, SELF, T0, &a);
	assert_int_equal(f->state, FSM_BACKUP);
}

/* A master at T0 + MDI (its down timer ran out), returning that time. */
static fsm_time start_master(struct fsm *f, uint8_t prio)
{
	struct fsm_actions a;
	start_backup(f, prio);
	fsm_time now = fsm_next_deadline(f);
	fsm_timer(f, now, &a);
	assert_int_equal(f->state, FSM_MASTER);
	assert_true(f->holding);
	return now;
}

static void advert(struct fsm *f, fsm_time now, const char *src, uint8_t prio, uint16_t interval,
		   struct fsm_actions *a)
{
	struct vrrp_packet p = pkt(src, prio, interval);
	fsm_advert(f, now, &p, a);
}

/* ---- basics ------------------------------------------------------------- */

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(fsm_state_name(FSM_INIT), "init");
	assert_string_equal(fsm_state_name(FSM_BACKUP), "backup");
	assert_string_equal(fsm_state_name(FSM_MASTER), "master");
	assert_string_equal(fsm_state_name(FSM_FAULT), "fault");
}

static void test_init(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(150);
	fsm_init(&f, &p, T0);
	assert_int_equal(f.state, FSM_INIT);
	assert_int_equal(f.priority, 150);
	assert_int_equal(f.transitions, 0);
	assert_false(f.holding);
	assert_false(f.giveup);
	assert_false(f.takeover);
	assert_false(f.stopping);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);
	assert_int_equal(fsm_advert_priority(&f), 150);

	/* Nothing but startup and fault moves Init. */
	struct fsm_actions a;
	fsm_timer(&f, T0 + 100 * SEC, &a);
	assert_int_equal(a.flags, 0);
	advert(&f, T0, HIGHER, 200, 100, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_INIT);
}

static void test_timing_figures(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(100);
	fsm_init(&f, &p, T0);
	/* 156 * 100 / 256 = 60.9375 cs */
	assert_int_equal(fsm_skew_time(&f), 609375);
	assert_int_equal(fsm_master_down_interval(&f), 3609375);

	p = params(255);
	fsm_init(&f, &p, T0);
	assert_int_equal(fsm_skew_time(&f), 3906); /* 3906.25 us, truncated */
	assert_int_equal(fsm_master_down_interval(&f), 3003906);

	p = params(1);
	p.interval = 4095;
	fsm_init(&f, &p, T0);
	assert_int_equal(fsm_skew_time(&f), 40790039); /* 255*4095*10000/256 */
	assert_int_equal(fsm_master_down_interval(&f), 3 * 40950000 + 40790039);

	p = params(200);
	p.interval = 1;
	fsm_init(&f, &p, T0);
	assert_int_equal(fsm_skew_time(&f), 2187); /* 56*1*10000/256 = 2187.5 */
	assert_int_equal(fsm_master_down_interval(&f), 32187);
}

/* ---- startup ------------------------------------------------------------ */

static void test_startup_backup(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(100);
	struct fsm_actions a;
	start_with(&f, &p, SELF, T0, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, FSM_ACT_STATE);
	assert_int_equal(a.old_state, FSM_INIT);
	assert_string_equal(a.reason, "started");
	assert_ptr_equal(f.reason, a.reason);
	assert_int_equal(f.transitions, 1);
	assert_true(f.since == T0);
	assert_int_equal(f.master_interval, 100);
	assert_true(f.down_timer == T0 + 3609375);
	assert_true(fsm_next_deadline(&f) == T0 + 3609375);
	assert_int_equal(f.master.family, 0);
	assert_false(f.holding);

	/* A second startup while running changes nothing. */
	struct ipaddr s = addr(SELF);
	fsm_startup(&f, T0 + SEC, &s, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.transitions, 1);
}

static void test_startup_owner(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(255);
	struct fsm_actions a;
	start_with(&f, &p, SELF, T0, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, BECOME_MASTER);
	assert_int_equal(a.advert_priority, 255);
	assert_int_equal(a.old_state, FSM_INIT);
	assert_non_null(a.reason);
	assert_true(f.holding);
	assert_true(f.adver_timer == T0 + SEC);
	assert_true(fsm_next_deadline(&f) == T0 + SEC);
	assert_true(ipaddr_equal(&f.master, &f.self));
}

static void test_startup_owner_in_giveup_joins_backup(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(255);
	struct fsm_actions a;
	fsm_init(&f, &p, T0);
	fsm_giveup(&f, T0, FSM_NEVER, &a);
	assert_int_equal(a.flags, 0);
	struct ipaddr s = addr(SELF);
	fsm_startup(&f, T0, &s, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, FSM_ACT_STATE);
}

/* ---- backup ------------------------------------------------------------- */

static void test_backup_down_timer_expires(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);
	fsm_time due = T0 + 3609375;

	fsm_timer(&f, due - 1, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_BACKUP);

	fsm_timer(&f, due, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, BECOME_MASTER);
	assert_int_equal(a.advert_priority, 100);
	assert_int_equal(a.old_state, FSM_BACKUP);
	assert_string_equal(a.reason, "master down timer expired");
	assert_int_equal(f.transitions, 2);
	assert_true(f.since == due);
	assert_true(f.holding);
	assert_true(fsm_next_deadline(&f) == due + SEC);
}

static void test_backup_accepts_higher_priority(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);

	fsm_time now = T0 + 2 * SEC;
	advert(&f, now, LOWER, 200, 100, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(f.down_timer == now + 3609375);
	assert_true(fsm_next_deadline(&f) == now + 3609375);
	struct ipaddr m = addr(LOWER);
	assert_true(ipaddr_equal(&f.master, &m));
	assert_int_equal(f.master_priority, 200);

	/* The original deadline passes without effect. */
	fsm_timer(&f, T0 + 3609375, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_BACKUP);
}

static void test_backup_learns_master_interval(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);

	fsm_time now = T0 + SEC;
	advert(&f, now, HIGHER, 200, 10, &a);
	assert_int_equal(f.master_interval, 10);
	/* 3 * 10 cs + 156 * 10 / 256 cs = 300000 + 60937 us */
	assert_int_equal(fsm_master_down_interval(&f), 360937);
	assert_true(f.down_timer == now + 360937);

	fsm_timer(&f, now + 360937, &a);
	assert_int_equal(f.state, FSM_MASTER);
	/* As master it advertises its own interval again. */
	assert_true(fsm_next_deadline(&f) == now + 360937 + SEC);
	assert_int_equal(f.master_interval, 100);
}

static void test_backup_preempt_discards_lower(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);

	advert(&f, T0 + SEC, LOWER, 50, 100, &a);
	assert_int_equal(a.flags, 0);
	assert_true(f.down_timer == T0 + 3609375); /* not reset */
	assert_int_equal(f.master.family, 0);

	advert(&f, T0 + 2 * SEC, HIGHER, 99, 100, &a);
	assert_true(f.down_timer == T0 + 3609375);

	fsm_timer(&f, T0 + 3609375, &a);
	assert_int_equal(f.state, FSM_MASTER);
}

static void test_backup_no_preempt_accepts_lower(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(100);
	struct fsm_actions a;
	p.preempt = false;
	start_with(&f, &p, SELF, T0, &a);

	fsm_time now = T0 + SEC;
	advert(&f, now, LOWER, 50, 100, &a);
	assert_int_equal(a.flags, 0);
	assert_true(f.down_timer == now + 3609375);
	assert_int_equal(f.master_priority, 50);

	fsm_timer(&f, T0 + 3609375, &a);
	assert_int_equal(f.state, FSM_BACKUP);
}

/* RFC 9568 6.4.2: a Backup accepts an equal priority whatever the
 * sender's address; the address tie-break is the Master's. */
static void test_backup_equal_priority_accepted(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);

	advert(&f, T0 + SEC, LOWER, 100, 100, &a);
	assert_true(f.down_timer == T0 + SEC + 3609375);
	advert(&f, T0 + 2 * SEC, HIGHER, 100, 100, &a);
	assert_true(f.down_timer == T0 + 2 * SEC + 3609375);
}

static void test_backup_preempt_delay(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(100);
	struct fsm_actions a;
	p.preempt_delay = 5 * SEC;
	start_with(&f, &p, SELF, T0, &a);
	assert_true(f.preempt_from == T0 + 5 * SEC);

	/* Within the delay a lower master is tolerated... */
	advert(&f, T0 + 1 * SEC, LOWER, 50, 100, &a);
	assert_true(f.down_timer == T0 + 1 * SEC + 3609375);
	advert(&f, T0 + 5 * SEC - 1, LOWER, 50, 100, &a);
	assert_true(f.down_timer == T0 + 5 * SEC - 1 + 3609375);

	/* ...after it, it is preempted. */
	advert(&f, T0 + 5 * SEC, LOWER, 50, 100, &a);
	assert_true(f.down_timer == T0 + 5 * SEC - 1 + 3609375);
	fsm_timer(&f, T0 + 5 * SEC - 1 + 3609375, &a);
	assert_int_equal(f.state, FSM_MASTER);
}

static void test_backup_priority_zero(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);

	advert(&f, T0 + SEC, HIGHER, 200, 100, &a);
	fsm_time now = T0 + 2 * SEC;
	advert(&f, now, HIGHER, 0, 100, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(f.down_timer == now + 609375);
	assert_true(fsm_next_deadline(&f) == now + 609375);

	fsm_timer(&f, now + 609375, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, BECOME_MASTER);
}

/* ---- master ------------------------------------------------------------- */

static void test_master_adver_timer(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_timer(&f, t + SEC - 1, &a);
	assert_int_equal(a.flags, 0);
	fsm_timer(&f, t + SEC, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 100);
	assert_true(fsm_next_deadline(&f) == t + 2 * SEC);

	/* Called late: one advert, re-armed from now. */
	fsm_timer(&f, t + 5 * SEC + 7, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_true(fsm_next_deadline(&f) == t + 6 * SEC + 7);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(f.transitions, 2);
}

static void test_master_priority_zero(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_time now = t + SEC / 2;
	advert(&f, now, HIGHER, 0, 100, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 100);
	assert_int_equal(f.state, FSM_MASTER);
	assert_true(fsm_next_deadline(&f) == now + SEC);
}

static void test_master_hears_higher_priority(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_time now = t + SEC / 2;
	advert(&f, now, LOWER, 200, 50, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS | FSM_ACT_STATE);
	assert_int_equal(a.old_state, FSM_MASTER);
	assert_string_equal(a.reason, "higher priority master");
	assert_false(f.holding);
	assert_int_equal(f.master_interval, 50);
	struct ipaddr m = addr(LOWER);
	assert_true(ipaddr_equal(&f.master, &m));
	assert_int_equal(f.master_priority, 200);
	/* 150 cs + 156 * 50 / 256 cs */
	assert_true(f.down_timer == now + 1500000 + 304687);
	assert_true(fsm_next_deadline(&f) == now + 1804687);
}

static void test_master_tiebreak_higher_address_wins(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	advert(&f, t + 1, HIGHER, 100, 100, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS | FSM_ACT_STATE);
	assert_non_null(a.reason);
	assert_false(f.holding);
}

/* RFC 9568 6.4.3: a losing advertisement is discarded and answered at
 * once with our own; its sender thought it was master, so the VIPs are
 * announced again too. */
#define ANSWER_LOSER (FSM_ACT_SEND_ADVERT | FSM_ACT_ANNOUNCE)
static void test_master_tiebreak_lower_address_loses(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	advert(&f, t + 3, LOWER, 100, 100, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, ANSWER_LOSER);
	assert_int_equal(a.advert_priority, 100);
	assert_true(f.holding);
	assert_true(fsm_next_deadline(&f) == t + 3 + SEC);
}

static void test_master_lower_priority_answered(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	advert(&f, t + 1, HIGHER, 99, 100, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, ANSWER_LOSER);
	assert_int_equal(f.transitions, 2);
}

static void test_tiebreak_ipv6(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(255);
	struct fsm_actions a;

	start_with(&f, &p, "fe80::11", T0, &a);
	assert_int_equal(f.state, FSM_MASTER);
	advert(&f, T0 + 1, "fe80::10", 255, 100, &a);
	assert_int_equal(f.state, FSM_MASTER);
	advert(&f, T0 + 2, "fe80::1:0", 255, 100, &a);
	assert_int_equal(f.state, FSM_BACKUP);
}

static void test_ignored_packets(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);
	struct vrrp_packet p;

	/* Another VRID, even with a winning priority. */
	p = pkt(HIGHER, 254, 100);
	p.adv.vrid = VRID + 1;
	fsm_advert(&f, t + 1, &p, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_MASTER);

	/* Our own address (looped back). */
	advert(&f, t + 1, SELF, 100, 100, &a);
	assert_int_equal(a.flags, 0);

	/* A zero interval (RFC 9568 erratum 8301). */
	advert(&f, t + 1, HIGHER, 254, 0, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_MASTER);

	/* Same for a backup. */
	start_backup(&f, 100);
	p = pkt(HIGHER, 254, 10);
	p.adv.vrid = VRID + 1;
	fsm_advert(&f, T0 + SEC, &p, &a);
	assert_true(f.down_timer == T0 + 3609375);
	assert_int_equal(f.master_interval, 100);
}

/* ---- shutdown (make-before-break) ---------------------------------------- */

static void test_shutdown_master_new_master_heard(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_time now = t + SEC / 2;
	fsm_shutdown(&f, now, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT | FSM_ACT_STATE);
	assert_int_equal(a.advert_priority, 0);
	assert_int_equal(a.old_state, FSM_MASTER);
	assert_string_equal(a.reason, "shutting down");
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(f.stopping);
	assert_true(f.holding);
	assert_int_equal(fsm_advert_priority(&f), 0);
	/* Master_Down_Interval at priority 0 is 4 intervals: longer than any
	 * Backup's, so one of them has taken over by then. */
	assert_true(f.release_timer == now + 4 * SEC);
	assert_true(fsm_next_deadline(&f) == now + 4 * SEC);

	/* A backup's priority-0 skew does not bring us back. */
	advert(&f, now + 1, HIGHER, 0, 100, &a);
	assert_int_equal(a.flags, 0);
	assert_true(fsm_next_deadline(&f) == now + 4 * SEC);

	/* The new master is heard: release now. */
	advert(&f, now + 700000, LOWER, 90, 100, &a);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS);
	assert_false(f.holding);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);

	/* Never master again. */
	fsm_timer(&f, now + 100 * SEC, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_BACKUP);
}

static void test_shutdown_master_release_timer(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_shutdown(&f, t, &a);
	fsm_timer(&f, t + 4 * SEC - 1, &a);
	assert_int_equal(a.flags, 0);
	assert_true(f.holding);

	fsm_timer(&f, t + 4 * SEC, &a);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS);
	assert_false(f.holding);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);

	fsm_timer(&f, t + 100 * SEC, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_BACKUP);
}

static void test_shutdown_backup(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);

	fsm_shutdown(&f, T0 + SEC, &a);
	assert_int_equal(a.flags, 0);
	assert_true(f.stopping);
	assert_false(f.holding);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);
	fsm_timer(&f, T0 + 100 * SEC, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_BACKUP);

	/* Takeover cannot bring a stopping instance back either. */
	fsm_takeover(&f, T0 + 101 * SEC, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, 0);
}

static void test_shutdown_init(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(255);
	struct fsm_actions a;
	fsm_init(&f, &p, T0);
	fsm_shutdown(&f, T0, &a);
	assert_int_equal(a.flags, 0);
	assert_true(f.stopping);
	assert_false(f.holding);
	/* No startup once stopping. */
	struct ipaddr s = addr(SELF);
	fsm_startup(&f, T0, &s, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_INIT);
}

/* ---- giveup / resume ---------------------------------------------------- */

static void test_giveup_master_someone_takes_over(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_time now = t + SEC / 4;
	fsm_giveup(&f, now, FSM_NEVER, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT | FSM_ACT_STATE);
	assert_int_equal(a.advert_priority, 0);
	assert_string_equal(a.reason, "giveup");
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(f.giveup);
	assert_true(f.holding);
	assert_int_equal(fsm_advert_priority(&f), 1);
	/* Down interval at priority 1: 3 s + 255/256 s */
	assert_true(f.down_timer == now + mdi(1, 100));
	assert_true(f.down_timer == now + 3996093);
	assert_true(fsm_next_deadline(&f) == now + 3996093);

	/* A backup took over: release the VIPs. */
	advert(&f, now + 700000, LOWER, 90, 100, &a);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS);
	assert_false(f.holding);
	assert_int_equal(f.state, FSM_BACKUP);

	/* While giving up, a lower master is not preempted. */
	fsm_time later = now + 2 * SEC;
	advert(&f, later, LOWER, 50, 100, &a);
	assert_int_equal(a.flags, 0);
	assert_true(f.down_timer == later + mdi(1, 100));

	/* After resume it is. */
	fsm_resume(&f, later + 1, &a);
	assert_int_equal(a.flags, 0);
	assert_false(f.giveup);
	advert(&f, later + 2, LOWER, 50, 100, &a);
	assert_true(f.down_timer == later + mdi(1, 100)); /* discarded */
	fsm_timer(&f, later + mdi(1, 100), &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.advert_priority, 100);
	assert_string_equal(a.reason, "master down timer expired");
}

static void test_giveup_master_nobody_takes_over(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_time until = t + 60 * SEC;
	fsm_giveup(&f, t, until, &a);
	assert_true(f.giveup_until == until);
	fsm_time due = t + 3996093;
	assert_true(fsm_next_deadline(&f) == due);

	fsm_timer(&f, due, &a);
	assert_int_equal(f.state, FSM_MASTER);
	/* Still holding: no ADD. */
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT | FSM_ACT_ANNOUNCE | FSM_ACT_STATE);
	assert_int_equal(a.advert_priority, 1);
	assert_string_equal(a.reason, "no other router took over");
	assert_true(f.holding);
	assert_true(f.giveup);

	fsm_timer(&f, due + SEC, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 1);

	/* Anybody with a real priority preempts us now. */
	struct fsm g = f;
	advert(&g, due + SEC + 1, LOWER, 2, 100, &a);
	assert_int_equal(g.state, FSM_BACKUP);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS | FSM_ACT_STATE);

	/* The giveup deadline is reported and ends the giveup: the master
	 * advertises its real priority at once. */
	fsm_time next;
	while ((next = fsm_next_deadline(&f)) < until) {
		fsm_timer(&f, next, &a);
		assert_int_equal(a.advert_priority, 1);
	}
	assert_true(next == until);
	fsm_timer(&f, until, &a);
	assert_false(f.giveup);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 100);
	assert_int_equal(f.state, FSM_MASTER);
	assert_true(fsm_next_deadline(&f) == until + SEC);
}

static void test_giveup_backup_expiry(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);

	fsm_time until = T0 + 2 * SEC;
	fsm_giveup(&f, T0 + SEC, until, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(fsm_next_deadline(&f) == until); /* before the down timer */

	/* Giving up: a lower master is accepted. */
	advert(&f, T0 + SEC + 1, LOWER, 50, 100, &a);
	assert_true(f.down_timer == T0 + SEC + 1 + mdi(1, 100));

	fsm_timer(&f, until, &a);
	assert_int_equal(a.flags, 0);
	assert_false(f.giveup);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(fsm_next_deadline(&f) == T0 + SEC + 1 + mdi(1, 100));

	/* Giveup over: the lower master is discarded again. */
	advert(&f, until + 1, LOWER, 50, 100, &a);
	assert_true(f.down_timer == T0 + SEC + 1 + mdi(1, 100));
}

static void test_giveup_expiry_while_releasing(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_giveup(&f, t, t + SEC, &a);
	fsm_timer(&f, t + SEC, &a);
	assert_int_equal(a.flags, 0);
	assert_false(f.giveup);
	assert_true(f.holding);
	/* Normal rules again: a lower router is no reason to let go, and the
	 * down timer brings us back as a normal master. */
	advert(&f, t + SEC + 1, LOWER, 50, 100, &a);
	assert_int_equal(a.flags, 0);
	assert_true(f.holding);
	fsm_timer(&f, t + mdi(1, 100), &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT | FSM_ACT_ANNOUNCE | FSM_ACT_STATE);
	assert_int_equal(a.advert_priority, 100);
}

static void test_resume_master(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_giveup(&f, t, FSM_NEVER, &a);
	fsm_time due = fsm_next_deadline(&f);
	fsm_timer(&f, due, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(fsm_advert_priority(&f), 1);

	fsm_resume(&f, due + 10, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 100);
	assert_false(f.giveup);
	assert_true(f.giveup_until == FSM_NEVER);
	assert_true(fsm_next_deadline(&f) == due + 10 + SEC);
}

/* Shutdown while a giveup's release is pending: the down timer is off
 * while stopping, so a release deadline must bound the wait. */
static void test_shutdown_during_giveup_release(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_giveup(&f, t, FSM_NEVER, &a);
	fsm_shutdown(&f, t + 1, &a);
	assert_int_equal(a.flags, 0);
	assert_true(f.holding);
	assert_true(fsm_next_deadline(&f) == t + 1 + 4 * SEC);
	fsm_timer(&f, t + 1 + 4 * SEC, &a);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS);
	assert_false(f.holding);
	assert_int_equal(f.state, FSM_BACKUP);
}

/* ---- takeover ----------------------------------------------------------- */

static void test_takeover_backup(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);
	advert(&f, T0 + SEC, HIGHER, 200, 100, &a);

	fsm_time now = T0 + 2 * SEC;
	fsm_takeover(&f, now, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, BECOME_MASTER);
	assert_int_equal(a.advert_priority, 254);
	assert_string_equal(a.reason, "operator takeover");
	assert_true(f.takeover);
	assert_true(fsm_next_deadline(&f) == now + SEC);

	/* The old master (200) loses against 254 and is answered. */
	advert(&f, now + 1, HIGHER, 200, 100, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, ANSWER_LOSER);
	assert_int_equal(a.advert_priority, 254);

	/* Resume: advertise the real priority; the 200 will preempt. */
	fsm_resume(&f, now + 2, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 100);
	assert_false(f.takeover);
	advert(&f, now + 3, HIGHER, 200, 100, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS | FSM_ACT_STATE);
}

static void test_takeover_loses_to_owner(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);
	fsm_takeover(&f, T0, &a);
	advert(&f, T0 + 1, LOWER, 255, 100, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_string_equal(a.reason, "higher priority master");
	assert_true(f.takeover); /* until resume */
	assert_int_equal(fsm_advert_priority(&f), 254);
}

static void test_takeover_owner_and_master(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(255);
	struct fsm_actions a;
	start_with(&f, &p, SELF, T0, &a);
	fsm_set_priority(&f, T0, 150, &a); /* tracking lowered it */
	fsm_takeover(&f, T0 + 1, &a);
	/* Already master: the new priority goes out at once. */
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 255);
	assert_int_equal(f.transitions, 1);
}

static void test_takeover_clears_giveup(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);
	fsm_giveup(&f, T0, T0 + 10 * SEC, &a);
	fsm_takeover(&f, T0 + 1, &a);
	assert_false(f.giveup);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.advert_priority, 254);
	/* and giveup clears takeover */
	fsm_giveup(&f, T0 + 2, FSM_NEVER, &a);
	assert_false(f.takeover);
	assert_int_equal(f.state, FSM_BACKUP);
}

static void test_takeover_in_init_sets_flag_only(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(100);
	struct fsm_actions a;
	fsm_init(&f, &p, T0);
	fsm_takeover(&f, T0, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.state, FSM_INIT);
	assert_true(f.takeover);

	/* It still joins as backup, then preempts a lower master. */
	struct ipaddr s = addr(SELF);
	fsm_startup(&f, T0, &s, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(f.down_timer == T0 + mdi(254, 100));
	advert(&f, T0 + 1, HIGHER, 200, 100, &a);
	assert_true(f.down_timer == T0 + mdi(254, 100)); /* discarded */
	fsm_timer(&f, T0 + mdi(254, 100), &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.advert_priority, 254);
}

/* ---- fault -------------------------------------------------------------- */

static void test_fault_from_master_rejoins_backup(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 200);

	fsm_fault(&f, t + 1, "link down", false, &a);
	assert_int_equal(f.state, FSM_FAULT);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS | FSM_ACT_STATE);
	assert_int_equal(a.old_state, FSM_MASTER);
	assert_string_equal(a.reason, "link down");
	assert_string_equal(f.reason, "link down");
	assert_false(f.holding);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);
	fsm_timer(&f, t + 100 * SEC, &a);
	assert_int_equal(a.flags, 0);
	advert(&f, t + 2, HIGHER, 0, 100, &a);
	assert_int_equal(a.flags, 0);

	/* Again: no second transition. */
	fsm_fault(&f, t + 3, "link down", false, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.transitions, 3);

	struct ipaddr s = addr(SELF);
	fsm_time now = t + 10 * SEC;
	fsm_startup(&f, now, &s, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, FSM_ACT_STATE);
	assert_int_equal(a.old_state, FSM_FAULT);
	assert_string_equal(a.reason, "started");
	assert_true(fsm_next_deadline(&f) == now + mdi(200, 100));
}

static void test_fault_from_backup(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);
	fsm_fault(&f, T0 + 1, "no address", false, &a);
	assert_int_equal(a.flags, FSM_ACT_STATE);
	assert_int_equal(a.old_state, FSM_BACKUP);
	assert_int_equal(f.state, FSM_FAULT);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);
}

static void test_fault_owner_rejoins_master(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(255);
	struct fsm_actions a;
	start_with(&f, &p, SELF, T0, &a);
	fsm_fault(&f, T0 + 1, "link down", false, &a);
	struct ipaddr s = addr(SELF);
	fsm_startup(&f, T0 + 2, &s, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, BECOME_MASTER);
}

static void test_fault_while_stopping(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);
	fsm_shutdown(&f, t, &a);
	assert_true(f.holding);
	fsm_fault(&f, t + 1, "link down", false, &a);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS | FSM_ACT_STATE);
	assert_false(f.holding);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);
}

/* ---- priority ----------------------------------------------------------- */

static void test_set_priority(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);

	fsm_set_priority(&f, t + 5, 40, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 40);
	assert_int_equal(f.priority, 40);
	assert_true(fsm_next_deadline(&f) == t + 5 + SEC);

	fsm_set_priority(&f, t + 6, 40, &a);
	assert_int_equal(a.flags, 0);

	/* Lowered, it now loses to a 50. */
	advert(&f, t + 7, LOWER, 50, 100, &a);
	assert_int_equal(f.state, FSM_BACKUP);

	/* In Backup no advert; the new priority decides preemption. */
	fsm_set_priority(&f, t + 8, 60, &a);
	assert_int_equal(a.flags, 0);
	fsm_time before = f.down_timer;
	advert(&f, t + 9, LOWER, 50, 100, &a);
	assert_true(f.down_timer == before); /* 50 < 60: discarded */

	/* 0 is not a priority. */
	fsm_set_priority(&f, t + 10, 0, &a);
	assert_int_equal(f.priority, 1);
}

static void test_set_priority_hidden_by_giveup(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 100);
	fsm_giveup(&f, t, FSM_NEVER, &a);
	fsm_timer(&f, fsm_next_deadline(&f), &a);
	assert_int_equal(f.state, FSM_MASTER);
	/* The advertised priority stays 1: nothing to send. */
	fsm_set_priority(&f, f.since + 1, 150, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(f.priority, 150);
}

static void test_advert_priority(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_params p = params(100);
	fsm_init(&f, &p, T0);
	assert_int_equal(fsm_advert_priority(&f), 100);
	f.takeover = true;
	assert_int_equal(fsm_advert_priority(&f), 254);
	f.giveup = true;
	assert_int_equal(fsm_advert_priority(&f), 1);
	f.stopping = true;
	assert_int_equal(fsm_advert_priority(&f), 0);

	p = params(255);
	fsm_init(&f, &p, T0);
	f.priority = 120;
	assert_int_equal(fsm_advert_priority(&f), 120);
	f.takeover = true;
	assert_int_equal(fsm_advert_priority(&f), 255);
}

/* ---- several deadlines in one call -------------------------------------- */

static void test_timer_runs_all_passed_deadlines(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);

	/* giveup ends before the down timer: both run, in that order, so the
	 * promotion is a normal one. */
	fsm_giveup(&f, T0, T0 + SEC, &a);
	fsm_timer(&f, T0 + 10 * SEC, &a);
	assert_false(f.giveup);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, BECOME_MASTER);
	assert_int_equal(a.advert_priority, 100);
	assert_int_equal(a.old_state, FSM_BACKUP);
	assert_string_equal(a.reason, "master down timer expired");
	assert_true(fsm_next_deadline(&f) == T0 + 11 * SEC);

	/* A master's adver timer and giveup end together: one advert, with
	 * the real priority. */
	fsm_giveup(&f, T0 + 11 * SEC, FSM_NEVER, &a);
	fsm_timer(&f, fsm_next_deadline(&f), &a); /* nobody took over */
	assert_int_equal(f.state, FSM_MASTER);
	f.giveup_until = f.adver_timer - 1;
	fsm_timer(&f, f.adver_timer, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 100);
	assert_false(f.giveup);
}

static void test_next_deadline(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	start_backup(&f, 100);
	assert_true(fsm_next_deadline(&f) == f.down_timer);

	/* giveup_until only counts when it is earlier. */
	fsm_giveup(&f, T0, T0 + 100 * SEC, &a);
	assert_true(fsm_next_deadline(&f) == f.down_timer);
	fsm_giveup(&f, T0, T0 + 1, &a);
	assert_true(fsm_next_deadline(&f) == T0 + 1);
	fsm_resume(&f, T0, &a);
	assert_true(fsm_next_deadline(&f) == f.down_timer);

	/* The adver timer counts only in Master, the down timer only in Backup. */
	fsm_time t = fsm_next_deadline(&f);
	fsm_timer(&f, t, &a);
	assert_true(f.down_timer == FSM_NEVER);
	assert_true(fsm_next_deadline(&f) == t + SEC);
	fsm_fault(&f, t + 1, "link down", false, &a);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);
}


/* CARP keeps ucarp's tie-break: the lower address wins, read as the
 * little-endian integer of its bytes. 10.0.0.11 against 11.0.0.10: as
 * numbers 11.0.0.10 is higher; as ucarp reads them (last byte most
 * significant) 11.0.0.10 is lower and wins; 10.0.0.12 loses either way. */
static void test_master_carp_tiebreak(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	struct fsm_params p = params(100);
	p.carp_tiebreak = true;
	start_with(&f, &p, SELF, T0, &a);
	fsm_time t = fsm_next_deadline(&f);
	fsm_timer(&f, t, &a);
	assert_int_equal(f.state, FSM_MASTER);

	advert(&f, t + 1, HIGHER, 100, 100, &a);   /* 10.0.0.12: higher, loses to us */
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, ANSWER_LOSER);
	advert(&f, t + 2, "11.0.0.10", 100, 100, &a);
	assert_int_equal(f.state, FSM_BACKUP);
}


/* ---- tracking and sync groups ----------------------------------------- */

/* A failed service on a master: priority 0 first, so the backups take
 * over after their Skew_Time, then Fault with the VIPs gone. */
static void test_fault_announced(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	fsm_time t = start_master(&f, 200);

	fsm_fault(&f, t + 1, "track web failed", true, &a);
	assert_int_equal(f.state, FSM_FAULT);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT | FSM_ACT_DEL_VIPS | FSM_ACT_STATE);
	assert_int_equal(a.advert_priority, 0);
	assert_false(f.holding);

	/* From Backup there is nothing to announce. */
	start_backup(&f, 100);
	fsm_fault(&f, T0 + 1, "track web failed", true, &a);
	assert_int_equal(a.flags, FSM_ACT_STATE);
}

/* Held, a backup neither times its master out nor preempts; released, an
 * overdue down timer fires at once. */
static void test_held_backup_waits(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;

	start_backup(&f, 100);
	fsm_set_held(&f, true);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);
	fsm_timer(&f, T0 + 100 * SEC, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, 0);

	/* A lower master is accepted, not preempted. */
	advert(&f, T0 + 100 * SEC, LOWER, 50, 100, &a);
	assert_true(ipaddr_equal(&f.master, &(struct ipaddr){ 0 }) == false);
	assert_int_equal(f.master_priority, 50);
	assert_false(fsm_outranked(&f));

	/* Nor does a sync group pull it up while held. */
	fsm_group_master(&f, T0 + 100 * SEC + 1, "group", &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, 0);

	fsm_set_held(&f, false);
	fsm_time due = fsm_next_deadline(&f);
	assert_true(due == T0 + 100 * SEC + mdi(100, 100));
	fsm_timer(&f, due, &a);
	assert_int_equal(f.state, FSM_MASTER);

	/* Released with the timer long past: Master at the next run. */
	start_backup(&f, 100);
	fsm_set_held(&f, true);
	fsm_set_held(&f, false);
	assert_true(fsm_next_deadline(&f) == T0 + mdi(100, 100));
}

/* An address owner that is held starts as Backup, not Master; an operator
 * takeover still works while held. */
static void test_held_owner_and_takeover(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	struct fsm_params p = params(255);
	struct ipaddr s = addr(SELF);

	fsm_init(&f, &p, T0);
	fsm_set_held(&f, true);
	fsm_startup(&f, T0, &s, &a);
	assert_int_equal(f.state, FSM_BACKUP);

	start_backup(&f, 100);
	fsm_set_held(&f, true);
	fsm_takeover(&f, T0 + 1, &a);
	assert_int_equal(f.state, FSM_MASTER);
}

static void test_group_master_and_backup(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;

	start_backup(&f, 100);
	fsm_group_master(&f, T0 + 1, "sync group web: 200 became master", &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, BECOME_MASTER);
	assert_string_equal(f.reason, "sync group web: 200 became master");
	/* Already Master: nothing. */
	fsm_group_master(&f, T0 + 2, "again", &a);
	assert_int_equal(a.flags, 0);

	/* Leaving with a group: priority 0, VIPs kept until a successor is
	 * heard, even a lower one: the group holds it (the daemon sets held
	 * while another member has lost its election)... */
	fsm_group_backup(&f, T0 + 3, "sync group web: 200 left master", &a);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT | FSM_ACT_STATE);
	assert_int_equal(a.advert_priority, 0);
	assert_true(f.holding);
	fsm_set_held(&f, true);
	advert(&f, T0 + 4, HIGHER, 90, 100, &a);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS);
	assert_false(f.holding);

	/* ...or until one Master_Down_Interval passes, even while held. */
	fsm_time t = start_master(&f, 100);
	fsm_group_backup(&f, t, "left", &a);
	fsm_set_held(&f, true);
	assert_true(fsm_next_deadline(&f) == t + mdi(100, 100));
	fsm_timer(&f, t + mdi(100, 100), &a);
	assert_int_equal(a.flags, FSM_ACT_DEL_VIPS);
	assert_int_equal(f.state, FSM_BACKUP);
	assert_true(fsm_next_deadline(&f) == FSM_NEVER);

	/* Not in giveup, and never a Backup out of Init or Fault. */
	start_backup(&f, 100);
	fsm_giveup(&f, T0 + 1, FSM_NEVER, &a);
	fsm_group_master(&f, T0 + 2, "group", &a);
	assert_int_equal(f.state, FSM_BACKUP);
	fsm_init(&f, &(struct fsm_params){ .vrid = VRID, .priority = 100, .interval = 100 }, T0);
	fsm_group_master(&f, T0 + 1, "group", &a);
	assert_int_equal(f.state, FSM_INIT);
	fsm_group_backup(&f, T0 + 1, "group", &a);
	assert_int_equal(f.state, FSM_INIT);
}

/* Held softly, a backup accepts a lower master instead of preempting it,
 * but still replaces a master that goes silent. */
static void test_no_preempt(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;

	start_backup(&f, 150);
	fsm_set_no_preempt(&f, true);
	advert(&f, T0 + 1, LOWER, 100, 100, &a);
	assert_int_equal(f.master_priority, 100);
	assert_true(fsm_next_deadline(&f) == T0 + 1 + mdi(150, 100));
	fsm_timer(&f, T0 + 1 + mdi(150, 100), &a);
	assert_int_equal(f.state, FSM_MASTER);

	/* Released, it preempts again. */
	start_backup(&f, 150);
	fsm_set_no_preempt(&f, true);
	fsm_set_no_preempt(&f, false);
	advert(&f, T0 + 1, LOWER, 100, 100, &a);
	assert_int_equal(f.master_priority, 0); /* discarded */
}

static void test_outranked(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	struct fsm_params p = params(100);

	start_backup(&f, 100);
	assert_false(fsm_outranked(&f)); /* no master heard */
	advert(&f, T0 + 1, LOWER, 150, 100, &a);
	assert_true(fsm_outranked(&f));
	advert(&f, T0 + 2, HIGHER, 100, 100, &a); /* equal, higher address wins */
	assert_true(fsm_outranked(&f));
	p.preempt = false;
	start_with(&f, &p, SELF, T0, &a);
	advert(&f, T0 + 1, LOWER, 100, 100, &a); /* equal, lower address loses */
	assert_false(fsm_outranked(&f));
	advert(&f, T0 + 2, LOWER, 50, 100, &a);
	assert_false(fsm_outranked(&f));
	/* A master is never outranked. */
	start_master(&f, 100);
	assert_false(fsm_outranked(&f));
}

/* ---- BFD: the master lost ---------------------------------------------- */

#define DETECT (30 * 1000LL) /* a 10 ms x 3 BFD session */

/* The session to our master went down: the down timer comes forward to
 * (256 - priority)/256 of the detection time, and firing says why. */
static void test_master_lost(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	struct ipaddr m = addr(HIGHER);

	start_backup(&f, 100);
	advert(&f, T0 + SEC, HIGHER, 150, 100, &a);
	fsm_time now = T0 + SEC + 200000;
	fsm_master_lost(&f, now, &m, DETECT);
	assert_int_equal(fsm_bfd_skew(&f, DETECT), 156 * DETECT / 256);
	assert_int_equal(fsm_next_deadline(&f), now + 156 * DETECT / 256);
	assert_true(f.master_lost);
	assert_false(fsm_claim_due(&f, now + 156 * DETECT / 256 - 1));
	assert_true(fsm_claim_due(&f, now + 156 * DETECT / 256));
	fsm_timer(&f, now + 156 * DETECT / 256 - 1, &a);
	assert_int_equal(f.state, FSM_BACKUP);
	fsm_timer(&f, now + 156 * DETECT / 256, &a);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(a.flags, BECOME_MASTER);
	assert_string_equal(a.reason, "bfd: master lost");
	assert_false(f.master_lost);
	assert_int_equal(f.transitions, 2);
}

/* The best backup claims first: priority 200 before priority 100. */
static void test_master_lost_skew_orders_backups(void **state)
{
	(void)state;
	struct fsm hi, lo;
	struct fsm_actions a;
	struct ipaddr m = addr(HIGHER);

	start_backup(&hi, 200);
	start_backup(&lo, 100);
	advert(&hi, T0 + SEC, HIGHER, 250, 100, &a);
	advert(&lo, T0 + SEC, HIGHER, 250, 100, &a);
	fsm_master_lost(&hi, T0 + 2 * SEC, &m, DETECT);
	fsm_master_lost(&lo, T0 + 2 * SEC, &m, DETECT);
	assert_true(fsm_next_deadline(&hi) < fsm_next_deadline(&lo));
	assert_int_equal(fsm_next_deadline(&hi) - T0 - 2 * SEC, 56 * DETECT / 256);
	/* hi claims; its advert reaches lo before lo's timer: lo stays. */
	fsm_timer(&hi, fsm_next_deadline(&hi), &a);
	assert_int_equal(hi.state, FSM_MASTER);
	advert(&lo, fsm_next_deadline(&hi) + 100, LOWER, 200, 100, &a); /* hi, seen from lo */
	assert_int_equal(lo.state, FSM_BACKUP);
	assert_false(lo.master_lost);
	assert_true(fsm_next_deadline(&lo) > T0 + 4 * SEC);
	assert_int_equal(lo.transitions, 1);
}

/* Only a Backup, and only for its own master; the timer never moves
 * later; a held instance keeps waiting; a stopping one does nothing. */
static void test_master_lost_ignored(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	struct ipaddr m = addr(HIGHER), other = addr(LOWER);

	start_backup(&f, 100);
	fsm_time before = fsm_next_deadline(&f);
	fsm_master_lost(&f, T0 + 1, &m, DETECT); /* no master heard yet */
	assert_int_equal(fsm_next_deadline(&f), before);
	advert(&f, T0 + SEC, HIGHER, 150, 100, &a);
	before = fsm_next_deadline(&f);
	fsm_master_lost(&f, T0 + SEC + 1, &other, DETECT); /* not our master */
	assert_int_equal(fsm_next_deadline(&f), before);
	assert_false(f.master_lost);
	/* A detection time longer than what is left of the RFC timer. */
	fsm_master_lost(&f, before - 1000, &m, 10 * SEC);
	assert_int_equal(fsm_next_deadline(&f), before);
	fsm_set_held(&f, true);
	fsm_master_lost(&f, T0 + SEC + 100000, &m, DETECT);
	assert_int_equal(fsm_next_deadline(&f), FSM_NEVER);
	fsm_set_held(&f, false);
	assert_int_equal(fsm_next_deadline(&f), T0 + SEC + 100000 + 156 * DETECT / 256);
	/* A master ignores it. */
	fsm_time t = start_master(&f, 100);
	fsm_time next = fsm_next_deadline(&f);
	fsm_master_lost(&f, t + 1, &m, DETECT);
	assert_int_equal(f.state, FSM_MASTER);
	assert_int_equal(fsm_next_deadline(&f), next);
	/* Stopping. */
	start_backup(&f, 100);
	advert(&f, T0 + SEC, HIGHER, 150, 100, &a);
	fsm_shutdown(&f, T0 + SEC + 1, &a);
	fsm_master_lost(&f, T0 + SEC + 2, &m, DETECT);
	assert_false(f.master_lost);
}

/* An advert from the master after the loss (a flap of the session, not of
 * the router) cancels the early claim. */
static void test_master_lost_cancelled_by_advert(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	struct ipaddr m = addr(HIGHER);

	start_backup(&f, 100);
	advert(&f, T0 + SEC, HIGHER, 150, 100, &a);
	fsm_master_lost(&f, T0 + 2 * SEC, &m, DETECT);
	advert(&f, T0 + 2 * SEC + 1000, HIGHER, 150, 100, &a);
	assert_false(f.master_lost);
	assert_false(fsm_claim_due(&f, T0 + 10 * SEC));
	assert_int_equal(fsm_next_deadline(&f), T0 + 2 * SEC + 1000 + mdi(100, 100));
	fsm_timer(&f, T0 + 2 * SEC + DETECT, &a);
	assert_int_equal(f.state, FSM_BACKUP);
}

/* An advert from the master within the detection time (after the last
 * BFD packet) proves the router alive: the session failed, nothing moves. */
static void test_master_lost_but_heard(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;
	struct ipaddr m = addr(HIGHER);

	start_backup(&f, 100);
	advert(&f, T0 + SEC, HIGHER, 150, 100, &a);
	fsm_time before = fsm_next_deadline(&f);
	fsm_master_lost(&f, T0 + SEC + DETECT - 1, &m, DETECT);
	assert_false(f.master_lost);
	assert_int_equal(fsm_next_deadline(&f), before);
	fsm_master_lost(&f, T0 + SEC + DETECT, &m, DETECT);
	assert_true(f.master_lost);
}

/* A master told that a peer's session went down advertises at once;
 * nobody else does anything. */
static void test_advertise_now(void **state)
{
	(void)state;
	struct fsm f;
	struct fsm_actions a;

	fsm_time t = start_master(&f, 150);
	fsm_advertise_now(&f, t + 300000, &a);
	assert_int_equal(a.flags, FSM_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 150);
	assert_int_equal(fsm_next_deadline(&f), t + 300000 + 100 * 10000);
	start_backup(&f, 100);
	fsm_advertise_now(&f, T0 + 1, &a);
	assert_int_equal(a.flags, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_timing_figures),
		cmocka_unit_test(test_startup_backup),
		cmocka_unit_test(test_startup_owner),
		cmocka_unit_test(test_startup_owner_in_giveup_joins_backup),
		cmocka_unit_test(test_backup_down_timer_expires),
		cmocka_unit_test(test_backup_accepts_higher_priority),
		cmocka_unit_test(test_backup_learns_master_interval),
		cmocka_unit_test(test_backup_preempt_discards_lower),
		cmocka_unit_test(test_backup_no_preempt_accepts_lower),
		cmocka_unit_test(test_backup_equal_priority_accepted),
		cmocka_unit_test(test_backup_preempt_delay),
		cmocka_unit_test(test_backup_priority_zero),
		cmocka_unit_test(test_master_adver_timer),
		cmocka_unit_test(test_master_priority_zero),
		cmocka_unit_test(test_master_hears_higher_priority),
		cmocka_unit_test(test_master_tiebreak_higher_address_wins),
		cmocka_unit_test(test_master_carp_tiebreak),
		cmocka_unit_test(test_master_tiebreak_lower_address_loses),
		cmocka_unit_test(test_master_lower_priority_answered),
		cmocka_unit_test(test_tiebreak_ipv6),
		cmocka_unit_test(test_ignored_packets),
		cmocka_unit_test(test_shutdown_master_new_master_heard),
		cmocka_unit_test(test_shutdown_master_release_timer),
		cmocka_unit_test(test_shutdown_backup),
		cmocka_unit_test(test_shutdown_init),
		cmocka_unit_test(test_giveup_master_someone_takes_over),
		cmocka_unit_test(test_giveup_master_nobody_takes_over),
		cmocka_unit_test(test_giveup_backup_expiry),
		cmocka_unit_test(test_giveup_expiry_while_releasing),
		cmocka_unit_test(test_resume_master),
		cmocka_unit_test(test_shutdown_during_giveup_release),
		cmocka_unit_test(test_takeover_backup),
		cmocka_unit_test(test_takeover_loses_to_owner),
		cmocka_unit_test(test_takeover_owner_and_master),
		cmocka_unit_test(test_takeover_clears_giveup),
		cmocka_unit_test(test_takeover_in_init_sets_flag_only),
		cmocka_unit_test(test_fault_from_master_rejoins_backup),
		cmocka_unit_test(test_fault_from_backup),
		cmocka_unit_test(test_fault_owner_rejoins_master),
		cmocka_unit_test(test_fault_while_stopping),
		cmocka_unit_test(test_set_priority),
		cmocka_unit_test(test_set_priority_hidden_by_giveup),
		cmocka_unit_test(test_advert_priority),
		cmocka_unit_test(test_timer_runs_all_passed_deadlines),
		cmocka_unit_test(test_next_deadline),
		cmocka_unit_test(test_fault_announced),
		cmocka_unit_test(test_held_backup_waits),
		cmocka_unit_test(test_held_owner_and_takeover),
		cmocka_unit_test(test_group_master_and_backup),
		cmocka_unit_test(test_no_preempt),
		cmocka_unit_test(test_outranked),
		cmocka_unit_test(test_master_lost),
		cmocka_unit_test(test_master_lost_skew_orders_backups),
		cmocka_unit_test(test_master_lost_ignored),
		cmocka_unit_test(test_master_lost_cancelled_by_advert),
		cmocka_unit_test(test_master_lost_but_heard),
		cmocka_unit_test(test_advertise_now),
	};
	return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}
