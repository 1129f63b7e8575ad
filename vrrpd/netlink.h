/* netlink.h - links and addresses through libnl-3 (route).
 *
 * A cache of links and addresses kept current by kernel notifications.
 * The daemon polls netlink_fd(); netlink_dispatch() applies what arrived
 * and calls the change callback once when anything changed, and the
 * daemon then re-evaluates its instances (cheap, and never misses an
 * event that a finer-grained callback could). */
#ifndef VIPD_NETLINK_H
#define VIPD_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct netlink;
typedef void (*netlink_change_cb)(void *arg);

struct link_info {
	int ifindex;
	bool up;        /* administratively up (IFF_UP) */
	bool running;   /* carrier / lower layer up (IFF_RUNNING, IFF_LOWER_UP) */
	uint8_t mac[6];
	unsigned mtu;
};

struct netlink *netlink_open(netlink_change_cb cb, void *arg, char *err, size_t errlen);
void netlink_close(struct netlink *nl);
int netlink_fd(const struct netlink *nl);
/* Read pending notifications; 0, or -1 on an error that needs a resync
 * (the cache is refilled, and the callback is called). */
int netlink_dispatch(struct netlink *nl);

/* 0 and *out filled if the interface exists, -1 if not. */
int netlink_link(struct netlink *nl, const char *ifname, struct link_info *out);

/* The address the instance speaks from: for IPv4 the first primary
 * (non-secondary) address that is not one of exclude[]; for IPv6 the
 * first link-local address that is not tentative or dadfailed.
 * 0 and *out filled, -1 if there is none. */
int netlink_primary_addr(struct netlink *nl, int ifindex, int family,
			 const struct ipprefix *exclude, size_t nexclude, struct ipaddr *out);

/* Is this exact address configured on ifindex? */
bool netlink_has_addr(struct netlink *nl, int ifindex, const struct ipaddr *a);

/* Is this address configured on any interface of this host? */
bool netlink_is_local(struct netlink *nl, const struct ipaddr *a);

/* Add / remove a VIP. IPv6 VIPs are added with IFA_F_NODAD so they are
 * usable (and announceable) at once. Adding an address that is already
 * there and removing one that is not (or whose interface is gone) are
 * successes. 0 or -1 with err. */
int netlink_add_addr(struct netlink *nl, int ifindex, const struct ipprefix *p, char *err, size_t errlen);
int netlink_del_addr(struct netlink *nl, int ifindex, const struct ipprefix *p, char *err, size_t errlen);

/* One address of a batch. The caller fills ifindex and p; the call sets
 * error (0, or the errno the kernel answered with) and why (its
 * extended-ACK text, "" if none). seq and done are the call's. */
struct netlink_addr_op {
	int ifindex;
	struct ipprefix p;
	int error;
	char why[96];
	uint32_t seq;
	bool done;
};

/* Add / remove many VIPs at once, on any interfaces: every request of a
 * round (up to NETLINK_BATCH of them) is sent before any answer is read,
 * each with its own sequence number and an ACK asked for, and the
 * answers are matched back to their addresses. The same successes as
 * netlink_add_addr / netlink_del_addr. Returns how many failed. */
size_t netlink_add_addrs(struct netlink *nl, struct netlink_addr_op *ops, size_t n);
size_t netlink_del_addrs(struct netlink *nl, struct netlink_addr_op *ops, size_t n);

/* What went wrong with a failed op, naming the address and the
 * interface: "eth0 (ifindex 2): cannot add 10.0.0.1/24: ...". */
void netlink_addr_op_error(struct netlink *nl, bool add, const struct netlink_addr_op *op, char *err,
			   size_t errlen);

/* IPv4: set net.ipv4.conf.IF.promote_secondaries on ifindex if it is 0,
 * so that removing the primary address of a subnet (a VIP may be one)
 * promotes a secondary instead of removing every address of the subnet
 * with it. 1 if it was changed, 0 if it was set already, -1 with err. */
int netlink_promote_secondaries(struct netlink *nl, int ifindex, char *err, size_t errlen);

#endif
