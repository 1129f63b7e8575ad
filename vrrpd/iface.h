/* iface.h - the interfaces vipd listens on: one capture each, shared by
 * the instances on the interface, opened when one of them needs it,
 * closed on an error and reopened after a pause. */
#ifndef VIPD_IFACE_H
#define VIPD_IFACE_H

#include <net/if.h>
#include <stdbool.h>

#include "capture.h"
#include "evh.h"
#include "fsm.h"
#include "ratelimit.h"
#include "vipd.h"

struct iface {
	struct evh ev;        /* the capture's fd */
	struct vipd *d;
	char name[IF_NAMESIZE];
	struct capture *cap;
	struct capture_size size; /* what it was opened for */
	struct capture_size need; /* what the instances on it need (0: not known yet) */
	struct instance *by_vrid[2][256]; /* [IPv6?][VRID]: the instance for a packet */
	int ifindex;          /* the link the capture was opened on */
	fsm_time retry_at;    /* reopen after an error no sooner than this */
	char error[256];      /* last open/read error, for status and logs */
	struct ratelimit drop_log[DROP__COUNT]; /* drops no instance owns, per reason */
	struct iface *next;
};

/* The interface called name, registered on first use. */
struct iface *iface_get(struct vipd *d, const char *name);

/* Open the capture of an interface if it is closed (or was opened for a
 * link since replaced, or too small); false with ifc->error set. */
bool iface_ready(struct vipd *d, struct iface *ifc, int ifindex);

/* Open what captures can be opened now, before the privileges go. */
void iface_open_all(struct vipd *d);

/* The instance list changed: rebuild the VRID index and what each
 * capture must hold. */
void iface_index(struct vipd *d);

/* The instance for a packet on ifc, NULL if none. */
struct instance *iface_instance(const struct iface *ifc, int family, int vrid);

/* The earliest capture retry, FSM_NEVER if none; whether one is due. */
fsm_time iface_deadline(const struct vipd *d);
bool iface_retry_due(const struct vipd *d, fsm_time now);

/* Close every capture and forget the interfaces. */
void iface_free_all(struct vipd *d);

#endif
