/* cluster_vectors.h - CLUSTER NODES output captured from redis-server
 * 7.0.15 (Debian 12), shared by the unit tests of the parser (test_ctable),
 * the health check (test_health) and the heal plans (test_heal_plan). */
#ifndef TESTS_CLUSTER_VECTORS_H
#define TESTS_CLUSTER_VECTORS_H

#include "ctable.h"

#define ID1 "db5ea048f36a0aa3ce9d30766071111593a2a476" /* 127.0.0.1:7001 */
#define ID2 "c6660a8f8de2acdea713b1470ff6a5772f51e8ed" /* 7002 */
#define ID3 "3b77a750c94c4950ce5247acc78c1c360bdd8438" /* 7003 */
#define ID4 "3c56f9ebd2c61eb9e7b255fcb941bed632e83289" /* 7004 */
#define ID5 "75bc734536e381358fc6ade77c8afa0a89542628" /* 7005 */
#define ID6 "67f17759da6e50156fdf5afdb091123d47b9aae9" /* 7006 */

/* Six nodes on 127.0.0.1:7001..7006, in turn healthy, migrating a slot,
 * losing 7003 and failing it over; see cluster_vectors.c. */
extern const char v_healthy[], v_healthy_7004[], v_migrating[], v_importing_line[],
	v_disconnected[], v_failover[], v_pfail_line[], v_hostname_line[], v_handshake[], v_reset[];

/* Three addresses, two nodes each, after one address's host went down. */
extern const char v_host_down[];

/* ctable_parse that fails the test, with the parser's message, on error. */
void parse_ok(const char *text, struct ctable *t);

/* Three pretend hosts for the one-machine captures (h1 = 7001 7005,
 * h2 = 7002 7006, h3 = 7003 7004) and a probe answer from every live node. */
void label_and_probe(struct ctable *t);

#endif
