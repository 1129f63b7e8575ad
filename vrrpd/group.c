/* group.c - the sync group policy.
 *
 *  - A member that holds the group back hard (not started, faulted, in
 *    giveup, waiting for its tracks) keeps the others from Master: they
 *    are held, and a master among them steps down.
 *  - A member that lost its election holds the others softly: no
 *    preemption of a lower master, which is what the peer's group took
 *    over with. It must not hold them hard: when every member lost to the
 *    same peer and that peer dies, each would wait for the others and
 *    nobody would take over. A master that goes silent is still replaced.
 *  - A member leaving Master takes the others' masters along, once (the
 *    moment it is seen leaving), not for as long as its reason lasts.
 *  - Free of both, a master pulls the others' backups up with it. */
#include "group.h"

enum group_hold group_blocks(const struct group_member *m)
{
	if (m->state == FSM_INIT || m->state == FSM_FAULT || m->giveup || m->gate)
		return GROUP_HARD;
	return m->outranked ? GROUP_SOFT : GROUP_FREE;
}

/* What one group looks like from member k: the strongest hold by
 * another member (the first one that holds that hard), the first master
 * and the first member seen leaving Master, and the strongest hold of
 * all (k's own included). */
struct group_view {
	enum group_hold level, worst;
	size_t by, master, left;
	bool has_master, has_left;
};

static void group_view(const struct group_member *m, size_t n, size_t k, struct group_view *g)
{
	*g = (struct group_view){ .level = GROUP_FREE, .worst = GROUP_FREE };
	for (size_t j = 0; j < n; j++) {
		if (m[j].group != m[k].group)
			continue;
		enum group_hold b = group_blocks(&m[j]);
		if (b > g->worst)
			g->worst = b;
		if (j != k && b > g->level) {
			g->level = b;
			g->by = j;
		}
		if (!g->has_master && m[j].state == FSM_MASTER) {
			g->has_master = true;
			g->master = j;
		}
		if (!g->has_left && m[j].seen == FSM_MASTER && m[j].state != FSM_MASTER) {
			g->has_left = true;
			g->left = j;
		}
	}
}

static void group_decide_one(const struct group_member *m, size_t n, size_t k, struct group_verdict *v)
{
	struct group_view g;

	*v = (struct group_verdict){ .hold = GROUP_FREE, .move = GROUP_STAY };
	if (m[k].group < 0)
		return;
	group_view(m, n, k, &g);
	v->hold = g.level;
	v->hold_by = g.by;
	if (m[k].state == FSM_MASTER && g.level == GROUP_HARD) {
		v->move = GROUP_STEP_DOWN;
		v->cause = g.by;
	} else if (m[k].state == FSM_MASTER && g.has_left && g.left != k) {
		v->move = GROUP_STEP_DOWN;
		v->cause = g.left;
		v->cause_left = true;
	} else if (m[k].state == FSM_BACKUP && g.has_master && g.master != k && g.worst == GROUP_FREE &&
		   !g.has_left) {
		v->move = GROUP_FOLLOW;
		v->cause = g.master;
	}
}

void group_decide(const struct group_member *m, size_t n, struct group_verdict *v)
{
	for (size_t k = 0; k < n; k++)
		group_decide_one(m, n, k, &v[k]);
}
