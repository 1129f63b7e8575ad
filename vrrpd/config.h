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
	int line;                     /* where the section starts */
};

struct vipd_config {
	char *path;
	char *socket;                 /* control socket path */
	char *state_dir;              /* giveup state survives restarts here */
	size_t nvips;
	struct vip_config *vips;
};

/* Parse and validate path. On success returns 0 and fills *out. On
 * failure returns -1 and writes one message per problem, each
 * "FILE:LINE: ..." naming the key and the value, newline-separated, into
 * err (truncated to errlen). */
int config_load(const char *path, struct vipd_config *out, char *err, size_t errlen);

void config_free(struct vipd_config *c);

/* Same instance definition (reload keeps the instance and its state). */
bool config_vip_equal(const struct vip_config *a, const struct vip_config *b);

/* Find an instance by name, NULL if none. */
const struct vip_config *config_find(const struct vipd_config *c, const char *name);

#endif
