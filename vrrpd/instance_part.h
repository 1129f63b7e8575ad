/* instance_part.h - what the parts of an instance (instance.c,
 * instance_vips.c, instance_notify.c) share. Not for the rest of vipd:
 * see instance.h. */
#ifndef VIPD_INSTANCE_PART_H
#define VIPD_INSTANCE_PART_H

#include <stdbool.h>

#include "instance.h"
#include "vmac.h"

/* The address owner (priority 255) has its VIPs as its own addresses. */
static inline bool instance_is_owner(const struct instance *in)
{
	return in->cfg->priority == 255;
}

/* Where the VIPs live: the macvlan with virtual_mac, else the interface. */
static inline int instance_vip_ifindex(const struct instance *in)
{
	return in->vmac ? in->vmac->ifindex : in->ifindex;
}

/* Raise promote_secondaries on the VIPs' interface (IPv4), logged. */
void instance_promote(struct vipd *d, struct instance *in);

/* Install the VIPs of n instances with one netlink batch (the macvlans
 * set up first); remove one instance's. Failures are logged. */
void instance_install(struct vipd *d, struct instance *const *list, size_t n);
static inline void instance_add_vips(struct vipd *d, struct instance *in)
{
	instance_install(d, &in, 1);
}
void instance_del_vips(struct vipd *d, struct instance *in);

/* Put back, in one batch, the VIPs someone else removed; whether any was
 * missing (each counted and logged). */
bool instance_restore_vips(struct vipd *d, struct instance *in);

/* Queue a call of the notify hook for the change from -> the current
 * state, and start it if none runs; start the next one that is due. */
void instance_notify(struct vipd *d, struct instance *in, enum fsm_state from, const char *reason, fsm_time now);
void instance_notify_run(struct vipd *d, struct instance *in, fsm_time now);

#endif
