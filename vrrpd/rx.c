/* rx.c - a captured packet: decoded, attributed to its instance and
 * handed over, or dropped. Every drop is counted under its reason and
 * logged, rate limited, with the sender and the offending value, so an
 * operator sees why a peer is not heard ("TTL 64, should be 255"). */
#include "rx.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "bfd_io.h"
#include "drop.h"
#include "heartbeat.h"
#include "iface.h"
#include "instance.h"
#include "log.h"
#include "netlink.h"
#include "proto.h"
#include "ratelimit.h"

/* For a packet that failed to decode, find who it was meant for, if the
 * IP header is readable far enough to tell. */
static struct instance *rx_guess_instance(const struct iface *ifc, const uint8_t *p, size_t len)
{
	size_t off;
	int family;

	if (len < 1)
		return NULL;
	if (p[0] >> 4 == 4) {
		family = AF_INET;
		off = (size_t)(p[0] & 0x0f) * 4;
		if (len > 9 && p[9] == AH_IPPROTO)
			off += AH_LEN; /* VRRPv2 in IPsec AH */
	} else if (p[0] >> 4 == 6) {
		family = AF_INET6;
		off = 40;
	} else {
		return NULL;
	}
	if (len < off + 2)
		return NULL;
	return iface_instance(ifc, family, p[off + 1]);
}

/* One line per limiter and period: "vip 200: dropped advert from
 * 10.33.0.99: TTL 64, should be 255", the lines held back since the last
 * one counted at its end. */
static void rx_log_drop(int prio, struct ratelimit *rl, const char *who, const struct ipaddr *src,
			const char *what, fsm_time now)
{
	char from[IPADDR_STRLEN], more[64] = "";
	uint64_t missed;

	if (!ratelimit_allow(rl, now, RX_DROP_LOG_PERIOD, &missed))
		return;
	if (missed)
		snprintf(more, sizeof(more), " (+%llu more since the last line)", (unsigned long long)missed);
	if (src->family)
		log_msg(prio, "%s: dropped advert from %s: %s%s", who, ipaddr_str(src, from), what, more);
	else
		log_msg(prio, "%s: dropped a packet whose sender is unreadable: %s%s", who, what, more);
}

/* A drop no instance owns: counted among the strays, logged for the
 * interface. */
static void rx_drop_stray(struct rx_ctx *rx, const struct vrrp_drop_info *why, const char *what)
{
	char who[IF_NAMESIZE + 16];

	rx->d->stray_drops[why->reason]++;
	snprintf(who, sizeof(who), "interface %s", rx->ifc->name);
	rx_log_drop(LOG_WARNING, &rx->ifc->drop_log[why->reason], who, &why->src, what, rx->now);
}

static void rx_drop_on(struct rx_ctx *rx, struct instance *in, const struct vrrp_drop_info *why, const char *what,
		       bool count)
{
	char who[CONFIG_NAME_MAX + 8];

	if (!in) {
		rx_drop_stray(rx, why, what);
		return;
	}
	if (count)
		in->n.drops[why->reason]++;
	snprintf(who, sizeof(who), "vip %s", in->cfg->name);
	rx_log_drop(LOG_WARNING, &in->drop_log[why->reason], who, &why->src, what, rx->now);
}

/* "addresses {10.0.0.9}, should be {10.0.0.200}" (RFC 5798 7.1: the
 * receiver MAY check the list; vipd does, and says how it differs). */
static void rx_describe_addrs(const struct vrrp_advert *adv, const struct vip_config *c, char *buf, size_t len)
{
	char a[IPADDR_STRLEN];
	size_t o = (size_t)snprintf(buf, len, "addresses {");

	for (size_t i = 0; i < adv->naddrs && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", ipaddr_str(&adv->addrs[i], a));
	if (o < len)
		o += (size_t)snprintf(buf + o, len - o, "}, should be {");
	for (size_t i = 0; i < c->naddrs && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", ipaddr_str(&c->addrs[i].addr, a));
	if (o < len)
		snprintf(buf + o, len - o, "}");
}

/* Another group's traffic on our segment: counted on every instance of
 * the interface, where an operator looks. Routers of other groups share
 * segments as a matter of course, so this is no warning: it is logged
 * with -d only. */
static void rx_unknown_vrid(struct rx_ctx *rx, const struct vrrp_packet *pkt, struct vrrp_drop_info *why)
{
	char what[64], who[IF_NAMESIZE + 16];
	bool any = false;

	for (size_t i = 0; i < rx->d->ninst; i++) {
		struct instance *o = rx->d->inst[i];
		if (o->ifc == rx->ifc && o->cfg->family == pkt->src.family) {
			o->n.drops[DROP_UNKNOWN_VRID]++;
			any = true;
		}
	}
	if (!any)
		rx->d->stray_drops[DROP_UNKNOWN_VRID]++;
	snprintf(what, sizeof(what), "VRID %u, no instance for it here", pkt->adv.vrid);
	snprintf(who, sizeof(who), "interface %s", rx->ifc->name);
	rx_log_drop(LOG_DEBUG, &rx->ifc->drop_log[DROP_UNKNOWN_VRID], who, &why->src, what, rx->now);
}

void rx_packet(void *arg, const uint8_t *p, size_t len)
{
	struct rx_ctx *rx = arg;
	struct vrrp_packet pkt;
	struct vrrp_drop_info why;
	char what[400];
	/* The group the packet claims to belong to decides how to read it:
	 * VRRPv2 and CARP share version 2 and differ in everything else. */
	struct instance *in = rx_guess_instance(rx->ifc, p, len);

	/* A burst of adverts can keep the loop here for a while. */
	bfd_io_poll(rx->d);
	if (proto_decode_why(p, len, in ? &in->cfg->auth : NULL, &pkt, &why) != DROP_NONE) {
		rx_drop_on(rx, in, &why, drop_describe(&why, what, sizeof(what)), true);
		return;
	}
	in = iface_instance(rx->ifc, pkt.src.family, pkt.adv.vrid);
	if (netlink_is_local(rx->d->nl, &pkt.src)) {
		why.reason = DROP_OWN_PACKET;
		rx_drop_on(rx, in, &why, "the sender is one of this host's own addresses", true);
		return;
	}
	if (!in) {
		rx_unknown_vrid(rx, &pkt, &why);
		return;
	}
	/* The instance counts what it drops; here it is said why. */
	if (instance_packet(rx->d, in, &pkt, rx->now, &why) == DROP_NONE) {
		hb_heard(in, rx->ifc, rx->now);
		return;
	}
	if (why.reason == DROP_ADDR_MISMATCH)
		rx_describe_addrs(&pkt.adv, in->cfg, what, sizeof(what));
	else
		drop_describe(&why, what, sizeof(what));
	rx_drop_on(rx, in, &why, what, false);
}
