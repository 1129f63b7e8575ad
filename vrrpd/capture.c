/* capture.c - receive VRRP advertisements with libpcap.
 *
 * A packet socket sees every advertisement on the segment regardless of
 * which addresses the host holds, and the BPF filter runs in the kernel,
 * so the daemon wakes only for VRRP. */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <net/if.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>

#define CAPTURE_BUFFER_MIN (128 * 1024)
#define CAPTURE_BUFFER_MAX (8 * 1024 * 1024)
#define CAPTURE_SNAPLEN_MIN 256
/* Each packet takes a fixed slot of the ring in immediate mode
 * (TPACKET_V2): the snapshot length and libpcap's and the kernel's
 * headers, rounded. */
#define CAPTURE_SLOT_OVERHEAD 96
#define CAPTURE_BURSTS 4
/* AH (51): VRRPv2 adverts authenticated as keepalived does. */
#define CAPTURE_FILTER "ip proto 112 or ip6 proto 112 or ip proto 51"

#define ETHERTYPE_IP4 0x0800
#define ETHERTYPE_IP6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETH_HLEN 14
#define VLAN_TAG_LEN 4
#define SLL_HLEN 16

struct capture {
	struct capture_size size;
	pcap_t *pcap;
	int dlt;
	char ifname[IFNAMSIZ];
	/* Valid only during capture_dispatch(). */
	capture_cb cb;
	void *arg;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* libpcap puts back into the frame the 802.1Q tag the kernel had moved
 * to packet metadata, while the kernel-side filter matched the untagged
 * frame, so tagged VRRP reaches us here. Decide as the kernel's own IP
 * input does: a priority tag (VID 0) belongs to this interface's
 * segment; any other VID is another VLAN's traffic (often with the same
 * VRIDs) that only passes through, and must not count as an advert. */
static const uint8_t *skip_ethertype(const uint8_t *p, const uint8_t *end, uint16_t type)
{
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (end - p < VLAN_TAG_LEN || (get16(p) & 0x0fff) != 0)
			return NULL;
		type = get16(p + 2);
		p += VLAN_TAG_LEN;
	}
	return type == ETHERTYPE_IP4 || type == ETHERTYPE_IP6 ? p : NULL;
}

/* The IP packet inside a captured frame, or NULL if there is none. */
static const uint8_t *strip_link(int dlt, const uint8_t *p, const uint8_t *end)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (end - p < ETH_HLEN)
			return NULL;
		return skip_ethertype(p + ETH_HLEN, end, get16(p + 12));
	case DLT_LINUX_SLL:
		if (end - p < SLL_HLEN)
			return NULL;
		return skip_ethertype(p + SLL_HLEN, end, get16(p + 14));
	case DLT_RAW:
		return p;
	default:
		return NULL;
	}
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	const uint8_t *end = bytes + h->caplen;
	const uint8_t *ip = strip_link(c->dlt, bytes, end);

	if (ip && ip < end)
		c->cb(c->arg, ip, (size_t)(end - ip));
}

/* libpcap reports "the interface went down" (ENETDOWN on the packet
 * socket) only by switching to a mode that needs a poll every
 * millisecond, which an event loop cannot honour; and the socket itself
 * stays silent until the link returns. Read the socket error ourselves
 * so a down or vanished link becomes an error the caller acts on. */
static int socket_error(const struct capture *c)
{
	struct pollfd pfd = { .fd = pcap_get_selectable_fd(c->pcap), .events = POLLIN };
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLERR))
		return 0;
	if (getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return errno;
	return soerr;
}

int capture_dispatch(struct capture *c, capture_cb cb, void *arg, char *err, size_t errlen)
{
	int soerr = socket_error(c);

	if (soerr) {
		snprintf(err, errlen, "%s: capture stopped: %s", c->ifname,
			 soerr == ENETDOWN ? "interface down or removed" : strerror(soerr));
		return -1;
	}
	c->cb = cb;
	c->arg = arg;
	/* pcap_dispatch() returns after one buffer's worth: loop until the
	 * socket is empty, as the caller waits for the next readiness. */
	int n;
	while ((n = pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c)) > 0)
		;
	c->cb = NULL;
	if (n < 0 && n != PCAP_ERROR_BREAK) {
		snprintf(err, errlen, "%s: capture failed: %s", c->ifname, pcap_geterr(c->pcap));
		return -1;
	}
	if (pcap_get_required_select_timeout(c->pcap)) {
		/* libpcap saw the ENETDOWN before we did (it arrived between
		 * our check and its poll). */
		snprintf(err, errlen, "%s: capture stopped: interface down or removed", c->ifname);
		return -1;
	}
	return 0;
}

/* --- opening --- */

static bool dlt_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_RAW;
}

/* Without promiscuous mode a NIC's multicast filter drops frames for
 * groups nobody joined, and nothing joins 224.0.0.18 / ff02::12 for us.
 * A membership on the capture's own socket ends with the socket. */
static int join_vrrp_groups(struct capture *c, char *err, size_t errlen)
{
	static const uint8_t groups[][6] = {
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x12 }, /* 224.0.0.18 */
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x12 }, /* ff02::12 */
	};
	int ifindex = (int)if_nametoindex(c->ifname);

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_MULTICAST,
					  .mr_alen = 6 };
		memcpy(mr.mr_address, groups[i], 6);
		if (setsockopt(pcap_get_selectable_fd(c->pcap), SOL_PACKET, PACKET_ADD_MEMBERSHIP,
			       &mr, sizeof(mr)) < 0) {
			snprintf(err, errlen, "%s: cannot join VRRP multicast group: %s", c->ifname,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int activate(struct capture *c, char *err, size_t errlen)
{
	pcap_set_snaplen(c->pcap, (int)c->size.snaplen);
	pcap_set_promisc(c->pcap, 0);
	/* Deliver each advertisement at once, not when a buffer fills:
	 * timers of 10 ms depend on it. */
	pcap_set_immediate_mode(c->pcap, 1);
	/* The kernel ring is resident memory; libpcap's 2 MiB default would
	 * be most of the daemon's footprint: it is sized to the bursts the
	 * instances on this interface can bring (capture_size). */
	pcap_set_buffer_size(c->pcap, (int)c->size.buffer);
	int rc = pcap_activate(c->pcap);
	if (rc < 0) {
		/* libpcap fills its error text with the status text itself
		 * when it has nothing more specific to say. */
		const char *status = pcap_statustostr(rc), *detail = pcap_geterr(c->pcap);
		bool extra = detail[0] && strcmp(detail, status) != 0;
		snprintf(err, errlen, "%s: cannot capture: %s%s%s", c->ifname, status,
			 extra ? ": " : "", extra ? detail : "");
		return -1;
	}
	return 0;
}

static int configure(struct capture *c, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;

	c->dlt = pcap_datalink(c->pcap);
	if (!dlt_supported(c->dlt)) {
		snprintf(err, errlen, "%s: cannot capture: unsupported link type %s", c->ifname,
			 pcap_datalink_val_to_name(c->dlt) ? pcap_datalink_val_to_name(c->dlt) : "?");
		return -1;
	}
	/* Our own adverts would otherwise come back as received ones. */
	if (pcap_setdirection(c->pcap, PCAP_D_IN) < 0 ||
	    pcap_compile(c->pcap, &prog, CAPTURE_FILTER, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s: cannot capture: %s", c->ifname, pcap_geterr(c->pcap));
		return -1;
	}
	int rc = pcap_setfilter(c->pcap, &prog);
	pcap_freecode(&prog);
	if (rc < 0 || pcap_setnonblock(c->pcap, 1, ebuf) < 0) {
		snprintf(err, errlen, "%s: cannot capture: %s", c->ifname,
			 rc < 0 ? pcap_geterr(c->pcap) : ebuf);
		return -1;
	}
	int fd = pcap_get_selectable_fd(c->pcap);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot capture: no selectable descriptor", c->ifname);
		return -1;
	}
	/* Notify scripts are exec'd children; they must not inherit it. */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return c->dlt == DLT_EN10MB ? join_vrrp_groups(c, err, errlen) : 0;
}

void capture_size(size_t n, size_t maxaddrs, size_t addrlen, struct capture_size *out)
{
	/* Link header with a VLAN tag, IP header with options, the VRRP
	 * header, VRRPv2's authentication data and an AH header. */
	size_t snap = 18 + 60 + 8 + 8 + 24 + maxaddrs * addrlen;
	size_t buf;

	snap = (snap + 63) / 64 * 64;
	if (snap < CAPTURE_SNAPLEN_MIN)
		snap = CAPTURE_SNAPLEN_MIN;
	buf = CAPTURE_BURSTS * (n ? n : 1) * (snap + CAPTURE_SLOT_OVERHEAD);
	if (buf < CAPTURE_BUFFER_MIN)
		buf = CAPTURE_BUFFER_MIN;
	if (buf > CAPTURE_BUFFER_MAX)
		buf = CAPTURE_BUFFER_MAX;
	out->snaplen = (unsigned)snap;
	out->buffer = (unsigned)buf;
}

struct capture *capture_open(const char *ifname, const struct capture_size *size, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c;

	if (strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "%s: cannot capture: interface name too long", ifname);
		return NULL;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		snprintf(err, errlen, "%s: cannot capture: out of memory", ifname);
		return NULL;
	}
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	c->size = *size;
	c->pcap = pcap_create(ifname, ebuf);
	if (!c->pcap) {
		snprintf(err, errlen, "%s: cannot capture: %s", ifname, ebuf);
		free(c);
		return NULL;
	}
	if (activate(c, err, errlen) < 0 || configure(c, err, errlen) < 0) {
		capture_close(c);
		return NULL;
	}
	return c;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	pcap_close(c->pcap);
	free(c);
}

int capture_fd(const struct capture *c)
{
	return pcap_get_selectable_fd(c->pcap);
}

const char *capture_ifname(const struct capture *c)
{
	return c->ifname;
}
