/* config_part.h - what config.c and config_track.c, the two halves of the
 * vipd.conf loader, share. Not for the rest of vipd: see config.h. */
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

#endif
