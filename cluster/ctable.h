/* ctable.h - a running cluster as one node sees it: CLUSTER NODES parsed
 * into a table, and the fields of INFO text.
 *
 * Pure: admin.c fetches the text, this turns it into values, so the unit
 * tests drive it with captured output. */
#ifndef CLUSTER_CTABLE_H
#define CLUSTER_CTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "hostport.h"

#define NODE_ID_LEN 40      /* Redis node ids: 40 hex characters */

enum cnode_flag {
	CN_MYSELF = 1 << 0,
	CN_MASTER = 1 << 1,
	CN_SLAVE = 1 << 2,
	CN_PFAIL = 1 << 3,      /* "fail?": this node's own suspicion */
	CN_FAIL = 1 << 4,       /* agreed by a majority of masters */
	CN_HANDSHAKE = 1 << 5,
	CN_NOADDR = 1 << 6,
	CN_NOFAILOVER = 1 << 7,
};

struct slot_range {
	int first, last;
};

struct open_slot {
	int slot;
	bool importing;              /* false: migrating */
	char peer[NODE_ID_LEN + 1];  /* the node the slot moves to or comes from */
};

/* What admin.c learned by talking to a node itself; the parser leaves it
 * zeroed and the health check reads it only when probed is set. */
struct cnode_probe {
	bool probed;
	bool reachable;
	char error[320];             /* why not reachable */
	bool state_ok;               /* its CLUSTER INFO says cluster_state:ok */
	bool agrees;                 /* its CLUSTER NODES gives the seed's configuration */
	bool link_up;                /* replicas: master_link_status:up */
	long long repl_offset;       /* master_repl_offset, or slave_repl_offset on a replica */
};

struct cnode {
	char id[NODE_ID_LEN + 1];
	char host[HOSTPORT_HOST_MAX];     /* "" for noaddr */
	int port, cport;
	char hostname[HOSTPORT_HOST_MAX]; /* announced hostname (redis 7), or "" */
	unsigned flags;                   /* enum cnode_flag */
	char master_id[NODE_ID_LEN + 1];  /* "" for a master */
	long long config_epoch;
	long long pong_recv_ms;           /* unix ms of its last PONG to the reporter (0: none) */
	bool connected;                   /* link-state, as the reporting node sees it */
	struct slot_range *slots;
	size_t nslots;
	struct open_slot *open;
	size_t nopen;
	/* The failure domain, set by the caller: a label (shorter than any
	 * host), else the host. */
	char domain[HOSTPORT_HOST_MAX];
	struct cnode_probe probe;
};

struct ctable {
	struct cnode *nodes;
	size_t n;
};

/* Parse CLUSTER NODES output. Returns 0, or -1 with err naming the line. On
 * success every node's domain is its host; ctable_free releases it all. */
int ctable_parse(const char *text, struct ctable *t, char *err, size_t errlen);
void ctable_free(struct ctable *t);
int ctable_find(const struct ctable *t, const char *id);        /* index or -1 */
int ctable_find_addr(const struct ctable *t, const char *host, int port);
int ctable_myself(const struct ctable *t);                       /* index or -1 */
int cnode_slot_count(const struct cnode *n);
bool cnode_failed(const struct cnode *n); /* fail, fail?, noaddr, or not reachable when probed */

/* How reports name a node: "host:port", or its id when it has no address.
 * Returns buf. */
const char *cnode_name(const struct cnode *n, char *buf, size_t len);

/* The flags as CLUSTER NODES writes them ("myself,master"), "" for none. */
void cnode_flags_format(unsigned flags, char *buf, size_t len);

/* The configuration a node holds, as one canonical string (ids, roles, who
 * replicates whom, slot ranges; not failure flags or link states), so two
 * nodes agree exactly when their strings are equal. malloc'd; NULL on OOM. */
char *ctable_signature(const struct ctable *t);

/* One "key:value" field of INFO or CLUSTER INFO text into out; 0, or -1 if
 * absent. */
int info_field(const char *text, const char *key, char *out, size_t len);

#endif
