/* netlink.c - links and addresses through libnl-3 (route).
 *
 * Two netlink sockets: the cache manager's, which only listens to the
 * link and address notification groups and is what the daemon polls,
 * and a synchronous one of our own for address requests and for
 * refilling the caches. Requests never go through the manager's socket,
 * so an ACK can never be mistaken for a notification or the reverse. */
#include "netlink.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>
#include <netlink/socket.h>

/* How many times a resync drains the notification socket before giving
 * up on emptying it: a burst that keeps overflowing it is caught by the
 * dump that follows anyway. */
#define NETLINK_DRAIN_TRIES 8

/* Address requests in flight at once (netlink_add_addrs): their ACKs,
 * about a kilobyte each in the kernel's accounting, wait in the receive
 * buffer until they are read. */
#define NETLINK_BATCH 64
#define NETLINK_RCVBUF (256 * 1024)
/* The kernel answers address requests before send() returns; this only
 * bounds a wait that should never happen. */
#define NETLINK_ACK_TIMEOUT_MS 1000

struct netlink {
	struct nl_cache_mngr *mngr;
	struct nl_cache *links;
	struct nl_cache *addrs;
	struct nl_sock *sync;     /* requests and cache refills */
	netlink_change_cb cb;
	void *arg;
	bool changed;             /* a notification changed a cache */
	bool addrs_stale;         /* our own add/del may not be in the cache yet */
	uint32_t batch_seq;       /* sequence numbers of batched address requests */
	bool acks_owed;           /* a batch stopped waiting for some of its answers */
	int req_errno;            /* last kernel error on the sync socket */
	char req_msg[128];        /* its extended-ACK text, if any */
};

/* --- lookups over the caches --- */

/* The link cache also collects the per-family views of a link (AF_INET6
 * and AF_BRIDGE RTM_NEWLINK messages from RTNLGRP_IPV6_IFINFO) under the
 * same ifindex; only the AF_UNSPEC object is the link itself, and it is
 * the one that tracks IFF_UP and carrier. */
static struct rtnl_link *link_by(struct netlink *nl, const char *name, int ifindex)
{
	struct nl_object *o;

	for (o = nl_cache_get_first(nl->links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		if (rtnl_link_get_family(l) != AF_UNSPEC)
			continue;
		if (name ? strcmp(rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "", name) == 0
			 : rtnl_link_get_ifindex(l) == ifindex)
			return l;
	}
	return NULL;
}

static const char *link_name(struct netlink *nl, int ifindex)
{
	struct rtnl_link *l = link_by(nl, NULL, ifindex);
	const char *name = l ? rtnl_link_get_name(l) : NULL;
	return name ? name : "?";
}

/* An address object's local address as an ipaddr; -1 if it has none of
 * a family we speak. */
static int addr_local(struct rtnl_addr *a, struct ipaddr *out)
{
	struct nl_addr *local = rtnl_addr_get_local(a);

	memset(out, 0, sizeof(*out));
	if (!local)
		return -1;
	int family = nl_addr_get_family(local);
	size_t size = ipaddr_size(family);
	if (!size || nl_addr_get_len(local) != size)
		return -1;
	out->family = family;
	memcpy(out->u.bytes, nl_addr_get_binary_addr(local), size);
	return 0;
}

int netlink_link(struct netlink *nl, const char *ifname, struct link_info *out)
{
	struct rtnl_link *l = link_by(nl, ifname, 0);

	if (!l)
		return -1;
	memset(out, 0, sizeof(*out));
	unsigned flags = rtnl_link_get_flags(l);
	out->ifindex = rtnl_link_get_ifindex(l);
	out->up = flags & IFF_UP;
	/* IFF_RUNNING alone is set for operstate UNKNOWN too; requiring
	 * the carrier as well keeps a cable-less NIC from looking usable. */
	out->running = (flags & IFF_RUNNING) && (flags & IFF_LOWER_UP);
	out->mtu = rtnl_link_get_mtu(l);
	struct nl_addr *mac = rtnl_link_get_addr(l);
	if (mac && nl_addr_get_len(mac) == sizeof(out->mac))
		memcpy(out->mac, nl_addr_get_binary_addr(mac), sizeof(out->mac));
	return 0;
}

static bool is_excluded(const struct ipaddr *a, const struct ipprefix *exclude, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ipaddr_equal(a, &exclude[i].addr))
			return true;
	return false;
}

/* Can this address be the one an instance of `family` speaks from? */
static bool is_source_candidate(struct rtnl_addr *a, int family)
{
	unsigned flags = rtnl_addr_get_flags(a);

	if (family == AF_INET)
		return !(flags & IFA_F_SECONDARY);
	/* RFC 5798 5.1.2.1: IPv6 adverts come from the link-local address;
	 * a tentative or duplicate one cannot be used as a source. */
	return rtnl_addr_get_scope(a) == RT_SCOPE_LINK &&
	       !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
}

/* The exclude list is applied to IPv6 as well: a VRRPv3 IPv6 instance's
 * first VIP is itself link-local, and must not become its own source. */
static void refresh_addrs(struct netlink *nl);
static void drain_owed(struct netlink *nl);

int netlink_primary_addr(struct netlink *nl, int ifindex, int family,
			 const struct ipprefix *exclude, size_t nexclude, struct ipaddr *out)
{
	struct nl_object *o;

	refresh_addrs(nl);
	for (o = nl_cache_get_first(nl->addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct ipaddr ip;
		if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != family)
			continue;
		if (!is_source_candidate(a, family) || addr_local(a, &ip) < 0)
			continue;
		if (is_excluded(&ip, exclude, nexclude))
			continue;
		*out = ip;
		return 0;
	}
	return -1;
}

/* ifindex 0 matches any interface. */
static bool has_addr(struct netlink *nl, int ifindex, const struct ipaddr *want)
{
	struct nl_object *o;

	refresh_addrs(nl);
	for (o = nl_cache_get_first(nl->addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct ipaddr ip;
		if (ifindex && rtnl_addr_get_ifindex(a) != ifindex)
			continue;
		if (addr_local(a, &ip) == 0 && ipaddr_equal(&ip, want))
			return true;
	}
	return false;
}

bool netlink_has_addr(struct netlink *nl, int ifindex, const struct ipaddr *a)
{
	return ifindex > 0 && has_addr(nl, ifindex, a);
}

bool netlink_is_local(struct netlink *nl, const struct ipaddr *a)
{
	return has_addr(nl, 0, a);
}

/* --- notifications --- */

/* libnl calls this per changed object; the daemon wants one call per
 * batch, so only note it here and report from netlink_dispatch(). */
static void cache_changed(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct netlink *nl = arg;

	(void)cache;
	(void)obj;
	(void)action;
	nl->changed = true;
}

/* The notification stream lost messages (ENOBUFS, a truncated or
 * overrun message): nothing in the caches can be trusted, so dump both
 * again. Draining first means what is still queued is older than the
 * dump, and notifications that arrive after it are applied on top. */
static void netlink_resync(struct netlink *nl)
{
	for (int i = 0; i < NETLINK_DRAIN_TRIES; i++)
		if (nl_cache_mngr_data_ready(nl->mngr) >= 0)
			break;
	/* The address objects refer to link objects, so links go first. */
	drain_owed(nl);
	nl_cache_refill(nl->sync, nl->links);
	nl_cache_refill(nl->sync, nl->addrs);
	nl->changed = true;
}

int netlink_dispatch(struct netlink *nl)
{
	int rc = nl_cache_mngr_data_ready(nl->mngr);

	if (rc < 0)
		netlink_resync(nl);
	if (nl->changed) {
		nl->changed = false;
		nl->cb(nl->arg);
	}
	return rc < 0 ? -1 : 0;
}

int netlink_fd(const struct netlink *nl)
{
	return nl_cache_mngr_get_fd(nl->mngr);
}

/* --- address requests --- */

/* The kernel's extended ACK (NETLINK_EXT_ACK) appends a human-readable
 * reason ("IPv6 is disabled on this device", ...) after the nlmsgerr;
 * libnl 3.7 does not parse it, so look for it here. With NETLINK_CAP_ACK
 * the request is not echoed back, so the attributes follow directly. */
static void ext_ack_msg(const struct nlmsgerr *e, char *buf, size_t len)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));

	buf[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || !(h->nlmsg_flags & NLM_F_CAPPED))
		return;
	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		const struct nlattr *a = (const struct nlattr *)((const char *)h + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(buf, len, "%.*s", (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

static int request_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct netlink *nl = arg;

	(void)who;
	nl->req_errno = -e->error;
	ext_ack_msg(e, nl->req_msg, sizeof(nl->req_msg));
	return NL_STOP;
}

static struct rtnl_addr *addr_object(int ifindex, const struct ipprefix *p)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(p->addr.family, p->addr.u.bytes,
					      ipaddr_size(p->addr.family));

	if (!a || !local || rtnl_addr_set_local(a, local) < 0) {
		nl_addr_put(local);
		rtnl_addr_put(a);
		return NULL;
	}
	nl_addr_put(local);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_prefixlen(a, p->len);
	/* Without NODAD an IPv6 VIP stays tentative for a second or more:
	 * it cannot be a source, so the NA announcing it would fail. */
	if (p->addr.family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	return a;
}

/* Our own change reaches the manager's socket as a notification, but
 * only when the daemon next dispatches it, and for IPv6 only after the
 * kernel's DAD work has run: the next lookup refills the address cache
 * so that it already sees the change. The refill waits for that lookup
 * (not done per add) so becoming master with many VIPs costs one dump,
 * and none on the path between the timer and the advertisement. The
 * notification still arrives later and fires the change callback
 * (harmlessly). */
static void refresh_addrs(struct netlink *nl)
{
	if (!nl->addrs_stale)
		return;
	drain_owed(nl);
	nl->addrs_stale = false;
	nl_cache_refill(nl->sync, nl->addrs);
}

/* Late answers of a batch round that stopped waiting for them would be
 * taken for the answers of the next request on the socket: read them
 * away first. */
static void drain_owed(struct netlink *nl)
{
	char junk[4096];

	if (!nl->acks_owed)
		return;
	for (;;)
		if (recv(nl_socket_get_fd(nl->sync), junk, sizeof(junk), MSG_DONTWAIT) < 0 && errno != ENOBUFS &&
		    errno != EINTR)
			break;
	nl->acks_owed = false;
}

/* One round of a batch: send every request, then read the answers.
 * The ACKs of a round must all fit in the socket's receive buffer, or
 * the kernel drops the ones that do not (ENOBUFS): sync_socket_open
 * makes it large enough for NETLINK_BATCH of them. */
static void addr_round(struct netlink *nl, bool add, struct netlink_addr_op *ops, size_t n)
{
	int fd = nl_socket_get_fd(nl->sync);
	size_t pending = 0;
	bool overrun = false;

	drain_owed(nl);
	for (size_t i = 0; i < n; i++) {
		struct netlink_addr_op *op = &ops[i];
		struct rtnl_addr *a = addr_object(op->ifindex, &op->p);
		struct nl_msg *msg = NULL;
		int rc = -NLE_NOMEM;

		op->error = 0;
		op->why[0] = '\0';
		op->done = false;
		if (a)
			rc = add ? rtnl_addr_build_add_request(a, 0, &msg) : rtnl_addr_build_delete_request(a, 0, &msg);
		rtnl_addr_put(a);
		if (rc >= 0) {
			/* Our own sequence numbers, sent past libnl: its counters
			 * stay as its own requests left them. */
			struct nlmsghdr *h = nlmsg_hdr(msg);
			h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
			h->nlmsg_seq = op->seq = ++nl->batch_seq;
			h->nlmsg_pid = 0;
			errno = 0;
			if (send(fd, h, h->nlmsg_len, 0) == (ssize_t)h->nlmsg_len)
				pending++;
			else {
				op->error = errno ? errno : EIO;
				op->done = true;
				snprintf(op->why, sizeof(op->why), "sending the request failed");
			}
		} else {
			op->error = ENOMEM;
			op->done = true;
		}
		nlmsg_free(msg);
	}
	while (pending) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		union {
			struct nlmsghdr h;
			char b[16384];
		} buf;
		int r = poll(&pfd, 1, NETLINK_ACK_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		ssize_t len = recv(fd, &buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno != ENOBUFS)
				break;
			overrun = true; /* some answers were dropped: what came is still there */
			continue;
		}
		size_t left = (size_t)len;
		for (struct nlmsghdr *h = &buf.h; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			for (size_t i = 0; i < n; i++) {
				struct netlink_addr_op *op = &ops[i];
				if (op->done || op->seq != h->nlmsg_seq)
					continue;
				const struct nlmsgerr *e = NLMSG_DATA(h);
				op->error = e->error < 0 ? -e->error : 0;
				if (op->error)
					ext_ack_msg(e, op->why, sizeof(op->why));
				op->done = true;
				pending--;
				break;
			}
		}
		/* Every answer there was is read: the dropped ones never come. */
		if (overrun && pending && !(poll(&pfd, 1, 0) > 0))
			break;
	}
	nl->acks_owed = pending && !overrun;
	for (size_t i = 0; i < n && pending; i++)
		if (!ops[i].done) {
			ops[i].error = overrun ? ENOBUFS : ETIMEDOUT;
			snprintf(ops[i].why, sizeof(ops[i].why), "no answer from the kernel");
		}
}

static bool addr_op_ok(bool add, int e)
{
	return !e || (add ? e == EEXIST : e == EADDRNOTAVAIL || e == ENODEV);
}

static size_t addr_batch(struct netlink *nl, bool add, struct netlink_addr_op *ops, size_t n)
{
	size_t failed = 0;

	for (size_t at = 0; at < n; at += NETLINK_BATCH) {
		size_t k = n - at < NETLINK_BATCH ? n - at : NETLINK_BATCH;
		addr_round(nl, add, ops + at, k);
		/* A round whose answers overflowed the buffer after all: the
		 * requests without one go again, one at a time (both kinds
		 * may be repeated: the second answer is then a success). */
		for (size_t i = at; i < at + k; i++)
			if (!ops[i].done && ops[i].error == ENOBUFS)
				addr_round(nl, add, &ops[i], 1);
	}
	for (size_t i = 0; i < n; i++) {
		if (addr_op_ok(add, ops[i].error))
			ops[i].error = 0;
		else
			failed++;
	}
	nl->addrs_stale = true;
	return failed;
}

size_t netlink_add_addrs(struct netlink *nl, struct netlink_addr_op *ops, size_t n)
{
	return addr_batch(nl, true, ops, n);
}

/* EADDRNOTAVAIL: not there. ENODEV: the interface is gone, and its
 * addresses with it. Both leave the VIP absent, which is what was asked. */
size_t netlink_del_addrs(struct netlink *nl, struct netlink_addr_op *ops, size_t n)
{
	return addr_batch(nl, false, ops, n);
}

void netlink_addr_op_error(struct netlink *nl, bool add, const struct netlink_addr_op *op, char *err,
			   size_t errlen)
{
	char pfx[IPADDR_STRLEN];

	snprintf(err, errlen, "%s (ifindex %d): cannot %s %s: %s%s%s", link_name(nl, op->ifindex), op->ifindex,
		 add ? "add" : "delete", ipprefix_str(&op->p, pfx), strerror(op->error), op->why[0] ? ": " : "",
		 op->why);
}

static int addr_one(struct netlink *nl, bool add, int ifindex, const struct ipprefix *p, char *err, size_t errlen)
{
	struct netlink_addr_op op = { .ifindex = ifindex, .p = *p };

	if (!addr_batch(nl, add, &op, 1))
		return 0;
	netlink_addr_op_error(nl, add, &op, err, errlen);
	return -1;
}

int netlink_add_addr(struct netlink *nl, int ifindex, const struct ipprefix *p, char *err, size_t errlen)
{
	return addr_one(nl, true, ifindex, p, err, errlen);
}

int netlink_del_addr(struct netlink *nl, int ifindex, const struct ipprefix *p, char *err, size_t errlen)
{
	return addr_one(nl, false, ifindex, p, err, errlen);
}

/* --- interface settings --- */

/* The link cache knows the value unless the last change came from
 * sysctl, which sends no link notification: a 0 there is asked of the
 * kernel before it is changed. */
int netlink_promote_secondaries(struct netlink *nl, int ifindex, char *err, size_t errlen)
{
	struct rtnl_link *l = link_by(nl, NULL, ifindex), *cur = NULL, *chg;
	uint32_t v = 0;
	int rc;

	if (l && rtnl_link_inet_get_conf(l, IPV4_DEVCONF_PROMOTE_SECONDARIES, &v) == 0 && v)
		return 0;
	drain_owed(nl);
	if ((rc = rtnl_link_get_kernel(nl->sync, ifindex, NULL, &cur)) < 0) {
		snprintf(err, errlen, "%s (ifindex %d): cannot read promote_secondaries: %s", link_name(nl, ifindex),
			 ifindex, nl_geterror(rc));
		return -1;
	}
	if (rtnl_link_inet_get_conf(cur, IPV4_DEVCONF_PROMOTE_SECONDARIES, &v) == 0 && v) {
		rtnl_link_put(cur);
		return 0;
	}
	if (!(chg = rtnl_link_alloc())) {
		rtnl_link_put(cur);
		snprintf(err, errlen, "%s (ifindex %d): cannot set promote_secondaries: out of memory",
			 link_name(nl, ifindex), ifindex);
		return -1;
	}
	rtnl_link_inet_set_conf(chg, IPV4_DEVCONF_PROMOTE_SECONDARIES, 1);
	nl->req_errno = 0;
	nl->req_msg[0] = '\0';
	rc = rtnl_link_change(nl->sync, cur, chg, 0);
	rtnl_link_put(chg);
	rtnl_link_put(cur);
	if (rc < 0) {
		snprintf(err, errlen, "%s (ifindex %d): cannot set promote_secondaries to 1: %s%s%s",
			 link_name(nl, ifindex), ifindex,
			 nl->req_errno ? strerror(nl->req_errno) : nl_geterror(rc), nl->req_msg[0] ? ": " : "",
			 nl->req_msg);
		return -1;
	}
	/* The cache hears of it with the link notification; until then the
	 * kernel is asked again, and says 1. */
	return 1;
}

/* --- setup --- */

static int sync_socket_open(struct netlink *nl, char *err, size_t errlen)
{
	int one = 1, rc;

	nl->sync = nl_socket_alloc();
	if (!nl->sync) {
		snprintf(err, errlen, "netlink: cannot allocate socket: out of memory");
		return -1;
	}
	if ((rc = nl_connect(nl->sync, NETLINK_ROUTE)) < 0) {
		snprintf(err, errlen, "netlink: cannot open route socket: %s", nl_geterror(rc));
		return -1;
	}
	/* Room for a round of batched ACKs (addr_round); the kernel caps it
	 * at net.core.rmem_max, which holds a round at its default. */
	if ((rc = nl_socket_set_buffer_size(nl->sync, NETLINK_RCVBUF, 0)) < 0) {
		snprintf(err, errlen, "netlink: cannot size the route socket's buffers: %s", nl_geterror(rc));
		return -1;
	}
	/* Best effort: older kernels simply give no reason text. */
	setsockopt(nl_socket_get_fd(nl->sync), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sync), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(nl->sync, NL_CB_CUSTOM, request_error, nl);
	return 0;
}

static int cache_open(struct netlink *nl, const char *name, struct nl_cache **cache,
		      char *err, size_t errlen)
{
	int rc = nl_cache_mngr_add(nl->mngr, name, cache_changed, nl, cache);

	if (rc < 0) {
		snprintf(err, errlen, "netlink: cannot follow %s: %s", name, nl_geterror(rc));
		return -1;
	}
	return 0;
}

struct netlink *netlink_open(netlink_change_cb cb, void *arg, char *err, size_t errlen)
{
	struct netlink *nl = calloc(1, sizeof(*nl));
	int rc;

	if (!nl) {
		snprintf(err, errlen, "netlink: out of memory");
		return NULL;
	}
	nl->cb = cb;
	nl->arg = arg;
	if (sync_socket_open(nl, err, errlen) < 0)
		goto fail;
	/* NL_AUTO_PROVIDE registers the link cache process-wide, so the
	 * address parser can attach link objects: one netlink per process. */
	rc = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE, &nl->mngr);
	if (rc < 0) {
		snprintf(err, errlen, "netlink: cannot create cache manager: %s", nl_geterror(rc));
		goto fail;
	}
	/* Links first: address objects are linked to them while parsed. */
	if (cache_open(nl, "route/link", &nl->links, err, errlen) < 0 ||
	    cache_open(nl, "route/addr", &nl->addrs, err, errlen) < 0)
		goto fail;
	nl->changed = false;
	return nl;
fail:
	netlink_close(nl);
	return NULL;
}

void netlink_close(struct netlink *nl)
{
	if (!nl)
		return;
	if (nl->mngr)
		nl_cache_mngr_free(nl->mngr); /* frees the caches it manages */
	if (nl->sync)
		nl_socket_free(nl->sync);
	free(nl);
}
