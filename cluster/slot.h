/* slot.h - where a key lives in a Redis Cluster: hash slots, node
 * addresses, redirect errors and the slot map.
 *
 * Everything here is pure: it takes strings and reply trees and returns
 * values, so unit tests cover it without a server. The I/O lives in
 * client.c. */
#ifndef CLUSTER_SLOT_H
#define CLUSTER_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "hostport.h"
#include "slot_count.h"

#define SLOT_NONE UINT16_MAX /* slot_map.owner[] of a slot no node serves */

/* The hash slot of a key: CRC16-XMODEM mod 16384 of the key, or of the
 * part between the first '{' and the first '}' after it when that part is
 * not empty (a hash tag). */
uint16_t slot_of(const char *key, size_t len);

/* A node's client address. */
struct slot_addr {
	char host[HOSTPORT_HOST_MAX]; /* name, IPv4 or IPv6 literal (no brackets) */
	int port;
};

bool slot_addr_equal(const struct slot_addr *a, const struct slot_addr *b);

/* Parse "host:port", "[v6]:port" or the bare "v6:port" Redis puts in
 * redirects (the last ':' separates the port). An empty host is allowed:
 * Redis 7 sends one when it does not know the endpoint, meaning "the node
 * you are talking to". 0 on success, -1 when malformed. */
int slot_addr_parse(const char *s, size_t len, struct slot_addr *out);

/* "host:port", or "[v6]:port" for an IPv6 literal; returns buf, which must
 * hold HOSTPORT_STRLEN bytes. */
const char *slot_addr_str(const struct slot_addr *a, char *buf);

/* A "-MOVED slot host:port" or "-ASK slot host:port" error. */
enum slot_redirect_kind { SLOT_REDIRECT_NONE, SLOT_REDIRECT_MOVED, SLOT_REDIRECT_ASK };

struct slot_redirect {
	enum slot_redirect_kind kind;
	uint16_t slot;
	struct slot_addr addr; /* host "" = the node that sent the redirect */
};

/* Classify an error reply's text. SLOT_REDIRECT_NONE for any other error;
 * -1 when it starts with MOVED or ASK but does not parse. */
int slot_redirect_parse(const char *err, size_t len, struct slot_redirect *out);

/* Which master serves each slot. The node table also lists replicas, so a
 * refresh has somewhere to ask when masters are gone. */
struct slot_node {
	struct slot_addr addr;
	bool master;
};

struct slot_map {
	struct slot_node *nodes;
	size_t nnodes, cap;
	uint16_t owner[SLOT_COUNT]; /* index into nodes, or SLOT_NONE */
};

struct slot_map *slot_map_new(void);
void slot_map_free(struct slot_map *m);

/* Index of the node with this address, or -1. */
int slot_map_find(const struct slot_map *m, const struct slot_addr *a);

/* Index of the node with this address, added (as a master when master is
 * true, upgraded to one otherwise unchanged) when missing; -1 when out of
 * memory or the table is full. */
int slot_map_add_node(struct slot_map *m, const struct slot_addr *a, bool master);

/* The master serving slot, or NULL. */
const struct slot_addr *slot_map_owner(const struct slot_map *m, uint16_t slot);

/* Record that a slot moved (a MOVED redirect): 0, or -1 out of memory. */
int slot_map_set_owner(struct slot_map *m, uint16_t slot, const struct slot_addr *a);

/* Build a map from a CLUSTER SLOTS reply obtained from the node `from`
 * (whose host stands in for a node's empty or "?" endpoint). Returns a new
 * map, or NULL with a message in err. */
struct slot_map *slot_map_parse(const redisReply *r, const struct slot_addr *from, char *err,
				size_t errlen);

/* Number of slots some node serves. */
size_t slot_map_covered(const struct slot_map *m);

/* Add to m's node table (not as masters, serving nothing) every member
 * that CLUSTER NODES text from the node `from` lists with an address: a
 * master that serves no slot yet, which CLUSTER SLOTS leaves out, is the
 * target of ASK while the first slot migrates to it. A node still in
 * handshake is no member yet and is left out; an empty host is from's; a
 * node that announces a hostname is added by that name too. Returns how
 * many members were found, or -1 when a line is malformed or memory ran
 * out (m may then hold some of them). */
int slot_map_add_members(struct slot_map *m, const char *text, size_t len,
			 const struct slot_addr *from);

/* Whether a MOVED or ASK to a may be followed: only to a node of the map,
 * so the client never connects, let alone sends AUTH, to an address that
 * the nodes it trusts did not name. */
bool slot_map_redirect_allowed(const struct slot_map *m, const struct slot_addr *a);

#endif
