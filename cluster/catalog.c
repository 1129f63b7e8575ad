/* catalog.c - an archive's restorable window. See catalog.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

static long long floor_s(double t)
{
	long long i = (long long)t;
	return (double)i > t ? i - 1 : i;
}

static long long ceil_s(double t)
{
	long long i = (long long)t;
	return (double)i < t ? i + 1 : i;
}

static bool in_blind(const struct history_blind *b, long long cut)
{
	return floor_s(b->from) < cut && cut < ceil_s(b->to);
}

bool catalog_history_restores(const struct history *h, long long cut)
{
	if (h->start <= 0 || cut < ceil_s(h->start) || cut > floor_s(h->covered) || !h->nslots)
		return false;
	for (size_t i = 0; i < h->nblind; i++)
		if (in_blind(&h->blind[i], cut))
			return false;
	return true;
}

/* A growing list of spans. */
struct spans {
	struct catalog_span *v;
	size_t n, cap;
};

static int spans_push(struct spans *s, long long first, long long last)
{
	if (first > last)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct catalog_span *v = realloc(s->v, sizeof(*v) * cap);
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct catalog_span){ first, last };
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct catalog_span *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Sort and join overlapping or touching spans. */
static void spans_merge(struct spans *s)
{
	size_t k = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), span_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if (k && s->v[i].first <= s->v[k - 1].last + 1) {
			if (s->v[i].last > s->v[k - 1].last)
				s->v[k - 1].last = s->v[i].last;
		} else {
			s->v[k++] = s->v[i];
		}
	}
	s->n = k;
}

/* The seconds history h restores with its slot set number e: its
 * [start, covered] less the blind spans, within the time that set held. */
static int piece_spans(const struct history *h, size_t e, struct spans *out)
{
	long long lo = ceil_s(h->start), hi = floor_s(h->covered);

	if (h->start <= 0)
		return 0;
	if (e > 0 && ceil_s(h->slots[e].since) > lo)
		lo = ceil_s(h->slots[e].since);
	if (e + 1 < h->nslots && ceil_s(h->slots[e + 1].since) - 1 < hi)
		hi = ceil_s(h->slots[e + 1].since) - 1;
	while (lo <= hi) {
		/* The blind span that starts soonest after lo cuts the piece. */
		long long cut_from = hi + 1, cut_to = hi;
		for (size_t i = 0; i < h->nblind; i++) {
			long long f = floor_s(h->blind[i].from) + 1, t = ceil_s(h->blind[i].to) - 1;
			if (t < f || t < lo)
				continue;
			if ((f < lo ? lo : f) < cut_from) {
				cut_from = f < lo ? lo : f;
				cut_to = t;
			}
		}
		if (spans_push(out, lo, cut_from - 1) < 0)
			return -1;
		lo = cut_to + 1;
		if (cut_from > hi)
			break;
	}
	return 0;
}

static bool same_spans(const struct catalog_range *a, const struct spans *s)
{
	if (a->nspans != s->n)
		return false;
	return !s->n || memcmp(a->spans, s->v, sizeof(*s->v) * s->n) == 0;
}

/* The slot ranges, each with the spans of every piece holding it. */
static int build_ranges(const struct history *h, size_t n, struct catalog *c)
{
	bool edge[SLOT_COUNT + 1];
	struct spans s = { 0 };
	int rc = 0;

	memset(edge, 0, sizeof(edge));
	edge[0] = edge[SLOT_COUNT] = true;
	for (size_t i = 0; i < n; i++)
		for (size_t e = 0; e < h[i].nslots; e++)
			for (int k = 1; k < SLOT_COUNT; k++)
				if (slotset_has(&h[i].slots[e].set, k) != slotset_has(&h[i].slots[e].set, k - 1))
					edge[k] = true;
	for (int a = 0; a < SLOT_COUNT && rc == 0;) {
		int b = a + 1;
		while (!edge[b])
			b++;
		s.n = 0;
		for (size_t i = 0; i < n && rc == 0; i++)
			for (size_t e = 0; e < h[i].nslots && rc == 0; e++)
				if (slotset_has(&h[i].slots[e].set, a))
					rc = piece_spans(&h[i], e, &s);
		spans_merge(&s);
		struct catalog_range *last = c->nranges ? &c->ranges[c->nranges - 1] : NULL;
		if (rc == 0 && last && same_spans(last, &s)) {
			last->slot_last = b - 1;
		} else if (rc == 0) {
			struct catalog_range *r = realloc(c->ranges, sizeof(*r) * (c->nranges + 1));
			struct catalog_span *v = malloc(sizeof(*v) * (s.n ? s.n : 1));
			if (!r || !v) {
				free(v);
				if (r)
					c->ranges = r;
				rc = -1;
				break;
			}
			c->ranges = r;
			if (s.n)
				memcpy(v, s.v, sizeof(*v) * s.n);
			r[c->nranges++] = (struct catalog_range){ a, b - 1, v, s.n };
		}
		a = b;
	}
	free(s.v);
	return rc;
}

const char *catalog_gap_kind_name(enum catalog_gap_kind k)
{
	return k == GAP_BLIND ? "blind" : k == GAP_RESYNC ? "resync" : "uncovered";
}

/* Why the seconds first..last of slot `slot` cannot be restored. */
static enum catalog_gap_kind gap_why(const struct history *h, size_t n, int slot, long long first,
				     long long last, char *why, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		const struct slotset *set = history_slots_at(&h[i], (double)first);
		if (!set || !slotset_has(set, slot))
			continue;
		for (size_t b = 0; b < h[i].nblind; b++)
			if (floor_s(h[i].blind[b].from) < last && ceil_s(h[i].blind[b].to) > first) {
				snprintf(why, len, "writes arrived late after a reconnect (%s)", h[i].blind[b].why);
				return GAP_BLIND;
			}
	}
	for (size_t i = 0; i < n; i++)
		if (h[i].start > 0 && ceil_s(h[i].start) == last + 1 && h[i].began[0] && h[i].nslots &&
		    slotset_has(&h[i].slots[0].set, slot)) {
			snprintf(why, len, "%s", h[i].began);
			return strncmp(h[i].began, "full resync", 11) == 0 ? GAP_RESYNC : GAP_UNCOVERED;
		}
	snprintf(why, len, "the archive holds no copy of these moments");
	return GAP_UNCOVERED;
}

static int gaps_build(const struct history *h, size_t n, struct catalog *c)
{
	for (size_t r = 0; r < c->nranges; r++) {
		const struct catalog_range *g = &c->ranges[r];
		for (size_t k = 0; k + 1 < g->nspans; k++) {
			long long first = g->spans[k].last + 1, last = g->spans[k + 1].first - 1;
			if (first < c->earliest)
				first = c->earliest;
			if (last > c->latest)
				last = c->latest;
			if (first > last)
				continue;
			struct catalog_gap *prev = c->ngaps ? &c->gaps[c->ngaps - 1] : NULL, gap;
			gap = (struct catalog_gap){ g->slot_first, g->slot_last, first, last, GAP_UNCOVERED, "" };
			gap.kind = gap_why(h, n, g->slot_first, first, last, gap.why, sizeof(gap.why));
			if (prev && prev->slot_last + 1 == gap.slot_first && prev->first == first &&
			    prev->last == last && strcmp(prev->why, gap.why) == 0) {
				prev->slot_last = gap.slot_last;
				continue;
			}
			struct catalog_gap *v = realloc(c->gaps, sizeof(*v) * (c->ngaps + 1));
			if (!v)
				return -1;
			c->gaps = v;
			v[c->ngaps++] = gap;
		}
	}
	return 0;
}

int catalog_build(const struct history *h, size_t n, struct catalog *c)
{
	memset(c, 0, sizeof(*c));
	if (build_ranges(h, n, c) < 0) {
		catalog_free(c);
		return -1;
	}
	c->earliest = 0;
	c->latest = -1;
	for (size_t r = 0; r < c->nranges; r++) {
		const struct catalog_range *g = &c->ranges[r];
		if (!g->nspans) {
			c->earliest = 0;
			c->latest = -1;
			return 0;
		}
		if (r == 0 || g->spans[0].first > c->earliest)
			c->earliest = g->spans[0].first;
		if (r == 0 || g->spans[g->nspans - 1].last < c->latest)
			c->latest = g->spans[g->nspans - 1].last;
	}
	if (c->earliest <= c->latest && gaps_build(h, n, c) < 0) {
		catalog_free(c);
		return -1;
	}
	return 0;
}

void catalog_free(struct catalog *c)
{
	for (size_t r = 0; r < c->nranges; r++)
		free(c->ranges[r].spans);
	free(c->ranges);
	free(c->gaps);
	memset(c, 0, sizeof(*c));
}

int catalog_check(const struct catalog *c, long long cut, const struct catalog_gap **gap)
{
	if (c->earliest > c->latest || cut < c->earliest || cut > c->latest)
		return -1;
	for (size_t i = 0; i < c->ngaps; i++)
		if (cut >= c->gaps[i].first && cut <= c->gaps[i].last) {
			*gap = &c->gaps[i];
			return -2;
		}
	return 0;
}

void catalog_choose(const struct history *h, size_t n, long long cut, int *choice)
{
	for (int s = 0; s < SLOT_COUNT; s++)
		choice[s] = -1;
	for (size_t i = 0; i < n; i++) {
		if (!catalog_history_restores(&h[i], cut))
			continue;
		const struct slotset *set = history_slots_at(&h[i], (double)cut);
		for (int s = 0; s < SLOT_COUNT; s++)
			if (slotset_has(set, s) && (choice[s] < 0 || h[i].start > h[choice[s]].start))
				choice[s] = (int)i;
	}
}
