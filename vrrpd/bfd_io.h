/* bfd_io.h - the BFD sessions of the daemon: one per peer router and
 * interface, shared by every instance with bfd = true whose peers name
 * that router, whatever the number of VIPs. Sockets, timers and what a
 * session going down means for the instances; the protocol is bfd.c's. */
#ifndef VIPD_BFD_IO_H
#define VIPD_BFD_IO_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "bfd.h"
#include "evh.h"
#include "fsm.h"
#include "ratelimit.h"

struct vipd;

struct bfd_peer {
	struct bfd_session s;
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct ipaddr peer;          /* the remote router */
	struct ipaddr self;          /* the source: the interface's primary address, never a VIP */
	int fd;                      /* sends, from a port in 49152..65535; -1 if it could not open */
	uint16_t sport;
	bool used;                   /* some running instance needs it (bfd_io_sync) */
	uint64_t send_errors;
	struct ratelimit drop_log[BFD_DROP__COUNT];
	struct bfd_peer *next;
};

struct bfd_rx {
	struct evh ev;
	struct bfd_io *io;
	int fd;                      /* UDP port 3784 of one family, -1 when closed */
	int family;
};

struct bfd_io {
	struct vipd *d;
	struct bfd_rx rx[2];         /* IPv4, IPv6 */
	struct bfd_peer *peers;
	size_t npeers;
	uint64_t stray_drops[BFD_DROP__COUNT]; /* packets no session could own */
	struct ratelimit stray_log[BFD_DROP__COUNT];
};

/* Sessions follow the instances: one for every peer of every running
 * instance with bfd = true, the others taken down (AdminDown). Called
 * after links, addresses or the configuration changed. */
void bfd_io_sync(struct vipd *d);

/* The loop's deadline and timer. */
fsm_time bfd_io_deadline(const struct vipd *d);
void bfd_io_timer(struct vipd *d, fsm_time now);

/* The same, from inside long work (a burst of adverts, hundreds of
 * instances changing state): runs the timers if one is due, so that our
 * packets keep their pace and the peers do not take a busy router for a
 * dead one. Cheap when nothing is due. */
void bfd_io_poll(struct vipd *d);

/* Every session AdminDown (the peers know it is no failure), sockets
 * closed. */
void bfd_io_free(struct vipd *d);

#endif
