/* test_slot.c - hash slots, node addresses, redirects and CLUSTER SLOTS.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Icluster \
 *            cluster/crc16.c cluster/slot.c tests/unit/test_slot.c -lhiredis -lcmocka */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crc16.h"
#include "slot.h"

static uint16_t slot(const char *key)
{
	return slot_of(key, strlen(key));
}

/* A reply tree from raw RESP, through hiredis's own reader. */
static redisReply *resp(const char *raw)
{
	redisReader *rd = redisReaderCreate();
	void *r = NULL;

	assert_non_null(rd);
	assert_int_equal(redisReaderFeed(rd, raw, strlen(raw)), REDIS_OK);
	assert_int_equal(redisReaderGetReply(rd, &r), REDIS_OK);
	assert_non_null(r);
	redisReaderFree(rd);
	return r;
}

static void test_crc16(void **state)
{
	(void)state;
	assert_int_equal(crc16_xmodem("123456789", 9), 0x31c3);
	assert_int_equal(crc16_xmodem("", 0), 0);
	assert_int_equal(crc16_xmodem("\0", 1), 0);
	assert_int_equal(crc16_xmodem("A", 1), 0x58e5);
}

/* Expected values are what CLUSTER KEYSLOT answers on Redis 7.0. */
static void test_slot_vectors(void **state)
{
	(void)state;
	assert_int_equal(slot("123456789"), 12739);
	assert_int_equal(slot("foo"), 12182);
	assert_int_equal(slot("bar"), 5061);
	assert_int_equal(slot("hello"), 866);
	assert_int_equal(slot("a"), 15495);
	assert_int_equal(slot(""), 0);
	/* A key with a NUL byte in it is hashed whole. */
	assert_int_not_equal(slot_of("a\0b", 3), slot("a"));
}

static void test_slot_hash_tags(void **state)
{
	(void)state;
	assert_int_equal(slot("{user1000}.following"), 3443);
	assert_int_equal(slot("{user1000}.following"), slot("{user1000}.followers"));
	assert_int_equal(slot("{user1000}.following"), slot("user1000"));
	/* "{}" is no tag: the whole key is hashed. */
	assert_int_equal(slot("foo{}{bar}"), 8363);
	assert_int_equal(slot("foo{}{bar}"), crc16_xmodem("foo{}{bar}", 10) % SLOT_COUNT);
	/* The first '{' and the first '}' after it: the tag is "{bar". */
	assert_int_equal(slot("foo{{bar}}zap"), slot("{bar"));
	assert_int_equal(slot("foo{{bar}}zap"), 4015);
	/* Only the first tag counts. */
	assert_int_equal(slot("foo{bar}{zap}"), slot("bar"));
	/* No closing brace, or a '}' before the '{': no tag. */
	assert_int_equal(slot("foo{bar"), 15278);
	assert_int_equal(slot("}foo{"), 8453);
	/* The tag ends at the given length, not at a later '}'. */
	assert_int_equal(slot_of("{ab}", 3), slot("{ab"));
}

static void test_addr_parse(void **state)
{
	struct slot_addr a;
	char buf[HOSTPORT_STRLEN];

	(void)state;
	assert_int_equal(slot_addr_parse("127.0.0.1:6381", 14, &a), 0);
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 6381);
	assert_string_equal(slot_addr_str(&a, buf), "127.0.0.1:6381");

	assert_int_equal(slot_addr_parse("[::1]:6380", 10, &a), 0);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 6380);
	assert_string_equal(slot_addr_str(&a, buf), "[::1]:6380");

	/* Redis writes IPv6 redirects without brackets: the last ':' wins. */
	assert_int_equal(slot_addr_parse("2001:db8::1:6380", 16, &a), 0);
	assert_string_equal(a.host, "2001:db8::1");
	assert_int_equal(a.port, 6380);
	assert_string_equal(slot_addr_str(&a, buf), "[2001:db8::1]:6380");

	assert_int_equal(slot_addr_parse("redis-1.lab:7000", 16, &a), 0);
	assert_string_equal(a.host, "redis-1.lab");

	/* An unknown endpoint: empty host. */
	assert_int_equal(slot_addr_parse(":6380", 5, &a), 0);
	assert_string_equal(a.host, "");
	assert_int_equal(a.port, 6380);

	/* Only len bytes count. */
	assert_int_equal(slot_addr_parse("10.0.0.1:6379xyz", 13, &a), 0);
	assert_int_equal(a.port, 6379);

	const char *bad[] = { "host", "host:", "host:0", "host:65536", "host:12a", "host:-1",
			      "[::1:6380", "::1]:6380", "host:123456", "host: 80" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(slot_addr_parse(bad[i], strlen(bad[i]), &a), -1);
}

static int redirect(const char *s, struct slot_redirect *r)
{
	return slot_redirect_parse(s, strlen(s), r);
}

static void test_redirect_parse(void **state)
{
	struct slot_redirect r;

	(void)state;
	assert_int_equal(redirect("MOVED 3999 127.0.0.1:6381", &r), SLOT_REDIRECT_MOVED);
	assert_int_equal(r.kind, SLOT_REDIRECT_MOVED);
	assert_int_equal(r.slot, 3999);
	assert_string_equal(r.addr.host, "127.0.0.1");
	assert_int_equal(r.addr.port, 6381);

	assert_int_equal(redirect("ASK 3999 10.0.0.5:6380", &r), SLOT_REDIRECT_ASK);
	assert_int_equal(r.kind, SLOT_REDIRECT_ASK);
	assert_int_equal(r.slot, 3999);
	assert_string_equal(r.addr.host, "10.0.0.5");
	assert_int_equal(r.addr.port, 6380);

	assert_int_equal(redirect("MOVED 16383 2001:db8::5:6380", &r), SLOT_REDIRECT_MOVED);
	assert_int_equal(r.slot, 16383);
	assert_string_equal(r.addr.host, "2001:db8::5");
	assert_int_equal(r.addr.port, 6380);

	assert_int_equal(redirect("ASK 0 [fe80::1]:7000", &r), SLOT_REDIRECT_ASK);
	assert_int_equal(r.slot, 0);
	assert_string_equal(r.addr.host, "fe80::1");

	assert_int_equal(redirect("MOVED 12 :6381", &r), SLOT_REDIRECT_MOVED);
	assert_string_equal(r.addr.host, "");
	assert_int_equal(r.addr.port, 6381);

	/* Other errors are not redirects. */
	assert_int_equal(redirect("ERR unknown command", &r), SLOT_REDIRECT_NONE);
	assert_int_equal(r.kind, SLOT_REDIRECT_NONE);
	assert_int_equal(redirect("CLUSTERDOWN The cluster is down", &r), SLOT_REDIRECT_NONE);
	assert_int_equal(redirect("MOVEDX 1 h:1", &r), SLOT_REDIRECT_NONE);
	assert_int_equal(redirect("ASKING", &r), SLOT_REDIRECT_NONE);

	/* Redirects that do not parse. */
	const char *bad[] = { "MOVED ", "MOVED 16384 h:1", "MOVED abc h:1", "MOVED 1 h", "MOVED 1",
			      "MOVED 1  h:1", "ASK 3999 127.0.0.1:6381 extra", "ASK -1 h:1",
			      "MOVED 99999999999999999999 h:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(redirect(bad[i], &r), -1);
		assert_int_equal(r.kind, SLOT_REDIRECT_NONE);
	}
}

/* Three masters with a replica each, as Redis 7.0 answers: the node
 * entries carry an id and a metadata map; one master has a hostname only,
 * one an unknown endpoint ("?"), one replica a nil endpoint. */
static const char SLOTS[] =
	"*3\r\n"
	"*4\r\n:0\r\n:5460\r\n"
	"*4\r\n$9\r\n127.0.0.1\r\n:7101\r\n$2\r\nid\r\n*0\r\n"
	"*4\r\n$9\r\n127.0.0.1\r\n:7106\r\n$2\r\nid\r\n*0\r\n"
	"*4\r\n:5461\r\n:10922\r\n"
	"*4\r\n$11\r\nredis-2.lab\r\n:7102\r\n$2\r\nid\r\n*2\r\n$8\r\nhostname\r\n$3\r\nr-2\r\n"
	"*3\r\n$-1\r\n:7104\r\n$2\r\nid\r\n"
	"*4\r\n:10923\r\n:16383\r\n"
	"*3\r\n$1\r\n?\r\n:7103\r\n$2\r\nid\r\n"
	"*2\r\n$7\r\n::ffff1\r\n:7105\r\n";

static void test_map_parse(void **state)
{
	struct slot_addr from = { "10.1.1.1", 7000 };
	char err[256] = "";
	redisReply *r = resp(SLOTS);
	struct slot_map *m = slot_map_parse(r, &from, err, sizeof(err));
	char buf[HOSTPORT_STRLEN];

	(void)state;
	assert_non_null(m);
	assert_int_equal(slot_map_covered(m), SLOT_COUNT);
	assert_int_equal(m->nnodes, 6);
	assert_string_equal(slot_addr_str(slot_map_owner(m, 0), buf), "127.0.0.1:7101");
	assert_string_equal(slot_addr_str(slot_map_owner(m, 5460), buf), "127.0.0.1:7101");
	assert_string_equal(slot_addr_str(slot_map_owner(m, 5461), buf), "redis-2.lab:7102");
	assert_string_equal(slot_addr_str(slot_map_owner(m, 10922), buf), "redis-2.lab:7102");
	/* "?" and nil: the host of the node that answered. */
	assert_string_equal(slot_addr_str(slot_map_owner(m, 10923), buf), "10.1.1.1:7103");
	assert_string_equal(slot_addr_str(slot_map_owner(m, 16383), buf), "10.1.1.1:7103");
	struct slot_addr replica = { "10.1.1.1", 7104 }, v6 = { "::ffff1", 7105 };
	int i = slot_map_find(m, &replica);
	assert_true(i >= 0);
	assert_false(m->nodes[i].master);
	i = slot_map_find(m, &v6);
	assert_true(i >= 0);
	assert_false(m->nodes[i].master);
	assert_true(m->nodes[slot_map_find(m, slot_map_owner(m, 0))].master);

	/* MOVED: the slot alone changes hands; a new node joins the table. */
	struct slot_addr moved = { "127.0.0.1", 7200 };
	assert_int_equal(slot_map_set_owner(m, 42, &moved), 0);
	assert_string_equal(slot_addr_str(slot_map_owner(m, 42), buf), "127.0.0.1:7200");
	assert_string_equal(slot_addr_str(slot_map_owner(m, 41), buf), "127.0.0.1:7101");
	assert_int_equal(m->nnodes, 7);
	/* A replica named by a MOVED becomes a master. */
	assert_int_equal(slot_map_set_owner(m, 43, &replica), 0);
	assert_true(m->nodes[slot_map_find(m, &replica)].master);
	assert_int_equal(m->nnodes, 7);

	slot_map_free(m);
	freeReplyObject(r);
}

static void test_map_partial(void **state)
{
	char err[256];
	struct slot_addr from = { "h", 1 };
	redisReply *r = resp("*1\r\n*3\r\n:100\r\n:199\r\n*2\r\n$1\r\na\r\n:1\r\n");
	struct slot_map *m = slot_map_parse(r, &from, err, sizeof(err));

	(void)state;
	assert_non_null(m);
	assert_int_equal(slot_map_covered(m), 100);
	assert_null(slot_map_owner(m, 99));
	assert_non_null(slot_map_owner(m, 100));
	assert_null(slot_map_owner(m, 200));
	slot_map_free(m);
	freeReplyObject(r);

	r = resp("*0\r\n");
	m = slot_map_parse(r, &from, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(slot_map_covered(m), 0);
	slot_map_free(m);
	freeReplyObject(r);
}

static void expect_bad_map(const char *raw, const char *msg)
{
	char err[256] = "";
	struct slot_addr from = { "h", 1 };
	redisReply *r = resp(raw);

	assert_null(slot_map_parse(r, &from, err, sizeof(err)));
	assert_string_equal(err, msg);
	freeReplyObject(r);
}

static void test_map_bad(void **state)
{
	(void)state;
	expect_bad_map("-NOAUTH Authentication required.\r\n",
		       "CLUSTER SLOTS: NOAUTH Authentication required.");
	expect_bad_map("+OK\r\n", "CLUSTER SLOTS: reply is not an array");
	expect_bad_map("*1\r\n:1\r\n", "CLUSTER SLOTS: range 0: not [start, end, master, ...]");
	expect_bad_map("*1\r\n*2\r\n:1\r\n:2\r\n",
		       "CLUSTER SLOTS: range 0: not [start, end, master, ...]");
	expect_bad_map("*1\r\n*3\r\n:5\r\n:4\r\n*2\r\n$1\r\na\r\n:1\r\n",
		       "CLUSTER SLOTS: range 0: bad slots 5-4");
	expect_bad_map("*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\na\r\n:1\r\n",
		       "CLUSTER SLOTS: range 0: bad slots 0-16384");
	expect_bad_map("*2\r\n*3\r\n:0\r\n:1\r\n*2\r\n$1\r\na\r\n:1\r\n"
		       "*3\r\n:2\r\n:3\r\n*2\r\n$1\r\na\r\n$4\r\n7000\r\n",
		       "CLUSTER SLOTS: range 1: node 0 is not [host, port, ...]");
	expect_bad_map("*1\r\n*4\r\n:0\r\n:1\r\n*2\r\n$1\r\na\r\n:1\r\n*1\r\n$1\r\nb\r\n",
		       "CLUSTER SLOTS: range 0: node 1 is not [host, port, ...]");
	expect_bad_map("*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$1\r\na\r\n:0\r\n",
		       "CLUSTER SLOTS: range 0: node 0 is not [host, port, ...]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc16),
		cmocka_unit_test(test_slot_vectors),
		cmocka_unit_test(test_slot_hash_tags),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_redirect_parse),
		cmocka_unit_test(test_map_parse),
		cmocka_unit_test(test_map_partial),
		cmocka_unit_test(test_map_bad),
	};
	return cmocka_run_group_tests_name("slot", tests, NULL, NULL);
}
