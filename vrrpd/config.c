/* config.c - vipd.conf: libconfuse syntax, validated into struct vipd_config.
 *
 * lib/conf.c keeps every value with its line; typing, ranges and defaults
 * are applied here, over the whole tree, so that one run reports every
 * problem with its line instead of stopping at the first. */
#include "config.h"
#include "conf.h"
#include "config_part.h"
#include "hostport.h"

#include <confuse.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_ADDRS 255

/* What the cross-instance checks need to point back into the file. */
struct vip_src {
	int vrid_line;
	const struct conf_val **addr;  /* parallel to vip_config.addrs */
};

/* What every checked track takes besides its target (track_common()). */
#define TRACK_KEYS                                                              \
	CONF_KEY("interval"), CONF_KEY("timeout"), CONF_KEY("rise"), CONF_KEY("fall"), CONF_KEY("weight"), CONF_KEY("fault"), \
	CONF_SECTION_LINE, CFG_END()

static cfg_opt_t track_http_opts[] = { CONF_KEY("url"), CONF_KEY("expect"), TRACK_KEYS };
static cfg_opt_t track_script_opts[] = { CONF_KEY("command"), TRACK_KEYS };

static cfg_opt_t group_opts[] = {
	CONF_LIST("members"),
	CONF_SECTION_LINE,
	CFG_END()
};

static cfg_opt_t vip_opts[] = {
	CONF_KEY("interface"),
	CONF_KEY("vrid"),
	CONF_KEY("priority"),
	CONF_KEY("advert_interval"),
	CONF_KEY("preempt"),
	CONF_KEY("preempt_delay"),
	CONF_KEY("protocol"),
	CONF_LIST("address"),
	CONF_LIST("unicast_peers"),
	CONF_LIST("peers"),
	CONF_KEY("checksum_mode"),
	CONF_KEY("accept_mode"),
	CONF_KEY("garp_count"),
	CONF_KEY("garp_delay"),
	CONF_KEY("password"),
	CONF_KEY("advbase"),
	CONF_KEY("advskew"),
	CONF_KEY("auth_type"),
	CONF_LIST("track_interface"),
	CFG_SEC("track_http", track_http_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("track_script", track_script_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CONF_KEY("wait_for_tracks"),
	CONF_KEY("notify"),
	CONF_KEY("notify_timeout"),
	CONF_KEY("notify_retries"),
	CONF_LIST("heartbeat_paths"),
	CONF_KEY("virtual_mac"),
	CONF_KEY("bfd"),
	CONF_SECTION_LINE,
	CFG_END()
};

static cfg_opt_t root_opts[] = {
	CONF_KEY("socket"),
	CONF_KEY("state_dir"),
	CONF_KEY("metrics"),
	CONF_LIST("peers"),
	CFG_SEC("vip", vip_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("group", group_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("bfd", config_bfd_opts, CFGF_MULTI),
	CFG_END()
};

static const struct conf_choice protocols[] = {
	{ "vrrp3", VIP_PROTO_VRRP3, true },
	{ "vrrp2", VIP_PROTO_VRRP2, true },
	{ "carp", VIP_PROTO_CARP, true },
};

static const struct conf_choice auth_types[] = {
	{ "pass", 0, true },
	{ "ah", 1, true },
};

static const struct conf_choice cksum_modes[] = {
	{ "pseudo-header", VRRP_CKSUM_PSEUDO, true },
	{ "rfc9568", VRRP_CKSUM_PLAIN, true },
};

/* ---- addresses --------------------------------------------------------- */

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static bool addr_is_multicast(const struct ipaddr *a)
{
	return a->family == AF_INET ? (a->u.bytes[0] & 0xf0) == 0xe0 : a->u.bytes[0] == 0xff;
}

static bool addr_is_unspecified(const struct ipaddr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->u.bytes, zero, ipaddr_size(a->family)) == 0;
}

static bool addr_is_loopback(const struct ipaddr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	return a->family == AF_INET ? a->u.bytes[0] == 127
				    : memcmp(a->u.bytes, v6_loopback, 16) == 0;
}

static bool addr_is_v6_link_local(const struct ipaddr *a)
{
	return a->family == AF_INET6 && a->u.bytes[0] == 0xfe && (a->u.bytes[1] & 0xc0) == 0x80;
}

/* Why a can't be a VIP, NULL if it can. */
static const char *vip_addr_problem(const struct ipaddr *a)
{
	if (addr_is_v6_link_local(a))
		return "an IPv6 link-local address cannot be a VIP";
	if (addr_is_multicast(a) || addr_is_unspecified(a) || addr_is_loopback(a))
		return "not a unicast address";
	return NULL;
}

static void vip_addresses(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc, struct vip_src *src)
{
	cfg_opt_t *opt = cfg_getopt(sec, "address");
	unsigned n = opt ? cfg_opt_size(opt) : 0;

	if (n == 0) {
		conf_msg(c, vc->line, "address is required (at least one VIP)");
		return;
	}
	vc->addrs = calloc(n, sizeof(*vc->addrs));
	src->addr = calloc(n, sizeof(*src->addr));
	if (!vc->addrs || !src->addr) {
		conf_msg(c, vc->line, "out of memory");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct conf_val *v = cfg_opt_getnptr(opt, i);
		struct ipprefix p;
		const char *why;
		char first[IPADDR_STRLEN];

		if (i == CONFIG_MAX_ADDRS) {
			conf_bad_elem(c, "address", v, "more than %d addresses", CONFIG_MAX_ADDRS);
			break;
		}
		if (ipprefix_parse(v->text, &p) < 0) {
			conf_bad_elem(c, "address", v, "not an IP address with an optional /LEN");
			continue;
		}
		if (vc->family && p.addr.family != vc->family) {
			conf_bad_elem(c, "address", v, "%s, but %s is %s: one instance holds one family",
				 family_name(p.addr.family), ipprefix_str(&vc->addrs[0], first),
				 family_name(vc->family));
			continue;
		}
		if ((why = vip_addr_problem(&p.addr)) != NULL) {
			conf_bad_elem(c, "address", v, "%s", why);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < vc->naddrs && !dup; j++)
			if (ipaddr_equal(&vc->addrs[j].addr, &p.addr)) {
				conf_bad_elem(c, "address", v, "already listed on line %d", src->addr[j]->line);
				dup = true;
			}
		if (dup)
			continue;
		vc->family = p.addr.family;
		src->addr[vc->naddrs] = v;
		vc->addrs[vc->naddrs++] = p;
	}
}

/* A list of router addresses (unicast_peers, peers): each an address of
 * family (0: either), unicast, listed once. For peers, also not loopback:
 * adverts never come from there. Fills *out and *lines (n each). */
static void addr_list(struct conf_ctx *c, cfg_t *sec, const char *key, int family, bool peers, int line,
		      struct ipaddr **out, int **lines, size_t *n)
{
	cfg_opt_t *opt = cfg_getopt(sec, key);
	unsigned max = opt ? cfg_opt_size(opt) : 0;

	if (max == 0)
		return;
	*out = calloc(max, sizeof(**out));
	*lines = calloc(max, sizeof(**lines));
	if (!*out || !*lines) {
		conf_msg(c, line, "out of memory");
		return;
	}
	for (unsigned i = 0; i < max; i++) {
		const struct conf_val *v = cfg_opt_getnptr(opt, i);
		struct ipaddr a;

		if (ipaddr_parse(v->text, &a) < 0) {
			conf_bad_elem(c, key, v, "not an IP address");
			continue;
		}
		if (family && a.family != family) {
			conf_bad_elem(c, key, v, "%s, but the addresses are %s", family_name(a.family),
				      family_name(family));
			continue;
		}
		if (addr_is_multicast(&a) || addr_is_unspecified(&a) || (peers && addr_is_loopback(&a))) {
			conf_bad_elem(c, key, v, "not a unicast address");
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < *n && !dup; j++)
			if (ipaddr_equal(&(*out)[j], &a)) {
				conf_bad_elem(c, key, v, "already listed on line %d", (*lines)[j]);
				dup = true;
			}
		if (dup)
			continue;
		(*lines)[*n] = v->line;
		(*out)[(*n)++] = a;
	}
}

static void vip_peers(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc)
{
	int *lines = NULL;

	addr_list(c, sec, "unicast_peers", vc->family, false, vc->line, &vc->peers, &lines, &vc->npeers);
	free(lines);
	/* The section's own peers; an empty list says "anyone" and overrides
	 * the global peers. Where the peers come from is settled once every
	 * section is read (resolve_peers()). */
	if (conf_list_set_empty(sec, "peers"))
		vc->peers_from = PEERS_ANY;
	addr_list(c, sec, "peers", vc->family, true, vc->line, &vc->routers, &vc->router_lines, &vc->nrouters);
	if (vc->nrouters)
		vc->peers_from = PEERS_OWN;
}

/* ---- sections ---------------------------------------------------------- */

static void vip_protocol_keys(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc);

static void vip_build(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc, struct vip_src *src)
{
	const struct conf_val *v;
	long n;
	char shown[CONF_SHOW_MAX];

	vc->line = conf_section_line(sec);
	vc->priority = 100;
	vc->interval = 100;
	vc->preempt = true;
	vc->accept_mode = true;
	vc->protocol = VIP_PROTO_VRRP3;
	vc->checksum_mode = VRRP_CKSUM_PSEUDO;
	vc->garp_count = 3;
	vc->garp_delay_ms = 100;
	vc->group = -1;

	c->scope = conf_show(cfg_title(sec), true, shown, sizeof(shown));
	if (!config_valid_name(cfg_title(sec)))
		conf_msg(c, vc->line, "the name must be 1..%d characters of A-Z a-z 0-9 _ . -",
			CONFIG_NAME_MAX - 1);
	else
		strcpy(vc->name, cfg_title(sec));

	if (!(v = conf_scalar(sec, "interface")))
		conf_msg(c, vc->line, "interface is required");
	else if (!config_valid_ifname(v->text))
		conf_bad_value(c, "interface", v, true,
			  "must be 1..%d characters without '/', ':' or blanks", IF_NAMESIZE - 1);
	else
		strcpy(vc->ifname, v->text);

	if (!(v = conf_scalar(sec, "vrid")))
		conf_msg(c, vc->line, "vrid is required");
	n = 0;
	conf_get_int(c, sec, "vrid", 1, 255, &n);
	vc->vrid = (uint8_t)n;
	src->vrid_line = v ? v->line : vc->line;

	n = vc->priority;
	conf_get_int(c, sec, "priority", 1, 255, &n);
	vc->priority = (uint8_t)n;

	uint32_t cs = vc->interval;
	conf_get_seconds(c, sec, "advert_interval", 10000000, 1, 4095, "0.01..40.95", &cs);
	vc->interval = (uint16_t)cs;

	conf_get_bool(c, sec, "preempt", &vc->preempt);
	conf_get_seconds(c, sec, "preempt_delay", 1000000, 0, 3600 * 1000, "0..3600", &vc->preempt_delay_ms);

	int choice = vc->protocol;
	conf_get_choice(c, sec, "protocol", protocols, sizeof(protocols) / sizeof(protocols[0]), &choice);
	vc->protocol = (enum vip_protocol)choice;

	vip_addresses(c, sec, vc, src);
	vip_peers(c, sec, vc);

	choice = vc->checksum_mode;
	conf_get_choice(c, sec, "checksum_mode", cksum_modes, sizeof(cksum_modes) / sizeof(cksum_modes[0]),
		   &choice);
	vc->checksum_mode = (enum vrrp_cksum)choice;

	conf_get_bool(c, sec, "accept_mode", &vc->accept_mode);
	vip_protocol_keys(c, sec, vc);
	n = vc->garp_count;
	conf_get_int(c, sec, "garp_count", 0, 100, &n);
	vc->garp_count = (unsigned)n;
	conf_get_seconds(c, sec, "garp_delay", 1000000, 0, 10 * 1000, "0..10", &vc->garp_delay_ms);
	conf_get_bool(c, sec, "bfd", &vc->bfd);
	config_vip_tracking(c, sec, vc);
	config_vip_paths(c, sec, vc);
	c->scope = NULL;
}

/* The keys of the older protocols. VRRPv2: IPv4, whole seconds, an
 * optional text password of up to 8 bytes. CARP speaks in advbase (whole
 * seconds) and advskew (lower wins) instead of advert_interval and
 * priority, which map onto the same state machine; the HMAC key is the
 * password, and the first address is the one the HMAC covers. */
static void vip_protocol_keys(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc)
{
	const struct conf_val *pw = conf_scalar(sec, "password"), *v, *proto = conf_scalar(sec, "protocol");
	size_t max = vc->protocol == VIP_PROTO_CARP ? CARP_KEY_MAX : VRRP2_AUTH_LEN;
	int pline = proto ? proto->line : vc->line;
	long n;

	vc->auth.proto = vc->protocol;
	if (vc->protocol != VIP_PROTO_VRRP2 && (v = conf_scalar(sec, "auth_type")))
		conf_bad_value(c, "auth_type", v, true, "needs protocol = \"vrrp2\"");
	if (vc->protocol == VIP_PROTO_VRRP3) {
		if (pw)
			conf_bad_value(c, "password", pw, true, "needs protocol = \"vrrp2\" or \"carp\"");
		for (const char *const *k = (const char *const[]){ "advbase", "advskew", NULL }; *k; k++)
			if ((v = conf_scalar(sec, *k)))
				conf_bad_value(c, *k, v, false, "needs protocol = \"carp\"");
		return;
	}
	if (vc->family == AF_INET6 && vc->naddrs)
		conf_msg(c, pline, "%s speaks IPv4 only; the addresses are IPv6",
			vc->protocol == VIP_PROTO_CARP ? "carp" : "vrrp2");
	if (pw && (!pw->text[0] || strlen(pw->text) > max))
		conf_bad_value(c, "password", pw, true, "must be 1..%zu bytes for this protocol", max);
	else if (pw) {
		memcpy(vc->auth.key, pw->text, strlen(pw->text));
		vc->auth.has_key = true;
	}
	if (vc->protocol == VIP_PROTO_VRRP2) {
		/* "pass": the password in clear in every advert (RFC 2338);
		 * "ah": IPsec AH with HMAC-MD5-96 keyed by it, as keepalived's
		 * auth_type AH. */
		int ah = 0;
		conf_get_choice(c, sec, "auth_type", auth_types, sizeof(auth_types) / sizeof(auth_types[0]), &ah);
		if (ah && !pw)
			conf_msg(c, conf_scalar(sec, "auth_type")->line, "auth_type = \"ah\" needs a password (the key)");
		vc->auth.ah = ah;
		vc->auth.ah_unicast = ah && vc->npeers > 0;
		if (vc->interval % 100)
			conf_msg(c, pline, "vrrp2 advertises whole seconds: advert_interval must be 1..40");
		for (const char *const *k = (const char *const[]){ "advbase", "advskew", NULL }; *k; k++)
			if ((v = conf_scalar(sec, *k)))
				conf_bad_value(c, *k, v, false, "needs protocol = \"carp\"");
		return;
	}
	if (!pw)
		conf_msg(c, pline, "carp needs a password (the HMAC key, as ucarp's --pass)");
	if ((v = conf_scalar(sec, "priority")))
		conf_bad_value(c, "priority", v, false, "carp uses advskew (lower wins) instead");
	if ((v = conf_scalar(sec, "advert_interval")))
		conf_bad_value(c, "advert_interval", v, false, "carp uses advbase (whole seconds) instead");
	n = 1;
	conf_get_int(c, sec, "advbase", 1, 254, &n);
	vc->interval = (uint16_t)(n * 100);
	n = 0;
	conf_get_int(c, sec, "advskew", 0, 253, &n);
	vc->priority = (uint8_t)(254 - n);
	if (vc->naddrs)
		vc->auth.vaddr = vc->addrs[0].addr;
}

/* A VRID names one virtual router on a LAN (RFC 5798 5.2.3), and IPv4 and
 * IPv6 virtual routers are separate, so two instances must differ in
 * interface, family or VRID. A VIP held by two instances would flap. */
static void check_across(struct conf_ctx *c, const struct vipd_config *cfg, const struct vip_src *src)
{
	char shown[CONF_SHOW_MAX];

	for (size_t j = 0; j < cfg->nvips; j++) {
		const struct vip_config *b = &cfg->vips[j];

		if (!b->name[0])
			continue;
		c->scope = conf_show(b->name, true, shown, sizeof(shown));
		for (size_t i = 0; i < j; i++) {
			const struct vip_config *a = &cfg->vips[i];

			if (a->name[0] && b->vrid && b->family && b->ifname[0] && a->vrid == b->vrid &&
			    a->family == b->family && strcmp(a->ifname, b->ifname) == 0)
				conf_msg(c, src[j].vrid_line,
					"vrid = %u: vip \"%s\" (line %d) already uses VRID %u for %s on %s",
					b->vrid, a->name, a->line, b->vrid, family_name(b->family), b->ifname);
			for (size_t k = 0; k < b->naddrs && a->name[0]; k++)
				for (size_t l = 0; l < a->naddrs; l++)
					if (ipaddr_equal(&b->addrs[k].addr, &a->addrs[l].addr))
						conf_bad_elem(c, "address", src[j].addr[k],
							 "already a VIP of vip \"%s\" (line %d)", a->name,
							 src[i].addr[l]->line);
		}
	}
	c->scope = NULL;
}

/* A peer is another router's own address: never a VIP, which is what a
 * typo or a template that lists the wrong variable gives. */
static void check_peer_not_vip(struct conf_ctx *c, const struct vipd_config *cfg, const struct vip_src *src,
			       const struct ipaddr *a, int line)
{
	char shown[IPADDR_STRLEN];

	for (size_t j = 0; j < cfg->nvips; j++)
		for (size_t k = 0; k < cfg->vips[j].naddrs; k++)
			if (ipaddr_equal(a, &cfg->vips[j].addrs[k].addr))
				conf_msg(c, line, "peers \"%s\": a VIP (vip \"%s\", line %d), not a router's own address",
					 ipaddr_str(a, shown), cfg->vips[j].name, src[j].addr[k]->line);
}

/* IPv4 adverts come from the address a peer is known by; IPv6 ones from
 * its link-local address (RFC 5798 5.1.2.2), so unicast_peers name the
 * senders only if every one of them is link-local. */
static bool unicast_names_senders(const struct vip_config *vc)
{
	for (size_t i = 0; i < vc->npeers; i++)
		if (vc->family == AF_INET6 && !addr_is_v6_link_local(&vc->peers[i]))
			return false;
	return vc->npeers > 0;
}

static void take_peers(struct conf_ctx *c, struct vip_config *vc, const struct ipaddr *from, const int *lines,
		       size_t n, enum peers_from how)
{
	vc->routers = calloc(n, sizeof(*vc->routers));
	vc->router_lines = calloc(n, sizeof(*vc->router_lines));
	if (!vc->routers || !vc->router_lines) {
		conf_msg(c, vc->line, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (from[i].family == vc->family) {
			vc->router_lines[vc->nrouters] = lines ? lines[i] : 0;
			vc->routers[vc->nrouters++] = from[i];
		}
	vc->peers_from = how;
}

/* Each instance's peers: its own peers key, else its unicast_peers when
 * they name the senders, else the global peers of its family. A global
 * list that has none of the family is an error rather than a silent
 * "anyone": whoever wrote it meant to close the door. */
static void resolve_peers(struct conf_ctx *c, struct vipd_config *cfg, const struct vip_src *src, int global_line)
{
	char shown[CONF_SHOW_MAX];

	for (size_t i = 0; i < cfg->npeers; i++)
		check_peer_not_vip(c, cfg, src, &cfg->peers[i], cfg->peer_lines[i]);
	for (size_t j = 0; j < cfg->nvips; j++) {
		struct vip_config *vc = &cfg->vips[j];
		size_t n = 0;

		if (!vc->name[0] || !vc->family)
			continue;
		c->scope = conf_show(vc->name, true, shown, sizeof(shown));
		if (vc->peers_from == PEERS_OWN) {
			for (size_t i = 0; i < vc->nrouters; i++)
				check_peer_not_vip(c, cfg, src, &vc->routers[i], vc->router_lines[i]);
		} else if (vc->peers_from == PEERS_ANY) {
			/* peers = { }: anyone, whatever the global list says. */
		} else if (unicast_names_senders(vc)) {
			take_peers(c, vc, vc->peers, NULL, vc->npeers, PEERS_UNICAST);
		} else if (cfg->npeers) {
			for (size_t i = 0; i < cfg->npeers; i++)
				n += cfg->peers[i].family == vc->family;
			if (n == 0)
				conf_msg(c, vc->line,
					 "the global peers (line %d) list no %s router: give this instance peers of its own "
					 "(peers = { } accepts adverts from anyone)",
					 global_line, family_name(vc->family));
			else
				take_peers(c, vc, cfg->peers, cfg->peer_lines, cfg->npeers, PEERS_GLOBAL);
		}
	}
	c->scope = NULL;
}

static char *get_path(struct conf_ctx *c, cfg_t *root, const char *key, const char *def, size_t max)
{
	const struct conf_val *v = conf_scalar(root, key);
	char *s;

	if (v && (v->text[0] != '/' || strlen(v->text) >= max)) {
		conf_bad_value(c, key, v, true, "must be an absolute path shorter than %zu bytes", max);
		return NULL;
	}
	s = strdup(v ? v->text : def);
	if (!s)
		conf_msg(c, v ? v->line : 0, "out of memory");
	return s;
}

/* "ADDR:PORT" or "[ADDR6]:PORT". */
static void get_metrics(struct conf_ctx *c, cfg_t *root, struct vipd_config *out)
{
	const struct conf_val *v = conf_scalar(root, "metrics");
	char shown[CONF_SHOW_MAX];
	struct hostport hp;
	enum hostport_error e;

	if (!v)
		return;
	e = hostport_parse(v->text, strlen(v->text), 0, &hp);
	if (e == HOSTPORT_NO_HOST) {
		conf_bad_value(c, "metrics", v, true, "the address is missing (127.0.0.1:PORT for this host only)");
		return;
	}
	if (e == HOSTPORT_BAD_PORT) {
		conf_bad_value(c, "metrics", v, true, "the port must be 1..65535");
		return;
	}
	if (e != HOSTPORT_OK) {
		conf_bad_value(c, "metrics", v, true, "must be ADDR:PORT or [ADDR6]:PORT");
		return;
	}
	if (ipaddr_parse(hp.host, &out->metrics_addr) < 0) {
		conf_bad_value(c, "metrics", v, true, "%s is not an IP address",
			       conf_show(hp.host, false, shown, sizeof(shown)));
		return;
	}
	out->metrics_port = (uint16_t)hp.port;
	if (!(out->metrics = strdup(v->text)))
		conf_msg(c, v->line, "out of memory");
}

static void build_groups(struct conf_ctx *c, cfg_t *root, struct vipd_config *out)
{
	unsigned n = cfg_size(root, "group");
	char shown[CONF_SHOW_MAX];

	if (n == 0)
		return;
	out->groups = calloc(n, sizeof(*out->groups));
	if (!out->groups) {
		conf_msg(c, 0, "out of memory");
		return;
	}
	out->ngroups = n;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *gs = cfg_getnsec(root, "group", i);
		struct group_config *g = &out->groups[i];
		cfg_opt_t *opt = cfg_getopt(gs, "members");
		unsigned m = opt ? cfg_opt_size(opt) : 0;

		g->line = conf_section_line(gs);
		if (!config_valid_name(cfg_title(gs))) {
			conf_msg(c, g->line, "group \"%s\": the name must be 1..%d characters of A-Z a-z 0-9 _ . -",
				conf_show(cfg_title(gs), true, shown, sizeof(shown)), CONFIG_NAME_MAX - 1);
			continue;
		}
		strcpy(g->name, cfg_title(gs));
		if (m == 0) {
			conf_msg(c, g->line, "group \"%s\": members is required (the vip names)", g->name);
			continue;
		}
		g->members = calloc(m, sizeof(*g->members));
		if (!g->members) {
			conf_msg(c, g->line, "out of memory");
			continue;
		}
		for (unsigned j = 0; j < m; j++) {
			const struct conf_val *v = cfg_opt_getnptr(opt, j);
			size_t k;

			for (k = 0; k < out->nvips; k++)
				if (strcmp(out->vips[k].name, v->text) == 0)
					break;
			if (k == out->nvips) {
				conf_msg(c, v->line, "group \"%s\": no vip named \"%s\"", g->name,
					conf_show(v->text, true, shown, sizeof(shown)));
				continue;
			}
			struct vip_config *vc = &out->vips[k];
			if (vc->group == (int)i) {
				conf_msg(c, v->line, "group \"%s\": vip \"%s\" is listed twice", g->name, vc->name);
				continue;
			}
			if (vc->group >= 0) {
				conf_msg(c, v->line, "group \"%s\": vip \"%s\" is already in group \"%s\" (line %d)",
					g->name, vc->name, out->groups[vc->group].name,
					out->groups[vc->group].line);
				continue;
			}
			vc->group = (int)i;
			g->members[g->nmembers++] = k;
		}
	}
}

static void build(struct conf_ctx *c, cfg_t *root, struct vipd_config *out)
{
	unsigned n = cfg_size(root, "vip");
	struct vip_src *src;

	out->socket = get_path(c, root, "socket", CONFIG_DEFAULT_SOCKET,
			       sizeof(((struct sockaddr_un *)0)->sun_path));
	out->state_dir = get_path(c, root, "state_dir", CONFIG_DEFAULT_STATE_DIR, PATH_MAX);
	get_metrics(c, root, out);
	config_bfd(c, root, &out->bfd);
	addr_list(c, root, "peers", 0, true, 0, &out->peers, &out->peer_lines, &out->npeers);
	if (n == 0) {
		build_groups(c, root, out);
		return;
	}
	out->vips = calloc(n, sizeof(*out->vips));
	src = calloc(n, sizeof(*src));
	if (!out->vips || !src) {
		conf_msg(c, 0, "out of memory");
		free(src);
		return;
	}
	out->nvips = n;
	for (unsigned i = 0; i < n; i++)
		vip_build(c, cfg_getnsec(root, "vip", i), &out->vips[i], &src[i]);
	check_across(c, out, src);
	config_paths_across(c, out);
	resolve_peers(c, out, src, out->npeers ? out->peer_lines[0] : 0);
	config_bfd_peers(c, root, out);
	build_groups(c, root, out);
	for (unsigned i = 0; i < n; i++)
		free(src[i].addr);
	free(src);
}

/* ---- loading ----------------------------------------------------------- */

int config_load(const char *path, struct vipd_config *out, char *err, size_t errlen)
{
	struct conf_ctx c = { .path = path, .scope_section = "vip" };
	cfg_t *cfg;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	cfg = conf_parse_file(&c, root_opts, CONFIG_MAX_BYTES);
	if (cfg) {
		build(&c, cfg, out);
		cfg_free(cfg);
	}
	if (cfg && !conf_failed(&c) && (out->path = strdup(path)) != NULL) {
		conf_flush(&c, NULL, 0);
		return 0;
	}
	if (cfg && !conf_failed(&c))
		conf_msg(&c, 0, "out of memory");
	conf_flush(&c, err, errlen);
	config_free(out);
	return -1;
}

void config_free(struct vipd_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nvips; i++) {
		free(c->vips[i].addrs);
		free(c->vips[i].peers);
		free(c->vips[i].routers);
		free(c->vips[i].router_lines);
		for (size_t j = 0; j < c->vips[i].ntracks; j++)
			free(c->vips[i].tracks[j].target);
		free(c->vips[i].tracks);
		free(c->vips[i].notify);
		free(c->vips[i].paths);
		free(c->vips[i].path_lines);
	}
	free(c->vips);
	free(c->peers);
	free(c->peer_lines);
	for (size_t i = 0; i < c->ngroups; i++)
		free(c->groups[i].members);
	free(c->groups);
	free(c->metrics);
	free(c->path);
	free(c->socket);
	free(c->state_dir);
	memset(c, 0, sizeof(*c));
}

int config_check_own(const struct vipd_config *cfg, bool (*is_own)(const struct ipaddr *a, void *arg), void *arg,
		     char *err, size_t errlen)
{
	struct conf_ctx c = { .path = cfg->path ? cfg->path : "vipd.conf", .scope_section = "vip" };
	char a[IPADDR_STRLEN];
	bool failed;

	for (size_t i = 0; i < cfg->npeers; i++)
		if (is_own(&cfg->peers[i], arg))
			conf_msg(&c, cfg->peer_lines[i], "peers \"%s\": an address of this host: list the other routers",
				 ipaddr_str(&cfg->peers[i], a));
	for (size_t j = 0; j < cfg->nvips; j++) {
		const struct vip_config *vc = &cfg->vips[j];

		if (vc->peers_from != PEERS_OWN)
			continue;
		c.scope = vc->name;
		for (size_t i = 0; i < vc->nrouters; i++)
			if (is_own(&vc->routers[i], arg))
				conf_msg(&c, vc->router_lines[i], "peers \"%s\": an address of this host: list the other routers",
					 ipaddr_str(&vc->routers[i], a));
	}
	failed = conf_failed(&c);
	conf_flush(&c, err, errlen);
	return failed ? -1 : 0;
}

static bool prefixes_equal(const struct ipprefix *a, const struct ipprefix *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].len != b[i].len || !ipaddr_equal(&a[i].addr, &b[i].addr))
			return false;
	return true;
}

static bool addrs_equal(const struct ipaddr *a, const struct ipaddr *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ipaddr_equal(&a[i], &b[i]))
			return false;
	return true;
}

/* Every field of the definition but line: moving a section in the file
 * changes nothing. The peers (routers) and the heartbeat paths are left
 * out: a reload puts new lists into effect under the running instance. */
bool config_vip_equal(const struct vip_config *a, const struct vip_config *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->ifname, b->ifname) == 0 &&
	       a->family == b->family && a->vrid == b->vrid && a->priority == b->priority &&
	       a->interval == b->interval && a->preempt == b->preempt &&
	       a->preempt_delay_ms == b->preempt_delay_ms && a->accept_mode == b->accept_mode &&
	       a->protocol == b->protocol && a->checksum_mode == b->checksum_mode &&
	       memcmp(&a->auth, &b->auth, sizeof(a->auth)) == 0 &&
	       a->garp_count == b->garp_count && a->garp_delay_ms == b->garp_delay_ms &&
	       a->virtual_mac == b->virtual_mac &&
	       a->naddrs == b->naddrs && prefixes_equal(a->addrs, b->addrs, a->naddrs) &&
	       a->npeers == b->npeers && addrs_equal(a->peers, b->peers, a->npeers);
}

bool config_track_equal(const struct track_config *a, const struct track_config *b)
{
	return a->kind == b->kind && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->target ? a->target : "", b->target ? b->target : "") == 0 && a->expect == b->expect &&
	       a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms && a->rise == b->rise &&
	       a->fall == b->fall && a->weight == b->weight && a->fault == b->fault;
}

const struct vip_config *config_find(const struct vipd_config *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->nvips; i++)
		if (strcmp(c->vips[i].name, name) == 0)
			return &c->vips[i];
	return NULL;
}
