/* cluster_vectors.c - see cluster_vectors.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "cluster_vectors.h"

/* Healthy: three masters, three replicas, as seen by 7001 ... */
const char v_healthy[] =
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635506000 1 connected 5461-10922\n"
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635506073 0 connected\n"
	ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 1795635506375 1 connected\n"
	ID5 " 127.0.0.1:7005@17005 slave " ID3 " 0 1795635506073 4 connected\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 1795635506000 0 connected 0-5460\n"
	ID3 " 127.0.0.1:7003@17003 master - 0 1795635506375 4 connected 10923-16383\n";

/* ... and by 7004, in another order. */
const char v_healthy_7004[] =
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635506088 0 connected\n"
	ID3 " 127.0.0.1:7003@17003 master - 0 1795635506088 4 connected 10923-16383\n"
	ID5 " 127.0.0.1:7005@17005 slave " ID3 " 0 1795635506088 4 connected\n"
	ID4 " 127.0.0.1:7004@17004 myself,slave " ID2 " 0 1795635506000 1 connected\n"
	ID1 " 127.0.0.1:7001@17001 master - 0 1795635506088 0 connected 0-5460\n"
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635506390 1 connected 5461-10922\n";

/* Slot 100 migrating from 7001 to 7002 (7001's view) and importing (7002's). */
const char v_migrating[] =
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635510098 1 connected 5461-10922\n"
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635510098 0 connected\n"
	ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 1795635510098 1 connected\n"
	ID5 " 127.0.0.1:7005@17005 slave " ID3 " 0 1795635510098 4 connected\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 1795635509000 0 connected 0-5460 "
	"[100->-" ID2 "]\n"
	ID3 " 127.0.0.1:7003@17003 master - 0 1795635509394 4 connected 10923-16383\n";
const char v_importing_line[] =
	ID2 " 127.0.0.1:7002@17002 myself,master - 0 1795635510000 1 connected 5461-10922 "
	"[100-<-" ID1 "]\n";

/* 7003 killed: one second later only the link is down ... */
const char v_disconnected[] =
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635512113 1 connected 5461-10922\n"
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635512113 0 connected\n"
	ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 1795635512113 1 connected\n"
	ID5 " 127.0.0.1:7005@17005 slave " ID3 " 0 1795635512416 4 connected\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 1795635511000 0 connected 0-5460\n"
	ID3 " 127.0.0.1:7003@17003 master - 1795635512415 1795635511407 4 disconnected "
	"10923-16383\n";

/* ... four seconds later it is failed and 7005 took its slots. */
const char v_failover[] =
	ID2 " 127.0.0.1:7002@17002 master - 0 1795635515040 1 connected 5461-10922\n"
	ID6 " 127.0.0.1:7006@17006 slave " ID1 " 0 1795635515141 0 connected\n"
	ID4 " 127.0.0.1:7004@17004 slave " ID2 " 0 1795635515446 1 connected\n"
	ID5 " 127.0.0.1:7005@17005 master - 0 1795635515446 6 connected 10923-16383\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 1795635515000 0 connected 0-5460\n"
	ID3 " 127.0.0.1:7003@17003 master,fail - 1795635512415 1795635511407 4 disconnected\n";

/* 7006 killed too, caught while only 7001 suspects it (fail?). */
const char v_pfail_line[] =
	ID6 " 127.0.0.1:7006@17006 slave,fail? " ID1 " 1795635518169 1795635517162 0 disconnected\n";

/* 7001 announcing a hostname (cluster-announce-hostname), seen by 7002. */
const char v_hostname_line[] =
	ID1 " 127.0.0.1:7001@17001,redis01.lab master - 0 1795635526536 0 connected 0-5460\n";

/* Right after CLUSTER MEET: the new peers are still in handshake. */
const char v_handshake[] =
	"f78912f6fc31fcf2a8775799d15c6e8cec22565f 127.0.0.1:7003@17003 handshake - 0 0 0 "
	"disconnected\n"
	"91e13db00e81e15a64b1131b70740f229e0ac37f 127.0.0.1:7002@17002 handshake - 0 0 0 "
	"disconnected\n"
	ID1 " 127.0.0.1:7001@17001 myself,master - 0 0 0 connected 0-5460\n";

/* After CLUSTER RESET HARD: a new id, alone, no slots. */
const char v_reset[] =
	"ad6f35529d2cae182ae7df8a8a972044166b2bde 127.0.0.1:7001@17001,redis01.lab myself,master - 0 "
	"1795635526000 0 connected\n";

/* A cluster made by clusterctl create on three addresses (two instances
 * each), after both instances of 127.0.0.13 were SIGKILLed: its master's
 * replica on 127.0.0.12 took over, so 127.0.0.12 holds two masters. */
const char v_host_down[] =
	"d2ea5432338c8e047d1e6c922d688160463a9e3f 127.0.0.13:6380@16380 slave,fail "
	"c639d1a3259f606c1cb7434209f8135d73aaa648 1795636205138 1795636204130 1 disconnected\n"
	"c639d1a3259f606c1cb7434209f8135d73aaa648 127.0.0.11:6379@16379 myself,master - 0 "
	"1795636211000 1 connected 0-5461\n"
	"c067fc0d5c6685591ff3b1f26cbdcb7632b5c1fb 127.0.0.12:6379@16379 master - 0 1795636212000 2 "
	"connected 5462-10922\n"
	"455d290786e55832bc9770f35b54998ec268fe29 127.0.0.11:6380@16380 slave "
	"c067fc0d5c6685591ff3b1f26cbdcb7632b5c1fb 0 1795636212808 2 connected\n"
	"e032486ce2f223c942fd8a4b232120a98eea3afd 127.0.0.12:6380@16380 master - 0 1795636212202 7 "
	"connected 10923-16383\n"
	"26927cae59de00338c6961544a42c363b904659b 127.0.0.13:6379@16379 master,fail - 1795636205138 "
	"1795636204130 3 disconnected\n";

void parse_ok(const char *text, struct ctable *t)
{
	char err[256];
	if (ctable_parse(text, t, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* The captured cluster ran on one machine; give it three pretend hosts so
 * that replicas sit away from their masters: h1 = 7001 7005, h2 = 7002
 * 7006, h3 = 7003 7004. Every node answered the probes. */
void label_and_probe(struct ctable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct cnode *n = &t->nodes[i];
		int h = n->port == 7001 || n->port == 7005 ? 1 : n->port == 7002 || n->port == 7006 ? 2 : 3;
		snprintf(n->domain, sizeof(n->domain), "h%d", h);
		n->probe = (struct cnode_probe){ .probed = true, .reachable = !cnode_failed(n),
						 .state_ok = true, .agrees = true, .link_up = true,
						 .repl_offset = 5000 - (n->flags & CN_SLAVE ? n->port - 7000 : 0) };
	}
}
