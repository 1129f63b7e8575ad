/* config.h - vipd configuration: libconfuse syntax, validated into plain
 * structs. Nothing here touches the network: a bad file is refused before
 * the daemon changes anything. */
#ifndef VIPD_CONFIG_H
#define VIPD_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "proto.h"

#define CONFIG_DEFAULT_SOCKET "/run/vipd/vipd.sock"
#define CONFIG_DEFAULT_STATE_DIR "/var/lib/vipd"
#define CONFIG_NAME_MAX 64
#define CONFIG_TARGET_MAX 1024        /* a track's URL or command */
#define CONFIG_MAX_PATHS 16           /* heartbeat_paths of one instance */
#define CONFIG_BFD_INTERVAL_US 50000  /* bfd { interval } when the section leaves it out */
#define CONFIG_BFD_MULTIPLIER 3

/* What a track follows. Its result moves the instance's priority by
 * weight (added while a positive-weight track passes, while a negative
 * one fails) or, with fault, puts the instance in Fault while it fails. */
enum track_kind { TRACK_INTERFACE, TRACK_HTTP, TRACK_SCRIPT };

struct track_config {
	enum track_kind kind;
	char name[CONFIG_NAME_MAX];   /* the section title; the interface for track_interface */
	char *target;                 /* interface name, URL or shell command */
	int expect;                   /* track_http: the status code that passes (default 200) */
	uint32_t interval_ms;         /* between checks (default 1 s) */
	uint32_t timeout_ms;          /* one check at most (default 1 s) */
	unsigned rise, fall;          /* passes to count as up, failures as down (default 2, 2) */
	int weight;                   /* -254..254; 0 with fault */
	bool fault;                   /* default when no weight is given */
	int line;
};

/* Where an instance's peers, the routers whose adverts it accepts, come
 * from. Without any, it accepts adverts from any sender, as vipd did
 * before the key existed. */
enum peers_from {
	PEERS_NONE = 0,               /* nothing configured: any sender */
	PEERS_ANY,                    /* peers = { } in the section: any sender */
	PEERS_OWN,                    /* the section's peers */
	PEERS_UNICAST,                /* its unicast_peers */
	PEERS_GLOBAL,                 /* the file's peers of the instance's family */
};

struct vip_config {
	char name[CONFIG_NAME_MAX];   /* the section title: what vipctl takes */
	char ifname[IF_NAMESIZE];
	int family;                   /* AF_INET or AF_INET6, from the addresses */
	uint8_t vrid;                 /* 1..255 */
	uint8_t priority;             /* 1..255 */
	uint16_t interval;            /* advert_interval in centiseconds, 1..4095 */
	bool preempt;                 /* default true */
	uint32_t preempt_delay_ms;    /* default 0 */
	bool accept_mode;             /* default true */
	enum vip_protocol protocol;   /* "vrrp3" (default) | "vrrp2" | "carp" */
	struct vrrp_auth auth;        /* vrrp2 text password, carp HMAC key and vaddr */
	enum vrrp_cksum checksum_mode;/* "pseudo-header" (default) | "rfc9568" */
	unsigned garp_count;          /* announcements on becoming master, default 3 */
	uint32_t garp_delay_ms;       /* between them, default 100 */
	size_t naddrs;
	struct ipprefix *addrs;       /* the VIPs, one family */
	size_t npeers;
	struct ipaddr *peers;         /* unicast_peers; empty: multicast */
	enum peers_from peers_from;
	size_t nrouters;
	struct ipaddr *routers;       /* the peers: adverts count from these only; empty: from anyone */
	int *router_lines;            /* where each is written (0: taken from unicast_peers) */
	size_t ntracks;
	struct track_config *tracks;  /* track_interface, track_http, track_script */
	bool wait_for_tracks;         /* stay backup after start until every track passes */
	char *notify;                 /* command run on each state change, NULL: none */
	uint32_t notify_timeout_ms;   /* killed after this (default 10 s) */
	unsigned notify_retries;      /* more runs after exit code 1 (default 3) */
	int group;                    /* index into vipd_config.groups, -1: none */
	size_t npaths;
	char (*paths)[IF_NAMESIZE];   /* heartbeat_paths: more links to advertise and listen on */
	int *path_lines;
	bool virtual_mac;             /* answer from 00-00-5E-00-01-{VRID} through a macvlan */
	bool bfd;                     /* BFD sessions with the peers speed up master-down detection */
	int line;                     /* where the section starts */
};

/* A sync group: instances that are master together or not at all. */
struct group_config {
	char name[CONFIG_NAME_MAX];
	size_t nmembers;
	size_t *members;              /* indexes into vipd_config.vips */
	int line;
};

/* The global bfd { } section: one set of timers for every session. */
struct bfd_config {
	uint32_t interval_us;         /* desired min TX and required min RX */
	uint8_t multiplier;           /* detect mult */
	int line;                     /* 0: no section, the defaults */
};

struct vipd_config {
	char *path;
	char *socket;                 /* control socket path */
	char *state_dir;              /* giveup state survives restarts here */
	char *metrics;                /* "ADDR:PORT" as written, NULL: no metrics */
	struct ipaddr metrics_addr;
	uint16_t metrics_port;
	size_t npeers;
	struct ipaddr *peers;         /* global peers: the default of every instance, either family */
	int *peer_lines;
	size_t nvips;
	struct vip_config *vips;
	size_t ngroups;
	struct group_config *groups;
	struct bfd_config bfd;
};

/* Parse and validate path. On success returns 0 and fills *out. On
 * failure returns -1 and writes one message per problem, each
 * "FILE:LINE: ..." naming the key and the value, newline-separated, into
 * err (truncated to errlen). */
int config_load(const char *path, struct vipd_config *out, char *err, size_t errlen);

void config_free(struct vipd_config *c);

/* The checks that need the host: a peer must not be one of its own
 * addresses (is_own says, with arg). 0 if none fails, else -1 with one
 * "FILE:LINE: ..." message per problem in err, as config_load(). */
int config_check_own(const struct vipd_config *c, bool (*is_own)(const struct ipaddr *a, void *arg), void *arg,
		     char *err, size_t errlen);

/* The check of vipd -t that needs the host: every heartbeat path names
 * an interface that exists (exists says, with arg). The daemon itself
 * starts without one, as without its main interface, and counts the path
 * as down until it appears. 0, or -1 with "FILE:LINE: ..." messages. */
int config_check_paths_exist(const struct vipd_config *c, bool (*exists)(const char *ifname, void *arg), void *arg,
			     char *err, size_t errlen);

/* Same instance definition (reload keeps the instance and its state).
 * Tracks, notify, groups and the peers are not part of it: they change
 * under a running instance. */
bool config_vip_equal(const struct vip_config *a, const struct vip_config *b);

/* Same check (a reload keeps its state and counters). */
bool config_track_equal(const struct track_config *a, const struct track_config *b);

const char *config_track_kind(enum track_kind k);

/* Find an instance by name, NULL if none. */
const struct vip_config *config_find(const struct vipd_config *c, const char *name);

#endif
