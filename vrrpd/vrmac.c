/* vrmac.c - the virtual router MAC and its interface name (vrmac.h). */
#include "vrmac.h"

#include <stdio.h>
#include <sys/socket.h>

int vrmac_address(int family, unsigned vrid, uint8_t mac[6])
{
	/* RFC 5798 7.3: the IANA block 00-00-5E, then 00-01 (IPv4) or
	 * 00-02 (IPv6), then the VRID. */
	if ((family != AF_INET && family != AF_INET6) || vrid < 1 || vrid > 255)
		return -1;
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = family == AF_INET ? 0x01 : 0x02;
	mac[5] = (uint8_t)vrid;
	return 0;
}

int vrmac_ifname(int family, unsigned vrid, char name[VRMAC_NAME_MAX])
{
	uint8_t mac[6];

	if (vrmac_address(family, vrid, mac) < 0)
		return -1;
	snprintf(name, VRMAC_NAME_MAX, "%s.%u", family == AF_INET ? "vrrp" : "vrrp6", vrid);
	return 0;
}
