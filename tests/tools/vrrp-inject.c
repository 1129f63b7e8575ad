/* vrrp-inject - send hand-made VRRPv3 advertisements, valid or broken.
 *
 * The integration tests use it to check that vipd drops what RFC 5798
 * section 7.1 says a receiver must drop, counts each drop under its
 * reason, and keeps its state. The packet is built by proto_encode_ip(),
 * the same code the daemon uses, and then damaged on purpose (version,
 * type, count, interval, fragment flag, checksum, truncation). It leaves
 * on an AF_PACKET datagram socket, so the kernel neither fixes nor
 * refuses anything in it.
 *
 *   vrrp-inject -i eth0 --src 10.99.22.100 --vrid 200 --prio 254 \
 *               --interval 100 --addr 10.99.22.200 --ttl 254
 *   vrrp-inject -i eth0 --raw 4510...   (an IP packet as captured: a replay)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "proto.h"

#define PKT_MAX 8192
#define IPV4_HDR 20
#define IPV6_HDR 40

/* What the command line asked for. -1 in an int field: leave it as the
 * encoder wrote it. */
struct inject_opts {
	const char *ifname;
	int family;
	struct ipaddr src, dst;
	bool have_src, have_dst;
	struct vrrp_advert adv;
	int ttl;
	int version, type;
	int naddrs_field;     /* overwrite the Count IPvX Addr byte */
	bool bad_checksum;
	bool more_fragments;  /* IPv4 MF flag: a fragment, which vipd refuses */
	long truncate;        /* -1: send it whole */
	bool keep_length;     /* truncate without fixing the IP length field */
	enum vrrp_cksum mode;
	long count;
	long gap_ms;
	bool hex;             /* print the packet, one hex line */
	bool dry_run;         /* print, do not send */
	uint8_t mac[6];
	bool have_mac;
	const char *raw;      /* send these bytes (hex) as they are */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vrrp-inject -i IFNAME [-6] --src ADDR [--dst ADDR] --vrid N --prio N\n"
		"                   --interval CS --addr A [--addr B...] [--ttl N]\n"
		"                   [--version N] [--type N] [--naddrs N] [--bad-checksum]\n"
		"                   [--mf] [--truncate LEN [--keep-length]] [--cksum-plain]\n"
		"                   [--count N] [--gap MS] [--mac XX:XX:XX:XX:XX:XX]\n"
		"                   [--hex] [--dry-run]\n"
		"       vrrp-inject -i IFNAME --raw HEX [--count N] [--gap MS]\n"
		"  --dst defaults to the VRRP group (224.0.0.18 or ff02::12); a multicast\n"
		"  destination goes to its group MAC, a unicast one to ff:ff:ff:ff:ff:ff.\n"
		"  --interval 0 and the field overrides are written after encoding, with\n"
		"  the checksum recomputed unless --bad-checksum is given.\n"
		"  --truncate LEN cuts the IP packet to LEN bytes and sets its length\n"
		"  field to match (--keep-length: leave the field claiming more).\n");
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "vrrp-inject: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static long parse_num(const char *s, long lo, long hi, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "vrrp-inject: %s: '%s' is not a number in %ld..%ld\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

static void parse_addr(const char *s, struct ipaddr *out, const char *what)
{
	if (ipaddr_parse(s, out) < 0) {
		fprintf(stderr, "vrrp-inject: %s: '%s' is not an IPv4 or IPv6 address\n", what, s);
		exit(2);
	}
}

static void parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		die("--mac: '%s' is not XX:XX:XX:XX:XX:XX", s);
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			die("--mac: '%s' has a byte over ff", s);
		mac[i] = (uint8_t)b[i];
	}
}

enum {
	OPT_SRC = 256, OPT_DST, OPT_VRID, OPT_PRIO, OPT_INTERVAL, OPT_ADDR, OPT_TTL,
	OPT_VERSION, OPT_TYPE, OPT_NADDRS, OPT_BADCK, OPT_MF, OPT_TRUNC, OPT_KEEPLEN,
	OPT_PLAIN, OPT_COUNT, OPT_GAP, OPT_MAC, OPT_HEX, OPT_DRY, OPT_RAW,
};

static const struct option long_opts[] = {
	{ "src", required_argument, NULL, OPT_SRC },
	{ "dst", required_argument, NULL, OPT_DST },
	{ "vrid", required_argument, NULL, OPT_VRID },
	{ "prio", required_argument, NULL, OPT_PRIO },
	{ "priority", required_argument, NULL, OPT_PRIO },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "version", required_argument, NULL, OPT_VERSION },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "naddrs", required_argument, NULL, OPT_NADDRS },
	{ "bad-checksum", no_argument, NULL, OPT_BADCK },
	{ "mf", no_argument, NULL, OPT_MF },
	{ "truncate", required_argument, NULL, OPT_TRUNC },
	{ "keep-length", no_argument, NULL, OPT_KEEPLEN },
	{ "cksum-plain", no_argument, NULL, OPT_PLAIN },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "gap", required_argument, NULL, OPT_GAP },
	{ "mac", required_argument, NULL, OPT_MAC },
	{ "hex", no_argument, NULL, OPT_HEX },
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "raw", required_argument, NULL, OPT_RAW },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void parse_args(int argc, char **argv, struct inject_opts *o)
{
	long interval = -1;
	bool have_vrid = false, have_prio = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->ttl = VRRP_TTL;
	o->version = o->type = o->naddrs_field = -1;
	o->truncate = -1;
	o->count = 1;
	o->gap_ms = 10;
	o->mode = VRRP_CKSUM_PSEUDO;

	while ((c = getopt_long(argc, argv, "i:6h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case '6': o->family = AF_INET6; break;
		case OPT_SRC: parse_addr(optarg, &o->src, "--src"); o->have_src = true; break;
		case OPT_DST: parse_addr(optarg, &o->dst, "--dst"); o->have_dst = true; break;
		case OPT_VRID:
			o->adv.vrid = (uint8_t)parse_num(optarg, 0, 255, "--vrid");
			have_vrid = true;
			break;
		case OPT_PRIO:
			o->adv.priority = (uint8_t)parse_num(optarg, 0, 255, "--prio");
			have_prio = true;
			break;
		case OPT_INTERVAL: interval = parse_num(optarg, 0, VRRP_MAX_INTERVAL, "--interval"); break;
		case OPT_ADDR:
			if (o->adv.naddrs == VRRP_MAX_ADDRS)
				die("--addr: more than %s addresses", "255");
			parse_addr(optarg, &o->adv.addrs[o->adv.naddrs++], "--addr");
			break;
		case OPT_TTL: o->ttl = (int)parse_num(optarg, 0, 255, "--ttl"); break;
		case OPT_VERSION: o->version = (int)parse_num(optarg, 0, 15, "--version"); break;
		case OPT_TYPE: o->type = (int)parse_num(optarg, 0, 15, "--type"); break;
		case OPT_NADDRS: o->naddrs_field = (int)parse_num(optarg, 0, 255, "--naddrs"); break;
		case OPT_BADCK: o->bad_checksum = true; break;
		case OPT_MF: o->more_fragments = true; break;
		case OPT_TRUNC: o->truncate = parse_num(optarg, 0, PKT_MAX, "--truncate"); break;
		case OPT_KEEPLEN: o->keep_length = true; break;
		case OPT_PLAIN: o->mode = VRRP_CKSUM_PLAIN; break;
		case OPT_COUNT: o->count = parse_num(optarg, 1, 1000000, "--count"); break;
		case OPT_GAP: o->gap_ms = parse_num(optarg, 0, 60000, "--gap"); break;
		case OPT_MAC: parse_mac(optarg, o->mac); o->have_mac = true; break;
		case OPT_HEX: o->hex = true; break;
		case OPT_DRY: o->dry_run = o->hex = true; break;
		case OPT_RAW: o->raw = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc)
		die("unexpected argument '%s'", argv[optind]);
	if (!o->ifname && !o->dry_run)
		die("%s", "-i IFNAME is required");
	if (o->raw)
		return;
	if (!o->have_src)
		die("%s", "--src is required");
	if (!have_vrid || !have_prio || interval < 0 || o->adv.naddrs == 0)
		die("%s", "--vrid, --prio, --interval and at least one --addr are required");

	if (!o->family)
		o->family = o->src.family;
	if (o->src.family != o->family)
		die("%s", "--src is not of the packet's family (-6 means IPv6)");
	if (!o->have_dst)
		ipaddr_vrrp_group(o->family, &o->dst);
	if (o->dst.family != o->family)
		die("%s", "--dst is not of the source's family");
	for (int i = 0; i < o->adv.naddrs; i++)
		if (o->adv.addrs[i].family != o->family)
			die("%s", "every --addr must be of the source's family");
	if (o->more_fragments && o->family != AF_INET)
		die("%s", "--mf applies to IPv4 only");
	o->adv.family = o->family;
	o->adv.interval = (uint16_t)interval;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's complement sum of big-endian words (RFC 1071), folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; n -= 2, p += 2)
		sum += rd16(p);
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_finish(uint32_t sum)
{
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)~sum;
}

/* The VRRP checksum of RFC 5798 5.2.8, computed here independently of
 * proto.c: the pseudo-header (source, destination, upper-layer length,
 * protocol 112) then the message with its checksum field taken as zero.
 * The 16- and 32-bit length layouts give the same one's complement sum. */
static uint16_t vrrp_checksum(const struct inject_opts *o, const uint8_t *msg, size_t len)
{
	uint32_t sum = 0;
	size_t asz = ipaddr_size(o->family);

	if (o->family == AF_INET6 || o->mode == VRRP_CKSUM_PSEUDO) {
		sum = csum_add(sum, o->src.u.bytes, asz);
		sum = csum_add(sum, o->dst.u.bytes, asz);
		sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + VRRP_IPPROTO;
	}
	sum = csum_add(sum, msg, 6);
	sum = csum_add(sum, msg + 8, len - 8);
	return csum_finish(sum);
}

static void fix_ipv4_header(uint8_t *pkt)
{
	wr16(pkt + 10, 0);
	wr16(pkt + 10, csum_finish(csum_add(0, pkt, IPV4_HDR)));
}

/* Apply the requested damage. Returns the length to send. */
static size_t mutate(const struct inject_opts *o, uint8_t *pkt, size_t len)
{
	size_t hlen = o->family == AF_INET6 ? IPV6_HDR : IPV4_HDR;
	uint8_t *msg = pkt + hlen;
	size_t msglen = len - hlen;
	bool touched = false;

	if (vrrp_checksum(o, msg, msglen) != rd16(msg + 6))
		fprintf(stderr, "vrrp-inject: warning: proto_encode_ip() wrote checksum %04x, "
			"RFC 5798 5.2.8 gives %04x\n", rd16(msg + 6), vrrp_checksum(o, msg, msglen));

	if (o->version >= 0 || o->type >= 0) {
		unsigned v = o->version >= 0 ? (unsigned)o->version : (unsigned)msg[0] >> 4;
		unsigned t = o->type >= 0 ? (unsigned)o->type : (unsigned)msg[0] & 0x0f;
		msg[0] = (uint8_t)(v << 4 | t);
		touched = true;
	}
	if (o->naddrs_field >= 0) {
		msg[3] = (uint8_t)o->naddrs_field;
		touched = true;
	}
	if (o->adv.interval == 0) { /* encoded as 1: the encoder refuses 0 */
		wr16(msg + 4, rd16(msg + 4) & 0xf000);
		touched = true;
	}
	if (touched)
		wr16(msg + 6, vrrp_checksum(o, msg, msglen));
	if (o->bad_checksum) /* never 0000 <-> ffff: those sum the same */
		wr16(msg + 6, rd16(msg + 6) ^ 0x1234);
	if (o->more_fragments) {
		pkt[6] |= 0x20;
		fix_ipv4_header(pkt);
	}
	if (o->truncate >= 0 && (size_t)o->truncate < len) {
		len = (size_t)o->truncate;
		if (!o->keep_length && o->family == AF_INET && len >= IPV4_HDR) {
			wr16(pkt + 2, (unsigned)len);
			fix_ipv4_header(pkt);
		} else if (!o->keep_length && o->family == AF_INET6 && len >= IPV6_HDR) {
			wr16(pkt + 4, (unsigned)(len - IPV6_HDR));
		}
	}
	return len;
}

/* RFC 1112 6.4 and RFC 2464 7: the group's low bits under a fixed prefix. */
static void dest_mac(const struct inject_opts *o, uint8_t mac[6])
{
	const uint8_t *a = o->dst.u.bytes;

	if (o->have_mac) {
		memcpy(mac, o->mac, 6);
	} else if (o->family == AF_INET && (a[0] & 0xf0) == 0xe0) {
		uint8_t m[6] = { 0x01, 0x00, 0x5e, a[1] & 0x7f, a[2], a[3] };
		memcpy(mac, m, 6);
	} else if (o->family == AF_INET6 && a[0] == 0xff) {
		uint8_t m[6] = { 0x33, 0x33, a[12], a[13], a[14], a[15] };
		memcpy(mac, m, 6);
	} else {
		memset(mac, 0xff, 6);
	}
}

static void print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* --raw: the packet as given; its family and destination from its header. */
static size_t raw_packet(struct inject_opts *o, uint8_t *pkt, size_t cap)
{
	size_t n = strlen(o->raw) / 2;
	unsigned b;

	if (strlen(o->raw) % 2 || n > cap || n < IPV4_HDR)
		die("--raw: '%s' is not an IP packet in hex", o->raw);
	for (size_t i = 0; i < n; i++) {
		if (sscanf(o->raw + 2 * i, "%2x", &b) != 1)
			die("--raw: '%s' is not hex", o->raw);
		pkt[i] = (uint8_t)b;
	}
	o->family = pkt[0] >> 4 == 6 ? AF_INET6 : AF_INET;
	o->dst.family = o->family;
	if (o->family == AF_INET6 && n >= IPV6_HDR)
		memcpy(o->dst.u.bytes, pkt + 24, 16);
	else
		memcpy(o->dst.u.bytes, pkt + 16, 4);
	return n;
}

int main(int argc, char **argv)
{
	struct inject_opts o;
	static uint8_t pkt[PKT_MAX];
	struct vrrp_advert adv;
	size_t len;

	parse_args(argc, argv, &o);
	if (o.raw) {
		len = raw_packet(&o, pkt, sizeof(pkt));
		goto send;
	}
	adv = o.adv;
	if (adv.interval == 0)
		adv.interval = 1;
	ssize_t n = proto_encode_ip(&adv, &o.src, &o.dst, (uint8_t)o.ttl, o.mode, pkt, sizeof(pkt));
	if (n < 0)
		die("%s", "proto_encode_ip() refused the advertisement");
	len = mutate(&o, pkt, (size_t)n);
	if (o.hex)
		print_hex(pkt, len);
	if (o.dry_run)
		return 0;
send:;

	unsigned ifindex = if_nametoindex(o.ifname);
	if (!ifindex)
		die("no interface '%s'", o.ifname);
	uint16_t ethertype = o.family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP;
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ethertype));
	if (fd < 0) {
		perror("vrrp-inject: socket(AF_PACKET)");
		return 1;
	}
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ethertype),
		.sll_ifindex = (int)ifindex,
		.sll_halen = 6,
	};
	dest_mac(&o, to.sll_addr);

	for (long i = 0; i < o.count; i++) {
		if (i && o.gap_ms)
			sleep_ms(o.gap_ms);
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
			fprintf(stderr, "vrrp-inject: send on %s: %s\n", o.ifname, strerror(errno));
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}
