/* placement.h - where a Redis Cluster's masters, replicas and slots go, and
 * whether a running cluster still looks that way.
 *
 * Pure code: it takes node lists, CLUSTER NODES text and INFO text as
 * arguments and returns plans and reports. Nothing here opens a socket, so
 * the unit tests drive every rule with plain strings; clusterctl and admin.c
 * do the talking.
 *
 * A failure domain is what a master and its replicas must not share: the
 * operator's LABEL for a node, or its IP address when there is none. */
#ifndef CLUSTER_PLACEMENT_H
#define CLUSTER_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>

#define CLUSTER_SLOTS 16384
#define PLACEMENT_MAX_NODES 1000
#define PLACEMENT_MIN_MASTERS 3
#define NODE_HOST_MAX 256   /* a DNS name (253) or an IPv6 address, plus NUL */
#define NODE_LABEL_MAX 64
#define NODE_ID_LEN 40      /* Redis node ids: 40 hex characters */

/* --- Node addresses as the operator writes them: HOST:PORT[@LABEL] ------ */

struct node_addr {
	char host[NODE_HOST_MAX];  /* "10.0.0.1", "redis01", "fd00::1" (no brackets) */
	int port;
	char label[NODE_LABEL_MAX]; /* "" when there is none */
};

/* Parse "HOST:PORT", "HOST:PORT@LABEL" or "[V6]:PORT[@LABEL]". Returns 0, or
 * -1 with a message in err that quotes the text. */
int node_addr_parse(const char *text, struct node_addr *a, char *err, size_t errlen);

/* "host:port" (IPv6 in brackets) into buf; returns buf. */
char *node_addr_format(const char *host, int port, char *buf, size_t len);

/* Order two hosts: IP addresses numerically (10.0.0.9 before 10.0.0.10),
 * anything else by name. */
int host_compare(const char *a, const char *b);

/* --- Placement: a new cluster's layout ----------------------------------- */

struct placement_node {
	const char *host;
	int port;
	const char *domain;        /* failure domain: label, else IP */
};

struct placement_role {
	int master;                /* -1: a master; else the index of its master */
	int rank;                  /* masters: 0.. in slot order; replicas: -1 */
	int slot_first, slot_last; /* masters only; -1 for replicas */
	bool colocated;            /* a replica in its master's domain (allowed only on request) */
};

/* Decide the role of each of the n nodes (roles has n entries, indexed like
 * nodes). Masters go one per failure domain in turn, fullest domains first;
 * the 16384 slots are split into contiguous ranges whose sizes differ by at
 * most one; each master gets `replicas` replicas, each outside its domain and
 * in a domain of their own, and the replicas left over are spread one per
 * master. The result depends only on the set of nodes, not their order.
 * Returns 0, or -1 with the reason in err when the input is unusable or the
 * anti-affinity rules cannot be met (unless allow_colocated). */
int placement_plan(const struct placement_node *nodes, size_t n, int replicas,
		   bool allow_colocated, struct placement_role *roles, char *err, size_t errlen);

/* --- A running cluster: CLUSTER NODES, parsed ---------------------------- */

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
 * zeroed and the check reads it only when probed is set. */
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
	char host[NODE_HOST_MAX];    /* "" for noaddr */
	int port, cport;
	char hostname[NODE_HOST_MAX]; /* announced hostname (redis 7), or "" */
	unsigned flags;              /* enum cnode_flag */
	char master_id[NODE_ID_LEN + 1]; /* "" for a master */
	long long config_epoch;
	bool connected;              /* link-state, as the reporting node sees it */
	struct slot_range *slots;
	size_t nslots;
	struct open_slot *open;
	size_t nopen;
	char domain[NODE_HOST_MAX];  /* set by the caller: label, else host */
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

/* The configuration a node holds, as one canonical string (ids, roles, who
 * replicates whom, slot ranges; not failure flags or link states), so two
 * nodes agree exactly when their strings are equal. malloc'd; NULL on OOM. */
char *ctable_signature(const struct ctable *t);

/* One "key:value" field of INFO or CLUSTER INFO text into out; 0, or -1 if
 * absent. */
int info_field(const char *text, const char *key, char *out, size_t len);

/* --- The health check ---------------------------------------------------- */

enum violation_kind {
	VIOL_REPLICA_IN_MASTER_DOMAIN, /* node is a replica in its master's domain */
	VIOL_NO_REMOTE_REPLICA,        /* node is a master with no working replica elsewhere */
};

struct violation {
	enum violation_kind kind;
	int node;
	int master;                    /* VIOL_REPLICA_IN_MASTER_DOMAIN only, else -1 */
};

struct domain_stat {
	const char *name;              /* points into the table */
	int nodes, failed, masters, replicas;
	bool over_share;               /* more masters than the fair share */
};

struct check_report {
	int assigned;                  /* slots some master claims */
	int served;                    /* ...and that master is not failed */
	struct slot_range *missing;    /* slots no master claims */
	size_t nmissing;
	int *open;                     /* nodes with migrating/importing slots */
	size_t nopen;
	int *failed;                   /* failed or unreachable nodes */
	size_t nfailed;
	struct violation *violations;
	size_t nviolations;
	struct domain_stat *domains;   /* sorted by name */
	size_t ndomains;
	int masters;                   /* working masters with slots */
	int fair_share;                /* ceil(masters / domains) */
	int over_share;                /* domains above the fair share */
	int *link_down;                /* reachable replicas whose link is down */
	size_t nlink_down;
	int *disagree;                 /* reachable nodes whose configuration differs */
	size_t ndisagree;
	int *state_fail;               /* reachable nodes reporting cluster_state:fail */
	size_t nstate_fail;
	long long *lag;                /* per node: master offset - replica offset, -1 unknown */
	bool healthy;
};

/* Judge a cluster from the seed's table (domains and probes filled in).
 * Returns 0, or -1 when out of memory. */
int check_cluster(const struct ctable *t, struct check_report *r);
void check_report_free(struct check_report *r);

/* --- Repair: the next step towards a healthy cluster --------------------
 * clusterctl add, heal and watch re-read the cluster after every change and
 * ask these functions what to do next, so each decision is made on what
 * the cluster says now and one move happens at a time. */

/* The master a replica in `domain` should follow: a working master with
 * slots outside that domain (never inside it); among those the fewest
 * working replicas (extra[i], when extra is not NULL, adds replicas planned
 * for master i but not made yet; node `self`, when >= 0, is not counted),
 * then the one whose domain holds the most masters (its new replica can
 * take a master over later), then address order. Index, or -1 if none. */
int repair_pick_master(const struct ctable *t, const char *domain, const int *extra, int self);

/* Masters for n new nodes (domains[i] is node i's failure domain), chosen
 * one after the other with repair_pick_master so that they spread: out[i]
 * is a table index, or -1 when no master outside its domain exists.
 * Returns the number of nodes without a master, or -1 when out of memory. */
int repair_plan_add(const struct ctable *t, const char *const *domains, size_t n, int *out);

enum repair_kind {
	REPAIR_NONE,          /* nothing to do, or nothing that can be done: see reason */
	REPAIR_REPLICATE,     /* node: CLUSTER REPLICATE <target> (orphaned or misplaced replica) */
	REPAIR_FORGET,        /* node: CLUSTER FORGET it on every live node */
	REPAIR_TAKEOVER,      /* node: CLUSTER FAILOVER FORCE, its master target is dead */
	REPAIR_FAILOVER,      /* node: CLUSTER FAILOVER, moving target's slots to its domain */
};

struct repair_step {
	enum repair_kind kind;
	int node, target;     /* table indexes; -1 when unused */
	bool balanced;        /* REPAIR_NONE: no domain holds more than its share */
	char reason[600];     /* one line: why this step, or why none */
};

/* The next repair, in this order: re-attach live replicas whose master is
 * gone, failed without slots, not a master, or in their own domain; forget
 * failed nodes that serve no slot (never one that does); promote a replica
 * of a failed master that still holds slots (FORCE: its master cannot take
 * part); then, while a domain holds more masters than its fair share, fail
 * over to a caught-up replica of one of its masters that sits in a domain
 * below its share (fewest masters first, then least lag). The table must
 * have domains and probes set as for check_cluster. Returns 0, or -1 when
 * out of memory. */
int repair_next(const struct ctable *t, struct repair_step *s);

#endif
