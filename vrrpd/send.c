/* send.c - send advertisements and announce VIPs.
 *
 * One sender per address family, shared by all instances: the
 * interface and the source address travel with each message (in
 * IP_PKTINFO / IPV6_PKTINFO), so the sockets are not bound to either. */
#include "send.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netpacket/packet.h>

#define IPPROTO_VRRP 112
/* RFC 5798 5.1.1.3 / 5.1.2.3: sent with TTL / hop limit 255, and a
 * receiver drops anything else. RFC 4861 7.1.2 asks the same of NAs. */
#define VRRP_TTL 255

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78 /* linux/in6.h, Linux 4.15 */
#endif

#define ARP_LEN 28
#define NA_LEN 32 /* RFC 4861 4.4 header, plus one target link-layer option */

struct sender {
	int family;
	int vrrp;     /* raw IPPROTO_VRRP: advertisements */
	int ipraw;    /* IPv4, IPPROTO_RAW: whole packets (VRRPv2 with AH), -1 for IPv6 */
	int announce; /* AF_PACKET (IPv4, ARP) or raw ICMPv6 (IPv6, NA) */
};

static const char *ifname_of(int ifindex, char *buf)
{
	if (!if_indextoname((unsigned)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "?");
	return buf;
}

/* --- opening --- */

static int set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

/* These sockets only send. A raw socket still gets a copy of every
 * matching packet, which would sit in its queue unread; a filter that
 * accepts nothing keeps the kernel from queueing them at all. The socket
 * still counts as a listener, so unicast adverts from peers are not
 * answered with ICMP protocol-unreachable. */
static int drop_input(int fd)
{
	struct sock_filter reject = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &reject };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int open_raw(int family, int proto)
{
	return socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
}

/* Multicast loop off: the capture would otherwise not see our own
 * adverts anyway (PCAP_D_IN), but other local listeners would. */
static int setup_ipv4(int fd)
{
	return set_int(fd, IPPROTO_IP, IP_TTL, VRRP_TTL) < 0 ||
	       set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL) < 0 ||
	       set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0) < 0 ? -1 : 0;
}

/* IPV6_CHECKSUM is deliberately left unset: the VRRP message carries
 * its own checksum, and for protocols other than ICMPv6 the kernel then
 * leaves it alone. */
static int setup_ipv6(int fd)
{
	return set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL) < 0 ||
	       set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL) < 0 ||
	       set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) < 0 ? -1 : 0;
}

static int open_vrrp(int family)
{
	int fd = open_raw(family, IPPROTO_VRRP);

	if (fd < 0)
		return -1;
	int rc = family == AF_INET ? setup_ipv4(fd) : setup_ipv6(fd);
	/* With virtual_mac an IPv6 master advertises from its interface's
	 * link-local address out of the macvlan, which does not hold that
	 * address (RFC 5798 5.1.2.1 and 7.3). Best effort: without it such
	 * an advert fails and says so. */
	if (family == AF_INET6)
		set_int(fd, IPPROTO_IPV6, IPV6_FREEBIND, 1);
	if (rc < 0 || drop_input(fd) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Protocol 0: a packet socket that receives nothing. The ARP ethertype
 * is given per message in sockaddr_ll instead. */
static int open_arp(void)
{
	return socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static int open_icmp6(void)
{
	int fd = open_raw(AF_INET6, IPPROTO_ICMPV6);
	struct icmp6_filter none;

	if (fd < 0)
		return -1;
	ICMP6_FILTER_SETBLOCKALL(&none);
	if (setup_ipv6(fd) < 0 ||
	    setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &none, sizeof(none)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct sender *sender_open(int family, char *err, size_t errlen)
{
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	struct sender *s;

	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, errlen, "sender: unknown address family %d", family);
		return NULL;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		snprintf(err, errlen, "sender: out of memory");
		return NULL;
	}
	s->family = family;
	s->announce = -1;
	s->ipraw = -1;
	if ((s->vrrp = open_vrrp(family)) < 0) {
		snprintf(err, errlen, "cannot open %s VRRP socket: %s", fam, strerror(errno));
		goto fail;
	}
	/* IPPROTO_RAW implies IP_HDRINCL: AH covers the IP header, so it is
	 * built whole (proto_encode_as). */
	if (family == AF_INET && ((s->ipraw = open_raw(AF_INET, IPPROTO_RAW)) < 0 ||
				  set_int(s->ipraw, IPPROTO_IP, IP_MULTICAST_LOOP, 0) < 0)) {
		snprintf(err, errlen, "cannot open IPv4 raw socket: %s", strerror(errno));
		goto fail;
	}
	s->announce = family == AF_INET ? open_arp() : open_icmp6();
	if (s->announce < 0) {
		snprintf(err, errlen, "cannot open %s socket: %s",
			 family == AF_INET ? "ARP packet" : "ICMPv6", strerror(errno));
		goto fail;
	}
	return s;
fail:
	sender_close(s);
	return NULL;
}

void sender_close(struct sender *s)
{
	if (!s)
		return;
	if (s->vrrp >= 0)
		close(s->vrrp);
	if (s->ipraw >= 0)
		close(s->ipraw);
	if (s->announce >= 0)
		close(s->announce);
	free(s);
}

/* --- sending from a chosen source --- */

union pktinfo_buf {
	char v4[CMSG_SPACE(sizeof(struct in_pktinfo))];
	char v6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr align;
};

/* The packet must leave from src even when VIPs on the same interface
 * would be the kernel's preferred source: RFC 5798 5.1.1.1 (IPv4:
 * the primary address) and 5.1.2.1 (IPv6: the link-local address). */
static void set_pktinfo(struct msghdr *mh, union pktinfo_buf *cbuf, int ifindex,
			const struct ipaddr *src)
{
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(*cbuf));
	mh->msg_control = cbuf;
	if (src->family == AF_INET) {
		struct in_pktinfo pi = { .ipi_ifindex = ifindex, .ipi_spec_dst = src->u.v4 };
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(mh);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)ifindex, .ipi6_addr = src->u.v6 };
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(mh);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
}

static socklen_t set_dest(struct sockaddr_storage *ss, int ifindex, const struct ipaddr *dst)
{
	memset(ss, 0, sizeof(*ss));
	if (dst->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_addr = dst->u.v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = dst->u.v6;
	/* A link-scoped destination means nothing without its link. */
	if (IN6_IS_ADDR_LINKLOCAL(&dst->u.v6) || IN6_IS_ADDR_MC_LINKLOCAL(&dst->u.v6))
		sin6->sin6_scope_id = (uint32_t)ifindex;
	return sizeof(*sin6);
}

/* 0, or the errno of the failed send. */
static int send_from(int fd, int ifindex, const struct ipaddr *src, const struct ipaddr *dst,
		     const void *buf, size_t len)
{
	struct sockaddr_storage to;
	union pktinfo_buf cbuf;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1 };

	mh.msg_namelen = set_dest(&to, ifindex, dst);
	set_pktinfo(&mh, &cbuf, ifindex, src);
	ssize_t n = sendmsg(fd, &mh, 0);
	if (n < 0)
		return errno;
	return (size_t)n == len ? 0 : EMSGSIZE;
}

int sender_advert(struct sender *s, int ifindex, const struct ipaddr *src,
		  const struct ipaddr *dst, const uint8_t *msg, size_t len,
		  char *err, size_t errlen)
{
	char ifn[IF_NAMESIZE], sa[IPADDR_STRLEN], da[IPADDR_STRLEN];
	int e;

	if (src->family != s->family || dst->family != s->family)
		e = EAFNOSUPPORT;
	else
		e = send_from(s->vrrp, ifindex, src, dst, msg, len);
	if (!e)
		return 0;
	snprintf(err, errlen, "%s (ifindex %d): cannot send advert from %s to %s: %s",
		 ifname_of(ifindex, ifn), ifindex, ipaddr_str(src, sa), ipaddr_str(dst, da),
		 strerror(e));
	return -1;
}

int sender_packet(struct sender *s, int ifindex, const struct ipaddr *src, const struct ipaddr *dst,
		  const uint8_t *pkt, size_t len, char *err, size_t errlen)
{
	char ifn[IF_NAMESIZE], sa[IPADDR_STRLEN], da[IPADDR_STRLEN];
	int e;

	if (s->ipraw < 0 || src->family != AF_INET || dst->family != AF_INET)
		e = EAFNOSUPPORT;
	else
		e = send_from(s->ipraw, ifindex, src, dst, pkt, len);
	if (!e)
		return 0;
	snprintf(err, errlen, "%s (ifindex %d): cannot send advert from %s to %s: %s",
		 ifname_of(ifindex, ifn), ifindex, ipaddr_str(src, sa), ipaddr_str(dst, da), strerror(e));
	return -1;
}

/* --- announcements --- */

/* RFC 5227 3: a gratuitous ARP is a request whose sender and target
 * protocol addresses are both the announced address; a request rather
 * than a reply, because some hosts only update their caches on those. */
static int send_garp(struct sender *s, int ifindex, const uint8_t mac[6], const struct ipaddr *vip)
{
	uint8_t arp[ARP_LEN] = {
		0x00, 0x01,  /* hardware: Ethernet */
		0x08, 0x00,  /* protocol: IPv4 */
		6, 4,        /* address lengths */
		0x00, 0x01,  /* operation: request */
	};
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETHERTYPE_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = ETHER_ADDR_LEN,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};

	memcpy(arp + 8, mac, 6);             /* sender hardware address */
	memcpy(arp + 14, &vip->u.v4, 4);     /* sender protocol address */
	/* target hardware address: left zero */
	memcpy(arp + 24, &vip->u.v4, 4);     /* target protocol address */
	if (sendto(s->announce, arp, sizeof(arp), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return errno;
	return 0;
}

/* RFC 4861 4.4 and 7.2.6: an unsolicited NA to all-nodes, Override set
 * so caches replace the old link-layer address, Solicited clear. The
 * kernel fills in the ICMPv6 checksum on an IPPROTO_ICMPV6 socket. */
static int send_na(struct sender *s, int ifindex, const uint8_t mac[6], const struct ipaddr *vip)
{
	uint8_t na[NA_LEN] = { ND_NEIGHBOR_ADVERT, 0 };
	uint32_t flags = ND_NA_FLAG_OVERRIDE; /* already in network order */
	struct ipaddr all_nodes;

	memcpy(na + 4, &flags, 4);
	memcpy(na + 8, &vip->u.v6, 16);
	na[24] = ND_OPT_TARGET_LINKADDR;
	na[25] = 1; /* option length in units of 8 bytes */
	memcpy(na + 26, mac, 6);
	ipaddr_parse("ff02::1", &all_nodes);
	return send_from(s->announce, ifindex, vip, &all_nodes, na, sizeof(na));
}

int sender_announce(struct sender *s, int ifindex, const uint8_t mac[6],
		    const struct ipaddr *vip, char *err, size_t errlen)
{
	char ifn[IF_NAMESIZE], va[IPADDR_STRLEN];
	int e;

	if (vip->family != s->family)
		e = EAFNOSUPPORT;
	else
		e = s->family == AF_INET ? send_garp(s, ifindex, mac, vip) : send_na(s, ifindex, mac, vip);
	if (!e)
		return 0;
	snprintf(err, errlen, "%s (ifindex %d): cannot announce %s with %s: %s",
		 ifname_of(ifindex, ifn), ifindex, ipaddr_str(vip, va),
		 s->family == AF_INET ? "gratuitous ARP" : "unsolicited NA", strerror(e));
	return -1;
}
