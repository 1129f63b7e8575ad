/* vmac.c - the macvlan of a virtual_mac instance (vmac.h). */
#include "vmac.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/ip.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/socket.h>

#include "log.h"
#include "netlink.h"

struct vmac *vmac_new(int family, unsigned vrid)
{
	struct vmac *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	if (vrmac_address(family, vrid, v->mac) < 0 || vrmac_ifname(family, vrid, v->name) < 0) {
		free(v);
		return NULL;
	}
	v->family = family;
	return v;
}

void vmac_free(struct vmac *v)
{
	if (!v)
		return;
	if (v->sock)
		nl_socket_free(v->sock);
	free(v);
}

static int vmac_sock(struct vmac *v, char *err, size_t errlen)
{
	int rc;

	if (v->sock)
		return 0;
	if (!(v->sock = nl_socket_alloc())) {
		snprintf(err, errlen, "%s: out of memory", v->name);
		return -1;
	}
	if ((rc = nl_connect(v->sock, NETLINK_ROUTE)) < 0) {
		snprintf(err, errlen, "%s: cannot open a netlink socket: %s", v->name, nl_geterror(rc));
		nl_socket_free(v->sock);
		v->sock = NULL;
		return -1;
	}
	return 0;
}

/* A link object that names ifindex, for change and delete requests. */
static struct rtnl_link *vmac_ref(int ifindex)
{
	struct rtnl_link *l = rtnl_link_alloc();

	if (l)
		rtnl_link_set_ifindex(l, ifindex);
	return l;
}

/* Raise (never lower) the parent's arp_ignore and arp_announce: the
 * kernel uses the higher of "all" and the interface's own, and an
 * operator's stricter choice stays. */
static void vmac_parent_conf(struct vmac *v, int parent, const char *parent_name)
{
	static const struct {
		unsigned id;
		uint32_t value;
		const char *name;
	} want[] = { { IPV4_DEVCONF_ARP_IGNORE, 1, "arp_ignore" }, { IPV4_DEVCONF_ARP_ANNOUNCE, 2, "arp_announce" } };
	struct rtnl_link *cur = NULL, *chg;
	bool any = false;
	char said[128] = "";
	size_t o = 0;
	int rc;

	if (rtnl_link_get_kernel(v->sock, parent, NULL, &cur) < 0 || !(chg = rtnl_link_alloc())) {
		rtnl_link_put(cur);
		return;
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint32_t now = 0;
		if (rtnl_link_inet_get_conf(cur, want[i].id, &now) == 0 && now >= want[i].value)
			continue;
		rtnl_link_inet_set_conf(chg, want[i].id, want[i].value);
		o += (size_t)snprintf(said + o, sizeof(said) - o, "%s%s %u", any ? ", " : "", want[i].name,
				      want[i].value);
		any = true;
	}
	if (any && (rc = rtnl_link_change(v->sock, cur, chg, 0)) < 0)
		log_warn("%s: cannot set %s on %s: %s (the parent may answer ARP for the VIPs with its own MAC)",
			 v->name, said, parent_name, nl_geterror(rc));
	else if (any)
		log_info("%s: set %s on %s, so that only %s answers ARP for the VIPs", v->name, said, parent_name,
			 v->name);
	rtnl_link_put(chg);
	rtnl_link_put(cur);
}

/* Best effort: no link-local address on the macvlan (both routers'
 * would be the same, derived from the one MAC), loose reverse-path
 * filtering (the replies to clients leave through the parent). */
static void vmac_own_conf(struct vmac *v)
{
	struct rtnl_link *ref = vmac_ref(v->ifindex), *chg = rtnl_link_alloc();

	if (ref && chg) {
		rtnl_link_inet6_set_addr_gen_mode(chg, IN6_ADDR_GEN_MODE_NONE);
		rtnl_link_inet_set_conf(chg, IPV4_DEVCONF_RP_FILTER, 2);
		int rc = rtnl_link_change(v->sock, ref, chg, 0);
		if (rc < 0)
			log_debug("%s: cannot set addr_gen_mode and rp_filter: %s", v->name, nl_geterror(rc));
	}
	rtnl_link_put(ref);
	rtnl_link_put(chg);
}

static int vmac_create(struct vmac *v, int parent, char *err, size_t errlen)
{
	struct rtnl_link *l = rtnl_link_macvlan_alloc(), *got = NULL;
	struct nl_addr *a = nl_addr_build(AF_LLC, v->mac, sizeof(v->mac));
	int rc = -NLE_NOMEM;

	if (l && a) {
		rtnl_link_set_name(l, v->name);
		rtnl_link_set_link(l, parent);
		rtnl_link_set_addr(l, a);
		rtnl_link_macvlan_set_mode(l, MACVLAN_MODE_BRIDGE);
		rc = rtnl_link_add(v->sock, l, NLM_F_CREATE | NLM_F_EXCL);
	}
	nl_addr_put(a);
	rtnl_link_put(l);
	if (rc >= 0)
		rc = rtnl_link_get_kernel(v->sock, 0, v->name, &got);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create macvlan %s: %s", v->name, nl_geterror(rc));
		return -1;
	}
	v->ifindex = rtnl_link_get_ifindex(got);
	rtnl_link_put(got);
	v->parent = parent;
	v->up = false;
	vmac_own_conf(v);
	log_info("%s: macvlan created (ifindex %d)", v->name, v->ifindex);
	return 0;
}

/* What to do with a link already called v->name: 1 reuse, 0 replace,
 * -1 leave alone (not ours). */
static int vmac_judge(const struct vmac *v, struct rtnl_link *l, int parent)
{
	const char *type = rtnl_link_get_type(l);
	struct nl_addr *a = rtnl_link_get_addr(l);

	if (!type || strcmp(type, "macvlan") != 0)
		return -1;
	return rtnl_link_get_link(l) == parent && a && nl_addr_get_len(a) == sizeof(v->mac) &&
	       memcmp(nl_addr_get_binary_addr(a), v->mac, sizeof(v->mac)) == 0 &&
	       rtnl_link_macvlan_get_mode(l) == MACVLAN_MODE_BRIDGE;
}

int vmac_ensure(struct vmac *v, struct netlink *nl, int parent, const char *parent_name, char *err, size_t errlen)
{
	struct link_info li;
	struct rtnl_link *l = NULL;
	int rc, known = v->parent == parent ? v->ifindex : 0;

	if (known && netlink_link(nl, v->name, &li) == 0 && li.ifindex == known)
		return 0;
	if (vmac_sock(v, err, errlen) < 0)
		return -1;
	v->ifindex = 0;
	vmac_parent_conf(v, parent, parent_name);
	rc = rtnl_link_get_kernel(v->sock, 0, v->name, &l);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV)
		return vmac_create(v, parent, err, errlen);
	if (rc < 0) {
		snprintf(err, errlen, "cannot look up %s: %s", v->name, nl_geterror(rc));
		return -1;
	}
	switch (vmac_judge(v, l, parent)) {
	case 1:
		v->ifindex = rtnl_link_get_ifindex(l);
		if (v->ifindex == known) {
			/* Ours, and the cache had not seen it yet. */
			rtnl_link_put(l);
			return 0;
		}
		/* A killed vipd's: taken over as it is, down until master. */
		v->parent = parent;
		v->up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
		rtnl_link_put(l);
		log_notice("%s: reusing the macvlan left on %s", v->name, parent_name);
		return vmac_set_up(v, false, err, errlen);
	case 0:
		log_notice("%s: left over on another link or with another MAC: made again on %s", v->name,
			   parent_name);
		rc = rtnl_link_delete(v->sock, l);
		rtnl_link_put(l);
		if (rc < 0) {
			snprintf(err, errlen, "cannot delete the stale %s: %s", v->name, nl_geterror(rc));
			return -1;
		}
		return vmac_create(v, parent, err, errlen);
	default:
		rtnl_link_put(l);
		snprintf(err, errlen, "an interface called %s exists and is not a macvlan", v->name);
		return -1;
	}
}

int vmac_set_up(struct vmac *v, bool up, char *err, size_t errlen)
{
	struct rtnl_link *ref, *chg;
	int rc = -NLE_NOMEM;

	if (!v->ifindex) {
		snprintf(err, errlen, "%s does not exist", v->name);
		return -1;
	}
	if (vmac_sock(v, err, errlen) < 0)
		return -1;
	ref = vmac_ref(v->ifindex);
	chg = rtnl_link_alloc();
	if (ref && chg) {
		if (up)
			rtnl_link_set_flags(chg, IFF_UP);
		else
			rtnl_link_unset_flags(chg, IFF_UP);
		rc = rtnl_link_change(v->sock, ref, chg, 0);
	}
	rtnl_link_put(ref);
	rtnl_link_put(chg);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set %s %s: %s", v->name, up ? "up" : "down", nl_geterror(rc));
		return -1;
	}
	v->up = up;
	return 0;
}

bool vmac_kernel_up(struct vmac *v)
{
	struct rtnl_link *l = NULL;
	char err[256];
	bool up;

	if (!v->ifindex || vmac_sock(v, err, sizeof(err)) < 0 || rtnl_link_get_kernel(v->sock, v->ifindex, NULL, &l) < 0)
		return false;
	up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
	rtnl_link_put(l);
	return up;
}

void vmac_remove(struct vmac *v)
{
	char err[256];
	struct rtnl_link *ref;
	int rc;

	if (!v || !v->ifindex || vmac_sock(v, err, sizeof(err)) < 0)
		return;
	if (!(ref = vmac_ref(v->ifindex)))
		return;
	rc = rtnl_link_delete(v->sock, ref);
	rtnl_link_put(ref);
	if (rc < 0 && rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND)
		log_warn("%s: cannot delete the macvlan: %s", v->name, nl_geterror(rc));
	else
		log_info("%s: macvlan removed", v->name);
	v->ifindex = 0;
	v->up = false;
}
