/* config_part.h - what the parts of the vipd.conf loader (config.c,
 * config_track.c, config_paths.c, config_bfd.c) share. Not for the rest
 * of vipd: see config.h. */
#ifndef VIPD_CONFIG_PART_H
#define VIPD_CONFIG_PART_H

#include <stdbool.h>

#include "conf.h"
#include "config.h"

/* 1..CONFIG_NAME_MAX-1 characters of A-Z a-z 0-9 _ . - */
bool config_valid_name(const char *s);
/* The kernel's rule for interface names (dev_valid_name). */
bool config_valid_ifname(const char *s);

/* track_interface, track_http, track_script, wait_for_tracks and the
 * notify keys of one vip section, into vc. */
void config_vip_tracking(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc);

/* heartbeat_paths and virtual_mac of one vip section, into vc (after
 * its protocol keys). */
void config_vip_paths(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc);

/* What paths and virtual MACs must not share across instances. */
void config_paths_across(struct conf_ctx *c, const struct vipd_config *cfg);

/* The keys of the bfd section. */
extern cfg_opt_t config_bfd_opts[];

/* bfd { interval multiplier } (defaults without the section), and every
 * instance with bfd = true must have peers to run sessions with. */
void config_bfd(struct conf_ctx *c, cfg_t *root, struct bfd_config *out);
void config_bfd_peers(struct conf_ctx *c, cfg_t *root, const struct vipd_config *cfg);

#endif
