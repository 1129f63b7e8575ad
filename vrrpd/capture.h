/* capture.h - receive VRRP advertisements with libpcap.
 *
 * One capture per interface, BPF filter "ip proto 112 or ip6 proto 112 or
 * ip proto 51" (VRRPv2 inside IPsec AH),
 * immediate mode, incoming packets only, non-blocking. The callback gets
 * the IP packet with the link-layer header stripped. */
#ifndef VIPD_CAPTURE_H
#define VIPD_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct capture;
typedef void (*capture_cb)(void *arg, const uint8_t *ip, size_t len);

/* How much the capture keeps: snaplen bytes of each packet (enough for
 * the largest advert expected), and a kernel ring for burst packets of
 * that size read at once. capture_size() works it out. */
struct capture_size {
	unsigned snaplen;
	unsigned buffer;
};

/* For n instances on the interface whose largest advert carries maxaddrs
 * addresses of addrlen bytes: every router sends its adverts of one
 * interval in one burst, and the ring holds several such bursts. */
void capture_size(size_t n, size_t maxaddrs, size_t addrlen, struct capture_size *out);

/* NULL with err set if the capture cannot be opened (no such device,
 * device down, permission). */
struct capture *capture_open(const char *ifname, const struct capture_size *size, char *err, size_t errlen);
void capture_close(struct capture *c);
int capture_fd(const struct capture *c);
const char *capture_ifname(const struct capture *c);

/* Deliver every pending packet to cb. 0, or -1 with err on a capture
 * error (device gone, POLLERR): the caller closes and reopens later. */
int capture_dispatch(struct capture *c, capture_cb cb, void *arg, char *err, size_t errlen);

#endif
