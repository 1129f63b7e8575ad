/* drop.h - a dropped packet described for the log. */
#ifndef VIPD_DROP_H
#define VIPD_DROP_H

#include <stddef.h>

#include "proto.h"

/* "TTL 64, should be 255": the offending value and the rule, without the
 * sender; the reason's name when nothing more is known. Returns buf. */
char *drop_describe(const struct vrrp_drop_info *why, char *buf, size_t len);

#endif
