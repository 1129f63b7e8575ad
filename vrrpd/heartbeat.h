/* heartbeat.h - an instance's heartbeat paths (heartbeat_paths): more
 * links on which it advertises and listens, so that one failed link does
 * not make a backup think the master is gone. The liveness rules are
 * pure (paths.c); this is where links, captures and the log come in.
 *
 * On a path, adverts go to the VRRP multicast group (224.0.0.18,
 * ff02::12), also for an instance with unicast_peers, whose addresses
 * belong to the main network: a path is a link of its own between the
 * routers. IPv4 adverts on a path come from the instance's primary
 * address (the one on its own interface), so the peers, the master heard
 * and the address tie-break are the same whichever path an advert takes;
 * IPv6 ones from the path's link-local address, as RFC 5798 5.1.2.1 asks. */
#ifndef VIPD_HEARTBEAT_H
#define VIPD_HEARTBEAT_H

#include <net/if.h>
#include <stdbool.h>

#include "addr.h"
#include "control.h"
#include "paths.h"
#include "vipd.h"

struct iface;
struct instance;

struct hb_path {
	char name[IF_NAMESIZE];
	struct iface *ifc;
	int ifindex;              /* while usable, else 0 */
	struct ipaddr src;        /* what adverts on it come from */
	char why[320];            /* why it is down, "" if usable */
	uint64_t send_errors;     /* failed sends in a row */
};

/* [0] is the instance's own interface, [1..] its heartbeat_paths. */
struct heartbeat {
	size_t n;
	struct hb_path *path;
	struct path_live *live;
};

/* Set up (or, on reload, update: paths kept by name keep their state and
 * counters) the paths of in for cfg. NULL heartbeat when cfg has none.
 * -1 when out of memory (the old paths stay). */
int hb_configure(struct vipd *d, struct instance *in, const struct vip_config *cfg, fsm_time now);
void hb_free(struct instance *in);

/* Look at every path's link again; main_usable: the instance runs on its
 * own interface. Changes are logged. Whether a heartbeat path's link
 * came back. */
bool hb_refresh(struct vipd *d, struct instance *in, bool main_usable, fsm_time now);

/* The instance accepted an advert that arrived on ifc. */
void hb_heard(struct instance *in, const struct iface *ifc, fsm_time now);

/* The instance changed state: every path waits afresh. */
void hb_rearm(struct instance *in, fsm_time now);

/* Whether ifc is one of the instance's heartbeat paths; and put the
 * instance into the VRID index of each (iface_index()). */
bool hb_uses(const struct instance *in, const struct iface *ifc);
void hb_index(struct instance *in);

/* "paths": [...] for vipctl status --json (nothing without paths), and
 * the text lines. */
void hb_status_json(const struct instance *in, struct sbuf *b);
void hb_status_text(const struct instance *in, struct sbuf *b);

#endif
