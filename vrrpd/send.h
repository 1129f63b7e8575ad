/* send.h - send advertisements (raw IP sockets) and announce VIPs
 * (gratuitous ARP on a packet socket, unsolicited neighbour
 * advertisements on an ICMPv6 socket). */
#ifndef VIPD_SEND_H
#define VIPD_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct sender;

/* Open the sockets for one family (raw IPPROTO 112 with TTL/hop limit
 * 255, multicast loop off; for IPv6 also the ICMPv6 socket for NAs).
 * NULL with err on failure. */
struct sender *sender_open(int family, char *err, size_t errlen);
void sender_close(struct sender *s);

/* Send one VRRP message (no IP header: the kernel adds it) out of
 * ifindex from src to dst (group or unicast peer). 0 or -1 with err. */
int sender_advert(struct sender *s, int ifindex, const struct ipaddr *src,
		  const struct ipaddr *dst, const uint8_t *msg, size_t len,
		  char *err, size_t errlen);

/* A whole IPv4 packet, header included (VRRPv2 with AH), out of ifindex. */
int sender_packet(struct sender *s, int ifindex, const struct ipaddr *src, const struct ipaddr *dst,
		  const uint8_t *pkt, size_t len, char *err, size_t errlen);

/* Tell the segment that vip now lives at mac on ifindex: a gratuitous
 * ARP request for IPv4, an unsolicited NA (override flag, target
 * link-layer option, to ff02::1) for IPv6. 0 or -1 with err. */
int sender_announce(struct sender *s, int ifindex, const uint8_t mac[6],
		    const struct ipaddr *vip, char *err, size_t errlen);

#endif
