/* vmac.h - the macvlan interface of an instance with virtual_mac = true
 * (RFC 5798 section 7.3), through libnl-route-3.
 *
 * The macvlan ("vrrp.<VRID>", "vrrp6.<VRID>" for IPv6) sits on the
 * instance's interface with the virtual router MAC, in bridge mode, so
 * that the VIPs of several instances on one parent reach each other. It
 * is down and holds no address while the instance is not master: then
 * nothing on this host answers ARP or neighbour solicitations for the
 * VIPs. As master it is up with the VIPs, and announcements and adverts
 * leave through it, from the virtual MAC.
 *
 * On the parent, arp_ignore is raised to 1 (answer ARP only for the
 * parent's own addresses) and arp_announce to 2 (ask from the parent's
 * own address): otherwise the parent would answer ARP for the VIPs, or
 * ask with a VIP as sender, with its own MAC. They are set through
 * netlink (IFLA_INET_CONF), which needs CAP_NET_ADMIN only, so a reload
 * after the privilege drop can still do it, and left as they are at exit.
 *
 * Each instance keeps a netlink socket of its own for these requests. */
#ifndef VIPD_VMAC_H
#define VIPD_VMAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrmac.h"

struct netlink;
struct nl_sock;

struct vmac {
	char name[VRMAC_NAME_MAX];
	uint8_t mac[6];
	int family;
	int ifindex;             /* the macvlan, 0 until made */
	int parent;              /* the ifindex it was made on */
	bool up;                 /* set up by us */
	struct nl_sock *sock;
};

/* NULL if out of memory. */
struct vmac *vmac_new(int family, unsigned vrid);
void vmac_free(struct vmac *v);

/* The macvlan exists on parent: made, or left over by a vipd that was
 * killed and reused (set down, its addresses are the caller's to
 * remove), or made again if it sits on another link or has another MAC.
 * nl (the cache) spares the kernel a question when nothing changed.
 * 0, or -1 with err. */
int vmac_ensure(struct vmac *v, struct netlink *nl, int parent, const char *parent_name, char *err, size_t errlen);

/* Link up (master) or down. 0, or -1 with err. */
int vmac_set_up(struct vmac *v, bool up, char *err, size_t errlen);

/* Whether the kernel has it up now (the netlink cache may lag behind our
 * own change). */
bool vmac_kernel_up(struct vmac *v);

/* Delete the macvlan (shutdown, the instance removed). */
void vmac_remove(struct vmac *v);

#endif
