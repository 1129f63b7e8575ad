/* capture.h - receive VRRP advertisements with libpcap.
 *
 * One capture per interface, BPF filter "ip proto 112 or ip6 proto 112",
 * immediate mode, incoming packets only, non-blocking. The callback gets
 * the IP packet with the link-layer header stripped. */
#ifndef VIPD_CAPTURE_H
#define VIPD_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct capture;
typedef void (*capture_cb)(void *arg, const uint8_t *ip, size_t len);

/* NULL with err set if the capture cannot be opened (no such device,
 * device down, permission). */
struct capture *capture_open(const char *ifname, char *err, size_t errlen);
void capture_close(struct capture *c);
int capture_fd(const struct capture *c);
const char *capture_ifname(const struct capture *c);

/* Deliver every pending packet to cb. 0, or -1 with err on a capture
 * error (device gone, POLLERR): the caller closes and reopens later. */
int capture_dispatch(struct capture *c, capture_cb cb, void *arg, char *err, size_t errlen);

#endif
