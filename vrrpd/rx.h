/* rx.h - what a capture delivers: each packet decoded, given to the
 * instance it is for, or dropped with its reason counted and logged. */
#ifndef VIPD_RX_H
#define VIPD_RX_H

#include <stddef.h>
#include <stdint.h>

#include "fsm.h"

/* A dropped advert is logged at most once per instance (or interface,
 * for one no instance owns) and reason in this time; the lines held back
 * are counted on the next one. */
#define RX_DROP_LOG_PERIOD (10 * 1000000LL)

struct vipd;
struct iface;

struct rx_ctx {
	struct vipd *d;
	struct iface *ifc;
	fsm_time now;
};

/* capture_cb for the capture of rx->ifc (arg is a struct rx_ctx). */
void rx_packet(void *arg, const uint8_t *p, size_t len);

#endif
