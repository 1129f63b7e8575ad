/* vrmac.h - the virtual router MAC address (RFC 5798 section 7.3) and
 * the name of the macvlan interface that carries it (virtual_mac). */
#ifndef VIPD_VRMAC_H
#define VIPD_VRMAC_H

#include <net/if.h>
#include <stdint.h>

/* "vrrp.200" (IPv4) or "vrrp6.200" (IPv6): at most 9 characters. */
#define VRMAC_NAME_MAX 16

/* 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6.
 * 0, or -1 for another family or VRID 0. */
int vrmac_address(int family, unsigned vrid, uint8_t mac[6]);

/* The macvlan's name; -1 as vrmac_address(). */
int vrmac_ifname(int family, unsigned vrid, char name[VRMAC_NAME_MAX]);

#endif
