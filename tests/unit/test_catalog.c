/* test_catalog.c - what an archive can restore (cluster/catalog.c) from
 * its histories' bookkeeping (cluster/history.c): windows, gaps and their
 * causes, blind spans after a reconnect, which history gives which slots;
 * and the bookkeeping file itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define R1 "1111111111111111111111111111111111111111"

static void hist(struct history *h, const char *name, const char *slots, double start,
		 double covered)
{
	struct slotset s;
	history_init(h, name);
	assert_int_equal(slotset_parse(slots, &s), 0);
	h->base_time = start - 0.5;
	h->start = start;
	h->covered = covered;
	history_set_slots(h, h->base_time, &s);
}

static void free_all(struct history *h, size_t n, struct catalog *c)
{
	for (size_t i = 0; i < n; i++)
		history_free(&h[i]);
	catalog_free(c);
}

static void test_slotset(void **state)
{
	struct slotset s;
	char buf[200];
	(void)state;
	assert_int_equal(slotset_parse("0-5460,5462,16383", &s), 0);
	assert_int_equal(slotset_count(&s), 5463);
	assert_true(slotset_has(&s, 5460) && !slotset_has(&s, 5461) && slotset_has(&s, 16383));
	assert_string_equal(slotset_format(&s, buf, sizeof(buf)), "0-5460,5462,16383");
	assert_int_equal(slotset_parse("-", &s), 0);
	assert_string_equal(slotset_format(&s, buf, sizeof(buf)), "-");
	const char *bad[] = { "x", "5-1", "16384", "1,", "1-", "-3", "1 2", NULL };
	for (int i = 0; bad[i]; i++)
		if (slotset_parse(bad[i], &s) == 0)
			fail_msg("'%s' accepted", bad[i]);
}

/* The seconds a restore can be cut at: from the first whole second after
 * start to the last one at or before covered. */
static void test_one_history(void **state)
{
	struct history h[1];
	struct catalog c;
	const struct catalog_gap *g;
	(void)state;
	hist(&h[0], "a", "0-16383", 100.2, 200.7);
	assert_int_equal(catalog_build(h, 1, &c), 0);
	assert_int_equal(c.earliest, 101);
	assert_int_equal(c.latest, 200);
	assert_int_equal(c.ngaps, 0);
	assert_int_equal(c.nranges, 1);
	assert_int_equal(catalog_check(&c, 100, &g), -1);
	assert_int_equal(catalog_check(&c, 101, &g), 0);
	assert_int_equal(catalog_check(&c, 200, &g), 0);
	assert_int_equal(catalog_check(&c, 201, &g), -1);
	free_all(h, 1, &c);
}

/* Three masters, each its own window: the cluster's is where all meet. */
static void test_shared_window(void **state)
{
	struct history h[3];
	struct catalog c;
	int *choice = malloc(sizeof(int) * SLOT_COUNT);
	(void)state;
	hist(&h[0], "a", "0-5460", 100, 300);
	hist(&h[1], "b", "5461-10922", 120.5, 290.9);
	hist(&h[2], "c", "10923-16383", 90, 310);
	assert_int_equal(catalog_build(h, 3, &c), 0);
	assert_int_equal(c.earliest, 121);
	assert_int_equal(c.latest, 290);
	assert_int_equal(c.nranges, 3);
	assert_int_equal(c.ranges[1].slot_first, 5461);
	assert_int_equal(c.ranges[1].slot_last, 10922);
	assert_int_equal(c.ranges[1].spans[0].first, 121);
	catalog_choose(h, 3, 200, choice);
	assert_int_equal(choice[0], 0);
	assert_int_equal(choice[5461], 1);
	assert_int_equal(choice[16383], 2);
	/* Outside b's own window, b's slots have nobody. */
	catalog_choose(h, 3, 295, choice);
	assert_int_equal(choice[6000], -1);
	free(choice);
	free_all(h, 3, &c);
}

/* After a reconnect, writes made while the archive was away arrived late:
 * the seconds strictly between the disconnect and the catch-up are out. */
static void test_blind_span(void **state)
{
	struct history h[2];
	struct catalog c;
	const struct catalog_gap *g = NULL;
	(void)state;
	hist(&h[0], "a", "0-8191", 100, 300);
	hist(&h[1], "b", "8192-16383", 100, 300);
	history_add_blind(&h[0], 150.5, 153.2, "10.0.0.1:6379 closed the connection");
	assert_int_equal(catalog_build(h, 2, &c), 0);
	assert_int_equal(c.earliest, 100);
	assert_int_equal(c.latest, 300);
	assert_int_equal(c.ngaps, 1);
	assert_int_equal(c.gaps[0].slot_first, 0);
	assert_int_equal(c.gaps[0].slot_last, 8191);
	assert_int_equal(c.gaps[0].first, 151);
	assert_int_equal(c.gaps[0].last, 153);
	assert_non_null(strstr(c.gaps[0].why, "reconnect"));
	assert_int_equal(c.gaps[0].kind, GAP_BLIND);
	assert_non_null(strstr(c.gaps[0].why, "10.0.0.1:6379"));
	assert_int_equal(catalog_check(&c, 150, &g), 0);
	assert_int_equal(catalog_check(&c, 152, &g), -2);
	assert_ptr_equal(g, &c.gaps[0]);
	assert_int_equal(catalog_check(&c, 154, &g), 0);
	assert_false(catalog_history_restores(&h[0], 153));
	assert_true(catalog_history_restores(&h[0], 154));
	free_all(h, 2, &c);
}

/* A full resync: the old history ends, a new base starts later; between
 * them nothing of those slots, and the new history's "began" says why. */
static void test_resync_gap(void **state)
{
	struct history h[3];
	struct catalog c;
	int *choice = malloc(sizeof(int) * SLOT_COUNT);
	(void)state;
	hist(&h[0], "a1", "0-8191", 100, 150.4);
	h[0].closed = 150.4;
	hist(&h[1], "a2", "0-8191", 160.3, 200);
	snprintf(h[1].began, sizeof(h[1].began), "full resync: 10.0.0.2:6379 could not continue");
	hist(&h[2], "b", "8192-16383", 100, 200);
	assert_int_equal(catalog_build(h, 3, &c), 0);
	assert_int_equal(c.earliest, 100);
	assert_int_equal(c.latest, 200);
	assert_int_equal(c.ngaps, 1);
	assert_int_equal(c.gaps[0].first, 151);
	assert_int_equal(c.gaps[0].last, 160);
	assert_string_equal(c.gaps[0].why, "full resync: 10.0.0.2:6379 could not continue");
	assert_int_equal(c.gaps[0].kind, GAP_RESYNC);
	catalog_choose(h, 3, 120, choice);
	assert_int_equal(choice[0], 0);
	catalog_choose(h, 3, 170, choice);
	assert_int_equal(choice[0], 1);
	assert_int_equal(choice[9000], 2);
	free(choice);
	free_all(h, 3, &c);
}

/* A fresh base copy overlaps the old one: no hole, and the newer base is
 * chosen where both can restore (less to replay). */
static void test_rotation(void **state)
{
	struct history h[2];
	struct catalog c;
	int *choice = malloc(sizeof(int) * SLOT_COUNT);
	(void)state;
	hist(&h[0], "old", "0-16383", 100, 180);
	h[0].closed = 180;
	hist(&h[1], "new", "0-16383", 150, 250);
	assert_int_equal(catalog_build(h, 2, &c), 0);
	assert_int_equal(c.earliest, 100);
	assert_int_equal(c.latest, 250);
	assert_int_equal(c.ngaps, 0);
	catalog_choose(h, 2, 120, choice);
	assert_int_equal(choice[77], 0);
	catalog_choose(h, 2, 170, choice);
	assert_int_equal(choice[77], 1);
	free(choice);
	free_all(h, 2, &c);
}

/* A master that took over more slots: they count from the change on. */
static void test_slots_change(void **state)
{
	struct history h[2];
	struct catalog c;
	struct slotset more;
	const struct catalog_gap *g;
	(void)state;
	hist(&h[0], "a", "0-100", 100, 300);
	slotset_parse("0-200", &more);
	history_set_slots(&h[0], 150.5, &more);
	hist(&h[1], "b", "101-16383", 100, 150);
	assert_int_equal(catalog_build(h, 2, &c), 0);
	/* 101-200: b until 150, a from 151, so 100..300 like 0-100 (one
	 * range); 201-16383 only up to 150. */
	assert_int_equal(c.earliest, 100);
	assert_int_equal(c.latest, 150);
	assert_int_equal(catalog_check(&c, 150, &g), 0);
	assert_int_equal(c.nranges, 2);
	assert_int_equal(c.ranges[0].slot_first, 0);
	assert_int_equal(c.ranges[0].slot_last, 200);
	assert_int_equal(c.ranges[0].nspans, 1);
	assert_int_equal(c.ranges[0].spans[0].last, 300);
	assert_int_equal(c.ranges[1].slot_first, 201);
	assert_int_equal(c.ranges[1].spans[0].last, 150);
	free_all(h, 2, &c);
}

static void test_nothing_restorable(void **state)
{
	struct history h[1];
	struct catalog c;
	const struct catalog_gap *g;
	(void)state;
	assert_int_equal(catalog_build(NULL, 0, &c), 0);
	assert_true(c.earliest > c.latest);
	catalog_free(&c);
	hist(&h[0], "a", "0-16000", 100, 300); /* 16001-16383 never archived */
	assert_int_equal(catalog_build(h, 1, &c), 0);
	assert_true(c.earliest > c.latest);
	assert_int_equal(catalog_check(&c, 200, &g), -1);
	free_all(h, 1, &c);
	hist(&h[0], "a", "0-16383", 0, 0); /* base copy not in yet */
	assert_int_equal(catalog_build(h, 1, &c), 0);
	assert_true(c.earliest > c.latest);
	free_all(h, 1, &c);
}

static void test_bookkeeping_file(void **state)
{
	struct history h, back;
	struct slotset s;
	char err[200], *text;
	(void)state;
	hist(&h, "20261207T140509Z-8d2b2fbd", "0-5460", 1796652309.25, 1796652400.5);
	memcpy(h.replid, R1, sizeof(R1));
	h.offset = 123456;
	h.aof_size = 7890;
	h.last_ts = 1796652399;
	h.last_write = 1796652399.75;
	snprintf(h.source_id, sizeof(h.source_id), "%s", R1);
	snprintf(h.source_addr, sizeof(h.source_addr), "10.99.45.11:6379");
	h.master_offset = 123500;
	h.master_seen = 1796652400.0;
	snprintf(h.began, sizeof(h.began), "first base copy from 10.99.45.11:6379");
	slotset_parse("0-5461", &s);
	history_set_slots(&h, 1796652350, &s);
	history_set_slots(&h, 1796652351, &s); /* unchanged: not recorded again */
	history_add_blind(&h, 1796652360.5, 1796652363.25, "10.99.45.11:6379 closed the connection");
	text = history_format(&h);
	assert_non_null(text);
	history_init(&back, "x");
	assert_int_equal(history_parse(text, &back, err, sizeof(err)), 0);
	assert_string_equal(back.replid, R1);
	assert_int_equal(back.offset, 123456);
	assert_int_equal(back.aof_size, 7890);
	assert_int_equal(back.last_ts, 1796652399);
	assert_true(back.start == 1796652309.25);
	assert_true(back.covered == 1796652400.5);
	assert_string_equal(back.source_addr, "10.99.45.11:6379");
	assert_string_equal(back.began, "first base copy from 10.99.45.11:6379");
	assert_int_equal(back.nslots, 2);
	assert_true(slotset_has(&back.slots[1].set, 5461));
	assert_int_equal(back.nblind, 1);
	assert_string_equal(back.blind[0].why, "10.99.45.11:6379 closed the connection");
	assert_true(history_slots_at(&back, 1796652349.0) == &back.slots[0].set);
	assert_true(history_slots_at(&back, 1796652350.0) == &back.slots[1].set);
	free(text);
	history_free(&back);
	history_free(&h);
	history_init(&back, "x");
	assert_int_equal(history_parse("offset x\n", &back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1"));
	assert_int_equal(history_parse("replid abc\n", &back, err, sizeof(err)), -1);
	assert_int_equal(history_parse("slots 1 20000\n", &back, err, sizeof(err)), -1);
	assert_int_equal(history_parse("# later\nfuture_key 1\n", &back, err, sizeof(err)), 0);
	history_free(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slotset),
		cmocka_unit_test(test_one_history),
		cmocka_unit_test(test_shared_window),
		cmocka_unit_test(test_blind_span),
		cmocka_unit_test(test_resync_gap),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_slots_change),
		cmocka_unit_test(test_nothing_restorable),
		cmocka_unit_test(test_bookkeeping_file),
	};
	return cmocka_run_group_tests_name("catalog", tests, NULL, NULL);
}
