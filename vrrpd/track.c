/* track.c - rise/fall and the tracks' effect on an instance (pure code). */
#include "track.h"

#include <stdio.h>
#include <string.h>

const char *track_state_name(enum track_state s)
{
	static const char *const names[] = { "unknown", "up", "down" };

	return (unsigned)s < 3 ? names[s] : "invalid";
}

bool track_result(struct track *t, bool ok, const char *detail)
{
	enum track_state before = t->state;

	if (detail)
		snprintf(t->detail, sizeof(t->detail), "%s", detail);
	if (ok)
		t->passes++;
	else
		t->failures++;
	if (t->streak == 0 || ok != t->last_ok) {
		t->last_ok = ok;
		t->streak = 0;
	}
	if (t->streak < UINT32_MAX)
		t->streak++;
	unsigned need = ok ? t->cfg->rise : t->cfg->fall;
	if (t->streak >= (need ? need : 1))
		t->state = ok ? TRACK_UP : TRACK_DOWN;
	if (t->state != before && before != TRACK_UNKNOWN)
		t->changes++;
	return t->state != before;
}

void track_effect(const struct track *t, size_t n, uint8_t base, struct track_effect *e)
{
	int prio = base, worst = 0;

	memset(e, 0, sizeof(*e));
	e->ready = true;
	for (size_t i = 0; i < n; i++) {
		const struct track_config *c = t[i].cfg;
		if (t[i].state != TRACK_UP)
			e->ready = false;
		if (t[i].state == TRACK_DOWN && c->fault && !e->fault)
			e->fault = &t[i];
		int delta = 0;
		if (c->weight > 0 && t[i].state == TRACK_UP)
			delta = c->weight;
		else if (c->weight < 0 && t[i].state == TRACK_DOWN)
			delta = c->weight;
		prio += delta;
		if (delta < worst) {
			worst = delta;
			e->lowest = &t[i];
		}
	}
	if (base == 255)
		prio = 255; /* the address owner's priority is fixed (RFC 9568 5.2.4) */
	else if (prio > 254)
		prio = 254;
	else if (prio < 1)
		prio = 1;
	e->priority = (uint8_t)prio;
}

void track_describe(const struct track *t, char *buf, size_t len)
{
	const struct track_config *c = t->cfg;

	if (c->fault)
		snprintf(buf, len, "track %s %s%s%s%s", c->name, track_state_name(t->state),
			 t->detail[0] ? " (" : "", t->detail, t->detail[0] ? ")" : "");
	else
		snprintf(buf, len, "track %s %s%s%s%s, weight %+d", c->name, track_state_name(t->state),
			 t->detail[0] ? " (" : "", t->detail, t->detail[0] ? ")" : "", c->weight);
}
