/* config_bfd.c - the bfd { } section of vipd.conf and what it asks of
 * the instances that set bfd = true. */
#include "config_part.h"

#include <stdlib.h>

cfg_opt_t config_bfd_opts[] = {
	CONF_KEY("interval"),
	CONF_KEY("multiplier"),
	CONF_SECTION_LINE,
	CFG_END()
};

/* bfd { }: RFC 5880 takes microseconds; below a millisecond no timer of
 * this daemon keeps up, above 10 s BFD detects nothing the advert timer
 * would not. */
void config_bfd(struct conf_ctx *c, cfg_t *root, struct bfd_config *out)
{
	unsigned count = cfg_size(root, "bfd");
	long n = CONFIG_BFD_MULTIPLIER;

	out->interval_us = CONFIG_BFD_INTERVAL_US;
	out->multiplier = CONFIG_BFD_MULTIPLIER;
	if (!count)
		return;
	cfg_t *sec = cfg_getnsec(root, "bfd", 0);
	out->line = conf_section_line(sec);
	for (unsigned i = 1; i < count; i++)
		conf_msg(c, conf_section_line(cfg_getnsec(root, "bfd", i)), "bfd: a second section (the first is on line %d)",
			 out->line);
	conf_get_seconds(c, sec, "interval", 1000, 1000, 10 * 1000000, "0.001..10", &out->interval_us);
	conf_get_int(c, sec, "multiplier", 1, 255, &n);
	out->multiplier = (uint8_t)n;
}

/* BFD runs sessions with the instance's peers: it must have some. */
void config_bfd_peers(struct conf_ctx *c, cfg_t *root, const struct vipd_config *cfg)
{
	char shown[CONF_SHOW_MAX];

	for (size_t j = 0; j < cfg->nvips; j++) {
		const struct vip_config *vc = &cfg->vips[j];
		const struct conf_val *v = conf_scalar(cfg_getnsec(root, "vip", (unsigned)j), "bfd");

		if (!vc->bfd || vc->nrouters || !vc->name[0] || !vc->family)
			continue;
		c->scope = conf_show(vc->name, true, shown, sizeof(shown));
		conf_msg(c, v ? v->line : vc->line,
			 vc->peers_from == PEERS_ANY
				 ? "bfd = true: peers = { } names no router to run BFD sessions with: list the other routers"
				 : "bfd = true: no peer to run BFD sessions with: list the other routers in peers, "
				   "unicast_peers or the global peers");
	}
	c->scope = NULL;
}
