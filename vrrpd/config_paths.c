/* config_paths.c - heartbeat_paths and virtual_mac in vipd.conf: the
 * links an instance also advertises and listens on, and the virtual
 * router MAC it answers from. */
#include "config.h"
#include "conf.h"
#include "config_part.h"
#include "vrmac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static void vip_heartbeat_paths(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc)
{
	cfg_opt_t *opt = cfg_getopt(sec, "heartbeat_paths");
	unsigned n = opt ? cfg_opt_size(opt) : 0;

	if (n == 0)
		return;
	vc->paths = calloc(n, sizeof(*vc->paths));
	vc->path_lines = calloc(n, sizeof(*vc->path_lines));
	if (!vc->paths || !vc->path_lines) {
		conf_msg(c, vc->line, "out of memory");
		return;
	}
	/* Each advert goes out once per path and is heard once per path:
	 * a counter that may be accepted once only (CARP, AH) would turn
	 * every copy but the first into a replay. */
	const struct conf_val *first = cfg_opt_getnptr(opt, 0);
	if (vc->protocol == VIP_PROTO_CARP || vc->auth.ah) {
		conf_msg(c, first->line, "heartbeat_paths: not with %s, whose counters accept each advert once "
			 "(the copy heard on a second path would be a replay)",
			 vc->protocol == VIP_PROTO_CARP ? "protocol = \"carp\"" : "auth_type = \"ah\"");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct conf_val *v = cfg_opt_getnptr(opt, i);
		bool dup = false;

		if (i == CONFIG_MAX_PATHS) {
			conf_bad_elem(c, "heartbeat_paths", v, "more than %d paths", CONFIG_MAX_PATHS);
			break;
		}
		if (!config_valid_ifname(v->text)) {
			conf_bad_elem(c, "heartbeat_paths", v, "not an interface name (1..%d characters without '/', "
				      "':' or blanks)", IF_NAMESIZE - 1);
			continue;
		}
		if (vc->ifname[0] && strcmp(v->text, vc->ifname) == 0) {
			conf_bad_elem(c, "heartbeat_paths", v, "the instance's own interface: a path is another link");
			continue;
		}
		for (size_t j = 0; j < vc->npaths && !dup; j++)
			if (strcmp(vc->paths[j], v->text) == 0) {
				conf_bad_elem(c, "heartbeat_paths", v, "already listed on line %d", vc->path_lines[j]);
				dup = true;
			}
		if (dup)
			continue;
		snprintf(vc->paths[vc->npaths], IF_NAMESIZE, "%s", v->text);
		vc->path_lines[vc->npaths++] = v->line;
	}
}

void config_vip_paths(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc)
{
	const struct conf_val *v;

	vip_heartbeat_paths(c, sec, vc);
	conf_get_bool(c, sec, "virtual_mac", &vc->virtual_mac);
	/* The owner's VIPs are the interface's own addresses: they stay
	 * where the system put them. */
	if (vc->virtual_mac && vc->priority == 255 && (v = conf_scalar(sec, "virtual_mac")))
		conf_bad_value(c, "virtual_mac", v, false,
			       "the address owner (priority 255) answers from its own interface");
}

/* A packet on an interface finds its instance by family and VRID: a
 * path may not bring a second instance of a VRID onto a link. */
static void path_vrid_clash(struct conf_ctx *c, const struct vip_config *a, const struct vip_config *b,
			    bool a_first)
{
	for (size_t k = 0; k < b->npaths; k++) {
		const char *p = b->paths[k];
		bool clash = strcmp(a->ifname, p) == 0;

		/* Two paths on one link: said once, at the later section. */
		for (size_t l = 0; l < a->npaths && !clash && a_first; l++)
			clash = strcmp(a->paths[l], p) == 0;
		if (clash)
			conf_msg(c, b->path_lines[k],
				 "heartbeat_paths \"%s\": vip \"%s\" (line %d) already uses VRID %u for %s on %s", p,
				 a->name, a->line, b->vrid, family_name(b->family), p);
	}
}

void config_paths_across(struct conf_ctx *c, const struct vipd_config *cfg)
{
	char shown[CONF_SHOW_MAX], name[VRMAC_NAME_MAX];

	for (size_t j = 0; j < cfg->nvips; j++) {
		const struct vip_config *b = &cfg->vips[j];

		if (!b->name[0] || !b->vrid || !b->family)
			continue;
		c->scope = conf_show(b->name, true, shown, sizeof(shown));
		for (size_t i = 0; i < cfg->nvips; i++) {
			const struct vip_config *a = &cfg->vips[i];

			if (i == j || !a->name[0] || a->vrid != b->vrid || a->family != b->family)
				continue;
			path_vrid_clash(c, a, b, i < j);
			/* One macvlan per family and VRID: its name says no more. */
			if (i < j && a->virtual_mac && b->virtual_mac && vrmac_ifname(b->family, b->vrid, name) == 0)
				conf_msg(c, b->line, "virtual_mac: vip \"%s\" (line %d) already uses %s (VRID %u, %s)",
					 a->name, a->line, name, b->vrid, family_name(b->family));
		}
	}
	c->scope = NULL;
}

int config_check_paths_exist(const struct vipd_config *cfg, bool (*exists)(const char *ifname, void *arg), void *arg,
			     char *err, size_t errlen)
{
	struct conf_ctx c = { .path = cfg->path ? cfg->path : "vipd.conf", .scope_section = "vip" };
	bool failed;

	for (size_t j = 0; j < cfg->nvips; j++) {
		const struct vip_config *vc = &cfg->vips[j];

		c.scope = vc->name;
		for (size_t i = 0; i < vc->npaths; i++)
			if (!exists(vc->paths[i], arg))
				conf_msg(&c, vc->path_lines[i], "heartbeat_paths \"%s\": no such interface on this host",
					 vc->paths[i]);
	}
	failed = conf_failed(&c);
	conf_flush(&c, err, errlen);
	return failed ? -1 : 0;
}
